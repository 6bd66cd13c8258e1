"""Differential test of `codex app-server` turns: the reference Codex 0.136.0 and ours replay the
same client script (the c2s side of fixtures/app_server/transcripts/<scenario>.jsonl, ids
substituted from the live answers, the capture's answers to server requests) against the
loopback marker mock model, and must agree after normalization on

  * the server messages (every s2c message, in order),
  * the model requests (method, path, headers, body),
  * the rollout files (every line).

See tests/parity/app_server_turns.py for the replay and the normalization (and the notifications
whose position the reference itself does not fix). `scripts/appserver_diff.py SCENARIO` prints
the differences as unified diffs.

Without the reference binary the tests are skipped (a failure under CI=true or
CODEX_REQUIRE_REFERENCE=1). Scenarios run CODEX_APPSERVER_JOBS (default 2) at a time, each with
its two sides in parallel.

Where ours differs, the scenario is marked xfail(strict=True) with the first difference as the
reason: fixing ours makes it XPASS, which fails the run until the mark is removed.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from . import app_server_turns as ast

pytestmark = [pytest.mark.reference]

# scenario -> the precise difference(s) between ours and the reference (see the module docstring)
KNOWN_DIFFERENCES: dict[str, str] = {
}

MAX_DIFF_CHARS = 12000


@pytest.fixture(scope="module")
def scenario_runs(request):
    """Starts every selected scenario in a thread pool once; tests wait for their own."""
    names = []
    for item in request.session.items:
        cs = getattr(item, "callspec", None)
        if cs is not None and item.module is not None and item.module.__name__ == __name__:
            name = cs.params.get("scenario")
            if name and name not in names:
                names.append(name)
    jobs = int(os.environ.get("CODEX_APPSERVER_JOBS", "2"))
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="appserver-scenario")
    futures: dict[str, Future] = {n: pool.submit(ast.run_scenario, n) for n in names}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def _params():
    out = []
    for name in ast.SCENARIOS:
        marks = []
        if name in KNOWN_DIFFERENCES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[name]))
        out.append(pytest.param(name, marks=marks, id=name))
    return out


@pytest.mark.parametrize("scenario", _params())
def test_app_server_turn_matches_reference(scenario, scenario_runs):
    fut = scenario_runs.get(scenario)
    res = fut.result() if fut is not None else ast.run_scenario(scenario)
    assert res.ref.error is None, f"the reference side failed to run:\n{res.summary()}"
    assert res.ours.error is None, f"our side failed to run:\n{res.summary()}"
    # the reference must have produced what the capture shows (else the replay itself is broken)
    assert res.ref.views["server_messages"], res.summary()
    diffs = res.diffs()
    if diffs:
        text = "\n".join(f"=== {aspect}\n{d}" for aspect, d in diffs.items())
        if len(text) > MAX_DIFF_CHARS:
            text = text[:MAX_DIFF_CHARS] + f"\n... ({len(text) - MAX_DIFF_CHARS} more chars; " \
                f"run scripts/appserver_diff.py {scenario})"
        pytest.fail(f"ours differs from the reference in {', '.join(diffs)}:\n{res.summary()}\n{text}",
                    pytrace=False)
