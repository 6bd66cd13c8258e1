"""Fixtures of the CLI-surface tests."""

from __future__ import annotations

import pytest

from cli.helpers import Result


@pytest.fixture
def cli(capsys):
    """`cli(args, argv0=...)` runs the program like `codex.cli.main` would (argv without the
    program name) and captures what it prints."""

    def run(args: list[str], argv0: str = "codex") -> Result:
        from codex.cli import app

        capsys.readouterr()
        if argv0 == "codex-linux-sandbox":
            code = app.run_linux_sandbox(list(args))
        else:
            code = app.run(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run
