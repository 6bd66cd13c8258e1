"""The fuzzy matcher and directory lister of file search: one behaviour, two builds.

Facade over `codex.file_search._match_c` (Cython, from pyx/file_search) when it is built and
allowed, else `codex.file_search.match_py` (pure Python; its docstring states the scoring rules).
`CODEX_NO_EXTENSIONS=1` forces the pure twin. `IMPLEMENTATION` says which one serves.

    from codex.file_search.pattern import parse
    atoms = parse("src main")
    pattern_match(atoms, "src/main.py", want_indices=True)   # -> (score, [indices]) or None
"""

from __future__ import annotations

from codex._ext import load_twin

_twin = load_twin("codex.file_search._match_c", "codex.file_search.match_py")

atom_match = _twin.atom_match
pattern_match = _twin.pattern_match
score_store = _twin.score_store
top_k = _twin.top_k
search_store = _twin.search_store
scan_dir = _twin.scan_dir
IMPLEMENTATION = "compiled" if _twin.__name__ == "codex.file_search._match_c" else "pure"

__all__ = ["IMPLEMENTATION", "atom_match", "pattern_match", "scan_dir", "score_store", "search_store",
           "top_k"]
