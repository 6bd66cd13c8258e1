#!/usr/bin/env python3
"""Capture the reference Codex 0.136.0's approval decisions for shell commands.

    cd /work/main && .venv/bin/python tests/shell/capture_approval_matrix.py [--only CONFIG,...]

Not part of the test run: it regenerates `fixtures/shell/approval_matrix.json`, which
`test_approval_matrix.py` compares `codex.shell.approval.exec_approval_requirement` against.

For every configuration (approval policy x sandbox mode) it starts one reference
`codex app-server` (stdio JSON-RPC) in a throwaway RefEnv sandbox (HOME / CODEX_HOME / cwd
outside /tmp, a git repo with a README in cwd, `rules/default.rules` in CODEX_HOME) wired to the
loopback mock model. One thread; one turn per command: the mock answers the first request with an
`exec_command` function call carrying the command (plus `sandbox_permissions`, `justification`,
`prefix_rule` when the case has them) and the second with a message. Every approval request the
server sends is declined. Recorded per case: the approval requests (reason,
proposedExecpolicyAmendment, availableDecisions, commandActions), the commandExecution item's
command / status / commandActions, and the function_call_output the model got back.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.parity.mock_responses import MockResponses, ResponseStream, sse  # noqa: E402
from tests.parity.reference import RefEnv, find_reference  # noqa: E402

OUT = REPO / "fixtures" / "shell" / "approval_matrix.json"

RULES = '''\
prefix_rule(pattern=["touch"], decision="forbidden", justification="touching files is not allowed")
prefix_rule(pattern=["mkdir"], decision="prompt")
prefix_rule(pattern=["printf"], decision="prompt", justification="printf output needs review")
prefix_rule(pattern=["echo", "allowed"], decision="allow")
prefix_rule(pattern=["git", "push"], decision="forbidden")
prefix_rule(pattern=["uname"], decision="allow")
'''

GRANULAR_NO_SANDBOX = {"granular": {"sandbox_approval": False, "rules": True, "mcp_elicitations": True}}
GRANULAR_NO_RULES = {"granular": {"sandbox_approval": True, "rules": False, "mcp_elicitations": True}}

CONFIGS = {
    "never/workspace-write": ("never", "workspace-write"),
    "on-request/workspace-write": ("on-request", "workspace-write"),
    "untrusted/workspace-write": ("untrusted", "workspace-write"),
    "on-failure/workspace-write": ("on-failure", "workspace-write"),
    "on-request/danger-full-access": ("on-request", "danger-full-access"),
    "never/danger-full-access": ("never", "danger-full-access"),
    "untrusted/read-only": ("untrusted", "read-only"),
    "on-request/read-only": ("on-request", "read-only"),
    "granular-no-sandbox/workspace-write": (GRANULAR_NO_SANDBOX, "workspace-write"),
    "granular-no-rules/workspace-write": (GRANULAR_NO_RULES, "workspace-write"),
}

E = "require_escalated"
# (id, cmd, extra exec_command arguments)
CASES: list[tuple[str, str, dict]] = [
    ("ls", "ls -1", {}),
    ("ls_and_pwd", "ls && pwd", {}),
    ("cat", "cat README.md", {}),
    ("cat_pipe_head", "cat README.md | head -n 2", {}),
    ("git_status", "git status", {}),
    ("git_log", "git log -n 1", {}),
    ("git_branch_show_current", "git branch --show-current", {}),
    ("git_branch_delete", "git branch -d feature", {}),
    ("git_c_log", "git -c core.pager=cat log -n 1", {}),
    ("git_diff_output", "git diff --output=diff.txt", {}),
    ("sed_n", "sed -n 1,5p README.md", {}),
    ("sed_i", "sed -i s/scratch/scratchy/ README.md", {}),
    ("find_name", "find . -name README.md", {}),
    ("find_delete", "find . -name nothing-here -delete", {}),
    ("rg", "rg -n scratch", {}),
    ("rg_pre", "rg --pre cat scratch", {}),
    ("base64", "base64 README.md", {}),
    ("base64_o", "base64 -o out.b64 README.md", {}),
    ("echo", "echo hello", {}),
    ("echo_redirect", "echo hello > hello.txt", {}),
    ("echo_redirect_cat", "echo hello > hello.txt && cat hello.txt", {}),
    ("grep_or_true", "grep -R scratch . || true", {}),
    ("ls_pipe_wc", "ls | wc -l", {}),
    ("subshell", "(ls)", {}),
    ("var_expansion", "echo $HOME", {}),
    ("assignment_prefix", "FOO=bar ls", {}),
    ("uname_whoami_id", "uname -a && whoami && id", {}),
    ("echo_semicolon_ls", "echo hi; ls -la", {}),
    ("numfmt", "numfmt 1000", {}),
    ("rm_rf", "rm -rf nonexistent_dir", {}),
    ("rm_f", "rm -f nonexistent_file", {}),
    ("rm_r_f", "rm -r -f nonexistent_dir", {}),
    ("rm_force", "rm --force nonexistent_file", {}),
    ("rm_abs_rf", "/bin/rm -rf nonexistent_dir", {}),
    ("rm_trailing_f", "rm nonexistent_file -f", {}),
    ("ls_and_rm_rf", "ls && rm -rf nonexistent_dir", {}),
    ("if_rm_rf", "if true; then rm -rf nonexistent_dir; fi", {}),
    ("sudo_rm_rf", "sudo rm -rf nonexistent_dir", {}),
    ("rm_plain", "rm nonexistent_file", {}),
    ("python_c", "python3 -c 'print(1)'", {}),
    ("python_heredoc", "python3 <<'PY'\nprint(1)\nPY", {}),
    ("cat_heredoc_redirect", "cat <<'EOF' > out.txt\nhi\nEOF", {}),
    ("node_v", "node -v", {}),
    ("cargo_check", "cargo check", {}),
    ("rule_forbidden", "touch newfile", {}),
    ("rule_prompt", "mkdir newdir", {}),
    ("rule_prompt_justified", "printf hi", {}),
    ("rule_allow", "echo allowed", {}),
    ("rule_allow_and_safe", "echo allowed && ls", {}),
    ("rule_allow_and_unknown", "echo allowed && node -v", {}),
    ("rule_allow_uname", "uname -a", {}),
    ("rule_allow_and_forbidden", "echo allowed && touch x", {}),
    ("rule_forbidden_no_justification", "git push origin main", {}),
    ("esc_ls", "ls -1", {"sandbox_permissions": E, "justification": "need to list"}),
    ("esc_echo_redirect", "echo hello > hello.txt", {"sandbox_permissions": E}),
    ("esc_rm_rf", "rm -rf nonexistent_dir", {"sandbox_permissions": E}),
    ("esc_node_v", "node -v", {"sandbox_permissions": E, "justification": "check node"}),
    ("esc_rule_allow", "echo allowed", {"sandbox_permissions": E}),
    ("esc_rule_prompt", "mkdir newdir", {"sandbox_permissions": E}),
    ("esc_prefix_rule", "cargo check", {"sandbox_permissions": E, "prefix_rule": ["cargo", "check"]}),
    ("esc_prefix_rule_banned", "python3 -c 'print(2)'", {"sandbox_permissions": E, "prefix_rule": ["python3"]}),
    ("esc_prefix_rule_mismatch", "node -v", {"sandbox_permissions": E, "prefix_rule": ["npm"]}),
    ("esc_prefix_rule_multi", "node -v && cargo check",
     {"sandbox_permissions": E, "prefix_rule": ["node"]}),
    ("prefix_rule_no_escalation", "node -v", {"prefix_rule": ["node"]}),
    ("esc_prefix_rule_cargo", "cargo check", {"sandbox_permissions": E, "prefix_rule": ["cargo"]}),
    ("esc_rule_prompt_justified", "printf hi", {"sandbox_permissions": E, "justification": "model says why"}),
    ("esc_git_status", "git status", {"sandbox_permissions": E}),
    ("cd_cat", "cd src && cat main.py", {}),
    ("rg_files_head", "rg --files | head -n 5", {}),
    ("nl_sed", "nl -ba README.md | sed -n '1,5p'", {}),
    ("python_walk", "python3 -c \"import os; print(os.listdir('.'))\"", {}),
    ("find_exec", "find . -name README.md -exec cat {} \\;", {}),
    ("nested_bash_safe", "bash -lc ls", {}),
    ("nested_bash_unsafe", "bash -lc 'node -v'", {}),
    ("heredoc_cat", "cat <<'EOF'\nhi\nEOF", {}),
    ("sed_n_nl", "sed -n '1,3p' README.md | nl -ba", {}),
    ("git_log_pipe", "git log --oneline | head -n 3", {}),
    ("rule_allow_and_prompt", "echo allowed && printf hi", {}),
    ("head_tail", "head -n 2 README.md && tail -n 1 README.md", {}),
    ("echo_true", "echo hi || true", {}),
]


class Rpc:
    """Newline-delimited JSON-RPC over the app-server's stdio; every server request is declined."""

    def __init__(self, argv, cwd, env):
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.inbox: "queue.Queue[dict | None]" = queue.Queue()
        self.lock = threading.Lock()
        self.next_id = 0
        self.server_requests: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if "method" in msg and "id" in msg:
                self.server_requests.append(msg)
                self.send({"id": msg["id"], "result": {"decision": "decline"}})
                self.inbox.put(msg)
                continue
            self.inbox.put(msg)
        self.inbox.put(None)

    def send(self, msg):
        with self.lock:
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
            self.proc.stdin.flush()

    def request(self, method, params, timeout=30.0):
        self.next_id += 1
        rid = self.next_id
        self.send({"id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)

    def notify(self, method, params=None):
        msg = {"method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def wait(self, pred, timeout, collect=None):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out waiting for the app-server")
            try:
                msg = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if msg is None:
                raise EOFError("app-server exited")
            if collect is not None:
                collect.append(msg)
            if pred(msg):
                return msg

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()


def _turn_replies(n: int, cmd: str, extra: dict):
    args = {"cmd": cmd, "yield_time_ms": 5000, **extra}
    call = ResponseStream(response_id=f"resp_{n}_1").function_call("exec_command", args, call_id=f"call_{n}")
    msg = ResponseStream(response_id=f"resp_{n}_2").message("done")
    return [sse(call.completed()), sse(msg.completed())]


def run_config(name: str, policy, sandbox: str) -> list[dict]:
    ref = str(find_reference())
    results = []
    with MockResponses() as mock, RefEnv(mock, tag="shellmatrix") as env:
        env.init_git()
        env.write("rules/default.rules", RULES, base="codex_home")
        norm = [(str(env.cwd), "<CWD>"), (str(env.codex_home), "<CODEX_HOME>"), (str(env.home), "<HOME>"),
                (str(env.root), "<ROOT>")]

        def n(s):
            if isinstance(s, str):
                for a, b in norm:
                    s = s.replace(a, b)
                return s
            if isinstance(s, list):
                return [n(x) for x in s]
            if isinstance(s, dict):
                return {k: n(v) for k, v in s.items()}
            return s

        rpc = Rpc([ref, "app-server"], str(env.cwd), env.env("reference"))
        try:
            rpc.request("initialize", {"clientInfo": {"name": "shellmatrix", "title": None, "version": "0.1.0"},
                                       "capabilities": {"experimentalApi": True}})
            rpc.notify("initialized")
            resp = rpc.request("thread/start", {"cwd": str(env.cwd), "approvalPolicy": policy, "sandbox": sandbox})
            if "error" in resp:
                return [{"config": name, "error": resp["error"]}]
            tid = resp["result"]["thread"]["id"]
            for i, (cid, cmd, extra) in enumerate(CASES):
                seen_requests = len(mock.requests)
                mock.enqueue(*_turn_replies(i, cmd, extra))
                n_server = len(rpc.server_requests)
                msgs: list[dict] = []
                rpc.request("turn/start", {"threadId": tid, "input": [{"type": "text", "text": f"run {cid}",
                                                                        "text_elements": []}]})
                rpc.wait(lambda m: m.get("method") == "turn/completed", 60, collect=msgs)
                approvals = [m["params"] for m in rpc.server_requests[n_server:]]
                started = [m["params"]["item"] for m in msgs if m.get("method") == "item/started"
                           and m["params"]["item"].get("type") == "commandExecution"]
                completed = [m["params"]["item"] for m in msgs if m.get("method") == "item/completed"
                             and m["params"]["item"].get("type") == "commandExecution"]
                output = None
                for req in mock.requests[seen_requests:]:
                    body = req.json if hasattr(req, "json") else None
                    body = body if isinstance(body, dict) else {}
                    for item in body.get("input", []):
                        if item.get("type") == "function_call_output" and item.get("call_id") == f"call_{i}":
                            output = item.get("output")
                rec = {
                    "config": name, "case": cid, "cmd": cmd, "args": extra,
                    "approval_requests": [
                        {k: v for k, v in a.items() if k not in ("threadId", "turnId", "itemId", "startedAtMs",
                                                                 "approvalId")}
                        for a in approvals],
                    "item_command": started[0]["command"] if started else None,
                    "command_actions": started[0]["commandActions"] if started else None,
                    "item_status": completed[-1]["status"] if completed else None,
                    "exit_code": completed[-1].get("exitCode") if completed else None,
                    "output": output,
                }
                results.append(n(rec))
                sys.stderr.write(f"[{name}] {cid}: approvals={len(approvals)} "
                                 f"status={rec['item_status']} out={str(output)[:60]!r}\n")
        finally:
            rpc.close()
    return results


def normalize_output(out):
    """Chunk ids and wall times vary from run to run."""
    if not isinstance(out, str):
        return out
    out = re.sub(r"^Chunk ID: [0-9a-f]+$", "Chunk ID: <ID>", out, flags=re.M)
    return re.sub(r"^Wall time: [0-9.]+ seconds$", "Wall time: <T> seconds", out, flags=re.M)


def classify(rec: dict) -> str:
    if rec.get("approval_requests"):
        return "approval"
    out = rec.get("output") or ""
    if out.startswith("Chunk ID") or "Process exited with code" in out:
        return "ran"
    return "rejected"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--jobs", type=int, default=5)
    ns = ap.parse_args()
    only = [c for c in ns.only.split(",") if c]
    configs = {k: v for k, v in CONFIGS.items() if not only or k in only}
    with ThreadPoolExecutor(ns.jobs) as pool:
        futures = {k: pool.submit(run_config, k, *v) for k, v in configs.items()}
        results = {k: f.result() for k, f in futures.items()}
    old = json.loads(OUT.read_text()) if OUT.exists() and only else {"records": []}
    records = [r for r in old.get("records", []) if r.get("config") not in configs]
    for k in configs:
        records.extend(results[k])
    for r in records:
        r["outcome"] = classify(r)
        r["output"] = normalize_output(r["output"])
    data = {
        "reference": "codex-cli 0.136.0",
        "rules": RULES,
        "configs": {k: {"approval_policy": v[0], "sandbox": v[1]} for k, v in CONFIGS.items()},
        "records": sorted(records, key=lambda r: (list(CONFIGS).index(r["config"]),
                                                  [c[0] for c in CASES].index(r["case"]) if "case" in r else 0)),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT} ({len(records)} records)")


if __name__ == "__main__":
    main()
