"""``codex debug app-server send-message-v2 <USER_MESSAGE>``: the upstream app-server test
client's ``send-message-v2`` (``codex-rs/app-server-test-client``) run against this codex.

It spawns ``codex [--config k=v]... app-server`` on stdio and prints every JSON-RPC message it
writes (``> `` + pretty JSON) and reads (``< `` + pretty JSON), the typed results and
notifications in Rust ``Debug`` form (``< initialize response: InitializeResponse { ... }``,
``< thread/start response: ...``, ``< turn/start response: ...``, ``< item started: ...``,
``[UNKNOWN SERVER NOTIFICATION] ...``) until the turn completes; then the app-server's exit
status and the (disabled) Datadog trace summary.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import deque

from codex._stdio import err as _err

from .control_client import AnyhowError
from .rust_debug import debug_str, debug_type, notification_debug, variant_name

__all__ = ["send_message_v2_cmd", "run_send_message_v2"]

NOTIFICATIONS_TO_OPT_OUT = [
    "command/exec/outputDelta",
    "item/agentMessage/delta",
    "item/plan/delta",
    "item/fileChange/outputDelta",
    "item/reasoning/summaryTextDelta",
    "item/reasoning/textDelta",
]
TRACE_DISABLED_MESSAGE = "Not enabled - enable tracing in $CODEX_HOME/config.toml to get a trace URL!"
# The reference gives its app-server 100 ms to exit once stdin closes before killing it; this
# app-server is a Python process and takes longer to shut down.
EXIT_WAIT_SECONDS = 5.0

THREAD_START_PARAMS = [
    "model", "modelProvider", "cwd", "runtimeWorkspaceRoots", "approvalPolicy", "approvalsReviewer",
    "sandbox", "permissions", "config", "serviceName", "baseInstructions", "developerInstructions",
    "personality", "ephemeral", "sessionStartSource", "threadSource", "environments",
    "dynamicTools", "mockExperimentalField",
]
TURN_START_PARAMS_AFTER_INPUT = [
    "responsesapiClientMetadata", "additionalContext", "environments", "cwd",
    "runtimeWorkspaceRoots", "approvalPolicy", "approvalsReviewer", "sandboxPolicy", "permissions",
    "model", "effort", "summary", "personality", "outputSchema", "collaborationMode",
]


def _print(text: str = "") -> None:
    try:
        sys.stdout.write(text + "\n")
    except BrokenPipeError:
        pass


def _print_prefixed(prefix: str, obj) -> None:
    pretty = json.dumps(obj, indent=2, ensure_ascii=False)
    for line in pretty.split("\n"):
        _print(prefix + line)


def _exit_status(code: int) -> str:
    if code >= 0:
        return f"exit status: {code}"
    import signal as _signal

    try:
        name = _signal.Signals(-code).name
        return f"signal: {-code} ({name})"
    except ValueError:
        return f"signal: {-code}"


def _request_id_debug(rid) -> str:
    return f"String({debug_str(rid)})" if isinstance(rid, str) else f"Integer({rid})"


class _Client:
    def __init__(self, argv: list[str], child=None):
        """``child``: a ``Popen``-like object (stdin/stdout/wait/kill) to talk to instead of
        spawning ``argv`` (tests replay a recorded transcript through it)."""
        if child is None:
            try:
                child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            except OSError as exc:
                raise AnyhowError(f"failed to start `{argv[0]}` app-server process", exc) from None
        self.child = child
        self.pending: deque = deque()

    # -- transport ---------------------------------------------------------------------------

    def _write(self, obj: dict) -> None:
        try:
            self.child.stdin.write(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
            self.child.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise AnyhowError("failed to flush payload to codex app-server",
                              "Broken pipe (os error 32)") from None

    def write_message(self, obj: dict) -> None:
        _print_prefixed("> ", obj)
        sys.stdout.flush()
        self._write(obj)

    def read_message(self) -> dict:
        while True:
            sys.stdout.flush()
            line = self.child.stdout.readline()
            if not line:
                raise AnyhowError("codex app-server closed stdout")
            text = line.decode("utf-8", "replace").strip()
            if not text:
                continue
            try:
                msg = json.loads(text)
            except ValueError as exc:
                raise AnyhowError("response was not valid JSON-RPC", exc) from None
            _print_prefixed("< ", msg)
            if not isinstance(msg, dict):
                raise AnyhowError("response was not a valid JSON-RPC message")
            return msg

    # -- JSON-RPC ----------------------------------------------------------------------------

    def send_request(self, method: str, params) -> dict:
        rid = str(uuid.uuid4())
        self.write_message({"id": rid, "method": method, "params": params})
        while True:
            msg = self.read_message()
            if "id" in msg and "method" in msg:
                self.handle_server_request(msg)
            elif "id" in msg and "result" in msg:
                if msg["id"] == rid:
                    return msg["result"]
            elif "id" in msg and "error" in msg:
                if msg["id"] == rid:
                    e = msg.get("error") or {}
                    data = "None" if e.get("data") is None else f"Some({_json_debug(e.get('data'))})"
                    raise AnyhowError(
                        f"{method} failed: JSONRPCError {{ error: JSONRPCErrorError {{ code: {e.get('code')}, "
                        f"data: {data}, message: {debug_str(str(e.get('message', '')))} }}, "
                        f"id: {_request_id_debug(msg['id'])} }}")
            elif "method" in msg:
                self.pending.append(msg)

    def next_notification(self) -> dict:
        if self.pending:
            return self.pending.popleft()
        while True:
            msg = self.read_message()
            if "method" in msg and "id" not in msg:
                return msg
            if "method" in msg and "id" in msg:
                self.handle_server_request(msg)

    def handle_server_request(self, msg: dict) -> None:
        method = msg.get("method")
        params = msg.get("params") or {}
        if method == "item/commandExecution/requestApproval":
            _print(f"\n< commandExecution approval requested for thread {params.get('threadId')}, "
                   f"turn {params.get('turnId')}, item {params.get('itemId')}, approval "
                   f"{params.get('approvalId') or '<none>'}")
            if params.get("reason") is not None:
                _print(f"< reason: {params['reason']}")
            if params.get("command") is not None:
                _print(f"< command: {params['command']}")
            if params.get("cwd") is not None:
                _print(f"< cwd: {params['cwd']}")
            self.write_message({"id": msg["id"], "result": {"decision": "accept"}})
            _print(f"< commandExecution decision for approval #1 on item {params.get('itemId')}: Accept")
            return
        if method == "item/fileChange/requestApproval":
            _print(f"\n< fileChange approval requested for thread {params.get('threadId')}, "
                   f"turn {params.get('turnId')}, item {params.get('itemId')}")
            if params.get("reason") is not None:
                _print(f"< reason: {params['reason']}")
            if params.get("grantRoot") is not None:
                _print(f"< grant root: {params['grantRoot']}")
            self.write_message({"id": msg["id"], "result": {"decision": "accept"}})
            _print(f"< approved fileChange request for item {params.get('itemId')}")
            return
        raise AnyhowError(f"received unsupported server request: {method}")

    # -- the turn ----------------------------------------------------------------------------

    def stream_turn(self, thread_id: str, turn_id: str) -> None:
        while True:
            note = self.next_notification()
            method = note.get("method")
            params = note.get("params")
            if not isinstance(params, dict):
                params = {}
            if method == "thread/started":
                thread = params.get("thread") or {}
                if thread.get("id") == thread_id:
                    _print(f"< thread/started notification: {debug_type('Thread', thread)}")
            elif method == "turn/started":
                turn = params.get("turn") or {}
                if turn.get("id") == turn_id:
                    _print(f"< turn/started notification: {variant_name(str(turn.get('status')))}")
            elif method == "item/agentMessage/delta":
                sys.stdout.write(str(params.get("delta", "")))
                sys.stdout.flush()
            elif method == "item/commandExecution/outputDelta":
                sys.stdout.write(str(params.get("delta", "")))
                sys.stdout.flush()
            elif method == "item/commandExecution/terminalInteraction":
                _print(f"[stdin sent: {params.get('stdin', '')}]")
            elif method == "item/started":
                _print(f"\n< item started: {debug_type('ThreadItem', params.get('item'))}")
            elif method == "item/completed":
                _print(f"< item completed: {debug_type('ThreadItem', params.get('item'))}")
            elif method == "turn/completed":
                turn = params.get("turn") or {}
                if turn.get("id") == turn_id:
                    _print(f"\n< turn/completed notification: {variant_name(str(turn.get('status')))}")
                    error = turn.get("error")
                    if turn.get("status") == "failed" and isinstance(error, dict):
                        _print(f"[turn error] {error.get('message', '')}")
                    return
            elif method == "item/mcpToolCall/progress":
                _print(f"< MCP tool progress: {params.get('message', '')}")
            else:
                rendered = notification_debug(str(method), note.get("params"))
                if rendered is not None:
                    _print(f"[UNKNOWN SERVER NOTIFICATION] {rendered}")

    def close(self) -> None:
        try:
            self.child.stdin.close()
        except OSError:
            pass
        try:
            code = self.child.wait(timeout=EXIT_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
            return
        _print(f"[codex app-server exited: {_exit_status(code)}]")


def _json_debug(v) -> str:
    from .rust_debug import _json_value

    return _json_value(v)


def run_send_message_v2(argv: list[str], message: str, child=None) -> None:
    """The whole exchange, printed on stdout; raises ``AnyhowError``."""
    from codex import __version__

    client = _Client(argv, child)
    try:
        init = client.send_request("initialize", {
            "clientInfo": {"name": "codex-toy-app-server", "title": "Codex Toy App Server",
                           "version": __version__},
            "capabilities": {"experimentalApi": True, "requestAttestation": False,
                             "optOutNotificationMethods": NOTIFICATIONS_TO_OPT_OUT},
        })
        client.write_message({"method": "initialized"})
        _print(f"< initialize response: {debug_type('InitializeResponse', init)}")
        thread = client.send_request("thread/start", {k: None for k in THREAD_START_PARAMS})
        _print(f"< thread/start response: {debug_type('ThreadStartResponse', thread)}")
        thread_id = (thread.get("thread") or {}).get("id")
        turn_params = {"threadId": thread_id, "clientUserMessageId": None,
                       "input": [{"type": "text", "text": message, "text_elements": []}]}
        turn_params.update({k: None for k in TURN_START_PARAMS_AFTER_INPUT})
        turn = client.send_request("turn/start", turn_params)
        _print(f"< turn/start response: {debug_type('TurnStartResponse', turn)}")
        client.stream_turn(thread_id, (turn.get("turn") or {}).get("id"))
    finally:
        client.close()


def send_message_v2_cmd(invocation) -> int:
    import os

    message = invocation.values.get("user_message") or ""
    # 0.136.0 hands the test client no config overrides: `-c`, `--enable` and `--disable` given
    # to this command change nothing (probed: `-c model="o3"` still starts a gpt-5.5 thread, a bad
    # `-c sandbox_mode` is not reported). Like the client's tracing set-up, the config is loaded
    # before anything runs.
    from codex.config.errors import ConfigError
    from codex.config.loader import load_config

    try:
        load_config([])
    except ConfigError as exc:
        _err(exc.render(context="error loading config"))
        return 1
    argv = [sys.executable, "-m", "codex", "app-server"]
    os.environ.setdefault("PYTHONPATH", os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    code = 0
    error: AnyhowError | None = None
    try:
        run_send_message_v2(argv, message)
    except AnyhowError as exc:
        error = exc
        code = 1
    except KeyboardInterrupt:
        code = 130
    _print()
    _print("[Datadog trace]")
    _print(TRACE_DISABLED_MESSAGE)
    _print()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    if error is not None:
        _err(error.render())
    return code
