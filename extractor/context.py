"""Resolve what a claim's sentence leaves to its context: the scope, the field of a ranking, 其中 parents
(the year, `period`, is resolved in periods.py)."""

from __future__ import annotations

import re

from .models import BEFORE_WINDOW, FIGURE_SPACES, Claim, Sentence, unit_key
from .numerals import parse_numeral
from .periods import SINCE
from .regexstart import first_chars
from .script import to_simplified
from .stoplist import char_class

# What a figure covers, named before it: a span of time (十八大以来, 1至6月, 前三季度) and a place or body (全国 …).
_MONTH = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
TIME_WORDS = (rf"{SINCE}|"
              rf"{_MONTH}月?(?:至|到|—|–|-|－|～|~){_MONTH}月份?|前{_MONTH}个?(?:季度|月)|第?[一二三四1-4]季度|[上下]半年|"
              rf"(?<![\d一二三四五六七八九十]){_MONTH}月份?(?!{_MONTH}[日号])|"      # 1月 (a month, not a date)
              r"全年度?")                     # 全年: the whole year again, no span of its own
# A lookahead on the characters a time word can begin with (read from the pattern by regexstart.py)
# makes a try at every other position fail at once; `_TIME_FINDER` skips to them at C speed.
TIME_HEADS = first_chars(TIME_WORDS)
_TIME_SCOPE = re.compile(f"(?={char_class(TIME_HEADS).pattern})(?:{TIME_WORDS})" if TIME_HEADS else TIME_WORDS)
_PLACE_SCOPE = re.compile(r"全国|全省|全市|全区|全县|全州|全盟|全旗|全系统|全行业|全局|全委|全乡|全镇")
_PARTS = re.compile(r"其中|包括|分别为|分别是")
# A sum of named parts: 乡科级干部和一般干部合计 · 来信、来访共计 (the names, then the word that adds them up).
_SUM_OF = re.compile(r"(?P<names>[^，,；;。：:\ue000]{2,40}?)(?:合计|共计|总计|共)")
_NAME_JOINER = re.compile(r"以及|[和、及与]")
_LIST_JOIN = re.compile(r"^[^，,；;。\ue000]{0,12}?[、和及与]")

# The field of a ranking: 在全省14个地市中 (same sentence) · 全省共有14个地市参加考评 (sentence before).
_FIELD = rf"(?P<n>[0-9]+|[一二三四五六七八九十百两]+)[{FIGURE_SPACES}]?(?:个|家|所|名)[^，,。；;：:0-9]{{0,15}}?"
_FIELD_HERE = re.compile(_FIELD + "(?:中|当中|之中)")
_FIELD_BEFORE = re.compile(_FIELD + "(?:参加|参与|参评|接受)")


def resolve_rank_fields(claims: list[Claim], sentences: list[Sentence]) -> list[Claim]:
    """A ranking without a field takes one stated before it in its sentence, or in the sentence
    before (全省共有14个地市参加考评。我市位列第四。). Returns the claims without those standing on
    such a field: the 47 of 在全市47个单位中位居第5位 is the size of the field, not a count of its own."""
    open_ranks = [c for c in claims if c.category == "ranking" and c.rank_of is None] if claims else claims
    if not open_ranks:
        return claims
    index = {s.start: i for i, s in enumerate(sentences)}
    fields: set[int] = set()
    for claim in open_ranks:
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


def resolve_scopes(claims: list[Claim]) -> None:
    """Set `scope`: what the figure covers, as named before the number in its sentence — the
    nearest span of time (十八大以来, 今年以来, 1至6月, 前三季度, 上半年) and the nearest place or
    body (全国, 全省, 全系统 …), in text order, joined by a space (1至6月 全国)."""
    simplified = ""                       # the claim's sentence, simplified once for all its claims
    for k, claim in enumerate(claims):
        if k == 0 or claims[k - 1].sentence is not claim.sentence:
            simplified = to_simplified(claim.sentence)
        pos = claim.num_start - claim.sentence_start
        before = simplified[max(0, pos - BEFORE_WINDOW):pos]
        time = last_match(_TIME_SCOPE, before, _TIME_FINDER)
        if time is not None and time.group().startswith("全年"):
            time = None
        place = last_match(_PLACE_SCOPE, before) if "全" in before else None     # (every place scope begins with 全)
        if time is not None and place is not None:
            first, second = (time, place) if time.start() <= place.start() else (place, time)
            claim.scope = f"{first.group()} {second.group()}"
        else:
            found = time or place
            claim.scope = found.group() if found is not None else ""


def names_a_place(scope: str) -> bool:
    """Whether a `scope` names a place or body (全国, 全省 …), not only a span of time."""
    return _PLACE_SCOPE.search(scope) is not None


def scope_span(scope: str) -> str:
    """The span of time of a `scope` (1至9月 of `1至9月 全国`), without its place."""
    return " ".join(word for word in scope.split() if not _PLACE_SCOPE.fullmatch(word))


def head_finder(pattern: re.Pattern[str], heads: set[str] | None) -> re.Pattern[str] | None:
    """A regex that finds where `pattern` — every match of which begins with one of `heads` —
    matches, at C speed: it takes that first character (a class: the engine skips to one in C)
    and looks back to try `pattern` there. None without `heads`."""
    if not heads:
        return None
    return re.compile(f"{char_class(heads).pattern}(?<=(?=(?:{pattern.pattern}))(?s:.))")


def last_match(pattern: re.Pattern[str], text: str, finder: re.Pattern[str] | None = None) -> re.Match[str] | None:
    """The last match of `pattern` in `text`, or None. `finder`: its `head_finder` (for a pattern
    that never matches empty), which visits only the positions where it matches, as finditer would."""
    last = None
    if finder is None:
        for last in pattern.finditer(text):  # noqa: B007 - the loop keeps the last one
            pass
        return last
    pos = 0
    while (found := finder.search(text, pos)) is not None:
        at = found.start()
        m = pattern.match(text, at)             # (it does match there)
        if m is not None:
            last = m
        pos = max(m.end() if m is not None else at, at + 1)
    return last


_TIME_FINDER = head_finder(_TIME_SCOPE, TIME_HEADS)


def resolve_sums(claims: list[Claim], weak_rules: frozenset[str]) -> None:
    """A sum of named parts read only by a fallback rule (乡科级干部和一般干部合计71人) takes the
    category of the claims it adds up: for each name, the last claim before it in its paragraph,
    in the same unit, whose subject ends with that name — when they all agree."""
    for i, claim in enumerate(claims):
        if claim.base_rule not in weak_rules:
            continue
        words = to_simplified(claim.claim_text[:claim.num_start - claim.claim_start]).rstrip()
        summed = _SUM_OF.fullmatch(words)
        names = [n for n in _NAME_JOINER.split(summed.group("names")) if n] if summed else []
        if len(names) < 2:
            continue
        before = [c for c in claims[:i] if c.line == claim.line and unit_key(c.unit) == unit_key(claim.unit)]
        parts = [next((c for c in reversed(before) if c.subject_simplified.endswith(name)), None) for name in names]
        categories = {c.category for c in parts if c is not None}
        if None not in parts and len(categories) == 1:
            claim.category = categories.pop()


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
        between = to_simplified(last.sentence[claim.num_end - claim.sentence_start:run[0].num_start - claim.sentence_start])
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
