"""Processing documents: `process_document` reads, extracts, audits and encodes one document,
the same wherever it runs — in this process, in a pool of worker processes (`--jobs`), or on a
Dask cluster (`--engine dask`); `outcomes` yields the results in input order either way.
"""


from __future__ import annotations

import os
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from .audit import (
    CHECK_COLUMNS,
    Check,
    audit_document,
    claim_status,
    figure_key,  # the key same_figure groups by: claims without one never meet across documents
)
from .changes import pending_changes
from .dataset import CLAIMS_COLUMNS, Part, to_records, write_part
from .models import Claim, Document, sentence_window
from .panel import panel_entries, panel_records
from .pipeline import DocumentResult, Extractor, extract_document
from .reader import ReadError, read_document

if TYPE_CHECKING:       # report.py is loaded only by runs that write report.html
    from concurrent.futures import ProcessPoolExecutor

    from .report import Section

ENGINES = ("local", "dask")
BATCH_DOCS = 16          # documents per task sent to a worker (and per Dask partition)

Task = tuple[int, str, str]                       # (document number, path, doc name)
T = TypeVar("T")
R = TypeVar("R")


class Figure(NamedTuple):
    """A claim that cross-document checks may compare (it has a figure key): its row among its
    document's rows, so that the end of the run reads back only those rows."""

    key: tuple               # audit.figure_key
    row: int                 # its row among the document's claim rows (0-based)
    status: str              # its check status within its document


def claim_rows(claims: list[Claim], status: dict[str, str]) -> list[dict]:
    """Output rows, with the check status and the claim's place in its sentence (for the
    highlight); a very long sentence is quoted as a window around the claim (`sentence_window`)."""
    rows = []
    for claim in claims:
        row = claim.row()
        row["check_status"] = status.get(claim.claim_id, "")
        row["sentence"], row["hl_start"], row["hl_end"] = sentence_window(
            claim.sentence, claim.claim_start - claim.sentence_start, claim.claim_end - claim.sentence_start)
        rows.append(row)
    return rows


# --- one document, wherever it is processed --------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    """What processing a document needs besides the document (sent to every worker)."""

    rules: tuple[str, ...]                  # rules folders, absolute; none: the default rules
    year: int | None
    report: bool = True
    dump_text: str | None = None
    dataset: str | None = None              # where worker processes write their rows (dataset.write_part)


@dataclass
class DocOutcome:
    """One document processed: its rows, its counts, and what the end of the run needs."""

    doc_no: int
    doc: str
    document_row: dict
    error: str = ""                          # "file: reason" when the file could not be read
    categories: list[str] = field(default_factory=list)
    check_statuses: list[str] = field(default_factory=list)
    claims: list[tuple] = field(default_factory=list)     # its claim rows (dataset.to_records, CLAIMS_COLUMNS)
    checks: list[tuple] = field(default_factory=list)     # its check rows (CHECK_COLUMNS)
    parts: tuple[Part | None, Part | None] = (None, None)  # the claim and check rows of its whole batch,
                                                          # written by a worker (on the batch's first outcome)
    report_part: tuple[str, int] | None = None             # the batch's report sections, written by a worker
                                                          # (file, how many; on the batch's first outcome)
    figures: list[Figure] = field(default_factory=list)
    report: Section | None = None           # its report section, statuses of its figures left open
    panel: list[tuple] = field(default_factory=list)          # its claims that enter the panel (panel_records)
    pending: list[bytes] = field(default_factory=list)        # its changes whose base it does not state, pickled
    timeouts: dict[str, int] = field(default_factory=dict)   # rule → numerals its regex timed out on


_EXTRACTORS: dict[tuple[str, ...], Extractor] = {}   # per process: rules are compiled once


def share_extractor(rules: tuple[str, ...], extractor: Extractor) -> None:
    """Let this process (and the workers forked from it) use an Extractor already loaded."""
    _EXTRACTORS.setdefault(rules, extractor)


def _extractor(rules: tuple[str, ...]) -> Extractor:
    """The Extractor of these rules folders (none: the default rules), loaded once per process."""
    if rules not in _EXTRACTORS:
        _EXTRACTORS[rules] = Extractor.load([Path(r) for r in rules] or None)
    return _EXTRACTORS[rules]


def process_document(task: Task, options: RunOptions) -> DocOutcome:
    """Read, extract and audit one document, its rows as record batches (the same wherever it runs)."""
    doc_no, path, doc = task
    try:
        document = read_document(Path(path), doc)
    except ReadError as err:
        return DocOutcome(doc_no, doc, {"doc": doc, "claims": 0, "problems": err.reason}, error=str(err))
    if options.dump_text:
        dump_text(Path(options.dump_text), doc, document.text)
    extractor = _extractor(options.rules)
    result = extract_document(document, extractor, year=options.year, doc_no=doc_no)
    claims = result.claims
    checks = audit_document(claims)
    status = claim_status(claims, checks)
    rows = claim_rows(claims, status)
    figures = _figures(claims, rows)
    return DocOutcome(
        doc_no, doc,
        {"doc": doc, "encoding": document.encoding, "claims": len(claims), "year": result.doc_year,
         "problems": "; ".join(document.problems)},
        categories=[c.category for c in claims],
        check_statuses=[c.status for c in checks],
        claims=to_records(rows, CLAIMS_COLUMNS),
        checks=to_records([c.row() for c in checks], CHECK_COLUMNS),
        figures=figures,
        report=_section(document, result, checks, status, figures) if options.report else None,
        panel=panel_records(panel_entries(claims), extractor.indicators.generic()),
        pending=[pickle.dumps(item, pickle.HIGHEST_PROTOCOL) for item in pending_changes(claims)],
        timeouts=result.timeouts,
    )


def _section(document: Document, result: DocumentResult, checks: list[Check], status: dict[str, str],
             figures: list[Figure]) -> Section:
    """The document's section of report.html, the statuses of its figures left open."""
    from .report import MarkIds, ReportDoc, render_section

    claims = result.claims
    return render_section(ReportDoc(document.doc, document.text, claims, checks, status,
                                     [t.layout() for t in result.tables]),
                          MarkIds(),      # claim ids carry the document number: unique on the page
                          {claims[f.row].claim_id for f in figures})


def _figures(claims: list[Claim], rows: list[dict]) -> list[Figure]:
    """The claims that cross-document checks may compare, with their rows."""
    return [Figure(key, i, row["check_status"]) for i, (claim, row) in enumerate(zip(claims, rows, strict=True))
            if (key := figure_key(claim, True)) is not None]


def _worker(rules: tuple[str, ...]) -> None:
    """A worker process: Ctrl-C is the main process's to handle (one line, no worker tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _extractor(rules)


def process_batch(tasks: list[Task], options: RunOptions) -> list[DocOutcome]:
    """Documents processed in a worker process; with `options.dataset`, their rows written there
    as one part each of claims and checks."""
    done = [process_document(task, options) for task in tasks]
    if options.dataset and done:
        folder, first = Path(options.dataset), tasks[0][0]
        claims = [record for outcome in done for record in outcome.claims]
        checks = [record for outcome in done for record in outcome.checks]
        done[0].parts = (write_part(folder / f".claims-b{first:07d}.rows", claims, CLAIMS_COLUMNS) if claims else None,
                         write_part(folder / f".checks-b{first:07d}.rows", checks, CHECK_COLUMNS) if checks else None)
        for outcome in done:
            outcome.claims, outcome.checks = [], []
        sections = [outcome.report for outcome in done if outcome.report is not None]
        if sections:
            from .report import write_sections

            path = folder / f".report-b{first:07d}.pkl"
            write_sections(path, sections)
            done[0].report_part = (str(path), len(sections))
            for outcome in done:
                outcome.report = None
    return done


def dump_text(folder: Path, doc: str, text: str) -> Path:
    """Write the decoded text every offset refers to as folder/<doc>.txt (UTF-8, no BOM, `\\n`)."""
    path = folder / f"{doc}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", errors="replace", newline="") as fh:
        fh.write(text)                      # a lone surrogate becomes "?": one character for one
    return path


# --- where documents are processed ------------------------------------------------------------------


@contextmanager
def worker_pool(rules: tuple[str, ...], jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """The run's `jobs` worker processes (None for one job): they process the documents, then
    render the rows (`map_in_order`). multiprocessing is loaded only for them."""
    if jobs <= 1:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs, initializer=_worker, initargs=(rules,)) as pool:
        try:
            yield pool
        except BaseException:
            pool.shutdown(cancel_futures=True)          # what was submitted ahead is not run
            raise


def outcomes(tasks: list[Task], options: RunOptions, batch: int, jobs: int, engine: str,
              scheduler: str | None, pool: ProcessPoolExecutor | None = None) -> Iterator[DocOutcome]:
    """Outcomes in input order: Dask, the `pool` of `jobs` worker processes, or this process;
    `batch` documents per task (per Dask partition)."""
    if engine == "dask":
        yield from _dask_outcomes(tasks, options, batch, jobs, scheduler)
    elif pool is not None and len(tasks) > 1:
        yield from _in_order(lambda b: pool.submit(process_batch, b, options), lambda f: f.result(),
                             _batches(tasks, batch), 2 * jobs)
    else:
        for task in tasks:
            yield process_document(task, options)


def _batches(tasks: list[Task], size: int) -> Iterator[list[Task]]:
    for start in range(0, len(tasks), size):
        yield tasks[start:start + size]


def _in_order(submit: Callable[[list[T]], object], result: Callable[[object], list[R]],
              batches: Iterator[list[T]], window: int) -> Iterator[R]:
    """Results of the batches in order, at most `window` batches under way (flat memory); the
    first `window` are submitted at once, before the results are asked for."""
    pending = deque(submit(b) for b in islice(batches, window))
    return _results(pending, submit, result, batches)


def _results(pending: deque, submit: Callable[[list[T]], object], result: Callable[[object], list[R]],
             batches: Iterator[list[T]]) -> Iterator[R]:
    """`_in_order`'s results: each batch submitted as one is taken."""
    while pending:
        done = result(pending.popleft())
        pending.extend(submit(b) for b in islice(batches, 1))
        yield from done


def map_in_order(fn: Callable[[T], R], items: list[T], pool: ProcessPoolExecutor | None, jobs: int,
                 ahead: int = 2) -> Iterator[R]:
    """`fn` over `items`, results in order: in the `jobs` worker processes of `pool` (at most
    `ahead` items per worker under way, the first submitted at once: the caller may work while
    they run), or in this process, lazily, without a pool or for one item."""
    if pool is None or len(items) < 2:
        return map(fn, items)
    return _in_order(lambda batch: pool.submit(fn, batch[0]), lambda f: [f.result()], ([i] for i in items),
                     ahead * jobs)


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


def default_jobs() -> int:
    """All cores."""
    return os.cpu_count() or 1
