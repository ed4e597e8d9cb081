from extractor.context import infer_doc_year, year_mentions


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
