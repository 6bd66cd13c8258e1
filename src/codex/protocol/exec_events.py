"""``codex exec --json`` thread events (``codex-rs/exec/src/exec_events.rs``).

A thread item is ``{"id", "type", ...details}`` (serde ``flatten`` of an internally
tagged enum), so ``id`` precedes the tag. msgspec puts a tag first, so the item
variants carry ``type`` as an ordinary second field and ``decode_thread_event``
dispatches on it; encoding is plain ``msgspec`` (``codex.protocol.encode``).
"""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec

from ._base import UNSET, UnsetType, Wire, ProtocolError, decode
from .models import WebSearchAction

__all__ = [
    "Usage", "ThreadErrorEvent",
    "ThreadStarted", "TurnStarted", "TurnCompleted", "TurnFailed", "ItemStarted", "ItemUpdated",
    "ItemCompleted", "PlanDelta", "RequestUserInput", "ThreadError", "ThreadEvent",
    "AgentMessageItem", "PlanItem", "ReasoningItem", "CommandExecutionItem", "FileUpdateChange",
    "FileChangeItem", "McpToolCallItemResult", "McpToolCallItemError", "McpToolCallItem",
    "CollabAgentState", "CollabToolCallItem", "WebSearchItem", "ErrorItem", "TodoItem",
    "TodoListItem", "ThreadItem", "decode_thread_event", "decode_thread_item",
]

CommandExecutionStatus = Literal["in_progress", "completed", "failed", "declined"]
PatchApplyStatus = Literal["in_progress", "completed", "failed"]
PatchChangeKind = Literal["add", "delete", "update"]
McpToolCallStatus = Literal["in_progress", "completed", "failed"]
CollabToolCallStatus = Literal["in_progress", "completed", "failed"]
CollabTool = Literal["spawn_agent", "send_input", "wait", "close_agent"]
CollabAgentStatus = Literal["pending_init", "running", "completed", "errored", "shutdown", "not_found"]


# --- items ------------------------------------------------------------------------------


class AgentMessageItem(Wire, kw_only=True):
    id: str
    type: Literal["agent_message"] = "agent_message"
    text: str


class PlanItem(Wire, kw_only=True):
    id: str
    type: Literal["plan"] = "plan"
    text: str


class ReasoningItem(Wire, kw_only=True):
    id: str
    type: Literal["reasoning"] = "reasoning"
    text: str


class CommandExecutionItem(Wire, kw_only=True):
    id: str
    type: Literal["command_execution"] = "command_execution"
    command: str
    aggregated_output: str
    exit_code: int | None = None
    status: CommandExecutionStatus


class FileUpdateChange(Wire, kw_only=True):
    path: str
    kind: PatchChangeKind


class FileChangeItem(Wire, kw_only=True):
    id: str
    type: Literal["file_change"] = "file_change"
    changes: list[FileUpdateChange]
    status: PatchApplyStatus


class McpToolCallItemResult(Wire, kw_only=True):
    content: list[Any]
    structured_content: Any | None = None


class McpToolCallItemError(Wire, kw_only=True):
    message: str


class McpToolCallItem(Wire, kw_only=True):
    id: str
    type: Literal["mcp_tool_call"] = "mcp_tool_call"
    server: str
    tool: str
    arguments: Any = None
    result: McpToolCallItemResult | None = None
    error: McpToolCallItemError | None = None
    status: McpToolCallStatus


class CollabAgentState(Wire, kw_only=True):
    status: CollabAgentStatus
    message: str | None = None


class CollabToolCallItem(Wire, kw_only=True):
    id: str
    type: Literal["collab_tool_call"] = "collab_tool_call"
    tool: CollabTool
    sender_thread_id: str
    receiver_thread_ids: list[str]
    prompt: str | None = None
    agents_states: dict[str, CollabAgentState]
    status: CollabToolCallStatus


class WebSearchItem(Wire, kw_only=True):
    id: str
    type: Literal["web_search"] = "web_search"
    query: str
    action: WebSearchAction


class ErrorItem(Wire, kw_only=True):
    id: str
    type: Literal["error"] = "error"
    message: str


class TodoItem(Wire, kw_only=True):
    text: str
    completed: bool


class TodoListItem(Wire, kw_only=True):
    id: str
    type: Literal["todo_list"] = "todo_list"
    items: list[TodoItem]


ThreadItem = Union[
    AgentMessageItem, PlanItem, ReasoningItem, CommandExecutionItem, FileChangeItem,
    McpToolCallItem, CollabToolCallItem, WebSearchItem, TodoListItem, ErrorItem,
]
_ITEM_TYPES = {
    "agent_message": AgentMessageItem, "plan": PlanItem, "reasoning": ReasoningItem,
    "command_execution": CommandExecutionItem, "file_change": FileChangeItem,
    "mcp_tool_call": McpToolCallItem, "collab_tool_call": CollabToolCallItem,
    "web_search": WebSearchItem, "todo_list": TodoListItem, "error": ErrorItem,
}


# --- events -----------------------------------------------------------------------------


class Usage(Wire, kw_only=True):
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    reasoning_output_tokens: int = 0


class ThreadErrorEvent(Wire, kw_only=True):
    message: str


class _Event(Wire, tag_field="type"):
    pass


class ThreadStarted(_Event, tag="thread.started", kw_only=True):
    thread_id: str


class TurnStarted(_Event, tag="turn.started", kw_only=True):
    pass


class TurnCompleted(_Event, tag="turn.completed", kw_only=True):
    usage: Usage


class TurnFailed(_Event, tag="turn.failed", kw_only=True):
    error: ThreadErrorEvent


class ItemStarted(_Event, tag="item.started", kw_only=True):
    item: ThreadItem


class ItemUpdated(_Event, tag="item.updated", kw_only=True):
    item: ThreadItem


class ItemCompleted(_Event, tag="item.completed", kw_only=True):
    item: ThreadItem


class PlanDelta(_Event, tag="item.plan.delta", kw_only=True):
    item_id: str
    delta: str


class RequestUserInput(_Event, tag="request_user_input", kw_only=True):
    id: str
    call_id: str
    questions: list[Any]


class ThreadError(_Event, tag="error", kw_only=True):
    message: str


ThreadEvent = Union[
    ThreadStarted, TurnStarted, TurnCompleted, TurnFailed, ItemStarted, ItemUpdated,
    ItemCompleted, PlanDelta, RequestUserInput, ThreadError,
]
_ITEM_EVENTS = {"item.started": ItemStarted, "item.updated": ItemUpdated, "item.completed": ItemCompleted}
_PLAIN_EVENTS = Union[ThreadStarted, TurnStarted, TurnCompleted, TurnFailed, PlanDelta, RequestUserInput, ThreadError]


class _Probe(msgspec.Struct):
    type: str = ""


class _RawItemEvent(msgspec.Struct):
    type: str
    item: msgspec.Raw


def decode_thread_item(data: bytes | str, *, prefix: str = "$"):
    what = "exec thread item"
    probe = decode(data, _Probe, what, prefix=prefix)
    cls = _ITEM_TYPES.get(probe.type)
    if cls is None:
        raise ProtocolError(what, prefix + ".type", f"unknown item type {probe.type!r}")
    return decode(data, cls, what, prefix=prefix)


def decode_thread_event(data: bytes | str):
    """Decode one ``--json`` line into a ``ThreadEvent``."""
    what = "exec thread event"
    probe = decode(data, _Probe, what)
    ev = _ITEM_EVENTS.get(probe.type)
    if ev is None:
        return decode(data, _PLAIN_EVENTS, what)
    raw = decode(data, _RawItemEvent, what)
    return ev(item=decode_thread_item(bytes(raw.item), prefix="$.item"))
