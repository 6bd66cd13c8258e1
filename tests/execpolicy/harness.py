"""Helpers of the execpolicy tests."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path


def materialize(directory: Path, files: dict) -> Path:
    """Write a case's files under `directory` (a name ending in `/x` makes a directory)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


def run_ours(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """`codex <args>` in this process, in `cwd`."""
    from codex.cli import app

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = app.run(list(args))
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()
