"""`codex mcp-server` against the reference's transcripts (fixtures/mcp_server/transcripts,
captured from codex-cli 0.136.0): each scenario's client script is replayed against our server
(a subprocess, the loopback marker model as the model) and the whole transcript is compared with
the capture after normalization (paths, UUIDs by first appearance, times, durations, pids)."""
from __future__ import annotations

import json

import pytest

from .replay import TRANSCRIPTS, event_types, load_transcript, normalized, protocol_messages, replay


def _mask(transcript: list[dict]) -> list[dict]:
    def walk(v):
        if isinstance(v, dict):
            return {k: ("<PID>" if k == "process_id" and isinstance(x, str)
                        else "<DURATION>" if k == "duration" and isinstance(x, dict)
                        else walk(x)) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    return walk(transcript)


def _lines(transcript: list[dict]) -> list[str]:
    return [json.dumps(t) for t in normalized(_mask(transcript))]


def _assert_same(capture: list[dict], ours: list[dict]) -> None:
    import difflib

    a, b = _lines(capture), _lines(ours)
    if a != b:
        diff = "\n".join(difflib.unified_diff(a, b, "reference", "ours", lineterm="", n=1))
        pytest.fail(f"transcripts differ:\n{diff[:20000]}")


_cache: dict[str, object] = {}


def _ours(name: str):
    if name not in _cache:
        _cache[name] = replay(name, "ours")
    return _cache[name]


@pytest.mark.parametrize("name", [
    "mcp_handshake",
    "mcp_handshake_2024_11_05",
    "mcp_codex_tool_call",
    "mcp_exec_approval_approved",
    "mcp_exec_approval_denied",
])
def test_transcript_identical(name):
    result = _ours(name)
    _assert_same(load_transcript(name), result.transcript)
    assert result.exit_code == 0


@pytest.mark.parametrize("name", ["mcp_handshake", "mcp_exec_approval_denied"])
def test_stderr_lines(name):
    """The tracing ERROR lines the reference writes (timestamps aside)."""
    def lines(text: str) -> list[str]:
        return [line.split(" ", 1)[1] for line in text.splitlines() if line.strip()]

    expected = (TRANSCRIPTS / f"{name}.stderr.txt").read_text()
    assert lines(_ours(name).stderr) == lines(expected)


def test_codex_tool_call_events_and_result():
    result = _ours("mcp_codex_tool_call")
    kinds = event_types(result.transcript, request_id=2)
    assert kinds[:3] == ["session_configured", "mcp_startup_complete", "task_started"]
    assert kinds[-1] == "task_complete"
    results = [t["msg"] for t in result.transcript if t["dir"] == "s2c" and "result" in t["msg"]]
    thread_id = results[1]["result"]["structuredContent"]["threadId"]
    assert results[1]["result"]["content"] == [{"type": "text", "text": "Hello from the mock model."}]
    # codex-reply (threadId, then the deprecated conversationId) continues the same thread
    assert [r["result"]["structuredContent"]["threadId"] for r in results[1:]] == [thread_id] * 3


def test_patch_approval_protocol():
    """Known core difference: our core applies the patch without asking under `untrusted` +
    `workspace-write` and emits no FileChange items / turn_diff; the protocol around it (result)
    matches."""
    name = "mcp_patch_approval_approved"
    result = _ours(name)
    capture = load_transcript(name)
    ours_results = [t["msg"] for t in protocol_messages(normalized(result.transcript))
                    if t["dir"] == "s2c" and "result" in t["msg"]]
    cap_results = [t["msg"] for t in protocol_messages(normalized(capture))
                   if t["dir"] == "s2c" and "result" in t["msg"]]
    assert ours_results == cap_results
    kinds = event_types(result.transcript)
    assert "patch_apply_begin" in kinds and "patch_apply_end" in kinds


def test_patch_approval_transcript_identical():
    name = "mcp_patch_approval_approved"
    _assert_same(load_transcript(name), _ours(name).transcript)


def test_cancel_protocol():
    """notifications/cancelled aborts the turn (turn_aborted, reason interrupted) and the
    cancelled tools/call is never answered."""
    name = "mcp_codex_cancel"
    result = _ours(name)
    answered = [t["msg"]["id"] for t in result.transcript if t["dir"] == "s2c" and "id" in t["msg"]
                and "method" not in t["msg"]]
    assert answered == [1]
    aborted = [t["msg"]["params"]["msg"] for t in result.transcript
               if t["msg"].get("method") == "codex/event"
               and t["msg"]["params"]["msg"]["type"] == "turn_aborted"]
    assert len(aborted) == 1
    assert aborted[0]["turn_id"] == "2" and aborted[0]["reason"] == "interrupted"
    assert set(aborted[0]) == {"type", "turn_id", "reason", "completed_at", "duration_ms"}


def test_cancel_transcript_identical():
    name = "mcp_codex_cancel"
    capture = load_transcript(name)
    # the capture ends with the `sleep 30` command's exec_command_end, sent when the process
    # exits 30 s after the cancel (the turn is aborted, the process is not killed); the replay
    # does not wait that long, so the comparison stops before it (the background end itself is
    # covered by tests/core/test_turn_loop.py)
    last = capture[-1]["msg"]
    assert last.get("method") == "codex/event" and last["params"]["msg"]["type"] == "exec_command_end"
    _assert_same(capture[:-1], _ours(name).transcript)


def _variant(answer: dict, *, truncate: bool = False) -> list[dict]:
    """mcp_exec_approval_approved with another answer to the elicitation (probed on the
    reference: see the expectations below)."""
    import copy

    capture = copy.deepcopy(load_transcript("mcp_exec_approval_approved"))
    out = []
    for t in capture:
        if t["dir"] == "c2s" and "method" not in t["msg"]:
            t["msg"] = {k: v for k, v in t["msg"].items() if k not in ("result", "error")}
            t["msg"].update(answer)
            out.append(t)
            if truncate:
                break
            continue
        out.append(t)
    return out


def test_mcp_style_elicitation_answer_denies():
    """An MCP `{action, content}` answer does not deserialize as codex's approval response: the
    reference logs it and denies (the command does not run); the turn completes."""
    result = replay("mcp_style_answer", "ours",
                    capture=_variant({"result": {"action": "accept", "content": {}}}))
    assert "ERROR codex_mcp_server::exec_approval: failed to deserialize ExecApprovalResponse: " \
           "missing field `decision`" in result.stderr
    outputs = [t["msg"]["params"]["msg"]["item"] for t in result.transcript
               if t["msg"].get("method") == "codex/event"
               and t["msg"]["params"]["msg"]["type"] == "raw_response_item"
               and t["msg"]["params"]["msg"]["item"].get("type") == "function_call_output"]
    assert "rejected by user" in outputs[0]["output"]
    assert [t["msg"]["id"] for t in result.transcript if t["dir"] == "s2c" and "result" in t["msg"]] == [1, 2]


def test_error_elicitation_answer_leaves_the_turn_waiting():
    """An error answer is logged (`<- error: JsonRpcError { ... }`) and nothing is decided: no
    more events, no tools/call result."""
    result = replay("error_answer", "ours",
                    capture=_variant({"error": {"code": -32000, "message": "nope"}}, truncate=True))
    assert ('ERROR codex_mcp_server::message_processor: <- error: JsonRpcError { jsonrpc: JsonRpcVersion2_0, '
            'id: Some(Number(0)), error: ErrorData { code: ErrorCode(-32000), message: "nope", data: None } }'
            ) in result.stderr
    kinds = event_types(result.transcript)
    assert kinds[-1] == "exec_approval_request"
    assert [t["msg"]["id"] for t in result.transcript if t["dir"] == "s2c" and "result" in t["msg"]] == [1]


def test_model_error_is_an_error_result_and_its_task_complete_waits_for_the_next_call():
    """Probed on the reference (a 400 from the model): the `error` event answers the tools/call
    with `isError` and the thread id; the turn's `task_complete` stays queued and is what the
    next `codex-reply` on the thread streams and answers with (empty text)."""
    import copy

    from parity.mock_responses import http_error

    capture = load_transcript("mcp_codex_tool_call")
    cut = next(i for i, t in enumerate(capture) if t["dir"] == "s2c" and t["msg"].get("id") == 3)
    capture = copy.deepcopy(capture[:cut + 1])

    def model(mock):
        mock.route("POST", "/v1/responses",
                   lambda req: http_error(400, "mock: bad request", type_="invalid_request_error"))

    result = replay("model_error", "ours", capture=capture, model=model)
    events = [(t["msg"]["params"]["_meta"]["requestId"], t["msg"]["params"]["msg"]) for t in result.transcript
              if t["msg"].get("method") == "codex/event"]
    error = next(m for rid, m in events if m["type"] == "error")
    assert error["message"] == '{"error": {"message": "mock: bad request", "type": "invalid_request_error"}}'
    results = {t["msg"]["id"]: t["msg"]["result"] for t in result.transcript
               if t["dir"] == "s2c" and "result" in t["msg"]}
    tid = results[2]["structuredContent"]["threadId"]
    assert results[2] == {"content": [{"type": "text", "text": error["message"]}],
                          "structuredContent": {"threadId": tid, "content": error["message"]}, "isError": True}
    assert [(rid, m["type"]) for rid, m in events if rid == 3][:1] == [(3, "task_complete")]
    assert next(m for rid, m in events if rid == 3)["turn_id"] == "2"
    assert results[3] == {"content": [{"type": "text", "text": ""}],
                          "structuredContent": {"threadId": tid, "content": ""}}


def test_abort_decision_aborts_the_turn():
    """`{"decision": "abort"}` (probed on the reference): the turn ends with `turn_aborted`
    (reason `interrupted`) and the tools/call is never answered."""
    capture = _variant({"result": {"decision": "abort"}}, truncate=True)
    # pace a final ping on the turn_aborted event
    capture += [{"dir": "s2c", "msg": {"method": "codex/event", "params": {"msg": {"type": "turn_aborted"}}}},
                {"dir": "c2s", "msg": {"jsonrpc": "2.0", "id": 99, "method": "ping"}},
                {"dir": "s2c", "msg": {"jsonrpc": "2.0", "id": 99, "result": {}}}]
    result = replay("abort", "ours", capture=capture)
    kinds = event_types(result.transcript)
    assert kinds[-1] == "turn_aborted"
    assert "exec_command_begin" not in kinds
    aborted = [t["msg"]["params"]["msg"] for t in result.transcript if t["msg"].get("method") == "codex/event"][-1]
    assert (aborted["turn_id"], aborted["reason"]) == ("2", "interrupted")
    assert [t["msg"]["id"] for t in result.transcript if t["dir"] == "s2c" and "result" in t["msg"]] == [1, 99]


KNOWN_HEADER_GAPS = ("user-agent", "x-codex-turn-metadata")


def _capture_requests(name: str) -> list[dict]:
    from parity.normalize import Normalizer, request_view

    text = (TRANSCRIPTS / f"{name}.requests.jsonl").read_text()
    return [request_view(json.loads(line), Normalizer()) for line in text.splitlines() if line.strip()]


def _renumbered(requests: list[dict]) -> list[dict]:
    from parity.normalize import Normalizer

    for r in requests:   # CODEX_HOME's own random id
        meta = (r.get("body") or {}).get("client_metadata") or {}
        if "x-codex-installation-id" in meta:
            meta["x-codex-installation-id"] = "<INSTALLATION_ID>"
    return json.loads(Normalizer().text(json.dumps(requests)))


@pytest.mark.parametrize("name", ["mcp_codex_tool_call", "mcp_exec_approval_approved",
                                  "mcp_exec_approval_denied"])
def test_model_requests_like_the_capture(name):
    """The model requests (the capture's `*.requests.jsonl`): bodies identical, headers too but
    for the core's known gaps (see test_reference_live.py)."""
    ours = _renumbered(_ours(name).requests)
    capture = _renumbered(_capture_requests(name))
    assert len(ours) == len(capture)
    for a, b in zip(capture, ours):
        assert b["body"] == a["body"]
        ha = {k: v for k, v in a["headers"].items() if k not in KNOWN_HEADER_GAPS}
        hb = {k: v for k, v in b["headers"].items() if k not in KNOWN_HEADER_GAPS}
        assert hb == ha


def test_reply_during_a_running_turn_joins_it():
    """Probed on the reference: a `codex-reply` while the thread's turn still runs puts the
    prompt into that turn (no new turn); the turn's end answers the reply, the first call is
    never answered."""
    import copy

    capture = copy.deepcopy(load_transcript("mcp_codex_cancel"))
    i = next(k for k, t in enumerate(capture) if t["msg"].get("method") == "notifications/cancelled")
    tid = capture[i - 1]["msg"]["params"]["_meta"]["threadId"]
    capture[3]["msg"]["params"]["arguments"]["prompt"] = "Wait. RUN_SHELL:sleep 1"
    capture = capture[:i] + [
        {"dir": "c2s", "msg": {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "codex-reply", "arguments": {"threadId": tid, "prompt": "Say hi."}}}},
        {"dir": "s2c", "msg": {"jsonrpc": "2.0", "id": 3, "result": {}}},
    ]
    result = replay("reply_during_turn", "ours", capture=capture)
    answered = {t["msg"]["id"]: t["msg"]["result"] for t in result.transcript
                if t["dir"] == "s2c" and "result" in t["msg"]}
    assert sorted(answered) == [1, 3]
    assert answered[3]["content"] == [{"type": "text", "text": "Hello from the mock model."}]
    reply_events = [t["msg"]["params"] for t in result.transcript if t["msg"].get("method") == "codex/event"
                    and t["msg"]["params"]["_meta"]["requestId"] == 3]
    assert {p["id"] for p in reply_events} == {"2"}
    kinds = [p["msg"]["type"] for p in reply_events]
    assert "task_started" not in kinds and kinds[-1] == "task_complete"
    assert any(p["msg"]["type"] == "user_message" and p["msg"]["message"] == "Say hi." for p in reply_events)


def test_configured_mcp_server_startup_events():
    """Probed on the reference with `[mcp_servers.broken] command = "/nonexistent/mcp-server"`."""
    import copy

    capture = load_transcript("mcp_codex_tool_call")
    cut = next(i for i, t in enumerate(capture) if t["dir"] == "s2c" and t["msg"].get("id") == 2)
    capture = copy.deepcopy(capture[:cut + 1])

    def keep(env):
        env.write_config(env.config_text() + '\n[mcp_servers.broken]\ncommand = "/nonexistent/mcp-server"\n')

    result = replay("mcp_servers", "ours", capture=capture, keep=keep)
    msgs = [t["msg"]["params"]["msg"] for t in result.transcript if t["msg"].get("method") == "codex/event"]
    assert msgs[1:4] == [
        {"type": "mcp_startup_update", "server": "broken", "status": {"state": "starting"}},
        {"type": "mcp_startup_update", "server": "broken", "status": {
            "state": "failed", "error": "MCP client for `broken` failed to start: MCP startup failed: "
                                        "No such file or directory (os error 2)"}},
        {"type": "mcp_startup_complete", "ready": [], "failed": [
            {"server": "broken", "error": "No such file or directory (os error 2)"}], "cancelled": []},
    ]
