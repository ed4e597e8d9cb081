"""Fault injection (issue 11): every hostile input or failing output gives one clear line and an
exit status (0, 2 or 3), never a traceback; the other documents' claims are still written, and
the outputs of an earlier run stay as they were when a run fails. Every input is generated here."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import write_docs

from extractor.cli import main

GOOD = "2023年，全县纪检监察机关处置问题线索126件，给予党纪政务处分39人。\n"


def _run(capsys, inputs: list[Path], out: Path, rules: Path, *extra: str) -> tuple[int, str]:
    """`extractor run` in this process: (exit status, stderr)."""
    capsys.readouterr()
    status = main(["run", *map(str, inputs), "--out", str(out), "--rules", str(rules), "--quiet",
                   "--jobs", "1", *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err


def _claims(out: Path) -> list[dict]:
    with open(out / "claims.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_figure_recurring_in_long_sentences(tmp_path, rules, capsys):
    """Checks quote a few sentences, not every one: no field past csv's limit, tooltips bounded."""
    filler = "，".join(f"围绕第{i}项重点任务开展专项监督检查" for i in range(20))
    text = "".join(f"第{i}次会议{filler}，全镇党纪处分{10 + i % 2}人。\n" for i in range(400))
    docs = write_docs(tmp_path / "docs", {"long.txt": text, "ok.txt": GOOD})
    status, err = _run(capsys, [docs], tmp_path / "out", rules)
    assert status == 0, err
    claims = _claims(tmp_path / "out")
    assert sum(c["subject"] == "全镇党纪处分" for c in claims) == 400
    with open(tmp_path / "out" / "checks.csv", encoding="utf-8-sig", newline="") as fh:
        check = next(c for c in csv.DictReader(fh) if c["kind"] == "same_figure")
    assert check["status"] == "conflict"
    assert len(check["sentence"]) < 6 * len(filler) and "另有395句" in check["sentence"]
    assert "10（200处）、11（200处）" in check["message"]
    assert (tmp_path / "out" / "report.html").stat().st_size < 10 * len(text.encode())
