"""Indicators and places: which measure a claim reports (`rules/indicators.yaml`) and which body
or area it is about, so that the figures of different documents line up in a panel.

`Indicators.load` reads the vocabulary; `assign_indicators` fills `indicator` and `place` of the
claims of one document (a pipeline step after context resolution).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .context import head_finder, last_match
from .models import BEFORE_WINDOW, Claim
from .regexstart import first_chars, landmark
from .rules import RuleFileError, read_yaml
from .script import to_simplified
from .stoplist import char_class

INDICATORS_FILE = "indicators.yaml"
MAX_REMEMBERED = 100_000       # subjects whose measure is remembered at once
GAP = "…"                      # in a synonym: up to 8 characters of anything
_GAP_RE = "[^，,。；;：:]{0,8}?"


@dataclass(frozen=True)
class Indicator:
    """One measure of the vocabulary."""

    id: str
    name: str
    unit: str                              # the unit family's name (人, 件, 问题, %, …)
    units: tuple[str, ...]                 # the claim units it takes (the first: that of its examples)
    synonyms: tuple[str, ...]              # as written (both scripts)
    patterns: tuple[re.Pattern[str], ...]  # the synonyms, simplified, compiled
    not_words: tuple[str, ...] = ()
    breakdown: bool = False
    generic: bool = False                  # names little: a narrower measure named before the number wins
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    line: int = 0
    # A character of each synonym that any text holding it holds (None: a synonym of gaps only):
    # a text with none of them takes no synonym, known by one set operation in C.
    heads: frozenset[str] | None = None

    def found(self, subject: str) -> int:
        """Length of the longest synonym found in the simplified `subject` (0: none, or a `not` word)."""
        if any(word in subject for word in self.not_words):
            return 0
        return max((len(m.group()) for p in self.patterns if (m := p.search(subject))), default=0)


@dataclass
class Indicators:
    """The vocabulary, in file order."""

    items: list[Indicator]
    path: str = ""
    change_words: tuple[str, ...] = ()     # a subject with one states a change, not the measure
    _changes: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _by_unit: dict[tuple[str, bool], list[Indicator]] = field(default_factory=dict, init=False, repr=False,
                                                              compare=False)
    _readings: dict[tuple[str, str], tuple[bool, Indicator | None, Indicator | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.change_words:           # one search in C instead of a loop over the words
            self._changes = re.compile("|".join(map(re.escape, self.change_words)))

    @classmethod
    def load(cls, folders: Sequence[Path]) -> Indicators:
        """The indicators of every folder's indicators.yaml (a later file overrides ids, adds the rest)."""
        by_id: dict[str, Indicator] = {}
        words: dict[str, None] = {}
        paths = [f / INDICATORS_FILE for f in folders if (f / INDICATORS_FILE).is_file()]
        for path in paths:
            items, changes = _read(path)
            by_id.update((i.id, i) for i in items)
            words.update(dict.fromkeys(changes))
        return cls(list(by_id.values()), str(paths[-1]) if paths else "", tuple(words))

    def by_id(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.items if i.id == indicator_id), None)

    def _measure(self, simple: str, unit: str, breakdown: bool) -> Indicator | None:
        best, length = None, 0
        chars = set(simple)
        for item in self._taking(unit, breakdown):
            if item.heads is not None and item.heads.isdisjoint(chars):
                continue                                    # none of its synonyms can be in `simple`
            n = item.found(simple)
            if n > length:
                best, length = item, n
        return best

    def _taking(self, unit: str, breakdown: bool) -> list[Indicator]:
        """The indicators (or breakdowns) whose units hold `unit`, in file order (remembered)."""
        key = (unit, breakdown)
        if key not in self._by_unit:
            self._by_unit[key] = [i for i in self.items if i.breakdown == breakdown and unit in i.units]
        return self._by_unit[key]

    def of(self, subject: str, unit: str, parent: str = "", before: str = "", listed: bool = False) -> str:
        """The indicator id of a claim: a measure, or `measure.breakdown` for a part of one (the
        measure from the subject, else `parent` — the indicator of its total —, else the measure
        named in `before`, its sentence up to the number, simplified); "" if none fits. A generic
        measure (问题) gives way to a narrower one named in `before`, unless the claim is `listed`:
        an item of a 、 list."""
        changed, part, whole = self._reading(subject, unit)
        if changed:
            return ""
        if whole is not None and whole.generic and not listed and (narrower := self._measure(before, unit, False)) \
                and not narrower.generic and narrower.unit == whole.unit:
            whole = narrower
        if part is None:
            return whole.id if whole else ""
        base = whole.id if whole else parent.split(".")[0]
        if not base and (named := self._measure(before, unit, False)):
            base = named.id
        return f"{base}.{part.id}" if base else ""

    def _reading(self, subject: str, unit: str) -> tuple[bool, Indicator | None, Indicator | None]:
        """Whether `subject` states a change, else its breakdown and its measure in `unit`: the
        indicators whose longest synonym is found in it and whose units hold `unit` (remembered:
        subjects recur, one look-up per claim; the text before a number, which does not, is never
        passed here)."""
        key = (subject, unit)
        found = self._readings.get(key)
        if found is None:
            if len(self._readings) >= MAX_REMEMBERED:      # memory stays bounded over an archive
                self._readings.clear()
            simple = to_simplified(subject)
            if self._changes is not None and self._changes.search(simple):
                found = (True, None, None)
            else:
                found = (False, self._measure(simple, unit, True), self._measure(simple, unit, False))
            self._readings[key] = found
        return found

    def example_problem(self, item: Indicator, subject: str, must: bool) -> str | None:
        """None when an example subject takes (`must`) or does not take `item` with its first
        unit, else `file:line: what is wrong`."""
        found = self.of(subject, item.units[0])
        if (item.id in found.split(".")) == must:
            return None
        wanted = "must take" if must else "must not take"
        return f"{self.path}:{item.line}: {subject}（{item.units[0]}）{wanted} {item.id}, takes {found or 'none'}"

    def example_failures(self) -> tuple[list[str], int]:
        """(problems, number of examples) of every indicator's must/must_not subjects."""
        cases = [(item, s, True) for item in self.items for s in item.must]
        cases += [(item, s, False) for item in self.items for s in item.must_not]
        return [p for case in cases if (p := self.example_problem(*case))], len(cases)

    def generic(self) -> frozenset[str]:
        """The ids of the generic indicators (问题, 处理): too vague to compare across documents."""
        return frozenset(item.id for item in self.items if item.generic)

    def name(self, indicator_id: str) -> str:
        """The Chinese name of an id (`sanctioned.county` → 处分（党纪政务处分）·县处级干部)."""
        names = [item.name for part in indicator_id.split(".") if (item := self.by_id(part))]
        return "·".join(names)


def _read(path: Path) -> tuple[list[Indicator], list[str]]:
    """The indicators of one file and its change words."""
    data = read_yaml(path)
    families = data.get("units") or {}
    items = data.get("indicators")
    changes = data.get("change_words") or []
    if not isinstance(items, list) or not isinstance(families, dict) or not isinstance(changes, list):
        raise RuleFileError(f"{path}:1: an indicators file has `units:` (a mapping), `indicators:` and "
                            f"`change_words:` (lists)")
    return [_indicator(spec, families, path) for spec in items], [to_simplified(str(w)) for w in changes]


def _indicator(spec: dict, families: dict, path: Path) -> Indicator:
    line = spec.get("__line__", 1) if isinstance(spec, dict) else 1
    where = f"{path}:{line}"
    if not isinstance(spec, dict) or not all(spec.get(k) for k in ("id", "name", "unit", "synonyms")):
        raise RuleFileError(f"{where}: an indicator needs id, name, unit and synonyms")
    unit = str(spec["unit"])
    if unit not in families:
        raise RuleFileError(f"{where}: unit family {unit!r} is not declared under `units:`")
    synonyms = tuple(str(s) for s in spec["synonyms"])
    simplified = tuple(dict.fromkeys(to_simplified(s) for s in synonyms))     # both scripts: one pattern
    return Indicator(
        id=str(spec["id"]), name=str(spec["name"]), unit=unit, units=tuple(map(str, families[unit])),
        synonyms=synonyms, patterns=tuple(_compile(s) for s in simplified), heads=_heads(simplified),
        not_words=tuple(to_simplified(str(w)) for w in spec.get("not") or ()),
        breakdown=bool(spec.get("breakdown")), generic=bool(spec.get("generic")), must=tuple(map(str, spec.get("must") or ())),
        must_not=tuple(map(str, spec.get("must_not") or ())), line=line)


def _compile(synonym: str) -> re.Pattern[str]:
    """The pattern of a synonym in simplified characters."""
    parts = synonym.split(GAP)
    return re.compile(_GAP_RE.join(re.escape(p) for p in parts))


def _heads(synonyms: tuple[str, ...]) -> frozenset[str] | None:
    """The first character of each synonym's words (after a leading gap); None if one has none."""
    heads = [synonym.replace(GAP, "")[:1] for synonym in synonyms]
    return None if "" in heads else frozenset(heads)


# --- places ----------------------------------------------------------------------------------------

_LEVELS = "省市县区州盟旗镇乡"
# 全国, 全省 … (the whole of the body speaking) and named places with their level: 云溪县, 东江省.
_WHOLE = re.compile(f"全(?:国|[{_LEVELS}]|系统)")
_LEVEL_WORD = f"(?:自治州|[{_LEVELS}])"
_LEVEL_CHAR = re.compile(f"[{_LEVELS}]")            # one stands in every named place and body (自治州 too)
_PLACE = f"[\u4e00-\u9fff]{{2,4}}?{_LEVEL_WORD}"      # a name and its level
_AFTER_NAMED = ("(?=纪委|监委|纪检|监察|委|直|党|政府|共|全年|今年|去年|"
                "上半年|前|第|立案|处分|查处|受理|处置|接收|累计|巡察|各级|[0-9，,、\\s])")
_NAMED = re.compile(f"({_PLACE}){_AFTER_NAMED}")
# Where a named place may end: a level word that what follows allows (_place_matches starts from these;
# compiled when first needed).
_NAMED_ENDS = _LEVEL_WORD + _AFTER_NAMED
# (the lookahead lets the engine pass over every position no body can begin at, in C)
_BODY = re.compile(f"(?=[乡{_LEVELS}])(?:(?:乡镇|[{_LEVELS}])纪委(?:监委)?|[{_LEVELS}]直机关)")
_BODY_FINDER = head_finder(_BODY, first_chars(_BODY.pattern))
# What a place name holds no more than: text up to a year, a session, a verb or a particle.
# In the header lines a place may stand before anything (青山县第十五届…, 梅岭县卫生健康局).
_LOOSE = re.compile(f"({_PLACE})")
_LEAD = re.compile(r"^.*[0-9０-９年度届据在对从向于将把被为是和与及、的第含照委党共全]")
_NOT_NAMES = re.compile(f"^[本该我各全每][{_LEVELS}]|(?:社区|地区|城区|景区|园区|辖区|小区|山区|城市|超市|都市)$")
HEADER_LINES = 3
_RELATIVE = re.compile(f"^(?:{_WHOLE.pattern}|{_BODY.pattern})$")


def is_relative(place: str) -> bool:
    """Whether a place is named relative to the document (全县, 县纪委监委: which county is not
    said), so that it cannot be compared with another document's; 全国 is absolute."""
    return place != "全国" and bool(_RELATIVE.match(place))


def header_place(text: str) -> str:
    """The named place of the document's first lines (云溪县纪委监委… → 云溪县), or ""."""
    head = "\n".join(text.split("\n", HEADER_LINES)[:HEADER_LINES]) if "\n" in text else text   # only these lines
    for m in _place_matches(_LOOSE, to_simplified(head)):       # (a loop: lighter than next() of a generator)
        if name := _name(m.group(1)):
            return name
    return ""


@lru_cache(maxsize=4)
def _landmark(source: str) -> tuple[re.Pattern[str], int] | None:
    """A class of the characters every match of a place pattern holds (a level character or the
    自 of 自治州) and how far after the match's start one stands (read by regexstart.py). For
    _NAMED, its level words followed by what a name allows after it (`_NAMED_ENDS`): a match ends
    with one, no farther than that from its start. (Keyed by the pattern's text: a str keeps its
    hash, a compiled pattern hashes its code at every call.)"""
    found = landmark(source)
    if not found:
        return None
    return (re.compile(_NAMED_ENDS) if source == _NAMED.pattern else char_class(set(found[0]))), found[1]


def _place_matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for _NAMED or _LOOSE, tried only where a match can begin: at most
    its landmark's reach before one of its landmark characters (most positions of a text are not);
    lazily: the header's first name ends the search."""
    mark = _landmark(pattern.pattern)
    if mark is None:
        yield from pattern.finditer(text)
        return
    marks, reach = mark
    match = pattern.match
    end = 0                                         # the positions before it are tried, or inside a match
    for landmark_at in marks.finditer(text):       # (in order: each tries the positions it adds)
        at = landmark_at.start()
        start = max(end, at - reach)
        while start <= at:
            if m := match(text, start):
                yield m
                start = m.end()
            else:
                start += 1
        end = start


def _name(found: str) -> str:
    """A place name found, without what stands before it (2023年全县 …), or "" if no name is left."""
    name = _LEAD.sub("", found)
    return name if len(name) > 2 and not _NOT_NAMES.search(name) else ""


def claim_place(claim: Claim, before: str, header: Callable[[], str]) -> str:
    """Where the figure is: the place or body named last in `before` (its sentence up to the
    number, simplified: 云溪县, 乡镇纪委, 全县), else in its scope, else the document header's
    place (`header()`: read only when asked for); 全县 is the header's place when that is a county (云溪县)."""
    if _LEVEL_CHAR.search(before) is None:          # (no named place, no body: each holds a level character)
        named = body = None
    else:
        named = next((m for m in reversed(list(_place_matches(_NAMED, before))) if _name(m.group(1))), None)
        body = last_match(_BODY, before, _BODY_FINDER)
    found = [m for m in (named, body, last_match(_WHOLE, before) if "全" in before else None) if m is not None]
    if not found and "全" in claim.scope and (scope := last_match(_WHOLE, to_simplified(claim.scope))) is not None:
        found = [scope]      # (全 is no simplified form of another character: a text without it has no _WHOLE)
    if not found:
        return header()
    last = max(found, key=_end)                     # (the first of those that end last)
    if last.re is _BODY and named is not None and named.end() > last.start():     # 云溪县纪委监委: 云溪县
        last = named
    if last.re is _NAMED:
        return _name(last.group(1))
    word = last.group()
    if last.re is _WHOLE:
        return header() if header().endswith(word[-1]) else word
    return word


def _end(match: re.Match[str]) -> int:
    return match.end()


class _Header:
    """`header_place` of a text, read when first asked for (lighter than a functools.cache per call)."""

    __slots__ = ("text", "place")

    def __init__(self, text: str) -> None:
        self.text, self.place = text, None

    def __call__(self) -> str:
        if self.place is None:
            self.place = header_place(self.text)
        return self.place


def assign_indicators(claims: list[Claim], text: str, indicators: Indicators) -> None:
    """Fill `indicator` and `place` of each claim (parents first: a part takes its total's measure)."""
    header = _Header(text)                           # the header's place, read once when a claim needs it
    by_id = {c.claim_id: c for c in claims}
    sentences: dict[int, str] = {}
    previous_end = 0
    for k, claim in enumerate(claims):
        parent = by_id.get(claim.parent.split("+")[0]) if claim.parent else None
        if claim.sentence_start not in sentences:        # once per sentence (setdefault would convert it per claim)
            sentences[claim.sentence_start] = to_simplified(claim.sentence)
        sentence = sentences[claim.sentence_start]
        pos = max(0, claim.num_start - claim.sentence_start)
        window = max(0, pos - BEFORE_WINDOW)             # bounded: a long sentence is not read again per claim
        before = sentence[window:pos]
        if k == 0 or claims[k - 1].sentence_start != claim.sentence_start:
            previous_end = 0
        listed = "、" in sentence[max(previous_end, window):pos]
        previous_end = claim.num_end - claim.sentence_start
        claim.indicator = indicators.of(claim.subject, claim.unit, parent.indicator if parent else "", before, listed)
        claim.place = claim_place(claim, before, header)
