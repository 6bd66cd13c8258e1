"""EventMapper behaviours not covered by a transcript turn (every output is also checked
against the reference JSON Schema)."""

from __future__ import annotations

import base64

import pytest

from codex.app_server.event_mapping import REQUEST_KEY, EventMapper, is_request

from ._harness import schema_errors

T = "thread-1"
TURN = "turn-1"
NOW = 1_795_000_000_000


def wire(entry: dict, rid: int = 0) -> dict:
    if REQUEST_KEY in entry:
        return {"method": entry[REQUEST_KEY], "id": rid, "params": entry["params"]}
    return entry


def run(mapper: EventMapper, *events: dict) -> list[dict]:
    out = []
    for ev in events:
        for entry in mapper.map(ev, thread_id=T, turn_id=TURN):
            errors = schema_errors(wire(entry))
            assert not errors, (entry, errors)
            out.append(entry)
    return out


def resolve(mapper: EventMapper, request: dict, **kwargs):
    res = mapper.resolve(request, **kwargs)
    for note in res.notifications:
        errors = schema_errors(note)
        assert not errors, (note, errors)
    return res


def methods(entries: list[dict]) -> list[str]:
    return [e.get("method") or e[REQUEST_KEY] for e in entries]


@pytest.fixture
def mapper() -> EventMapper:
    m = EventMapper(clock_ms=lambda: NOW)
    m.map({"type": "task_started", "turn_id": TURN, "started_at": 1}, thread_id=T, turn_id=TURN)
    return m


def exec_begin(call_id, cmd, source="unified_exec_startup", pid="42"):
    return {
        "type": "exec_command_begin", "call_id": call_id, "process_id": pid, "turn_id": TURN,
        "command": ["/bin/bash", "-lc", cmd], "cwd": "/w",
        "parsed_cmd": [{"type": "unknown", "cmd": cmd}], "source": source,
    }


def exec_end(call_id, cmd, output, exit_code=0, source="unified_exec_startup", pid="42"):
    return {
        "type": "exec_command_end", "call_id": call_id, "process_id": pid, "turn_id": TURN,
        "command": ["/bin/bash", "-lc", cmd], "cwd": "/w",
        "parsed_cmd": [{"type": "unknown", "cmd": cmd}], "source": source, "stdout": output,
        "stderr": "", "aggregated_output": output, "exit_code": exit_code,
        "duration": {"secs": 1, "nanos": 250_000_000}, "formatted_output": output,
        "status": "completed" if exit_code == 0 else "failed",
    }


def test_session_finished_through_write_stdin_only_gets_item_started(mapper):
    out = run(
        mapper,
        exec_begin("call_start", "sleep 1; echo done"),
        # write_stdin polls: begin/end carry the interaction source and the poll's call id
        exec_begin("call_poll", "sleep 1; echo done", source="unified_exec_interaction"),
        {"type": "terminal_interaction", "call_id": "call_poll", "process_id": "42", "stdin": ""},
        exec_end("call_poll", "sleep 1; echo done", "done\n", source="unified_exec_interaction"),
    )
    assert methods(out) == ["item/started", "item/commandExecution/terminalInteraction"]
    assert out[0]["params"]["item"]["id"] == "call_start"
    assert out[1]["params"] == {
        "threadId": T, "turnId": TURN, "itemId": "call_poll", "processId": "42", "stdin": ""
    }


def test_failed_command_maps_to_failed_item_and_denials_are_the_cores_business(mapper):
    # The mapper does not filter: suppressing sandbox denials happens in the core, which
    # never emits begin/end for them. A begin/end pair that does arrive is shown.
    out = run(
        mapper,
        exec_begin("c1", "touch /etc/x"),
        exec_end("c1", "touch /etc/x", "touch: cannot touch '/etc/x': Read-only file system\n", 1),
    )
    assert methods(out) == ["item/started", "item/completed"]
    item = out[1]["params"]["item"]
    assert item["status"] == "failed"
    assert item["exitCode"] == 1
    assert item["durationMs"] == 1250
    assert item["command"] == "/bin/bash -lc 'touch /etc/x'"
    assert out[1]["params"]["completedAtMs"] == NOW


def test_exec_begin_is_started_once_and_output_delta_is_decoded(mapper):
    chunk = base64.b64encode("héllo\n".encode()).decode()
    out = run(
        mapper,
        exec_begin("c1", "echo héllo"),
        exec_begin("c1", "echo héllo"),
        {"type": "exec_command_output_delta", "call_id": "c1", "stream": "stdout", "chunk": chunk},
    )
    assert methods(out) == ["item/started", "item/commandExecution/outputDelta"]
    assert out[1]["params"]["delta"] == "héllo\n"


def test_error_fails_the_turn_and_sets_system_error(mapper):
    out = run(
        mapper,
        {"type": "error", "message": "boom", "codex_error_info": {"http_connection_failed": {"http_status_code": 500}}},
        {"type": "task_complete", "turn_id": TURN, "completed_at": 9, "duration_ms": 8},
    )
    assert methods(out) == ["thread/status/changed", "error", "turn/completed"]
    assert out[0]["params"]["status"] == {"type": "systemError"}
    expected_error = {
        "message": "boom",
        "codexErrorInfo": {"httpConnectionFailed": {"httpStatusCode": 500}},
        "additionalDetails": None,
    }
    assert out[1]["params"] == {"error": expected_error, "willRetry": False, "threadId": T, "turnId": TURN}
    turn = out[2]["params"]["turn"]
    assert (turn["status"], turn["error"], turn["startedAt"], turn["completedAt"], turn["durationMs"]) == (
        "failed", expected_error, 1, 9, 8,
    )
    assert mapper.status == {"type": "systemError"}


def test_stream_error_will_retry_and_leaves_the_turn_alone(mapper):
    out = run(
        mapper,
        {"type": "stream_error", "message": "Reconnecting... 1/5", "codex_error_info": "other",
         "additional_details": "stream disconnected"},
        {"type": "task_complete", "turn_id": TURN, "completed_at": 9, "duration_ms": 8},
    )
    assert methods(out) == ["error", "thread/status/changed", "turn/completed"]
    assert out[0]["params"]["willRetry"] is True
    assert out[0]["params"]["error"]["additionalDetails"] == "stream disconnected"
    assert out[2]["params"]["turn"]["status"] == "completed"


def test_rollback_failure_error_sends_no_error_notification(mapper):
    out = run(mapper, {"type": "error", "message": "x", "codex_error_info": "thread_rollback_failed"})
    assert methods(out) == ["thread/status/changed"]


def test_reasoning_item_and_deltas(mapper):
    out = run(
        mapper,
        {"type": "item_started", "item": {"type": "Reasoning", "id": "rs_1", "summary_text": [], "raw_content": []}, "started_at_ms": 5},
        {"type": "reasoning_content_delta", "item_id": "rs_1", "delta": "**Plan**", "summary_index": 0},
        {"type": "agent_reasoning_section_break", "item_id": "rs_1", "summary_index": 1},
        {"type": "reasoning_raw_content_delta", "item_id": "rs_1", "delta": "raw", "content_index": 0},
        {"type": "agent_reasoning", "text": "**Plan**"},
        {"type": "item_completed", "item": {"type": "Reasoning", "id": "rs_1", "summary_text": ["**Plan**"], "raw_content": ["raw"]}, "completed_at_ms": 6},
    )
    assert methods(out) == [
        "item/started", "item/reasoning/summaryTextDelta", "item/reasoning/summaryPartAdded",
        "item/reasoning/textDelta", "item/completed",
    ]
    assert out[0]["params"]["startedAtMs"] == 5
    assert out[1]["params"] == {"threadId": T, "turnId": TURN, "itemId": "rs_1", "delta": "**Plan**", "summaryIndex": 0}
    assert out[4]["params"]["item"] == {"type": "reasoning", "id": "rs_1", "summary": ["**Plan**"], "content": ["raw"]}


def test_web_search_and_plan_items(mapper):
    out = run(
        mapper,
        {"type": "item_completed", "item": {"type": "WebSearch", "id": "ws_1", "query": "codex", "action": {"type": "search", "query": "codex"}}},
        {"type": "item_completed", "item": {"type": "Plan", "id": "p1", "text": "1. do it"}},
        {"type": "plan_delta", "item_id": "p1", "delta": "1."},
    )
    assert out[0]["params"]["item"] == {
        "type": "webSearch", "id": "ws_1", "query": "codex",
        "action": {"type": "search", "query": "codex", "queries": None},
    }
    assert out[1]["params"]["item"] == {"type": "plan", "id": "p1", "text": "1. do it"}
    assert out[2]["method"] == "item/plan/delta"


def test_mcp_tool_call_failure_shapes(mapper):
    inv = {"server": "s", "tool": "t", "arguments": None}
    out = run(
        mapper,
        {"type": "mcp_tool_call_begin", "call_id": "m1", "invocation": inv, "mcp_app_resource_uri": "ui://x"},
        {"type": "mcp_tool_call_end", "call_id": "m1", "invocation": inv, "duration": {"secs": 0, "nanos": 3_000_000}, "result": {"Err": "tool exploded"}},
        {"type": "mcp_tool_call_end", "call_id": "m2", "invocation": inv, "duration": {"secs": 0, "nanos": 0},
         "result": {"Ok": {"content": [], "isError": True, "structuredContent": {"a": 1}}}},
    )
    started = out[0]["params"]["item"]
    assert list(started) == [
        "type", "id", "server", "tool", "status", "arguments", "mcpAppResourceUri", "pluginId",
        "result", "error", "durationMs",
    ]
    failed = out[1]["params"]["item"]
    assert (failed["status"], failed["error"], failed["result"], failed["durationMs"]) == (
        "failed", {"message": "tool exploded"}, None, 3,
    )
    is_error = out[2]["params"]["item"]
    assert is_error["status"] == "failed"
    assert is_error["result"] == {"content": [], "structuredContent": {"a": 1}, "_meta": None}


def test_token_count_parts(mapper):
    assert run(mapper, {"type": "token_count", "info": None, "rate_limits": None}) == []
    out = run(mapper, {"type": "token_count", "info": None, "rate_limits": {
        "limit_id": "codex", "limit_name": None,
        "primary": {"used_percent": 12.5, "window_minutes": 300, "resets_at": 1795000000},
        "secondary": None, "credits": {"has_credits": True, "unlimited": False, "balance": "5"},
        "plan_type": "plus", "rate_limit_reached_type": None}})
    assert methods(out) == ["account/rateLimits/updated"]
    limits = out[0]["params"]["rateLimits"]
    assert limits["primary"] == {"usedPercent": 13, "windowDurationMins": 300, "resetsAt": 1795000000}
    assert limits["credits"] == {"hasCredits": True, "unlimited": False, "balance": "5"}


def test_patch_decline_completes_once(mapper):
    changes = {"/w/a.txt": {"type": "add", "content": "a\n"}}
    run(mapper, {"type": "patch_apply_begin", "call_id": "p1", "turn_id": TURN, "auto_approved": False, "changes": changes})
    req = run(mapper, {"type": "apply_patch_approval_request", "call_id": "p1", "turn_id": TURN, "changes": changes, "reason": "why", "grant_root": None})
    assert methods(req) == ["thread/status/changed", "item/fileChange/requestApproval"]
    assert req[1]["params"]["startedAtMs"] == NOW
    res = resolve(mapper, req[1], request_id=7, result={"decision": "decline"})
    assert methods(res.notifications) == ["serverRequest/resolved", "item/completed", "thread/status/changed"]
    assert res.notifications[0]["params"] == {"threadId": T, "requestId": 7}
    assert res.notifications[1]["params"]["item"]["status"] == "declined"
    assert res.op == {"type": "patch_approval", "id": "p1", "decision": "denied"}
    later = run(mapper, {"type": "patch_apply_end", "call_id": "p1", "turn_id": TURN, "stdout": "", "stderr": "rejected",
                         "success": False, "changes": changes, "status": "declined"})
    assert later == []


def test_exec_approval_decisions_translate_to_core_ops(mapper):
    argv = ["/bin/bash", "-lc", "rm -rf build"]
    req = run(mapper, {"type": "exec_approval_request", "call_id": "c9", "turn_id": TURN, "command": argv,
                       "cwd": "/w", "parsed_cmd": [], "proposed_execpolicy_amendment": argv})[-1]
    assert req["params"]["availableDecisions"] == [
        "accept", {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": argv}}, "cancel",
    ]
    res = resolve(mapper, req, request_id=0, result={"decision": {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": argv}}})
    assert methods(res.notifications) == ["serverRequest/resolved", "thread/status/changed"]
    assert res.op == {"type": "exec_approval", "id": "c9", "turn_id": TURN,
                      "decision": {"approved_execpolicy_amendment": {"proposed_execpolicy_amendment": argv}}}


def test_exec_approval_with_network_context_has_no_item(mapper):
    out = run(mapper, {"type": "exec_approval_request", "call_id": "c1", "turn_id": TURN, "command": ["curl", "x"],
                       "cwd": "/w", "parsed_cmd": [], "network_approval_context": {"host": "example.com", "protocol": "https"},
                       "available_decisions": ["approved", "denied"]})
    assert methods(out) == ["thread/status/changed", "item/commandExecution/requestApproval"]
    params = out[1]["params"]
    assert "command" not in params and "commandActions" not in params
    assert params["networkApprovalContext"] == {"host": "example.com", "protocol": "https"}
    assert params["availableDecisions"] == ["accept", "decline"]
    res = resolve(mapper, out[1], request_id=0, result={"decision": "decline"})
    assert methods(res.notifications) == ["serverRequest/resolved", "thread/status/changed"]


def test_pending_approval_and_user_input_flags_and_turn_end(mapper):
    a = run(mapper, {"type": "exec_approval_request", "call_id": "c1", "turn_id": TURN, "command": ["ls"], "cwd": "/w", "parsed_cmd": []})
    u = run(mapper, {"type": "request_user_input", "call_id": "q1", "turn_id": TURN, "questions": []})
    assert u[0]["params"]["status"] == {"type": "active", "activeFlags": ["waitingOnApproval", "waitingOnUserInput"]}
    end = run(mapper, {"type": "turn_aborted", "turn_id": TURN, "reason": "interrupted", "completed_at": 3, "duration_ms": 2})
    assert methods(end) == ["thread/status/changed", "turn/completed"]
    assert end[0]["params"]["status"] == {"type": "idle"}
    assert end[1]["params"]["turn"]["status"] == "interrupted"
    # the transport aborts the pending requests when the turn ends
    res = resolve(mapper, a[-1], request_id=0, error={"code": -1, "message": "turn ended"}, turn_transition=True)
    assert methods(res.notifications) == ["serverRequest/resolved"] and res.op is None
    res = resolve(mapper, u[-1], request_id=1, error={"code": -1, "message": "turn ended"}, turn_transition=True)
    assert methods(res.notifications) == ["serverRequest/resolved"] and res.op is None


def test_user_input_answer_op(mapper):
    req = run(mapper, {"type": "request_user_input", "call_id": "q1", "turn_id": TURN, "questions": [
        {"id": "a", "header": "H", "question": "Q?", "is_other": True, "is_secret": False, "options": None}]})[-1]
    assert req["params"]["questions"][0] == {"id": "a", "header": "H", "question": "Q?", "isOther": True, "isSecret": False, "options": None}
    res = resolve(mapper, req, request_id=3, result={"answers": {"a": {"answers": ["yes"]}}})
    assert res.op == {"type": "user_input_answer", "id": TURN, "response": {"answers": {"a": {"answers": ["yes"]}}}}


def test_view_image_and_thread_name_and_legacy_events(mapper):
    out = run(mapper, {"type": "view_image_tool_call", "call_id": "v1", "path": "/w/a.png"})
    assert methods(out) == ["item/started", "item/completed"]
    assert out[0]["params"]["item"] == {"type": "imageView", "id": "v1", "path": "/w/a.png"}
    out = run(mapper, {"type": "thread_name_updated", "thread_id": T, "thread_name": "demo"})
    assert out == [{"method": "thread/name/updated", "params": {"threadId": T, "threadName": "demo"}}]
    for legacy in ("user_message", "agent_message", "agent_message_delta", "agent_reasoning",
                   "context_compacted", "raw_response_item", "session_configured", "web_search_begin",
                   "no_such_event"):
        assert mapper.map({"type": legacy}, thread_id=T, turn_id=TURN) == []


def test_is_request_marker(mapper):
    out = mapper.map({"type": "dynamic_tool_call_request", "call_id": "d1", "turn_id": TURN, "tool": "x", "arguments": {}},
                     thread_id=T, turn_id=TURN)
    assert [is_request(e) for e in out] == [False, True]
    assert out[1][REQUEST_KEY] == "item/tool/call"
    res = resolve(mapper, out[1], request_id=0, result={"contentItems": [{"type": "inputImage", "imageUrl": "data:x"}], "success": True})
    assert res.notifications == []
    assert res.op == {"type": "dynamic_tool_response", "id": "d1",
                      "response": {"content_items": [{"type": "input_image", "image_url": "data:x"}], "success": True}}


def test_tool_items_reported_twice_are_notified_once(mapper):
    inv = {"server": "s", "tool": "t", "arguments": {}}
    turn_item = {"type": "McpToolCall", "id": "m1", "server": "s", "tool": "t", "arguments": {}, "status": "inProgress"}
    out = run(
        mapper,
        {"type": "item_started", "item": turn_item},
        {"type": "mcp_tool_call_begin", "call_id": "m1", "invocation": inv},
        {"type": "mcp_tool_call_end", "call_id": "m1", "invocation": inv, "duration": {"secs": 0, "nanos": 0},
         "result": {"Ok": {"content": []}}},
        {"type": "item_completed", "item": dict(turn_item, status="completed", result={"content": []})},
        exec_begin("c1", "true"),
        exec_end("c1", "true", ""),
        {"type": "item_completed", "item": {"type": "CommandExecution", "id": "c1", "command": ["true"], "cwd": "/w",
                                            "parsed_cmd": [], "source": "agent", "status": "completed"}},
    )
    assert methods(out) == ["item/started", "item/completed", "item/started", "item/completed"]
    # the next turn starts afresh
    run(mapper, {"type": "task_complete", "turn_id": TURN, "completed_at": 1, "duration_ms": 1},
        {"type": "task_started", "turn_id": "turn-2", "started_at": 2})
    again = run(mapper, exec_begin("c1", "true"))
    assert methods(again) == ["item/started"]


def test_exited_review_mode_renders_findings(mapper):
    output = {
        "overall_explanation": "  Two problems.  ",
        "findings": [
            {"title": "[P1] Crash", "body": "Null deref.\nFix it.",
             "code_location": {"absolute_file_path": "/w/a.py", "line_range": {"start": 3, "end": 4}}},
            {"title": "[P2] Typo", "body": "teh",
             "code_location": {"absolute_file_path": "/w/b.py", "line_range": {"start": 1, "end": 1}}},
        ],
    }
    out = run(mapper, {"type": "exited_review_mode", "review_output": output})
    assert out[0]["params"]["item"] == {
        "type": "exitedReviewMode", "id": TURN,
        "review": "Two problems.\n\nFull review comments:\n\n- [P1] Crash — /w/a.py:3-4\n  Null deref.\n  Fix it."
                  "\n\n- [P2] Typo — /w/b.py:1-1\n  teh",
    }
    out = run(mapper, {"type": "exited_review_mode", "review_output": None})
    assert out[0]["params"]["item"]["review"] == "Reviewer failed to output a response."


def test_agent_message_memory_citation(mapper):
    out = run(mapper, {"type": "item_completed", "item": {
        "type": "AgentMessage", "id": "m", "content": [{"type": "Text", "text": "x"}],
        "memory_citation": {"entries": [{"path": "MEMORY.md", "line_start": 1, "line_end": 2, "note": "n"}],
                            "rollout_ids": ["t0"]}}})
    assert out[0]["params"]["item"]["memoryCitation"] == {
        "entries": [{"path": "MEMORY.md", "lineStart": 1, "lineEnd": 2, "note": "n"}], "threadIds": ["t0"],
    }
