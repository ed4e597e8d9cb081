"""`extractor explain`: how one sentence is read — numerals, stop-list, rules tried, claims."""

from __future__ import annotations

import json
from pathlib import Path

from .matcher import Candidate
from .models import Claim, Document
from .pipeline import Extractor, extract_document
from .script import to_simplified


def explain_data(text: str, extractor: Extractor, year: int | None = None,
                 within: tuple[str, int] | None = None) -> dict:
    """What the extractor does with `text`, as plain data (the --json output).

    `within`: (the document's text, where `text` starts in it) — a line read in its document, so
    its periods come from the document's dateline, paragraphs and headings; offsets stay the line's.
    """
    whole, offset = within or (text, 0)
    result = extract_document(Document(doc="<explain>", text=whole), extractor, year=year, keep_candidates=True)
    blocked = [{"text": text[s:e], "start": s, "end": e, "entry": entry.id, "line": entry.line}
               for s, e, entry in extractor.stoplist.blocked_spans(to_simplified(text))]
    here = [c for c in result.candidates if offset <= c.numeral.start and c.numeral.end <= offset + len(text)]
    cells = [{"source": c.source, "text": c.num_text, "start": c.num_start - offset, "end": c.num_end - offset,
              **_claim(c)} for c in result.claims
             if c.source != "text" and offset <= c.num_start and c.num_end <= offset + len(text)]
    return {"sentence": text, "document_year": {"year": result.doc_year, "source": result.year_source},
            "stoplist": blocked, "numerals": [_candidate(c, offset) for c in here], "table_cells": cells}


def _candidate(cand: Candidate, offset: int = 0) -> dict:
    n = cand.numeral
    claim = cand.claim
    return {
        "text": n.text, "start": n.start - offset, "end": n.end - offset, "value": n.value, "kind": n.kind,
        "qualifier": n.qualifier,
        "tried": [{"rule": a.rule, "matched": a.matched, "reason": a.reason, **a.parts} for a in cand.attempts],
        "claim": None if claim is None else _claim(claim),
    }


def _claim(claim: Claim) -> dict:
    return {"category": claim.category, "subject": claim.subject, "value": claim.value, "unit": claim.unit,
            "qualifier": claim.qualifier, "period": claim.period, "period_source": claim.period_source,
            "rank_of": claim.rank_of, "rule": claim.rule, "claim_text": claim.claim_text,
            "indicator": claim.indicator, "place": claim.place, "scope": claim.scope}


def explain_tree(data: dict) -> str:
    """The explain data as a readable tree."""
    lines = [f"sentence: {data['sentence']}"]
    year = data["document_year"]
    lines.append(f"  document year: {year['year']} ({year['source']})")
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
        lines.append(f"    {c['source']} 「{c['text']}」 at {c['start']}-{c['end']}: {_described(c)}, "
                     f"scope {c['scope'] or '-'}")
    return "\n".join(lines)


def _described(c: dict) -> str:
    return (f"{c['category']} 「{c['subject']}」 {c['value']} {c['unit']} ({c['qualifier']}), "
            f"period {c['period']}, rank_of {c['rank_of']}, rule {c['rule']}, "
            f"indicator {c['indicator'] or '-'}, place {c['place'] or '-'}\n"
            f"      period {c['period']}: {c['period_source']}")


def explain(text: str, rules_dirs: list[Path] | None = None, year: int | None = None, as_json: bool = False,
            within: tuple[str, int] | None = None) -> str:
    """The explain output for `text` (a line of a document when `within`, see `explain_data`): a tree, or JSON."""
    data = explain_data(text, Extractor.load(rules_dirs), year, within)
    return json.dumps(data, ensure_ascii=False, indent=2) if as_json else explain_tree(data)


def line_of(path: Path, line: int) -> tuple[str, str, int]:
    """Line `line` (1-based) of a document, read as the run reads it: (the line, the document's
    text, where the line starts in it)."""
    from .reader import read_document

    text = read_document(path, path.name).text
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        raise ValueError(f"{path}: no line {line} (the file has {len(lines)} lines)")
    start = sum(len(x) + 1 for x in lines[:line - 1])
    return lines[line - 1], text, start
