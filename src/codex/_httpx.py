"""Import httpx without its command-line module.

`import httpx` also imports `httpx._main` (its CLI), which pulls in click, pygments and rich
when they are installed (rich is, for the TUI): 20-40 ms of every `codex exec` start-up for
code codex never runs. A stand-in module takes its place; calling it says why.
"""
from __future__ import annotations

import sys
import types


def _cli_unavailable(*_args, **_kwargs):
    raise SystemExit("the httpx command line is not available inside codex; run `python -m httpx`")


def prepare() -> None:
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    stub = types.ModuleType("httpx._main")
    stub.main = _cli_unavailable
    sys.modules["httpx._main"] = stub
