"""`codex mcp-server`'s answers that need no model, in process, byte for byte. The expected lines
were read from the reference binary (codex-cli 0.136.0 `mcp-server`, probed with these exact
requests) and from the captures in fixtures/mcp_server/transcripts."""
from __future__ import annotations

import asyncio
import io
import json

import pytest

from codex.mcp_server import tools as T
from codex.mcp_server.server import McpServer

from .replay import load_transcript


class _Out(io.BytesIO):
    def lines(self) -> list[str]:
        return self.getvalue().decode().splitlines()


def _run(lines: list[str], tmp_path) -> list[str]:
    out = _Out()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CODEX_HOME": str(tmp_path), "TERM": "xterm"}
    server = McpServer(codex_home=str(tmp_path), environ=env, out=out)

    async def go():
        for line in lines:
            await server.handle_line(line)
        await asyncio.sleep(0)
        await server.shutdown()

    asyncio.run(go())
    return out.lines()


def _req(rid, method, params=None) -> str:
    msg = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        msg["params"] = params
    return json.dumps(msg)


INIT = {"protocolVersion": "2025-06-18", "capabilities": {"elicitation": {}},
        "clientInfo": {"name": "refcapture", "version": "0.1.0"}}


def test_tools_list_is_the_reference_bytes():
    capture = load_transcript("mcp_handshake")
    expected = capture[1]["msg"]["result"]
    ours = {"tools": T.list_tools()}
    assert json.dumps(ours, separators=(",", ":")) == json.dumps(expected, separators=(",", ":"))


def test_handshake_lines(tmp_path):
    lines = _run([
        _req(1, "tools/list", {}),
        _req(2, "initialize", dict(INIT, protocolVersion="2025-11-25")),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        _req(3, "ping", {}),
        _req(4, "resources/list", {}), _req(5, "prompts/list", {}), _req(6, "logging/setLevel", {"level": "info"}),
        _req(7, "completion/complete", {}),
        _req(8, "tools/call"),
        _req(9, "initialize", INIT),
    ], tmp_path)
    assert lines[0].startswith('{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"codex","title":"Codex",')
    init = json.loads(lines[1])
    assert lines[1].startswith('{"jsonrpc":"2.0","id":2,"result":{"protocolVersion":"2025-11-25","capabilities":'
                               '{"tools":{"listChanged":true}},"serverInfo":{"name":"codex-mcp-server",'
                               '"title":"Codex","version":"0.136.0","user_agent":"codex_cli_rs/0.136.0 (')
    assert init["result"]["serverInfo"]["user_agent"].endswith(") xterm (refcapture; 0.1.0)")
    assert lines[2:] == [
        '{"jsonrpc":"2.0","id":3,"result":{}}',
        '{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"method not found: completion/complete",'
        '"data":{"method":"completion/complete"}}}',
        '{"jsonrpc":"2.0","id":8,"error":{"code":-32601,"message":"method not found: tools/call",'
        '"data":{"method":"tools/call"}}}',
        '{"jsonrpc":"2.0","id":9,"error":{"code":-32600,"message":"initialize called more than once"}}',
    ]


def _call(rid, name, arguments=None):
    params = {"name": name}
    if arguments is not None:
        params["arguments"] = arguments
    return _req(rid, "tools/call", params)


def _text(line: str) -> str:
    return json.loads(line)["result"]["content"][0]["text"]


@pytest.mark.parametrize("name,arguments,expected", [
    ("codex", {"prompt": "x", "bogus": 1},
     "Failed to parse configuration for Codex tool: unknown field `bogus`, expected one of `prompt`, `model`, "
     "`cwd`, `approval-policy`, `sandbox`, `config`, `base-instructions`, `developer-instructions`, "
     "`compact-prompt`"),
    ("codex", None, "Missing arguments for codex tool-call; the `prompt` field is required."),
    ("codex", {}, "Failed to parse configuration for Codex tool: missing field `prompt`"),
    ("codex", {"prompt": "x", "approval-policy": "bad"},
     "Failed to parse configuration for Codex tool: unknown variant `bad`, expected one of `untrusted`, "
     "`on-failure`, `on-request`, `never`"),
    ("codex", {"prompt": "x", "sandbox": "nope"},
     "Failed to parse configuration for Codex tool: unknown variant `nope`, expected one of `read-only`, "
     "`workspace-write`, `danger-full-access`"),
    ("codex", {"prompt": 5}, "Failed to parse configuration for Codex tool: invalid type: integer `5`, "
                             "expected a string"),
    ("codex-reply", {"threadId": "nope", "prompt": "x"},
     "Failed to parse thread_id: invalid character: expected an optional prefix of `urn:uuid:` followed by "
     "[0-9a-fA-F-], found `n` at 1"),
    ("codex-reply", {"threadId": "1234", "prompt": "x"},
     "Failed to parse thread_id: invalid length: expected length 32 for simple format, found 4"),
    ("codex-reply", {"threadId": "", "prompt": "x"},
     "Failed to parse thread_id: invalid length: expected length 32 for simple format, found 0"),
    ("codex-reply", {"threadId": "00000000-0000-0000-0000-00000000000g", "prompt": "x"},
     "Failed to parse thread_id: invalid character: expected an optional prefix of `urn:uuid:` followed by "
     "[0-9a-fA-F-], found `g` at 36"),
    ("codex-reply", {"threadId": "00000000-0000-0000-0000-000000000000"},
     "Failed to parse configuration for Codex tool: missing field `prompt`"),
    ("codex-reply", None,
     "Missing arguments for codex-reply tool-call; the `thread_id` and `prompt` fields are required."),
    ("codex-reply", {"prompt": "hi"},
     "Failed to parse thread_id: either threadId or conversationId must be provided"),
    ("no-such-tool", {}, "Unknown tool 'no-such-tool'"),
    ("codex", {"prompt": "x", "config": {"model_reasoning_effort": "bogus"}},
     "Failed to load Codex configuration from overrides: unknown variant `bogus`, expected one of `none`, "
     "`minimal`, `low`, `medium`, `high`, `xhigh`\nin `model_reasoning_effort`\n"),
])
def test_tool_call_errors(tmp_path, name, arguments, expected):
    lines = _run([_call("a", name, arguments)], tmp_path)
    assert len(lines) == 1
    assert json.loads(lines[0]) == {"jsonrpc": "2.0", "id": "a", "result": {
        "content": [{"type": "text", "text": expected}], "isError": True}}


def test_session_not_found_has_structured_content(tmp_path):
    lines = _run([_call(12, "codex-reply", {"threadId": "00000000000000000000000000000000", "prompt": "x",
                                            "extra": 1})], tmp_path)
    tid = "00000000-0000-0000-0000-000000000000"
    text = f"Session not found for thread_id: {tid}"
    assert lines == [json.dumps({"jsonrpc": "2.0", "id": 12, "result": {
        "content": [{"type": "text", "text": text}], "structuredContent": {"threadId": tid, "content": text},
        "isError": True}}, separators=(",", ":"))]


def test_garbage_line_is_logged_not_answered(tmp_path, caplog):
    with caplog.at_level("ERROR"):
        lines = _run(["garbage", _req(1, "ping", {})], tmp_path)
    assert lines == ['{"jsonrpc":"2.0","id":1,"result":{}}']
    assert "Failed to deserialize JSON-RPC message: expected value at line 1 column 1" in caplog.text


def test_thread_id_parsing():
    assert T.parse_thread_id("00000000000000000000000000000001") == "00000000-0000-0000-0000-000000000001"
    assert T.parse_thread_id("urn:uuid:00000000-0000-0000-0000-000000000002") == \
        "00000000-0000-0000-0000-000000000002"


def test_malformed_requests_like_the_reference(tmp_path, caplog):
    """Probed on the reference: initialize / tools/call params that do not deserialize answer
    "method not found"; messages that are not JSON-RPC 2.0 are logged, not answered; any
    protocolVersion is echoed."""
    with caplog.at_level("ERROR"):
        lines = _run([
            _req(1, "initialize", {"protocolVersion": "2025-06-18", "clientInfo": {"name": "x", "version": "1"}}),
            _req(2, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "x"}}),
            _req(3, "initialize", {"protocolVersion": 5, "capabilities": {}, "clientInfo": {"name": "x", "version": "1"}}),
            _req(4, "initialize", {"protocolVersion": "1999-01-01", "capabilities": {},
                                   "clientInfo": {"name": "x", "version": "1", "title": "T"}}),
            _req(5, "tools/call", {"name": "codex", "arguments": "str"}),
            _req(6, "tools/call", {"name": 5}),
            json.dumps({"jsonrpc": "2.0", "method": "ping"}),
            json.dumps({"jsonrpc": "2.0", "id": None, "method": "ping"}),
            json.dumps({"id": 7, "method": "ping"}),
        ], tmp_path)
    nf = '{"jsonrpc":"2.0","id":%d,"error":{"code":-32601,"message":"method not found: %s","data":{"method":"%s"}}}'
    assert lines[:3] == [nf % (i, "initialize", "initialize") for i in (1, 2, 3)]
    assert lines[3].startswith('{"jsonrpc":"2.0","id":4,"result":{"protocolVersion":"1999-01-01",')
    assert lines[3].endswith(' xterm (x; 1)"}}}')
    assert lines[4:] == [nf % (i, "tools/call", "tools/call") for i in (5, 6)]
    assert caplog.text.count("Failed to deserialize JSON-RPC message: data did not match any variant of "
                             "untagged enum JsonRpcMessage") == 2
