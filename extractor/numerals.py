"""Find the numbers written in Chinese official texts and normalise them.

`find_numerals` scans the text once with one compiled regex of numeral shapes — Arabic figures
(half/full width, 2,417 · 9.3万 · 300亿零五千120), Chinese numerals (两千六百 · 廿 · 壹拾贰),
百分之…, …分之…, 第…, redaction marks (ｘ · xx · **) — then reads the few characters after each
candidate: % · 个百分点 · 成 · 倍 · 年 · a measure word · a range connector · qualifier words.

Chinese numeral characters that are also word parts (一 二 … 十 两 百 千 万) count alone only
before a measure word (一人 · 两名 · 两个月) or in 第… / 百分之… / …分之… / …成 / …倍; a redaction
mark counts only before a measure word or %. Numerals inside a stop-list span (political formulas,
idioms, speech structure, session and document numbers) are dropped.

Values: Decimal arithmetic for Arabic figures, cn2an on the Chinese spans found — never a
text-wide cn2an.transform, which turns 一岗双责 into 1岗双责. The commonest shapes (五 · 三十七 ·
两千 · 二〇二六) are read without cn2an, to the values it gives: it is imported only when needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import pairwise

from .models import FIGURE_SPACES, Numeral
from .regexstart import first_chars
from .stoplist import Scanner, StopList, char_class, fold

Number = int | float

# --- characters and words -------------------------------------------------------------------

CN_DIGITS = "零〇一二三四五六七八九两壹贰叁肆伍陆柒捌玖幺"
CN_UNITS = "十百千万亿拾佰仟廿卅"
_AMBIGUOUS_START = set("百千万亿佰仟")      # 千万 (by all means), 万一 (in case), 百姓 …
_UNAMBIGUOUS = set("廿卅〇")                 # these count even standing alone
_PLAIN_DIGITS = frozenset("一二三四五六七八九两")
_DIGIT_VALUE = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}
_MULTIPLIER = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}

MEASURE_WORDS: frozenset[str] = frozenset("""
人 人次 名 位 起 件 件次 宗 例 个 個 项 項 条 條 款 家 类 類 种 種 次 场 場 轮 輪 轮次 批 期 所 处 處
户 戶 户次 座 栋 间 张 張 份 篇 本 册 套 台 辆 艘 架 只 笔 遍 趟 堂 组 章 节
元 万元 亿元 美元 欧元 港元 日元 块钱 角 吨 公斤 千克 斤 公里 千米 米 亩 平方米 平方公里 立方米
年 年度 月 个月 天 日 周岁 岁 季度 周年 小时 分钟
""".split())

_MEASURE_ALT = "|".join(sorted((re.escape(w) for w in MEASURE_WORDS), key=len, reverse=True))

# --- the scanning regex (runs on fold(text): same length, so offsets hold) -----------------

_D = CN_DIGITS
_AR = r"(?:[0-9]{1,3}(?:,[0-9]{3}(?![0-9]))+|[0-9]+)(?:\.[0-9]+)?"
_MULT = r"(?:[十千万亿]|百(?!分))"
_GAP = f"[{FIGURE_SPACES}]?"
_AR_NUM = (rf"{_AR}(?:\s?{_MULT}+(?:{_GAP}零?(?:[0-9]+|[{_D}]+){_GAP}{_MULT}+)*"
           rf"(?:{_GAP}零?[0-9]+(?![0-9.]))?)?(?:[余多][万亿]+)?")
_CN = rf"(?:[{_D}十千万亿拾佰仟廿卅]|百(?!分))+(?:[点.][{_D}]+[万亿]*)?(?:[余多几][万亿]+)?"
# A redaction mark takes the multiplier after it: ｘ万元 is a redacted amount, not 1万元.
_RED = r"(?:(?<![A-Za-z0-9])[xX]{1,3}(?![A-Za-z])|(?<![0-9])[ｘ×*＊]{1,3})(?:[百千万亿]+(?!分))?"
_NUM = rf"(?:{_AR_NUM}|{_CN})"

_SCAN = re.compile(
    r"(?P<half>(?<=[占过逾超近达约])一半|一半(?=以上|左右)|半数(?=以上)|(?<=[过逾])半(?![年月天日价个小途夜路截拉边壁]))"
    rf"|(?P<pct>百分之负?{_NUM})"
    rf"|(?P<frac>(?:{_AR}|[{_D}十百千万亿拾佰仟廿卅]+)分之负?(?:{_AR}|{_CN}))"
    rf"|(?P<ord>第\s?(?:{_AR_NUM}|{_CN}|{_RED}))"
    r"|(?P<slash>(?<![0-9/.])[0-9]{1,4}/[0-9]{1,4}(?![0-9/.]))"
    rf"|(?P<ar>{_AR_NUM})"
    rf"|(?P<cn>{_CN})"
    rf"|(?P<red>{_RED})"
)
_AR_NUM_FULL = re.compile(_AR_NUM)
_CN_FULL = re.compile(_CN)
_RED_FULL = re.compile(_RED)
_SIMPLE_TAIL = re.compile(r"([0-9.,]+)\s?([十百千万亿]*)(?:[余多]([万亿]+))?")
# A numeral cn2an reads only without its multiplier: with 点 (一〇三点六万) or digit by digit
# (二五〇万, 一二三四万 — three digits or more, or a zero: 七八万 is an estimate, read below).
_MONEY_UNIT_LABEL = re.compile(r"[百千万亿]+")
_BEFORE_BARE_MULTIPLIER = set("上数近逾超过约几达至到")
_DECIMAL_MULT = re.compile(r"(.+点[零〇一二三四五六七八九]+|[零〇一二三四五六七八九]*[零〇][零〇一二三四五六七八九]*"
                           r"|[零〇一二三四五六七八九]{3,})([万亿]+)")
_PAIR = re.compile(r"(.*?[十百千万亿])?([一二三四五六七八九两])([一二三四五六七八九两])([十百千万亿]*)")

_MEASURE = re.compile(rf"\s?[余多几]?\s?(?:{_MEASURE_ALT})")
_DATE_WORDS = re.compile(r"\s?(?:年|月|日|号|时)")
_AFTER = re.compile(r"(?P<percent>\s?%)|(?P<points>\s*个?\s*百分点)|(?P<cheng>成(?![为员立果绩功效本就长熟型品]))"
                    r"|(?P<times>倍)|(?P<year>\s?年)")
_CONNECTOR = re.compile(r"\s*(?:至|到|~|〜|-{1,2}|—{1,2}|–|―|－)\s*")
_UNIT_BEFORE_CONNECTOR = re.compile(rf"(?:%|{_MEASURE_ALT})?")
_OVER_AFTER = re.compile(r"\s?(?:余|多(?![达于])|几|许|\+|有余)")
_TRAILING_MULT = re.compile(r"[百千万亿]+$")
_ANY_MULT = re.compile(r"[百千万亿]")
_LATIN_BEFORE = re.compile(r"[A-Za-z][-_]?$")
_LATIN_AFTER = re.compile(r"[A-Za-z]")
_FULL_WIDTH_THOUSANDS = re.compile(r"，(?<=[０-９]，)(?=[０-９]{3}(?![０-９]))")
_AFTER_MEASURE = re.compile(rf"[余多几]?\s?(?:{_MEASURE_ALT})?\s?(?:(?P<over>以上|之上|开外|有余)"
                            rf"|(?P<approx>左右)|(?P<under>以下|以内|之内))")
QUALIFIER_BEFORE = {                 # words right before a numeral → its qualifier (the matcher reads them farther off too)
    "多达": "exact", "不超过": "under", "不少于": "over", "不低于": "over", "不到": "under",
    "不足": "under", "少于": "under", "未满": "under", "超过": "over", "多于": "over",
    "至少": "over", "大约": "approx", "将近": "approx", "接近": "approx", "大概": "approx",
    "约": "approx", "近": "approx", "逾": "over", "超": "over",
}
_ORDINAL_LIST_JOINERS = frozenset({"、", "，", "和", "及", "与", "至", "到", "—", "–", "-", "～", "~"})
_SIGN_BEFORE_FU = set("为是达至到长降了增率值比和与及或：:，,（(")
_NOT_BEFORE_MINUS = re.compile(rf"[0-9A-Za-z%)）.\-{_D}{CN_UNITS}]")


@dataclass(slots=True)
class _Cand:
    """A numeral while it is being read; `end` covers the numeral, `tail` what follows it (%, 成 …)."""

    start: int
    end: int
    value: Decimal | None
    kind: str = "count"
    high: Decimal | None = None
    gate: bool = False        # a word-part numeral: needs a measure word or a construction
    tail: int = 0
    minus: bool = False       # a '-' stands right before it (a sign unless it joins a range)
    plain: bool = True        # a bare number: no 第, no 分之, no 百分之
    year_only: bool = False   # digits read one by one (一九四九): a number only as a year
    unit_hint: str = ""
    qualifier: str = ""       # set by the builder when its own words decide it (过半: over)

    def __post_init__(self) -> None:
        self.tail = self.tail or self.end


# --- values ----------------------------------------------------------------------------------


def _number(value: Decimal) -> Number:
    """int when integral, else float."""
    return int(value) if value == value.to_integral_value() else float(value)


_CAPITAL_DIGITS = {ch: i for i, ch in enumerate("壹贰叁肆伍陆柒捌玖", 1)}
_DIGIT_RUN = re.compile("[零〇一二三四五六七八九两]+")
_TENS = re.compile("([一二三四五六七八九两]?)十([一二三四五六七八九]?)")
_ROUND = re.compile("([一二三四五六七八九两])([十百千]?)([万亿]?)")
_TEN_THOUSANDS = re.compile("([1-9][0-9]*)万([1-9][0-9]{3})")


def _plain_cn(span: str) -> Decimal | None:
    """The value cn2an gives the commonest shapes, without it (importing cn2an costs 0.13 s):
    digits read one by one (五 · 二〇二六), a capital digit (伍), 十 … 九十九, one digit and its units (两千 · 一百万),
    Arabic ten-thousands and the rest (17万1542).
    None for anything else. `tests/test_numerals.py` holds it to cn2an's answers."""
    if span in _CAPITAL_DIGITS:
        return Decimal(_CAPITAL_DIGITS[span])
    if _DIGIT_RUN.fullmatch(span):
        return Decimal("".join(str(_DIGIT_VALUE[ch]) for ch in span))
    tens = _TENS.fullmatch(span)
    if tens:
        high, low = tens.groups()
        return Decimal((_DIGIT_VALUE[high] if high else 1) * 10 + (_DIGIT_VALUE[low] if low else 0))
    rounded = _ROUND.fullmatch(span)
    if rounded and len(span) > 1:
        digit, unit, big = rounded.groups()
        return Decimal(_DIGIT_VALUE[digit] * _MULTIPLIER.get(unit, 1) * _MULTIPLIER.get(big, 1))
    mixed = _TEN_THOUSANDS.fullmatch(span)
    if mixed:
        return Decimal(int(mixed.group(1)) * 10**4 + int(mixed.group(2)))
    return None


def _cn2an(span: str) -> Decimal | None:
    """The value of one Chinese/mixed span as a Decimal; None if it is no number."""
    plain = _plain_cn(span)
    return plain if plain is not None else _by_cn2an(span)


def _by_cn2an(span: str) -> Decimal | None:
    """cn2an on the span (normal, then smart); cn2an is imported at the first call."""
    import cn2an

    for mode in ("normal", "smart"):
        try:
            return Decimal(str(cn2an.cn2an(span, mode)))
        except (ValueError, KeyError, IndexError, TypeError, InvalidOperation):
            continue
    return None


@lru_cache(maxsize=8192)
def _ar_value(span: str) -> Decimal | None:
    """Value of an Arabic figure with optional Chinese multipliers: 2,417 · 9.3万 · 2万300."""
    span = span.replace(",", "").replace(" ", "")
    m = _SIMPLE_TAIL.fullmatch(span)
    if m:
        value = Decimal(m.group(1))
        for ch in m.group(2) + (m.group(3) or ""):
            value *= _MULTIPLIER[ch]
        return value
    return _cn2an(span.replace("余", "").replace("多", ""))


@lru_cache(maxsize=8192)
def _cn_value(span: str) -> tuple[Decimal, Decimal | None] | None:
    """(value, high) of a Chinese numeral; high is set for 三四 · 七八十万 · 三五百 (an estimate)."""
    span = span.replace("卅", "三十").replace("余", "").replace("多", "").replace("几", "").replace(".", "点")
    decimal_mult = _DECIMAL_MULT.fullmatch(span)
    if decimal_mult:                       # 一〇三点六万 · 二五〇万: cn2an reads no multiplier after them
        value = _cn2an(decimal_mult.group(1))
        if value is None:
            return None
        for ch in decimal_mult.group(2):
            value *= _MULTIPLIER[ch]
        return value, None
    if span[0] in _AMBIGUOUS_START:
        span = "一" + span
    pair = _PAIR.fullmatch(span)
    if pair:
        head, a, b, tail = (pair.group(1) or ""), pair.group(2), pair.group(3), pair.group(4)
        if _DIGIT_VALUE[b] - _DIGIT_VALUE[a] == 1 or (a, b) == ("三", "五"):
            low, high = _cn2an(head + a + tail), _cn2an(head + b + tail)
            if low is not None and high is not None:
                return low, high
    value = _cn2an(span)
    return (value, None) if value is not None else None


def _value_of(span: str) -> tuple[Decimal, Decimal | None] | None:
    """(value, high) of a folded Arabic or Chinese span; None when it reads as no number."""
    if _AR_NUM_FULL.fullmatch(span):
        value = _ar_value(span)
        return (value, None) if value is not None else None
    if _CN_FULL.fullmatch(span):
        return _cn_value(span)
    return None


def _fraction(den: str, num: str) -> Decimal | None:
    """num / den for …分之…, signs allowed on the numerator."""
    sign = -1 if num.startswith("负") else 1
    d, n = _value_of(den), _value_of(num.lstrip("负"))
    if d is None or n is None or d[0] == 0:
        return None
    return sign * n[0] / d[0]


def parse_numeral(text: str) -> Number | None:
    """Value of a string that is one numeral: 三十 · 9.3万 · 壹拾贰 · 300亿零五千120 · ２．３万 · 兩千七.

    Also 百分之七十 (70), 70.9% (70.9), 三分之一 (0.333…), 负一 / -20.5, money 贰拾叁元肆角.
    A string holding one numeral among other words (近800万元 · 36500美元) gives that numeral.
    Returns an int when the value is integral, None when the string is no numeral.
    """
    s = re.sub(r"\s+", "", fold(text))
    if not s:
        return None
    sign = 1
    while s[:1] in ("-", "负"):
        sign, s = -sign, s[1:]
    value = _parse_whole(s)
    if value is not None:
        return _number(sign * value)
    found = [n for n in find_numerals(text) if n.value is not None]
    return found[0].value if len(found) == 1 and found[0].value_high is None else None


def _parse_whole(s: str) -> Decimal | None:
    if s.startswith("百分之"):
        return _parse_signed(s[3:])
    if s.endswith("%"):
        return _parse_signed(s[:-1])
    if "分之" in s:
        den, _, num = s.partition("分之")
        return _fraction(den, num)
    found = _value_of(s)
    if found is not None:
        return found[0]
    return _cn2an(s.rstrip("整正")) if s else None


def _parse_signed(s: str) -> Decimal | None:
    if s.startswith(("负", "-")):
        inner = _parse_whole(s[1:])
        return None if inner is None else -inner
    return _parse_whole(s) if s else None


# --- finding ---------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """The view numerals are read on: `fold(text)`, full-width thousands commas (１，２３４) as ","."""
    if "，" in text and _FULL_WIDTH_THOUSANDS.search(text):
        text = _FULL_WIDTH_THOUSANDS.sub(",", text)
    return fold(text)


def find_numerals(text: str, stoplist: StopList | None = None, norm: str | None = None) -> list[Numeral]:
    """Every number in `text`, in order; offsets index `text`. Stop-listed spans hold none.

    `norm` is `normalise(text)` when the caller has it already.
    """
    norm = normalise(text) if norm is None else norm
    matches = [m for m in _SCANNER.matches(norm) if not _cannot_count(m, norm)]
    if stoplist is not None:
        matches = stoplist.unblocked(norm, matches)
    if not matches:
        return []
    cands: list[_Cand] = []
    for m in matches:
        cand = _build(m, norm)
        if cand is not None:
            _read_context(cand, norm)
            cands.append(cand)
    out: list[Numeral] = []
    for cand in _listed_ordinals(_merge_ranges(cands, norm), norm):
        if _passes_gate(cand, norm):
            out.append(_to_numeral(cand, text, norm))
    return out


# What may stand right after a word-part numeral (一 · 千万) or a redaction mark and still make it
# count: a measure word or a qualifier before one (_MEASURE), %, 个百分点, 成, 倍, 年 (_AFTER), a
# range connector (_CONNECTOR) — or white space; and right before it: 前 (排名前三), a sign (负, -),
# a range connector or a word listing ordinals (第三、四轮), or white space.
_CONNECTOR_CHARS = frozenset("至到~〜-—–―－")             # what a range connector (_CONNECTOR) starts with
_MAY_FOLLOW = frozenset(w[0] for w in MEASURE_WORDS) | frozenset("余多几%个百成倍年") | _CONNECTOR_CHARS
_MAY_PRECEDE = frozenset("前负-") | _ORDINAL_LIST_JOINERS | _CONNECTOR_CHARS


# A lone word-part numeral character (the 一 of 一些, the 三 of 再三) that `_cannot_count` would drop
# is not even tried: the search for where numerals start passes over it at C speed. Its match would
# be that one character (what follows can neither lengthen it nor start 半, 分之, 点 …), so no other
# match is lost or gained.
_LONE_WORD_PART = "零一二三四五六七八九两壹贰叁肆伍陆柒捌玖幺十百千万亿拾佰仟"
_GOES_ON = f"{_D}十百千万亿拾佰仟廿卅点.分半"
_STARTS = re.compile(
    f"{char_class(first_chars(_SCAN.pattern) or set()).pattern}"
    f"(?:(?<![{_LONE_WORD_PART}])|(?<=[{re.escape(''.join(sorted(_MAY_PRECEDE)))}\\s].)"
    f"|(?=[{re.escape(_GOES_ON + ''.join(sorted(_MAY_FOLLOW)))}\\s]))")
_SCANNER = Scanner(_SCAN, _STARTS)


def _cannot_count(m: re.Match[str], norm: str) -> bool:
    """A word-part Chinese numeral (统一 · 一些 · 千万) or a redaction mark with nothing next to it
    that could make it count: `_passes_gate` would drop it, and it can neither join a range nor
    follow an ordinal in a list. Most numeral characters of a text are such word parts; they are
    dropped before the stop-list is asked and before they are read."""
    end = m.end()
    if end < len(norm) and (norm[end] in _MAY_FOLLOW or norm[end].isspace()):
        return False
    start = m.start()
    if start and (norm[start - 1] in _MAY_PRECEDE or norm[start - 1].isspace()):
        return False
    group = m.lastgroup
    return group == "red" or (group == "cn" and _is_word_part(m.group()))


def _build(m: re.Match[str], norm: str) -> _Cand | None:
    """A candidate from one regex match, or None when the match reads as no number."""
    return _BUILDERS[m.lastgroup or ""](m.start(), m.end(), m.group(), norm)


def _arabic(start: int, end: int, span: str, norm: str) -> _Cand | None:
    """2,417 · 9.3万 — not when glued to Latin letters (H5N1 · 15k · COVID-19)."""
    if _LATIN_BEFORE.search(norm, max(0, start - 2), start) or _LATIN_AFTER.match(norm, end):
        return None
    found = _value_of(span)
    return _signed(_Cand(start, end, found[0], high=found[1]), norm) if found else None


def _chinese(start: int, end: int, span: str, norm: str) -> _Cand | None:
    """三十 · 两千六百 · 三四 (a pair: value and high) · 一九四九 (digits: a year only).
    A bare multiplier naming a unit of money (单位：万元, 金额（亿元）) is no number; 上万元 and
    近亿元 are."""
    if _MONEY_UNIT_LABEL.fullmatch(span) and norm.startswith("元", end) and \
            not (start and norm[start - 1] in _BEFORE_BARE_MULTIPLIER):
        return None
    found = _cn_value(span)
    if found is None:
        return None
    cand = _Cand(start, end, found[0], high=found[1], gate=_is_word_part(span))
    cand.year_only = found[1] is None and len(span) > 1 and _PLAIN_DIGITS.issuperset(span)
    return _signed(cand, norm)


def _redaction(start: int, end: int, span: str, norm: str) -> _Cand:
    return _Cand(start, end, None, kind="redacted", gate=True, plain=False)


def _slash_fraction(start: int, end: int, span: str, norm: str) -> _Cand | None:
    """1/3 · 2/5: a proper fraction only (12/31 reads as a date)."""
    num, _, den = span.partition("/")
    if not 0 < int(num) < int(den):
        return None
    return _Cand(start, end, Decimal(num) / Decimal(den), kind="fraction", plain=False, unit_hint="%")


def _cn_fraction(start: int, end: int, span: str, norm: str) -> _Cand | None:
    """三分之一 · 千分之十五 · 4分之3."""
    den, _, num = span.partition("分之")
    value = _fraction(den, num)
    if value is None:
        return None
    return _signed(_Cand(start, end, value, kind="fraction", plain=False, unit_hint="%"), norm)


def _ordinal(start: int, end: int, span: str, norm: str) -> _Cand | None:
    """第五 · 第7 · 第十二 · 第** (redacted)."""
    inner = span[1:].lstrip()
    if _RED_FULL.fullmatch(inner):
        return _Cand(start, end, None, kind="redacted", plain=False)
    found = _value_of(inner)
    return _Cand(start, end, found[0], kind="ordinal", plain=False) if found else None


def _half(start: int, end: int, span: str, norm: str) -> _Cand:
    """占一半 · 一半以上 · 半数以上 · 过半 (the 半 after 过/逾: more than half) — a share of 50%.
    A half in other words (一半的时间, 上半年) is no share."""
    over = span == "半"
    return _Cand(start, end, Decimal("0.5"), kind="fraction", plain=False, unit_hint="%",
                 qualifier="over" if over else "")


def _percent(start: int, end: int, span: str, norm: str) -> _Cand | None:
    """百分之七十 · 百分之3.5 · 负百分之二."""
    inner = span[3:]
    sign = -1 if inner.startswith("负") else 1
    found = _value_of(inner.lstrip("负"))
    if found is None:
        return None
    return _signed(_Cand(start, end, sign * found[0], kind="percent", plain=False, unit_hint="%"), norm)


_BUILDERS = {"pct": _percent, "frac": _cn_fraction, "ord": _ordinal, "slash": _slash_fraction,
             "ar": _arabic, "cn": _chinese, "red": _redaction, "half": _half}


def _fu_is_sign(norm: str, at: int) -> bool:
    """负 at `at` is a minus sign (负三) rather than a word part (肩负 · 胜负)."""
    return at == 0 or norm[at - 1] in _SIGN_BEFORE_FU or not _is_cjk(norm[at - 1])


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _signed(cand: _Cand, norm: str) -> _Cand:
    """Take a 负 sign into the numeral; note a '-' (sign, or a range connector: decided later)."""
    at = cand.start - 1
    if at < 0:
        return cand
    if norm[at] == "负" and _fu_is_sign(norm, at):
        cand.start, cand.value = at, -cand.value
        cand.high = -cand.high if cand.high is not None else None
    elif norm[at] == "-" and (at == 0 or not _NOT_BEFORE_MINUS.match(norm, at - 1)):
        cand.minus = True
    return cand


def _is_word_part(span: str) -> bool:
    """Could this Chinese span be part of an ordinary word (一 · 两 · 千万 · 五四 · 三四)?"""
    if not _UNAMBIGUOUS.isdisjoint(span):
        return False
    if len(span) == 1 or span[0] in _AMBIGUOUS_START:
        return True
    return all(ch in CN_DIGITS for ch in span)      # 一一 · 五四 · 三四: digits without a unit


def _read_context(cand: _Cand, norm: str) -> None:
    """Kind from what follows a bare number: % · 个百分点 · 成 · 倍 · 年."""
    if not cand.plain and cand.kind != "redacted":
        return
    m = _AFTER.match(norm, cand.end)
    if m is None:
        return
    what = m.lastgroup
    if what == "percent":
        cand.kind, cand.tail, cand.unit_hint = ("percent" if cand.plain else "redacted"), m.end(), "%"
    elif what == "points":
        cand.kind, cand.tail = ("points" if cand.plain else "redacted"), m.end()
    elif not cand.plain:
        return
    elif what == "cheng":
        cand.kind, cand.end, cand.tail, cand.unit_hint = "percent", m.end(), m.end(), "%"
        cand.value = cand.value * 10
        cand.high = cand.high * 10 if cand.high is not None else None
    elif what == "times":
        cand.kind = "times"
    elif _is_year(norm[cand.start:cand.end], cand.value):
        cand.kind = "year"


def _is_year(span: str, value: Decimal | None) -> bool:
    """2023 · 二〇二三 before 年: four digits, no units."""
    return (value is not None and len(span) == 4 and 1000 <= value <= 2999
            and all(ch.isdigit() or ch in CN_DIGITS for ch in span))




def _listed_ordinals(cands: list[_Cand], norm: str) -> list[_Cand]:
    """A number listed right after an ordinal is an ordinal too: the 四 of 第三、四轮巡察, the 七
    of 第五至七名 — not a count of four rounds."""
    for prev, cand in pairwise(cands):
        if prev.kind == "ordinal" and cand.kind == "count" and norm[prev.tail:cand.start] in _ORDINAL_LIST_JOINERS:
            cand.kind, cand.plain = "ordinal", False
    return cands


def _merge_ranges(cands: list[_Cand], norm: str) -> list[_Cand]:
    """Join 3至5 · 3—5 · 1万-5万 · 5-20% into one candidate (value, high)."""
    out: list[_Cand] = []
    for cand in cands:
        prev = out[-1] if out else None
        if prev is not None and _joins(prev, cand, norm):
            low = _propagate(prev, cand, norm)
            prev.end, prev.tail, prev.high = cand.end, cand.tail, cand.value
            prev.value, prev.gate = low, cand.gate
            prev.kind = cand.kind if prev.kind == "count" else prev.kind
            prev.unit_hint = prev.unit_hint or cand.unit_hint
            continue
        if cand.minus:
            cand.start, cand.value = cand.start - 1, -cand.value
        out.append(cand)
    return out


def _joins(prev: _Cand, cand: _Cand, norm: str) -> bool:
    """Do two neighbouring candidates form a range (connector between, low < high)?"""
    if not (prev.plain and cand.plain) or prev.high is not None or cand.high is not None:
        return False
    if prev.kind not in ("count", cand.kind) or cand.kind not in ("count", "percent", "points", "times", "year"):
        return False
    gap_start = _UNIT_BEFORE_CONNECTOR.match(norm, prev.tail).end()
    gap_end = cand.start - 1 if cand.minus else cand.start
    gap = norm[gap_start:gap_end]
    if cand.minus and gap_end == gap_start:
        gap = "-"
    if not _CONNECTOR.fullmatch(gap) or _leading_zero(norm, prev) or _leading_zero(norm, cand):
        return False                           # 0731-12388 is a telephone number
    return _propagate(prev, cand, norm) < cand.value


def _leading_zero(norm: str, cand: _Cand) -> bool:
    return norm[cand.start] == "0" and cand.end - cand.start > 1 and norm[cand.start + 1].isdigit()


def _propagate(prev: _Cand, cand: _Cand, norm: str) -> Decimal:
    """Low end of a range: 3至5万 reads 3万; 十八至三十万 reads 十八万."""
    low = prev.value
    prev_text, cand_text = norm[prev.start:prev.end], norm[cand.start:cand.end]
    trailing = _TRAILING_MULT.search(cand_text)
    if trailing and not _ANY_MULT.search(prev_text):
        factor = Decimal(1)
        for ch in trailing.group():
            factor *= _MULTIPLIER[ch]
        if low < cand.value / factor:
            return low * factor
    return low


def _passes_gate(cand: _Cand, norm: str) -> bool:
    """A word-part numeral or a redaction mark needs a measure word, % or a numeral construction."""
    if cand.year_only:
        return cand.kind == "year"
    if not cand.gate:
        return True
    if cand.kind in ("percent", "points", "times", "year") or cand.unit_hint == "%":
        return True
    if cand.start and norm[cand.start - 1] == "前" and norm[cand.start] != "一":
        return True                            # 排名前三 · 前三季度 (but 前一阶段)
    if cand.kind == "redacted":
        if cand.tail > cand.end:
            return True
        if _DATE_WORDS.match(norm, cand.tail):
            return False                       # x月x日: a redacted date, not a count
    return _MEASURE.match(norm, cand.tail) is not None


def _qualifier(cand: _Cand, norm: str) -> str:
    """exact / approx / over / under from the words around the numeral (约 · 余 · 以上 · 不足 …)."""
    if cand.kind == "redacted":
        return "redacted"
    if cand.qualifier:
        return cand.qualifier
    before = cand.start - 1 if cand.start and norm[cand.start - 1] in FIGURE_SPACES else cand.start   # 约 62件
    for width in (3, 2, 1):                     # the longest word before the numeral wins
        if before >= width and (found := QUALIFIER_BEFORE.get(norm[before - width:before])):
            return found
    span = norm[cand.start:cand.end]
    if cand.start and span[0] in "十百千万亿" and (norm[cand.start - 1] in "数几" or
                                                 (norm[cand.start - 1] == "上" and span[0] != "十")):
        return "over"                          # 上千人 · 上万件 · 数百人 · 几十个: at least that many
    if ("余" in span or "多" in span or "几" in span) or _OVER_AFTER.match(norm, cand.tail):
        return "over"
    m = _AFTER_MEASURE.match(norm, cand.tail)
    if m:
        return m.lastgroup or "exact"
    return "exact"


def _to_numeral(cand: _Cand, text: str, norm: str) -> Numeral:
    value = None if cand.value is None else _number(cand.value)
    if cand.kind == "fraction":
        value = float(cand.value)
    high = None if cand.high is None else _number(cand.high)
    return Numeral(start=cand.start, end=cand.end, text=text[cand.start:cand.end], value=value,
                   kind=cand.kind, qualifier=_qualifier(cand, norm), value_high=high,
                   unit_hint=cand.unit_hint)
