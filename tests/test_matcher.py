"""The matcher's shortcuts give the claims the plain reading gives."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

import extractor.matcher as matcher
from extractor.models import Document
from extractor.pipeline import Extractor, extract_document

TEXT = ("2025年以来，青禾县纪委监委共受理信访举报312件次，其中检举控告类96件次；立案审查调查87件，"
        "较上年同期的64件增长35.9%，处分党员干部79人，其中乡科级干部14人、一般干部65人；"
        "在全市11个县区中位列第二。力争明年办结率达到100%。为期3个月的专项整治查处问题21起34人。\n")


@pytest.fixture(scope="module")
def loaded(rules) -> Extractor:
    return Extractor.load(rules)


def _rows(extractor: Extractor, text: str = TEXT) -> list[dict]:
    return [dataclasses.asdict(c) for c in extract_document(Document("t", text), extractor).claims]


def test_the_table_of_fitting_rules_forgets_and_refills_without_changing_a_claim(loaded, monkeypatch):
    expected = _rows(loaded)
    assert len(expected) >= 8
    monkeypatch.setattr(matcher, "_MAX_FITS", 1)             # cleared at every new combination of fits
    for test in loaded.matcher._right_tests.values():
        test[2].clear()
    assert _rows(loaded) == expected
    assert all(len(test[2]) <= 1 for test in loaded.matcher._right_tests.values())


def test_a_matcher_sent_to_a_worker_reads_the_groups_of_its_rules(loaded):
    """The groups a rule's claim reads are keyed by pattern text, which a pickled copy keeps (its
    rules are new objects)."""
    _rows(loaded)                                            # tables filled before pickling too
    copy = dataclasses.replace(loaded, matcher=pickle.loads(pickle.dumps(loaded.matcher)))
    assert _rows(copy) == _rows(loaded)
    assert _rows(copy, TEXT.replace("青禾县", "白沙镇")) == _rows(loaded, TEXT.replace("青禾县", "白沙镇"))


@pytest.mark.parametrize("text", [
    TEXT,
    "去年以來，澄江縣紀委監委共處分黨員幹部58人，其中「一把手」7人；通報曝光典型問題個(gè)案件23起。\n",
    "（2024年）全區共查處《違規吃喝》問題31起，處理（chǔ）45人、“四風”問題 12 起。\n",
])
def test_a_claims_simplified_subject_is_its_subject_simplified(loaded, text):
    from extractor.script import to_simplified
    claims = extract_document(Document("t", text), loaded).claims
    assert claims
    assert all(c.subject_simplified == to_simplified(c.subject) for c in claims)
