"""Live app-server comparisons with the reference Codex 0.136.0 for what the captured turn
scenarios do not cover:

* a failing model request: the `error` notifications (retries included) and the failed turn's
  error, for an HTTP status the client gives up on (400), one it retries as a stream error
  (404), the retry limit (429), and `response.failed` codes (cyber_policy, usage_not_included,
  insufficient_quota, context_length_exceeded);
* a reasoning summary streamed in parts: every notification of the turn, in order
  (`item/reasoning/summaryPartAdded` included);
* whole turns of other stream shapes (two messages with phases, usage details, rate-limit
  headers, response.incomplete, an empty response, a context-window error (the usage filled to
  the window), update_plan, an unknown tool, bad tool
  arguments, a dropped stream, a web search): every notification, normalized (ids, times,
  paths)."""
from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from parity.mock_responses import MockResponses, ResponseStream, drop, http_error, sse, text_stream
from parity.reference import RefEnv, ours_command

CASES = ["400", "404", "429", "failed:cyber_policy", "failed:usage_not_included",
         "failed:insufficient_quota", "failed:context_length_exceeded"]


def _errors(notifications: list) -> list:
    """(error, willRetry) of each `error` notification and (error, status) of `turn/completed`."""
    out = []
    for msg in notifications:
        if msg["method"] == "error":
            out.append((msg["params"]["error"], msg["params"]["willRetry"]))
        elif msg["method"] == "turn/completed":
            out.append((msg["params"]["turn"]["error"], msg["params"]["turn"]["status"]))
    return out


def _replies(case: str):
    if case.startswith("failed:"):
        return [sse(ResponseStream().failed(code=case[7:], message="mock: prompt rejected"))]
    return [http_error(int(case), "bad thing", type_="invalid_request_error")]


@pytest.mark.parametrize("case", CASES)
def test_error_notifications_match_reference(case, reference_bin):
    ref = reference_bin
    results = {}
    for side in ("reference", "ours"):
        with MockResponses([]) as mock, RefEnv(mock, tag="errors", provider_extra="stream_max_retries = 2\n") as env:
            for _ in range(12):
                mock.enqueue(*_replies(case))
            argv = [str(ref)] if side == "reference" else ours_command()
            got = _errors(_notifications(argv, env.env(side), env.cwd))
            results[side] = json.loads(json.dumps(got).replace(mock.url, "<MOCK>"))
    assert results["reference"], "the reference reported nothing"
    assert results["ours"] == results["reference"]


def _reasoning_in_parts():
    stream = ResponseStream().reasoning("First part.")
    frames = list(stream.frames)
    # a second summary part (index 1) before the reasoning item is done
    done_at = next(i for i, (t, _) in enumerate(frames) if t == "response.output_item.done")
    rid = frames[done_at][1]["item"]["id"]
    frames[done_at:done_at] = [
        ("response.reasoning_summary_part.added",
         {"type": "response.reasoning_summary_part.added", "item_id": rid, "output_index": 0,
          "summary_index": 1, "part": {"type": "summary_text", "text": ""}}),
        ("response.reasoning_summary_text.delta",
         {"type": "response.reasoning_summary_text.delta", "item_id": rid, "summary_index": 1,
          "delta": "Second part."}),
    ]
    stream.frames = frames
    return sse(stream.message("Done.").completed())


def test_reasoning_summary_parts_match_reference(reference_bin):
    ref = reference_bin
    results = {}
    reply = _reasoning_in_parts()
    for side in ("reference", "ours"):
        with MockResponses([reply]) as mock, RefEnv(mock, tag="parts") as env:
            argv = [str(ref)] if side == "reference" else ours_command()
            # method, and the params (without thread/turn ids) of the reasoning notifications
            results[side] = [(m["method"], {k: v for k, v in m["params"].items() if k not in ("threadId", "turnId")}
                              if m["method"].startswith("item/reasoning") else None)
                             for m in _notifications(argv, env.env(side), env.cwd)]
    methods = [m for m, _ in results["reference"]]
    assert methods.count("item/reasoning/summaryPartAdded") == 2
    assert results["ours"] == results["reference"]


# --------------------------------------------------------------------------------------------
# whole turns of various stream shapes: every notification, normalized

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME_KEYS = {"startedAt", "completedAt", "durationMs", "createdAt", "updatedAt", "startedAtMs",
              "completedAtMs", "timestamp"}


def _normalize(obj, ids: dict, subs):
    if isinstance(obj, dict):
        return {k: 0 if k in _TIME_KEYS and isinstance(v, (int, float)) else _normalize(v, ids, subs)
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_normalize(x, ids, subs) for x in obj]
    if isinstance(obj, str):
        for a, b in subs:
            obj = obj.replace(a, b)
        obj = re.sub(r"rollout-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d", "rollout-<T>", obj)
        return _UUID.sub(lambda m: ids.setdefault(m.group(0), f"<U{len(ids)}>"), obj)
    return obj


def _notifications(argv, env, cwd) -> list:
    p = subprocess.Popen([*argv, "app-server"], env=env, cwd=cwd, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        def send(msg):
            p.stdin.write((json.dumps(msg) + "\n").encode())
            p.stdin.flush()

        send({"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "t", "version": "1"}}})
        send({"method": "initialized"})
        send({"id": 2, "method": "thread/start", "params": {}})
        out = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            msg = json.loads(line)
            if msg.get("id") == 2:
                send({"id": 3, "method": "turn/start", "params": {
                    "threadId": msg["result"]["thread"]["id"], "input": [{"type": "text", "text": "hi"}]}})
            if "method" in msg and "id" not in msg:
                out.append(msg)
                if msg["method"] == "turn/completed":
                    break
        return out
    finally:
        p.kill()
        p.wait()


def _incomplete():
    return sse(ResponseStream().message("partial").frames + [(
        "response.incomplete", {"type": "response.incomplete",
                                "response": {"id": "resp_x", "incomplete_details": {"reason": "max_output_tokens"}}})])


SHAPES = {
    "two_messages": lambda: [sse(ResponseStream().message("Working on it.", phase="commentary")
                                 .message("Done.", phase="final_answer").completed())],
    "usage_detail": lambda: [sse(ResponseStream().message("Hi").completed(
        input_tokens=1234, output_tokens=56, cached_tokens=1000, reasoning_tokens=40))],
    "rate_limit_headers": lambda: [sse(text_stream("Hi"), headers=[
        ("x-codex-primary-used-percent", "12.5"), ("x-codex-primary-window-minutes", "300"),
        ("x-codex-primary-reset-at", "1900000000"), ("x-codex-secondary-used-percent", "3"),
        ("x-codex-secondary-window-minutes", "10080")])],
    "incomplete_then_retries": lambda: [_incomplete()] * 4,
    "reasoning_only": lambda: [sse(ResponseStream().reasoning("Let me think").completed())],
    "empty_response": lambda: [sse(ResponseStream().completed())],
    "context_window_exceeded": lambda: [sse(ResponseStream().failed(code="context_length_exceeded", message="x"))],
    "update_plan": lambda: [sse(ResponseStream().function_call("update_plan", {
        "explanation": "why", "plan": [{"step": "a", "status": "completed"},
                                       {"step": "b", "status": "in_progress"}]}).completed()),
        sse(text_stream("ok"))],
    "unknown_tool": lambda: [sse(ResponseStream().function_call("no_such_tool", {"x": 1}).completed()),
                             sse(text_stream("ok"))],
    "bad_tool_arguments": lambda: [sse(ResponseStream().function_call("exec_command", "{not json").completed()),
                                   sse(text_stream("ok"))],
    "dropped_then_ok": lambda: [drop(ResponseStream().message("part").frames, after=3), sse(text_stream("ok"))],
    "web_search": lambda: [sse(ResponseStream()._item(
        {"type": "web_search_call", "id": "ws_1", "status": "in_progress"},
        {"type": "web_search_call", "id": "ws_1", "status": "completed",
         "action": {"type": "search", "query": "weather"}}).message("sunny").completed())],
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_turn_notifications_match_reference(shape, reference_bin):
    ref = reference_bin
    replies = SHAPES[shape]()      # built once: both sides get the same item ids
    results = {}
    for side in ("reference", "ours"):
        with MockResponses([]) as mock, RefEnv(mock, tag="shapes", provider_extra="stream_max_retries = 2\n") as env:
            mock.enqueue(*replies)
            argv = [str(ref)] if side == "reference" else ours_command()
            got = _notifications(argv, env.env(side), env.cwd)
            results[side] = _normalize(got, {}, [(str(env.cwd), "<CWD>"), (str(env.codex_home), "<CH>"),
                                                 (mock.url, "<MOCK>")])
    assert results["reference"] and results["reference"][-1]["method"] == "turn/completed"
    assert results["ours"] == results["reference"]
