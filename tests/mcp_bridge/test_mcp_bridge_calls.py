"""McpBridge against real stdio MCP servers spawned by the bridge: the SDK's MCPServer
(servers/rich_server.py) and the stdlib server the reference capture used
(fixtures/parity/app_server_turns/mock_mcp_server.py, a copy of refcapture's). Startup events, the tools handed to
build_tools, tool calls (text, image, structured, isError, timeout, bad arguments), the
resource tools and the model-visible output compared with the reference transcript.

This directory has no __init__.py and no conftest.py (the `mcp` SDK name must stay importable)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path

import pytest

from codex.mcp.core_bridge import McpBridge, call_tool_result_output
from codex.tools.base import ToolCall, ToolContext, ToolError

HERE = Path(__file__).resolve().parent
RICH = str(HERE / "servers" / "rich_server.py")
REPO = HERE.parent.parent
MOCK = str(REPO / "fixtures" / "parity" / "app_server_turns" / "mock_mcp_server.py")
TRANSCRIPT = REPO / "fixtures" / "app_server" / "transcripts" / "mcp_tools.requests.jsonl"
WALL = re.compile(r"^Wall time: \d+\.\d{4} seconds\nOutput:")


def run(coro):
    return asyncio.run(coro)


def server(path=RICH, *args, **kw):
    return dict({"command": sys.executable, "args": [path, *args]}, **kw)


FULL_ACCESS = {"type": "danger-full-access"}


class Ctx:
    """A ToolContext recording the events; full access (no MCP approvals) unless told."""

    def __init__(self, services=None, sandbox=FULL_ACCESS, approval="never", config=None):
        self.events = []

        async def emit(msg):
            self.events.append(msg)

        self.ctx = ToolContext("thread", "turn", str(HERE), str(HERE), emit=emit, services=services or {},
                               sandbox_policy=sandbox, approval_policy=approval, config=config or {})

    def types(self):
        return [e["type"] for e in self.events]


# ---- startup ------------------------------------------------------------------------------


def test_startup_events_ready_failed_timeout():
    async def main():
        events = []
        cfg = {"mcp_servers": {
            "rich": server(),
            "broken": {"command": "/nonexistent/mcp-server"},
            "late": server(RICH, "--sleep-before-start", "5", startup_timeout_sec=0.5),
            "dies": server(RICH, "--exit-at-start"),
            "off": dict(server(), enabled=False),
        }}
        bridge = McpBridge(cfg, cwd=str(HERE), codex_home=str(HERE))
        t0 = time.monotonic()
        await bridge.start(events.append)
        # start() returns at once: only the "starting" updates, in config order, for enabled servers
        assert events == [{"type": "mcp_startup_update", "server": n, "status": {"state": "starting"}}
                          for n in ("rich", "broken", "late", "dies")]
        assert time.monotonic() - t0 < 1.0
        summary = await bridge.wait_startup(15)
        await bridge.shutdown()
        return events, summary

    events, summary = run(main())
    finals = {e["server"]: e["status"] for e in events[4:] if e["type"] == "mcp_startup_update"}
    assert finals["rich"] == {"state": "ready"}
    assert finals["broken"] == {"state": "failed", "error": "MCP client for `broken` failed to start: "
                                "MCP startup failed: No such file or directory (os error 2)"}
    assert finals["late"] == {"state": "failed", "error": (
        "MCP client for `late` timed out after 0 seconds. Add or adjust `startup_timeout_sec` in your "
        "config.toml:\n[mcp_servers.late]\nstartup_timeout_sec = XX")}
    assert finals["dies"]["state"] == "failed"
    assert events[-1] == summary
    assert summary["type"] == "mcp_startup_complete"
    assert summary["ready"] == ["rich"] and summary["cancelled"] == []
    failed = {f["server"]: f["error"] for f in summary["failed"]}
    assert failed == {"broken": "No such file or directory (os error 2)",
                      "late": "timed out handshaking with MCP server after 500ms",
                      "dies": "handshaking with MCP server failed: connection closed: initialize response"}


def test_required_server_failure_message():
    """Captured (codex exec with three required servers failing): `Failed to create session:
    required MCP servers failed to initialize: dies: handshaking with MCP server failed: connection
    closed: initialize response; late: timed out handshaking with MCP server after 1s; need: No
    such file or directory (os error 2)`."""
    async def main():
        bridge = McpBridge({"mcp_servers": {
            "need": {"command": "/nonexistent/x", "required": True},
            "late": server(RICH, "--sleep-before-start", "5", startup_timeout_sec=1, required=True),
            "dies": server(RICH, "--exit-at-start", required=True),
            "ok": server(required=True)}}, cwd=str(HERE), codex_home=str(HERE))
        await bridge.start(None)
        failures = await bridge.required_startup_failures()
        await bridge.shutdown()
        return bridge, failures

    bridge, failures = run(main())
    assert bridge.required_failure_message(failures) == (
        "required MCP servers failed to initialize: dies: handshaking with MCP server failed: connection closed: "
        "initialize response; late: timed out handshaking with MCP server after 1s; need: No such file or "
        "directory (os error 2)")


def test_tools_wait_for_servers_and_skip_failed_ones():
    async def main():
        cfg = {"mcp_servers": {
            "rich": server(RICH, "--sleep-before-start", "0.5", disabled_tools=["slow"]),
            "mock": server(MOCK, enabled_tools=["echo"]),
            "late": server(RICH, "--sleep-before-start", "10", startup_timeout_sec=1),
        }}
        bridge = McpBridge(cfg, cwd=str(HERE), codex_home=str(HERE))
        await bridge.start(None)
        t0 = time.monotonic()
        tools = await bridge.tools()
        elapsed = time.monotonic() - t0
        await bridge.shutdown()
        return tools, elapsed

    tools, elapsed = run(main())
    names = sorted(t.canonical_tool_name() for t in tools)
    assert names == ["mcp__mock__echo", "mcp__rich__add", "mcp__rich__big", "mcp__rich__echo", "mcp__rich__fail",
                     "mcp__rich__mixed", "mcp__rich__picture", "mcp__rich__ro"]
    assert elapsed < 4  # gave up on `late` at its startup timeout
    info = next(t for t in tools if t.canonical_tool_name() == "mcp__rich__echo")
    assert (info.server_name, info.raw_tool_name, info.callable_namespace) == ("rich", "echo", "mcp__rich__")


def test_tools_array_matches_reference_request():
    """build_tools with the bridge's tools renders the namespace the reference sent."""
    from codex.tools.specs import build_tools

    async def main():
        bridge = McpBridge({"mcp_servers": {"mockmcp": server(MOCK)}}, cwd=str(HERE), codex_home=str(HERE))
        await bridge.start(None)
        tools = await bridge.tools()
        await bridge.shutdown()
        return bridge, tools

    bridge, tools = run(main())
    built = build_tools(None, mcp_tools=tools, mcp_servers=bridge.has_servers)
    req = json.loads(TRANSCRIPT.read_text().splitlines()[0])["body"]
    ref_ns = [t for t in req["tools"] if t.get("type") == "namespace" and t["name"].startswith("mcp__")]
    ours_ns = [t for t in built if t.get("type") == "namespace" and t["name"].startswith("mcp__")]
    assert ours_ns == ref_ns
    ref_res = [t["name"] for t in req["tools"] if "mcp_resource" in t.get("name", "")]
    assert [t["name"] for t in built if "mcp_resource" in t.get("name", "")] == ref_res


# ---- calls --------------------------------------------------------------------------------


async def _bridge(**servers):
    bridge = McpBridge({"mcp_servers": servers}, cwd=str(HERE), codex_home=str(HERE))
    await bridge.start(None)
    await bridge.tools()
    return bridge


def test_call_output_matches_reference_transcript():
    """The reference's function_call_output for `echo` via namespace mcp__mockmcp."""
    lines = [json.loads(line) for line in TRANSCRIPT.read_text().splitlines()]
    ref_input = lines[1]["body"]["input"]
    call = next(i for i in ref_input if i.get("type") == "function_call")
    ref_out = next(i for i in ref_input if i.get("type") == "function_call_output")

    async def main():
        bridge = await _bridge(mockmcp=server(MOCK))
        c = Ctx()
        out = await bridge.handle(ToolCall(call["call_id"], call["name"], arguments=call["arguments"],
                                           namespace=call["namespace"]), c.ctx)
        await bridge.shutdown()
        return out, c

    out, c = run(main())
    assert out.success is True
    strip = lambda s: WALL.sub("Wall time: X seconds\nOutput:", s)  # noqa: E731
    assert strip(out.content) == strip(ref_out["output"])
    begin, end = c.events
    assert begin == {"type": "mcp_tool_call_begin", "call_id": "call_mock_1",
                     "invocation": {"server": "mockmcp", "tool": "echo", "arguments": {"text": "hi from the model"}}}
    assert end["type"] == "mcp_tool_call_end" and end["invocation"] == begin["invocation"]
    assert set(end["duration"]) == {"secs", "nanos"}
    assert end["result"]["Ok"]["content"] == [{"type": "text", "text": "hi from the model"}]
    # through the app-server mapping: the reference's item/started and item/completed mcpToolCall
    from codex.app_server.event_mapping import EventMapper

    transcript = [json.loads(line)["msg"] for line in
                  (REPO / "fixtures" / "app_server" / "transcripts" / "mcp_tools.jsonl").read_text().splitlines()]
    ref_items = [m["params"]["item"] for m in transcript if m.get("method") in ("item/started", "item/completed")
                 and m["params"]["item"]["type"] == "mcpToolCall"]
    mapper = EventMapper()
    ours = [n["params"]["item"] for e in c.events for n in mapper.map(e, thread_id="t", turn_id="u")
            if n["method"] in ("item/started", "item/completed")]
    for item in ours + ref_items:
        item.pop("durationMs", None)
    assert ours == ref_items


def test_results_text_image_structured_error():
    async def main():
        bridge = await _bridge(rich=server())
        c = Ctx()
        outs = {}
        for name, args in [("picture", "{}"), ("add", '{"a": 2, "b": 3}'), ("fail", '{"reason": "x"}'),
                           ("echo", "")]:
            outs[name] = await bridge.handle(ToolCall(f"call_{name}", name, arguments=args, namespace="mcp__rich"),
                                             c.ctx)
        await bridge.shutdown()
        return outs, c

    outs, c = run(main())
    pic = outs["picture"]
    assert isinstance(pic.content, list) and pic.success
    assert WALL.match(pic.content[0]["text"]) and pic.content[0]["type"] == "input_text"
    assert pic.content[1] == {"type": "input_text", "text": "a pixel"}
    assert pic.content[2]["type"] == "input_image" and pic.content[2]["detail"] == "high"
    assert pic.content[2]["image_url"].startswith("data:image/png;base64,iVBOR")
    assert outs["add"].content.split("\n", 2)[2] == '{"sum":5}' and outs["add"].success
    assert outs["fail"].content.split("\n", 2)[2] == '[{"type":"text","text":"failed: x"}]'
    assert outs["fail"].success is False
    # empty arguments -> no arguments (the server's own validation error comes back)
    assert outs["echo"].success is False
    ends = [e for e in c.events if e["type"] == "mcp_tool_call_end"]
    assert ends[1]["result"]["Ok"]["structuredContent"] == {"sum": 5}
    assert ends[2]["result"]["Ok"]["isError"] is True
    begins = [e for e in c.events if e["type"] == "mcp_tool_call_begin"]
    assert begins[3]["invocation"]["arguments"] is None


def test_images_omitted_without_image_input():
    async def main():
        bridge = McpBridge({"mcp_servers": {"rich": server()}}, cwd=str(HERE), codex_home=str(HERE),
                           supports_image_input=False)
        await bridge.start(None)
        await bridge.tools()
        out = await bridge.handle(ToolCall("c", "picture", arguments="{}", namespace="mcp__rich"), Ctx().ctx)
        await bridge.shutdown()
        return out

    out = run(main())
    assert out.content.split("\n", 2)[2] == (
        '[{"type":"text","text":"a pixel"},{"type":"text","text":'
        '"<image content omitted because you do not support image input>"}]')


def test_tool_timeout_and_invalid_arguments():
    async def main():
        bridge = await _bridge(rich=server(tool_timeout_sec=0.5))
        c = Ctx()
        t0 = time.monotonic()
        slow = await bridge.handle(ToolCall("c1", "slow", arguments='{"seconds": 5}', namespace="mcp__rich"), c.ctx)
        elapsed = time.monotonic() - t0
        bad = await bridge.handle(ToolCall("c2", "echo", arguments="{not json", namespace="mcp__rich"), c.ctx)
        await bridge.shutdown()
        return slow, elapsed, bad, c

    slow, elapsed, bad, c = run(main())
    assert elapsed < 3
    assert slow.success is False
    payload = json.loads(slow.content.split("\n", 2)[2])
    assert payload[0]["text"] == ("tool call error: tool call failed for `rich/slow`\n\nCaused by:\n"
                                  "    timed out awaiting tools/call after 500ms")
    end = [e for e in c.events if e["type"] == "mcp_tool_call_end"][0]
    assert "Err" in end["result"] and end["result"]["Err"] == payload[0]["text"]
    # invalid JSON: no events, upstream's `err: <serde message>`
    assert bad.success is False
    assert json.loads(bad.content.split("\n", 2)[2]) == [
        {"type": "text", "text": "err: key must be a string at line 1 column 2"}]
    assert [e["call_id"] for e in c.events] == ["c1", "c1"]


def test_unknown_calls_answer_like_the_router():
    async def main():
        bridge = await _bridge(rich=server())
        errs = []
        for call in (ToolCall("c", "nope", arguments="{}"), ToolCall("c", "x", kind="custom"),
                     ToolCall("c", "mcp__rich__echo", arguments="{}"),
                     ToolCall("c", "missing", arguments="{}", namespace="mcp__rich")):
            try:
                await bridge.handle(call, Ctx().ctx)
            except ToolError as exc:
                errs.append(str(exc))
        await bridge.shutdown()
        return errs

    assert run(main()) == ["unsupported call: nope", "unsupported custom tool call: x",
                           "unsupported call: mcp__rich__echo", "unsupported call: mcp__richmissing"]


def test_parallel_safety():
    async def main():
        bridge = await _bridge(rich=server(), par=server(MOCK, supports_parallel_tool_calls=True))
        res = (bridge.parallel_safe(ToolCall("c", "ro", namespace="mcp__rich")),
               bridge.parallel_safe(ToolCall("c", "echo", namespace="mcp__rich")),
               bridge.parallel_safe(ToolCall("c", "echo", namespace="mcp__par")),
               bridge.parallel_safe(ToolCall("c", "list_mcp_resources")),
               bridge.is_mcp_call(ToolCall("c", "echo", namespace="mcp__par")),
               bridge.is_mcp_call(ToolCall("c", "update_plan")))
        await bridge.shutdown()
        return res

    assert run(main()) == (True, False, True, True, True, False)


def _approval_run(services=None, calls=(("echo", '{"text": "x"}'),), **ctx_kw):
    async def main():
        bridge = await _bridge(rich=server())
        c = Ctx(services, **ctx_kw)
        outs = [await bridge.handle(ToolCall(f"c{i}", name, arguments=args, namespace="mcp__rich"), c.ctx)
                for i, (name, args) in enumerate(calls, 1)]
        await bridge.shutdown()
        return outs, c

    return run(main())


def test_approval_without_an_answer_cancels_like_reference_exec():
    outs, c = _approval_run(sandbox={"type": "read-only"})
    assert outs[0].success is False
    assert outs[0].content.split("\n", 2)[2] == '[{"type":"text","text":"user cancelled MCP tool call"}]'
    assert [e["type"] for e in c.events] == ["mcp_tool_call_begin", "mcp_tool_call_end"]
    assert c.events[1]["duration"] == {"secs": 0, "nanos": 0}
    assert c.events[1]["result"] == {"Err": "user cancelled MCP tool call"}


def test_read_only_tools_need_no_approval():
    outs, c = _approval_run(sandbox={"type": "read-only"}, calls=(("ro", "{}"),))
    assert outs[0].success and outs[0].content.endswith('[{"type":"text","text":"ro"}]')


def test_approval_elicitation_request_and_decisions():
    asked = []
    answers = iter([{"action": "accept", "content": {}, "_meta": {"persist": "session"}},
                    {"action": "decline", "content": None, "_meta": None}])

    async def elicit(event):
        asked.append(event)
        return next(answers)

    outs, c = _approval_run({"mcp_elicitation": elicit}, approval="on-request", sandbox={"type": "read-only"},
                            calls=(("echo", '{"text": "x", "a": 1}'), ("echo", '{"text": "y"}'), ("fail", "{}")))
    # first: asked, accepted for the session; second: remembered (not asked); third: declined
    assert len(asked) == 2
    assert asked[0] == {
        "type": "elicitation_request", "turn_id": "turn", "server_name": "rich", "id": "mcp_tool_call_approval_c1",
        "request": {"mode": "form", "_meta": {
            "codex_approval_kind": "mcp_tool_call", "persist": ["session", "always"],
            "tool_description": "Echo the text back.", "tool_params": {"text": "x", "a": 1},
            "tool_params_display": [{"name": "a", "value": 1, "display_name": "a"},
                                    {"name": "text", "value": "x", "display_name": "text"}]},
            "message": 'Allow the rich MCP server to run tool "echo"?',
            "requested_schema": {"type": "object", "properties": {}}}}
    assert outs[0].success and outs[1].success
    assert outs[2].content.split("\n", 2)[2] == '[{"type":"text","text":"user rejected MCP tool call"}]'


def test_approval_mode_config_and_persisted_approval(tmp_path):
    (tmp_path / "config.toml").write_text(
        f'[mcp_servers.rich]\ncommand = "{sys.executable}"\nargs = ["{RICH}"]\n'
        '[mcp_servers.rich.tools.echo]\napproval_mode = "approve"\n')

    async def elicit(event):
        return {"action": "accept", "content": {}, "_meta": {"persist": "always"}}

    async def main():
        import tomllib

        cfg = tomllib.loads((tmp_path / "config.toml").read_text())
        bridge = McpBridge(cfg, cwd=str(HERE), codex_home=str(tmp_path))
        await bridge.start(None)
        await bridge.tools()
        c = Ctx({"mcp_elicitation": elicit}, sandbox={"type": "read-only"})
        echo = await bridge.handle(ToolCall("c1", "echo", arguments='{"text": "x"}', namespace="mcp__rich"), c.ctx)
        asked_echo = [e for e in c.events if e["type"] == "elicitation_request"]
        add = await bridge.handle(ToolCall("c2", "add", arguments='{"a": 1, "b": 2}', namespace="mcp__rich"), c.ctx)
        await bridge.shutdown()
        return echo, asked_echo, add

    echo, asked_echo, add = run(main())
    assert echo.success and asked_echo == []   # approval_mode = "approve": never asked
    assert add.success
    assert 'approval_mode = "approve"' in (tmp_path / "config.toml").read_text().split("[mcp_servers.rich.tools.add]")[1]


# ---- resources ----------------------------------------------------------------------------


def test_resource_tools():
    async def main():
        bridge = await _bridge(rich=server(), mockmcp=server(MOCK))
        c = Ctx()
        outs = []
        for name, args in [("list_mcp_resources", "{}"), ("list_mcp_resources", '{"server": "mockmcp"}'),
                           ("list_mcp_resource_templates", "{}"),
                           ("read_mcp_resource", '{"server": "mockmcp", "uri": "mock://greeting"}')]:
            outs.append(await bridge.handle(ToolCall("r", name, arguments=args), c.ctx))
        errs = []
        for name, args in [("list_mcp_resources", '{"cursor": "x"}'), ("read_mcp_resource", '{"server": " ", "uri": "u"}'),
                           ("read_mcp_resource", '{"server": "nope", "uri": "u"}')]:
            try:
                await bridge.handle(ToolCall("r", name, arguments=args), c.ctx)
            except ToolError as exc:
                errs.append(str(exc))
        await bridge.shutdown()
        return outs, errs, c

    outs, errs, c = run(main())
    assert json.loads(outs[0].content) == {"resources": [
        {"server": "mockmcp", "uri": "mock://greeting", "name": "greeting", "mimeType": "text/plain"},
        {"server": "rich", "uri": "mem://note", "name": "note", "description": "A note.", "mimeType": "text/plain"}]}
    assert outs[1].content == ('{"server":"mockmcp","resources":[{"server":"mockmcp","uri":"mock://greeting",'
                               '"name":"greeting","mimeType":"text/plain"}]}')
    tmpl = json.loads(outs[2].content)["resourceTemplates"]
    assert [(t["server"], t["uriTemplate"]) for t in tmpl] == [("rich", "mem://item/{id}")]
    assert outs[3].content == ('{"server":"mockmcp","uri":"mock://greeting","contents":[{"uri":"mock://greeting",'
                               '"mimeType":"text/plain","text":"hello from the mock MCP server"}]}')
    assert errs[0] == "cursor can only be used when a server is specified"
    assert errs[1] == "server must be provided"
    assert errs[2].startswith("resources/read failed: ")
    begin = c.events[0]
    assert begin["invocation"] == {"server": "codex", "tool": "list_mcp_resources", "arguments": {}}
    end = c.events[1]
    assert end["result"]["Ok"]["content"][0]["text"] == outs[0].content


# ---- output mapping (pure) ----------------------------------------------------------------


def test_output_mapping_rules():
    out = call_tool_result_output({"content": [{"type": "text", "text": "a"}], "structuredContent": None}, 0.00123)
    assert out.content == 'Wall time: 0.0012 seconds\nOutput:\n[{"type":"text","text":"a"}]'
    out = call_tool_result_output({"content": [], "isError": True}, 1.5)
    assert out.content == "Wall time: 1.5000 seconds\nOutput:\n[]" and out.success is False
    out = call_tool_result_output({"content": [{"type": "image", "data": "data:image/gif;base64,R0", "mimeType": "x",
                                                "_meta": {"codex/imageDetail": "low"}},
                                               {"type": "audio", "data": "AA", "mimeType": "audio/wav"}]}, 0)
    assert out.content[1] == {"type": "input_image", "image_url": "data:image/gif;base64,R0", "detail": "low"}
    assert out.content[2] == {"type": "input_text", "text": '{"type":"audio","data":"AA","mimeType":"audio/wav"}'}
    big = "x" * 100_000
    out = call_tool_result_output({"content": [{"type": "text", "text": big}]}, 0, truncation_tokens=100)
    assert "tokens truncated" in out.content and len(out.content) < 1000


@pytest.mark.parametrize("raw,expected", [
    ("{bad", "key must be a string at line 1 column 2"),
    ("", None),
    ("[1,", "EOF while parsing a value at line 1 column 3"),
    ("{} x", "trailing characters at line 1 column 4"),
    ("nope", "expected value at line 1 column 1"),
])
def test_serde_like_argument_errors(raw, expected):
    from codex.mcp.core_bridge import _serde_json_error

    if expected is None:
        return
    try:
        json.loads(raw)
    except json.JSONDecodeError as exc:
        assert _serde_json_error(exc, raw) == expected


def test_shutdown_while_starting_cancels():
    async def main():
        events = []
        bridge = McpBridge({"mcp_servers": {"slowstart": server(RICH, "--sleep-before-start", "5")}},
                           cwd=str(HERE), codex_home=str(HERE))
        await bridge.start(events.append)
        await asyncio.sleep(0.3)
        t0 = time.monotonic()
        await bridge.shutdown()
        return events, time.monotonic() - t0

    events, took = run(main())
    assert events[1] == {"type": "mcp_startup_update", "server": "slowstart", "status": {"state": "cancelled"}}
    assert events[2] == {"type": "mcp_startup_complete", "ready": [], "failed": [], "cancelled": ["slowstart"]}
    assert took < 8


def test_streamable_http_server_with_bearer_token():
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, RICH, "--http", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/mcp"

        async def main():
            bridge = McpBridge({"mcp_servers": {"web": {"url": url, "bearer_token_env_var": "WEB_TOKEN"},
                                                "nokey": {"url": url, "bearer_token_env_var": "NOPE_TOKEN"}}},
                               cwd=str(HERE), codex_home=str(HERE), environ={"WEB_TOKEN": "sekret"})
            await bridge.start(None)
            tools = await bridge.tools()
            summary = await bridge.wait_startup(10)
            out = await bridge.handle(ToolCall("c", "auth_header", arguments="{}", namespace="mcp__web"), Ctx().ctx)
            await bridge.shutdown()
            return tools, summary, out

        tools, summary, out = run(main())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "mcp__web__echo" in [t.canonical_tool_name() for t in tools]
    assert tools[0].server_origin == url
    assert summary["ready"] == ["web"]
    assert summary["failed"] == [{"server": "nokey", "error":
                                  "Environment variable NOPE_TOKEN for MCP server 'nokey' is not set"}]
    assert out.content.endswith('[{"type":"text","text":"Bearer sekret"}]')


def test_approval_request_maps_to_the_reference_elicitation():
    """The reference transcript (app-server, approval on-request): the tool call item starts, the
    client gets mcpServer/elicitation/request, accepts, the tool runs. Our elicitation_request
    through the app-server mapping gives the same request params."""
    from codex.app_server.event_mapping import REQUEST_KEY, EventMapper

    transcript = [json.loads(line)["msg"] for line in
                  (REPO / "fixtures" / "app_server" / "transcripts" / "mcp_tools.jsonl").read_text().splitlines()]
    ref_req = next(m for m in transcript if m.get("method") == "mcpServer/elicitation/request")
    ref_answer = next(m for m in transcript if m.get("id") == ref_req["id"] and "result" in m)["result"]
    asked = []

    async def elicit(event):
        asked.append(event)
        return ref_answer

    async def main():
        bridge = await _bridge(mockmcp=server(MOCK))
        c = Ctx({"mcp_elicitation": elicit}, sandbox={"type": "read-only"}, approval="on-request")
        out = await bridge.handle(ToolCall("call_mock_1", "echo", arguments='{"text": "hi from the model"}',
                                           namespace="mcp__mockmcp"), c.ctx)
        await bridge.shutdown()
        return out, c

    out, c = run(main())
    assert out.success and out.content.endswith('[{"type":"text","text":"hi from the model"}]')
    assert [e["type"] for e in c.events] == ["mcp_tool_call_begin", "mcp_tool_call_end"]
    mapper = EventMapper()
    thread_id, turn_id = ref_req["params"]["threadId"], ref_req["params"]["turnId"]
    asked[0]["turn_id"] = turn_id
    requests = [n for n in mapper.map(asked[0], thread_id=thread_id, turn_id=turn_id)
                if n.get(REQUEST_KEY) == "mcpServer/elicitation/request"]
    assert requests and requests[0]["params"] == ref_req["params"]


ELICIT = str(HERE / "servers" / "elicit_server.py")


def test_server_elicitations():
    """elicitation/create from a server during a call: asked through mcp_elicitation (approval
    on-request), declined under approval never, an empty form auto-accepted under full access."""
    asked = []

    async def elicit(event):
        asked.append(event)
        return {"action": "accept", "content": {"name": "Ada"}}

    async def main():
        bridge = await _bridge(el=server(ELICIT))
        outs = []
        for ctx_kw, tool in [({"approval": "on-request", "sandbox": {"type": "read-only"}}, "ask_name"),
                             ({"approval": "never", "sandbox": {"type": "read-only"}}, "ask_name"),
                             ({}, "confirm"), ({}, "ask_name")]:
            c = Ctx({"mcp_elicitation": elicit}, **ctx_kw)
            out = await bridge.handle(ToolCall("c", tool, arguments="{}", namespace="mcp__el"), c.ctx)
            outs.append(json.loads(out.content.split("\n", 2)[2])[0]["text"])
        await bridge.shutdown()
        return outs

    outs = run(main())
    assert outs == ["accept:Ada", "decline:None", "accept", "decline:None"]
    assert len(asked) == 1
    ev = asked[0]
    assert (ev["type"], ev["turn_id"], ev["server_name"]) == ("elicitation_request", None, "el")
    assert ev["request"]["mode"] == "form" and ev["request"]["message"] == "What is your name?"
    assert ev["request"]["requested_schema"]["properties"]["name"]["type"] == "string"
    assert isinstance(ev["id"], (int, str))


def test_direct_access_matches_app_server_transcript():
    """mcpServer/tool/call and mcpServer/resource/read results, and the status list's server
    info / tools, as the reference answered them for the same mock server."""
    transcript = [json.loads(line)["msg"] for line in
                  (REPO / "fixtures" / "app_server" / "transcripts" / "mcp_tools.jsonl").read_text().splitlines()]
    by_id = {m["id"]: m for m in transcript if "result" in m and "id" in m}
    status = by_id[3]["result"]["data"][0]

    async def main():
        bridge = await _bridge(mockmcp=server(MOCK))
        call = await bridge.call_tool_direct("mockmcp", "add", {"a": 2, "b": 3})
        read = await bridge.read_resource_direct("mockmcp", "mock://greeting")
        snap = bridge.server_snapshot("mockmcp")
        await bridge.shutdown()
        return call, read, snap

    call, read, snap = run(main())
    assert call == by_id[6]["result"]
    assert read == by_id[5]["result"]
    assert snap["serverInfo"] == {k: v for k, v in status["serverInfo"].items() if v is not None}
    assert snap["tools"] == status["tools"]


def test_content_items_share_one_truncation_budget():
    img = {"type": "image", "data": "AAAA", "mimeType": "image/png"}
    texts = [{"type": "text", "text": "a" * 400}, img, {"type": "text", "text": "b" * 400},
             {"type": "text", "text": "c" * 40}]
    out = call_tool_result_output({"content": texts}, 0, truncation_tokens=150, history_truncation=False).content
    assert [i["type"] for i in out] == ["input_text", "input_text", "input_image", "input_text", "input_text"]
    assert out[1]["text"] == "a" * 400                      # header (~8 tokens) + 100 tokens fit
    assert "tokens truncated" in out[3]["text"]              # the overflowing one, middle-truncated
    assert out[4]["text"] == "[omitted 1 text items ...]"    # budget spent: "c..." dropped


def test_streamable_http_startup_failures_in_rmcp_words():
    """Captured (required HTTP servers under codex exec): an unreachable URL and an endpoint that
    does not speak JSON-RPC."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class NotMcp(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = b'{"error": {"message": "not found"}}'
            self.send_response(404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST  # noqa: N815

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotMcp)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        async def main():
            bridge = McpBridge({"mcp_servers": {
                "web": {"url": "http://127.0.0.1:9/mcp", "required": True},
                "notmcp": {"url": f"http://127.0.0.1:{httpd.server_address[1]}/v1", "required": True}}},
                cwd=str(HERE), codex_home=str(HERE))
            await bridge.start(None)
            failures = await bridge.required_startup_failures()
            await bridge.shutdown()
            return bridge.required_failure_message(failures)

        message = run(main())
    finally:
        httpd.shutdown()
        httpd.server_close()
    worker = ("Send message error Transport [rmcp::transport::worker::WorkerTransport<rmcp::transport::"
              "streamable_http_client::StreamableHttpClientWorker<codex_rmcp_client::http_client_adapter::"
              "StreamableHttpClientAdapter>>] error: ")
    assert message == (
        "required MCP servers failed to initialize: "
        f"notmcp: handshaking with MCP server failed: {worker}Deserialize error: data did not match any variant of "
        "untagged enum JsonRpcMessage, when send initialize request; "
        f"web: handshaking with MCP server failed: {worker}Client error: HTTP request failed: http/request failed: "
        "error sending request for url (http://127.0.0.1:9/mcp), when send initialize request")


def test_invalid_server_name_fails_its_startup():
    async def main():
        bridge = McpBridge({"mcp_servers": {"bad.name": server()}}, cwd=str(HERE), codex_home=str(HERE))
        await bridge.start(None)
        summary = await bridge.wait_startup(10)
        await bridge.shutdown()
        return summary

    assert run(main())["failed"] == [{"server": "bad.name", "error":
                                      "Invalid MCP server name 'bad.name': must match pattern ^[a-zA-Z0-9_-]+$"}]


def test_approval_through_the_sessions_generic_ask():
    """Without an mcp_elicitation service the bridge uses the turn's `ask` service with the key
    the session resolves `resolve_elicitation` ops by."""
    seen = []

    async def ask(key, msg):
        seen.append((key, msg["type"]))
        return {"type": "resolve_elicitation", "server_name": key[1], "request_id": key[2], "decision": "accept",
                "content": {}, "meta": None}

    outs, c = _approval_run({"ask": ask}, approval="on-request", sandbox={"type": "read-only"})
    assert seen == [(("elicitation", "rich", "mcp_tool_call_approval_c1"), "elicitation_request")]
    assert outs[0].success and outs[0].content.endswith('[{"type":"text","text":"x"}]')
