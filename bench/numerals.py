"""Benchmark the numeral finder on the shared suites (../shared/numerals) beside the peers' figures.

    python bench/numerals.py [--failures] [--suite gov]

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


def throughput(texts: list[str], stoplist: StopList, target_chars: int = 600_000) -> tuple[float, float, int]:
    """MB/s (UTF-8) of find_numerals line by line on the texts repeated to about target_chars."""
    lines = [t for t in texts if t]
    unit = sum(len(t) for t in lines) or 1
    corpus = lines * max(1, target_chars // unit)
    size = sum(len(t.encode("utf-8")) for t in corpus)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        for line in corpus:
            find_numerals(line, stoplist)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return size / median / 1e6, sum(len(t) for t in corpus) / median, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list the cases missed")
    parser.add_argument("--suite", help="only this suite (gov, traps, cn2an …)")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"note: {SHARED} not found; nothing to benchmark.")
        return 0
    t0 = time.perf_counter()
    stoplist = StopList.load(STOPLIST)
    load_s = time.perf_counter() - t0
    cases = [c for c in load_cases() if not args.suite or c["suite"] == args.suite]
    readme_path = SHARED / "README.md"
    libs, peers, peer_traps = peer_tables(readme_path.read_text(encoding="utf-8")) if readme_path.exists() else ([], {}, {})

    scores: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    trap_scores: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures: list[str] = []
    for case in cases:
        exact, recall, got = run_case(case, stoplist)
        if case["suite"] == "traps":
            group = f"traps:{case.get('note') or 'all'}"
            trap_scores[group][0] += 1
            trap_scores[group][1] += bool(got)
        key = f"{case['suite']}:{case['mode']}"
        row = scores[key]
        row[0] += 1
        row[1] += exact
        row[2] += recall
        if not exact:
            want = [e["v"] for e in case["expected"]]
            failures.append(f"{case['id']:<22} {case['input'][:50]!r:<54} want {want} got {got}")

    head = "| test set | n | ours exact/recall | " + " | ".join(libs) + " |"
    print("## Accuracy (exact multiset match / recall)\n")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for key in sorted(scores, key=lambda k: (k.startswith("traps"), k)):
        n, exact, recall = scores[key]
        cells = peers.get(key, [""] * len(libs))
        print(f"| {key} | {n} | {exact}/{recall} | " + " | ".join(cells) + " |")

    if trap_scores:
        print("\n## Traps wrongly taken (any numeral found)\n")
        print("| trap group | n | ours | " + " | ".join(libs) + " |")
        print("|" + "---|" * (3 + len(libs)))
        for group, (n, taken) in sorted(trap_scores.items()):
            cells = peer_traps.get(group, [""] * len(libs))
            print(f"| {group} | {n} | {taken} | " + " | ".join(cells) + " |")
        total_n = sum(v[0] for v in trap_scores.values())
        total_taken = sum(v[1] for v in trap_scores.values())
        print(f"| traps (all) | {total_n} | {total_taken} |" + " |" * len(libs))

    texts = [c["input"] for c in cases if c["mode"] == "text"]
    mbps, cps, size = throughput(texts, stoplist)
    print(f"\n## Throughput\n\nfind_numerals with the stop-list ({len(stoplist)} entries, loaded in "
          f"{load_s:.3f} s), line by line on the suites' text repeated to {size / 1e6:.2f} MB: "
          f"{mbps:.2f} MB/s ({cps:,.0f} chars/s), median of 3.")
    corpus_files = sorted((ROOT / "corpus").glob("*.txt"))
    if corpus_files:
        lines = [ln for f in corpus_files for ln in f.read_text(encoding="utf-8").splitlines()]
        mbps, cps, size = throughput(lines, stoplist, target_chars=1_000_000)
        print(f"On corpus/*.txt repeated to {size / 1e6:.2f} MB: {mbps:.2f} MB/s ({cps:,.0f} chars/s).")

    if args.failures and failures:
        print("\n## Cases missed (exact)\n")
        print("\n".join(failures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
