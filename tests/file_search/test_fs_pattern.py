"""Query parsing (nucleo Pattern::parse with CaseMatching::Ignore, Normalization::Smart)."""
from __future__ import annotations

import pytest

from codex.file_search.pattern import EXACT, FUZZY, POSTFIX, PREFIX, SUBSTRING, narrows, parse, split_atoms


def needles(q):
    return [("".join(map(chr, a.needle)), a.kind, a.negative) for a in parse(q)]


def test_split_on_unescaped_whitespace():
    assert split_atoms("a b") == ["a", "b"]
    assert split_atoms("a\\ b c") == ["a\\ b", "c"]
    assert split_atoms("a  b") == ["a", "", "b"]
    assert needles("a\\ b c") == [("a b", FUZZY, False), ("c", FUZZY, False)]
    assert needles("   ") == []


@pytest.mark.parametrize("query, expected", [
    ("foo", [("foo", FUZZY, False)]),
    ("'foo", [("foo", SUBSTRING, False)]),
    ("^foo", [("foo", PREFIX, False)]),
    ("foo$", [("foo", POSTFIX, False)]),
    ("^foo$", [("foo", EXACT, False)]),
    ("'foo$", [("foo", EXACT, False)]),
    ("!foo", [("foo", SUBSTRING, True)]),
    ("!^foo", [("foo", PREFIX, True)]),
    ("!foo$", [("foo", POSTFIX, True)]),
    ("\\!foo", [("!foo", FUZZY, False)]),
    ("\\^foo", [("^foo", FUZZY, False)]),
    ("\\'foo", [("'foo", FUZZY, False)]),
    ("foo\\$", [("foo$", FUZZY, False)]),
    ("!", []),
    ("^", []),
    ("$", []),
    ("a\\", [("a\\", FUZZY, False)]),
])
def test_atom_syntax(query, expected):
    assert needles(query) == expected


def test_case_is_ignored_and_needles_lowered():
    (a,) = parse("ReadMe")
    assert a.ignore_case and a.needle_bytes == b"readme"
    (u,) = parse("CAFÉ")
    assert u.ignore_case and "".join(map(chr, u.needle)) == "café"


def test_smart_normalization():
    assert parse("cafe")[0].normalize is True
    assert parse("café")[0].normalize is False      # é would be normalized: match literally
    assert parse("日本")[0].normalize is True        # nothing to normalize


@pytest.mark.parametrize("old, new, ok", [
    ("ma", "mai", True), ("ma", "ma in", True), ("ma ", "ma x", True), ("", "a", False),
    ("ab", "b", False), ("!ab", "!abc", False), ("ab$", "ab$c", False), ("a\\", "a\\ b", False),
    ("^ab", "^abc", True), ("'ab", "'ab$", True), ("x !ab", "x !ab y", False), ("x !ab ", "x !ab y", True),
])
def test_narrows(old, new, ok):
    assert narrows(old, new) is ok
