"""Quality against gold: precision, recall, F1 and every field, per set of documents.

    python bench/quality.py [--shared ../shared] [--without DOC ...]

Runs the extractor (the code and rules of this checkout) on each set that is present — the samples
(`shared/corpus` + `shared/gold/seeds.csv`) and the development set (`shared/dev/docs` +
`shared/dev/gold.csv`) — and scores its claims.csv with the shared scorer
(`shared/tools/score.py --json`), the one the gold is judged by. With `--without`, a set holding
one of those documents is scored a second time without them (e.g. a document whose figures stand
in a table, judged apart). Prints one table, the one README carries.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("value", "category", "unit", "qualifier", "period", "rank_of")
# (name, documents, gold), relative to the shared folder
SETS = (
    ("samples", "corpus", "gold/seeds.csv"),
    ("development set", "dev/docs", "dev/gold.csv"),
)


def run_extractor(docs: Path, out: Path) -> None:
    """`extractor run` of this checkout on `docs`, outputs in `out` (no report: not scored)."""
    subprocess.run([sys.executable, "-m", "extractor.cli", "run", str(docs), "--out", str(out), "--no-report"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def without_docs(path: Path, docs: tuple[str, ...], target: Path) -> Path:
    """A copy of a claims or gold CSV without the rows of `docs`."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(target, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["doc"])
        writer.writeheader()
        writer.writerows(r for r in rows if Path(r["doc"]).name not in docs)
    return target


def score(scorer: Path, gold: Path, claims: Path, docs: Path) -> dict:
    """The shared scorer's verdict as a dict (precision, recall, f1, n_gold, n_pred, fields)."""
    out = subprocess.run([sys.executable, str(scorer), str(gold), str(claims), "--docs", str(docs), "--json"],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def table(rows: list[tuple[str, dict]]) -> str:
    """The Markdown table README carries."""
    head = "| set | gold | predicted | P | R | F1 | " + " | ".join(FIELDS) + " |"
    lines = [head, "|" + "---|" * (6 + len(FIELDS))]
    for name, r in rows:
        fields = " | ".join(f"{r['fields'].get(f, float('nan')):.3f}" for f in FIELDS)
        lines.append(f"| {name} | {r['n_gold']} | {r['n_pred']} | {r['precision']:.3f} | {r['recall']:.3f} | "
                     f"{r['f1']:.3f} | {fields} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared folder")
    parser.add_argument("--without", nargs="*", default=[], metavar="DOC",
                        help="file names of documents to score a set without, in a second row")
    args = parser.parse_args(argv)
    scorer = args.shared / "tools" / "score.py"
    if not scorer.is_file():
        print(f"bench/quality.py: no scorer at {scorer} (pass --shared)", file=sys.stderr)
        return 2
    rows: list[tuple[str, dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, docs_rel, gold_rel in SETS:
            docs, gold = args.shared / docs_rel, args.shared / gold_rel
            if not docs.is_dir() or not gold.is_file():
                continue
            out = Path(tmp) / name.replace(" ", "_")
            run_extractor(docs, out)
            claims = out / "claims.csv"
            rows.append((name, score(scorer, gold, claims, docs)))
            set_apart = tuple(d for d in args.without if (docs / d).is_file())
            if set_apart:
                rows.append((f"{name} without {', '.join(set_apart)}",
                             score(scorer, without_docs(gold, set_apart, out / "gold-part.csv"),
                                   without_docs(claims, set_apart, out / "claims-part.csv"), docs)))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
