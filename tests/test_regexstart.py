"""What a regex's matches can start with, read from its text (extractor/regexstart.py)."""

import re
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.regexstart import first_chars, landmark, width


@pytest.mark.parametrize("pattern, chars", [
    ("第[一二]+", {"第"}),
    ("(?:第)?[一二]届", {"第", "一", "二"}),
    ("(?<![0-9])[百千]年(?!以上)", {"百", "千"}),
    (r"[\d]号", {c for c in map(chr, range(0x20000)) if c.isdecimal()}),
    (r"\u4e00|[\u4e8c-\u4e8d]", {"一", "二", "亍"}),
    (r"(?:(?<![^\n])|(?<=\n[ \t]))[一二][、.]", {"一", "二"}),
    (r"\[x\]|\\y|a{2,}|b{,3}c", {"[", "\\", "a", "b", "c"}),
    ("x{1,2}?y", {"x"}),
])
def test_first_chars(pattern, chars):
    assert first_chars(pattern) == chars


@pytest.mark.parametrize("pattern", [
    ".五", r"\s*五", "[^五]五", r"[\u4e00-\u9fff]五", "五?", "(?i)五", r"(五)\1", r"\N{DIGIT ONE}",
    "(?=五)", "五|", r"(?P<a>五)(?P=a)",
])
def test_no_first_chars(pattern):
    assert first_chars(pattern) is None


@pytest.mark.parametrize("pattern, found", [
    (r"[\u4e00-\u9fff]{1,3}一起(?:、[\u4e00-\u9fff]{1,3}一起)+", ({"一"}, 3)),
    (r".五", ({"五"}, 1)),
    (r"\w{2}x?y", ({"x", "y"}, 2)),
    (r"第?.{0,2}三", ({"第", "三"}, 2)),
    (r"(?:.一|..二)", ({"一", "二"}, 2)),
    (r".*五", None),
    (r".{1,3}", None),
    (r"五|.", None),
])
def test_landmark(pattern, found):
    got = landmark(pattern)
    assert (None if got is None else (set(got[0]), got[1])) == found


_ALPHABET = "ab一第"
_ATOMS = st.sampled_from(list(_ALPHABET) + [".", "[ab]", "[^a]", r"\d", r"\b", "^", "$", r"[\u4e00-\u9fff]"])


def _regex(depth: int = 0) -> st.SearchStrategy[str]:
    atom = _ATOMS if depth > 1 else st.one_of(
        _ATOMS,
        st.tuples(st.sampled_from(["(?:", "(", "(?=", "(?!", "(?<=", "(?<!"]),
                  st.deferred(lambda: _regex(depth + 1))).map(lambda t: f"{t[0]}{t[1]})"))
    item = st.tuples(atom, st.sampled_from(["", "", "*", "+", "?", "{1,3}", "{0,2}", "{2}", "*?"])).map("".join)
    seq = st.lists(item, min_size=1, max_size=3).map("".join)
    return st.lists(seq, min_size=1, max_size=2).map("|".join)


@settings(max_examples=300, deadline=None)
@given(_regex(), st.lists(st.text(_ALPHABET + "x ", min_size=6, max_size=6), min_size=5, max_size=5))
def test_every_match_holds_its_landmark(pattern, texts):
    regex, found = _compiled(pattern), landmark(pattern)
    if regex is None or found is None:
        return
    chars, reach = found
    for text, at, m in _matches_at_every_position(regex, texts):
        if m.end() > at:
            assert any(c in chars for c in text[at:at + reach + 1][:m.end() - at]), (pattern, text, at)


@pytest.mark.parametrize(("pattern", "most"), [
    ("abc", 3), ("a{1,3}b", 4), ("(?:第)?[一二]{1,10}届", 12), ("a(?=bcd)", 1), ("(?<=[讲])x|yz?", 2),
    ("a+", None), ("[^，]*三", None), ("a(?P=x)", None),
])
def test_width(pattern, most):
    assert width(pattern) == most


@settings(max_examples=300, deadline=None)
@given(_regex(), st.lists(st.text(_ALPHABET + "x ", min_size=8, max_size=8), min_size=5, max_size=5))
def test_no_match_is_wider_than_its_width(pattern, texts):
    """The stop-list looks for a pattern only that far before a numeral: no match may be longer."""
    regex, most = _compiled(pattern), width(pattern)
    if regex is None or most is None:
        return
    for text, at, m in _matches_at_every_position(regex, texts):
        assert m.end() - at <= most, (pattern, text, at)


def _compiled(pattern: str) -> re.Pattern[str] | None:
    """The generated pattern compiled, or None when `re` refuses it."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _matches_at_every_position(regex: re.Pattern[str], texts: list[str]) -> Iterator[tuple[str, int, re.Match[str]]]:
    """(text, position, match) for every position of every text where `regex` matches."""
    for text in texts:
        for at in range(len(text)):
            if m := regex.match(text, at):
                yield text, at, m
