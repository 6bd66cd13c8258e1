"""Incremental Server-Sent Events decoder (the Responses API stream).

Facade over two twins with one behaviour: `codex.model._sse_c` (Cython, from pyx/model) when it
is built and allowed, else `codex.model.sse_py` (pure Python; its docstring states the rules and
where they follow upstream's eventsource-stream crate). `CODEX_NO_EXTENSIONS=1` forces the pure
twin. `IMPLEMENTATION` says which one serves: "compiled" or "pure".

    decoder = SSEDecoder()
    async for chunk in response.aiter_bytes():
        for event in decoder.feed(chunk):
            handle(event.event, event.data)
    decoder.close()  # raises SSEDecodeError if the stream was not valid UTF-8
"""

from __future__ import annotations

from codex._ext import load_twin

_twin = load_twin("codex.model._sse_c", "codex.model.sse_py")

SSEDecoder = _twin.SSEDecoder
SSEBatch = _twin.SSEBatch
SSEEvent = _twin.SSEEvent
SSEDecodeError = _twin.SSEDecodeError
IMPLEMENTATION = "compiled" if _twin.__name__ == "codex.model._sse_c" else "pure"

__all__ = ["IMPLEMENTATION", "SSEBatch", "SSEDecodeError", "SSEDecoder", "SSEEvent"]
