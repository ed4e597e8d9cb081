"""The outputs of a run as one set: a lock on the output folder, a staging folder the run renders
into, and `publish`, which moves the finished files into place and writes the `run.json`
manifest last (inputs, counts, tool and rules versions, each file's size and SHA-256).

A run that fails or is interrupted leaves the earlier set as it was and no temporary files; a
second run into the same folder while one is under way is refused (`OutputError`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .models import MANIFEST, TOOL, VERSION

LOCK = ".lock"                      # in the output folder; held (flock) while a run writes there
STAGING_PREFIX = ".run-"            # hidden: never read as input
KNOWN_OUTPUTS = ("claims.csv", "checks.csv", "panel.csv", "claims.xlsx", "report.html", "claims.parquet")


class OutputError(Exception):
    """The output folder cannot be used: one line for the user."""


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output folder that is a file (or lies under one) before anything is done."""
    for folder in (out_dir, *out_dir.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise OutputError(f"--out {out_dir}: {folder} is not a folder")
            return


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the lock of `out_dir` (created if need be) for the block; OutputError when another
    run holds it or the folder cannot be made."""
    import fcntl

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = os.open(out_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise OutputError(f"--out {out_dir}: cannot write there ({err.strerror or err})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EAGAIN, errno.EACCES):
                raise OutputError(f"--out {out_dir}: another run is writing there; wait for it or choose "
                                  "another folder") from None
            raise
        yield
    finally:
        os.close(handle)                    # releases the lock


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A fresh hidden folder inside `out_dir` (same file system: moves are renames), removed
    with whatever is left in it when the block ends."""
    folder = out_dir / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
    try:
        folder.mkdir()
    except OSError as err:
        raise OutputError(f"--out {out_dir}: cannot write there ({err.strerror or err})") from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish(staged: Path, out_dir: Path, names: list[str], manifest: dict) -> list[Path]:
    """Move the files `names` of `staged` into `out_dir`, drop earlier outputs this run did not
    make (so no file of another run stays beside them), and write the manifest with each file's
    size and hash last. The earlier manifest goes first: a set cut short has none. Ctrl-C is
    ignored while the files move (milliseconds): the run has finished by then."""
    files = {}
    for name in names:
        files.update(_described(staged / name))
    with _interrupts_deferred():
        _move_into_place(staged, out_dir, names, {**manifest, "finished": _now(), "files": files})
    return [out_dir / name for name in names]


def _move_into_place(staged: Path, out_dir: Path, names: list[str], manifest: dict) -> None:
    (out_dir / MANIFEST).unlink(missing_ok=True)
    for name in KNOWN_OUTPUTS:
        target = out_dir / name
        if name in names or target.exists():
            _remove(target)
        if name in names:
            os.replace(staged / name, target)
    tmp = staged / MANIFEST
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / MANIFEST)


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Ignore Ctrl-C (SIGINT) during the block, in the main thread: once the set is moving into
    place the run has finished its work, and a set cut in the middle would mix two runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def manifest_head(inputs: list[Path], rules: list[Path]) -> dict:
    """What the manifest says of the run before any document is read."""
    return {"tool": TOOL, "version": VERSION, "started": _now(),
            "inputs": [str(p) for p in inputs],
            "rules": {"folders": [str(f) for f in rules], "sha256": rules_hash(rules)}}


def rules_hash(folders: list[Path]) -> str:
    """SHA-256 over the rule files of `folders` (names and contents, in order): the rules version."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(Path(folder).glob("*.yaml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _described(path: Path) -> dict[str, dict]:
    """name → {bytes, sha256} for a file, or for each file of a folder (name/part)."""
    paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {p.relative_to(path.parent).as_posix(): {"bytes": p.stat().st_size, "sha256": file_hash(p)}
            for p in paths}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
