"""The Rust-compatible helpers: `{:?}` of strings and the `shlex` crate's split / try_join."""

from __future__ import annotations

import pytest

from codex.execpolicy._rust import QuoteError, debug_str, debug_str_list, rust_trim, shlex_split, shlex_try_join


@pytest.mark.parametrize("raw, expected", [
    ("git", '"git"'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"'), ("t\tn\nr\r", '"t\\tn\\nr\\r"'),
    ("\0", '"\\0"'), ("\x01", '"\\u{1}"'), ("\x7f", '"\\u{7f}"'), ("é'", "\"é'\""), ("\u200b", '"\\u{200b}"'),
])
def test_debug_str(raw, expected):
    assert debug_str(raw) == expected


def test_debug_str_list():
    assert debug_str_list([]) == "[]"
    assert debug_str_list(["a", 'b"']) == '["a", "b\\""]'


@pytest.mark.parametrize("text, words", [
    ("git status", ["git", "status"]),
    ("  a\t b\n c ", ["a", "b", "c"]),
    ("a 'b c' \"d e\"", ["a", "b c", "d e"]),
    ('"a\\"b\\$c\\`d\\\\e\\x"', ['a"b$c`d\\e\\x']),
    ("a\\ b \\\nc", ["a b", "c"]),
    ("a'b'\"c\"d", ["abcd"]),
    ("a # comment\nb", ["a", "b"]),
    ("# only a comment", []),
    ("a#b", ["a#b"]),
    ("''", [""]),
    ("", []),
    ("a\rb", ["a\rb"]),
    ("'unterminated", None),
    ('"unterminated', None),
    ("trailing\\", None),
])
def test_shlex_split(text, words):
    assert shlex_split(text) == words


@pytest.mark.parametrize("words, joined", [
    (["git", "status"], "git status"),
    (["a b"], "'a b'"),
    ([""], "''"),
    (["it's"], "\"it's\""),
    (["$HOME"], "'$HOME'"),
    (["^x"], "'^x'"),
    (["a'$b"], "\"a'\"'$b'"),
    (["é"], "'é'"),
    (["a=b", "x,y", "{}"], "'a=b' 'x,y' '{}'"),
    (["+-./:@]_"], "+-./:@]_"),
])
def test_shlex_try_join(words, joined):
    assert shlex_try_join(words) == joined
    assert shlex_split(joined) == words


def test_shlex_try_join_rejects_nul():
    with pytest.raises(QuoteError):
        shlex_try_join(["a\0b"])


def test_rust_trim():
    assert rust_trim("\u3000 a \n") == "a"
    assert rust_trim("\x1c a") == "\x1c a"  # not White_Space for Rust, unlike str.strip()
