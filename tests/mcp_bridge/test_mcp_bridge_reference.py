"""The bridge, wired as the core wires it (ToolRouter fallback), replays the calls of the
reference captures in fixtures/mcp_bridge/ (tests/mcp_bridge/capture_reference.py: `codex exec`
0.136.0 with the same servers) and must produce the same function_call_output for every call
(wall times normalized) and the same MCP namespace in the tools array.

exec_full_access: --dangerously-bypass-approvals-and-sandbox, the tools run.
exec_default: approval never + read-only sandbox: MCP approvals are asked and nobody answers."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest

from codex.mcp.core_bridge import McpBridge
from codex.tools.base import ToolCall, ToolContext
from codex.tools.router import ToolRouter
from codex.tools.specs import build_tools

HERE = Path(__file__).resolve().parent
RICH = str(HERE / "servers" / "rich_server.py")
FIXTURES = HERE.parent.parent / "fixtures" / "mcp_bridge"
WALL = re.compile(r"Wall time: \d+\.\d{4} seconds")

SERVERS = {
    "rich": {"command": sys.executable, "args": [RICH], "tool_timeout_sec": 1.5},
    "broken": {"command": "/nonexistent/mcp-server"},
    "dies": {"command": sys.executable, "args": [RICH, "--exit-at-start"]},
    "late": {"command": sys.executable, "args": [RICH, "--sleep-before-start", "6"], "startup_timeout_sec": 1.5},
}
MODES = {
    "exec_full_access": {"approval_policy": "never", "sandbox_policy": {"type": "danger-full-access"}},
    "exec_default": {"approval_policy": "never", "sandbox_policy": {"type": "read-only"}},
}


def _norm(output):
    if isinstance(output, str):
        return WALL.sub("Wall time: X seconds", output)
    return [dict(item, text=_norm(item["text"])) if item.get("type") == "input_text" else item for item in output]


def _reference(mode: str):
    lines = (FIXTURES / mode / "requests.jsonl").read_text().splitlines()
    last = json.loads(lines[-1])
    outputs = {i["call_id"]: i["output"] for i in last["input"] if i.get("type") == "function_call_output"}
    calls = json.loads((FIXTURES / mode / "calls.json").read_text())
    return calls, outputs, last["tools"]


def _replay(mode: str, calls):
    async def main():
        bridge = McpBridge({"mcp_servers": SERVERS}, cwd=str(HERE), codex_home=str(HERE))
        await bridge.start(None)
        tools = await bridge.tools()
        router = ToolRouter({}, fallback=bridge.handle)
        events = []

        async def emit(msg):
            events.append(msg)

        ctx = ToolContext("thread", "turn", str(HERE), str(HERE), emit=emit, **MODES[mode])
        items = []
        for i, (ns, name, args) in enumerate(calls, 1):
            items.append(await router.dispatch(ToolCall(f"call_{i}", name, arguments=args, namespace=ns), ctx))
        await bridge.shutdown()
        return bridge, tools, items, events

    return asyncio.run(main())


@pytest.mark.parametrize("mode", list(MODES))
def test_outputs_match_reference(mode):
    calls, ref_outputs, ref_tools = _reference(mode)
    bridge, tools, items, events = _replay(mode, calls)
    assert len(items) == len(calls)
    for item in items:
        assert item["type"] == "function_call_output"
        assert _norm(item["output"]) == _norm(ref_outputs[item["call_id"]]), item["call_id"]
    built = build_tools(None, mcp_tools=tools, mcp_servers=bridge.has_servers)
    ours = [t for t in built if t.get("type") == "namespace" and t["name"].startswith("mcp__")]
    ref = [t for t in ref_tools if t.get("type") == "namespace" and t["name"].startswith("mcp__")]
    assert ours == ref


def test_events_match_reference_items():
    """Every mcp_tool_call item of the reference's exec --json has our begin/end pair with the
    same server, tool, arguments and outcome (Ok result content / Err message)."""
    calls, _outputs, _tools = _reference("exec_full_access")
    _bridge, _tools2, _items, events = _replay("exec_full_access", calls)
    ref_items = [json.loads(line)["item"] for line in
                 (FIXTURES / "exec_full_access" / "exec_events.jsonl").read_text().splitlines()
                 if json.loads(line).get("type") == "item.completed"
                 and json.loads(line)["item"].get("type") == "mcp_tool_call"]
    ends = [e for e in events if e["type"] == "mcp_tool_call_end"]
    begins = [e for e in events if e["type"] == "mcp_tool_call_begin"]
    assert len(ends) == len(begins) == len(ref_items)
    for end, ref in zip(ends, ref_items):
        inv = end["invocation"]
        assert (inv["server"], inv["tool"], inv["arguments"]) == (ref["server"], ref["tool"], ref["arguments"])
        if ref["status"] == "completed":
            assert end["result"]["Ok"]["content"] == ref["result"]["content"]
            assert end["result"]["Ok"].get("structuredContent") == ref["result"]["structured_content"]
        else:
            if "Err" in end["result"]:
                assert end["result"]["Err"] == ref["error"]["message"]
            else:  # an isError result
                assert end["result"]["Ok"]["isError"] is True


def test_startup_statuses_match_reference_app_server():
    """The final mcpServer/startupStatus/updated of each server (app-server's mapping of our
    mcp_startup_update: name, status, error) as the reference sent them (their order is the
    reference's HashMap order, so compared per server)."""
    from codex.app_server.event_mapping import EventMapper

    ref = json.loads((FIXTURES / "app_server_startup.json").read_text())
    ref_final = {s["name"]: (s["status"], s["error"]) for s in ref if s["status"] != "starting"}
    assert sorted(s["name"] for s in ref if s["status"] == "starting") == sorted(SERVERS)

    async def main():
        events = []
        bridge = McpBridge({"mcp_servers": SERVERS}, cwd=str(HERE), codex_home=str(HERE))
        await bridge.start(events.append)
        await bridge.wait_startup(15)
        await bridge.shutdown()
        return events

    events = asyncio.run(main())
    mapper = EventMapper()
    notes = [n for e in events for n in mapper.map(e, thread_id="t", turn_id="u")
             if n["method"] == "mcpServer/startupStatus/updated"]
    assert [n["params"]["status"] for n in notes].count("starting") == len(SERVERS)
    ours = {n["params"]["name"]: (n["params"]["status"], n["params"]["error"]) for n in notes
            if n["params"]["status"] != "starting"}
    assert ours == ref_final


def test_server_sees_what_the_reference_sends(tmp_path):
    """initialize params and the tools/call `_meta` keys as the reference sent them to
    servers/logging_mcp_server.py (request ids and rmcp's progress tokens aside)."""
    ref = [json.loads(line) for line in (FIXTURES / "server_view.jsonl").read_text().splitlines()]
    log = tmp_path / "log.jsonl"
    meta = {"session_id": "s", "thread_id": "thread", "thread_source": "user", "turn_id": "turn", "sandbox": "none",
            "turn_started_at_unix_ms": 1, "model": "gpt-5.5", "reasoning_effort": "medium"}

    async def main():
        bridge = McpBridge({"mcp_servers": {"logged": {"command": sys.executable,
                                                       "args": [str(HERE / "servers" / "logging_mcp_server.py")],
                                                       "env": {"MCP_LOG": str(log)}}}},
                           cwd=str(HERE), codex_home=str(HERE))
        await bridge.start(None)
        await bridge.tools()
        ctx = ToolContext("thread", "turn", str(HERE), str(HERE), config={"mcp_turn_metadata": meta},
                          **MODES["exec_full_access"])
        await bridge.handle(ToolCall("c", "echo", arguments='{"text": "x"}', namespace="mcp__logged"), ctx)
        await bridge.shutdown()

    asyncio.run(main())
    ours = [json.loads(line) for line in log.read_text().splitlines()]
    assert [m.get("method") for m in ours] == [m.get("method") for m in ref]
    assert ours[0]["params"] == ref[0]["params"]
    call_ours, call_ref = ours[3]["params"], ref[3]["params"]
    assert (call_ours["name"], call_ours["arguments"]) == (call_ref["name"], call_ref["arguments"])
    ref_meta = {k: v for k, v in call_ref["_meta"].items() if k != "progressToken"}
    assert list(call_ours["_meta"]) == list(ref_meta)
    assert list(call_ours["_meta"]["x-codex-turn-metadata"]) == list(ref_meta["x-codex-turn-metadata"])
    assert call_ours["_meta"]["threadId"] == "thread"
