"""Run the example sentences that rule files carry: each must give exactly its claims.

A run checks the rule files (schema, examples) before it reads any document, unless these very
files already passed with this very code: their compiled rules are then kept in the cache folder
(`$EXTRACTOR_CACHE`, else `$XDG_CACHE_HOME/cn-stat-extractor`, else `~/.cache/cn-stat-extractor`)
under the hash of both, and read back.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import sys
from pathlib import Path

from .models import Claim, Document
from .pipeline import Extractor, extract_document, rules_folders
from .rules import SCHEMA_FILE, Example, RuleFileError, installed_rules_dir

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


def checked_extractor(rules_dir: Path | list[Path] | None) -> Extractor:
    """The Extractor of a run: rule files valid against the schema and every example passing.

    When these rule files passed both checks before with this code, the Extractor compiled then
    (rules, stop-list, table words, indicators) is read back from the cache folder (pickled, named
    by that hash): no YAML is read and neither check runs again.
    """
    folders = rules_folders(rules_dir)
    cached = _cache_file(folders)
    if cached is not None and cached.is_file():
        try:
            extractor = pickle.loads(cached.read_bytes())
        except Exception:                   # a damaged or foreign file: check and compile anew
            pass
        else:
            if isinstance(extractor, Extractor):
                return extractor
    extractor = Extractor.load(rules_dir)
    compiled = pickle.dumps(extractor)      # as loaded, before the examples leave caches in it
    require_examples_pass(extractor, folders)
    if cached is not None:
        _write(cached, compiled)
    return extractor


def cache_dir() -> Path:
    """Where the compiled rules of checked rule files are kept."""
    if os.environ.get("EXTRACTOR_CACHE"):
        return Path(os.environ["EXTRACTOR_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cn-stat-extractor"


def _cache_file(folders: list[Path]) -> Path | None:
    """The cache file of these rule folders under this code: named by a hash of every rule file
    (its path as given and resolved, its bytes), the schema, the package's source and the Python
    version; None when a file cannot be read."""
    digest = hashlib.sha256(sys.version.encode())
    package = Path(__file__).resolve().parent
    files = [*(path for folder in folders for path in sorted(Path(folder).glob("*.yaml"))),
             installed_rules_dir() / SCHEMA_FILE, *sorted(package.glob("*.py"))]
    try:
        for path in files:
            digest.update(f"{path}\0{path.resolve()}\0".encode() + path.read_bytes() + b"\0")
    except OSError:
        return None
    return cache_dir() / "rules" / f"{digest.hexdigest()}.pickle"


def _write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file (never half a file); a cache folder that
    cannot be written is no error: the checks then run every time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f"{path.name}.{os.getpid()}.part")
        part.write_bytes(data)
        os.replace(part, path)
    except OSError:
        pass
