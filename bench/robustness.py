"""Cost of hostile inputs: time and peak memory against sentence length and document size.

    python bench/robustness.py [--sentence-kb 50 200 1000] [--document-mb 1 5 20] [--corpus-mb 100]

Each measurement runs in a fresh process (so its peak RSS is its own), on text generated here:

- **sentence**: N KB of official-text clauses with no punctuation at all (one sentence), against
  the same clauses ended by 。 (N KB of normal sentences) — extraction of one document;
- **document**: one document of N MB of normal sentences — extraction;
- **corpus**: `extractor run --no-report --jobs 1` over N MB of 1 MB documents, end to end.

Cost is linear when seconds/MB and the RSS growth per MB stay flat as the size grows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAUSE = "{place}纪检监察机关处置问题线索{a}件给予党纪政务处分{b}人"
PLACES = ["北岭区", "西塘镇", "云溪县", "东港市", "南山街道", "青石乡"]

_CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from extractor.models import Document
from extractor.pipeline import Extractor, extract_document
extractor = Extractor.load({rules!r})
text = Path({path!r}).read_text(encoding="utf-8")
started = time.perf_counter()
claims = len(extract_document(Document("bench.txt", text), extractor).claims)
print(json.dumps({{"seconds": time.perf_counter() - started, "claims": claims,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def clauses(size_bytes: int, end: str) -> str:
    """Generated clauses, each followed by `end`, up to `size_bytes` of UTF-8."""
    parts, total, i = [], 0, 0
    while total < size_bytes:
        part = CLAUSE.format(place=PLACES[i % len(PLACES)], a=100 + i % 900, b=10 + i % 90) + end
        parts.append(part)
        total += len(part.encode())
        i += 1
    return "".join(parts)


def extraction(text: str, folder: Path) -> dict:
    """Time and peak RSS of extracting one document holding `text`, in a fresh process."""
    path = folder / "bench.txt"
    path.write_text(text, encoding="utf-8")
    code = _CHILD.format(root=str(ROOT), rules=str(ROOT / "rules"), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def end_to_end(megabytes: int, folder: Path) -> dict:
    """Seconds and peak RSS (of the run process) of `extractor run` over `megabytes` of 1 MB documents."""
    docs = folder / "corpus"
    docs.mkdir(exist_ok=True)
    one = clauses(1 << 20, "。\n")
    for n in range(megabytes):
        (docs / f"{n:04d}.txt").write_text(one, encoding="utf-8")
    code = (f"import resource, subprocess, sys, time; t = time.perf_counter(); "
            f"subprocess.run([sys.executable, '-m', 'extractor.cli', 'run', {str(docs)!r}, '--out', "
            f"{str(folder / 'out')!r}, '--no-report', '--quiet', '--jobs', '1'], check=True, "
            f"stdout=subprocess.DEVNULL); "
            f"print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    seconds, rss = map(float, out.stdout.split())
    return {"seconds": seconds, "rss_mb": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentence-kb", type=int, nargs="*", default=[50, 200, 1000])
    parser.add_argument("--document-mb", type=int, nargs="*", default=[1, 5, 20])
    parser.add_argument("--corpus-mb", type=int, nargs="*", default=[100])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("| input | size | claims | seconds | s/MB | peak RSS |")
        print("|---|---:|---:|---:|---:|---:|")
        for kb in args.sentence_kb:
            for label, end in (("one sentence, no punctuation", ""), ("normal sentences", "。")):
                result = extraction(clauses(kb * 1024, end) + "。\n", folder)
                _row(label, kb / 1024, result)
        for mb in args.document_mb:
            _row("one document", mb, extraction(clauses(mb << 20, "。\n"), folder))
        for mb in args.corpus_mb:
            _row(f"run over {mb} documents", mb, {"claims": "", **end_to_end(mb, folder)})


def _row(label: str, megabytes: float, result: dict) -> None:
    size = f"{megabytes * 1024:.0f} KB" if megabytes < 1 else f"{megabytes:.0f} MB"
    print(f"| {label} | {size} | {result['claims']} | {result['seconds']:.2f} | "
          f"{result['seconds'] / megabytes:.1f} | {result['rss_mb']:.0f} MB |", flush=True)


if __name__ == "__main__":
    main()
