"""The outputs of a run, rendered from its finished rows: claims.csv, checks.csv, panel.csv,
claims.xlsx (sheets claims, checks, summary, documents, rules, panel, series), report.html and,
with the Dask engine, claims.parquet/.

Document outcomes arrive in input order; their claim and check rows are appended to the run's
dataset in the staging folder (`dataset.Dataset`); the claims the panel needs (with an indicator,
a place and a period; no sentences) and the changes checked through it go to an SQLite table
there (`panel.PanelStore`). Memory holds no claim rows but a compact index of those that
cross-document checks compare (`FigureIndex`: their figure key and row number). At the end
those checks, the panel and the changes checked through it run, so the
final `check_status` of every row is known; only then are claims.csv, checks.csv and their sheets
rendered, reading the dataset back in batches. No written file is rewritten.
"""


from __future__ import annotations

import csv
import pickle
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .audit import (
    CHECK_COLUMNS,
    STATUS_ORDER,
    Check,
    audit_corpus,
    claim_status,
    numbered,
)
from .changes import across_documents
from .dataset import (
    CLAIMS_COLUMNS,
    NUMBER_TYPES,
    OUTPUT_CLAIM_COLUMNS,
    ROW_GROUP,
    Dataset,
    read_group,
    read_rows,
    scratch_database,
)
from .indicators import Indicators
from .jobs import DocOutcome, Figure, map_in_order
from .models import CLAIM_COLUMNS, Claim
from .panel import PanelStore, panel_rows, write_panel
from .writers import (
    CsvStream,
    RowEncoder,
    Sheet,
    SheetStream,
    Stats,
    StreamingWorkbook,
    cell_text,
    csv_records,
    write_parquet,
)

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from .report import ReportStream
    from .run import RunSummary

DOCUMENT_COLUMNS = ["doc", "encoding", "claims", "year", "problems"]
CATEGORIES = ["discipline", "case", "risk", "ranking", "activity", "share", "money"]
SUMMARY_COLUMNS = ["table", "key", *CATEGORIES, "total"]
PARQUET_TYPES = {name: kind for name, kind in NUMBER_TYPES.items() if name in OUTPUT_CLAIM_COLUMNS}
NUMBER_COLUMNS = frozenset(PARQUET_TYPES)      # the number columns of a claim row
READ_ROWS = 256                      # rows per task reading back the figures to compare
READ_AHEAD = 2                       # such tasks per worker under way (their claims come back in memory)
RENDER_AHEAD = 16                    # row groups per worker submitted ahead (their rows go to files)


class FigureIndex:
    """The claims that cross-document checks may compare (see `jobs.Figure`), held compactly for
    millions of claims: their row number and document in arrays, and their status, grouped by
    figure key. Entries are numbered in the order they are added, which is row order."""

    def __init__(self) -> None:
        self.rows = array("q")
        self.doc_nos = array("q")
        self.statuses: list[str] = []
        self._by_key: dict[tuple, array] = {}

    def add(self, doc_no: int, figure: Figure, first_row: int) -> None:
        """Index `figure` of document `doc_no`, whose rows begin at row `first_row` of the run."""
        self._by_key.setdefault(figure.key, array("q")).append(len(self.statuses))
        self.rows.append(first_row + figure.row)
        self.doc_nos.append(doc_no)
        self.statuses.append(sys.intern(figure.status))

    def shared(self) -> tuple[array, array]:
        """The entries whose figure key occurs in more than one document, in row order, and the
        number of each one's key (keys numbered in the order of their first entry)."""
        doc_nos = self.doc_nos
        keys = sorted((entries for entries in self._by_key.values() if len({doc_nos[e] for e in entries}) > 1),
                      key=itemgetter(0))
        numbers = array("q", [-1]) * len(self.statuses)
        for n, entries in enumerate(keys):
            for entry in entries:
                numbers[entry] = n
        wanted = array("q", (entry for entry, n in enumerate(numbers) if n >= 0))
        return wanted, array("q", (numbers[entry] for entry in wanted))


class RunOutputs:
    """Every output of a run: rows gathered as document outcomes arrive, files rendered by
    `finish` (see the module docstring)."""

    def __init__(self, out_dir: Path, summary: RunSummary, report: bool, parquet_batch: int | None,
                 pool: ProcessPoolExecutor | None = None, jobs: int = 1, indicators: Indicators | None = None) -> None:
        self.out_dir = out_dir
        self.indicators = indicators                       # names the panel's indicators; its generic ones
        self.pool, self.jobs = pool, jobs                  # the run's worker processes render the claims
        self.summary = summary
        self.parquet_batch = parquet_batch                 # documents per Parquet part (Dask runs)
        self.part_sizes: list[int] | None = [] if parquet_batch else None   # claims per part
        self.figures = FigureIndex()
        self._stack = ExitStack()
        self.claims = Dataset(out_dir, "claims", CLAIMS_COLUMNS)
        self.checks = Dataset(out_dir, "checks", CHECK_COLUMNS)
        self.claim_count = 0                                # claims of the documents added so far
        self.book = self._stack.enter_context(StreamingWorkbook(out_dir / "claims.xlsx"))
        self.claims_sheet = self.book.add_sheet(Sheet("claims", OUTPUT_CLAIM_COLUMNS, [], fills="check_status",
                                                      highlight=("sentence", "hl_start", "hl_end"),
                                                      wrap=("sentence", "claim_text")))
        self.checks_sheet = self.book.add_sheet(Sheet("checks", CHECK_COLUMNS, [], wrap=("message", "sentence"),
                                                      fills="status"))
        self.summary_sheet = self.book.add_sheet(Sheet("summary", SUMMARY_COLUMNS, []))
        self.documents_sheet = self.book.add_sheet(Sheet("documents", DOCUMENT_COLUMNS, []))
        self.rules_sheet = self.book.add_sheet(Sheet("rules", ["rule", "category", "pattern", "file", "line"], []))
        self.report: ReportStream | None = None
        if report:                                         # report.py is loaded only for it
            from .report import ReportStream

            self.report = self._stack.enter_context(ReportStream(out_dir / "report.html"))
        # the claims that enter the panel with their claims sheet rows, and the changes whose base
        # another document may state: on disk until the end
        self.panel = PanelStore(out_dir / ".panel.sqlite", indicators.generic() if indicators else frozenset())
        self._stack.callback(self.panel.close)

    def __enter__(self) -> RunOutputs:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None:                           # `finish` closed them all, else nothing is left behind
            self._stack.__exit__(kind, error, trace)

    def add(self, outcome: DocOutcome) -> None:
        """Gather one document's rows (documents must come in input order)."""
        summary = self.summary
        claims_part, checks_part = outcome.parts          # a worker's rows of the batch this outcome begins
        if self.report is not None and outcome.report_part is not None:
            self.report.add_part(Path(outcome.report_part[0]), outcome.report_part[1])
        if claims_part is not None:
            self.claims.add_part(claims_part)
        if checks_part is not None:
            self.checks.add_part(checks_part)
        self.documents_sheet.append(outcome.document_row)
        if self.part_sizes is not None and outcome.doc_no > self.parquet_batch * len(self.part_sizes):
            self.part_sizes.append(0)
        if outcome.error:
            summary.skipped.append(outcome.error)
            return
        summary.documents += 1
        summary.timeouts.update(outcome.timeouts)
        count = len(outcome.categories)
        summary.by_category.update(outcome.categories)
        summary.by_status.update(outcome.check_statuses)
        first_row = self.claim_count
        self.claim_count += count
        self.panel.add_records(outcome.panel, first_row)
        self.panel.add_pending(outcome.pending)
        for figure in outcome.figures:
            self.figures.add(outcome.doc_no, figure, first_row)
        self.claims.append(outcome.claims)
        self.checks.append(outcome.checks)
        if count:
            self.summary_sheet.append({"table": "claims", "key": outcome.doc, **Counter(outcome.categories),
                                       "total": count})
        if self.report is not None:
            _add_report(self.report, outcome)
        if self.part_sizes is not None:
            self.part_sizes[-1] += count

    def finish(self, rules_table: list[dict]) -> None:
        """Cross-document checks and the panel, then every file rendered. The pool's work is
        submitted ahead so that it runs while this process works: the figures to compare are
        read, then the checks rows (which no corpus check changes) rendered while the corpus checks
        run here, then the claims rows rendered while the panel is built here."""
        self.claims.close()
        self.checks.close()
        figures = self._read_figures()
        checks = self._render(self.checks, self.checks_sheet, {})
        corpus_checks, changed = self._corpus_checks(figures)
        claims = self._render(self.claims, self.claims_sheet, changed)
        corpus_checks += across_documents(self.panel)
        write_panel(self.out_dir, self.book, panel_rows(self.panel, self.indicators.name if self.indicators else str))
        self.panel.close()
        self._write_rows("claims.csv", OUTPUT_CLAIM_COLUMNS, self.claims_sheet, claims)
        self._write_rows("checks.csv", CHECK_COLUMNS, self.checks_sheet, checks,
                         [c.row() for c in corpus_checks])
        self.summary.by_status.update(c.status for c in corpus_checks)
        statuses = [{"table": "checks", "key": s, "total": self.summary.by_status[s]} for s in STATUS_ORDER]
        self.summary_sheet.extend(statuses)
        self.rules_sheet.extend(rules_table)
        self.book.close()
        self._write_parquet(changed)
        if self.report is not None:
            self.report.close({claim_id: status for claim_id, status in changed.values()})
        paths = ["claims.csv", "checks.csv", "panel.csv", "claims.xlsx"]
        paths += ["report.html"] if self.report is not None else []
        paths += ["claims.parquet"] if self.part_sizes is not None else []
        self.summary.outputs = [self.out_dir / name for name in paths]

    def _groups(self, dataset: Dataset, sheet: SheetStream, changed: dict[int, tuple[str, str]]) -> list[Group]:
        """The row groups of a dataset, each with the final statuses of its changed rows, gathered
        into tasks of at least ROW_GROUP rows (worker parts may be small)."""
        tasks: list[Group] = []
        slices: list[Slice] = []
        count = 0
        for path, group, rows in dataset.groups():
            slices.append(Slice(path, group, {row - rows.start: changed[row][1] for row in changed.keys() & rows}))
            count += len(rows)
            if count >= ROW_GROUP:
                tasks.append(Group(slices, sheet.sheet, str(self.out_dir / f".render-{dataset.name}-{len(tasks)}")))
                slices, count = [], 0
        if slices:
            tasks.append(Group(slices, sheet.sheet, str(self.out_dir / f".render-{dataset.name}-{len(tasks)}")))
        return tasks

    def _render(self, dataset: Dataset, sheet: SheetStream, changed: dict[int, tuple[str, str]]) -> Iterator[Encoded]:
        """The dataset's rows encoded for its CSV file and sheet, each row group in a process of the
        pool (in order; rows are independent fragments), RENDER_AHEAD groups per worker submitted at once."""
        return map_in_order(render_group, self._groups(dataset, sheet, changed), self.pool, self.jobs, RENDER_AHEAD)

    def _write_rows(self, name: str, columns: list[str], sheet: SheetStream, encoded: Iterable[Encoded],
                    more: list[dict] | None = None) -> None:
        """A CSV file and its sheet from encoded rows, then `more` rows encoded here."""
        with CsvStream(self.out_dir / name, columns) as out:
            for part in encoded:
                self._append(out, sheet, part)
            if more is not None:
                self._append(out, sheet, encode(more, sheet.sheet, self.out_dir / f".render-{Path(name).stem}-more"))

    def _append(self, out: CsvStream, sheet: SheetStream, encoded: Encoded) -> None:
        """Encoded rows copied to a CSV and its sheet, their files removed; the sheet's column
        widths are measured on the CSV text."""
        sample = []
        if sheet.wants_sample and encoded.rows:
            text = csv.reader(encoded.csv.read_text(encoding="utf-8").splitlines())
            sample = [dict(zip(out.columns, record, strict=False)) for record in text]
        out.copy(encoded.csv, encoded.rows)
        sheet.copy(encoded.xlsx, encoded.rows, sample)
        for name, count in encoded.stats.items():
            self.book.stats[name] += count
        encoded.csv.unlink()
        encoded.xlsx.unlink()

    # --- the cross-document checks

    def _read_figures(self) -> tuple[tuple[array, array], Iterator[list[bytes]]]:
        """The entries of the indexed claims that share a figure key across documents (with their
        key's number), and their claims, rebuilt and pickled in the pool (only those rows; tasks of about
        READ_ROWS rows, READ_AHEAD per worker under way)."""
        figures = self.figures
        wanted = figures.shared()
        places = self.claims.locate([figures.rows[entry] for entry in wanted[0]])
        tasks: list[list[tuple[str, list[int]]]] = [[]]
        for path, rows in places:
            for start in range(0, len(rows), READ_ROWS):
                if sum(len(some) for _, some in tasks[-1]) >= READ_ROWS:
                    tasks.append([])
                tasks[-1].append((path, rows[start:start + READ_ROWS]))
        return wanted, map_in_order(read_claims, tasks, self.pool, self.jobs, READ_AHEAD)

    def _corpus_checks(self, figures: tuple[tuple[array, array], Iterator[list[bytes]]]) -> tuple[list[Check], dict[int, tuple[str, str]]]:
        """The corpus checks over the claims of `_read_figures`, one figure key at a time (the
        claims wait on disk until all are read, so memory holds one key's; the corpus check,
        same_figure, compares the claims of one key), and the rows whose
        status they make worse (row → (claim id, new status), in row order)."""
        (entries, keys), read = figures
        claims = (claim for some in read for claim in some)
        keyed = zip(keys, entries, claims, strict=True)          # claims pickled (by the pool)
        checks: list[Check] = []
        changed = {}
        for group in _grouped(self.out_dir / ".figures.sqlite", keyed):
            found = audit_corpus([claim for _, claim in group])
            corpus_status = claim_status([claim for _, claim in group], found)
            for entry, claim in group:
                before = self.figures.statuses[entry]
                after = _worse(before, corpus_status[claim.claim_id])
                if after != before:
                    changed[self.figures.rows[entry]] = (claim.claim_id, after)
            checks += found
        return numbered(checks, "X"), dict(sorted(changed.items()))

    def _write_parquet(self, changed: dict[int, tuple[str, str]]) -> None:
        """claims.parquet/part.N.parquet from the dataset, one part per Dask partition."""
        if self.part_sizes is None:
            return
        rows = (_typed(row) for group in self._groups(self.claims, self.claims_sheet, changed)
                for row in _final_rows(group))
        parts = ([next(rows) for _ in range(size)] for size in self.part_sizes)
        write_parquet(self.out_dir / "claims.parquet", OUTPUT_CLAIM_COLUMNS, PARQUET_TYPES, parts)


def _grouped(path: Path, keyed: Iterable[tuple[int, int, bytes]]) -> Iterator[list[tuple[int, Claim]]]:
    """(group number, entry, pickled claim)s kept in an SQLite table at `path` until all are in, then
    each group's (entry, claim)s: groups by number, entries ascending, equal texts of a group held
    once (a figure recurs in its sentence); the table removed at the end."""
    db = scratch_database(path)
    try:
        db.execute("CREATE TABLE claims (grp INTEGER, entry INTEGER, claim BLOB)")
        db.execute("BEGIN")
        db.executemany("INSERT INTO claims VALUES (?, ?, ?)", keyed)
        rows = db.execute("SELECT grp, entry, claim FROM claims ORDER BY grp, entry")
        for _, group in groupby(rows, key=itemgetter(0)):
            texts: dict[str, str] = {}
            yield [(entry, _shared_texts(pickle.loads(claim), texts)) for _, entry, claim in group]
    finally:
        db.close()
        path.unlink(missing_ok=True)


def _shared_texts(claim: Claim, texts: dict[str, str]) -> Claim:
    """`claim` with each text equal to one in `texts` replaced by that one."""
    fields = vars(claim)
    for name, value in fields.items():
        if isinstance(value, str):
            fields[name] = texts.setdefault(value, value)
    return claim


def _add_report(report: ReportStream, outcome: DocOutcome) -> None:
    """Count a document on the report's page; keep its section if it came with it (else a worker
    wrote it into the file of its batch)."""
    report.count(len(outcome.categories), outcome.check_statuses)
    if outcome.report is not None:
        report.add_section(outcome.report)


class Slice(NamedTuple):
    """A row group of a dataset's part, with the final statuses of its changed rows."""

    path: str
    group: int
    statuses: dict[int, str]             # row within the group → its final check status


class Group(NamedTuple):
    """Consecutive row groups to render as one task."""

    slices: list[Slice]
    sheet: Sheet
    prefix: str                          # of the files its rows are encoded into


class Encoded(NamedTuple):
    """Rows encoded for a CSV file and its sheet, in two files (big results never pass through
    the main process's memory)."""

    csv: Path
    xlsx: Path
    rows: int
    stats: Stats


def encode(rows: list[dict], sheet: Sheet, prefix: Path) -> Encoded:
    """`rows` as CSV records and sheet rows (in the sheet's columns), into prefix.csv and prefix.xml."""
    stats: Stats = {"replaced_control_chars": 0, "truncated_cells": 0}
    encoded = Encoded(prefix.with_name(prefix.name + ".csv"), prefix.with_name(prefix.name + ".xml"), len(rows), stats)
    encoded.csv.write_bytes(csv_records(rows, sheet.columns))
    encoded.xlsx.write_bytes(RowEncoder(sheet).xlsx(rows, stats))
    return encoded


def _final_rows(group: Group) -> list[dict]:
    """The rows of the task's row groups, with their final statuses."""
    rows = []
    for part in group.slices:
        some = read_group(Path(part.path), part.group)
        for row, status in part.statuses.items():
            some[row]["check_status"] = status
        rows += some
    return rows


def render_group(group: Group) -> Encoded:
    """One row group encoded, with the final statuses (in any process)."""
    return encode(_final_rows(group), group.sheet, Path(group.prefix))


def read_claims(places: list[tuple[str, list[int]]]) -> list[bytes]:
    """The claims of the chosen rows of parts (see `Dataset.locate`), rebuilt for the
    cross-document checks and pickled (in any process)."""
    return [pickle.dumps(_claim(row), pickle.HIGHEST_PROTOCOL)
            for path, rows in places for row in read_rows(Path(path), rows, CLAIM_COLUMNS)]


def _typed(row: dict) -> dict:
    """A claim row as the outputs show it: numbers as `cell_text` writes them (integral values
    as ints), text as the claim held it."""
    return {name: _shown(row[name]) if name in NUMBER_COLUMNS else row[name] for name in OUTPUT_CLAIM_COLUMNS}


def _shown(value: float | int | None) -> float | int | None:
    """A number as the outputs write it (10.0 → 10, float noise rounded away); ±inf kept."""
    shown = cell_text(value)
    return value if isinstance(shown, str) else shown


def _claim(row: dict) -> Claim:
    """A claim rebuilt from its row (for the cross-document checks), numbers as the outputs show them."""
    return Claim(**{name: value for name, value in _typed({**row, "check_status": ""}).items() if name in CLAIM_COLUMNS})


def _worse(a: str, b: str) -> str:
    """The worse of two check statuses ("" is none)."""
    rank = {status: i for i, status in enumerate(STATUS_ORDER)}
    if not a or not b:
        return a or b
    return a if rank.get(a, len(rank)) <= rank.get(b, len(rank)) else b
