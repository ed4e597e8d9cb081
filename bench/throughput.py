"""Throughput and memory on big corpora, beside cn2an.transform on the same texts.

    python bench/throughput.py [--sizes 1 10 100] [--runs 5] [--keep DIR]

For each size (MB) a corpus is built by reshuffling the sentences of corpus/ with a fixed seed
into documents of about DOC_BYTES each (a bigger corpus is more documents, not bigger ones) and
written to a temporary folder. Then, each the median of `--runs` runs (taken in turns over steps and sizes,
so that a slower spell of a shared machine hits all alike), each run in a fresh subprocess whose
peak RSS is read from os.wait4 (the largest process of its tree):

- cn2an: `cn2an.transform(text, "cn2an")` over every document text, in process;
- extraction: `extract_document` over the same texts, in process (rules loaded before timing);
- end to end: `extractor run DIR --no-report` (claims.csv, checks.csv, claims.xlsx), timed from
  start to exit, with `--jobs 1` and `--jobs 2`.

Prints a Markdown table (MB/s, claims/s, speed against cn2an, peak RSS) and the checks of
README "Speed and memory".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DOC_BYTES = 15_000
SEED = 1


# --- the corpus ---------------------------------------------------------------------------------


def build_corpus(megabytes: float, folder: Path, seed: int = SEED) -> tuple[int, int]:
    """Documents of ~DOC_BYTES of corpus/ sentences in a seeded random order; (documents, bytes)."""
    sys.path.insert(0, str(ROOT))
    from extractor.sentences import split_sentences

    sentences = [s.text for path in sorted(CORPUS.glob("*.txt"))
                 for s in split_sentences(path.read_text(encoding="utf-8"))]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = count = 0
    while total < megabytes * 1e6:
        lines, size = [], 0
        while size < DOC_BYTES:
            line = "".join(rng.choice(sentences) for _ in range(rng.randint(1, 5)))
            lines.append(line)
            size += len(line.encode("utf-8")) + 1
        data = ("\n".join(lines) + "\n").encode("utf-8")
        (folder / f"doc{count:06d}.txt").write_bytes(data)
        total += len(data)
        count += 1
    return count, total


# --- one measurement in a fresh process ---------------------------------------------------------------


def measure(command: list[str]) -> dict:
    """Run `command` in a fresh process: its JSON line (if any), wall seconds, and the peak RSS
    of its process tree in MB (os.wait4: the largest process, workers included)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{err.read().decode(errors='replace')}")
        lines = [line for line in out.read().decode().splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    result.setdefault("seconds", wall)
    result["rss_mb"] = usage.ru_maxrss / 1024
    return result


def child(kind: str, folder: Path) -> None:
    """In a fresh process: time cn2an or the extraction over the texts of `folder`; print JSON."""
    import warnings

    sys.path.insert(0, str(ROOT))
    from extractor.models import Document
    from extractor.reader import read_document

    paths = sorted(folder.glob("*.txt"))
    documents = [read_document(path, path.name) for path in paths]
    megabytes = sum(path.stat().st_size for path in paths) / 1e6
    claims = 0
    if kind == "cn2an":
        import cn2an

        warnings.filterwarnings("ignore")              # cn2an warns on every span it cannot read
        start = time.perf_counter()
        for document in documents:
            cn2an.transform(document.text, "cn2an")
    else:
        from extractor.pipeline import Extractor, extract_document

        extractor = Extractor.load(ROOT / "rules")
        start = time.perf_counter()
        for n, document in enumerate(documents, start=1):
            claims += len(extract_document(Document(document.doc, document.text), extractor, doc_no=n).claims)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "megabytes": megabytes, "claims": claims}))


def end_to_end(folder: Path, out: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "extractor.cli", "run", str(folder), "--rules", str(ROOT / "rules"),
            "--out", str(out), "--quiet", "--no-report", "--jobs", str(jobs)]


def claims_in(out: Path) -> int:
    with open(out / "claims.csv", encoding="utf-8-sig", newline="") as fh:
        import csv

        return sum(1 for _ in csv.reader(fh)) - 1


# --- the table ------------------------------------------------------------------------------------------


STEPS = ["cn2an.transform", "extraction (API)", "end to end --jobs 1", "end to end --jobs 2"]


def commands(folder: Path, out: Path) -> dict[str, list[str]]:
    return {
        "cn2an.transform": [sys.executable, __file__, "--child", "cn2an", str(folder)],
        "extraction (API)": [sys.executable, __file__, "--child", "extract", str(folder)],
        "end to end --jobs 1": end_to_end(folder, out, 1),
        "end to end --jobs 2": end_to_end(folder, out, 2),
    }


def bench(sizes: list[float], runs: int, work: Path) -> dict[float, dict[str, dict]]:
    """Every step on every size, `runs` times, taken in turns: a slower spell of a shared
    machine then hits every step and size alike."""
    corpora = {size: (work / f"corpus_{size:g}MB", *build_corpus(size, work / f"corpus_{size:g}MB"))
               for size in sizes}
    out = work / "out"
    samples: dict[tuple[float, str], list[dict]] = {}
    for _ in range(runs):
        for size, (folder, _, _) in corpora.items():
            for step, command in commands(folder, out).items():
                samples.setdefault((size, step), []).append(measure(command))
                if step.startswith("end") and "claims" not in samples[(size, step)][-1]:
                    samples[(size, step)][-1]["claims"] = claims_in(out)
    results: dict[float, dict[str, dict]] = {}
    for (size, step), taken in samples.items():
        _, documents, total = corpora[size]
        seconds = statistics.median(s["seconds"] for s in taken)
        results.setdefault(size, {})[step] = {
            "seconds": seconds, "rss_mb": max(s["rss_mb"] for s in taken), "claims": taken[0].get("claims", 0),
            "megabytes": total / 1e6, "documents": documents}
        each = ", ".join(f"{s['seconds']:.2f}" for s in taken)
        print(f"  {size:g} MB {step}: {seconds:.2f} s ({each}), {results[size][step]['rss_mb']:.0f} MB",
              file=sys.stderr)
    return results


def startup(runs: int, work: Path) -> dict[int, float]:
    """Seconds `extractor run` takes on one small document (interpreter, imports, rules, outputs),
    per --jobs: subtracted from the end-to-end times to compare their per-MB cost across sizes."""
    folder = work / "one"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(min(CORPUS.glob("*.txt"), key=lambda p: p.stat().st_size), folder)
    measure(end_to_end(folder, work / "out1", 1))          # warm-up: file cache, compiled modules
    times = {jobs: statistics.median(measure(end_to_end(folder, work / "out1", jobs))["seconds"]
                                     for _ in range(runs)) for jobs in (1, 2)}
    shutil.rmtree(folder, ignore_errors=True)
    return times


SPIN = "x = 0\nfor i in range(20_000_000):\n    x += i * i % 7\n"


def parallel_ceiling(runs: int) -> float:
    """How much faster two processes get through twice the work of one on this machine: the same
    pure-Python loop run alone, then twice at once (median of `runs`). 2.0 on two free cores; less
    where the cores are shared (a virtual machine's cores are often threads of the host's)."""
    def wall(copies: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(copies)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - start

    return statistics.median(2 * wall(1) / wall(2) for _ in range(runs))


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model or platform.processor() or 'unknown CPU'}), Python {platform.python_version()}"


def table(all_results: dict[float, dict[str, dict]]) -> str:
    lines = ["| corpus | documents | step | seconds | MB/s | claims/s | × cn2an | peak RSS |",
             "|---:|---:|---|---:|---:|---:|---:|---:|"]
    for megabytes, results in all_results.items():
        base = results["cn2an.transform"]
        base_rate = base["megabytes"] / base["seconds"]
        for step in STEPS:
            r = results[step]
            rate = r["megabytes"] / r["seconds"]
            claims = f"{r['claims'] / r['seconds']:,.0f}" if r["claims"] else "–"
            lines.append(f"| {megabytes:g} MB | {r['documents']:,} | {step} | {r['seconds']:.2f} | {rate:.2f} | "
                         f"{claims} | {rate / base_rate:.2f} | {r['rss_mb']:.0f} MB |")
    return "\n".join(lines)


def checks(all_results: dict[float, dict[str, dict]], fixed: dict[int, float], ceiling: tuple[float, float]) -> str:
    """The targets of README "Speed and memory", as measured."""
    out = [f"- start-up (`extractor run` on one small document): {fixed[1]:.2f} s with --jobs 1, "
           f"{fixed[2]:.2f} s with --jobs 2",
           f"- parallel ceiling of this machine (a pure-Python loop, two processes against one): "
           f"{ceiling[0]:.2f}× before the runs, {ceiling[1]:.2f}× after"]
    for megabytes, results in all_results.items():
        base = results["cn2an.transform"]["seconds"]
        j1, j2 = results["end to end --jobs 1"]["seconds"], results["end to end --jobs 2"]["seconds"]
        out.append(f"- {megabytes:g} MB: extraction {base / results['extraction (API)']['seconds']:.2f}× cn2an, "
                   f"end to end {base / j2:.2f}× (--jobs 2) and {base / j1:.2f}× (--jobs 1); "
                   f"--jobs 2 is {j1 / j2:.2f}× --jobs 1")
    sizes = list(all_results)
    if 10 in sizes and 100 in sizes:
        for step in STEPS[1:]:
            small, big = all_results[10][step], all_results[100][step]
            per_mb = (big["seconds"] / big["megabytes"]) / (small["seconds"] / small["megabytes"])
            line = f"- {step}: per-MB time at 100 MB = {per_mb:.2f}× that at 10 MB"
            if step.startswith("end"):
                start = fixed[int(step[-1])]
                net = ((big["seconds"] - start) / big["megabytes"]) / ((small["seconds"] - start) / small["megabytes"])
                line += f" ({net:.2f}× without the start-up)"
            out.append(f"{line}; peak RSS at 100 MB = {big['rss_mb'] / small['rss_mb']:.2f}× that at 10 MB")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 10, 100], help="corpus sizes in MB")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (the median is shown)")
    parser.add_argument("--work", type=Path, help="folder for the corpora and outputs (default: a temporary one)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    work = Path(args.work or tempfile.mkdtemp(prefix="throughput-"))
    try:
        before = parallel_ceiling(args.runs)
        fixed = startup(args.runs, work)
        results = bench(args.sizes, args.runs, work)
        after = parallel_ceiling(args.runs)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f"Machine: {machine()}; median of {args.runs} runs; documents of ~{DOC_BYTES // 1000} KB.\n")
    print(table(results))
    print()
    print(checks(results, fixed, (before, after)))


if __name__ == "__main__":
    main()
