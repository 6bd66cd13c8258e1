"""Which rollout items are persisted (``codex-rs/rollout/src/policy.rs``, 0.136).

``limited`` is the default (``codex exec`` and the TUI); ``extended`` (``persist_extended_history``)
adds the kinds in `EXTENDED_EVENT_MSG_TYPES` and keeps only a bounded summary of command output.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LIMITED", "EXTENDED", "LIMITED_EVENT_MSG_TYPES", "EXTENDED_EVENT_MSG_TYPES",
           "is_persisted", "sanitize", "item_type"]

LIMITED, EXTENDED = "limited", "extended"

LIMITED_EVENT_MSG_TYPES = frozenset({
    "user_message", "agent_message", "agent_reasoning", "agent_reasoning_raw_content",
    "patch_apply_end", "token_count", "thread_goal_updated", "context_compacted",
    "entered_review_mode", "exited_review_mode", "mcp_tool_call_end", "thread_rolled_back",
    "turn_aborted", "task_started", "task_complete", "web_search_end", "image_generation_end",
    "sub_agent_activity", "undo_completed", "thread_name_updated",
})
EXTENDED_EVENT_MSG_TYPES = frozenset({
    "error", "exec_command_end", "guardian_assessment", "view_image_tool_call",
    "collab_agent_spawn_end", "collab_agent_interaction_end", "collab_waiting_end",
    "collab_close_end", "collab_resume_end", "dynamic_tool_call_request",
    "dynamic_tool_call_response", "guardian_warning", "model_reroute", "model_verification",
})
# item_completed is kept only for items that have no ResponseItem / legacy event equivalent.
_ITEM_COMPLETED_KEPT = frozenset({"plan", "Plan", "sleep", "Sleep"})
_NOT_PERSISTED_RESPONSE_ITEMS = frozenset({"compaction_trigger", "other"})
PERSISTED_EXEC_AGGREGATED_OUTPUT_MAX_BYTES = 10_000


def item_type(payload: Any) -> str | None:
    if isinstance(payload, dict):
        return payload.get("type")
    cfg = getattr(type(payload), "__struct_config__", None)
    tag = getattr(cfg, "tag", None)
    return tag if tag is not None else getattr(payload, "type", None)


def is_persisted(kind: str, payload: Any, mode: str = LIMITED) -> bool:
    if kind in ("session_meta", "turn_context", "compacted"):
        return True
    if kind == "response_item":
        return item_type(payload) not in _NOT_PERSISTED_RESPONSE_ITEMS
    if kind == "event_msg":
        t = item_type(payload)
        if t in LIMITED_EVENT_MSG_TYPES:
            return True
        if t == "item_completed":
            item = payload.get("item") if isinstance(payload, dict) else getattr(payload, "item", None)
            it = item.get("type") if isinstance(item, dict) else None
            return it in _ITEM_COMPLETED_KEPT
        return mode == EXTENDED and t in EXTENDED_EVENT_MSG_TYPES
    return kind in ("inter_agent_communication",)


def _truncate_middle(text: str, max_bytes: int) -> str:
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    half = max_bytes // 2
    head = data[:half].decode(errors="ignore")
    tail = data[-half:].decode(errors="ignore")
    removed = len(data) - len(head.encode()) - len(tail.encode())
    return f"{head}…{removed} bytes truncated…{tail}"


def sanitize(kind: str, payload: Any, mode: str = LIMITED) -> Any:
    """Extended mode keeps only a bounded aggregated output of exec_command_end."""
    if mode != EXTENDED or kind != "event_msg" or item_type(payload) != "exec_command_end":
        return payload
    import msgspec
    d = dict(payload) if isinstance(payload, dict) else msgspec.to_builtins(payload)
    d["aggregated_output"] = _truncate_middle(d.get("aggregated_output", ""),
                                              PERSISTED_EXEC_AGGREGATED_OUTPUT_MAX_BYTES)
    for key in ("stdout", "stderr", "formatted_output"):
        if key in d:
            d[key] = ""
    return d
