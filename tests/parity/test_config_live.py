"""Live differential test of config loading and `codex features ...`: every case of
fixtures/config/reference_cases.json (good and bad config.toml, `-c`, `--enable/--disable`,
profiles, project trust, CODEX_HOME) run by the reference Codex 0.136.0 and by ours, each in a fresh
layout outside /tmp and outside any git tree: exit code, stdout, stderr and the config.toml left
behind must be identical. Cases noted with a `deviation` are skipped (known differences)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from config.helpers import capture, reference_cases
from parity.reference import _ours_pythonpath, find_reference, ours_command

DATA = reference_cases()
pytestmark = pytest.mark.reference


def _run(argv0: list[str], case: dict, ours: bool) -> dict:
    base = Path(tempfile.mkdtemp(prefix="cfg-live-", dir=capture.scratch_parent()))
    try:
        env, cwd = capture.materialize(case, base)
        if ours:
            pp = _ours_pythonpath()
            if pp:
                env["PYTHONPATH"] = pp
        proc = subprocess.run([*argv0, *case["argv"]], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)
        return capture.outcome(proc, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in DATA["cases"]])
def test_config_case_live(case):
    if case.get("deviation"):
        pytest.skip(f"known deviation: {case['deviation']}")
    ref = _run([str(find_reference())], case, ours=False)
    ours = _run(ours_command(), case, ours=True)
    assert ours == ref


def test_features_list_matches_with_defaults_live():
    case = {"name": "plain", "argv": ["features", "list"], "config": "", "files": {}, "cwd": "cwd", "env": {}}
    ref = _run([str(find_reference())], case, ours=False)
    assert ref["exit"] == 0 and ref["stdout"] == (capture.HERE / "features-list-empty-config.txt").read_text()
    assert _run(ours_command(), case, ours=True) == ref
