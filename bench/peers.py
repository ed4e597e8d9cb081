"""Speed beside the peers: cn2an, chinese2digits and Recognizers-Text on the same text, in one process.

    python bench/peers.py [--sizes 5 50] [--runs 5] [--venv DIR] [--recognizers-max 5] [--no-end-to-end]

The peers are no dependencies of this project: the script makes a throwaway virtual environment
(`python -m venv --system-site-packages`, so the project's own dependencies are seen) and installs
cn2an, chinese2digits and recognizers-text-number into it (`--venv DIR` keeps and reuses one).

For each size (MB) a corpus is built as `bench/throughput.py` builds it (the sentences of corpus/
reshuffled, seed 1, documents of ~15 KB). Then ONE process of that environment loads the texts
and times, on the same texts, taking turns `--runs` times:

- `cn2an.transform(text, "cn2an")`, `chinese2digits.takeNumberFromString(text)`, Recognizers-Text
  `recognize_number(text, Culture.Chinese)` (only up to `--recognizers-max` MB: it is the slowest)
  and the tool's extraction (`extract_document`, rules loaded beforehand), each called once per
  document and once per line;
- a regex floor: `re.finditer` of digit runs over each document (what one C-speed pass costs).

Outside that process: `extractor run --jobs 2 --no-report` end to end (CSV + XLSX) on each corpus
and the start-up (`extractor run` on one small document), with peak RSS (os.wait4). Every time
is the median of `--runs` with min–max; ratios are taken within this one bench run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from throughput import CORPUS, build_corpus, end_to_end, machine, measure  # noqa: E402

PEERS = ["cn2an==0.5.24", "chinese2digits==6.0.2"]
RECOGNIZERS = ["recognizers-text-number==1.0.2a2", "emoji<2"]   # it imports emoji.UNICODE_EMOJI, gone in emoji 2
TOOL = "extraction (tool)"
MODES = ("document", "line")


# --- the throwaway environment ------------------------------------------------------------------


def make_venv(folder: Path) -> Path:
    """Python of a venv at `folder` holding the peers (made once; reused when it has them)."""
    python = folder / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(system_site_packages=True, with_pip=True).create(folder)
    for packages in (PEERS, RECOGNIZERS):                  # Recognizers-Text may fail: the rest still runs
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                               *packages], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"could not install {' '.join(packages)}: {done.stderr.strip().splitlines()[-1:]}",
                  file=sys.stderr)
    return python


# --- in the one process ---------------------------------------------------------------------------


def peer_calls(with_recognizers: bool) -> dict[str, Callable[[str], object]]:
    """Step name → the call that handles one text."""
    import re
    import warnings

    import chinese2digits
    import cn2an

    warnings.filterwarnings("ignore")               # cn2an warns on every span it cannot read
    digits = re.compile(r"\d+")
    calls: dict[str, Callable[[str], object]] = {
        "regex floor (re.finditer \\d+)": lambda text: sum(1 for _ in digits.finditer(text)),
        "cn2an.transform": lambda text: cn2an.transform(text, "cn2an"),
        "chinese2digits.takeNumberFromString": chinese2digits.takeNumberFromString,
    }
    if with_recognizers:
        try:
            from recognizers_number import Culture, recognize_number
        except ImportError as err:
            print(f"Recognizers-Text not measured: {err}", file=sys.stderr)
        else:
            calls["Recognizers-Text recognize_number"] = lambda text: recognize_number(text, Culture.Chinese)
    return calls


def child(folder: Path, runs: int, with_recognizers: bool) -> None:
    """Time every step on the texts of `folder`, per document and per line, in turns; print JSON."""
    sys.path.insert(0, str(ROOT))
    from extractor.models import Document
    from extractor.pipeline import Extractor, extract_document

    texts = [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.txt"))]
    units = {"document": texts, "line": [line for text in texts for line in text.split("\n") if line]}
    extractor = Extractor.load(ROOT / "rules")
    claims = {mode: 0 for mode in MODES}

    def tool(text: str, mode: str) -> None:
        claims[mode] += len(extract_document(Document("bench", text), extractor).claims)

    calls = peer_calls(with_recognizers)
    times: dict[str, dict[str, list[float]]] = {}
    for _ in range(runs):
        for mode, items in units.items():
            for name, call in [*calls.items(), (TOOL, lambda text, mode=mode: tool(text, mode))]:
                start = time.perf_counter()
                for text in items:
                    call(text)
                times.setdefault(name, {}).setdefault(mode, []).append(time.perf_counter() - start)
    import extractor as package

    print(json.dumps({"times": times, "calls": {mode: len(items) for mode, items in units.items()},
                      "claims": {mode: n // runs for mode, n in claims.items()}, "tool": package.__file__}))


# --- the table ------------------------------------------------------------------------------------


def spread(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} ({min(times):.2f}–{max(times):.2f})"


def table(size: float, megabytes: float, documents: int, result: dict, e2e: dict | None) -> list[str]:
    """Rows of one corpus size: every step and mode, MB/s and how many times faster the tool is."""
    rows = []
    tool = {mode: statistics.median(result["times"][TOOL][mode]) for mode in MODES}
    for name, by_mode in result["times"].items():
        for mode in MODES:
            median = statistics.median(by_mode[mode])
            ratio = "–" if name == TOOL else f"{median / tool[mode]:.2f}"
            rows.append(f"| {size:g} MB | {documents:,} | {name} | per {mode} ({result['calls'][mode]:,} calls) | "
                        f"{spread(by_mode[mode])} | {megabytes / median:.2f} | {ratio} |")
    if e2e:
        cn2an = statistics.median(result["times"]["cn2an.transform"]["document"])
        seconds = [s["seconds"] for s in e2e["samples"]]
        rows.append(f"| {size:g} MB | {documents:,} | end to end --jobs 2 (CSV + XLSX) | whole corpus | "
                    f"{spread(seconds)} | {megabytes / statistics.median(seconds):.2f} | "
                    f"cn2an ÷ it: {cn2an / statistics.median(seconds):.2f} |")
    return rows


def startup(runs: int, work: Path) -> list[float]:
    """Seconds of `extractor run --jobs 1` on one small document, `runs` times after a warm-up."""
    folder = work / "one"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(min(CORPUS.glob("*.txt"), key=lambda p: p.stat().st_size), folder)
    measure(end_to_end(folder, work / "out1", 1))
    return [measure(end_to_end(folder, work / "out1", 1))["seconds"] for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[5, 50], help="corpus sizes in MB")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median, min–max shown)")
    parser.add_argument("--venv", type=Path, help="keep the peers' environment here (default: a temporary one)")
    parser.add_argument("--recognizers-max", type=float, default=5, metavar="MB",
                        help="time Recognizers-Text only on corpora up to this size (default 5)")
    parser.add_argument("--no-end-to-end", action="store_true", help="skip `extractor run` and the start-up")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--recognizers", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.runs, args.recognizers)
        return
    work = Path(tempfile.mkdtemp(prefix="peers-"))
    try:
        python = make_venv(args.venv or work / "venv")
        started = None if args.no_end_to_end else startup(args.runs, work)   # its warm-up checks the rules once
        rows, memory = [], []
        for size in args.sizes:
            folder = work / f"corpus_{size:g}MB"
            documents, total = build_corpus(size, folder)
            command = [str(python), __file__, "--child", str(folder), "--runs", str(args.runs)]
            if size <= args.recognizers_max:
                command.append("--recognizers")
            result = measure(command)
            print(f"  {size:g} MB: in-process steps done (tool imported from {result['tool']})", file=sys.stderr)
            e2e = None
            if not args.no_end_to_end:
                e2e = {"samples": [measure(end_to_end(folder, work / "out", 2)) for _ in range(args.runs)]}
                memory.append((size, max(s["rss_mb"] for s in e2e["samples"])))
            rows += table(size, total / 1e6, documents, result, e2e)
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Machine: {machine()}; median (min–max) of {args.runs} runs; documents of ~15 KB.\n")
    print("| corpus | documents | step | calls | seconds | MB/s | × slower than the tool |")
    print("|---:|---:|---|---|---:|---:|---:|")
    print("\n".join(rows))
    if started:
        print(f"\n- start-up (`extractor run --jobs 1` on one small document): {spread(started)} s")
    for size, rss in memory:
        print(f"- peak RSS of `extractor run --jobs 2` at {size:g} MB: {rss:.0f} MB")


if __name__ == "__main__":
    main()
