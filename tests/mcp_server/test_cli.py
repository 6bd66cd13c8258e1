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
