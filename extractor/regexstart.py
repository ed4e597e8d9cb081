"""Where can a match of a regular expression start? Read from the pattern's own text.

`landmark(pattern)` gives (chars, reach): every match of the pattern holds one of `chars` at most
`reach` characters after its start (reach 0: the match starts with one of them), so a scanner can
look for those characters at C speed instead of trying the pattern at every position.
`[\\u4e00-\\u9fff]{1,3}一起` gives ({一}, 3). `first_chars` is the reach-0 case.

The reader knows the syntax of Python's `re` that rule files use: literals and escapes, classes,
groups and lookarounds, alternation and quantifiers. Anything else (inline flags, back-references,
conditionals, named escapes) makes it answer None: "could start anywhere", which is always safe.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_MAX_RANGE = 2000   # a class range wider than this ([\u4e00-\u9fff]) counts as "any character"


class _Unknown(Exception):
    """Syntax the reader does not know: the answer is None."""


@dataclass(frozen=True)
class _Info:
    """What one piece of a pattern tells: every non-empty match holds one of `chars` within
    `reach` characters of its start (`chars` None: no such promise); `empty`: it can match
    nothing; `width`: the most characters it consumes (None: unbounded)."""

    chars: frozenset[str] | None
    reach: int
    empty: bool
    width: int | None


_ZERO = _Info(frozenset(), 0, True, 0)          # an assertion: consumes nothing


def landmark(pattern: str) -> tuple[frozenset[str], int] | None:
    """(chars, reach): every match holds one of `chars` at most `reach` characters after its
    start; None when no such set can be read (or the pattern can match the empty string)."""
    try:
        info = _Reader(pattern).read()
    except _Unknown:
        return None
    if info.chars is None or info.empty or not info.chars:
        return None
    return info.chars, info.reach


def width(pattern: str) -> int | None:
    """The most characters a match of `pattern` consumes; None when unbounded (or not read)."""
    try:
        return _Reader(pattern).read().width
    except _Unknown:
        return None


def first_chars(pattern: str) -> set[str] | None:
    """Every character a match of `pattern` can start with; None when that is (nearly) any."""
    found = landmark(pattern)
    return set(found[0]) if found is not None and found[1] == 0 else None


@lru_cache(maxsize=1)
def decimal_digits() -> frozenset[str]:
    r"""Every character `\d` matches (decimal digits of all scripts; none lie beyond plane 1).
    Unicode assigns them only in runs of ten, 0 to 9, so every tenth code point meets each run."""
    found: set[str] = set()
    for code in range(0, 0x20000, 10):
        if chr(code).isdecimal():
            zero = code - unicodedata.decimal(chr(code))
            found.update(map(chr, range(zero, zero + 10)))
    return frozenset(found)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_ZERO_WIDTH_ESCAPES = set("bBAZ")
_WIDE_ESCAPES = set("sSwWD")


def _one(chars: frozenset[str] | None) -> _Info:
    """One consumed character of the set `chars` (None: too wide to list)."""
    return _Info(chars, 0, False, 1)


def _plus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _sequence(items: list[_Info]) -> _Info:
    """Items one after the other: the landmark is that of the first item that must consume
    something and promises one, pushed back by the width of the wide items before it."""
    chars: set[str] = set()
    reach = 0
    offset: int | None = 0              # the most characters the items so far may consume without a landmark
    width: int | None = 0
    promised = False
    for item in items:
        width = _plus(width, item.width)
        if promised:
            continue
        if item.chars is None:               # a wide item: later landmarks sit farther in
            offset = _plus(offset, item.width)
            continue
        if offset is None:                   # after an unbounded wide item: no landmark
            return _Info(None, 0, all(i.empty for i in items), _width(items))
        chars |= item.chars
        reach = max(reach, offset + item.reach)
        promised = not item.empty
    empty = all(item.empty for item in items)
    wide_before = any(item.chars is None for item in items)
    if not promised and (wide_before or not chars and not empty):
        return _Info(None, 0, empty, width)
    return _Info(frozenset(chars), reach, empty and not promised, width)


def _width(items: list[_Info]) -> int | None:
    width: int | None = 0
    for item in items:
        width = _plus(width, item.width)
    return width


def _branches(options: list[_Info]) -> _Info:
    if any(o.chars is None for o in options):
        widths = [o.width for o in options]
        return _Info(None, 0, any(o.empty for o in options),
                     None if None in widths else max(widths))   # type: ignore[type-var]
    widths = [o.width for o in options]
    return _Info(frozenset().union(*(o.chars for o in options)),      # type: ignore[arg-type]
                 max(o.reach for o in options), any(o.empty for o in options),
                 None if None in widths else max(widths))          # type: ignore[type-var]


def _repeat(item: _Info, low: int, high: int | None) -> _Info:
    width = 0 if item.width == 0 or high == 0 else (None if high is None or item.width is None
                                                     else item.width * high)
    if low == 0 and high == 0:
        return _ZERO
    return _Info(item.chars, item.reach, item.empty or low == 0, width)


class _Reader:
    """A recursive-descent reader of one pattern."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def read(self) -> _Info:
        info = self._alternation()
        if self.i != len(self.p):
            raise _Unknown
        return info

    def _peek(self) -> str:
        return self.p[self.i] if self.i < len(self.p) else ""

    def _alternation(self) -> _Info:
        options = [self._sequence()]
        while self._peek() == "|":
            self.i += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else _branches(options)

    def _sequence(self) -> _Info:
        items: list[_Info] = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._quantified(self._atom()))
        return _sequence(items)

    def _quantified(self, item: _Info) -> _Info:
        ch = self._peek()
        if ch in ("*", "+", "?"):
            self.i += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[ch]
        elif ch == "{" and (bounds := self._braces()) is not None:
            low, high = bounds
        else:
            return item
        if self._peek() in ("?", "+"):           # lazy or possessive: the same characters
            self.i += 1
        return _repeat(item, low, high)

    def _braces(self) -> tuple[int, int | None] | None:
        """{m} · {m,} · {,n} · {m,n}; None when the brace is a literal."""
        end = self.p.find("}", self.i)
        if end < 0:
            return None
        low, comma, high = self.p[self.i + 1:end].partition(",")
        if not (low.isdigit() or (comma and not low)) or (high and not high.isdigit()):
            return None
        if not low and not high:
            return None
        self.i = end + 1
        lo = int(low) if low else 0
        return lo, (int(high) if high else (None if comma else lo))

    def _atom(self) -> _Info:
        ch = self._peek()
        self.i += 1
        if ch == "(":
            return self._group()
        if ch == "[":
            return _one(self._class())
        if ch == "\\":
            return self._escape()
        if ch == ".":
            return _one(None)
        if ch in ("^", "$"):
            return _ZERO
        if ch in ("*", "+", "?"):
            raise _Unknown
        return _one(frozenset(ch))

    def _group(self) -> _Info:
        zero = False
        if self.p.startswith("?", self.i):
            head = self.p[self.i:self.i + 4]
            if head.startswith(("?:", "?>")):
                self.i += 2
            elif head.startswith(("?=", "?!")):
                self.i, zero = self.i + 2, True
            elif head.startswith(("?<=", "?<!")):
                self.i, zero = self.i + 3, True
            elif head.startswith("?P<"):
                close = self.p.find(">", self.i)
                if close < 0:
                    raise _Unknown
                self.i = close + 1
            else:
                raise _Unknown                 # inline flags, (?P=name), conditionals
        info = self._alternation()
        if self._peek() != ")":
            raise _Unknown
        self.i += 1
        return _ZERO if zero else info

    def _escape(self) -> _Info:
        ch = self._peek()
        if ch in _ZERO_WIDTH_ESCAPES:
            self.i += 1
            return _ZERO
        if ch == "d":
            self.i += 1
            return _one(decimal_digits())
        if ch in _WIDE_ESCAPES:
            self.i += 1
            return _one(None)
        return _one(frozenset(self._escaped_char()))

    def _escaped_char(self) -> str:
        """The character of an escape after its backslash: \\n · \\u4e00 · \\x41 · \\. · \\\\."""
        ch = self._peek()
        if not ch:
            raise _Unknown
        self.i += 1
        if ch in _ESCAPES:
            return _ESCAPES[ch]
        for letter, size in (("x", 2), ("u", 4), ("U", 8)):
            if ch == letter:
                code = self.p[self.i:self.i + size]
                if len(code) != size:
                    raise _Unknown
                self.i += size
                return chr(int(code, 16))
        if ch.isalnum():                       # \1 back-references, \N{…}, \0 octal: not read
            raise _Unknown
        return ch

    def _class(self) -> frozenset[str] | None:
        """The characters of a class after its '['; None when it is negated or too wide."""
        negated = self._peek() == "^"
        if negated:
            self.i += 1
        chars: set[str] = set()
        wide = negated
        first = True
        while True:
            ch = self._peek()
            if not ch:
                raise _Unknown
            if ch == "]" and not first:
                self.i += 1
                break
            first = False
            item = self._class_item()
            if item is None:
                wide = True
                continue
            if self._peek() == "-" and self.p[self.i + 1:self.i + 2] not in ("]", ""):
                self.i += 1
                high = self._class_item()
                if high is None or len(item) != 1 or len(high) != 1:
                    raise _Unknown
                low_code, high_code = ord(next(iter(item))), ord(next(iter(high)))
                if high_code - low_code > _MAX_RANGE:
                    wide = True
                else:
                    chars.update(map(chr, range(low_code, high_code + 1)))
            else:
                chars |= item
        return None if wide else frozenset(chars)

    def _class_item(self) -> set[str] | None:
        """One character (or \\d) of a class; None for a wide escape (\\s, \\w …)."""
        ch = self._peek()
        self.i += 1
        if ch != "\\":
            return {ch}
        esc = self._peek()
        if esc == "d":
            self.i += 1
            return set(decimal_digits())
        if esc in _WIDE_ESCAPES or esc == "b":
            self.i += 1
            return None if esc != "b" else {"\b"}
        return {self._escaped_char()}
