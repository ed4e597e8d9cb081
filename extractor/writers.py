"""Write rows to CSV and XLSX: one shared cell normaliser, injection-safe, atomic, streaming.

Both writers send every value through `cell_text`, so numbers and formula neutralisation are
identical in claims.csv and the workbook. XLSX-only adjustments (forbidden control characters,
the 32,767-character cell limit) are applied on top of that in `_fit_xlsx`.

Memory stays flat: `CsvStream` appends records to a temporary file moved into place at the end;
`StreamingWorkbook` sends each sheet's rows to a temporary file as they come. The rows are
serialised by `RowEncoder` (plain data, so worker processes can encode their own rows) as the
SpreadsheetML of ECMA-376 — inline strings, rich text for the highlight, numbers with 16
significant digits, the style ids of `STYLE_IDS` — one `<row>` per line, because a spreadsheet
library's per-cell serialisation (openpyxl, XlsxWriter: ~9 µs a cell) costs more than extracting
the claims. The package itself (content types, relationships, workbook, styles, each sheet with
its frozen bold header, column widths and autofilter) is written here with the standard
library's zipfile, each sheet's rows copied from its temporary file.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import numbers
import os
import re
import secrets
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, NamedTuple

log = logging.getLogger(__name__)

MAX_DATA_ROWS = 1_048_575          # rows per sheet below the header; more continue on NAME_2 …
MAX_CELL_CHARS = 32_767            # Excel's limit for one cell
TRUNCATION_MARKER = "…[truncated]"
MAX_COLUMN_WIDTH = 60
MIN_COLUMN_WIDTH = 6
WIDTH_SAMPLE_ROWS = 1_000          # column widths are measured on the first rows of each sheet
ENCODE_ROWS = 1_000                # rows encoded at a time by SheetStream.append
XLSX_COMPRESSLEVEL = 1             # zlib level of the workbook: level 6 is 3x slower for 30% less
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")   # OWASP CSV injection
RED_STATUSES = frozenset({"impossible", "mismatch", "conflict"})
YELLOW_STATUSES = frozenset({"partial", "unverifiable"})

# The control characters XML 1.0 forbids (as openpyxl refuses them), and code points it cannot carry at all.
_XLSX_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_BAD_RE = re.compile(r"[\[\]:*?/\\]")
_MAX_EXACT_INT = 2 ** 53


Stats = dict[str, int]
StyleIds = dict[tuple[str | None, bool], int | None]     # (fill, wrapped) → the cell style id


@dataclass
class Sheet:
    """One worksheet to write; `rows` beyond MAX_DATA_ROWS continue on NAME_2, NAME_3, …"""

    name: str
    columns: list[str]
    rows: list[dict]
    highlight: tuple[str, str, str] | None = None   # (text column, start key, end key)
    wrap: tuple[str, ...] = ()                       # columns whose cells wrap
    fills: str | None = None                         # status column that colours the row


@dataclass(frozen=True)
class Link:
    """A cell showing `text` that links to a place of the workbook (`row_target`); plain text in CSV."""

    text: str
    target: str

    def __str__(self) -> str:
        return self.text


def row_target(sheet: str, index: int) -> str:
    """The place of data row `index` (0-based) of sheet `sheet`, continuation sheets counted."""
    part, row = divmod(index, MAX_DATA_ROWS)
    return f"#'{_sheet_title(sheet, part + 1)}'!A{row + 2}"


# --- the shared cell normaliser -------------------------------------------------------------


def cell_text(value: object) -> str | int | float | None:
    """Normalise one value for output: int, float without noise, neutralised text, or None."""
    kind = type(value)                       # the common exact types first: this runs per cell
    if kind is str:
        return _neutralise(value)
    if kind is int:
        return value
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, (numbers.Real, Decimal)):
        return _number(float(value))
    return _neutralise(str(value))


def _is_missing(value: object) -> bool:
    """None, NaN, or a pandas NA/NaT (recognised without importing pandas)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in {"NAType", "NaTType"}


def _number(x: float) -> str | int | float | None:
    """Round float noise away (10 decimals) and write integral values as ints."""
    if math.isnan(x):
        return None
    if math.isinf(x):
        return _neutralise(str(x))
    rounded = round(x, 10)
    if rounded == 0 and x != 0:            # keep tiny values instead of rounding them to 0
        rounded = float(f"{x:.10g}")
    if rounded.is_integer() and abs(rounded) < _MAX_EXACT_INT:
        return int(rounded)
    return rounded


def _neutralise(text: str) -> str:
    """Prefix a quote to text a spreadsheet would read as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


# --- atomic output -------------------------------------------------------------------------


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; move it into place only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        yield tmp
        with open(tmp, "ab") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- CSV -----------------------------------------------------------------------------------


def write_csv(path: Path, rows: Iterable[dict], columns: list[str]) -> int:
    """Write `rows` as UTF-8-with-BOM CSV in `columns` order (extra keys ignored); return row count.

    Control characters are kept; a lone surrogate (undecodable input) is written as "?".
    """
    with CsvStream(path, columns) as out:
        for row in rows:
            out.append(row)
    return out.rows


class CloseOrAbort:
    """A stream written as a whole or not at all: in a `with` block it is closed (moved into place)
    when the block ends normally and aborted (temporary files removed) when it raises."""

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


class CsvStream(CloseOrAbort):
    """A CSV file written record by record into a temporary file, moved into place by `close`.

    Used as a context manager, an exception removes the temporary file and leaves `path` as it was.
    """

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = Path(path)
        self.columns = list(columns)
        self.rows = 0
        self._stack = ExitStack()
        self.tmp = self._stack.enter_context(atomic_path(self.path))
        self._file = self._stack.enter_context(open(self.tmp, "xb"))
        self._file.write(b"\xef\xbb\xbf" + csv_records([dict(zip(columns, columns, strict=True))], columns))

    @property
    def position(self) -> int:
        """Bytes written so far (BOM and header included): where the next record will start."""
        return self._file.tell()

    def append(self, row: dict) -> None:
        """Write one row."""
        self.write(csv_records([row], self.columns), 1)

    def write(self, records: bytes, count: int) -> None:
        """Write `count` records already encoded by `csv_records` (in this stream's columns)."""
        self._file.write(records)
        self.rows += count

    def copy(self, path: Path, count: int) -> None:
        """Write `count` records already encoded by `csv_records` into the file at `path`."""
        with open(path, "rb") as source:
            shutil.copyfileobj(source, self._file)
        self.rows += count

    def close(self) -> None:
        """Move the file into place (atomically)."""
        self._stack.close()

    def abort(self) -> None:
        """Remove the temporary file; `path` is left as it was."""
        self._stack.__exit__(RuntimeError, RuntimeError("aborted"), None)



def csv_records(rows: Iterable[dict], columns: Sequence[str]) -> bytes:
    """`rows` as CSV records (UTF-8, CRLF, as `write_csv` writes them), `columns` in order,
    written in one pass and encoded at once."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([_csv_cell(row.get(name)) for name in columns] for row in rows)
    return buffer.getvalue().encode("utf-8", "replace")


def _csv_cell(value: object) -> str | int | float:
    """A CSV field: the normalised value, empty for missing."""
    kind = type(value)
    if kind is str:                                    # the common fields first
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    if kind is int:
        return value
    text = cell_text(value)
    return "" if text is None else text


# --- Parquet -------------------------------------------------------------------------------


def write_parquet(folder: Path, columns: list[str], types: dict[str, str], parts: Iterable[list[dict]]) -> int:
    """Write each list of rows as folder/part.N.parquet (pyarrow), `columns` typed by `types`
    (an Arrow type name; text otherwise); the folder is replaced as a whole. Return the parts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, pa.type_for_alias(types.get(name, "string"))) for name in columns])
    folder = Path(folder)
    tmp = folder.with_name(f".{folder.name}.{secrets.token_hex(6)}.tmp")
    try:
        tmp.mkdir(parents=True)
        count = 0
        for count, rows in enumerate(parts, 1):
            table = pa.Table.from_pylist(rows, schema=schema)
            pq.write_table(table, tmp / f"part.{count - 1}.parquet")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return count


# --- XLSX ----------------------------------------------------------------------------------


def write_workbook(path: Path, sheets: list[Sheet]) -> Stats:
    """Write `sheets` to an .xlsx file; return {"replaced_control_chars": n, "truncated_cells": m}."""
    with StreamingWorkbook(path) as book:
        for sheet in sheets:
            book.add_sheet(sheet).extend(sheet.rows)
    return book.stats


class StreamingWorkbook(CloseOrAbort):
    """An .xlsx file written with flat memory, sheet rows appended as they come.

    `add_sheet` gives a `SheetStream` per sheet; `close` lays every sheet out (widths from its
    first WIDTH_SAMPLE_ROWS rows, header bold and frozen, autofilter), continues sheets of more
    than MAX_DATA_ROWS rows on NAME_2, NAME_3 …, and zips the package (`_package`) atomically.
    The first sheet goes into the package (compressed) as its rows come, once its widths are
    known: the package's first entries are its worksheets, and a big sheet is not left to
    compress at the end. As a context manager, an exception leaves neither the file nor
    temporary files behind.
    """

    def __init__(self, path: Path, compresslevel: int = XLSX_COMPRESSLEVEL) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.compresslevel = compresslevel
        self.stats: Stats = {"replaced_control_chars": 0, "truncated_cells": 0}
        self.sheets: list[SheetStream] = []
        self._dir = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent))
        self._package = ExitStack()                     # the zip file, in a temporary file until closed
        self._archive: zipfile.ZipFile | None = None

    def archive(self) -> zipfile.ZipFile:
        """The package being written (opened on first use)."""
        if self._archive is None:
            tmp = self._package.enter_context(atomic_path(self.path))
            self._archive = self._package.enter_context(zipfile.ZipFile(
                tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=self.compresslevel))
        return self._archive

    def add_sheet(self, sheet: Sheet) -> SheetStream:
        """A stream for the rows of `sheet` (its `rows` are not read here)."""
        stream = SheetStream(sheet, RowEncoder(sheet), self._dir / f"{len(self.sheets)}.xml", self.stats,
                             None if self.sheets else self.archive)
        self.sheets.append(stream)
        return stream

    def close(self) -> Stats:
        """Assemble and save the workbook; return the counts of replaced characters and cut cells."""
        try:
            archive = self.archive()
            parts = [part for stream in self.sheets for part in stream.parts()]
            for n, part in enumerate(parts, 1):
                if not part.written:                       # the first sheet's are
                    with archive.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as target:
                        part.write(target)
            _package(archive, parts)
            self._package.close()
        finally:
            self.abort()
        if any(self.stats.values()):
            log.warning("%s: %d control characters replaced, %d cells truncated", self.path.name,   # staged: no folder
                        self.stats["replaced_control_chars"], self.stats["truncated_cells"])
        return self.stats

    def abort(self) -> None:
        """Remove the temporary files (the workbook is not written)."""
        for stream in self.sheets:
            stream.discard()
        self._package.__exit__(RuntimeError, RuntimeError("aborted"), None)   # nothing left after `close`
        shutil.rmtree(self._dir, ignore_errors=True)


class SheetStream:
    """The data rows of one sheet, kept in a temporary file (one `<row>` per line) until the
    workbook is closed.

    Rows carry no row numbers (`<row>` and `<c>` without `r`: ECMA-376 numbers them in order), so
    assembling a sheet copies bytes; the byte offsets where continuation sheets begin are noted as
    rows are written. With `archive` (the workbook's first sheet), the rows are copied on into
    the package as they come once the column widths are known (`_drain`).
    """

    def __init__(self, sheet: Sheet, encoder: RowEncoder, path: Path, stats: Stats,
                 archive: Callable[[], zipfile.ZipFile] | None = None) -> None:
        self.sheet = sheet
        self.encoder = encoder
        self.rows = 0
        self.stats = stats
        self._path = path
        self._file = open(path, "wb")
        self._sampled = 0                               # rows measured for the column widths
        self._longest = [_display_width(name) for name in sheet.columns]   # widest cell (header) so far
        self._pending: list[dict] = []                   # rows added, not yet encoded
        self._part_starts = [0]                         # byte offset of each sheet's first row
        self._archive = archive
        self._entry: BinaryIO | None = None             # the worksheet being written into the archive
        self._drained = 0                               # bytes of the file copied into the archive
        self._parts_done = 0                            # worksheets written into the archive
        self._widths: list[float] | None = None

    @property
    def wants_sample(self) -> bool:
        """Whether the column widths still want rows (see `write`)."""
        return self._sampled < WIDTH_SAMPLE_ROWS

    def append(self, row: dict) -> None:
        """Add one row; rows are encoded ENCODE_ROWS at a time (a row per call costs ~3× more)."""
        self._pending.append(row)
        if len(self._pending) >= ENCODE_ROWS:
            self._flush()

    def extend(self, rows: Iterable[dict]) -> None:
        """Add rows (see `append`)."""
        for row in rows:
            self.append(row)

    def _flush(self) -> None:
        """Encode and write the rows added since the last time."""
        if self._pending:
            chunk, self._pending = self._pending, []
            self._write(self.encoder.xlsx(chunk, self.stats), len(chunk), chunk)

    def write(self, xml: bytes, count: int, sample: Sequence[dict] = ()) -> None:
        """Write `count` rows encoded by this sheet's `RowEncoder` (after the rows added before);
        `sample`: those rows as dicts (any cell values that give the same text), wanted while
        `wants_sample`."""
        self._flush()
        self._write(xml, count, sample)

    def _write(self, xml: bytes, count: int, sample: Sequence[dict]) -> None:
        position = self._file.tell()
        for boundary in range(self._boundary(), self.rows + count, MAX_DATA_ROWS):      # a continuation sheet begins
            self._part_starts.append(position + _line_end(xml, boundary - self.rows))
        self._file.write(xml)
        self._count(count, sample)

    def copy(self, path: Path, count: int, sample: Sequence[dict] = ()) -> None:
        """`write` for rows encoded into the file at `path`, copied (read whole only when a
        continuation sheet begins among them)."""
        self._flush()
        if self._boundary() < self.rows + count:
            self._write(path.read_bytes(), count, sample)
            return
        with open(path, "rb") as source:
            shutil.copyfileobj(source, self._file)
        self._count(count, sample)

    def _count(self, count: int, sample: Sequence[dict]) -> None:
        """`count` rows were written; `sample` of them measured while the column widths want it
        (only the widest cell of each column is kept)."""
        if self.wants_sample:
            measured = sample[:WIDTH_SAMPLE_ROWS - self._sampled]
            self._longest = [max([longest, *(_display_width(cell_text(row.get(name))) for row in measured)])
                             for name, longest in zip(self.sheet.columns, self._longest, strict=True)]
            self._sampled += len(measured)
        self.rows += count
        if self._archive is not None and not self.wants_sample:
            self._drain()

    def _boundary(self) -> int:
        """The first row (0-based) from which a new continuation sheet would begin."""
        return max(MAX_DATA_ROWS, -(-self.rows // MAX_DATA_ROWS) * MAX_DATA_ROWS)

    def parts(self) -> list[SheetPart]:
        """The worksheets of this sheet: the first, then its continuation sheets (with `archive`,
        written there)."""
        self._flush()
        if self._archive is not None:
            self._drain(final=True)
        self._file.close()
        stops = [*self._part_starts[1:], self._path.stat().st_size]
        return [self._part(n, start, stop) for n, start, stop in zip(range(len(stops)), self._part_starts, stops,
                                                                     strict=True)]

    def _part(self, n: int, start: int = 0, stop: int = 0) -> SheetPart:
        """Worksheet `n` (0-based) of this sheet, its rows at bytes start…stop-1 of the file."""
        if self._widths is None:
            self._widths = [min(MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, longest + 2)) for longest in self._longest]
        first, last = list(_chunks(self.rows))[n]
        return SheetPart(_sheet_title(self.sheet.name, n + 1), self.sheet.columns, self._widths, last - first,
                         self._path, start, stop, self.stats, written=n < self._parts_done)

    def _drain(self, final: bool = False) -> None:
        """Copy the rows written so far into the archive, each worksheet its own entry: header
        first, the autofilter once its rows are complete (all of them when `final`)."""
        self._file.flush()
        end = self._file.tell()
        while True:
            n = self._parts_done
            if self._entry is None:
                self._entry = self._archive().open(f"xl/worksheets/sheet{n + 1}.xml", "w", force_zip64=True)
                self._part(n).head(self._entry)
            stop = self._part_starts[n + 1] if n + 1 < len(self._part_starts) else end
            if stop > self._drained:
                _copy_range(self._path, self._entry, self._drained, stop)
                self._drained = stop
            if stop == end and not final:
                return
            self._part(n).tail(self._entry)
            self._entry.close()
            self._entry, self._parts_done = None, n + 1
            if stop == end:
                return

    def discard(self) -> None:
        if self._entry is not None:
            self._entry.close()
            self._entry = None
        self._file.close()
        self._path.unlink(missing_ok=True)


@dataclass(frozen=True)
class SheetPart:
    """One worksheet of the package: its header and layout, and its rows at bytes start…stop-1
    of a `SheetStream`'s file."""

    title: str
    columns: list[str]
    widths: list[float]
    n_rows: int
    rows: Path
    start: int
    stop: int
    stats: Stats
    written: bool = False           # already in the package (the workbook's first sheet)

    def write(self, target: BinaryIO) -> None:
        """The worksheet XML: frozen bold header, column widths, the rows, the autofilter."""
        self.head(target)
        if self.stop > self.start:
            _copy_range(self.rows, target, self.start, self.stop)
        self.tail(target)

    def head(self, target: BinaryIO) -> None:
        """The worksheet XML up to its rows: layout, column widths, the frozen bold header."""
        cols = "".join(f'<col width="{w:g}" customWidth="1" min="{i}" max="{i}"/>' for i, w in enumerate(self.widths, 1))
        header = "".join(_xml_cell(_fit_xlsx(cell_text(name), self.stats), f' s="{HEADER_STYLE}"')
                         for name in self.columns)
        target.write((f'<worksheet xmlns="{_MAIN_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
                      "<pageSetUpPr/></sheetPr><sheetViews><sheetView workbookViewId=\"0\">"
                      '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                      '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
                      '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
                      + (f"<cols>{cols}</cols>" if cols else "")
                      + f'<sheetData><row r="1">{header}</row>').encode("utf-8"))

    def tail(self, target: BinaryIO) -> None:
        """The worksheet XML after its rows: the autofilter over them, the page margins."""
        last = f"{get_column_letter(len(self.columns))}{self.n_rows + 1}" if self.columns else ""
        target.write(("</sheetData>" + (f'<autoFilter ref="A1:{last}"/>' if last else "")
                      + '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
                      "</worksheet>").encode("utf-8"))


def _package(archive: zipfile.ZipFile, parts: list[SheetPart]) -> None:
    """The parts of the package besides the worksheets (ECMA-376 Part 1 and 2): content types,
    relationships, the workbook (sheet names, autofilter names) and the styles."""
    sheets = parts or [SheetPart("Sheet", [], [], 0, Path(), 0, 0, {})]     # Excel refuses a book without sheets
    if not parts:
        with archive.open("xl/worksheets/sheet1.xml", "w") as target:
            sheets[0].write(target)
    worksheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{worksheet}"/>'
                        for n in range(1, len(sheets) + 1))
    archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(overrides=overrides))
    archive.writestr("_rels/.rels", _ROOT_RELS)
    names = "".join(f'<sheet name="{_xml_attr(s.title)}" sheetId="{n}" state="visible" r:id="rId{n}"/>'
                    for n, s in enumerate(sheets, 1))
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{_xml_text(_quoted_title(s.title))}!$A$1:${get_column_letter(len(s.columns))}${s.n_rows + 1}</definedName>"
        for n, s in enumerate(sheets) if s.columns)
    archive.writestr("xl/workbook.xml", _WORKBOOK.format(
        sheets=names, names=f"<definedNames>{filters}</definedNames>" if filters else ""))
    rels = "".join(f'<Relationship Type="{_REL}/worksheet" Target="/xl/worksheets/sheet{n}.xml" Id="rId{n}"/>'
                   for n in range(1, len(sheets) + 1))
    archive.writestr("xl/_rels/workbook.xml.rels",
                     f'<Relationships xmlns="{_PACKAGE_REL}">{rels}'
                     f'<Relationship Type="{_REL}/styles" Target="styles.xml" Id="rId{len(sheets) + 1}"/>'
                     "</Relationships>")
    archive.writestr("xl/styles.xml", _STYLES)


def _copy_range(path: Path, target: BinaryIO, start: int, stop: int, block: int = 1 << 20) -> None:
    """Copy bytes start…stop-1 of the file at `path` to `target`."""
    with open(path, "rb") as source:
        source.seek(start)
        left = stop - start
        while left > 0:
            data = source.read(min(block, left))
            if not data:
                raise ValueError(f"{path}: ends before byte {stop}")
            target.write(data)
            left -= len(data)


def _quoted_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def get_column_letter(index: int) -> str:
    """The letters of column `index` (1-based): A … Z, AA …"""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{overrides}</Types>")
_ROOT_RELS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PACKAGE_REL}">'
              f'<Relationship Type="{_REL}/officeDocument" Target="xl/workbook.xml" Id="rId1"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL}"><workbookPr/>'
    '<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>{names}'
    '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
# Cell formats by id: 0 plain, 1 wrapped, 2/3 red fill (plain/wrapped), 4/5 yellow fill, 6 the bold header.
_XF = '<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"{wrap}</xf>'
_WRAPPED = ' applyAlignment="1"><alignment vertical="top" wrapText="1"/>'
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_MAIN_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="4"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="00FFC7CE"/></patternFill></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="00FFEB9C"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7">'
    + "".join(_XF.format(font=0, fill=fill, wrap=_WRAPPED if wrapped else ">") for fill in (0, 2, 3)
              for wrapped in (False, True))
    + _XF.format(font=1, fill=0, wrap=">")
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")
HEADER_STYLE = 6
_FILLS = (None, "red", "yellow")      # a data cell's fill (`_fill_key`), in the order of its styles
STYLE_IDS: StyleIds = {(fill, wrapped): 2 * i + wrapped or None
                       for i, fill in enumerate(_FILLS) for wrapped in (False, True)}


def _line_end(data: bytes, lines: int) -> int:
    """The offset just after the first `lines` lines of `data`."""
    end = 0
    for _ in range(lines):
        end = data.index(b"\n", end) + 1
    return end


def _chunks(n_rows: int) -> Iterator[tuple[int, int]]:
    """(start, stop) row ranges of at most MAX_DATA_ROWS; one empty range for no rows."""
    limit = MAX_DATA_ROWS
    for start in range(0, max(n_rows, 1), limit):
        yield start, min(start + limit, n_rows)


def _sheet_title(name: str, part: int) -> str:
    """A valid sheet title (≤31 chars, no []:*?/\\); parts after the first get _2, _3, …"""
    base = _SHEET_TITLE_BAD_RE.sub("_", name) or "Sheet"
    suffix = f"_{part}" if part > 1 else ""
    return base[: 31 - len(suffix)] + suffix


# --- rows as XLSX XML ----------------------------------------------------------------------------

_XML_SPECIAL = re.compile(r"[&<>\n\r]")
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "&#10;", "\r": "&#13;"})
_PRESERVE = ' xml:space="preserve"'
_TEXT_AS_IS_NOT_RE = re.compile(f"{_XML_SPECIAL.pattern}|{_XLSX_FORBIDDEN_RE.pattern}")   # text to escape or replace


class RowEncoder:
    """Encodes the data rows of one sheet as XLSX `<row>` elements, one per line, without row or
    cell references (`SheetStream` numbers the rows). Holds plain data only: picklable."""

    def __init__(self, sheet: Sheet) -> None:
        self.columns = list(sheet.columns)
        self.highlight = sheet.highlight
        self.fills = sheet.fills
        wrap = set(sheet.wrap)
        self._cells = {fill: [_CellShapes(name, _style_attr(STYLE_IDS[(fill, name in wrap)])) for name in self.columns]
                       for fill in _FILLS}
        self._text_column = sheet.highlight[0] if sheet.highlight else None

    def xlsx(self, rows: Iterable[dict], stats: Stats) -> bytes:
        """The rows as XML lines; replaced characters and cut cells are counted in `stats`."""
        return b"".join(self.xlsx_lines(rows, stats))

    def xlsx_lines(self, rows: Iterable[dict], stats: Stats) -> list[bytes]:
        """Each row as its XML line, as `xlsx` writes it. A row whose texts hold nothing to escape,
        replace or cut (one test over them all) takes its text cells as they are."""
        lines = []
        text_column, fills = self._text_column, self.fills
        for row in rows:
            shapes = self._cells[_fill_key(row.get(fills)) if fills else None]
            texts = "".join([value for value in row.values() if type(value) is str])
            plain = len(texts) <= MAX_CELL_CHARS and not _TEXT_AS_IS_NOT_RE.search(texts)
            cells = []
            for shape in shapes:
                value = row.get(shape.name)
                kind = type(value)
                if kind is str and plain and shape.name != text_column:    # the common cells first
                    if value.startswith(FORMULA_TRIGGERS):
                        value = "'" + value
                    if not value:
                        cells.append(shape.empty_text)
                    elif value.strip() != value:
                        cells.append(shape.spaced_text + value + _TEXT_END)
                    else:
                        cells.append(shape.text + value + _TEXT_END)
                elif shape.name == text_column:
                    cells.append(_xml_cell(_highlighted(row, self.highlight, stats), shape.style))
                elif kind is str:
                    cells.append(_text_cell(value, shape.style, stats))
                elif value is None:
                    cells.append(shape.empty)
                elif kind is int:
                    cells.append(f'{shape.number}{value:.16g}</v></c>')
                else:
                    cells.append(_xml_cell(value if kind is Link else _fit_xlsx(cell_text(value), stats), shape.style))
            lines.append(("<row>" + "".join(cells) + "</row>\n").encode("utf-8"))
        return lines


class _CellShapes:
    """The opening tags of a column's cells in one style, as `_xml_cell` writes them."""

    __slots__ = ("name", "style", "empty", "empty_text", "text", "spaced_text", "number")

    def __init__(self, name: str, style: str) -> None:
        self.name, self.style = name, style
        self.empty = f"<c{style}/>"
        self.empty_text = f'<c{style} t="inlineStr"/>'
        self.text = f'<c{style} t="inlineStr"><is><t>'
        self.spaced_text = f'<c{style} t="inlineStr"><is><t{_PRESERVE}>'
        self.number = f'<c{style} t="n"><v>'


_TEXT_END = "</t></is></c>"


def _text_cell(value: str, style: str, stats: Stats) -> str:
    """A text cell: `_xml_cell(_fit_xlsx(cell_text(value)))` without the type dispatch."""
    if value.startswith(FORMULA_TRIGGERS):
        value = "'" + value
    if len(value) > MAX_CELL_CHARS or _XLSX_FORBIDDEN_RE.search(value):
        value = _fit_xlsx(value, stats)
    if not value:
        return f'<c{style} t="inlineStr"/>'
    space = _PRESERVE if value != value.strip() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'


def _style_attr(style_id: int | None) -> str:
    return "" if style_id is None else f' s="{style_id}"'


def _xml_cell(value: object, style: str) -> str:
    """One `<c>`: text as an inline string, a highlight as rich text, a link as a HYPERLINK
    formula with its text cached, numbers with 16 significant digits."""
    if value is None:
        return f"<c{style}/>"
    if value == "":
        return f'<c{style} t="inlineStr"/>'
    if type(value) is str:
        space = _PRESERVE if value != value.strip() else ""
        return f'<c{style} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'
    if isinstance(value, Highlighted):
        runs = (_xml_run(part, marked) for part, marked in zip(value, (False, True, False), strict=True) if part)
        return f'<c{style} t="inlineStr"><is>{"".join(runs)}</is></c>'
    if isinstance(value, Link):
        text, target = (_xml_text(x.replace('"', '""')) for x in (value.text, value.target))
        return f'<c{style} t="str"><f>HYPERLINK("{target}","{text}")</f><v>{_xml_text(value.text)}</v></c>'
    if isinstance(value, float) and not math.isfinite(value):
        return f'<c{style} t="n"/>'
    return f'<c{style} t="n"><v>{value:.16g}</v></c>'


class Highlighted(NamedTuple):
    """A text cell whose middle part is shown bold red (the claim in its sentence)."""

    before: str
    marked: str
    after: str

    def __str__(self) -> str:
        return self.before + self.marked + self.after


_MARKED_FONT = '<rPr><b val="1"/><color rgb="00FF0000"/></rPr>'


def _xml_run(text: str, marked: bool) -> str:
    """One run of rich text, bold red when `marked`."""
    stripped = text.strip()
    space = _PRESERVE if stripped and text != stripped else ""
    return f"<r>{_MARKED_FONT if marked else ''}<t{space}>{_xml_text(text)}</t></r>"


def _xml_text(text: str) -> str:
    """Text escaped for XML; line breaks as character references, so each row stays one line."""
    return text.translate(_XML_ESCAPES) if _XML_SPECIAL.search(text) else text


def _fit_xlsx(value: str | int | float | None, stats: Stats) -> str | int | float | None:
    """Replace control characters XLSX forbids with U+FFFD and cut over-long text; count both."""
    if type(value) is not str:
        return value
    if _XLSX_FORBIDDEN_RE.search(value):
        value, replaced = _XLSX_FORBIDDEN_RE.subn("\ufffd", value)
        stats["replaced_control_chars"] += replaced
    if len(value) > MAX_CELL_CHARS:
        stats["truncated_cells"] += 1
        value = value[: MAX_CELL_CHARS - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    return value


def _highlighted(row: dict, highlight: tuple[str, str, str], stats: Stats) -> object:
    """The text cell as rich text with [start, end) bold red; plain text if offsets don't fit."""
    column, start_key, end_key = highlight
    raw = row.get(column)
    neutral = cell_text(raw)
    text = _fit_xlsx(neutral, stats)
    start, end = _offset(row.get(start_key)), _offset(row.get(end_key))
    if not isinstance(raw, str) or not isinstance(text, str) or start is None or end is None:
        return text
    shift = len(neutral) - len(raw)                  # the neutralising quote, if any
    kept = len(text) if len(text) == len(neutral) else len(text) - len(TRUNCATION_MARKER)
    start, end = start + shift, end + shift
    if not shift <= start < end <= kept:
        return text
    return Highlighted(text[:start], text[start:end], text[end:])


def _offset(value: object) -> int | None:
    """An integer offset (ints or integral floats), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _fill_key(status: object) -> str | None:
    """"red" for impossible/mismatch/conflict, "yellow" for partial/unverifiable, else None."""
    key = str(status).strip().lower() if status is not None else ""
    if key in RED_STATUSES:
        return "red"
    if key in YELLOW_STATUSES:
        return "yellow"
    return None


def _display_width(value: object) -> int:
    """Width of the longest line of a value, wide (CJK) characters counting 2; capped."""
    if value is None:
        return 0
    lines = str(value).split("\n")
    return max(_line_width(line[:MAX_COLUMN_WIDTH]) for line in lines)


def _line_width(line: str) -> int:
    """Display width of one line: East Asian wide/full-width characters count 2."""
    if line.isascii():
        return len(line)
    return sum(map(_char_width, line))


@lru_cache(maxsize=8192)
def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1
