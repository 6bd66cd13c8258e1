"""`codex mcp ...` against the reference's captures (fixtures/mcp/, copied from the 0.136.0
capture run: manifest.json holds the argv, exit codes and stderr) and against outputs probed on
the reference binary (the expected texts below)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mcp_testing import codex_home, mcp  # noqa: F401 - fixtures

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mcp"


def _manifest():
    return json.loads((FIXTURES / "manifest.json").read_text())


def test_capture_sequence(mcp, codex_home):
    """The capture run, step by step: same stdout, stderr, exit code and config.toml."""
    for entry in _manifest():
        expected = (FIXTURES / Path(entry["stdout_file"]).name).read_text()
        if entry["argv"][0] == "cat":
            assert (codex_home / "config.toml").read_text() == expected
            continue
        code, out, err = mcp(*entry["argv"][2:])
        assert (code, out, err) == (entry["exit_code"], expected, entry["stderr"]), entry["argv"]


def test_manifest_covers_the_commands():
    verbs = {tuple(e["argv"][1:3]) for e in _manifest()}
    assert {("mcp", "list"), ("mcp", "get"), ("mcp", "add"), ("mcp", "remove")} <= verbs


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

# What the reference wrote after `mcp add new --env B=2 --env A=1 -- cmd a b` on COMMENTED.
AFTER_ADD = """\
# top comment
model = "x" # trailing

[mcp_servers.old]
command = "foo"
startup_timeout_sec = 5.0

[mcp_servers.alpha]
command = "a"
cwd = "/x"
enabled = false
tool_timeout_sec = 3.0
enabled_tools = ["t1"]

[mcp_servers.alpha.env]
K = "v"

[mcp_servers.new]
command = "cmd"
args = ["a", "b"]

[mcp_servers.new.env]
A = "1"
B = "2"

# before features
[features]
plugins = false
[other]
x = 1
# end
"""

AFTER_REMOVE_ALL = """\
# top comment
model = "x" # trailing

# before features
[features]
plugins = false
[other]
x = 1
# end
"""

LIST_AFTER_ADD = """\
Name   Command  Args  Env               Cwd  Status    Auth       
alpha  a        -     K=*****           /x   disabled  Unsupported
new    cmd      a b   A=*****, B=*****  -    enabled   Unsupported
old    foo      -     -                 -    enabled   Unsupported
"""


def test_add_keeps_comments_and_order(mcp, codex_home):
    (codex_home / "config.toml").write_text(COMMENTED)
    assert tuple(mcp("add", "new", "--env", "B=2", "--env", "A=1", "--", "cmd", "a", "b")) == (
        0, "Added global MCP server 'new'.\n", "")
    assert (codex_home / "config.toml").read_text() == AFTER_ADD
    assert mcp("list").out == LIST_AFTER_ADD
    for name in ("old", "alpha", "new"):
        assert mcp("remove", name).out == f"Removed global MCP server '{name}'.\n"
    assert (codex_home / "config.toml").read_text() == AFTER_REMOVE_ALL


def test_add_order_is_insertion_order(mcp, codex_home):
    for name in ("bbb", "aaa"):
        mcp("add", name, "--", "x")
    mcp("add", "ccc", "--url", "http://u")
    assert (codex_home / "config.toml").read_text() == (
        '[mcp_servers.bbb]\ncommand = "x"\n\n[mcp_servers.aaa]\ncommand = "x"\n\n'
        '[mcp_servers.ccc]\nurl = "http://u"\n')


def test_get_variants(mcp, codex_home):
    (codex_home / "config.toml").write_text(COMMENTED)
    assert mcp("get", "alpha").out == "alpha (disabled)\n"
    data = json.loads(mcp("get", "alpha", "--json").out)
    assert data["enabled_tools"] == ["t1"] and data["tool_timeout_sec"] == 3.0
    assert '"tool_timeout_sec": 3.0' in mcp("get", "alpha", "--json").out
    assert mcp("get", "old").out == (
        "old\n  enabled: true\n  transport: stdio\n  command: foo\n  args: -\n  cwd: -\n  env: -\n"
        "  startup_timeout_sec: 5\n  remove: codex mcp remove old\n")
    assert json.loads(mcp("get", "old", "--json").out)["transport"]["env"] == {}


def test_http_server_with_bearer(mcp, codex_home):
    assert mcp("add", "web", "--url", "http://127.0.0.1:1/mcp", "--bearer-token-env-var", "TOK").code == 0
    assert (codex_home / "config.toml").read_text() == (
        '[mcp_servers.web]\nurl = "http://127.0.0.1:1/mcp"\nbearer_token_env_var = "TOK"\n')
    assert mcp("list").out == (
        "Name  Url                     Bearer Token Env Var  Status   Auth        \n"
        "web   http://127.0.0.1:1/mcp  TOK                   enabled  Bearer token\n")
    assert mcp("get", "web").out == (
        "web\n  enabled: true\n  transport: streamable_http\n  url: http://127.0.0.1:1/mcp\n"
        "  bearer_token_env_var: TOK\n  http_headers: -\n  env_http_headers: -\n  remove: codex mcp remove web\n")
    assert json.loads(mcp("list", "--json").out)[0]["auth_status"] == "bearer_token"


@pytest.mark.parametrize("args, code, out, err", [
    (["add", "bad name", "--", "x"], 1, "", "Error: invalid server name 'bad name' (use letters, numbers, '-', '_')\n"),
    (["remove", "a.b"], 1, "", "Error: invalid server name 'a.b' (use letters, numbers, '-', '_')\n"),
    (["get", "a.b"], 1, "", "Error: No MCP server named 'a.b' found.\n"),
    (["remove", "zz"], 0, "No MCP server named 'zz' found.\n", ""),
    (["login", "nosuch"], 1, "", "Error: No MCP server named 'nosuch' found.\n"),
    (["logout", "nosuch"], 1, "", "Error: No MCP server named 'nosuch' found in configuration.\n"),
    (["add", "x", "--url", "u", "--", "cmd"], 2, "",
     "error: the argument '--url <URL>' cannot be used with '[COMMAND]...'\n\n"
     "Usage: codex mcp add [OPTIONS] <NAME> (--url <URL> | -- <COMMAND>...)\n\nFor more information, try '--help'.\n"),
    (["add", "x", "--env", "FOO", "--", "c"], 2, "",
     "error: invalid value 'FOO' for '--env <KEY=VALUE>': environment entries must be in KEY=VALUE form\n\n"
     "For more information, try '--help'.\n"),
])
def test_errors(mcp, args, code, out, err):
    assert tuple(mcp(*args)) == (code, out, err)


def test_login_logout_transport_errors(mcp, codex_home):
    mcp("add", "s", "--", "x")
    mcp("add", "h", "--url", "http://127.0.0.1:1/mcp")
    assert tuple(mcp("login", "s")) == (1, "", "Error: OAuth login is only supported for streamable HTTP servers.\n")
    assert tuple(mcp("logout", "s")) == (
        1, "", "Error: OAuth logout is only supported for streamable_http transports.\n")
    assert tuple(mcp("login", "h")) == (1, "", "Error: No authorization support detected\n")
    assert tuple(mcp("logout", "h")) == (
        1, "", "Error: failed to delete OAuth credentials: failed to delete OAuth tokens from keyring\n")
    text = (codex_home / "config.toml").read_text()
    (codex_home / "config.toml").write_text('mcp_oauth_credentials_store = "file"\n' + text)
    assert tuple(mcp("logout", "h")) == (0, "No OAuth credentials stored for 'h'.\n", "")


def test_bad_config(mcp, codex_home):
    (codex_home / "config.toml").write_text("x = 1\ny = \n")
    code, out, err = mcp("list")
    assert code == 1 and err.startswith("Error: failed to load configuration\n\nCaused by:\n    0: ")
    code, out, err = mcp("remove", "zz")
    assert code == 1 and err.startswith(f"Error: failed to load MCP servers from {codex_home}\n\nCaused by:\n    0: ")


def test_list_does_not_import_the_sdk(codex_home):
    import subprocess

    code = ("import sys\nfrom codex.cli import app\napp.run(['mcp', 'list'])\n"
            "print('MCP-IMPORTED' if 'mcp' in sys.modules else 'clean')")
    src = str(Path(__file__).resolve().parents[2] / "src")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": src, "CODEX_HOME": str(codex_home), "HOME": str(codex_home.parent),
                               "PATH": "/usr/bin:/bin"}, timeout=60)
    assert proc.stdout.strip().endswith("clean"), proc.stdout + proc.stderr


def test_strict_config_and_profiles(codex_home, capsys):
    from codex.cli import app

    def run(*argv):
        capsys.readouterr()
        code = app.run(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    assert run("--strict-config", "mcp", "list") == (
        1, "", "Error: `--strict-config` is not supported for `codex mcp`\n")
    (codex_home / "q.config.toml").write_text('[mcp_servers.fromprof]\ncommand = "z"\n')
    # A profile file's [mcp_servers] is not used.
    assert run("-p", "q", "mcp", "get", "fromprof") == (1, "", "Error: No MCP server named 'fromprof' found.\n")
    (codex_home / "config.toml").write_text('[profiles.p]\nmodel = "y"\n')
    code, out, err = run("-p", "p", "mcp", "add", "a", "--", "x")
    assert code == 1 and err.startswith("Error: failed to load configuration\n\nCaused by:\n    --profile `p` cannot")


EXPLICIT = """\
[features]
x = true
[mcp_servers]
b = { command = "y", args = ["1"] }
# mid
new = { url = "http://old" }
# before a
a = { command = "z" }
[mcp_servers.c]
command = "x"
"""


def test_explicit_mcp_servers_table_and_inline_entries(mcp, codex_home):
    """Probed on the reference: an explicit `[mcp_servers]` stays, inline entries stay inline
    (with the comments above them), a rewritten one is re-rendered inline."""
    (codex_home / "config.toml").write_text(EXPLICIT)
    mcp("add", "new", "--", "n")
    assert (codex_home / "config.toml").read_text() == EXPLICIT.replace(
        'new = { url = "http://old" }', 'new = { command = "n" }').replace(
        '[mcp_servers.c]', '\n[mcp_servers.c]')
    mcp("remove", "new")
    assert (codex_home / "config.toml").read_text() == (
        '[features]\nx = true\n[mcp_servers]\nb = { command = "y", args = ["1"] }\n# before a\n'
        'a = { command = "z" }\n\n[mcp_servers.c]\ncommand = "x"\n')
    for name in ("b", "a", "c"):
        mcp("remove", name)
    assert (codex_home / "config.toml").read_text() == "[features]\nx = true\n"


def test_root_inline_and_dotted_mcp_servers(mcp, codex_home):
    (codex_home / "config.toml").write_text('mcp_servers = { a = { command = "x" } }\nmodel = "m"\n')
    mcp("add", "new", "--", "n")
    assert (codex_home / "config.toml").read_text() == (
        'model = "m"\n\n[mcp_servers ]\na = { command = "x" }\n\n[mcp_servers.new]\ncommand = "n"\n')
    (codex_home / "config.toml").write_text('model = "m"\nmcp_servers.a.command = "x"\n[features]\nx = true\n')
    mcp("add", "new", "--", "n")
    assert (codex_home / "config.toml").read_text() == (
        'model = "m"\n\n[mcp_servers.a]\ncommand = "x"\n\n[mcp_servers.new]\ncommand = "n"\n[features]\nx = true\n')


def test_oauth_discovery_of_http_servers(mcp, codex_home):
    """An HTTP server with RFC 8414 metadata: `list` says `Not logged in` (as the reference);
    `add` announces the OAuth flow, which is not ported yet."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/.well-known/oauth-authorization-server":
                body = json.dumps({"issuer": "x", "authorization_endpoint": "http://127.0.0.1/a",
                                   "token_endpoint": "http://127.0.0.1/t"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/mcp"
        code, out, err = mcp("add", "o", "--url", url)
        assert out == "Added global MCP server 'o'.\nDetected OAuth support. Starting OAuth flow\u2026\n"
        assert code == 1 and err.startswith("Error: ")
        assert mcp("list").out.splitlines()[1].split()[-3:] == ["Not", "logged", "in"]
        assert json.loads(mcp("list", "--json").out)[0]["auth_status"] == "not_logged_in"
    finally:
        server.shutdown()
        server.server_close()
