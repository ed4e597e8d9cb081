"""Split a document into sentences, keeping offsets and line numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .models import Sentence

# A sentence ends at one of these marks, together with any closing quotes or brackets after it.
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\"']*")
# Numbered headings: 一、… · （一）… · (一）… · 第一部分 … · 1. …
_HEADING_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十]+[部分章节篇]|\d+[.、．])"
)
_MAX_HEADING_CHARS = 50
# The level of a numbered heading, outermost first: 第一部分 · 一、 · （一） · 1. · （1）; unnumbered ones after.
_HEADING_LEVELS = [re.compile(p) for p in (
    r"^\s*第[一二三四五六七八九十]+[部分章节篇]", r"^\s*[一二三四五六七八九十]+、", r"^\s*[（(][一二三四五六七八九十]+[）)]",
    r"^\s*\d+[.、．]", r"^\s*[（(]\d+[）)]")]
UNNUMBERED = len(_HEADING_LEVELS)


def split_sentences(text: str) -> list[Sentence]:
    """All non-blank sentences of `text`, in order, with offsets into `text`."""
    sentences: list[Sentence] = []
    line_start = 0
    for line_no, line in enumerate(text.split("\n"), start=1):
        heading = is_heading_line(line)
        for start, end in _line_pieces(line):
            sentences.append(Sentence(line_start + start, line_start + end, line[start:end], line_no, heading))
        line_start += len(line) + 1
    return sentences


def _line_pieces(line: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of one line, surrounding white space trimmed."""
    start = 0
    for match in _SENTENCE_END.finditer(line):
        yield from _trimmed(line, start, match.end())
        start = match.end()
    yield from _trimmed(line, start, len(line))


def _trimmed(line: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def is_heading_line(line: str) -> bool:
    """A short stand-alone line that titles what follows (一、2021年工作回顾 · （六）制度建设…。)."""
    stripped = line.strip()
    if not stripped or len(stripped) > _MAX_HEADING_CHARS or stripped[-1] in "：:，,；;":
        return False
    inner = stripped.rstrip("。！？!?")
    if _SENTENCE_END.search(inner):
        return False
    return bool(_HEADING_NUMBER.match(stripped)) or stripped[-1] not in "。！？!?"


def heading_level(line: str) -> int:
    """How deep a heading sits: 0 for 第一部分, 1 for 一、, 2 for （一）, 3 for 1., 4 for （1）;
    `UNNUMBERED` for a heading without a number (a title, a caption, a date line)."""
    return next((level for level, pattern in enumerate(_HEADING_LEVELS) if pattern.match(line)), UNNUMBERED)
