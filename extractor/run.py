"""A whole run: read every document, extract and audit its claims, write the outputs.

Outputs in the output folder: claims.csv, checks.csv, panel.csv, claims.xlsx (sheets claims,
checks, summary, documents, rules, panel, series), report.html (unless `report=False`) and, with
the Dask engine, claims.parquet/.

Documents stream. `process_document` reads, extracts and audits one document and encodes its
rows (CSV records, XLSX row XML) — in this process, in worker processes (`jobs`), or on a Dask
cluster (`engine="dask"`) — and the rows are appended to the outputs as results arrive, in input
order, so the outputs are the same whichever way the documents were processed. Memory holds no
claims: only a compact index of those that cross-document checks compare (their figure key and
the byte spans of their rows). Those checks run at the end; the rows whose status they change
are rewritten while claims.csv and the claims sheet are copied into place.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .dataset import OUTPUT_CLAIM_COLUMNS
from .jobs import (
    BATCH_DOCS,
    ENGINES,
    RunOptions,
    Task,
    default_jobs,
    outcomes,
    share_extractor,
    worker_pool,
)
from .outputs import DOCUMENT_COLUMNS, RunOutputs
from .outputset import OutputError, check_out_dir, locked, manifest_head, publish, staging
from .pipeline import DocumentResult, Extractor, extract_document, rules_folders
from .reader import SUPPORTED_SUFFIXES, ReadError, find_documents, read_document
from .ruletests import checked_extractor

__all__ = ["DOCUMENT_COLUMNS", "ENGINES", "OUTPUT_CLAIM_COLUMNS", "NoDocuments", "OutputError", "RunSummary", "default_jobs", "iter_results", "run"]


@dataclass
class RunSummary:
    """What a run did, for the summary line and the exit status.

    `document_rows` is filled by `iter_results`; `run` streams them into the documents sheet.
    """

    documents: int = 0
    skipped: list[str] = field(default_factory=list)       # "file: reason" for unreadable files
    by_category: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    document_rows: list[dict] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    timeouts: Counter = field(default_factory=Counter)      # "rule (file:line)" → numerals its regex timed out on

    @property
    def claims(self) -> int:
        return sum(self.by_category.values())

    def counts(self) -> dict:
        """The counts of the run, for the manifest."""
        return {"documents": self.documents, "claims": self.claims, "skipped": list(self.skipped),
                "by_category": dict(sorted(self.by_category.items())),
                "checks": dict(sorted(self.by_status.items())),
                "regex_timeouts": dict(sorted(self.timeouts.items()))}


# --- one document at a time, in memory (the Python API) -------------------------------------------


def iter_results(inputs: list[Path], extractor: Extractor, year: int | None, summary: RunSummary,
                 progress: bool = False, exclude: Path | None = None) -> Iterator[tuple[str, DocumentResult]]:
    """(text, result) document by document; unreadable files are recorded in `summary` and skipped.

    Files under `exclude` (the output folder, when it lies inside an input) are not read.
    """
    for doc_no, path, doc in _progress(_tasks(inputs, [exclude]), progress):
        try:
            document = read_document(Path(path), doc)
        except ReadError as err:
            summary.skipped.append(str(err))
            summary.document_rows.append({"doc": doc, "claims": 0, "problems": err.reason})
            continue
        result = extract_document(document, extractor, year=year, doc_no=doc_no)
        summary.documents += 1
        summary.by_category.update(c.category for c in result.claims)
        summary.timeouts.update(result.timeouts)
        summary.document_rows.append({"doc": doc, "encoding": document.encoding, "claims": len(result.claims),
                                      "year": result.doc_year, "problems": "; ".join(document.problems)})
        yield document.text, result


def _tasks(inputs: list[Path], exclude: Iterable[Path | None]) -> list[Task]:
    """The documents of `inputs`, numbered in input order; none under a folder of `exclude`."""
    folders = [os.path.join(os.path.realpath(f), "") for f in exclude if f is not None]
    found = [(path, doc) for path, doc in find_documents(inputs)
             if not os.path.realpath(path).startswith(tuple(folders))]   # realpath: a symlink loop does not raise
    return [(doc_no, str(path), doc) for doc_no, (path, doc) in enumerate(found, start=1)]


def _progress(items: Iterable, enabled: bool, total: int | None = None) -> Iterable:
    """`items` with a progress bar on stderr when enabled (and there are several)."""
    total = len(items) if total is None else total          # type: ignore[arg-type]
    if not enabled or total < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, unit="doc", leave=False)


# --- the run ------------------------------------------------------------------------------------------


class NoDocuments(Exception):
    """A run that found no document it could read: the outputs are left as they were.
    `skipped`: the files found but unreadable (each named on stderr)."""

    def __init__(self, message: str, skipped: list[str] | None = None) -> None:
        super().__init__(message)
        self.skipped = skipped or []


def run(inputs: list[Path], rules_dir: Path | list[Path] | None, out_dir: Path, year: int | None = None,
        progress: bool = False, jobs: int = 1, engine: str = "local", scheduler: str | None = None,
        report: bool = True, dump_text_dir: Path | None = None) -> RunSummary:
    """Extract and audit the claims of `inputs`; write every output into `out_dir`, as one set.

    `jobs` worker processes (1: this process), or `engine="dask"` (a Dask cluster at
    `scheduler`, else a local one of `jobs` workers); the outputs are the same. `report`:
    write report.html; `dump_text_dir`: write each document's decoded text there.
    The outputs are rendered into a staging folder under a lock on `out_dir` and moved into
    place at the end, the manifest last (`outputset`); `OutputError` when `out_dir` cannot be
    used, `NoDocuments` (outputs untouched) when no document could be read.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (expected one of {', '.join(ENGINES)})")
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    with locked(out_dir):                                 # from the start: a second run is refused at once
        return _locked_run(inputs, rules_dir, out_dir, year, progress, jobs, engine, scheduler, report,
                           dump_text_dir)


def _locked_run(inputs: list[Path], rules_dir: Path | list[Path] | None, out_dir: Path, year: int | None,
                progress: bool, jobs: int, engine: str, scheduler: str | None, report: bool,
                dump_text_dir: Path | None) -> RunSummary:
    """`run` once the output folder is locked."""
    extractor = checked_extractor(rules_dir)        # rule errors stop the run before any document
    # Workers load the same folders wherever they run; with none given, their own default rules.
    folders = tuple(str(f.resolve()) for f in rules_folders(rules_dir)) if rules_dir else ()
    share_extractor(folders, extractor)
    tasks = _tasks(inputs, [out_dir, dump_text_dir])
    if not tasks:
        raise NoDocuments(f"no document to read in {', '.join(map(str, inputs))} "
                          f"(supported: {', '.join(SUPPORTED_SUFFIXES)})")
    batch = max(1, min(BATCH_DOCS, len(tasks) // (4 * max(jobs, 1))))
    summary = RunSummary()
    manifest = manifest_head(inputs, rules_folders(rules_dir))
    with staging(out_dir) as staged, worker_pool(folders, jobs if engine == "local" else 1) as pool:
        with RunOutputs(staged, summary, report, batch if engine == "dask" else None, pool, jobs,
                        extractor.indicators) as outputs:
            options = RunOptions(folders, year, report, str(dump_text_dir) if dump_text_dir else None,
                                 str(staged) if pool is not None else None)
            results = outcomes(tasks, options, batch, jobs, engine, scheduler, pool)
            for outcome in _progress(results, progress, len(tasks)):
                outputs.add(outcome)
            if not summary.documents:
                raise NoDocuments(f"none of the {len(tasks)} file(s) could be read", summary.skipped)
            outputs.finish(extractor.ruleset.table())
        names = [path.name for path in summary.outputs]
        summary.outputs = publish(staged, out_dir, names, {**manifest, **summary.counts()})
    return summary
