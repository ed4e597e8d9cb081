"""Python API: `extract_text(text) -> list[Claim]` and `extract(paths) -> pandas.DataFrame`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .models import CLAIM_COLUMNS, Claim, Document
from .pipeline import Extractor, extract_document


@lru_cache(maxsize=8)
def _extractor(rules_dirs: tuple[str, ...]) -> Extractor:
    return Extractor.load([Path(d) for d in rules_dirs] or None)


def _key(rules_dir: str | Path | list | None) -> tuple[str, ...]:
    if not rules_dir:
        return ()
    if isinstance(rules_dir, (str, Path)):
        return (str(rules_dir),)
    return tuple(str(d) for d in rules_dir)


def extract_text(text: str, rules_dir: str | Path | list | None = None, year: int | None = None,
                 doc: str = "<text>") -> list[Claim]:
    """Claims of one text (rules compiled once and cached per rules folder)."""
    extractor = _extractor(_key(rules_dir))
    return extract_document(Document(doc=doc, text=text), extractor, year=year).claims


def extract(paths: list[str | Path] | str | Path, rules_dir: str | Path | list | None = None,
            year: int | None = None):
    """Claims of every document under `paths`, one row per claim (columns of claims.csv);
    FileNotFoundError when a path does not exist (unreadable files are skipped)."""
    import pandas as pd

    from .run import RunSummary, iter_results

    if isinstance(paths, (str, Path)):
        paths = [paths]
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"no such input: {', '.join(missing)}")
    extractor = _extractor(_key(rules_dir))
    summary = RunSummary()
    results = iter_results([Path(p) for p in paths], extractor, year, summary)
    rows = [c.row() for _, result in results for c in result.claims]
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)
