from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "auth"


@pytest.fixture
def codex_home(tmp_path, monkeypatch):
    home = tmp_path / "codex_home"
    home.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # codex refuses its start-up helper dir under the temp dir (a PATH warning on stderr):
    # point TMPDIR at a directory that does not hold this CODEX_HOME
    (tmp_path / "tmpdir").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmpdir"))
    for var in ("OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_ACCESS_TOKEN", "CODEX_REFRESH_TOKEN_URL_OVERRIDE",
                "CODEX_REVOKE_TOKEN_URL_OVERRIDE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    from codex.auth import storage

    storage._EPHEMERAL.clear()
    return home


class _Stdin(io.TextIOWrapper):
    def isatty(self):
        return False


@pytest.fixture
def run_cli(monkeypatch):
    """Run our `codex` in-process: run_cli(argv, stdin=None) -> (code, stdout, stderr)."""

    def run(argv, stdin: str | None = None):
        from codex.cli import main

        monkeypatch.setattr(sys, "stdin", _Stdin(io.BytesIO((stdin or "").encode())))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["codex", *argv])
        return code, out.getvalue(), err.getvalue()

    return run
