"""The stop-list: phrases and patterns whose numerals are no statistics (四个意识, 一岗双责 …).

`rules/stoplist.yaml` holds the entries as data. `StopList.load` puts the phrases into one
Aho-Corasick automaton (pyahocorasick) and the patterns each into a regular expression. Asked
which numeral candidates no match covers (`unblocked`), it looks for phrases and short patterns
(matches of at most CLOSE_WIDTH characters, as `regexstart.py` reads from the pattern's text) only
in the stretch just before each candidate: a match covering a candidate starts there. Longer
patterns are searched through the text. Either way a character class of every character a pattern
can start with skips the rest of the text at C speed, and only the patterns that can start with
the character found are tried there, in file order (through the whole text, once the stop-list is
warm, by one regex that tries them in C). A pattern that may start with any character but holds
one of a few within a few characters of its start ([\u4e00-\u9fff]{1,3}一起) is tried back from
those; patterns that may start anywhere are one alternation searched on their own.
Matching runs on the text after `fold`, a one-for-one character folding (full-width digits and
signs, traditional numeral characters), so offsets into the folded text are offsets into the text.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import ahocorasick
import yaml

from .regexstart import decimal_digits, first_chars, landmark, width
from .rules import RuleFileError, refuse_aliases

Span = TypeVar("Span", bound=re.Match)


DEFAULT_STOPLIST = Path(__file__).resolve().parent.parent / "rules" / "stoplist.yaml"

_FOLD_PAIRS = {
    **{chr(0xFF10 + i): str(i) for i in range(10)},      # ０-９
    "．": ".", "％": "%", "－": "-", "～": "~", "／": "/", "＋": "+", "　": " ",
    "○": "〇", "◯": "〇", "Ｘ": "ｘ",
    "萬": "万", "億": "亿", "兩": "两", "倆": "两", "貳": "贰", "陸": "陆", "點": "点",
    "個": "个", "項": "项", "條": "条", "處": "处", "類": "类", "種": "种", "場": "场", "輪": "轮",
    "戶": "户", "張": "张", "屆": "届", "幾": "几", "餘": "余", "約": "约", "負": "负",
    "與": "与", "從": "从", "會": "会", "風": "风", "規": "规", "議": "议", "課": "课",
    "責": "责", "雙": "双", "識": "识", "護": "护", "態": "态", "確": "确", "實": "实",
    # a few more for the stop-list phrases; the pipeline hands over fully simplified text anyway
    "維": "维", "黨": "党", "紀": "纪", "學": "学", "嚴": "严", "帶": "带", "體": "体", "務": "务",
    "監": "监", "檢": "检", "級": "级", "戰": "战", "堅": "坚", "決": "决", "國": "国", "這": "这",
    "進": "进", "統": "统", "團": "团", "結": "结", "號": "号", "發": "发", "屬": "属",
}
FOLD_TABLE = str.maketrans(_FOLD_PAIRS)


_FOLDABLE = re.compile("[" + "".join(re.escape(ch) for ch in sorted(_FOLD_PAIRS)) + "]")


def fold(text: str) -> str:
    """`text` with full-width digits/signs and traditional numeral characters folded; same length.

    Most texts hold none of them: a search at C speed then spares the translation.
    """
    return text.translate(FOLD_TABLE) if _FOLDABLE.search(text) else text


@dataclass(frozen=True)
class StopEntry:
    """One stop-list entry: its group id, the phrase or regex, its line in the YAML file."""

    id: str
    text: str
    line: int
    is_regex: bool = False


@dataclass
class StopList:
    """Compiled stop-list. `blocked_spans` finds every span of a text that holds no statistic."""

    entries: list[StopEntry] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    path: Path | None = None
    _automaton: ahocorasick.Automaton | None = field(default=None, repr=False)
    _longest: int = field(default=0, repr=False)
    _close: _Anchored | None = field(default=None, repr=False)     # short patterns: looked for near numerals
    _reach: int = field(default=0, repr=False)                     # how far before a numeral a match may start
    _wide: _Anchored | None = field(default=None, repr=False)      # long ones: looked for through the text
    _near: _Near | None = field(default=None, repr=False)
    _anywhere: re.Pattern[str] | None = field(default=None, repr=False)
    _searched: int = field(default=0, repr=False)                  # characters searched for patterns
    _phrases: dict[str, StopEntry] = field(default_factory=dict, repr=False)
    _patterns: dict[str, StopEntry] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path) -> StopList:
        """Read and compile a stop-list YAML file; `RuleFileError` names file and line of a fault."""
        path = Path(path)
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleFileError(f"{path}:0: cannot read the stop-list: {exc}") from exc
        return cls.from_yaml(source, path)

    @classmethod
    def from_yaml(cls, source: str, path: Path | str = "<stoplist>") -> StopList:
        """Build a stop-list from YAML text; `path` is only used in error messages."""
        root = _compose(source, path)
        entries, examples = _read_root(root, path)
        return cls.from_entries(entries, examples, Path(path))

    @classmethod
    def from_entries(cls, entries: list[StopEntry], examples: list[str] | None = None,
                     path: Path | None = None) -> StopList:
        """Compile entries: the phrases into one Aho-Corasick automaton, the patterns by first character."""
        stop = cls(entries=list(entries), examples=list(examples or []), path=path)
        stop._compile()
        return stop

    def _compile(self) -> None:
        """The phrases go into one automaton. Each pattern is compiled on its own. A pattern that
        names the characters it can start with is tried only where one stands; when its matches
        are at most CLOSE_WIDTH characters long it is looked for only that far before a numeral
        (`_close`), else through the text (`_wide`). A pattern that may start with many characters
        but holds one of a few within a few characters of its start ([\u4e00-\u9fff]{1,3}一起: 一
        within 3) is tried back from each of those (`_Near`); the others, which may start anywhere,
        form one alternation searched through the text."""
        close: list[tuple[str, re.Pattern[str], set[str]]] = []
        wide: list[tuple[str, re.Pattern[str], set[str]]] = []
        near: list[tuple[str, str, frozenset[str], int]] = []
        anywhere: list[str] = []
        for entry in self.entries:
            if entry.is_regex:
                name = f"p{len(self._patterns)}"
                self._patterns[name] = entry
                chars, size = first_chars(entry.text), width(entry.text)
                mark = landmark(entry.text) if chars is None else None
                if chars is not None and size is not None and size <= CLOSE_WIDTH:
                    close.append((name, re.compile(entry.text), chars))
                    self._reach = max(self._reach, size - 1)
                elif chars is not None:
                    wide.append((name, re.compile(entry.text), chars))
                elif mark is not None:
                    near.append((name, entry.text, *mark))
                else:
                    anywhere.append(f"(?P<{name}>{entry.text})")
            else:
                self._phrases.setdefault(fold(entry.text), entry)
        if self._phrases:
            self._automaton = ahocorasick.Automaton()
            for phrase in self._phrases:
                self._automaton.add_word(phrase, len(phrase))
            self._automaton.make_automaton()
            self._longest = max(map(len, self._phrases))
            self._reach = max(self._reach, self._longest - 1)
        self._close = _Anchored(close) if close else None
        self._wide = _Anchored(wide) if wide else None
        self._near = _Near(near) if near else None
        self._anywhere = re.compile("|".join(anywhere)) if anywhere else None

    def blocked_spans(self, text: str, folded: bool = False) -> list[tuple[int, int, StopEntry]]:
        """Every stop-list match in `text` as (start, end, entry), by start; matches may overlap.

        At each position the longest phrase that starts there wins, else the first pattern (in
        file order) that matches there. `folded=True` says `text` has been through `fold` already.
        """
        folded_text = text if folded else fold(text)
        if not folded_text:
            return []
        whole = [(0, len(folded_text) - 1)]
        phrases = self._phrase_ends(folded_text, whole)
        found = {start: (end, self._phrases[folded_text[start:end]]) for start, end in phrases.items()}
        for start, (end, name) in self._pattern_matches(folded_text, whole, phrases, len(folded_text)).items():
            found[start] = (end, self._patterns[name])
        return [(start, end, entry) for start, (end, entry) in sorted(found.items()) if end > start]

    def unblocked(self, folded: str, spans: list[Span]) -> list[Span]:
        """The spans (regex matches, by start, not overlapping) of `folded` that no stop-list
        match covers: `blocked_spans` asked only what a numeral needs. A match can cover a span
        only if it starts at or before it and, but for a long pattern's, at most `_reach`
        characters before: phrases and short patterns are looked for only there."""
        if not spans:
            return spans
        regions = self._regions(spans)
        ends = self._phrase_ends(folded, regions)
        for start, (end, _) in self._pattern_matches(folded, regions, ends, spans[-1].start()).items():
            ends[start] = end
        if not ends:
            return spans
        starts = sorted(ends)
        out: list[Span] = []
        i, n, reach = 0, len(starts), -1
        for span in spans:
            at = span.start()
            while i < n and starts[i] <= at:
                end = ends[starts[i]]
                if end > reach:
                    reach = end
                i += 1
            if reach < span.end():
                out.append(span)
        return out

    def _regions(self, spans: list[Span]) -> list[tuple[int, int]]:
        """(first, last) start positions, merged, where a phrase or a short pattern covering one
        of `spans` may start: from `_reach` characters before each span to its start."""
        reach = self._reach
        regions: list[tuple[int, int]] = []
        for span in spans:
            at = span.start()
            if regions and at - reach <= regions[-1][1] + 1:
                regions[-1] = (regions[-1][0], at)
            else:
                regions.append((max(0, at - reach), at))
        return regions

    def _phrase_ends(self, folded: str, regions: list[tuple[int, int]]) -> dict[int, int]:
        """Start → end of the longest phrase starting there, for every start in `regions` (the
        automaton runs over each region and the longest phrase's length after it; on a slice:
        pyahocorasick's own start and end arguments cost a pass over the whole text)."""
        found: dict[int, int] = {}
        if self._automaton is None:
            return found
        for first, last in regions:
            part = folded[first:last + self._longest]
            for end, size in self._automaton.iter(part):
                start = first + end + 1 - size
                if start <= last and found.get(start, -1) <= first + end:
                    found[start] = first + end + 1
        return found

    def _pattern_matches(self, folded: str, regions: list[tuple[int, int]], phrases: dict[int, int],
                         limit: int) -> dict[int, tuple[int, str]]:
        """Start → (end, pattern name) of the first pattern, in file order, that matches there:
        short patterns at every start in `regions`, the others at every start up to `limit`; never
        where a phrase starts (`phrases`: those of the regions)."""
        found: dict[int, tuple[int, str]] = {}
        self._searched += limit
        warm = self._searched >= COMPILE_AFTER        # the large one-pass regexes are worth compiling
        if self._close is not None:
            for first, last in regions:
                for at, end, name in self._close.matches(folded, first, last, skip=phrases):
                    found[at] = (end, name)
        farther: list[Iterator[tuple[int, int, str]]] = []
        if self._wide is not None:
            farther.append(self._wide.matches(folded, 0, limit, warm))
        if self._near is not None:
            farther.append(self._near.matches(folded, limit, warm))
        if self._anywhere is not None:
            farther.append(_search_all(self._anywhere, folded, limit))
        for matches in farther:
            for at, end, name in matches:
                if (at not in found or _order(name) < _order(found[at][1])) and not (
                        at in phrases if _inside(regions, at) else self._phrase_starts_at(folded, at)):
                    found[at] = (end, name)
        return found

    def _phrase_starts_at(self, folded: str, at: int) -> bool:
        """Does a phrase start at `at` (asked outside the regions, for a long pattern's match)?"""
        if self._automaton is None:
            return False
        return any(end + 1 == size for end, size in self._automaton.iter(folded[at:at + self._longest]))

    def __len__(self) -> int:
        return len(self.entries)


HOT = 1024    # visits of a character after which its patterns are tried as one compiled alternation
COMPILE_AFTER = 100_000   # characters searched after which the large one-pass regexes (`_Grouped`, `_Near`) are compiled
CLOSE_WIDTH = 40          # a pattern whose matches are at most this long is looked for only near numerals

Matcher = Callable[[str, int], "re.Match[str] | None"]


class _Anchored:
    """Patterns that name the characters they can start with. `matches` gives, at each start of a
    stretch where one of them matches, the first (file order) that does: the start characters are
    found at C speed and their patterns tried there (`_ByFirst`); `warm`, one regex finds them in C
    and Python sees only the matches (`_Grouped`: worth it for a stretch as long as the text)."""

    def __init__(self, patterns: list[tuple[str, re.Pattern[str], set[str]]]) -> None:
        self._patterns = patterns
        chars = set().union(*(chars for _, _, chars in patterns))
        self._starts = char_class(chars)
        self._groupable = all(ord(ch) <= 0xFFFF for ch in chars)
        self._by_first = _ByFirst(patterns)
        self._grouped: _Grouped | None = None

    def matches(self, text: str, first: int, last: int, warm: bool = False,
                skip: Container[int] = ()) -> Iterator[tuple[int, int, str]]:
        """(start, end, pattern name) for each start from `first` to `last` where a pattern
        matches, but those in `skip`."""
        if warm and self._groupable:
            if self._grouped is None:
                self._grouped = _Grouped(self._patterns)
            names = self._grouped.names
            for hit in self._grouped.finder.finditer(text, first):
                at = hit.start()
                if at > last:
                    return
                if at not in skip:
                    group = hit.lastgroup or ""
                    yield at, hit.end(group), names[group]
            return
        by_first = self._by_first
        for hit in self._starts.finditer(text, first, last + 1):
            at = hit.start()
            if at not in skip:
                m = by_first[text[at]](text, at)
                if m:
                    yield at, m.end(), m.lastgroup or by_first.name(m)


class _ByFirst(dict):
    """Character → a function (text, at) → the match of the first pattern, in file order, of
    those that can start with it.

    At first that function calls each pattern's own `match` in turn. Once a character has been
    met HOT times it is replaced by the `match` of one alternation of those patterns (the same
    order, named groups p0, p1 …; one call in C), compiled then, once per set of patterns:
    compiling them costs more than a short text gains from it. `name(m)` names the pattern.
    """

    def __init__(self, patterns: list[tuple[str, re.Pattern[str], set[str] | None]]) -> None:
        super().__init__()
        self._patterns = patterns
        self._names = {regex: name for name, regex, _ in patterns}
        self._alternations: dict[tuple[str, ...], re.Pattern[str]] = {}

    def name(self, m: re.Match[str]) -> str:
        return self._names[m.re]

    def __missing__(self, ch: str) -> Matcher:
        own = [(name, regex) for name, regex, chars in self._patterns if chars and ch in chars]
        visits = 0

        def one_by_one(text: str, at: int) -> re.Match[str] | None:
            nonlocal visits
            visits += 1
            if visits >= HOT:
                self[ch] = self._alternation(tuple(name for name, _ in own))
            for _, regex in own:
                m = regex.match(text, at)
                if m:
                    return m
            return None

        self[ch] = one_by_one
        return one_by_one

    def _alternation(self, names: tuple[str, ...]) -> Matcher:
        if names not in self._alternations:
            sources = {name: regex.pattern for name, regex, _ in self._patterns}
            self._alternations[names] = re.compile("|".join(f"(?P<{n}>{sources[n]})" for n in names))
        return self._alternations[names].match


class _Near:
    """Patterns that hold one of a few characters (a landmark) at most `reach` characters after
    their start. One regex finds, at C speed, every landmark k ≤ reach characters after which the
    alternation of those patterns (file order, named groups p0, p1 …) matches — a lookbehind of
    k+1 characters steps back to that start; only there are the starts tried one by one.
    That regex is compiled once the stop-list is warm (it is large: see COMPILE_AFTER); until
    then the starts are tried back from every landmark. Compiled at first use."""

    def __init__(self, patterns: list[tuple[str, str, frozenset[str], int]]) -> None:
        self._patterns = patterns
        self._reach = max(r for _, _, _, r in patterns)
        self._marks: re.Pattern[str] | None = None
        self._landmarks: re.Pattern[str] | None = None
        self._alternation: re.Pattern[str] | None = None

    def matches(self, text: str, limit: int, warm: bool) -> Iterator[tuple[int, int, str]]:
        """(start, end, pattern name) of the first pattern, in file order, that matches at each
        start up to `limit` where one does (a start may come more than once, always with the same
        answer)."""
        if self._alternation is None or self._landmarks is None:
            self._landmarks = char_class(set().union(*(chars for _, _, chars, _ in self._patterns)))
            self._alternation = re.compile("|".join(f"(?P<{name}>{source})" for name, source, _, _ in self._patterns))
        if self._marks is None and warm:
            unnamed = "|".join(f"(?:{source})" for _, source, _, _ in self._patterns)
            back = "|".join(f"(?<=(?=(?:{unnamed}))[\\s\\S]{{{k + 1}}})" for k in range(self._reach + 1))
            self._marks = re.compile(f"{self._landmarks.pattern}(?:{back})")
        match = self._alternation.match
        for mark in (self._marks or self._landmarks).finditer(text):
            if mark.start() - self._reach > limit:
                return
            for at in range(max(0, mark.start() - self._reach), min(mark.start(), limit) + 1):
                m = match(text, at)
                if m:
                    yield at, m.end(), m.lastgroup or ""


class _Grouped:
    """One regex finding each start of a set of patterns (`_Anchored`) where one of them matches:
    the start characters are grouped by the patterns they start, and the search steps from one
    such character to the next in C, looks back to it and tries its group's alternation there
    (file order) — `[三四](?<=(?=(?:(?P<g0_p4>…)|(?P<g0_p9>…)))[\\s\\S])|第(?<=…)`, a branch whose
    characters are not the one found skipped at once — so Python sees only the matches. `names`
    maps a group (g0_p4) to its pattern (p4). Start characters beyond the BMP are not grouped."""

    def __init__(self, patterns: list[tuple[str, re.Pattern[str], set[str]]]) -> None:
        by_patterns: dict[tuple[str, ...], set[str]] = {}
        for ch in set().union(*(chars for _, _, chars in patterns)):
            by_patterns.setdefault(tuple(name for name, _, chars in patterns if ch in chars), set()).add(ch)
        sources = {name: regex.pattern for name, regex, _ in patterns}
        self.names: dict[str, str] = {}
        branches = []
        for k, (names, chars) in enumerate(sorted(by_patterns.items())):
            alternation = []
            for name in names:
                self.names[f"g{k}_{name}"] = name
                alternation.append(f"(?P<g{k}_{name}>{sources[name]})")
            branches.append(f"{char_class(chars).pattern}(?<=(?=(?:{'|'.join(alternation)}))[\\s\\S])")
        every = set().union(*by_patterns.values())
        self.finder = re.compile(f"{char_class(every).pattern}(?<=(?:{'|'.join(branches)}))")


def _search_all(pattern: re.Pattern[str], text: str, limit: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, group name) wherever `pattern`, an alternation of named patterns, matches
    from a start up to `limit` (a search from each start + 1: matches may overlap)."""
    m = pattern.search(text)
    while m and m.start() <= limit:
        yield m.start(), m.end(), m.lastgroup or ""
        m = pattern.search(text, m.start() + 1)


def _inside(regions: list[tuple[int, int]], at: int) -> bool:
    """Does position `at` lie in one of `regions` ((first, last), by first, not overlapping)?"""
    i = bisect_right(regions, (at, math.inf)) - 1
    return i >= 0 and regions[i][0] <= at <= regions[i][1]


def _order(name: str) -> int:
    """The place in the file of pattern `name` (p0, p1 …)."""
    return int(name[1:])


class Scanner:
    """`pattern.finditer(text)` as a list, the pattern tried only where a match can start.

    A large alternation is otherwise tried at every position of the text; the characters a match
    can start with (`first_chars`) are found at C speed instead. The matches are the same.
    `starts`, when given, is the search for the positions to try instead: it may pass over a
    position whose match is one character long and not wanted (nothing else changes then).
    """

    def __init__(self, pattern: re.Pattern[str], starts: re.Pattern[str] | None = None) -> None:
        self.pattern = pattern
        chars = None if pattern.flags & re.IGNORECASE else first_chars(pattern.pattern)
        self.starts = starts if starts is not None or not chars else char_class(chars)

    def matches(self, text: str) -> list[re.Match[str]]:
        """Every non-overlapping match, leftmost first, as `finditer` gives them."""
        if self.starts is None:
            return list(self.pattern.finditer(text))
        out: list[re.Match[str]] = []
        search, match = self.starts.search, self.pattern.match
        hit = search(text)
        while hit is not None:
            m = match(text, hit.start())
            if m is None:
                hit = search(text, hit.start() + 1)
            else:
                out.append(m)                   # never empty: first_chars refuses nullable patterns
                hit = search(text, m.end())
        return out


def char_class(chars: set[str]) -> re.Pattern[str]:
    """A character class of `chars`; astral ones widen it to every astral character, which keeps
    the class a bitmap that `search` runs at C speed (a superset is fine for finding starts).
    All decimal digits among them are written \\d (quicker to compile than 680 characters)."""
    digits = "\\d" if decimal_digits() <= chars else ""
    bmp = digits + "".join(re.escape(c) for c in sorted(chars) if ord(c) <= 0xFFFF and not (digits and c.isdecimal()))
    astral = "\U00010000-\U0010ffff" if any(ord(c) > 0xFFFF for c in chars) else ""
    return re.compile(f"[{bmp}{astral}]")


# --- reading the YAML file with line numbers ---------------------------------------------


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)     # libyaml when PyYAML has it: 8× faster


def _fail(path: Path | str, node: yaml.Node | None, what: str) -> RuleFileError:
    line = node.start_mark.line + 1 if node is not None else 0
    return RuleFileError(f"{path}:{line}: {what}")


def _compose(source: str, path: Path | str) -> yaml.Node:
    """The YAML node tree (for line numbers); syntax errors become RuleFileError."""
    refuse_aliases(source, path)
    try:
        root = yaml.compose(source, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise RuleFileError(f"{path}:{line}: bad YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise RuleFileError(f"{path}:0: bad YAML: {exc}") from exc
    if not isinstance(root, yaml.MappingNode):
        raise _fail(path, root, "the stop-list must be a mapping with phrases:, patterns:, examples:")
    return root


def _scalar(path: Path | str, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _fail(path, node, f"{what} must be a non-empty string")
    return str(node.value)


def _read_root(root: yaml.MappingNode, path: Path | str) -> tuple[list[StopEntry], list[str]]:
    entries: list[StopEntry] = []
    examples: list[str] = []
    for key_node, value in root.value:
        key = key_node.value
        if key == "phrases":
            entries += _read_phrases(value, path)
        elif key == "patterns":
            entries += _read_patterns(value, path)
        elif key == "examples":
            examples += [_scalar(path, item, "an example") for item in _sequence(value, path, "examples")]
        elif key not in ("version", "description"):
            raise _fail(path, key_node, f"unknown key {key!r} (expected phrases, patterns, examples)")
    return entries, examples


def _sequence(node: yaml.Node, path: Path | str, what: str) -> list[yaml.Node]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(path, node, f"{what} must be a list")
    return node.value


def _read_phrases(node: yaml.Node, path: Path | str) -> list[StopEntry]:
    """`phrases:` maps a group id to a plain list of phrases."""
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return []
    if not isinstance(node, yaml.MappingNode):
        raise _fail(path, node, "phrases must map a group id to a list of phrases")
    out: list[StopEntry] = []
    for id_node, items in node.value:
        group = _scalar(path, id_node, "a phrase group id")
        for item in _sequence(items, path, f"phrase group {group!r}"):
            out.append(StopEntry(group, _scalar(path, item, f"a phrase of {group!r}").strip(),
                                 item.start_mark.line + 1))
    return out


def _read_patterns(node: yaml.Node, path: Path | str) -> list[StopEntry]:
    """`patterns:` is a list of {id, regex, note}; each regex is checked on its own."""
    out: list[StopEntry] = []
    seen: set[str] = set()
    for item in _sequence(node, path, "patterns"):
        if not isinstance(item, yaml.MappingNode):
            raise _fail(path, item, "a pattern must be a mapping with id: and regex:")
        fields = {k.value: v for k, v in item.value}
        unknown = set(fields) - {"id", "regex", "note"}
        if unknown:
            raise _fail(path, item, f"unknown pattern key(s): {', '.join(sorted(unknown))}")
        if "id" not in fields or "regex" not in fields:
            raise _fail(path, item, "a pattern needs id: and regex:")
        pid = _scalar(path, fields["id"], "a pattern id")
        if pid in seen:
            raise _fail(path, fields["id"], f"duplicate pattern id {pid!r}")
        seen.add(pid)
        regex_node = fields["regex"]
        regex = _scalar(path, regex_node, f"the regex of {pid!r}")
        _check_regex(path, regex_node, pid, regex)
        out.append(StopEntry(pid, regex, regex_node.start_mark.line + 1, is_regex=True))
    return out


_BACKREF = re.compile(r"\\[1-9]|\(\?P=|\(\?P<")


def _check_regex(path: Path | str, node: yaml.Node, pid: str, regex: str) -> None:
    """The regex must compile alone, match no empty string, and use no group names or back-references."""
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise _fail(path, node, f"bad regex in pattern {pid!r}: {exc}") from exc
    if _BACKREF.search(regex):
        raise _fail(path, node, f"pattern {pid!r}: named groups and back-references are not allowed")
    if compiled.match("") is not None:
        raise _fail(path, node, f"pattern {pid!r} matches the empty string")
