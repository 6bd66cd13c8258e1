"""Middle truncation of tool output (codex-rs/utils/string/src/truncate.rs, utils/output-truncation).

Sizes are UTF-8 bytes; a token is approximated as 4 bytes (rounded up). Truncation keeps the
longest whole-character prefix within half the byte budget and the suffix of characters that
start at or after `len - (budget - budget/2)`, with a marker between them: `…N tokens
truncated…` (N = ceil(removed bytes / 4), removed = total - budget) or `…N chars truncated…`
(N = characters dropped). The ellipsis is U+2026.

`formatted_truncate_text` is the unified-exec body: unchanged when it fits, else
`Total output lines: L\\n\\n` + the truncated text. (The 0.136.0 captures show no
"Warning: truncated output" line before it; captures win over newer sources.)
"""

from __future__ import annotations

__all__ = [
    "APPROX_BYTES_PER_TOKEN",
    "approx_bytes_for_tokens",
    "approx_token_count",
    "count_lines",
    "formatted_truncate_text",
    "truncate_middle_chars",
    "truncate_middle_with_token_budget",
    "truncate_text",
]

APPROX_BYTES_PER_TOKEN = 4


def approx_token_count(text: str | bytes) -> int:
    n = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    return (n + APPROX_BYTES_PER_TOKEN - 1) // APPROX_BYTES_PER_TOKEN


def approx_bytes_for_tokens(tokens: int) -> int:
    return tokens * APPROX_BYTES_PER_TOKEN


def count_lines(text: str) -> int:
    """Rust `str::lines().count()`: split on \\n, a final empty piece is not a line."""
    if not text:
        return 0
    n = text.count("\n")
    return n if text.endswith("\n") else n + 1


def _marker(use_tokens: bool, count: int) -> str:
    return f"…{count} tokens truncated…" if use_tokens else f"…{count} chars truncated…"


def _split(b: bytes, s: str, left_budget: int, right_budget: int) -> tuple[int, str, str]:
    """Return (removed_chars, prefix, suffix) on character boundaries."""
    total = len(b)
    tail_start_target = max(0, total - right_budget)
    if s.isascii():
        prefix_end = min(left_budget, total)
        suffix_start = max(tail_start_target, prefix_end)
        removed = max(0, tail_start_target - prefix_end)
        return removed, s[:prefix_end], s[suffix_start:]
    # Walk characters with their byte offsets.
    prefix_chars = 0
    suffix_char = len(s)
    removed = 0
    started = False
    idx = 0
    for ci, ch in enumerate(s):
        clen = len(ch.encode("utf-8"))
        end = idx + clen
        if end <= left_budget:
            prefix_chars = ci + 1
        elif idx >= tail_start_target:
            if not started:
                suffix_char = ci
                started = True
        else:
            removed += 1
        idx = end
    if suffix_char < prefix_chars:
        suffix_char = prefix_chars
    return removed, s[:prefix_chars], s[suffix_char:]


def _truncate_with_byte_estimate(s: str, max_bytes: int, use_tokens: bool) -> str:
    if not s:
        return ""
    b = s.encode("utf-8")
    total = len(b)
    if max_bytes == 0:
        removed = (total + 3) // 4 if use_tokens else len(s)
        return _marker(use_tokens, removed)
    if total <= max_bytes:
        return s
    left = max_bytes // 2
    right = max_bytes - left
    removed_chars, prefix, suffix = _split(b, s, left, right)
    removed = (total - max_bytes + 3) // 4 if use_tokens else removed_chars
    return prefix + _marker(use_tokens, removed) + suffix


def truncate_middle_chars(s: str, max_bytes: int) -> str:
    return _truncate_with_byte_estimate(s, max_bytes, False)


def truncate_middle_with_token_budget(s: str, max_tokens: int) -> tuple[str, int | None]:
    """(text, original token count if it was truncated else None)."""
    if not s:
        return "", None
    budget = approx_bytes_for_tokens(max_tokens)
    if max_tokens > 0 and len(s.encode("utf-8")) <= budget:
        return s, None
    out = _truncate_with_byte_estimate(s, budget, True)
    return (out, None) if out == s else (out, approx_token_count(s))


def truncate_text(content: str, tokens: int | None = None, *, bytes_: int | None = None) -> str:
    if bytes_ is not None:
        return truncate_middle_chars(content, bytes_)
    return truncate_middle_with_token_budget(content, tokens or 0)[0]


def formatted_truncate_text(content: str, max_tokens: int) -> str:
    if len(content.encode("utf-8")) <= approx_bytes_for_tokens(max_tokens):
        return content
    total_lines = count_lines(content)
    return f"Total output lines: {total_lines}\n\n{truncate_text(content, max_tokens)}"
