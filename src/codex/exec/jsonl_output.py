"""``codex exec --json``: app-server v2 notifications → JSONL thread events on stdout
(``codex-rs/exec/src/event_processor_with_jsonl_output.rs``).

Item ids are ``item_<n>``, numbered per processor. An item that starts (command,
file change, MCP call, collab call, web search) keeps its id until it completes;
agent messages and reasoning are emitted only when completed. The to-do list from
``turn/plan/updated`` starts on the first plan, is updated on each later one, and is
completed when the turn ends. Any started item still open at ``turn/completed`` is
completed from the turn's items (when the runner back-filled them).
"""

from __future__ import annotations

from typing import Any, Mapping, TextIO

from codex.protocol import exec_events as ev
from codex.protocol._base import encode

from .event_processor import (
    CodexStatus,
    EventProcessor,
    final_message_from_turn_items,
    handle_last_message,
    turn_error_message,
)

__all__ = ["JsonlOutput"]

_COMMAND_STATUS = {
    "inProgress": "in_progress", "completed": "completed", "failed": "failed", "declined": "declined",
}
_PATCH_STATUS = {"inProgress": "in_progress", "completed": "completed", "failed": "failed", "declined": "failed"}
_MCP_STATUS = {"inProgress": "in_progress", "completed": "completed", "failed": "failed"}
_COLLAB_TOOL = {
    "spawnAgent": "spawn_agent", "sendInput": "send_input", "resumeAgent": "wait", "wait": "wait",
    "closeAgent": "close_agent",
}
_COLLAB_AGENT_STATUS = {
    "pendingInit": "pending_init", "running": "running", "interrupted": "interrupted",
    "completed": "completed", "errored": "errored", "shutdown": "shutdown", "notFound": "not_found",
}


def _snake(value: str) -> str:
    out = []
    for ch in value:
        if ch.isupper():
            out.append("_")
            out.append(ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def _pascal(value: str) -> str:
    return value[:1].upper() + value[1:]


def _with_details(summary: str, details: str | None) -> str:
    if details:
        return f"{summary} ({details})"
    return summary


class JsonlOutput(EventProcessor):
    """``EventProcessorWithJsonOutput``: one compact JSON ``ThreadEvent`` per line on stdout."""

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        *,
        last_message_path: str | None = None,
    ) -> None:
        super().__init__(stdout, stderr)
        self.last_message_path = last_message_path
        self._next_item_id = 0
        self._raw_to_exec_item_id: dict[str, str] = {}
        self._running_todo_list: tuple[str, list[ev.TodoItem]] | None = None
        self._last_total_token_usage: Mapping[str, Any] | None = None
        self._last_critical_error: str | None = None
        self.final_message: str | None = None
        self._emit_final_message_on_shutdown = False

    # --- output ---------------------------------------------------------------------

    def emit(self, event: Any) -> None:
        out = self.stdout
        out.write(_encode_event(event))
        out.write("\n")
        out.flush()

    # --- ids ------------------------------------------------------------------------

    def _new_id(self) -> str:
        item_id = f"item_{self._next_item_id}"
        self._next_item_id += 1
        return item_id

    def _started_item_id(self, raw_id: str) -> str:
        existing = self._raw_to_exec_item_id.get(raw_id)
        if existing is not None:
            return existing
        exec_id = self._new_id()
        self._raw_to_exec_item_id[raw_id] = exec_id
        return exec_id

    def _completed_item_id(self, raw_id: str) -> str:
        exec_id = self._raw_to_exec_item_id.pop(raw_id, None)
        return exec_id if exec_id is not None else self._new_id()

    # --- item mapping ---------------------------------------------------------------

    @staticmethod
    def _map_item(item: Mapping[str, Any], make_id) -> Any | None:
        """v2 ``ThreadItem`` → exec item; ``make_id`` is called only for mapped items."""
        kind = item.get("type")
        if kind == "agentMessage":
            return ev.AgentMessageItem(id=make_id(), text=item.get("text", ""))
        if kind == "reasoning":
            text = "\n".join(item.get("summary") or [])
            if not text.strip():
                return None
            return ev.ReasoningItem(id=make_id(), text=text)
        if kind == "commandExecution":
            return ev.CommandExecutionItem(
                id=make_id(),
                command=item.get("command", ""),
                aggregated_output=item.get("aggregatedOutput") or "",
                exit_code=item.get("exitCode"),
                status=_COMMAND_STATUS.get(item.get("status"), "in_progress"),
            )
        if kind == "fileChange":
            changes = [
                ev.FileUpdateChange(path=c.get("path", ""), kind=(c.get("kind") or {}).get("type", "update"))
                for c in item.get("changes") or []
            ]
            return ev.FileChangeItem(
                id=make_id(), changes=changes, status=_PATCH_STATUS.get(item.get("status"), "in_progress"),
            )
        if kind == "mcpToolCall":
            result = item.get("result")
            error = item.get("error")
            return ev.McpToolCallItem(
                id=make_id(),
                server=item.get("server", ""),
                tool=item.get("tool", ""),
                arguments=item.get("arguments"),
                result=None if result is None else ev.McpToolCallItemResult(
                    content=result.get("content") or [], structured_content=result.get("structuredContent"),
                ),
                error=None if error is None else ev.McpToolCallItemError(message=error.get("message", "")),
                status=_MCP_STATUS.get(item.get("status"), "in_progress"),
            )
        if kind == "collabAgentToolCall":
            states = {
                thread_id: ev.CollabAgentState(
                    status=_COLLAB_AGENT_STATUS.get(state.get("status"), _snake(str(state.get("status")))),
                    message=state.get("message"),
                )
                for thread_id, state in (item.get("agentsStates") or {}).items()
            }
            return ev.CollabToolCallItem(
                id=make_id(),
                tool=_COLLAB_TOOL.get(item.get("tool"), _snake(str(item.get("tool")))),
                sender_thread_id=item.get("senderThreadId", ""),
                receiver_thread_ids=list(item.get("receiverThreadIds") or []),
                prompt=item.get("prompt"),
                agents_states=states,
                status=_MCP_STATUS.get(item.get("status"), "in_progress"),
            )
        if kind == "webSearch":
            return _WebSearchItem(
                id=make_id(), raw_id=item.get("id", ""), query=item.get("query", ""),
                action=_web_search_action(item.get("action")),
            )
        return None

    def _map_started_item(self, item: Mapping[str, Any]) -> Any | None:
        if item.get("type") in ("agentMessage", "reasoning"):
            return None
        raw_id = item.get("id", "")
        return self._map_item(item, lambda: self._started_item_id(raw_id))

    def _map_completed_item(self, item: Mapping[str, Any]) -> Any | None:
        if item.get("type") in ("agentMessage", "reasoning"):
            return self._map_item(item, self._new_id)
        raw_id = item.get("id", "")
        return self._map_item(item, lambda: self._completed_item_id(raw_id))

    def _reconcile_unfinished_started_items(self, turn_items) -> list[Any]:
        events = []
        for item in turn_items or ():
            if item.get("id", "") not in self._raw_to_exec_item_id:
                continue
            mapped = self._map_completed_item(item)
            if mapped is not None:
                events.append(ev.ItemCompleted(item=mapped))
        return events

    def _usage(self) -> ev.Usage:
        usage = self._last_total_token_usage
        if usage is None:
            return ev.Usage(input_tokens=0, cached_input_tokens=0, output_tokens=0, reasoning_output_tokens=0)
        total = usage.get("total") or {}
        return ev.Usage(
            input_tokens=total.get("inputTokens", 0),
            cached_input_tokens=total.get("cachedInputTokens", 0),
            output_tokens=total.get("outputTokens", 0),
            reasoning_output_tokens=total.get("reasoningOutputTokens", 0),
        )

    @staticmethod
    def _todo_items(plan) -> list[ev.TodoItem]:
        return [
            ev.TodoItem(text=step.get("step", ""), completed=step.get("status") == "completed")
            for step in plan or ()
        ]

    def _error_item(self, message: str) -> Any:
        return ev.ItemCompleted(item=ev.ErrorItem(id=self._new_id(), message=message))

    # --- the EventProcessor interface -----------------------------------------------

    def thread_started_event(self, thread_id: str) -> ev.ThreadStarted:
        return ev.ThreadStarted(thread_id=thread_id)

    def print_config_summary(self, summary: Mapping[str, Any], prompt: str) -> None:
        thread_id = summary.get("thread_id") or summary.get("session id") or ""
        self.emit(self.thread_started_event(str(thread_id)))

    def collect_warning(self, message: str) -> list[Any]:
        return [self._error_item(message)]

    def process_warning(self, message: str) -> CodexStatus:
        for event in self.collect_warning(message):
            self.emit(event)
        return CodexStatus.RUNNING

    def collect_thread_events(self, notification: Mapping[str, Any]) -> tuple[list[Any], CodexStatus]:
        """The events one notification produces, and the resulting status."""
        method = notification.get("method")
        p = notification.get("params") or {}
        events: list[Any] = []
        status = CodexStatus.RUNNING
        if method in ("configWarning", "deprecationNotice"):
            events.append(self._error_item(_with_details(p.get("summary", ""), p.get("details"))))
        elif method == "warning":
            events.extend(self.collect_warning(p.get("message", "")))
        elif method == "error":
            message = turn_error_message(p.get("error") or {})
            self._last_critical_error = message
            events.append(ev.ThreadError(message=message))
        elif method == "item/started":
            item = self._map_started_item(p.get("item") or {})
            if item is not None:
                events.append(ev.ItemStarted(item=item))
        elif method == "item/completed":
            item = self._map_completed_item(p.get("item") or {})
            if item is not None:
                if isinstance(item, ev.AgentMessageItem):
                    self.final_message = item.text
                events.append(ev.ItemCompleted(item=item))
        elif method == "model/rerouted":
            events.append(self._error_item(
                f"model rerouted: {p.get('fromModel', '')} -> {p.get('toModel', '')} "
                f"({_pascal(str(p.get('reason', '')))})"
            ))
        elif method == "thread/tokenUsage/updated":
            self._last_total_token_usage = p.get("tokenUsage")
        elif method == "turn/completed":
            turn = p.get("turn") or {}
            if self._running_todo_list is not None:
                item_id, items = self._running_todo_list
                self._running_todo_list = None
                events.append(ev.ItemCompleted(item=ev.TodoListItem(id=item_id, items=items)))
            turn_items = turn.get("items") or []
            events.extend(self._reconcile_unfinished_started_items(turn_items))
            turn_status = turn.get("status")
            if turn_status == "completed":
                final = final_message_from_turn_items(turn_items)
                if final is not None:
                    self.final_message = final
                self._emit_final_message_on_shutdown = True
                events.append(ev.TurnCompleted(usage=self._usage()))
                status = CodexStatus.INITIATE_SHUTDOWN
            elif turn_status == "failed":
                self.final_message = None
                self._emit_final_message_on_shutdown = False
                error = turn.get("error")
                if error is not None:
                    message = turn_error_message(error)
                elif self._last_critical_error is not None:
                    message = self._last_critical_error
                else:
                    message = "turn failed"
                events.append(ev.TurnFailed(error=ev.ThreadErrorEvent(message=message)))
                status = CodexStatus.INITIATE_SHUTDOWN
            elif turn_status == "interrupted":
                self.final_message = None
                self._emit_final_message_on_shutdown = False
                status = CodexStatus.INITIATE_SHUTDOWN
        elif method == "turn/plan/updated":
            items = self._todo_items(p.get("plan"))
            if self._running_todo_list is not None:
                item_id = self._running_todo_list[0]
                self._running_todo_list = (item_id, items)
                events.append(ev.ItemUpdated(item=ev.TodoListItem(id=item_id, items=items)))
            else:
                item_id = self._new_id()
                self._running_todo_list = (item_id, items)
                events.append(ev.ItemStarted(item=ev.TodoListItem(id=item_id, items=items)))
        elif method == "turn/started":
            events.append(ev.TurnStarted())
        # hook/started, hook/completed, model/verification, turn/diff/updated and every other
        # notification produce nothing
        return events, status

    def process_notification(self, notification: Mapping[str, Any]) -> CodexStatus:
        events, status = self.collect_thread_events(notification)
        for event in events:
            self.emit(event)
        return status

    def finish(self) -> str | None:
        if self._emit_final_message_on_shutdown and self.last_message_path is not None:
            handle_last_message(self.final_message, self.last_message_path, self.stderr)
        return self.final_message if self._emit_final_message_on_shutdown else None


# --- web search: the exec item carries both its own id and the raw call id -------------


class _WebSearchItem:
    """serde flattens ``WebSearchItem { id, query, action }`` into ``ThreadItem { id, .. }``,
    so the line holds the key ``id`` twice: ``{"id":"item_<n>","type":"web_search",
    "id":<raw id>,"query":..,"action":..}``. msgspec cannot write that; ``JsonlOutput.emit``
    assembles it."""

    __slots__ = ("id", "raw_id", "query", "action")

    def __init__(self, *, id: str, raw_id: str, query: str, action: Any) -> None:
        self.id = id
        self.raw_id = raw_id
        self.query = query
        self.action = action

    def encode(self) -> str:
        return (
            '{"id":' + encode(self.id).decode() + ',"type":"web_search","id":' + encode(self.raw_id).decode()
            + ',"query":' + encode(self.query).decode() + ',"action":' + encode(self.action).decode() + "}"
        )


def _web_search_action(action: Any) -> Any:
    """v2 ``WebSearchAction`` (camelCase tags) re-read as the model's action
    (snake_case tags, ``#[serde(other)]``): only ``search`` and ``other`` survive."""
    from codex.protocol import models

    if isinstance(action, Mapping) and action.get("type") == "search":
        kwargs = {}
        if action.get("query") is not None:
            kwargs["query"] = action["query"]
        if action.get("queries") is not None:
            kwargs["queries"] = list(action["queries"])
        return models.WebSearchSearch(**kwargs)
    return models.WebSearchOther()


def _encode_event(event: Any) -> str:
    item = getattr(event, "item", None)
    if isinstance(item, _WebSearchItem):
        tag = {ev.ItemStarted: "item.started", ev.ItemUpdated: "item.updated", ev.ItemCompleted: "item.completed"}[type(event)]
        return '{"type":"' + tag + '","item":' + item.encode() + "}"
    return encode(event).decode("utf-8")
