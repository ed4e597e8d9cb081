"""`extractor explain`: how one sentence is read — numerals, stop-list, rules tried, claims."""

from __future__ import annotations

import json
from pathlib import Path

from .matcher import Candidate
from .models import Claim, Document
from .pipeline import Extractor, extract_document
from .script import to_simplified


def explain_data(text: str, extractor: Extractor, year: int | None = None) -> dict:
    """What the extractor does with `text`, as plain data (the --json output)."""
    result = extract_document(Document(doc="<explain>", text=text), extractor, year=year, keep_candidates=True)
    blocked = [{"text": text[s:e], "start": s, "end": e, "entry": entry.id, "line": entry.line}
               for s, e, entry in extractor.stoplist.blocked_spans(to_simplified(text))]
    cells = [{"source": c.source, "text": c.num_text, "start": c.num_start, "end": c.num_end, **_claim(c)}
             for c in result.claims if c.source != "text"]
    return {"sentence": text, "stoplist": blocked, "numerals": [_candidate(c) for c in result.candidates],
            "table_cells": cells}


def _candidate(cand: Candidate) -> dict:
    n = cand.numeral
    claim = cand.claim
    return {
        "text": n.text, "start": n.start, "end": n.end, "value": n.value, "kind": n.kind, "qualifier": n.qualifier,
        "tried": [{"rule": a.rule, "matched": a.matched, "reason": a.reason, **a.parts} for a in cand.attempts],
        "claim": None if claim is None else _claim(claim),
    }


def _claim(claim: Claim) -> dict:
    return {"category": claim.category, "subject": claim.subject, "value": claim.value, "unit": claim.unit,
            "qualifier": claim.qualifier, "period": claim.period, "rank_of": claim.rank_of, "rule": claim.rule,
            "claim_text": claim.claim_text, "scope": claim.scope}


def explain_tree(data: dict) -> str:
    """The explain data as a readable tree."""
    lines = [f"sentence: {data['sentence']}"]
    for b in data["stoplist"]:
        lines.append(f"  stop-list: 「{b['text']}」 at {b['start']}-{b['end']} (entry {b['entry']}, "
                     f"stoplist.yaml line {b['line']}): its numerals are no statistics")
    if not data["numerals"]:
        lines.append("  no numeral left to try")
    for n in data["numerals"]:
        lines.append(f"  numeral 「{n['text']}」 at {n['start']}-{n['end']}: value {n['value']}, "
                     f"kind {n['kind']}, qualifier {n['qualifier']}")
        for t in n["tried"]:
            parts = ", ".join(f"{k}「{v}」" for k, v in t.items() if k not in ("rule", "matched", "reason"))
            lines.append(f"    {'✔' if t['matched'] else '✘'} {t['rule']}: {t['reason']}" + (f" ({parts})" if parts else ""))
        c = n["claim"]
        lines.append("    → no claim" if c is None else f"    → claim: {_described(c)}")
    if data.get("table_cells"):
        lines.append("  in tables (these readings replace the ones above for the numerals of a table):")
    for c in data.get("table_cells", []):
        lines.append(f"    {c['source']} 「{c['text']}」 at {c['start']}-{c['end']}: {_described(c)}, scope {c['scope'] or '—'}")
    return "\n".join(lines)


def _described(c: dict) -> str:
    return (f"{c['category']} 「{c['subject']}」 {c['value']} {c['unit']} ({c['qualifier']}), "
            f"period {c['period']}, rank_of {c['rank_of']}, rule {c['rule']}")


def explain(text: str, rules_dirs: list[Path] | None = None, year: int | None = None, as_json: bool = False) -> str:
    """The explain output for `text`: a tree, or JSON."""
    data = explain_data(text, Extractor.load(rules_dirs), year)
    return json.dumps(data, ensure_ascii=False, indent=2) if as_json else explain_tree(data)


def line_of(path: Path, line: int) -> str:
    """Line `line` (1-based) of a document, read as the run reads it."""
    from .reader import read_document

    lines = read_document(path, path.name).text.split("\n")
    if not 1 <= line <= len(lines):
        raise ValueError(f"{path}: no line {line} (the file has {len(lines)} lines)")
    return lines[line - 1]
