"""Audit the figures against each other: parts vs totals, shares, ranks, repeated figures.

Every figure is read as an interval. A figure written with rounding (decimals, or a 万/亿
multiplier) covers half a unit of its last written digit either side (9.3万 → [92,500, 93,500]; 70.7% → [70.65, 70.75]); an exact
integer is a point; 约/余/以上/不到 widen it (such bounds are "soft"). Sums and ratios are
computed with interval arithmetic, so rounding never raises a false alarm and exact integers
compare exactly.

Each check kind is one function registered with `@check(name)`; it yields `Check` rows for
the claims of one document (or, with `corpus=True`, of a whole run).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields

from .context import names_a_place
from .models import Claim, sentence_window, unit_key
from .script import to_simplified
from .tables import cell_position

CHECK_COLUMNS = ["check_id", "doc", "kind", "status", "severity", "claim_ids", "expected", "actual",
                 "low", "high", "message", "sentence"]
STATUS_ORDER = ["impossible", "mismatch", "conflict", "unverifiable", "partial", "ok"]   # worst first
SEVERITY = {"impossible": "error", "mismatch": "warning", "conflict": "warning",
            "unverifiable": "note", "partial": "note", "ok": ""}
SHARE_UNIT = "%"
INF = math.inf


@dataclass
class Check:
    """One audit finding over one or more claims."""

    check_id: str
    doc: str
    kind: str
    status: str
    severity: str
    claim_ids: str                 # ids joined by ";"
    expected: float | None
    actual: float | None
    low: float | None              # `actual` agrees with `expected` when it lies in [low, high]
    high: float | None
    message: str
    sentence: str

    def row(self) -> dict:
        """The check as an output row, columns in CHECK_COLUMNS order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# --- intervals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A closed range of values; `hard` when it follows from rounding alone."""

    low: float
    high: float
    hard: bool = True

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.low + other.low, self.high + other.high, self.hard and other.hard)

    def above(self, other: Interval) -> bool:
        """Every value of self exceeds every value of other."""
        return self.low > other.high + _eps(other.high)

    def below(self, other: Interval) -> bool:
        return other.above(self)


def _eps(x: float) -> float:
    """Float noise allowance for comparisons (exact integers stay exact)."""
    return 1e-9 * max(1.0, abs(x)) if math.isfinite(x) else 0.0


ZERO = Interval(0.0, 0.0)
_DIGITS = "〇零一二两三四五六七八九"
_CN_MULT = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10**4, "萬": 10**4,
            "亿": 10**8, "億": 10**8}
_ARABIC = re.compile(r"(\d+)(?:\.(\d+))?")
_BOUNDED_OVER = re.compile(r"^\s*[余多来餘]")


@dataclass(frozen=True)
class Precision:
    """The place value of the last written digit and of the last non-zero digit."""

    place: float
    nonzero: float
    rounded: bool          # written with decimals or a 万/亿 multiplier: ± half a place


def precision(num_text: str, value: float | None = None) -> Precision:
    """How precisely `num_text` states its number (full-width digits, 万/亿, Chinese numerals)."""
    text = unicodedata.normalize("NFKC", num_text or "").replace(",", "")   # 3,568: a thousands separator
    text = text.removeprefix("百分之")                                     # 百分之十五点六: as 十五点六
    if _is_fraction(text):
        return Precision(0.0, 1.0, False)
    match = _ARABIC.search(text)
    if match:
        return _arabic_precision(match, text[match.end():], value)
    return _chinese_precision(text)


def _is_fraction(num_text: str) -> bool:
    """三分之一, 1/4: a ratio written exactly (百分之 is a percentage, not a fraction)."""
    return "/" in num_text or ("分之" in num_text and not num_text.lstrip().startswith("百分之"))


def _arabic_precision(match: re.Match, rest: str, value: float | None) -> Precision:
    whole, frac = match.group(1), match.group(2) or ""
    mult = _multiplier(rest)
    digits = float(f"{whole}.{frac}" if frac else whole)
    value = abs(float(value)) if value is not None else None    # -8.9%: the sign is no multiplier
    if value is not None and digits and not math.isclose(digits * mult, value, rel_tol=1e-9):
        mult = value / digits if mult == 1 and "成" not in rest else mult
    place = 10.0 ** -len(frac) * mult
    written = (whole + frac).rstrip("0")
    zeros = len(whole + frac) - len(written) if written else 0
    return Precision(place, place * 10 ** zeros, bool(frac) or mult > 1)


def _multiplier(rest: str) -> float:
    """Product of the 万/亿/千/百 (and 成 = ten percent) written right after the digits."""
    mult = 1.0
    for ch in rest:
        if ch in "万萬亿億千百":
            mult *= _CN_MULT[ch]
        elif ch == "成":
            mult *= 10
        else:
            break
    return mult


def _chinese_precision(text: str) -> Precision:
    """Chinese numerals are exact integers unless written with 点 (九点三万) or 成 (八成)."""
    if "点" in text:
        tail = text.partition("点")[2]
        frac = re.match(f"[{_DIGITS}]*", tail).group()
        mult = _multiplier(tail[len(frac):])
        place = 10.0 ** -len(frac) * mult
        return Precision(place, place, True)
    last = max((i for i, ch in enumerate(text) if ch in _DIGITS), default=-1)
    nonzero = 1.0
    for ch in text[last + 1:]:
        nonzero *= _CN_MULT.get(ch, 10 if ch == "成" else 1)
    if "成" in text[last + 1:]:
        return Precision(nonzero, nonzero, True)
    return Precision(0.0, nonzero, False)


def claim_interval(claim: Claim) -> Interval | None:
    """The values `claim` allows, or None when its figure is redacted."""
    if claim.value is None or claim.qualifier == "redacted":
        return None
    prec = precision(claim.num_text, claim.value)
    low = float(claim.value)
    high = float(claim.value_high) if claim.value_high is not None else low
    half = prec.place / 2 if prec.rounded else 0.0
    if claim.unit == "%" and not prec.rounded and not _is_fraction(claim.num_text):
        half = (prec.place or 1.0) / 2         # a whole percentage is rounded: 占19% of 3,216 is 611.04
    if claim.qualifier == "approx":
        return Interval(low - prec.nonzero, high + prec.nonzero, hard=False)
    if claim.qualifier == "over":
        after = claim.claim_text[max(0, claim.num_end - claim.claim_start):]
        top = high + prec.nonzero if _BOUNDED_OVER.match(after) else INF
        return Interval(low, top, hard=False)
    if claim.qualifier == "under":
        return Interval(0.0, high + half, hard=False)
    return Interval(low - half, high + half)


def interval_sum(intervals: Iterable[Interval | None]) -> Interval | None:
    """Sum of intervals; None if any is None."""
    total = ZERO
    for item in intervals:
        if item is None:
            return None
        total = total + item
    return total


def interval_ratio(part: Interval, whole: Interval) -> Interval:
    """part / whole in percent (both non-negative)."""
    low = 100 * part.low / whole.high if whole.high > 0 else 0.0
    high = 100 * part.high / whole.low if whole.low > 0 else INF
    return Interval(low, high, part.hard and whole.hard)


def agreement_window(stated: Interval, computed: Interval, point: float) -> tuple[float, float]:
    """Range for the computed point value that keeps both intervals overlapping."""
    return stated.low - (computed.high - point), stated.high + (point - computed.low)


# --- the registry --------------------------------------------------------------------------

CheckFn = Callable[[list[Claim]], Iterable[Check]]
DOCUMENT_CHECKS: dict[str, CheckFn] = {}
CORPUS_CHECKS: dict[str, CheckFn] = {}


def check(name: str, document: bool = True, corpus: bool = False) -> Callable[[CheckFn], CheckFn]:
    """Register a check kind; it runs per document and/or over all claims of a run."""
    def register(fn: CheckFn) -> CheckFn:
        if document:
            DOCUMENT_CHECKS[name] = fn
        if corpus:
            CORPUS_CHECKS[name] = fn
        return fn
    return register


def audit_document(claims: list[Claim]) -> list[Check]:
    """Every registered document check over the claims of one document, numbered K<doc>-<n>."""
    found = [c for fn in DOCUMENT_CHECKS.values() for c in fn(claims)]
    return numbered(found, _doc_no(claims))


def audit_corpus(claims: list[Claim]) -> list[Check]:
    """Cross-document checks over all claims of a run, numbered KX-<n> (none for a single document)."""
    if len({c.doc for c in claims}) < 2:
        return []
    found = [c for fn in CORPUS_CHECKS.values() for c in fn(claims)]
    return numbered(found, "X")


def claim_status(claims: list[Claim], checks: list[Check]) -> dict[str, str]:
    """claim_id → the worst status of the checks it takes part in ("" when in none)."""
    rank = {status: i for i, status in enumerate(STATUS_ORDER)}
    status = {c.claim_id: "" for c in claims}
    for item in checks:
        for claim_id in filter(None, item.claim_ids.split(";")):
            old = status.get(claim_id, "")
            if not old or rank.get(item.status, len(rank)) < rank.get(old, len(rank)):
                status[claim_id] = item.status
    return status


def _doc_no(claims: list[Claim]) -> str:
    for claim in claims:
        head = claim.claim_id.split("-")[0]
        if head.isdigit():
            return head
    return "0000"


def numbered(found: list[Check], prefix: str) -> list[Check]:
    """`found` numbered K<prefix>-<n> in order."""
    for n, item in enumerate(found, start=1):
        item.check_id = f"K{prefix}-{n:04d}"
    return found


def _make(kind: str, status: str, claims: list[Claim], message: str, expected: float | None = None,
          actual: float | None = None, window: tuple[float, float] | None = None) -> Check:
    """A Check over `claims` (the first MAX_CHECK_SENTENCES sentences they stand in are joined,
    each cut to a window around its first claim, so a check stays small however often a figure recurs)."""
    low, high = window or (None, None)
    docs = list(dict.fromkeys(c.doc for c in claims))
    return Check("", ";".join(docs), kind, status, SEVERITY[status], ";".join(c.claim_id for c in claims),
                 _finite(expected), _finite(actual), _finite(low), _finite(high), message, _sentences(claims))


MAX_CHECK_SENTENCES = 5       # sentences a check quotes; more are counted


def _sentences(claims: list[Claim]) -> str:
    """The distinct sentences of `claims`, joined: the first MAX_CHECK_SENTENCES, each windowed
    around its first claim, and how many more there are."""
    first: dict[str, Claim] = {}
    for claim in claims:
        first.setdefault(claim.sentence, claim)
    quoted = [sentence_window(c.sentence, c.claim_start - c.sentence_start, c.claim_end - c.sentence_start)[0]
              for c in list(first.values())[:MAX_CHECK_SENTENCES]]
    more = len(first) - len(quoted)
    return " … ".join(quoted) + (f" …（另有{more}句）" if more > 0 else "")


make_check = _make          # public: the check kinds of other modules (changes.py) build their rows with it


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


# --- number formatting for messages ----------------------------------------------------------


def fmt(x: float | None) -> str:
    """29500 → 29,500 · 70.8812 → 70.88 · None → ｘ."""
    if x is None:
        return "ｘ"
    if not math.isfinite(x):
        return "∞" if x > 0 else "-∞"
    if abs(x - round(x)) < 1e-9 * max(1.0, abs(x)):
        return f"{round(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _range(low: float, high: float, suffix: str = "") -> str:
    return f"{fmt(low)}{suffix}–{fmt(high)}{suffix}"


# --- parts_total ---------------------------------------------------------------------------

_COMPLETE = re.compile(r"分别为|分别是")
# Measures one person may receive together (党纪处分 and 政务处分 for the same violation, …): parts
# naming two of them may add up to more than the total (处分25万人，其中党纪处分21万人、政务处分6万人).
_OVERLAPPING_MEASURES = ("党纪处分", "政务处分", "组织处理")


@check("parts_total")
def parts_total(claims: list[Claim]) -> Iterator[Check]:
    """Parts listed under a total (其中/分别为 …) against the total, same unit."""
    by_id = {c.claim_id: c for c in claims if c.claim_id}
    groups: dict[str, list[Claim]] = {}
    for claim in claims:
        if claim.parent:
            groups.setdefault(claim.parent, []).append(claim)
    for parent, parts in groups.items():
        total = _ids(parent, by_id)
        if not total:
            continue
        parts = [p for p in parts if p.unit == total[-1].unit and all(p is not t for t in total)]
        if parts:
            yield _parts_check(total, parts)


def _parts_check(total: list[Claim], parts: list[Claim]) -> Check:
    complete = _is_complete_list(total[-1], parts[0])
    whole = interval_sum(claim_interval(c) for c in total)
    known = [claim_interval(p) for p in parts]
    value = _sum_values(total)
    point = _sum_values(parts)
    involved = total + parts
    if whole is None:
        return _make("parts_total", "unverifiable", involved, f"合计含未公开数值（ｘ），无法核对其中各项之和 {fmt(point)}",
                     value, point)
    if None in known:
        seen = sum(float(p.value) for p in parts if p.value is not None and claim_interval(p))
        return _parts_with_redaction(involved, whole, [k for k in known if k], value, seen)
    if _overlapping(parts) and not any(k.above(whole) for k in known):
        return _overlapping_verdict(involved, whole, interval_sum(known), value, point)
    return _parts_verdict(involved, whole, interval_sum(known), value, point, complete)


def _overlapping(parts: list[Claim]) -> bool:
    """Whether the parts name two measures one person may receive together (党纪处分, 政务处分)."""
    named = set()
    for part in parts:
        subject = normalise_subject(part.subject)
        named.update(m for m in _OVERLAPPING_MEASURES if m in subject and "党纪政务" not in subject)
    return len(named) > 1


def _overlapping_verdict(involved: list[Claim], whole: Interval, parts: Interval, value: float,
                         point: float) -> Check:
    """Parts that may overlap: a sum above the total proves nothing; each part is within it."""
    if parts.above(whole):
        return _make("parts_total", "unverifiable", involved,
                     f"其中各项之和 {fmt(point)} 超过合计 {fmt(value)}：各项可能重叠（同一人可同时受党纪处分和政务处分），"
                     f"无法按加总核对", value, point)
    return _parts_verdict(involved, whole, parts, value, point, complete=False)


def _parts_with_redaction(involved: list[Claim], whole: Interval, known: list[Interval],
                          value: float | None, point: float | None) -> Check:
    """A redacted part: only a sum of the known parts already above the total can be judged."""
    seen = interval_sum(known) or ZERO
    if seen.above(whole):
        status = "impossible" if seen.hard and whole.hard else "mismatch"
        return _make("parts_total", status, involved, f"其中已公开各项之和 {fmt(point)} 已超过合计 {fmt(value)}",
                     value, point)
    return _make("parts_total", "unverifiable", involved,
                 f"其中各项含未公开数值（ｘ），无法核对是否等于合计 {fmt(value)}", value, point)


def _parts_verdict(involved: list[Claim], whole: Interval, parts: Interval, value: float, point: float,
                   complete: bool, label: str = "", kind: str = "parts_total") -> Check:
    window = agreement_window(whole, parts, point)
    label = label or ("“分别为”所列各项之和" if complete else "其中各项之和")
    if parts.above(whole):
        status = "impossible" if parts.hard and whole.hard else "mismatch"
        message = f"{label} {fmt(point)} 超过合计 {fmt(value)}"
    elif parts.below(whole):
        status = "mismatch" if complete else "partial"
        message = f"{label} {fmt(point)} 小于合计 {fmt(value)}"
    else:
        status = "ok"
        message = _agree_message(label, point, value, window)
    return _make(kind, status, involved, message, value, point, window)


def _agree_message(label: str, point: float, value: float, window: tuple[float, float]) -> str:
    if math.isclose(point, value, rel_tol=1e-12, abs_tol=1e-12):
        return f"{label} {fmt(point)} 等于合计 {fmt(value)}"
    return f"{label} {fmt(point)} 与合计 {fmt(value)} 相符（允许四舍五入 {_range(*window)}）"


def _sum_values(claims: list[Claim]) -> float | None:
    values = [c.value for c in claims]
    return None if None in values else float(sum(values))


def _is_complete_list(total: Claim, first: Claim) -> bool:
    """The parts were introduced by 分别为/分别是: the list is meant to be complete."""
    start = first.sentence_start
    begin = total.num_end - start if total.sentence_start == start else 0
    between = first.sentence[max(0, begin):max(0, first.num_start - start)]
    return bool(_COMPLETE.search(to_simplified(between)))


# --- tables ----------------------------------------------------------------------------------


@check("table_total")
def table_total(claims: list[Claim]) -> Iterator[Check]:
    """A table's 合计 row against the rows above it (up to the one before), and a total column
    against the columns before it, cell by cell, same unit."""
    cells = {pos: c for c in claims if (pos := cell_position(c)) is not None}
    for (table, row, col), total in cells.items():
        roles = total.table_role.split() if total.unit != SHARE_UNIT else []
        for role, step in (("row-total", (-1, 0)), ("col-total", (0, -1))):
            if role in roles:
                parts = _table_parts(cells, (table, row, col), step, total.unit, role)
                if len(parts) >= 2:
                    yield _table_sum_check(total, parts, "表中各行之和" if step[0] else "表中各列之和")


def _table_parts(cells: dict[tuple[int, int, int], Claim], at: tuple[int, int, int], step: tuple[int, int],
                 unit: str, role: str) -> list[Claim]:
    """The cells before a total along a column (step up) or a row (step left), back to the
    previous total; rows that break down the row above (其中) are left out."""
    table, row, col = at
    parts = []
    row, col = row + step[0], col + step[1]
    while row >= 1 and col >= 1:
        claim = cells.get((table, row, col))
        row, col = row + step[0], col + step[1]
        if claim is None:
            continue
        roles = claim.table_role.split()
        if role in roles:
            break
        if "part" not in roles and unit_key(claim.unit) == unit_key(unit):
            parts.insert(0, claim)
    return parts


def _table_sum_check(total: Claim, parts: list[Claim], label: str) -> Check:
    whole = claim_interval(total)
    known = interval_sum(claim_interval(p) for p in parts)
    involved = [total] + parts
    if whole is None or known is None:
        return _make("table_total", "unverifiable", involved, f"{label}涉及未公开数值（ｘ），无法核对合计")
    return _parts_verdict(involved, whole, known, float(total.value), _sum_values(parts), complete=True,
                          label=label, kind="table_total")


@check("table_change")
def table_change(claims: list[Claim]) -> Iterator[Check]:
    """A 同比 cell of a table recomputed from the same row's figures of its year and the year before."""
    rows: dict[tuple[int, int], list[Claim]] = {}
    for claim in claims:
        pos = cell_position(claim)
        if pos is not None:
            rows.setdefault(pos[:2], []).append(claim)
    for row in rows.values():
        for change in row:
            if change.category == "share" and change.unit == SHARE_UNIT and change.period is not None:
                pair = _change_pair(change, row)
                if pair:
                    yield _change_check(change, *pair)


def _change_pair(change: Claim, row: list[Claim]) -> tuple[Claim, Claim] | None:
    """The figures of the change's year and of the year before in its row, of the measure it names."""
    counts = [c for c in row if c.unit != SHARE_UNIT and change.subject.startswith(c.subject)]
    now = [c for c in counts if c.period == change.period]
    before = [c for c in counts if c.period == change.period - 1]
    if len(now) == 1 and len(before) == 1 and unit_key(now[0].unit) == unit_key(before[0].unit):
        return now[0], before[0]
    return None


def _change_check(change: Claim, now: Claim, before: Claim) -> Check:
    involved = [change, now, before]
    stated, cur, prev = claim_interval(change), claim_interval(now), claim_interval(before)
    if stated is None or cur is None or prev is None or not before.value:
        return _make("table_change", "unverifiable", involved, f"同比 {_written(change)}% 无法由 {_written(now)} 与 "
                     f"{_written(before)} 核对")
    ratio = interval_ratio(cur, prev)
    computed = Interval(ratio.low - 100, ratio.high - 100, ratio.hard)
    point = 100 * (float(now.value) - float(before.value)) / float(before.value)
    return _percent_verdict("table_change", involved, stated, computed, point,
                            f"同比 {_written(change)}% 与 ({_written(now)}-{_written(before)})/{_written(before)}")


# --- share_counts --------------------------------------------------------------------------

_SHARE_WORD = re.compile(r"占|比例|比重")
_FAMILY = {"人": "人", "人次": "人", "名": "人", "件": "件", "件次": "件", "起": "件", "条": "件"}
_SIBLING_SENTENCES = 6        # 其中…；…；… lists: sentences (split at ；) back to a sibling part
_TOTAL_SENTENCES = 3          # sentences searched for an unlinked 总 total


@check("share_counts")
def share_counts(claims: list[Claim]) -> Iterator[Check]:
    """A stated share (占…%) recomputed from its part and the part's total."""
    by_id = {c.claim_id: c for c in claims if c.claim_id}
    for i, share in enumerate(claims):
        if share.unit != SHARE_UNIT or share.category != "share":
            continue
        j = _share_part(claims, i)
        if j is None:
            continue
        total = _share_total(claims, j, by_id, _between(claims[j], share))
        if total:
            yield ratio_check("share_counts", share, claims[j], total)


def _share_part(claims: list[Claim], i: int) -> int | None:
    """Index of the nearest preceding non-share claim of the share's sentence, 占/比例 between them."""
    share = claims[i]
    for j in range(i - 1, -1, -1):
        claim = claims[j]
        if claim.sentence_start != share.sentence_start:
            return None
        if claim.unit != SHARE_UNIT:
            return j if _SHARE_WORD.search(_between(claim, share)) else None
    return None


def _between(first: Claim, second: Claim) -> str:
    """The sentence text between two claims of the same sentence, in simplified characters."""
    start = second.sentence_start
    return to_simplified(second.sentence[max(0, first.num_end - start):max(0, second.num_start - start)])


def _share_total(claims: list[Claim], j: int, by_id: dict[str, Claim], wording: str) -> list[Claim]:
    """The part's parent; else a sibling's parent; else, for 占总…, the nearest larger claim of its family."""
    part = claims[j]
    if part.parent:
        return _ids(part.parent, by_id)
    family = unit_family(part.unit)
    for claim in _recent(claims, j, _SIBLING_SENTENCES):
        if claim.parent and unit_family(claim.unit) == family:
            return _ids(claim.parent, by_id)
    if "总" not in wording:
        return []
    for claim in _recent(claims, j, _TOTAL_SENTENCES):
        if unit_family(claim.unit) == family and _larger(claim, part):
            return [claim]
    return []


def _ids(parent: str, by_id: dict[str, Claim]) -> list[Claim]:
    """The claims a parent reference names; empty if any is unknown."""
    ids = parent.split("+")
    return [by_id[i] for i in ids] if all(i in by_id for i in ids) else []


def _recent(claims: list[Claim], j: int, sentences: int) -> list[Claim]:
    """Claims before claims[j], nearest first, within the last `sentences` sentences (its own
    included) of the same paragraph: a share never reaches back into another paragraph."""
    seen = {claims[j].sentence_start}
    out = []
    for claim in reversed(claims[:j]):
        seen.add(claim.sentence_start)
        if len(seen) > sentences or claim.line != claims[j].line:
            break
        out.append(claim)
    return out


def unit_family(unit: str) -> str:
    return _FAMILY.get(unit, unit)


def _larger(claim: Claim, part: Claim) -> bool:
    return claim.value is not None and part.value is not None and claim.value > part.value


def ratio_check(kind: str, share: Claim, part: Claim, total: list[Claim], name: str = "占比") -> Check:
    """A stated percentage (`name` 70.7%: a share, or a rate such as 整改率) against part/total."""
    involved = [share, part] + [t for t in total if t is not part]
    stated, num, den = claim_interval(share), claim_interval(part), interval_sum(claim_interval(t) for t in total)
    label = f"{_written(part)}/{'+'.join(_written(t) for t in total)}"
    if stated is None or num is None or den is None:
        return _make(kind, "unverifiable", involved, f"{name} {_written(share)}% 涉及未公开数值（ｘ），无法核对 {label}")
    if share.value > 100 + _eps(100):
        return _make(kind, "impossible", involved, f"{name} {fmt(share.value)}% 超过 100%", share.value)
    point = 100 * float(part.value) / float(sum(t.value for t in total)) if _sum_values(total) else INF
    return _percent_verdict(kind, involved, stated, interval_ratio(num, den), point,
                            f"{name} {_written(share)}% 与 {label}")


def _percent_verdict(kind: str, involved: list[Claim], stated: Interval, computed: Interval, point: float,
                     what: str) -> Check:
    """A stated percentage (the first of `involved`) against the one computed from other figures."""
    window = agreement_window(stated, computed, point)
    agrees = not (computed.above(stated) or computed.below(stated))
    verdict, status = ("相符", "ok") if agrees else ("不符", "mismatch")
    message = f"{what} = {fmt(point)}% {verdict}（允许四舍五入 {_range(*window)}）"
    return _make(kind, status, involved, message, float(involved[0].value), point, window)


def _written(claim: Claim) -> str:
    """The number as the text writes it (full-width digits folded), else its value."""
    text = unicodedata.normalize("NFKC", claim.num_text or "")
    return text or fmt(claim.value)


written = _written          # public, for the check kinds of changes.py


# --- rank_field ----------------------------------------------------------------------------


@check("rank_field")
def rank_field(claims: list[Claim]) -> Iterator[Check]:
    """A rank must lie within 1 … the size of the field."""
    for claim in claims:
        if claim.category != "ranking" or (claim.rank_of is None and (claim.value is None or claim.value >= 1)):
            continue
        yield _rank_check(claim)


def _rank_check(claim: Claim) -> Check:
    field_size = claim.rank_of
    if claim.value is None:
        return _make("rank_field", "unverifiable", [claim], f"排名未公开（ｘ），无法核对是否在参评总数{fmt(field_size)}之内")
    rank = claim.value
    if rank < 1:
        return _make("rank_field", "impossible", [claim], f"排名第{fmt(rank)}小于第1", 1, rank)
    if rank > field_size:
        return _make("rank_field", "impossible", [claim], f"排名第{fmt(rank)}超出参评总数{fmt(field_size)}",
                     field_size, rank, (1, field_size))
    return _make("rank_field", "ok", [claim], f"排名第{fmt(rank)}在参评总数{fmt(field_size)}之内",
                 field_size, rank, (1, field_size))


# --- same_figure ---------------------------------------------------------------------------

_CHANGE_WORDS = re.compile(r"^(?:同比|环比|比上年|较上年|比去年|较去年)?"
                           r"(?:增长|下降|上升|增加|减少|增幅|降幅|占比|比例|比重)$")
_STRIP = re.compile(r"[\s\"'“”‘’「」『』《》〈〉()（）]")
_LEADING_UNIT = re.compile(r"^(?:人次|件次|人|名|件|起|条|个|项|次|家|类|种|场|位)、")


def normalise_subject(subject: str) -> str:
    """Subject as a key: simplified, width folded, whitespace/quotes and a stray leading 人、 stripped."""
    text = unicodedata.normalize("NFKC", subject or "")
    try:
        text = to_simplified(text)
    except ImportError:                     # pragma: no cover - OpenCC is a dependency of the package
        pass
    return _LEADING_UNIT.sub("", _STRIP.sub("", text))


@check("same_figure", corpus=True)
def same_figure(claims: list[Claim]) -> Iterator[Check]:
    """The same subject, period, scope and unit stated twice must agree.

    The scope (全国, 全省, 十八大以来 …) is part of the key: 全国立案63.1万件 and 本单位立案3件 are
    different figures even in one document.
    """
    cross = len({c.doc for c in claims}) > 1
    groups: dict[tuple, list[Claim]] = {}
    for claim in claims:
        key = figure_key(claim, cross)
        if key:
            groups.setdefault(key, []).append(claim)
    for group in groups.values():
        if len(group) > 1 and (not cross or len({c.doc for c in group}) > 1):
            yield _figure_check(group)


MIN_FIGURE_SUBJECT = 3   # 问题, 处分, 立案 alone name too little to say two figures are one


def figure_key(claim: Claim, cross: bool) -> tuple | None:
    """(subject, period, scope, unit); None for claims too vague to compare.

    Across documents both period and a place in the scope (全国, 全省 …) must be stated: without
    one each document speaks of its own organisation, and equal subjects are different figures.
    The scope's span of time (1至6月, 前三季度) keeps a half-year figure apart from the year's.
    """
    subject = normalise_subject(claim.subject)
    if len(subject) < MIN_FIGURE_SUBJECT or claim.category == "ranking" or _CHANGE_WORDS.match(subject):
        return None
    if cross and (claim.period is None or not names_a_place(claim.scope)):
        return None
    return subject, claim.period, claim.scope, claim.unit


MAX_LISTED_VALUES = 6        # a figure stated more often lists each distinct value once, with its count


def _figure_values(group: list[Claim]) -> str:
    """The values of a recurring figure as written: each one, or, for a long group, each distinct
    one with how often it occurs (10（3250处）、11（3250处）)."""
    written = [_written(c) for c in group]
    if len(written) <= MAX_LISTED_VALUES:
        return "、".join(written)
    return "、".join(f"{value}（{count}处）" for value, count in Counter(written).items())


def _figure_check(group: list[Claim]) -> Check:
    intervals = [claim_interval(c) for c in group]
    values = _figure_values(group)
    where = "两处" if len(group) == 2 else "多处"
    known = [i for i in intervals if i is not None]
    # some a.above(b) — the largest low above the smallest high (linear: groups can be large)
    differ = bool(known) and max(k.low for k in known) > min(k.high + _eps(k.high) for k in known)
    first = group[0].value
    if differ:
        joined = " 与 ".join(_written(c) for c in group) if len(group) == 2 else values
        return _make("same_figure", "conflict", group, f"同一指标前后{where}数值不同：{joined}", first, group[1].value)
    if len(known) < len(intervals):
        return _make("same_figure", "unverifiable", group, f"同一指标{where}出现，含未公开数值（ｘ）：{values}", first)
    return _make("same_figure", "ok", group, f"同一指标{where}出现，数值一致：{values}", first, group[1].value)
