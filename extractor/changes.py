"""Checks of stated changes and rates against the figures they are computed from.

- `change`: 同比增长12.3%, 下降5.2%, 增幅 … against the figure it is about and its base (the same
  measure one year earlier): 532件，去年同期为474件，同比增长12.3% → 532/474 − 1 = 12.24%; 上升3.2个
  百分点 → the percentage minus that of the year before.
- `difference`: 比去年增加58件, 减少20人 → the figure minus its base.
- `rate`: 整改率, 完成率, 办结率, 覆盖率 against its part and whole (已完成整改115个 of 问题126个).
- `respectively`: 分别增长a%、b%和c% matched in order to the figures listed before it, each then
  checked as a change.

The base of a change is found in the same sentence (a figure introduced by 去年同期为, 较上年同期的,
2023年同期为 …), else in the same document (the claim of the same indicator, place and span one
year earlier), else — at the end of a run — in the panel of the other documents (`panel.py`).
Figures are intervals (audit.claim_interval), so rounding never raises a false alarm.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .audit import (
    Check,
    Interval,
    agreement_window,
    check,
    claim_interval,
    fmt,
    interval_ratio,
    make_check,
    ratio_check,
    written,
)
from .models import Claim
from .panel import PanelStore, agreement, family, panel_key
from .script import to_simplified

SHARE_UNIT = "%"
POINTS = "百分点"             # the unit of a change of a percentage (上升3.2个百分点)
_RISE = r"增长|上升|提高|增加|增多|增幅|攀升"
_FALL = r"下降|减少|降低|回落|降幅|减幅"
# The words right before a stated change of a figure (同比增长12.3%, 较上年同期的312件增长9.6%).
_CHANGE = re.compile(rf"(?:{_RISE}|{_FALL})(?:了|为|达)?\s*$")
_DIFFERENCE = re.compile(rf"(?:比|较)[^，,。；;]{{0,16}}?(?:{_RISE}|{_FALL}|多|少)(?:了)?(?:将近|近|约)?\s*$")
_FALLING = re.compile(rf"(?:{_FALL}|少)(?:了)?(?:将近|近|约)?\s*$")
# The words right before a comparison figure: 去年同期为474件, 较上年同期的312件, 2023年同期为.
_COMPARED = re.compile(r"(?:去年|上年|前年|上一年|[0-9]{4}年)(?:同期)?(?:为|的|是)?\s*$")
_RESPECTIVELY = re.compile(r"分别")
_LIST_JOIN = re.compile(r"^[%％]?\s*[、，,和及与]?\s*$")
_RATE = re.compile(r"率")
_RATE_SENTENCES = 2           # a rate looks back this many sentences of its paragraph for part and whole


@dataclass
class Stated:
    """A stated change or difference, the figure it is about, and its base when known."""

    kind: str                  # change, difference (respectively: a change of a 分别 list)
    stated: Claim
    current: Claim
    falling: bool
    base: Claim | None = None
    listed: bool = False       # one of a 分别 list
    note: str = ""             # why a 分别 list cannot be matched


def base_key(current: Claim, vague: frozenset[str] = frozenset()) -> tuple | None:
    """The panel key of the figure a change of `current` is computed from: one year earlier."""
    key = panel_key(current, vague)
    if key is None:
        return None
    indicator, place, period, span, unit = key
    return indicator, place, period - 1, span, unit


# --- reading a document's changes ------------------------------------------------------------------


def lead(claims: list[Claim], i: int) -> str:
    """The words of claims[i]'s sentence between the claim before it (or the sentence start) and
    its number, in simplified characters."""
    claim = claims[i]
    start = claim.sentence_start
    begin = 0
    if i > 0 and claims[i - 1].sentence_start == start:
        begin = claims[i - 1].num_end - start
    return to_simplified(claim.sentence[max(0, begin):max(0, claim.num_start - start)])


class Reading:
    """A document's claims as the change checks read them, worked out once: the words before each
    number, which claims are comparison figures (去年同期为474件), the claims of each sentence, and
    the first claim of each panel key."""

    def __init__(self, claims: list[Claim]) -> None:
        self.claims = claims
        self.leads = [lead(claims, i) for i in range(len(claims))]
        self.compared = [c.unit != POINTS and bool(_COMPARED.search(w)) for c, w in zip(claims, self.leads, strict=True)]
        self.sentence: dict[int, list[int]] = {}
        self.by_key: dict[tuple, Claim] = {}
        for i, claim in enumerate(claims):
            self.sentence.setdefault(claim.sentence_start, []).append(i)
            key = panel_key(claim)
            if key is not None:
                self.by_key.setdefault(key, claim)

    def before(self, i: int) -> list[int]:
        """Indices of the claims before claims[i] in its sentence, nearest first."""
        return [j for j in reversed(self.sentence[self.claims[i].sentence_start]) if j < i]


def stated_changes(claims: list[Claim]) -> list[Stated]:
    """Every stated change and difference of a document, with its figure and, where the document
    has it, its base."""
    r = Reading(claims)
    found: list[Stated] = []
    for i, claim in enumerate(claims):
        words = r.leads[i]
        if claim.unit == SHARE_UNIT and _CHANGE.search(words) and not _RATE.search(claim.subject):
            if _RESPECTIVELY.search(words):
                found.extend(_respectively(r, i))
                continue
            kind = "change"
        elif claim.unit == POINTS and _CHANGE.search(words):
            kind = "points"
        elif claim.unit not in (SHARE_UNIT, POINTS) and _DIFFERENCE.search(words):
            kind = "difference"
        else:
            continue
        current = _current(r, i, kind)
        if current is not None:
            found.append(Stated(kind, claim, claims[current], bool(_FALLING.search(words)), _base(r, current)))
    return found


def _current(r: Reading, i: int, kind: str) -> int | None:
    """The figure claims[i] states a change of: the nearest figure before it in its sentence (a
    percentage for a change in points) that is no comparison figure and no part (其中…, or in
    parentheses: 立案452件（含…217件）)."""
    unit = family(r.claims[i].unit)
    for j in r.before(i):
        claim = r.claims[j]
        if (claim.unit == SHARE_UNIT) != (kind == "points") or r.compared[j] or claim.parent \
                or _in_parentheses(claim):
            continue
        if kind == "difference" and family(claim.unit) != unit:
            continue
        return j
    return None


def _in_parentheses(claim: Claim) -> bool:
    """Whether the number stands inside parentheses opened before it in its sentence."""
    before = claim.sentence[:max(0, claim.num_start - claim.sentence_start)]
    return before.count("（") + before.count("(") > before.count("）") + before.count(")")


def _respectively(r: Reading, i: int) -> list[Stated]:
    """分别增长a%、b%和c%: the changes of the list, each matched with the figure in the same place
    of the list of figures before it in the sentence — or, when the sentence only names them
    (立案数、处分人数分别增长…), with the latest figure of each named measure in the paragraph.
    A list of figures shorter than the list of changes is one `respectively` mismatch."""
    claims = r.claims
    group = [i]
    while group[-1] + 1 < len(claims) and claims[group[-1] + 1].unit == SHARE_UNIT \
            and claims[group[-1] + 1].sentence_start == claims[i].sentence_start \
            and _LIST_JOIN.match(r.leads[group[-1] + 1]):
        group.append(group[-1] + 1)
    figures = [j for j in reversed(r.before(i))
               if claims[j].unit != SHARE_UNIT and not r.compared[j] and not claims[j].parent]
    falling = bool(_FALLING.search(r.leads[i]))
    if not figures:
        figures = _named_figures(claims, i)
        if len(figures) != len(group):
            return []
    if len(figures) < len(group):
        note = f"“分别”列出{len(group)}项变化，其前只列出{len(figures)}个数字，无法一一对应"
        return [Stated("respectively", claims[i], claims[i], falling, None, listed=True, note=note)]
    pairs = zip(group, figures[-len(group):], strict=True)
    return [Stated("change", claims[k], claims[j], falling, _base(r, j), listed=True) for k, j in pairs]


_NAMES = re.compile(r"([^，,。；;：:、和及与]+(?:[、和及与][^，,。；;：:、和及与]+)+)分别")
_COUNTED = re.compile(r"(?:人数|件数|总数|总量|数量|数)$")


def _named_figures(claims: list[Claim], i: int) -> list[int]:
    """For 立案数、处分人数分别…: the latest claim of the paragraph before claims[i] whose subject
    holds each named measure (立案, 处分), in the order named; empty when one is not found."""
    head = claims[i].sentence[:max(0, claims[i].num_start - claims[i].sentence_start)]
    match = _NAMES.search(to_simplified(head))
    if not match:
        return []
    found = []
    for name in re.split(r"[、和及与]", match.group(1)):
        word = _COUNTED.sub("", name.strip())
        j = next((j for j in range(i - 1, -1, -1) if claims[j].line == claims[i].line and word
                  and claims[j].unit != SHARE_UNIT and word in claims[j].subject_simplified), None)
        if j is None:
            return []
        found.append(j)
    return found


def _base(r: Reading, j: int) -> Claim | None:
    """The base of a change of claims[j]: a comparison figure of its sentence in the same unit,
    else the claim of the document with the key one year earlier."""
    current = r.claims[j]
    for k in r.sentence[current.sentence_start]:
        if k != j and r.compared[k] and family(r.claims[k].unit) == family(current.unit):
            return r.claims[k]
    key = base_key(current)
    return r.by_key.get(key) if key is not None else None


# --- verdicts ----------------------------------------------------------------------------------------


def verdict(item: Stated, base: Claim | None = None) -> Check:
    """The check of one stated change or difference against its base (given, or its own)."""
    base = base or item.base
    involved = [item.stated, item.current] + ([base] if base else [])
    kind = "respectively" if item.listed else "change" if item.kind == "points" else item.kind
    if item.kind == "respectively":
        return make_check("respectively", "mismatch", [item.stated], item.note)
    stated, now, then = claim_interval(item.stated), claim_interval(item.current), claim_interval(base)
    if stated is None or now is None or then is None:
        return make_check(kind, "unverifiable", involved, "涉及未公开数值（ｘ），无法核对变化")
    if item.falling:
        stated = Interval(-stated.high, -stated.low, stated.hard)
    if item.kind in ("difference", "points"):
        computed = Interval(now.low - then.high, now.high - then.low, now.hard and then.hard)
        point = float(item.current.value) - float(base.value)
        label = f"{written(item.current)}−{written(base)}"
        unit = "个百分点" if item.kind == "points" else ""
    else:
        if then.high <= 0:
            return make_check(kind, "unverifiable", involved, "基数为 0，无法计算增幅")
        ratio = interval_ratio(now, then)
        computed = Interval(ratio.low - 100, ratio.high - 100, ratio.hard)
        point = 100 * float(item.current.value) / float(base.value) - 100
        label = f"{written(item.current)}/{written(base)}−1"
        unit = "%"
    return _compare(kind, involved, stated, computed, point, item, label, unit)


def _compare(kind: str, involved: list[Claim], stated: Interval, computed: Interval, point: float,
             item: Stated, label: str, unit: str) -> Check:
    window = agreement_window(stated, computed, point)
    agrees = not (computed.above(stated) or computed.below(stated))
    words = {"change": ("下降", "增长"), "points": ("下降", "上升")}.get(item.kind, ("减少", "增加"))
    said = f"{words[0] if item.falling else words[1]}{written(item.stated)}{unit or item.stated.unit}"
    verdict_word, status = ("相符", "ok") if agrees else ("不符", "mismatch")
    where = "；".join(dict.fromkeys(c.doc for c in involved))
    message = (f"{said} 与 {label} = {fmt(point)}{unit} {verdict_word}"
               f"（允许四舍五入 {fmt(window[0])}{unit}–{fmt(window[1])}{unit}）；来源：{where}")
    value = float(item.stated.value) * (-1 if item.falling else 1)
    return make_check(kind, status, involved, message, value, point, window)


# --- the registered check kinds (per document) --------------------------------------------------


@check("change")
def changes(claims: list[Claim]) -> Iterator[Check]:
    """Stated changes (同比增长x%, 上升x个百分点: kind `change`), differences (比去年增加58件:
    `difference`) and 分别 lists (`respectively`) against their figures and bases, when the
    document states the base; the document is read once for all three kinds."""
    for item in stated_changes(claims):
        if item.base is not None or item.kind == "respectively":
            yield verdict(item)


@check("rate")
def rate(claims: list[Claim]) -> Iterator[Check]:
    """整改率, 完成率, 办结率, 覆盖率 against the part and whole stated before it."""
    for i, claim in enumerate(claims):
        if claim.unit != SHARE_UNIT or not _RATE.search(claim.subject) or _CHANGE.search(lead(claims, i)):
            continue
        found = _part_and_whole(claims, i)
        if found:
            part, whole = found
            yield ratio_check("rate", claim, part, [whole], claim.subject)


def _part_and_whole(claims: list[Claim], i: int) -> tuple[Claim, Claim] | None:
    """The part of a rate — the nearest figure before it whose subject shares a word with the
    rate's (已完成整改 for 整改完成率, 已办结 for 办结率) — and the whole: the nearest larger figure of
    the part's unit before it; within the rate's paragraph and its last _RATE_SENTENCES sentences."""
    rate_claim = claims[i]
    seen: set[int] = set()
    before = []
    for claim in reversed(claims[:i]):
        seen.add(claim.sentence_start)
        if len(seen) > _RATE_SENTENCES or claim.line != rate_claim.line:
            break
        if claim.unit != SHARE_UNIT and claim.value is not None:
            before.append(claim)
    words = _pairs(rate_claim.subject_simplified.replace("率", ""))
    k = next((k for k, c in enumerate(before) if words & _pairs(c.subject_simplified)), None)
    if k is None:
        return None
    part = before[k]
    whole = next((c for c in before[k + 1:] if family(c.unit) == family(part.unit) and c.value >= part.value), None)
    return (part, whole) if whole else None


def _pairs(text: str) -> set[str]:
    """The two-character words of `text` (a subject's vocabulary, roughly)."""
    return {text[n:n + 2] for n in range(len(text) - 1)}


# --- across documents, through the panel ------------------------------------------------------------


def pending_changes(claims: list[Claim]) -> list[Stated]:
    """The stated changes and differences of a document whose base it does not state, but another
    document may (their figure has a panel key); sentences kept, for the check rows."""
    return [s for s in stated_changes(claims) if s.kind != "respectively" and s.base is None
            and base_key(s.current) is not None]


def across_documents(store: PanelStore) -> list[Check]:
    """Each pending change of the run's panel store against its base stated in another document
    (the panel's claims of the key one year earlier, read from the store), numbered KP-<n>; a
    base the documents state differently is `unverifiable`."""
    found = []
    for item in store.pending():
        key = base_key(item.current, store.vague)
        bases = [c for c in store.claims_of(key) if c.doc != item.current.doc] if key is not None else []
        if not bases:
            continue
        if agreement(bases) == "conflict":
            found.append(make_check(item.kind, "unverifiable", [item.stated, item.current, *bases],
                                    "基数在多份文件中数值不同，无法核对变化"))
        else:
            found.append(verdict(item, bases[0]))
    for n, row in enumerate(found, start=1):
        row.check_id = f"KP-{n:04d}"
    return found
