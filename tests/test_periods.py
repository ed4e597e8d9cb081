"""Periods (GUIDELINES, Periods): the document's year, years of sentences, paragraphs and headings,
spans, comparisons. Every text here is written for these tests."""

import pytest

from extractor import extract_text
from extractor.models import Claim
from extractor.periods import (
    DocumentYear,
    DocumentYears,
    document_year,
    infer_doc_year,
    resolve_periods,
    year_mentions,
)
from extractor.script import to_simplified
from extractor.sentences import split_sentences


def periods_of(text: str, *numerals: str, year: int | None = None) -> list[int | None]:
    """The period resolve_periods gives a claim at each numeral (found in order), whatever the
    rules make of it: the period logic on its own, for figures the rules may not find yet."""
    return [c.period for c in _claims_at(text, numerals, year)]


def sources_of(text: str, *numerals: str, year: int | None = None) -> list[str]:
    return [c.period_source for c in _claims_at(text, numerals, year)]


def _claims_at(text: str, numerals: tuple[str, ...], year: int | None) -> list[Claim]:
    sentences = split_sentences(text)
    claims, pos = [], 0
    for numeral in numerals:
        start = text.index(numeral, pos)
        pos = start + len(numeral)
        s = next(s for s in sentences if s.start <= start < s.end)
        claims.append(Claim("t", "case", "x", 1, "件", numeral, start, pos, numeral, start, pos, s.line, s.text,
                            "test", sentence_start=s.start))
    years = DocumentYears(to_simplified(text), sentences)
    resolve_periods(claims, sentences, document_year(sentences, years, year), years)
    return claims


# --- the document's year -------------------------------------------------------------------

def test_doc_year_is_latest_year_outside_titles():
    assert infer_doc_year("总结2021年工作，部署2022年任务。") == 2022
    assert infer_doc_year("印发《2021—2025年规划》，2020年完成了任务。") == 2020
    assert infer_doc_year("没有年份。") is None


def test_doc_year_is_never_a_plan_span_nor_a_target():
    assert infer_doc_year("二〇二二年全省立案9件。要围绕“十五五”（二〇二六年到二〇三〇年）目标谋划工作。") == 2022
    assert infer_doc_year("2021年全市立案20件。到2027年，建成廉洁文化示范点50个。") == 2021
    assert infer_doc_year("截至2023年底，共建成示范点12个。") == 2023
    assert infer_doc_year("去年立案12件。力争2026年底前实现全覆盖，2027年前建成示范点30个。2024年前三季度立案9件。") == 2024


@pytest.mark.parametrize("header, year", [
    ("柳溪县通报上半年监督检查情况\n发布时间：2021-07-03　来源：柳溪县纪委监委\n", 2021),
    ("date 2022-11-02\n中纪委前三季立案50萬件\n", 2022),
    ("在全县纪委全会上的工作报告\n（2020年1月20日）\n", 2020),
    ("赤松市纪委监委工作通报\n2019年3月8日　来源：赤松日报\n", 2019),
    ("赤松市纪委监委工作通报\n发布时间：２０１８－０５－０２\n", 2018),
])
def test_a_dateline_in_the_first_lines_gives_the_documents_year(header, year):
    text = header + "\n今年以来，全县立案88件。去年处分干部61人。规划期为二〇二六年到二〇三〇年。\n"
    assert periods_of(text, "88", "61") == [year, year - 1]
    assert sources_of(text, "88")[0] == "今年以来 in its sentence"
    assert document_year(split_sentences(text), DocumentYears(to_simplified(text), split_sentences(text))).source \
        .startswith("dateline line")


@pytest.mark.parametrize("text, source", [
    ("发布时间：2017-09-14　全县立案5件。", "dateline line 1"),
    ("松原镇通报。 2016-04-02", "dateline line 1"),
    ("2015年6月8日", "dateline line 1"),
    ("松原镇2015年立案6件，2016年立案8件。", "the latest year it names (line 1)"),
    ("松原镇立案6件。\n\n2014-03-05\n", "dateline line 3"),
    ("松原镇立案6件。", "no year in the text"),
])
def test_a_dateline_of_a_short_text(text, source):
    """A text of few lines (a line of a file) is searched once for a date before its lines are read."""
    sentences = split_sentences(text)
    assert document_year(sentences, DocumentYears(to_simplified(text), sentences)).source == source


def test_the_title_year_comes_before_the_latest_year_named():
    text = "赤松市2022年度纪检监察工作综述\n\n全年共立案40件。2023年，将开展专项检查。\n"
    assert periods_of(text, "40") == [2022]
    assert "全年" in sources_of(text, "40")[0]


def test_a_bulletin_dated_in_january_keeps_the_years_its_paragraphs_name():
    text = ("白沙县通报2023年全县监督检查审查调查情况\n发布日期：2024-01-20\n\n"
            "2023年，全县立案120件，处分110人。\n\n党的十八大以来，全县累计立案900件。\n")
    assert periods_of(text, "120", "110", "900") == [2023, 2023, None]


def test_a_long_first_paragraph_with_a_date_is_no_dateline():
    text = ("关于巡察整改进展情况的通报\n\n根据县委统一部署，2021年3月2日至4月30日，县委第一巡察组对县水利局党组"
            "进行了常规巡察，发现问题17个，现将整改情况通报如下。\n")
    assert document_year(split_sentences(text), DocumentYears(text, split_sentences(text))).source.startswith("the latest")


# --- years in the sentence ------------------------------------------------------------------

def test_relative_years_and_spans():
    found = year_mentions("去年处分10人，今年以来立案3件，二〇二一年度考核，十八大以来", 2023)
    assert [(m.year) for m in found] == [2022, 2023, 2021, None]


def test_year_inside_title_is_ignored():
    assert year_mentions("下发了《2021年工作要点》", 2022) == []


@pytest.mark.parametrize("sentence, year", [
    ("今年1至9月，全市立案46件。", 2025), ("今年前3季，全市立案46件。", 2025), ("年初以来，全市立案46件。", 2025),
    ("截至目前，全市立案46件。", 2025), ("2025年以来，全市立案46件。", 2025), ("2025年2月以来，全市立案46件。", 2025), ("今年以来，全市立案46件。", 2025), ("本年度全市立案46件。", 2025),
    ("去年全市立案46件。", 2024), ("上年全市立案46件。", 2024), ("前年全市立案46件。", 2023),
    ("二〇二二年全市立案46件。", 2022), ("民國113年全市立案46件。", 2024), ("2021年度全市立案46件。", 2021), ("2020年第一季度全市立案46件。", 2020),
])
def test_years_named_in_the_sentence(sentence, year):
    assert periods_of(sentence, "46", year=2025) == [year]


@pytest.mark.parametrize("sentence", [
    "党的十八大以来，全市立案46件。", "近三年来，全市立案46件。", "2018年以来，全市立案46件。",
    "本届县委以来，全市立案46件。", "过去五年，全市立案46件。", "去年以来，全市立案46件。",
    "2020年至2022年，全市累计立案46件。", "2020—2022年，全市立案46件。", "2019年至今，全市立案46件。",
    "近年来，全市立案46件。", "近5年，全市立案46件。", "“十四五”以来，全市立案46件。", "2021年3月以来，全市立案46件。",
    "新时代以来，全市立案46件。",
])
def test_spans_of_several_years_have_no_period(sentence):
    assert periods_of(sentence, "46", year=2025) == [None]


def test_spans_since_last_year_have_no_single_year():
    claims = extract_text("去年以来，全市共立案45件。今年上半年，处分干部20人。", year=2023)
    assert [(c.value, c.period) for c in claims] == [(45, None), (20, 2023)]


def test_whole_year_and_this_month_are_the_documents_year_when_nothing_else_governs():
    assert periods_of("全年，全县运用“四种形态”处理干部315人次。当月，通报问题4起。", "315", "4", year=2024) == [2024, 2024]
    assert periods_of("2019年全县立案50件，当年结案45件。", "50", "45", year=2024) == [2019, 2019]
    assert periods_of("明年，全县计划开展巡察3轮。", "3", year=2024) == [2025]


# --- paragraphs and headings ----------------------------------------------------------------

def test_a_year_governs_its_paragraph_only():
    text = ("南屏区2023年度信访举报情况分析\n\n"
            "2023年，区纪委监委受理信访举报412件次，同比下降7.8%（2022年为447件次）。\n\n"
            "从举报方式看，来信120件次，来访64件次。\n")
    assert periods_of(text, "412", "7.8", "447", "120", "64") == [2023, 2023, 2022, 2023, 2023]


def test_a_span_governs_the_rest_of_its_paragraph():
    text = "2022年全县立案30件。\n本届县委以来已开展巡察五轮，共巡察党组织71个。发现问题803个。\n全县处分干部25人。\n"
    assert periods_of(text, "30", "71", "803", "25") == [2022, None, None, 2022]


def test_a_headings_year_governs_its_section_and_not_a_siblings():
    text = ("在县纪委十六届四次全会上的工作报告\n（2021年1月20日）\n\n"
            "一、2020年工作回顾\n一年来，县纪委监委立案56件。\n（一）正风肃纪。查处问题12起。\n"
            "（二）巡察监督\n完成巡察两轮，发现问题87个。\n"
            "二、存在的问题\n少数单位发现问题9个。\n"
            "三、2021年工作安排\n开展专项检查6次。\n")
    assert periods_of(text, "56", "12", "87", "9", "6") == [2020, 2020, 2020, 2020, 2021]
    sources = sources_of(text, "56", "12", "9")
    assert "一年来" in sources[0] and "heading 「一、2020年工作回顾」" in sources[0]
    assert sources[1].startswith("2020年 of its heading 「一、2020年工作回顾」")
    assert sources[2].startswith("the year the document reports on")


def test_a_paragraph_without_a_year_takes_the_year_the_document_reports_on():
    speech = ("在2022年全县林业系统党风廉政建设工作会议上的讲话\n\n"
              "去年，全系统立案7件，处分干部9人，谈话提醒21人次。\n\n全系统排查风险点46个。\n")
    assert periods_of(speech, "7", "9", "21", "46") == [2021, 2021, 2021, 2021]
    bulletin = "翠湖省纪委监委通报\n2024-10-12\n\n今年1至9月，全省立案3,201件。\n\n全省处分干部2,877人。\n"
    assert periods_of(bulletin, "3,201", "2,877") == [2024, 2024]


def test_a_long_line_without_an_end_mark_runs_on_into_the_next():
    text = ("2021年，全县纪检监察机关共处置问题线索315件，立案126件，给予党纪政务处分119人，其中科级干部\n"
            "23人，一般干部96人。\n")
    assert periods_of(text, "315", "23", "96") == [2021, 2021, 2021]


def test_one_year_looking_back_is_the_year_under_review():
    assert [m.year for m in year_mentions("一年来处分10人。过去的一年立案5件。近一年来问责3人。三年来共查处9起。", 2023)] \
        == [2022, 2022, None, None]
    review = "赤松市纪检监察工作综述\n\n一年来，全市立案63件。\n\n2022年，全市处分干部58人，通报曝光典型问题14起。\n"
    assert periods_of(review, "63", "58", "14", year=2022) == [2022, 2022, 2022]
    assert periods_of(review, "63", year=2022) == [2021]          # nothing dated: the year before
    titled = "赤松市2022年纪检监察工作综述\n\n一年来，全市立案63件。\n"
    assert periods_of(titled, "63") == [2022]                     # the year its title names
    speech = "在赤松市2023年党风廉政建设工作会议上的讲话\n\n一年来，全市立案63件。\n"
    assert periods_of(speech, "63") == [2022]                     # a meeting's year: the one before


# --- comparisons ----------------------------------------------------------------------------

def test_a_year_named_to_compare_with_is_local():
    found = year_mentions("比去年增加30人，较上年同期下降5%，与2022年相比持平。", 2023)
    assert [(m.year, m.local) for m in found] == [(2022, True), (2022, True), (2022, True)]
    assert [m.year for m in year_mentions("去年同期立案5件，2021年和2022年分别处分5人。", 2023)] == [2022, 2021, 2022]
    claims = extract_text("2023年全市处分干部20人，比去年增加5人。全市立案30件。", year=2023)
    assert [(c.value, c.period) for c in claims if c.value in (20, 30)] == [(20, 2023), (30, 2023)]


@pytest.mark.parametrize("text, numerals, periods", [
    ("今年1至6月，全县立案96件，较上年同期的80件增长20.0%。", ("96", "80", "20.0"), [2025, 2024, 2025]),
    ("今年1至9月，全市查处问题312起，去年同期为276起，同比增长13.0%；累计处理405人。",
     ("312", "276", "13.0", "405"), [2025, 2024, 2025, 2025]),
    ("2025年上半年，全县接收信访举报930件次，2024年同期为1,012件次。从举报方式看，来信101件。",
     ("930", "1,012", "101"), [2025, 2024, 2025]),
    ("处分人数由去年的3.2万人上升到4.1万人。", ("3.2万", "4.1万"), [2024, 2025]),
    ("处分人数由前年的2.2万人上升到去年的2.9万人。", ("2.2万", "2.9万"), [2023, 2024]),
    ("2023年全县立案211件。与2022年（立案1,204件）相比，立案数增长9.1%。", ("211", "1,204", "9.1"), [2023, 2022, 2023]),
    ("2024年排查风险点96个，与2020年排查结果（风险点71个）相比，增加25个。", ("96", "71", "25"), [2024, 2020, 2024]),
    ("二〇二四年全國立案十六萬件，比二〇二三年增長十．六％。", ("十六萬", "十．六"), [2024, 2024]),
    ("今年1至9月，省部級幹部被立案審查33人，比去年同期的29人增加4人。", ("33", "29", "4"), [2025, 2024, 2025]),
    ("我区考核排名由2023年的第九名跃居第二名。", ("第九", "第二"), [2023, 2025]),
    ("2025年全县立案517件，2024年为488件；结案503件。", ("517", "488", "503"), [2025, 2024, 2025]),
    ("今年1至9月，查处问题312起、处理405人，去年同期分别为276起、380人，同比分别增长13.0%、6.6%。",
     ("312", "405", "276", "380", "13.0", "6.6"), [2025, 2025, 2024, 2024, 2025, 2025]),
    ("今年共受理信访举报530件（2024年为611件、2023年为702件），处置问题线索301件。",
     ("530", "611", "702", "301"), [2025, 2024, 2023, 2025]),
    ("去年同期，全县立案8件，处分7人。今年立案9件。", ("8", "7", "9"), [2024, 2024, 2025]),
])
def test_the_comparison_figure_has_the_earlier_year_and_governs_nothing(text, numerals, periods):
    assert periods_of("临水县纪委监委通报\n2025-10-20\n\n" + text, *numerals) == periods


def test_explain_says_where_each_period_came_from():
    from extractor.explain import explain

    tree = explain("去年全区处分干部30人，考核排名由前年的第15位上升至第6位。", year=2024)
    assert "document year: 2024 (given with --year)" in tree
    assert "period 2023: 去年 in its sentence" in tree
    assert "period 2022: 前年 before it: a year compared with or moved from, which dates only its own figures" in tree


def test_explain_reads_a_line_of_a_file_in_its_document(tmp_path, capsys):
    from extractor.cli import main

    path = tmp_path / "bulletin.txt"
    path.write_text("柳溪县纪委监委通报\n发布时间：2021-04-09\n\n一季度，全县纪检监察机关立案37件。\n", encoding="utf-8")
    assert main(["explain", "--file", str(path), "--line", "4"]) == 0
    out = capsys.readouterr().out
    assert "document year: 2021 (dateline line 2)" in out
    assert "period 2021: the document's year (dateline line 2)" in out


def test_figures_of_one_year_under_review_count_for_the_year_reported_on():
    text = ("在南屏区2024年党风廉政建设工作会议上的讲话\n（2024年2月20日）\n\n"
            "一、2023年工作回顾\n一年来，全区立案212件，处分198人。\n"
            "（一）监督检查\n开展专项检查31次。\n（二）作风建设\n今年以来，已查处问题5起。\n"
            "二、存在的问题\n全区仍有17个风险点未制定防控措施。\n"
            "三、2024年重点工作\n全年组织警示教育4次。\n")
    assert periods_of(text, "212", "198", "31", "5", "17", "4") == [2023, 2023, 2023, 2024, 2023, 2024]


def test_title_lines_before_the_first_paragraph_govern_nothing():
    text = ("首页 > 工作动态 > 领导讲话\n在柳溪县2022年党风廉政建设工作会议上的讲话\n县委书记　xx\n\n"
            "去年，全县立案37件，处分干部44人，通报典型问题6起。\n\n全县排查风险点88个。\n")
    assert periods_of(text, "37", "44", "6", "88") == [2021, 2021, 2021, 2021]
    years = DocumentYears(to_simplified(text), split_sentences(text))
    assert document_year(split_sentences(text), years).source == "title line 2"


def test_a_title_across_a_sentence_end_has_its_sentences_scanned_one_by_one():
    """A 《title》 holding an end mark is blanked out per sentence; the mentions are those of each sentence."""
    spanning = "印发《2019年要点。修订稿》后，2021年立案7件。去年结案5件。"
    inside = "印发《2019年要点》后，2021年立案7件。去年结案5件。"
    for text, per_sentence in ((spanning, True), (inside, False)):
        sentences = split_sentences(text)
        years = DocumentYears(text, sentences)
        assert years.per_sentence is per_sentence
        for i, sentence in enumerate(sentences):
            assert years.of(i, 2022) == year_mentions(sentence.text, 2022)
    assert [m.year for m in DocumentYears(inside, split_sentences(inside)).of(0, 2022)] == [2021]


def test_year_scan_finds_what_the_pattern_finds_everywhere():
    """The anchored scan (years tried only near 年, 以来, 期间, 目前, 当月, 本届) equals a scan of every position."""
    from extractor.periods import _YEAR_MENTION, _year_matches

    texts = ["近12年来，自二〇一九年到二〇二三年；本届区委以来、党的二十大以来", "２０２０年—2022年、十三五”期间、当月当年全年",
             "截至目前，民国111年，上一年与这一年来，1998至2001年", "去年以来新时代十年本届以来，较前年同期",
             "以来，来往前月间届时本届以来，年初以来目前期间当月"]     # (words found by their last character)
    for text in texts:
        assert [m.span() for m in _year_matches(text)] == [m.span() for m in _YEAR_MENTION.finditer(text)]
        assert _year_matches(text)


def test_a_heading_governs_however_many_lines_below_it():
    """The walk up to a heading is done lazily from the claims' sentences: far below it, and from
    lines of a sub-heading without a year, the heading's year is still found."""
    body = "\n".join("督导组按计划完成走访" for _ in range(300))
    text = f"二、2017年督导情况\n{body}\n（一）走访结果\n督导组走访企业6家。\n另走访学校9所。"
    assert periods_of(text, "6", "9", year=2020) == [2017, 2017]
    assert periods_of("没有年份的一句话。", year=2020) == []


@pytest.mark.parametrize("text", [
    "青川镇2029年立案8件，2030年立案11件。", "  发布时间：2031-02-17　青川镇立案3件。 ", "没有年份的一行。", "", " \n ",
    "青川镇2027年工作总结\n2028年全镇立案9件。", "2032年5月6日\n青川镇立案7件。", "到2033年建成示范点6个。\n\n\n",
    "民國112年新竹縣立案4件", "第一行2026年。\n" * 12 + "2034年6月7日"])
def test_the_year_of_a_text_split_only_when_needed_is_the_documents_year(text):
    """`text_year` without sentences gives what `document_year` gives with them (a text of one
    line without a date is never split), and keeps the sentences it splits."""
    from extractor.periods import text_year

    sentences = split_sentences(text)
    expected = document_year(sentences, DocumentYears(to_simplified(text), sentences))
    years = DocumentYears(to_simplified(text), None)
    assert text_year(text, years) == expected
    assert years.sentences is None or years.sentences == sentences
    assert text_year(text, DocumentYears(to_simplified(text), None), 2019) == DocumentYear(2019, "given with --year")


@pytest.mark.parametrize(("text", "numerals"), [
    ("柳溪乡立案6件，处分4人。\n二、督查情况\n走访农户15户。", ("6", "4", "15")),
    ("印发《2018年要点。修订稿》后，柳溪乡立案6件。", ("6",)),       # a year only the per-sentence scan sees
    ("柳溪乡（含青石村）立案6件；处分4人。", ("6", "4"))])
def test_a_text_naming_no_year_has_the_periods_the_resolver_gives(text, numerals):
    """A text whose scan finds no year (the short cut of resolve_periods) gives each claim what the
    sentence-by-sentence resolver gives, with and without a document year."""
    assert not DocumentYears(to_simplified(text), split_sentences(text)).raw
    for year in (None, 2021):
        fast = _claims_at(text, numerals, year)
        sentences = split_sentences(text)
        slow = [Claim(**{**vars(c), "period": None, "period_source": ""}) for c in fast]
        resolve_periods(slow, sentences, document_year(sentences, DocumentYears(to_simplified(text), sentences), year))
        assert [(c.period, c.period_source) for c in fast] == [(c.period, c.period_source) for c in slow]


def test_a_claim_outside_every_sentence_is_refused_also_in_a_text_naming_no_year():
    text = "柳溪乡立案6件。"
    sentences = split_sentences(text)
    claim = _claims_at(text, ("6",), None)[0]
    claim.sentence_start = 3
    with pytest.raises(KeyError):
        resolve_periods([claim], sentences, DocumentYear(2020), DocumentYears(text, sentences))
