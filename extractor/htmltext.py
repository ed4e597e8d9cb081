"""The visible body text of an HTML page, for `reader.py`: block elements become line breaks, a
table row one line whose cells are separated by tabs. Its own module so that html.parser is
loaded only when an HTML document comes."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    "p div br li tr h1 h2 h3 h4 h5 h6 ul ol dl dt dd table thead tbody tfoot caption section article "
    "header footer nav aside main blockquote pre hr figure figcaption form fieldset address center "
    "details summary".split())
_SKIP = frozenset({"script", "style", "noscript", "template", "title"})
_HEAD = frozenset({"title", "meta", "link", "base", "style", "script", "noscript", "template"})
_CELL_BREAK = "\ue000"     # a block inside a table cell, until the cell's length is known
_CELL_BREAKS = re.compile("[ \ue000]*\ue000[ \ue000]*")
_SPACE = re.compile(r"[ \t\n\r\f\xa0]+")


class _Grid:
    """Where the cells of one HTML table go: the column of the next cell of the row, the tabs
    written in the row so far, and the columns cells of rows above still cover (rowspan)."""

    def __init__(self) -> None:
        self.col = 0
        self.tabs = 0
        self.covered: dict[int, int] = {}    # column → rows it stays covered, this one included
        self.in_cell = False
        self.cell_start = -1                 # where the open cell's text begins in the parts

    def new_row(self) -> None:
        self.col = self.tabs = 0
        self.covered = {c: n - 1 for c, n in self.covered.items() if n > 1}
        self.in_cell = False

    def end_row(self) -> int:
        """The tabs that close a row: the columns its last cell spans or cells above still cover."""
        while self.covered.get(self.col, 0) > 0:
            self.col += 1
        tabs = max(0, self.col - 1 - self.tabs)
        self.tabs += tabs
        self.in_cell = False
        return tabs

    def place(self, attrs: list) -> int:
        """The tabs to write before a cell: it goes to the next column no cell above covers."""
        while self.covered.get(self.col, 0) > 0:
            self.col += 1
        col, span, rows = self.col, _span(attrs, "colspan"), _span(attrs, "rowspan")
        if rows > 1:
            self.covered.update({c: rows for c in range(col, col + span)})
        self.col += span
        tabs, self.tabs = col - self.tabs, col
        self.in_cell = True
        return tabs


def _span(attrs: list, name: str) -> int:
    value = dict(attrs).get(name) or "1"
    try:
        return max(1, min(int(value), 1000))
    except ValueError:
        return 1


class _BodyText(HTMLParser):
    """Collects the visible body text; block elements become line breaks, a table row one line
    whose cells are separated by tabs (a merged cell once, the cells it covers left empty)."""

    def __init__(self, long_cell: int) -> None:
        super().__init__(convert_charrefs=True)
        self.long_cell = long_cell   # characters: a cell longer than this is page layout, its blocks are lines
        self.parts: list[str] = []
        self.skip = 0            # depth inside script/style/noscript/template
        self.pre = 0             # depth inside <pre>
        self.in_head = False
        self.line_start = True
        self.grids: list[_Grid] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self.in_head and tag not in _HEAD:
            self.in_head = False
        if tag == "head":
            self.in_head = True
        elif tag in _SKIP:
            self.skip += 1
        if not (self.skip or self.in_head) and self._table_tag(tag, attrs, start=True):
            return
        self._layout(tag, start=True)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._layout(tag, start=True)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        elif tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        if not (self.skip or self.in_head) and self._table_tag(tag, [], start=False):
            return
        self._layout(tag, start=False)

    def _table_tag(self, tag: str, attrs: list, start: bool) -> bool:
        """Lay out table, tr, td and th (True), or mark a block inside a cell; else False."""
        grid = self.grids[-1] if self.grids else None
        if tag in ("table", "tr", "td", "th") and grid is not None:
            self._close_cell(grid)
        if tag == "table":
            if start:
                self.grids.append(_Grid())
            elif self.grids:
                self.grids.pop()
            self._break(hard=False)
            return True
        if grid is None:
            return False
        if tag == "tr":
            if not self.line_start:
                self.parts.append("\t" * grid.end_row())
            self._break(hard=False)
            if start:
                grid.new_row()
        elif tag in ("td", "th"):
            if start:
                tabs = grid.place(attrs)
                self.parts.append("\t" * tabs)
                self.line_start = self.line_start and not tabs
                grid.cell_start = len(self.parts)
        elif grid.in_cell and tag in _BLOCKS:
            self.parts.append(_CELL_BREAK)
        else:
            return False
        return True

    def _close_cell(self, grid: _Grid) -> None:
        """End the open cell: its blocks become line breaks if it holds a long text (a page laid out
        in a table), else spaces (a cell of a data table stays on its row's line)."""
        if grid.cell_start < 0:
            return
        text = "".join(self.parts[grid.cell_start:])
        breaks = _CELL_BREAKS.sub("\n" if len(text) > self.long_cell else " ", text)
        self.parts[grid.cell_start:] = [breaks]
        self.line_start = breaks.endswith("\n") or (self.line_start and not breaks)
        grid.cell_start, grid.in_cell = -1, False

    def handle_data(self, data: str) -> None:
        if self.skip or self.in_head:
            return
        if not self.pre:
            data = _SPACE.sub(" ", data)
            if self.line_start:
                data = data.lstrip(" ")
        if data:
            self.parts.append(data)
            self.line_start = data.endswith("\n")

    def _layout(self, tag: str, start: bool) -> None:
        if tag == "pre":
            self.pre = max(0, self.pre + (1 if start else -1))
        if self.skip or self.in_head:
            return
        if tag == "br" and start:
            self._break(hard=True)
        elif tag in _BLOCKS:
            self._break(hard=False)

    def _break(self, hard: bool) -> None:
        if hard or not self.line_start:
            self.parts.append("\n")
            self.line_start = True


def html_lines(markup: str, long_cell: int) -> list[str]:
    """The lines of the body text of an HTML page, stripped (blank lines kept); a table cell of
    more than `long_cell` characters has its blocks on lines of their own."""
    parser = _BodyText(long_cell)
    parser.feed(markup)
    parser.close()
    return [line.strip(" ") if line.strip(" \t") else "" for line in "".join(parser.parts).split("\n")]
