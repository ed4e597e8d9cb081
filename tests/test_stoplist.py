"""Tests for extractor.stoplist and rules/stoplist.yaml: examples, blocking, line-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor import stoplist
from extractor.numerals import find_numerals
from extractor.stoplist import DEFAULT_STOPLIST, RuleFileError, StopEntry, StopList, first_chars, fold

RULES = Path(__file__).resolve().parent.parent / "rules" / "stoplist.yaml"
STOP = StopList.load(RULES)


@pytest.mark.parametrize("sentence", STOP.examples)
def test_examples_yield_no_numeral(sentence):
    assert find_numerals(sentence, STOP) == []


def test_file_is_broad_and_well_formed():
    assert DEFAULT_STOPLIST == RULES
    assert len(STOP.examples) >= 30
    phrases = [e for e in STOP.entries if not e.is_regex]
    patterns = [e for e in STOP.entries if e.is_regex]
    assert len(phrases) >= 100 and len(patterns) >= 10
    assert len({e.id for e in patterns}) == len(patterns)
    assert len({e.text for e in phrases}) == len(phrases), "a phrase is listed twice"


def test_entry_lines_point_into_the_file():
    lines = RULES.read_text(encoding="utf-8").splitlines()
    for entry in STOP.entries:
        assert entry.line >= 1
        if not entry.is_regex:
            assert entry.text in lines[entry.line - 1]


def test_blocked_spans_name_their_entry():
    text = "违反中央八项规定4起，树牢四个意识"
    spans = STOP.blocked_spans(text)
    hits = {text[s:e]: entry for s, e, entry in spans}
    assert isinstance(hits["中央八项规定"], StopEntry)
    assert hits["中央八项规定"].id == "discipline_formulas"
    assert "四个意识" in hits
    assert [n.value for n in find_numerals(text, STOP)] == [4]


@pytest.mark.parametrize(("text", "blocked", "entry_id"), [
    ("市纪委六届三次全会", "六届三次全会", "session"),
    ("党的二十大以来", "二十大以来", "party_congress"),
    ("下面我讲三点意见", "三点意见", "speech_points"),
    ("从四个方面谈谈", "四个方面", "speech_aspects"),
    ("依据湘纪发〔2023〕7号", "〔2023〕7号", "document_number"),
    ("和同事们一起研究", "一起", "together_yiqi"),
    ("每一名党员", "一", "demonstrative_yi"),
    ("李三同志强调", "三", "person_name"),
    ("举报电话0731-12388", "0731-12388", "contact_number"),
    ("详见https://www.example.cn/2023/0115/a12.html", "https://www.example.cn/2023/0115/a12.html", "web_address"),
    ("今年一季度", "一季度", "quarter_name"),
    ("作为一名党员", "一", "predicative_yi"),
    ("。第二，要压实责任", "第二", "speech_first_second"),
])
def test_patterns(text, blocked, entry_id):
    spans = {(text[s:e], entry.id) for s, e, entry in STOP.blocked_spans(text)}
    assert (blocked, entry_id) in spans


def test_yiqi_counting_a_case_is_kept():
    assert [n.value for n in find_numerals("通报了一起违规发放津补贴问题", STOP)] == [1]


def test_traditional_and_full_width_are_folded():
    assert fold("兩個維護８項") == "两个维护8项"
    assert len(fold("處分４１．５萬人")) == len("處分４１．５萬人")
    assert find_numerals("堅決做到兩個維護", STOP) == []


def test_patterns_that_may_start_anywhere_keep_their_place_in_file_order():
    """Patterns with no known first characters are searched apart from the others; at a position
    where both kinds match, the one earlier in the file still wins."""
    entries = [StopEntry("anywhere_first", r"[\u4e00-\u9fff]{1,2}三项", 1, is_regex=True), *STOP.entries,
               StopEntry("anywhere_last", r"[\u4e00-\u9fff]五个(?:方面|坚持)?", 2, is_regex=True)]
    stop = StopList.from_entries(entries)
    text = fold(RULES.read_text(encoding="utf-8") + "\n一、今年对典型杀一儆百。一是抓好整改，落实三项制度"
                "\n（二）我们一起干，坚持五个坚持，做到十五个方面，两个维护")
    assert [(s, e, entry.id) for s, e, entry in stop.blocked_spans(text)] == _one_alternation(stop, text)


def _one_alternation(stop: StopList, text: str) -> list[tuple[int, int, str]]:
    """The stop-list's meaning, written plainly: at every position, the longest phrase starting
    there, else the first pattern (in file order) that matches there; (start, end, entry id)."""
    import re

    phrases: dict[str, str] = {}
    for e in stop.entries:
        if not e.is_regex:
            phrases.setdefault(fold(e.text), e.id)
    patterns = [e for e in stop.entries if e.is_regex]
    branches = ["(?P<phrase>" + "|".join(map(re.escape, sorted(phrases, key=len, reverse=True))) + ")"]
    branches += [f"(?P<p{i}>{e.text})" for i, e in enumerate(patterns)]
    regex = re.compile("|".join(branches))
    out = []
    for at in range(len(text)):
        m = regex.match(text, at)
        if m and m.end() > at:
            name = m.lastgroup
            out.append((at, m.end(), phrases[m.group()] if name == "phrase" else patterns[int(name[1:])].id))
    return out


@pytest.mark.parametrize("hot", [1, 10**9])          # patterns as one alternation at once / one by one
@pytest.mark.parametrize("compile_after", [0, 10**12])   # the one-pass regexes at once / never
def test_automaton_and_prefilter_find_what_one_alternation_finds(hot, compile_after, monkeypatch):
    monkeypatch.setattr(stoplist, "HOT", hot)
    monkeypatch.setattr(stoplist, "COMPILE_AFTER", compile_after)
    stop = StopList.from_entries(STOP.entries)
    text = fold(RULES.read_text(encoding="utf-8") + "\n六稳六保，两个维护。党的二十大以来，第三次全会，一是抓好整改"
                "\n（二）我们一起干，杀一儆百，“一岗双责”落实到位，查处问题12起。")
    assert [(s, e, entry.id) for s, e, entry in stop.blocked_spans(text)] == _one_alternation(stop, text)


@pytest.mark.parametrize("compile_after", [0, 10**12])   # the one-pass regexes at once / never
def test_unblocked_keeps_what_no_blocked_span_covers(compile_after, monkeypatch):
    """`unblocked` (what find_numerals asks) agrees with `blocked_spans` (what explain shows):
    a span is dropped when a stop-list match starts at or before it and ends at or after it."""
    import re

    text = fold(RULES.read_text(encoding="utf-8") + "\n六稳六保，两个维护。党的二十大以来，第三次全会，"
                "一是抓好整改\n（二）我们一起干，杀一儆百，“一岗双责”落实到位，查处问题12起，发现一起、查处一起。")
    spans = list(re.finditer(r"[0-9]+|[一二三四五六七八九十百千万两]+", text))
    monkeypatch.setattr(stoplist, "COMPILE_AFTER", compile_after)
    stop = StopList.from_entries(STOP.entries)
    blocked = stop.blocked_spans(text)
    expected = [m for m in spans if not any(a <= m.start() and m.end() <= b for a, b, _ in blocked)]
    assert len(expected) < len(spans)
    assert stop.unblocked(text, spans) == expected
    assert stop.unblocked(text, []) == []


@pytest.mark.parametrize("close_width", [0, 40])       # every pattern searched through the text / short ones near numerals
@pytest.mark.parametrize("compile_after", [0, 10**12])
def test_unblocked_agrees_with_blocked_spans_near_and_far(close_width, compile_after, monkeypatch):
    """Phrases and short patterns are looked for only a little before each numeral, long ones through
    the text: what `unblocked` keeps is still what no match of `blocked_spans` covers — a long
    match starting far before a numeral included, and not where a phrase starts (the phrase wins)."""
    import re

    monkeypatch.setattr(stoplist, "CLOSE_WIDTH", close_width)
    monkeypatch.setattr(stoplist, "COMPILE_AFTER", compile_after)
    entries = [StopEntry("pair", "甲乙", 1), *STOP.entries,
               StopEntry("far", "甲[^，。]*三", 2, is_regex=True)]
    stop = StopList.from_entries(entries)
    gap = "的" * 60
    text = fold(RULES.read_text(encoding="utf-8") + f"\n甲乙{gap}三，甲丙{gap}三。今年一季度查处问题12起，"
                "落实“一岗双责”，详见https://www.example.cn/2023/0115/a12.html第二章第三条")
    spans = list(re.finditer(r"[0-9]+|[一二三四五六七八九十百千万两]+", text))
    blocked = stop.blocked_spans(text)
    expected = [m for m in spans if not any(a <= m.start() and m.end() <= b for a, b, _ in blocked)]
    kept = stop.unblocked(text, spans)
    assert kept == expected
    assert [m.group() for m in kept if m.start() > text.index("甲乙")][:1] == ["三"]   # the phrase won at 甲乙


@pytest.mark.parametrize("regex", [r".五", r"\w+五"])     # 五 one after the start / anywhere
def test_pattern_that_may_start_anywhere_still_works(regex):
    stop = StopList.from_entries([StopEntry("any", regex, 1, is_regex=True)])
    assert first_chars(regex) is None
    assert find_numerals("发现十五个", stop) == []
    assert [n.text for n in find_numerals("五个，发现十五个", stop)] == ["五"]


def test_empty_stoplist(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("phrases:\npatterns:\nexamples:\n", encoding="utf-8")
    stop = StopList.load(path)
    assert stop.blocked_spans("四个意识") == [] and stop.examples == []


# --- errors name file and line ----------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stoplist.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "phrases:\n  formulas:\n    - 四个意识\n    - [两个维护\nexamples: []\n")
    with pytest.raises(RuleFileError) as err:
        StopList.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}:")
    assert int(message.split(":")[1]) in (4, 5)
    assert isinstance(err.value, ValueError)


def test_bad_regex_names_file_and_line(tmp_path):
    path = write(tmp_path, "phrases:\n  formulas:\n    - 四个意识\npatterns:\n"
                           "  - id: ok\n    regex: '[一二]是'\n"
                           "  - id: broken\n    regex: '[一二(是'\n")
    with pytest.raises(RuleFileError, match=rf"^{path}:8: bad regex in pattern 'broken'"):
        StopList.load(path)


@pytest.mark.parametrize(("text", "line", "what"), [
    ("phrases:\n  formulas: 四个意识\n", 2, "must be a list"),
    ("phrases:\n  - 四个意识\n", 2, "must map a group id"),
    ("patterns:\n  - id: a\n", 2, "needs id: and regex:"),
    ("patterns:\n  - id: a\n    regex: 'x'\n  - id: a\n    regex: 'y'\n", 4, "duplicate pattern id"),
    ("patterns:\n  - id: a\n    regex: '(一)\\1'\n", 3, "back-references"),
    ("patterns:\n  - id: a\n    regex: '一*'\n", 3, "empty string"),
    ("patterns:\n  - id: a\n    regex: 'x'\n    flags: i\n", 2, "unknown pattern key"),
    ("phrase:\n  a: [一]\n", 1, "unknown key"),
    ("- 四个意识\n", 1, "must be a mapping"),
    ("examples:\n  - ''\n", 2, "non-empty string"),
])
def test_structure_errors_name_the_line(tmp_path, text, line, what):
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as err:
        StopList.load(path)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert what in str(err.value)


def test_missing_file_is_a_rule_file_error(tmp_path):
    with pytest.raises(RuleFileError, match="cannot read"):
        StopList.load(tmp_path / "nope.yaml")
