"""Find a run of lines inside a file's lines (mirrors codex-rs/apply-patch/src/seek_sequence.rs).

Pure-Python twin of `codex.apply_patch._seek_c`; `codex.apply_patch.seek_sequence` picks one.

`seek_sequence(lines, pattern, start, eof)` returns the first index `i >= start` where `pattern`
matches `lines[i:i + len(pattern)]`, trying four passes of decreasing strictness, each over all
positions before the next pass starts:

1. exact equality;
2. equality after stripping trailing whitespace (`str::trim_end`, Unicode White_Space);
3. equality after stripping both ends (`str::trim`);
4. equality after trimming and mapping typographic punctuation to ASCII (dashes to `-`, curly
   quotes to `'`/`"`, odd spaces to ` `).

With `eof` the only candidate is the position that ends the pattern at the end of the file
(upstream's comment promises a fallback to `start`; its code, and the 0.136.0 binary, have none).
An empty pattern matches at `start`; a pattern longer than the file matches nowhere.

`LineIndex(lines)` computes each line's pass-2..4 forms at most once, for callers that seek
several patterns in one file (the applier does: one index per file, many chunks).
"""

from __future__ import annotations

from codex.apply_patch._rust import RUST_WHITESPACE as _WS

# Pass 4's mapping (after trimming): Unicode dashes, quotes and spaces -> ASCII.
PUNCTUATION = {
    0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2015: "-", 0x2212: "-",
    0x2018: "'", 0x2019: "'", 0x201A: "'", 0x201B: "'",
    0x201C: '"', 0x201D: '"', 0x201E: '"', 0x201F: '"',
    0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2004: " ", 0x2005: " ", 0x2006: " ", 0x2007: " ",
    0x2008: " ", 0x2009: " ", 0x200A: " ", 0x202F: " ", 0x205F: " ", 0x3000: " ",
}


def _rstrip(s: str) -> str:
    return s.rstrip(_WS)


def _strip(s: str) -> str:
    return s.strip(_WS)


def normalise(s: str) -> str:
    """Pass 4's form of a line: trimmed, typographic punctuation mapped to ASCII."""
    s = s.strip(_WS)
    if s.isascii():
        return s
    return s.translate(PUNCTUATION)


_FORMS = (_rstrip, _strip, normalise)


def _find(hay: list[str], pat: list[str], lo: int, hi: int) -> int:
    """First i in [lo, hi] with hay[i:i+len(pat)] == pat, else -1."""
    first = pat[0]
    n = len(pat)
    i = lo
    index = hay.index
    while i <= hi:
        try:
            i = index(first, i, hi + 1)
        except ValueError:
            return -1
        if n == 1 or hay[i + 1:i + n] == pat[1:]:
            return i
        i += 1
    return -1


class LineIndex:
    """The lines of one file with their pass forms computed lazily, once each."""

    __slots__ = ("lines", "_forms")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._forms: list[list[str] | None] = [None, None, None]

    def _form(self, k: int) -> list[str]:
        form = self._forms[k]
        if form is None:
            fn = _FORMS[k]
            form = self._forms[k] = [fn(line) for line in self.lines]
        return form

    def seek(self, pattern: list[str], start: int, eof: bool) -> int | None:
        """Index where `pattern` matches at or after `start` (at the end of file with `eof`)."""
        n = len(pattern)
        if n == 0:
            return start
        total = len(self.lines)
        if n > total:
            return None
        hi = total - n
        lo = hi if eof else start
        if lo > hi:
            return None
        found = _find(self.lines, pattern, lo, hi)
        if found >= 0:
            return found
        for k in range(3):
            fn = _FORMS[k]
            found = _find(self._form(k), [fn(p) for p in pattern], lo, hi)
            if found >= 0:
                return found
        return None


def seek_sequence(lines: list[str], pattern: list[str], start: int, eof: bool) -> int | None:
    """See the module docstring. Returns the match index or None."""
    return LineIndex(lines).seek(pattern, start, eof)
