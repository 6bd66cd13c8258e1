"""Differential test of `codex exec` over the 34 reference scenarios.

Per scenario (and per mode: --json, plus human mode where the capture has one) the reference
Codex 0.136.0 and ours run against their own loopback mock with identical inputs and replies
(fixtures/parity/exec_scenarios/<name>/scenario.json), and a few scenarios also run with bubblewrap
not on PATH (modes json-nobwrap / human-nobwrap); each compared aspect is one test:

    exit_code  requests  stdout  stderr  rollout  sqlite  workspace  codex_home  [last_message]

(see tests/parity/exec_scenarios.py for what each holds and how it is normalized). Both sides run
once per (scenario, mode); the aspect tests share that result. The reference has races of its own
(an exec end event that is sometimes not rendered, ...): when ours differs on an aspect the
reference is run again, up to MAX_REFERENCE_RUNS times in all, and ours passes if it equals one of
those runs (i.e. a behaviour the reference really shows).

Known differences of ours are listed in KNOWN_DIFFERENCES as strict xfails (an xfail that starts
passing fails the run: remove its entry). To see a difference:

    PYTHONPATH=src:tests .venv/bin/python scripts/exec_diff.py SCENARIO [--human] [--aspect A]
"""
from __future__ import annotations

import pytest

from .exec_scenarios import (ASPECTS, MAX_REFERENCE_RUNS, aspects_for, load_scenario, modes, rerun_reference,
                             run_scenario, scenario_names, unified)

pytestmark = pytest.mark.reference

# (scenario, mode, aspect) -> reason; scenario/mode/aspect "*" = all of them.
KNOWN_DIFFERENCES: dict[tuple[str, str, str], str] = {}


def _reason(name: str, mode: str, aspect: str) -> str | None:
    for key in ((name, mode, aspect), (name, "*", aspect), (name, mode, "*"), (name, "*", "*"),
                ("*", mode, aspect), ("*", "*", aspect)):
        if key in KNOWN_DIFFERENCES:
            return KNOWN_DIFFERENCES[key]
    return None


def _cases():
    for name in scenario_names():
        spec = load_scenario(name)
        for mode in modes(spec):
            for aspect in aspects_for(spec):
                reason = _reason(name, mode, aspect)
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(name, mode, aspect, id=f"{name}-{mode}-{aspect}", marks=marks)


_results: dict[tuple[str, str], dict] = {}


def _run(name: str, mode: str) -> dict:
    key = (name, mode)
    if key not in _results:
        _results.clear()                  # cases come grouped by (scenario, mode): keep one
        ref, ours = run_scenario(name, mode)
        _results[key] = {"pairs": [(ref, ours)]}
    return _results[key]


@pytest.mark.parametrize("name,mode,aspect", list(_cases()))
def test_exec_scenario(name: str, mode: str, aspect: str):
    state = _run(name, mode)
    ref, ours = state["pairs"][0]
    assert ref.error is None, f"harness error on the reference side:\n{ref.error}"
    if aspect == "exit_code":
        # the harness replays the capture faithfully: the reference still exits as it did then
        captured = [r["captured_exit_code"] for r in load_scenario(name)["runs"]]
        assert [r.exit_code for r in ref.runs] == captured, (
            f"the reference exited {[r.exit_code for r in ref.runs]}, captured {captured}")
    if any(r.aspects[aspect] == o.aspects[aspect] for r, o in state["pairs"]):
        return
    # The reference has races of its own: before failing, see whether ours equals what another
    # reference run does (not for known differences, which are consistent: no need to spend time).
    if _reason(name, mode, aspect) is None:
        while len(state["pairs"]) < MAX_REFERENCE_RUNS:
            r, o = rerun_reference(name, mode, ours)
            state["pairs"].append((r, o))
            if r.error is None and r.aspects[aspect] == o.aspects[aspect]:
                return
    expected, actual = ref.aspects[aspect], ours.aspects[aspect]
    diff = unified(expected, actual, aspect)
    if len(diff) > 12000:
        diff = diff[:12000] + f"\n... ({len(diff) - 12000} more characters; run scripts/exec_diff.py)\n"
    pytest.fail(f"{name} [{mode}] {aspect}: ours differs from the reference "
                f"({len(state['pairs'])} reference run(s))\n{diff}", pytrace=False)


def test_known_differences_are_real_cases():
    """Every KNOWN_DIFFERENCES entry names an existing scenario, mode and aspect."""
    names = set(scenario_names())
    for (name, mode, aspect) in KNOWN_DIFFERENCES:
        if name == "*":
            assert aspect in ("*", *ASPECTS), (name, mode, aspect)
            continue
        assert name in names, name
        spec = load_scenario(name)
        assert mode == "*" or mode in modes(spec), (name, mode)
        assert aspect == "*" or aspect in aspects_for(spec), (name, aspect)
