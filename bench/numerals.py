"""Benchmark the numeral finder on the shared suites (../shared/numerals) beside the peers' figures.

    python bench/numerals.py [--failures] [--suite gov] [--no-speed]

`convert` cases: parse_numeral(input) against the one expected value. `text` cases: the multiset
of values of find_numerals(input) (redacted numerals skipped; a range gives value and value_high)
against the expected values — exact = equal multisets (rel. tolerance 1e-6), recall = every
expected value present. Traps are taken when any numeral is found. Cases run by the peers on
their own suites only (cross: false, or no expected value) are left out, as in the README.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.numerals import find_numerals, parse_numeral  # noqa: E402
from extractor.stoplist import StopList  # noqa: E402

SHARED = ROOT.parent / "shared" / "numerals"
STOPLIST = ROOT / "rules" / "stoplist.yaml"
REL_TOL = 1e-6


def close(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def covered(expected: list[float], got: list[float]) -> tuple[bool, bool]:
    """(exact, recall): multiset equality and inclusion, values compared with tolerance."""
    left = list(got)
    recall = True
    for value in expected:
        hit = next((i for i, g in enumerate(left) if close(g, value)), None)
        if hit is None:
            recall = False
        else:
            left.pop(hit)
    return recall and not left, recall


def text_values(text: str, stoplist: StopList) -> list[float]:
    values: list[float] = []
    for n in find_numerals(text, stoplist):
        if n.value is not None:
            values.append(float(n.value))
        if n.value_high is not None:
            values.append(float(n.value_high))
    return values


def load_cases() -> list[dict]:
    cases: list[dict] = []
    for path in sorted(SHARED.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            if case.get("expected") is None or case.get("cross") is False:
                continue
            cases.append(case)
    return cases


def run_case(case: dict, stoplist: StopList) -> tuple[bool, bool, list[float]]:
    expected = [float(e["v"]) for e in case["expected"]]
    if case["mode"] == "convert":
        value = parse_numeral(case["input"])
        got = [] if value is None else [float(value)]
    else:
        got = text_values(case["input"], stoplist)
    exact, recall = covered(expected, got)
    return exact, recall, got


def peer_tables(readme: str) -> tuple[list[str], dict[str, list[str]], dict[str, list[str]]]:
    """Library names, accuracy cells by `suite:mode`, trap cells by group, from the README tables."""
    libs: list[str] = []
    accuracy: dict[str, list[str]] = {}
    traps: dict[str, list[str]] = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or set(cells[0]) <= {"-"}:
            continue
        if cells[0] in ("test set", "trap group"):
            libs = cells[2:]
        elif re.fullmatch(r"[\w-]+:\w+", cells[0]):
            (traps if cells[0].startswith("traps:") else accuracy)[cells[0]] = cells[2:]
    return libs, accuracy, traps


def peer_throughput(readme: str) -> list[str]:
    """The rows of the README's throughput table (`| pass | median s | chars/s | MB/s |`)."""
    section = readme.split("## Throughput", 1)[-1] if "## Throughput" in readme else ""
    return [ln for ln in section.splitlines() if ln.startswith("| ") and not ln.startswith("| pass")]


def timed(texts: list[str], stoplist: StopList) -> tuple[float, float, int]:
    """(MB/s, chars/s, bytes) of find_numerals over `texts`, one call each, median of 3 passes."""
    size = sum(len(t.encode("utf-8")) for t in texts)
    chars = sum(len(t) for t in texts)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        for text in texts:
            find_numerals(text, stoplist)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return size / median / 1e6, chars / median, size


def repeated(texts: list[str], target_chars: int) -> list[str]:
    texts = [t for t in texts if t]
    unit = sum(len(t) for t in texts) or 1
    return texts * max(1, target_chars // unit)


def score(cases: list[dict], stoplist: StopList) -> tuple[dict, dict, list[str]]:
    """Per suite:mode [n, exact, recall]; per trap group [n, taken]; lines for the misses."""
    scores: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    trap_scores: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures: list[str] = []
    for case in cases:
        exact, recall, got = run_case(case, stoplist)
        if case["suite"] == "traps":
            group = trap_scores[f"traps:{case.get('note') or 'all'}"]
            group[0] += 1
            group[1] += bool(got)
        row = scores[f"{case['suite']}:{case['mode']}"]
        row[0] += 1
        row[1] += exact
        row[2] += recall
        if not exact:
            want = [e["v"] for e in case["expected"]]
            failures.append(f"{case['id']:<22} {case['input'][:50]!r:<54} want {want} got {got}")
    return scores, trap_scores, failures


def print_accuracy(scores: dict, libs: list[str], peers: dict) -> None:
    head = "| test set | n | ours exact/recall | " + " | ".join(libs) + " |"
    print("## Accuracy (exact multiset match / recall; peers from the README)\n")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for key in sorted(scores, key=lambda k: (k.startswith("traps"), k)):
        n, exact, recall = scores[key]
        cells = peers.get(key, [""] * len(libs))
        print(f"| {key} | {n} | {exact}/{recall} | " + " | ".join(cells) + " |")


def print_traps(trap_scores: dict, libs: list[str], peer_traps: dict) -> None:
    print("\n## Traps wrongly taken (any numeral found)\n")
    print("| trap group | n | ours | " + " | ".join(libs) + " |")
    print("|" + "---|" * (3 + len(libs)))
    for group, (n, taken) in sorted(trap_scores.items()):
        cells = peer_traps.get(group, [""] * len(libs))
        print(f"| {group} | {n} | {taken} | " + " | ".join(cells) + " |")
    total_n = sum(v[0] for v in trap_scores.values())
    total_taken = sum(v[1] for v in trap_scores.values())
    print(f"| traps (all) | {total_n} | {total_taken} |" + " |" * len(libs))


def print_throughput(cases: list[dict], stoplist: StopList, load_s: float, readme: str) -> None:
    print(f"\n## Throughput (find_numerals with the stop-list: {len(stoplist)} entries, "
          f"loaded and compiled in {load_s:.3f} s; median of 3)\n")
    print("| text | MB | MB/s | chars/s |\n|---|---|---|---|")
    suites = repeated([c["input"] for c in cases if c["mode"] == "text"], 600_000)
    rows = [("suites' text inputs, one call a case", suites)]
    corpus_files = sorted((ROOT / "corpus").glob("*.txt"))
    if corpus_files:
        docs = [f.read_text(encoding="utf-8") for f in corpus_files]
        lines = [ln for doc in docs for ln in doc.splitlines()]
        rows.append(("corpus/*.txt, one call a line", repeated(lines, 1_000_000)))
        rows.append(("corpus/*.txt, one call a document", repeated(docs, 1_000_000)))
    for label, texts in rows:
        mbps, cps, size = timed(texts, stoplist)
        print(f"| {label} | {size / 1e6:.2f} | {mbps:.2f} | {cps:,.0f} |")
    peer_rows = peer_throughput(readme)
    if peer_rows:
        print("\nPeers (README; their own 5.06 MB corpus, one call a line):\n")
        print("| pass | median s | chars/s | MB/s |\n|---|---|---|---|")
        print("\n".join(peer_rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list the cases missed")
    parser.add_argument("--suite", help="only this suite (gov, traps, cn2an …)")
    parser.add_argument("--no-speed", action="store_true", help="skip the throughput runs")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"note: {SHARED} not found; nothing to benchmark.")
        return 0
    t0 = time.perf_counter()
    stoplist = StopList.load(STOPLIST)
    load_s = time.perf_counter() - t0
    cases = [c for c in load_cases() if not args.suite or c["suite"] == args.suite]
    readme_path = SHARED / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else ""
    libs, peers, peer_traps = peer_tables(readme)

    scores, trap_scores, failures = score(cases, stoplist)
    print_accuracy(scores, libs, peers)
    if trap_scores:
        print_traps(trap_scores, libs, peer_traps)
    if not args.no_speed:
        print_throughput(cases, stoplist, load_s, readme)
    if args.failures and failures:
        print("\n## Cases missed (exact)\n")
        print("\n".join(failures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
