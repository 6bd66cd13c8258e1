"""Thread history: the v2 ``Turn`` list rebuilt from a rollout's lines.

Port of upstream ``codex-rs/app-server-protocol/src/protocol/thread_history.rs``
(``ThreadHistoryBuilder``, ``build_turns_from_rollout_items``), as 0.136.0 answers
``thread/read {includeTurns: true}``, ``thread/resume``, ``thread/fork`` and
``thread/turns/list``:

* only the items the reference's limited persistence policy keeps are replayed (as 0.136.0
  does: exec/view-image/dynamic-tool/error events in a rollout are ignored);
* a turn opens at ``task_started`` (its ``turn_id``, ``startedAt``) and closes at
  ``task_complete`` (``completedAt``, ``durationMs``) or is marked interrupted by
  ``turn_aborted``; user messages outside explicit turns open implicit turns (legacy
  rollouts), named ``rollout-<index of the replayed item that opened it>``;
* user/agent messages, reasoning and context compactions get ids ``item-1``, ``item-2`` ...
  (counted over the whole thread; a rollback renumbers from the remaining items); tool items
  (commandExecution, fileChange, mcpToolCall, ...) keep their call id and are upserted;
* ``thread_rolled_back`` drops the last ``num_turns`` turns.

Input lines are ``(kind, payload)`` with ``payload`` the JSON object of the rollout line
(``session_meta``, ``response_item``, ``event_msg``, ``turn_context``, ``compacted``).
"""
from __future__ import annotations

import json
import os
import uuid
from typing import Any, Iterable

from . import thread_items as ti

__all__ = ["ThreadHistoryBuilder", "build_turns_from_rollout_items", "read_rollout_lines",
           "build_turns_from_rollout_file", "new_uuid7"]


def new_uuid7() -> str:
    try:
        from codex.rollout.recorder import uuid7
        return uuid7()
    except Exception:  # noqa: BLE001
        return str(uuid.uuid4())


def read_rollout_lines(path: str) -> list[tuple[str, dict[str, Any]]]:
    """``(kind, payload)`` of every line of a rollout that parses as JSON (others skipped)."""
    out: list[tuple[str, dict[str, Any]]] = []
    try:
        f = open(path, "rb")
    except OSError:
        return out
    with f:
        for raw in f:
            raw = raw.strip()
            if not raw:
                continue
            try:
                line = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                continue
            if not isinstance(line, dict) or not isinstance(line.get("type"), str):
                continue
            payload = line.get("payload")
            out.append((line["type"], payload if isinstance(payload, dict) else {}))
    return out


def persisted_items(items: Iterable[tuple[str, Any]], mode: str | None = "limited") -> list[tuple[str, Any]]:
    """The rollout items as the reference replays them: only what its persistence policy keeps
    (``limited`` by default: no exec/view-image/dynamic-tool/error events, no item_started)."""
    if mode is None:
        return list(items)
    from codex.rollout import policy
    return [(k, p) for k, p in items if policy.is_persisted(k, p, mode)]


def build_turns_from_rollout_items(items: Iterable[tuple[str, Any]], *, items_view: str = "full",
                                   mode: str | None = "limited") -> list[dict[str, Any]]:
    """`items` are every line of the rollout, the session_meta first (an implicit turn is named
    ``rollout-<index of its opening item among the replayed items>``)."""
    b = ThreadHistoryBuilder()
    for index, (kind, payload) in enumerate(persisted_items(items, mode)):
        b.index = index
        b.handle_rollout_item(kind, payload)
    return b.finish(items_view=items_view)


def interrupt_dangling(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A thread with no running turn shows a turn that never completed as interrupted."""
    for t in turns:
        if t.get("status") == "inProgress":
            t["status"] = "interrupted"
    return turns


def build_turns_from_rollout_file(path: str | None, *, items_view: str = "full") -> list[dict[str, Any]]:
    if not path or not os.path.exists(path):
        return []
    return build_turns_from_rollout_items(read_rollout_lines(path), items_view=items_view)


class _PendingTurn:
    __slots__ = ("id", "items", "error", "status", "opened_explicitly", "saw_compaction",
                 "started_at", "completed_at", "duration_ms")

    def __init__(self, turn_id: str):
        self.id = turn_id
        self.items: list[dict[str, Any]] = []
        self.error: dict[str, Any] | None = None
        self.status = "completed"
        self.opened_explicitly = False
        self.saw_compaction = False
        self.started_at: int | None = None
        self.completed_at: int | None = None
        self.duration_ms: int | None = None


def _turn_json(t: _PendingTurn, items_view: str) -> dict[str, Any]:
    return ti.turn_object(t.id, status=t.status, error=t.error, started_at=t.started_at,
                          completed_at=t.completed_at, duration_ms=t.duration_ms,
                          items=[dict(i) for i in t.items], items_view=items_view)


def _upsert(items: list[dict[str, Any]], item: dict[str, Any]) -> None:
    for i, existing in enumerate(items):
        if existing.get("id") == item.get("id"):
            items[i] = item
            return
    items.append(item)


def _error_affects_turn_status(payload: dict[str, Any]) -> bool:
    info = payload.get("codex_error_info")
    name = None
    if isinstance(info, str):
        name = info
    elif isinstance(info, dict) and len(info) == 1:
        name = next(iter(info))
    return name not in ("thread_rollback_failed", "active_turn_not_steerable")


def _codex_error_info(info: Any) -> Any:
    try:
        from .event_mapping import _codex_error_info as conv
        return conv(info)
    except Exception:  # noqa: BLE001
        return info


class ThreadHistoryBuilder:
    def __init__(self) -> None:
        self.turns: list[_PendingTurn] = []
        self.current: _PendingTurn | None = None
        self.next_item_index = 1
        self.index = 0   # the replayed item being handled (names implicit turns)

    # -- entry points ----------------------------------------------------------------------

    def finish(self, *, items_view: str = "full") -> list[dict[str, Any]]:
        self._finish_current()
        return [_turn_json(t, items_view) for t in self.turns]

    def handle_rollout_item(self, kind: str, payload: Any) -> None:
        if not isinstance(payload, dict):
            return
        if kind == "event_msg":
            self.handle_event(payload)
        elif kind == "compacted":
            self._ensure_turn().saw_compaction = True
        elif kind == "response_item":
            self._handle_response_item(payload)

    def handle_event(self, ev: dict[str, Any]) -> None:
        handler = getattr(self, f"_on_{ev.get('type')}", None)
        if handler is not None:
            handler(ev)

    # -- helpers ---------------------------------------------------------------------------

    def _next_id(self) -> str:
        i = f"item-{self.next_item_index}"
        self.next_item_index += 1
        return i

    def _new_turn(self, turn_id: str | None = None) -> _PendingTurn:
        return _PendingTurn(turn_id or f"rollout-{self.index}")

    def _ensure_turn(self) -> _PendingTurn:
        if self.current is None:
            self.current = self._new_turn()
        return self.current

    def _finish_current(self) -> None:
        t = self.current
        self.current = None
        if t is None:
            return
        if not t.items and not t.opened_explicitly and not t.saw_compaction:
            return
        self.turns.append(t)

    def _find(self, turn_id: str | None) -> _PendingTurn | None:
        if not turn_id:
            return None
        if self.current is not None and self.current.id == turn_id:
            return self.current
        for t in self.turns:
            if t.id == turn_id:
                return t
        return None

    def _upsert_in_turn_id(self, turn_id: str | None, item: dict[str, Any]) -> None:
        t = self._find(turn_id)
        if t is not None:
            _upsert(t.items, item)
        # an item for an unknown turn is dropped, as upstream

    def _upsert_current(self, item: dict[str, Any]) -> None:
        _upsert(self._ensure_turn().items, item)

    def _upsert_scoped(self, ev: dict[str, Any], item: dict[str, Any]) -> None:
        if ev.get("turn_id"):
            self._upsert_in_turn_id(ev["turn_id"], item)
        else:
            self._upsert_current(item)

    # -- response items --------------------------------------------------------------------

    def _handle_response_item(self, item: dict[str, Any]) -> None:
        if item.get("type") != "message" or item.get("role") != "user":
            return
        hook = _parse_hook_prompt(item)
        if hook is not None:
            self._ensure_turn().items.append(hook)

    # -- events ----------------------------------------------------------------------------

    def _on_user_message(self, ev: dict[str, Any]) -> None:
        cur = self.current
        if cur is not None and not cur.opened_explicitly and not (cur.saw_compaction and not cur.items):
            self._finish_current()
        turn = self.current if self.current is not None else self._new_turn()
        self.current = None
        content: list[dict[str, Any]] = []
        message = ev.get("message") or ""
        if message.strip():
            content.append({"type": "text", "text": message,
                            "text_elements": list(ev.get("text_elements") or [])})
        for url in ev.get("images") or []:
            content.append({"type": "image", "detail": None, "url": url})
        for path in ev.get("local_images") or []:
            content.append({"type": "localImage", "detail": None, "path": path})
        turn.items.append(ti.user_message_item(self._next_id(), content))
        self.current = turn

    def _on_agent_message(self, ev: dict[str, Any]) -> None:
        text = ev.get("message") or ""
        if not text:
            return
        item = ti.agent_message_item(self._next_id(), text, ev.get("phase"),
                                     ti.memory_citation_to_v2(ev.get("memory_citation")))
        self._ensure_turn().items.append(item)

    def _on_agent_reasoning(self, ev: dict[str, Any]) -> None:
        text = ev.get("text") or ""
        if not text:
            return
        turn = self._ensure_turn()
        if turn.items and turn.items[-1].get("type") == "reasoning":
            turn.items[-1]["summary"].append(text)
            return
        turn.items.append(ti.reasoning_item(self._next_id(), [text], []))

    def _on_agent_reasoning_raw_content(self, ev: dict[str, Any]) -> None:
        text = ev.get("text") or ""
        if not text:
            return
        turn = self._ensure_turn()
        if turn.items and turn.items[-1].get("type") == "reasoning":
            turn.items[-1]["content"].append(text)
            return
        turn.items.append(ti.reasoning_item(self._next_id(), [], [text]))

    def _plan_item(self, ev: dict[str, Any]) -> None:
        item = ev.get("item")
        if not isinstance(item, dict) or item.get("type") != "Plan" or not item.get("text"):
            return
        v2 = ti.thread_item_from_turn_item(item)
        if v2 is not None:
            self._upsert_in_turn_id(ev.get("turn_id"), v2)

    _on_item_started = _plan_item
    _on_item_completed = _plan_item

    def _on_web_search_begin(self, ev: dict[str, Any]) -> None:
        self._upsert_current(ti.web_search_item(ev.get("call_id", ""), "", None))

    def _on_web_search_end(self, ev: dict[str, Any]) -> None:
        self._upsert_current(ti.web_search_item(ev.get("call_id", ""), ev.get("query", ""),
                                                ti.web_search_action_to_v2(ev.get("action"))))

    @staticmethod
    def _exec_item(ev: dict[str, Any], status: str, ended: bool) -> dict[str, Any]:
        cwd = str(ev.get("cwd", ""))
        item = ti.command_execution_item(
            ev.get("call_id", ""), command=ti.command_display_string(ev.get("command") or []),
            cwd=cwd, process_id=ev.get("process_id"), source=ti.exec_source_to_v2(ev.get("source")),
            status=status, command_actions=ti.command_actions_from_parsed(ev.get("parsed_cmd"), cwd))
        if ended:
            item["aggregatedOutput"] = ev.get("aggregated_output") or None
            item["exitCode"] = ev.get("exit_code")
            item["durationMs"] = ti.duration_to_ms(ev.get("duration"))
        return item

    def _on_exec_command_begin(self, ev: dict[str, Any]) -> None:
        self._upsert_in_turn_id(ev.get("turn_id"), self._exec_item(ev, "inProgress", False))

    def _on_exec_command_end(self, ev: dict[str, Any]) -> None:
        self._upsert_in_turn_id(ev.get("turn_id"),
                                self._exec_item(ev, ev.get("status") or "completed", True))

    def _on_apply_patch_approval_request(self, ev: dict[str, Any]) -> None:
        self._upsert_scoped(ev, ti.file_change_item(
            ev.get("call_id", ""), ti.convert_patch_changes(ev.get("changes")), "inProgress"))

    _on_patch_apply_begin = _on_apply_patch_approval_request

    def _on_patch_apply_end(self, ev: dict[str, Any]) -> None:
        status = ev.get("status") or ("completed" if ev.get("success") else "failed")
        self._upsert_scoped(ev, ti.file_change_item(
            ev.get("call_id", ""), ti.convert_patch_changes(ev.get("changes")), status))

    def _on_dynamic_tool_call_request(self, ev: dict[str, Any]) -> None:
        self._upsert_scoped(ev, ti.dynamic_tool_call_item(
            ev.get("call_id", ""), namespace=ev.get("namespace"), tool=ev.get("tool", ""),
            arguments=ev.get("arguments"), status="inProgress"))

    def _on_dynamic_tool_call_response(self, ev: dict[str, Any]) -> None:
        success = bool(ev.get("success"))
        self._upsert_scoped(ev, ti.dynamic_tool_call_item(
            ev.get("call_id", ""), namespace=ev.get("namespace"), tool=ev.get("tool", ""),
            arguments=ev.get("arguments"), status="completed" if success else "failed",
            content_items=ti.dynamic_tool_content_items(ev.get("content_items") or []),
            success=success, duration_ms=ti.duration_to_ms(ev.get("duration"))))

    @staticmethod
    def _mcp_item(ev: dict[str, Any], status: str, result: Any = None, error: Any = None,
                  duration_ms: int | None = None) -> dict[str, Any]:
        inv = ev.get("invocation") or {}
        return ti.mcp_tool_call_item(
            ev.get("call_id", ""), server=inv.get("server", ""), tool=inv.get("tool", ""),
            status=status, arguments=inv.get("arguments"),
            mcp_app_resource_uri=ev.get("mcp_app_resource_uri"), plugin_id=ev.get("plugin_id"),
            result=result, error=error, duration_ms=duration_ms)

    def _on_mcp_tool_call_begin(self, ev: dict[str, Any]) -> None:
        self._upsert_current(self._mcp_item(ev, "inProgress"))

    def _on_mcp_tool_call_end(self, ev: dict[str, Any]) -> None:
        raw = ev.get("result") or {}
        result = error = None
        if isinstance(raw, dict) and "Ok" in raw:
            ok = raw["Ok"] or {}
            result = ti.mcp_result_to_v2(ok)
            success = not ok.get("isError", ok.get("is_error", False))
        else:
            error = {"message": str(raw.get("Err", "")) if isinstance(raw, dict) else str(raw)}
            success = False
        self._upsert_current(self._mcp_item(ev, "completed" if success else "failed", result,
                                            error, ti.duration_to_ms(ev.get("duration"))))

    def _on_view_image_tool_call(self, ev: dict[str, Any]) -> None:
        self._upsert_current(ti.image_view_item(ev.get("call_id", ""), str(ev.get("path", ""))))

    def _on_image_generation_begin(self, ev: dict[str, Any]) -> None:
        self._upsert_current(ti.image_generation_item(ev.get("call_id", ""), status="", result=""))

    def _on_image_generation_end(self, ev: dict[str, Any]) -> None:
        self._upsert_current(ti.image_generation_item(
            ev.get("call_id", ""), status=ev.get("status", ""), result=ev.get("result", ""),
            revised_prompt=ev.get("revised_prompt"), saved_path=ev.get("saved_path")))

    def _on_context_compacted(self, ev: dict[str, Any]) -> None:
        self._ensure_turn().items.append(ti.context_compaction_item(self._next_id()))

    def _on_entered_review_mode(self, ev: dict[str, Any]) -> None:
        review = ev.get("user_facing_hint") or "Review requested."
        self._ensure_turn().items.append(ti.entered_review_mode_item(self._next_id(), review))

    def _on_exited_review_mode(self, ev: dict[str, Any]) -> None:
        out = ev.get("review_output")
        text = "Reviewer failed to output a response."
        if isinstance(out, dict) and (out.get("overall_explanation") or "").strip():
            text = out["overall_explanation"].strip()
        self._ensure_turn().items.append(ti.exited_review_mode_item(self._next_id(), text))

    def _on_error(self, ev: dict[str, Any]) -> None:
        if not _error_affects_turn_status(ev) or self.current is None:
            return
        self.current.status = "failed"
        self.current.error = {"message": ev.get("message", ""),
                              "codexErrorInfo": _codex_error_info(ev.get("codex_error_info")),
                              "additionalDetails": None}

    def _on_thread_rolled_back(self, ev: dict[str, Any]) -> None:
        self._finish_current()
        n = int(ev.get("num_turns") or 0)
        if n >= len(self.turns):
            self.turns.clear()
        else:
            del self.turns[len(self.turns) - n:]
        self.next_item_index = sum(len(t.items) for t in self.turns) + 1

    def _on_turn_aborted(self, ev: dict[str, Any]) -> None:
        t = self._find(ev.get("turn_id")) or self.current
        if t is None:
            return
        t.status = "interrupted"
        if ev.get("completed_at") is not None:
            t.completed_at = ev.get("completed_at")
        if ev.get("duration_ms") is not None:
            t.duration_ms = ev.get("duration_ms")

    def _on_task_started(self, ev: dict[str, Any]) -> None:
        self._finish_current()
        t = self._new_turn(ev.get("turn_id"))
        t.status = "inProgress"
        t.opened_explicitly = True
        t.started_at = ev.get("started_at")
        self.current = t

    _on_turn_started = _on_task_started

    def _on_task_complete(self, ev: dict[str, Any]) -> None:
        def mark(t: _PendingTurn) -> None:
            if t.status in ("completed", "inProgress"):
                t.status = "completed"
            t.completed_at = ev.get("completed_at", t.completed_at)
            t.duration_ms = ev.get("duration_ms", t.duration_ms)

        tid = ev.get("turn_id")
        if self.current is not None and self.current.id == tid:
            mark(self.current)
            self._finish_current()
            return
        for t in self.turns:
            if t.id == tid:
                mark(t)
                return
        if self.current is not None:
            mark(self.current)
            self._finish_current()

    _on_turn_complete = _on_task_complete


_HOOK_PROMPT_OPEN = "<hook_prompt"


def _parse_hook_prompt(item: dict[str, Any]) -> dict[str, Any] | None:
    """A user message made of ``<hook_prompt hook_run_id="...">text</hook_prompt>`` fragments
    (upstream ``parse_hook_prompt_message``) -> a hookPrompt item; else None."""
    import html
    import re

    content = item.get("content") or []
    fragments = []
    for part in content:
        if not isinstance(part, dict) or part.get("type") != "input_text":
            return None
        text = part.get("text") or ""
        m = re.fullmatch(r'\s*<hook_prompt hook_run_id="([^"]*)">(.*)</hook_prompt>\s*', text, re.S)
        if m is None:
            return None
        fragments.append({"text": html.unescape(m.group(2)), "hookRunId": html.unescape(m.group(1))})
    if not fragments:
        return None
    return ti.hook_prompt_item(item.get("id") or new_uuid7(), fragments)
