"""Run the example sentences that rule files carry: each must give exactly its claims."""

from __future__ import annotations

import math
from pathlib import Path

from .models import Claim, Document
from .pipeline import Extractor, extract_document
from .rules import Example

COMPARED = ("value", "value_high", "unit", "category", "subject", "qualifier", "rank_of", "period")
EXAMPLE_YEAR = 2023   # 去年/今年 in examples are read as if spoken in this year


def check_example(example: Example, extractor: Extractor) -> str | None:
    """None when the example's sentence gives exactly its claims, else what differs."""
    got = extract_document(Document(doc="example", text=example.text), extractor, year=EXAMPLE_YEAR).claims
    expected = example.claims
    problems = []
    if len(got) != len(expected):
        problems.append(f"expected {len(expected)} claim(s), got {len(got)}")
    for i, (want, have) in enumerate(zip(expected, got, strict=False), start=1):
        for key in COMPARED:
            if key in want and not _same(want[key], getattr(have, key)):
                problems.append(f"claim {i} {key}: expected {want[key]!r}, got {getattr(have, key)!r}")
    if not problems:
        return None
    shown = "; ".join(_describe(c) for c in got) or "no claims"
    return f"{example.file}:{example.line}: {example.text}\n    " + "\n    ".join(problems) + f"\n    got: {shown}"


def _same(want: object, have: object) -> bool:
    if isinstance(want, (int, float)) and isinstance(have, (int, float)):
        return math.isclose(want, have, rel_tol=1e-6)
    return want == have


def _describe(claim: Claim) -> str:
    return f"{claim.num_text}→{claim.value} {claim.unit} [{claim.category}] {claim.subject} ({claim.rule})"


def run_examples(rules_dir: Path | list[Path] | None = None) -> tuple[list[str], int]:
    """(failure messages, number of examples) over every rule file and the stop-list."""
    extractor = Extractor.load(rules_dir)
    examples = list(extractor.ruleset.examples)
    examples += [Example(text, [], "stoplist.yaml", 0) for text in extractor.stoplist.examples]
    failures = [msg for ex in examples if (msg := check_example(ex, extractor))]
    return failures, len(examples)
