"""The panel across documents (extractor/panel.py): panel.csv, the panel and series sheets, the
API, and changes checked against a base another document states — on documents written here."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from conftest import write_docs

from extractor import panel, series
from extractor.models import Claim
from extractor.panel import agreement
from extractor.run import run

BULLETIN_2023 = "柳河县纪委监委2023年工作通报\n2023年，全县纪检监察机关立案474件，处分400人。\n"
BULLETIN_2024 = "柳河县纪委监委2024年工作通报\n2024年，全县纪检监察机关立案532件，同比增长{}%；处分436人。\n"
OTHER_2023 = "关于柳河县2023年纪检监察工作的报道\n2023年，柳河县立案{}件。\n"


def rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def run_docs(tmp_path: Path, texts: dict[str, str]) -> Path:
    out = tmp_path / "out"
    run([write_docs(tmp_path / "docs", texts)], None, out, jobs=1, report=False)
    return out


def test_two_documents_stating_different_values_give_a_conflict(tmp_path):
    out = run_docs(tmp_path, {"a.txt": BULLETIN_2023, "b.txt": OTHER_2023.format(480)})
    row = next(r for r in rows(out / "panel.csv") if r["indicator"] == "filed_cases")
    assert (row["place"], row["period"], row["documents"], row["agreement"]) == ("柳河县", "2023", "2", "conflict")
    assert row["values"] == "474（a.txt）、480（b.txt）"
    assert row["claim_ids"] == "0001-0001;0002-0001" and row["docs"] == "a.txt;b.txt"


def test_documents_that_agree_and_a_single_source(tmp_path):
    out = run_docs(tmp_path, {"a.txt": BULLETIN_2023, "b.txt": OTHER_2023.format(474)})
    by_indicator = {r["indicator"]: r for r in rows(out / "panel.csv")}
    assert by_indicator["filed_cases"]["agreement"] == "agree"
    assert by_indicator["sanctioned"]["agreement"] == "one source"
    assert by_indicator["sanctioned"]["name"] == "处分（党纪政务处分）"


@pytest.mark.parametrize(("stated", "status"), [("12.2", "ok"), ("14", "mismatch")])
def test_a_change_is_checked_against_the_base_another_document_states(tmp_path, stated, status):
    out = run_docs(tmp_path, {"a2023.txt": BULLETIN_2023, "b2024.txt": BULLETIN_2024.format(stated)})
    found = [r for r in rows(out / "checks.csv") if r["kind"] == "change"]
    assert [(r["status"], r["doc"], r["claim_ids"]) for r in found] == [
        (status, "b2024.txt;a2023.txt", "0002-0002;0002-0001;0001-0001")]
    assert "532/474−1 = 12.24%" in found[0]["message"] and "来源：b2024.txt；a2023.txt" in found[0]["message"]


def test_places_named_only_relatively_meet_no_other_document(tmp_path):
    texts = {"a.txt": "2023年，全县立案474件。\n", "b.txt": "2023年，全县立案480件。\n"}
    panel_rows = rows(run_docs(tmp_path, texts) / "panel.csv")
    assert [(r["place"], r["agreement"]) for r in panel_rows] == [("全县（a.txt）", "one source"),
                                                                  ("全县（b.txt）", "one source")]


def test_the_panel_sheet_links_to_the_claims_and_series_pivots_the_years(tmp_path):
    out = run_docs(tmp_path, {"a2023.txt": BULLETIN_2023, "b2024.txt": BULLETIN_2024.format("12.2")})
    book = openpyxl.load_workbook(out / "claims.xlsx")
    sheet = book["panel"]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert first["claim_ids"] == "0001-0001"
    assert first["claim_1"] == "=HYPERLINK(\"#'claims'!A2\",\"0001-0001\")"
    claims = book["claims"]
    claim_ids = [c.value for c in claims["B"]]
    target = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[header.index("claim_ids")] == "0002-0001")
    assert f"A{claim_ids.index('0002-0001') + 1}" in target[header.index("claim_1")]
    grid = [[c.value for c in r] for r in book["series"].iter_rows()]
    assert grid[0] == ["place", "indicator", "name", "span", "unit", "2023", "2024"]
    assert ["柳河县", "filed_cases", "立案（件）", None, "件", 474, 532] in grid


def test_the_api_returns_the_panel_and_series(tmp_path):
    folder = write_docs(tmp_path / "docs", {"a2023.txt": BULLETIN_2023, "b2024.txt": BULLETIN_2024.format("12.2")})
    frame = panel([folder])
    filed = frame[frame.indicator == "filed_cases"]
    assert filed[["period", "value", "agreement"]].values.tolist() == [[2023, 474, "one source"], [2024, 532, "one source"]]
    pivot = series(frame)
    assert pivot[pivot.indicator == "sanctioned"][["2023", "2024"]].values.tolist() == [[400, 436]]


def test_a_part_of_a_total_of_its_own_indicator_stays_out_of_the_panel(tmp_path):
    out = run_docs(tmp_path, {"a.txt": "2023年，柳河县受理信访举报512件，其中网络举报300件、信访举报重复件40件。\n"})
    assert [(r["indicator"], r["value"]) for r in rows(out / "panel.csv")] == [("petition_online", "300"),
                                                                             ("petitions", "512")]


def _claim(doc: str, value: float, num_text: str) -> Claim:
    return Claim(doc=doc, category="money", subject="结余资金", value=value, unit="万元", num_text=num_text,
                 num_start=0, num_end=len(num_text), claim_text=num_text + "万元", claim_start=0,
                 claim_end=len(num_text) + 2, line=1, sentence=num_text + "万元", rule="r", qualifier="exact")


@pytest.mark.parametrize(("values", "expected"), [
    ([(-3, "-3")], "one source"), ([(-3, "-3"), (-3, "-3")], "agree"), ([(-3, "-3"), (-4, "-4")], "conflict"),
    ([(-3.2, "-3.2"), (-3.2, "-3.2")], "agree"), ([(2, "2"), (2, "2")], "agree"),
])
def test_negative_figures_agree_with_themselves(values, expected):
    """Equal negative figures (a balance of -3万元) are no conflict; different ones are."""
    group = [_claim(f"{k}.txt", value, text) for k, (value, text) in enumerate(values)]
    assert agreement(group) == expected
