"""The data that flows through the pipeline: documents, sentences, numerals, claims."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from .script import to_simplified

TOOL = "cn-stat-extractor"         # the distribution's name, in the manifest and report.html's generator tag
VERSION = "0.1.0"                  # its version (pyproject.toml reads it from here), in the manifest
MANIFEST = "run.json"              # written last into an output folder: the files of one run

# Column order of claims.csv / the `claims` sheet. More columns may follow these.
CLAIM_COLUMNS = [
    "doc", "claim_id", "category", "subject", "value", "value_high", "unit", "qualifier",
    "rank_of", "period", "scope", "num_text", "num_start", "num_end", "claim_text",
    "claim_start", "claim_end", "line", "sentence", "rule", "parent", "subject_simplified", "indicator", "place",
    "source",
]


MAX_SENTENCE_CHARS = 1_000      # a longer sentence is quoted as a window around its claim
WINDOW_CHARS = 300              # characters kept either side of the claim in such a window
CUT_MARK = "[…]"                # marks where a quoted sentence was cut
FIGURE_SPACES = " \u00a0"        # the spaces some texts put around a figure (2023 年 · 约 62 件)
BEFORE_WINDOW = 300             # characters before a number read for its scope, place and measure
                                # words: a whole sentence of normal length, a bounded cost in any


def sentence_window(sentence: str, start: int, end: int) -> tuple[str, int, int]:
    """`sentence` as an output quotes it, with the claim at [start, end) of it moved along: the
    whole sentence, or for a very long one (over MAX_SENTENCE_CHARS) WINDOW_CHARS either side of
    the claim, each cut marked with CUT_MARK. Output stays linear in the text, however many
    claims a sentence holds."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence, start, end
    begin, stop = max(0, start - WINDOW_CHARS), min(len(sentence), max(end, start) + WINDOW_CHARS)
    head = CUT_MARK if begin > 0 else ""
    tail = CUT_MARK if stop < len(sentence) else ""
    shift = len(head) - begin
    return head + sentence[begin:stop] + tail, start + shift, end + shift


# Units that count the same thing: a total in 名 has its parts in 人 (2.1万名干部…其中中管干部31人).
_SAME_UNIT = {"名": "人"}


def unit_key(unit: str) -> str:
    """The unit a total and its parts are compared in."""
    return _SAME_UNIT.get(unit, unit)


@dataclass
class Document:
    """A decoded input document. Every offset in the pipeline refers to `text`."""

    doc: str                      # path relative to the input folder it was found under
    text: str                     # decoded, newlines normalised to "\n", no BOM
    path: str = ""                # path on disk
    encoding: str = "utf-8"
    problems: list[str] = field(default_factory=list)


class Sentence(NamedTuple):
    """A sentence of a document with its offsets (end exclusive) and 1-based line number.

    A named tuple: a document has thousands, and a frozen dataclass takes 4× longer to build."""

    start: int
    end: int
    text: str
    line: int
    is_heading: bool = False       # a short stand-alone line such as 一、2021年工作回顾


class Numeral(NamedTuple):
    """A number found in text.

    `start`/`end`/`text` cover the numeral as written (`70.9` of 70.9%, `百分之七十`, `9.3万`,
    `第五`, `ｘ`); qualifier words (余, 约, 以上 …) are not part of it. A named tuple, like
    `Sentence`: a frozen dataclass takes 4× longer to build.
    """

    start: int
    end: int
    text: str
    value: float | int | None          # None when redacted
    kind: str = "count"                 # count, percent, fraction, ordinal, points, times, year, redacted
    qualifier: str = "exact"            # exact, approx, over, under, redacted
    value_high: float | int | None = None   # upper bound of a range (3至5, 三四)
    unit_hint: str = ""                 # % for percents and fractions, else ""


@dataclass
class Claim:
    """One statistical claim: a numeral, what it counts, and where it stands in the text."""

    doc: str
    category: str
    subject: str
    value: float | int | None
    unit: str
    num_text: str
    num_start: int
    num_end: int
    claim_text: str
    claim_start: int
    claim_end: int
    line: int
    sentence: str
    rule: str
    qualifier: str = "exact"
    value_high: float | int | None = None
    rank_of: int | None = None
    period: int | None = None
    scope: str = ""
    parent: str = ""
    claim_id: str = ""
    sentence_start: int = 0
    subject_simplified: str = ""     # `subject` in simplified characters, so both scripts aggregate
    indicator: str = ""              # the measure (rules/indicators.yaml), "" when none fits
    place: str = ""                  # the body or area the figure is about (全县, 云溪县, 县纪委监委)
    period_source: str = ""          # where `period` came from (for explain), not a column
    source: str = "text"             # "text", or "table T r R c C" (1-based) for a figure in a table cell
    table_role: str = ""             # of a table cell: "row-total" (合计 row), "col-total", "part" (其中 row), space-joined

    def __post_init__(self) -> None:
        if not self.subject_simplified:
            self.subject_simplified = to_simplified(self.subject)

    @property
    def base_rule(self) -> str:
        """The id of the rule whose reading the claim has (without +inherited, +after 起)."""
        return self.rule.split("+")[0]

    def rename(self, subject: str) -> None:
        """Give the claim another subject; `subject_simplified` follows it."""
        self.subject, self.subject_simplified = subject, to_simplified(subject)

    def row(self) -> dict:
        """The claim as an output row, columns in CLAIM_COLUMNS order."""
        return {name: getattr(self, name) for name in CLAIM_COLUMNS}
