"""Split a document into sentences, keeping offsets and line numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from itertools import accumulate, chain, compress, count, repeat
from operator import itemgetter

from .models import Sentence

# A sentence ends at one of these marks, together with any closing quotes or brackets after it.
_END_MARKS = "。！？；!?;"
_SENTENCE_END = re.compile(rf"[{_END_MARKS}]+[”’」』）)\"']*")
# One sentence of a line, white space around it left out, in one pass over the whole text: a run of
# end marks, or from a character that is neither space nor end mark up to and including the next
# run of end marks (with the closing quotes after it), else up to its line's last non-space character.
_SENTENCE = re.compile(rf"{_SENTENCE_END.pattern}|[^\s{_END_MARKS}](?:[^\n{_END_MARKS}]*[^\s{_END_MARKS}])?"
                       rf"(?:[^\S\n]*{_SENTENCE_END.pattern})?")
# Numbered headings: 一、… · （一）… · (一）… · 第一部分 … · 1. …
HEADING_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十]+[部分章节篇]|\d+[.、．])"
)
_MAX_HEADING_CHARS = 50
# The level of a numbered heading, outermost first: 第一部分 · 一、 · （一） · 1. · （1）; unnumbered ones after.
_HEADING_LEVELS = [re.compile(p) for p in (
    r"^\s*第[一二三四五六七八九十]+[部分章节篇]", r"^\s*[一二三四五六七八九十]+、", r"^\s*[（(][一二三四五六七八九十]+[）)]",
    r"^\s*\d+[.、．]", r"^\s*[（(]\d+[）)]")]
UNNUMBERED = len(_HEADING_LEVELS)
# Each sentence with the white space before it: (space, sentence) pairs that tile the text. A sentence
# never begins with white space, so the sentences are those of `_SENTENCE`.
_SPACED_SENTENCE = re.compile(rf"(\s*)({_SENTENCE.pattern})")
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
# Sentence._make without a Python call per sentence (a named tuple is a tuple built by tuple.__new__).
_SENTENCE_OF = partial(tuple.__new__, Sentence)


def split_sentences(text: str) -> list[Sentence]:
    """All non-blank sentences of `text`, in order, with offsets into `text`.

    A text of several lines is split in one C pass that finds each sentence with the white space
    before it: the pieces tile the text up to its trailing white space, so offsets are running sums
    of their lengths and line numbers running counts of the line breaks in the white space (no
    sentence spans a line), with no Python step per sentence.
    """
    if "\n" not in text:                            # one line (a line of a file, a sentence)
        heading = is_heading_line(text)
        return [_SENTENCE_OF((m.start(), m.end(), m.group(), 1, heading)) for m in _SENTENCE.finditer(text)]
    found = _SPACED_SENTENCE.findall(text, 0, len(text.rstrip()))   # (trailing white space: no rescans)
    bounds = list(accumulate(map(len, chain.from_iterable(found)), initial=0))
    lines = list(accumulate(map(str.count, map(_FIRST, found), repeat("\n")), initial=1))
    del lines[0]
    return list(map(_SENTENCE_OF, zip(bounds[1::2], bounds[2::2], map(_SECOND, found), lines,
                                      _heading_flags(text, lines), strict=True)))


def _heading_flags(text: str, lines: list[int]) -> Iterator[bool]:
    """Is each line number of `lines` a heading line of `text` (`is_heading_line`)? Only a line of at
    most _MAX_HEADING_CHARS characters without its white space is read."""
    rows = text.split("\n")
    short = compress(count(1), map(_MAX_HEADING_CHARS.__ge__, map(len, map(str.strip, rows))))
    headings = {n: True for n in short if is_heading_line(rows[n - 1])}
    return map(headings.get, lines, repeat(False))


def is_heading_line(line: str) -> bool:
    """A short stand-alone line that titles what follows (一、2021年工作回顾 · （六）制度建设…。)."""
    stripped = line.strip()
    if not stripped or len(stripped) > _MAX_HEADING_CHARS or stripped[-1] in "：:，,；;":
        return False
    inner = stripped.rstrip("。！？!?")
    if _SENTENCE_END.search(inner):
        return False
    return bool(HEADING_NUMBER.match(stripped)) or stripped[-1] not in "。！？!?"


def heading_level(line: str) -> int:
    """How deep a heading sits: 0 for 第一部分, 1 for 一、, 2 for （一）, 3 for 1., 4 for （1）;
    `UNNUMBERED` for a heading without a number (a title, a caption, a date line)."""
    return next((level for level, pattern in enumerate(_HEADING_LEVELS) if pattern.match(line)), UNNUMBERED)
