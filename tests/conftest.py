"""Fixtures shared by the test modules."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Path:
    """A frozen copy of rules/, so every run of a test sees the same rules."""
    target = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target
