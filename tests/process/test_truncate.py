"""codex.process.truncate: ported from codex-rs/utils/string/src/truncate/tests.rs, plus the
unified-exec body format (`Total output lines: L` + head…tail) seen in the 0.136.0 captures."""
from __future__ import annotations

import pytest

from codex.process import truncate as t


def split_string(s, left, right):
    return t._split(s.encode(), s, left, right)


def test_split_string_works():
    assert split_string("hello world", 5, 5) == (1, "hello", "world")
    assert split_string("abc", 0, 0) == (3, "", "")


def test_split_string_handles_empty_string():
    assert split_string("", 4, 4) == (0, "", "")


def test_split_string_only_keeps_prefix_when_tail_budget_is_zero():
    assert split_string("abcdef", 3, 0) == (3, "abc", "")


def test_split_string_only_keeps_suffix_when_prefix_budget_is_zero():
    assert split_string("abcdef", 0, 3) == (3, "", "def")


def test_split_string_handles_overlapping_budgets_without_removal():
    assert split_string("abcdef", 4, 4) == (0, "abcd", "ef")


def test_split_string_respects_utf8_boundaries():
    assert split_string("😀abc😀", 5, 5) == (1, "😀a", "c😀")
    assert split_string("😀😀😀😀😀", 1, 1) == (5, "", "")
    assert split_string("😀😀😀😀😀", 7, 7) == (3, "😀", "😀")
    assert split_string("😀😀😀😀😀", 8, 8) == (1, "😀😀", "😀😀")


def test_truncate_with_token_budget_returns_original_when_under_limit():
    assert t.truncate_middle_with_token_budget("short output", 100) == ("short output", None)


def test_truncate_with_token_budget_reports_truncation_at_zero_limit():
    assert t.truncate_middle_with_token_budget("abcdef", 0) == ("…2 tokens truncated…", 2)


def test_truncate_middle_tokens_handles_utf8_content():
    s = "😀😀😀😀😀😀😀😀😀😀\nsecond line with text\n"
    assert t.truncate_middle_with_token_budget(s, 8) == ("😀😀😀😀…8 tokens truncated… line with text\n", 16)


def test_truncate_middle_bytes_handles_utf8_content():
    s = "😀😀😀😀😀😀😀😀😀😀\nsecond line with text\n"
    assert t.truncate_middle_chars(s, 20) == "😀😀…21 chars truncated…with text\n"


def test_empty_and_zero_budget():
    assert t.truncate_middle_with_token_budget("", 0) == ("", None)
    assert t.truncate_middle_chars("abc", 0) == "…3 chars truncated…"


@pytest.mark.parametrize("text,tokens", [("", 0), ("a", 1), ("abcd", 1), ("abcde", 2), ("é", 1), ("😀😀", 2)])
def test_approx_token_count(text, tokens):
    assert t.approx_token_count(text) == tokens
    assert t.approx_token_count(text.encode()) == tokens


@pytest.mark.parametrize("text,n", [("", 0), ("a", 1), ("a\n", 1), ("a\nb", 2), ("\n", 1), ("a\n\n", 2), ("a\r\nb\r\n", 2)])
def test_count_lines_like_rust_lines(text, n):
    assert t.count_lines(text) == n


def test_formatted_truncate_text():
    assert t.formatted_truncate_text("fits", 1) == "fits"
    body = "".join(f"line {i:03d}\n" for i in range(100))  # 900 bytes
    out = t.formatted_truncate_text(body, 10)                 # 40-byte budget
    assert out == ("Total output lines: 100\n\n" + body[:20] + "…215 tokens truncated…" + body[-20:])


def test_large_output_shape_matches_capture():
    # large_output capture: 5000 lines of 56 bytes, default 10k-token budget -> 20000 + 20000 bytes
    body = "".join(f"line {i:05d}: the quick brown fox jumps over the lazy dog\n" for i in range(1, 5001))
    out = t.formatted_truncate_text(body, 10_000)
    head, rest = out.split("…60000 tokens truncated…")
    assert head.startswith("Total output lines: 5000\n\nline 00001:")
    assert len(head.encode()) == len("Total output lines: 5000\n\n") + 20_000
    assert len(rest.encode()) == 20_000 and rest.endswith("line 05000: the quick brown fox jumps over the lazy dog\n")
