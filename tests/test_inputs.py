"""Real-world and hostile inputs (issue 4): every format gives the same claims, bad files are
named and skipped, hostile text cannot hurt the outputs, runs are reproducible."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from extractor.cli import main
from extractor.models import Document
from extractor.pipeline import Extractor, extract_document
from extractor.reader import read_document

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXTRACTOR = Extractor.load(RULES)

# A short speech written for these tests, one sentence a line (short lines fit a PDF page).
SPEECH = [
    "2023年全县纪检监察工作回顾",
    "全年共处置问题线索126件，立案审查调查48件。",
    "给予党纪政务处分39人，其中科级干部7人。",
    "排查廉政风险点达62个，制定防控措施85项。",
    "运用第一种形态处理105人次，占比72.4%。",
    "党风廉政建设考核在全市18个部门中位列第二。",
    "要增强四个意识，落实一岗双责。",
]


def _claims(text: str) -> list[tuple]:
    result = extract_document(Document("d", text), EXTRACTOR)
    for c in result.claims:
        assert text[c.num_start:c.num_end] == c.num_text
        assert text[c.claim_start:c.claim_end] == c.claim_text
    return [(c.value, c.unit, c.category) for c in result.claims]


def _write_docx(path: Path, lines: list[str]) -> None:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))


def _write_pdf(path: Path, lines: list[str]) -> None:
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    pdf.setFont("STSong-Light", 11)
    for number, line in enumerate(lines):
        pdf.drawString(40, 780 - 18 * number, line)
    pdf.save()


def _write_all_formats(folder: Path) -> dict[str, Path]:
    text = "\n".join(SPEECH)
    paths = {name: folder / name for name in ("utf8.txt", "gbk.txt", "speech.docx", "speech.html", "speech.pdf")}
    paths["utf8.txt"].write_text(text, encoding="utf-8")
    paths["gbk.txt"].write_bytes(text.encode("gbk"))
    _write_docx(paths["speech.docx"], SPEECH)
    body = "".join(f"<p>{line}</p>" for line in SPEECH)
    paths["speech.html"].write_text(f"<html><head><meta charset='utf-8'><style>p{{}}</style>"
                                    f"<script>var x = '处分99人';</script></head><body>{body}</body></html>",
                                    encoding="utf-8")
    _write_pdf(paths["speech.pdf"], SPEECH)
    return paths


def test_the_same_claims_from_every_format(tmp_path):
    expected = _claims("\n".join(SPEECH))
    assert len(expected) == 9
    for name, path in _write_all_formats(tmp_path).items():
        document = read_document(path, name)
        assert _claims(document.text) == expected, name


def test_good_and_bad_files_of_each_kind(tmp_path, capsys):
    good = _write_all_formats(tmp_path)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 this is no word file")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    (tmp_path / "broken.html").write_bytes(b"\x00\x01\x02" * 100)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path), "--rules", str(RULES), "--out", str(out), "--quiet"]) == 3
    err = capsys.readouterr().err
    for bad in ("empty.txt", "binary.txt", "broken.docx", "broken.pdf", "broken.html"):
        assert bad in err
    rows = pd.read_csv(out / "claims.csv", encoding="utf-8-sig")
    assert sorted(rows["doc"].unique()) == sorted(good)
    assert len(rows) == 9 * len(good)


def test_hostile_text_is_neutralised_in_csv_and_xlsx(tmp_path):
    text = "=HYPERLINK(\"http://x\")处分10人。\n+86 立案5件。\n@SUM(A1) 党纪处分\x07 3人。\n"
    (tmp_path / "evil.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path), "--rules", str(RULES), "--out", str(out), "--quiet"]) == 0
    rows = pd.read_csv(out / "claims.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(rows) == 3
    assert all(not s.startswith(("=", "+", "-", "@")) for s in rows["sentence"])
    sheet = openpyxl.load_workbook(out / "claims.xlsx")["claims"]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"


def test_absurd_values_neither_crash_nor_overflow():
    claims = extract_document(Document("d", "涉案金额9999999999999亿元，处分99999999999999999999人。"), EXTRACTOR).claims
    assert [c.unit for c in claims] == ["元", "人"]
    assert claims[0].value == pytest.approx(9999999999999e8)


def test_two_runs_give_byte_identical_outputs(tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert main(["run", str(ROOT / "corpus"), "--rules", str(RULES), "--out", str(out), "--quiet"]) == 0
    for name in ("claims.csv", "checks.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()


def test_inputs_are_never_modified(tmp_path):
    paths = _write_all_formats(tmp_path)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths.values()}
    assert main(["run", str(tmp_path), "--rules", str(RULES), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert before == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths.values()}


def test_traditional_script_keeps_the_original_and_adds_simplified(tmp_path):
    claims = extract_document(Document("d", "2023年，給予黨紀政務處分2.1萬人，查處問題三十個。"), EXTRACTOR).claims
    assert [(c.subject, c.subject_simplified, c.unit, c.num_text) for c in claims] == [
        ("黨紀政務處分", "党纪政务处分", "人", "2.1萬"), ("查處問題", "查处问题", "个", "三十")]


def test_a_backtracking_regex_rule_is_refused_with_file_and_line(tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text(
        "family: bad\ncategory: case\nrules:\n  - id: bad.slow\n    regex: '(?P<number>\\ue000)(处|处处)+$'\n",
        encoding="utf-8")
    assert main(["check-rules", str(RULES), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'bad.yaml'}:4:" in err and "backtracks" in err


def test_offsets_hold_in_each_dumped_text(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    _write_all_formats(docs)
    out, dumped = tmp_path / "out", tmp_path / "texts"
    assert main(["run", str(docs), "--rules", str(RULES), "--out", str(out), "--dump-text", str(dumped),
                 "--quiet", "--no-report"]) == 0
    rows = pd.read_csv(out / "claims.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(rows) == 9 * 5
    for row in rows.itertuples():
        text = (dumped / f"{row.doc}.txt").read_text(encoding="utf-8")
        assert text[int(row.num_start):int(row.num_end)] == row.num_text
        assert text[int(row.claim_start):int(row.claim_end)] == row.claim_text


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    run = subprocess.run(f"'{sys.executable}' -m extractor.cli run '{ROOT / 'corpus'}' --out '{out}' --no-report "
                         f"--jobs 1 | true", shell=True, capture_output=True, text=True, cwd=ROOT)
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr and (out / "claims.csv").exists()
