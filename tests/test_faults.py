"""Fault injection (issue 11): every hostile input or failing output gives one clear line and an
exit status (0, 2 or 3), never a traceback; the other documents' claims are still written, and
the outputs of an earlier run stay as they were when a run fails. Every input is generated here."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import time
from pathlib import Path

import pytest
from conftest import write_docs

from extractor.cli import main
from extractor.models import CUT_MARK, WINDOW_CHARS, Document
from extractor.pipeline import Extractor, extract_document
from extractor.reader import ReadError, read_document

ROOT = Path(__file__).resolve().parent.parent
GOOD = "2023年，全县纪检监察机关处置问题线索126件，给予党纪政务处分39人。\n"


def _run(capsys, inputs: list[Path], out: Path, rules: Path, *extra: str) -> tuple[int, str]:
    """`extractor run` in this process: (exit status, stderr)."""
    capsys.readouterr()
    status = main(["run", *map(str, inputs), "--out", str(out), "--rules", str(rules), "--quiet",
                   "--jobs", "1", *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err


def _claims(out: Path) -> list[dict]:
    with open(out / "claims.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_figure_recurring_in_long_sentences(tmp_path, rules, capsys):
    """Checks quote a few sentences, not every one: no field past csv's limit, tooltips bounded."""
    filler = "，".join(f"围绕第{i}项重点任务开展专项监督检查" for i in range(20))
    text = "".join(f"第{i}次会议{filler}，全镇党纪处分{10 + i % 2}人。\n" for i in range(400))
    docs = write_docs(tmp_path / "docs", {"long.txt": text, "ok.txt": GOOD})
    status, err = _run(capsys, [docs], tmp_path / "out", rules)
    assert status == 0, err
    claims = _claims(tmp_path / "out")
    assert sum(c["subject"] == "全镇党纪处分" for c in claims) == 400
    with open(tmp_path / "out" / "checks.csv", encoding="utf-8-sig", newline="") as fh:
        check = next(c for c in csv.DictReader(fh) if c["kind"] == "same_figure")
    assert check["status"] == "conflict"
    assert len(check["sentence"]) < 6 * len(filler) and "另有395句" in check["sentence"]
    assert "10（200处）、11（200处）" in check["message"]
    assert (tmp_path / "out" / "report.html").stat().st_size < 10 * len(text.encode())


def test_a_figure_recurring_6500_times_keeps_the_report_small(tmp_path, rules, capsys):
    """One figure stated 6,500 times (about 270 KB): every claim written, the report under 10× the input."""
    text = "本月全镇共给予党纪处分8人。\n" * 6500
    docs = write_docs(tmp_path / "docs", {"dense.txt": text})
    status, err = _run(capsys, [docs], tmp_path / "out", rules)
    assert status == 0, err
    assert sum(c["num_text"] == "8" for c in _claims(tmp_path / "out")) == 6500
    assert (tmp_path / "out" / "report.html").stat().st_size < 10 * len(text.encode())


# --- inputs read as a user expects -------------------------------------------------------------

SPEECH = "2022年，北岭区纪委监委共受理信访举报318件，立案审查调查57件，给予党纪政务处分61人。\n" * 12
SPEECH_TRADITIONAL = "2022年，北嶺區紀委監委共受理信訪舉報318件，立案審查調查57件，給予黨紀政務處分61人。\n" * 12


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_a_legacy_encoded_file_with_a_damaged_byte_is_read_and_noted(tmp_path, encoding):
    text = SPEECH if encoding == "gb18030" else SPEECH_TRADITIONAL
    data = bytearray(text.encode(encoding))
    data[41] = 0xFF                                             # one byte no GB18030/Big5 text holds
    path = tmp_path / "a.txt"
    path.write_bytes(bytes(data))
    document = read_document(path, "a.txt")
    assert document.encoding == encoding
    assert len(document.problems) == 1 and document.problems[0].startswith(f"invalid {encoding.upper()} data")
    assert document.text.count("57件") == 12


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(tmp_path, codec):
    path = tmp_path / "a.txt"
    path.write_bytes(SPEECH.encode(codec))
    document = read_document(path, "a.txt")
    assert (document.encoding, document.text) == (codec, SPEECH)
    assert document.problems == [f"no byte-order mark: read as {codec.upper()}"]


def test_bytes_that_only_decode_as_rare_characters_are_not_utf16(tmp_path):
    path = tmp_path / "a.bin.txt"
    path.write_bytes(bytes([0x80, 0x81, 0xFF, 0x41]) * 300)
    with pytest.raises(ReadError):
        read_document(path, "a.txt")


def _owner_password_pdf(path: Path, algorithm: str) -> None:
    """A one-line PDF that opens without a password but is encrypted (owner password only)."""
    pytest.importorskip("reportlab")
    import pypdf
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    plain = io.BytesIO()
    page = canvas.Canvas(plain)
    page.setFont("STSong-Light", 11)
    page.drawString(40, 780, "2022年全区给予党纪政务处分61人。")
    page.save()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner-only", algorithm=algorithm)
    with open(path, "wb") as fh:
        writer.write(fh)


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_owner_password_pdfs_are_read(tmp_path, algorithm):
    path = tmp_path / "a.pdf"
    _owner_password_pdf(path, algorithm)
    assert "党纪政务处分61人" in read_document(path, "a.pdf").text


def test_an_encrypted_pdf_whose_cipher_needs_a_missing_package_says_so(tmp_path, monkeypatch):
    import pypdf

    path = tmp_path / "a.pdf"
    _owner_password_pdf(path, "AES-128")

    def missing(*args, **kwargs):
        raise pypdf.errors.DependencyError("cryptography is required for AES algorithm")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", missing)
    with pytest.raises(ReadError, match="needs the 'cryptography' package"):
        read_document(path, "a.pdf")


# --- faults of the run: one line, an exit status, earlier outputs intact -------------------------


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture
def earlier(tmp_path, rules, capsys) -> Path:
    """An output folder holding the outputs of an earlier, good run."""
    out = tmp_path / "out"
    status, err = _run(capsys, [write_docs(tmp_path / "first", {"ok.txt": GOOD})], out, rules)
    assert status == 0, err
    return out


def test_a_symlink_loop_among_the_inputs_is_skipped(tmp_path, rules, capsys):
    docs = write_docs(tmp_path / "docs", {"ok.txt": GOOD})
    (docs / "a.txt").symlink_to(docs / "b.txt")
    (docs / "b.txt").symlink_to(docs / "a.txt")
    status, err = _run(capsys, [docs], tmp_path / "out", rules)
    assert status == 3
    assert err.splitlines() == [f"skipped {docs / name}: cannot read file (Too many levels of symbolic links)"
                                for name in ("a.txt", "b.txt")]
    assert {c["doc"] for c in _claims(tmp_path / "out")} == {"ok.txt"}


def test_an_input_that_is_a_symlink_loop_is_a_usage_error(tmp_path, rules, capsys):
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    status, err = _run(capsys, [loop], tmp_path / "out", rules)
    assert status == 2 and len(err.splitlines()) == 1 and "symbolic link" in err


def test_out_that_is_a_file_or_under_one(tmp_path, rules, capsys):
    docs = write_docs(tmp_path / "docs", {"ok.txt": GOOD})
    afile = tmp_path / "afile"
    afile.write_text("mine")
    for out in (afile, afile / "sub"):
        status, err = _run(capsys, [docs], out, rules)
        assert (status, err) == (2, f"error: --out {out}: {afile} is not a folder\n")
    assert afile.read_text() == "mine"


def test_out_that_cannot_be_made(tmp_path, rules, capsys):
    docs = write_docs(tmp_path / "docs", {"ok.txt": GOOD})
    status, err = _run(capsys, [docs], Path("/proc/no-such-folder-of-ours"), rules)
    assert status == 2 and len(err.splitlines()) == 1 and err.startswith("error: --out /proc/no-such-folder")


def test_disk_full_keeps_the_earlier_outputs(earlier, tmp_path, rules, capsys, monkeypatch):
    import errno

    from extractor import writers

    before = _snapshot(earlier)

    def full(self, records: bytes, count: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(self.tmp))

    monkeypatch.setattr(writers.CsvStream, "write", full)
    docs = write_docs(tmp_path / "docs", {"new.txt": GOOD.replace("39人", "40人")})
    status, err = _run(capsys, [docs], earlier, rules)
    assert status == 2 and len(err.splitlines()) == 1
    assert "No space left on device" in err and "left as they were" in err
    assert _snapshot(earlier) == before
    assert sorted(p.name for p in earlier.iterdir() if p.name.startswith(".")) == [".lock"]   # no temporary files


def test_ctrl_c_keeps_the_earlier_outputs(earlier, tmp_path, rules, capsys, monkeypatch):
    from extractor import outputs

    before = _snapshot(earlier)

    def interrupt(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs.RunOutputs, "finish", interrupt)
    status, err = _run(capsys, [write_docs(tmp_path / "docs", {"ok.txt": GOOD})], earlier, rules)
    assert (status, err) == (130, f"interrupted; the outputs in {earlier} are left as they were\n")
    assert _snapshot(earlier) == before
    assert sorted(p.name for p in earlier.iterdir() if p.name.startswith(".")) == [".lock"]


def test_an_empty_input_folder_keeps_the_earlier_outputs(earlier, tmp_path, rules, capsys):
    before = _snapshot(earlier)
    (tmp_path / "empty").mkdir()
    status, err = _run(capsys, [tmp_path / "empty"], earlier, rules)
    assert status == 2 and len(err.splitlines()) == 1 and "no document to read" in err
    assert _snapshot(earlier) == before


def test_no_readable_document_keeps_the_earlier_outputs(earlier, tmp_path, rules, capsys):
    before = _snapshot(earlier)
    docs = tmp_path / "bad"
    docs.mkdir()
    (docs / "empty.txt").write_bytes(b"")
    status, err = _run(capsys, [docs], earlier, rules)
    assert status == 3
    assert err.splitlines() == [f"skipped {docs / 'empty.txt'}: empty file",
                                f"error: none of the 1 file(s) could be read; the outputs in {earlier} are left "
                                "as they were"]
    assert _snapshot(earlier) == before


def test_earlier_outputs_are_not_read_as_input(earlier, tmp_path, rules, capsys):
    """An earlier output folder (it holds run.json) and a report.html moved elsewhere are skipped."""
    docs = write_docs(tmp_path / "docs", {"ok.txt": GOOD})
    shutil.copytree(earlier, docs / "last-year")
    (docs / "review.html").write_bytes((earlier / "report.html").read_bytes())
    status, err = _run(capsys, [docs], tmp_path / "out2", rules)
    assert status == 0, err
    assert {c["doc"] for c in _claims(tmp_path / "out2")} == {"ok.txt"}


def test_extract_raises_on_a_missing_path(tmp_path):
    from extractor import extract

    with pytest.raises(FileNotFoundError, match="no-such-folder"):
        extract([tmp_path / "no-such-folder"])


def test_a_second_run_into_the_same_folder_is_refused(earlier, tmp_path, rules, capsys):
    from extractor.outputset import locked

    before = _snapshot(earlier)
    with locked(earlier):
        status, err = _run(capsys, [write_docs(tmp_path / "docs", {"ok.txt": GOOD})], earlier, rules)
    assert (status, err) == (2, f"error: --out {earlier}: another run is writing there; wait for it or "
                                "choose another folder\n")
    assert _snapshot(earlier) == before


def test_the_manifest_is_written_last_and_matches_the_files(earlier):
    manifest = json.loads((earlier / "run.json").read_text(encoding="utf-8"))
    assert manifest["tool"] == "cn-stat-extractor" and manifest["documents"] == 1 and manifest["claims"] == 2
    assert sorted(manifest["files"]) == ["checks.csv", "claims.csv", "claims.xlsx", "panel.csv", "report.html"]
    for name, described in manifest["files"].items():
        data = (earlier / name).read_bytes()
        assert described == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert len(manifest["rules"]["sha256"]) == 64
    assert max(p.stat().st_mtime_ns for p in earlier.iterdir() if p.name != ".lock") == \
        (earlier / "run.json").stat().st_mtime_ns


# --- linear cost -------------------------------------------------------------------------------

UNPUNCTUATED = "西塘镇纪委处置问题线索126件给予党纪政务处分39人"


def cpu_seconds(work, repeat: int = 3) -> float:
    """The least CPU time of this process over `repeat` calls of `work`: a ratio of two of these
    stays put when other processes load the machine (a wall-clock time does not)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def test_a_sentence_without_punctuation_costs_what_punctuated_text_costs(rules):
    """No backward scans: a 12,000-character sentence is matched about as fast as the same text
    cut into sentences (it was 10× slower and quadratic)."""
    extractor = Extractor.load(rules)

    def seconds(text: str, claims: int = 2 * 400) -> float:
        result = extract_document(Document("a.txt", text), extractor)
        assert len(result.claims) == claims
        for claim in result.claims:
            assert text[claim.num_start:claim.num_end] == claim.num_text
        return cpu_seconds(lambda: extract_document(Document("a.txt", text), extractor))

    seconds(UNPUNCTUATED + "。", 2)                                     # warm up
    assert seconds(UNPUNCTUATED * 400 + "。") < 3 * seconds((UNPUNCTUATED + "。") * 400)


def test_a_very_long_sentence_is_quoted_as_a_window_around_each_claim(tmp_path, rules, capsys):
    text = UNPUNCTUATED * 200 + "。\n"
    docs = write_docs(tmp_path / "docs", {"long.txt": text})
    status, err = _run(capsys, [docs], tmp_path / "out", rules)
    assert status == 0, err
    claims = _claims(tmp_path / "out")
    assert len(claims) == 400
    for claim in claims:
        start, end = int(claim["num_start"]), int(claim["num_end"])
        assert text[start:end] == claim["num_text"]                     # offsets into the whole text
        sentence = claim["sentence"]
        assert len(sentence) <= 2 * WINDOW_CHARS + len(claim["claim_text"]) + 2 * len(CUT_MARK)
        assert claim["claim_text"] in sentence
        assert sentence.startswith(CUT_MARK) or sentence.endswith(CUT_MARK)
    first, middle = claims[0]["sentence"], claims[200]["sentence"]
    assert not first.startswith(CUT_MARK) and first.endswith(CUT_MARK)
    assert middle.startswith(CUT_MARK) and middle.endswith(CUT_MARK)


def test_a_line_of_thousands_of_numerals_costs_linear_time(rules):
    """`1 1 1 …`: each numeral looks at the claim before it, not back over all numerals."""
    extractor = Extractor.load(rules)

    def seconds(n: int) -> float:
        return cpu_seconds(lambda: extract_document(Document("a.txt", "1 " * n + "\n"), extractor))

    seconds(10)
    assert seconds(8_000) < 8 * seconds(2_000)          # quadratic: 16×


# --- rules that are wrong -----------------------------------------------------------------------

TOUR_FAMILY = """\
family: tour
category: activity
priority: 5
units: [场]
subjects: [巡回宣讲]
rules:
  - id: tour.regex
    regex: '(?P<subject>巡回宣讲)(?P<number>\\ue000\\ue001*)(?P<unit>场)'
examples:
  - text: 开展巡回宣讲14场。
    claims:
      - {value: 14, unit: 场, subject: 巡回宣讲}
"""


def test_a_rule_regex_that_times_out_is_named_and_counted(tmp_path, rules, capsys, monkeypatch):
    from extractor import matcher

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "tour.yaml").write_text(TOUR_FAMILY, encoding="utf-8")
    docs = write_docs(tmp_path / "docs", {"a.txt": "今年开展巡回宣讲14场，又开展巡回宣讲9场。\n" + GOOD})
    status, err = _run(capsys, [docs], tmp_path / "out", rules, "--rules", str(extra))
    assert (status, err) == (0, "")
    assert sum(c["rule"] == "tour.regex" for c in _claims(tmp_path / "out")) == 2

    def slow(rule, masked, start):                  # times out in the document, not in the rule's example
        if "又开展" in masked:
            raise TimeoutError("regex timed out")
        return try_whole(rule, masked, start)

    try_whole = matcher._try_whole

    monkeypatch.setattr(matcher, "_try_whole", slow)
    status, err = _run(capsys, [docs], tmp_path / "out", rules, "--rules", str(extra))
    assert status == 0
    assert err == (f"warning: rule tour.regex ({extra / 'tour.yaml'}:7): its regex ran over 0.25 s at 2 numeral(s) "
                   "and took none of them; bound its repeats\n")
    assert not any(c["rule"] == "tour.regex" for c in _claims(tmp_path / "out"))
    manifest = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert manifest["regex_timeouts"] == {f"tour.regex ({extra / 'tour.yaml'}:7)": 2}


@pytest.mark.parametrize("regex", [r"(\w+)+x", r"(.*，){12}", r"(\s*\S*)*x"])
def test_a_backtracking_rule_regex_is_refused_at_load(tmp_path, rules, capsys, regex):
    extra = tmp_path / "extra"
    extra.mkdir()
    family = TOUR_FAMILY.replace("(?P<subject>巡回宣讲)", f"(?P<subject>{regex})")
    (extra / "tour.yaml").write_text(family, encoding="utf-8")
    status, err = _run(capsys, [write_docs(tmp_path / "docs", {"a.txt": GOOD})], tmp_path / "out", rules,
                       "--rules", str(extra))
    assert status == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"rule error: {extra / 'tour.yaml'}:") and "backtracks catastrophically" in err


@pytest.mark.parametrize("name", ["tour.yaml", "stoplist.yaml"])
def test_yaml_aliases_are_refused(tmp_path, rules, capsys, name):
    """A billion laughs in nine lines: refused before anything is expanded."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True))
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / name).write_text((TOUR_FAMILY if name == "tour.yaml" else "phrases:\n  x: [一岗双责]\n") + bomb,
                              encoding="utf-8")
    status, err = _run(capsys, [write_docs(tmp_path / "docs", {"a.txt": GOOD})], tmp_path / "out", rules,
                       "--rules", str(extra))
    assert status == 2 and len(err.splitlines()) == 1
    assert "YAML anchors and aliases (&name, *name) are not allowed" in err


def test_a_docx_counts_at_its_unpacked_size(tmp_path, monkeypatch):
    """A zip bomb: a small .docx whose XML unpacks past the size limit is refused before parsing."""
    import zipfile

    import docx

    from extractor import reader

    path = tmp_path / "a.docx"
    document = docx.Document()
    document.add_paragraph("2022年全区给予党纪政务处分61人。")
    document.save(str(path))
    assert "61人" in read_document(path, "a.docx").text
    monkeypatch.setattr(reader, "MAX_BYTES", 1_000_000)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("customXml/item9.xml", "<a/>" * 500_000)            # 2 MB in, a few KB on disk
    assert path.stat().st_size < 100_000
    with pytest.raises(ReadError, match=r"file too large \(2\.7 MB unpacked; the limit is 1,000,000 bytes\)"):
        read_document(path, "a.docx")


def test_names_with_control_characters_are_printed_escaped(tmp_path, rules, capsys):
    docs = write_docs(tmp_path / "docs", {"ok.txt": GOOD})
    (docs / "bad\x1b[31m\nname.txt").write_bytes(b"")
    status, err = _run(capsys, [docs], tmp_path / "out", rules)
    assert status == 3
    assert err == f"skipped {docs}/bad\\x1b[31m\\nname.txt: empty file\n"


@pytest.mark.parametrize("end", ["。\n", "。"], ids=["lines", "one paragraph"])
def test_a_long_document_without_headings_costs_linear_time(rules, end):
    """The heading, paragraph year and ；-chain of each claim are found from what was already
    walked: no walk back over the whole document, or the whole paragraph, per claim."""
    extractor = Extractor.load(rules)

    def seconds(n: int) -> float:
        assert len(extract_document(Document("a.txt", (UNPUNCTUATED + end) * n), extractor).claims) == 2 * n
        return cpu_seconds(lambda: extract_document(Document("a.txt", (UNPUNCTUATED + end) * n), extractor))

    seconds(10)
    assert seconds(4_000) < 8 * seconds(1_000)          # quadratic: 16×


def test_two_runs_started_at_once_one_runs_one_is_refused(tmp_path, rules):
    import subprocess
    import sys

    lines = "".join(f"西塘镇处置问题线索{n}件。\n" for n in range(100, 400))
    docs = write_docs(tmp_path / "docs", {f"{n:02d}.txt": lines for n in range(20)})        # runs a few seconds
    out = tmp_path / "out"
    command = [sys.executable, "-m", "extractor.cli", "run", str(docs), "--out", str(out), "--rules", str(rules),
               "--quiet", "--jobs", "1"]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (out / ".lock").exists() and time.monotonic() < deadline:     # the first holds the lock
        time.sleep(0.01)
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    _, first_err = first.communicate(timeout=60)
    assert (first.returncode, first_err) == (0, "")
    assert (second.returncode, second.stderr) == (2, f"error: --out {out}: another run is writing there; wait for "
                                                     "it or choose another folder\n")
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == 20
