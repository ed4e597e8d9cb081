"""`extractor explain`: how one sentence is read — numerals, stop-list, rules tried, claims."""

from __future__ import annotations

from pathlib import Path

from .models import Document
from .pipeline import Extractor, extract_document
from .script import to_simplified


def explain_sentence(text: str, rules_dir: Path | None = None, year: int | None = None) -> str:
    """A readable tree of what the extractor does with `text`."""
    extractor = Extractor.load(rules_dir)
    result = extract_document(Document(doc="<explain>", text=text), extractor, year=year, keep_candidates=True)
    lines = [f"sentence: {text}"]
    for start, end, entry in extractor.stoplist.blocked_spans(to_simplified(text)):
        lines.append(f"  stop-list: 「{text[start:end]}」 at {start}-{end} ({entry.id}, line {entry.line})")
    if not result.candidates:
        lines.append("  no numeral left to try")
    for cand in result.candidates:
        n = cand.numeral
        lines.append(f"  numeral 「{n.text}」 at {n.start}-{n.end}: value {n.value}, kind {n.kind}, "
                     f"qualifier {n.qualifier}")
        for attempt in cand.attempts:
            mark = "✔" if attempt.matched else "✘"
            lines.append(f"    {mark} {attempt.rule}: {attempt.reason}")
        if cand.claim:
            c = cand.claim
            lines.append(f"    → claim: {c.category} 「{c.subject}」 {c.value} {c.unit} ({c.qualifier}), "
                         f"period {c.period}, rank_of {c.rank_of}, rule {c.rule}")
        else:
            lines.append("    → no claim")
    return "\n".join(lines)
