"""The panel: one row per (indicator, place, period, span of time, unit family) over every
document of a run, with the value, how many documents state it, the claims it comes from, and
whether they agree; and the `series` pivot (indicators × years per place).

A claim enters the panel when it has an indicator, a place and a period (`panel_key`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from .audit import claim_interval, fmt, unit_family
from .context import scope_span
from .indicators import is_relative
from .models import Claim, unit_key
from .writers import Link, Sheet, StreamingWorkbook, row_target, write_csv

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


def build_panel(claims: Iterable[Claim], name: Callable[[str], str] = str,
                vague: frozenset[str] = frozenset()) -> list[dict]:
    """Panel rows, sorted by indicator, place, period and span; `name`: indicator id → Chinese
    name; `vague`: generic indicator ids (see panel_key)."""
    groups: dict[tuple, list[Claim]] = {}
    for claim in claims:
        key = panel_key(claim, vague)
        if key is not None:
            groups.setdefault(key, []).append(claim)
    return [_row(key, group, name) for key, group in sorted(groups.items())]


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
    if known and max(i.low for i in known) > min(i.high for i in known) * (1 + 1e-9):
        return "conflict"
    return "one source" if len({c.doc for c in group}) == 1 else "agree"


def _values(group: list[Claim]) -> list[str]:
    """Each distinct value as written, with the documents stating it."""
    by_value: dict[str, list[str]] = {}
    for claim in group:
        by_value.setdefault(claim.num_text or fmt(claim.value), []).append(claim.doc)
    return [f"{value}（{'；'.join(dict.fromkeys(docs))}）" for value, docs in by_value.items()]


def series(rows: list[dict]) -> tuple[list[str], list[dict]]:
    """The panel pivoted: one row per (place, indicator, span, unit), one column per year; a
    conflicting cell shows its values. Returns (columns, rows)."""
    years = sorted({r["period"] for r in rows})
    table: dict[tuple, dict] = {}
    for r in rows:
        key = tuple(r[c] for c in SERIES_FIXED)
        line = table.setdefault(key, dict(zip(SERIES_FIXED, key, strict=True)))
        line[str(r["period"])] = r["values"] if r["agreement"] == "conflict" else r["value"]
    ordered = sorted(table.values(), key=lambda line: tuple(str(line[c]) for c in SERIES_FIXED))
    return [*SERIES_FIXED, *map(str, years)], ordered


# --- outputs: panel.csv and the panel and series sheets ---------------------------------------------


def write_panel(out_dir: Path, book: StreamingWorkbook, rows: list[dict], claim_rows: dict[str, int]) -> Path:
    """panel.csv, and the workbook's `panel` sheet (each row linked to the claims sheet rows of its
    first LINKED_CLAIMS claims; `claim_rows`: claim id → its data row there) and `series` sheet."""
    path = out_dir / "panel.csv"
    write_csv(path, rows, PANEL_COLUMNS)
    links = [f"claim_{n}" for n in range(1, LINKED_CLAIMS + 1)]
    linked = ({**row, **dict(zip(links, _links(row, claim_rows), strict=False))} for row in rows)
    book.add_sheet(Sheet("panel", [*PANEL_COLUMNS, *links], [], wrap=("values",), fills="agreement")).extend(linked)
    columns, lines = series(rows)
    book.add_sheet(Sheet("series", columns, [])).extend(lines)
    return path


def _links(row: dict, claim_rows: dict[str, int]) -> list[Link]:
    ids = [i for i in row["claim_ids"].split(";") if i in claim_rows][:LINKED_CLAIMS]
    return [Link(i, row_target("claims", claim_rows[i])) for i in ids]
