"""`codex mcp-server`: Codex as an MCP server over stdio (upstream codex-rs/mcp-server:
message_processor.rs, codex_tool_runner.rs, exec_approval.rs, patch_approval.rs,
outgoing_message.rs).

Plain newline-delimited JSON-RPC 2.0, not the `mcp` SDK's server: the reference answers in ways
the SDK's `Server` does not let us reproduce byte for byte (it echoes any `protocolVersion`,
adds `user_agent` to `serverInfo`, answers `tools/list` before `initialize`, never answers
`resources/list`, `prompts/list` ..., answers a `tools/call` without params with -32601, and its
approvals are `elicitation/create` requests whose answer is codex's `{"decision": ...}` rather
than MCP's `{action, content}`), and the key order of every message is the reference's.

The threads run in our in-process app-server (`AppServer(session_source="mcp")` +
`InProcessClient`): `thread/start`, `turn/start` (a new session's first turn takes the
tools/call id as its turn id, via `_turnId`), `turn/steer` (a `codex-reply` while the turn still
runs), `turn/interrupt` (`notifications/cancelled`, an `abort` decision). The `codex/event`
notifications are the core's raw events, taken from `ThreadService.raw_event_hook` (see
`ThreadEvents` for how they are put in the reference's order and completed with its
`raw_response_item`s). Approvals go straight to the core session as ops, as the reference's
`Op::ExecApproval` / `Op::PatchApproval`; the in-process client's own approval requests are left
unanswered.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from typing import Any

from . import tools as T
from .wire import canonical

SERVER_NAME = "codex-mcp-server"
SERVER_TITLE = "Codex"

# Methods the reference accepts but never answers (`handle_unsupported_request` logs them).
UNANSWERED_METHODS = frozenset({
    "resources/list", "resources/templates/list", "resources/read", "resources/subscribe",
    "resources/unsubscribe", "prompts/list", "prompts/get", "logging/setLevel",
})

log = logging.getLogger("codex_mcp_server::message_processor")
log_main = logging.getLogger("codex_mcp_server")
log_exec = logging.getLogger("codex_mcp_server::exec_approval")
log_patch = logging.getLogger("codex_mcp_server::patch_approval")

_HELD = ("agent_message", "agent_reasoning", "agent_reasoning_raw_content")
_TERMINAL = ("task_complete", "turn_aborted", "error")


def _dumps(msg: Any) -> str:
    return json.dumps(msg, ensure_ascii=False, separators=(",", ":"))


def _id_str(request_id: Any) -> str:
    return request_id if isinstance(request_id, str) else _dumps(request_id)


def _key(request_id: Any) -> str:
    return _dumps(request_id)


def tool_result(text: str, *, is_error: bool | None = None, thread_id: str | None = None) -> dict[str, Any]:
    """CallToolResult; with `thread_id`, upstream's `create_call_tool_result_with_thread_id`."""
    out: dict[str, Any] = {"content": [{"type": "text", "text": text}]}
    if thread_id is not None:
        out["structuredContent"] = {"threadId": thread_id, "content": text}
    if is_error is not None:
        out["isError"] = is_error
    return out


class ThreadEvents:
    """The raw event stream of one thread, as the reference's `CodexThread::next_event` gives it.

    Our core emits the same events with three differences this class irons out:
      * the reference sends `raw_response_item` for every item it records into the history: we
        emit the items that entered `session.history` since the previous event, just before the
        next one;
      * the reference sends a legacy event (`agent_message`, `agent_reasoning`) right after the
        `item_completed` it derives from; ours comes first: it is held until that item_completed
        (or the end of the turn);
      * `item_started` / `item_completed` get the reference's `started_at_ms` / `completed_at_ms`.
    Events queue up while no tool call consumes them (the next call on the thread streams them),
    as the reference's event channel does.
    """

    def __init__(self, session: Any):
        self.session = session
        self.seen = len(session.history)
        self.held: list[tuple[str, dict]] = []
        self.queue: asyncio.Queue = asyncio.Queue()
        self.consumer: asyncio.Task | None = None
        self.turn_started: float | None = None

    def push(self, sub_id: str, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        if kind == "session_configured":
            return  # the tool call sends its own (the reference's shape)
        if kind in _HELD:
            self.held.append((sub_id, msg))
            return
        if kind in _TERMINAL:
            self._release()
        self._flush(sub_id)
        if kind == "task_started":
            self.turn_started = time.time()
        elif kind == "turn_aborted" and msg.get("completed_at") is None:
            now = time.time()
            msg = dict(msg, completed_at=int(now))
            if self.turn_started is not None and msg.get("duration_ms") is None:
                msg["duration_ms"] = int((now - self.turn_started) * 1000)
        msg = canonical(msg)
        if kind == "item_started" and "started_at_ms" not in msg:
            item = msg.get("item")
            if isinstance(item, dict) and item.get("type") == "AgentMessage" and not item.get("content"):
                # the reference starts an agent message with one empty text part
                msg = dict(msg, item=dict(item, content=[{"type": "Text", "text": ""}]))
            msg = dict(msg, started_at_ms=int(time.time() * 1000))
        elif kind == "item_completed" and "completed_at_ms" not in msg:
            msg = dict(msg, completed_at_ms=int(time.time() * 1000))
        self.queue.put_nowait((sub_id, msg))
        if kind == "item_completed":
            self._release()

    def _release(self) -> None:
        held, self.held = self.held, []
        for sub_id, msg in held:
            self._flush(sub_id)
            self.queue.put_nowait((sub_id, msg))

    def _flush(self, sub_id: str) -> None:
        history = self.session.history
        if len(history) < self.seen:  # replaced (compaction): nothing to replay
            self.seen = len(history)
            return
        for item in history[self.seen:]:
            self.queue.put_nowait((sub_id, {"type": "raw_response_item", "item": item}))
        self.seen = len(history)


class McpServer:
    def __init__(self, *, cli_overrides: list[Any] | None = None, enable: Any = (), disable: Any = (),
                 codex_home: str | None = None, environ: dict | None = None, out: Any = None):
        self.cli_overrides = list(cli_overrides or [])
        self.enable = list(enable or ())
        self.disable = list(disable or ())
        self.codex_home = codex_home
        self.environ = os.environ if environ is None else environ
        self.out = out if out is not None else sys.stdout.buffer
        self.initialized = False
        self.client_info: dict[str, Any] = {}
        self._next_id = 0
        self._pending: dict[str, asyncio.Future] = {}
        self._running: dict[str, tuple[str, str]] = {}   # tools/call id -> (thread id, turn id)
        self._threads: dict[str, ThreadEvents] = {}
        self._tasks: set[asyncio.Task] = set()
        self._calls: dict[str, asyncio.Task] = {}      # running tools/call tasks (not cancelled)
        self._app: Any = None
        self._client: Any = None
        self._client_lock = asyncio.Lock()
        self._drain_task: asyncio.Task | None = None

    # -- output ------------------------------------------------------------------------------

    def send(self, msg: dict[str, Any]) -> None:
        data = (_dumps(msg) + "\n").encode("utf-8")
        try:
            self.out.write(data)
            self.out.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def respond(self, request_id: Any, result: Any) -> None:
        self.send({"jsonrpc": "2.0", "id": request_id, "result": result})

    def error(self, request_id: Any, code: int, message: str, data: Any = None) -> None:
        err: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            err["data"] = data
        self.send({"jsonrpc": "2.0", "id": request_id, "error": err})

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    async def request(self, method: str, params: Any) -> Any:
        """A server -> client request; returns the result. An error answer never resolves it
        (see `handle_line`)."""
        rid = self._next_id
        self._next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self._pending[_key(rid)] = fut
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return await fut

    # -- input -------------------------------------------------------------------------------

    async def handle_line(self, line: str) -> None:
        if not line.strip():
            return
        try:
            msg = json.loads(line)
        except ValueError as exc:
            log_main.error("Failed to deserialize JSON-RPC message: %s", _serde_message(exc))
            return
        if not _valid_message(msg):
            log_main.error("Failed to deserialize JSON-RPC message: data did not match any variant of "
                           "untagged enum JsonRpcMessage")
            return
        if "method" in msg and "id" in msg:
            self.handle_request(msg["id"], msg["method"], msg.get("params"))
        elif "method" in msg:
            await self.handle_notification(msg["method"], msg.get("params"))
        elif "id" in msg:
            fut = self._pending.pop(_key(msg["id"]), None)
            if "error" in msg:
                # the reference logs it and drops the request: an approval answered with an
                # error is never decided (the turn keeps waiting)
                log.error("<- error: %s", _rust_error_debug(msg["id"], msg.get("error")))
                return
            if fut is not None and not fut.done():
                fut.set_result(msg.get("result"))

    def handle_request(self, rid: Any, method: str, params: Any) -> None:
        # a known method whose params do not deserialize falls through to "method not found",
        # as the reference's typed-then-custom request parsing does
        if method == "initialize":
            if not _valid_initialize(params):
                self._method_not_found(rid, method)
                return
            self._initialize(rid, params)
        elif method == "ping":
            self.respond(rid, {})
        elif method == "tools/list":
            self.respond(rid, {"tools": T.list_tools()})
        elif method == "tools/call":
            if not isinstance(params, dict) or not isinstance(params.get("name"), str) \
                    or not isinstance(params.get("arguments", {}), (dict, type(None))):
                self._method_not_found(rid, method)
                return
            coro = self._tools_call(rid, params)
            if coro is not None:
                key = _key(rid)
                task = self._calls[key] = self._spawn(coro)
                task.add_done_callback(lambda t, k=key: self._calls.pop(k, None) if self._calls.get(k) is t else None)
        elif method in UNANSWERED_METHODS:
            return
        else:
            self._method_not_found(rid, method)

    def _method_not_found(self, rid: Any, method: str) -> None:
        self.error(rid, -32601, f"method not found: {method}", {"method": method})

    async def handle_notification(self, method: str, params: Any) -> None:
        if method == "notifications/cancelled":
            if isinstance(params, dict) and "requestId" in params:
                await self._cancel(params["requestId"])
        # notifications/initialized, progress, roots/list_changed ...: nothing to do

    def _spawn(self, coro: Any) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- initialize --------------------------------------------------------------------------

    def _initialize(self, rid: Any, params: dict[str, Any]) -> None:
        if self.initialized:
            self.error(rid, -32600, "initialize called more than once")
            return
        from codex.model.request import user_agent

        self.initialized = True
        info = params.get("clientInfo") or {}
        self.client_info = info
        suffix = f"{info.get('name', '')}; {info.get('version', '')}"
        self.respond(rid, {
            "protocolVersion": params["protocolVersion"],
            "capabilities": {"tools": {"listChanged": True}},
            "serverInfo": {"name": SERVER_NAME, "title": SERVER_TITLE, "version": _version(),
                           "user_agent": user_agent("codex_cli_rs", suffix, self.environ)},
        })

    # -- the in-process app-server -----------------------------------------------------------

    async def client(self) -> Any:
        async with self._client_lock:
            if self._client is None:
                from codex.app_server.in_process import InProcessClient
                from codex.app_server.server import AppServer

                self._app = AppServer(cli_overrides=self.cli_overrides, enable=self.enable,
                                      disable=self.disable, codex_home=self.codex_home,
                                      environ=self.environ, session_source="mcp")
                client = InProcessClient(self._app)
                await client.initialize("codex_cli_rs")
                # creates the thread service, whose raw events we observe
                await client.request("thread/loaded/list", {})
                svc = self._app.state["threads"]
                svc.raw_event_hook = self._on_raw_event
                self._client = client
                self._drain_task = asyncio.get_running_loop().create_task(self._drain(client))
            return self._client

    async def _drain(self, client: Any) -> None:
        """The in-process client's v2 notifications are not used; its approval requests are
        left unanswered: the decisions go to the core as ops (`_exec_approval`,
        `_patch_approval`)."""
        while True:
            await client.next_event()

    async def _on_raw_event(self, session: Any, ev: Any) -> None:
        tid = session.thread_id
        if not tid:
            return
        state = self._threads.get(tid)
        if state is None:
            state = self._threads[tid] = ThreadEvents(session)
        state.push(ev.id, dict(ev.msg))

    def _session(self, thread_id: str) -> Any:
        svc = self._app.state.get("threads") if self._app is not None else None
        t = svc.threads.get(thread_id) if svc is not None else None
        return t.session if t is not None else None

    # -- tools/call --------------------------------------------------------------------------

    def _tools_call(self, rid: Any, params: dict[str, Any]) -> Any:
        """Validate a tools/call right away (its error results go out in order, as the
        reference's do); return the coroutine that runs the turn, or None when answered."""
        name = params["name"]
        args = params.get("arguments")
        if name == "codex":
            return self._tool_codex(rid, args)
        if name == "codex-reply":
            return self._tool_codex_reply(rid, args)
        self.respond(rid, tool_result(f"Unknown tool '{name}'", is_error=True))
        return None

    def _tool_codex(self, rid: Any, args: Any) -> Any:
        if not isinstance(args, dict):
            self.respond(rid, tool_result(
                "Missing arguments for codex tool-call; the `prompt` field is required.", is_error=True))
            return None
        try:
            p = T.parse_codex_params(args)
        except T.ParamError as exc:
            self.respond(rid, tool_result(f"Failed to parse configuration for Codex tool: {exc}", is_error=True))
            return None
        cwd = os.getcwd()
        if p.get("cwd"):
            cwd = os.path.abspath(os.path.join(cwd, p["cwd"]))
        overrides: dict[str, Any] = dict(p.get("config") or {})
        if "developer-instructions" in p:
            overrides["developer_instructions"] = p["developer-instructions"]
        if "compact-prompt" in p:
            overrides["compact_prompt"] = p["compact-prompt"]
        error = self._check_config(overrides, cwd)
        if error is not None:
            self.respond(rid, tool_result(f"Failed to load Codex configuration from overrides: {error}",
                                          is_error=True))
            return None
        start: dict[str, Any] = {"cwd": cwd}
        if "model" in p:
            start["model"] = p["model"]
        if "approval-policy" in p:
            start["approvalPolicy"] = p["approval-policy"]
        if "sandbox" in p:
            start["sandbox"] = p["sandbox"]
        if overrides:
            start["config"] = overrides
        if "base-instructions" in p:
            start["baseInstructions"] = p["base-instructions"]
        return self._guard(rid, self._codex_session(rid, p["prompt"], start, "sandbox" in p))

    async def _guard(self, rid: Any, coro: Any) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a tool call must not take the server down
            log_main.error("tools/call failed: %s", exc)
            self.respond(rid, tool_result(f"Codex runtime error: {exc}", is_error=True))

    async def _codex_session(self, rid: Any, prompt: str, start: dict[str, Any], explicit_sandbox: bool) -> None:
        """`run_codex_tool_session`: a new thread, its first turn under the tools/call id."""
        client = await self.client()
        info = self.client_info or {}
        if info.get("name"):
            # the reference's user agent ends with the MCP client's `(<name>; <version>)`
            start = dict(start, _userAgentSuffix=f"{info.get('name')}; {info.get('version', '')}")
        try:
            response = await client.request("thread/start", start)
        except Exception as exc:  # noqa: BLE001
            self.respond(rid, tool_result(f"Failed to start Codex session: {_message(exc)}", is_error=True))
            return
        tid = response["thread"]["id"]
        session = self._session(tid)
        state = self._threads.get(tid)
        if state is None:
            state = self._threads[tid] = ThreadEvents(session)
        meta = {"requestId": rid, "threadId": tid}
        self.notify("codex/event", {"_meta": meta, "msg": self._session_configured(session, explicit_sandbox),
                                    "id": ""})
        if not _enabled_mcp_servers(session.settings.raw):
            # nothing to start: the reference's core reports an empty startup right away (with
            # servers configured, the core's own mcp_startup_* events stream from the queue)
            self.notify("codex/event", {"_meta": meta, "msg": {"type": "mcp_startup_complete", "ready": [],
                                                               "failed": [], "cancelled": []}, "id": ""})
        self._running[_key(rid)] = (tid, _id_str(rid))
        await self._take(state)
        await client.request("turn/start", {
            "threadId": tid, "input": [{"type": "text", "text": prompt, "text_elements": []}],
            "_turnId": _id_str(rid)})
        await self._run(rid, tid, state)

    def _tool_codex_reply(self, rid: Any, args: Any) -> Any:
        if not isinstance(args, dict):
            log.error("Missing arguments for codex-reply tool-call; the `thread_id` and `prompt` fields are required.")
            self.respond(rid, tool_result("Missing arguments for codex-reply tool-call; the `thread_id` and "
                                          "`prompt` fields are required.", is_error=True))
            return None
        try:
            p = T.parse_reply_params(args)
        except T.ParamError as exc:
            log.error("Failed to parse Codex tool call reply parameters: %s", exc)
            self.respond(rid, tool_result(f"Failed to parse configuration for Codex tool: {exc}", is_error=True))
            return None
        raw_id = p["threadId"] if "threadId" in p else p.get("conversationId")
        if raw_id is None:
            msg = "Failed to parse thread_id: either threadId or conversationId must be provided"
            log.error("%s", msg)
            self.respond(rid, tool_result(msg, is_error=True))
            return None
        try:
            tid = T.parse_thread_id(raw_id)
        except T.ParamError as exc:
            log.error("Failed to parse thread_id: %s", exc)
            self.respond(rid, tool_result(f"Failed to parse thread_id: {exc}", is_error=True))
            return None
        session = self._session(tid)
        if session is None:
            msg = f"Session not found for thread_id: {tid}"
            self.respond(rid, tool_result(msg, is_error=True, thread_id=tid))
            return None
        return self._guard(rid, self._reply_session(rid, tid, session, p["prompt"]))

    async def _reply_session(self, rid: Any, tid: str, session: Any, prompt: str) -> None:
        """`run_codex_tool_session_reply`: the next turn of a loaded thread."""
        client = await self.client()
        state = self._threads.get(tid)
        if state is None:
            state = self._threads[tid] = ThreadEvents(session)
        await self._take(state)
        items = [{"type": "text", "text": prompt, "text_elements": []}]
        active = getattr(session, "active_turn", None)
        if active is not None:
            # a turn is running (its tools/call was cancelled or is still waiting): like the
            # reference's `Op::UserInput`, the prompt joins that turn, whose end answers this call
            steered = await client.request("turn/steer", {"threadId": tid, "input": items,
                                                          "expectedTurnId": active.turn_id})
            self._running[_key(rid)] = (tid, steered["turnId"])
        else:
            turn = await client.request("turn/start", {"threadId": tid, "input": items})
            self._running[_key(rid)] = (tid, turn["turn"]["id"])
        await self._run(rid, tid, state)

    async def _take(self, state: ThreadEvents) -> None:
        """This call consumes the thread's events from now on (a previous, cancelled call's
        loop stops)."""
        old = state.consumer
        state.consumer = asyncio.current_task()
        if old is not None and old is not state.consumer and not old.done():
            old.cancel()

    async def _run(self, rid: Any, tid: str, state: ThreadEvents) -> None:
        """`run_codex_tool_session_inner`: every event becomes a `codex/event` notification;
        approvals become elicitations; task_complete / error answer the tools/call."""
        meta = {"requestId": rid, "threadId": tid}
        rid_str = _id_str(rid)
        while True:
            sub_id, msg = await state.queue.get()
            self.notify("codex/event", {"_meta": meta, "msg": msg, "id": sub_id})
            kind = msg.get("type")
            if kind == "exec_approval_request":
                self._spawn(self._exec_approval(rid_str, tid, sub_id, msg))
            elif kind == "apply_patch_approval_request":
                self._spawn(self._patch_approval(rid_str, tid, sub_id, msg))
            elif kind == "error":
                self.respond(rid, tool_result(str(msg.get("message", "")), is_error=True, thread_id=tid))
                return
            elif kind == "task_complete":
                self.respond(rid, tool_result(msg.get("last_agent_message") or "", thread_id=tid))
                self._running.pop(_key(rid), None)
                return

    def _session_configured(self, session: Any, explicit_sandbox: bool) -> dict[str, Any]:
        from codex.sandbox.policy import PermissionProfile

        st = session.settings
        msg: dict[str, Any] = {
            "type": "session_configured", "session_id": session.thread_id, "thread_id": session.thread_id,
            "model": st.model, "model_provider_id": st.provider_id, "approval_policy": st.approval_policy,
            "approvals_reviewer": "user",
            "permission_profile": PermissionProfile.from_policy(st.sandbox_policy, st.cwd).to_json(),
        }
        if not explicit_sandbox:
            msg["active_permission_profile"] = {"id": ":" + st.sandbox_mode}
        msg["cwd"] = st.cwd
        effort = (st.raw or {}).get("model_reasoning_effort")
        if effort is not None:  # only a configured effort (the model's default is not shown)
            msg["reasoning_effort"] = effort
        msg["rollout_path"] = session.rollout_path
        return msg

    def _check_config(self, overrides: dict[str, Any], cwd: str) -> str | None:
        if not overrides:
            return None
        from codex.config.errors import ConfigError
        from codex.config.loader import load_config

        try:
            load_config(list(self.cli_overrides) + list(overrides.items()), enable=self.enable,
                        disable=self.disable, codex_home=self.codex_home, cwd=cwd, environ=self.environ)
        except ConfigError as exc:
            return str(exc)
        except Exception as exc:  # noqa: BLE001 - other load failures surface at thread/start
            return str(exc) or None
        return None

    # -- approvals ---------------------------------------------------------------------------

    async def _exec_approval(self, rid_str: str, tid: str, event_id: str, ev: dict[str, Any]) -> None:
        from codex.shell.parse_command import shlex_join

        command = list(ev.get("command") or [])
        cwd = ev.get("cwd") or ""
        call_id = ev.get("call_id", "")
        params = {
            "message": f"Allow Codex to run `{shlex_join(command)}` in `{cwd}`?",
            "requestedSchema": {"type": "object", "properties": {}},
            "threadId": tid, "codex_elicitation": "exec-approval", "codex_mcp_tool_call_id": rid_str,
            "codex_event_id": event_id, "codex_call_id": call_id, "codex_command": command,
            "codex_cwd": cwd, "codex_parsed_cmd": ev.get("parsed_cmd") or [],
        }
        decision = await self._decision(params, log_exec, "ExecApprovalResponse")
        if decision == "abort":
            await self._abort_turn(tid, ev.get("turn_id") or event_id)
            return
        session = self._session(tid)
        if session is not None:
            session.submit_op({"type": "exec_approval", "id": ev.get("approval_id") or call_id,
                               "turn_id": event_id, "decision": decision})

    async def _patch_approval(self, rid_str: str, tid: str, event_id: str, ev: dict[str, Any]) -> None:
        lines = []
        if ev.get("reason"):
            lines.append(str(ev["reason"]))
        lines.append("Allow Codex to apply proposed code changes?")
        params: dict[str, Any] = {
            "message": "\n".join(lines), "requestedSchema": {"type": "object", "properties": {}},
            "threadId": tid, "codex_elicitation": "patch-approval", "codex_mcp_tool_call_id": rid_str,
            "codex_event_id": event_id, "codex_call_id": ev.get("call_id", ""),
        }
        if ev.get("reason") is not None:
            params["codex_reason"] = ev["reason"]
        if ev.get("grant_root") is not None:
            params["codex_grant_root"] = ev["grant_root"]
        params["codex_changes"] = ev.get("changes") or {}
        decision = await self._decision(params, log_patch, "PatchApprovalResponse")
        if decision == "abort":
            await self._abort_turn(tid, ev.get("turn_id") or event_id)
            return
        session = self._session(tid)
        if session is not None:
            session.submit_op({"type": "patch_approval", "id": ev.get("call_id", ""), "decision": decision})

    async def _decision(self, params: dict[str, Any], logger: logging.Logger, what: str) -> Any:
        """Ask the client; its `{"decision": ReviewDecision}`, or `denied` when the answer does
        not deserialize (logged as the reference logs it)."""
        result = await self.request("elicitation/create", params)
        try:
            return review_decision(result, what)
        except T.ParamError as exc:
            logger.error("failed to deserialize %s: %s", what, exc)
            return "denied"

    async def _abort_turn(self, tid: str, turn_id: str) -> None:
        """`ReviewDecision::Abort`: the reference's core aborts the turn as an interrupt
        (`turn_aborted`, reason `interrupted`; the tools/call is never answered). Our core
        treats an `abort` op like `denied`, so the turn is interrupted from here."""
        if self._client is None:
            return
        try:
            await self._client.request("turn/interrupt", {"threadId": tid, "turnId": turn_id})
        except Exception as exc:  # noqa: BLE001
            log.error("failed to interrupt thread %s: %s", tid, exc)

    # -- cancellation ------------------------------------------------------------------------

    async def _cancel(self, request_id: Any) -> None:
        """`notifications/cancelled`: interrupt the thread's turn; the tools/call gets no answer
        (the reference's behaviour)."""
        self._calls.pop(_key(request_id), None)   # never answered: stdin EOF does not wait for it
        running = self._running.pop(_key(request_id), None)
        if running is None:
            return
        await self._abort_turn(*running)

    # -- lifecycle ---------------------------------------------------------------------------

    async def drain_calls(self) -> None:
        """After stdin closed: let the running tool calls finish and answer, as the reference
        does (its spawned calls keep the stdout writer alive). A cancelled call never finishes
        there (the reference then never exits); we do not wait for it, nor for a call that waits
        on an elicitation nobody can answer any more."""
        while self._calls:
            if self._pending:
                return
            await asyncio.wait(list(self._calls.values()), timeout=0.2,
                               return_when=asyncio.FIRST_COMPLETED)

    async def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._drain_task is not None:
            self._drain_task.cancel()
        if self._app is not None:
            svc = self._app.state.get("threads")
            if svc is not None:
                # the in-process approval requests we never answered (see `_drain`)
                for t in list(svc.threads.values()):
                    for task in list(t.pending_requests):
                        task.cancel()
                try:
                    await svc.shutdown()
                except Exception:  # noqa: BLE001 - best effort at exit
                    pass
        if self._client is not None:
            try:
                await self._client.close()
            except Exception:  # noqa: BLE001
                pass


REVIEW_DECISIONS = ("approved", "approved_execpolicy_amendment", "approved_for_session",
                    "network_policy_amendment", "denied", "timed_out", "abort")


def review_decision(result: Any, what: str) -> Any:
    """`{"decision": ReviewDecision}` (serde's messages for what does not deserialize)."""
    if not isinstance(result, dict):
        raise T.ParamError(f"invalid type: {T._json_kind(result)}, expected struct {what}")
    if "decision" not in result:
        raise T.ParamError("missing field `decision`")
    decision = result["decision"]
    expected = ", ".join(f"`{v}`" for v in REVIEW_DECISIONS)
    if isinstance(decision, str):
        if decision in ("approved", "approved_for_session", "denied", "timed_out", "abort"):
            return decision
        raise T.ParamError(f"unknown variant `{decision}`, expected one of {expected}")
    if isinstance(decision, dict) and len(decision) == 1:
        (name,) = decision
        if name in ("approved_execpolicy_amendment", "network_policy_amendment"):
            return decision
        raise T.ParamError(f"unknown variant `{name}`, expected one of {expected}")
    raise T.ParamError(f"invalid type: {T._json_kind(decision)}, expected enum ReviewDecision")


def _rust_error_debug(rid: Any, error: Any) -> str:
    """The reference's `{:?}` of the JSON-RPC error it received."""
    rid_s = f"String({json.dumps(rid)})" if isinstance(rid, str) else f"Number({rid})"
    err = error if isinstance(error, dict) else {}
    data = err.get("data")
    data_s = "None" if data is None else f"Some({_dumps(data)})"
    return (f"JsonRpcError {{ jsonrpc: JsonRpcVersion2_0, id: Some({rid_s}), error: ErrorData {{ "
            f"code: ErrorCode({err.get('code')}), message: {json.dumps(str(err.get('message', '')))}, "
            f"data: {data_s} }} }}")


def _enabled_mcp_servers(raw: Any) -> list[str]:
    servers = (raw or {}).get("mcp_servers") if isinstance(raw, dict) else None
    if not isinstance(servers, dict):
        return []
    return [name for name, cfg in servers.items() if not (isinstance(cfg, dict) and cfg.get("enabled") is False)]


def _valid_message(msg: Any) -> bool:
    """A JSON-RPC 2.0 request, notification or response as the reference's serde accepts it."""
    if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
        return False
    if "id" in msg and (isinstance(msg["id"], bool) or not isinstance(msg["id"], (str, int))):
        return False
    if "method" in msg:
        return isinstance(msg["method"], str)
    return "id" in msg and ("result" in msg or "error" in msg)


def _valid_initialize(params: Any) -> bool:
    """InitializeRequestParams: protocolVersion, capabilities, clientInfo {name, version}."""
    if not isinstance(params, dict) or not isinstance(params.get("protocolVersion"), str):
        return False
    if not isinstance(params.get("capabilities"), dict):
        return False
    info = params.get("clientInfo")
    return isinstance(info, dict) and isinstance(info.get("name"), str) and isinstance(info.get("version"), str)


def _message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc)


def _serde_message(exc: ValueError) -> str:
    lineno = getattr(exc, "lineno", 1)
    colno = getattr(exc, "colno", 1)
    msg = getattr(exc, "msg", str(exc))
    if msg.startswith("Expecting value"):
        return f"expected value at line {lineno} column {colno}"
    return f"{msg} at line {lineno} column {colno}"


def _version() -> str:
    from codex.core.session import CLI_VERSION
    return CLI_VERSION


async def serve_stdio(server: McpServer, stdin: Any = None) -> None:
    """Read newline-delimited JSON-RPC from stdin until EOF; each line is handled in order."""
    loop = asyncio.get_running_loop()
    stream = stdin if stdin is not None else sys.stdin.buffer
    queue: asyncio.Queue = asyncio.Queue()

    def reader() -> None:
        try:
            for raw in iter(stream.readline, b""):
                loop.call_soon_threadsafe(queue.put_nowait, raw)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    import threading
    threading.Thread(target=reader, name="mcp-stdin", daemon=True).start()
    try:
        while True:
            raw = await queue.get()
            if raw is None:
                break
            await server.handle_line(raw.decode("utf-8", "replace"))
        await server.drain_calls()
    finally:
        await server.shutdown()
