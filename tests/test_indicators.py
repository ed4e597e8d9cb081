"""Tests for extractor.indicators and rules/indicators.yaml: every example subject, places, errors."""

from pathlib import Path

import pytest

from extractor import extract_text
from extractor.indicators import Indicators, header_place
from extractor.rules import RuleFileError
from extractor.script import to_simplified

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = Indicators.load([ROOT / "rules"])
CASES = [(item, subject, True) for item in VOCABULARY.items for subject in item.must] + \
        [(item, subject, False) for item in VOCABULARY.items for subject in item.must_not]


def test_the_vocabulary_is_large_and_each_id_is_unique():
    ids = [item.id for item in VOCABULARY.items]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    assert all(item.must and item.must_not for item in VOCABULARY.items)


def test_every_indicator_has_synonyms_in_both_scripts():
    import opencc

    to_traditional = opencc.OpenCC("s2t").convert
    for item in VOCABULARY.items:
        simple = [s for s in item.synonyms if to_simplified(s) == s]
        assert simple, item.id
        if any(to_traditional(s) != s for s in simple):       # not written alike in both scripts
            assert any(to_simplified(s) != s for s in item.synonyms), item.id


def test_every_example_maps_alike_in_traditional_script():
    import opencc

    to_traditional = opencc.OpenCC("s2t").convert
    for item, subject, _ in CASES:
        unit = item.units[0]
        assert VOCABULARY.of(to_traditional(subject), unit) == VOCABULARY.of(subject, unit), subject


@pytest.mark.parametrize(("item", "subject", "must"), CASES,
                         ids=[f"{i.id}:{'+' if m else '-'}{s}" for i, s, m in CASES])
def test_example_subjects(item, subject, must):
    assert VOCABULARY.example_problem(item, subject, must) is None


def test_a_failing_example_is_named_with_its_line(tmp_path):
    (tmp_path / "indicators.yaml").write_text("units: {人: [人]}\nindicators:\n  - id: x\n    name: X\n    unit: 人\n"
                                              "    synonyms: [处分]\n    must: [留置]\n", encoding="utf-8")
    problems, count = Indicators.load([tmp_path]).example_failures()
    assert count == 1 and problems == [f"{tmp_path / 'indicators.yaml'}:3: 留置（人）must take x, takes none"]


def test_the_unit_decides_between_cases_and_people():
    assert VOCABULARY.of("立案", "件") == "filed_cases"
    assert VOCABULARY.of("立案", "人") == "filed_people"
    assert VOCABULARY.of("立案", "方阵") == ""


def test_a_breakdown_takes_its_measure_from_the_total_or_the_sentence_else_none():
    assert VOCABULARY.of("县处级干部", "人", parent="sanctioned") == "sanctioned.county"
    assert VOCABULARY.of("县处级干部", "人", before="处分厅局级干部2人，县处级干部") == "sanctioned.county"
    assert VOCABULARY.of("县处级干部", "人") == ""


def test_a_generic_measure_takes_the_narrower_one_named_before_unless_it_is_a_list_item():
    assert [c.indicator for c in extract_text("今年以来，全县查处违反中央八项规定精神问题31起，处理44人。")] == [
        "eight_rules_problems", "eight_rules_people"]
    assert [c.indicator for c in extract_text("全年共受党纪处分12人、处理党员干部9人。")] == [
        "party_sanctioned", "handled_people"]


def test_claims_carry_indicator_and_place_in_both_scripts():
    simple = extract_text("2024年，雁山县纪委监委共立案85件，处分72人，其中县处级干部3人。")
    trad = extract_text("2024年，雁山縣紀委監委共立案85件，處分72人，其中縣處級幹部3人。")
    for claims in (simple, trad):
        assert [(c.value, c.indicator, c.place) for c in claims] == [
            (85, "filed_cases", "雁山县"), (72, "sanctioned", "雁山县"), (3, "sanctioned.county", "雁山县")]


def test_a_whole_scope_takes_the_place_of_the_header_of_its_level():
    text = "柳河县纪委监委通报\n今年以来，全县查处违反中央八项规定精神问题17起。\n全省共立案900件。"
    claims = extract_text(text)
    assert header_place(text) == "柳河县"
    assert [(c.indicator, c.place) for c in claims] == [("eight_rules_problems", "柳河县"), ("filed_cases", "全省")]



@pytest.mark.parametrize(("text", "place"), [
    ("槐荫县纪委监委通报立案12件", "槐荫县"), ("槐蔭縣紀委監委通報立案12件", "槐荫县"),     # one line, both scripts
    ("全年立案12件，处分9人", ""), ("", ""),
    ("通报\n立案12件\n处分9人\n槐荫县纪委监委", ""),        # a name after the header's three lines
    ("通报\n\n槐荫县纪委监委\n立案12件", "槐荫县")])
def test_the_header_place_is_read_from_the_first_three_lines(text, place):
    assert header_place(text) == place

def test_no_indicator_is_guessed():
    claims = extract_text("全年组织开展主题党日活动12次。")
    assert [c.indicator for c in claims] == [""]


def test_a_bad_indicators_file_is_named_with_its_line(tmp_path):
    (tmp_path / "indicators.yaml").write_text("units: {人: [人]}\nindicators:\n  - id: x\n    name: X\n    unit: 件\n"
                                              "    synonyms: [处分]\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"indicators.yaml:3: unit family '件'"):
        Indicators.load([tmp_path])


def test_place_names_are_found_where_the_full_scan_finds_them():
    """_place_matches tries the place patterns only near level characters: the same matches as
    finditer over every position (random texts of place-like characters)."""
    import random

    from extractor.indicators import _LOOSE, _NAMED, _place_matches

    rng = random.Random(7)
    alphabet = "青石县自治州市区乡镇纪委监委全年今0，、 省盟旗松岭朝鲜族"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for pattern in (_NAMED, _LOOSE):
            assert [m.span() for m in _place_matches(pattern, text)] == [m.span() for m in pattern.finditer(text)]
