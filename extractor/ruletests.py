"""Run the example sentences that rule files carry: each must give exactly its claims."""

from __future__ import annotations

import math
from pathlib import Path

from .models import Claim, Document
from .pipeline import Extractor, extract_document, rules_folders
from .rules import Example, RuleFileError

COMPARED = ("value", "value_high", "unit", "category", "subject", "qualifier", "rank_of", "period", "scope", "source")
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


def failing_examples(extractor: Extractor, within: Path | None = None) -> tuple[list[str], int]:
    """(failure messages, number of examples) of the rule files, the stop-list, the table words and
    the indicators of `extractor`; only the examples of files in folder `within`, if given."""
    examples = list(extractor.ruleset.examples) + list(extractor.tables.examples)
    examples += [Example(text, [], str(extractor.stoplist.path or "stoplist.yaml"), 0)
                 for text in extractor.stoplist.examples]
    if within is not None:
        examples = [e for e in examples if Path(e.file).resolve().parent == within.resolve()]
    failures = [msg for ex in examples if (msg := check_example(ex, extractor))]
    vocabulary = extractor.indicators
    if vocabulary.path and (within is None or Path(vocabulary.path).resolve().parent == within.resolve()):
        more, count = vocabulary.example_failures()          # indicators.yaml: its example subjects
        return failures + more, len(examples) + count
    return failures, len(examples)


def folder_failures(folders: list[Path], extractor: Extractor | None = None) -> tuple[list[str], int]:
    """Failures of each folder's examples under the rules of that folder and the ones before it.

    A later folder may change what earlier examples give (a new `petition` family takes the
    petitions the shipped `case` examples count), so each folder answers for its own examples.
    """
    failures: list[str] = []
    total = 0
    for k, folder in enumerate(folders):
        last = k == len(folders) - 1
        rules = extractor if last and extractor is not None else Extractor.load(folders[:k + 1])
        found, count = failing_examples(rules, folder if len(folders) > 1 else None)
        failures += found
        total += count
    return failures, total


def run_examples(rules_dir: Path | list[Path] | None = None) -> tuple[list[str], int]:
    """(failure messages, number of examples) over every rule folder and its stop-list."""
    return folder_failures(rules_folders(rules_dir))


def require_examples_pass(extractor: Extractor, folders: list[Path]) -> None:
    """Raise RuleFileError naming file:line of every example that fails (a run checks this first)."""
    failures, _ = folder_failures(folders, extractor)
    if failures:
        raise RuleFileError(f"{len(failures)} rule example(s) fail; fix the rule or the example:\n"
                            + "\n".join(failures))
