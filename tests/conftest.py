"""Fixtures shared by the test modules."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _stamp_cache(tmp_path_factory):
    """The stamps of checked rule files go to a folder of this test session, not the user's cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXTRACTOR_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Path:
    """A frozen copy of rules/, so every run of a test sees the same rules."""
    target = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def write_docs(folder: Path, texts: dict[str, str]) -> Path:
    """A folder of UTF-8 documents, name → text; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
