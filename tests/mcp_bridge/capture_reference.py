"""Capture the reference Codex 0.136.0's MCP behaviour into fixtures/mcp_bridge/ (not a test).

    PYTHONPATH=src .venv/bin/python tests/mcp_bridge/capture_reference.py

One `codex exec --json` run with servers/rich_server.py (ready), a missing command, a server
that exits at once and one that outlives its startup timeout; the mock model calls the MCP
tools and the resource tools one after another. Written per mode (exec_default/, exec_full_access/): `exec_events.jsonl` (stdout),
`stderr.txt`, `requests.jsonl` (the last Responses request, slimmed to the MCP tools of its tools
array and the function calls / outputs of its input), `calls.json` (the calls made)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from parity.mock_responses import MockResponses, ResponseStream, sse, text_stream  # noqa: E402
from parity.reference import RefEnv  # noqa: E402

OUT = HERE.parent.parent / "fixtures" / "mcp_bridge"
RICH = HERE / "servers" / "rich_server.py"

# (namespace, name, arguments)
CALLS = [
    ("mcp__rich", "echo", '{"text": "hello"}'),
    ("mcp__rich", "picture", "{}"),
    ("mcp__rich", "add", '{"a": 2, "b": 3}'),
    ("mcp__rich", "fail", '{"reason": "x"}'),
    ("mcp__rich", "echo", "{bad"),
    ("mcp__rich", "echo", ""),
    ("mcp__rich", "slow", '{"seconds": 4}'),
    (None, "mcp__rich__echo", '{"text": "flat"}'),
    ("mcp__rich", "missing", "{}"),
    (None, "list_mcp_resources", "{}"),
    (None, "list_mcp_resources", '{"server": "rich"}'),
    (None, "list_mcp_resource_templates", "{}"),
    (None, "list_mcp_resource_templates", '{"server": "rich"}'),
    (None, "read_mcp_resource", '{"server": "rich", "uri": "mem://note"}'),
    (None, "read_mcp_resource", '{"server": "nope", "uri": "x"}'),
    (None, "read_mcp_resource", '{"server": " ", "uri": "x"}'),
    (None, "list_mcp_resources", '{"cursor": "abc"}'),
    (None, "list_mcp_resources", '{"server": "broken"}'),
    ("mcp__rich", "ro", "{}"),
    ("mcp__rich", "big", '{"lines": 20000}'),
    ("mcp__rich", "mixed", "{}"),
    (None, "read_mcp_resource", "{}"),
    (None, "read_mcp_resource", '{"server": 1, "uri": "x"}'),
    (None, "list_mcp_resources", "[1]"),
    (None, "list_mcp_resources", "{bad"),
    (None, "list_mcp_resources", '{"server": "rich", "cursor": "nope"}'),
    (None, "read_mcp_resource", '{"server": "rich", "uri": "mem://missing"}'),
    (None, "list_mcp_resource_templates", '{"server": 5}'),
]


def config(py: str) -> str:
    def srv(name: str, *args: str, extra: str = "") -> str:
        argv = json.dumps([str(RICH), *args])
        return f'[mcp_servers.{name}]\ncommand = "{py}"\nargs = {argv}\n{extra}'
    return "\n".join([
        srv("rich", extra="tool_timeout_sec = 1.5\n"),
        '[mcp_servers.broken]\ncommand = "/nonexistent/mcp-server"\n',
        srv("dies", "--exit-at-start"),
        srv("late", "--sleep-before-start", "6", extra="startup_timeout_sec = 1.5\n"),
    ])


def capture(name: str, flags: list[str]) -> None:
    replies = []
    for i, (ns, tool, args) in enumerate(CALLS, 1):
        replies.append(sse(ResponseStream().function_call(tool, args, call_id=f"call_{i}", namespace=ns).completed()))
    replies.append(sse(text_stream("done")))
    with MockResponses(replies) as mock, RefEnv(mock, tag="mcp-bridge", config_extra=config(sys.executable)) as env:
        res = env.run(["exec", "--json", "--skip-git-repo-check", *flags, "Use the MCP tools."], timeout=240)
        out = OUT / name
        out.mkdir(parents=True, exist_ok=True)
        root = str(env.root)
        norm = lambda s: s.replace(root, "<ROOT>").replace(sys.executable, "<PYTHON>").replace(  # noqa: E731
            str(RICH), "<RICH>")
        (out / "exec_events.jsonl").write_text(norm(res.stdout))
        (out / "stderr.txt").write_text(norm(res.stderr))
        with open(out / "requests.jsonl", "w") as f:
            for req in mock.responses_requests()[-1:]:
                f.write(norm(json.dumps(_slim(req.json), ensure_ascii=False)) + "\n")
        (out / "calls.json").write_text(json.dumps(CALLS, indent=1) + "\n")
        print(name, "exit", res.exit_code, "requests", len(mock.responses_requests()))


def _slim(req: dict) -> dict:
    """What the bridge decides in a request: the MCP tools (namespaces + resource tools) and the
    tool calls / outputs of the input."""
    tools = [t for t in req.get("tools") or [] if t.get("type") == "namespace" and t["name"].startswith("mcp__")
             or "mcp_resource" in (t.get("name") or "")]
    items = [i for i in req.get("input") or [] if i.get("type") in ("function_call", "function_call_output")]
    return {"tools": tools, "input": items}


def capture_startup() -> None:
    """`codex app-server`: initialize, thread/start, then the mcpServer/startupStatus/updated
    notifications of the four servers."""
    import os
    import subprocess
    import threading
    import time

    with RefEnv(None, tag="mcp-bridge-startup", config_extra=config(sys.executable)) as env:
        proc = subprocess.Popen([*env.command("reference"), "app-server"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env.env("reference"),
                                cwd=str(env.cwd), text=True, start_new_session=True)
        got: list = []

        def reader():
            for line in proc.stdout:
                try:
                    got.append(json.loads(line))
                except ValueError:
                    pass

        threading.Thread(target=reader, daemon=True).start()

        def send(msg):
            proc.stdin.write(json.dumps(msg) + "\n")
            proc.stdin.flush()

        send({"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "capture", "version": "0"},
                                                          "capabilities": {"experimentalApi": True}}})
        time.sleep(0.5)
        send({"method": "initialized"})
        send({"id": 2, "method": "thread/start", "params": {"cwd": str(env.cwd)}})
        deadline = time.time() + 20
        while time.time() < deadline:
            finals = [m for m in got if m.get("method") == "mcpServer/startupStatus/updated"
                      and m["params"]["status"] != "starting"]
            if len(finals) >= 4:
                break
            time.sleep(0.2)
        os.killpg(proc.pid, 9)
        proc.wait()
        statuses = [m["params"] for m in got if m.get("method") == "mcpServer/startupStatus/updated"]
        text = json.dumps(statuses, indent=1, ensure_ascii=False).replace(sys.executable, "<PYTHON>")
        (OUT / "app_server_startup.json").write_text(text + "\n")
        print("startup", len(statuses))


def capture_server_view() -> None:
    """What an MCP server receives from the reference (servers/logging_mcp_server.py logs it):
    initialize, tools/list, one tools/call with its `_meta`."""
    import os
    import tempfile

    logsrv = HERE / "servers" / "logging_mcp_server.py"
    replies = [sse(ResponseStream().function_call("echo", '{"text": "x"}', call_id="call_1",
                                                  namespace="mcp__logged").completed()),
               sse(text_stream("done"))]
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "log.jsonl")
        extra = (f'[mcp_servers.logged]\ncommand = "{sys.executable}"\nargs = ["{logsrv}"]\n'
                 f'env = {{ MCP_LOG = "{log}" }}\n')
        with MockResponses(replies) as mock, RefEnv(mock, tag="mcp-bridge-log", config_extra=extra) as env:
            env.run(["exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "go"],
                    timeout=120)
        text = open(log).read()
    (OUT / "server_view.jsonl").write_text(text)
    print("server view", len(text.splitlines()))


def main() -> None:
    # default exec: approval_policy never + read-only sandbox -> MCP approvals are asked and
    # exec answers them with cancel; full access: no approvals, the tools run.
    capture("exec_default", [])
    capture("exec_full_access", ["--dangerously-bypass-approvals-and-sandbox"])
    capture_startup()
    capture_server_view()


if __name__ == "__main__":
    main()
