"""`extractor explain` names the rule behind every claim of the samples and the stop-list entry
behind a slogan."""

import json
from pathlib import Path

from extractor.cli import main
from extractor.explain import explain, explain_data
from extractor.models import Document
from extractor.pipeline import Extractor, extract_document
from extractor.reader import read_document

ROOT = Path(__file__).resolve().parent.parent
EXTRACTOR = Extractor.load(ROOT / "rules")


def test_every_sample_sentence_with_a_claim_names_its_rule():
    checked = 0
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        document = read_document(path, path.name)
        claims = extract_document(document, EXTRACTOR).claims
        for sentence in sorted({c.sentence for c in claims}):
            data = explain_data(sentence, EXTRACTOR)
            fired = {n["claim"]["rule"] for n in data["numerals"] if n["claim"]}
            expected = {c.rule for c in claims if c.sentence == sentence}
            assert expected <= fired, sentence
            tree = explain(sentence, [ROOT / "rules"])
            for rule in expected:
                assert f"rule {rule}" in tree
            checked += 1
    assert checked >= 15


def test_a_slogan_sentence_names_the_stoplist_entry():
    tree = explain("要牢固树立四个意识，认真落实一岗双责。", [ROOT / "rules"])
    assert "stop-list: 「四个意识」" in tree and "stop-list: 「一岗双责」" in tree
    assert "→ claim" not in tree


def test_explain_file_line_and_json(capsys):
    path = ROOT / "corpus" / "000_05f465e4d8422449.txt"
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if "人次" in text)
    assert main(["explain", "--file", str(path), "--line", str(line), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    claims = [n["claim"] for n in data["numerals"] if n["claim"]]
    assert claims and all(c["rule"] for c in claims)
    assert main(["explain", "--file", str(path), "--line", "99999"]) == 2


def test_explain_shows_why_a_numeral_was_dropped():
    data = explain_data("为期一个月的专项行动，共3个方面。", EXTRACTOR)
    reasons = [t["reason"] for n in data["numerals"] for t in n["tried"]]
    assert any("duration" in r for r in reasons)
    assert extract_document(Document("d", "为期一个月的专项行动。"), EXTRACTOR).claims == []


def test_a_dropped_ranking_field_says_why():
    from extractor.explain import explain

    tree = explain("在2023年度全市47个单位政治生态评估中，我局得分位居第5位。")
    assert "is the size of the field of a ranking" in tree and "rank_of 47" in tree


def test_explain_shows_how_the_cells_of_a_table_are_read():
    out = explain("单位：件\n项目\t2024年\t2023年\n立案\t12\t10", [ROOT / "rules"])
    assert "table 1 r 2 c 2 「12」 at 23-25: case 「立案」 12 件 (exact), period 2024" in out
    assert "table 1 r 2 c 3 「10」 at 26-28: case 「立案」 10 件 (exact), period 2023" in out


def test_explain_names_the_indicator_and_place():
    from extractor.explain import explain

    tree = explain("2024年，雁山县立案85件。")
    assert "indicator filed_cases, place 雁山县" in tree
