"""End to end over corpus/: offsets are sacred, CSV and XLSX agree, the CLI behaves."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from extractor.cli import main
from extractor.models import CLAIM_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    assert main(["run", str(CORPUS), "--rules", str(ROOT / "rules"), "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def claims(outputs):
    return pd.read_csv(outputs / "claims.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_csv_has_bom_and_columns(outputs, claims):
    assert (outputs / "claims.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(claims.columns[:len(CLAIM_COLUMNS)]) == CLAIM_COLUMNS
    assert len(claims) > 20


def test_offsets_hold_for_every_row(claims):
    texts = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    for row in claims.itertuples():
        text = texts[row.doc]
        assert text[int(row.num_start):int(row.num_end)] == row.num_text
        assert text[int(row.claim_start):int(row.claim_end)] == row.claim_text
        assert row.num_text in row.claim_text and row.claim_text in row.sentence


def test_integers_have_no_decimal_point(claims):
    assert not claims["value"].str.endswith(".0").any()
    assert not claims["period"].str.endswith(".0").any()


def test_xlsx_holds_the_same_rows(outputs, claims):
    wb = openpyxl.load_workbook(outputs / "claims.xlsx", read_only=True)
    assert {"claims", "documents", "rules"} <= set(wb.sheetnames)
    rows = list(wb["claims"].iter_rows(values_only=True))
    assert list(rows[0][:len(CLAIM_COLUMNS)]) == CLAIM_COLUMNS
    assert len(rows) - 1 == len(claims)
    for xrow, crow in zip(rows[1:], claims.itertuples(index=False), strict=True):
        assert str(xrow[CLAIM_COLUMNS.index("num_text")]) == crow.num_text
        assert xrow[CLAIM_COLUMNS.index("num_start")] == int(crow.num_start)


def test_unreadable_file_is_named_and_the_rest_written(tmp_path, capsys):
    (tmp_path / "good.txt").write_text("全年处分干部12人。", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path), "--out", str(out), "--rules", str(ROOT / "rules"), "--quiet"]) == 3
    assert "empty.txt" in capsys.readouterr().err
    rows = pd.read_csv(out / "claims.csv", encoding="utf-8-sig")
    assert rows["value"].tolist() == [12]


def test_bad_rules_folder_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text("family: [\n", encoding="utf-8")
    assert main(["run", str(CORPUS), "--rules", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "bad.yaml:" in capsys.readouterr().err


def test_no_blind_text_conversion_anywhere():
    for path in (ROOT / "extractor").glob("*.py"):
        assert "transform(" not in path.read_text(encoding="utf-8"), path


def test_checks_csv_and_checks_sheet_hold_the_same_rows(outputs):
    checks = pd.read_csv(outputs / "checks.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    sheet = list(openpyxl.load_workbook(outputs / "claims.xlsx", read_only=True)["checks"].iter_rows(values_only=True))
    assert list(sheet[0]) == list(checks.columns)
    assert len(sheet) - 1 == len(checks) > 0
    for xrow, crow in zip(sheet[1:], checks.itertuples(index=False), strict=True):
        assert [("" if v is None else str(v)) for v in xrow[:6]] == list(crow[:6])


def test_sample_audit_has_no_false_alarm(claims, outputs):
    checks = pd.read_csv(outputs / "checks.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert set(checks["status"]) <= {"ok", "partial"}
    assert "partial" in set(checks["status"]) and "ok" in set(checks["status"])
