"""Resolve what a claim's sentence leaves to its context: the year (period), the scope, 其中 parents."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .models import Claim, Sentence, unit_key
from .numerals import parse_numeral
from .script import to_simplified
from .stoplist import Scanner

_TITLE = re.compile(r"《[^》]*》")
_CN_DIGITS = "〇零○一二三四五六七八九"
# Spans of time that end now: 十八大以来 · 近三年来 · 今年以来 (a scope of their own, and no single year).
_SINCE = r"(?:党的)?(?:十[一二三四五六七八九]?|二十)大以来|近[一二三两四五六七八九十\d]+年(?:来|以来)|(?:今年|本年|去年|上年)以来"
# A year the text speaks of: 2021年 · 2021年度 · 二〇二一年 · 去年 · 今年 · 上年; and spans (…以来) that have no year.
_YEAR_MENTION = re.compile(
    rf"(?P<span>{_SINCE}|(?!一年)[一二三两四五六七八九十\d]+年(?:来|以来)|"
    rf"(?:[12][0-9]{{3}}|[{_CN_DIGITS}]{{4}})年以来)"
    rf"|(?P<year>(?<![0-9])[12][0-9]{{3}}|[{_CN_DIGITS}]{{4}})年(?!以来)"
    rf"|(?P<rel>去年|上年|上一年|前年|今年|本年|当年|(?:过去的?|这)?一年(?:来|以来)|过去的?一年)"
)
# A year named to compare with: 比去年, 较上年同期, 与2022年相比.
_COMPARED_BEFORE = re.compile(r"(?:比|较|较之|同)\Z")
_COMPARED_AFTER = re.compile(r"相比|相较|持平")
# 一年来 / 过去一年: the year a report looks back on, the one before the year it speaks from.
_RELATIVE = {"去年": -1, "上年": -1, "上一年": -1, "前年": -2, "今年": 0, "本年": 0, "当年": 0}
_LOOKING_BACK = -1
# What a figure covers, named before it: a span of time (十八大以来, 1至6月, 前三季度) and a place or body (全国 …).
_MONTH = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_TIME_SCOPE = re.compile(rf"{_SINCE}|"
                         rf"{_MONTH}月?(?:至|到|—|–|-|－|～|~){_MONTH}月份?|前{_MONTH}个?(?:季度|月)|第?[一二三四1-4]季度|[上下]半年|"
                         rf"(?<![\d一二三四五六七八九十]){_MONTH}月份?(?!{_MONTH}[日号])|"      # 1月 (a month, not a date)
                         r"全年度?")                     # 全年: the whole year again, no span of its own
_PLACE_SCOPE = re.compile(r"全国|全省|全市|全区|全县|全州|全盟|全旗|全系统|全行业|全局|全委|全乡|全镇")
_YEAR_SCANNER = Scanner(_YEAR_MENTION)
_PARTS = re.compile(r"其中|包括|分别为|分别是")
_LIST_JOIN = re.compile(r"^[^，,；;。\ue000]{0,12}?[、和及与]")
_MIN_YEAR, _MAX_YEAR = 1949, 2100


@dataclass(frozen=True)
class YearMention:
    """A year the text names at `pos` (None for a span such as 十八大以来). A year something moved
    from (由去年的第15位) ends at `local_end` and is the year only of the number right after it."""

    pos: int
    year: int | None
    local_end: int | None = None


def year_mentions(text: str, doc_year: int | None) -> list[YearMention]:
    """Years named in `text` outside 《titles》, relative ones resolved against `doc_year`.

    Traditional script is read through its simplified view (以來 → 以来), same length."""
    return _resolved(_raw_mentions(to_simplified(text)), doc_year)


# A mention before its document year is known: (pos, year, offset, local_end); a relative one
# has an offset (去年 -1) and no year, a span (十八大以来) neither; local_end: see YearMention.
RawMention = tuple[int, int | None, int | None, int | None]


def _raw_mentions(simplified: str) -> list[RawMention]:
    """The mentions of a simplified text, 《titles》 blanked out; a year named only to compare
    with (比去年, 较上年, 与2022年相比) is none, one something moved from (由去年的) is local."""
    text = _TITLE.sub(lambda m: " " * len(m.group()), simplified) if "《" in simplified else simplified
    out: list[RawMention] = []
    for m in _YEAR_SCANNER.matches(text):
        if _COMPARED_BEFORE.search(text, max(0, m.start() - 2), m.start()) or _COMPARED_AFTER.match(text, m.end()):
            continue
        local_end = m.end() if m.start() and text[m.start() - 1] == "由" else None
        if m.group("span"):
            out.append((m.start(), None, None, local_end))
        elif m.group("year"):
            year = _year_value(m.group("year"))
            if year is not None:
                out.append((m.start(), year, None, local_end))
        else:
            out.append((m.start(), None, _RELATIVE.get(m.group("rel"), _LOOKING_BACK), local_end))
    return out


def _resolved(raw: list[RawMention], doc_year: int | None, shift: int = 0) -> list[YearMention]:
    """YearMentions at pos - `shift`, relative ones resolved against `doc_year` (dropped without)."""
    out = []
    for pos, year, offset, local_end in raw:
        end = None if local_end is None else local_end - shift
        if offset is None:
            out.append(YearMention(pos - shift, year, end))
        elif doc_year is not None:
            out.append(YearMention(pos - shift, doc_year + offset, end))
    return out


class DocumentYears:
    """The year mentions of a whole document, found in one scan and handed out per sentence.

    Equal to `year_mentions` of each sentence: no mention spans a sentence end, and when a
    《title》 does (a title's 。 ends a sentence), sentences are scanned one by one instead.
    """

    def __init__(self, simplified: str, sentences: list[Sentence]) -> None:
        self.sentences = sentences
        self.raw = _raw_mentions(simplified)
        self.starts = [pos for pos, *_ in self.raw]
        self.per_sentence = "《" in simplified and not _titles_inside(simplified, sentences)

    @property
    def latest(self) -> int | None:
        """The latest year named outside titles: the year the document speaks from."""
        return max((year for _, year, _, local in self.raw if year is not None and local is None), default=None)

    def of(self, i: int, doc_year: int | None) -> list[YearMention]:
        """The mentions of sentence i, positions relative to the sentence."""
        sentence = self.sentences[i]
        if self.per_sentence:
            return year_mentions(sentence.text, doc_year)
        lo = bisect_left(self.starts, sentence.start)
        hi = bisect_left(self.starts, sentence.end, lo)
        return _resolved(self.raw[lo:hi], doc_year, sentence.start)


def _titles_inside(text: str, sentences: list[Sentence]) -> bool:
    """Does every 《title》 of `text` lie within one sentence?"""
    starts = [s.start for s in sentences]
    for m in _TITLE.finditer(text):
        i = bisect_right(starts, m.start()) - 1
        if i < 0 or m.end() > sentences[i].end:
            return False
    return True


def _year_value(text: str) -> int | None:
    value = int(text) if text.isdigit() else parse_numeral(text)
    if isinstance(value, (int, float)) and _MIN_YEAR <= value <= _MAX_YEAR:
        return int(value)
    return None


def infer_doc_year(text: str) -> int | None:
    """The year the document speaks from: the latest year it names outside titles."""
    years = [m.year for m in _framing(year_mentions(text, None)) if m.year is not None]
    return max(years) if years else None


def resolve_periods(claims: list[Claim], sentences: list[Sentence], doc_year: int | None,
                    years: DocumentYears | None = None) -> None:
    """Set `period` on each claim: a year in its sentence, else in the sentences that govern it.

    Governing sentences are the previous ones back to the nearest heading line (inclusive);
    a span such as 今年以来 or 十八大以来 means no single year. `years`: the document's mentions,
    found once (else each sentence is scanned).
    """
    index = {s.start: i for i, s in enumerate(sentences)}
    cache: dict[int, list[YearMention]] = {}
    governing: dict[int, int | None] = {}          # sentence → the year found from it back (_governing_year)

    def mentions(i: int) -> list[YearMention]:
        if i not in cache:
            cache[i] = years.of(i, doc_year) if years else year_mentions(sentences[i].text, doc_year)
        return cache[i]

    for claim in claims:
        i = index[claim.sentence_start]
        claim.period = _year_in_sentence(mentions(i), claim.num_start - claim.sentence_start, claim.sentence)
        if claim.period is None and not _framing(mentions(i)):
            claim.period = _governing_year(sentences, i, mentions, governing)


def _framing(found: list[YearMention]) -> list[YearMention]:
    """The mentions that frame their sentence (all but the local ones, see YearMention)."""
    return [m for m in found if m.local_end is None]


def _year_in_sentence(found: list[YearMention], pos: int, sentence: str) -> int | None:
    """The year of the number at `pos`: the nearest mention before it (a local one only right
    before it: 由去年的第15位), else the first one after it."""
    before = [m for m in found if m.pos < pos and (m.local_end is None or _right_before(sentence, m.local_end, pos))]
    if before:
        return before[-1].year
    after = _framing(found)
    return after[0].year if after else None


def _right_before(sentence: str, end: int, pos: int) -> bool:
    """Nothing but a few words, no clause break, between `end` and `pos` (去年的|第15位)."""
    gap = sentence[end:pos]
    return len(gap) <= 3 and not any(ch in "，,；;。：:" for ch in gap)


def _governing_year(sentences: list[Sentence], i: int, mentions, memo: dict[int, int | None]) -> int | None:
    """The year of the nearest framing mention before sentence `i`, back to the nearest heading.
    `memo` holds what was found from each sentence back, so a document without headings or
    years is walked once, not once per claim."""
    walked = []
    j, year = i - 1, None
    while j >= 0:
        if j in memo:
            year = memo[j]
            break
        walked.append(j)
        found = _framing(mentions(j))
        if found:
            year = found[-1].year
            break
        if sentences[j].is_heading:
            break
        j -= 1
    for k in walked:
        memo[k] = year
    return year


# The field of a ranking: 在全省14个地市中 (same sentence) · 全省共有14个地市参加考评 (sentence before).
_FIELD_HERE = re.compile(r"(?P<n>[0-9]+|[一二三四五六七八九十百两]+)(?:个|家|所|名)[^，。；：0-9]{0,15}?(?:中|当中|之中)")
_FIELD_BEFORE = re.compile(r"(?P<n>[0-9]+|[一二三四五六七八九十百两]+)(?:个|家|所|名)[^，。；：0-9]{0,15}?(?:参加|参与|参评|接受)")


def resolve_rank_fields(claims: list[Claim], sentences: list[Sentence]) -> list[Claim]:
    """A ranking without a field takes one stated before it in its sentence, or in the sentence
    before (全省共有14个地市参加考评。我市位列第四。). Returns the claims without those standing on
    such a field: the 47 of 在全市47个单位中位居第5位 is the size of the field, not a count of its own."""
    index = {s.start: i for i, s in enumerate(sentences)}
    fields: set[int] = set()
    for claim in claims:
        if claim.category != "ranking" or claim.rank_of is not None:
            continue
        here = to_simplified(claim.sentence[:claim.num_start - claim.sentence_start])
        found, offset = list(_FIELD_HERE.finditer(here)), claim.sentence_start
        i = index.get(claim.sentence_start, 0)
        if not found and i > 0:
            found, offset = list(_FIELD_BEFORE.finditer(to_simplified(sentences[i - 1].text))), sentences[i - 1].start
        value = parse_numeral(found[-1].group("n")) if found else None
        if isinstance(value, (int, float)) and value >= 1:
            claim.rank_of = int(value)
            fields.add(offset + found[-1].start("n"))
    return [c for c in claims if c.category == "ranking" or c.num_start not in fields]


SCOPE_WINDOW = 300       # characters before a number searched for its scope (its clause and those before, in any sentence of normal length)


def resolve_scopes(claims: list[Claim]) -> None:
    """Set `scope`: what the figure covers, as named before the number in its sentence — the
    nearest span of time (十八大以来, 今年以来, 1至6月, 前三季度, 上半年) and the nearest place or
    body (全国, 全省, 全系统 …), in text order, joined by a space (1至6月 全国)."""
    for claim in claims:
        pos = claim.num_start - claim.sentence_start
        before = to_simplified(claim.sentence[max(0, pos - SCOPE_WINDOW):pos])
        time = _last(_TIME_SCOPE, before)
        if time is not None and time.group().startswith("全年"):
            time = None
        found = [m for m in (time, _last(_PLACE_SCOPE, before)) if m is not None]
        claim.scope = " ".join(m.group() for m in sorted(found, key=lambda m: m.start()))


def names_a_place(scope: str) -> bool:
    """Whether a `scope` names a place or body (全国, 全省 …), not only a span of time."""
    return _PLACE_SCOPE.search(scope) is not None


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The last match of `pattern` in `text`, or None."""
    last = None
    for last in pattern.finditer(text):  # noqa: B007 - the loop keeps the last one
        pass
    return last


def resolve_parents(claims: list[Claim]) -> None:
    """Point the parts listed after 其中/包括/分别为 at the total they break down.

    The total is the claim (or 、-joined run of claims) of the same unit right before the marker,
    in the same sentence or the one before; a run is written as its ids joined by "+". The parts
    run on through sentences chained by ； (…占70.9%；第二种形态…).
    """
    groups: dict[int, list[Claim]] = {}
    for claim in claims:
        groups.setdefault(claim.sentence_start, []).append(claim)
    ordered = [groups[start] for start in sorted(groups)]
    for i, group in enumerate(ordered):
        _link_parts(group, ordered[i - 1] if i else [], _chained(ordered, i))


def _chained(ordered: list[list[Claim]], i: int) -> list[Claim]:
    """Claims of the sentences that continue sentence i after a ；, up to one with its own marker."""
    out: list[Claim] = []
    for k in range(i, len(ordered) - 1):                 # indices, not slices: no copy of the rest per sentence
        prev, group = ordered[k], ordered[k + 1]
        head = prev[0]
        end = head.sentence_start + len(head.sentence)
        if not head.sentence.rstrip().endswith(("；", ";")) or group[0].sentence_start - end > 1:
            break
        if _PARTS.search(to_simplified(group[0].sentence)):
            break
        out.extend(group)
    return out


def _link_parts(group: list[Claim], previous: list[Claim], chained: list[Claim]) -> None:
    sentence, offset = group[0].sentence, group[0].sentence_start
    markers = list(_PARTS.finditer(to_simplified(sentence)))
    for k, marker in enumerate(markers):
        pos = offset + marker.start()
        before = [c for c in group if c.num_end <= pos] or previous
        after = [c for c in group if c.num_start >= pos and not c.parent]
        if k == len(markers) - 1:
            after += chained
        if not before or not after:
            continue
        total = _total_run(before, after[0].unit)
        if not total:
            continue
        parent = "+".join(c.claim_id for c in total)
        for part in _parts_run(after, total[-1].unit):
            part.parent = parent


def _total_run(before: list[Claim], unit: str) -> list[Claim]:
    """The last claim of the parts' unit before the marker, with the 、-joined claims of that unit
    that lead to it (处分5,005人，其中… 。其中，…问题1,266起 points back to the …起 total)."""
    at = next((i for i in range(len(before) - 1, -1, -1) if unit_key(before[i].unit) == unit_key(unit)), None)
    if at is None:
        return []
    last = before[at]
    run = [last]
    for claim in reversed(before[:at]):
        between = last.sentence[claim.num_end - claim.sentence_start:run[0].num_start - claim.sentence_start]
        if unit_key(claim.unit) != unit_key(unit) or claim.sentence_start != run[0].sentence_start \
                or not _LIST_JOIN.match(between):
            break
        run.insert(0, claim)
    return run


def _parts_run(after: list[Claim], unit: str) -> list[Claim]:
    """The parts right after the marker: claims of the total's unit until another unit.

    Shares of each part (…人次，占70.9%；…) stand between parts and are passed over.
    """
    parts = []
    for claim in after:
        if claim.unit == "%" and unit != "%":
            continue
        if unit_key(claim.unit) != unit_key(unit):
            break
        parts.append(claim)
    return parts
