"""The standalone tool: every arg0 apply_patch capture of the reference (manifest), in-process and
through the real arg0 dispatch (a launcher named apply_patch / applypatch that calls
codex.cli.main, and `python -m codex --codex-run-as-apply-patch PATCH`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import harness

MANIFEST = json.loads((harness.FIXTURES / "arg0_manifest.json").read_text(encoding="utf-8"))["entries"]
SRC = Path(__file__).resolve().parents[2] / "src"

# The captures ran in a cwd holding existing.txt ('old line'); see the manifest notes.
SETUP = {"existing.txt": "old line\n"}

LAUNCHER = """#!{python}
import sys
from codex.cli import main
sys.exit(main())
"""


def entry_id(e) -> str:
    argv = e["argv"]
    tail = "stdin" if "stdin" in e and len(argv) == 1 else ("noargs" if len(argv) == 1 else argv[1][:20])
    if argv[0] == "codex":
        return "codex-run-as-apply-patch"
    return f"{argv[0]}-{tail}-{e['exit_code']}"


def expected_files(e) -> dict:
    return e.get("files_after", SETUP)


def test_manifest_has_all_arg0_apply_patch_captures():
    assert len(MANIFEST) == 14
    assert {e["argv"][0] for e in MANIFEST} == {"apply_patch", "applypatch", "codex"}


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry_id(e) for e in MANIFEST])
def test_in_process(entry, seek_impl, tmp_path):
    argv = entry["argv"]
    args = argv[2:] if argv[0] == "codex" else argv[1:]
    stdin = entry.get("stdin")
    case = {"files": SETUP, "args": args, "stdin": stdin}
    got = harness.run_case_ours(case, tmp_path / "cwd")
    assert (got["exit_code"], got["stdout"], got["stderr"]) == (entry["exit_code"], entry["stdout"], entry["stderr"])
    assert got["files_after"] == expected_files(entry)


def _ours_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CODEX_HOME",)}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry_id(e) for e in MANIFEST])
def test_through_arg0_dispatch(entry, tmp_path):
    argv = entry["argv"]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    if argv[0] == "codex":
        cmd = [sys.executable, "-m", "codex", *argv[1:]]
    else:
        launcher = bindir / argv[0]
        launcher.write_text(LAUNCHER.format(python=sys.executable))
        launcher.chmod(0o755)
        cmd = [str(launcher), *argv[1:]]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    harness.materialize(SETUP, cwd)
    stdin = entry.get("stdin")
    proc = subprocess.run(cmd, cwd=cwd, env=_ours_env(), input=(stdin or "").encode(), capture_output=True, timeout=60)
    got = (proc.returncode, proc.stdout.decode(), harness.normalize(proc.stderr.decode(), cwd))
    assert got == (entry["exit_code"], entry["stdout"], entry["stderr"])
    assert harness.snapshot(cwd) == expected_files(entry)


def test_stdin_that_cannot_be_read(tmp_path):
    """stdin closed: the reference reports the read error (ours: same text, exit 1)."""
    from codex.apply_patch import standalone

    class Broken:
        class buffer:  # noqa: N801
            @staticmethod
            def read():
                raise OSError(9, "Bad file descriptor")

    saved_in, saved_err = sys.stdin, sys.stderr
    err = harness._Std()
    sys.stdin, sys.stderr = Broken(), err
    try:
        code = standalone.main([])
    finally:
        sys.stdin, sys.stderr = saved_in, saved_err
    assert code == 1
    assert err.buffer.getvalue().decode() == "Error: Failed to read PATCH from stdin.\nBad file descriptor (os error 9)\n"


def test_usage_text():
    from codex.apply_patch.standalone import USAGE

    assert USAGE == "Usage: apply_patch 'PATCH'\n       echo 'PATCH' | apply_patch\n"
