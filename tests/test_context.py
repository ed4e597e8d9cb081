import pytest
from conftest import write_docs

from extractor.context import infer_doc_year, names_a_place, year_mentions


def test_doc_year_is_latest_year_outside_titles():
    assert infer_doc_year("总结2021年工作，部署2022年任务。") == 2022
    assert infer_doc_year("印发《2021—2025年规划》，2020年完成了任务。") == 2020
    assert infer_doc_year("没有年份。") is None


def test_relative_years_and_spans():
    found = year_mentions("去年处分10人，今年以来立案3件，二〇二一年度考核", 2023)
    assert [(m.year) for m in found] == [2022, None, 2021]


def test_year_inside_title_is_ignored():
    assert year_mentions("下发了《2021年工作要点》", 2022) == []


def test_spans_since_last_year_have_no_single_year():
    from extractor import extract_text

    claims = extract_text("去年以来，全市共立案45件。今年上半年，处分干部20人。", year=2023)
    assert [(c.value, c.period) for c in claims] == [(45, None), (20, 2023)]


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


def test_one_year_looking_back_is_the_year_before_the_one_spoken_from():
    found = year_mentions("一年来处分10人。过去的一年立案5件。近一年来问责3人。三年来共查处9起。", 2023)
    assert [m.year for m in found] == [2022, 2022, None, None]


def test_a_year_named_to_compare_with_does_not_set_the_period():
    assert year_mentions("比去年增加30人，较上年同期下降5%，与2022年相比持平。", 2023) == []
    assert [m.year for m in year_mentions("去年同期立案5件，2021年和2022年分别处分5人。", 2023)] == [2022, 2021, 2022]
    from extractor import extract_text

    claims = extract_text("2023年全市处分干部20人，比去年增加5人。全市立案30件。", year=2023)
    assert [(c.value, c.period) for c in claims if c.value in (20, 30)] == [(20, 2023), (30, 2023)]


def test_a_year_something_moved_from_is_the_year_of_that_number_only():
    from extractor import extract_text

    claims = extract_text("2023年党风廉政建设考核，排名由去年的第15位上升至第6位。全市立案30件。", year=2023)
    assert [(c.value, c.period) for c in claims] == [(15, 2022), (6, 2023), (30, 2023)]
