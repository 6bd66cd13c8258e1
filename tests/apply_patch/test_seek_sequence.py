"""seek_sequence, both twins (`seek_impl` is parametrized in conftest.py)."""

from __future__ import annotations

import random

import pytest

import codex.apply_patch.seek_sequence as facade
from codex.apply_patch import seek_sequence_py

from .conftest import load_seek_twin


def test_exact_match(seek_impl):
    assert seek_impl.seek_sequence(["foo", "bar", "baz"], ["bar", "baz"], 0, False) == 1


def test_rstrip_match_ignores_trailing_whitespace(seek_impl):
    assert seek_impl.seek_sequence(["foo   ", "bar\t\t"], ["foo", "bar"], 0, False) == 0


def test_trim_match_ignores_leading_and_trailing_whitespace(seek_impl):
    assert seek_impl.seek_sequence(["    foo   ", "   bar\t"], ["foo", "bar"], 0, False) == 0


def test_pattern_longer_than_input(seek_impl):
    assert seek_impl.seek_sequence(["just one line"], ["too", "many", "lines"], 0, False) is None


def test_empty_pattern_matches_at_start(seek_impl):
    assert seek_impl.seek_sequence(["a"], [], 5, False) == 5
    assert seek_impl.seek_sequence([], [], 0, True) == 0


def test_start_after_the_last_position(seek_impl):
    assert seek_impl.seek_sequence(["a", "b"], ["b"], 2, False) is None
    assert seek_impl.seek_sequence(["a", "b"], ["b"], 1, False) == 1


def test_passes_are_ordered_over_all_positions(seek_impl):
    # A later exact match wins over an earlier whitespace-insensitive one.
    lines = ["foo ", "x", "foo"]
    assert seek_impl.seek_sequence(lines, ["foo"], 0, False) == 2
    # rstrip beats trim even when the trim match comes first.
    lines = ["  foo", "foo  "]
    assert seek_impl.seek_sequence(lines, ["foo"], 0, False) == 1


def test_eof_only_tries_the_last_position(seek_impl):
    lines = ["x", "y", "x", "y", "z"]
    assert seek_impl.seek_sequence(lines, ["x"], 0, True) is None
    assert seek_impl.seek_sequence(lines, ["y", "z"], 0, True) == 3
    # ... even when the cursor is already past it.
    assert seek_impl.seek_sequence(lines, ["z"], 5, True) == 4


def test_unicode_punctuation(seek_impl):
    line = "import asyncio  # local import \u2013 avoids top\u2011level dep"
    assert seek_impl.seek_sequence([line], ["import asyncio  # local import - avoids top-level dep"], 0, False) == 0
    assert seek_impl.seek_sequence(["\u201chi\u201d \u2018x\u2019"], ['"hi" \'x\''], 0, False) == 0
    assert seek_impl.seek_sequence(["a\u00a0b\u3000c"], ["a b c"], 0, False) == 0
    # Not in the table: zero-width space, U+2212 is (minus), U+FF0D (fullwidth hyphen) is not.
    assert seek_impl.seek_sequence(["a\u200bb"], ["ab"], 0, False) is None
    assert seek_impl.seek_sequence(["1 \u2212 2"], ["1 - 2"], 0, False) == 0
    assert seek_impl.seek_sequence(["1 \uff0d 2"], ["1 - 2"], 0, False) is None


def test_rust_whitespace(seek_impl):
    # U+001C..U+001F are not Unicode White_Space: not trimmed.
    assert seek_impl.seek_sequence(["foo\x1c"], ["foo"], 0, False) is None
    assert seek_impl.seek_sequence(["foo\x85"], ["foo"], 0, False) == 0
    assert seek_impl.seek_sequence(["\u2028foo"], ["foo"], 0, False) == 0
    assert seek_impl.seek_sequence(["foo\r"], ["foo"], 0, False) == 0


def test_line_index_reuses_forms(seek_impl):
    idx = seek_impl.LineIndex(["  a", "b ", "c\u2013d"])
    assert idx.seek(["a"], 0, False) == 0
    assert idx.seek(["b"], 0, False) == 1
    assert idx.seek(["c-d"], 0, False) == 2
    assert idx.seek(["c-d"], 3, False) is None
    assert idx.lines == ["  a", "b ", "c\u2013d"]


def test_normalise(seek_impl):
    assert seek_impl.normalise("  \u201cx\u201d\u2014y  ") == '"x"-y'
    assert seek_impl.PUNCTUATION == seek_sequence_py.PUNCTUATION


def test_hash_collisions_are_confirmed(seek_impl):
    # Many lines; the right one must win even if hashes were to collide.
    lines = [f"line {i}" for i in range(2000)] + ["needle", "tail"]
    assert seek_impl.seek_sequence(lines, ["needle", "tail"], 0, False) == 2000
    assert seek_impl.seek_sequence(lines, ["needle", "nope"], 0, False) is None


def test_facade_reports_its_implementation():
    assert facade.IMPLEMENTATION in ("compiled", "pure")
    expected = "pure" if facade._impl is seek_sequence_py else "compiled"
    assert facade.IMPLEMENTATION == expected


ALPHABET = ["a", "a ", " a", "b", "b\t", "\u2013", "-", "", " ", "\u00a0a", "c\u201c", 'c"', "\x1c", "d\u3000",
            "\u2000x", "x\u2001", "\u1680y", "1\u22122", "1-2", "\u201fq\u201b", "\"q'", "\u2015", "a\u2009b", "a b",
            "\u205f", "\u202fz", "\x85", "\u2028w", "e\u2011f", "e-f", "\u00e9", "\U0001f600"]


def test_twins_agree_on_random_inputs():
    compiled = load_seek_twin("compiled")
    rng = random.Random(7)
    for _ in range(6000):
        lines = [rng.choice(ALPHABET) for _ in range(rng.randint(0, 12))]
        pattern = [rng.choice(ALPHABET) for _ in range(rng.randint(0, 4))]
        start = rng.randint(0, 14)
        eof = rng.random() < 0.3
        want = seek_sequence_py.seek_sequence(lines, pattern, start, eof)
        assert compiled.seek_sequence(lines, pattern, start, eof) == want, (lines, pattern, start, eof)
        assert want == _reference_model(lines, pattern, start, eof)


def _reference_model(lines, pattern, start, eof):
    """A literal transcription of upstream's loops, as an oracle."""
    ws = "".join(chr(c) for c in (9, 10, 11, 12, 13, 32, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                                 0x2028, 0x2029, 0x202F, 0x205F, 0x3000))

    def norm(s):
        return s.strip(ws).translate(seek_sequence_py.PUNCTUATION)

    if not pattern:
        return start
    if len(pattern) > len(lines):
        return None
    search_start = len(lines) - len(pattern) if eof else start
    for f in (lambda s: s, lambda s: s.rstrip(ws), lambda s: s.strip(ws), norm):
        for i in range(search_start, len(lines) - len(pattern) + 1):
            if all(f(lines[i + j]) == f(p) for j, p in enumerate(pattern)):
                return i
    return None


@pytest.mark.parametrize("bad", [None, 3])
def test_type_errors_are_errors_not_crashes(seek_impl, bad):
    with pytest.raises(TypeError):
        seek_impl.seek_sequence(bad, ["a"], 0, False)
