"""Big-corpus machinery: worker processes and Dask give the rows of one process, the run's
dataset (row groups on disk) the outputs are rendered from once statuses are final, the streaming writers
(overflow sheets, atomic temporary files), --dump-text."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from conftest import write_docs

from extractor import dataset, writers
from extractor.audit import CHECK_COLUMNS
from extractor.cli import main
from extractor.models import CLAIM_COLUMNS
from extractor.run import OUTPUT_CLAIM_COLUMNS, run
from extractor.writers import Sheet, StreamingWorkbook, write_workbook

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
RULES = ROOT / "rules"
OUTPUT_FILES = ("claims.csv", "checks.csv", "report.html")

# The same figure stated differently by two documents: a cross-document conflict that turns the
# status of claims already written (ok → conflict) at the end of the run.
CONFLICT_A = "2022年，全省纪检监察机关共立案审查调查案件1200件，其中立案审查调查县处级干部12人、乡科级干部30人。\n"
CONFLICT_B = "2022年工作回顾。\n2022年，全省纪检监察机关共立案审查调查案件1300件。\n"


def cli_run(inputs: list[Path], out: Path, *options: str) -> int:
    return main(["run", *map(str, inputs), "--rules", str(RULES), "--out", str(out), "--quiet", *options])


def records(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def sheet_values(path: Path, prefix: str = "claims") -> list[tuple]:
    """Every row of the sheets named prefix, prefix_2 … (headers of continuation sheets dropped)."""
    book = openpyxl.load_workbook(path, read_only=True)
    rows: list[tuple] = []
    for name in [n for n in book.sheetnames if n == prefix or n.startswith(prefix + "_")]:
        values = list(book[name].iter_rows(values_only=True))
        rows.extend(values if not rows else values[1:])
    return rows


def as_text(rows: list[tuple]) -> list[list[str]]:
    return [["" if v is None else str(v) for v in row] for row in rows]


@pytest.fixture(scope="module")
def one_job(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("jobs1")
    assert cli_run([CORPUS], out, "--jobs", "1") == 0
    return out


def assert_same_outputs(expected: Path, got: Path) -> None:
    for name in OUTPUT_FILES:
        assert (got / name).read_bytes() == (expected / name).read_bytes(), name
    assert sheet_values(got / "claims.xlsx") == sheet_values(expected / "claims.xlsx")
    assert sheet_values(got / "claims.xlsx", "checks") == sheet_values(expected / "claims.xlsx", "checks")


# --- the same rows however the documents are processed ------------------------------------------


def test_two_worker_processes_give_the_rows_of_one(one_job, tmp_path):
    assert cli_run([CORPUS], tmp_path, "--jobs", "2") == 0
    assert_same_outputs(one_job, tmp_path)


def test_dask_local_cluster_gives_the_rows_of_one_process(one_job, tmp_path):
    pytest.importorskip("distributed", reason="Dask is an optional extra: pip install '.[dask]'")
    pq = pytest.importorskip("pyarrow.parquet")
    assert cli_run([CORPUS], tmp_path, "--engine", "dask", "--jobs", "2") == 0
    assert_same_outputs(one_job, tmp_path)
    parts = sorted((tmp_path / "claims.parquet").glob("part.*.parquet"))
    assert len(parts) == len(list(CORPUS.glob("*.txt")))          # one part per partition
    table = pq.read_table(tmp_path / "claims.parquet").to_pylist()
    csv_rows = records(one_job / "claims.csv")
    assert [row["claim_id"] for row in table] == [r[1] for r in csv_rows[1:]]
    assert [row["num_start"] for row in table] == [int(r[CLAIM_COLUMNS.index("num_start")]) for r in csv_rows[1:]]


def test_scheduler_needs_the_dask_engine(tmp_path, capsys):
    assert cli_run([CORPUS], tmp_path, "--scheduler", "tcp://127.0.0.1:8786") == 2
    assert "--engine dask" in capsys.readouterr().err


# --- statuses known only at the end --------------------------------------------------------------


@pytest.fixture
def conflict_corpus(tmp_path) -> Path:
    return write_docs(tmp_path / "docs", {"a.txt": CONFLICT_A, "b.txt": CONFLICT_B, "c.txt": "全年处分干部12人。\n"})


def test_cross_document_status_is_final_in_every_output(conflict_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "MAX_DATA_ROWS", 2)           # the changed rows straddle sheets
    out = tmp_path / "out"
    run([conflict_corpus], RULES, out, jobs=2)
    claims = records(out / "claims.csv")
    header, rows = claims[0], claims[1:]
    status = {r[1]: r[header.index("check_status")] for r in rows}
    conflict = [r for r in records(out / "checks.csv")[1:] if r[0].startswith("KX")]
    assert conflict and conflict[0][3] == "conflict"
    ids = conflict[0][5].split(";")
    assert {status[i] for i in ids} == {"conflict"}
    book = openpyxl.load_workbook(out / "claims.xlsx")
    assert book.sheetnames[:3] == ["claims", "claims_2", "claims_3"]
    assert as_text(sheet_values(out / "claims.xlsx")) == claims
    for name in book.sheetnames[:3]:
        for row in book[name].iter_rows(min_row=2):
            claim_id, row_status = row[1].value, row[header.index("check_status")].value
            colour = row[0].fill.fgColor.rgb if row[0].fill.fill_type else None
            assert colour == ("00FFC7CE" if row_status == "conflict" else None), claim_id
    report = (out / "report.html").read_text(encoding="utf-8")
    assert all(f'id="c-{i}" class="claim cat-case st-conflict"' in report for i in ids)


def test_rewritten_rows_do_not_depend_on_the_process(conflict_corpus, tmp_path):
    run([conflict_corpus], RULES, tmp_path / "one", jobs=1)
    run([conflict_corpus], RULES, tmp_path / "two", jobs=2)
    assert_same_outputs(tmp_path / "one", tmp_path / "two")


# --- the streaming writers -----------------------------------------------------------------------


ROWS = [{"n": i, "sentence": f"第{i}条 -{i}%", "s": 2, "e": 4, "status": ["", "mismatch", "partial"][i % 3]}
        for i in range(7)]
SHEET = Sheet("claims", ["n", "sentence", "status"], [], highlight=("sentence", "s", "e"), fills="status",
              wrap=("sentence",))


@pytest.mark.parametrize("chunks", [(2, 5), (3, 3, 1), (1, 2, 4), (7,), (6, 1)])
def test_streamed_sheet_overflows_and_equals_one_write(tmp_path, monkeypatch, chunks):
    monkeypatch.setattr(writers, "MAX_DATA_ROWS", 3)
    write_workbook(tmp_path / "whole.xlsx", [Sheet(**{**SHEET.__dict__, "rows": ROWS})])
    with StreamingWorkbook(tmp_path / "streamed.xlsx") as book:
        stream = book.add_sheet(SHEET)
        stream.extend(ROWS[:chunks[0]])
        start = chunks[0]
        for size in chunks[1:]:                                        # as worker processes encode them
            stream.write(stream.encoder.xlsx(ROWS[start:start + size], book.stats), size, ROWS[start:start + size])
            start += size
    assert openpyxl.load_workbook(tmp_path / "streamed.xlsx").sheetnames == ["claims", "claims_2", "claims_3"]
    whole = openpyxl.load_workbook(tmp_path / "whole.xlsx", rich_text=True)
    streamed = openpyxl.load_workbook(tmp_path / "streamed.xlsx", rich_text=True)
    for name in whole.sheetnames:
        a, b = list(whole[name].iter_rows()), list(streamed[name].iter_rows())
        assert [[str(c.value) for c in r] for r in a] == [[str(c.value) for c in r] for r in b]
        assert [[c.fill.fgColor.rgb for c in r] for r in a] == [[c.fill.fgColor.rgb for c in r] for r in b]
        assert whole[name].auto_filter.ref == streamed[name].auto_filter.ref


def test_the_dataset_reads_back_row_groups_and_chosen_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(dataset, "ROW_GROUP", 3)
    monkeypatch.setattr(dataset, "PART_ROWS", 4)
    rows = [{"check_id": f"K-{i}", "doc": "一.txt", "expected": i / 3, "low": None, "message": "甲\n乙" * i}
            for i in range(12)]
    records = dataset.to_records(rows, CHECK_COLUMNS)
    data = dataset.Dataset(tmp_path, "checks", CHECK_COLUMNS)
    data.append(records[:2])
    data.append([])                                               # a document without rows
    data.add_part(dataset.write_part(tmp_path / "worker.rows", records[2:7], CHECK_COLUMNS))   # a worker's batch
    data.append(records[7:12])                                    # 5 rows: a part of them at once
    data.close()
    assert data.rows == 12 and [part.rows for part in data.parts] == [2, 5, 5]
    groups = list(data.groups())
    assert [(Path(path).name, group, rows) for path, group, rows in groups] == [
        (".checks-000000.rows", 0, range(0, 2)), ("worker.rows", 0, range(2, 5)),
        ("worker.rows", 1, range(5, 7)), (".checks-000002.rows", 0, range(7, 10)),
        (".checks-000002.rows", 1, range(10, 12))]
    back = [row for path, group, _ in groups for row in dataset.read_group(Path(path), group)]
    assert [{name: row[name] for name in rows[0]} for row in back] == rows
    assert back[0]["sentence"] is None and back[3]["expected"] == 1.0
    places = data.locate([1, 2, 6, 7, 11])
    assert [(Path(path).name, within) for path, within in places] == [
        (".checks-000000.rows", [1]), ("worker.rows", [0, 4]), (".checks-000002.rows", [0, 4])]
    chosen = [row for path, within in places for row in dataset.read_rows(Path(path), within, ["check_id"])]
    assert chosen == [{"check_id": f"K-{i}"} for i in (1, 2, 6, 7, 11)]


def test_text_utf8_cannot_hold_is_stored_as_the_csv_writes_it(tmp_path):
    records = dataset.to_records([{"doc": "a\udcff.txt", "value": 3}], dataset.CLAIMS_COLUMNS)
    path = dataset.write_part(tmp_path / "part.rows", records, dataset.CLAIMS_COLUMNS).path
    row = dataset.read_group(Path(path), 0)[0]
    assert row["doc"] == "a?.txt" and row["value"] == 3.0 and row["claim_id"] is None


def test_streams_leave_no_temporary_files(tmp_path):
    with pytest.raises(RuntimeError), StreamingWorkbook(tmp_path / "c.xlsx") as book:
        book.add_sheet(SHEET).extend(ROWS)
        raise RuntimeError("interrupted")
    with pytest.raises(RuntimeError), writers.CsvStream(tmp_path / "c.csv", ["n"]) as out:
        out.append({"n": 1})
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with StreamingWorkbook(tmp_path / "c.xlsx") as book:
        book.add_sheet(SHEET).extend(ROWS)
    assert [p.name for p in tmp_path.iterdir()] == ["c.xlsx"]


def test_failed_run_leaves_old_outputs_and_no_temporary_files(one_job, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert cli_run([CORPUS], out, "--jobs", "1") == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    from extractor import jobs as run_module

    def fail_on_third(document, extractor, year=None, doc_no=1):
        if doc_no == 3:
            raise RuntimeError("interrupted")
        return extract(document, extractor, year=year, doc_no=doc_no)

    extract = run_module.extract_document
    monkeypatch.setattr(run_module, "extract_document", fail_on_third)
    capsys.readouterr()
    assert cli_run([CORPUS], out, "--jobs", "1") == 1                 # a bug: one line, exit 1
    assert capsys.readouterr().err == (f"internal error: RuntimeError: interrupted; the outputs in {out} are left "
                                       "as they were (set EXTRACTOR_DEBUG=1 to see where)\n")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    monkeypatch.setenv("EXTRACTOR_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli_run([CORPUS], out, "--jobs", "1")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_no_report(tmp_path):
    assert cli_run([CORPUS], tmp_path, "--jobs", "1", "--no-report") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "checks.csv", "claims.csv", "claims.xlsx", "panel.csv",
                                                           "run.json"]


# --- --dump-text ------------------------------------------------------------------------------------


def test_dump_text_holds_the_text_every_offset_refers_to(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "bom.txt").write_bytes("\ufeff处分干部12人。\r\n立案3件。".encode())
    (docs / "gbk.txt").write_bytes("去年全系统党纪处分10人、政务处分2人。\r\n".encode("gb18030"))
    (docs / "big5.txt").write_bytes("全年處分幹部九人，立案十二件。\r\n".encode("big5"))
    for name in CORPUS.glob("00[01]*.txt"):
        (docs / name.name).write_bytes(name.read_bytes())
    out, texts = tmp_path / "out", docs / "texts"                # inside the input: not read back
    assert cli_run([docs], out, "--jobs", "2", "--dump-text", str(texts)) == 0
    rows = records(out / "claims.csv")
    header = rows[0]
    at = {name: header.index(name) for name in ("doc", "num_text", "num_start", "num_end", "claim_text")}
    assert {r[at["doc"]] for r in rows[1:]} >= {"sub/bom.txt", "gbk.txt", "big5.txt"}
    for row in rows[1:]:
        raw = (texts / f"{row[at['doc']]}.txt").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        text = raw.decode("utf-8")
        assert text[int(row[at["num_start"]]):int(row[at["num_end"]])] == row[at["num_text"]]
    assert OUTPUT_CLAIM_COLUMNS[-1] == "check_status"


def test_a_run_imports_neither_pandas_nor_a_spreadsheet_library(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from extractor.cli import main; "
            f"main(['run', {str(CORPUS)!r}, '--out', {str(tmp_path)!r}, '--quiet', '--jobs', '1']); "
            "print(sorted(m for m in ('openpyxl', 'pandas', 'xlsxwriter') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_worker_batches_that_begin_with_an_unreadable_file_give_the_rows_of_one_process(tmp_path):
    texts = {f"d{i:02d}.txt": f"{2020 + i % 3}年，全市共处分干部{10 + i}人，其中乡科级干部{i}人。\n" for i in range(17)}
    docs = write_docs(tmp_path / "docs", texts)
    (docs / "d02.txt").write_bytes(b"\x00\x01\x02\xff" * 64)          # first of the second batch of two
    (docs / "d05.txt").write_text("没有数字。\n", encoding="utf-8")       # a batch part without claims
    assert cli_run([docs], tmp_path / "one", "--jobs", "1") == 3
    assert cli_run([docs], tmp_path / "two", "--jobs", "2") == 3
    assert_same_outputs(tmp_path / "one", tmp_path / "two")
    assert len(records(tmp_path / "two" / "claims.csv")) > 30
