"""A whole run: read every document, extract and audit its claims, write the outputs.

Outputs in the output folder: claims.csv, checks.csv, claims.xlsx (sheets claims, checks,
summary, documents, rules) and report.html.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .audit import CHECK_COLUMNS, STATUS_ORDER, Check, audit_corpus, audit_document, claim_status
from .models import CLAIM_COLUMNS, Claim
from .pipeline import DocumentResult, Extractor, extract_document
from .reader import ReadError, find_documents, read_document
from .report import ReportDoc, write_report
from .writers import Sheet, write_csv, write_workbook

DOCUMENT_COLUMNS = ["doc", "encoding", "claims", "year", "problems"]
OUTPUT_CLAIM_COLUMNS = [*CLAIM_COLUMNS, "check_status"]
CATEGORIES = ["discipline", "case", "risk", "ranking", "activity", "share", "money"]


@dataclass
class RunSummary:
    """What a run did, for the summary line and the exit status."""

    documents: int = 0
    skipped: list[str] = field(default_factory=list)       # "file: reason" for unreadable files
    by_category: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    document_rows: list[dict] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)

    @property
    def claims(self) -> int:
        return sum(self.by_category.values())


def iter_results(inputs: list[Path], extractor: Extractor, year: int | None, summary: RunSummary,
                 progress: bool = False, exclude: Path | None = None) -> Iterator[tuple[str, DocumentResult]]:
    """(text, result) document by document; unreadable files are recorded in `summary` and skipped.

    Files under `exclude` (the output folder, when it lies inside an input) are not read.
    """
    found = [(path, doc) for path, doc in find_documents(inputs) if not _inside(path, exclude)]
    for doc_no, (path, doc) in enumerate(_progress(found, progress), start=1):
        try:
            document = read_document(path, doc)
        except ReadError as err:
            summary.skipped.append(str(err))
            summary.document_rows.append({"doc": doc, "claims": 0, "problems": err.reason})
            continue
        result = extract_document(document, extractor, year=year, doc_no=doc_no)
        summary.documents += 1
        summary.by_category.update(c.category for c in result.claims)
        summary.document_rows.append({"doc": doc, "encoding": document.encoding, "claims": len(result.claims),
                                      "year": result.doc_year, "problems": "; ".join(document.problems)})
        yield document.text, result


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and folder.resolve() in path.resolve().parents


def _progress(items: list, enabled: bool):
    if not enabled or len(items) < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, unit="doc", leave=False)


def claim_rows(claims: list[Claim], status: dict[str, str]) -> list[dict]:
    """Output rows, with the check status and the claim's place in its sentence (for the highlight)."""
    rows = []
    for claim in claims:
        row = claim.row()
        row["check_status"] = status.get(claim.claim_id, "")
        row["hl_start"] = claim.claim_start - claim.sentence_start
        row["hl_end"] = claim.claim_end - claim.sentence_start
        rows.append(row)
    return rows


def summary_rows(claims: list[Claim], checks: list[Check]) -> list[dict]:
    """The `summary` sheet: claims per document × category, then checks per status."""
    per_doc: dict[str, Counter] = {}
    for claim in claims:
        per_doc.setdefault(claim.doc, Counter())[claim.category] += 1
    rows = [{"table": "claims", "key": doc, **counts, "total": sum(counts.values())}
            for doc, counts in per_doc.items()]
    statuses = Counter(c.status for c in checks)
    rows += [{"table": "checks", "key": status, "total": statuses[status]} for status in STATUS_ORDER]
    return rows


def run(inputs: list[Path], rules_dir: Path | list[Path] | None, out_dir: Path, year: int | None = None,
        progress: bool = False) -> RunSummary:
    """Extract and audit the claims of `inputs`; write every output into `out_dir`."""
    extractor = Extractor.load(rules_dir)
    summary = RunSummary()
    claims: list[Claim] = []
    checks: list[Check] = []
    report_docs: list[ReportDoc] = []
    for text, result in iter_results(inputs, extractor, year, summary, progress, exclude=out_dir):
        doc_checks = audit_document(result.claims)
        claims.extend(result.claims)
        checks.extend(doc_checks)
        report_docs.append(ReportDoc(result.doc, text, result.claims, doc_checks, {}))
    checks.extend(audit_corpus(claims))
    status = claim_status(claims, checks)
    for doc in report_docs:
        doc.status = {c.claim_id: status.get(c.claim_id, "") for c in doc.claims}
    summary.by_status.update(c.status for c in checks)
    _write_outputs(out_dir, claim_rows(claims, status), checks, summary, extractor, report_docs)
    return summary


def _write_outputs(out_dir: Path, rows: list[dict], checks: list[Check], summary: RunSummary,
                   extractor: Extractor, report_docs: list[ReportDoc]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in ("claims.csv", "checks.csv", "claims.xlsx", "report.html")}
    check_rows = [c.row() for c in checks]
    write_csv(paths["claims.csv"], rows, OUTPUT_CLAIM_COLUMNS)
    write_csv(paths["checks.csv"], check_rows, CHECK_COLUMNS)
    all_claims = [c for d in report_docs for c in d.claims]
    write_workbook(paths["claims.xlsx"], [
        Sheet("claims", OUTPUT_CLAIM_COLUMNS, rows, highlight=("sentence", "hl_start", "hl_end"),
              wrap=("sentence", "claim_text"), fills="check_status"),
        Sheet("checks", CHECK_COLUMNS, check_rows, wrap=("message", "sentence"), fills="status"),
        Sheet("summary", ["table", "key", *CATEGORIES, "total"], summary_rows(all_claims, checks)),
        Sheet("documents", DOCUMENT_COLUMNS, summary.document_rows),
        Sheet("rules", ["rule", "category", "pattern", "file", "line"], extractor.ruleset.table()),
    ])
    write_report(paths["report.html"], report_docs)
    summary.outputs = list(paths.values())
