"""`extractor annotate` writes a gold sheet to mark; `eval` reads the marked sheet back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import write_docs

from extractor.annotate import ANNOTATE_COLUMNS, read_annotated
from extractor.cli import main
from extractor.evaluate import GOLD_COLUMNS, GoldError, evaluate
from extractor.run import run
from extractor.writers import Sheet, write_csv, write_workbook

ROOT = Path(__file__).resolve().parent.parent
SCORE_PY = ROOT.parent / "shared" / "tools" / "score.py"

DOC_A = ("2021年，全系统党纪处分10人、政务处分2人，谈话诫勉30人次。违反工作纪律43起。"
         "风险点达89个，其中一级风险点9个。开展为期一个月的专项行动。")
DOC_B = "全年处分干部12人。"


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_docs(tmp_path / "corpus", {"a.txt": DOC_A, "b.txt": DOC_B})


def cli(*argv: str) -> int:
    return main(list(argv))


def sheet_rows(ws) -> tuple[dict[str, int], list[list]]:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return {name: i for i, name in enumerate(rows[0])}, rows[1:]


@pytest.fixture
def annotated(tmp_path, corpus, rules) -> Path:
    out = tmp_path / "gold.xlsx"
    assert cli("annotate", str(corpus), "--out", str(out), "--rules", str(rules)) == 0
    return out


def test_sheet_layout(annotated):
    wb = openpyxl.load_workbook(annotated)
    assert wb.sheetnames == ["gold", "how_to"]
    col, rows = sheet_rows(wb["gold"])
    assert list(col) == ANNOTATE_COLUMNS and set(GOLD_COLUMNS) <= set(col)
    a_rows = [r for r in rows if r[col["doc"]] == "a.txt"]
    assert [r[col["num_start"]] for r in a_rows] == sorted(r[col["num_start"]] for r in a_rows)
    assert "2021" not in [r[col["num_text"]] for r in rows]                   # years are left out
    assert all(r[col["status"]] is None for r in rows)
    by_text = {r[col["num_text"]]: r for r in a_rows}
    claim, numeral = by_text["10"], by_text["一"]
    assert claim[col["tool"]] == "claim" and claim[col["category"]] == "discipline" and claim[col["rule"]]
    assert numeral[col["tool"]] == "numeral" and numeral[col["category"]] is None
    assert numeral[col["value"]] == 1 and numeral[col["num_start"]] == DOC_A.index("一个月")
    assert "【一】" in numeral[col["context"]] and numeral[col["sentence"]] == "开展为期一个月的专项行动。"
    topics = [r[0] for r in wb["how_to"].iter_rows(values_only=True)]
    assert {"status correct", "status wrong", "status missing"} <= set(topics)


def mark(path: Path) -> None:
    """Review a.txt (one row left unmarked), leave b.txt alone, add a missing row."""
    wb = openpyxl.load_workbook(path)
    ws = wb["gold"]
    col, rows = sheet_rows(ws)
    marks = {"10": ("correct", {}), "2": ("correct", {"unit": "名"}), "30": ("wrong", {}),
             "43": ("correct", {"required": "optional"}), "89": ("Correct ", {}),
             "一": ("missing", {"category": "activity", "unit": "个"})}          # "9" stays unmarked
    for excel_row, row in enumerate(rows, start=2):
        if row[col["doc"]] != "a.txt" or row[col["num_text"]] not in marks:
            continue
        status, edits = marks[row[col["num_text"]]]
        ws.cell(excel_row, col["status"] + 1, status)
        for name, value in edits.items():
            ws.cell(excel_row, col[name] + 1, value)
    added = {"status": "missing", "doc": "a.txt", "num_start": 0, "num_text": "2021", "category": "discipline",
             "value": 2021, "unit": "人"}
    ws.append([added.get(name) for name in col])
    wb.save(path)


def test_marked_sheet_is_read_as_gold(annotated):
    mark(annotated)
    gold = read_annotated(annotated)
    assert gold.docs == {"a.txt"}
    by_text = {g["num_text"]: g for g in gold.rows}
    assert set(by_text) == {"10", "2", "43", "89", "一", "2021"}
    assert by_text["43"]["required"] == "optional" and by_text["10"]["required"] == "yes"
    assert by_text["2021"]["num_end"] == 4 and by_text["2"]["unit"] == "名"
    assert any("1 rows not marked in reviewed documents" in w for w in gold.warnings)
    assert any("1 documents with no row marked are not scored: b.txt" in w for w in gold.warnings)


def test_eval_of_marked_sheet(annotated, corpus, rules, capsys):
    mark(annotated)
    ev = evaluate(annotated, [corpus], rules)
    s = ev.score
    # required gold: 10, 2, 89, 一, 2021; predictions in a.txt: 10, 2, 30 (wrong), 43 (optional), 89, 9 (unmarked)
    assert (s.tp, s.n_gold, s.n_pred) == (3, 5, 5)
    assert s.precision == pytest.approx(0.6) and s.recall == pytest.approx(0.6)
    assert s.field["unit"] == [2, 3] and s.field["value"] == [3, 3]
    assert sorted(p["num_text"] for p in s.fp) == ["30", "9"]
    assert sorted(g["num_text"] for g in s.fn) == ["2021", "一"]
    assert not [w for w in ev.warnings if "num_text" in w]                   # offsets of every row hold
    assert cli("eval", str(annotated), str(corpus), "--rules", str(rules)) == 0
    assert "precision 0.600  recall 0.600" in capsys.readouterr().out


@pytest.mark.skipif(not SCORE_PY.is_file(), reason="shared/tools/score.py not present")
def test_marked_sheet_scores_as_score_py_on_the_same_gold(annotated, corpus, rules, tmp_path):
    mark(annotated)
    gold_csv = tmp_path / "gold.csv"
    write_csv(gold_csv, read_annotated(annotated).rows, GOLD_COLUMNS)
    run([corpus], rules, tmp_path / "out")
    out = subprocess.run([sys.executable, str(SCORE_PY), str(gold_csv), str(tmp_path / "out" / "claims.csv"),
                          "--json"], capture_output=True, text=True, check=True)
    theirs = json.loads(out.stdout)
    s = evaluate(annotated, [corpus], rules).score
    assert (s.tp, s.n_gold, s.n_pred) == (theirs["tp"], theirs["n_gold"], theirs["n_pred"])
    assert s.f1 == pytest.approx(theirs["f1"], abs=1e-3)
    assert s.field_accuracy() == pytest.approx(theirs["fields"], abs=1e-3)


def test_unknown_status_is_an_error(annotated, corpus, rules, capsys):
    wb = openpyxl.load_workbook(annotated)
    wb["gold"].cell(2, 1, "yes?")
    wb.save(annotated)
    with pytest.raises(GoldError, match=r"gold.xlsx:2: status 'yes\?'"):
        read_annotated(annotated)
    assert cli("eval", str(annotated), str(corpus), "--rules", str(rules)) == 2
    assert "status" in capsys.readouterr().err


def test_plain_gold_table_in_xlsx(tmp_path):
    path = tmp_path / "plain.xlsx"
    rows = [{"doc": "corpus/a.txt", "num_start": 13, "num_end": 15, "num_text": "10", "value": 10, "required": None}]
    write_workbook(path, [Sheet("gold", GOLD_COLUMNS, rows)])
    gold = read_annotated(path)
    assert gold.docs == {"a.txt"}
    assert gold.rows[0]["doc"] == "a.txt" and gold.rows[0]["required"] == "yes" and gold.rows[0]["value"] == "10"


def test_annotate_does_not_overwrite(annotated, corpus, capsys):
    before = annotated.read_bytes()
    assert cli("annotate", str(corpus), "--out", str(annotated)) == 2
    assert "--force" in capsys.readouterr().err and annotated.read_bytes() == before
