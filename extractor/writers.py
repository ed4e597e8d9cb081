"""Write rows to CSV and XLSX: one shared cell normaliser, injection-safe, atomic.

Both writers send every value through `cell_text`, so numbers and formula neutralisation are
identical in claims.csv and the workbook. XLSX-only adjustments (forbidden control characters,
the 32,767-character cell limit) are applied on top of that in `_fit_xlsx`.

The workbook is written with openpyxl's write-only mode so memory stays flat. Rich text works
in that mode (checked against openpyxl 3.1 source): `WriteOnlyCell` is a plain `Cell`, whose
value setter accepts `CellRichText` (type "s"), and both cell writers in `cell/_writer.py`
serialise a `CellRichText` value as an inline string (`value.to_tree()`). Styles on such cells
are kept because `_values_to_row` yields a `Cell` it is given unchanged.
"""

from __future__ import annotations

import csv
import logging
import math
import numbers
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

log = logging.getLogger(__name__)

MAX_DATA_ROWS = 1_048_575          # rows per sheet below the header; more continue on NAME_2 …
MAX_CELL_CHARS = 32_767            # Excel's limit for one cell
TRUNCATION_MARKER = "…[truncated]"
MAX_COLUMN_WIDTH = 60
MIN_COLUMN_WIDTH = 6
WIDTH_SAMPLE_ROWS = 5_000          # column widths are measured on the first rows of each sheet
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

Stats = dict[str, int]
_StyleCache = dict[tuple[int, int, int], StyleArray]


@dataclass
class Sheet:
    """One worksheet to write; `rows` beyond MAX_DATA_ROWS continue on NAME_2, NAME_3, …"""

    name: str
    columns: list[str]
    rows: list[dict]
    highlight: tuple[str, str, str] | None = None   # (text column, start key, end key)
    wrap: tuple[str, ...] = ()                       # columns whose cells wrap
    fills: str | None = None                         # status column that colours the row


# --- the shared cell normaliser -------------------------------------------------------------


def cell_text(value: object) -> str | int | float | None:
    """Normalise one value for output: int, float without noise, neutralised text, or None."""
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
def _atomic_path(path: Path) -> Iterator[Path]:
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
    count = 0
    with _atomic_path(Path(path)) as tmp:
        with open(tmp, "x", encoding="utf-8-sig", errors="replace", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([_csv_cell(name) for name in columns])
            for row in rows:
                writer.writerow([_csv_cell(row.get(name)) for name in columns])
                count += 1
    return count


def _csv_cell(value: object) -> str | int | float:
    """A CSV field: the normalised value, empty for missing."""
    text = cell_text(value)
    return "" if text is None else text


# --- XLSX ----------------------------------------------------------------------------------


def write_workbook(path: Path, sheets: list[Sheet]) -> Stats:
    """Write `sheets` to an .xlsx file; return {"replaced_control_chars": n, "truncated_cells": m}."""
    stats: Stats = {"replaced_control_chars": 0, "truncated_cells": 0}
    wb = Workbook(write_only=True)
    for sheet in sheets:
        for part, (start, stop) in enumerate(_chunks(len(sheet.rows)), 1):
            ws = wb.create_sheet(_sheet_title(sheet.name, part))
            _write_sheet(ws, sheet, _row_range(sheet.rows, start, stop), stats)
    if not sheets:
        wb.create_sheet("Sheet")            # Excel refuses a workbook without sheets
    with _atomic_path(Path(path)) as tmp:
        wb.save(tmp)
    if any(stats.values()):
        log.warning("%s: %d control characters replaced, %d cells truncated", path,
                    stats["replaced_control_chars"], stats["truncated_cells"])
    return stats


def _chunks(n_rows: int) -> Iterator[tuple[int, int]]:
    """(start, stop) row ranges of at most MAX_DATA_ROWS; one empty range for no rows."""
    limit = MAX_DATA_ROWS
    for start in range(0, max(n_rows, 1), limit):
        yield start, min(start + limit, n_rows)


def _row_range(rows: Sequence[dict], start: int, stop: int) -> Sequence[dict]:
    """The rows[start:stop] without copying when the sheet is one chunk."""
    return rows if (start, stop) == (0, len(rows)) else rows[start:stop]


def _sheet_title(name: str, part: int) -> str:
    """A valid sheet title (≤31 chars, no []:*?/\\); parts after the first get _2, _3, …"""
    base = _SHEET_TITLE_BAD_RE.sub("_", name) or "Sheet"
    suffix = f"_{part}" if part > 1 else ""
    return base[: 31 - len(suffix)] + suffix


def _write_sheet(ws: WriteOnlyWorksheet, sheet: Sheet, rows: Sequence[dict], stats: Stats) -> None:
    """Set the sheet layout (must precede the first row in write-only mode), then stream rows."""
    ws.freeze_panes = "A2"
    for index, width in enumerate(_column_widths(sheet.columns, rows), 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if sheet.columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(rows) + 1}"
    styles: _StyleCache = {}
    ws.append([_styled(ws, styles, _fit_xlsx(cell_text(name), stats), font=_HEADER_FONT)
               for name in sheet.columns])
    for row in rows:
        ws.append(_xlsx_row(ws, sheet, row, stats, styles))


def _xlsx_row(ws: WriteOnlyWorksheet, sheet: Sheet, row: dict, stats: Stats, styles: _StyleCache) -> list:
    """The cells of one data row, with highlight, wrapping and the status fill applied."""
    fill = _status_fill(row.get(sheet.fills)) if sheet.fills else None
    text_column = sheet.highlight[0] if sheet.highlight else None
    cells = []
    for name in sheet.columns:
        if name == text_column:
            value = _highlighted(row, sheet.highlight, stats)
        else:
            value = _fit_xlsx(cell_text(row.get(name)), stats)
        align = _WRAP if name in sheet.wrap else None
        cells.append(_styled(ws, styles, value, fill=fill, alignment=align))
    return cells


def _fit_xlsx(value: str | int | float | None, stats: Stats) -> str | int | float | None:
    """Replace control characters XLSX forbids with U+FFFD and cut over-long text; count both."""
    if not isinstance(value, str):
        return value
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


def _status_fill(status: object) -> PatternFill | None:
    """Light red for impossible/mismatch/conflict, light yellow for partial/unverifiable."""
    key = str(status).strip().lower() if status is not None else ""
    if key in RED_STATUSES:
        return _RED_FILL
    if key in YELLOW_STATUSES:
        return _YELLOW_FILL
    return None


def _styled(ws: WriteOnlyWorksheet, styles: _StyleCache, value: object, font: Font | None = None,
            fill: PatternFill | None = None, alignment: Alignment | None = None) -> object:
    """A WriteOnlyCell for text and styled values (text is forced to type string), else the value."""
    if not (font or fill or alignment) and not _needs_cell(value):
        return value
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        cell.data_type = "s"                 # never a formula or an error code such as #N/A
    if font or fill or alignment:
        _apply_style(cell, styles, font, fill, alignment)
    return cell


def _needs_cell(value: object) -> bool:
    """Whether openpyxl would mistype the bare value (rich text, formula-like or error-code text)."""
    if isinstance(value, CellRichText):
        return True
    return isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES)


def _apply_style(cell: Cell, styles: _StyleCache, font: Font | None, fill: PatternFill | None,
                 alignment: Alignment | None) -> None:
    """Style a cell, reusing the style ids of an earlier cell with the same combination.

    Assigning style objects hashes them on every cell (about a fifth of the run time), so each
    combination is registered once and its StyleArray copied, as openpyxl's own WorksheetCopy does.
    """
    key = (id(font), id(fill), id(alignment))
    if key in styles:
        cell._style = copy(styles[key])
        return
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if alignment:
        cell.alignment = alignment
    styles[key] = copy(cell._style)


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
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
