"""Rollout (session JSONL) lines: ``{"timestamp", "type", "payload"}``
(``RolloutLine`` = timestamp + flattened, adjacently tagged ``RolloutItem``) and the
``EventMsg`` kinds that the recorder persists (``codex-rs/protocol/src/protocol.rs``).

``decode_rollout_line`` validates one line; an unknown ``type`` or ``event_msg``
kind is a ``ProtocolError`` (serde has no fallback there; the rollout reader skips
such lines, which is the reader's policy, not the type's).
"""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec

from ._base import UNSET, UnsetType, Wire, ProtocolError, decode
from .config_types import (
    AskForApproval, FileSystemSandboxPolicy, ModeKind, PermissionProfile, Personality,
    ReasoningEffort, ReasoningSummary, SandboxPolicy,
)
from .models import ResponseItem, decode_response_item

__all__ = [
    "GitInfo", "BaseInstructions", "SessionMeta", "CollaborationModeSettings", "CollaborationMode",
    "TurnContext", "CompactedItem", "EventMsg", "RolloutLine", "decode_rollout_line",
    "decode_event_msg", "TokenUsage", "TokenUsageInfo", "RateLimitWindow", "CreditsSnapshot",
    "RateLimitSnapshot", "FileChangeAdd", "FileChangeDelete", "FileChangeUpdate", "FileChange",
    "TaskStarted", "TaskComplete", "UserMessage", "AgentMessage", "AgentReasoning",
    "AgentReasoningRawContent", "TokenCount", "PatchApplyEnd", "ErrorEvent", "WarningEvent",
    "ContextCompacted", "TurnAborted", "ThreadRolledBack", "EnteredReviewMode", "ExitedReviewMode",
    "ExecCommandEnd", "McpToolCallEnd", "WebSearchEnd", "ViewImageToolCall", "ThreadNameUpdated",
    "UndoCompleted", "StreamError", "PlanUpdate", "KNOWN_EVENT_MSG_TYPES", "UntypedEventMsg",
    "UNTYPED_PERSISTED_EVENT_MSG_TYPES",
]


# --- session_meta ---------------------------------------------------------------------


class GitInfo(Wire, kw_only=True):
    commit_hash: str | UnsetType = UNSET
    branch: str | UnsetType = UNSET
    repository_url: str | UnsetType = UNSET


class BaseInstructions(Wire, kw_only=True):
    text: str


class SessionMeta(Wire, kw_only=True):
    """``SessionMetaLine``: ``SessionMeta`` flattened, then ``git``."""

    id: str
    forked_from_id: str | UnsetType = UNSET
    timestamp: str
    cwd: str
    originator: str
    cli_version: str
    source: str | dict[str, Any]  # SessionSource: "exec" | {"subagent": ...} | ...
    thread_source: str | None | UnsetType = UNSET
    agent_path: str | UnsetType = UNSET
    agent_nickname: str | UnsetType = UNSET
    agent_role: str | UnsetType = UNSET
    model_provider: str | UnsetType = UNSET
    base_instructions: BaseInstructions | None | UnsetType = UNSET
    dynamic_tools: list[Any] | UnsetType = UNSET
    memory_mode: str | UnsetType = UNSET
    git: GitInfo | UnsetType = UNSET


# --- turn_context -----------------------------------------------------------------------


class CollaborationModeSettings(Wire, kw_only=True):
    model: str
    reasoning_effort: ReasoningEffort | None = None
    developer_instructions: str | None = None


class CollaborationMode(Wire, kw_only=True):
    mode: ModeKind
    settings: CollaborationModeSettings


class TurnContext(Wire, kw_only=True):
    turn_id: str | UnsetType = UNSET
    trace_id: str | UnsetType = UNSET
    cwd: str
    workspace_roots: list[str] | UnsetType = UNSET
    current_date: str | UnsetType = UNSET
    timezone: str | UnsetType = UNSET
    approval_policy: AskForApproval
    sandbox_policy: SandboxPolicy
    permission_profile: PermissionProfile | UnsetType = UNSET
    file_system_sandbox_policy: FileSystemSandboxPolicy | UnsetType = UNSET
    network: Any | UnsetType = UNSET
    model: str
    personality: Personality | UnsetType = UNSET
    collaboration_mode: CollaborationMode | UnsetType = UNSET
    realtime_active: bool | UnsetType = UNSET
    effort: ReasoningEffort | UnsetType = UNSET
    summary: ReasoningSummary
    user_instructions: str | UnsetType = UNSET
    developer_instructions: str | UnsetType = UNSET
    final_output_json_schema: Any | UnsetType = UNSET
    truncation_policy: Any | UnsetType = UNSET


class CompactedItem(Wire, kw_only=True):
    message: str
    replacement_history: list[ResponseItem] | UnsetType = UNSET


# --- event_msg --------------------------------------------------------------------------


class TokenUsage(Wire, kw_only=True):
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    reasoning_output_tokens: int
    total_tokens: int


class TokenUsageInfo(Wire, kw_only=True):
    total_token_usage: TokenUsage
    last_token_usage: TokenUsage
    model_context_window: int | None = None


class RateLimitWindow(Wire, kw_only=True):
    used_percent: float
    window_minutes: int | None = None
    resets_at: int | None = None


class CreditsSnapshot(Wire, kw_only=True):
    has_credits: bool
    unlimited: bool
    balance: str | None = None


class RateLimitSnapshot(Wire, kw_only=True):
    limit_id: str | None = None
    limit_name: str | None = None
    primary: RateLimitWindow | None = None
    secondary: RateLimitWindow | None = None
    credits: CreditsSnapshot | None = None
    plan_type: str | None = None
    rate_limit_reached_type: str | None = None


class _FileChange(Wire, tag_field="type"):
    pass


class FileChangeAdd(_FileChange, tag="add", kw_only=True):
    content: str


class FileChangeDelete(_FileChange, tag="delete", kw_only=True):
    content: str


class FileChangeUpdate(_FileChange, tag="update", kw_only=True):
    unified_diff: str
    move_path: str | None = None


FileChange = Union[FileChangeAdd, FileChangeDelete, FileChangeUpdate]


class _Ev(Wire, tag_field="type"):
    pass


class TaskStarted(_Ev, tag="task_started", kw_only=True):
    turn_id: str
    started_at: int | None = None
    model_context_window: int | None = None
    collaboration_mode_kind: ModeKind = ModeKind.DEFAULT


class TaskComplete(_Ev, tag="task_complete", kw_only=True):
    turn_id: str
    last_agent_message: str | None = None
    completed_at: int | None = None
    duration_ms: int | None = None
    time_to_first_token_ms: int | UnsetType = UNSET


class UserMessage(_Ev, tag="user_message", kw_only=True):
    message: str
    images: list[str] | None = None
    local_images: list[str] = msgspec.field(default_factory=list)
    text_elements: list[Any] = msgspec.field(default_factory=list)


class AgentMessage(_Ev, tag="agent_message", kw_only=True):
    message: str
    phase: Literal["commentary", "final_answer"] | None = None
    memory_citation: Any | None = None


class AgentReasoning(_Ev, tag="agent_reasoning", kw_only=True):
    text: str


class AgentReasoningRawContent(_Ev, tag="agent_reasoning_raw_content", kw_only=True):
    text: str


class TokenCount(_Ev, tag="token_count", kw_only=True):
    info: TokenUsageInfo | None = None
    rate_limits: RateLimitSnapshot | None = None


class PatchApplyEnd(_Ev, tag="patch_apply_end", kw_only=True):
    call_id: str
    turn_id: str = ""
    stdout: str
    stderr: str
    success: bool
    changes: dict[str, FileChange] = msgspec.field(default_factory=dict)
    status: Literal["completed", "failed", "declined"]


class ErrorEvent(_Ev, tag="error", kw_only=True):
    message: str
    codex_error_info: Any | None = None


class WarningEvent(_Ev, tag="warning", kw_only=True):
    message: str


class StreamError(_Ev, tag="stream_error", kw_only=True):
    message: str
    codex_error_info: Any | None = None
    additional_details: str | None = None


class ContextCompacted(_Ev, tag="context_compacted", kw_only=True):
    pass


class TurnAborted(_Ev, tag="turn_aborted", kw_only=True):
    turn_id: str | None = None
    reason: Literal["interrupted", "replaced", "review_ended"]
    completed_at: int | None = None
    duration_ms: int | None = None


class ThreadRolledBack(_Ev, tag="thread_rolled_back", kw_only=True):
    num_turns: int


class ThreadNameUpdated(_Ev, tag="thread_name_updated", kw_only=True):
    thread_id: str
    thread_name: str | UnsetType = UNSET


class UndoCompleted(_Ev, tag="undo_completed", kw_only=True):
    success: bool
    message: str | None = None


class EnteredReviewMode(_Ev, tag="entered_review_mode", kw_only=True):
    target: Any
    user_facing_hint: str | UnsetType = UNSET


class ExitedReviewMode(_Ev, tag="exited_review_mode", kw_only=True):
    review_output: Any | None = None


class ExecCommandEnd(_Ev, tag="exec_command_end", kw_only=True):
    call_id: str
    process_id: str | UnsetType = UNSET
    turn_id: str = ""
    command: list[str]
    cwd: str
    parsed_cmd: list[Any] = msgspec.field(default_factory=list)
    source: str = "agent"
    interaction_input: str | UnsetType = UNSET
    stdout: str
    stderr: str
    aggregated_output: str = ""
    exit_code: int
    duration: Any
    formatted_output: str
    status: str = "completed"


class McpToolCallEnd(_Ev, tag="mcp_tool_call_end", kw_only=True):
    call_id: str
    invocation: Any
    mcp_app_resource_uri: str | UnsetType = UNSET
    duration: Any
    result: Any


class WebSearchEnd(_Ev, tag="web_search_end", kw_only=True):
    call_id: str
    query: str
    action: Any


class ViewImageToolCall(_Ev, tag="view_image_tool_call", kw_only=True):
    call_id: str
    path: str


class PlanUpdate(_Ev, tag="plan_update", kw_only=True):
    explanation: str | None = None
    plan: list[Any]


EventMsg = Union[
    TaskStarted, TaskComplete, UserMessage, AgentMessage, AgentReasoning, AgentReasoningRawContent,
    TokenCount, PatchApplyEnd, ErrorEvent, WarningEvent, StreamError, ContextCompacted, TurnAborted,
    ThreadRolledBack, ThreadNameUpdated, UndoCompleted, EnteredReviewMode, ExitedReviewMode,
    ExecCommandEnd, McpToolCallEnd, WebSearchEnd, ViewImageToolCall, PlanUpdate,
]
KNOWN_EVENT_MSG_TYPES = frozenset(c.__struct_config__.tag for c in EventMsg.__args__)  # type: ignore[attr-defined]


class UntypedEventMsg(dict):
    """An ``EventMsg`` kind that the recorder persists but that is not typed here (no
    capture pins its fields down): kept as the JSON object it was, key order included,
    so it re-encodes identically. ``.type`` is its kind."""

    @property
    def type(self) -> str:
        return self["type"]


# Persisted by the 0.136 recorder (rollout/src/policy.rs) in limited or extended mode,
# kept verbatim; any other kind is an error, as for serde.
UNTYPED_PERSISTED_EVENT_MSG_TYPES = frozenset({
    "thread_goal_updated", "image_generation_end", "item_completed", "sub_agent_activity",
    "guardian_assessment", "collab_agent_spawn_end", "collab_agent_interaction_end",
    "collab_waiting_end", "collab_close_end", "collab_resume_end", "dynamic_tool_call_request",
    "dynamic_tool_call_response", "guardian_warning", "model_reroute", "model_verification",
})


# --- the line -----------------------------------------------------------------------------

RolloutItemType = Literal["session_meta", "response_item", "compacted", "turn_context", "event_msg"]

_PAYLOAD_TYPES: dict[str, Any] = {
    "session_meta": SessionMeta,
    "compacted": CompactedItem,
    "turn_context": TurnContext,
    "event_msg": EventMsg,
}


class RolloutLine(Wire, kw_only=True):
    timestamp: str
    type: RolloutItemType
    payload: Any  # SessionMeta | ResponseItem | CompactedItem | TurnContext | EventMsg


class _RawLine(msgspec.Struct):
    timestamp: str
    type: str
    payload: msgspec.Raw


class _TypeProbe(msgspec.Struct):
    type: str = ""


def decode_event_msg(data: bytes | str, *, prefix: str = "$", what: str = "event_msg"):
    """Typed ``EventMsg``; an untyped persisted kind gives ``UntypedEventMsg``."""
    probe = decode(data, _TypeProbe, what, prefix=prefix)
    if probe.type in UNTYPED_PERSISTED_EVENT_MSG_TYPES:
        return UntypedEventMsg(decode(data, dict, what, prefix=prefix))
    if probe.type not in KNOWN_EVENT_MSG_TYPES:
        raise ProtocolError(what, prefix + ".type", f"unknown event_msg type {probe.type!r}")
    return decode(data, EventMsg, what, prefix=prefix)


def decode_rollout_line(data: bytes | str) -> RolloutLine:
    """Decode and validate one rollout JSONL line."""
    what = "rollout line"
    raw = decode(data, _RawLine, what)
    payload = bytes(raw.payload)
    if raw.type == "response_item":
        item = decode_response_item(payload, what=what, prefix="$.payload")
    elif raw.type == "event_msg":
        item = decode_event_msg(payload, what=what, prefix="$.payload")
    else:
        typ = _PAYLOAD_TYPES.get(raw.type)
        if typ is None:
            raise ProtocolError(what, "$.type", f"unknown rollout item type {raw.type!r}")
        item = decode(payload, typ, what, prefix="$.payload")
    return RolloutLine(timestamp=raw.timestamp, type=raw.type, payload=item)  # type: ignore[arg-type]
