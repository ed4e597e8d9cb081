"""The pipeline for one document: sentences → numerals → rules → context. No I/O here."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .context import resolve_parents, resolve_rank_fields, resolve_scopes, resolve_sums
from .indicators import Indicators, assign_indicators
from .matcher import Attempt, Candidate, SentenceMatcher
from .models import Claim, Document, Numeral, Sentence
from .numerals import find_numerals
from .periods import DocumentYear, DocumentYears, resolve_periods, text_year
from .rules import RuleSet, installed_rules_dir, load_rules
from .script import to_simplified
from .sentences import split_sentences
from .stoplist import StopList
from .tables import (
    Table,
    TableClaim,
    TableWords,
    find_tables,
    link_table_parts,
    load_table_words,
    table_claims,
)

DEFAULT_RULES = Path("rules")


def default_rules_dir() -> Path:
    """`rules/` in the working folder, else the rules installed with the package."""
    if DEFAULT_RULES.is_dir():
        return DEFAULT_RULES
    return installed_rules_dir()


@dataclass
class Extractor:
    """Rules and stop-list compiled once, shared by every document of a run."""

    ruleset: RuleSet
    stoplist: StopList
    matcher: SentenceMatcher
    tables: TableWords
    indicators: Indicators

    @classmethod
    def load(cls, rules_dirs: Path | str | Sequence[Path | str] | None = None, validate: bool = True) -> Extractor:
        """Rules of one folder, or of several (later folders extend or override earlier ones);
        `validate=False`: rule files known to pass rules/schema.json."""
        folders = rules_folders(rules_dirs)
        ruleset = load_rules(folders, validate)
        tables = load_table_words(folders, installed_rules_dir())
        return cls(ruleset, _stoplist(folders), SentenceMatcher(ruleset), tables, Indicators.load(folders))


def rules_folders(rules_dirs: Path | str | Sequence[Path | str] | None) -> list[Path]:
    """The rules folders a run reads: those given, else the default one."""
    if not rules_dirs:
        return [default_rules_dir()]
    if isinstance(rules_dirs, (str, Path)):
        return [Path(rules_dirs)]
    return [Path(f) for f in rules_dirs]


def _stoplist(folders: list[Path]) -> StopList:
    """The stop-lists of all folders (each folder's stoplist.yaml, where there is one), merged."""
    lists = [StopList.load(f / "stoplist.yaml") for f in folders if (f / "stoplist.yaml").is_file()]
    if len(lists) == 1:
        return lists[0]
    entries = [e for stop in lists for e in stop.entries]
    examples = [x for stop in lists for x in stop.examples]
    return StopList.from_entries(entries, examples)


@dataclass
class DocumentResult:
    """What one document gave: its claims, the year it speaks from, and every candidate (for explain)."""

    doc: str
    claims: list[Claim]
    doc_year: int | None
    candidates: list[Candidate] = field(default_factory=list)
    year_source: str = ""          # where doc_year was read (dateline line 2, title line 1 …)
    timeouts: dict[str, int] = field(default_factory=dict)   # rule → numerals its regex timed out on
    tables: list[Table] = field(default_factory=list)


def numerals_of(text: str, simplified: str, stoplist: StopList) -> list[Numeral]:
    """Numerals of the document, found on the simplified view, reported in the original script."""
    found = find_numerals(simplified, stoplist)
    if simplified is text:                      # a simplified text: the spans are the original's
        return found
    return [n._replace(text=text[n.start:n.end]) for n in found]


def extract_document(document: Document, extractor: Extractor, year: int | None = None,
                     doc_no: int = 1, keep_candidates: bool = False) -> DocumentResult:
    """Claims of one document, with ids, periods, scopes, parents, indicators and places resolved."""
    extractor.matcher.take_timeouts()          # counted per document
    text = document.text
    simplified = to_simplified(text)
    numerals = numerals_of(text, simplified, extractor.stoplist)
    # A line without numerals is not split: its year is read without sentences (`text_year`).
    split = split_sentences(text) if numerals or "\n" in text else None
    sentences = split or []
    claims: list[Claim] = []
    kept: list[Candidate] = []
    last_count: Claim | None = None          # the last claim that is no share: parts take its reading
    for sentence, found in _by_sentence(sentences, numerals):
        own = simplified[sentence.start:sentence.end]
        candidates = extractor.matcher.match(document.doc, sentence, own, found, last_count, keep_candidates)
        for c in candidates:
            if c.claim:
                claims.append(c.claim)
                last_count = c.claim if c.claim.unit != "%" else last_count
        if keep_candidates:
            kept.extend(candidates)
    claims = resolve_rank_fields(claims, sentences)
    if keep_candidates:
        _note_dropped(kept, claims)
    years = DocumentYears(simplified, split)
    speaks_from = text_year(text, years, year)
    tables = find_tables(text, extractor.tables)
    cells = _table_cells(document, tables, extractor, sentences, speaks_from.year)
    if tables:
        claims = [c for c in claims if not any(t.reads(c.num_start) for t in tables)]
        claims = sorted(claims + [t.claim for t in cells], key=lambda c: c.num_start)
    for n, claim in enumerate(claims, start=1):
        claim.claim_id = f"{doc_no:04d}-{n:04d}"
    if claims:                                  # a document (or line) without claims needs no context
        _resolve_context(claims, cells, text, sentences, speaks_from, years, extractor)
    return DocumentResult(document.doc, claims, speaks_from.year, kept, speaks_from.source,
                          extractor.matcher.take_timeouts(), tables)


def _resolve_context(claims: list[Claim], cells: list[TableClaim], text: str, sentences: list[Sentence],
                     speaks_from: DocumentYear, years: DocumentYears, extractor: Extractor) -> None:
    """Periods, scopes, sums of named parts, parents, indicators and places of the claims of one document."""
    resolve_periods(claims, sentences, speaks_from, years)
    in_text = [c for c in claims if c.source == "text"]
    resolve_scopes(in_text)
    resolve_sums(in_text, extractor.matcher.fallback_ids)
    resolve_parents(in_text)
    for cell in cells:
        if cell.period is not None:
            cell.claim.period, cell.claim.period_source = cell.period, "the headers of its table"
    link_table_parts([c.claim for c in cells])
    assign_indicators(claims, text, extractor.indicators)


def _table_cells(document: Document, tables: list[Table], extractor: Extractor, sentences: list[Sentence],
                 doc_year: int | None) -> list[TableClaim]:
    """Claims of the figures in the document's tables, each placed in the sentence (row) it stands in."""
    found = [t for table in tables
             for t in table_claims(table, extractor.tables, extractor.matcher, extractor.stoplist,
                                   document.doc, doc_year)]
    if not found:
        return found
    starts = [s.start for s in sentences]
    for item in found:
        sentence = sentences[bisect_right(starts, item.claim.num_start) - 1]
        item.claim.sentence, item.claim.sentence_start, item.claim.line = sentence.text, sentence.start, sentence.line
    return found


def _note_dropped(candidates: list[Candidate], claims: list[Claim]) -> None:
    """Candidates whose claim context resolution dropped (a ranking's field) say so, for explain."""
    still = {id(c) for c in claims}
    for cand in candidates:
        if cand.claim is not None and id(cand.claim) not in still:
            cand.claim = None
            cand.attempts.append(Attempt("-", False, "is the size of the field of a ranking (its rank_of)"))


def _by_sentence(sentences: list[Sentence], numerals: list[Numeral]) -> Iterator[tuple[Sentence, list[Numeral]]]:
    """Pairs (sentence, its numerals) in order, for the sentences that hold numerals (found by
    bisection: a document's other sentences cost nothing); a numeral outside any sentence, or
    across a sentence's end, is dropped."""
    starts = [s.start for s in sentences] if numerals else []
    i = 0
    while i < len(numerals):
        k = bisect_right(starts, numerals[i].start) - 1
        sentence = sentences[k] if k >= 0 else None
        found = []
        while sentence is not None and i < len(numerals) and numerals[i].end <= sentence.end:
            found.append(numerals[i])
            i += 1
        if found:
            yield sentence, found
        else:
            i += 1
