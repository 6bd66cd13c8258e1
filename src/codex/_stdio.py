"""Writing a command's output the way the reference does: flushed at once, and a closed pipe
(`codex ... | head -1`) is not an error. Import-cheap: used on the start-up path."""

from __future__ import annotations

import sys


def write(stream, text: str) -> None:
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        pass


def out(text: str) -> None:
    write(sys.stdout, text)


def err(text: str) -> None:
    write(sys.stderr, text)
