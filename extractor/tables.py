"""Tables: find them in the decoded text and turn their cells into claims.

The reader renders every table it knows as such (.docx, HTML, PDF) one row a line, cells separated
by a tab; a text table is lines whose cells are separated by tabs, `|`, runs of spaces or
full-width spaces, under a header line. `find_tables` finds both in the text, each cell with its
row, column and offsets. `table_claims` reads each figure of a cell with the words of its row and
column headers (`rules/tables.yaml`): the row header names what is counted, or the place or month
the row covers; a column header names a period (2024年, 本期, 上年同期), a measure, a unit
(立案数（件）), a change (同比增减) or a share (占比). The figure itself is read by the sentence
rules, on a short sentence made of those words and the cell (立案数 + 35 + 件).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path

from .matcher import SentenceMatcher
from .models import Claim, Sentence
from .numerals import find_numerals
from .rules import Example, RuleFileError, _without_lines, compile_pattern, read_yaml
from .script import to_simplified
from .stoplist import StopList

TABLE_WORDS_FILE = "tables.yaml"
_CELL_SPLIT = {"\t": re.compile(r"\t"), "|": re.compile(r"\s*[|｜]\s*"), " ": re.compile(r"(?: {2,}|[\u3000\t]+ *)+")}
_NUMBER_CELL = re.compile(r"^[-+−－]?(?:[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?|[xXｘＸ*＊]+)"
                          r"(?:万|亿)?(?:%|％|‰|人次|件次|万元|元|[件人起次个项名条家])?$")
_YEAR = re.compile(r"((?:19|20)[0-9]{2})年(?:度)?(.*)")
_UNIT_PARENS = re.compile(r"[（(]\s*(?:单位[：:]?\s*)?([^（）()]{1,8}?)\s*[）)]\s*$")
_RULE_LINE = re.compile(r"[-—–:：=＝]+")
_MAX_CELL = 40
_SEPARATORS = ("\t", "|", "｜", "  ", "\u3000")
_MAX_HEADER_ROWS = 3


@dataclass(frozen=True)
class TableWords:
    """The header words of `rules/tables.yaml` (see that file)."""

    periods: dict[str, int]
    changes: list[str]
    shares: list[str]
    totals: list[str]
    neutral: list[str]
    unit_labels: list[str]
    places: list[re.Pattern]
    months: list[re.Pattern]
    parts: list[re.Pattern]
    captions: list[re.Pattern]
    measure_units: dict[str, str]
    index: list[str] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> TableWords:
        """Read a tables.yaml file; RuleFileError (naming file and line) when it is wrong."""
        raw = read_yaml(path)
        data = _without_lines(raw)
        _check_words(data, path, raw.get("__line__", 1))

        def patterns(key: str) -> list[re.Pattern]:
            return [compile_pattern(p, f"{path}:1: `{key}`") for p in data.get(key, [])]

        return cls(dict(data.get("periods", {})), list(data.get("changes", [])), list(data.get("shares", [])),
                   list(data.get("totals", [])), list(data.get("neutral", [])), list(data.get("unit_labels", [])),
                   patterns("places"), patterns("months"), patterns("parts"), patterns("captions"),
                   dict(data.get("measure_units", {})), list(data.get("index", [])), _examples(raw, path))

    def is_total(self, text: str) -> bool:
        return to_simplified(text) in self.totals

    def is_place_or_month(self, text: str) -> bool:
        plain = to_simplified(text)
        return any(p.search(plain) for p in self.places + self.months) or plain in self.totals


_WORD_LISTS = ("changes", "shares", "totals", "neutral", "unit_labels", "places", "months", "parts", "captions",
               "index")
_MAPPINGS = {"periods": int, "measure_units": str}


def _check_words(data: dict, path: Path, line: int) -> None:
    """Raise RuleFileError for unknown keys and values of the wrong kind."""
    for key, value in data.items():
        if key in _WORD_LISTS:
            ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
            kind = "a list of words"
        elif key in _MAPPINGS:
            ok = isinstance(value, dict) and all(isinstance(v, _MAPPINGS[key]) for v in value.values())
            kind = f"a mapping of words to {'years back' if key == 'periods' else 'units'}"
        elif key == "examples":
            ok, kind = isinstance(value, list), "a list of examples"
        else:
            raise RuleFileError(f"{path}:{line}: unknown key `{key}` (known: {', '.join([*_WORD_LISTS, *_MAPPINGS])}, "
                                f"examples)")
        if not ok:
            raise RuleFileError(f"{path}:{line}: `{key}` must be {kind}")


def _examples(data: dict, path: Path) -> list[Example]:
    """The example texts of a tables.yaml file, each with its claims and line."""
    out = []
    for item in data.get("examples") or []:
        if not isinstance(item, dict) or "text" not in item:
            raise RuleFileError(f"{path}:{data['__line__']}: an example is a mapping with `text:` and `claims:`")
        claims = [{k: v for k, v in c.items() if k != "__line__"} for c in item.get("claims") or []]
        out.append(Example(str(item["text"]), claims, str(path), item["__line__"]))
    return out


def load_table_words(folders: list[Path], fallback: Path) -> TableWords:
    """The tables.yaml of the last rules folder that has one, else the one of `fallback` (the
    shipped rules) without its examples: they hold under the shipped rules, not under others."""
    for folder in reversed(folders):
        if (folder / TABLE_WORDS_FILE).is_file():
            return TableWords.load(folder / TABLE_WORDS_FILE)
    return replace(TableWords.load(fallback / TABLE_WORDS_FILE), examples=[])


# ---------------------------------------------------------------- finding tables

@dataclass(frozen=True)
class Cell:
    """One cell: 0-based row and column in its table, offsets of its text in the document."""

    row: int
    col: int
    start: int
    end: int
    text: str


@dataclass
class Table:
    """A table of the document: its rows of cells, how many are header rows, its unit words."""

    number: int
    rows: list[list[Cell]]
    header_rows: int
    start: int
    end: int
    units: list[str] = field(default_factory=list)
    caption_year: int | None = None
    title_rows: set[int] = field(default_factory=set)   # header rows of one cell: a title or 单位：… line

    @property
    def width(self) -> int:
        return max(len(r) for r in self.rows)

    def reads(self, pos: int) -> bool:
        """Whether the table reads a figure at `pos`: it stands in a header row, a row header or a
        cell of figures (a sentence in a cell beside them is read as a sentence)."""
        if not self.start <= pos < self.end:
            return False
        for r, row in enumerate(self.rows):
            if row[0].start <= pos <= row[-1].end:
                cell = next((c for c in row if c.start <= pos < c.end), None)
                return r < self.header_rows or cell is None or cell.col == 0 or _is_number(cell.text)
        return True

    def layout(self) -> list[list[tuple[int, int]]]:
        """The offsets (start, end) of each row's cells, for showing the table as a table."""
        return [[(c.start, c.end) for c in row] for row in self.rows]


@dataclass(frozen=True)
class _Line:
    start: int
    text: str


class _Lines:
    """The lines of a text with their offsets, each made when asked for."""

    def __init__(self, text: str) -> None:
        self.texts = text.split("\n")
        self.starts = list(accumulate((len(t) + 1 for t in self.texts), initial=0))

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, k: int) -> _Line:
        return _Line(self.starts[k], self.texts[k])

    def between(self, a: int, b: int) -> list[_Line]:
        return [self[k] for k in range(max(0, a), min(b, len(self)))]

    def with_separator(self, text: str) -> list[int]:
        """The lines where a cell may end: a tab, a |, or two spaces or a full-width one after text
        (each separator searched at C speed: most texts hold few)."""
        found = set()
        for sep in _SEPARATORS:
            at = text.find(sep)
            while at != -1:
                if sep in "\t|｜" or (at > 0 and not text[at - 1].isspace()):
                    found.add(bisect_right(self.starts, at) - 1)
                at = text.find(sep, at + len(sep))
        return sorted(found)


def find_tables(text: str, words: TableWords) -> list[Table]:
    """Every table of `text`, numbered from 1 in text order (only lines holding a cell separator
    can begin one, found in one pass over the text)."""
    if "\n" not in text or not any(sep in text for sep in _SEPARATORS):
        return []               # one line (a table has a header row and a data row), or no cell separator
    lines = _Lines(text)
    tables: list[Table] = []
    end = 0
    for i in lines.with_separator(text):
        if i < end:
            continue
        block = _block_at(lines, i, words)
        if block is not None:
            end, rows = block
            tables.append(_table(rows, len(tables) + 1, lines.between(i - 3, i), words))
    return tables


def split_cells(line: _Line) -> list[Cell]:
    """The cells of one line (row and column left 0 and k), each with its offsets; [] if none."""
    body = line.text.rstrip(" \u3000")
    inner = body.lstrip(" \u3000")
    if len(inner) > _MAX_CELL * 8 or not any(sep in inner for sep in _SEPARATORS):
        return []                                   # most lines: prose, at C speed
    lead = len(body) - len(inner)
    if "\t" in body:
        splitter = _CELL_SPLIT["\t"]
    elif "|" in body or "｜" in body:
        splitter = _CELL_SPLIT["|"]
        body = body.rstrip("|｜ ")
        lead = len(body) - len(body.lstrip("|｜ \u3000"))
    else:
        splitter = _CELL_SPLIT[" "]
    cells, pos = [], lead
    for sep in list(splitter.finditer(body, lead)) + [None]:
        end = sep.start() if sep else len(body)
        piece = body[pos:end]
        stripped = piece.strip(" \u3000")
        first = pos + len(piece) - len(piece.lstrip(" \u3000"))
        cells.append(Cell(0, len(cells), line.start + first, line.start + first + len(stripped), stripped))
        if sep is None:
            break
        pos = sep.end()
    return cells if len(cells) >= 2 else []


def _is_row(cells: list[Cell]) -> bool:
    return bool(cells) and all(len(c.text) <= _MAX_CELL and not c.text.endswith(("。", "，", "；")) for c in cells)


def _block_at(lines: _Lines, i: int, words: TableWords) -> tuple[int, list[list[Cell]]] | None:
    """(end index, rows) of a table whose first line is lines[i], or None."""
    rows: list[list[Cell]] = []
    j = i
    while j < len(lines):
        cells = split_cells(lines[j])
        if _is_row(cells):
            rows.append(cells)
        elif rows and _is_group_line(lines[j]) and j + 1 < len(lines) and _is_row(split_cells(lines[j + 1])):
            text = lines[j].text.strip(" \u3000")
            start = lines[j].start + lines[j].text.index(text)
            rows.append([Cell(0, 0, start, start + len(text), text)])
        else:
            break
        j += 1
    if rows and any(p.search(to_simplified(rows[0][0].text)) for p in words.captions):
        return None
    if rows and not any(ch in line.text for line in lines.between(i, j) for ch in "\t|｜"):
        rows = _aligned(rows, lines.between(i, j))
    heads = _header_count(rows)
    if not 0 < heads <= _MAX_HEADER_ROWS or not any(_is_data(r) for r in rows[heads:]):
        return None
    return j, rows


def _aligned(rows: list[list[Cell]], lines: list[_Line]) -> list[list[Cell]]:
    """Rows whose cells are separated by spaces, each cell put in the column it stands under on
    the line with the most cells (a header over two columns goes to the first of them, which it
    then spans; a cell left blank stays empty)."""
    widest = max(len(r) for r in rows)
    if all(len(r) in (1, widest) for r in rows):
        return rows
    k = next(k for k, r in enumerate(rows) if len(r) == widest)
    anchors = [_x(lines[k], c) for c in rows[k]]
    out = []
    for cells, line in zip(rows, lines, strict=True):
        if len(cells) in (1, widest):
            out.append(cells)
            continue
        placed: list[Cell | None] = [None] * widest
        for cell in cells:
            col = max((n for n, a in enumerate(anchors) if a <= _x(line, cell) + 2), default=0)
            while col < widest - 1 and placed[col] is not None:
                col += 1
            placed[col] = cell
        out.append(_filled(placed, line))
    return out


def _x(line: _Line, cell: Cell) -> int:
    """Where a cell begins on its line, in display columns (a CJK or full-width character is two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line.text[:cell.start - line.start])


def _filled(placed: list[Cell | None], line: _Line) -> list[Cell]:
    """The cells of a row, an empty one (at the next cell's start) where none stands."""
    end = line.start + len(line.text.rstrip(" \u3000"))
    out: list[Cell] = []
    for k, cell in enumerate(placed):
        if cell is None:
            at = next((c.start for c in placed[k:] if c is not None), end)
            cell = Cell(0, k, at, at, "")
        out.append(cell)
    return out


def _header_count(rows: list[list[Cell]]) -> int:
    """How many rows lead the table with headers: rows of two cells or more and no figure."""
    k = 0
    while k < len(rows) and len(rows[k]) >= 2 and not _is_data(rows[k]):
        k += 1
    return k


def _is_group_line(line: _Line) -> bool:
    text = line.text.strip(" \u3000")
    return 0 < len(text) <= 20 and not any(ch in text for ch in "。，；：:,") and not _is_number(text)


def _is_number(text: str) -> bool:
    return bool(_NUMBER_CELL.match(text))


def _is_data(row: list[Cell]) -> bool:
    return any(_is_number(c.text) for c in row[1:])


def _table(rows: list[list[Cell]], number: int, before: list[_Line], words: TableWords) -> Table:
    """The table of a block of rows: cells numbered, header rows counted, unit and caption read."""
    header_rows = _header_count(rows)
    numbered = [[replace(c, row=r, col=k) for k, c in enumerate(cells)] for r, cells in enumerate(rows)]
    titles = {r for r in range(header_rows - 1) if sum(1 for c in rows[r] if c.text) == 1}
    units: list[str] = []
    year = None
    for text, title in [(line.text, False) for line in before] + [(_joined(rows[r]), True) for r in sorted(titles)]:
        units = _unit_line(text, words) or units
        plain = to_simplified(text)
        found = _YEAR.search(plain)
        if found and (title or any(p.search(plain.strip()) for p in words.captions)):
            year = int(found.group(1))
    return Table(number, numbered, header_rows, rows[0][0].start, numbered[-1][-1].end, units, year, titles)


def _joined(row: list[Cell]) -> str:
    return "".join(c.text for c in row)


def _unit_line(text: str, words: TableWords) -> list[str]:
    """The units of a line such as 单位：件、人、% or （單位：萬元）, in simplified script."""
    text = to_simplified(text)
    for label in words.unit_labels:
        found = re.search(re.escape(label) + r"\s*[：:]\s*([^）)]+)", text)
        if found:
            return [u for u in re.split(r"[、，,/；; ]+", found.group(1).strip()) if u]
    return []


_SOURCE = re.compile(r"table (\d+) r (\d+) c (\d+)")


def cell_position(claim: Claim) -> tuple[int, int, int] | None:
    """(table, row, column), 1-based, of a claim read from a table cell; None for one in the text."""
    found = _SOURCE.fullmatch(claim.source)
    return (int(found.group(1)), int(found.group(2)), int(found.group(3))) if found else None


def link_table_parts(claims: list[Claim]) -> None:
    """Point the cells of a 其中 row at the cell above them in their column that is no part (its
    total), as parts after 其中 in a sentence are: 其中：党纪处分 437 under 给予党纪政务处分 503."""
    above: dict[tuple[int, int], Claim] = {}
    for claim in sorted(claims, key=lambda c: cell_position(c) or (0, 0, 0)):
        table, _, col = cell_position(claim) or (0, 0, 0)
        if "part" not in claim.table_role.split():
            above[table, col] = claim
        elif (total := above.get((table, col))) is not None and total.unit == claim.unit != "%":
            claim.parent = total.claim_id


# ---------------------------------------------------------------- reading the cells

@dataclass
class TableClaim:
    """A claim read from a cell, with the period its headers give (None: none given)."""

    claim: Claim
    period: int | None


@dataclass
class _Header:
    """What a column's header words say."""

    measure: str = ""
    units: list[str] = field(default_factory=list)
    period: int | None = None
    scope: str = ""
    kind: str = ""            # "", "change" or "share"
    word: str = ""            # the change or share word
    total: bool = False
    neutral: bool = False


def _column_headers(table: Table) -> list[list[str]]:
    """Header texts of each column, top to bottom; a blank header cell takes the text on its left
    (a merged cell spanning columns), except in the last header row."""
    out: list[list[str]] = [[] for _ in range(table.width)]
    for r in range(table.header_rows):
        if r in table.title_rows:
            continue
        row = table.rows[r]
        last = ""
        for k in range(table.width):
            text = row[k].text if k < len(row) else ""
            if not text and r < table.header_rows - 1 and k > 0:
                text = last
            last = text
            if text:
                out[k].append(text)
    return out


def _read_header(parts: list[str], words: TableWords, doc_year: int | None) -> _Header:
    """What the header texts of one column say (a rule line such as Markdown's |---| says nothing)."""
    head = _Header()
    measures = []
    for part in parts:
        if _RULE_LINE.fullmatch(part):
            continue
        text, units = _strip_units(part, words)
        plain = to_simplified(text)           # the words are simplified; the measure keeps its script
        head.units += units
        found = _YEAR.fullmatch(plain)
        if found:
            head.period = int(found.group(1))
            head.scope = text[found.start(2):].strip()        # as written (plain has the same length)
        elif plain in words.periods:
            head.period = None if doc_year is None else doc_year + words.periods[plain]
        elif (word := _ends_with(plain, words.changes)) is not None:
            head.kind, head.word = "change", text[len(text) - len(word):]
            measures.append(text[:len(text) - len(word)])
        elif (word := _ends_with(plain, words.shares)) is not None:
            head.kind, head.word = "share", text[len(text) - len(word):]
            measures.append(text[:len(text) - len(word)])
        elif plain in words.totals:
            head.total = True
        elif plain in words.neutral:
            head.neutral = True
        elif words.is_place_or_month(plain):
            head.scope = " ".join(filter(None, (head.scope, text)))     # columns by month or place
        elif text:
            measures.append(text)
    head.measure = "".join(m for m in measures if m)
    return head


def _ends_with(text: str, endings: list[str]) -> str | None:
    return next((w for w in sorted(endings, key=len, reverse=True) if text.endswith(w)), None)


def _strip_units(text: str, words: TableWords) -> tuple[str, list[str]]:
    """The header without its unit (立案数（件） → 立案数, [件]); units in simplified script."""
    found = _UNIT_PARENS.search(text)
    if found:
        return text[:found.start()].strip(), [u for u in re.split(r"[、，,/]", to_simplified(found.group(1))) if u]
    return text, []


@dataclass
class _Reader:
    """Reads a figure with the sentence rules: the matcher, stop-list and document, and the ids of
    the fallback rules (tried when no other rule reads a number)."""

    matcher: SentenceMatcher
    stoplist: StopList
    doc: str
    fallback: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.fallback = frozenset(rule.id for rule in self.matcher.fallback_rules)

    def figure(self, measure: str, cell: Cell, units: list[str], kind: str) -> Claim | None:
        """The claim the rules read in measure + cell + unit, moved onto the cell: the units are tried
        in order, and the first a rule of a family reads wins over one only a fallback rule reads
        (单位：件、人: 立案数 in 件; 党纪处分 in 人, though a tally takes any number of 件)."""
        if kind or cell.text.endswith(("%", "％")):
            units = ["%"]
        fallback = None
        for tail in [u for u in dict.fromkeys(units) if u] + [""]:
            tail = "" if cell.text.endswith(tail) else tail
            claim = self._match(measure + cell.text + tail, len(measure), len(measure) + len(cell.text))
            if claim is not None and not self.is_fallback(claim):
                return _moved(claim, cell, len(measure))
            fallback = fallback or claim
        return _moved(fallback, cell, len(measure)) if fallback else None

    def is_fallback(self, claim: Claim) -> bool:
        """Whether only a fallback rule (a tally of any number) read the claim."""
        return claim.rule.split("+")[0] in self.fallback

    def _match(self, text: str, start: int, end: int) -> Claim | None:
        """The claim of the numeral that starts within text[start:end]."""
        simplified = to_simplified(text)
        numerals = [n for n in find_numerals(simplified, self.stoplist) if start <= n.start < end]
        if not numerals:
            return None
        candidates = self.matcher.match(self.doc, Sentence(0, len(text), text, 1), simplified, numerals)
        return next((c.claim for c in candidates if c.claim is not None and start <= c.claim.num_start < end), None)


def table_claims(table: Table, words: TableWords, matcher: SentenceMatcher, stoplist: StopList,
                 doc: str, doc_year: int | None) -> list[TableClaim]:
    """Claims of every figure in the data cells of `table`, in row order."""
    headers = _column_headers(table)
    heads = [_read_header(parts, words, doc_year) for parts in headers]
    index = {k for k, parts in enumerate(headers) if any(to_simplified(p) in words.index for p in parts)}
    first = next((h for h in heads if h.period is not None), None)
    dated = first.period if first else None
    current = dated if dated is not None else table.caption_year
    for head in heads:
        if head.kind and not head.scope and first is not None:
            head.scope = first.scope      # 增减 beside 2024年1-9月 and 2023年1-9月 is about 1-9月
    context = _Context(table, words, _Reader(matcher, stoplist, doc), current, dated is not None)
    label_cols = _label_columns(table)
    group = ""
    above: list[str] = [""] * label_cols
    for r in range(table.header_rows, len(table.rows)):
        row = table.rows[r]
        if not _is_data(row):
            group = row[0].text if len(row) == 1 or not any(c.text for c in row[1:]) else group
            continue
        labels = [(row[k].text if k < len(row) and row[k].text else above[k]) for k in range(label_cols)]
        above = labels
        labels = [text for k, text in enumerate(labels) if k not in index]
        for cell in row[label_cols:]:
            if _is_number(cell.text) and cell.col not in index:
                found = _cell_claim(context, cell, heads[cell.col], labels, group)
                if found:
                    context.done.append(found)
    return context.done


def _label_columns(table: Table) -> int:
    """How many leading columns hold row headers (no figure in any data row): at least one."""
    data = [r for r in table.rows[table.header_rows:] if _is_data(r)]
    k = 1
    while k < table.width - 1 and not any(k < len(r) and _is_number(r[k].text) for r in data):
        k += 1
    return k


@dataclass
class _Context:
    """What the cells of one table are read with, and the claims read so far."""

    table: Table
    words: TableWords
    reader: _Reader
    current: int | None          # the table's current year: its first dated column's, else its caption's
    dated: bool                  # whether a column header names a year
    done: list[TableClaim] = field(default_factory=list)


def _cell_claim(context: _Context, cell: Cell, head: _Header, labels: list[str], group: str) -> TableClaim | None:
    """The claim of one data cell, read with its row label (and group) and its column's header."""
    table, words, reader = context.table, context.words, context.reader
    label, part = _without_part_marker("".join(labels), words)
    label, row_units = _strip_units(label, words)
    row_year = _YEAR.fullmatch(to_simplified(label))
    by_column = words.is_place_or_month(label) or row_year is not None
    scope = " ".join(s for s in (head.scope, "" if row_year else label if by_column else "") if s)
    measure = (head.measure or group) if by_column else group + label + ("" if head.neutral else head.measure)
    measure += head.word
    period = head.period if head.period is not None else (int(row_year.group(1)) if row_year else None)
    if period is None and (head.kind or not context.dated):
        period = context.current
    units = head.units + row_units + [u for u in table.units if u not in ("%", "％")] + _measure_units(measure, words)
    claim = reader.figure(measure, cell, units, head.kind)
    if (claim is None or reader.is_fallback(claim)) and (words.is_total(label) or head.total):
        claim = _like_column(cell, context.done, reader, measure or label) or claim
    if claim is None:
        return None
    claim.scope = scope
    claim.source = f"table {table.number} r {cell.row + 1} c {cell.col + 1}"
    roles = {"row-total": words.is_total(label), "col-total": head.total, "part": part}
    claim.table_role = " ".join(role for role, on in roles.items() if on)
    return TableClaim(claim, period)


def _without_part_marker(label: str, words: TableWords) -> tuple[str, bool]:
    """The row header without a marker of a part (其中：党纪处分 → 党纪处分, True)."""
    for pattern in words.parts:
        found = pattern.search(to_simplified(label))
        if found:
            return label[:found.start()] + label[found.end():], True
    return label, False


def _measure_units(measure: str, words: TableWords) -> list[str]:
    return [unit for ending, unit in words.measure_units.items() if measure.endswith(ending)]


def _moved(claim: Claim, cell: Cell, offset: int) -> Claim:
    """`claim` (read in the made-up sentence) with its spans moved onto the cell in the document."""
    num_start = cell.start + claim.num_start - offset
    num_end = min(cell.end, cell.start + claim.num_end - offset)
    return replace(claim, num_text=cell.text[num_start - cell.start:num_end - cell.start], num_start=num_start,
                   num_end=num_end, claim_text=cell.text, claim_start=cell.start, claim_end=cell.end,
                   subject_simplified="")


def _like_column(cell: Cell, done: list[TableClaim], reader: _Reader, subject: str) -> Claim | None:
    """A total no rule of a family reads alone (合计 42) is read as the figure above it in its
    column, with its own subject."""
    above = next((t.claim for t in reversed(done) if t.claim.source.endswith(f" c {cell.col + 1}")), None)
    claim = reader.figure(above.subject, cell, [above.unit], "") if above is not None else None
    return replace(claim, subject=subject, subject_simplified="") if claim is not None else None
