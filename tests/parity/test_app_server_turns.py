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

# Differences shared by several scenarios (reference -> ours).
_TURNS = "thread/read includeTurns returns turns [] (reference: the completed turn(s) with their items)"

# scenario -> the precise difference(s) between ours and the reference (see the module docstring);
# `scripts/appserver_diff.py SCENARIO --summary` lists them as they are now.
KNOWN_DIFFERENCES: dict[str, str] = {
    "turn_basic": "; ".join([
        _TURNS,
        "thread/list: data[].status notLoaded (reference: idle), backwardsCursor null (reference: a timestamp)",
        "-32601 not implemented: thread/name/set, thread/turns/list, thread/goal/get, thread/inject_items, "
        "thread/memoryMode/set, thread/backgroundTerminals/clean, getConversationSummary, "
        "thread/metadata/update, thread/settings/update, thread/rollback, thread/fork, thread/archive, "
        "thread/unarchive (so no thread/name/updated, thread/settings/updated, thread/archived, "
        "thread/unarchived, second thread/started; the second turn uses effort medium instead of low and "
        "lacks the injected assistant message)",
        "thread/turns/items/list error message 'thread/turns/items/list is not implemented in this build' "
        "(reference: 'thread/turns/items/list is not supported yet')",
        "getConversationSummary by rolloutPath: -32601 (reference: -32600 'failed to resolve rollout path')",
        "thread/unsubscribe sends thread/closed (reference: none); thread/resume result has preview '', "
        "name/gitInfo/reasoningEffort null, turns [], no initialTurnsPage, and is not followed by "
        "thread/tokenUsage/updated, thread/goal/cleared, thread/status/changed",
        "rollout: no archived copy; no injected message, session_meta (fork), token_count and "
        "thread_rolled_back lines; turn_context lacks effort low"]),
    "turn_shell_never": _TURNS,
    "turn_shell_approval_accept": _TURNS,
    "turn_shell_approval_decline": _TURNS,
    "turn_shell_escalation_on_request": _TURNS,
    "turn_plan_and_user_input": (
        "turn/start with collaborationMode plan: no thread/settings/updated notification, the "
        "'<collaboration_mode># Plan Mode (Conversational)...' developer message is missing from the "
        "model input (requests 3 and 4) and from the rollout, turn_context.collaboration_mode.settings."
        "developer_instructions is null"),
    "turn_interrupt": "; ".join([
        "turn/interrupt: the response comes after turn/completed (reference: before it, right after "
        "thread/tokenUsage/updated + account/rateLimits/updated, which ours does not send); "
        "turn/completed turn.completedAt/durationMs are null",
        "rollout lacks the aborted call's function_call_output, a token_count and the interrupted-turn "
        "message; turn_aborted lacks completed_at/duration_ms"]),
    "turn_steer": (
        "the running command's item/completed comes right after the first response's "
        "account/rateLimits/updated, before the steered userMessage items (reference: after them)"),
    "turn_ephemeral_stable_api": (
        "thread/read includeTurns on an ephemeral thread answers a result (reference: error -32600 "
        "'ephemeral threads do not support includeTurns')"),
    "compact": "; ".join([
        _TURNS + " (incl. the contextCompaction item)",
        "compaction request: x-codex-turn-metadata request_kind 'turn' without the compaction object "
        "(reference: 'compaction' + {implementation: responses, phase: standalone_turn, reason: "
        "user_requested...}); body.tools has the turn tools (reference: []), parallel_tool_calls true "
        "(reference: false)"]),
    "thread_goal": (
        "thread/goal/set, thread/goal/get, thread/goal/clear are -32601 not implemented: no "
        "thread/goal/updated|cleared, no goal continuation turns (reference: 4 more model requests and "
        "their rollout lines)"),
    "thread_shell_command": (
        "thread/shellCommand is -32601 not implemented (reference: {} then a turn with the "
        "commandExecution item); thread/read lacks that turn; no rollout file (reference: one)"),
    "turn_dynamic_tool": (
        "thread/start dynamicTools are not offered to the model (tools lack lookup_weather); the call "
        "gets no item/started|completed[dynamicToolCall] nor item/tool/call server request, its output "
        "is 'unsupported call: lookup_weather' (reference: 'sunny, 21C'); session_meta lacks dynamic_tools"),
    "review": (
        "review/start is -32601 not implemented (reference: a review turn with enteredReviewMode/"
        "exitedReviewMode items, one model request, a second rollout); gitDiffToRemote is -32603 not "
        "implemented"),
    "mcp_tools": (
        "no mcpServer/startupStatus/updated notifications (reference: 2); mcpServerStatus/list returns no "
        "servers (reference: mockmcp with its tools/resources); mcpServer/resource/read (-32603) and "
        "mcpServer/tool/call (-32601) not implemented; the model is not offered list_mcp_resources/"
        "list_mcp_resource_templates/read_mcp_resource nor the mcp__mockmcp namespace, so its echo call "
        "gets 'unsupported call: echo' (reference: an mcpToolCall item with an "
        "mcpServer/elicitation/request; mcp_tool_call_end in the rollout)"),
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
