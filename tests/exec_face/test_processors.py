"""Behaviour of the exec renderers beyond the captured scenarios (ported from upstream's
event_processor_with_{jsonl,human}_output.rs and lib.rs)."""

from __future__ import annotations

import io
import json
import os
import re

import pytest

from codex.exec.event_processor import (
    CodexStatus,
    config_summary_entries,
    handle_last_message,
    should_process_notification,
    supports_color,
)
from codex.exec.human_output import HumanOutput
from codex.exec.jsonl_output import JsonlOutput

from .helpers import drive, load

T, U = "thread-1", "turn-1"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def n(method, **params):
    if method not in ("configWarning", "deprecationNotice", "warning", "turn/started", "turn/completed"):
        params = {"threadId": T, "turnId": U, **params}
    return {"method": method, "params": params}


def turn_completed(status="completed", items=(), error=None):
    return {"method": "turn/completed", "params": {"threadId": T, "turn": {
        "id": U, "items": list(items), "itemsView": "full", "status": status, "error": error,
        "startedAt": 1, "completedAt": 2, "durationMs": 5}}}


def command_item(status="inProgress", output=None, exit_code=None):
    return {"type": "commandExecution", "id": "call_1", "command": "/bin/bash -lc 'true'", "cwd": "/w",
            "processId": None, "source": "agent", "status": status, "commandActions": [],
            "aggregatedOutput": output, "exitCode": exit_code, "durationMs": None if status == "inProgress" else 3}


def jsonl(*notifications, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    proc = JsonlOutput(out, err, **kwargs)
    statuses = [proc.process_notification(x) for x in notifications]
    final = proc.finish()
    return [json.loads(line) for line in out.getvalue().splitlines()], statuses, final, err.getvalue()


class Tty(io.StringIO):
    def isatty(self):
        return True


# --- lib.rs: the notification filter ---------------------------------------------------


def test_filter_keeps_only_the_primary_turn_and_rendered_kinds():
    assert should_process_notification(n("item/started", item={}), T, U)
    assert not should_process_notification(n("item/agentMessage/delta", itemId="m", delta="x"), T, U)
    assert not should_process_notification(n("item/commandExecution/outputDelta", itemId="c", delta="x"), T, U)
    other = {"method": "item/completed", "params": {"threadId": "other", "turnId": U, "item": {}}}
    assert not should_process_notification(other, T, U)
    assert should_process_notification({"method": "configWarning", "params": {"summary": "s"}}, T, U)
    assert should_process_notification({"method": "warning", "params": {"threadId": None, "message": "m"}}, T, U)
    assert not should_process_notification({"method": "warning", "params": {"threadId": "x", "message": "m"}}, T, U)
    assert should_process_notification(turn_completed(), T, U)
    assert not should_process_notification(turn_completed(), T, "turn-2")
    assert not should_process_notification({"method": "account/rateLimits/updated", "params": {}}, T, U)


# --- JSON mode ----------------------------------------------------------------------------


def test_warnings_become_error_items_with_details():
    events, *_ = jsonl(
        {"method": "configWarning", "params": {"summary": "bad key", "details": "line 3"}},
        {"method": "deprecationNotice", "params": {"summary": "old flag", "details": None}},
        {"method": "warning", "params": {"threadId": T, "message": "careful"}},
        n("model/rerouted", fromModel="a", toModel="b", reason="highRiskCyberActivity"),
    )
    assert [e["item"] for e in events] == [
        {"id": "item_0", "type": "error", "message": "bad key (line 3)"},
        {"id": "item_1", "type": "error", "message": "old flag"},
        {"id": "item_2", "type": "error", "message": "careful"},
        {"id": "item_3", "type": "error", "message": "model rerouted: a -> b (HighRiskCyberActivity)"},
    ]


def test_process_warning_is_an_error_item():
    out = io.StringIO()
    proc = JsonlOutput(out)
    assert proc.process_warning("lagged") is CodexStatus.RUNNING
    assert json.loads(out.getvalue()) == {"type": "item.completed", "item": {"id": "item_0", "type": "error", "message": "lagged"}}


def test_failed_turn_without_error_uses_the_last_critical_error_then_a_default():
    events, statuses, final, _ = jsonl(
        n("error", error={"message": "boom", "codexErrorInfo": None, "additionalDetails": "why"}, willRetry=False),
        turn_completed("failed"),
    )
    assert events == [{"type": "error", "message": "boom (why)"}, {"type": "turn.failed", "error": {"message": "boom (why)"}}]
    assert statuses[-1] is CodexStatus.INITIATE_SHUTDOWN and final is None
    events, *_ = jsonl(turn_completed("failed"))
    assert events == [{"type": "turn.failed", "error": {"message": "turn failed"}}]


def test_unfinished_started_items_are_completed_from_the_turn_items():
    done = command_item("completed", "ok\n", 0)
    events, *_ = jsonl(n("item/started", item=command_item()), turn_completed(items=[done]))
    assert [e["type"] for e in events] == ["item.started", "item.completed", "turn.completed"]
    assert events[1]["item"] == {"id": "item_0", "type": "command_execution", "command": "/bin/bash -lc 'true'",
                                 "aggregated_output": "ok\n", "exit_code": 0, "status": "completed"}


def test_items_without_an_exec_form_take_no_id():
    events, *_ = jsonl(
        n("item/completed", item={"type": "reasoning", "id": "r", "summary": ["  "], "content": []}),
        n("item/completed", item={"type": "userMessage", "id": "u", "clientId": None, "content": []}),
        n("item/completed", item={"type": "contextCompaction", "id": "c"}),
        n("item/completed", item={"type": "agentMessage", "id": "m", "text": "hi", "phase": None, "memoryCitation": None}),
    )
    assert events == [{"type": "item.completed", "item": {"id": "item_0", "type": "agent_message", "text": "hi"}}]


def test_final_message_prefers_turn_items_and_falls_back_to_a_plan(tmp_path):
    path = tmp_path / "last.txt"
    _, _, final, _ = jsonl(turn_completed(items=[{"type": "plan", "id": "p", "text": "the plan"}]),
                           last_message_path=str(path))
    assert final == "the plan" and path.read_text() == "the plan"


def test_interrupted_turn_ends_without_an_event_or_a_last_message_file(tmp_path):
    path = tmp_path / "last.txt"
    events, statuses, final, _ = jsonl(
        n("item/completed", item={"type": "agentMessage", "id": "m", "text": "partial", "phase": None, "memoryCitation": None}),
        turn_completed("interrupted"), last_message_path=str(path))
    assert [e["type"] for e in events] == ["item.completed"]
    assert statuses[-1] is CodexStatus.INITIATE_SHUTDOWN
    assert final is None and not path.exists()


def test_file_change_mcp_and_declined_patch_mapping():
    change = {"path": "/w/a.txt", "kind": {"type": "update", "move_path": "/w/b.txt"}, "diff": "@@"}
    mcp = {"type": "mcpToolCall", "id": "m1", "server": "srv", "tool": "echo", "status": "failed",
           "arguments": {"x": 1}, "pluginId": None, "result": None, "error": {"message": "nope"}, "durationMs": 1}
    events, *_ = jsonl(
        n("item/completed", item={"type": "fileChange", "id": "p1", "changes": [change], "status": "declined"}),
        n("item/completed", item=mcp),
    )
    assert events[0]["item"] == {"id": "item_0", "type": "file_change",
                                 "changes": [{"path": "/w/a.txt", "kind": "update"}], "status": "failed"}
    assert events[1]["item"] == {"id": "item_1", "type": "mcp_tool_call", "server": "srv", "tool": "echo",
                                 "arguments": {"x": 1}, "result": None, "error": {"message": "nope"}, "status": "failed"}


def test_web_search_line_carries_both_ids():
    out = io.StringIO()
    proc = JsonlOutput(out)
    proc.process_notification(n("item/started", item={"type": "webSearch", "id": "ws_1", "query": "q",
                                                       "action": {"type": "openPage", "url": "u"}}))
    assert out.getvalue() == ('{"type":"item.started","item":{"id":"item_0","type":"web_search","id":"ws_1",'
                              '"query":"q","action":{"type":"other"}}}\n')


def test_thread_started_from_the_summary():
    out = io.StringIO()
    JsonlOutput(out).print_config_summary(config_summary_entries(
        workdir="/w", model="m", provider="p", approval="never", sandbox="read-only", session_id="s-1"), "hi")
    assert out.getvalue() == '{"type":"thread.started","thread_id":"s-1"}\n'


# --- the -o file ---------------------------------------------------------------------------


def test_missing_last_message_writes_an_empty_file_and_warns(tmp_path):
    path = tmp_path / "out.md"
    path.write_text("old")
    err = io.StringIO()
    handle_last_message(None, str(path), err)
    assert path.read_text() == ""
    assert err.getvalue() == f"Warning: no last agent message; wrote empty content to {path}\n"


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="needs O_NOFOLLOW")
def test_symlinked_last_message_path_is_refused(tmp_path):
    target = tmp_path / "target.md"
    target.write_text("original")
    link = tmp_path / "out.md"
    link.symlink_to(target)
    err = io.StringIO()
    handle_last_message("hello", str(link), err)
    assert target.read_text() == "original"
    assert err.getvalue() == f'Failed to write last message file "{link}": Too many levels of symbolic links (os error 40)\n'


# --- human mode --------------------------------------------------------------------------


def human(*notifications, stdout=None, stderr=None, **kwargs):
    out = stdout if stdout is not None else io.StringIO()
    err = stderr if stderr is not None else io.StringIO()
    kwargs.setdefault("color", "never")
    proc = HumanOutput(out, err, **kwargs)
    for x in notifications:
        proc.process_notification(x)
    final = proc.finish()
    return out.getvalue(), err.getvalue(), final


def test_colour_always_only_adds_escapes():
    run = load("reasoning")["runs"][0]
    plain = drive(run, "human", color="never")
    coloured = drive(run, "human", color="always")
    assert plain.stderr and "\x1b[" not in plain.stderr
    assert ANSI.sub("", coloured.stderr) == plain.stderr
    assert coloured.stdout == plain.stdout  # the final message is never styled
    assert "\x1b[35m\x1b[3mexec\x1b[0m\x1b[0m\n\x1b[1m/bin/bash -lc 'echo reasoning'\x1b[0m in <CWD>\n" in coloured.stderr
    assert "\x1b[32m succeeded in 0ms:\x1b[0m\n" in coloured.stderr
    assert "\x1b[2m**Planning**\n\nI should run echo first.\x1b[0m\n" in coloured.stderr
    assert "\x1b[2mtokens used\x1b[0m\n770\n" in coloured.stderr


def test_colour_auto_follows_the_terminal():
    _, err, _ = human(n("error", error={"message": "x", "codexErrorInfo": None, "additionalDetails": None}, willRetry=True),
                      color="auto")
    assert err == "ERROR: x\n"  # a StringIO is not a terminal
    assert supports_color(Tty(), {"TERM": "xterm-256color"})
    assert not supports_color(Tty(), {"TERM": "xterm", "NO_COLOR": "1"})
    assert not supports_color(Tty(), {"TERM": "dumb"})
    assert not supports_color(io.StringIO(), {"TERM": "xterm"})
    assert supports_color(io.StringIO(), {"FORCE_COLOR": "1"})
    err = io.StringIO()
    HumanOutput(io.StringIO(), err, color="always").process_warning("w")
    assert err.getvalue() == "\x1b[1m\x1b[33mwarning:\x1b[0m\x1b[0m w\n"
    # upstream decides on stdout's colour support, for the transcript on stderr too
    err = io.StringIO()
    HumanOutput(Tty(), err, color="auto", environ={"TERM": "xterm"}).process_warning("w")
    assert err.getvalue() == "\x1b[1m\x1b[33mwarning:\x1b[0m\x1b[0m w\n"
    err = Tty()
    HumanOutput(io.StringIO(), err, color="auto", environ={"TERM": "xterm"}).process_warning("w")
    assert err.getvalue() == "warning: w\n"


def test_final_message_goes_to_stdout_unless_both_streams_are_terminals():
    msg = n("item/completed", item={"type": "agentMessage", "id": "m", "text": "done", "phase": None, "memoryCitation": None})
    out, err, final = human(msg, turn_completed())
    assert out == "done\n" and err == "codex\ndone\n" and final == "done"
    out, err = Tty(), Tty()
    human(msg, turn_completed(), stdout=out, stderr=err)
    assert out.getvalue() == "" and err.getvalue() == "codex\ndone\n"
    # not rendered during the turn (only back-filled): shown once on the terminal
    out, err = Tty(), Tty()
    human(turn_completed(items=[{"type": "agentMessage", "id": "m", "text": "late", "phase": None, "memoryCitation": None}]),
          stdout=out, stderr=err)
    assert out.getvalue() == "" and err.getvalue() == "codex\nlate\n"


def test_failed_and_interrupted_turns():
    out, err, final = human(turn_completed("failed", error={"message": "bad", "codexErrorInfo": None,
                                                             "additionalDetails": "details stay out"}))
    assert (out, err, final) == ("", "ERROR: bad\n", None)
    out, err, final = human(turn_completed("interrupted"))
    assert (out, err, final) == ("", "turn interrupted\n", None)


def test_reasoning_visibility():
    item = {"type": "reasoning", "id": "r", "summary": ["sum"], "content": ["raw"]}
    assert human(n("item/completed", item=item))[1] == "sum\n"
    assert human(n("item/completed", item=item), show_raw_agent_reasoning=True)[1] == "raw\n"
    assert human(n("item/completed", item=item), show_agent_reasoning=False)[1] == ""


def test_other_items_and_notifications():
    mcp = {"type": "mcpToolCall", "id": "m1", "server": "srv", "tool": "echo", "status": "failed",
           "arguments": {}, "pluginId": None, "result": None, "error": {"message": "nope"}, "durationMs": 1}
    _, err, _ = human(
        n("item/started", item=dict(mcp, status="inProgress", error=None)),
        n("item/completed", item=mcp),
        n("item/completed", item=command_item("declined", None, None)),
        n("item/completed", item=dict(command_item("failed", "  \n", None), durationMs=None)),
        n("item/completed", item={"type": "webSearch", "id": "w", "query": "rust", "action": None}),
        n("item/completed", item={"type": "contextCompaction", "id": "c"}),
        n("item/started", item={"type": "collabAgentToolCall", "id": "c2", "tool": "spawnAgent"}),
        {"method": "deprecationNotice", "params": {"summary": "old", "details": "use new"}},
        {"method": "configWarning", "params": {"summary": "bad", "details": None}},
        n("model/rerouted", fromModel="a", toModel="b", reason="highRiskCyberActivity"),
        n("hook/completed", run={"eventName": "preToolUse", "status": "completed"}),
        n("turn/diff/updated", diff="  \n"),
    )
    assert err == (
        "mcp: srv/echo started\nmcp: srv/echo (failed)\nnope\n declined in 3ms:\n exited 1:\n"
        "web search: rust\ncontext compacted\ncollab: SpawnAgent\ndeprecated: old\nuse new\nwarning: bad\n"
        "model rerouted: a -> b\nhook: PreToolUse Completed\n"
    )


def test_tokens_used_has_thousands_separators():
    usage = {"total": {"totalTokens": 0, "inputTokens": 1_234_567, "cachedInputTokens": 1_000,
                       "outputTokens": 12, "reasoningOutputTokens": 5},
             "last": {}, "modelContextWindow": None}
    _, err, _ = human(n("thread/tokenUsage/updated", tokenUsage=usage))
    assert err == "tokens used\n1,233,579\n"


def test_sandbox_summary(tmp_path):
    from codex.exec.event_processor import summarize_permission_profile as summarize

    cwd = str(tmp_path / "work")
    tmpdir = str(tmp_path / "tmpdir")
    env = {"TMPDIR": tmpdir}
    assert summarize("managed", cwd=cwd, environ=env) == "read-only"
    assert summarize("managed", cwd=cwd, writable_roots=[cwd, "/tmp", tmpdir], environ=env) == \
        "workspace-write [workdir, /tmp, $TMPDIR]"
    assert summarize("managed", cwd=cwd, writable_roots=["/cache"], network_enabled=True, environ=env) == \
        "workspace-write [/cache] (network access enabled)"
    assert summarize("disabled", cwd=cwd) == "danger-full-access"
    assert summarize("external", cwd=cwd, network_enabled=True) == "external-sandbox (network access enabled)"
    assert summarize("managed", cwd=cwd, full_disk_write=True) == "external-sandbox"
    assert summarize("managed", cwd=cwd, full_disk_write=True, network_enabled=True) == "danger-full-access"
