"""Tests of extractor.reader: encodings, formats, bad files and finding documents."""

from __future__ import annotations

import io
import random
import time
import zipfile
from pathlib import Path

import pytest

from extractor import reader
from extractor.reader import ReadError, find_documents, read_document, repair_pdf_spacing

SIMPLIFIED = "2023年共处分干部125人，其中县处级12人。"
TRADITIONAL = "中央紀委國家監委通報，全國紀檢監察機關共處分三萬人，其中縣處級幹部一千二百人。"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(tmp_path: Path, name: str, data: bytes | str):
    return read_document(write(tmp_path, name, data), name)


def read_error(tmp_path: Path, name: str, data: bytes | str) -> str:
    with pytest.raises(ReadError) as info:
        read(tmp_path, name, data)
    return info.value.reason


# ---------------------------------------------------------------- .txt encodings

@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16-le"),
    ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"), ("gb18030", "gb18030"), ("gbk", "gb18030"),
])
def test_txt_encodings(tmp_path, encoding, expected):
    data = SIMPLIFIED.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):          # these codecs write no BOM: add it
        data = "\ufeff".encode(encoding) + data
    document = read(tmp_path, "a.txt", data)
    assert document.text == SIMPLIFIED                  # BOM stripped
    assert document.encoding == expected
    assert document.problems == []
    assert document.doc == "a.txt" and document.path.endswith("a.txt")


def test_gb18030_four_byte_character(tmp_path):
    text = SIMPLIFIED + "𠀀"                              # not in GBK; four bytes in GB18030
    document = read(tmp_path, "a.txt", text.encode("gb18030"))
    assert (document.text, document.encoding) == (text, "gb18030")


@pytest.mark.parametrize("text", ["处分三万人", "共处分干部125人"])
def test_short_gb_text_is_not_taken_for_korean(tmp_path, text):
    document = read(tmp_path, "a.txt", text.encode("gb18030"))
    assert (document.text, document.encoding) == (text, "gb18030")


@pytest.mark.parametrize("text", ["處分三萬人", TRADITIONAL, "2023年共處分幹部125人，其中縣處級12人。"])
def test_big5_is_detected_as_big5(tmp_path, text):
    document = read(tmp_path, "a.txt", text.encode("big5"))
    assert (document.text, document.encoding) == (text, "big5")


def test_big5_with_microsoft_extensions_is_cp950(tmp_path):
    text = "處分三萬人，裏面有碁。"
    document = read(tmp_path, "a.txt", text.encode("cp950"))
    assert (document.text, document.encoding) == (text, "cp950")


def test_traditional_text_in_gb18030_stays_gb(tmp_path):
    document = read(tmp_path, "a.txt", TRADITIONAL.encode("gb18030"))
    assert (document.text, document.encoding) == (TRADITIONAL, "gb18030")


def test_newlines_are_normalised(tmp_path):
    document = read(tmp_path, "a.txt", "第一行\r\n第二行\r第三行\n第四行\r\n".encode("gb18030"))
    assert document.text == "第一行\n第二行\n第三行\n第四行\n"


def test_unicode_line_separators_become_newlines(tmp_path):
    document = read(tmp_path, "a.txt", "一\u2028二\x0c三\u2029四")
    assert document.text == "一\n二\n三\n四"
    assert document.text.splitlines() == document.text.split("\n")


def test_stray_byte_order_marks_are_removed(tmp_path):
    data = "\ufeff第一篇。\n".encode() + "\ufeff第二篇。".encode()   # two files joined with cat
    assert read(tmp_path, "a.txt", data).text == "第一篇。\n第二篇。"


def test_nearly_utf8_keeps_utf8_and_notes_damage(tmp_path):
    data = (SIMPLIFIED * 5).encode("utf-8") + b"\xff" + SIMPLIFIED.encode("utf-8")
    document = read(tmp_path, "a.txt", data)
    assert document.encoding == "utf-8"
    assert document.text == SIMPLIFIED * 5 + "\ufffd" + SIMPLIFIED
    assert "invalid UTF-8" in document.problems[0]


def test_nul_and_control_characters_become_spaces(tmp_path):
    text = SIMPLIFIED + "\x00" + SIMPLIFIED + "\x07" + SIMPLIFIED
    document = read(tmp_path, "a.txt", text)
    assert document.text == SIMPLIFIED + " " + SIMPLIFIED + " " + SIMPLIFIED
    assert len(document.text) == len(text)                # offsets stay one for one
    assert document.problems == ["replaced 1 NUL and 1 other control character(s) with spaces"]


def test_long_line_without_punctuation(tmp_path):
    text = "数据" * 200_000
    assert read(tmp_path, "a.txt", text).text == text


# ---------------------------------------------------------------- bad files

@pytest.mark.parametrize("name", ["a.txt", "a.html", "a.docx", "a.pdf"])
def test_empty_file(tmp_path, name):
    assert read_error(tmp_path, name, b"") == "empty file"


def test_whitespace_only_text(tmp_path):
    assert "only whitespace" in read_error(tmp_path, "a.txt", " \r\n\t\n")


def test_bom_only_text(tmp_path):
    assert "only whitespace" in read_error(tmp_path, "a.txt", b"\xef\xbb\xbf")


def test_binary_file_with_nul_bytes(tmp_path):
    data = bytes(random.Random(7).randrange(256) for _ in range(4000)) + b"\x00" * 400
    assert read_error(tmp_path, "a.txt", data).startswith("binary file")


def test_binary_file_with_a_known_signature(tmp_path):
    reason = read_error(tmp_path, "a.txt", b"\x89PNG\r\n\x1a\n" + b"\x00\x10IHDR" * 20)
    assert reason == "binary file, not text (it looks like a PNG image)"


def test_mostly_nul_utf16_is_binary(tmp_path):
    data = b"\xff\xfe" + b"\x00" * 1000
    assert read_error(tmp_path, "a.txt", data).startswith("binary file")


def test_undecodable_text(tmp_path):
    data = bytes([0x80, 0x81, 0xFF, 0x41] * 200)          # invalid in UTF-8, GB18030 and Big5
    assert "cannot decode" in read_error(tmp_path, "a.txt", data)


def test_oversized_file(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_BYTES", 100)
    reason = read_error(tmp_path, "a.txt", "数据" * 100)
    assert reason == "file too large (600 bytes; the limit is 100 bytes)"


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:                      # sparse: 200 MB without writing them
        handle.truncate(200 * 1024 * 1024)
    started = time.monotonic()
    with pytest.raises(ReadError, match="file too large"):
        read_document(path, "huge.txt")
    assert time.monotonic() - started < 1


def test_missing_file_directory_and_unsupported_type(tmp_path):
    with pytest.raises(ReadError, match="file not found"):
        read_document(tmp_path / "missing.txt", "missing.txt")
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(ReadError, match="is a directory"):
        read_document(tmp_path / "folder.txt", "folder.txt")
    with pytest.raises(ReadError, match="unsupported file type '.doc'"):
        read(tmp_path, "a.doc", SIMPLIFIED)


def test_read_error_message():
    error = ReadError(Path("in/a.pdf"), "corrupt\nPDF  file")
    assert (error.path, error.reason, str(error)) == (Path("in/a.pdf"), "corrupt PDF file", "in/a.pdf: corrupt PDF file")


@pytest.mark.parametrize("suffix", reader.SUPPORTED_SUFFIXES)
def test_random_bytes_raise_only_read_error(tmp_path, suffix):
    rng = random.Random(20240601)
    prefixes = {".docx": b"PK\x03\x04", ".pdf": b"%PDF-1.4\n"}
    for i in range(300):
        data = rng.randbytes(rng.choice([1, 2, 5, 40, 300, 3000]))
        if i % 3 == 0:                                   # get past the signature checks
            data = prefixes.get(suffix, b"") + data
        elif i % 3 == 1:                                 # mostly printable, multi-byte-looking bytes
            data = bytes(b % 0xE0 + 0x20 for b in data)
        try:
            document = read(tmp_path, f"r{i}{suffix}", data)
        except ReadError as error:
            assert error.reason and "\n" not in error.reason
        else:
            assert "\r" not in document.text and "\x00" not in document.text


# ---------------------------------------------------------------- .html

HTML = """<!DOCTYPE html>
<html><head><meta charset="gb2312"><title>标题不要</title>
<style>p { color: red; }</style><script>var x = "<p>脚本不要</p>";</script></head>
<body>
<noscript><p>noscript不要</p></noscript>
<h1>2023年工作报告</h1>
<p>共处分干部&nbsp;125人，其中<b>县处级</b>12人。</p>


<div>第一行<br>第二行<br><br><br>第三行</div>
<ul><li>立案7.7万起</li><li>A &amp; B &lt;C&gt; &#20013;&#x6587;</li></ul>
<table><tr><th>项目</th><td>人数</td></tr><tr><td>处分</td><td>8890人</td></tr></table>
<script type="text/javascript">document.write("不要");</script>
</body></html>
"""
HTML_TEXT = ("2023年工作报告\n共处分干部 125人，其中县处级12人。\n第一行\n第二行\n\n第三行\n"
             "立案7.7万起\nA & B <C> 中文\n项目\t人数\n处分\t8890人")


def test_html_body_text(tmp_path):
    document = read(tmp_path, "a.html", HTML.encode("gb18030"))
    assert document.text == HTML_TEXT
    assert document.encoding == "gb18030"
    assert document.problems == []


def test_html_utf8_without_declaration(tmp_path):
    document = read(tmp_path, "a.htm", HTML.replace('<meta charset="gb2312">', ""))
    assert (document.text, document.encoding) == (HTML_TEXT, "utf-8")


def test_html_wrong_declaration_falls_back_to_detection(tmp_path):
    markup = HTML.replace('charset="gb2312"', 'charset="utf-8"')
    document = read(tmp_path, "a.html", markup.encode("gb18030"))
    assert (document.text, document.encoding) == (HTML_TEXT, "gb18030")
    assert "does not fit" in document.problems[0]


def test_html_big5_declared_in_http_equiv(tmp_path):
    markup = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head>'
              f"<body><p>{TRADITIONAL}</p></body></html>")
    document = read(tmp_path, "a.html", markup.encode("big5"))
    assert (document.text, document.encoding) == (TRADITIONAL, "big5")


def test_html_fragment_without_body(tmp_path):
    assert read(tmp_path, "a.html", "<p>一</p><p>二</p>").text == "一\n二"


def test_html_without_visible_text(tmp_path):
    reason = read_error(tmp_path, "a.html", "<html><head><title>t</title></head><body><script>x</script></body></html>")
    assert reason == "no text in the HTML body"


# ---------------------------------------------------------------- .docx

def make_docx(path: Path) -> None:
    docx = pytest.importorskip("docx")
    path.parent.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    document.add_paragraph("一、2023年工作回顾")
    document.add_paragraph(SIMPLIFIED)
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "项目"   # a merged cell is read once, what it covers left empty
    table.cell(0, 2).text = "人数"
    table.cell(1, 0).text = "处分"
    table.cell(1, 1).text = "县处级"
    table.cell(1, 2).text = "12人"
    document.add_paragraph("表后段落。")
    document.save(str(path))


def test_docx_paragraphs_and_table_in_order(tmp_path):
    path = tmp_path / "report.docx"
    make_docx(path)
    document = read_document(path, "report.docx")
    assert document.text == f"一、2023年工作回顾\n{SIMPLIFIED}\n项目\t\t人数\n处分\t县处级\t12人\n表后段落。"
    assert document.encoding == "docx"


def test_corrupt_docx(tmp_path):
    assert "corrupt or invalid .docx" in read_error(tmp_path, "a.docx", b"not a zip file at all")
    good = tmp_path / "good.docx"
    make_docx(good)
    truncated = good.read_bytes()[: good.stat().st_size // 2]
    assert "corrupt" in read_error(tmp_path, "b.docx", truncated)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not word")
    assert "corrupt or invalid .docx" in read_error(tmp_path, "c.docx", buffer.getvalue())


def test_encrypted_docx_and_old_doc(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    encrypted = ole + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100
    assert "password-protected" in read_error(tmp_path, "a.docx", encrypted)
    assert "old Word 97-2003" in read_error(tmp_path, "b.docx", ole)


# ---------------------------------------------------------------- .pdf

def make_pdf(path: Path, pages: list[list[str]]) -> None:
    """A PDF with a CJK text layer, drawn with reportlab's built-in STSong-Light CID font."""
    pytest.importorskip("reportlab", reason="reportlab is needed to write test PDFs")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        for number, line in enumerate(lines):
            pdf.drawString(72, 750 - 20 * number, line)
        pdf.showPage()
    pdf.save()


def test_pdf_pages_and_spacing_repair(tmp_path):
    path = tmp_path / "a.pdf"
    make_pdf(path, [["2023 年12 月 共 处分 干部 8890 人 ，增长 5.2 %", "立案 7.7 万起 Party discipline inspection"],
                    ["第二页 共 处分 125 人"]])
    document = read_document(path, "a.pdf")
    assert document.text == ("2023年12月共处分干部8890人，增长5.2%\n立案7.7万起 Party discipline inspection\n"
                             "第二页共处分125人")
    assert document.encoding == "pdf"


@pytest.mark.parametrize("raw, repaired", [
    ("8890 人", "8890人"), ("2023 年12 月", "2023年12月"), ("7.7 万起", "7.7万起"), ("处 分", "处分"),
    ("共 125 人 。", "共125人。"), ("Party discipline 2023", "Party discipline 2023"),
    ("2023 2024", "2023 2024"), ("GDP 增长", "GDP 增长"), ("处分\n8890 人", "处分\n8890人"),
])
def test_repair_pdf_spacing(raw, repaired):
    assert repair_pdf_spacing(raw) == repaired


def test_pdf_without_text_layer(tmp_path):
    path = tmp_path / "scan.pdf"
    make_pdf(path, [[]])
    with pytest.raises(ReadError, match="no text layer"):
        read_document(path, "scan.pdf")


def test_corrupt_pdf(tmp_path):
    assert "no %PDF header" in read_error(tmp_path, "a.pdf", b"this is not a pdf")
    assert "corrupt" in read_error(tmp_path, "b.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage")


def encrypt_pdf(source: Path, target: Path, user_password: str) -> None:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    writer.write(str(target))


def test_password_protected_pdf(tmp_path):
    plain = tmp_path / "plain.pdf"
    make_pdf(plain, [[SIMPLIFIED]])
    encrypt_pdf(plain, tmp_path / "locked.pdf", "secret")
    with pytest.raises(ReadError, match="password-protected PDF"):
        read_document(tmp_path / "locked.pdf", "locked.pdf")
    encrypt_pdf(plain, tmp_path / "owner_only.pdf", "")      # opens without a password
    assert read_document(tmp_path / "owner_only.pdf", "owner_only.pdf").text == SIMPLIFIED


# ---------------------------------------------------------------- finding documents

def make_tree(root: Path) -> None:
    for name in ["b.txt", "a.txt", "sub/z.html", "sub/deeper/c.PDF", "sub/a.docx", "notes.md", "x.doc",
                 ".hidden.txt", ".git/objects.txt", "~$lock.docx", "sub-a.htm"]:
        write(root, name, SIMPLIFIED)


def test_find_documents_recursion_and_relative_names(tmp_path):
    make_tree(tmp_path / "in")
    found = list(find_documents([tmp_path / "in"]))
    assert [doc for _, doc in found] == ["a.txt", "b.txt", "sub-a.htm", "sub/a.docx", "sub/deeper/c.PDF", "sub/z.html"]
    assert all(path == tmp_path / "in" / doc for path, doc in found)


def test_find_documents_file_inputs_missing_inputs_and_duplicates(tmp_path):
    make_tree(tmp_path / "in")
    inputs = [tmp_path / "in" / "sub", tmp_path / "in" / "b.txt", tmp_path / "missing.txt",
              tmp_path / "in" / "sub" / "z.html", tmp_path / "in" / "notes.md"]
    found = [(path.name, doc) for path, doc in find_documents(inputs)]
    assert found == [("a.docx", "a.docx"), ("c.PDF", "deeper/c.PDF"), ("z.html", "z.html"),
                     ("b.txt", "b.txt"), ("missing.txt", "missing.txt"), ("notes.md", "notes.md")]


def test_find_documents_is_deterministic(tmp_path):
    make_tree(tmp_path / "in")
    first = list(find_documents([tmp_path / "in"]))
    assert first == list(find_documents([tmp_path / "in"])) and len(first) == 6


def test_reading_never_modifies_inputs(tmp_path):
    make_docx(tmp_path / "in" / "a.docx")
    make_pdf(tmp_path / "in" / "a.pdf", [[SIMPLIFIED]])
    write(tmp_path, "in/b.txt", TRADITIONAL.encode("big5"))
    write(tmp_path, "in/c.html", HTML)
    write(tmp_path, "in/d.txt", b"\x00" * 50)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "in").iterdir()}
    for path, doc in find_documents([tmp_path / "in"]):
        try:
            read_document(path, doc)
        except ReadError:
            pass
    assert before == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "in").iterdir()}


def test_pdf_lines_broken_at_the_page_edge_are_joined(tmp_path):
    """A paragraph the PDF broke into visual lines is one line again (a figure keeps its words);
    a line ending a sentence, a heading and an indented line stay apart."""
    from extractor import extract_text

    path = tmp_path / "wrapped.pdf"
    make_pdf(path, [["全县纪检监察机关坚持严的基调不动摇，全年共立案审查调查案",
                     "件128件，给予党纪政务处分96人，其中处分科级干部12人",
                     "，移送检察机关审查起诉3人，追缴违纪违法所得共计560万",
                     "元。",
                     "二、下一步工作",
                     "（一）持续加强监督检查，推动全面从严治党向纵深发展。"]])
    text = read_document(path, "wrapped.pdf").text
    assert text.split("\n") == [
        "全县纪检监察机关坚持严的基调不动摇，全年共立案审查调查案件128件，给予党纪政务处分96人，其中处分"
        "科级干部12人，移送检察机关审查起诉3人，追缴违纪违法所得共计560万元。",
        "二、下一步工作", "（一）持续加强监督检查，推动全面从严治党向纵深发展。"]
    claims = {c.num_text: c for c in extract_text(text, year=2024)}
    assert claims["128"].unit == "件" and claims["560万"].unit == "元"
