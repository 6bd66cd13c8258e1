"""Differential replay of `codex app-server` turn scenarios: the reference binary and ours are
driven by the same client script, each against its own loopback mock model, and compared after
normalization.

    result = run_scenario("turn_basic")          # runs both sides (in parallel threads)
    diffs = result.diffs()                       # {aspect: unified diff text}, empty when equal

The client script is the c2s half of ``fixtures/app_server/transcripts/<name>.jsonl`` (made by the
reference-capture driver):
  * placeholders (<CWD>, <SCRATCH>, <CODEX_HOME>, <HOME>) become the live sandbox paths;
  * thread/turn/item ids of the capture become the live ones: each live response (and server
    request) is walked in parallel with its counterpart in the capture, and every UUID found at
    the same place is mapped;
  * answers to server requests (approvals, request_user_input, dynamic tool calls) are the ones
    the capture gave, sent to the live request of the same method and ordinal;
  * pacing: a message is sent once the live server has sent what preceded it in the capture:
    responses, server requests and turn/completed are waited for up to HARD_WAIT_S, other
    notifications up to SOFT_WAIT_S (a side that never sends one only costs that wait).

The mock model (`MarkerModel`) is the capture driver's: the newest user message's markers
RUN_SHELL:<cmd>, RUN_SHELL_ESCALATED:<cmd>, APPLY_PATCH:<path>, CALL_TOOL:<name> <json> make it
call a tool; after a tool output it says "Mock: the command finished.", else "Hello from the mock
model.".

Compared aspects, each normalized with one `Normalizer` per side (paths, port, UUIDs numbered by
first appearance across the aspects in this order, timestamps, durations, pids):
  server_messages   every s2c message in arrival order (see `canonical_server_messages` for
                    the reordering of notifications whose interleaving the reference does not fix)
  model_requests    every HTTP request to the mock: method, path, headers, JSON body
  rollout           every rollout file under CODEX_HOME (sessions/, archived_sessions/), by
                    normalized relative path, line by line
"""
from __future__ import annotations

import difflib
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .mock_responses import MockResponses, SSEReply
from .normalize import UUID_RE, Normalizer, request_view
from .reference import BASE_PATH, REPO_ROOT, RefEnv

TRANSCRIPTS = REPO_ROOT / "fixtures" / "app_server" / "transcripts"
FIXTURES = REPO_ROOT / "fixtures" / "parity" / "app_server_turns"

HARD_WAIT_S = float(os.environ.get("CODEX_APPSERVER_HARD_WAIT", "30"))
# a side that has sent nothing for this long is not going to send what the hard wait expects
IDLE_GIVE_UP_S = float(os.environ.get("CODEX_APPSERVER_IDLE_GIVE_UP", "8"))
SOFT_WAIT_S = float(os.environ.get("CODEX_APPSERVER_SOFT_WAIT", "2"))
QUIET_S = 0.4            # the capture driver drained 0.3-0.5 s after each call
PRE_CALL_QUIET_S = 0.25  # before each client request: this long without a server message ...
PRE_CALL_QUIET_MAX_S = 1.5   # ... but no longer than this
EXIT_WAIT_S = 10.0


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    git_repo: bool = False
    mcp_server: bool = False
    extra_config: str = ""
    description: str = ""


# Most valuable first (the order the test file and the diff script list them in).
SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("turn_basic", description="plain chat turn, then thread read/list/name/turns methods"),
    Scenario("turn_shell_never", description="exec_command runs without approval (never + workspace-write)"),
    Scenario("turn_shell_approval_accept", description="untrusted: command approval, accepted"),
    Scenario("turn_shell_approval_decline", description="untrusted: command approval, declined"),
    Scenario("turn_shell_escalation_on_request", description="on-request + read-only, require_escalated"),
    Scenario("turn_apply_patch_approval", description="apply_patch under read-only: fileChange approval"),
    Scenario("turn_apply_patch_workspace_write", description="apply_patch in the workspace (untrusted)"),
    Scenario("turn_apply_patch_outside_workspace", description="apply_patch outside the workspace"),
    Scenario("turn_plan_and_user_input", description="update_plan, request_user_input in plan mode"),
    Scenario("turn_interrupt", description="turn/interrupt of a running sleep"),
    Scenario("turn_steer", description="turn/steer into an active turn, then with no active turn"),
    Scenario("turn_ephemeral_stable_api", description="ephemeral thread, client without experimentalApi"),
    Scenario("turn_opt_out_notifications", description="initialize with optOutNotificationMethods"),
    Scenario("compact", description="thread/compact/start after a turn"),
    Scenario("thread_goal", description="thread/goal/set drives continuation turns"),
    Scenario("thread_shell_command", description="thread/shellCommand"),
    Scenario("turn_dynamic_tool", description="client dynamic tool -> item/tool/call server request"),
    Scenario("review", git_repo=True, description="review/start on uncommitted changes"),
    Scenario("mcp_tools", mcp_server=True, description="stdio MCP server: status, resource, tool calls"),
]}


def load_transcript(name: str) -> list[dict]:
    return [json.loads(line) for line in (TRANSCRIPTS / f"{name}.jsonl").read_text().splitlines()
            if line.strip()]


# ---------------------------------------------------------------------------------------------
# The mock model (the capture driver's marker protocol)
# ---------------------------------------------------------------------------------------------

DEFAULT_TEXT = "Hello from the mock model."
AFTER_TOOL_TEXT = "Mock: the command finished."
SHELL_TOOL_NAMES = ("shell", "shell_command", "exec_command", "local_shell", "container.exec")
MOCK_USAGE = {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 12,
              "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 132}


def _last_user_text(body: dict) -> str:
    for item in reversed(body.get("input") or []):
        if item.get("type", "message") == "message" and item.get("role") == "user":
            parts = item.get("content") or []
            if isinstance(parts, str):
                return parts
            return "".join(p.get("text", "") for p in parts if isinstance(p, dict))
    return ""


def _shell_call(body: dict, command: str, n: int, escalated: bool) -> dict:
    names = [t.get("name") or t.get("type") for t in body.get("tools") or []]
    name = next((x for x in SHELL_TOOL_NAMES if x in names), "shell")
    if name == "shell":
        args: dict = {"command": ["bash", "-lc", command], "timeout_ms": 10000}
    elif name == "shell_command":
        args = {"command": command, "timeout_ms": 10000}
    elif name == "exec_command":
        args = {"cmd": command, "yield_time_ms": 5000}
    else:
        args = {"command": ["bash", "-lc", command]}
    if escalated:
        args["sandbox_permissions"] = "require_escalated"
        args["justification"] = "The mock model needs to write outside the sandbox."
    if name == "local_shell":
        return {"type": "local_shell_call", "id": f"lsh_{n}", "call_id": f"call_mock_{n}", "status": "completed",
                "action": {"type": "exec", "command": ["bash", "-lc", command], "timeout_ms": 10000}}
    return {"type": "function_call", "id": f"fc_mock_{n}", "call_id": f"call_mock_{n}", "name": name,
            "arguments": json.dumps(args), "status": "completed"}


def _apply_patch_call(body: dict, filename: str, n: int) -> dict:
    patch = (f"*** Begin Patch\n*** Add File: {filename}\n+hello from apply_patch\n"
             "+second line\n*** End Patch\n")
    tool = {t.get("name"): t for t in body.get("tools") or []}.get("apply_patch", {})
    if tool.get("type") == "function":
        return {"type": "function_call", "id": f"fc_mock_{n}", "call_id": f"call_mock_{n}",
                "name": "apply_patch", "arguments": json.dumps({"input": patch}), "status": "completed"}
    return {"type": "custom_tool_call", "id": f"ctc_mock_{n}", "call_id": f"call_mock_{n}",
            "name": "apply_patch", "input": patch, "status": "completed"}


def _generic_call(body: dict, spec: str, n: int) -> dict:
    name, _, args = spec.partition(" ")
    args = args.strip() or "{}"
    flat = []
    for t in body.get("tools") or []:
        flat.append((None, t))
        for sub in t.get("tools") or []:
            flat.append((t.get("name"), sub))
    exact = [(ns, t) for ns, t in flat if t.get("name") == name]
    fuzzy = [(ns, t) for ns, t in flat if name in (t.get("name") or "")]
    ns, tool = (exact or fuzzy or [(None, {"name": name, "type": "function"})])[0]
    item = {"type": "function_call", "id": f"fc_mock_{n}", "call_id": f"call_mock_{n}",
            "name": tool.get("name"), "arguments": args, "status": "completed"}
    if ns:
        item["namespace"] = ns
    return item


def _tool_item(body: dict, text: str, n: int) -> dict | None:
    if "CALL_TOOL:" in text:
        return _generic_call(body, text.split("CALL_TOOL:", 1)[1].strip().splitlines()[0], n)
    for marker in ("RUN_SHELL_ESCALATED:", "RUN_SHELL:", "APPLY_PATCH:"):
        if marker in text:
            arg = text.split(marker, 1)[1].strip().splitlines()[0]
            if marker == "APPLY_PATCH:":
                return _apply_patch_call(body, arg, n)
            return _shell_call(body, arg, n, marker == "RUN_SHELL_ESCALATED:")
    return None


def marker_events(body: dict, n: int) -> list[dict]:
    """The SSE events the capture mock sent for its n-th (1-based) /responses request."""
    rid = f"resp_mock_{n}"
    model = body.get("model", "mock-model")
    created = {"type": "response.created", "response": {"id": rid, "object": "response",
               "created_at": 1700000000, "status": "in_progress", "model": model, "output": []}}
    items = body.get("input") or []
    last_type = (items[-1] if items else {}).get("type", "message")
    item = None if last_type.endswith("_output") else _tool_item(body, _last_user_text(body), n)
    events = [created]
    if item is not None:
        added = dict(item, status="in_progress")
        if item["type"] == "function_call":
            added["arguments"] = ""
        if item["type"] == "custom_tool_call":
            added["input"] = ""
        events.append({"type": "response.output_item.added", "output_index": 0, "item": added})
        if item["type"] == "function_call":
            events.append({"type": "response.function_call_arguments.delta", "item_id": item["id"],
                           "output_index": 0, "delta": item["arguments"]})
            events.append({"type": "response.function_call_arguments.done", "item_id": item["id"],
                           "output_index": 0, "arguments": item["arguments"]})
        if item["type"] == "custom_tool_call":
            events.append({"type": "response.custom_tool_call_input.delta", "item_id": item["id"],
                           "output_index": 0, "delta": item["input"]})
            events.append({"type": "response.custom_tool_call_input.done", "item_id": item["id"],
                           "output_index": 0, "input": item["input"]})
        events.append({"type": "response.output_item.done", "output_index": 0, "item": item})
        output = [item]
    else:
        text = AFTER_TOOL_TEXT if last_type.endswith("_output") else DEFAULT_TEXT
        mid = f"msg_mock_{n}"
        events.append({"type": "response.output_item.added", "output_index": 0,
                       "item": {"type": "message", "id": mid, "role": "assistant", "status": "in_progress",
                                "content": []}})
        events.append({"type": "response.content_part.added", "item_id": mid, "output_index": 0,
                       "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}})
        words = text.split(" ")
        for i, w in enumerate(words):
            events.append({"type": "response.output_text.delta", "item_id": mid, "output_index": 0,
                           "content_index": 0, "delta": w + (" " if i < len(words) - 1 else "")})
        events.append({"type": "response.output_text.done", "item_id": mid, "output_index": 0,
                       "content_index": 0, "text": text})
        done = {"type": "message", "id": mid, "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}]}
        events.append({"type": "response.content_part.done", "item_id": mid, "output_index": 0,
                       "content_index": 0, "part": done["content"][0]})
        events.append({"type": "response.output_item.done", "output_index": 0, "item": done})
        output = [done]
    events.append({"type": "response.completed", "response": {"id": rid, "object": "response",
                   "created_at": 1700000000, "status": "completed", "model": model, "output": output,
                   "usage": MOCK_USAGE}})
    return events


class MarkerModel:
    """Installs the marker protocol on a `MockResponses` (every POST /v1/responses)."""

    def __init__(self, mock: MockResponses):
        self.n = 0
        self.lock = threading.Lock()
        mock.route("POST", "/v1/responses", self.reply)
        mock.route("GET", "/v1/models", {"object": "list", "data": [
            {"id": "gpt-5.5", "object": "model", "created": 1700000000, "owned_by": "mock"}]})

    def reply(self, req) -> SSEReply:
        with self.lock:
            self.n += 1
            n = self.n
        body = req.json if isinstance(req.json, dict) else {}
        return SSEReply([(e["type"], e) for e in marker_events(body, n)], (), 0.01)


# ---------------------------------------------------------------------------------------------
# A JSON-RPC stdio session that records everything
# ---------------------------------------------------------------------------------------------


class Session:
    def __init__(self, argv: list[str], cwd: Path, env: dict, stderr_path: Path):
        self.stderr_file = open(stderr_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=str(cwd), env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr_file, start_new_session=True)
        self.t0 = time.monotonic()
        self.transcript: list[dict] = []     # {"dir", "t" (s since start), "msg"} in order
        self.s2c: list[dict] = []
        self.cond = threading.Condition()
        self.last_rx = time.monotonic()
        self.t_send = time.monotonic()
        self.eof = False
        self.bad_lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                with self.cond:
                    self.bad_lines.append(line)
                continue
            with self.cond:
                self.s2c.append(msg)
                self.transcript.append({"dir": "s2c", "t": round(time.monotonic() - self.t0, 3), "msg": msg})
                self.last_rx = time.monotonic()
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def send(self, msg: dict) -> None:
        with self.cond:
            self.transcript.append({"dir": "c2s", "t": round(time.monotonic() - self.t0, 3), "msg": msg})
            self.t_send = time.monotonic()
        try:
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def wait_for(self, pred: Callable[[list[dict]], bool], timeout: float, idle: float | None = None) -> bool:
        """Wait until pred(messages so far); False after `timeout`, at EOF, or once nothing has
        arrived for `idle` seconds."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred(self.s2c):
                now = time.monotonic()
                left = deadline - now
                if left <= 0 or self.eof or (idle is not None and now - max(self.last_rx, self.t_send) >= idle):
                    return pred(self.s2c)
                self.cond.wait(min(left, 0.2))
            return True

    def quiet(self, quiet: float = QUIET_S, max_time: float = 5.0) -> None:
        deadline = time.monotonic() + max_time
        while time.monotonic() < deadline and not self.eof:
            with self.cond:
                idle = time.monotonic() - self.last_rx
            if idle >= quiet:
                return
            time.sleep(min(quiet - idle, deadline - time.monotonic(), 0.1) + 0.01)

    def close(self) -> int | None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            rc = self.proc.wait(timeout=EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            rc = None
        try:
            os.killpg(self.proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        if rc is None:
            self.proc.wait(timeout=5)
        self.wait_for(lambda _: self.eof, 2)
        self.stderr_file.close()
        return rc


def msg_key(msg: dict) -> tuple:
    if "method" in msg:
        return ("request" if "id" in msg else "notification", msg["method"])
    return ("response", msg.get("id"))


HARD_NOTIFICATIONS = {"turn/completed"}


def _is_hard(key: tuple) -> bool:
    return key[0] in ("request", "response") or (key[0] == "notification" and key[1] in HARD_NOTIFICATIONS)


# ---------------------------------------------------------------------------------------------
# Running one side
# ---------------------------------------------------------------------------------------------


@dataclass
class Side:
    which: str
    views: dict[str, Any] = field(default_factory=dict)     # aspect -> normalized value
    raw_transcript: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exit_code: int | None = None
    stderr: str = ""
    error: str | None = None


def _git(cwd: Path, home: Path, *args: str) -> None:
    env = {"PATH": BASE_PATH, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z"}
    subprocess.run(["git", *args], cwd=str(cwd), env=env, capture_output=True, check=True, timeout=30)


def _prepare(env: RefEnv, sc: Scenario) -> None:
    for rel, text in (("README.md", "# demo project\n"), ("src/main.py", "print('hello')\n"),
                      ("src/util/helpers.py", "def helper():\n    return 42\n"), ("docs/guide.txt", "guide\n")):
        env.write(rel, text)
    if sc.git_repo:
        _git(env.cwd, env.home, "init", "-q", "-b", "main")
        _git(env.cwd, env.home, "config", "user.email", "ref@example.com")
        _git(env.cwd, env.home, "config", "user.name", "Ref Capture")
        _git(env.cwd, env.home, "add", "-A")
        _git(env.cwd, env.home, "commit", "-q", "-m", "initial commit")
        origin = env.root / "origin.git"
        _git(env.root, env.home, "init", "-q", "--bare", str(origin))
        _git(env.cwd, env.home, "remote", "add", "origin", str(origin))
        _git(env.cwd, env.home, "push", "-q", "-u", "origin", "main")
        with open(env.cwd / "src" / "main.py", "a") as f:
            f.write("print('uncommitted change')\n")
    if sc.mcp_server:
        dst = env.root / "mock_mcp_server.py"
        shutil.copyfile(FIXTURES / "mock_mcp_server.py", dst)
        env.config_extra = (env.config_extra + f'\n[mcp_servers.mockmcp]\ncommand = "python3"\n'
                            f'args = ["{dst}"]\n')
        env.write_config()


def _placeholders(env: RefEnv) -> list[tuple[str, str]]:
    return [("<CWD>", str(env.cwd)), ("<CODEX_HOME>", str(env.codex_home)), ("<HOME>", str(env.home)),
            ("<SCRATCH>", str(env.root))]


def _subst_paths(obj: Any, pairs: list[tuple[str, str]]) -> Any:
    if isinstance(obj, str):
        for ph, real in pairs:
            obj = obj.replace(ph, real)
        return obj
    if isinstance(obj, list):
        return [_subst_paths(x, pairs) for x in obj]
    if isinstance(obj, dict):
        return {k: _subst_paths(v, pairs) for k, v in obj.items()}
    return obj


def _subst_uuids(obj: Any, mapping: dict[str, str]) -> Any:
    """Capture ids -> live ids. `mapping` holds lower-case UUIDs, and whole strings (rollout
    paths, whose file names carry the capture's timestamp) under the key ("str", capture)."""
    if isinstance(obj, str):
        whole = mapping.get(("str", obj))  # type: ignore[call-overload]
        if whole is not None:
            return whole
        return UUID_RE.sub(lambda m: mapping.get(m.group(0).lower(), m.group(0)), obj)
    if isinstance(obj, list):
        return [_subst_uuids(x, mapping) for x in obj]
    if isinstance(obj, dict):
        return {k: _subst_uuids(v, mapping) for k, v in obj.items()}
    return obj


ROLLOUT_NAME_RE = re.compile(r"rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-")


def _align_uuids(capture: Any, live: Any, mapping: dict, pairs: list[tuple[str, str]] = ()) -> None:
    """Map the UUIDs of a captured message to those at the same place in the live one (and a
    captured rollout path to the live one as a whole)."""
    if isinstance(capture, str) and isinstance(live, str):
        a, b = UUID_RE.findall(capture), UUID_RE.findall(live)
        if len(a) == len(b):
            for x, y in zip(a, b):
                mapping.setdefault(x.lower(), y)
        if ROLLOUT_NAME_RE.search(capture) and ROLLOUT_NAME_RE.search(live):
            mapping.setdefault(("str", _subst_paths(capture, list(pairs))), live)
    elif isinstance(capture, list) and isinstance(live, list):
        for x, y in zip(capture, live):
            _align_uuids(x, y, mapping, pairs)
    elif isinstance(capture, dict) and isinstance(live, dict):
        for k in capture.keys() & live.keys():
            _align_uuids(capture[k], live[k], mapping, pairs)


# "Duration: 0.0082 seconds" in the <user_shell_command> record of thread/shellCommand
# "aborted by user after 0.2s" in the function_call_output of an interrupted command
EXTRA_MASKS = [(re.compile(r"(Duration: )\d+(?:\.\d+)?( seconds?)"), r"\1<DURATION>\2"),
               (re.compile(r"(aborted by user after )\d+(?:\.\d+)?s\b"), r"\1<DURATION>s")]
PROCESS_ID_RE = re.compile(r'("(?:processId|pid)"\s*:\s*)"\d+"')


def _mask_durations(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: ("<DURATION>" if k == "duration" and isinstance(v, dict) and set(v) == {"secs", "nanos"}
                    else _mask_durations(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mask_durations(x) for x in obj]
    return obj


def _mask_extra(obj: Any) -> Any:
    """Masks on top of `Normalizer`: pids sent as strings ("processId": "33024"), Rust Durations
    serialized as {"secs", "nanos"} (mcp_tool_call_end in the rollout)."""
    text = json.dumps(obj, ensure_ascii=False)
    text = PROCESS_ID_RE.sub(r'\1"<PID>"', text)
    return _mask_durations(json.loads(text))


def _rollouts(env: RefEnv) -> list[tuple[str, str]]:
    out = []
    for sub in ("sessions", "archived_sessions"):
        base = env.codex_home / sub
        if base.is_dir():
            for p in sorted(base.rglob("*.jsonl")):
                out.append((str(p.relative_to(env.codex_home)), p.read_text(errors="replace")))
    # creation order (rollout names start with a timestamp; ties broken by mtime)
    return out


def run_side(which: str, sc: Scenario, transcript: list[dict]) -> Side:
    side = Side(which)
    with MockResponses() as mock:
        MarkerModel(mock)
        env = RefEnv(mock, tag=f"as-{sc.name[:20]}-{which[:3]}",
                     provider_extra="request_max_retries = 0\nstream_max_retries = 0")
        try:
            _prepare(env, sc)
            pairs = _placeholders(env)
            session = Session([*env.command(which), "app-server"], env.cwd, env.env(which),
                              env.root / "app-server.stderr")
            try:
                _replay(session, transcript, pairs, side)
                session.quiet()
            finally:
                side.exit_code = session.close()
            side.raw_transcript = list(session.transcript)
            side.stderr = (env.root / "app-server.stderr").read_text(errors="replace")
            if session.bad_lines:
                side.notes.append(f"{len(session.bad_lines)} non-JSON stdout line(s): {session.bad_lines[:3]}")
            norm = env.normalizer(extra=EXTRA_MASKS)
            server = [_mask_extra(norm.obj(m)) for m in session.s2c]
            reqs = [_mask_extra(request_view(r, norm)) for r in mock.requests]
            rollouts = {}
            for rel, text in _rollouts(env):
                rollouts[norm.text(rel)] = [_mask_extra(x) if not isinstance(x, str) else x
                                            for x in norm.jsonl(text)]
            side.views = {"server_messages": server, "model_requests": reqs, "rollout": rollouts,
                          "output_deltas": output_delta_problems(server)}
        except Exception as exc:  # noqa: BLE001 - reported as the side's error
            import traceback
            side.error = "".join(traceback.format_exception(exc))
        finally:
            env.close()
    return side


def _replay(session: Session, transcript: list[dict], pairs: list[tuple[str, str]], side: Side) -> None:
    mapping: dict = {}
    capture_s2c: list[dict] = []
    cap_by_key: dict[tuple, list[dict]] = {}
    for entry in transcript:
        if entry["dir"] == "s2c":
            cap_by_key.setdefault(msg_key(entry["msg"]), []).append(entry["msg"])
    server_req_ids: dict[Any, tuple] = {}      # capture server-request id -> (method, ordinal)
    for k, msgs in cap_by_key.items():
        if k[0] == "request":
            for i, m in enumerate(msgs):
                server_req_ids[m["id"]] = (k[1], i)
    given_up: Counter = Counter()              # notifications not waited for any more
    aligned = 0                                # live s2c messages already aligned
    live_counts: Counter = Counter()

    def align_new() -> None:
        nonlocal aligned
        with session.cond:
            live = session.s2c[aligned:]
            aligned += len(live)
        for m in live:
            k = msg_key(m)
            i = live_counts[k]
            live_counts[k] += 1
            cands = cap_by_key.get(k, [])
            if k[0] != "notification" and i < len(cands):
                _align_uuids(cands[i], m, mapping, pairs)

    for entry in transcript:
        msg = entry["msg"]
        if entry["dir"] == "s2c":
            capture_s2c.append(msg)
            continue
        need = Counter(msg_key(m) for m in capture_s2c)
        hard = Counter({k: v for k, v in need.items() if _is_hard(k)})

        def have(counts: Counter) -> Callable[[list[dict]], bool]:
            def pred(live: list[dict]) -> bool:
                got = Counter(msg_key(m) for m in live)
                return all(got[k] >= v for k, v in counts.items())
            return pred

        if not session.wait_for(have(hard - given_up), HARD_WAIT_S, idle=IDLE_GIVE_UP_S):
            got = Counter(msg_key(m) for m in session.s2c)
            missing = {k: v - got[k] - given_up[k] for k, v in hard.items() if got[k] + given_up[k] < v}
            given_up.update(missing)
            side.notes.append(f"before c2s {_describe(msg)}: gave up waiting for "
                              f"{ {f'{k[0]}:{k[1]}': v for k, v in missing.items()} }")
        if not session.wait_for(have(need - given_up), SOFT_WAIT_S):
            # a notification this side does not send (or not yet): do not wait for it again
            got = Counter(msg_key(m) for m in session.s2c)
            given_up.update({k: v - got[k] - given_up[k] for k, v in need.items()
                             if got[k] + given_up[k] < v})
        if "method" in msg and "id" in msg:
            # the capture driver drained the output before each call: trailing notifications of
            # the previous step land before the call instead of racing it
            session.quiet(PRE_CALL_QUIET_S, PRE_CALL_QUIET_MAX_S)
        align_new()
        out = _subst_uuids(_subst_paths(msg, pairs), mapping)
        if "method" not in msg:                # an answer to a server request
            target = server_req_ids.get(msg.get("id"))
            live_req = None
            if target is not None:
                reqs = [m for m in session.s2c if msg_key(m) == ("request", target[0])]
                if target[1] < len(reqs):
                    live_req = reqs[target[1]]
            if live_req is None:
                side.notes.append(f"not sent (no such live server request): {_describe(msg)}")
                continue
            out["id"] = live_req["id"]
        session.send(out)
    # everything the capture saw after the last client message
    need = Counter(msg_key(m) for m in capture_s2c)
    hard = Counter({k: v for k, v in need.items() if _is_hard(k)}) - given_up
    session.wait_for(lambda live: all(Counter(msg_key(m) for m in live)[k] >= v for k, v in hard.items()),
                     HARD_WAIT_S, idle=IDLE_GIVE_UP_S)
    need -= given_up
    session.wait_for(lambda live: all(Counter(msg_key(m) for m in live)[k] >= v for k, v in need.items()),
                     SOFT_WAIT_S)


def _describe(msg: dict) -> str:
    if "method" in msg:
        return f"{msg['method']} (id {msg.get('id')})"
    return f"answer to server request {msg.get('id')}"


# ---------------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------------

# Notifications the reference emits from independent tasks: their position relative to the
# messages around them is not fixed (seen to move between runs of the reference itself).
# They are moved to the end, in a stable order. See canonical_server_messages.
FLOATING_METHODS = {
    # the remote-control watcher reports its status once, from its own task, when the first thread
    # starts: in mcp_tools (where the MCP startup notifications come at the same time) it lands
    # before or after the thread/start response, thread/started and mcpServer/startupStatus/updated
    "remoteControl/status/changed",
}
# Items that run concurrently with the model stream (their completion races it).
NON_TOOL_ITEMS = {"userMessage", "agentMessage", "reasoning", "plan", "contextCompaction", "hookPrompt",
                  "enteredReviewMode", "exitedReviewMode"}
USAGE_METHODS = {"thread/tokenUsage/updated", "account/rateLimits/updated"}


def _item_of(m: dict) -> dict | None:
    p = m.get("params") if isinstance(m.get("params"), dict) else None
    return p.get("item") if p and isinstance(p.get("item"), dict) else None


def _is_tool_completed(m: dict) -> bool:
    it = _item_of(m)
    return (m.get("method") == "item/completed" and "id" not in m and it is not None
            and it.get("type") not in NON_TOOL_ITEMS)


def _commutes_back(later: dict, earlier: dict) -> bool:
    """May `later` be moved before `earlier`? Only for pairs seen to race in the reference:
      * thread/tokenUsage/updated + account/rateLimits/updated are sent when the model's
        response.completed is handled, while a tool called in that response already runs: they
        land before or after the tool's item/completed (turn_shell_approval_accept), and before or
        after its approval round trip (request, serverRequest/resolved, the non-idle
        thread/status/changed pair; turn_shell_approval_decline under load). They are moved back
        to right after the tool's item/started;
      * a tool's item/completed is emitted by the tool's own task and races the deltas of the
        agent message streamed meanwhile: the `sleep 2` of turn_steer ends while the steered
        answer streams (seen after its 1st, 2nd and 3rd delta). Not past the answer's item/started:
        the reference was seen to send a command's item/completed after the follow-up answer's
        item/started in every run (turn_shell_never, turn_shell_approval_accept, turn_steer,
        turn_dynamic_tool, 3 parallel pairs each), so that order is compared."""
    if "id" in later:
        return False
    if later.get("method") in USAGE_METHODS and (
            _is_tool_completed(earlier)
            or earlier.get("method") in ("serverRequest/resolved", "thread/status/changed") and "id" not in earlier
            and ((earlier.get("params") or {}).get("status") or {}).get("type") != "idle"
            or "id" in earlier and "method" in earlier):          # a server request (approval)
        return True
    if "id" in earlier:
        return False
    if _is_tool_completed(later) and earlier.get("method") == "item/agentMessage/delta":
        return True
    return False


def canonical_server_messages(msgs: list[dict]) -> list[dict]:
    """The order-insensitive parts of the reference's output put in one canonical order:
      * FLOATING_METHODS notifications moved to the end, sorted by their JSON;
      * item/commandExecution/outputDelta dropped: whether the reference streams the output of a
        short command before the command's item/completed is a race (seen both ways for
        `echo hello`); `output_delta_problems` checks the deltas that do arrive instead;
      * racing pairs (see `_commutes_back`) bubbled into the earliest position they can reach."""
    fixed = [m for m in msgs if not (m.get("method") in FLOATING_METHODS and "id" not in m)
             and not (m.get("method") == "item/commandExecution/outputDelta" and "id" not in m)]
    floating = [m for m in msgs if m.get("method") in FLOATING_METHODS and "id" not in m]
    floating.sort(key=lambda m: json.dumps(m, sort_keys=True))
    out = list(fixed)
    changed = True
    while changed:
        changed = False
        for i in range(1, len(out)):
            if _commutes_back(out[i], out[i - 1]):
                out[i - 1], out[i] = out[i], out[i - 1]
                changed = True
    return out + floating


def output_delta_problems(msgs: list[dict]) -> list[str]:
    """The command output deltas of each item must be a prefix of its final aggregatedOutput."""
    deltas: dict[str, str] = {}
    problems = []
    for m in msgs:
        if m.get("method") == "item/commandExecution/outputDelta" and "id" not in m:
            p = m.get("params") or {}
            deltas[p.get("itemId")] = deltas.get(p.get("itemId"), "") + (p.get("delta") or "")
        it = _item_of(m)
        if m.get("method") == "item/completed" and it and it.get("type") == "commandExecution":
            got = deltas.pop(it.get("id"), "")
            final = it.get("aggregatedOutput") or ""
            if not final.startswith(got):
                problems.append(f"{it.get('id')}: deltas {got!r} are not a prefix of aggregatedOutput {final!r}")
    for k, v in deltas.items():
        problems.append(f"{k}: output deltas {v!r} without an item/completed")
    return problems


def reconcile_server_messages(ref: list[dict], ours: list[dict]) -> list[dict]:
    """The one comparison that depends on the other side: under load the reference sometimes sends
    the item/completed of a command that completed with aggregatedOutput null (seen in 1 of 12
    parallel runs of turn_shell_never, `ls -1`, exit 0, no outputDelta) although the model gets the
    output. When the reference's item/completed (same item id) says null for a completed command,
    ours' aggregatedOutput is not compared (the output itself is still compared in the model
    request and the rollout). A null on our side against a string is still a difference."""
    null_ids = set()
    for m in ref:
        it = _item_of(m)
        if (m.get("method") == "item/completed" and it and it.get("type") == "commandExecution"
                and it.get("status") == "completed" and it.get("aggregatedOutput") is None):
            null_ids.add(it.get("id"))
    if not null_ids:
        return ours
    out = []
    for m in ours:
        it = _item_of(m)
        if (m.get("method") == "item/completed" and it and it.get("type") == "commandExecution"
                and it.get("id") in null_ids and isinstance(it.get("aggregatedOutput"), str)):
            m = json.loads(json.dumps(m))
            m["params"]["item"]["aggregatedOutput"] = None
        out.append(m)
    return out


def render(aspect: str, value: Any) -> list[str]:
    """Lines for a unified diff."""
    lines: list[str] = []
    if aspect == "server_messages":
        for i, m in enumerate(value):
            kind = msg_key(m)
            lines.append(f"### [{i}] {kind[0]} {kind[1]}")
            lines.extend(json.dumps(m, indent=1, sort_keys=True, ensure_ascii=False).splitlines())
    elif aspect == "model_requests":
        for i, r in enumerate(value):
            lines.append(f"### request [{i}] {r.get('method')} {r.get('path')}")
            lines.extend(json.dumps(r, indent=1, sort_keys=True, ensure_ascii=False).splitlines())
    elif aspect == "rollout":
        for name, rows in value.items():
            lines.append(f"### file {name}")
            for j, row in enumerate(rows):
                lines.append(f"## line {j}: {row.get('type') if isinstance(row, dict) else '?'}")
                lines.extend(json.dumps(row, indent=1, sort_keys=True, ensure_ascii=False).splitlines())
    else:
        lines.extend(json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False).splitlines())
    return lines


def comparable(aspect: str, value: Any) -> Any:
    if value is None:
        return None
    if aspect == "server_messages":
        return canonical_server_messages(value)
    return value


@dataclass
class Result:
    scenario: Scenario
    ref: Side
    ours: Side

    def fidelity(self) -> list[str]:
        return replay_fidelity(load_transcript(self.scenario.name), self.ref)

    def aspects(self) -> list[str]:
        return ["server_messages", "model_requests", "rollout", "output_deltas"]

    def pair(self, aspect: str) -> tuple[Any, Any]:
        """(reference, ours) as compared: canonical forms, then `reconcile`."""
        a = comparable(aspect, self.ref.views.get(aspect))
        b = comparable(aspect, self.ours.views.get(aspect))
        if aspect == "server_messages" and a is not None and b is not None:
            b = reconcile_server_messages(a, b)
        return a, b

    def diff(self, aspect: str, context: int = 3) -> str:
        a, b = self.pair(aspect)
        if a == b:
            return ""
        return "\n".join(difflib.unified_diff(render(aspect, a), render(aspect, b),
                                              f"reference/{aspect}", f"ours/{aspect}", n=context, lineterm=""))

    def diffs(self, context: int = 3) -> dict[str, str]:
        out = {}
        for a in self.aspects():
            d = self.diff(a, context)
            if d:
                out[a] = d
        return out

    def summary(self) -> str:
        parts = []
        for side in (self.ref, self.ours):
            if side.error:
                parts.append(f"[{side.which}] error:\n{side.error}")
            for n in side.notes:
                parts.append(f"[{side.which}] {n}")
            parts.append(f"[{side.which}] exit code {side.exit_code}")
        return "\n".join(parts)


def replay_fidelity(transcript: list[dict], side: Side) -> list[str]:
    """Guards the replay itself: every request of the capture must get the same kind of answer
    (result, or error with the same code) from the live reference as in the capture, and every
    server request of the capture must have been sent. (If the id substitution broke, both sides
    could fail the same way and compare equal.)"""
    cap = {m["msg"]["id"]: m["msg"] for m in transcript
           if m["dir"] == "s2c" and "id" in m["msg"] and "method" not in m["msg"]}
    live = {m["msg"]["id"]: m["msg"] for m in side.raw_transcript
            if m["dir"] == "s2c" and "id" in m["msg"] and "method" not in m["msg"]}

    def kind(m: dict | None) -> str:
        if m is None:
            return "no response"
        if "error" in m:
            return f"error {m['error'].get('code')}"
        return "result"

    out = [f"response {rid}: capture {kind(m)}, live {kind(live.get(rid))}"
           for rid, m in cap.items() if kind(m) != kind(live.get(rid))]
    cap_reqs = Counter(m["msg"]["method"] for m in transcript
                       if m["dir"] == "s2c" and "method" in m["msg"] and "id" in m["msg"])
    live_reqs = Counter(m["msg"]["method"] for m in side.raw_transcript
                        if m["dir"] == "s2c" and "method" in m["msg"] and "id" in m["msg"])
    if cap_reqs != live_reqs:
        out.append(f"server requests: capture {dict(cap_reqs)}, live {dict(live_reqs)}")
    return out


def run_scenario(name: str, *, parallel: bool = True) -> Result:
    sc = SCENARIOS[name]
    transcript = load_transcript(name)
    if not parallel:
        return Result(sc, run_side("reference", sc, transcript), run_side("ours", sc, transcript))
    results: dict[str, Side] = {}
    q: queue.Queue = queue.Queue()

    def work(which: str) -> None:
        results[which] = run_side(which, sc, transcript)
        q.put(which)

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in ("reference", "ours")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(sc, results["reference"], results["ours"])


# ---------------------------------------------------------------------------------------------
# A structured summary of the differences (for the report, the test message and the diff script)
# ---------------------------------------------------------------------------------------------


def _short(v: Any, n: int = 160) -> str:
    s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= n else s[:n] + "..."


def deep_differences(a: Any, b: Any, path: str = "") -> list[str]:
    """`path: reference -> ours` for every differing leaf (dict keys missing on one side too)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            p = f"{path}.{k}" if path else str(k)
            if k not in b:
                out.append(f"{p}: only in reference ({_short(a[k], 80)})")
            elif k not in a:
                out.append(f"{p}: only in ours ({_short(b[k], 80)})")
            else:
                out.extend(deep_differences(a[k], b[k], p))
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        if len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                out.extend(deep_differences(x, y, f"{path}[{i}]"))
            return out
        ka = [json.dumps(x, sort_keys=True) for x in a]
        kb = [json.dumps(x, sort_keys=True) for x in b]
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
            if op == "equal":
                continue
            if op == "replace" and i2 - i1 == j2 - j1:
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    out.extend(deep_differences(a[i], b[j], f"{path}[{i}->{j}]"))
                continue
            for i in range(i1, i2):
                out.append(f"{path}[{i}]: only in reference ({_short(a[i], 200)})")
            for j in range(j1, j2):
                out.append(f"{path}[{j}]: only in ours ({_short(b[j], 200)})")
        return out
    if isinstance(a, str) and isinstance(b, str) and a.startswith("{") and b.startswith("{"):
        try:                               # JSON inside a string (x-codex-turn-metadata, arguments)
            return deep_differences(json.loads(a), json.loads(b), path + "<json>")
        except ValueError:
            pass
    if a != b:
        return [f"{path}: {_short(a)} -> {_short(b)}"]
    return []


def message_label(m: dict) -> str:
    k = msg_key(m)
    it = _item_of(m)
    extra = f"[{it.get('type')}]" if it else ""
    return f"{k[0]} {k[1]}{extra}"


def summarize_sequence(a: list, b: list, label: Callable[[Any], str], max_items: int = 40) -> list[str]:
    out: list[str] = []
    la, lb = [label(x) for x in a], [label(x) for x in b]
    sm = difflib.SequenceMatcher(None, la, lb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                for d in deep_differences(a[i], b[j]):
                    out.append(f"#{i}/{j} {la[i]}: {d}")
        else:
            if i2 > i1:
                out.append(f"#{i1}.. only in reference: {', '.join(la[i1:i2])}")
            if j2 > j1:
                out.append(f"#{j1}.. only in ours: {', '.join(lb[j1:j2])}")
    # a message "only in" both sides under the same label was moved: say where, and what changed
    only_a = [i for op, i1, i2, _, _ in sm.get_opcodes() if op != "equal" for i in range(i1, i2)]
    only_b = [j for op, _, _, j1, j2 in sm.get_opcodes() if op != "equal" for j in range(j1, j2)]
    used: set[int] = set()
    for i in only_a:
        j = next((j for j in only_b if j not in used and lb[j] == la[i]), None)
        if j is None:
            continue
        used.add(j)
        prev_a = la[i - 1] if i else "start"
        prev_b = lb[j - 1] if j else "start"
        out.append(f"#{i}->#{j} {la[i]}: moved (reference: after {prev_a}; ours: after {prev_b})")
        out.extend(f"#{i}->#{j} {la[i]}: {d}" for d in deep_differences(a[i], b[j]))
    if len(out) > max_items:
        out = out[:max_items] + [f"... {len(out) - max_items} more"]
    return out


def summarize(aspect: str, a: Any, b: Any, max_items: int = 40) -> list[str]:
    if a is None or b is None:
        return [f"{aspect}: missing on the {'reference' if a is None else 'ours'} side"]
    if aspect == "server_messages":
        return summarize_sequence(a, b, message_label, max_items)
    if aspect == "model_requests":
        return summarize_sequence(a, b, lambda r: f"{r.get('method')} {r.get('path')}", max_items)
    if aspect == "rollout":
        out = []
        fa, fb = list(a.items()), list(b.items())
        if [k for k, _ in fa] != [k for k, _ in fb]:
            out.append(f"files: {[k for k, _ in fa]} -> {[k for k, _ in fb]}")
        for (na, ra), (nb, rb) in zip(fa, fb):
            def lab(row):
                if not isinstance(row, dict):
                    return "?"
                p = row.get("payload") if isinstance(row.get("payload"), dict) else {}
                return f"{row.get('type')}:{p.get('type', '')}"
            out.extend(f"{na.rsplit('/', 1)[-1]} {x}" for x in summarize_sequence(ra, rb, lab, max_items))
        return out
    return deep_differences(a, b)


def _summary_lines(self: "Result", max_items: int = 40) -> dict[str, list[str]]:
    out = {}
    for aspect in self.aspects():
        a, b = self.pair(aspect)
        if a != b:
            out[aspect] = summarize(aspect, a, b, max_items)
    return out


Result.difference_summary = _summary_lines  # type: ignore[attr-defined]
