"""Python API: `extract_text(text) -> list[Claim]`, `extract(paths)`, `panel(paths)` and
`series(panel_frame)` -> pandas.DataFrame."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .models import CLAIM_COLUMNS, Claim, Document
from .panel import PANEL_COLUMNS, build_panel
from .panel import series as pivot
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

    _, claims = _run_claims(paths, rules_dir, year)
    return pd.DataFrame([c.row() for c in claims], columns=CLAIM_COLUMNS)


def panel(paths: list[str | Path] | str | Path, rules_dir: str | Path | list | None = None,
          year: int | None = None):
    """The panel of the documents under `paths` (the rows of panel.csv): one row per indicator,
    place, period and span, with value, documents, agreement and claim ids."""
    import pandas as pd

    extractor, claims = _run_claims(paths, rules_dir, year)
    rows = build_panel(claims, extractor.indicators.name, extractor.indicators.generic())
    return pd.DataFrame(rows, columns=PANEL_COLUMNS)


def series(panel_frame):
    """A panel (as `panel` returns it) pivoted: one row per place, indicator, span and unit, one
    column per year (the `series` sheet)."""
    import pandas as pd

    columns, rows = pivot(panel_frame.to_dict("records"))
    return pd.DataFrame(list(rows), columns=columns)


def _run_claims(paths: list[str | Path] | str | Path, rules_dir: str | Path | list | None,
                year: int | None) -> tuple[Extractor, list[Claim]]:
    """The extractor of `rules_dir` and the claims of every document under `paths`."""
    from .run import RunSummary, iter_results

    if isinstance(paths, (str, Path)):
        paths = [paths]
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"no such input: {', '.join(missing)}")
    extractor = _extractor(_key(rules_dir))
    results = iter_results([Path(p) for p in paths], extractor, year, RunSummary())
    return extractor, [c for _, result in results for c in result.claims]
