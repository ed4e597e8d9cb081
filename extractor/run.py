"""A whole run: read every document, extract and audit its claims, write the outputs.

Outputs in the output folder: claims.csv, checks.csv, claims.xlsx (sheets claims, checks,
summary, documents, rules), report.html (unless `report=False`) and, with the Dask engine,
claims.parquet/.

Documents stream. `process_document` reads, extracts and audits one document and encodes its
rows (CSV records, XLSX row XML) — in this process, in worker processes (`jobs`), or on a Dask
cluster (`engine="dask"`) — and the rows are appended to the outputs as results arrive, in input
order, so the outputs are the same whichever way the documents were processed. Memory holds no
claims: only a compact index of those that cross-document checks compare (their figure key and
row number). Those checks run at the end; the few rows whose status they change are rewritten
while claims.csv is copied into place and the workbook is assembled.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .audit import (
    CHECK_COLUMNS,
    STATUS_ORDER,
    Check,
    audit_corpus,
    audit_document,
    claim_status,
    figure_key,  # the key same_figure groups by: claims without one never meet across documents
)
from .models import CLAIM_COLUMNS, Claim
from .pipeline import DocumentResult, Extractor, extract_document, rules_folders
from .reader import ReadError, find_documents, read_document
from .report import ReportDoc, ReportStream
from .ruletests import require_examples_pass
from .writers import (
    FORMULA_TRIGGERS,
    CsvStream,
    RowEncoder,
    Sheet,
    SheetStream,
    Stats,
    StreamingWorkbook,
    atomic_path,
    csv_records,
    write_parquet,
)

DOCUMENT_COLUMNS = ["doc", "encoding", "claims", "year", "problems"]
OUTPUT_CLAIM_COLUMNS = [*CLAIM_COLUMNS, "check_status"]
CATEGORIES = ["discipline", "case", "risk", "ranking", "activity", "share", "money"]
SUMMARY_COLUMNS = ["table", "key", *CATEGORIES, "total"]
NUMBER_COLUMNS = frozenset({"value", "value_high", "rank_of", "period", "num_start", "num_end",
                            "claim_start", "claim_end", "line"})
PARQUET_TYPES = {name: "float64" if name.startswith("value") else "int64" for name in NUMBER_COLUMNS}
ENGINES = ("local", "dask")
BATCH_DOCS = 16          # documents per task sent to a worker (and per Dask partition)

Task = tuple[int, str, str]                       # (document number, path, doc name)
Figure = tuple[int, tuple, int, int, str]         # (claim index in its document, figure key, hl_start, hl_end, status)


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

    @property
    def claims(self) -> int:
        return sum(self.by_category.values())


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
        summary.document_rows.append({"doc": doc, "encoding": document.encoding, "claims": len(result.claims),
                                      "year": result.doc_year, "problems": "; ".join(document.problems)})
        yield document.text, result


def _tasks(inputs: list[Path], exclude: Iterable[Path | None]) -> list[Task]:
    """The documents of `inputs`, numbered in input order; none under a folder of `exclude`."""
    folders = [f.resolve() for f in exclude if f is not None]
    found = [(path, doc) for path, doc in find_documents(inputs)
             if not any(f in path.resolve().parents for f in folders)]
    return [(doc_no, str(path), doc) for doc_no, (path, doc) in enumerate(found, start=1)]


def _progress(items: Iterable, enabled: bool, total: int | None = None) -> Iterable:
    """`items` with a progress bar on stderr when enabled (and there are several)."""
    total = len(items) if total is None else total          # type: ignore[arg-type]
    if not enabled or total < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, unit="doc", leave=False)


def claim_rows(claims: list[Claim], status: dict[str, str]) -> list[dict]:
    """Output rows, with the check status and the claim's place in its sentence (for the highlight)."""
    rows = []
    for claim in claims:
        row = claim.row()
        row["check_status"] = status.get(claim.claim_id, "")
        row["hl_start"] = claim.claim_start - claim.sentence_start
        row["hl_end"] = claim.claim_end - claim.sentence_start
        rows.append(row)
    return rows


# --- one document, wherever it is processed --------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    """What processing a document needs besides the document (sent to every worker)."""

    rules: tuple[str, ...]                  # rules folders, absolute; none: the default rules
    year: int | None
    claims: RowEncoder
    checks: RowEncoder
    report: bool = True
    dump_text: str | None = None


@dataclass
class DocOutcome:
    """One document processed: its rows encoded, its counts, and what the end of the run needs."""

    doc_no: int
    doc: str
    document_row: dict
    error: str = ""                          # "file: reason" when the file could not be read
    categories: list[str] = field(default_factory=list)
    check_statuses: list[str] = field(default_factory=list)
    claims_csv: bytes = b""
    claims_xlsx: bytes = b""
    checks_csv: bytes = b""
    checks_xlsx: bytes = b""
    stats: Stats = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    report: ReportDoc | None = None


_EXTRACTORS: dict[tuple[str, ...], Extractor] = {}   # per process: rules are compiled once


def _extractor(rules: tuple[str, ...]) -> Extractor:
    """The Extractor of these rules folders (none: the default rules), loaded once per process."""
    if rules not in _EXTRACTORS:
        _EXTRACTORS[rules] = Extractor.load([Path(r) for r in rules] or None)
    return _EXTRACTORS[rules]


def process_document(task: Task, options: RunOptions) -> DocOutcome:
    """Read, extract, audit and encode one document (the same wherever it runs)."""
    doc_no, path, doc = task
    try:
        document = read_document(Path(path), doc)
    except ReadError as err:
        return DocOutcome(doc_no, doc, {"doc": doc, "claims": 0, "problems": err.reason}, error=str(err))
    if options.dump_text:
        dump_text(Path(options.dump_text), doc, document.text)
    result = extract_document(document, _extractor(options.rules), year=options.year, doc_no=doc_no)
    claims = result.claims
    checks = audit_document(claims)
    status = claim_status(claims, checks)
    rows = claim_rows(claims, status)
    check_rows = [c.row() for c in checks]
    stats: Stats = {"replaced_control_chars": 0, "truncated_cells": 0}
    return DocOutcome(
        doc_no, doc,
        {"doc": doc, "encoding": document.encoding, "claims": len(claims), "year": result.doc_year,
         "problems": "; ".join(document.problems)},
        categories=[c.category for c in claims],
        check_statuses=[c.status for c in checks],
        claims_csv=csv_records(rows, OUTPUT_CLAIM_COLUMNS),
        claims_xlsx=options.claims.xlsx(rows, stats),
        checks_csv=csv_records(check_rows, CHECK_COLUMNS),
        checks_xlsx=options.checks.xlsx(check_rows, stats),
        stats=stats,
        figures=[(i, key, row["hl_start"], row["hl_end"], row["check_status"])
                 for i, (claim, row) in enumerate(zip(claims, rows, strict=True))
                 if (key := figure_key(claim, True)) is not None],
        report=ReportDoc(doc, document.text, claims, checks, status) if options.report else None,
    )


def process_batch(tasks: list[Task], options: RunOptions) -> list[DocOutcome]:
    return [process_document(task, options) for task in tasks]


def dump_text(folder: Path, doc: str, text: str) -> Path:
    """Write the decoded text every offset refers to as folder/<doc>.txt (UTF-8, no BOM, `\\n`)."""
    path = folder / f"{doc}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", errors="replace", newline="") as fh:
        fh.write(text)                      # a lone surrogate becomes "?": one character for one
    return path


# --- where documents are processed ------------------------------------------------------------------


def _outcomes(tasks: list[Task], options: RunOptions, batch: int, jobs: int, engine: str,
              scheduler: str | None) -> Iterator[DocOutcome]:
    """Outcomes in input order: Dask, a pool of `jobs` worker processes, or this process;
    `batch` documents per task (per Dask partition)."""
    if engine == "dask":
        yield from _dask_outcomes(tasks, options, batch, jobs, scheduler)
    elif jobs > 1 and len(tasks) > 1:
        yield from _pool_outcomes(tasks, options, batch, jobs)
    else:
        for task in tasks:
            yield process_document(task, options)


def _batches(tasks: list[Task], size: int) -> Iterator[list[Task]]:
    for start in range(0, len(tasks), size):
        yield tasks[start:start + size]


def _in_order(submit: Callable[[list[Task]], object], result: Callable[[object], list[DocOutcome]],
              batches: Iterator[list[Task]], window: int) -> Iterator[DocOutcome]:
    """Results of the batches in order, at most `window` batches under way (flat memory)."""
    pending = deque(submit(b) for b in islice(batches, window))
    while pending:
        done = result(pending.popleft())
        pending.extend(submit(b) for b in islice(batches, 1))
        yield from done


def _pool_outcomes(tasks: list[Task], options: RunOptions, batch: int, jobs: int) -> Iterator[DocOutcome]:
    with ProcessPoolExecutor(jobs, initializer=_extractor, initargs=(options.rules,)) as pool:
        yield from _in_order(lambda b: pool.submit(process_batch, b, options), lambda f: f.result(),
                             _batches(tasks, batch), 2 * jobs)


def _dask_outcomes(tasks: list[Task], options: RunOptions, batch: int, workers: int,
                   scheduler: str | None) -> Iterator[DocOutcome]:
    """process_document mapped over a Dask bag (partitions of `batch` documents), on the cluster
    at `scheduler` or on a local one of `workers` processes."""
    import logging

    import dask.bag as db
    from distributed import Client, LocalCluster

    with ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=None, silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        tasks = [(doc_no, str(Path(path).resolve()), doc) for doc_no, path, doc in tasks]   # any worker's cwd
        bag = db.from_sequence(tasks, partition_size=batch).map(process_document, options)
        parts = iter(bag.to_delayed())
        yield from _in_order(lambda part: client.compute(part[0]), lambda future: future.result(),
                             ([p] for p in parts), 2 * max(workers, 1))


# --- the run ------------------------------------------------------------------------------------------


def run(inputs: list[Path], rules_dir: Path | list[Path] | None, out_dir: Path, year: int | None = None,
        progress: bool = False, jobs: int = 1, engine: str = "local", scheduler: str | None = None,
        report: bool = True, dump_text_dir: Path | None = None) -> RunSummary:
    """Extract and audit the claims of `inputs`; write every output into `out_dir`.

    `jobs` worker processes (1: this process), or `engine="dask"` (a Dask cluster at
    `scheduler`, else a local one of `jobs` workers); the outputs are the same. `report`:
    write report.html; `dump_text_dir`: write each document's decoded text there.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (expected one of {', '.join(ENGINES)})")
    extractor = Extractor.load(rules_dir)                 # as given: the rules sheet names the files so
    require_examples_pass(extractor, rules_folders(rules_dir))   # rule errors stop the run before any document
    # Workers load the same folders wherever they run; with none given, their own default rules.
    folders = tuple(str(f.resolve()) for f in rules_folders(rules_dir)) if rules_dir else ()
    _EXTRACTORS.setdefault(folders, extractor)
    tasks = _tasks(inputs, [out_dir, dump_text_dir])
    batch = max(1, min(BATCH_DOCS, len(tasks) // (4 * max(jobs, 1))))
    summary = RunSummary()
    with RunOutputs(Path(out_dir), summary, report, batch if engine == "dask" else None) as outputs:
        options = RunOptions(folders, year, outputs.claims_sheet.encoder, outputs.checks_sheet.encoder, report,
                             str(dump_text_dir) if dump_text_dir else None)
        outcomes = _outcomes(tasks, options, batch, jobs, engine, scheduler)
        for outcome in _progress(outcomes, progress, len(tasks)):
            outputs.add(outcome)
        outputs.finish(extractor.ruleset.table())
    return summary


class RunOutputs:
    """Every output of a run, written as document outcomes arrive (see the module docstring)."""

    def __init__(self, out_dir: Path, summary: RunSummary, report: bool, parquet_batch: int | None) -> None:
        self.out_dir = out_dir
        self.summary = summary
        self.parquet_batch = parquet_batch                 # documents per Parquet part (Dask runs)
        self.part_sizes: list[int] | None = [] if parquet_batch else None   # claims per part
        self.rows = 0                                      # claims so far: the next claim's row number
        self.figures: dict[tuple, list[tuple[int, int, int, int, str]]] = {}
        self._stack = ExitStack()
        self.claims_csv = self._stack.enter_context(CsvStream(out_dir / "claims.csv", OUTPUT_CLAIM_COLUMNS))
        self.checks_csv = self._stack.enter_context(CsvStream(out_dir / "checks.csv", CHECK_COLUMNS))
        self.book = self._stack.enter_context(StreamingWorkbook(out_dir / "claims.xlsx"))
        self.claims_sheet = self.book.add_sheet(Sheet("claims", OUTPUT_CLAIM_COLUMNS, [], fills="check_status",
                                                      highlight=("sentence", "hl_start", "hl_end"),
                                                      wrap=("sentence", "claim_text")))
        self.checks_sheet = self.book.add_sheet(Sheet("checks", CHECK_COLUMNS, [], wrap=("message", "sentence"),
                                                      fills="status"))
        self.summary_sheet = self.book.add_sheet(Sheet("summary", SUMMARY_COLUMNS, []))
        self.documents_sheet = self.book.add_sheet(Sheet("documents", DOCUMENT_COLUMNS, []))
        self.rules_sheet = self.book.add_sheet(Sheet("rules", ["rule", "category", "pattern", "file", "line"], []))
        self.report = self._stack.enter_context(ReportStream(out_dir / "report.html")) if report else None

    def __enter__(self) -> RunOutputs:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None:                           # `finish` closed them all, else nothing is left behind
            self._stack.__exit__(kind, error, trace)

    def add(self, outcome: DocOutcome) -> None:
        """Append one document's rows (documents must come in input order)."""
        summary = self.summary
        self.documents_sheet.append(outcome.document_row)
        if self.part_sizes is not None and outcome.doc_no > self.parquet_batch * len(self.part_sizes):
            self.part_sizes.append(0)
        if outcome.error:
            summary.skipped.append(outcome.error)
            return
        summary.documents += 1
        count = len(outcome.categories)
        summary.by_category.update(outcome.categories)
        summary.by_status.update(outcome.check_statuses)
        self.claims_csv.write(outcome.claims_csv, count)
        self.claims_sheet.write(outcome.claims_xlsx, count, _sample(self.claims_sheet, outcome.claims_csv))
        self.checks_csv.write(outcome.checks_csv, len(outcome.check_statuses))
        self.checks_sheet.write(outcome.checks_xlsx, len(outcome.check_statuses),
                                _sample(self.checks_sheet, outcome.checks_csv))
        for name, value in outcome.stats.items():
            self.book.stats[name] += value
        for i, key, hl_start, hl_end, status in outcome.figures:
            self.figures.setdefault(key, []).append((outcome.doc_no, self.rows + i, hl_start, hl_end, status))
        if count:
            self.summary_sheet.append({"table": "claims", "key": outcome.doc, **Counter(outcome.categories),
                                       "total": count})
        if self.report is not None and outcome.report is not None:
            self.report.add(outcome.report)
        self.rows += count
        if self.part_sizes is not None:
            self.part_sizes[-1] += count

    def finish(self, rules_table: list[dict]) -> None:
        """Cross-document checks, then every file moved into place."""
        corpus_checks, changed = self._corpus_checks()
        check_rows = [c.row() for c in corpus_checks]
        for row in check_rows:
            self.checks_csv.append(row)
        self.checks_sheet.extend(check_rows)
        self.summary.by_status.update(c.status for c in corpus_checks)
        statuses = [{"table": "checks", "key": s, "total": self.summary.by_status[s]} for s in STATUS_ORDER]
        self.summary_sheet.extend(statuses)
        self.rules_sheet.extend(rules_table)
        self.checks_csv.close()
        if changed:
            self._rewrite_claims(changed)
        else:
            self.claims_csv.close()
            self.book.close()
        self._write_parquet()
        if self.report is not None:
            self.report.close({claim_id: status for claim_id, status in self._changed_ids(changed)})
        paths = ["claims.csv", "checks.csv", "claims.xlsx"] + (["report.html"] if self.report is not None else [])
        paths += ["claims.parquet"] if self.part_sizes is not None else []
        self.summary.outputs = [self.out_dir / name for name in paths]

    # --- the cross-document checks

    def _corpus_checks(self) -> tuple[list[Check], dict[int, tuple[str, int, int]]]:
        """The corpus checks over the indexed claims that share a figure key across documents,
        and the rows whose status they make worse: row → (new status, hl_start, hl_end)."""
        wanted = {}
        for entries in self.figures.values():
            if len({doc_no for doc_no, *_ in entries}) > 1:
                wanted.update({entry[1]: entry for entry in entries})
        if not wanted:
            return [], {}
        self.claims_csv.flush()
        texts: dict[str, str] = {}                          # equal texts held once
        claims = [_claim(record, texts) for _, record in _records(self.claims_csv.tmp, wanted)]
        del texts
        checks = audit_corpus(claims)
        corpus_status = claim_status(claims, checks)
        changed = {}
        for row, claim in zip(sorted(wanted), claims, strict=True):
            _, _, hl_start, hl_end, before = wanted[row]
            after = _worse(before, corpus_status[claim.claim_id])
            if after != before:
                changed[row] = (after, hl_start, hl_end)
        return checks, changed

    def _rewrite_claims(self, changed: dict[int, tuple[str, int, int]]) -> None:
        """claims.csv copied with the changed statuses — in another process, while this one
        assembles the workbook, which takes the changed rows from the same file."""
        self.claims_csv.flush()
        self.claims_sheet.replace(_changed_rows(self.claims_csv.tmp, changed))
        with ProcessPoolExecutor(1) as pool, atomic_path(self.out_dir / "claims.csv") as final:
            copy = pool.submit(copy_claims, self.claims_csv.tmp, final, changed)
            self.book.close()
            copy.result()
        self.claims_csv.abort()

    def _changed_ids(self, changed: dict[int, tuple[str, int, int]]) -> Iterator[tuple[str, str]]:
        """(claim_id, new status) of the changed rows."""
        column = OUTPUT_CLAIM_COLUMNS.index("claim_id")
        for row, record in _records(self.out_dir / "claims.csv", changed) if changed else ():
            yield record[column], changed[row][0]

    def _write_parquet(self) -> None:
        """claims.parquet/part.N.parquet from the final claims.csv, one part per Dask partition."""
        if self.part_sizes is None:
            return
        records = (_typed(record) for _, record in _records(self.out_dir / "claims.csv"))
        parts = ([next(records) for _ in range(size)] for size in self.part_sizes)
        write_parquet(self.out_dir / "claims.parquet", OUTPUT_CLAIM_COLUMNS, PARQUET_TYPES, parts)


def copy_claims(source: Path, target: Path, changed: dict[int, tuple[str, ...]]) -> None:
    """Copy a claims CSV written by this module, the status of the `changed` rows replaced."""
    with open(target, "xb") as out:
        with open(source, "rb") as head:
            out.write(head.readline())                    # BOM and header, as they are
        records = _records(source)
        while batch := list(islice(records, 1000)):
            for row, record in batch:
                if row in changed:
                    record[-1] = changed[row][0]
            out.write(_encode(record for _, record in batch))


def _changed_rows(path: Path, changed: dict[int, tuple[str, int, int]]) -> Iterator[tuple[int, dict]]:
    """(row, values) of the changed rows of the claims CSV at `path`, the new status set."""
    for row, record in _records(path, changed):
        status, hl_start, hl_end = changed[row]
        yield row, {**_typed(record), "check_status": status, "hl_start": hl_start, "hl_end": hl_end}


def _sample(sheet: SheetStream, records: bytes) -> list[dict]:
    """The rows of `records` as text, while the sheet's column widths want them."""
    if not sheet.wants_sample or not records:
        return []
    rows = csv.reader(records.decode("utf-8").splitlines())
    return [dict(zip(sheet.encoder.columns, row, strict=False)) for row in rows]


def _records(path: Path, wanted: Iterable[int] | None = None) -> Iterator[tuple[int, list[str]]]:
    """(row number, fields) of a claims CSV written by this module; only `wanted` rows if given."""
    keep = set(wanted) if wanted is not None else None
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row, record in enumerate(reader):
            if keep is None or row in keep:
                yield row, record


def _encode(records: Iterable[list[str]]) -> bytes:
    """Records read back, as the same CSV bytes (their fields are output text already)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(records)
    return buffer.getvalue().encode("utf-8", "replace")


def raw_text(text: str) -> str:
    """Output text back as the claim held it: the quote `cell_text` put before a formula trigger
    removed (text that began with a quote and a trigger reads the same: it is left as written)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


def number(text: str) -> int | float | None:
    """A number column read back: int, float, or None when empty."""
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


def _typed(record: list[str]) -> dict:
    """A claims.csv record as a row of values: numbers as numbers, text as the claim held it."""
    return {name: number(text) if name in NUMBER_COLUMNS else raw_text(text)
            for name, text in zip(OUTPUT_CLAIM_COLUMNS, record, strict=True)}


def _claim(record: list[str], texts: dict[str, str]) -> Claim:
    """A claim rebuilt from its claims.csv record (for the cross-document checks); texts equal
    to one in `texts` are that one."""
    values = _typed(record)
    return Claim(**{name: texts.setdefault(value, value) if isinstance(value, str) else value
                    for name, value in values.items() if name in CLAIM_COLUMNS})


def _worse(a: str, b: str) -> str:
    """The worse of two check statuses ("" is none)."""
    rank = {status: i for i, status in enumerate(STATUS_ORDER)}
    if not a or not b:
        return a or b
    return a if rank.get(a, len(rank)) <= rank.get(b, len(rank)) else b


def default_jobs() -> int:
    """All cores."""
    return os.cpu_count() or 1
