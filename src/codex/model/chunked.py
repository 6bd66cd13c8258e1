"""HTTP/1.1 chunked transfer-coding decoder for the model stream's transport.

Facade over two twins with one behaviour: `codex.model._chunked_c` (Cython, from pyx/model) when
it is built and allowed, else `codex.model.chunked_py` (its docstring states the rules).
"""

from __future__ import annotations

from codex._ext import load_twin

_twin = load_twin("codex.model._chunked_c", "codex.model.chunked_py")

Dechunker = _twin.Dechunker
DechunkError = _twin.DechunkError
MAX_LINE = _twin.MAX_LINE
IMPLEMENTATION = "compiled" if _twin.__name__ == "codex.model._chunked_c" else "pure"

__all__ = ["DechunkError", "Dechunker", "IMPLEMENTATION", "MAX_LINE"]
