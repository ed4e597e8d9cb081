"""`extractor eval`: the scores agree with shared/tools/score.py; reports, workbook, command line."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from extractor.cli import main
from extractor.evaluate import (
    GOLD_COLUMNS,
    GoldError,
    Score,
    context_window,
    evaluate,
    predict,
    read_gold_csv,
    report_text,
    score,
)
from extractor.run import run

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = ROOT.parent / "shared" / "gold" / "seeds.csv"
SCORE_PY = ROOT.parent / "shared" / "tools" / "score.py"
needs_scorer = pytest.mark.skipif(not SCORE_PY.is_file(), reason="shared/tools/score.py not present")

DOC_A = "2021年，全系统党纪处分10人、政务处分2人，谈话诫勉30人次。违反工作纪律43起。风险点达89个，其中一级风险点9个。"
DOC_B = "共召开会议5次，占总数的70.9%。"
DOC_C = "全年处分干部12人。"


def official(gold: Path, pred: Path) -> dict:
    """The JSON of the real scorer."""
    out = subprocess.run([sys.executable, str(SCORE_PY), str(gold), str(pred), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def assert_agree(mine: Score, theirs: dict) -> None:
    for key in ("precision", "recall", "f1"):
        assert getattr(mine, key) == pytest.approx(theirs[key], abs=1e-3), key
    assert (mine.tp, mine.n_gold, mine.n_pred) == (theirs["tp"], theirs["n_gold"], theirs["n_pred"])
    assert mine.field_accuracy().keys() == theirs["fields"].keys()
    for name, acc in theirs["fields"].items():
        assert mine.field_accuracy()[name] == pytest.approx(acc, abs=1e-3), name


def write_gold(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, GOLD_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_pred_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["num_start"], r["num_end"] = int(r["num_start"]), int(r["num_end"])
    return rows


def find(rows: list[dict], doc: str, num_text: str) -> dict:
    """The predicted row of `doc` with this numeral; fails clearly if the rules no longer give it."""
    hits = [r for r in rows if r["doc"] == doc and r["num_text"] == num_text]
    assert hits, f"the extractor no longer claims {num_text} in {doc}"
    return hits[0]


def as_gold(pred: dict, **changes: str) -> dict:
    row = {name: pred.get(name, "") for name in GOLD_COLUMNS}
    row["required"] = "yes"
    row.update(changes)
    return row


# --- the sample corpus -------------------------------------------------------------------------


@needs_scorer
def test_sample_corpus_agrees_with_score_py(tmp_path, rules):
    if not SEEDS.is_file():
        pytest.skip("shared/gold/seeds.csv not present")
    run([CORPUS], rules, tmp_path / "out")
    pred_csv = tmp_path / "out" / "claims.csv"
    theirs = official(SEEDS, pred_csv)
    ev = evaluate(SEEDS, [CORPUS], rules)
    assert_agree(ev.score, theirs)
    assert_agree(score(read_gold_csv(SEEDS), read_pred_csv(pred_csv)), theirs)


# --- a small case with misses, extras, optional rows and wrong fields ---------------------------


@pytest.fixture
def small(tmp_path, rules) -> tuple[Path, Path]:
    """A corpus of three documents and a gold CSV built from the tool's own claims, then altered."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in (("a.txt", DOC_A), ("b.txt", DOC_B), ("c.txt", DOC_C)):
        (corpus / name).write_text(text, encoding="utf-8")
    pred, _, _ = predict([corpus], rules)
    gold = [
        as_gold(find(pred, "a.txt", "10")),                                    # right
        as_gold(find(pred, "a.txt", "2"), value="3", unit="名"),                # value and unit wrong
        as_gold(find(pred, "a.txt", "43"), required="optional"),                # neutral
        as_gold(find(pred, "a.txt", "89"), category=""),                        # category not compared
        as_gold(find(pred, "a.txt", "9"), required=""),                         # not 'yes': neutral, as score.py
        {"doc": "a.txt", "num_start": 0, "num_end": 4, "num_text": "2021", "category": "discipline",
         "value": "2021", "unit": "人", "required": "yes"},                    # missed
        as_gold(find(pred, "b.txt", "5"), period="2020"),                       # period wrong
        as_gold(find(pred, "b.txt", "70.9"), period=""),                        # right, period not compared
        {"doc": "b.txt", "num_start": 1, "num_end": 2, "num_text": "开", "category": "activity",
         "value": "1", "required": "optional"},                               # optional, not found: neutral
        {"doc": "b.txt", "num_start": 11, "num_end": 12, "num_text": "的", "category": "share",
         "value": "1", "required": "yes"},                                    # missed
        {"doc": "gone.txt", "num_start": 0, "num_end": 1, "num_text": "1", "category": "case",
         "value": "1", "required": "yes"},                                    # document not in the input
    ]
    # a.txt 30 is left out of the gold (an extra); c.txt has no gold (not scored)
    return corpus, write_gold(tmp_path / "gold.csv", gold)


def test_small_case_scores(small, rules):
    corpus, gold = small
    ev = evaluate(gold, [corpus], rules)
    s = ev.score
    assert (s.tp, s.n_gold, s.n_pred) == (5, 8, 6)
    assert s.precision == pytest.approx(5 / 6) and s.recall == pytest.approx(5 / 8)
    assert s.field["value"] == [4, 5] and s.field["unit"] == [4, 5]
    assert s.field["category"] == [4, 4] and s.field["period"] == [3, 4]
    assert [p["num_text"] for p in s.fp] == ["30"]
    assert sorted(g["num_text"] for g in s.fn) == ["1", "2021", "的"]
    assert sorted(name for name, _, _ in s.wrong) == ["period", "unit", "value"]
    disc = s.categories["discipline"]
    assert (disc.gold, disc.found, disc.predicted, disc.correct) == (3, 2, 3, 2)
    assert any("gone.txt" in w for w in ev.warnings)
    assert [w for w in ev.warnings if "num_text" in w] == ["b.txt:1-2: gold num_text '开' but the text there is '召'"]


@needs_scorer
def test_small_case_agrees_with_score_py(small, rules, tmp_path):
    corpus, gold = small
    run([corpus], rules, tmp_path / "out")
    pred_csv = tmp_path / "out" / "claims.csv"
    theirs = official(gold, pred_csv)
    assert_agree(evaluate(gold, [corpus], rules).score, theirs)
    assert_agree(score(read_gold_csv(gold), read_pred_csv(pred_csv)), theirs)


def test_report_and_workbook(small, rules, tmp_path):
    corpus, gold = small
    ev = evaluate(gold, [corpus], rules)
    text = report_text(ev, show=10)
    assert "precision 0.833  recall 0.625" in text
    assert "谈话诫勉【30】人次" in text and "per category" in text and "wrong fields: 3" in text
    out = tmp_path / "eval.xlsx"
    assert main(["eval", str(gold), str(corpus), "--rules", str(rules), "--xlsx", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["scores", "misses", "extras", "wrong_fields"]
    extras = list(wb["extras"].iter_rows(values_only=True))
    header = extras[0]
    assert len(extras) == 2 and "【30】" in extras[1][header.index("context")]
    assert len(list(wb["misses"].iter_rows())) == 4
    wrong = list(wb["wrong_fields"].iter_rows(values_only=True))
    fields = {r[wrong[0].index("field")]: (r[wrong[0].index("gold")], r[wrong[0].index("predicted")]) for r in wrong[1:]}
    assert fields["unit"] == ("名", "人") and fields["period"] == ("2020", None)


def test_cli_json_and_errors(small, rules, tmp_path, capsys):
    corpus, gold = small
    def call(*argv: str) -> int:
        return main(["eval", *argv])

    assert call(str(gold), str(corpus), "--rules", str(rules), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tp"] == 5 and data["fields"]["period"] == pytest.approx(0.75)
    assert data["categories"]["discipline"]["recall"] == pytest.approx(2 / 3)
    assert call(str(gold), str(tmp_path / "nowhere")) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("doc,num_start,num_end\na.txt,x,2\n", encoding="utf-8")
    assert call(str(bad), str(corpus), "--rules", str(rules)) == 2
    assert "bad.csv:2: num_start" in capsys.readouterr().err


def test_gold_error_names_the_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("doc,num_start,num_end\na.txt,1,2\na.txt,3,\n", encoding="utf-8")
    with pytest.raises(GoldError, match=r"bad.csv:3: num_end"):
        read_gold_csv(bad)


def test_context_window():
    assert context_window("一二三\n四五六七", 4, 5, width=2) == ("三⏎【四】五六", 3, 4)
    assert context_window(None, 0, 1) == ("", 0, 0)
