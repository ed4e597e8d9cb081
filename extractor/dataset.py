"""The run's dataset on disk: each document's claim and check rows, typed, in Parquet files of
the staging folder (pyarrow's ParquetWriter, row groups of ROW_GROUP rows), read back a row group
at a time, so the outputs are rendered from the finished rows with flat memory.

Worker processes write the rows of each batch of documents as one part (`write_part`) and send
the main process its name; rows processed in the main process (one job, or sent back by Dask)
travel as tuples (`to_records`) and are written there in parts of PART_ROWS rows; a dataset that
never reaches PART_ROWS rows there and has no worker's part (a small run) keeps them in memory
instead (`Rows`), as Parquet would return them, so a small run never loads pyarrow. Number columns
are typed (`NUMBER_TYPES`: int64, float64), every other column is text.

pyarrow is loaded when a run first writes (`_arrow`), with the system allocator unless the user
chose one (ARROW_DEFAULT_MEMORY_POOL): mimalloc, pyarrow's default, keeps ~20 MB more.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .models import CLAIM_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

ROW_GROUP = 512                      # rows per Parquet row group (a unit of rendering)
PART_ROWS = 8_192                    # rows per Parquet file written by the main process
OUTPUT_CLAIM_COLUMNS = [*CLAIM_COLUMNS, "check_status"]
HIGHLIGHT_COLUMNS = ["hl_start", "hl_end"]   # the claim's place in the quoted sentence (XLSX highlight)
NUMBER_TYPES = {
    **dict.fromkeys(("value", "value_high", "expected", "actual", "low", "high"), "float64"),
    **dict.fromkeys(("rank_of", "period", "num_start", "num_end", "claim_start", "claim_end", "line",
                     *HIGHLIGHT_COLUMNS), "int64"),
}
TEXT = "large_string"                # every column that is not a number
CLAIMS_COLUMNS = [*OUTPUT_CLAIM_COLUMNS, *HIGHLIGHT_COLUMNS]     # the columns of the claims dataset


def to_records(rows: list[dict], columns: Sequence[str]) -> list[tuple]:
    """`rows` as tuples of the values of `columns`, in order (other keys ignored): a document's
    rows as `jobs.process_document` returns them."""
    return [tuple(row.get(name) for name in columns) for row in rows]


def _arrow():
    """pyarrow and pyarrow.parquet, loaded on first use (see the module docstring)."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa, pq


def schema(columns: Sequence[str]) -> pa.Schema:
    """Numbers as `NUMBER_TYPES` says, text otherwise."""
    pa, _ = _arrow()
    return pa.schema([(name, pa.type_for_alias(NUMBER_TYPES.get(name, TEXT))) for name in columns])


def to_table(records: list[tuple], row_schema: pa.Schema) -> pa.Table:
    """`records` (see `to_records`) as a table of `row_schema`. Text that UTF-8 cannot hold (a
    lone surrogate) is stored with "?" for it, as the CSV writes it."""
    pa, _ = _arrow()
    columns = list(zip(*records, strict=True)) if records else [() for _ in row_schema]
    return pa.Table.from_arrays([_column(values, field.type) for field, values in zip(row_schema, columns, strict=True)],
                                schema=row_schema)


def _column(values: Sequence, kind: pa.DataType) -> pa.Array:
    """One column laid out in Arrow's buffers (validity bitmap, offsets, data) by hand:
    `pa.array` would import pandas (~40 MB, 0.3 s) to ask whether the values are a pandas object."""
    pa, _ = _arrow()
    n = len(values)
    nulls = sum(v is None for v in values)
    bitmap = None
    if nulls:
        bits = int("".join("0" if v is None else "1" for v in reversed(values)), 2)
        bitmap = pa.py_buffer(bits.to_bytes((n + 7) // 8, "little"))
    if kind == pa.large_string():
        data = [b"" if v is None else v.encode("utf-8", "replace") for v in values]
        offsets = array("q", [0])
        offsets.extend(accumulate(map(len, data)))
        return pa.Array.from_buffers(kind, n, [bitmap, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))], nulls)
    numbers = array("q" if kind == pa.int64() else "d", [0 if v is None else v for v in values])
    return pa.Array.from_buffers(kind, n, [bitmap, pa.py_buffer(numbers)], nulls)


class Rows(NamedTuple):
    """Rows of a dataset kept in memory rather than in a Parquet file, each value as the file
    would return it (`stored`)."""

    columns: tuple[str, ...]
    records: tuple[tuple, ...]


Source = str | Rows                  # a Parquet file (its path) or rows in memory


class Part(NamedTuple):
    """One part of a dataset: a Parquet file or rows in memory, and its number of rows (row groups
    of ROW_GROUP rows, the last may be shorter)."""

    source: Source
    rows: int


def write_part(path: Path, records: list[tuple], columns: Sequence[str]) -> Part:
    """`records` (see `to_records`) as one Parquet file of `columns`, in row groups of ROW_GROUP."""
    _, pq = _arrow()
    row_schema = schema(columns)
    with pq.ParquetWriter(path, row_schema, use_dictionary=False, write_statistics=False) as writer:   # read once
        for start in range(0, len(records), ROW_GROUP):
            writer.write_table(to_table(records[start:start + ROW_GROUP], row_schema))
    return Part(str(path), len(records))


class Dataset:
    """The rows of one kind (claims or checks) of a run, in order, as Parquet parts in `folder`:
    parts the worker processes wrote (`add_part`: the main process then never loads pyarrow) or
    parts of PART_ROWS rows written here from appended records (`append`); when there is no other
    part, fewer rows stay in memory (`close`). `rows` counts them all."""

    def __init__(self, folder: Path, name: str, columns: Sequence[str]) -> None:
        self.folder = Path(folder)
        self.name = name
        self.columns = list(columns)
        self.parts: list[Part] = []
        self.rows = 0
        self._pending: list[tuple] = []

    def append(self, records: list[tuple]) -> None:
        self._pending.extend(records)
        self.rows += len(records)
        if len(self._pending) >= PART_ROWS:
            self._flush()

    def add_part(self, part: Part) -> None:
        """A part written elsewhere (`write_part`), its rows after those appended so far."""
        self._flush()
        self.parts.append(part)
        self.rows += part.rows

    def close(self) -> None:
        """Finish the parts (before reading back): what is buffered is written, or kept in memory
        when it is the only part."""
        if self._pending and not self.parts:
            self.parts.append(Part(stored(self._pending, self.columns), len(self._pending)))
            self._pending = []
        self._flush()

    def groups(self) -> Iterator[tuple[Source, int, range]]:
        """(part source, row group, its rows in the dataset) of every row group, in order; a group
        of a part in memory comes as its own rows (group 0), so a task carries only its rows."""
        first = 0
        for part in self.parts:
            for group, start in enumerate(range(0, part.rows, ROW_GROUP)):
                rows = range(first + start, first + min(start + ROW_GROUP, part.rows))
                if isinstance(part.source, Rows):
                    yield Rows(part.source.columns, part.source.records[start:start + ROW_GROUP]), 0, rows
                else:
                    yield part.source, group, rows
            first += part.rows

    def locate(self, rows: Sequence[int]) -> list[tuple[Source, list[int]]]:
        """The rows numbered `rows` (ascending) as (part source, rows within it), by part."""
        found: list[tuple[Source, list[int]]] = []
        first, i = 0, 0
        for part in self.parts:
            within = []
            while i < len(rows) and rows[i] < first + part.rows:
                within.append(rows[i] - first)
                i += 1
            if within:
                found.append((part.source, within))
            first += part.rows
        return found

    def _flush(self) -> None:
        if self._pending:
            path = self.folder / f".{self.name}-{len(self.parts):06d}.parquet"
            self.parts.append(write_part(path, self._pending, self.columns))
            self._pending = []


def stored(records: list[tuple], columns: Sequence[str]) -> Rows:
    """`records` (see `to_records`) as a Parquet file of `columns` returns them: numbers as int or
    float (`NUMBER_TYPES`), text that UTF-8 cannot hold with "?" for it (as `to_table`)."""
    kinds = [NUMBER_TYPES.get(name) for name in columns]
    return Rows(tuple(columns), tuple(tuple(_stored(value, kind) for value, kind in zip(record, kinds, strict=True))
                                      for record in records))


def _stored(value, kind: str | None):
    """One value as its column of `kind` (a NUMBER_TYPES type; None: text) stores it."""
    if value is None:
        return None
    if kind is None:
        return value.encode("utf-8", "replace").decode("utf-8")
    return int(value) if kind == "int64" else float(value)


def read_group(source: Source | Path, group: int) -> list[dict]:
    """The rows of row group `group` of a part (its rows group × ROW_GROUP on)."""
    if isinstance(source, Rows):
        return [dict(zip(source.columns, record, strict=True))
                for record in source.records[group * ROW_GROUP:(group + 1) * ROW_GROUP]]
    _, pq = _arrow()
    return pq.ParquetFile(source, pre_buffer=False).read_row_group(group, use_threads=False).to_pylist()


def read_rows(source: Source | Path, wanted: Sequence[int], columns: Sequence[str] | None = None) -> Iterator[dict]:
    """The rows numbered `wanted` (0-based, ascending) of a part (only `columns`, if given); only
    the row groups holding them are read."""
    if isinstance(source, Rows):
        names = list(columns or source.columns)
        for row in wanted:
            values = dict(zip(source.columns, source.records[row], strict=True))
            yield {name: values[name] for name in names}
        return
    _, pq = _arrow()
    parquet = pq.ParquetFile(source)
    first, i = 0, 0
    for group in range(parquet.metadata.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        taken = []
        while i < len(wanted) and wanted[i] < first + size:
            taken.append(wanted[i] - first)
            i += 1
        if taken:
            table = parquet.read_row_group(group, columns=columns, use_threads=False)
            yield from table.filter(_mask(size, taken)).to_pylist()
        first += size


def _mask(n: int, rows: Sequence[int]) -> pa.Array:
    """A boolean array of length n, true at `rows` (built from its bitmap, as `_column` does)."""
    pa, _ = _arrow()
    bits = sum(1 << row for row in rows)
    return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits.to_bytes((n + 7) // 8, "little"))])
