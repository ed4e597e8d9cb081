"""Property tests (hypothesis): numerals round-trip, scripts and widths do not matter, context
does not move a claim, and the reader survives any bytes."""

from pathlib import Path

import cn2an
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.models import Document
from extractor.numerals import find_numerals, parse_numeral
from extractor.pipeline import Extractor, extract_document
from extractor.reader import ReadError, read_document

ROOT = Path(__file__).resolve().parent.parent
EXTRACTOR = Extractor.load(ROOT / "rules")
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
# Filler without digits, numeral characters, units or separators that could form a claim.
FILLER = st.text(alphabet="的了在和是我们要把工作建设推进落实加强监督管理制度群众服务发展", max_size=30)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["low", "up"]))
def test_an2cn_output_normalises_back(number, mode):
    written = cn2an.an2cn(number, mode)
    assert parse_numeral(written) == number
    found = find_numerals(written + "人")
    assert [n.value for n in found] == [number] and found[0].text == written


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_full_width_equals_half_width(whole, decimals):
    half = f"{whole}.{decimals:02d}万人"
    full = half.translate(FULL_WIDTH)
    assert [n.value for n in find_numerals(full)] == [n.value for n in find_numerals(half)]


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=80)
@given(FILLER, FILLER, st.integers(min_value=1, max_value=10**6))
def test_text_around_a_claim_changes_neither_value_nor_offsets(before, after, number):
    claim = f"党纪处分{number}人"
    text = f"{before}。{claim}。{after}"
    claims = extract_document(Document("d", text), EXTRACTOR).claims
    assert [(c.value, c.unit, c.category) for c in claims] == [(number, "人", "discipline")]
    start = len(before) + 1 + len("党纪处分")
    assert (claims[0].num_start, claims[0].num_end) == (start, start + len(str(number)))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600), st.sampled_from([".txt", ".docx", ".pdf", ".html"]))
def test_the_reader_never_raises_anything_but_read_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"random{suffix}"
    path.write_bytes(data)
    try:
        document = read_document(path, path.name)
    except ReadError:
        return
    assert "\r" not in document.text
