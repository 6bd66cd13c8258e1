"""Upstream's end-to-end scenarios (codex-rs/apply-patch/tests/fixtures/scenarios), run the way
upstream's suite runs them: copy input/ to a fresh dir, run apply_patch with patch.txt as the
argument there, and compare the whole tree (files and directories) with expected/. We also
compare exit code, stdout and stderr with the reference's (scenario_outputs.json)."""

from __future__ import annotations

import json

import pytest

from . import harness

SCENARIOS = harness.FIXTURES / "scenarios"
OUTPUTS = json.loads((harness.FIXTURES / "scenario_outputs.json").read_text(encoding="utf-8"))
NAMES = sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir())


def test_all_upstream_scenarios_are_here():
    assert len(NAMES) == 23
    assert set(NAMES) == set(OUTPUTS)


@pytest.mark.parametrize("name", NAMES)
def test_scenario(name, seek_impl, tmp_path):
    d = SCENARIOS / name
    files = harness.snapshot(d / "input") if (d / "input").is_dir() else {}
    patch = (d / "patch.txt").read_text(encoding="utf-8")
    got = harness.run_case_ours({"files": files, "args": [patch], "stdin": None}, tmp_path / "work")
    assert got["files_after"] == harness.snapshot(d / "expected")
    assert {k: got[k] for k in ("exit_code", "stdout", "stderr")} == OUTPUTS[name]
