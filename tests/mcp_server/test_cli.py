"""`codex mcp-server` on the command line: config errors end it before it serves (messages as
the reference prints them, probed on codex-cli 0.136.0); a ping is answered and EOF ends it."""
from __future__ import annotations

from parity.reference import RefEnv

PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}\n'


def test_bad_config_toml():
    with RefEnv(tag="mcp") as env:
        env.write_config("model = 5\n")
        code, out, err = env.run(["mcp-server"], which="ours", stdin=PING)
        assert (code, out) == (1, "")
        assert err == f"Error: error loading config: {env.codex_home}/config.toml:1:9: invalid type: integer `5`, " \
                      "expected a string\n"


def test_bad_override():
    with RefEnv(tag="mcp") as env:
        code, out, err = env.run(["mcp-server", "-c", 'sandbox_mode="bogus"'], which="ours", stdin=PING)
        assert (code, out) == (1, "")
        assert err == ("Error: error loading config: unknown variant `bogus`, expected one of `read-only`, "
                       "`workspace-write`, `danger-full-access`\nin `sandbox_mode`\n\n")


def test_ping_then_eof():
    with RefEnv(tag="mcp") as env:
        code, out, err = env.run(["mcp-server"], which="ours", stdin=PING)
        assert (code, out, err) == (0, '{"jsonrpc":"2.0","id":1,"result":{}}\n', "")


def test_stdin_eof_lets_the_running_tool_call_finish():
    """Probed on the reference: `initialize` + `tools/call` piped in, stdin closed right away:
    the call still streams its events and is answered before the server exits."""
    import json

    from parity.mock_responses import MockResponses

    from .marker_model import MarkerModel

    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    with MockResponses() as mock:
        MarkerModel(mock)
        with RefEnv(mock, tag="mcp") as env:
            call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
                "name": "codex", "arguments": {"prompt": "Say hello.", "cwd": str(env.cwd)}}}
            code, out, err = env.run(["mcp-server"], which="ours", timeout=60,
                                     stdin=json.dumps(init) + "\n" + json.dumps(call) + "\n")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == ""
    assert [m["id"] for m in lines if "id" in m] == [1, 2]
    assert lines[-1]["result"]["content"] == [{"type": "text", "text": "Hello from the mock model."}]
    assert len(lines) == 22
