"""Apply the rules to the numerals of a sentence: which numerals are claims, and of what."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import takewhile
from typing import NamedTuple

from .context import last_match
from .models import Claim, Numeral, Sentence, unit_key
from .numerals import QUALIFIER_BEFORE
from .rules import NUM_HEAD, NUM_TAIL, REGEX_TIMEOUT, SEPARATORS, Rule, RuleSet
from .stoplist import char_class

_CLAUSE_END = re.compile(f"[{SEPARATORS}]")
# Words that stand between a subject and its number and are no part of the subject.
_TAIL_WORDS = ("分别为|分别是|分别|达到|高达|多达|共计|累计|总计|合计|约为|将近|接近|大约|约|近|逾|超过|不足|不到|"
               "不少于|不低于|不超过|不多于|少于|多于|低于|高于|至少|仅|达|有|为|是|计|共|的|了")
_SUBJECT_TAIL = re.compile(f"(?:{_TAIL_WORDS})+$")
_TAIL_ENDS = frozenset(word[-1] for word in _TAIL_WORDS.split("|"))    # a subject ending otherwise has no tail
# A pinyin annotation some traditional-script pages carry after a character: 個(gè) · 經費(fèi).
_STRIPPED = "“”\"'（）() 、"      # around a subject
_PINYIN = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}[)）]")
# Time, scope and list words that open a clause and are no part of the subject.
_SUBJECT_HEAD = re.compile(
    r"^(?:其中|包括|含|另外|此外|同时|全年|当年|年内|(?:去年|今年|上年|本年)度?(?:以来)?|以来|年来|年以来|"
    r"[0-9０-９〇零一二三四五六七八九]{4}年度?(?:第[一二三四]季度|[上下]半年)?(?:以来)?|"
    r"全国|全省|全市|全区|全县|全系统|全局|各级|共计|累计|共|全部|合计|总计|先后|依规依纪|依法|"
    r"组织开展|组织召开|组织(?!处理)|开展|召开|举办|受到|受(?!理)|给予|共对|对|排查出|排查|查找出|查找|梳理出|梳理|发现|查摆出|查摆|"
    r"[，,、\s（(“\"])+")
# Before a numeral in its clause: a target or plan for the future (力争…, 确保…, 到2027年…) is no tally;
# inside a 《title》 (《学习计划》) the word names a document.
_FUTURE_TARGET = re.compile(r"(?:力争|确保|争取|计划|拟|目标|预计|将要|要在|到\ue000\ue001*年)(?![^《》]*》)")
LOOKBACK = 1_000    # characters before a numeral searched for a word of its clause (a whole clause of normal length)
# After a numeral: a duration or a date (为期一个月, 3个工作日, 1—9月) is no tally.
_DURATION = re.compile(r"\s?(?:余|多)?个?(?:月|小时|工作日|星期|季度|年|天|日|周|分钟|学时)")


def _left_qualifier_regex() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A bound word of numerals.QUALIFIER_BEFORE a few characters before the number, opening a
    share or total: 约占…, 超过…的, 不到…的. Words of approximation need a verb after them (约占,
    近达), and single characters other than them and 逾 are too loose at a distance (超标).
    With a class of the words' first characters: a text without one holds no such word."""
    by_kind: dict[str, list[str]] = {"approx": [], "over": [], "under": []}
    for word, kind in QUALIFIER_BEFORE.items():
        if kind in by_kind and (len(word) > 1 or word in "约近逾"):
            by_kind[kind].append(word)
    alternatives = {kind: "|".join(sorted(words, key=len, reverse=True)) for kind, words in by_kind.items()}
    heads = char_class({word[0] for words in by_kind.values() for word in words})
    return heads, re.compile(rf"(?:(?P<approx>{alternatives['approx']})(?:占|达到|达|为)|(?P<over>{alternatives['over']})|"
                      rf"(?P<under>{alternatives['under']}))[^，,。；;]{{0,8}}$")


_LEFT_QUALIFIER_HEADS, _LEFT_QUALIFIER = _left_qualifier_regex()
_PART_MARKER = re.compile(r"其中|包括")
_GROUP_NAME_MIN = 2        # characters after a rule's subject word that name a group (处分 + 乡科级干部)
_UNITS_OF = {"人": ("人", "名")}          # the units a part may be counted in, by unit_key (else its own)
_LIST_ITEM = re.compile(r"[、和及与][^，,。；;\ue000]{0,12}$")
_NO_SEPARATOR = re.compile(f"[^{SEPARATORS}\ue000]{{1,16}}")
# A subject that only names the period compared with: the figure is the earlier one of the count before.
_COMPARISON_ONLY = re.compile(r"(?:较|比|与|同|和)?(?:(?:去年|上年|前年|上一年度?|[0-9]{4}年度?)(?:同期)?|同期)(?:的|为|是)?")
_CHANGE_WORD = re.compile(r"增长|下降|上升|减少|增加|提高|降低|增幅|降幅")
_BRACKET_REACH = 40
_PERCENT_SIGN = re.compile(r"\s?[%％]?")
# After a part of a 其中 list, the next part may follow a comma: 其中乡科级干部3人，一般干部12人.
_NEXT_PART = re.compile(r"[，,][^，,。；;\ue000]{1,12}$")
_LIST_JOINER = re.compile(r"[、和及与]|以及")
_NUMBER_MASK_KINDS = {"count", "redacted", "percent", "fraction", "points", "ordinal", "times"}


@dataclass
class Attempt:
    """One rule tried on one numeral, for `extractor explain`."""

    rule: str
    matched: bool
    reason: str
    parts: dict[str, str] = field(default_factory=dict)   # what each placeholder matched


class _Spot(NamedTuple):
    """Where a numeral stands in its masked sentence: its span, the start of its clause, and the
    words after it up to the clause's end or the next numeral (found once, read by every step)."""

    start: int
    end: int
    clause_start: int
    right_text: str


# A kind's test of all its rules' `right`s: the regex, each rule with its group, and the rules each
# tuple of the regex's groups lets through (filled as met).
_RightTest = tuple[re.Pattern[str], list[tuple[Rule, int]], dict[tuple[str | None, ...], list[Rule]]]
_MAX_FITS = 4_096          # combinations of fitting rights remembered per kind (a bound; few occur)


@dataclass
class Candidate:
    """A numeral of a sentence with what the rules made of it; `attempts` are recorded for
    `explain` only; `ruled_out`: a duration, a date or a target (no rule tried, nothing inherited)."""

    numeral: Numeral
    claim: Claim | None = None
    field_numeral: Numeral | None = None
    attempts: list[Attempt] = field(default_factory=list)
    ruled_out: bool = False


def mask(text: str, numerals: list[Numeral], offset: int) -> str:
    """`text` with each numeral replaced by NUM_HEAD NUM_TAIL…, same length (joined from slices when
    the numerals come in order and apart, as find_numerals gives them; else character by character)."""
    pieces, pos = [], 0
    for n in numerals:
        start, end = n.start - offset, n.end - offset
        if start < pos or end <= start:
            break
        pieces += (text[pos:start], NUM_HEAD, NUM_TAIL * (end - start - 1))
        pos = end
    else:
        pieces.append(text[pos:])
        return "".join(pieces)
    chars = list(text)
    for n in numerals:
        start, end = n.start - offset, n.end - offset
        chars[start:end] = NUM_HEAD + NUM_TAIL * (end - start - 1)
    return "".join(chars)


class SentenceMatcher:
    """Matches the rules of a RuleSet against one sentence at a time."""

    def __init__(self, ruleset: RuleSet):
        self.timeouts: Counter[str] = Counter()     # rule → numerals its regex timed out on (take_timeouts)
        self.rules = [r for r in ruleset.rules if not r.fallback]
        self._subject_words = {r.id: r.subject_words for r in ruleset.rules if r.subject_words is not None}
        self.fallback_rules = [r for r in ruleset.rules if r.fallback]
        self.fallback_ids = frozenset(r.id for r in self.fallback_rules)
        self._by_kind: dict[tuple[str, bool], list[Rule]] = {}   # (kind, fallback) → the rules that take it
        self._right_tests: dict[tuple[str, bool], _RightTest] = {}  # … → one test of all their `right`s
        self._left_groups = _groups_of((r.left for r in ruleset.rules), ("subject", "field"))   # what a claim reads
        self._right_groups = _groups_of((r.right for r in ruleset.rules), ("subject", "unit"))
        units = sorted(ruleset.units | {"个", "名", "人", "项", "次", "%", "％"}, key=len, reverse=True)
        self._leading_unit = re.compile(
            r"(?:余|多)?(?:" + "|".join(map(re.escape, units)) + r")?(?:左右|以上|之多)?")

    def take_timeouts(self) -> dict[str, int]:
        """The timeouts counted since the last call ("rule (file:line)" → numerals), reset."""
        if not self.timeouts:                       # the usual case: nothing to copy
            return {}
        taken = dict(self.timeouts)
        self.timeouts.clear()
        return taken

    def match(self, doc: str, sentence: Sentence, simplified: str, numerals: list[Numeral],
              prior: Claim | None = None, keep_attempts: bool = True) -> list[Candidate]:
        """Candidates for every numeral of `sentence`.

        A rule's context words are looked up in this sentence only (a 处分 in the sentence before
        does not make 全市共有党员3.2万名 a disciplinary figure). `prior` is the last claim before
        this sentence. `keep_attempts`: try every rule and record each attempt and why it failed
        (for explain); otherwise only the rules that take the numeral's kind are tried and nothing is
        kept (memory stays small in a sentence of a million numerals).
        """
        numerals = [n for n in numerals if n.kind in _NUMBER_MASK_KINDS]
        masked = mask(simplified, numerals, sentence.start)
        separators = [m.start() for m in _CLAUSE_END.finditer(masked)]
        brackets = "（" in masked or "(" in masked
        candidates: list[Candidate] = []
        previous: Claim | None = None            # the last claim of this sentence
        last_count: Claim | None = None          # … that is no share
        for i, numeral in enumerate(numerals):
            spot = _spot(masked, separators, numeral.start - sentence.start, numeral.end - sentence.start)
            cand = self._match_one(doc, sentence, masked, numerals, i, spot, simplified, previous, keep_attempts)
            if cand.claim is None and not cand.ruled_out:
                _inherit(cand, sentence, masked, simplified, last_count or prior, self._names_a_group)
            if cand.claim is None and previous is not None:
                self._count_after_count(cand, sentence, spot, simplified, previous)
            if cand.claim is None and not cand.ruled_out:
                self._apply(True, cand, doc, sentence, masked, numerals, i, spot, simplified, previous, keep_attempts)
            if cand.claim is not None:
                _compared_with(cand, last_count)
                previous = cand.claim
                if cand.claim.unit != "%" and not (brackets and _in_brackets(masked, cand.claim.num_start - sentence.start)):
                    last_count = cand.claim
            candidates.append(cand)
            if not keep_attempts and cand.attempts:
                cand.attempts.clear()
        if len(candidates) >= 4:        # (two counts and their two changes at least)
            _respective_changes(candidates)
        consumed = {id(c.field_numeral) for c in candidates if c.claim and c.field_numeral}
        if consumed:
            for c in candidates:
                if c.claim and id(c.numeral) in consumed:
                    c.claim = None
                    c.attempts.append(Attempt("-", False, "is the field of a ranking in this sentence"))
        return candidates

    def _names_a_group(self, claim: Claim) -> bool:
        """Does `claim` count a group named after its rule's subject word (处分乡科级干部31人: the
        people of one rank among those disciplined)? Bare items after it in a ；list (一般干部40人；)
        then go on with the breakdown."""
        words = self._subject_words.get(claim.base_rule)
        last = last_match(words, claim.subject_simplified) if words is not None else None
        return last is not None and len(claim.subject_simplified) - last.end() >= _GROUP_NAME_MIN

    def rules_for(self, kind: str, fallback: bool = False) -> list[Rule]:
        """The rules (or the fallback rules) that take numerals of `kind`, in the order they are tried."""
        key = (kind, fallback)
        if key not in self._by_kind:
            rules = self.fallback_rules if fallback else self.rules
            self._by_kind[key] = [rule for rule in rules if kind in rule.kinds]
        return self._by_kind[key]

    def _to_try(self, kind: str, fallback: bool, keep_attempts: bool, masked: str, spot: _Spot) -> Iterable[Rule]:
        """The rules to try on a numeral of `kind` in their order: for explain every rule; else those
        that take its kind and pass two quick tests in C (their words after the number fit — all
        rules tested in one regex call —, and a subject word of theirs stands in the clause: the
        subject is a part of it); `_try` says why a rule fails, which only explain reads."""
        if keep_attempts:
            return self.fallback_rules if fallback else self.rules
        test, slots, fitting = self._right_test(kind, fallback)
        fits = test.match(spot.right_text).groups()
        rules = fitting.get(fits)
        if rules is None:                   # the rules whose `right` fits, by which rights fit (few combinations)
            if len(fitting) >= _MAX_FITS:
                fitting.clear()
            rules = fitting[fits] = [rule for rule, slot in slots if fits[slot] is not None]
        clause_start, stop = spot.clause_start, spot.end + len(spot.right_text)
        return (rule for rule in rules if (      # lazily: none after a match
            rule.subject_words is None or rule.subject_words.search(masked, clause_start, stop) is not None))

    def _right_test(self, kind: str, fallback: bool) -> _RightTest:
        """One regex whose group k is not None when the k-th distinct `right` of the rules of
        `rules_for(kind, fallback)` matches at the start of the text — `(?:(?=R)()|)` per distinct
        R (rules often share one; a branch is lighter in the engine than an optional group) —, and
        each of those rules with the group of its `right` (-1, a last group that always takes "",
        for a rule without one); and an empty table of the rules each set of fits lets through."""
        key = (kind, fallback)
        if key not in self._right_tests:
            rules = self.rules_for(kind, fallback)
            rights = list(dict.fromkeys(rule.right_test for rule in rules if rule.right_test is not None))
            slots = [(rule, -1 if rule.right_test is None else rights.index(rule.right_test)) for rule in rules]
            self._right_tests[key] = (re.compile("".join(f"(?:(?={right})()|)" for right in rights) + "()"), slots, {})
        return self._right_tests[key]

    def _match_one(self, doc: str, sentence: Sentence, masked: str, numerals: list[Numeral],
                   index: int, spot: _Spot, context: str, previous: Claim | None, keep_attempts: bool) -> Candidate:
        cand = Candidate(numerals[index])
        start, end = spot.start, spot.end
        if _DURATION.match(masked, end, end + len(spot.right_text)):
            cand.ruled_out = True
            if keep_attempts:
                cand.attempts.append(Attempt("-", False, "a duration or a date, not a tally"))
        elif _FUTURE_TARGET.search(masked, max(spot.clause_start, start - LOOKBACK), start):
            cand.ruled_out = True
            if keep_attempts:
                cand.attempts.append(Attempt("-", False, "a target for the future, not a tally"))
        else:
            self._apply(False, cand, doc, sentence, masked, numerals, index, spot, context, previous, keep_attempts)
        return cand

    def _apply(self, fallback: bool, cand: Candidate, doc: str, sentence: Sentence, masked: str,
               numerals: list[Numeral], index: int, spot: _Spot, context: str, previous: Claim | None,
               keep_attempts: bool) -> None:
        """Try the rules (or the fallback rules) in order on numeral `index`; the first that matches
        makes its claim. `keep_attempts`: every rule, each attempt recorded; else only the rules that
        take the numeral's kind."""
        numeral = numerals[index]
        local_start = self._local_start(masked, numerals, index, sentence.start, spot.clause_start, previous)
        for rule in self._to_try(numeral.kind, fallback, keep_attempts, masked, spot):
            reason, hit = self._try(rule, numeral, masked, spot, local_start, context)
            if keep_attempts:
                cand.attempts.append(Attempt(rule.id, hit is not None, reason, _parts(hit)))
            if hit is not None:
                cand.claim, cand.field_numeral = self._claim(doc, sentence, masked, context, numerals, numeral, spot,
                                                             rule, hit)
                return

    def _count_after_count(self, cand: Candidate, sentence: Sentence, spot: _Spot, context: str,
                           previous: Claim) -> None:
        """A count right after a claim in another unit, with nothing between (查处问题24起34人: the
        people of the cases just counted): the first rule whose subject words the claim before
        names and whose unit follows this number takes it, with that subject."""
        n = cand.numeral
        start, end, right_text = spot.start, spot.end, spot.right_text
        if previous.sentence_start != sentence.start or previous.claim_end - sentence.start != start:
            return
        subject = previous.subject
        for rule in self.rules_for(n.kind):
            if (rule.left is None or rule.right is None or rule.subject_words is None
                    or not rule.subject_words.search(previous.subject_simplified)):
                continue
            m = rule.right.match(right_text)
            unit = m.group("unit") if m and "unit" in m.re.groupindex else None
            if not unit or unit == previous.unit or (rule.context_words and not rule.context_words.search(context)):
                continue
            cand.claim = _claim_after(previous, sentence, n, category=rule.category, subject=subject,
                                      unit=rule.unit_map.get(unit, unit), start=start, end=end + m.end(),
                                      rule=f"{rule.id}+after {previous.unit}")
            cand.attempts.append(Attempt(cand.claim.rule, True, f"counted right after {previous.num_text}"
                                                               f"{previous.unit}, of the same subject"))
            return

    def _local_start(self, masked: str, numerals: list[Numeral], index: int, offset: int, clause_start: int,
                     previous: Claim | None) -> int:
        """Where the phrase before a numeral starts: its clause, or after the previous claim (or numeral
        and unit) and the list word (、和及与) that follows it."""
        if index == 0:
            return clause_start
        prev_end = numerals[index - 1].end - offset
        if prev_end <= clause_start:
            return clause_start
        if previous is not None and previous.num_end == numerals[index - 1].end:
            prev_end = max(prev_end, previous.claim_end - offset)
            prev_end = _PERCENT_SIGN.match(masked, prev_end).end()      # a share's claim ends before its %
        else:
            prev_end = self._leading_unit.match(masked, prev_end).end()
        joiner = _LIST_JOINER.match(masked, prev_end)
        return max(clause_start, joiner.end() if joiner else prev_end)

    def _try(self, rule: Rule, numeral: Numeral, masked: str, spot: _Spot, local_start: int,
             context: str) -> tuple[str, dict | None]:
        """Why `rule` does not take `numeral`, or the spans it matched."""
        if numeral.kind not in rule.kinds:
            return f"numeral is {numeral.kind}, rule takes {'/'.join(sorted(rule.kinds))}", None
        if numeral.text in rule.not_numerals:
            return f"this rule never takes 「{numeral.text}」", None
        start, clause_start, right_text = spot.start, spot.clause_start, spot.right_text
        if rule.whole is not None:
            try:
                return _try_whole(rule, masked, start)
            except TimeoutError:
                self.timeouts[f"{rule.id} ({rule.file}:{rule.line})"] += 1
                return f"the regex of rule {rule.id} ({rule.file}:{rule.line}) ran over {REGEX_TIMEOUT} s: skipped", None
        hit: dict = {"left_start": start, "right_end": start + len(numeral.text), "subject": None,
                     "unit": "", "field": None}
        if rule.left is not None:
            left_from = clause_start if rule.uses_field else local_start
            m = rule.left.search(masked, left_from, start)
            if not m:
                return "the words before the number do not fit", None
            hit["left_start"] = m.start()
            hit.update(_spans(m, self._left_groups[rule.left.pattern]))
        if rule.right is not None:
            m = rule.right.match(right_text)
            if not m:
                return "the words after the number do not fit (unit?)", None
            right_offset = hit["right_end"]
            hit["right_end"] = right_offset + m.end()
            hit.update(_spans(m, self._right_groups[rule.right.pattern], right_offset))
        subject = hit.get("subject")
        if rule.subject_words is not None and not (subject and rule.subject_words.search(subject[1])):
            return "no subject word of this rule next to the number", None
        if rule.context_words is not None and not rule.context_words.search(context):
            return "no context word of this rule in the sentence", None
        if rule.background_words is not None and rule.background_words.search(masked, 0, start):
            return "the sentence states a background figure (共有…, 现有…)", None
        if rule.unless_words is not None:
            clause = masked[clause_start:start + len(numeral.text) + len(right_text)]
            word = rule.unless_words.search(clause)
            if word:
                return f"「{word.group()}」 in the clause rules it out", None
        return "matched", hit

    def _claim(self, doc: str, sentence: Sentence, masked: str, context: str, numerals: list[Numeral],
               numeral: Numeral, spot: _Spot, rule: Rule, hit: dict) -> tuple[Claim, Numeral | None]:
        subject, simple = _clean_subject(sentence.text, context, hit.get("subject"))
        unit = hit["unit"][1] if hit.get("unit") else rule.unit_default
        unit = rule.unit_map.get(unit, unit)
        value = numeral.value
        value_high = numeral.value_high
        if numeral.kind == "fraction" and value is not None:
            value = round(value * 100, 10)
        if numeral.unit_hint == "%" or numeral.kind in ("percent", "fraction"):
            unit = "%"
        field_numeral = None
        rank_of = None
        if hit.get("field"):
            pos = sentence.start + hit["field"][0]
            field_numeral = next((n for n in numerals if n.start == pos), None)
            if field_numeral is not None and isinstance(field_numeral.value, (int, float)):
                rank_of = int(field_numeral.value)
        qualifier = numeral.qualifier
        if qualifier == "exact":
            pos = spot.start
            qualifier = _left_qualifier(masked[max(spot.clause_start, pos - 10):pos]) or qualifier
        claim_start = sentence.start + hit["left_start"]
        claim_end = sentence.start + hit["right_end"]
        claim = Claim(
            doc=doc, category=rule.category, subject=subject, value=value, unit=unit,
            num_text=numeral.text, num_start=numeral.start, num_end=numeral.end,
            claim_text=sentence.text[hit["left_start"]:hit["right_end"]],
            claim_start=claim_start, claim_end=claim_end, line=sentence.line, sentence=sentence.text,
            rule=rule.id, qualifier=qualifier, value_high=value_high, rank_of=rank_of,
            sentence_start=sentence.start, subject_simplified=simple,
        )
        return claim, field_numeral





def _in_brackets(masked: str, pos: int) -> bool:
    """Is `pos` inside a parenthesis opened shortly before it (（含…）, （其中…）)?"""
    window = max(0, pos - _BRACKET_REACH)
    return masked.rfind("（", window, pos) > masked.rfind("）", window, pos) or \
        masked.rfind("(", window, pos) > masked.rfind(")", window, pos)


def _compared_with(cand: Candidate, base: Claim | None) -> None:
    """A figure named only by the period it compares with (较上年同期的312件, 去年同期为281起,
    比去年同期的41人) is the earlier figure of the count before it in the sentence: it takes that
    count's subject and category."""
    claim = cand.claim
    if (base is None or base.sentence_start != claim.sentence_start or unit_key(base.unit) != unit_key(claim.unit)
            or not _COMPARISON_ONLY.fullmatch(claim.subject_simplified.strip("（("))):
        return
    claim.rename(base.subject)
    claim.category = base.category
    cand.attempts.append(Attempt(claim.rule, True, f"the figure {base.num_text}{base.unit} is compared with: "
                                                   f"its subject and category"))


def _respective_changes(candidates: list[Candidate]) -> None:
    """分别增长a%、b%和c% after counts: each share is the change of the count in the same place
    (立案2921件、结案1779件、处分1800人，分别比去年同期增长49.4%、5.0%和6.8%)."""
    claims = [c.claim for c in candidates if c.claim]
    for i, claim in enumerate(claims):
        if claim.unit != "%" or "分别" not in claim.subject_simplified:
            continue
        shares = list(takewhile(lambda c: c.unit == "%", claims[i:]))
        counts = list(takewhile(lambda c: c.unit != "%", reversed(claims[:i])))[::-1]
        if len(shares) < 2 or len(counts) < len(shares):
            return
        change = _CHANGE_WORD.search(claim.subject_simplified)
        word = claim.subject[change.start():change.end()] if change else ""   # as the text writes it
        for count, share in zip(counts[-len(shares):], shares, strict=True):
            share.rename(count.subject + word)
        return


def _inherit(cand: Candidate, sentence: Sentence, masked: str, plain: str, previous: Claim | None,
             names_a_group: Callable[[Claim], bool]) -> None:
    """A part listed after 其中/包括, or a 、-joined item, takes the family of the claim before it
    when it counts in the same unit (其中重复件150件次 after 信访举报2,045件次). `names_a_group`: does
    a claim count a group (处分乡科级干部31人)? The items of a ；list after one are parts too.
    `masked`: the sentence with its numerals masked; `plain`: simplified, unmasked."""
    if previous is None or previous.unit in ("", "%"):
        return
    n = cand.numeral
    start, end = n.start - sentence.start, n.end - sentence.start
    gap_from = max(previous.claim_end - sentence.start, 0)
    between = masked[gap_from:start]
    same = _UNITS_OF.get(unit_key(previous.unit), (previous.unit,))
    unit = re.compile(rf"\s?(?:余|多)?(?:{'|'.join(map(re.escape, same))})").match(masked, end)
    if unit is None:
        return
    marker = _PART_MARKER.search(between)
    same_sentence = previous.sentence_start == sentence.start
    item = _LIST_ITEM.match(between) if same_sentence else None
    if item is None and same_sentence and previous.rule.endswith("+inherited"):
        item = _NEXT_PART.match(between)
    if marker:
        how = "part after " + marker.group()
    elif item:
        how = "item of a list" if item.re is _LIST_ITEM else "next part, after a comma"
    elif _continues_parts(previous, sentence, between, names_a_group):
        how = "next part of a ；list"
    else:
        return
    unit_end = unit.end()
    subject_start = gap_from + (marker.end() if marker else item.start() + 1 if item else 0)   # after the joiner
    subject = (subject_start, masked[subject_start:start])
    cand.claim = _claim_after(previous, sentence, n, category=previous.category,
                              subject=_clean_subject(sentence.text, plain, subject)[0], unit=unit.group().strip(" 余多"),
                              start=subject_start, end=unit_end,
                              rule=previous.rule.removesuffix("+inherited") + "+inherited")
    cand.attempts.append(Attempt(cand.claim.rule, True, f"{how} {previous.num_text}{previous.unit} "
                                                       f"({previous.category}), same unit"))


def _continues_parts(previous: Claim, sentence: Sentence, between: str, names_a_group: Callable[[Claim], bool]) -> bool:
    """This sentence goes on with the parts of a list the sentence before ended with a ；
    (其中科级干部19人；一般干部58人；… · 处分乡科级干部31人；一般干部40人；…): the last claim was a
    part or counted a group (`names_a_group`, asked last), right before, and only the item's name
    stands before this number."""
    if previous.sentence_start == sentence.start or not previous.sentence.rstrip().endswith(("；", ";")):
        return False
    if sentence.start - (previous.sentence_start + len(previous.sentence)) > 2:
        return False
    if _NO_SEPARATOR.fullmatch(between) is None:
        return False
    return previous.rule.endswith("+inherited") or _PART_MARKER.search(previous.sentence) is not None \
        or names_a_group(previous)


def _claim_after(previous: Claim, sentence: Sentence, n: Numeral, *, category: str, subject: str, unit: str,
                 start: int, end: int, rule: str) -> Claim:
    """A claim of numeral `n` that takes its reading from the claim before it; its words are
    characters start…end-1 of the sentence."""
    return Claim(doc=previous.doc, category=category, subject=subject, value=n.value, unit=unit,
                 num_text=n.text, num_start=n.start, num_end=n.end, claim_text=sentence.text[start:end],
                 claim_start=sentence.start + start, claim_end=sentence.start + end, line=sentence.line,
                 sentence=sentence.text, rule=rule, qualifier=n.qualifier, value_high=n.value_high,
                 sentence_start=sentence.start)


def _parts(hit: dict | None) -> dict[str, str]:
    """The text the subject and unit placeholders of a matched rule took."""
    if not hit:
        return {}
    return {name: hit[name][1] for name in ("subject", "unit") if hit.get(name)}


def _left_qualifier(before: str) -> str | None:
    """approx/over/under from a bound word that opens a share or total: 约占, 超过…的, 不到…的."""
    m = _LEFT_QUALIFIER.search(before) if _LEFT_QUALIFIER_HEADS.search(before) else None
    if not m:
        return None
    return "approx" if m.group("approx") else "over" if m.group("over") else "under"


def _groups_of(patterns: Iterable[re.Pattern[str] | None], names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Pattern text → those of `names` that are groups of it (keyed by text: a str keeps its hash
    and survives the pickling of the matcher to a worker, where ids change)."""
    return {p.pattern: tuple(name for name in names if name in p.groupindex) for p in patterns if p is not None}


def _spans(m: re.Match, names: Iterable[str], offset: int = 0) -> Iterator[tuple[str, tuple[int, str]]]:
    """(name, (offset + start, text)) of each of the groups `names` of `m` that took part in the match."""
    for name in names:
        if (text := m.group(name)) is not None:
            yield name, (offset + m.start(name), text)


def _groups(m: re.Match, *names: str) -> dict:
    """(start, text) of each named group that took part in the match."""
    return dict(_spans(m, (name for name in names if name in m.re.groupindex)))


def _try_whole(rule: Rule, masked: str, start: int) -> tuple[str, dict | None]:
    """A raw-regex rule at the number at `start`; TimeoutError past REGEX_TIMEOUT."""
    for m in rule.whole.finditer(masked, timeout=REGEX_TIMEOUT):
        if m.start("number") == start:
            hit = {"left_start": m.start(), "right_end": m.end(), **_groups(m, "subject", "unit", "field")}
            return "matched", hit
    return "the regex does not match at this number", None


def _spot(masked: str, separators: list[int], start: int, end: int) -> _Spot:
    """Where the numeral at start…end of `masked` stands (`separators`: where the sentence's clause
    separators are, found once per sentence); by bisection, not a scan back: a sentence without
    punctuation costs no more per numeral than a short one."""
    i = bisect_left(separators, start)
    clause_start = separators[i - 1] + 1 if i else 0
    k = bisect_left(separators, end, i)
    clause_end = separators[k] if k < len(separators) else len(masked)
    nxt = masked.find(NUM_HEAD, end, clause_end)
    return _Spot(start, end, clause_start, masked[end:nxt if nxt >= 0 else clause_end])


def _clean_subject(text: str, plain: str, subject: tuple[int, str] | None) -> tuple[str, str]:
    """The subject as the text writes it (original script), without opening and linking words, and
    the same in simplified characters, read from `plain`, the text simplified (to_simplified maps
    one character to one and none to or from a character cut or stripped here: the same cuts fit)."""
    if not subject:
        return "", ""
    start, simplified = subject
    title_end = simplified.rfind("》") + 1
    if 0 < title_end < len(simplified):
        start, simplified = start + title_end, simplified[title_end:]
    leading = _PINYIN.match(simplified) if simplified[:1] in "(（" else None   # the unit's annotation: 個(gè)典型案例
    if leading:
        start, simplified = start + leading.end(), simplified[leading.end():]
    original, simple = text[start:start + len(simplified)], plain[start:start + len(simplified)]
    head = _SUBJECT_HEAD.match(simplified)
    cut_head = head.end() if head else 0
    rest = simplified[cut_head:]
    ends = rest[-1:] in _TAIL_ENDS or (rest.endswith("\n") and rest[-2:-1] in _TAIL_ENDS)     # ($: before a last \n)
    tail = _SUBJECT_TAIL.search(rest) if ends else None
    cut_tail = len(simplified) - (tail.start() + cut_head if tail else len(simplified))
    end = len(original) - cut_tail
    cleaned, simple_cleaned = original[cut_head:end], simple[cut_head:end]
    if "(" in cleaned or "（" in cleaned:
        cleaned, simple_cleaned = _PINYIN.sub("", cleaned), _PINYIN.sub("", simple_cleaned)
    if cleaned := cleaned.strip(_STRIPPED):
        return cleaned, simple_cleaned.strip(_STRIPPED)
    return original.strip(), simple.strip()
