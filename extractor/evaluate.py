"""`extractor eval`: score the extractor against a gold standard.

Scoring follows `shared/tools/score.py` exactly (re-implemented here so the project stands
alone): a predicted claim matches a gold claim of the same document (file name) whose numeral
span overlaps its own; predictions are taken in (doc, num_start) order and each takes the first
unused overlapping gold row in gold order. Matching an optional gold row is neutral; only gold
rows whose `required` is exactly `yes` (or absent) count. For matched required rows, `value` is
compared with relative tolerance 1e-4, and category, unit, qualifier, period and rank_of where the
gold gives them. On top of that: P/R/F1 per category and counts per field, and misses, extras and
wrong fields listed with the text around the numeral.

GOLD is a CSV in the gold format (shared/gold/GUIDELINES.md) or an xlsx written by
`extractor annotate` and marked by a person (see annotate.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cliargs import EXIT_OK, EXIT_SKIPPED, EXIT_USAGE, inputs_missing
from .models import CLAIM_COLUMNS, Claim
from .pipeline import Extractor
from .run import RunSummary, iter_results
from .writers import Sheet, cell_text, write_workbook

GOLD_COLUMNS = ["doc", "num_start", "num_end", "num_text", "category", "subject", "value", "unit",
                "qualifier", "rank_of", "period", "required", "note"]
FIELDS = ["category", "unit", "qualifier", "period", "rank_of"]
CONTEXT_WIDTH = 20
NO_CATEGORY = "(none)"

Row = dict[str, Any]   # a gold or predicted claim: text fields, int num_start/num_end, doc = file name


class GoldError(ValueError):
    """A gold file that cannot be used, with `file:row: what is wrong`."""


@dataclass
class Gold:
    """Gold rows and the documents they score (None: the documents the rows name)."""

    rows: list[Row]
    docs: set[str] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class CategoryScore:
    """One category: recall over gold rows of it, precision over predictions of it."""

    gold: int = 0          # required gold rows of this category
    found: int = 0         # … matched by some prediction
    predicted: int = 0     # scored predictions of this category
    correct: int = 0       # … that matched a required gold row
    same: int = 0          # matched pairs where both sides have this category

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Score:
    """The result of `score`: the figures of score.py plus per-category counts."""

    precision: float
    recall: float
    f1: float
    tp: int
    n_gold: int
    n_pred: int
    fp: list[Row]
    fn: list[Row]
    field: dict[str, list[int]]                 # name → [correct, total], value first
    wrong: list[tuple[str, Row, Row]]           # (field, gold, predicted)
    categories: dict[str, CategoryScore]

    def field_accuracy(self) -> dict[str, float]:
        """Accuracy per field on matched required rows (the `fields` of score.py --json)."""
        return {k: (ok / n if n else 1.0) for k, (ok, n) in self.field.items()}

    def as_json(self) -> dict:
        """score.py's JSON keys, then the extras of this module."""
        cats = {name: {"precision": c.precision, "recall": c.recall, "f1": c.f1, "gold": c.gold,
                       "found": c.found, "predicted": c.predicted, "correct": c.correct,
                       "same_category": c.same} for name, c in self.categories.items()}
        return dict(precision=self.precision, recall=self.recall, f1=self.f1, tp=self.tp,
                    n_gold=self.n_gold, n_pred=self.n_pred, fields=self.field_accuracy(),
                    field_counts={k: {"correct": ok, "total": n} for k, (ok, n) in self.field.items()},
                    categories=cats, misses=len(self.fn), extras=len(self.fp), wrong_fields=len(self.wrong))


# --- reading gold ----------------------------------------------------------------------------


def doc_name(doc: object) -> str:
    """The file name a row's `doc` is compared by (paths with / or \\ reduced to the name)."""
    return os.path.basename(str(doc or "").replace("\\", "/"))


def parse_offsets(row: Row, where: str) -> Row:
    """`row` with doc reduced to its file name and num_start/num_end as ints; GoldError if bad."""
    row["doc"] = doc_name(row.get("doc"))
    for key in ("num_start", "num_end"):
        try:
            row[key] = int(float(str(row.get(key) or "").strip()))
        except ValueError:
            raise GoldError(f"{where}: {key} is {row.get(key)!r}, not a number") from None
    return row


def read_gold_csv(path: Path) -> list[Row]:
    """Rows of a gold CSV (UTF-8, BOM allowed), kept as csv.DictReader gives them."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [parse_offsets(row, f"{path}:{line}") for line, row in enumerate(rows, start=2)]


def read_gold(path: Path) -> Gold:
    """A gold CSV, or an xlsx written by `extractor annotate` and marked by a person."""
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"{path}: no such gold file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from .annotate import read_annotated

        return read_annotated(path)
    return Gold(read_gold_csv(path))


# --- predictions -----------------------------------------------------------------------------


def text_cell(value: object) -> str:
    """A value as claims.csv writes it ('' when missing), so scoring sees what score.py sees."""
    text = cell_text(value)
    return "" if text is None else str(text)


def claim_record(claim: Claim) -> Row:
    """A claim as a predicted row: the claims.csv columns as text, int offsets, doc = file name."""
    row = {name: text_cell(getattr(claim, name)) for name in CLAIM_COLUMNS}
    row.update(doc=doc_name(claim.doc), num_start=claim.num_start, num_end=claim.num_end)
    return row


def predict(inputs: list[Path], rules_dir: Path | list[Path] | None = None, year: int | None = None,
            ) -> tuple[list[Row], dict[str, str], RunSummary]:
    """Predicted rows of every document under `inputs`, the texts by file name, the run summary."""
    extractor = Extractor.load(rules_dir)
    summary = RunSummary()
    rows: list[Row] = []
    texts: dict[str, str] = {}
    for text, result in iter_results(inputs, extractor, year, summary):
        texts.setdefault(doc_name(result.doc), text)
        rows.extend(claim_record(c) for c in result.claims)
    return rows, texts, summary


# --- scoring (the semantics of shared/tools/score.py) ------------------------------------------


def is_required(gold_row: Row) -> bool:
    """score.py's test: `required` absent or exactly 'yes'."""
    return gold_row.get("required", "yes") == "yes"


def _num(x: object) -> float | str | None:
    x = str(x if x is not None else "").strip()
    if x == "":
        return None
    try:
        return float(x)
    except ValueError:
        return x


def same_value(a: object, b: object) -> bool:
    """Equal values: both empty, equal within rel. tolerance 1e-4, or equal text."""
    a, b = _num(a), _num(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-9)
    return a == b


def norm_field(name: str, x: object) -> str:
    """A field for comparison: stripped text; period and rank_of as integers when they are numbers."""
    x = str(x if x is not None else "").strip()
    if name in ("period", "rank_of") and x:
        try:
            return str(int(float(x)))
        except ValueError:
            return x
    return x


def _overlaps(p: Row, g: Row) -> bool:
    return p["num_start"] < g["num_end"] and g["num_start"] < p["num_end"]


def match(gold: list[Row], pred: list[Row]) -> tuple[list[tuple[Row, Row]], list[Row], set[int]]:
    """Greedy matching: (matched pairs, unmatched predictions, indices of used gold rows)."""
    by_doc: dict[str, list[int]] = {}
    for i, g in enumerate(gold):
        by_doc.setdefault(g["doc"], []).append(i)
    used: set[int] = set()
    pairs: list[tuple[Row, Row]] = []
    fp: list[Row] = []
    for p in sorted(pred, key=lambda r: (r["doc"], r["num_start"])):
        hit = next((i for i in by_doc.get(p["doc"], []) if i not in used and _overlaps(p, gold[i])), None)
        if hit is None:
            fp.append(p)
        else:
            used.add(hit)
            pairs.append((gold[hit], p))
    return pairs, fp, used


def field_scores(pairs: list[tuple[Row, Row]]) -> tuple[dict[str, list[int]], list[tuple[str, Row, Row]]]:
    """[correct, total] per field over matched pairs, and the (field, gold, pred) that differ."""
    counts: dict[str, list[int]] = {}
    wrong: list[tuple[str, Row, Row]] = []
    for g, p in pairs:
        ok = same_value(g.get("value"), p.get("value"))
        _count(counts, "value", ok)
        if not ok:
            wrong.append(("value", g, p))
        for name in FIELDS:
            gv = norm_field(name, g.get(name))
            if not gv:
                continue
            ok = gv == norm_field(name, p.get(name))
            _count(counts, name, ok)
            if not ok:
                wrong.append((name, g, p))
    return counts, wrong


def _count(counts: dict[str, list[int]], name: str, ok: bool) -> None:
    entry = counts.setdefault(name, [0, 0])
    entry[0] += ok
    entry[1] += 1


def _category(row: Row) -> str:
    return str(row.get("category") or "").strip() or NO_CATEGORY


def category_scores(required: list[Row], pairs: list[tuple[Row, Row]], fp: list[Row]) -> dict[str, CategoryScore]:
    """Recall by gold category, precision by predicted category (pairs: matched required rows)."""
    cats: dict[str, CategoryScore] = {}

    def get(name: str) -> CategoryScore:
        return cats.setdefault(name, CategoryScore())

    for g in required:
        get(_category(g)).gold += 1
    for g, p in pairs:
        get(_category(g)).found += 1
        get(_category(p)).predicted += 1
        get(_category(p)).correct += 1
        if _category(g) == _category(p):
            get(_category(g)).same += 1
    for p in fp:
        get(_category(p)).predicted += 1
    return dict(sorted(cats.items()))


def score(gold: list[Row], pred: list[Row], docs: Iterable[str] | None = None) -> Score:
    """Score predictions against gold rows; only documents in `docs` (default: the gold's) count."""
    docs = set(docs) if docs is not None else {g["doc"] for g in gold}
    pred = [p for p in pred if p["doc"] in docs]
    pairs, fp, used = match(gold, pred)
    required = [g for g in gold if is_required(g)]
    tp = [(g, p) for g, p in pairs if is_required(g)]
    fn = [g for i, g in enumerate(gold) if i not in used and is_required(g)]
    n_pred = len(tp) + len(fp)
    precision = len(tp) / n_pred if n_pred else 0.0
    recall = len(tp) / len(required) if required else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    counts, wrong = field_scores(tp)
    return Score(precision, recall, f1, len(tp), len(required), n_pred, fp, fn, counts, wrong,
                 category_scores(required, tp, fp))


# --- a whole evaluation ----------------------------------------------------------------------


@dataclass
class Evaluation:
    """Score of a run against gold, with the texts (for context) and what went wrong on the way."""

    score: Score
    texts: dict[str, str]
    summary: RunSummary
    warnings: list[str]


def evaluate(gold_path: Path, inputs: list[Path], rules_dir: Path | list[Path] | None = None,
             year: int | None = None) -> Evaluation:
    """Run the extractor over `inputs` in memory and score it against the gold file."""
    gold = read_gold(gold_path)
    pred, texts, summary = predict(inputs, rules_dir, year)
    warnings = gold.warnings + check_gold(gold.rows, texts)
    return Evaluation(score(gold.rows, pred, gold.docs), texts, summary, warnings)


def check_gold(gold: list[Row], texts: dict[str, str]) -> list[str]:
    """Warnings: gold documents not among the inputs, num_text that is not the text at its offsets."""
    warnings = [f"gold document not in the input (its claims all count as misses): {doc}"
                for doc in sorted({g["doc"] for g in gold} - texts.keys())]
    for g in gold:
        text, num_text = texts.get(g["doc"]), str(g.get("num_text") or "").strip()
        if text is not None and num_text and text[g["num_start"]:g["num_end"]] != num_text:
            warnings.append(f"{g['doc']}:{g['num_start']}-{g['num_end']}: gold num_text {num_text!r} "
                            f"but the text there is {text[g['num_start']:g['num_end']]!r}")
    return warnings


# --- reporting -------------------------------------------------------------------------------


def context_window(text: str | None, start: int, end: int, width: int = CONTEXT_WIDTH) -> tuple[str, int, int]:
    """Text around [start, end) with the numeral in 【】, newlines as ⏎; and the numeral's place in it."""
    if text is None:
        return "", 0, 0
    left = text[max(0, start - width):start]
    window = f"{left}【{text[start:end]}】{text[end:end + width]}".replace("\n", "⏎")
    return window, len(left) + 1, len(left) + 1 + len(text[start:end])


def _with_context(row: Row, texts: dict[str, str]) -> Row:
    ctx, hl_start, hl_end = context_window(texts.get(row["doc"]), row["num_start"], row["num_end"])
    return {**row, "context": ctx, "hl_start": hl_start, "hl_end": hl_end}


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def report_text(ev: Evaluation, show: int = 20) -> str:
    """The human-readable report: totals, per category, per field, then the first `show` problems."""
    s = ev.score
    lines = [f"gold {s.n_gold}  predicted {s.n_pred}  matched {s.tp}",
             f"precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}",
             "", "per category (recall by gold category, precision by predicted category):",
             f"  {'category':12} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'found':>5} {'pred':>5} {'right':>5}"]
    for name, c in s.categories.items():
        lines.append(f"  {name:12} {_fmt(c.precision):>6} {_fmt(c.recall):>6} {_fmt(c.f1):>6} "
                     f"{c.gold:5} {c.found:5} {c.predicted:5} {c.correct:5}")
    lines += ["", "field accuracy on matches:"]
    lines += [f"  {name:10} {ok / n if n else 1.0:.3f}  ({ok}/{n})" for name, (ok, n) in s.field.items()]
    lines += _problem_lines(ev, show)
    return "\n".join(lines)


def _problem_lines(ev: Evaluation, show: int) -> list[str]:
    lines: list[str] = []
    for title, rows in (("missed (false negatives)", ev.score.fn), ("extra (false positives)", ev.score.fp)):
        if rows:
            lines += ["", f"{title}: {len(rows)}"]
            for r in rows[:show]:
                ctx = context_window(ev.texts.get(r["doc"]), r["num_start"], r["num_end"])[0]
                lines.append(f"  {r['doc']}:{r['num_start']} {r.get('num_text') or '':6} {_category(r):10} {ctx}")
    if ev.score.wrong:
        lines += ["", f"wrong fields: {len(ev.score.wrong)}"]
        for name, g, p in ev.score.wrong[:show]:
            ctx = context_window(ev.texts.get(g["doc"]), g["num_start"], g["num_end"])[0]
            lines.append(f"  {g['doc']}:{g['num_start']} {name}: gold {g.get(name)!r} got {p.get(name)!r} {ctx}")
    return lines


SCORE_COLUMNS = ["section", "name", "precision", "recall", "f1", "accuracy", "gold", "found", "predicted",
                 "correct", "total"]
MISS_COLUMNS = ["doc", "num_start", "num_end", "num_text", "category", "subject", "value", "unit", "qualifier",
                "rank_of", "period", "note", "context", "remark"]
EXTRA_COLUMNS = ["doc", "num_start", "num_end", "num_text", "category", "subject", "value", "unit", "qualifier",
                 "rank_of", "period", "rule", "context", "sentence", "remark"]
WRONG_COLUMNS = ["doc", "num_start", "num_end", "num_text", "field", "gold", "predicted", "subject", "rule",
                 "context", "remark"]


def score_rows(s: Score) -> list[Row]:
    """The `scores` sheet: overall, per category, per field."""
    rows: list[Row] = [{"section": "overall", "name": "all", "precision": s.precision, "recall": s.recall,
                        "f1": s.f1, "gold": s.n_gold, "found": s.tp, "predicted": s.n_pred, "correct": s.tp}]
    rows += [{"section": "category", "name": name, "precision": c.precision, "recall": c.recall, "f1": c.f1,
              "gold": c.gold, "found": c.found, "predicted": c.predicted, "correct": c.correct}
             for name, c in s.categories.items()]
    rows += [{"section": "field", "name": name, "accuracy": ok / n if n else 1.0, "correct": ok, "total": n}
             for name, (ok, n) in s.field.items()]
    return rows


def wrong_rows(ev: Evaluation) -> list[Row]:
    """The `wrong_fields` sheet: one row per field that differs on a matched pair."""
    rows = []
    for name, g, p in ev.score.wrong:
        row = {"doc": g["doc"], "num_start": g["num_start"], "num_end": g["num_end"],
               "num_text": g.get("num_text"), "field": name, "gold": g.get(name), "predicted": p.get(name),
               "subject": p.get("subject"), "rule": p.get("rule")}
        rows.append(_with_context(row, ev.texts))
    return rows


def write_eval_workbook(path: Path, ev: Evaluation) -> None:
    """Sheets scores, misses, extras, wrong_fields; the numeral is highlighted in `context`."""
    hl = ("context", "hl_start", "hl_end")
    write_workbook(Path(path), [
        Sheet("scores", SCORE_COLUMNS, score_rows(ev.score)),
        Sheet("misses", MISS_COLUMNS, [_with_context(r, ev.texts) for r in ev.score.fn], highlight=hl),
        Sheet("extras", EXTRA_COLUMNS, [_with_context(r, ev.texts) for r in ev.score.fp], highlight=hl),
        Sheet("wrong_fields", WRONG_COLUMNS, wrong_rows(ev), highlight=hl),
    ])


# --- command line ----------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace) -> int:
    """Handler of `extractor eval`; exit 0, 2 (usage or gold error), 3 (some inputs skipped)."""
    if inputs_missing(args.inputs):
        return EXIT_USAGE
    try:
        ev = evaluate(args.gold, args.inputs, args.rules, args.year)
    except GoldError as err:
        print(f"gold error: {err}", file=sys.stderr)
        return EXIT_USAGE
    for line in [*(f"skipped {s}" for s in ev.summary.skipped), *(f"warning: {w}" for w in ev.warnings)]:
        print(line, file=sys.stderr)
    print(json.dumps(ev.score.as_json(), ensure_ascii=False) if args.json else report_text(ev, args.show))
    if args.xlsx:
        write_eval_workbook(args.xlsx, ev)
        if not args.json:
            print(f"wrote {args.xlsx}")
    return EXIT_SKIPPED if ev.summary.skipped else EXIT_OK
