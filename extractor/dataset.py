"""The run's dataset on disk: each document's claim and check rows, typed, in part files of the
staging folder, read back a row group (ROW_GROUP rows) at a time, so the outputs are rendered from
the finished rows with flat memory.

Worker processes write the rows of each batch of documents as one part (`write_part`) and send
the main process its name; rows processed in the main process (one job, or sent back by Dask)
travel as tuples (`to_records`) and are written there in parts of PART_ROWS rows. A part is
private to the run (never published, read back by the same Python): each row group is one
pickle of its records, then a footer (the columns, the rows per group, each group's offset) and the footer's
offset in 8 bytes — written and read at C speed, no library loaded (pyarrow's Parquet cost a
worker 10% of its time and 0.3 s to import). Number columns hold numbers (`NUMBER_TYPES`: the
float64 ones as floats), every other column text or None.
"""

from __future__ import annotations

import pickle
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

from .models import CLAIM_COLUMNS

ROW_GROUP = 512                      # rows per row group (a unit of rendering)
PART_ROWS = 8_192                    # rows per part written by the main process
OUTPUT_CLAIM_COLUMNS = [*CLAIM_COLUMNS, "check_status"]
HIGHLIGHT_COLUMNS = ["hl_start", "hl_end"]   # the claim's place in the quoted sentence (XLSX highlight)
NUMBER_TYPES = {
    **dict.fromkeys(("value", "value_high", "expected", "actual", "low", "high"), "float64"),
    **dict.fromkeys(("rank_of", "period", "num_start", "num_end", "claim_start", "claim_end", "line",
                     *HIGHLIGHT_COLUMNS), "int64"),
}
CLAIMS_COLUMNS = [*OUTPUT_CLAIM_COLUMNS, *HIGHLIGHT_COLUMNS]     # the columns of the claims dataset
_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_FOOTER = 8                          # bytes: the footer's offset, little-endian


def to_records(rows: list[dict], columns: Sequence[str]) -> list[tuple]:
    """`rows` as tuples of the values of `columns`, in order (other keys ignored): a document's
    rows as `jobs.process_document` returns them. The float64 columns hold floats; text that
    UTF-8 cannot hold (a lone surrogate) is stored with "?" for it, as the CSV writes it."""
    floats = [i for i, name in enumerate(columns) if NUMBER_TYPES.get(name) == "float64"]
    records = []
    for row in rows:
        values = [row.get(name) for name in columns]
        for i in floats:
            if values[i] is not None:
                values[i] = float(values[i])
        records.append(values)
    texts = "".join([value for values in records for value in values if type(value) is str])
    if not texts.isascii() and _LONE_SURROGATE_RE.search(texts):
        records = [[_storable(value) for value in values] for values in records]
    return [tuple(values) for values in records]


def _storable(value: object) -> object:
    """Text as UTF-8 holds it (a lone surrogate as "?"); anything else as it is."""
    return value.encode("utf-8", "replace").decode("utf-8") if type(value) is str else value


class Part(NamedTuple):
    """One file of a dataset: its path and rows (row groups of ROW_GROUP rows, the last may be
    shorter)."""

    path: str
    rows: int


def write_part(path: Path, records: list[tuple], columns: Sequence[str]) -> Part:
    """`records` (see `to_records`) as one part of `columns`, in row groups of ROW_GROUP rows."""
    offsets = []
    with open(path, "wb") as fh:
        for start in range(0, len(records), ROW_GROUP):
            offsets.append(fh.tell())
            pickle.dump(records[start:start + ROW_GROUP], fh, pickle.HIGHEST_PROTOCOL)
        footer = fh.tell()
        pickle.dump((list(columns), ROW_GROUP, offsets), fh, pickle.HIGHEST_PROTOCOL)
        fh.write(footer.to_bytes(_FOOTER, "little"))
    return Part(str(path), len(records))


class Dataset:
    """The rows of one kind (claims or checks) of a run, in order, as parts in `folder`: parts the
    worker processes wrote (`add_part`) or parts of PART_ROWS rows written here from appended
    records (`append`). `rows` counts them all."""

    def __init__(self, folder: Path, name: str, columns: Sequence[str]) -> None:
        self.folder = Path(folder)
        self.name = name
        self.columns = list(columns)
        self.parts: list[Part] = []
        self._pending: list[tuple] = []

    @property
    def rows(self) -> int:
        return sum(part.rows for part in self.parts) + len(self._pending)

    def append(self, records: list[tuple]) -> None:
        self._pending.extend(records)
        if len(self._pending) >= PART_ROWS:
            self._flush()

    def add_part(self, part: Part) -> None:
        """A part written elsewhere (`write_part`), its rows after those appended so far."""
        self._flush()
        self.parts.append(part)

    def close(self) -> None:
        """Write what is buffered (before reading back)."""
        self._flush()

    def groups(self) -> Iterator[tuple[str, int, range]]:
        """(part path, row group, its rows in the dataset) of every row group, in order."""
        first = 0
        for part in self.parts:
            for group, start in enumerate(range(0, part.rows, ROW_GROUP)):
                yield part.path, group, range(first + start, first + min(start + ROW_GROUP, part.rows))
            first += part.rows

    def locate(self, rows: Sequence[int]) -> list[tuple[str, list[int]]]:
        """The rows numbered `rows` (ascending) as (part path, rows within it), by part."""
        found: list[tuple[str, list[int]]] = []
        first, i = 0, 0
        for part in self.parts:
            within = []
            while i < len(rows) and rows[i] < first + part.rows:
                within.append(rows[i] - first)
                i += 1
            if within:
                found.append((part.path, within))
            first += part.rows
        return found

    def _flush(self) -> None:
        if self._pending:
            path = self.folder / f".{self.name}-{len(self.parts):06d}.rows"
            self.parts.append(write_part(path, self._pending, self.columns))
            self._pending = []


def read_group(path: Path, group: int) -> list[dict]:
    """The rows of row group `group` of a part (its rows group × ROW_GROUP on)."""
    with open(path, "rb") as fh:
        columns, _, offsets = _footer(fh)
        fh.seek(offsets[group])
        return [dict(zip(columns, record, strict=True)) for record in pickle.load(fh)]


def read_rows(path: Path, wanted: Sequence[int], columns: Sequence[str] | None = None) -> Iterator[dict]:
    """The rows numbered `wanted` (0-based, ascending) of a part, with `columns` (default: all);
    only the row groups holding them are read."""
    with open(path, "rb") as fh:
        names, size, offsets = _footer(fh)
        index = [(name, names.index(name)) for name in columns or names]
        loaded, records = -1, []
        for row in wanted:
            group, within = divmod(row, size)
            if group != loaded:
                fh.seek(offsets[group])
                loaded, records = group, pickle.load(fh)
            record = records[within]
            yield {name: record[i] for name, i in index}


def _footer(fh: BinaryIO) -> tuple[list[str], int, list[int]]:
    """A part's columns, rows per row group and the offsets of its row groups."""
    fh.seek(-_FOOTER, 2)
    fh.seek(int.from_bytes(fh.read(_FOOTER), "little"))
    return pickle.load(fh)


SCRATCH_CACHE_KB = 512


def scratch_database(path: Path | str) -> sqlite3.Connection:
    """An SQLite database private to one process of a run, for what waits on disk until the end
    (no journal, no syncing: a run that fails drops it with its staging folder); ":memory:" for
    one in memory."""
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(f"PRAGMA cache_size=-{SCRATCH_CACHE_KB}")        # pages kept in memory (and for sorting)
    return db
