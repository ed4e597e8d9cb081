"""The stop-list: phrases and patterns whose numerals are no statistics (四个意识, 一岗双责 …).

`rules/stoplist.yaml` holds the entries as data. `StopList.load` compiles every entry into one
regular expression (phrases as a character trie, then the patterns), so a text is scanned once:
a character class of every character a match can start with skips the rest of the text at C
speed, and the combined expression is tried only where such a character stands.
Matching runs on the text after `fold`, a one-for-one character folding (full-width digits and
signs, traditional numeral characters), so offsets into the folded text are offsets into the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .rules import RuleFileError, refuse_aliases

try:                                    # the regex parser, to read which characters start a match
    from re import _parser as _sre_parse  # Python ≥ 3.11
except ImportError:                     # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

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
    _regex: re.Pattern[str] | None = field(default=None, repr=False)
    _starts: re.Pattern[str] | None = field(default=None, repr=False)
    _by_first: _ByFirst | None = field(default=None, repr=False)
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
        """Compile entries (phrases and patterns) into one regular expression."""
        stop = cls(entries=list(entries), examples=list(examples or []), path=path)
        stop._compile()
        return stop

    def _compile(self) -> None:
        """One alternation: the phrase trie first, then each pattern as a named group.

        Where every entry names the characters it can start with, each such character also gets
        the alternation of only the entries that can start with it (same order, same groups), so
        a position is tried against a handful of entries rather than all of them.
        """
        patterns: list[tuple[str, str]] = []
        for entry in self.entries:
            if entry.is_regex:
                name = f"p{len(self._patterns)}"
                self._patterns[name] = entry
                patterns.append((name, entry.text))
            else:
                self._phrases.setdefault(fold(entry.text), entry)
        self._regex = _alternation(self._phrases, patterns)
        starts: list[tuple[str, str, set[str]]] = []
        for name, text in patterns:
            chars = first_chars(text)
            if chars is None:
                return                  # some pattern may start anywhere: plain search
            starts.append((name, text, chars))
        firsts = {phrase[0] for phrase in self._phrases}.union(*(chars for _, _, chars in starts))
        if firsts:
            self._starts = char_class(firsts)
            self._by_first = _ByFirst(self._phrases, starts)
            for ch in firsts:                   # compiled now, but for the hundreds of digits \d names
                if ch.isascii() or not ch.isdecimal():
                    self._by_first[ch]

    def blocked_spans(self, text: str, folded: bool = False) -> list[tuple[int, int, StopEntry]]:
        """Every stop-list match in `text` as (start, end, entry), by start; matches may overlap.

        `folded=True` says `text` has been through `fold` already.
        """
        if self._regex is None:
            return []
        folded_text = text if folded else fold(text)
        spans: list[tuple[int, int, StopEntry]] = []
        for m in self._matches(folded_text):
            start, end = m.span()
            if end > start:
                name = m.lastgroup
                entry = self._phrases[m.group()] if name == "phrase" else self._patterns[name]
                spans.append((start, end, entry))
        return spans

    def _matches(self, folded: str) -> Iterator[re.Match[str]]:
        """The first-matching entry at every position where one matches."""
        assert self._regex is not None
        if self._starts is not None and self._by_first is not None:
            by_first = self._by_first
            for hit in self._starts.finditer(folded):
                regex = by_first[hit.group()]
                m = regex.match(folded, hit.start()) if regex is not None else None
                if m:
                    yield m
            return
        search = self._regex.search
        m = search(folded)
        while m:
            yield m
            m = search(folded, m.start() + 1)

    def __len__(self) -> int:
        return len(self.entries)


class _ByFirst(dict):
    """Character → the alternation of only the entries that can start with it (same order, same
    group names), compiled on first use; None when no entry starts with it."""

    def __init__(self, phrases: dict[str, StopEntry], patterns: list[tuple[str, str, set[str]]]) -> None:
        super().__init__()
        self._phrases = phrases
        self._patterns = patterns

    def __missing__(self, ch: str) -> re.Pattern[str] | None:
        phrases = {p: e for p, e in self._phrases.items() if p[0] == ch}
        own = [(name, text) for name, text, chars in self._patterns if ch in chars]
        self[ch] = regex = _alternation(phrases, own) if phrases or own else None
        return regex


def _alternation(phrases: dict[str, StopEntry], patterns: list[tuple[str, str]]) -> re.Pattern[str] | None:
    """The phrase trie as group `phrase`, then each (name, regex) pattern as a named group."""
    branches = [f"(?P<phrase>{trie_regex(phrases)})"] if phrases else []
    branches += [f"(?P<{name}>{text})" for name, text in patterns]
    return re.compile("|".join(branches)) if branches else None


def trie_regex(words: dict[str, object] | list[str]) -> str:
    """A regex matching any of `words`, longest alternative first, built as a character trie."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True
    return _trie_pattern(trie)


def _trie_pattern(node: dict) -> str:
    ends_here = "" in node
    branches = [re.escape(ch) + _trie_pattern(child) for ch, child in node.items() if ch != ""]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body


class Scanner:
    """`pattern.finditer(text)` as a list, the pattern tried only where a match can start.

    A large alternation is otherwise tried at every position of the text; the characters a match
    can start with (`first_chars`) are found at C speed instead. The matches are the same.
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        chars = None if pattern.flags & re.IGNORECASE else first_chars(pattern.pattern)
        self.starts = char_class(chars) if chars else None

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
    the class a bitmap that `search` runs at C speed (a superset is fine for finding starts)."""
    bmp = "".join(re.escape(c) for c in sorted(chars) if ord(c) <= 0xFFFF)
    astral = "\U00010000-\U0010ffff" if any(ord(c) > 0xFFFF for c in chars) else ""
    return re.compile(f"[{bmp}{astral}]")


@lru_cache(maxsize=1)
def _decimal_digits() -> frozenset[str]:
    r"""Every character `\d` matches (decimal digits of all scripts; none lie beyond plane 1)."""
    return frozenset(c for c in map(chr, range(0x20000)) if c.isdecimal())


_MAX_RANGE = 2000   # a class range wider than this ([\u4e00-\u9fff]) counts as "any character"


def first_chars(pattern: str) -> set[str] | None:
    """Every character a match of `pattern` can start with; None when that is (nearly) any."""
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error:
        return None
    chars, nullable = _first_of_seq(list(parsed))
    return None if chars is None or nullable else chars


def _first_of_seq(items: list) -> tuple[set[str] | None, bool]:
    out: set[str] = set()
    for op, av in items:
        chars, nullable = _first_of_op(str(op), av)
        if chars is None:
            return None, False
        out |= chars
        if not nullable:
            return out, False
    return out, True


def _first_of_op(op: str, av: object) -> tuple[set[str] | None, bool]:
    """(first characters, can match empty) of one parsed regex item."""
    if op == "LITERAL":
        return {chr(av)}, False                                   # type: ignore[arg-type]
    if op == "IN":
        return _class_chars(av), False                            # type: ignore[arg-type]
    if op in ("ASSERT", "ASSERT_NOT", "AT"):
        return set(), True
    if op == "SUBPATTERN":
        return _first_of_seq(list(av[-1]))                        # type: ignore[index]
    if op == "ATOMIC_GROUP":
        return _first_of_seq(list(av))                            # type: ignore[arg-type]
    if op == "BRANCH":
        out: set[str] = set()
        nullable = False
        for branch in av[1]:                                      # type: ignore[index]
            chars, empty = _first_of_seq(list(branch))
            if chars is None:
                return None, False
            out |= chars
            nullable = nullable or empty
        return out, nullable
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _, sub = av                                          # type: ignore[misc]
        chars, empty = _first_of_seq(list(sub))
        return chars, empty or low == 0
    return None, False


def _class_chars(items: list) -> set[str] | None:
    out: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.add(chr(av))
        elif name == "RANGE" and av[1] - av[0] <= _MAX_RANGE:
            out.update(chr(c) for c in range(av[0], av[1] + 1))
        elif name == "CATEGORY" and str(av) == "CATEGORY_DIGIT":
            out |= _decimal_digits()
        else:
            return None
    return out


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
