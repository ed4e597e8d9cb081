"""`extractor annotate`: a starting gold sheet for a person to mark, and the reader `eval` uses.

The sheet `gold` holds one row per numeral the finder saw (years left out), in document order:
the tool's claims (`tool` = claim) with every field filled, and the numerals no rule took
(`tool` = numeral) with only value, offsets and qualifier. A person marks each row's `status`
(correct / wrong / missing, see HOW_TO) and fixes fields in place; `read_annotated` turns the
marked rows into gold rows in the format of shared/gold/GUIDELINES.md.
"""

from __future__ import annotations

import argparse
import sys
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from .cliargs import EXIT_OK, EXIT_SKIPPED, EXIT_USAGE, inputs_missing
from .evaluate import GOLD_COLUMNS, Gold, GoldError, Row, context_window, doc_name, parse_offsets
from .matcher import Candidate
from .models import Claim, Sentence
from .pipeline import DocumentResult, Extractor, extract_document
from .reader import ReadError, find_documents, read_document
from .sentences import split_sentences
from .writers import FORMULA_TRIGGERS, Sheet, write_workbook

GOLD_SHEET = "gold"
ANNOTATE_COLUMNS = ["status", "tool", *GOLD_COLUMNS, "rule", "context", "sentence"]
GOLD_STATUSES = ("correct", "missing")       # rows that become gold
SKIP_STATUSES = ("", "wrong")                # rows that do not

HOW_TO = [
    ("the sheet", "Sheet `gold` has one row per numeral the tool saw, in document order. tool = claim: a "
                  "claim the tool made, fields filled. tool = numeral: a number no rule took; only value, "
                  "offsets and qualifier are filled. rule, context (numeral in 【】) and sentence are for reading."),
    ("status correct", "The row is a gold claim as it now reads. Fix any wrong field in the row itself "
                       "(category, subject, value, unit, qualifier, rank_of, period). For a numeral row that is "
                       "a claim, mark it correct and fill at least category and unit."),
    ("status wrong", "The row is not a claim (a claim the tool should not have made, or a number that is "
                     "none: a formula, a date, speech structure …). It is dropped."),
    ("status missing", "A claim the tool did not make. Either mark an existing numeral row missing (same as "
                       "correct), or add a row at the bottom with status missing and doc (as written in the "
                       "other rows), num_start, num_text and the fields; num_end may stay empty (num_start + "
                       "length of num_text). Offsets are 0-based characters into the document text; "
                       "`extractor eval` warns when the text at the offsets is not num_text."),
    ("status empty", "Not reviewed yet: ignored by eval. Review whole documents: a document counts once one of "
                     "its rows is marked, and the tool's claims on its unmarked rows then count as extras."),
    ("required", "Empty or yes: the claim must be found. optional: a borderline claim (see GUIDELINES.md); "
                 "finding it is neither rewarded nor punished."),
    ("scoring", "extractor eval gold.xlsx corpus/ --xlsx eval.xlsx   (rows marked correct or missing are the "
                "gold; see also shared/gold/GUIDELINES.md)"),
]


@dataclass
class AnnotateSummary:
    """What `annotate` wrote."""

    documents: int = 0
    claims: int = 0
    numerals: int = 0
    skipped: list[str] = field(default_factory=list)


# --- writing the sheet -----------------------------------------------------------------------


def claim_row(claim: Claim) -> Row:
    """The fields of a claim the tool made."""
    return {"tool": "claim", "num_start": claim.num_start, "num_end": claim.num_end, "num_text": claim.num_text,
            "category": claim.category, "subject": claim.subject, "value": claim.value, "unit": claim.unit,
            "qualifier": claim.qualifier, "rank_of": claim.rank_of, "period": claim.period, "rule": claim.rule,
            "sentence": claim.sentence}


def numeral_row(candidate: Candidate, sentence: str) -> Row:
    """The fields of a numeral no rule took: offsets, value, qualifier, a % unit; no category."""
    n = candidate.numeral
    return {"tool": "numeral", "num_start": n.start, "num_end": n.end, "num_text": n.text, "value": n.value,
            "qualifier": n.qualifier, "unit": n.unit_hint, "sentence": sentence}


def document_rows(doc: str, text: str, result: DocumentResult) -> list[Row]:
    """Rows of one document in document order, with the context around each numeral."""
    sentences = split_sentences(text)
    starts = [s.start for s in sentences]
    rows = []
    for candidate in result.candidates:
        if candidate.numeral.kind == "year":
            continue
        if candidate.claim:
            row = claim_row(candidate.claim)
        else:
            row = numeral_row(candidate, _sentence_at(sentences, starts, candidate.numeral.start))
        ctx, hl_start, hl_end = context_window(text, row["num_start"], row["num_end"])
        rows.append({"status": "", "doc": doc, **row, "context": ctx, "hl_start": hl_start, "hl_end": hl_end})
    return sorted(rows, key=lambda r: (r["num_start"], r["num_end"]))


def _sentence_at(sentences: list[Sentence], starts: list[int], offset: int) -> str:
    """The text of the sentence holding `offset` ('' if none does)."""
    i = bisect_right(starts, offset) - 1
    return sentences[i].text if i >= 0 and offset < sentences[i].end else ""


def annotate(inputs: list[Path], out: Path, rules_dir: Path | list[Path] | None = None, year: int | None = None,
             ) -> AnnotateSummary:
    """Write the starting gold workbook (sheets `gold` and `how_to`) for the documents under `inputs`."""
    extractor = Extractor.load(rules_dir)
    summary = AnnotateSummary()
    rows: list[Row] = []
    for doc_no, (path, doc) in enumerate(find_documents(inputs), start=1):
        try:
            document = read_document(path, doc)
        except ReadError as err:
            summary.skipped.append(str(err))
            continue
        result = extract_document(document, extractor, year=year, doc_no=doc_no, keep_candidates=True)
        doc_rows = document_rows(doc, document.text, result)
        summary.documents += 1
        summary.claims += sum(r["tool"] == "claim" for r in doc_rows)
        summary.numerals += sum(r["tool"] == "numeral" for r in doc_rows)
        rows.extend(doc_rows)
    write_workbook(Path(out), [
        Sheet(GOLD_SHEET, ANNOTATE_COLUMNS, rows, highlight=("context", "hl_start", "hl_end")),
        Sheet("how_to", ["topic", "explanation"], [{"topic": t, "explanation": e} for t, e in HOW_TO],
              wrap=("explanation",)),
    ])
    return summary


# --- reading it back -------------------------------------------------------------------------


def read_annotated(path: Path) -> Gold:
    """Gold rows of a marked sheet: rows marked correct or missing; their documents are scored.

    A sheet without a `status` column is read as a plain gold table (every row is gold).
    """
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[GOLD_SHEET] if GOLD_SHEET in wb.sheetnames else wb.worksheets[0]
        records = ws.iter_rows(values_only=True)
        header = [_cell(v).lower() for v in next(records, ())]
        if "doc" not in header or "num_start" not in header:
            raise GoldError(f"{path}: sheet {ws.title!r} has no doc and num_start columns")
        return _gold_of(path, header, records)
    finally:
        wb.close()


def _gold_of(path: Path, header: list[str], records: Iterator[tuple]) -> Gold:
    """Gold rows, reviewed documents, and warnings about unmarked rows."""
    gold = Gold([], set())
    unmarked: list[str] = []          # doc of each unmarked row
    has_status = "status" in header
    for line, values in enumerate(records, start=2):
        raw = {name: _cell(v) for name, v in zip(header, values, strict=False) if name}
        if not any(raw.values()):
            continue
        status = raw.get("status", "").lower() if has_status else "correct"
        where = f"{path}:{line}"
        if status not in GOLD_STATUSES + SKIP_STATUSES:
            raise GoldError(f"{where}: status {raw.get('status')!r}; use correct, wrong, missing or leave it empty")
        if not status:
            unmarked.append(doc_name(raw.get("doc")))
            continue
        gold.docs.add(doc_name(raw.get("doc")))
        if status in GOLD_STATUSES:
            gold.rows.append(gold_row(raw, where))
    gold.warnings.extend(_unmarked_warnings(path, unmarked, gold.docs))
    return gold


def _unmarked_warnings(path: Path, unmarked: list[str], reviewed: set[str]) -> list[str]:
    """Unmarked rows in reviewed documents (their claims count as extras); documents not reviewed."""
    in_reviewed = sum(doc in reviewed for doc in unmarked)
    not_reviewed = sorted(set(unmarked) - reviewed)
    warnings = []
    if in_reviewed:
        warnings.append(f"{path}: {in_reviewed} rows not marked in reviewed documents "
                        "(ignored; the tool's claims on them count as extras)")
    if not_reviewed:
        warnings.append(f"{path}: {len(not_reviewed)} documents with no row marked are not scored: "
                        + ", ".join(not_reviewed[:10]) + (" …" if len(not_reviewed) > 10 else ""))
    return warnings


def gold_row(raw: dict[str, str], where: str) -> Row:
    """A marked row in the gold format; required is yes unless the sheet says optional."""
    row: Row = {name: raw.get(name, "") for name in GOLD_COLUMNS}
    row["required"] = "optional" if row["required"].lower() == "optional" else "yes"
    if not row["num_end"] and row["num_text"] and row["num_start"]:
        try:
            row["num_end"] = str(int(float(row["num_start"])) + len(row["num_text"]))
        except ValueError:
            pass                       # parse_offsets names the bad num_start
    return parse_offsets(row, where)


def _cell(value: object) -> str:
    """A cell as stripped text; the quote the writer puts before formula-like text removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]
    return text


# --- command line ----------------------------------------------------------------------------


def cmd_annotate(args: argparse.Namespace) -> int:
    """Handler of `extractor annotate`; exit 0, 2 (usage), 3 (some inputs skipped)."""
    if inputs_missing(args.inputs):
        return EXIT_USAGE
    if args.out.exists() and not args.force:
        print(f"error: {args.out} exists; marks in it would be lost (use --force to overwrite)", file=sys.stderr)
        return EXIT_USAGE
    summary = annotate(args.inputs, args.out, args.rules, args.year)
    for line in summary.skipped:
        print(f"skipped {line}", file=sys.stderr)
    print(f"{summary.documents} documents: {summary.claims} claims, {summary.numerals} other numerals; "
          f"wrote {args.out}")
    return EXIT_SKIPPED if summary.skipped else EXIT_OK
