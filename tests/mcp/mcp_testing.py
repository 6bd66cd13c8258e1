"""Fixtures of the `codex mcp` tests: `mcp(*args)` runs our CLI in-process with HOME and
CODEX_HOME in a fresh temporary directory (never the user's). Imported by the test modules:
this directory is not a package and has no conftest.py, so that `import mcp` keeps finding the
SDK, not tests/mcp/."""

from __future__ import annotations

import pytest


class Run:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def __iter__(self):
        return iter((self.code, self.out, self.err))


@pytest.fixture
def codex_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    ch = tmp_path / "codex_home"
    home.mkdir()
    ch.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CODEX_HOME", str(ch))
    monkeypatch.chdir(home)
    return ch


@pytest.fixture
def mcp(codex_home, capsys):
    def run(*args: str) -> Run:
        from codex.cli import app

        capsys.readouterr()
        code = app.run(["mcp", *args])
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run
