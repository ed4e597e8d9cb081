"""Traditional → simplified characters, one character for one, so offsets hold."""

from __future__ import annotations

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
    return table


def to_simplified(text: str) -> str:
    """`text` with traditional characters replaced by simplified ones; same length."""
    return text.translate(_table())
