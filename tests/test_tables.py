"""Figures in tables: the same table as .docx, .html, .pdf and text gives the same claims.

The tables are written here (the docx and the PDF at test time, no binaries committed); the
places and figures are made up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.audit import audit_document
from extractor.models import Document
from extractor.pipeline import Extractor, extract_document
from extractor.reader import read_document
from extractor.ruletests import check_example

RULES = Path(__file__).resolve().parent.parent / "rules"
EXTRACTOR = Extractor.load(RULES)

CAPTION = "表1　2023年松岗等县立案和处分情况"
BEFORE = "一、全年概况"
AFTER = "以上数据截至年底。"
LEFT, UP = "<", "^"   # a cell merged with the one on its left / above it
GRID = [
    ["单位：件、人", LEFT, LEFT, LEFT, LEFT, LEFT],
    ["地区", "立案数", LEFT, "处分人数", LEFT, "处分人数同比增减（%）"],
    [UP, "2023年", "2022年", "2023年", "2022年", UP],
    ["松岗县", "12", "10", "9", "8", "12.5"],
    ["柳溪区", "30", "25", "21", "20", "5.0"],
    ["合计", "42", "35", "30", "28", "7.1"],
]
# (value, unit, category, subject, period, scope, source) of every figure of GRID
EXPECTED = [
    (12, "件", "case", "立案数", 2023, "松岗县", "table 1 r 4 c 2"),
    (10, "件", "case", "立案数", 2022, "松岗县", "table 1 r 4 c 3"),
    (9, "人", "discipline", "处分人数", 2023, "松岗县", "table 1 r 4 c 4"),
    (8, "人", "discipline", "处分人数", 2022, "松岗县", "table 1 r 4 c 5"),
    (12.5, "%", "share", "处分人数同比增减", 2023, "松岗县", "table 1 r 4 c 6"),
    (30, "件", "case", "立案数", 2023, "柳溪区", "table 1 r 5 c 2"),
    (25, "件", "case", "立案数", 2022, "柳溪区", "table 1 r 5 c 3"),
    (21, "人", "discipline", "处分人数", 2023, "柳溪区", "table 1 r 5 c 4"),
    (20, "人", "discipline", "处分人数", 2022, "柳溪区", "table 1 r 5 c 5"),
    (5.0, "%", "share", "处分人数同比增减", 2023, "柳溪区", "table 1 r 5 c 6"),
    (42, "件", "case", "立案数", 2023, "合计", "table 1 r 6 c 2"),
    (35, "件", "case", "立案数", 2022, "合计", "table 1 r 6 c 3"),
    (30, "人", "discipline", "处分人数", 2023, "合计", "table 1 r 6 c 4"),
    (28, "人", "discipline", "处分人数", 2022, "合计", "table 1 r 6 c 5"),
    (7.1, "%", "share", "处分人数同比增减", 2023, "合计", "table 1 r 6 c 6"),
]


def _cells(row: list[str]) -> list[str]:
    return ["" if cell in (LEFT, UP) else cell for cell in row]


def write_text(path: Path) -> None:
    rows = ["\t".join(_cells(row)) for row in GRID]
    path.write_text("\n".join([BEFORE, CAPTION, *rows, AFTER]), encoding="utf-8")


def write_html(path: Path) -> None:
    body = []
    for r, row in enumerate(GRID):
        cells = []
        for c, cell in enumerate(row):
            if cell in (LEFT, UP):
                continue
            cols = next((k for k in range(c + 1, len(row)) if row[k] != LEFT), len(row)) - c
            rows = next((k for k in range(r + 1, len(GRID)) if GRID[k][c] != UP), len(GRID)) - r
            tag = "th" if r < 2 else "td"
            cells.append(f"<{tag} colspan='{cols}' rowspan='{rows}'>{cell}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    path.write_text(f"<html><body><h2>{BEFORE}</h2><p>{CAPTION}</p><table>{''.join(body)}</table>"
                    f"<p>{AFTER}</p></body></html>", encoding="utf-8")


def write_docx(path: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph(BEFORE)
    document.add_paragraph(CAPTION)
    table = document.add_table(rows=len(GRID), cols=len(GRID[0]))
    for r, row in enumerate(GRID):
        for c, cell in enumerate(row):
            if cell == LEFT:
                table.cell(r, c - 1).merge(table.cell(r, c))
            elif cell == UP:
                table.cell(r - 1, c).merge(table.cell(r, c))
    for r, row in enumerate(GRID):
        for c, cell in enumerate(row):
            if cell not in (LEFT, UP):
                table.cell(r, c).text = cell
    document.add_paragraph(AFTER)
    document.save(str(path))


def write_pdf(path: Path) -> None:
    pytest.importorskip("reportlab", reason="reportlab is needed to write test PDFs")
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cjk", fontName="STSong-Light", fontSize=10)
    spans = [("SPAN", (c - 1, r), (c, r)) for r, row in enumerate(GRID) for c, cell in enumerate(row) if cell == LEFT]
    spans += [("SPAN", (c, r - 1), (c, r)) for r, row in enumerate(GRID) for c, cell in enumerate(row) if cell == UP]
    table = Table([_cells(row) for row in GRID])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 9),
                               ("GRID", (0, 0), (-1, -1), 0.5, "black"), *spans]))
    SimpleDocTemplate(str(path)).build([Paragraph(BEFORE, style), Paragraph(CAPTION, style), table,
                                        Paragraph(AFTER, style)])


WRITERS = {"table.txt": write_text, "table.html": write_html, "table.docx": write_docx, "table.pdf": write_pdf}


def claims_of(path: Path):
    document = read_document(path, path.name)
    return document, extract_document(document, EXTRACTOR).claims


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_the_same_table_in_every_form_gives_the_same_claims(tmp_path, name):
    path = tmp_path / name
    WRITERS[name](path)
    document, claims = claims_of(path)
    got = [(c.value, c.unit, c.category, c.subject, c.period, c.scope, c.source) for c in claims]
    assert got == EXPECTED
    for claim in claims:
        assert document.text[claim.num_start:claim.num_end] == claim.num_text
        assert claim.sentence in document.text.split("\n")


def test_dump_text_shows_one_row_a_line_cells_separated_by_tabs(tmp_path):
    for name in ("table.html", "table.docx", "table.pdf"):
        WRITERS[name](tmp_path / name)
        text = read_document(tmp_path / name, name).text
        assert "松岗县\t12\t10\t9\t8\t12.5" in text.split("\n"), name
        assert "地区\t立案数\t\t处分人数\t\t处分人数同比增减（%）" in text.split("\n"), name


def text_claims(text: str, year: int | None = None):
    return extract_document(Document(doc="t.txt", text=text), EXTRACTOR, year=year).claims


def test_text_table_of_full_width_spaces_under_a_unit_line():
    text = ("青石县2025年主要数据\n\n表2　2025年全县纪检监察主要数据\n单位：件、人、%\n"
            "指标　　2025年　　2024年　　同比增减\n处置问题线索　　816　　740　　10.3%\n"
            "其中：谈话函询　　205　　230　　-10.9%\n给予党纪政务处分　　311　　280　　11.1%\n\n"
            "2025年全县共处分干部311人。")
    claims = text_claims(text)
    got = [(c.num_text, c.value, c.unit, c.category, c.period, c.source) for c in claims]
    assert got == [
        ("816", 816, "件", "case", 2025, "table 1 r 2 c 2"), ("740", 740, "件", "case", 2024, "table 1 r 2 c 3"),
        ("10.3", 10.3, "%", "share", 2025, "table 1 r 2 c 4"),
        ("205", 205, "件", "case", 2025, "table 1 r 3 c 2"), ("230", 230, "件", "case", 2024, "table 1 r 3 c 3"),
        ("-10.9", -10.9, "%", "share", 2025, "table 1 r 3 c 4"),
        ("311", 311, "人", "discipline", 2025, "table 1 r 4 c 2"),
        ("280", 280, "人", "discipline", 2024, "table 1 r 4 c 3"),
        ("11.1", 11.1, "%", "share", 2025, "table 1 r 4 c 4"),
        ("311", 311, "人", "discipline", 2025, "text"),
    ]
    for claim in claims:
        assert text[claim.num_start:claim.num_end] == claim.num_text


def test_a_text_table_aligned_by_spaces_with_a_header_over_two_columns_and_a_blank_cell():
    text = ("单位：件、人\n"
            "乡镇        立案数                处分人数\n"
            "            2023年      2022年    2023年      2022年\n"
            "河口镇      6           4         5           3\n"
            "石门乡      11                    7           6\n")
    got = [(c.value, c.unit, c.subject, c.period, c.scope, c.source) for c in text_claims(text)]
    assert got == [
        (6, "件", "立案数", 2023, "河口镇", "table 1 r 3 c 2"), (4, "件", "立案数", 2022, "河口镇", "table 1 r 3 c 3"),
        (5, "人", "处分人数", 2023, "河口镇", "table 1 r 3 c 4"), (3, "人", "处分人数", 2022, "河口镇", "table 1 r 3 c 5"),
        (11, "件", "立案数", 2023, "石门乡", "table 1 r 4 c 2"),
        (7, "人", "处分人数", 2023, "石门乡", "table 1 r 4 c 4"), (6, "人", "处分人数", 2022, "石门乡", "table 1 r 4 c 5"),
    ]


def test_current_and_last_year_columns_and_a_pipe_table():
    text = "2022年第三季度通报\n项目 | 本期 | 上年同期 | 本年累计\n立案（件） | 14 | 9 | 41\n"
    got = [(c.value, c.unit, c.period, c.source) for c in text_claims(text)]
    assert got == [(14, "件", 2022, "table 1 r 2 c 2"), (9, "件", 2021, "table 1 r 2 c 3"),
                   (41, "件", 2022, "table 1 r 2 c 4")]


def test_a_table_in_traditional_script():
    text = ("單位：件、人\n項目　　2024年　　2023年　　同比增減\n處置問題線索　　96　　80　　20.0%\n"
            "其中：談話函詢　　30　　24　　25.0%\n合計　　96　　80　　20.0%\n")
    got = [(c.num_text, c.unit, c.category, c.subject, c.period, c.scope) for c in text_claims(text)]
    assert got[:3] == [("96", "件", "case", "處置問題線索", 2024, ""), ("80", "件", "case", "處置問題線索", 2023, ""),
                       ("20.0", "%", "share", "處置問題線索同比增減", 2024, "")]
    assert [c.subject_simplified for c in text_claims(text)][3] == "谈话函询"
    assert [(c.parent, c.scope) for c in text_claims(text)][3] == ("0001-0001", "")
    assert got[6][1:] == ("件", "case", "合計", 2024, "合計")


def test_a_sentence_in_a_cell_beside_figures_is_read_as_a_sentence():
    text = "项目\t2023年\t说明\n立案（件）\t21\t其中留置3人\n"
    got = [(c.num_text, c.unit, c.source) for c in text_claims(text)]
    assert got == [("21", "件", "table 1 r 2 c 2"), ("3", "人", "text")]


def test_a_markdown_table():
    text = "2023年情况：\n\n| 项目 | 2023年 | 2022年 |\n|---|---:|---:|\n| 立案（件） | 17 | 15 |\n"
    got = [(c.value, c.unit, c.subject, c.period, c.source) for c in text_claims(text)]
    assert got == [(17, "件", "立案", 2023, "table 1 r 3 c 2"), (15, "件", "立案", 2022, "table 1 r 3 c 3")]


def test_months_as_rows_and_a_group_header_row():
    text = ("月份\t立案数（件）\t留置（人）\n审查调查\n1月\t7\t1\n2月\t9\t0\n")
    got = [(c.value, c.unit, c.subject, c.scope, c.source) for c in text_claims(text, 2024)]
    assert got == [(7, "件", "立案数", "1月", "table 1 r 3 c 2"), (1, "人", "留置", "1月", "table 1 r 3 c 3"),
                   (9, "件", "立案数", "2月", "table 1 r 4 c 2"), (0, "人", "留置", "2月", "table 1 r 4 c 3")]


def test_a_table_needs_a_header_line_and_a_data_line():
    """One line (as a file passed line by line gives) is never a table: it is not searched for one."""
    from extractor.tables import find_tables

    text = "镇别\t立案数（件）\t留置（人）\n桃溪镇\t6\t2\n"
    assert len(find_tables(text, EXTRACTOR.tables)) == 1
    assert [find_tables(line, EXTRACTOR.tables) for line in text.split("\n")] == [[], [], []]


@pytest.mark.parametrize("text", [
    "发布时间：2024-03-05　　来源：县纪委监委\n浏览次数：1024　　字号：大 中 小\n",
    "一、工作回顾\n　　今年以来，全县共处分干部120人。\n　　二是加强监督。\n",
    "表3　2024年巡察情况\n第一轮　　第二轮\n",
])
def test_lines_that_are_no_table_give_no_table_claims(text):
    assert all(c.source == "text" for c in text_claims(text))


@pytest.mark.parametrize("example", EXTRACTOR.tables.examples,
                         ids=[f"tables:{e.line}" for e in EXTRACTOR.tables.examples])
def test_table_rule_example(example):
    failure = check_example(example, EXTRACTOR)
    assert failure is None, failure


def checks_of(text: str) -> list[tuple[str, str, str]]:
    claims = text_claims(text, 2024)
    return [(k.kind, k.status, k.message) for k in audit_document(claims)]


def test_a_total_row_that_agrees_is_ok_one_that_does_not_is_flagged():
    good = "地区\t立案数（件）\t处分人数（人）\n河口镇\t4\t3\n石门乡\t6\t5\n合计\t10\t8\n"
    assert checks_of(good) == [("table_total", "ok", "表中各行之和 10 等于合计 10"),
                               ("table_total", "ok", "表中各行之和 8 等于合计 8")]
    bad = good.replace("合计\t10\t8", "合计\t11\t7")
    assert checks_of(bad) == [("table_total", "mismatch", "表中各行之和 10 小于合计 11"),
                              ("table_total", "impossible", "表中各行之和 8 超过合计 7")]


def test_a_total_column_and_rounding():
    text = "项目\t1月\t2月\t3月\t合计\n挽回经济损失（万元）\t1.2\t3.4\t0.5\t5.1\n"
    assert checks_of(text) == [("table_total", "ok", "表中各列之和 51,000 等于合计 51,000")]   # 万元 → 元
    assert checks_of(text.replace("5.1\n", "5.0\n")) == [   # 5.0 (49,500–50,500) meets 1.2+3.4+0.5 (49,500–52,500)
        ("table_total", "ok", "表中各列之和 51,000 与合计 50,000 相符（允许四舍五入 48,000–52,000）")]
    [(kind, status, message)] = checks_of(text.replace("5.1\n", "5.9\n"))
    assert (kind, status) == ("table_total", "mismatch") and message == "表中各列之和 51,000 小于合计 59,000"


def test_parts_under_qizhong_point_at_the_row_above_and_a_change_is_recomputed():
    text = ("单位：件\n指标\t2024年\t2023年\t同比增减\n立案\t120\t100\t20.0%\n其中：县处级干部立案\t8\t5\t60.0%\n"
            "结案\t90\t80\t11.0%\n")
    assert [(c.num_text, c.parent) for c in text_claims(text, 2024) if c.parent] == [("8", "0001-0001"),
                                                                                  ("5", "0001-0002")]
    assert checks_of(text) == [
        ("parts_total", "partial", "其中各项之和 8 小于合计 120"),
        ("parts_total", "partial", "其中各项之和 5 小于合计 100"),
        ("table_change", "ok", "同比 20.0% 与 (120-100)/100 = 20% 相符（允许四舍五入 19.95–20.05）"),
        ("table_change", "ok", "同比 60.0% 与 (8-5)/5 = 60% 相符（允许四舍五入 59.95–60.05）"),
        ("table_change", "mismatch", "同比 11.0% 与 (90-80)/80 = 12.5% 不符（允许四舍五入 10.95–11.05）"),
    ]


def test_outputs_name_the_cell_highlight_it_in_its_row_and_show_the_table(tmp_path):
    import csv

    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock

    from extractor.run import run

    (tmp_path / "in").mkdir()
    write_text(tmp_path / "in" / "table.txt")
    run([tmp_path / "in"], RULES, tmp_path / "out")
    with open(tmp_path / "out" / "claims.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["source"] for r in rows] == [e[-1] for e in EXPECTED]
    sheet = openpyxl.load_workbook(tmp_path / "out" / "claims.xlsx", rich_text=True)["claims"]
    header = [c.value for c in sheet[1]]
    first = {name: cell.value for name, cell in zip(header, sheet[2], strict=True)}
    assert first["source"] == "table 1 r 4 c 2"
    assert isinstance(first["sentence"], CellRichText) and str(first["sentence"]) == "松岗县\t12\t10\t9\t8\t12.5"
    assert [part.text for part in first["sentence"] if isinstance(part, TextBlock)] == ["12"]
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    table = page[page.index('<table class="doc-table">'):]
    table = table[:table.index("</table>")]
    assert table.startswith('<table class="doc-table"><tr><td>单位：件、人</td><td></td>')
    assert table.count("<tr>") == len(GRID) and table.count("<mark ") == len(EXPECTED)


@pytest.mark.parametrize(("body", "message"), [
    ("periods: [本期]\n", "tables.yaml:1: `periods` must be a mapping of words to years back"),
    ("captions: ['(表']\n", "tables.yaml:1: `captions`: pattern does not compile"),
    ("colours: [红]\n", "tables.yaml:1: unknown key `colours`"),
])
def test_a_wrong_tables_file_is_one_line_naming_it(tmp_path, body, message):
    from extractor.rules import RuleFileError

    (tmp_path / "tables.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        Extractor.load([RULES, tmp_path])
    assert message in str(info.value) and "\n" not in str(info.value)


def test_html_page_laid_out_in_a_table_keeps_its_lines_while_a_data_table_keeps_its_rows(tmp_path):
    paragraph = "县纪委监委坚持严的主基调，持续加强日常监督，推动全面从严治党向纵深发展。" * 2
    page = (f"<html><body><table><tr><td>首页</td><td><h2>一、2023年工作回顾</h2><p>{paragraph}</p>"
            "<p>全年处分干部40人。</p></td></tr></table>"
            "<table><tr><th><p>项目</p></th><th><p>2023年</p></th></tr><tr><td><p>立案（件）</p></td>"
            "<td><p>55</p></td></tr></table></body></html>")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    document, claims = claims_of(tmp_path / "page.html")
    lines = document.text.split("\n")
    assert "一、2023年工作回顾" in lines and "全年处分干部40人。" in lines
    assert "项目 \t 2023年" in lines and "立案（件） \t 55" in lines
    assert [(c.num_text, c.period, c.source) for c in claims] == [("40", 2023, "text"), ("55", 2023, "table 1 r 2 c 2")]


def test_docx_page_laid_out_in_a_table_keeps_its_lines(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "一、2023年工作回顾"
    cell.add_paragraph("县纪委监委坚持严的主基调，持续加强日常监督，推动全面从严治党向纵深发展，取得新成效。")
    cell.add_paragraph("全年处分干部40人。")
    document.save(str(tmp_path / "page.docx"))
    read, claims = claims_of(tmp_path / "page.docx")
    lines = read.text.split("\n")
    assert lines[0] == "一、2023年工作回顾" and "全年处分干部40人。" in lines
    assert [(c.num_text, c.period) for c in claims] == [("40", 2023)]


def test_a_pdf_box_of_one_column_keeps_its_lines(tmp_path):
    pytest.importorskip("reportlab", reason="reportlab is needed to write test PDFs")
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cjk", fontName="STSong-Light", fontSize=10)
    box = Table([[Paragraph("一、2023年工作回顾", style)], [Paragraph("全年处分干部40人。<br/>立案55件。", style)]])
    box.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    SimpleDocTemplate(str(tmp_path / "box.pdf")).build([Paragraph("前言。", style), box])
    text = read_document(tmp_path / "box.pdf", "box.pdf").text
    assert text == "前言。\n一、2023年工作回顾\n全年处分干部40人。\n立案55件。"


WORDS = st.sampled_from(["合计", "2024年", "本期", "上年同期", "同比增减", "占比", "立案数（件）", "处分人数",
                         "其中：留置", "河口镇", "3月", "序号", "", "单位：人", "説明", "處分"])
NUMBERS = st.sampled_from(["12", "3.5%", "-4.1", "ｘ", "1,024", "0", "7人", "—"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.one_of(WORDS, NUMBERS), min_size=1, max_size=5), min_size=1, max_size=6),
       st.sampled_from(["\t", "　　", " | ", "   "]))
def test_any_table_keeps_offsets_and_puts_each_cell_in_its_row(rows, separator):
    text = "前言。\n" + "\n".join(separator.join(row) for row in rows) + "\n结语。"
    lines = text.split("\n")
    for claim in text_claims(text, 2024):
        assert text[claim.num_start:claim.num_end] == claim.num_text
        if claim.source != "text":
            assert any(claim.sentence in line for line in lines) and claim.claim_text in claim.sentence
