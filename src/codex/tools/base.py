"""The contract between the turn loop and the tool handlers.

The turn loop hands each tool call to the router as a `ToolCall`; the handler gets a
`ToolContext` (what it may read and the `emit` channel for events) and returns a `ToolOutput`,
which the router turns into the `function_call_output` / `custom_tool_call_output` item the
next request carries.

Events are EventMsg dicts in upstream's serde shape (`{"type": "plan_update", ...}`), the same
shape the rollout's `event_msg` payloads have.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping


@dataclass
class ToolCall:
    call_id: str
    name: str                      # as the model sent it
    kind: str = "function"         # "function" | "custom" | "tool_search" | "local_shell"
    arguments: str = ""            # a function call's JSON string, a custom call's `input`
    namespace: str | None = None


@dataclass
class ToolOutput:
    """`content` is the text the model sees, or a list of content items
    (`{"type": "input_text"|"input_image", ...}`) for outputs that carry images.
    `success` is upstream's FunctionCallOutputPayload.success (not sent on the wire)."""
    content: str | list[dict[str, Any]]
    success: bool | None = True


class ToolError(Exception):
    """A call the model made wrongly (`RespondToModel`): the message goes back as the output."""


@dataclass
class ToolContext:
    thread_id: str
    turn_id: str
    cwd: str
    codex_home: str
    approval_policy: str = "never"
    sandbox_policy: Mapping[str, Any] = field(default_factory=lambda: {"type": "read-only"})
    config: Mapping[str, Any] = field(default_factory=dict)
    ephemeral: bool = False
    # async callable taking an EventMsg dict; the session stamps and routes it
    emit: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    # the session's services (unified exec manager, state db, mcp manager ...), by name
    services: dict[str, Any] = field(default_factory=dict)

    async def send(self, msg: dict[str, Any]) -> None:
        if self.emit is not None:
            await self.emit(msg)


Handler = Callable[[ToolCall, ToolContext], Awaitable[ToolOutput]]
