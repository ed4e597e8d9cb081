"""Split a document into sentences, keeping offsets and line numbers."""

from __future__ import annotations

import re
from functools import partial

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
# Sentence._make without a Python call per sentence (a named tuple is a tuple built by tuple.__new__).
_SENTENCE_OF = partial(tuple.__new__, Sentence)


def split_sentences(text: str) -> list[Sentence]:
    """All non-blank sentences of `text`, in order, with offsets into `text`."""
    make = _SENTENCE_OF                             # from a tuple, in C: cheaper than Sentence._make
    if "\n" not in text:                            # one line (a line of a file, a sentence)
        heading = is_heading_line(text)
        return [make((m.start(), m.end(), m.group(), 1, heading)) for m in _SENTENCE.finditer(text)]
    sentences: list[Sentence] = []
    append = sentences.append
    line_no, counted, line_end, heading = 1, 0, -1, False
    for m in _SENTENCE.finditer(text):
        start = m.start()
        if start > line_end:                        # the first sentence of a line
            line_no += text.count("\n", counted, start)
            counted = start
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            heading = is_heading_line(text[text.rfind("\n", 0, start) + 1:line_end])
        append(make((start, m.end(), m.group(), line_no, heading)))
    return sentences


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
