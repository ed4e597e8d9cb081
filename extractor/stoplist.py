"""The stop-list: phrases and patterns whose numerals are no statistics (四个意识, 一岗双责 …).

`rules/stoplist.yaml` holds the entries as data. `StopList.load` puts the phrases into one
Aho-Corasick automaton (pyahocorasick: one pass over the text in C finds them all) and the
patterns each into a regular expression; a character class of every character a pattern can
start with skips the rest of the text at C speed, and only the patterns that can start with the
character found are tried there, in file order (`regexstart.py` reads those characters from the
pattern's text); the start characters whose patterns no other shares (几) are found in a pass
of their own that tries their patterns in C. A pattern that may start with any character but holds one
of a few within a few characters of its start ([\u4e00-\u9fff]{1,3}一起) is tried back from
those; patterns that may start anywhere are one alternation searched on their own, so they do
not slow down the others.
Matching runs on the text after `fold`, a one-for-one character folding (full-width digits and
signs, traditional numeral characters), so offsets into the folded text are offsets into the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import ahocorasick
import yaml

from .regexstart import decimal_digits, first_chars, landmark
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
    _anywhere: re.Pattern[str] | None = field(default=None, repr=False)
    _near: _Near | None = field(default=None, repr=False)
    _longest: int = field(default=0, repr=False)
    _starts: re.Pattern[str] | None = field(default=None, repr=False)        # start characters but the lone ones
    _starts_all: re.Pattern[str] | None = field(default=None, repr=False)    # … and the lone ones
    _by_first: _ByFirst | None = field(default=None, repr=False)
    _lone_patterns: dict[str, list[tuple[str, str]]] = field(default_factory=dict, repr=False)
    _alone: _Lone | None = field(default=None, repr=False)                   # compiled once worth it (`_lone`)
    _searched: int = field(default=0, repr=False)                            # characters searched for patterns
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
        """The phrases go into one automaton. Each pattern is compiled on its own: a pattern that
        names the characters it can start with is tried only where one stands (a character maps to
        those patterns, in file order). A pattern that may start with many characters but holds
        one of a few within a few characters of its start ([\u4e00-\u9fff]{1,3}一起: 一 within 3)
        is tried back from each of those (`_Near`); the others, which may start anywhere, form one
        alternation searched through the text."""
        anchored: list[tuple[str, re.Pattern[str], set[str] | None]] = []
        near: list[tuple[str, str, frozenset[str], int]] = []
        anywhere: list[str] = []
        for entry in self.entries:
            if entry.is_regex:
                name = f"p{len(self._patterns)}"
                self._patterns[name] = entry
                chars = first_chars(entry.text)
                mark = landmark(entry.text) if chars is None else None
                if chars is not None:
                    anchored.append((name, re.compile(entry.text), chars))
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
        if anchored:
            alone = _alone(anchored)
            every = set().union(*(chars for _, _, chars in anchored))
            self._starts = char_class(every - set(alone)) if every - set(alone) else None
            self._starts_all = char_class(every)
            self._by_first = _ByFirst(anchored)
            self._lone_patterns = {ch: [(name, regex.pattern) for name, regex, chars in anchored if ch in chars]
                                   for ch in alone}
        if near:
            self._near = _Near(near)
        if anywhere:
            self._anywhere = re.compile("|".join(anywhere))

    def blocked_spans(self, text: str, folded: bool = False) -> list[tuple[int, int, StopEntry]]:
        """Every stop-list match in `text` as (start, end, entry), by start; matches may overlap.

        At each position the longest phrase that starts there wins, else the first pattern (in
        file order) that matches there. `folded=True` says `text` has been through `fold` already.
        """
        folded_text = text if folded else fold(text)
        found = {start: (end, self._phrases[folded_text[start:end]])
                 for start, end in self._phrase_ends(folded_text, len(folded_text)).items()}
        for start, (end, name) in self._pattern_matches(folded_text, found, len(folded_text)).items():
            found[start] = (end, self._patterns[name])
        return [(start, end, entry) for start, (end, entry) in sorted(found.items()) if end > start]

    def unblocked(self, folded: str, spans: list[Span]) -> list[Span]:
        """The spans (regex matches, by start, not overlapping) of `folded` that no stop-list
        match covers: `blocked_spans` asked only what a numeral needs. A match can cover a span
        only if it starts at or before it, so nothing starting after the last span is looked for."""
        if not spans:
            return spans
        limit = spans[-1].start()
        ends = self._phrase_ends(folded, limit)
        for start, (end, _) in self._pattern_matches(folded, ends, limit).items():
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

    def _phrase_ends(self, folded: str, limit: int) -> dict[int, int]:
        """Start → end of the longest phrase starting there, for every start up to `limit` (one
        pass of the automaton, which stops `limit` plus the longest phrase's length in)."""
        found: dict[int, int] = {}
        if self._automaton is None:
            return found
        for last, size in self._automaton.iter(folded, 0, min(len(folded), limit + self._longest)):
            start = last + 1 - size
            if found.get(start, -1) <= last:
                found[start] = last + 1
        return found

    def _pattern_matches(self, folded: str, taken: dict, limit: int) -> dict[int, tuple[int, str]]:
        """Start → (end, pattern name) of the first pattern, in file order, that matches there,
        at every position up to `limit` where one matches and no phrase starts."""
        found: dict[int, tuple[int, str]] = {}
        self._searched += limit
        warm = self._searched >= COMPILE_AFTER        # the large one-pass regexes are worth compiling
        lone = self._lone(warm)
        starts = self._starts if lone is not None else self._starts_all
        if starts is not None and self._by_first is not None:
            by_first = self._by_first
            for hit in starts.finditer(folded, 0, limit + 1):
                at = hit.start()
                if at not in taken:
                    m = by_first[folded[at]](folded, at)
                    if m:
                        found[at] = (m.end(), m.lastgroup or by_first.name(m))
        if lone is not None:
            names = lone.names
            for hit in lone.finder.finditer(folded):
                at = hit.start()
                if at > limit:
                    break
                if at not in taken:
                    group = hit.lastgroup or ""
                    found[at] = (hit.end(group), names[group])
        if self._near is not None:
            for at, end, name in self._near.matches(folded, warm):
                if at <= limit and at not in taken and (at not in found or _order(name) < _order(found[at][1])):
                    found[at] = (end, name)
        if self._anywhere is not None:
            search = self._anywhere.search
            m = search(folded)
            while m and m.start() <= limit:
                at, name = m.start(), m.lastgroup or ""
                if at not in taken and (at not in found or _order(name) < _order(found[at][1])):
                    found[at] = (m.end(), name)
                m = search(folded, at + 1)
        return found

    def _lone(self, warm: bool) -> _Lone | None:
        """The one-pass finder of the lone start characters, compiled once `warm` (this process has
        searched COMPILE_AFTER characters for patterns: it is a large regex, and compiling it costs
        more than a short run gains from it); until then their patterns are tried one by one."""
        if self._alone is None and self._lone_patterns and warm:
            self._alone = _Lone(self._lone_patterns)
        return self._alone

    def __len__(self) -> int:
        return len(self.entries)


HOT = 1024    # visits of a character after which its patterns are tried as one compiled alternation
COMPILE_AFTER = 100_000   # characters searched after which the large one-pass regexes (`_Lone`, `_Near`) are compiled

Matcher = Callable[[str, int], "re.Match[str] | None"]


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
    That regex is compiled once the stop-list is warm (it is large: see `StopList._lone`); until
    then the starts are tried back from every landmark. Compiled at first use."""

    def __init__(self, patterns: list[tuple[str, str, frozenset[str], int]]) -> None:
        self._patterns = patterns
        self._reach = max(r for _, _, _, r in patterns)
        self._marks: re.Pattern[str] | None = None
        self._landmarks: re.Pattern[str] | None = None
        self._alternation: re.Pattern[str] | None = None

    def matches(self, text: str, warm: bool) -> Iterator[tuple[int, int, str]]:
        """(start, end, pattern name) of the first pattern, in file order, that matches at each
        start where one does (a start may come more than once, always with the same answer)."""
        if self._alternation is None or self._landmarks is None:
            self._landmarks = char_class(set().union(*(chars for _, _, chars, _ in self._patterns)))
            self._alternation = re.compile("|".join(f"(?P<{name}>{source})" for name, source, _, _ in self._patterns))
        if self._marks is None and warm:
            unnamed = "|".join(f"(?:{source})" for _, source, _, _ in self._patterns)
            back = "|".join(f"(?<=(?=(?:{unnamed}))[\\s\\S]{{{k + 1}}})" for k in range(self._reach + 1))
            self._marks = re.compile(f"{self._landmarks.pattern}(?:{back})")
        match = self._alternation.match
        for mark in (self._marks or self._landmarks).finditer(text):
            for at in range(max(0, mark.start() - self._reach), mark.start() + 1):
                m = match(text, at)
                if m:
                    yield at, m.end(), m.lastgroup or ""


def _alone(patterns: list[tuple[str, re.Pattern[str], set[str] | None]]) -> list[str]:
    """The start characters no other start character shares its patterns with (几 of 几点意见):
    they are searched for apart from the others, at C speed, their patterns tried there in C (`_Lone`)."""
    by_patterns: dict[tuple[str, ...], list[str]] = {}
    for ch in sorted(set().union(*(chars or set() for _, _, chars in patterns))):
        by_patterns.setdefault(tuple(name for name, _, chars in patterns if chars and ch in chars), []).append(ch)
    return [chars[0] for chars in by_patterns.values() if len(chars) == 1 and ord(chars[0]) <= 0xFFFF]


class _Lone:
    """One regex finding each lone start character (see `_alone`) where one of its patterns (file
    order) matches from it: the search steps from one such character to the next in C, looks back
    to it and tries that character's alternation there — `几(?<=(?=(?P<g0_p4>…))[\\s\\S])|第(?<=…)`,
    a branch beginning with a wrong character skipped at once — so Python sees only the matches.
    `names` maps a group (g0_p4) to its pattern (p4)."""

    def __init__(self, patterns: dict[str, list[tuple[str, str]]]) -> None:
        self.names: dict[str, str] = {}
        branches = []
        for k, (ch, own) in enumerate(patterns.items()):
            alternation = []
            for name, source in own:
                self.names[f"g{k}_{name}"] = name
                alternation.append(f"(?P<g{k}_{name}>{source})")
            branches.append(f"{re.escape(ch)}(?<=(?=(?:{'|'.join(alternation)}))[\\s\\S])")
        self.finder = re.compile(f"{char_class(set(patterns)).pattern}(?<=(?:{'|'.join(branches)}))")


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
