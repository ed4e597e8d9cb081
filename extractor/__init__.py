"""Statistics extractor for Chinese official texts.

Pipeline, one module a step: reader (read documents) → sentences (split, keep offsets) →
numerals (find numbers) → matcher + rules (apply rules) → context (year, 其中 parts) →
writers (CSV, XLSX). `pipeline` runs the steps for one document, `run` for a whole corpus.
"""

from . import changes  # noqa: F401  (registers the check kinds change, difference, rate, respectively)
from .api import extract, extract_text, panel, series
from .models import Claim

__all__ = ["Claim", "extract", "extract_text", "panel", "series"]
