"""Checks of stated changes, differences, rates and 分别 lists (extractor/changes.py), on sentences
written for these tests and on claims built by hand."""

from __future__ import annotations

import pytest
from test_audit import Doc

from extractor import extract_text
from extractor.audit import audit_document


def checks(text: str, kind: str) -> list:
    return [c for c in audit_document(extract_text(text)) if c.kind == kind]


def statuses(text: str, kind: str) -> list[str]:
    return [c.status for c in checks(text, kind)]


@pytest.mark.parametrize(("stated", "status"), [("12.2", "ok"), ("12", "ok"), ("12.3", "mismatch"), ("15", "mismatch")])
def test_a_change_against_the_figure_of_the_year_before_in_the_document(stated, status):
    text = f"2023年，柳河县立案474件。2024年，柳河县立案532件，同比增长{stated}%。"    # 532/474 − 1 = 12.24%
    assert statuses(text, "change") == [status]


def test_a_fall_in_both_scripts():
    assert statuses("2023年，柳河縣處分400人。2024年，柳河縣處分368人，同比下降8%。", "change") == ["ok"]
    assert statuses("2023年，柳河县处分400人。2024年，柳河县处分368人，同比下降9%。", "change") == ["mismatch"]


def test_a_change_without_its_base_is_not_checked():
    assert checks("2024年，柳河县立案532件，同比增长12.2%。", "change") == []


def test_a_base_stated_in_the_same_sentence():
    doc = Doc()
    doc.sentence("立案532件，去年同期为474件，同比增长12.2%。", ("532", "件", "立案", "case"),
                 ("474", "件", "立案", "case", {"period": 2023}), ("12.2", "%", "同比增长", "share"), period=2024)
    found = [c for c in audit_document(doc.claims) if c.kind == "change"]
    assert [(c.status, c.claim_ids) for c in found] == [("ok", "0001-0003;0001-0001;0001-0002")]
    assert "532/474−1 = 12.24%" in found[0].message


@pytest.mark.parametrize(("stated", "status"), [("58", "ok"), ("60", "mismatch")])
def test_a_difference(stated, status):
    text = f"2023年，柳河县立案474件。2024年，柳河县立案532件，立案数比去年增加{stated}件。"
    found = checks(text, "difference")
    assert [c.status for c in found] == [status]
    assert found[0].actual == 58


def test_a_difference_downwards():
    doc = Doc()
    doc.sentence("2023年处分400人。", ("400", "人", "处分"), period=2023)
    doc.sentence("2024年处分380人，较去年减少20人。", ("380", "人", "处分"), ("20", "人", "处分较去年减少"), period=2024)
    for claim in doc.claims:
        claim.indicator, claim.place = "sanctioned", "柳河县"
    found = [c for c in audit_document(doc.claims) if c.kind == "difference"]
    assert [(c.status, c.expected, c.actual) for c in found] == [("ok", -20, -20)]


@pytest.mark.parametrize(("rate", "status"), [("91.3", "ok"), ("91", "ok"), ("95", "mismatch")])
def test_a_rectification_rate(rate, status):
    text = f"本轮巡察共发现问题126个，已完成整改115个，整改率为{rate}%。"          # 115/126 = 91.27%
    assert statuses(text, "rate") == [status]


def test_a_completion_rate_in_traditional_script():
    assert statuses("共受理信訪舉報200件，已辦結190件，辦結率95%。", "rate") == ["ok"]
    assert statuses("共受理信訪舉報200件，已辦結190件，辦結率90%。", "rate") == ["mismatch"]


RESPECTIVELY = ("2023年，柳河县立案474件、处分400人、留置10人。"
                "2024年，柳河县立案532件、处分468人、留置12人，同比分别增长{}、17%和20%。")


def test_respectively_matches_each_change_with_its_figure_in_order():
    found = checks(RESPECTIVELY.format("12.2%"), "respectively")
    assert [c.status for c in found] == ["ok", "ok", "ok"]
    assert ["532/474" in found[0].message, "468/400" in found[1].message, "12/10" in found[2].message] == [True] * 3


def test_respectively_fails_on_the_wrong_change():
    assert statuses(RESPECTIVELY.format("15%"), "respectively") == ["mismatch", "ok", "ok"]


def test_respectively_with_fewer_figures_than_changes_is_a_mismatch():
    found = checks("2024年，柳河县立案532件、处分468人，同比分别增长12.2%、17%和20%。", "respectively")
    assert [(c.status, c.claim_ids) for c in found] == [("mismatch", "0001-0003")]
    assert "3项变化" in found[0].message


def test_respectively_over_measures_named_in_words():
    text = ("2023年，柳河县立案474件，处分400人。2024年，柳河县立案532件，处分468人。"
            "立案数、处分人数分别较上年增长12.2%和18%。")
    assert statuses(text, "respectively") == ["ok", "mismatch"]


def test_a_redacted_figure_is_unverifiable():
    assert statuses("2023年，柳河县立案ｘ件。2024年，柳河县立案532件，同比增长12.2%。", "change") == ["unverifiable"]
    assert statuses("2023年，柳河县立案474件。2024年，柳河县立案ｘ件，同比增长12.2%。", "change") == ["unverifiable"]


@pytest.mark.parametrize(("stated", "status"), [("12.2", "ok"), ("15", "mismatch")])
def test_a_base_stated_in_the_sentence_as_the_text_gives_it(stated, status):
    assert statuses(f"2024年，柳河县立案532件，去年同期为474件，同比增长{stated}%。", "change") == [status]
    assert statuses(f"2024年，柳河县立案532件，同比增长{stated}%（2023年为474件）。", "change") == [status]


def test_a_part_in_parentheses_is_not_the_figure_that_changed():
    text = "2023年，柳河县共立案640件（含乡镇纪委立案230件），同比增长6.7%（2022年为600件）。"
    found = checks(text, "change")
    assert [(c.status, c.expected) for c in found] == [("ok", 6.7)] and "640/600" in found[0].message


def test_a_rate_takes_the_part_that_names_its_measure():
    text = "截至目前，反馈的问题23个，已完成整改21个，正在推进2个，整改完成率91.3%。"
    found = checks(text, "rate")
    assert [c.status for c in found] == ["ok"] and "21/23" in found[0].message


@pytest.mark.parametrize(("points", "status"), [("4.9", "ok"), ("5", "ok"), ("5.9", "mismatch")])
def test_a_change_in_percentage_points(points, status):
    assert statuses(f"2024年，柳河县第一种形态占比由去年的61.2%上升到66.1%，上升{points}个百分点。", "change") == [status]
    assert statuses(f"第一種形態佔比66.1%，比上年提高{points}個百分點（2023年為61.2%）。", "change") == [status]
