"""Start-up: a run of one small document loads only what it needs (README "Speed and memory")."""

import json
import subprocess
import sys

from conftest import ROOT, write_docs

from extractor.models import TOOL, VERSION

# Loaded only on the paths that need them; a run of one small .txt document takes none of them.
NOT_FOR_ONE_DOCUMENT = {
    "pyarrow": "a Dask run's claims.parquet only (the run's dataset is pickled row groups)",
    "numpy": "pyarrow's",
    "pandas": "the Python API's",
    "openpyxl": "annotate and eval read workbooks; the run writes its own",
    "cn2an": "the common numeral shapes are read without it (numerals.py)",
    "jsonschema": "checked rules are read back from the cache",
    "multiprocessing": "--jobs 1 starts no worker process",
    "concurrent.futures.process": "--jobs 1 starts no worker process",
    "importlib.metadata": "the version is models.VERSION",
    "tqdm": "no progress bar for one document",
    "dask": "--engine dask only",
    "docx": ".docx input only",
    "pypdf": ".pdf input only",
    "pdfplumber": ".pdf input only",
    "html.parser": ".html input only (htmltext.py)",
    "charset_normalizer": "text in an encoding other than UTF-8, UTF-16, GB18030 or Big5 only",
    "extractor.annotate": "the annotate command",
    "extractor.evaluate": "the eval command",
    "extractor.explain": "the explain command",
}

CHILD = """
import json, sys
from extractor.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def _run(args: list[str]) -> dict:
    """`extractor` with `args` in a fresh interpreter: its exit status and the modules it loaded."""
    done = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_run_of_one_small_document_loads_only_what_it_needs(tmp_path):
    docs = write_docs(tmp_path / "in", {"one.txt": "2031年，青禾县纪委监委共立案审查调查案件57件，"
                                                   "给予党纪政务处分61人，其中处分乡科级干部十二人。\n"})
    run = ["run", str(docs), "--jobs", "1", "--quiet", "--out"]
    assert _run([*run, str(tmp_path / "first")])["status"] == 0      # checks the rules and fills the cache
    with_report = _run([*run, str(tmp_path / "second")])
    without = _run([*run, str(tmp_path / "third"), "--no-report"])
    assert with_report["status"] == without["status"] == 0
    assert {name for name in NOT_FOR_ONE_DOCUMENT if name in with_report["modules"]} == set()
    assert {name for name in [*NOT_FOR_ONE_DOCUMENT, "extractor.report"] if name in without["modules"]} == set()
    assert "extractor.report" in with_report["modules"]           # (it wrote report.html)
    manifest = json.loads((tmp_path / "second" / "run.json").read_text(encoding="utf-8"))
    assert manifest["claims"] >= 2 and manifest["version"] == VERSION


def test_the_version_is_the_installed_distributions():
    from importlib.metadata import version

    assert VERSION == version(TOOL)
