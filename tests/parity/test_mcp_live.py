"""`codex mcp ...` live: the same command sequences run by the reference Codex 0.136.0 and by
ours, each in its own RefEnv; exit code, stdout, stderr and the config.toml left behind must be
identical after every step (sandbox paths normalized)."""

from __future__ import annotations

import json

import pytest

from .reference import RefEnv

pytestmark = pytest.mark.reference

COMMENTED = """\
# top comment
model = "x" # trailing

[mcp_servers.old]
# comment inside old
command = "foo"
startup_timeout_ms = 5000
args = []
env = {}

# before features
[features]
plugins = false
[mcp_servers.alpha]
command = "a"
enabled = false
tool_timeout_sec = 3
enabled_tools = ["t1"]
cwd = "/x"
[mcp_servers.alpha.env]
K = "v"
[other]
x = 1
# end
"""

SEQUENCES = {
    "empty": (None, [["list"], ["list", "--json"], ["get", "nosuch"], ["get", "nosuch", "--json"],
                     ["remove", "nosuch"]]),
    "stdio_http": (None, [
        ["add", "demo", "--env", "DEMO_TOKEN=abc", "--", "python3", "server.py", "--flag"],
        ["add", "web", "--url", "https://example.invalid/mcp"],
        ["add", "tok", "--url", "http://127.0.0.1:1/mcp", "--bearer-token-env-var", "TOK"],
        ["list"], ["list", "--json"], ["get", "demo"], ["get", "demo", "--json"], ["get", "web"],
        ["get", "tok", "--json"], ["remove", "demo"], ["remove", "demo"], ["list"],
        ["remove", "web"], ["remove", "tok"], ["list"],
    ]),
    "invalid": (None, [
        ["add", "bad name", "--", "x"], ["add", "a.b", "--url", "http://u"], ["remove", "a.b"],
        ["add", "x", "--url", "u", "--", "cmd"], ["add", "x"], ["add", "x", "--env", "FOO", "--", "c"],
        ["add", "x", "--env", "=v", "--", "c"], ["add", "x", "--bearer-token-env-var", "T", "--", "c"],
        ["add", "x", "--oauth-resource", "r", "--", "c"], ["add", "x", "--env", "A=b", "--url", "http://u"],
        ["add", "o", "--url", "http://127.0.0.1:1/m", "--oauth-client-id", "cid", "--oauth-resource", "res"],
        ["get", "o"], ["get", "o", "--json"],
    ]),
    "auth": (None, [
        ["add", "s", "--", "x"], ["add", "h", "--url", "http://127.0.0.1:1/mcp"],
        ["login", "s"], ["login", "nosuch"], ["login", "h"], ["logout", "s"], ["logout", "nosuch"],
        ["logout", "h"],
    ]),
    "commented": (COMMENTED, [
        ["add", "new", "--env", "B=2", "--env", "A=1", "--", "cmd", "a", "b"], ["list"], ["get", "alpha"],
        ["get", "alpha", "--json"], ["get", "old"], ["get", "old", "--json"], ["add", "old", "--url", "http://o"],
        ["remove", "alpha"], ["remove", "old"], ["remove", "new"], ["list"],
    ]),
    "overrides": ('model = "m"\n', [
        ["list", "-c", 'mcp_servers.z.command="q"'], ["get", "z", "-c", 'mcp_servers.z.url="http://q"'],
        ["list", "-c", "approval_policy=bogus"], ["add", "q", "-c", "approval_policy=bogus", "--", "x"],
    ]),
    "profiles": ('model = "x"\n[profiles.p]\nmodel = "y"\n', [
        ["--strict-config", "mcp", "list"], ["-p", "p", "mcp", "list"], ["-p", "nosuch", "mcp", "list"],
        ["-p", "p", "mcp", "add", "a", "--", "x"], ["--strict-config", "mcp", "remove", "a"],
        ["-p", "q", "mcp", "list"], ["-p", "q", "mcp", "get", "fromprof"], ["-p", "q", "mcp", "add", "n", "--", "y"],
        ["-p", "q", "mcp", "list", "-c", 'mcp_servers.o.url="http://x"'],
    ], {"q.config.toml": '[mcp_servers.fromprof]\ncommand = "z"\n'}),
    "inline_root": ('mcp_servers = { a = { command = "x" } }\nmodel = "m"\n', [
        ["add", "new", "--", "n"], ["list"], ["remove", "new"], ["remove", "a"],
    ]),
    "dotted_root": ('model = "m"\nmcp_servers.a.command = "x"\n[features]\nx = true\n', [
        ["add", "new", "--", "n"], ["remove", "new"], ["remove", "a"],
    ]),
    "explicit_header": (
        '[features]\nx = true\n[mcp_servers]\nb = { command = "y", args = ["1"] }\n# mid\n'
        'new = { url = "http://old" }\n# before a\na = { command = "z" }\n[mcp_servers.c]\ncommand = "x"\n', [
            ["add", "new", "--", "n"], ["remove", "new"], ["add", "q", "--", "q"], ["remove", "b"],
            ["remove", "a"], ["remove", "c"], ["remove", "q"],
        ]),
    "all_fields": (
        '[mcp_servers."my.server"]\ncommand = "x\\"y"\nargs = ["a b", "c\\\\d", "it\'s"]\nenv = { Z = "1", A = "2" }\n'
        '[mcp_servers.a]\nurl = "http://u"\nhttp_headers = { X = "1" }\nenv_http_headers = { Y = "V" }\n'
        'startup_timeout_sec = 1.5\nrequired = true\nscopes = ["s1"]\noauth_resource = "r"\n'
        '[mcp_servers.a.tools.t1]\napproval_mode = "prompt"\n[mcp_servers.b]\ncommand = "c"\n'
        'env_vars = ["P", { name = "Q", source = "local" }]\ndefault_tools_approval_mode = "auto"\n'
        'supports_parallel_tool_calls = true\ndisabled_tools = []\n', [
            ["list"], ["list", "--json"], ["get", "a"], ["get", "b"], ["get", "b", "--json"],
            ["add", "new", "--", "n"], ["remove", "new"], ["remove", "b"],
        ]),
    "strings": (
        '[mcp_servers.a]\ncommand = """multi\nline"""\n'
        'args = ["with \\"q\\"\\nnl", "tab\\there", "ctrl\\u0001x", "back\\\\slash\\nnl", '
        '"mixed \' and \\" ", "uni \u00e9", "end\\"", "both \' \\" \\\\ x", "\'\'\'x\\n\\\\"]\n'
        'cwd = "x\\r\\ny"\n', [
            ["add", "new", "--", "n"], ["get", "a", "--json"], ["remove", "new"],
        ]),
    "bad_toml": ("x = 1\ny = \n", [["list"], ["add", "zz", "--", "a"], ["remove", "zz"]]),
}


def _normalize(text: str, env: RefEnv) -> str:
    return text.replace(str(env.root), "<ROOT>")


def _json_or_text(text: str):
    # The reference prints a server's `env` map in Rust HashMap order (random per process).
    try:
        return json.loads(text)
    except ValueError:
        return text


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_mcp_sequence_live(name):
    initial, steps, *files = SEQUENCES[name]
    with RefEnv(write_config=False, tag="mcp-ref") as ref, RefEnv(write_config=False, tag="mcp-ours") as ours:
        for env in (ref, ours):
            if initial is not None:
                env.write_config(initial)
            for rel, text in (files[0] if files else {}).items():
                env.write(rel, text, base="codex_home")
        for args in steps:
            argv = args if "mcp" in args else ["mcp", *args]
            results = []
            for which, env in (("reference", ref), ("ours", ours)):
                r = env.run(argv, which=which)
                config = env.config_path.read_text() if env.config_path.exists() else None
                results.append((r.exit_code, _json_or_text(_normalize(r.stdout, env)),
                                _normalize(r.stderr, env), config))
            assert results[1] == results[0], f"codex {' '.join(argv)}"
