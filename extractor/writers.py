"""Write rows to CSV and XLSX: one shared cell normaliser, injection-safe, atomic, streaming.

Both writers send every value through `cell_text`, so numbers and formula neutralisation are
identical in claims.csv and the workbook. XLSX-only adjustments (forbidden control characters,
the 32,767-character cell limit) are applied on top of that in `_fit_xlsx`.

Memory stays flat: `CsvStream` appends records to a temporary file moved into place at the end;
`StreamingWorkbook` sends each sheet's rows to a temporary file as they come. The rows are
serialised by `RowEncoder` (plain data, so worker processes can encode their own rows) as the
XML openpyxl writes for them — inline strings, rich text for the highlight, numbers via
openpyxl's `safe_string`, style ids registered in the workbook — one `<row>` per line, because
openpyxl's per-cell serialisation (~7 µs a cell) costs more than extracting the claims. The
workbook itself (package, styles, frozen header, widths, autofilter) is openpyxl's write-only
mode: each sheet is written by openpyxl with its header row, then the data rows are spliced
into its `sheetData`, numbered, before openpyxl zips it.
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
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import tostring

log = logging.getLogger(__name__)

MAX_DATA_ROWS = 1_048_575          # rows per sheet below the header; more continue on NAME_2 …
MAX_CELL_CHARS = 32_767            # Excel's limit for one cell
TRUNCATION_MARKER = "…[truncated]"
MAX_COLUMN_WIDTH = 60
MIN_COLUMN_WIDTH = 6
WIDTH_SAMPLE_ROWS = 1_000          # column widths are measured on the first rows of each sheet
XLSX_COMPRESSLEVEL = 1             # zlib level of the workbook: level 6 is 3x slower for 30% less
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")   # OWASP CSV injection
RED_STATUSES = frozenset({"impossible", "mismatch", "conflict"})
YELLOW_STATUSES = frozenset({"partial", "unverifiable"})

# openpyxl's forbidden control characters, plus code points XML 1.0 cannot carry at all.
_XLSX_FORBIDDEN_RE = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_BAD_RE = re.compile(r"[\[\]:*?/\\]")
_MAX_EXACT_INT = 2 ** 53

_HEADER_FONT = Font(bold=True)
_HIGHLIGHT_FONT = InlineFont(b=True, color="FF0000")
_WRAP = Alignment(wrap_text=True, vertical="top")
_RED_FILL = PatternFill(fill_type="solid", fgColor="FFC7CE")
_YELLOW_FILL = PatternFill(fill_type="solid", fgColor="FFEB9C")

_FILLS = {"red": _RED_FILL, "yellow": _YELLOW_FILL}

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


@dataclass(frozen=True)
class Splice:
    """Byte spans of a file and what to write instead of each, made only when it is copied (so
    the replacements of a big file are never all held at once)."""

    spans: Sequence[tuple[int, int]] = ()        # (start, end): bytes start…end-1; sorted, not overlapping
    data: Callable[[int], bytes] = bytes         # the bytes to write instead of spans[i] (unused without spans)


def copy_spliced(source: BinaryIO, target: BinaryIO, start: int, stop: int, splice: Splice = Splice()) -> None:
    """Copy bytes start…stop-1 of `source` to `target`, each span of `splice` that begins in the
    range replaced by its data."""
    position = start
    spans = splice.spans
    for i in range(bisect_left(spans, (start,)), len(spans)):
        begin, end = spans[i]
        if begin >= stop:
            break
        _copy_range(source, target, position, begin)
        target.write(splice.data(i))
        position = end
    _copy_range(source, target, position, stop)


def _copy_range(source: BinaryIO, target: BinaryIO, start: int, stop: int, block: int = 1 << 20) -> None:
    source.seek(start)
    left = stop - start
    while left > 0:
        data = source.read(min(block, left))
        if not data:
            raise ValueError(f"{getattr(source, 'name', 'file')}: ends before byte {stop}")
        target.write(data)
        left -= len(data)


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

    def flush(self) -> None:
        self._file.flush()

    def close(self, splice: Splice = Splice()) -> None:
        """Move the file into place (atomically), with the records at the spans of `splice`
        (byte offsets, see `position`) replaced."""
        if not splice.spans:
            self._stack.close()
            return
        self._file.flush()
        with atomic_path(self.path) as final, open(self.tmp, "rb") as source, open(final, "xb") as target:
            copy_spliced(source, target, 0, self.position, splice)
        self.abort()

    def abort(self) -> None:
        """Remove the temporary file; `path` is left as it was."""
        self._stack.__exit__(RuntimeError, RuntimeError("aborted"), None)



def csv_records(rows: Iterable[dict], columns: Sequence[str]) -> bytes:
    """`rows` as CSV records (UTF-8, CRLF, as `write_csv` writes them), `columns` in order."""
    return b"".join(csv_record_list(rows, columns))


def csv_record_list(rows: Iterable[dict], columns: Sequence[str]) -> list[bytes]:
    """Each row as its CSV record, as `csv_records` writes it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    records = []
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in columns])
        records.append(buffer.getvalue().encode("utf-8", "replace"))
        buffer.seek(0)
        buffer.truncate()
    return records


def _csv_cell(value: object) -> str | int | float:
    """A CSV field: the normalised value, empty for missing."""
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
    than MAX_DATA_ROWS rows on NAME_2, NAME_3 …, and saves atomically. As a context manager, an
    exception leaves neither the file nor temporary files behind.
    """

    def __init__(self, path: Path, compresslevel: int = XLSX_COMPRESSLEVEL) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.compresslevel = compresslevel
        self.stats: Stats = {"replaced_control_chars": 0, "truncated_cells": 0}
        self.sheets: list[SheetStream] = []
        self._book = Workbook(write_only=True)
        self.styles = _style_ids(self._book)
        self._dir = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent))

    def add_sheet(self, sheet: Sheet) -> SheetStream:
        """A stream for the rows of `sheet` (its `rows` are not read here)."""
        stream = SheetStream(sheet, RowEncoder(sheet, self.styles), self._dir / f"{len(self.sheets)}.xml",
                             self.stats)
        self.sheets.append(stream)
        return stream

    def close(self) -> Stats:
        """Assemble and save the workbook; return the counts of replaced characters and cut cells."""
        try:
            for stream in self.sheets:
                stream.finish(self._book)
            if not self.sheets:
                self._book.create_sheet("Sheet")       # Excel refuses a workbook without sheets
            with atomic_path(self.path) as tmp:
                archive = zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                                          compresslevel=self.compresslevel)
                ExcelWriter(self._book, archive).save()
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
        shutil.rmtree(self._dir, ignore_errors=True)



class SheetStream:
    """The data rows of one sheet, kept in a temporary file (one `<row>` per line) until `finish`.

    Rows carry no row numbers (`<row>` and `<c>` without `r`: ECMA-376 numbers them in order), so
    assembling a sheet copies bytes; the byte offsets where continuation sheets begin are noted as
    rows are written.
    """

    def __init__(self, sheet: Sheet, encoder: RowEncoder, path: Path, stats: Stats) -> None:
        self.sheet = sheet
        self.encoder = encoder
        self.rows = 0
        self.stats = stats
        self._path = path
        self._file = open(path, "wb")
        self._sample: list[dict] = []
        self._part_starts = [0]                         # byte offset of each sheet's first row
        self._replacements = Splice()

    @property
    def wants_sample(self) -> bool:
        """Whether the column widths still want rows (see `write`)."""
        return len(self._sample) < WIDTH_SAMPLE_ROWS

    @property
    def position(self) -> int:
        """Bytes of rows written so far: where the next row will start."""
        return self._file.tell()

    def append(self, row: dict) -> None:
        self.extend([row])

    def extend(self, rows: Iterable[dict]) -> None:
        """Encode and write rows."""
        rows = list(rows)
        self.write(self.encoder.xlsx(rows, self.stats), len(rows), rows)

    def write(self, xml: bytes, count: int, sample: Sequence[dict] = ()) -> None:
        """Write `count` rows encoded by this sheet's `RowEncoder`; `sample`: those rows as dicts
        (any cell values that give the same text), wanted while `wants_sample`."""
        position, first = self.position, max(MAX_DATA_ROWS, -(-self.rows // MAX_DATA_ROWS) * MAX_DATA_ROWS)
        for boundary in range(first, self.rows + count, MAX_DATA_ROWS):      # a continuation sheet begins
            self._part_starts.append(position + _line_end(xml, boundary - self.rows))
        self._file.write(xml)
        if self.wants_sample:
            self._sample.extend(sample[:WIDTH_SAMPLE_ROWS - len(self._sample)])
        self.rows += count

    def replace(self, spans: Sequence[tuple[int, int]], rows: Callable[[int], dict]) -> None:
        """Rows to write instead of what was written for them: `spans` are the byte spans of
        their lines (see `position`; sorted), `rows(i)` the row for spans[i], asked for while the
        sheet is assembled."""
        unchanged: Stats = {"replaced_control_chars": 0, "truncated_cells": 0}   # counted when first written
        self._replacements = Splice(spans, lambda i: self.encoder.xlsx([rows(i)], unchanged))

    def finish(self, book: Workbook) -> None:
        """Add this sheet (and its continuation sheets) to `book`, rows spliced in."""
        self._file.close()
        widths = _column_widths(self.sheet.columns, self._sample)
        stops = [*self._part_starts[1:], self._path.stat().st_size]
        with open(self._path, "rb") as rows:
            for part, ((first, last), start, stop) in enumerate(zip(_chunks(self.rows), self._part_starts, stops,
                                                                     strict=True), 1):
                ws = book.create_sheet(_sheet_title(self.sheet.name, part))
                _lay_out(ws, self.sheet.columns, widths, last - first, self.stats)
                self._splice(ws, rows, start, stop)

    def discard(self) -> None:
        self._file.close()
        self._path.unlink(missing_ok=True)

    def _splice(self, ws: WriteOnlyWorksheet, rows: BinaryIO, start: int, stop: int) -> None:
        """Rewrite the sheet openpyxl wrote (header only) with the rows at bytes start…stop-1."""
        ws.close()
        out = ws._writer.out                       # the part openpyxl zips when the book is saved
        with open(out, "rb") as fh:
            head, tail = fh.read().split(b"</sheetData>", 1)
        with open(out, "wb") as fh:
            fh.write(head)
            copy_spliced(rows, fh, start, stop, self._replacements)
            fh.write(b"</sheetData>" + tail)


def _line_end(data: bytes, lines: int) -> int:
    """The offset just after the first `lines` lines of `data`."""
    end = 0
    for _ in range(lines):
        end = data.index(b"\n", end) + 1
    return end


def _lay_out(ws: WriteOnlyWorksheet, columns: list[str], widths: list[float], n_rows: int, stats: Stats) -> None:
    """Freeze the header, set widths and the autofilter (before any row), write the bold header."""
    ws.freeze_panes = "A2"
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n_rows + 1}"
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, _fit_xlsx(cell_text(name), stats))
        cell.data_type = "s"                        # never a formula or an error code
        cell.font = _HEADER_FONT
        header.append(cell)
    ws.append(header)


def _style_ids(book: Workbook) -> StyleIds:
    """Register the data-cell styles (status fill × wrapped) in `book`; their ids, None for none."""
    holder = SimpleNamespace(parent=book)          # what a cell needs to reach the workbook's styles
    ids: StyleIds = {}
    for fill in (None, *_FILLS):
        for wrapped in (False, True):
            cell = WriteOnlyCell(holder)
            if fill:
                cell.fill = _FILLS[fill]
            if wrapped:
                cell.alignment = _WRAP
            ids[(fill, wrapped)] = cell.style_id if cell.has_style else None
    return ids


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


class RowEncoder:
    """Encodes the data rows of one sheet as XLSX `<row>` elements, one per line, without row or
    cell references (`SheetStream` numbers the rows). Holds plain data only: picklable."""

    def __init__(self, sheet: Sheet, styles: StyleIds) -> None:
        self.columns = list(sheet.columns)
        self.highlight = sheet.highlight
        self.fills = sheet.fills
        wrap = set(sheet.wrap)
        self._styles = {fill: [_style_attr(styles[(fill, name in wrap)]) for name in self.columns]
                        for fill in (None, *_FILLS)}
        self._text_column = sheet.highlight[0] if sheet.highlight else None

    def xlsx(self, rows: Iterable[dict], stats: Stats) -> bytes:
        """The rows as XML lines; replaced characters and cut cells are counted in `stats`."""
        return b"".join(self.xlsx_lines(rows, stats))

    def xlsx_lines(self, rows: Iterable[dict], stats: Stats) -> list[bytes]:
        """Each row as its XML line, as `xlsx` writes it."""
        lines = []
        text_column, columns = self._text_column, self.columns
        for row in rows:
            styles = self._styles[_fill_key(row.get(self.fills)) if self.fills else None]
            cells = []
            for name, style in zip(columns, styles, strict=True):
                if name == text_column:
                    value = _highlighted(row, self.highlight, stats)
                elif isinstance(row.get(name), Link):
                    value = row[name]
                else:
                    value = _fit_xlsx(cell_text(row.get(name)), stats)
                cells.append(_xml_cell(value, style))
            lines.append(("<row>" + "".join(cells) + "</row>\n").encode("utf-8"))
        return lines


def _style_attr(style_id: int | None) -> str:
    return "" if style_id is None else f' s="{style_id}"'


def _xml_cell(value: object, style: str) -> str:
    """One `<c>` as openpyxl writes it: text as an inline string, numbers via `safe_string`."""
    if value is None:
        return f"<c{style}/>"
    if value == "":
        return f'<c{style} t="inlineStr"/>'
    if type(value) is str:
        space = _PRESERVE if value != value.strip() else ""
        return f'<c{style} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'
    if isinstance(value, CellRichText):
        return f'<c{style} t="inlineStr"><is>{"".join(_xml_run(part) for part in value)}</is></c>'
    if isinstance(value, Link):
        text, target = (_xml_text(x.replace('"', '""')) for x in (value.text, value.target))
        return f'<c{style} t="str"><f>HYPERLINK("{target}","{text}")</f><v>{_xml_text(value.text)}</v></c>'
    number = safe_string(value)
    return f'<c{style} t="n"><v>{number}</v></c>' if number else f'<c{style} t="n"/>'


def _xml_run(part: str | TextBlock) -> str:
    """One run of rich text, with its font when it is a TextBlock."""
    text = part.text if isinstance(part, TextBlock) else part
    stripped = text.strip()
    space = _PRESERVE if stripped and text != stripped else ""
    font = _run_font(part.font) if isinstance(part, TextBlock) else ""
    return f"<r>{font}<t{space}>{_xml_text(text)}</t></r>"


_RUN_FONTS: dict[int, str] = {}


def _run_font(font: InlineFont) -> str:
    """The `<rPr>` of a run font, serialised by openpyxl once per font object."""
    key = id(font)
    if key not in _RUN_FONTS:
        _RUN_FONTS[key] = tostring(font.to_tree(tagname="rPr")).decode()
    return _RUN_FONTS[key]


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
    parts = [text[:start], TextBlock(_HIGHLIGHT_FONT, text[start:end]), text[end:]]
    return CellRichText([part for part in parts if str(part)])


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


def _column_widths(columns: list[str], rows: Sequence[dict]) -> list[float]:
    """Widths from header and content (first WIDTH_SAMPLE_ROWS rows), CJK counting double."""
    widths = []
    sample = rows[:WIDTH_SAMPLE_ROWS]
    for name in columns:
        longest = max((_display_width(cell_text(row.get(name))) for row in sample), default=0)
        longest = max(longest, _display_width(name))
        widths.append(min(MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, longest + 2)))
    return widths


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
