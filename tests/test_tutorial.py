"""rules/README.md's tutorial, followed literally: its YAML blocks are written to a folder of
one's own, which extends the shipped rules without touching them."""

import re
from pathlib import Path

from extractor.cli import main
from extractor.pipeline import Extractor
from extractor.ruletests import run_examples

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```yaml\n# file: (?P<name>\S+)\n(?P<body>.*?)```", re.S)


def _write_tutorial_files(base: Path) -> Path:
    blocks = list(BLOCK.finditer(README))
    assert [b["name"] for b in blocks] == ["my_rules/discipline.yaml", "my_rules/petition.yaml"]
    for block in blocks:
        target = base / block["name"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block["body"], encoding="utf-8")
    return base / "my_rules"


def test_tutorial_examples_pass_with_both_folders(tmp_path):
    mine = _write_tutorial_files(tmp_path)
    failures, total = run_examples([ROOT / "rules", mine])
    assert total > 200 and failures == []
    # the shipped examples hold under the shipped rules; under both folders petitions are no
    # longer filed as cases — each folder answers for its own examples
    from extractor.ruletests import failing_examples

    changed, _ = failing_examples(Extractor.load([ROOT / "rules", mine]), ROOT / "rules")
    assert changed and all("category: expected 'case', got 'petition'" in f for f in changed)


def test_tutorial_extends_families_and_adds_petition(tmp_path):
    mine = _write_tutorial_files(tmp_path)
    extractor = Extractor.load([ROOT / "rules", mine])
    families = {r.family for r in extractor.ruleset.rules}
    assert "petition" in families
    shipped = Extractor.load(ROOT / "rules")
    assert len(extractor.ruleset.examples) == len(shipped.ruleset.examples) + 4


def test_run_finds_the_new_family(tmp_path, capsys):
    mine = _write_tutorial_files(tmp_path)
    docs = tmp_path / "my_docs"
    docs.mkdir()
    (docs / "report.txt").write_text("2023年，全县共受理信访举报2,045件次，其中重复件150件次。全年留置6人。",
                                     encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", str(docs), "--rules", str(ROOT / "rules"), "--rules", str(mine), "--out", str(out), "--quiet"]
    assert main(args) == 0
    text = (out / "claims.csv").read_text(encoding="utf-8-sig")
    assert text.count(",petition,") == 2 and ",discipline,留置,6," in text
    assert main(["run", str(docs), "--rules", str(ROOT / "rules"), "--out", str(tmp_path / "o2"), "--quiet"]) == 0
    assert ",petition," not in (tmp_path / "o2" / "claims.csv").read_text(encoding="utf-8-sig")


def test_explain_names_the_rule(tmp_path, capsys):
    mine = _write_tutorial_files(tmp_path)
    assert main(["explain", "接待群众来访37批次。", "--rules", str(ROOT / "rules"), "--rules", str(mine)]) == 0
    assert "→ claim: petition" in capsys.readouterr().out
