"""The outputs of a run, streamed: claims.csv, checks.csv, panel.csv, claims.xlsx (sheets claims,
checks, summary, documents, rules, panel, series), report.html and, with the Dask engine, claims.parquet/.

Document outcomes are appended as they arrive, in input order. Memory holds no claims but those
the panel needs (with an indicator, a place and a period; no sentences) and a compact index of
those that cross-document checks compare (`FigureIndex`: their figure key and the byte spans of
their rows). Those checks, the panel and the changes checked through it run at the end; the rows
whose status the figure checks change are rewritten while claims.csv and the claims sheet are
copied into place in blocks.
"""


from __future__ import annotations

import csv
import io
import sys
from array import array
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
from .changes import Stated, across_documents
from .indicators import Indicators
from .jobs import OUTPUT_CLAIM_COLUMNS, DocOutcome, Figure
from .models import CLAIM_COLUMNS, Claim
from .panel import build_panel, write_panel
from .report import ReportStream
from .writers import (
    FORMULA_TRIGGERS,
    CsvStream,
    Sheet,
    SheetStream,
    Splice,
    StreamingWorkbook,
    write_parquet,
)

if TYPE_CHECKING:
    from .run import RunSummary

# Fields of our own CSV records may be longer than csv's default limit (131,072 characters): the
# claim ids of a check over a figure stated thousands of times. They are read back only here.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))

Changed = tuple[int, str, str]         # a row the corpus checks change: (FigureIndex entry, new status, claim id)
DOCUMENT_COLUMNS = ["doc", "encoding", "claims", "year", "problems"]
CATEGORIES = ["discipline", "case", "risk", "ranking", "activity", "share", "money"]
SUMMARY_COLUMNS = ["table", "key", *CATEGORIES, "total"]
NUMBER_COLUMNS = frozenset({"value", "value_high", "rank_of", "period", "num_start", "num_end",
                            "claim_start", "claim_end", "line"})
PARQUET_TYPES = {name: "float64" if name.startswith("value") else "int64" for name in NUMBER_COLUMNS}


class FigureIndex:
    """The claims that cross-document checks may compare (see `jobs.Figure`), held compactly for
    millions of claims: a few integers each in arrays — document, byte spans of its claims.csv
    record and sheet row, highlight — and its status, grouped by figure key. Entries are numbered
    in the order they are added, which is file order."""

    def __init__(self) -> None:
        self._numbers = {name: array("q") for name in
                         ("doc_no", "csv_start", "csv_end", "xlsx_start", "xlsx_end", "hl_start", "hl_end")}
        self._statuses: list[str] = []
        self._by_key: dict[tuple, array] = {}

    def add(self, doc_no: int, figure: Figure, csv_base: int, xlsx_base: int) -> None:
        """Index `figure` of document `doc_no`, whose records begin at byte `csv_base` of
        claims.csv and whose sheet rows at `xlsx_base` of the claims sheet's rows."""
        n = self._numbers
        self._by_key.setdefault(figure.key, array("q")).append(len(self._statuses))
        n["doc_no"].append(doc_no)
        n["csv_start"].append(csv_base + figure.csv[0])
        n["csv_end"].append(csv_base + figure.csv[1])
        n["xlsx_start"].append(xlsx_base + figure.xlsx[0])
        n["xlsx_end"].append(xlsx_base + figure.xlsx[1])
        n["hl_start"].append(figure.hl_start)
        n["hl_end"].append(figure.hl_end)
        self._statuses.append(sys.intern(figure.status))

    def shared(self) -> list[int]:
        """The entries whose figure key occurs in more than one document, in file order."""
        doc_no = self._numbers["doc_no"]
        return sorted(entry for entries in self._by_key.values() if len({doc_no[e] for e in entries}) > 1
                      for entry in entries)

    def csv_span(self, entry: int) -> tuple[int, int]:
        return self._numbers["csv_start"][entry], self._numbers["csv_end"][entry]

    def xlsx_span(self, entry: int) -> tuple[int, int]:
        return self._numbers["xlsx_start"][entry], self._numbers["xlsx_end"][entry]

    def highlight(self, entry: int) -> tuple[int, int]:
        return self._numbers["hl_start"][entry], self._numbers["hl_end"][entry]

    def status(self, entry: int) -> str:
        return self._statuses[entry]


class RunOutputs:
    """Every output of a run, written as document outcomes arrive (see the module docstring)."""

    def __init__(self, out_dir: Path, summary: RunSummary, report: bool, parquet_batch: int | None) -> None:
        self.out_dir = out_dir
        self.summary = summary
        self.parquet_batch = parquet_batch                 # documents per Parquet part (Dask runs)
        self.part_sizes: list[int] | None = [] if parquet_batch else None   # claims per part
        self.figures = FigureIndex()
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
        self.panel_claims: list[Claim] = []                 # the claims that enter the panel (panel.py)
        self.pending: list[Stated] = []                     # changes whose base another document may state
        self.claim_rows: dict[str, int] = {}                # claim id of a panel claim → its claims sheet row

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
        summary.timeouts.update(outcome.timeouts)
        count = len(outcome.categories)
        summary.by_category.update(outcome.categories)
        summary.by_status.update(outcome.check_statuses)
        csv_base, xlsx_base = self.claims_csv.position, self.claims_sheet.position
        self._add_panel(outcome, self.claims_sheet.rows)
        for figure in outcome.figures:
            self.figures.add(outcome.doc_no, figure, csv_base, xlsx_base)
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
        if self.part_sizes is not None:
            self.part_sizes[-1] += count

    def _add_panel(self, outcome: DocOutcome, rows_before: int) -> None:
        """Keep the document's panel claims, their claims sheet rows, and its pending changes."""
        self.panel_claims.extend(outcome.panel)
        self.pending.extend(outcome.pending)
        for claim in outcome.panel:
            self.claim_rows[claim.claim_id] = rows_before + int(claim.claim_id.rpartition("-")[2]) - 1

    def finish(self, rules_table: list[dict], indicators: Indicators | None = None) -> None:
        """Cross-document checks and the panel, then every file moved into place."""
        corpus_checks, changed = self._corpus_checks()
        vague = indicators.generic() if indicators else frozenset()
        corpus_checks += across_documents(self.pending, self.panel_claims, vague)
        rows = build_panel(self.panel_claims, indicators.name if indicators else str, vague)
        write_panel(self.out_dir, self.book, rows, self.claim_rows)
        check_rows = [c.row() for c in corpus_checks]
        for row in check_rows:
            self.checks_csv.append(row)
        self.checks_sheet.extend(check_rows)
        self.summary.by_status.update(c.status for c in corpus_checks)
        statuses = [{"table": "checks", "key": s, "total": self.summary.by_status[s]} for s in STATUS_ORDER]
        self.summary_sheet.extend(statuses)
        self.rules_sheet.extend(rules_table)
        self.checks_csv.close()
        self._rewrite_claims(changed)
        self._write_parquet()
        if self.report is not None:
            self.report.close({claim_id: status for _, status, claim_id in changed})
        paths = ["claims.csv", "checks.csv", "panel.csv", "claims.xlsx"]
        paths += ["report.html"] if self.report is not None else []
        paths += ["claims.parquet"] if self.part_sizes is not None else []
        self.summary.outputs = [self.out_dir / name for name in paths]

    def _rewrite_claims(self, changed: list[Changed]) -> None:
        """claims.xlsx assembled and claims.csv moved into place, the `changed` rows (in file
        order) rewritten with their new status: each record is read back when its turn comes."""
        self.claims_csv.flush()
        figures = self.figures
        with open(self.claims_csv.tmp, "rb") as records:
            def record(i: int) -> list[str]:
                entry, status, _ = changed[i]
                return [*_record_at(records, *figures.csv_span(entry))[:-1], status]

            def sheet_row(i: int) -> dict:
                hl_start, hl_end = figures.highlight(changed[i][0])
                return {**_typed(record(i)), "hl_start": hl_start, "hl_end": hl_end}

            self.claims_sheet.replace([figures.xlsx_span(entry) for entry, _, _ in changed], sheet_row)
            self.book.close()
            self.claims_csv.close(Splice([figures.csv_span(entry) for entry, _, _ in changed],
                                         lambda i: _encode([record(i)])))

    # --- the cross-document checks

    def _corpus_checks(self) -> tuple[list[Check], list[Changed]]:
        """The corpus checks over the indexed claims that share a figure key across documents, and
        the rows whose status they make worse, in file order. Only those claims' records are read."""
        figures = self.figures
        wanted = figures.shared()
        if not wanted:
            return [], []
        self.claims_csv.flush()
        texts: dict[str, str] = {}                          # equal texts held once
        with open(self.claims_csv.tmp, "rb") as fh:
            claims = [_claim(_record_at(fh, *figures.csv_span(entry)), texts) for entry in wanted]
        del texts
        checks = audit_corpus(claims)
        corpus_status = claim_status(claims, checks)
        changed = []
        for entry, claim in zip(wanted, claims, strict=True):
            before = figures.status(entry)
            after = _worse(before, corpus_status[claim.claim_id])
            if after != before:
                changed.append((entry, after, claim.claim_id))
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
