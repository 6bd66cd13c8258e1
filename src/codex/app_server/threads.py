"""The app-server's thread and turn methods over core `Session`s: thread/start, thread/resume,
thread/list, thread/read, thread/unsubscribe, turn/start, turn/interrupt
(upstream app-server/src/codex_message_processor.rs, the thread and turn parts).

`ThreadService(notify)` keeps the loaded threads. Each session's events go through an
`event_mapping.EventMapper` and come out as v2 notifications through `notify(method, params)`.
`handlers()` maps method names to `async fn(params) -> result` for the JSON-RPC server's
registry and for the in-process client.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any, Awaitable, Callable

from codex.core.session import CLI_VERSION

# notify(thread_id, method, params): deliver a notification to the thread's subscribers
Notify = Callable[[str, str, dict[str, Any]], Awaitable[None]]


class RpcError(Exception):
    """An error answer (`code`, `message`) to the request being handled."""

    def __init__(self, message: str, code: int = -32600):
        super().__init__(message)
        self.code = code
        self.message = message


SANDBOX_V2 = {"read-only": "readOnly", "workspace-write": "workspaceWrite",
              "danger-full-access": "dangerFullAccess"}
SANDBOX_FROM_V2 = {v: k for k, v in SANDBOX_V2.items()}
SANDBOX_FROM_V2.update({k: k for k in SANDBOX_V2})


def sandbox_v2(policy_json: dict[str, Any]) -> dict[str, Any]:
    kind = policy_json.get("type")
    if kind == "danger-full-access":
        return {"type": "dangerFullAccess"}
    if kind == "workspace-write":
        return {"type": "workspaceWrite",
                "writableRoots": list(policy_json.get("writable_roots") or []),
                "networkAccess": bool(policy_json.get("network_access", False)),
                "excludeTmpdirEnvVar": bool(policy_json.get("exclude_tmpdir_env_var", False)),
                "excludeSlashTmp": bool(policy_json.get("exclude_slash_tmp", False))}
    if kind == "external-sandbox":
        return {"type": "externalSandbox", "networkAccess": policy_json.get("network_access", "restricted")}
    return {"type": "readOnly", "networkAccess": bool(policy_json.get("network_access", False))}


def sandbox_mode_from_v2(value: Any) -> str | None:
    if isinstance(value, str):
        return SANDBOX_FROM_V2.get(value)
    if isinstance(value, dict):
        return SANDBOX_FROM_V2.get(value.get("type", ""))
    return None


def _apply_turn_overrides(settings: Any, params: dict[str, Any]) -> None:
    """turn/start's overrides stay for the thread's later turns, as upstream's
    OverrideTurnContext does."""
    if params.get("model"):
        from codex.model import catalog
        settings.model = params["model"]
        settings.model_info = catalog.model_info(params["model"])
    if params.get("effort"):
        settings.reasoning_effort = params["effort"]
    if params.get("summary"):
        settings.reasoning_summary = params["summary"]
    if params.get("personality"):
        settings.personality = params["personality"]
    if isinstance(params.get("approvalPolicy"), str):
        settings.approval_policy = params["approvalPolicy"]
    if params.get("cwd"):
        settings.cwd = os.path.abspath(params["cwd"])
    sp = params.get("sandboxPolicy")
    if isinstance(sp, dict) and sp.get("type"):
        from codex.sandbox import policy as pol
        mode = SANDBOX_FROM_V2.get(sp["type"])
        if mode is not None:
            settings.sandbox_mode = mode
            ww = {"writable_roots": sp.get("writableRoots") or [],
                  "network_access": sp.get("networkAccess") is True,
                  "exclude_tmpdir_env_var": bool(sp.get("excludeTmpdirEnvVar")),
                  "exclude_slash_tmp": bool(sp.get("excludeSlashTmp"))}
            settings.sandbox_policy = pol.from_sandbox_mode(mode, ww)


def _goal_v2(goal: dict[str, Any]) -> dict[str, Any]:
    keys = ("threadId", "objective", "status", "tokenBudget", "tokensUsed", "timeUsedSeconds",
            "createdAt", "updatedAt")
    return {k: goal.get(k) for k in keys}


def _inputs(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """v2 UserInput -> the core's input items."""
    inputs = []
    for inp in items:
        kind = inp.get("type")
        if kind == "text":
            inputs.append({"type": "text", "text": inp.get("text", ""),
                           "text_elements": inp.get("text_elements", [])})
        elif kind == "localImage":
            inputs.append({"type": "localImage", "path": inp.get("path", "")})
        elif kind == "image":
            inputs.append({"type": "image", "image_url": inp.get("url", "")})
    return inputs


class LoadedThread:
    def __init__(self, session: Any, mapper: Any, created_at: int):
        self.session = session
        self.mapper = mapper
        self.created_at = created_at
        self.updated_at = created_at
        self.turn_task: asyncio.Task | None = None
        self.turn_id: str | None = None
        self.preview = ""
        self.pending_requests: set[asyncio.Task] = set()
        self.explicit_sandbox = False
        self.early_events: list[Any] | None = None


class ThreadService:
    """Threads and turns for one app-server (one per process; many connections may share it)."""

    def __init__(self, notify: Notify, *, cli_overrides: list[Any] | None = None,
                 codex_home: str | None = None, source: str = "vscode",
                 originator: str | None = None, profile: str | None = None,
                 config_loader: Callable[..., Any] | None = None,
                 settings_hook: Callable[[Any], None] | None = None,
                 server_request: Callable[[str, str, dict[str, Any], list], Awaitable[Any]] | None = None):
        self.notify = notify
        self.cli_overrides = list(cli_overrides or [])
        self.codex_home = codex_home
        self.source = source
        self.originator = originator or ("codex_exec" if source == "exec" else "codex_vscode")
        self.profile = profile
        self.config_loader = config_loader
        self.settings_hook = settings_hook
        self.server_request = server_request
        self.threads: dict[str, LoadedThread] = {}
        # (thread id, thread/started params) of the last thread/start: sent after its response
        self.last_started: tuple[str, dict[str, Any]] | None = None
        # (thread id, thread/settings/updated params) set by a turn/start that changed them
        self.settings_updated: tuple[str, dict[str, Any]] | None = None
        # Optional observer of every raw core event of every thread, `session_configured`
        # included, before the v2 mapping: `await raw_event_hook(session, event)`. Used by
        # `codex mcp-server` (its `codex/event` notifications are the core's events). None: off.
        self.raw_event_hook: Callable[[Any, Any], Awaitable[None]] | None = None
        # `wants_notification(thread_id, method)`: does a connection subscribed to the thread
        # take this notification (it did not opt out of it)? None: assume one does.
        self.wants_notification: Callable[[str, str], bool] | None = None

    def _delta_consumers(self, thread_id: str) -> bool:
        """Does anybody see this thread's agent-message deltas one by one? When nobody does
        (`codex exec` opts out of them), the model stream may merge deltas that arrive together."""
        if self.raw_event_hook is not None or self.wants_notification is None:
            return True
        return self.wants_notification(thread_id, "item/agentMessage/delta")

    def handlers(self) -> dict[str, Callable[[dict[str, Any]], Awaitable[Any]]]:
        return {
            "thread/start": self.thread_start,
            "thread/resume": self.thread_resume,
            "thread/list": self.thread_list,
            "thread/loaded/list": self.thread_loaded_list,
            "thread/read": self.thread_read,
            "thread/unsubscribe": self.thread_unsubscribe,
            "turn/start": self.turn_start,
            "turn/interrupt": self.turn_interrupt,
            "thread/compact/start": self.thread_compact_start,
            "turn/steer": self.turn_steer,
            "review/start": self.review_start,
        }

    # -- settings ----------------------------------------------------------------------------

    def _settings(self, params: dict[str, Any]):
        from codex.config.loader import load_config
        from codex.core.settings import resolve

        overrides = list(self.cli_overrides)
        cfg_over = params.get("config") or {}
        profile = self.profile
        for k, v in cfg_over.items():
            if k == "profile" and isinstance(v, str):
                profile = v
                continue
            overrides.append((k, v))
        if params.get("modelProvider"):
            overrides.append(("model_provider", params["modelProvider"]))
        cwd = params.get("cwd") or os.getcwd()
        loader = self.config_loader or load_config
        config = loader(overrides, cwd=cwd, codex_home=self.codex_home, profile=profile)
        approval = params.get("approvalPolicy")
        if isinstance(approval, dict):
            approval = None
        settings = resolve(config, cwd=os.path.abspath(cwd), model=params.get("model"),
                           sandbox_mode=sandbox_mode_from_v2(params.get("sandbox")),
                           approval_policy=approval, ephemeral=bool(params.get("ephemeral")),
                           originator=self.originator, source=self.source)
        if params.get("_userAgentSuffix"):
            settings.ua_suffix = params["_userAgentSuffix"]
        elif self.source == "exec":
            # exec's user agent ends with `(codex_exec; <version>)`, its sub-agents' too
            settings.ua_suffix = f"codex_exec; {CLI_VERSION}"
        if params.get("_originator"):
            settings.originator = params["_originator"]
            settings.client_version = params.get("_client_version")
        if self.source != "exec":
            settings.thread_source = None
        if isinstance(params.get("dynamicTools"), list):
            settings.dynamic_tools = [t for t in params["dynamicTools"] if isinstance(t, dict)]
        if isinstance(params.get("baseInstructions"), str):
            settings.base_instructions = params["baseInstructions"]
        if self.settings_hook is not None:
            self.settings_hook(settings)
        return settings

    # -- thread objects ----------------------------------------------------------------------

    def thread_json(self, t: LoadedThread, turns: list[Any] | None = None) -> dict[str, Any]:
        s = t.session
        st = s.settings
        git = None
        return {
            "id": s.thread_id, "sessionId": s.thread_id, "forkedFromId": None,
            "preview": t.preview, "ephemeral": st.ephemeral, "modelProvider": st.provider_id,
            "createdAt": t.created_at, "updatedAt": t.updated_at, "status": self._status(t),
            "path": s.rollout_path, "cwd": st.cwd, "cliVersion": CLI_VERSION,
            "source": self.source, "threadSource": None, "agentNickname": None,
            "agentRole": None, "gitInfo": git, "name": None, "turns": turns or [],
        }

    def _status(self, t: LoadedThread) -> dict[str, Any]:
        status = getattr(t.mapper, "status", None)
        if isinstance(status, dict):
            return status
        if t.turn_task is not None and not t.turn_task.done():
            return {"type": "active", "activeFlags": []}
        return {"type": "idle"}

    def _response(self, t: LoadedThread) -> dict[str, Any]:
        st = t.session.settings
        pol = st.sandbox_policy.to_json()
        return {
            "thread": self.thread_json(t), "model": st.model, "modelProvider": st.provider_id,
            "serviceTier": None, "cwd": st.cwd, "runtimeWorkspaceRoots": [st.cwd],
            "instructionSources": [], "approvalPolicy": st.approval_policy,
            "approvalsReviewer": "user", "sandbox": sandbox_v2(pol),
            "activePermissionProfile": (None if t.explicit_sandbox
                                        else {"id": ":" + st.sandbox_mode, "extends": None}),
            "reasoningEffort": st.reasoning_effort,
        }

    async def _open(self, settings: Any, resume_path: str | None = None) -> LoadedThread:
        import time

        from codex.app_server.event_mapping import EventMapper
        from codex.core.session import Session

        holder: dict[str, LoadedThread] = {}

        async def sink(ev) -> None:
            if self.raw_event_hook is not None:
                await self.raw_event_hook(session, ev)
            t = holder.get("t")
            if t is None or t.early_events is not None:
                # events of the thread's start (MCP server start-up ...) go out after the
                # thread/start response and thread/started, as the reference sends them
                if t is None:
                    early.append(ev)
                else:
                    t.early_events.append(ev)
                return
            await self._deliver(t, ev)

        early: list[Any] = []
        session = Session(settings, sink)
        session.delta_consumers = lambda: self._delta_consumers(session.thread_id)
        await session.start(resume_path=resume_path)
        t = LoadedThread(session, EventMapper(), int(time.time()))
        t.early_events = early
        holder["t"] = t
        self.threads[session.thread_id] = t
        return t

    async def flush_early_events(self, t: LoadedThread) -> None:
        events, t.early_events = t.early_events or [], None
        for ev in events:
            await self._deliver(t, ev)

    async def _deliver(self, t: LoadedThread, ev: Any) -> None:
        msg = ev.msg
        if msg.get("type") == "session_configured":
            return
        if msg.get("type") == "thread_goal_updated":
            await self.notify(t.session.thread_id, "thread/goal/updated",
                              {"threadId": msg.get("threadId"), "turnId": msg.get("turnId"),
                               "goal": _goal_v2(msg.get("goal") or {})})
            return
        out = t.mapper.map(msg, thread_id=t.session.thread_id, turn_id=ev.id or (t.turn_id or ""))
        for n in out:
            if "request" in n:
                t.pending_requests.add(asyncio.get_running_loop().create_task(self._server_request(t, n)))
                continue
            await self.notify(t.session.thread_id, n["method"], n["params"])

    async def _server_request(self, t: LoadedThread, entry: dict[str, Any]) -> None:
        """Ask the client; the mapper turns the answer into notifications and a core op."""
        from .server import JsonRpcError

        thread_id = t.session.thread_id
        ids: list = []
        result: Any = None
        error: Any = None
        if self.server_request is None:
            error = {"code": -32000, "message": "no client to ask"}
        else:
            try:
                result = await self.server_request(thread_id, entry["request"], entry["params"], ids)
            except JsonRpcError as e:
                error = {"code": e.code, "message": e.message}
            except asyncio.CancelledError:
                return
        res = t.mapper.resolve(entry, request_id=ids[0] if ids else None, result=result, error=error)
        for n in res.notifications:
            await self.notify(thread_id, n["method"], n["params"])
        if res.op is not None:
            t.session.submit_op(res.op)

    # -- methods -----------------------------------------------------------------------------

    async def thread_start(self, params: dict[str, Any]) -> dict[str, Any]:
        settings = self._settings(params)
        t = await self._open(settings)
        t.explicit_sandbox = params.get("sandbox") is not None
        result = self._response(t)
        self.last_started = (t.session.thread_id, {"thread": self.thread_json(t)})
        return result

    async def thread_resume(self, params: dict[str, Any]) -> dict[str, Any]:
        thread_id = params.get("threadId")
        if thread_id in self.threads:
            return self._response(self.threads[thread_id])
        path = params.get("path")
        settings = self._settings(params)
        if not path:
            from codex.rollout.list import find_thread_path_by_id
            path = find_thread_path_by_id(settings.codex_home, thread_id)
        if not path:
            raise RpcError(f"no rollout found for thread id {thread_id}")
        t = await self._open(settings, resume_path=path)
        return self._response(t)

    async def thread_list(self, params: dict[str, Any]) -> dict[str, Any]:
        from codex.rollout import list as rl

        codex_home = self.codex_home
        if codex_home is None:
            from codex.config.loader import find_codex_home
            codex_home = find_codex_home()
        providers = params.get("modelProviders")
        limit = int(params.get("limit") or 25)
        sort_key = "updated_at" if params.get("sortKey") in ("updated_at", "updatedAt") else "created_at"
        page = rl.list_threads(codex_home, page_size=limit, cursor=params.get("cursor"),
                               sort_key=sort_key, model_providers=providers,
                               archived=bool(params.get("archived")), cwd=params.get("cwd"))
        data = []
        for item in page.items:
            meta = item.session_meta
            get = (lambda k, d=None: getattr(meta, k, d) if meta is not None else d)
            provider = get("model_provider")
            source = get("source")
            data.append({
                "id": item.thread_id, "sessionId": item.thread_id, "forkedFromId": None,
                "preview": item.first_user_message or "", "ephemeral": False,
                "modelProvider": provider if isinstance(provider, str) else "",
                "createdAt": 0, "updatedAt": int(item.updated_at), "status": {"type": "notLoaded"},
                "path": item.path, "cwd": item.cwd or "", "cliVersion": get("cli_version", "") or "",
                "source": source if isinstance(source, str) else "unknown", "threadSource": None,
                "agentNickname": None, "agentRole": None, "gitInfo": None, "name": None,
                "turns": []})
        return {"data": data, "nextCursor": page.next_cursor, "backwardsCursor": None}

    async def thread_loaded_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"data": sorted(self.threads), "nextCursor": None}

    async def thread_read(self, params: dict[str, Any]) -> dict[str, Any]:
        thread_id = params.get("threadId")
        t = self.threads.get(thread_id)
        if t is None:
            raise RpcError(f"thread not loaded: {thread_id}")
        return {"thread": self.thread_json(t)}

    async def thread_unsubscribe(self, params: dict[str, Any]) -> dict[str, Any]:
        thread_id = params.get("threadId")
        t = self.threads.pop(thread_id, None)
        if t is None:
            return {"status": "notLoaded"}
        if t.turn_task is not None and not t.turn_task.done():
            await t.session.interrupt()
        await t.session.shutdown()
        await self.notify(thread_id, "thread/closed", {"threadId": thread_id})
        return {"status": "unsubscribed"}

    async def turn_start(self, params: dict[str, Any]) -> dict[str, Any]:
        from codex.core.session import new_turn_id

        thread_id = params.get("threadId")
        t = self.threads.get(thread_id)
        if t is None:
            raise RpcError(f"thread not found: {thread_id}")
        if t.early_events is not None:
            await self.flush_early_events(t)
        inputs = _inputs(params.get("input") or [])
        if not t.preview:
            t.preview = "".join(i.get("text", "") for i in inputs if i["type"] == "text")
        # `_turnId` (in-process callers only): the turn's id instead of a new one; `codex
        # mcp-server` uses the tools/call id for a new session's first turn, as the reference does
        turn_id = params.get("_turnId") or new_turn_id()
        t.turn_id = turn_id
        _apply_turn_overrides(t.session.settings, params)
        output_schema = params.get("outputSchema")
        cm = params.get("collaborationMode")
        mode = cm.get("mode") if isinstance(cm, dict) else None
        if mode is not None and mode != t.session.collaboration_mode:
            self.settings_updated = (thread_id, self._thread_settings(t, mode))

        async def run() -> None:
            try:
                done = await t.session.run_turn(inputs, turn_id=turn_id, output_schema=output_schema,
                                                collaboration_mode=mode)
                if not done.get("error"):
                    await t.session.run_goal_continuations()
            except asyncio.CancelledError:
                pass

        t.turn_task = asyncio.get_running_loop().create_task(run())
        return {"turn": {"id": turn_id, "items": [], "itemsView": "notLoaded",
                         "status": "inProgress", "error": None, "startedAt": None,
                         "completedAt": None, "durationMs": None}}

    async def thread_compact_start(self, params: dict[str, Any]) -> dict[str, Any]:
        from codex.core.session import new_turn_id

        thread_id = params.get("threadId")
        t = self.threads.get(thread_id)
        if t is None:
            raise RpcError(f"thread not found: {thread_id}")
        if t.early_events is not None:
            await self.flush_early_events(t)
        turn_id = new_turn_id()
        t.turn_id = turn_id

        async def run() -> None:
            try:
                await t.session.compact(turn_id=turn_id)
            except asyncio.CancelledError:
                pass

        t.turn_task = asyncio.get_running_loop().create_task(run())
        return {}

    def _thread_settings(self, t: LoadedThread, mode: str) -> dict[str, Any]:
        st = t.session.settings
        return {"threadId": t.session.thread_id, "threadSettings": {
            "cwd": st.cwd, "approvalPolicy": st.approval_policy, "approvalsReviewer": "user",
            "sandboxPolicy": sandbox_v2(st.sandbox_policy.to_json()),
            "activePermissionProfile": (None if t.explicit_sandbox
                                        else {"id": ":" + st.sandbox_mode, "extends": None}),
            "model": st.model, "modelProvider": st.provider_id, "serviceTier": None,
            "effort": st.reasoning_effort, "summary": st.reasoning_summary,
            "collaborationMode": {"mode": mode, "settings": {
                "model": st.model, "reasoning_effort": st.reasoning_effort,
                "developer_instructions": t.session.collaboration_instructions(mode)}},
            "personality": st.personality}}

    async def review_start(self, params: dict[str, Any]) -> dict[str, Any]:
        """review/start (inline delivery): the review runs as a sub-agent thread; the parent
        shows it as one turn (see codex.core.review)."""
        from codex.core import review as R
        from codex.core.session import new_turn_id

        thread_id = params.get("threadId")
        t = self.threads.get(thread_id)
        if t is None:
            raise RpcError(f"thread not found: {thread_id}")
        if t.early_events is not None:
            await self.flush_early_events(t)
        target = params.get("target") or {}
        try:
            R.review_prompt(target)
        except R.ReviewError as exc:
            raise RpcError(str(exc)) from None
        hint = R.user_facing_hint(target)
        turn_id = new_turn_id()
        t.turn_id = turn_id

        async def run() -> None:
            try:
                t.session._turn_task = asyncio.current_task()
                await R.run_review(t.session, target, turn_id, hint)
            except asyncio.CancelledError:
                pass
            finally:
                t.session._turn_task = None

        t.turn_task = asyncio.get_running_loop().create_task(run())
        item = {"type": "userMessage", "id": turn_id, "clientId": None,
                "content": [{"type": "text", "text": hint, "text_elements": []}]}
        return {"turn": {"id": turn_id, "items": [item], "itemsView": "notLoaded",
                         "status": "inProgress", "error": None, "startedAt": None,
                         "completedAt": None, "durationMs": None},
                "reviewThreadId": thread_id}

    async def turn_steer(self, params: dict[str, Any]) -> dict[str, Any]:
        t = self.threads.get(params.get("threadId"))
        if t is None:
            raise RpcError("no active turn to steer")
        try:
            turn_id = t.session.steer(_inputs(params.get("input") or []), params.get("expectedTurnId"))
        except ValueError as exc:
            raise RpcError(str(exc)) from None
        return {"turnId": turn_id}

    async def turn_interrupt(self, params: dict[str, Any]) -> dict[str, Any]:
        t = self.threads.get(params.get("threadId"))
        if t is not None and t.turn_task is not None and not t.turn_task.done():
            await t.session.interrupt(until_acknowledged=True)
        return {}

    async def shutdown(self) -> None:
        for t in list(self.threads.values()):
            if t.turn_task is not None and not t.turn_task.done():
                t.turn_task.cancel()
            await t.session.shutdown()
        self.threads.clear()


# -- the JSON-RPC server's registry -----------------------------------------------------------


# sent to every initialized connection, as 0.136.0 does, not only to the thread's subscribers
BROADCAST_METHODS = frozenset({"thread/started", "thread/status/changed"})


def register_methods(registry: Any) -> None:
    """Register the thread/turn methods; one ThreadService per AppServer, notifications to
    the connections subscribed to the thread (the one that started or resumed it)."""

    def service(conn: Any) -> ThreadService:
        server = conn.server
        svc = server.state.get("threads")
        if svc is None:
            subscribers: dict[str, set] = {}
            server.state["thread_subscribers"] = subscribers

            async def notify(thread_id: str, method: str, params: dict[str, Any]) -> None:
                if method in BROADCAST_METHODS:
                    server.broadcast(method, params)
                    return
                for c in list(subscribers.get(thread_id, ())):
                    c.notify(method, params)

            async def server_request(thread_id: str, method: str, params: dict[str, Any],
                                     ids: list) -> Any:
                from .server import JsonRpcError
                for c in list(subscribers.get(thread_id, ())):
                    return await c.request(method, params, id_sink=ids)
                raise JsonRpcError(-32000, "no subscribed client")

            def loader(overrides, *, cwd, codex_home, profile):
                from codex.config.loader import load_config
                return load_config(list(server.cli_overrides) + list(overrides),
                                   enable=server.enable, disable=server.disable,
                                   codex_home=codex_home or server.codex_home, cwd=cwd,
                                   environ=server.environ, profile=profile)

            svc = ThreadService(notify, codex_home=server.codex_home,
                                source=getattr(server, "session_source", "vscode"),
                                config_loader=loader, server_request=server_request)
            svc.settings_hook = server.state.get("threads_settings_hook")

            def wants_notification(thread_id: str, method: str) -> bool:
                return any(method not in c.opt_out for c in subscribers.get(thread_id, ()))

            svc.wants_notification = wants_notification
            server.state["threads"] = svc
        return svc

    def subscribe(conn: Any, thread_id: str) -> None:
        conn.server.state.setdefault("thread_subscribers", {}).setdefault(thread_id, set()).add(conn)

    def wrap(name: str, fn_name: str, subscribes: bool = False):
        async def handler(params: Any, conn: Any) -> Any:
            from .server import JsonRpcError

            svc = service(conn)
            fn = getattr(svc, fn_name)
            p = dict(params or {})
            info = getattr(conn, "client_info", None) or {}
            if svc.source != "exec" and isinstance(info, dict) and info.get("name"):
                p["_originator"] = info["name"]
                p["_client_version"] = str(info.get("version") or "")
            if subscribes and p.get("threadId"):
                subscribe(conn, p["threadId"])
            try:
                if name == "thread/resume":
                    result = await fn(p)
                    t_loaded = svc.threads.get(result["thread"]["id"])
                    if t_loaded is not None and t_loaded.early_events is not None:
                        conn.after_response(lambda: asyncio.get_running_loop().create_task(
                            svc.flush_early_events(t_loaded)))
                    return result
                if name == "turn/start":
                    svc.settings_updated = None
                    result = await fn(p)
                    if svc.settings_updated is not None:
                        _tid, upd = svc.settings_updated
                        svc.settings_updated = None
                        conn.after_response(lambda: conn.notify("thread/settings/updated", upd))
                    return result
                if name == "thread/start":
                    result = await fn(p)
                    thread_id, started = svc.last_started
                    subscribe(conn, thread_id)
                    # the reference answers thread/start first, then announces the thread
                    t_loaded = svc.threads.get(thread_id)

                    def announce() -> None:
                        conn.server.broadcast("thread/started", started)
                        if t_loaded is not None:
                            asyncio.get_running_loop().create_task(svc.flush_early_events(t_loaded))
                    conn.after_response(announce)
                    return result
                return await fn(p)
            except RpcError as exc:
                raise JsonRpcError(exc.code, exc.message) from None
        registry.register(name, handler)

    wrap("thread/start", "thread_start")
    wrap("thread/resume", "thread_resume", subscribes=True)
    wrap("thread/list", "thread_list")
    wrap("thread/loaded/list", "thread_loaded_list")
    wrap("thread/read", "thread_read")
    wrap("thread/unsubscribe", "thread_unsubscribe")
    wrap("turn/start", "turn_start", subscribes=True)
    wrap("turn/interrupt", "turn_interrupt")
    wrap("thread/compact/start", "thread_compact_start", subscribes=True)
    wrap("turn/steer", "turn_steer")
    wrap("review/start", "review_start", subscribes=True)


def kick_goal(svc: "ThreadService", thread_id: str) -> None:
    """A goal just became active on an idle loaded thread: start its continuation turns."""
    t = svc.threads.get(thread_id)
    if t is None or (t.turn_task is not None and not t.turn_task.done()):
        return
    if t.early_events is not None:
        asyncio.get_running_loop().create_task(svc.flush_early_events(t))

    async def run() -> None:
        try:
            await t.session.run_goal_continuations()
        except asyncio.CancelledError:
            pass

    t.turn_task = asyncio.get_running_loop().create_task(run())
