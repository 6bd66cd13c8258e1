"""Context seeking for apply_patch: the compiled twin when available, else the pure one.

`codex.apply_patch._seek_c` (Cython, built from pyx/apply_patch/_seek_c.pyx) and
`codex.apply_patch.seek_sequence_py` have the same API: `seek_sequence(lines, pattern, start,
eof) -> int | None`, `LineIndex(lines).seek(pattern, start, eof)`, `normalise(line)`,
`PUNCTUATION`. `CODEX_NO_EXTENSIONS=1` forces the pure twin. `IMPLEMENTATION` says which one
serves ("compiled" or "pure").
"""

from __future__ import annotations

from codex._ext import load_twin

_impl = load_twin("codex.apply_patch._seek_c", "codex.apply_patch.seek_sequence_py")

IMPLEMENTATION = "pure" if _impl.__name__.endswith("_py") else "compiled"
LineIndex = _impl.LineIndex
seek_sequence = _impl.seek_sequence
normalise = _impl.normalise
PUNCTUATION = _impl.PUNCTUATION

__all__ = ["IMPLEMENTATION", "LineIndex", "PUNCTUATION", "normalise", "seek_sequence"]
