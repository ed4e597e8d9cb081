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
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from .audit import (
    CHECK_COLUMNS,
    STATUS_ORDER,
    Check,
    audit_corpus,
    claim_status,  # the key same_figure groups by: claims without one never meet across documents
)
from .jobs import OUTPUT_CLAIM_COLUMNS, DocOutcome
from .models import CLAIM_COLUMNS, Claim
from .report import ReportStream
from .writers import (
    FORMULA_TRIGGERS,
    CsvStream,
    Sheet,
    SheetStream,
    StreamingWorkbook,
    atomic_path,
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
