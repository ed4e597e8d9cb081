"""Every example sentence of every rule file, and rule files that are wrong."""

from pathlib import Path

import pytest

from extractor.models import Document
from extractor.pipeline import Extractor, extract_document
from extractor.rules import RuleFileError, load_rules
from extractor.ruletests import check_example

RULES = Path(__file__).resolve().parent.parent / "rules"
EXTRACTOR = Extractor.load(RULES)
EXAMPLES = EXTRACTOR.ruleset.examples
STOP_EXAMPLES = EXTRACTOR.stoplist.examples


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{Path(e.file).stem}:{e.line}" for e in EXAMPLES])
def test_rule_example(example):
    failure = check_example(example, EXTRACTOR)
    assert failure is None, failure


def test_explain_tries_every_rule_and_gives_the_same_claims():
    """A run tries only the rules that take a numeral's kind and records nothing; explain tries
    them all and says why each failed. Both must give the same claims."""
    text = "\n".join(e.text for e in EXAMPLES) + "\n在全市40个部门中位列第一。为期三个月，查处问题24起34人。"
    fast = extract_document(Document("d", text), EXTRACTOR, year=2023)
    slow = extract_document(Document("d", text), EXTRACTOR, year=2023, keep_candidates=True)
    assert [c.row() for c in fast.claims] == [c.row() for c in slow.claims] and fast.claims
    assert fast.candidates == [] and all(c.attempts for c in slow.candidates)
    skipped = [a for c in slow.candidates for a in c.attempts if a.reason.startswith("numeral is ")]
    assert skipped and not any(a.matched for a in skipped)


@pytest.mark.parametrize("text", STOP_EXAMPLES)
def test_stoplist_example_gives_no_claim(text):
    from extractor.api import extract_text

    assert extract_text(text, RULES) == []


def test_enough_examples():
    positives = [e for e in EXAMPLES if e.claims]
    negatives = [e for e in EXAMPLES if not e.claims]
    assert len(EXAMPLES) + len(STOP_EXAMPLES) >= 150
    assert len(positives) >= 60 and len(negatives) + len(STOP_EXAMPLES) >= 40


def _family(tmp_path: Path, body: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "stoplist.yaml").write_text("phrases: {}\n", encoding="utf-8")
    (tmp_path / "f.yaml").write_text(body, encoding="utf-8")
    return tmp_path


GOOD = "family: f\ncategory: case\nunits: [起]\nsubjects: [案]\nrules:\n  - id: f.a\n    pattern: \"{subject}{number}{unit}\"\n"


def test_good_family_loads(tmp_path):
    assert [r.id for r in load_rules(_family(tmp_path, GOOD)).rules] == ["f.a"]


@pytest.mark.parametrize("body, line, words", [
    (GOOD + "  - id: f.b\n    pattern: a: b\n", 9, "YAML syntax error"),
    (GOOD.replace("    pattern", "    colour: red\n    pattern"), 6, "'colour' was unexpected"),
    (GOOD.replace("{unit}", "{unti}"), 6, "unknown placeholder {unti}"),
    (GOOD.replace("{number}", ""), 6, "exactly one {number}"),
    (GOOD + "  - id: f.a\n    pattern: \"{number}{unit}\"\n", 8, "duplicate rule id"),
    (GOOD + "  - id: f.c\n    regex: \"(?P<number>[\"\n", 8, "does not compile"),
    (GOOD.replace("category: case\n", ""), 1, "missing `category:`"),
])
def test_bad_rule_file_names_file_and_line(tmp_path, body, line, words):
    folder = _family(tmp_path, body)
    with pytest.raises(RuleFileError) as err:
        load_rules(folder)
    message = str(err.value)
    assert message.startswith(f"{folder / 'f.yaml'}:{line}:"), message
    assert words in message


# Every trap that shared/gold/GUIDELINES.md names as "not a claim" stands in a negative example.
GUIDELINE_TRAPS = (
    "四个意识 两个维护 一岗双责 八项规定 三会一课 三重一大 四风 一把手 第一责任人 第一种形态 六大纪律 "
    "最多跑一次 十三五 18字 一锅汤 杀一儆百 一锤定音 举一反三 一定 一些 一步 统一 翻开新的一页 "
    "冰冻三尺非一日之寒 动员千遍 金四清 一是 二要 （三） 两点意见 三个方面的意见 五个方面的工作 2021年度 "
    "为期一个月 过去的一年 十九届六中全会 五届二次全会 二十大 办发电 *同志 ｘ县 市**局"
).split()


@pytest.mark.parametrize("trap", GUIDELINE_TRAPS)
def test_every_guideline_trap_has_a_negative_example(trap):
    negatives = [e.text for e in EXAMPLES if not e.claims] + list(STOP_EXAMPLES)
    assert any(trap in text for text in negatives), trap


def test_a_failing_example_stops_check_rules_and_run_with_file_and_line(tmp_path, capsys):
    from extractor.cli import main

    folder = _family(tmp_path / "r", GOOD + "examples:\n  - text: 立案5起。\n    claims: []\n")
    assert main(["check-rules", str(folder)]) == 2
    assert f"{folder / 'f.yaml'}:9:" in capsys.readouterr().err
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("立案5起。", encoding="utf-8")
    assert main(["run", str(docs), "--rules", str(folder), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "f.yaml:9:" in capsys.readouterr().err
    assert not (tmp_path / "o" / "claims.csv").exists()


def test_a_run_checks_rule_files_once_until_they_or_the_code_change(tmp_path, monkeypatch):
    from extractor import ruletests

    folder = _family(tmp_path / "r", GOOD + "examples:\n  - text: 立案5起。\n    claims:\n      - {value: 5}\n")
    checks = []
    real = ruletests.require_examples_pass
    monkeypatch.setattr(ruletests, "require_examples_pass", lambda *a: checks.append(1) or real(*a))
    first = ruletests.checked_extractor(folder)
    second = ruletests.checked_extractor(folder)
    assert len(checks) == 1 and second.ruleset.table() == first.ruleset.table()
    assert second is not first and second.tables.totals == first.tables.totals   # read back whole
    assert [c.value for c in extract_document(Document("d", "立案5起。"), second).claims] == [5]
    (folder / "f.yaml").write_text(GOOD.replace("[案]", "[立案]"), encoding="utf-8")
    ruletests.checked_extractor(folder)
    assert len(checks) == 2
    monkeypatch.setattr(ruletests.sys, "version", "another interpreter")
    ruletests.checked_extractor(folder)
    assert len(checks) == 3
    for cached in (ruletests.cache_dir() / "rules").glob("*.pickle"):
        cached.write_bytes(b"not a pickle")
    ruletests.checked_extractor(folder)
    assert len(checks) == 4
    assert len(list((ruletests.cache_dir() / "rules").glob("*.pickle"))) >= 3
