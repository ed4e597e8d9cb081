"""A self-contained HTML report: each document's text with its claims highlighted, and tables.

One offline file (inline CSS and JS, a Content-Security-Policy that forbids loading anything):
every claim is a `<mark id="c-…">` over [claim_start, claim_end) — the numeral span
[num_start, num_end) when claim spans overlap — coloured by category and outlined by the
status of its checks. The claims table filters and sorts, and clicking a row scrolls its claim
into view. All document text is escaped: the text is untrusted.
"""

from __future__ import annotations

import html
import io
import pickle
import re
import shutil
import tempfile
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from .audit import STATUS_ORDER, Check, fmt
from .models import TOOL, Claim
from .writers import CloseOrAbort, atomic_path

CATEGORIES = ("discipline", "case", "risk", "ranking", "activity", "share", "money")
RED = frozenset({"impossible", "mismatch", "conflict"})
YELLOW = frozenset({"partial", "unverifiable"})
STATUS_LABEL = {"impossible": "不可能", "mismatch": "不符", "conflict": "矛盾", "unverifiable": "无法核对",
                "partial": "部分", "ok": "相符", "": ""}
TABLE_COLUMNS = [("claim_id", "编号", 11), ("doc", "文档", 11), ("category", "类别", 9), ("subject", "指标", 16),
                 ("value", "数值", 10), ("unit", "单位", 6), ("period", "年份", 7), ("status", "核对", 7),
                 ("rule", "规则", 9), ("claim_text", "原文", 14)]        # (field, header, width %)
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass
class ReportDoc:
    """One document of the report: its text, claims, checks and claim_id → status."""

    doc: str
    text: str
    claims: list[Claim]
    checks: list[Check]
    status: dict[str, str]
    tables: list[TableLayout] = field(default_factory=list)


Span = tuple[int, int, int]          # (start, end, claim index)
TableLayout = list[list[tuple[int, int]]]   # a table of the text: its rows of cell spans (start, end)


def write_report(path: Path, documents: Iterable[ReportDoc]) -> None:
    """Write the report to `path` atomically (temporary file, then os.replace)."""
    with ReportStream(path) as report:
        for doc in documents:
            report.add(doc)


def render_report(documents: list[ReportDoc]) -> str:
    """The report as one HTML string."""
    out = io.BytesIO()
    counts = Counter(check.status for doc in documents for check in doc.checks)
    ids = MarkIds()
    sections = (render_section(doc, ids, frozenset()) for doc in documents)
    _write_page(out, sections, _summary(len(documents), sum(len(d.claims) for d in documents), counts), {})
    return out.getvalue().decode("utf-8")


_SLOT = "\x01"       # where a rendered section leaves a value out (escaped text never holds it)


class Spliced(NamedTuple):
    """HTML (UTF-8) with slots: `pieces` around them, `slots` (kind, claim id) the values left out."""

    pieces: list[bytes]
    slots: list[tuple[str, str]]

    def fill(self, value: Callable[[str, str], str]) -> bytes:
        """The HTML with each slot's value."""
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out += (value(*slot).encode("utf-8"), piece)
        return b"".join(out)


@dataclass
class Section:
    """A document's part of the report, rendered where the document is processed: its section
    and its rows of the claims table, with slots for its number on the page and for the statuses
    of the claims a cross-document check may change (`status`, as known when rendered)."""

    section: Spliced
    rows: Spliced
    status: dict[str, str]


def render_section(doc: ReportDoc, ids: MarkIds, open_claims: Collection[str]) -> Section:
    """Render a document's section and claims rows; the statuses of `open_claims` left as slots."""
    marks = ids.assign(doc)               # in claim order, so duplicates get -2, -3 …
    spans = mark_spans(doc.claims, len(doc.text))
    slots: list[tuple[str, str]] = [("n", "")]
    html_text = _document_section(_SLOT, doc, marks, ids, spans, open_claims, slots)
    whole = _marked_whole(doc, spans)
    row_slots: list[tuple[str, str]] = []
    rows = "\n".join(_claim_row(doc, claim, mark, i in whole, claim.claim_id in open_claims, row_slots)
                     for i, (claim, mark) in enumerate(zip(doc.claims, marks, strict=True)))
    status = {c.claim_id: doc.status.get(c.claim_id, "") for c in doc.claims if c.claim_id in open_claims}
    return Section(Spliced(_utf8(html_text).split(_SLOT.encode()), slots),
                   Spliced(_utf8(rows).split(_SLOT.encode()), row_slots), status)


def _utf8(html_text: str) -> bytes:
    """Rendered HTML as UTF-8 (escaped text holds no lone surrogate; one would become "?")."""
    return html_text.encode("utf-8", errors="replace")


def write_sections(path: Path, sections: Iterable[Section]) -> None:
    """Sections into a file, for `ReportStream.add_part` (in any process)."""
    with open(path, "wb") as fh:
        for section in sections:
            pickle.dump(section, fh, protocol=pickle.HIGHEST_PROTOCOL)


class ReportStream(CloseOrAbort):
    """report.html written with flat memory: documents come as rendered sections (`add_section`,
    or files of them, `add_part`) or are rendered here (`add`); `close` writes the page, each
    section with its final statuses, then the claims table.

    As a context manager, an exception leaves neither the page nor temporary files behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.documents = 0
        self.claims = 0
        self.counts: Counter = Counter()
        self.ids = MarkIds()
        self._stack = ExitStack()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._store = self._stack.enter_context(tempfile.TemporaryFile(dir=self.path.parent))
        self._parts: list[list] = []          # [file of sections (None: the store), how many], in order

    def add(self, doc: ReportDoc) -> None:
        """Render a document here (its statuses can still change at `close`) and add it."""
        self.count(len(doc.claims), [check.status for check in doc.checks])
        self.add_section(render_section(doc, self.ids, {claim.claim_id for claim in doc.claims}))

    def count(self, claims: int, statuses: Iterable[str]) -> None:
        """Count a document of the page's summary: its claims and its checks' statuses."""
        self.documents += 1
        self.claims += claims
        self.counts.update(statuses)

    def add_section(self, section: Section) -> None:
        """Keep a rendered section (of a document counted) until `close`."""
        pickle.dump(section, self._store, protocol=pickle.HIGHEST_PROTOCOL)
        self._follow(None, 1)

    def add_part(self, path: Path, sections: int) -> None:
        """Sections written to a file by `write_sections` (removed at `close`)."""
        self._stack.callback(Path(path).unlink, missing_ok=True)
        self._follow(Path(path), sections)

    def _follow(self, source: Path | None, sections: int) -> None:
        if self._parts and self._parts[-1][0] is None and source is None:
            self._parts[-1][1] += sections
        else:
            self._parts.append([source, sections])

    def close(self, status: dict[str, str] | None = None) -> None:
        """Write the page; `status` (claim_id → status) overrides what the documents were given."""
        with self._stack, atomic_path(self.path) as tmp:
            with open(tmp, "wb") as out:
                summary = _summary(self.documents, self.claims, self.counts)
                _write_page(out, self._stored(), summary, status or {})

    def abort(self) -> None:
        self._stack.close()

    def _stored(self) -> Iterator[Section]:
        self._store.seek(0)
        for source, count in self._parts:
            with ExitStack() as stack:
                fh = self._store if source is None else stack.enter_context(open(source, "rb"))
                for _ in range(count):
                    yield pickle.load(fh)


def _write_page(out: BinaryIO, sections: Iterable[Section], summary: str, status: dict[str, str]) -> None:
    """The page into `out`: the sections as they come, then the table of all their claims;
    `status` overrides the statuses the sections were rendered with."""
    head, middle, tail = _PAGE.format(generator=TOOL, css=_CSS, js=_JS, summary=summary, sections="\0",
                                      head=_table_head(),
                                      rows="\0", options=_status_options()).split("\0")
    out.write(_utf8(head))
    with tempfile.TemporaryFile("w+b") as rows:
        for n, section in enumerate(sections, start=1):
            final = {**section.status, **{k: status[k] for k in section.status.keys() & status.keys()}}

            def value(kind: str, claim_id: str, n: int = n, final: dict[str, str] = final) -> str:
                if kind == "n":
                    return str(n)
                if kind == "cell":
                    return _status_cell(final[claim_id])
                return _status_class(final[claim_id])

            out.write((b"\n" if n > 1 else b"") + section.section.fill(value))
            if section.rows.pieces != [b""]:
                rows.write((b"\n" if rows.tell() else b"") + section.rows.fill(value))
        out.write(_utf8(middle))
        rows.seek(0)
        shutil.copyfileobj(rows, out)
    out.write(_utf8(tail))


# --- ids ---------------------------------------------------------------------------------------


class MarkIds:
    """Unique, HTML-safe mark ids: c-<claim_id>, made unique across the whole report."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def assign(self, doc: ReportDoc) -> list[str]:
        """The mark ids of the claims of `doc`, in order."""
        return [self._new(claim.claim_id or f"n{i + 1}") for i, claim in enumerate(doc.claims)]

    def first(self, claim_id: str) -> str:
        """The mark id given to a claim_id (the first one, if several claims share it)."""
        return "c-" + _ID_UNSAFE.sub("_", claim_id)

    def _new(self, claim_id: str) -> str:
        base = self.first(claim_id)
        mark, n = base, 1
        while mark in self._used:
            n += 1
            mark = f"{base}-{n}"
        self._used.add(mark)
        return mark


# --- text with marks ------------------------------------------------------------------------------


def _esc(text: object) -> str:
    """Escaped text; control characters HTML cannot carry become U+FFFD."""
    return html.escape(_CONTROL.sub("\ufffd", "" if text is None else str(text)), quote=True)


def mark_spans(claims: list[Claim], length: int) -> list[Span]:
    """A properly nested span per claim: its claim span, or its numeral span where claim spans overlap."""
    claim_spans = [_clamp(c.claim_start, c.claim_end, length) for c in claims]
    overlapping = _overlapping(claim_spans)
    spans = []
    for i, claim in enumerate(claims):
        start, end = _clamp(claim.num_start, claim.num_end, length) if i in overlapping else claim_spans[i]
        spans.append((start, end, i))
    return _nested(spans)


def _clamp(start: object, end: object, length: int) -> tuple[int, int]:
    start = min(max(_int(start), 0), length)
    return start, min(max(_int(end), start), length)


def _int(value: object) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _overlapping(spans: list[tuple[int, int]]) -> set[int]:
    """Indexes of non-empty spans that overlap another span (sort and sweep)."""
    order = sorted((i for i, (s, e) in enumerate(spans) if e > s), key=lambda i: spans[i])
    found: set[int] = set()
    reach = -1
    for k, i in enumerate(order):
        start, end = spans[i]
        if start < reach or (k + 1 < len(order) and spans[order[k + 1]][0] < end):
            found.add(i)
        reach = max(reach, end)
    return found


def _nested(spans: list[Span]) -> list[Span]:
    """Spans sorted by (start, -end), a span crossing its enclosing one cut at that one's end."""
    out: list[Span] = []
    open_ends: list[int] = []
    for start, end, i in sorted(spans, key=lambda s: (s[0], -s[1], s[2])):
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        if open_ends and end > open_ends[-1]:
            end = open_ends[-1]
        if end > start:
            open_ends.append(end)
        out.append((start, end, i))
    return out


def marked_text(text: str, spans: list[Span], open_tag) -> str:
    """Escaped `text` with `<mark>` elements at the (nested, sorted) spans."""
    out: list[str] = []
    pos = 0
    stack: list[int] = []

    def close_until(limit: int) -> None:
        nonlocal pos
        while stack and stack[-1] <= limit:
            end = stack.pop()
            out.append(_esc(text[pos:end]) + "</mark>")
            pos = end

    for start, end, i in spans:
        close_until(start)
        out.append(_esc(text[pos:start]) + open_tag(i))
        pos = start
        stack.append(end)
        if end == start:
            out.append("</mark>")
            stack.pop()
    close_until(len(text))
    out.append(_esc(text[pos:]))
    return "".join(out)


# --- sections ------------------------------------------------------------------------------------


def _document_section(n: str, doc: ReportDoc, marks: list[str], ids: MarkIds, spans: list[Span],
                      open_claims: Collection[str], slots: list[tuple[str, str]]) -> str:
    """A document's checks and its text with every claim marked. A mark carries no tooltip of its
    own: the page builds it on hover from the claim's row and checks, so a figure stated thousands
    of times costs a short tag each, not a copy of everything said about it."""

    def open_tag(i: int) -> str:
        claim = doc.claims[i]
        if claim.claim_id in open_claims:            # its status is the page's to fill in
            slots.append(("mark", claim.claim_id))
            status_class = _SLOT
        else:
            status_class = _status_class(doc.status.get(claim.claim_id, ""))
        return f'<mark id="{marks[i]}" class="claim {_category_class(claim.category)} {status_class}">'

    counts = Counter(check.status for check in doc.checks)
    return _SECTION.format(n=n, doc=_esc(doc.doc), claims=len(doc.claims), badges=_badges(counts),
                           checks=_checks_table(doc.checks, ids),
                           text=_text_with_tables(doc.text, spans, doc.tables, open_tag))


def _text_with_tables(text: str, spans: list[Span], tables: list[TableLayout], open_tag) -> str:
    """The marked text, each table of it shown as an HTML table with its claims marked in their cells."""
    starts = [a for a, _, _ in spans]

    def marked(start: int, end: int) -> str:
        """text[start:end] escaped, with the marks of the spans that start within it (at its end
        too, for the text's end, where empty spans of bad offsets are clamped)."""
        stop = bisect_right(starts, end) if end == len(text) else bisect_left(starts, end)
        found = spans[bisect_left(starts, start):stop]
        return marked_text(text[start:end], [(a - start, min(b, end) - start, i) for a, b, i in found], open_tag)

    out: list[str] = []
    pos = 0
    for rows in tables:
        out.append(marked(pos, rows[0][0][0]))
        body = "".join("<tr>" + "".join(f"<td>{marked(a, b)}</td>" for a, b in row) + "</tr>" for row in rows)
        out.append(f'<table class="doc-table">{body}</table>')
        pos = rows[-1][-1][1]
    out.append(marked(pos, len(text)))
    return "".join(out)


def _number(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt(float(value)).replace(",", "")
    return "" if value is None else str(value)


def _category_class(category: str) -> str:
    return f"cat-{category}" if category in CATEGORIES else "cat-other"


def _status_class(status: str) -> str:
    return f"st-{status}" if status in STATUS_ORDER else "st-none"


def _badges(counts: Counter) -> str:
    parts = [f'<span class="badge {_status_class(s)}">{_esc(STATUS_LABEL[s])} {counts[s]}</span>'
             for s in STATUS_ORDER if counts.get(s)]
    return " ".join(parts) or '<span class="badge">无核对项</span>'


def _checks_table(checks: list[Check], ids: MarkIds) -> str:
    if not checks:
        return ""
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    rows = []
    for check in sorted(checks, key=lambda c: (order.get(c.status, len(order)), c.check_id)):
        first = next(iter(filter(None, check.claim_ids.split(";"))), "")
        rows.append(f'<tr data-jump="{_esc(ids.first(first))}" tabindex="0" class="{_status_class(check.status)}">'
                    f"<td>{_esc(check.check_id)}</td><td>{_esc(check.kind)}</td>"
                    f"<td>{_esc(STATUS_LABEL.get(check.status, check.status))}</td>"
                    f"<td>{_esc(check.message)}</td><td>{_esc(check.claim_ids)}</td></tr>")
    return _CHECKS.format(rows="\n".join(rows))


def _marked_whole(doc: ReportDoc, spans: list[Span]) -> set[int]:
    """The claims whose mark holds exactly their claim text (not only their numeral)."""
    return {i for start, end, i in spans
            if doc.text[start:end] == doc.claims[i].claim_text and doc.claims[i].claim_text}


def _claim_row(doc: ReportDoc, claim: Claim, mark: str, text_in_mark: bool, open_status: bool,
               slots: list[tuple[str, str]]) -> str:
    """A row of the claims table. Its 原文 cell is left empty when the mark holds the same words:
    the page fills it in from the mark, so a long run does not carry every claim's words twice.
    With `open_status`, its status is left as slots (appended to `slots`)."""
    status = doc.status.get(claim.claim_id, "")
    if open_status:
        slots += [("row", claim.claim_id), ("cell", claim.claim_id)]
    cells = []
    for name, _, _ in TABLE_COLUMNS:
        value = getattr(claim, name, "")
        if name == "claim_text" and text_in_mark:
            cells.append("<td></td>")
        elif name == "period" and claim.period is None:
            cells.append("<td></td>")
        elif name == "status":
            cells.append(_SLOT if open_status else _status_cell(status))
        elif name in {"value", "period"}:
            shown = "ｘ" if value is None and name == "value" else _number(value)
            cells.append(f'<td data-sort="{_esc(_number(value))}">{_esc(shown)}</td>')
        else:
            cells.append(f"<td>{_esc(value)}</td>")
    status_class = _SLOT if open_status else _status_class(status)
    return f'<tr data-claim="{mark}" class="{status_class}">{"".join(cells)}</tr>'


def _status_cell(status: str) -> str:
    return (f'<td data-sort="{STATUS_ORDER.index(status) if status in STATUS_ORDER else ""}">'
            f"{_esc(STATUS_LABEL.get(status, status))}</td>")


def _table_head() -> str:
    return "".join(f'<th scope="col" title="点击排序" style="width:{width}%">{_esc(label)}</th>'
                   for _, label, width in TABLE_COLUMNS)


def _status_options() -> str:
    options = ['<option value="">全部</option>', '<option value="problem">有问题</option>']
    options += [f'<option value="{s}">{_esc(STATUS_LABEL[s])}</option>' for s in STATUS_ORDER]
    options.append('<option value="none">未核对</option>')
    return "".join(options)


def _summary(documents: int, claims: int, counts: Counter) -> str:
    return f"{documents} 篇文档 · {claims} 个数字 · 核对 {sum(counts.values())} 项 {_badges(counts)}"


# --- the page ------------------------------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="generator" content="{generator}">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>统计数字核对报告</title>
<style>{css}</style>
</head>
<body>
<header><h1>统计数字核对报告</h1><p class="summary">{summary}</p>
<p class="legend"><span class="claim cat-discipline">处分</span> <span class="claim cat-case">案件</span>
<span class="claim cat-risk">风险</span> <span class="claim cat-ranking">排名</span>
<span class="claim cat-activity">工作</span> <span class="claim cat-share">占比</span>
<span class="claim cat-money">金额</span> <span class="claim cat-other">其他</span>
<span class="claim st-mismatch">红框：不符/矛盾/不可能</span> <span class="claim st-partial">黄框：部分/无法核对</span></p>
</header>
<div class="layout">
<main id="docs">
{sections}
</main>
<aside id="panel">
<div class="tools"><input id="filter" type="search" placeholder="筛选（任意文字）" aria-label="筛选">
<select id="status" aria-label="核对状态">{options}</select> <span id="count"></span></div>
<table id="claims"><thead><tr>{head}</tr></thead>
<tbody>
{rows}
</tbody></table>
</aside>
</div>
<script>{js}</script>
</body>
</html>
"""

_SECTION = """<section class="doc" id="d-{n}">
<h2>{doc}</h2>
<p class="meta">{claims} 个数字 · {badges}</p>
{checks}
<div class="text">{text}</div>
</section>"""

_CHECKS = """<details class="checks" open><summary>核对结果</summary>
<table class="checklist"><thead><tr><th>编号</th><th>检查</th><th>结果</th><th>说明</th><th>涉及数字</th></tr></thead>
<tbody>
{rows}
</tbody></table></details>"""

_CSS = """
* { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font: 15px/1.6 "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
  color: #222; background: #fafafa; display: flex; flex-direction: column; }
header { flex: none; padding: 8px 16px; border-bottom: 1px solid #ddd; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 4px; word-break: break-all; }
.summary, .legend, .meta { margin: 2px 0; font-size: 13px; color: #555; }
.layout { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(0, 1.4fr) minmax(0, 1fr); }
#docs, #panel { overflow: auto; padding: 8px 16px; }
#panel { border-left: 1px solid #ddd; background: #fff; padding-top: 0; }
.doc { margin-bottom: 24px; padding: 12px; background: #fff; border: 1px solid #e4e4e4; border-radius: 4px; }
.text { white-space: pre-wrap; word-break: break-word; line-height: 1.9; }
.doc-table { border-collapse: collapse; white-space: normal; display: inline-table; }
.doc-table td { border: 1px solid #c8ccd2; padding: 0 8px; }
mark.claim, span.claim { color: inherit; padding: 0 1px; border-radius: 2px; cursor: pointer; }
.cat-discipline { background: #ffd9d9; } .cat-case { background: #d6e4ff; } .cat-risk { background: #ffe6bf; }
.cat-ranking { background: #e6dcff; } .cat-activity { background: #d3f2dc; } .cat-share { background: #fff1a8; }
.cat-money { background: #c8efef; } .cat-other { background: #e6e6e6; }
mark.claim mark.claim { border-bottom: 2px solid #555; }
.st-impossible, .st-mismatch, .st-conflict { outline: 2px solid #d62728; outline-offset: 0; }
.st-partial, .st-unverifiable { outline: 2px dashed #d9a400; outline-offset: 0; }
tr.st-impossible, tr.st-mismatch, tr.st-conflict { outline: none; background: #ffe1e1; }
tr.st-partial, tr.st-unverifiable { outline: none; background: #fff5cc; }
.badge { display: inline-block; padding: 0 6px; margin: 0 2px; border-radius: 8px; background: #eee; }
.badge.st-impossible, .badge.st-mismatch, .badge.st-conflict { outline: none; background: #f8c4c4; }
.badge.st-partial, .badge.st-unverifiable { outline: none; background: #fbe7a1; }
.badge.st-ok { background: #cdeccd; }
.tools { position: sticky; top: 0; background: #fff; padding: 8px 0 4px; z-index: 1; height: 42px; }
#filter { width: 55%; padding: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid #e0e0e0; padding: 2px 4px; text-align: left; vertical-align: top; }
#claims { table-layout: fixed; font-size: 12px; }
#claims td { overflow-wrap: anywhere; }
.checklist td:first-child { white-space: nowrap; }
#claims th { position: sticky; top: 42px; background: #f0f0f0; cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
tbody tr { cursor: pointer; } tbody tr:hover { background: #eef4ff; }
tr.selected { box-shadow: inset 3px 0 0 #1f77b4; }
.checks { margin: 8px 0; } .checks summary { cursor: pointer; font-weight: bold; }
@keyframes flash { 0%, 60% { background: #ffea00; box-shadow: 0 0 0 4px #ffb300; } 100% { } }
.flash { animation: flash 1.6s ease-out; }
@media (max-width: 900px) { body { display: block; height: auto; } .layout { display: block; }
  #docs, #panel { overflow: visible; } }
"""

_JS_TEMPLATE = """
(function () {
  "use strict";
  var table = document.getElementById("claims");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("filter");
  var statusSelect = document.getElementById("status");
  var count = document.getElementById("count");
  var PROBLEMS = ["impossible", "mismatch", "conflict", "unverifiable", "partial"];

  function rowStatus(row) {
    var m = /(?:^| )st-([a-z]+)/.exec(row.className);
    return m && m[1] !== "none" ? m[1] : "";
  }

  function wanted(row, query, status) {
    var s = rowStatus(row);
    if (status === "problem" && PROBLEMS.indexOf(s) < 0) return false;
    if (status === "none" && s !== "") return false;
    if (status && status !== "problem" && status !== "none" && s !== status) return false;
    return !query || row.textContent.toLowerCase().indexOf(query) >= 0;
  }

  function applyFilter() {
    var query = filter.value.trim().toLowerCase(), status = statusSelect.value, shown = 0;
    rows.forEach(function (row) {
      var keep = wanted(row, query, status);
      row.hidden = !keep;
      if (keep) shown += 1;
    });
    count.textContent = shown + " / " + rows.length;
  }

  function sortKey(row, col) {
    var cell = row.cells[col];
    var v = cell.getAttribute("data-sort");
    return v === null ? cell.textContent : v;
  }

  function sortBy(th, col) {
    var asc = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var numeric = rows.every(function (r) { var v = sortKey(r, col); return v === "" || !isNaN(Number(v)); });
    rows.sort(function (a, b) {
      var x = sortKey(a, col), y = sortKey(b, col), d;
      if (x === "" || y === "") d = (x === "") - (y === "");
      else d = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh-CN");
      return asc ? d : -d;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
  }

  function flash(el) {
    el.classList.remove("flash");
    void el.offsetWidth;
    el.classList.add("flash");
  }

  function jump(id) {
    var el = document.getElementById(id);
    if (!el) return;
    el.scrollIntoView({ block: "center", inline: "nearest" });
    flash(el);
  }

  function select(row) {
    rows.forEach(function (r) { r.classList.remove("selected"); });
    row.classList.add("selected");
  }

  function onRow(event) {
    var row = event.target.closest("tr[data-claim], tr[data-jump]");
    if (!row) return false;
    if (row.hasAttribute("data-claim")) select(row);
    jump(row.getAttribute("data-claim") || row.getAttribute("data-jump"));
    return true;
  }

  function onMark(event) {
    var mark = event.target.closest("mark.claim");
    if (!mark) return;
    var row = body.querySelector('tr[data-claim="' + mark.id + '"]');
    if (!row) return;
    if (row.hidden) { filter.value = ""; statusSelect.value = ""; applyFilter(); }
    select(row);
    row.scrollIntoView({ block: "center", inline: "nearest" });
    flash(row);
  }

  function tooltip(mark) {
    var row = body.querySelector('tr[data-claim="' + mark.id + '"]');
    if (!row) return "";
    var heads = table.tHead.rows[0].cells, lines = [], id = mark.id.slice(2);
    for (var i = 0; i < row.cells.length; i++) {
      var text = row.cells[i].textContent;
      if (text) lines.push(heads[i].textContent + "：" + text);
    }
    var section = mark.closest("section");
    var checks = section ? section.querySelectorAll("table.checklist tbody tr") : [];
    Array.prototype.forEach.call(checks, function (check) {
      if ((";" + check.cells[4].textContent + ";").indexOf(";" + id + ";") >= 0) {
        lines.push("[" + check.cells[2].textContent + "] " + check.cells[3].textContent);
      }
    });
    return lines.join("\\n");
  }

  var TEXT_COLUMN = TEXT_COLUMN_INDEX;
  rows.forEach(function (row) {
    row.tabIndex = 0;
    var cell = row.cells[TEXT_COLUMN], mark = document.getElementById(row.getAttribute("data-claim"));
    if (cell && !cell.textContent && mark) cell.textContent = mark.textContent;
  });
  document.addEventListener("mouseover", function (event) {
    var mark = event.target.closest && event.target.closest("mark.claim");
    if (mark && !mark.title) mark.title = tooltip(mark);
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    th.addEventListener("click", function () { sortBy(th, col); });
  });
  filter.addEventListener("input", applyFilter);
  statusSelect.addEventListener("change", applyFilter);
  document.addEventListener("click", function (event) { if (!onRow(event)) onMark(event); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("tr[tabindex]")) onRow(event);
  });
  applyFilter();
})();
"""
_JS = _JS_TEMPLATE.replace("TEXT_COLUMN_INDEX", str([c[0] for c in TABLE_COLUMNS].index("claim_text")))
