import pytest
from conftest import write_docs

from extractor.context import names_a_place


@pytest.mark.parametrize("text, scopes", [
    ("2023年1至6月，全国纪检监察机关共立案31.2万件。", ["1至6月 全国"]),
    ("前三季度，全省共处分干部1.2万人；十八大以来，全系统立案45件。", ["前三季度 全省", "十八大以来 全系统"]),
    ("全市上半年共处分20人，全年立案30件。", ["全市 上半年", "全市"]),
    ("今年1—9月，共接收信访举报120件。", ["1—9月"]),
    ("2024年1月，全国共查处问题3,456起；2024年1月15日，全市处分5人。", ["1月 全国", "全市"]),
    ("共处分干部20人。", [""]),
])
def test_scope_names_the_span_of_time_and_the_place(text, scopes):
    from extractor import extract_text

    assert [c.scope for c in extract_text(text, year=2023)] == scopes


def test_half_year_and_whole_year_figures_do_not_conflict_across_documents(tmp_path):
    from extractor.run import run

    write_docs(tmp_path / "docs", {"a.txt": "2023年1至6月，全国纪检监察机关共立案31.2万件。",
                                   "b.txt": "2023年，全国纪检监察机关共立案62.6万件。",
                                   "c.txt": "2023年，全国纪检监察机关共立案61万件。"})
    summary = run([tmp_path / "docs"], None, tmp_path / "out", report=False)
    assert summary.by_status["conflict"] == 1                 # b and c differ; a is the half year
    assert names_a_place("1至6月 全国") and not names_a_place("1至6月")


def test_the_time_scope_lookahead_holds_every_first_character_of_a_time_word():
    """TIME_HEADS (read from the pattern by regexstart.py) must hold each character a match of
    TIME_WORDS can begin with, else a scope is missed: every BMP character the pattern can partly
    match alone is one of them."""
    import regex

    from extractor.context import TIME_HEADS, TIME_WORDS

    words = regex.compile(TIME_WORDS)
    missing = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF
               and words.match(chr(c), partial=True) and chr(c) not in TIME_HEADS]
    assert TIME_HEADS and missing == []


@pytest.mark.parametrize("text, numeral, subject", [
    ("今年以來，全區處置問題線索418件，較上年同期的365件有所增加。", "365", "處置問題線索"),
    ("全縣立案75件、結案69件，分別比去年同期增長12.0%和9.5%。", "9.5", "結案增長"),
])
def test_a_subject_taken_from_another_claim_is_simplified_too(text, numeral, subject):
    """A comparison figure or a respective change takes its subject from a count: subject_simplified follows."""
    from extractor import extract_text
    from extractor.script import to_simplified

    claim = next(c for c in extract_text(text, year=2024) if c.num_text == numeral)
    assert claim.subject == subject
    assert claim.subject_simplified == to_simplified(subject)


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_items_of_a_semicolon_list_after_a_group_count_go_on_with_the_breakdown(script):
    """处分县处级干部3人；一般干部27人；农村、企业等其他人员65人: after a measure that names a group,
    the bare items of the ；list are the next groups of those disciplined; a sum of named groups
    (县处级干部和一般干部合计30人) takes their category too."""
    from extractor import extract_text
    from extractor.script import to_simplified

    text = ("今年以来，全县共给予党纪政务处分95人。处分县处级干部3人，占处分总人数的3.2%；一般干部27人；"
            "农村、企业等其他人员65人。县处级干部和一般干部合计30人。")
    if script == "traditional":
        import opencc

        text = opencc.OpenCC("s2t").convert(text)
    claims = {c.num_text: c for c in extract_text(text, year=2025)}
    assert [(n, claims[n].category, to_simplified(claims[n].subject)) for n in ("3", "27", "65", "30")] == [
        ("3", "discipline", "处分县处级干部"), ("27", "discipline", "一般干部"),
        ("65", "discipline", "农村、企业等其他人员"), ("30", "discipline", "县处级干部和一般干部")]


@pytest.mark.parametrize("text, numeral", [
    ("全县共给予党纪处分12人；培训干部40人。", "40"),                  # a measure that names no group
    ("处分县处级干部3人。来信和来访合计30人。", "30"),                    # the names of the sum were no claims
])
def test_a_count_after_a_measure_is_no_part_of_it_otherwise(text, numeral):
    from extractor import extract_text

    claim = next(c for c in extract_text(text, year=2025) if c.num_text == numeral)
    assert claim.category != "discipline"


def test_full_width_digits_read_as_ascii_ones():
    """２０２３年 · 在全省１４个地市中位列第三 · 占２５％: periods, fields of rankings, checks and
    subjects are read as from the same text in ASCII digits (the simplified view folds them)."""
    from extractor import extract_text
    from extractor.audit import audit_document

    text = ("２０２３年，全市共处分干部８０人，其中乡科级干部２０人，占处分总人数的２５％；一般干部６０人。"
            "在全省１４个地市中，我市处分人数位列第三。２０２２年同期为７２人。")
    ascii_text = text.translate({0xFF10 + i: str(i) for i in range(10)} | {ord("％"): "%"})

    def read(of: str) -> tuple[list[tuple], list[tuple]]:
        claims = extract_text(of, year=2024)
        fields = [(c.value, c.category, c.unit, c.period, c.rank_of, c.indicator, c.subject_simplified)
                  for c in claims]
        return fields, sorted((k.kind, k.status) for k in audit_document(claims))

    fields, checks = read(text)
    assert (fields, checks) == read(ascii_text)
    assert [f[4] for f in fields if f[1] == "ranking"] == [14]
    assert {f[3] for f in fields} >= {2022, 2023}


def test_a_space_between_figures_and_words_is_read_through():
    """Texts that put a space around Arabic figures (2023 年 · 在全省 14 个地市中 · 约 62 件 · 较 2021 年
    同期的 72 人 · 1 万 2345 起) get the periods, rank fields, qualifiers and values of the same
    text without the spaces."""
    from extractor import extract_text

    spaced = ("2023 年，全市共处分干部 80 人，较 2021 年同期的 72 人有所增加。在全省 14 个地市中，我市处分人数"
              "位列第三。平均每月处置问题线索约 62 件。与 2022 年（立案 45 件）相比，全年查处问题 1 万 2345 起。")
    claims = {c.num_text: c for c in extract_text(spaced, year=2024)}
    assert claims["80"].period == 2023 and claims["72"].period == 2021 and claims["45"].period == 2022
    assert claims["1 万 2345"].value == 12345
    assert claims["第三"].rank_of == 14 and "14" not in claims
    assert claims["62"].qualifier == "approx"


def test_half_width_punctuation_reads_as_full_width():
    """，；： written , ; : (some texts do) give the same claims: every clause boundary the rules,
    the stop-list and the checks look for has both forms."""
    from extractor import extract_text

    text = ("全县共查处问题12起，处分10人；其中党纪处分8人，占80%。在全省14个县区中，我县位列第二。"
            "小组一起唱歌，这些问题要解决。立案数、处分人数分别增长12%和8%。")
    half = text.translate(str.maketrans("，；：", ",;:"))

    def read(of: str) -> list[tuple]:
        return [(c.num_text, c.value, c.category, c.unit, c.rank_of, c.qualifier, c.indicator)
                for c in extract_text(of, year=2024)]

    assert read(half) == read(text)
    assert "一" not in [f[0] for f in read(half)]


def _spans(match):
    return (match.span(), match.group()) if match is not None else None


@pytest.mark.parametrize("source, heads", [
    ("(?=[ab])(?:ab|b[0-9]?)", set("ab")),                        # overlapping starts: finditer's order
    ("(?=[上前第1-9])(?:上半年|前[一二三]季度|第?[1-4]季度|[1-9]月(?![0-9]日))", set("上前第123456789")),
])
def test_a_head_finder_gives_the_last_match_finditer_gives(source, heads):
    import re

    from extractor.context import head_finder, last_match

    pattern = re.compile(source)
    finder = head_finder(pattern, heads)
    texts = ["abab2bb9ab", "ba1bab", "xyz", "", "上半年、前二季度和第3季度，7月9日，8月", "第五季度第4季度上半年1月"]
    for text in texts:
        for end in range(len(text) + 1):                         # every prefix: matches cut at the end too
            assert _spans(last_match(pattern, text[:end], finder)) == _spans(last_match(pattern, text[:end]))


def test_a_head_finder_needs_heads():
    import re

    from extractor.context import head_finder

    assert head_finder(re.compile("a"), None) is None and head_finder(re.compile("a"), set()) is None
