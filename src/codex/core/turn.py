"""One turn: send the history, stream the answer, run the tool calls, repeat until the model
stops calling tools (upstream core/src/codex.rs run_turn / try_run_sampling_request).

Order of what is recorded, as the reference writes it: task_started, [developer + context
messages on a thread's first turn], turn_context, the user message, user_message; then per
response: reasoning (agent_reasoning before the item), messages (agent_message before the
item), tool calls as they finish streaming, their outputs once the response completed (in
call order), token_count; finally task_complete.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec

from codex.core.session import (_add_usage, _builtins, _empty_usage, _usage_dict,
                                _uuid7, local_date_and_tz, new_item_id)
from codex.protocol import models as P


def _user_inputs_to_content(inputs: list[dict[str, Any]], cwd: str | None = None) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = []
    images = 0
    for inp in inputs:
        kind = inp.get("type")
        if kind == "text":
            content.append({"type": "input_text", "text": inp.get("text", "")})
        elif kind == "image":
            content.append({"type": "input_image", "image_url": inp.get("image_url") or inp.get("url")})
        elif kind == "localImage":
            from codex.core.images import local_image_content
            images += 1
            content.extend(local_image_content(inp.get("path", ""), images, cwd))
    return content


class Turn:
    def __init__(self, session: Any, inputs: list[dict[str, Any]], *, turn_id: str | None = None,
                 output_schema: Any = None, collaboration_mode: str | None = None,
                 hidden_input: str | None = None):
        self.session = session
        self.inputs = inputs
        self.turn_id = turn_id or _uuid7()
        self.output_schema = output_schema
        # a goal continuation turn's prompt: a user message the model sees, no user item
        self.hidden_input = hidden_input
        self.aborted = False
        if collaboration_mode is not None and collaboration_mode != session.collaboration_mode:
            session.collaboration_mode = collaboration_mode
            session.collaboration_changed = True
        self.collaboration_mode = session.collaboration_mode
        self.started = time.time()
        self.first_token_at: float | None = None
        self.last_agent_message: str | None = None
        self._tools: list[dict[str, Any]] | None = None
        self._router: Any = None
        self._inflight: list[asyncio.Task] = []
        self._turn_diff: Any = None
        self._mcp_tools: list[Any] = []
        self._completed_usage: Any = _NO_USAGE
        self._aborted_calls: list = []
        self._call_started: dict[str, float] = {}
        self._workspaces: dict[str, Any] = {}

    # -- events ------------------------------------------------------------------------------

    async def emit(self, msg: dict[str, Any]) -> None:
        await self.session._emit(self.turn_id, msg)

    def record(self, *items: tuple[str, Any]) -> None:
        self.session._record(*items)

    async def emit_recorded(self, msg: dict[str, Any]) -> None:
        self.record(("event_msg", msg))
        await self.emit(msg)

    async def item_started(self, item: dict[str, Any]) -> None:
        await self.emit({"type": "item_started", "thread_id": self.session.thread_id,
                         "turn_id": self.turn_id, "item": item})

    async def item_completed(self, item: dict[str, Any]) -> None:
        await self.emit({"type": "item_completed", "thread_id": self.session.thread_id,
                         "turn_id": self.turn_id, "item": item})

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        s = self.session
        st = s.settings
        date, tz = local_date_and_tz()
        if st.timezone:
            tz = st.timezone
        if s.mcp is not None:
            # MCP servers still starting are waited for (up to their startup timeout) before
            # the turn starts, as the reference does
            self._mcp_tools = await s.mcp.tools()
        await self.emit_recorded({
            "type": "task_started", "turn_id": self.turn_id, "started_at": int(self.started),
            "model_context_window": st.model_context_window,
            "collaboration_mode_kind": self.collaboration_mode})
        if not s._has_context:
            ctx_items = s.initial_context_items(date, tz)
            for it in ctx_items:
                s.history.append(it)
                self.record(("response_item", it))
            s._has_context = True
        if s.collaboration_changed:
            # a changed collaboration mode is announced to the model before the prompt
            s.collaboration_changed = False
            text = s.collaboration_instructions()
            if text is not None:
                note = {"type": "message", "role": "developer", "content": [
                    {"type": "input_text", "text": f"<collaboration_mode>{text}</collaboration_mode>"}]}
                s.history.append(note)
                self.record(("response_item", note))
        self.record(("turn_context", s.turn_context_payload(self.turn_id, date, tz,
                                                            self.collaboration_mode)))
        if self.hidden_input is not None:
            note = {"type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": self.hidden_input}]}
            s.history.append(note)
            self.record(("response_item", note))
        else:
            await self.record_user_input(self.inputs)
        if not st.ephemeral:
            from codex.git import cli as gitcli
            self._workspaces = await gitcli.workspace_metadata(st.cwd)

        s.turn_count += 1
        error: str | None = None
        s.active_turn = self
        try:
            while True:
                follow_up = await self.sampling_request()
                if not follow_up and not s.pending_input:
                    break
                await self._maybe_auto_compact()
                await self._take_pending_input()
        except asyncio.CancelledError:
            self.aborted = True
            await self._abort("interrupted")
            raise
        except _TurnError as exc:
            error = exc.message
            await self.emit({"type": "error", "message": exc.message,
                             "codex_error_info": exc.info})
        except Exception as exc:  # noqa: BLE001 - a bug must end the turn, not hang the face
            import logging
            logging.getLogger("codex_core::codex").debug("turn failed", exc_info=True)
            error = f"{type(exc).__name__}: {exc}"
            await self.emit({"type": "error", "message": error, "codex_error_info": "other"})
        finally:
            if s.active_turn is self:
                s.active_turn = None
        done: dict[str, Any] = {
            "type": "task_complete", "turn_id": self.turn_id,
            "last_agent_message": None if error else self.last_agent_message,
            "completed_at": int(time.time()),
            "duration_ms": int((time.time() - self.started) * 1000),
        }
        if self.first_token_at is not None and error is None:
            done["time_to_first_token_ms"] = int((self.first_token_at - self.started) * 1000)
        s.last_agent_message = done["last_agent_message"]
        await self.emit_recorded(done)
        if s.recorder is not None:
            await s.recorder.aflush()
        if error is not None:
            done = dict(done)
            done["error"] = error
        return done

    async def _take_pending_input(self) -> None:
        """Input steered into the running turn goes into the history before the next request."""
        s = self.session
        while s.pending_input:
            inputs = s.pending_input.pop(0)
            await self.record_user_input(inputs)

    async def record_user_input(self, inputs: list[dict[str, Any]]) -> None:
        s = self.session
        item = {"type": "message", "role": "user",
                "content": _user_inputs_to_content(inputs, s.settings.cwd)}
        s.history.append(item)
        self.record(("response_item", item))
        uid = new_item_id()
        await self.item_started({"type": "UserMessage", "id": uid, "content": inputs})
        await self.item_completed({"type": "UserMessage", "id": uid, "content": inputs})
        text = "".join(i.get("text", "") for i in inputs if i.get("type") == "text")
        images = [i.get("image_url") for i in inputs if i.get("type") == "image"]
        local_images = [i.get("path") for i in inputs if i.get("type") == "localImage"]
        await self.emit_recorded({"type": "user_message", "message": text, "images": images,
                                  "local_images": local_images, "text_elements": []})

    async def _maybe_auto_compact(self) -> None:
        from codex.core import compact

        s = self.session
        limit = compact.auto_compact_limit(s.settings)
        total = ((s.token_info or {}).get("total_token_usage") or {}).get("total_tokens", 0)
        if limit is None or total < limit:
            return
        if await compact.run_compaction(self, manual=False):
            # mid-turn: the context goes back in before the last user message
            date, tz = local_date_and_tz()
            ctx_items = s.initial_context_items(date, tz)
            hist = s.history
            idx = max((i for i, it in enumerate(hist) if it.get("role") == "user"), default=len(hist))
            s.history = hist[:idx] + ctx_items + hist[idx:]
            s._has_context = True

    async def run_compact(self) -> dict[str, Any]:
        """A manual compaction (`thread/compact/start`): a turn of its own."""
        from codex.core import compact

        s = self.session
        await self.emit_recorded({
            "type": "task_started", "turn_id": self.turn_id, "started_at": int(self.started),
            "model_context_window": s.settings.model_context_window,
            "collaboration_mode_kind": "default"})
        error = None
        try:
            ok = await compact.run_compaction(self, manual=True)
            if not ok:
                error = "compaction failed"
        except asyncio.CancelledError:
            await self._abort("interrupted")
            raise
        done = {"type": "task_complete", "turn_id": self.turn_id, "last_agent_message": None,
                "completed_at": int(time.time()),
                "duration_ms": int((time.time() - self.started) * 1000)}
        await self.emit_recorded(done)
        if s.recorder is not None:
            await s.recorder.aflush()
        if error:
            done = dict(done, error=error)
        return done

    async def _count_completed_usage(self) -> None:
        usage = self._completed_usage
        if usage is _NO_USAGE:
            return
        self._completed_usage = _NO_USAGE
        if usage is not None:
            self._update_usage(_usage_dict(usage))
        await self._token_count()
        if usage is not None:
            await self._charge_goal(_usage_dict(usage)["total_tokens"])

    async def _charge_goal(self, tokens: int) -> None:
        """An active thread goal is charged each response's tokens (thread_goal_updated)."""
        s = self.session
        if s.active_goal() is None:
            return
        from codex.tools.handlers.goals import goal_json
        row = s.goal_store().account_usage(s.thread_id, tokens=tokens)
        if row is not None:
            await self.emit_recorded({"type": "thread_goal_updated", "threadId": s.thread_id,
                                      "turnId": self.turn_id, "goal": goal_json(row)})

    async def _abort(self, reason: str) -> None:
        """An interrupted turn, as 0.136.0 ends it: every unanswered tool call gets
        `aborted by user after N.Ns`, the finished response's usage is counted, the model is
        told with a `<turn_aborted>` user message, then turn_aborted. Background unified-exec
        processes keep running (the message says so); they end with the session."""
        from codex.core import compact

        s = self.session
        try:
            now = time.monotonic()
            for call, _task in self._aborted_calls:
                started = self._call_started.get(call.get("call_id"), now)
                kind = ("custom_tool_call_output" if call.get("type") == "custom_tool_call"
                        else "function_call_output")
                out = {"type": kind, "call_id": call.get("call_id"),
                       "output": f"aborted by user after {now - started:.1f}s"}
                s.history.append(out)
                self.record(("response_item", out))
            self._aborted_calls = []
            await self._count_completed_usage()
            note = {"type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": compact._read("turn_aborted.md")}]}
            s.history.append(note)
            self.record(("response_item", note))
            s._acknowledge_interrupt()
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            msg = {"type": "turn_aborted", "turn_id": self.turn_id, "reason": reason,
                   "completed_at": int(time.time()),
                   "duration_ms": int((time.time() - self.started) * 1000)}
            await self.emit_recorded(msg)
            if s.recorder is not None:
                await s.recorder.aflush()
        except Exception:  # noqa: BLE001 - best effort while cancelling
            s._acknowledge_interrupt()

    # -- one request -------------------------------------------------------------------------

    def tools(self) -> list[dict[str, Any]]:
        if self._tools is None:
            from codex.core.tool_glue import tools_for
            bridge = self.session.mcp
            self._tools = tools_for(self.session.settings, self._mcp_tools,
                                    bridge.has_servers if bridge is not None else False)
        return self._tools

    def router(self):
        if self._router is None:
            from codex.core.tool_glue import make_router
            self._router = make_router(self.session)
        return self._router

    def _body(self) -> dict[str, Any]:
        from codex.model import request as R

        s = self.session
        st = s.settings
        return R.build_body(
            st.model_info, instructions=st.instructions(), input=list(s.history),
            tools=self.tools(), prompt_cache_key=s.thread_id,
            installation_id=R.installation_id(st.codex_home),
            reasoning_effort=st.reasoning_effort, reasoning_summary=st.reasoning_summary,
            verbosity=st.verbosity,
            output_schema=self.output_schema if self.output_schema is not None else st.output_schema)

    def _headers(self, request_kind: str = "turn", compaction: Any = None) -> list[tuple[str, str]]:
        from codex.model import request as R

        s = self.session
        st = s.settings
        if not hasattr(self, "_turn_meta"):
            meta: dict[str, Any] = {"session_id": st.parent_thread_id or s.thread_id,
                                    "thread_id": s.thread_id}
            if st.parent_thread_id is not None:
                meta["forked_from_thread_id"] = st.parent_thread_id
                meta["parent_thread_id"] = st.parent_thread_id
                if st.subagent_kind:
                    meta["subagent_kind"] = st.subagent_kind
            if st.thread_source is not None:
                meta["thread_source"] = st.thread_source
            meta["turn_id"] = self.turn_id
            # (an ephemeral thread reports no workspaces, as the reference)
            if self._workspaces:
                meta["workspaces"] = self._workspaces
            meta["sandbox"] = "none" if st.sandbox_mode == "danger-full-access" else "seccomp"
            meta["turn_started_at_unix_ms"] = int(self.started * 1000)
            meta["request_kind"] = "turn"
            meta["window_id"] = f"{s.thread_id}:0"
            self._turn_meta = meta
        turn_meta = self._turn_meta
        if request_kind != "turn":
            turn_meta = dict(turn_meta, request_kind=request_kind)
            if compaction is not None:
                turn_meta["compaction"] = compaction
        if st.ua_suffix is not None:
            ua = R.user_agent(st.originator, st.ua_suffix, st.environ)
        elif st.source == "exec":
            ua = R.user_agent(st.originator, f"codex_exec; {R.CLI_VERSION}", st.environ)
        elif st.client_version is not None:
            ua = R.user_agent(st.originator, f"{st.originator}; {st.client_version}", st.environ)
        else:
            ua = R.user_agent(st.originator, None, st.environ)
        extra = [("x-openai-subagent", st.subagent_kind)] if st.subagent_kind else []
        return R.build_headers(thread_id=s.thread_id, window_id=f"{s.thread_id}:0",
                               session_id=st.parent_thread_id, extra=extra,
                               turn_metadata=turn_meta,
                               beta_features=["terminal_resize_reflow"],
                               originator=st.originator, user_agent_value=ua)

    async def sampling_request(self) -> bool:
        from codex.model import client as C
        from codex.model import errors as E

        s = self.session
        client = s.client()
        headers = self._headers()
        follow_up = False
        pending: list[tuple[dict[str, Any], asyncio.Task]] = []
        active: dict[str, dict[str, Any]] = {}   # output item id -> turn item being streamed
        got_response = False
        try:
            async for ev in client.stream_turn(self._body, headers, coalesce=s.coalesce_deltas()):
                if isinstance(ev, C.RateLimits):
                    got_response = True
                    s.rate_limits = ev.snapshot
                elif isinstance(ev, C.Reconnecting):
                    if got_response:
                        await self._token_count()
                    got_response = False
                    active.clear()
                    await self.emit({"type": "stream_error", "message": ev.summary,
                                     "codex_error_info": stream_error_info(ev.error),
                                     "additional_details": ev.details})
                elif isinstance(ev, P.OutputItemAdded):
                    self._mark_first_token()
                    await self._item_added(ev.item, ev.item_id, active)
                elif isinstance(ev, P.OutputTextDelta):
                    self._mark_first_token()
                    key = ev.item_id if isinstance(ev.item_id, str) else ""
                    ti = active.get(key) or (next(iter(active.values())) if active else None)
                    if ti is not None:
                        await self.emit({"type": "agent_message_content_delta",
                                         "thread_id": s.thread_id, "turn_id": self.turn_id,
                                         "item_id": ti["id"], "delta": ev.delta})
                elif isinstance(ev, P.ReasoningSummaryTextDelta):
                    self._mark_first_token()
                    key = ev.item_id if isinstance(ev.item_id, str) else ""
                    ti = active.get(key)
                    if ti is not None:
                        await self.emit({"type": "reasoning_content_delta",
                                         "thread_id": s.thread_id, "turn_id": self.turn_id,
                                         "item_id": ti["id"], "delta": ev.delta,
                                         "summary_index": getattr(ev, "summary_index", 0) or 0})
                elif isinstance(ev, P.ReasoningSummaryPartAdded):
                    # upstream's AgentReasoningSectionBreak (v2 item/reasoning/summaryPartAdded)
                    key = ev.item_id if isinstance(ev.item_id, str) else ""
                    ti = active.get(key)
                    if ti is not None:
                        await self.emit({"type": "agent_reasoning_section_break",
                                         "item_id": ti["id"],
                                         "summary_index": getattr(ev, "summary_index", 0) or 0})
                elif isinstance(ev, P.OutputItemDone):
                    self._mark_first_token()
                    task = await self._item_done(ev.item, ev.item_id, active)
                    if task is not None:
                        pending.append(task)
                        follow_up = True
                elif isinstance(ev, C.Completed):
                    # the usage is counted once the response's tool calls are answered (an
                    # interrupt while they run counts it after the aborted outputs)
                    self._completed_usage = ev.token_usage
                    await self._drain(pending)
                    pending = []
                    await self._count_completed_usage()
                    await self.emit_turn_diff()
                    return follow_up
        except E.ModelError as err:
            for _, t in pending:
                t.cancel()
            if got_response:
                await self._token_count()
            if isinstance(err, E.ContextWindowExceeded):
                await self._fill_context_window()
            raise _TurnError(str(err), _error_info(err)) from None
        except asyncio.CancelledError:
            # calls not answered yet (an awaited task is cancelled along with the turn)
            self._aborted_calls = [(call, t) for call, t in pending if not t.done() or t.cancelled()]
            for _, t in pending:
                t.cancel()
            raise
        # the stream ended without `response.completed` and without an error: treat as done
        await self._drain(pending)
        return follow_up

    def _mark_first_token(self) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.time()

    def _update_usage(self, last: dict[str, int]) -> None:
        s = self.session
        prev = (s.token_info or {}).get("total_token_usage") or _empty_usage()
        s.token_info = {"total_token_usage": _add_usage(prev, last), "last_token_usage": last,
                        "model_context_window": s.settings.model_context_window}

    async def _fill_context_window(self) -> None:
        """upstream `set_total_tokens_full` after a context-window error: the usage says the
        window is full (total = the window, last = what that adds), then a token count."""
        s = self.session
        window = s.settings.model_context_window
        if window is not None:
            prev = ((s.token_info or {}).get("total_token_usage") or {}).get("total_tokens", 0)
            s.token_info = {"total_token_usage": {**_empty_usage(), "total_tokens": window},
                            "last_token_usage": {**_empty_usage(), "total_tokens": max(window - prev, 0)},
                            "model_context_window": window}
        await self._token_count()

    async def _token_count(self) -> None:
        s = self.session
        rl = s.rate_limits
        if rl is None:
            rl = {"limit_id": "codex", "limit_name": None, "primary": None, "secondary": None,
                  "credits": None, "plan_type": None, "rate_limit_reached_type": None}
        await self.emit_recorded({"type": "token_count", "info": s.token_info, "rate_limits": rl})

    # -- items -------------------------------------------------------------------------------

    async def _item_added(self, item: Any, item_id: Any, active: dict[str, dict[str, Any]]) -> None:
        key = item_id if isinstance(item_id, str) else ""
        if isinstance(item, P.Message) and item.role == "assistant":
            ti: dict[str, Any] = {"type": "AgentMessage", "id": key or new_item_id(),
                                  "content": [{"type": "Text", "text": ""}]}
            phase = getattr(item, "phase", msgspec.UNSET)
            if isinstance(phase, str):
                ti["phase"] = phase
            active[key] = ti
            await self.item_started(ti)
        elif isinstance(item, P.Reasoning):
            ti = {"type": "Reasoning", "id": key or new_item_id(), "summary_text": [], "raw_content": []}
            active[key] = ti
            await self.item_started(ti)

    async def _item_done(self, item: Any, item_id: Any, active: dict[str, dict[str, Any]]):
        s = self.session
        key = item_id if isinstance(item_id, str) else ""
        data = _builtins(item)
        if isinstance(item, P.Message) and item.role == "assistant":
            text = "".join(c.text for c in item.content if isinstance(c, P.OutputText))
            phase = getattr(item, "phase", msgspec.UNSET)
            phase = phase if isinstance(phase, str) else None
            ti = active.pop(key, None) or {"type": "AgentMessage", "id": key or new_item_id()}
            ti = {"type": "AgentMessage", "id": ti["id"], "content": [{"type": "Text", "text": text}]}
            if phase is not None:
                ti["phase"] = phase
            await self.emit_recorded({"type": "agent_message", "message": text, "phase": phase,
                                      "memory_citation": None})
            await self.item_completed(ti)
            s.history.append(data)
            self.record(("response_item", data))
            self.last_agent_message = text
            return None
        if isinstance(item, P.Reasoning):
            summaries = [p.text for p in item.summary]
            ti = active.pop(key, None) or {"id": key or new_item_id()}
            for t in summaries:
                await self.emit_recorded({"type": "agent_reasoning", "text": t})
            raw = [getattr(c, "text", "") for c in (item.content or [])]
            await self.item_completed({"type": "Reasoning", "id": ti["id"], "summary_text": summaries,
                                       "raw_content": raw})
            s.history.append(data)
            self.record(("response_item", data))
            return None
        s.history.append(data)
        self.record(("response_item", data))
        if isinstance(item, (P.FunctionCall, P.CustomToolCall, P.LocalShellCall, P.ToolSearchCall)):
            from codex.tools.base import ToolCall

            if isinstance(item, P.FunctionCall):
                ns = item.namespace if isinstance(item.namespace, str) else None
                call = ToolCall(item.call_id, item.name, "function", item.arguments, ns)
            elif isinstance(item, P.CustomToolCall):
                call = ToolCall(item.call_id, item.name, "custom", item.input)
            elif isinstance(item, P.ToolSearchCall):
                import json
                call = ToolCall(item.call_id or "", "tool_search", "tool_search",
                                json.dumps(item.arguments))
            else:
                call = ToolCall(item.call_id or "", "local_shell", "local_shell",
                                msgspec.json.encode(item.action).decode())
            router = self.router()
            ctx = self._tool_context()
            # parallel-safe tools run concurrently; any other tool waits for the calls before
            # it, and later calls wait for it (upstream's tool-call RwLock)
            bridge = s.mcp
            safe = (bridge.parallel_safe(call) if bridge is not None and bridge.is_mcp_call(call)
                    else router.is_parallel_safe(call.name))
            if safe:
                deps = [t for t in self._inflight if getattr(t, "_codex_serial", False)]
            else:
                deps = list(self._inflight)
            self._call_started[call.call_id] = time.monotonic()
            task = asyncio.ensure_future(_after(deps, router.dispatch(call, ctx)))
            task._codex_serial = not safe  # type: ignore[attr-defined]
            self._inflight.append(task)
            return (data, task)
        if isinstance(item, P.WebSearchCall):
            action = data.get("action") or {"type": "other"}
            wid = key or new_item_id()
            query = action.get("query") or "" if isinstance(action, dict) else ""
            await self.item_started({"type": "WebSearch", "id": wid, "query": "", "action": {"type": "other"}})
            await self.item_completed({"type": "WebSearch", "id": wid, "query": query, "action": action})
            await self.emit_recorded({"type": "web_search_end", "call_id": wid, "query": query,
                                      "action": action})
        return None

    def _tool_context(self):
        from codex.tools.base import ToolContext

        s = self.session
        st = s.settings
        config = st.raw
        if self.collaboration_mode != "default":
            config = dict(st.raw, collaboration_mode=self.collaboration_mode)
        return ToolContext(
            thread_id=s.thread_id, turn_id=self.turn_id, cwd=st.cwd, codex_home=st.codex_home,
            approval_policy=st.approval_policy, sandbox_policy=st.sandbox_policy.to_json(),
            config=config, ephemeral=st.ephemeral, emit=self._tool_emit,
            services={"session": s, "turn": self, "unified_exec": s.unified_exec,
                      "mcp": s.mcp, "mcp_turn_metadata": self._mcp_meta(),
                      "turn_diff": self.turn_diff_tracker(),
                      "settings": st, "request_user_input": self._ask_user,
                      "exec_sessions": s.exec_sessions,
                      "ask": self._ask})

    def _mcp_meta(self) -> dict[str, Any]:
        """The `_meta` the reference sends with MCP tools/call."""
        s = self.session
        st = s.settings
        meta: dict[str, Any] = {"session_id": s.thread_id, "thread_id": s.thread_id}
        if st.thread_source is not None:
            meta["thread_source"] = st.thread_source
        meta.update({"turn_id": self.turn_id,
                     "sandbox": "none" if st.sandbox_mode == "danger-full-access" else "seccomp",
                     "turn_started_at_unix_ms": int(self.started * 1000), "model": st.model,
                     "reasoning_effort": st.reasoning_effort})
        return meta

    def turn_diff_tracker(self):
        if self._turn_diff is None:
            from codex.core.turn_diff import TurnDiffTracker
            self._turn_diff = TurnDiffTracker.for_cwd(self.session.settings.cwd)
        return self._turn_diff

    async def emit_turn_diff(self) -> None:
        """`turn_diff` with the turn's aggregated diff, when its patches changed anything."""
        if self._turn_diff is None:
            return
        diff = self._turn_diff.get_unified_diff()
        if diff:
            await self.emit({"type": "turn_diff", "unified_diff": diff})

    async def _ask(self, key: tuple, msg: dict[str, Any]) -> Any:
        """A request event whose answer comes back as an op (approvals ...)."""
        if msg.get("type") in ("exec_approval_request", "apply_patch_approval_request"):
            msg = dict(msg)
            msg.setdefault("started_at_ms", int(time.time() * 1000))
        return await self.session.ask(key, self.turn_id, msg)

    async def _ask_user(self, call_id: str, questions: list[dict[str, Any]]) -> Any:
        qs = [{"id": q["id"], "header": q["header"], "question": q["question"],
               "is_other": bool(q.get("isOther")), "is_secret": bool(q.get("isSecret")),
               "options": q.get("options")} for q in questions]
        msg = {"type": "request_user_input", "call_id": call_id, "turn_id": self.turn_id,
               "questions": qs}
        return await self.session.ask(("user_input", self.turn_id), self.turn_id, msg)

    async def _tool_emit(self, msg: dict[str, Any]) -> None:
        from codex.rollout import policy as rpol

        if rpol.is_persisted("event_msg", msg, self.session.recorder.mode if self.session.recorder else "limited"):
            self.record(("event_msg", msg))
        await self.emit(msg)

    async def _drain(self, pending: list[tuple[dict[str, Any], asyncio.Task]]) -> None:
        """Wait for the response's tool calls; their outputs go in call order."""
        s = self.session
        for _call, task in pending:
            out = await task
            s.history.append(out)
            self.record(("response_item", out))
        self._inflight = [t for t in self._inflight if not t.done()]


_NO_USAGE = object()


async def _after(deps: list[asyncio.Task], coro: Any) -> Any:
    for d in deps:
        try:
            await asyncio.shield(d)
        except Exception:  # noqa: BLE001 - a failed earlier call does not stop this one
            pass
    return await coro


class _TurnError(Exception):
    def __init__(self, message: str, info: Any = None):
        super().__init__(message)
        self.message = message
        self.info = info


_ERROR_INFO = {
    "InternalServerError": "internal_server_error",
    "ContextWindowExceeded": "context_window_exceeded",
    "QuotaExceeded": "usage_limit_exceeded",
    "UsageLimitReached": "usage_limit_exceeded",
    "UsageNotIncluded": "usage_limit_exceeded",
    "ServerOverloaded": "server_overloaded",
    "CyberPolicyError": "cyber_policy",
}


def _http_status(err: Any) -> int | None:
    """upstream `CodexErr::http_status_code_value`: the status of an unexpected-status or
    retry-limit error, else none."""
    return getattr(err, "status", None) if type(err).__name__ in (
        "RetryLimitError", "UnexpectedStatusError") else None


def _error_info(err: Any) -> Any:
    """upstream `CodexErr::to_codex_protocol_error` (as 0.136.0 answers: an invalid request is
    `other`, a retry limit carries its last status)."""
    name = type(err).__name__
    if name == "RetryLimitError":
        return {"response_too_many_failed_attempts": {"http_status_code": _http_status(err)}}
    return _ERROR_INFO.get(name, "other")


def stream_error_info(err: Any) -> Any:
    """The `codex_error_info` of a `Reconnecting... n/m` stream error: the stream disconnected,
    with the failed attempt's HTTP status when it had one."""
    return {"response_stream_disconnected": {"http_status_code": _http_status(err)}}
