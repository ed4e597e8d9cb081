"""The outputs of a run, streamed: claims.csv, checks.csv, claims.xlsx (sheets claims, checks,
summary, documents, rules), report.html and, with the Dask engine, claims.parquet/.

Document outcomes are appended as they arrive, in input order. Memory holds no claims: only a
compact index of those that cross-document checks compare (their figure key and row number).
Those checks run at the end; the few rows whose status they change are rewritten while
claims.csv is copied into place and the workbook is assembled.
"""


from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .audit import (
    CHECK_COLUMNS,
    STATUS_ORDER,
    Check,
    audit_corpus,
    claim_status,  # the key same_figure groups by: claims without one never meet across documents
)
from .jobs import OUTPUT_CLAIM_COLUMNS, DocOutcome, Figure
from .models import CLAIM_COLUMNS, Claim
from .report import ReportStream
from .writers import (
    FORMULA_TRIGGERS,
    CsvStream,
    Sheet,
    SheetStream,
    StreamingWorkbook,
    write_parquet,
)

if TYPE_CHECKING:
    from .run import RunSummary

DOCUMENT_COLUMNS = ["doc", "encoding", "claims", "year", "problems"]
CATEGORIES = ["discipline", "case", "risk", "ranking", "activity", "share", "money"]
SUMMARY_COLUMNS = ["table", "key", *CATEGORIES, "total"]
NUMBER_COLUMNS = frozenset({"value", "value_high", "rank_of", "period", "num_start", "num_end",
                            "claim_start", "claim_end", "line"})
PARQUET_TYPES = {name: "float64" if name.startswith("value") else "int64" for name in NUMBER_COLUMNS}


class RunOutputs:
    """Every output of a run, written as document outcomes arrive (see the module docstring)."""

    def __init__(self, out_dir: Path, summary: RunSummary, report: bool, parquet_batch: int | None) -> None:
        self.out_dir = out_dir
        self.summary = summary
        self.parquet_batch = parquet_batch                 # documents per Parquet part (Dask runs)
        self.part_sizes: list[int] | None = [] if parquet_batch else None   # claims per part
        self.rows = 0                                      # claims so far: the next claim's row number
        self.figures: dict[tuple, list[tuple[int, Figure]]] = {}   # figure key → (doc_no, figure in the run)
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
        for figure in outcome.figures:
            shifted = figure.shifted(self.rows, self.claims_csv.position, self.claims_sheet.position)
            self.figures.setdefault(figure.key, []).append((outcome.doc_no, shifted))
        self.claims_csv.write(outcome.claims_csv, count)
        self.claims_sheet.write(outcome.claims_xlsx, count, _sample(self.claims_sheet, outcome.claims_csv))
        self.checks_csv.write(outcome.checks_csv, len(outcome.check_statuses))
        self.checks_sheet.write(outcome.checks_xlsx, len(outcome.check_statuses),
                                _sample(self.checks_sheet, outcome.checks_csv))
        for name, value in outcome.stats.items():
            self.book.stats[name] += value
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
        self.claims_csv.close([(*figure.csv, _encode([record])) for figure, record in changed])
        self.claims_sheet.replace((*figure.xlsx, _sheet_row(figure, record)) for figure, record in changed)
        self.book.close()
        self._write_parquet()
        if self.report is not None:
            claim_id = OUTPUT_CLAIM_COLUMNS.index("claim_id")
            self.report.close({record[claim_id]: record[-1] for _, record in changed})
        paths = ["claims.csv", "checks.csv", "claims.xlsx"] + (["report.html"] if self.report is not None else [])
        paths += ["claims.parquet"] if self.part_sizes is not None else []
        self.summary.outputs = [self.out_dir / name for name in paths]

    # --- the cross-document checks

    def _corpus_checks(self) -> tuple[list[Check], list[tuple[Figure, list[str]]]]:
        """The corpus checks over the indexed claims that share a figure key across documents, and
        the rows whose status they make worse: (figure, claims.csv record with the new status),
        in file order. Only those claims' records are read back."""
        wanted = sorted((figure for entries in self.figures.values() if len({doc for doc, _ in entries}) > 1
                         for _, figure in entries), key=lambda figure: figure.row)
        if not wanted:
            return [], []
        self.claims_csv.flush()
        texts: dict[str, str] = {}                          # equal texts held once
        with open(self.claims_csv.tmp, "rb") as fh:
            records = [_record_at(fh, *figure.csv) for figure in wanted]
        claims = [_claim(record, texts) for record in records]
        del texts
        checks = audit_corpus(claims)
        corpus_status = claim_status(claims, checks)
        changed = []
        for figure, record, claim in zip(wanted, records, claims, strict=True):
            after = _worse(figure.status, corpus_status[claim.claim_id])
            if after != figure.status:
                changed.append((figure, [*record[:-1], after]))
        return checks, changed

    def _write_parquet(self) -> None:
        """claims.parquet/part.N.parquet from the final claims.csv, one part per Dask partition."""
        if self.part_sizes is None:
            return
        records = (_typed(record) for record in _records(self.out_dir / "claims.csv"))
        parts = ([next(records) for _ in range(size)] for size in self.part_sizes)
        write_parquet(self.out_dir / "claims.parquet", OUTPUT_CLAIM_COLUMNS, PARQUET_TYPES, parts)


def _record_at(fh: BinaryIO, start: int, end: int) -> list[str]:
    """The fields of the claims CSV record at bytes start…end-1 of `fh`."""
    fh.seek(start)
    return next(csv.reader(io.StringIO(fh.read(end - start).decode("utf-8"), newline="")))


def _sheet_row(figure: Figure, record: list[str]) -> dict:
    """The claims-sheet row of a claims.csv record (with the highlight of `figure`)."""
    return {**_typed(record), "hl_start": figure.hl_start, "hl_end": figure.hl_end}


def _sample(sheet: SheetStream, records: bytes) -> list[dict]:
    """The rows of `records` as text, while the sheet's column widths want them."""
    if not sheet.wants_sample or not records:
        return []
    rows = csv.reader(records.decode("utf-8").splitlines())
    return [dict(zip(sheet.encoder.columns, row, strict=False)) for row in rows]


def _records(path: Path) -> Iterator[list[str]]:
    """The records of a claims CSV written by this module (header skipped)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        yield from reader


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
