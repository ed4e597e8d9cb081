"""bench/quality.py: the quality table README carries, scored by the shared scorer."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _quality():
    spec = importlib.util.spec_from_file_location("quality", ROOT / "bench" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_has_a_row_per_set_and_every_field():
    quality = _quality()
    row = {"n_gold": 10, "n_pred": 9, "precision": 1.0, "recall": 0.9, "f1": 0.947,
           "fields": {f: 1.0 for f in quality.FIELDS}}
    lines = quality.table([("a set", row)]).splitlines()
    assert lines[0].split("|")[1:-1] == [" set ", " gold ", " predicted ", " P ", " R ", " F1 ",
                                         *(f" {f} " for f in quality.FIELDS)]
    assert lines[2] == "| a set | 10 | 9 | 1.000 | 0.900 | 0.947 | " + " | ".join(["1.000"] * 6) + " |"


@pytest.mark.skipif(not (SHARED / "tools" / "score.py").is_file(), reason="../shared not present")
def test_samples_scored_end_to_end(capsys):
    quality = _quality()
    assert quality.main(["--shared", str(SHARED)]) == 0
    rows = {line.split("|")[1].strip(): line for line in capsys.readouterr().out.splitlines()[2:]}
    assert {"samples", "development set"} <= set(rows)
    assert float(rows["samples"].split("|")[6]) >= 0.99          # F1 on the samples
