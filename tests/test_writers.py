"""Tests for extractor.writers: CSV and XLSX output, normalisation, safety, layout."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock

from extractor import writers
from extractor.writers import (
    MAX_CELL_CHARS,
    TRUNCATION_MARKER,
    Sheet,
    StreamingWorkbook,
    cell_text,
    write_csv,
    write_workbook,
)

SENTENCE = "全年全省地区生产总值达到5.3万亿元，比上年增长8.5%。"
INJECTIONS = ["=1+1", "+86", "-x", "@SUM(A1)", "\t制表符开头", "\r回车开头"]


def read_csv_rows(path: Path) -> list[list[str]]:
    """All CSV records (header included) as lists of strings, BOM stripped."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def one_column_xlsx(path: Path, values: list, **sheet_options) -> openpyxl.worksheet.worksheet.Worksheet:
    """Write `values` as column `text` of sheet `claims` and load the sheet back."""
    rows = [{"text": value} for value in values]
    write_workbook(path, [Sheet("claims", ["text"], rows, **sheet_options)])
    return openpyxl.load_workbook(path)["claims"]


# --- cell_text ---------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (10.0, 10),
    (-3, -3),
    (-2.5, -2.5),
    (33.333333333333336, 33.3333333333),
    (0.1 + 0.2, 0.3),
    (1e-12, 1e-12),
    (None, None),
    (float("nan"), None),
    (pd.NA, None),
    ("增长8.5%", "增长8.5%"),
    ("=1+1", "'=1+1"),
    ("-x", "'-x"),
])
def test_cell_text(value, expected):
    result = cell_text(value)
    assert result == expected
    assert type(result) is type(expected)


def test_cell_text_numpy_numbers():
    np = pytest.importorskip("numpy")
    assert cell_text(np.int64(7)) == 7 and type(cell_text(np.int64(7))) is int
    assert cell_text(np.float64(12.0)) == 12 and type(cell_text(np.float64(12.0))) is int


# --- CSV ---------------------------------------------------------------------------------


def test_csv_bom_and_roundtrip(tmp_path):
    rows = [
        {"doc": "2021年政府工作报告.txt", "value": 8.5, "unit": "%", "sentence": SENTENCE, "extra": "忽略"},
        {"doc": "2022年统计公报.txt", "value": 1250, "unit": "万人", "sentence": "城镇新增就业1250万人。"},
    ]
    columns = ["doc", "value", "unit", "sentence"]
    path = tmp_path / "claims.csv"
    assert write_csv(path, rows, columns) == 2
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(path, encoding="utf-8-sig")
    expected = pd.DataFrame([{name: row[name] for name in columns} for row in rows])
    pd.testing.assert_frame_equal(frame, expected)


def test_csv_number_format(tmp_path):
    path = tmp_path / "claims.csv"
    write_csv(path, [{"value": 10.0, "share": 33.333333333333336, "change": -3, "none": None}],
              ["value", "share", "change", "none"])
    assert read_csv_rows(path)[1] == ["10", "33.3333333333", "-3", ""]


def test_csv_neutralises_formulas(tmp_path):
    path = tmp_path / "claims.csv"
    write_csv(path, [{"text": text} for text in INJECTIONS], ["text"])
    values = [record[0] for record in read_csv_rows(path)[1:]]
    assert values == ["'" + text for text in INJECTIONS]


def test_csv_keeps_control_characters_and_long_cells(tmp_path):
    long_text = "粮" * 40_000
    path = tmp_path / "claims.csv"
    write_csv(path, [{"text": "产量\x01增长"}, {"text": long_text}], ["text"])
    records = read_csv_rows(path)
    assert records[1] == ["产量\x01增长"]
    assert records[2] == [long_text]


def test_csv_accepts_a_generator(tmp_path):
    path = tmp_path / "claims.csv"
    count = write_csv(path, ({"n": i} for i in range(5)), ["n"])
    assert count == 5
    assert len(read_csv_rows(path)) == 6


def test_csv_is_deterministic(tmp_path):
    rows = [{"sentence": SENTENCE, "value": 5.3, "unit": "万亿元", "text": "=危险"}] * 3
    columns = ["sentence", "value", "unit", "text"]
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_csv(first, rows, columns)
    write_csv(second, rows, columns)
    assert first.read_bytes() == second.read_bytes()


# --- atomic writes -------------------------------------------------------------------------


def test_writes_leave_no_temp_files(tmp_path):
    write_csv(tmp_path / "claims.csv", [{"a": 1}], ["a"])
    write_workbook(tmp_path / "claims.xlsx", [Sheet("claims", ["a"], [{"a": 1}])])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv", "claims.xlsx"]


def test_interrupted_csv_keeps_old_file(tmp_path):
    path = tmp_path / "claims.csv"
    write_csv(path, [{"a": "旧"}], ["a"])
    before = path.read_bytes()

    def rows():
        yield {"a": "新"}
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_csv(path, rows(), ["a"])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["claims.csv"]


def test_interrupted_workbook_leaves_nothing(tmp_path, monkeypatch):
    def fail(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(writers.os, "replace", fail)
    with pytest.raises(OSError):
        write_workbook(tmp_path / "claims.xlsx", [Sheet("claims", ["a"], [{"a": 1}])])
    assert list(tmp_path.iterdir()) == []


# --- XLSX cells ----------------------------------------------------------------------------


def test_xlsx_neutralises_formulas_and_keeps_numbers(tmp_path):
    ws = one_column_xlsx(tmp_path / "c.xlsx", [*INJECTIONS, "#N/A", -3, 10.0, 33.333333333333336])
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    for cell, text in zip(cells[:len(INJECTIONS)], INJECTIONS, strict=True):
        assert cell.data_type == "s"
        assert cell.value == "'" + text
    error_like, minus_three, ten, third = cells[len(INJECTIONS):]
    assert (error_like.data_type, error_like.value) == ("s", "#N/A")
    assert (minus_three.data_type, minus_three.value) == ("n", -3)
    assert (ten.value, type(ten.value)) == (10, int)
    assert third.value == pytest.approx(33.3333333333, abs=0)


def test_xlsx_replaces_control_characters(tmp_path):
    path = tmp_path / "c.xlsx"
    stats = write_workbook(path, [Sheet("claims", ["text"], [{"text": "产量\x01增长\x1f"}])])
    assert stats == {"replaced_control_chars": 2, "truncated_cells": 0}
    assert openpyxl.load_workbook(path)["claims"]["A2"].value == "产量\ufffd增长\ufffd"


def test_xlsx_truncates_long_cells(tmp_path):
    path = tmp_path / "c.xlsx"
    stats = write_workbook(path, [Sheet("claims", ["text"], [{"text": "粮" * 40_000}])])
    assert stats == {"replaced_control_chars": 0, "truncated_cells": 1}
    value = openpyxl.load_workbook(path)["claims"]["A2"].value
    assert len(value) == MAX_CELL_CHARS
    assert value.endswith(TRUNCATION_MARKER)
    assert value.startswith("粮" * 100)


# --- rich-text highlight ---------------------------------------------------------------------


def highlight_sheet(path: Path, rows: list[dict]):
    """Write rows with the `sentence` column highlighted by [s, e) and load with rich text."""
    write_workbook(path, [Sheet("claims", ["sentence"], rows, highlight=("sentence", "s", "e"))])
    return openpyxl.load_workbook(path, rich_text=True)["claims"]


def test_highlight_is_bold_red_rich_text(tmp_path):
    start = SENTENCE.index("8.5%")
    ws = highlight_sheet(tmp_path / "h.xlsx", [{"sentence": SENTENCE, "s": start, "e": start + 4}])
    value = ws["A2"].value
    assert isinstance(value, CellRichText)
    assert str(value) == SENTENCE
    blocks = [part for part in value if isinstance(part, TextBlock)]
    assert [block.text for block in blocks] == ["8.5%"]
    assert blocks[0].font.b
    assert blocks[0].font.color.rgb.endswith("FF0000")
    assert value[0] == SENTENCE[:start]


def test_highlight_shifts_with_neutralising_quote(tmp_path):
    ws = highlight_sheet(tmp_path / "h.xlsx", [{"sentence": "-5%的降幅", "s": 0, "e": 3}])
    value = ws["A2"].value
    assert str(value) == "'-5%的降幅"
    assert [part.text for part in value if isinstance(part, TextBlock)] == ["-5%"]


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 999), (5, 5), (None, 2), ("1", "2")])
def test_highlight_out_of_range_is_plain(tmp_path, start, end):
    ws = highlight_sheet(tmp_path / "h.xlsx", [{"sentence": SENTENCE, "s": start, "e": end}])
    assert ws["A2"].value == SENTENCE


def test_highlight_beyond_truncation_is_plain(tmp_path):
    text = "粮" * 40_000
    ws = highlight_sheet(tmp_path / "h.xlsx", [{"sentence": text, "s": 39_000, "e": 39_002},
                                               {"sentence": text, "s": 0, "e": 2}])
    assert isinstance(ws["A2"].value, str) and ws["A2"].value.endswith(TRUNCATION_MARKER)
    assert isinstance(ws["A3"].value, CellRichText)


# --- XLSX layout -----------------------------------------------------------------------------


def test_header_frozen_bold_and_filtered(tmp_path):
    path = tmp_path / "c.xlsx"
    rows = [{"doc": "报告.txt", "sentence": SENTENCE, "value": 8.5}] * 3
    write_workbook(path, [Sheet("claims", ["doc", "sentence", "value"], rows)])
    ws = openpyxl.load_workbook(path)["claims"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C4"
    assert all(cell.font.b for cell in ws[1])
    assert [cell.value for cell in ws[1]] == ["doc", "sentence", "value"]


def test_column_widths_count_cjk_double_and_cap(tmp_path):
    path = tmp_path / "c.xlsx"
    rows = [{"ascii": "x" * 20, "cjk": "统" * 20, "long": "长" * 500}]
    write_workbook(path, [Sheet("claims", ["ascii", "cjk", "long"], rows)])
    dims = openpyxl.load_workbook(path)["claims"].column_dimensions
    assert dims["A"].width < dims["B"].width
    assert dims["B"].width == pytest.approx(42)
    assert dims["C"].width == writers.MAX_COLUMN_WIDTH


def test_wrap_columns_wrap_at_top(tmp_path):
    path = tmp_path / "c.xlsx"
    write_workbook(path, [Sheet("claims", ["sentence", "value"], [{"sentence": SENTENCE, "value": 1}],
                                wrap=("sentence",))])
    ws = openpyxl.load_workbook(path)["claims"]
    assert ws["A2"].alignment.wrap_text and ws["A2"].alignment.vertical == "top"
    assert not ws["B2"].alignment.wrap_text


def test_status_fills(tmp_path):
    path = tmp_path / "c.xlsx"
    statuses = ["impossible", "mismatch", "conflict", "partial", "unverifiable", "ok", None]
    rows = [{"sentence": SENTENCE, "status": status, "note": None} for status in statuses]
    write_workbook(path, [Sheet("checks", ["sentence", "status", "note"], rows, fills="status")])
    ws = openpyxl.load_workbook(path)["checks"]
    colours = []
    for row in ws.iter_rows(min_row=2):
        row_colours = {cell.fill.fgColor.rgb if cell.fill.fill_type else None for cell in row}
        assert len(row_colours) == 1, "the whole row shares one fill"
        colours.append(row_colours.pop())
    red, yellow = "00FFC7CE", "00FFEB9C"
    assert colours == [red, red, red, yellow, yellow, None, None]


def test_sheet_overflow_continues_on_numbered_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "MAX_DATA_ROWS", 2)
    path = tmp_path / "c.xlsx"
    rows = [{"n": i, "sentence": f"第{i}条"} for i in range(5)]
    write_workbook(path, [Sheet("claims", ["n", "sentence"], rows), Sheet("docs", ["doc"], [])])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["claims", "claims_2", "claims_3", "docs"]
    values = [[cell.value for cell in row] for name in wb.sheetnames[:3] for row in wb[name].iter_rows()]
    header = ["n", "sentence"]
    assert values == [header, [0, "第0条"], [1, "第1条"],
                      header, [2, "第2条"], [3, "第3条"],
                      header, [4, "第4条"]]
    assert wb["claims_3"].auto_filter.ref == "A1:B2"
    assert [cell.value for cell in wb["docs"][1]] == ["doc"]


def test_first_sheet_streamed_into_the_package_as_rows_come(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "WIDTH_SAMPLE_ROWS", 2)     # widths known after two rows
    monkeypatch.setattr(writers, "MAX_DATA_ROWS", 3)
    monkeypatch.setattr(writers, "ENCODE_ROWS", 1)           # each row written as it is added
    sheet = Sheet("claims", ["n", "sentence"], [], wrap=("sentence",))
    rows = [{"n": i, "sentence": "长" * i} for i in range(8)]
    with StreamingWorkbook(tmp_path / "first.xlsx") as book:
        stream = book.add_sheet(sheet)
        stream.extend(rows[:4])
        assert book.archive().namelist() == ["xl/worksheets/sheet1.xml"]   # its first 3 rows in the package
        stream.extend(rows[4:])
        book.add_sheet(Sheet("docs", ["doc"], [])).append({"doc": "甲.txt"})
    with StreamingWorkbook(tmp_path / "second.xlsx") as book:       # the same sheet, not the first
        book.add_sheet(Sheet("docs", ["doc"], [])).append({"doc": "甲.txt"})
        book.add_sheet(sheet).extend(rows)
    first, second = zipfile.ZipFile(tmp_path / "first.xlsx"), zipfile.ZipFile(tmp_path / "second.xlsx")
    assert [first.read(f"xl/worksheets/sheet{n}.xml") for n in (1, 2, 3, 4)] == \
        [second.read(f"xl/worksheets/sheet{n}.xml") for n in (2, 3, 4, 1)]
    assert openpyxl.load_workbook(tmp_path / "first.xlsx").sheetnames == ["claims", "claims_2", "claims_3", "docs"]
    with pytest.raises(RuntimeError), StreamingWorkbook(tmp_path / "cut.xlsx") as book:
        book.add_sheet(sheet).extend(rows)
        raise RuntimeError("interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.xlsx", "second.xlsx"]


def test_empty_workbook_has_a_sheet(tmp_path):
    path = tmp_path / "c.xlsx"
    write_workbook(path, [])
    assert len(openpyxl.load_workbook(path).sheetnames) == 1


def test_csv_and_xlsx_share_normalisation(tmp_path):
    values = [10.0, -3, None, 33.333333333333336, "=1+1", "增长8.5%"]
    write_csv(tmp_path / "c.csv", [{"v": v} for v in values], ["v"])
    ws = one_column_xlsx(tmp_path / "c.xlsx", values)
    csv_values = [record[0] for record in read_csv_rows(tmp_path / "c.csv")[1:]]
    xlsx_values = ["" if row[0].value is None else str(row[0].value) for row in ws.iter_rows(min_row=2)]
    assert csv_values == xlsx_values


# --- the package ----------------------------------------------------------------------------


def test_the_package_holds_the_ecma_376_parts_and_names_its_sheets(tmp_path):
    import zipfile

    path = tmp_path / "c.xlsx"
    write_workbook(path, [Sheet("claims & 'notes'", ["a"], [{"a": 1}]), Sheet("rules", [], [])])
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                                              "xl/styles.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                              "xl/worksheets/sheet2.xml"]
        workbook = archive.read("xl/workbook.xml").decode()
    assert '<sheet name="claims &amp; \'notes\'" sheetId="1"' in workbook
    assert "&apos;claims &amp; &apos;&apos;notes&apos;&apos;&apos;!$A$1:$A$2" not in workbook   # quotes doubled, not escaped
    assert "'claims &amp; ''notes'''!$A$1:$A$2</definedName>" in workbook
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["claims & 'notes'", "rules"]
    assert book["claims & 'notes'"]["A2"].value == 1 and book["rules"].max_row == 1


def test_writing_a_workbook_imports_no_spreadsheet_library():
    import subprocess
    import sys

    code = ("import sys, tempfile, pathlib; from extractor.writers import Sheet, write_workbook; "
            "write_workbook(pathlib.Path(tempfile.mkdtemp()) / 'c.xlsx', [Sheet('s', ['a'], [{'a': 'x'}])]); "
            "print(sorted(m for m in ('openpyxl', 'xlsxwriter', 'pandas') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip() == "[]"
