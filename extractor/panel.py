"""The panel: one row per (indicator, place, period, span of time, unit family) over every
document of a run, with the value, how many documents state it, the claims it comes from, and
whether they agree; and the `series` pivot (indicators × years per place).

A claim enters the panel when it has an indicator, a place and a period (`panel_key`). A run's
panel claims wait on disk (`PanelStore`: an SQLite table in the staging folder), so memory holds
one group of them at a time whatever the number of claims; the series pivot waits there too.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import groupby
from pathlib import Path

from .audit import Interval, claim_interval, fmt, unit_family
from .context import scope_span
from .dataset import scratch_database
from .indicators import is_relative
from .models import Claim, unit_key
from .writers import CsvStream, Link, Sheet, StreamingWorkbook, row_target

PANEL_COLUMNS = ["indicator", "name", "place", "period", "span", "unit", "value", "value_high", "documents",
                 "agreement", "values", "claim_ids", "docs"]
LINKED_CLAIMS = 3             # the panel sheet links each row to its first claims' rows of the claims sheet
SERIES_FIXED = ["place", "indicator", "name", "span", "unit"]


def family(unit: str) -> str:
    """The unit a figure is compared in across documents (人次 with 人, 起 and 件次 with 件)."""
    return unit_family(unit_key(unit))


def panel_key(claim: Claim, vague: frozenset[str] = frozenset()) -> tuple | None:
    """(indicator, place, period, span, unit family), or None when the claim has no indicator,
    place or period. A place the document names only relatively (全县), or an indicator in
    `vague` (the generic ones: 问题), is qualified by the document: it meets no other document."""
    if not claim.indicator or not claim.place or claim.period is None:
        return None
    own = is_relative(claim.place) or claim.indicator.split(".")[0] in vague
    place = f"{claim.place}（{claim.doc}）" if own else claim.place
    return claim.indicator, place, claim.period, scope_span(claim.scope), family(claim.unit)


def panel_entries(claims: list[Claim]) -> list[Claim]:
    """The claims that enter the panel, their sentences dropped (kept small until the end of a run).
    A part counted under a total of its own indicator (受理信访件386件（其中来信来访253件）) is part
    of that figure, not the figure: it stays out."""
    indicator = {c.claim_id: c.indicator for c in claims}
    return [replace(c, sentence="") for c in claims if panel_key(c) is not None
            and not any(indicator.get(p) == c.indicator for p in filter(None, c.parent.split("+")))]


def _text(value: object) -> bytes:
    """A text as SQLite compares it in the order Python sorts it (UTF-8 bytes: code-point order;
    a lone surrogate kept where it sorts)."""
    return str(value).encode("utf-8", "surrogatepass")


def _key_columns(key: tuple) -> tuple:
    """A panel key as the store's columns (texts as `_text`, the period as an integer)."""
    indicator, place, period, span, unit = key
    return _text(indicator), _text(place), int(period), _text(span), _text(unit)


KEY = "indicator, place, period, span, unit"


class PanelStore:
    """The claims that enter the panel, on disk and grouped by panel key (`vague`: see panel_key),
    each with its data row on the claims sheet, in the order they were added; and the pending
    changes that the panel's claims may be the bases of (changes.across_documents). Memory holds
    none of them but a group read back."""

    def __init__(self, path: Path | str = ":memory:", vague: frozenset[str] = frozenset()) -> None:
        self.vague = vague
        self.path = path
        self.db = scratch_database(path)
        self.db.execute(f"CREATE TABLE claims ({KEY}, seq INTEGER PRIMARY KEY, sheet_row INTEGER, claim BLOB)")
        self.db.execute("CREATE TABLE pending (seq INTEGER PRIMARY KEY, item BLOB)")
        self.db.execute("BEGIN")                      # one transaction: no commit per document
        self._indexed = False

    def add(self, claims: Iterable[Claim]) -> None:
        """Keep the claims that have a panel key."""
        self.add_records(panel_records(claims, self.vague))

    def add_records(self, records: list[tuple], rows_before: int = 0) -> None:
        """Keep claims as `panel_records` gives them (made with this store's `vague`);
        `rows_before`: the claims sheet rows before their document's."""
        if records:
            self.db.executemany(f"INSERT INTO claims ({KEY}, sheet_row, claim) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [(*record[:5], rows_before + record[5] - 1, record[6]) for record in records])

    def add_pending(self, items: Iterable[bytes]) -> None:
        """Keep pending changes, pickled (in order)."""
        self.db.executemany("INSERT INTO pending (item) VALUES (?)", [(item,) for item in items])

    def pending(self) -> Iterator:
        """The pending changes, in the order they were added."""
        for (item,) in self.db.execute("SELECT item FROM pending ORDER BY seq"):
            yield pickle.loads(item)

    def groups(self) -> Iterator[tuple[tuple, list[Claim], list[int]]]:
        """(panel key, its claims, their claims sheet rows), sorted by key, claims in the order added."""
        self._index()
        rows = self.db.execute(f"SELECT {KEY}, sheet_row, claim FROM claims ORDER BY {KEY}, seq")
        for _, group in groupby(rows, key=lambda row: row[:5]):
            found = list(group)
            claims = [pickle.loads(row[6]) for row in found]
            yield panel_key(claims[0], self.vague), claims, [row[5] for row in found]

    def claims_of(self, key: tuple) -> list[Claim]:
        """The claims of one panel key, in the order added."""
        self._index()
        where = " AND ".join(f"{name} = ?" for name in KEY.split(", "))
        found = self.db.execute(f"SELECT claim FROM claims WHERE {where} ORDER BY seq", _key_columns(key))
        return [pickle.loads(claim) for (claim,) in found]

    def _index(self) -> None:
        """The index on the panel key, made once all claims are in (faster than kept up while adding)."""
        if not self._indexed:
            self.db.execute(f"CREATE INDEX claims_key ON claims ({KEY}, seq)")
            self._indexed = True

    def close(self) -> None:
        """Close the database and remove its file."""
        self.db.close()
        if self.path != ":memory:":
            Path(self.path).unlink(missing_ok=True)


def panel_records(claims: Iterable[Claim], vague: frozenset[str] = frozenset()) -> list[tuple]:
    """The claims that have a panel key as a `PanelStore` keeps them (made where the claims are,
    in any process): their key's columns, their number in their document (of their claim id), and
    the claim pickled."""
    return [(*_key_columns(key), int(claim.claim_id.rpartition("-")[2] or 0), pickle.dumps(claim, pickle.HIGHEST_PROTOCOL))
            for claim in claims if (key := panel_key(claim, vague)) is not None]


def panel_rows(store: PanelStore, name: Callable[[str], str] = str) -> Iterator[tuple[dict, list[int]]]:
    """Panel rows sorted by indicator, place, period and span, each with the claims sheet rows of
    its claims; `name`: indicator id → Chinese name."""
    for key, group, sheet_rows in store.groups():
        yield _row(key, group, name), sheet_rows


def build_panel(claims: Iterable[Claim], name: Callable[[str], str] = str,
                vague: frozenset[str] = frozenset()) -> list[dict]:
    """The panel rows of `claims` (those without a panel key are left out); see panel_rows and
    panel_key for `name` and `vague`."""
    store = PanelStore(vague=vague)
    try:
        store.add(claims)
        return [row for row, _ in panel_rows(store, name)]
    finally:
        store.close()


def _row(key: tuple, group: list[Claim], name: Callable[[str], str]) -> dict:
    indicator, place, period, span, unit = key
    docs = list(dict.fromkeys(c.doc for c in group))
    first = _most_stated(group)
    return {"indicator": indicator, "name": name(indicator), "place": place, "period": period,
            "span": span, "unit": unit, "value": first.value, "value_high": first.value_high,
            "documents": len(docs), "agreement": agreement(group), "values": "、".join(_values(group)),
            "claim_ids": ";".join(c.claim_id for c in group), "docs": ";".join(docs)}


def _most_stated(group: list[Claim]) -> Claim:
    """The claim whose value most documents state (the first of them on a tie)."""
    counts: dict[object, int] = {}
    for claim in group:
        counts[claim.value] = counts.get(claim.value, 0) + 1
    best = max(counts.values())
    return next(c for c in group if counts[c.value] == best)


def agreement(group: list[Claim]) -> str:
    """`conflict` when two of the figures cannot be equal (rounding allowed), else `one source`
    (one document) or `agree`."""
    known = [i for i in map(claim_interval, group) if i is not None]
    if known and max(known, key=_low).above(min(known, key=_high)):      # (negative figures too)
        return "conflict"
    return "one source" if len({c.doc for c in group}) == 1 else "agree"


def _low(interval: Interval) -> float:
    return interval.low


def _high(interval: Interval) -> float:
    return interval.high


def _values(group: list[Claim]) -> list[str]:
    """Each distinct value as written, with the documents stating it."""
    by_value: dict[str, list[str]] = {}
    for claim in group:
        by_value.setdefault(claim.num_text or fmt(claim.value), []).append(claim.doc)
    return [f"{value}（{'；'.join(dict.fromkeys(docs))}）" for value, docs in by_value.items()]


def series(rows: Iterable[dict], path: Path | str = ":memory:") -> tuple[list[str], Iterator[dict]]:
    """The panel pivoted: one row per (place, indicator, span, unit), one column per year; a
    conflicting cell shows its values. Returns (columns, rows); the cells wait in an SQLite
    database at `path` (removed once the rows are read) until all are in."""
    db = scratch_database(path)
    fixed = ", ".join(SERIES_FIXED)
    db.execute(f"CREATE TABLE cells ({fixed}, line BLOB, period INTEGER, cell BLOB)")
    db.executemany(f"INSERT INTO cells VALUES ({', '.join('?' * (len(SERIES_FIXED) + 3))})", (
        (*(_text(r[c]) for c in SERIES_FIXED), pickle.dumps(tuple(r[c] for c in SERIES_FIXED)), int(r["period"]),
         pickle.dumps(r["values"] if r["agreement"] == "conflict" else r["value"])) for r in rows))
    years = [year for (year,) in db.execute("SELECT DISTINCT period FROM cells ORDER BY period")]
    return [*SERIES_FIXED, *map(str, years)], _series_lines(db, path)


def _series_lines(db: sqlite3.Connection, path: Path | str) -> Iterator[dict]:
    """The rows of `series`, sorted by their fixed columns as text; the database closed and
    removed at the end."""
    try:
        cells = db.execute(f"SELECT line, period, cell FROM cells ORDER BY {', '.join(SERIES_FIXED)}, rowid")
        for line, group in groupby(cells, key=lambda cell: cell[0]):
            row = dict(zip(SERIES_FIXED, pickle.loads(line), strict=True))
            for _, period, cell in group:
                row[str(period)] = pickle.loads(cell)
            yield row
    finally:
        db.close()
        if path != ":memory:":
            Path(path).unlink(missing_ok=True)


# --- outputs: panel.csv and the panel and series sheets ---------------------------------------------


def write_panel(out_dir: Path, book: StreamingWorkbook, rows: Iterable[tuple[dict, list[int]]]) -> Path:
    """panel.csv, and the workbook's `panel` sheet (each row linked to the claims sheet rows of its
    first LINKED_CLAIMS claims; `rows`: panel rows with the data rows of their claims there) and
    `series` sheet, from rows streamed once."""
    path = out_dir / "panel.csv"
    links = [f"claim_{n}" for n in range(1, LINKED_CLAIMS + 1)]
    sheet = book.add_sheet(Sheet("panel", [*PANEL_COLUMNS, *links], [], wrap=("values",), fills="agreement"))

    def written() -> Iterator[dict]:
        for row, sheet_rows in rows:
            out.append(row)
            sheet.append({**row, **dict(zip(links, _links(row, sheet_rows), strict=False))})
            yield row

    with CsvStream(path, PANEL_COLUMNS) as out:
        columns, lines = series(written(), out_dir / ".series.sqlite")
    book.add_sheet(Sheet("series", columns, [])).extend(lines)
    return path


def _links(row: dict, sheet_rows: list[int]) -> list[Link]:
    ids = row["claim_ids"].split(";")[:LINKED_CLAIMS]
    return [Link(i, row_target("claims", n)) for i, n in zip(ids, sheet_rows, strict=False)]
