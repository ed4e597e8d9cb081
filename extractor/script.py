"""The simplified view of a text: traditional → simplified characters and full-width digits →
ASCII digits (２０２３ → 2023), one character for one, so offsets hold."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    """str.translate table from OpenCC's character dictionary (first simplified reading)."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        simp = simp.split(" ")[0]
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            table[ord(trad)] = simp
    table.update({0xFF10 + i: str(i) for i in range(10)})      # ０-９: every [0-9] of the rules reads them
    return table


@lru_cache(maxsize=1)
def _traditional() -> re.Pattern[str]:
    """A character of the table — or any astral one, which keeps the class a fast BMP bitmap."""
    bmp = "".join(re.escape(chr(code)) for code in sorted(_table()) if code <= 0xFFFF)
    return re.compile(f"[{bmp}\U00010000-\U0010ffff]")


def to_simplified(text: str) -> str:
    """`text` with traditional characters replaced by simplified ones and full-width digits by
    ASCII ones; same length.

    A simplified text (most are) is returned as it is after one search at C speed.
    """
    return text.translate(_table()) if _traditional().search(text) else text
