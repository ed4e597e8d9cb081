"""What every command line of the extractor shares: exit statuses, the --rules option, input checks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .reader import printable

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SKIPPED = 0, 1, 2, 3
EXIT_INTERRUPTED = 130           # Ctrl-C, as shells report it


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    """--rules DIR, repeatable: later folders extend or override earlier ones."""
    parser.add_argument("--rules", type=Path, action="append", default=None, metavar="DIR",
                        help="rules folder (default: rules/); repeat to add folders, later ones extend or override")


def inputs_missing(inputs: list[Path]) -> bool:
    """True (after saying which) when an input file or folder does not exist."""
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        loops = [p for p in missing if Path(p).is_symlink()]
        what = "a symbolic link that leads nowhere (or in a loop)" if loops == missing else "no such input"
        print(f"error: {what}: {', '.join(printable(p) for p in missing)}", file=sys.stderr)
    return bool(missing)

