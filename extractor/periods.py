"""The year each claim is about (its `period`), by GUIDELINES "Periods": the document's year from
its dateline or title, then the years its sentences, paragraphs and headings name."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from .models import FIGURE_SPACES, Claim, Sentence
from .numerals import parse_numeral
from .script import to_simplified
from .sentences import UNNUMBERED, heading_level, split_sentences

_TITLE = re.compile(r"《[^》]*》")
# Date marks as ASCII (same length: offsets hold); full-width digits are folded already by `to_simplified`,
# which every text reaches `_half_width` through.
_FULL_WIDTH = "－．／"
_HALF_WIDTH = str.maketrans(_FULL_WIDTH, "-./")
_CN_DIGITS = "〇零○一二三四五六七八九"
_YEAR4 = rf"(?<![0-9])[12][0-9]{{3}}|[{_CN_DIGITS}]{{4}}"
_TO = r"(?:至|到|—|–|-|－|～|~)"
_GAP = f"[{FIGURE_SPACES}]?"     # a space some texts put between a figure and a word (2023 年 · 3 月 · 比 2022年)
# Spans of several years: 十八大以来 · 近三年来 · 近5年 · 过去五年 · 去年以来 · 本届县委以来 · 近年来 · “十四五”以来.
_MULTI_YEAR = (r"(?:党的)?(?:十[一二三四五六七八九]?|二十)大以来|近[一二三两四五六七八九十\d]+年(?:来|以来)?|"
               r"过去的?[两二三四五六七八九十\d]+年|(?:去年|上年)以来|本届[^，,。；;\d]{0,6}?以来|近年来|近年以来|多年来|"
               r"历年来|新时代以来|新时代十年来?|十[一二三四五六]五”?(?:以来|期间)")
# Spans of time that end now, a scope of their own (今年以来 lies inside one year: it has that year).
SINCE = rf"{_MULTI_YEAR}|(?:今年|本年)以来"
_YEAR_MENTION = re.compile(
    rf"(?P<span>{_MULTI_YEAR}|(?<![\d])(?!一年)(?:[一二三两四五六七八九十]+|\d{{1,2}})年(?:来|以来)|"
    rf"(?:{_YEAR4})年?{_TO}(?:{_YEAR4})年|(?:{_YEAR4})年至今)"   # 二〇二六年到二〇三〇年 · 2021—2023年 · 2019年至今
    rf"|(?P<since>{_YEAR4}){_GAP}年(?:[\d一二三四五六七八九十]{{1,2}}月份?)?以来"   # 2018年以来: a span, unless in the document's year
    rf"|(?P<now>今年以来|本年以来|年初以来|截至目前|截止目前)"
    rf"|(?P<year>{_YEAR4}|民国\d{{2,3}}){_GAP}年"                     # 民國113年: Taiwan's calendar, 1911 + 113
    rf"|(?P<rel>去年|上年|上一年|前年|今年|本年|明年)"
    rf"|(?P<review>(?:过去的?|这)?一年(?:来|以来)|过去的?一年)"
    rf"|(?P<weak>全年|当月|当年)"
)
# Every mention holds one of these (the 以来 of 十八大以来, the 目前 of 截至目前 …), and before the first
# one only the characters of `_BEFORE_ANCHOR`; except 本届…以来, where anything may stand between.
_ANCHORS = ("年", "以来", "期间", "目前", "当月")
_BEFORE_ANCHOR = frozenset("〇零○一二三两四五六七八九十党的大近过去上多历新时代五”至到—–-－～~今本截止民国前明这全当" + FIGURE_SPACES)
_TERM = "本届"
_WORDS = (*_ANCHORS, _TERM)
# The last character of each of these words: searched for alone (a one-character search runs at memchr
# speed, two characters several times slower), the word then checked where it ends.
_LAST_CHARS = tuple(dict.fromkeys(word[-1] for word in _WORDS))
# Each word with its last character, how far its start lies before it, and whether the run before it is read.
_WORD_ENDS = tuple((word, word[-1], len(word) - 1, word != _TERM) for word in _WORDS)
_RELATIVE = {"去年": -1, "上年": -1, "上一年": -1, "前年": -2, "今年": 0, "本年": 0, "明年": 1}
_MIN_YEAR, _MAX_YEAR = 1949, 2100
_ROC_BASE = 1911

# A year named to compare with, or that something moved from, dates only its own figures:
# 较上年同期的80件 · 比去年 · 与2022年（立案5件）相比 · 去年同期为 · （2021年为…） · 由去年的.
_COMPARED_BEFORE = re.compile(rf"(?:比|较|较之|由){_GAP}\Z")
_WITH_BEFORE = re.compile(rf"(?:与|和|跟|同){_GAP}\Z")
_COMPARED_AFTER = re.compile(r"(?:[^，,；;。]|(?<=\d),(?=\d)){0,24}?(?:相比|相较|比较|对比|持平)")
_LOCAL_GAP = re.compile(rf"(?:同期)?(?:的|为|是)?(?:[（(][^）)\d，,。；;]{{0,6}})?{_GAP}")
# The earlier figure stated: 去年同期为… · 去年同期立案5件 · 2022年为488件 · 2021年分别为….
_STATED = re.compile(r"同期|(?:分别)?为(?=[^，,；;。]{0,3}?[\d一二三四五六七八九十两百千])")
_OPEN_PARENTHESIS = re.compile(r"[（(][^）)。；;\n]*\Z")      # (searched up to a position: \Z stands there)
_CLAUSE = re.compile(r"(?:[^，,；;。！？!?\n）)]|(?<=\d),(?=\d))*")
_SENTENCE = re.compile(r"[^。！？!?；;\n]*")
_SENTENCE_START = "。！？!?；;\n"
# A date in the first lines: 2025-10-29 · 2022年1月21日 (on a short line, or after 发布时间 …).
_FIRST_LINES = 8
# (No digit before the year: checked after its first character, so a search skips to a 1 or 2 at C speed.)
_ISO_MARKS = "-/.．"                  # an ISO date holds one of these
_ISO_DATE = re.compile(rf"([12](?<![0-9][12])[0-9]{{3}})[{_ISO_MARKS}]\d{{1,2}}[{_ISO_MARKS}]\d{{1,2}}(?![0-9])")
_CN_DATE = re.compile(rf"({_YEAR4}){_GAP}年{_GAP}[\d〇零○一二三四五六七八九十]{{1,2}}{_GAP}月{_GAP}[\d〇零○一二三四五六七八九十]{{1,3}}{_GAP}日")
_DATE_LABEL = re.compile(r"(?:发布|日期|时间|date)", re.IGNORECASE)
_SHORT_LINE = 40
# A title naming a meeting names the year it is held in, not the year it reviews.
_MEETING = re.compile(r"会议|全会|大会|座谈会|讲话")
_NAVIGATION = ("首页", "当前位置", "您的位置", ">", "›", "»")
# A target: 到2027年 · 2027年前 · 2027年底前 (not 2023年前三季度).
_FUTURE_BEFORE = re.compile(r"(?<![截止直])到\Z")
_DEADLINE_AFTER = re.compile(r"(?:底|末)?前(?![\d一二三四五六七八九十两])")


_START, _LINE = attrgetter("start"), attrgetter("line")


class YearMention(NamedTuple):
    """A year the text names, from `pos` to `end`; `year` None for a span (十八大以来). `kind`:
    year, span, review (一年来: the year under review), weak (全年, 当月, 当年: the document's
    year unless something else governs). A `local` one (compared with, moved from) governs nothing:
    it is the year only of the number right after it."""

    pos: int
    end: int
    year: int | None
    kind: str = "year"
    local: bool = False
    text: str = ""
    until: int | None = None      # a local one: where its figures end (与2020年（…71个）相比: at 相比)

    @property
    def frames(self) -> bool:
        """Does it govern the rest of its sentence and paragraph?"""
        return not self.local and self.kind != "weak"


class _Raw(NamedTuple):
    """A mention before the document's year is known: relative ones carry an `offset` (去年 -1)."""

    pos: int
    end: int
    year: int | None
    offset: int | None
    kind: str
    local: bool
    text: str
    until: int | None
    target: bool = False        # a year named as a target (到2027年, 2027年底前), not for the work done


def year_mentions(text: str, doc_year: int | None) -> list[YearMention]:
    """Years named in `text` outside 《titles》, relative ones resolved against `doc_year`.

    Traditional script is read through its simplified view (以來 → 以来), same length."""
    return _resolved(_raw_mentions(_half_width(to_simplified(text))), doc_year)


def _raw_mentions(folded: str) -> list[_Raw]:
    """The mentions of a simplified text with half-width digits (`_half_width`), 《titles》 blanked out."""
    for last in _LAST_CHARS:                        # a loop of `in`: faster than any() or an expression
        if last in folded:
            break
    else:
        return []                                   # most lines name no year: nothing to blank or scan
    text = _TITLE.sub(lambda m: " " * len(m.group()), folded) if "《" in folded else folded
    out: list[_Raw] = []
    for m in _year_matches(text):
        kind = m.lastgroup                          # the one group of the alternation that matched
        year = offset = None
        if kind in ("year", "since"):
            year = _year_value(m.group(kind))
            if year is None:
                continue
        elif kind in ("now", "rel"):
            offset, kind = _RELATIVE.get(m.group(), 0), "year"
        elif kind in ("review", "weak"):
            offset = -1 if kind == "review" else 0
        local, until = _locality(text, m.start(), m.end())
        target = _FUTURE_BEFORE.search(text, max(0, m.start() - 2), m.start()) is not None \
            or _DEADLINE_AFTER.match(text, m.end()) is not None
        out.append(_Raw(m.start(), m.end(), year, offset, kind, local, m.group(), until, target))
    return out


def _year_matches(text: str) -> list[re.Match[str]]:
    """`_YEAR_MENTION.finditer(text)` as a list, the pattern tried only where a mention can start:
    at an anchor (年, 以来 …), in the run of digits and words (去, 上, 十八大 …) right before it,
    or at 本届. Every other position fails, so the matches are the same."""
    starts = []
    for word, last, back, walks in _WORD_ENDS:
        b = text.find(last, back)                   # by its last character (`_LAST_CHARS`)
        while b >= 0:
            s = a = b - back
            if back and not text.startswith(word, a):
                b = text.find(last, b + 1)
                continue
            if walks:
                while s and (text[s - 1] in _BEFORE_ANCHOR or text[s - 1].isdecimal()):  # \d: any digit
                    s -= 1
            starts.append((s, a + 1))
            b = text.find(last, b + 1)
    starts.sort()
    out: list[re.Match[str]] = []
    match, tried = _YEAR_MENTION.match, 0
    for s, e in starts:
        p = max(s, tried)
        while p < e:
            m = match(text, p)
            if m is None:
                p += 1
            else:
                out.append(m)
                p = m.end()
        tried = max(tried, p)
    return out


def _half_width(text: str) -> str:
    """Full-width date marks of a simplified text (its digits are ASCII already) as ASCII (same
    length); the text itself when it has none."""
    for full in _FULL_WIDTH:                        # `in` per character: faster than one expression's scan
        if full in text:
            return text.translate(_HALF_WIDTH)
    return text


def _locality(text: str, start: int, end: int) -> tuple[bool, int | None]:
    """Is a mention local — a year compared with or moved from — and up to where its figures run
    (None: only the figure right after it). 较上年同期的80件, 比去年, 由去年的: that figure; 与2022年
    （…）相比: up to 相比; （2021年为447件次）: up to the parenthesis' end; 去年同期为276起,
    2022年为488件: to the end of the clause (of the sentence when the year begins it)."""
    before = text[max(0, start - 3):start]
    if _WITH_BEFORE.search(before):
        compared = _COMPARED_AFTER.match(text, end)
        if compared:
            return True, compared.end()
    if _COMPARED_BEFORE.search(before) or _COMPARED_AFTER.match(text, end, end + 2) \
            or (before.rstrip(FIGURE_SPACES).endswith("从") and text.startswith("的", end)):
        return True, None
    if _in_parenthesis(text, start):
        return True, _CLAUSE.match(text, end).end()
    if _STATED.match(text, end):
        begins = start == 0 or text[start - 1] in _SENTENCE_START
        return True, _SENTENCE.match(text, end).end() if begins else _CLAUSE.match(text, end).end()
    return False, None


def _in_parenthesis(text: str, pos: int) -> bool:
    """Is `pos` inside a （…） opened in the same clause (within 30 characters before it)?"""
    return _OPEN_PARENTHESIS.search(text, max(0, pos - 30), pos) is not None


def _resolved(raw: list[_Raw], doc_year: int | None, shift: int = 0) -> list[YearMention]:
    """YearMentions at pos - `shift`, relative ones resolved against `doc_year` (dropped without)."""
    out = []
    for r in raw:
        year, kind = r.year, r.kind
        if r.offset is not None:
            if doc_year is None:
                continue
            year = doc_year + r.offset
        if kind == "since":                         # 2024年以来 in 2024 lies inside one year, like 今年以来
            year, kind = (year, "year") if year == doc_year else (None, "span")
        until = None if r.until is None else r.until - shift
        out.append(YearMention(r.pos - shift, r.end - shift, year, kind, r.local, r.text, until))
    return out


def _year_value(text: str) -> int | None:
    """The year a numeral names (二〇二四 → 2024, 民国113 → 2024), if a plausible one."""
    if text.startswith("民国"):
        text = str(_ROC_BASE + int(text[2:]))
    value = int(text) if text.isdigit() else parse_numeral(text)
    if isinstance(value, (int, float)) and _MIN_YEAR <= value <= _MAX_YEAR:
        return int(value)
    return None


class DocumentYears:
    """The year mentions of a whole document, found in one scan and handed out per sentence.

    Equal to `year_mentions` of each sentence: no mention spans a sentence end, and when a
    《title》 does (a title's 。 ends a sentence), sentences are scanned one by one instead.
    """

    __slots__ = ("text", "sentences", "raw", "_per_sentence", "_sentence_starts", "_starts")    # (one per call)

    def __init__(self, simplified: str, sentences: list[Sentence] | None) -> None:
        """`sentences` None: the text is not split (`text_year`); only `raw`, `text` and `line_of` are asked."""
        self.text = _half_width(simplified)       # digits and date marks as ASCII: the text years are read from
        self.sentences = sentences
        self.raw = _raw_mentions(self.text)
        self._per_sentence: bool | None = None       # read when first asked: a line without claims never asks
        self._sentence_starts: list[int] | None = None
        self._starts: list[int] | None = None

    @property
    def sentence_starts(self) -> list[int]:
        """Where each sentence starts (made when first asked: a line without claims never asks)."""
        if self._sentence_starts is None:
            self._sentence_starts = list(map(_START, self.sentences))
        return self._sentence_starts

    @property
    def starts(self) -> list[int]:
        """Where each raw mention starts (made when first asked)."""
        if self._starts is None:
            self._starts = [r.pos for r in self.raw]
        return self._starts

    @property
    def per_sentence(self) -> bool:
        """Are the sentences scanned one by one (a 《title》 spans a sentence end)?"""
        if self._per_sentence is None:
            self._per_sentence = "《" in self.text and not _titles_inside(     # (《》 as in `simplified`)
                self.text, self.sentence_starts, self.sentences)
        return self._per_sentence

    def line_of(self, pos: int) -> int:
        """The line number of the sentence holding text position `pos` of a mention: its own line
        (a mention begins with a character that is no white space, so a sentence holds it)."""
        return self.text.count("\n", 0, pos) + 1

    def of(self, i: int, doc_year: int | None) -> list[YearMention]:
        """The mentions of sentence i, positions relative to the sentence."""
        sentence = self.sentences[i]
        if self.per_sentence:
            return year_mentions(sentence.text, doc_year)
        lo = bisect_left(self.starts, sentence.start)
        hi = bisect_left(self.starts, sentence.end, lo)
        return _resolved(self.raw[lo:hi], doc_year, sentence.start)


def _titles_inside(text: str, starts: list[int], sentences: list[Sentence]) -> bool:
    """Does every 《title》 of `text` lie within one sentence (`starts`: where each starts)?"""
    for m in _TITLE.finditer(text):
        i = bisect_right(starts, m.start()) - 1
        if i < 0 or m.end() > sentences[i].end:
            return False
    return True


class DocumentYear(NamedTuple):
    """The year a document speaks from (今年 is this year) and where it was read."""

    year: int | None
    source: str = "no year in the text"
    titled: bool = False        # read from a title that names the year reported on (…2022年工作综述), not a meeting's


_NO_YEAR = DocumentYear(None)          # (a named tuple: one can serve every document)


def document_year(sentences: list[Sentence], years: DocumentYears, given: int | None = None) -> DocumentYear:
    """The year the document speaks from: `given` (--year); else a date in its first lines
    (a dateline); else a year in its title line; else the latest year it names for its own work
    (never inside 《titles》, a span of years such as 二〇二六年到二〇三〇年, or a target 到2027年)."""
    if given is not None:
        return DocumentYear(given, "given with --year")
    dated = _dateline(sentences, years.text)
    if dated is not None:
        return dated
    one_line = not sentences or sentences[-1].line == sentences[0].line        # then no title line
    title = None if one_line else _title_index(sentences)
    if title is not None and sentences[title].is_heading and sentences[-1].line > sentences[title].line:
        own = [m.year for m in years.of(title, None) if m.kind == "year" and not m.local and m.year is not None]
        if own:
            meeting = _MEETING.search(to_simplified(sentences[title].text)) is not None
            return DocumentYear(max(own), f"title line {sentences[title].line}", titled=not meeting)
    return _latest_year(years)


def _latest_year(years: DocumentYears) -> DocumentYear:
    """The latest year the text names for its own work (`document_year`, without dateline or title)."""
    own = [r for r in years.raw if r.kind == "year" and r.offset is None and not r.local and not r.target] \
        if years.raw else years.raw
    if own:
        latest = max(own, key=lambda r: r.year)
        return DocumentYear(latest.year, f"the latest year it names (line {years.line_of(latest.pos)})")
    return _NO_YEAR


def text_year(text: str, years: DocumentYears, given: int | None = None) -> DocumentYear:
    """`document_year` of `text` (`years`: its DocumentYears, with or without sentences), the text
    split into sentences only when that year needs them: a text whose words stand on one line and
    hold no date has no dateline nor title line (a line passed alone, most often). Sentences split
    here are kept in `years`."""
    if given is not None:
        return document_year([], years, given)      # (a year given needs no sentence)
    folded = years.text
    if "\n" not in folded:                          # one line (no copy stripped: white space holds no date)
        if not _may_hold_date(folded, 0, len(folded)):
            return _latest_year(years)
    else:
        start, end = len(folded) - len(folded.lstrip()), len(folded.rstrip())      # its first and last word
        if folded.find("\n", start, end) < 0 and not _may_hold_date(folded, start, end):
            return _latest_year(years)
    if years.sentences is None:
        years.sentences = split_sentences(text)
    return document_year(years.sentences, years)


def infer_doc_year(text: str) -> int | None:
    """The year a text speaks from (see `document_year`)."""
    return text_year(text, DocumentYears(to_simplified(text), None)).year


def _dateline(sentences: list[Sentence], folded: str) -> DocumentYear | None:
    """A date in the first lines (see `_date_of_line`); `folded`: the document's text as
    `DocumentYears.text` holds it."""
    if not sentences or (sentences[-1].line - sentences[0].line < _FIRST_LINES
                         and not _may_hold_date(folded, sentences[0].start, sentences[-1].end)):
        return None                                 # (all its lines are first lines, and none holds a date)
    i = 0
    for _ in range(_FIRST_LINES):                   # line by line: its sentences are i to j - 1
        if i == len(sentences):
            break
        line = sentences[i].line
        j = bisect_right(sentences, line, i, key=_LINE)
        if _may_hold_date(folded, sentences[i].start, sentences[j - 1].end):
            year = _date_of_folded("".join(folded[s.start:s.end] for s in sentences[i:j]))
            if year is not None:
                return DocumentYear(year, f"dateline line {line}")
        i = j
    return None


def _may_hold_date(folded: str, start: int, end: int) -> bool:
    """Can a line of `folded[start:end]` give `_date_of_folded` a year? Not without an ISO date
    nor a 月 and a 日: the white space a line's text leaves out between sentences stands beside end
    marks, never inside a date, so no date is found in a line that is not found here. (An ISO date
    is searched for only where one of its marks stands: a one-character search is far cheaper.)"""
    if folded.find("日", start, end) >= 0 and folded.find("月", start, end) >= 0:
        return True
    for mark in _ISO_MARKS:
        if folded.find(mark, start, end) >= 0:
            return _ISO_DATE.search(folded, start, end) is not None
    return False


def _date_of_line(line: str) -> int | None:
    """The year of a dateline: 2025-10-29 anywhere, 2022年1月21日 on a short line or after a
    label (发布时间：)."""
    return _date_of_folded(_half_width(to_simplified(line)))


def _date_of_folded(text: str) -> int | None:
    """`_date_of_line` of a line in simplified script with half-width digits."""
    m = _ISO_DATE.search(text)
    if m is None and "日" in text:
        m = _CN_DATE.search(text)
        if m is not None and len(text.strip()) > _SHORT_LINE and not _DATE_LABEL.search(text, 0, m.start()):
            m = None
    return _year_value(m.group(1)) if m else None


def _title_index(sentences: list[Sentence]) -> int | None:
    """The first sentence of the title line: the first line that is no dateline nor a page's
    navigation (首页 > 工作动态)."""
    for i, sentence in enumerate(sentences):
        if not _ISO_DATE.search(sentence.text) and not any(word in sentence.text for word in _NAVIGATION):
            return i
    return None


@dataclass
class _Period:
    """A claim's year as its context gives it, and why. `dated`: a year the text states for this
    figure (they decide the year the document reports on); `review`: 一年来, the year under review."""

    year: int | None
    source: str
    dated: bool = False
    review: bool = False


class _Resolver:
    """Years of one document's sentences, paragraphs and headings."""

    def __init__(self, sentences: list[Sentence], years: DocumentYears | None, doc_year: DocumentYear) -> None:
        self.sentences = sentences
        self.years = years
        self.doc_year = doc_year
        self.cache: dict[int, list[YearMention]] = {}
        self.framing_cache: dict[int, list[YearMention]] = {}
        self.headings: dict[int, _Period | None] = {}
        self.lines = [s.line for s in sentences]                               # for bisecting
        self.heading_sentences = [i for i, s in enumerate(sentences) if s.is_heading]
        self.framed: dict[int, int] = {}           # sentence → nearest one at or before it in its paragraph with
        self.weakened: dict[int, int] = {}         # framing (weak) mentions, -1 for none (`_nearest`)
        body = next((s.line for s in sentences if not s.is_heading), None)
        self.front_matter = body - 1 if body is not None else (sentences[0].line if sentences else 0)

    def mentions(self, i: int) -> list[YearMention]:
        """The year mentions of sentence i (cached)."""
        if i not in self.cache:
            y = self.doc_year.year
            self.cache[i] = self.years.of(i, y) if self.years else year_mentions(self.sentences[i].text, y)
        return self.cache[i]

    def framing(self, i: int) -> list[YearMention]:
        """The mentions of sentence i that govern the rest of it and of its paragraph (cached)."""
        if i not in self.framing_cache:
            self.framing_cache[i] = [m for m in self.mentions(i) if m.frames]
        return self.framing_cache[i]

    def period(self, i: int, pos: int) -> _Period | None:
        """The year of the number at `pos` of sentence i: a year compared with right before it, a
        year of its sentence, of an earlier sentence of its paragraph, or of its heading."""
        found = self.mentions(i)
        if found:                                   # (most sentences name no year)
            text = self.sentences[i].text
            local = [m for m in found if m.local and m.end <= pos and (
                _LOCAL_GAP.fullmatch(text[m.end:pos]) or (m.until is not None and pos < m.until))]
            if local:
                return _Period(local[-1].year, f"{local[-1].text} before it: a year compared with or moved from, "
                                               "which dates only its own figures")
            framing = self.framing(i)
            here = [m for m in framing if m.pos < pos][-1:] or framing[:1]
            if here:
                return self._from(here[0], "in its sentence")
        j = self._nearest(i - 1, self.framing, self.framed)
        if j >= 0:
            return self._from(self.framing(j)[-1], f"in its paragraph (line {self.sentences[j].line})")
        return self.heading(i)

    def weak(self, i: int, pos: int) -> _Period | None:
        """全年 / 当月 / 当年 in the sentence or paragraph, when nothing else governs: the document's year."""
        weak = [m for m in self._weak(i) if m.pos < pos] if self.mentions(i) else []
        if not weak:
            j = self._nearest(i - 1, self._weak, self.weakened)
            weak = self._weak(j) if j >= 0 else []
        if weak:
            return _Period(weak[-1].year, f"{weak[-1].text}: the document's year ({self.doc_year.source})", True)
        return None

    def _weak(self, i: int) -> list[YearMention]:
        return [m for m in self.mentions(i) if m.kind == "weak"]

    def _nearest(self, j: int, has, memo: dict[int, int]) -> int:
        """The nearest sentence k ≤ j of sentence i+1's paragraph (j = i) for which `has(k)` is not
        empty, -1 for none; remembered in `memo`, so a long paragraph is walked once, not per number."""
        if j < 0 or not self._runs_on(j + 1):
            return -1
        walked: list[int] = []
        found = -1
        while True:
            if j in memo:
                found = memo[j]
                break
            if has(j):
                memo[j] = found = j
                break
            walked.append(j)
            if not self._runs_on(j):                # j begins the paragraph
                break
            j -= 1
        for k in walked:
            memo[k] = found
        return found

    def _runs_on(self, i: int) -> bool:
        """Does sentence i continue the paragraph of sentence i-1: on the same line, or on the next
        line after a line without an end mark (a wrapped PDF line), neither of them a heading?"""
        if i == 0:
            return False
        prev, s = self.sentences[i - 1], self.sentences[i]
        return prev.line == s.line or (
            prev.line + 1 == s.line and not prev.is_heading and not s.is_heading
            and prev.text.rstrip()[-1:] not in "。！？!?；;：:”’」』）)")

    def _line_start(self, i: int) -> int:
        """The first sentence of sentence i's line."""
        return bisect_left(self.lines, self.lines[i])

    def _heading_line_before(self, first: int) -> int:
        """The last sentence of the nearest heading line above the line starting at sentence
        `first`, -1 for none (a line is a heading or not as a whole): a walk up to the governing
        heading visits headings only."""
        k = bisect_left(self.heading_sentences, first) - 1
        return self.heading_sentences[k] if k >= 0 else -1

    def heading(self, i: int) -> _Period | None:
        """The year of the heading whose section holds sentence i: a heading above it, never a
        sibling's (二、… after 一、2023年…), a dateline's, nor one of the title lines before the
        first paragraph."""
        line = self._line_start(i)
        if line not in self.headings:
            self.headings[line] = self._heading_above(line)
        return self.headings[line]

    def _heading_above(self, i: int) -> _Period | None:
        """Walk back from the line starting at sentence i to the first heading that governs it."""
        limit = UNNUMBERED + 1
        j = self._heading_line_before(i)            # lines that are no heading change nothing: skipped
        while j >= 0:
            first = self._line_start(j)
            line = [self.sentences[k] for k in range(first, j + 1)]
            text = "".join(s.text for s in line)
            level = heading_level(text)
            front = level == UNNUMBERED and line[0].line <= self.front_matter
            if line[0].is_heading and not front:
                framing = [m for k in range(first, j + 1) for m in self.framing(k)]
                if framing and (level < limit or level == UNNUMBERED) and _date_of_line(text) is None:
                    return self._from(framing[0], f"of its heading 「{text.strip()}」 (line {line[0].line})")
                if level != UNNUMBERED:
                    limit = min(limit, level)
            j = self._heading_line_before(first)
        return None

    def _from(self, m: YearMention, where: str) -> _Period:
        if m.kind == "span":
            return _Period(None, f"{m.text} {where}: a span of several years")
        if m.kind == "review":
            return _Period(m.year, f"{m.text} {where}: the year under review", review=True)
        return _Period(m.year, f"{m.text} {where}", dated=True)


def resolve_periods(claims: list[Claim], sentences: list[Sentence], doc_year: DocumentYear,
                    years: DocumentYears | None = None) -> None:
    """Set `period` and `period_source` on each claim (GUIDELINES, Periods).

    A year compared with or moved from dates only its own figures; else the year its
    sentence names, or an earlier sentence of its paragraph, or its section's heading (a span such
    as 十八大以来 means no single year); else 全年/当月 → the document's year; else the year the
    document reports on — the year of most of its dated figures — or, without any, the document's
    year. 一年来 is the year under review: its heading's year, else the year reported on, else the
    year a title such as …2022年工作综述 names, else the year before the document's.
    """
    if not claims:
        return
    starts = years.sentence_starts if years is not None else [s.start for s in sentences]
    if years is not None and not years.raw and not years.per_sentence:
        _undated(claims, starts, len(sentences), doc_year)      # no sentence names a year: nothing dates a figure
        return
    resolver = _Resolver(sentences, years, doc_year)
    found: list[_Period | None] = []
    for claim in claims:
        i, pos = _sentence_of(claim, starts, len(sentences)), claim.num_start - claim.sentence_start
        period = resolver.period(i, pos) or resolver.weak(i, pos)
        if period is not None and period.review:
            under = resolver.heading(i)
            if under is not None:
                period = _Period(under.year, f"{period.source}: {under.source}", under.dated, review=False)
        found.append(period)
    reported = _reported_year([f for f in found if f is not None and f.dated], doc_year.year)
    undated = _Period(*reported) if reported else _fallback(doc_year)      # (only read: one serves all)
    for claim, period in zip(claims, found, strict=True):
        if period is not None and period.review:
            if reported is not None:
                period = _Period(reported[0], f"{period.source}: {reported[1]}")
            elif doc_year.titled:
                period = _Period(doc_year.year, f"{period.source}: the year its title names")
        if period is None:
            period = undated
        claim.period, claim.period_source = period.year, period.source


def _sentence_of(claim: Claim, starts: list[int], count: int) -> int:
    """The index of the claim's sentence (`starts`: where each of the `count` sentences starts);
    KeyError if none starts there."""
    i = bisect_left(starts, claim.sentence_start)
    if i == count or starts[i] != claim.sentence_start:
        raise KeyError(claim.sentence_start)
    return i


def _undated(claims: list[Claim], starts: list[int], count: int, doc_year: DocumentYear) -> None:
    """`resolve_periods` of a text that names no year: each claim (its sentence checked as there)
    has the document's year (`_fallback`), as the resolver would find for every one."""
    undated = _fallback(doc_year)
    for claim in claims:
        _sentence_of(claim, starts, count)
        claim.period, claim.period_source = undated.year, undated.source


def _fallback(doc_year: DocumentYear) -> _Period:
    """Nothing in the text dates the figure: the document's year, if it has one."""
    if doc_year.year is None:
        return _Period(None, "no year: none in the text")
    return _Period(doc_year.year, f"the document's year ({doc_year.source})")


def _reported_year(dated: list[_Period], doc_year: int | None) -> tuple[int, str] | None:
    """The year most dated figures are about (on a tie, the document's year, else the latest)."""
    years = [p.year for p in dated if p.year is not None]
    if not years:
        return None
    counts: dict[int, int] = {}                     # (a dict: a Counter costs more than the few years counted)
    for year in years:
        counts[year] = counts.get(year, 0) + 1
    top = max(counts.values())
    tied = [y for y, n in counts.items() if n == top]
    year = doc_year if doc_year in tied else max(tied)
    return year, f"the year the document reports on ({top} of its {sum(counts.values())} dated figures)"
