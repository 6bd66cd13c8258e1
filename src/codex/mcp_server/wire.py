"""The reference's wire shape of the core events `codex mcp-server` streams as `codex/event`.

Our core's event dicts carry the right fields but not always in the reference's order (serde
writes struct fields in declaration order) and with some `null`s the reference skips
(`skip_serializing_if = "Option::is_none"`), or without a field the reference always has
(`started_at_ms`, `available_decisions`). `canonical(msg)` rewrites the events whose layout the
reference captures show; other events pass through unchanged.
"""
from __future__ import annotations

import time
from typing import Any

# type -> [(field, skip_when_none)], in the reference's order; fields not listed keep their
# order after the listed ones.
_LAYOUTS: dict[str, list[tuple[str, bool]]] = {
    "exec_approval_request": [
        ("call_id", False), ("approval_id", True), ("turn_id", False), ("started_at_ms", False),
        ("command", False), ("cwd", False), ("reason", True), ("network_approval_context", True),
        ("proposed_execpolicy_amendment", True), ("proposed_network_policy_amendments", True),
        ("additional_permissions", True), ("available_decisions", False), ("parsed_cmd", False)],
    "exec_command_begin": [
        ("call_id", False), ("process_id", True), ("turn_id", False), ("started_at_ms", False),
        ("command", False), ("cwd", False), ("parsed_cmd", False), ("source", False),
        ("interaction_input", True)],
    "exec_command_end": [
        ("call_id", False), ("process_id", True), ("turn_id", False), ("completed_at_ms", False),
        ("command", False), ("cwd", False), ("parsed_cmd", False), ("source", False),
        ("interaction_input", True), ("stdout", False), ("stderr", False), ("aggregated_output", False),
        ("exit_code", False), ("duration", False), ("formatted_output", False), ("status", False)],
    "apply_patch_approval_request": [
        ("call_id", False), ("turn_id", False), ("started_at_ms", False), ("changes", False),
        ("reason", True), ("grant_root", True)],
    "patch_apply_begin": [("call_id", False), ("turn_id", False), ("auto_approved", False), ("changes", False)],
    "patch_apply_end": [
        ("call_id", False), ("turn_id", False), ("stdout", False), ("stderr", False), ("success", False),
        ("changes", False), ("status", False)],
    "turn_aborted": [("turn_id", False), ("reason", False), ("completed_at", False), ("duration_ms", False)],
}

_NOW_MS_FIELDS = ("started_at_ms", "completed_at_ms")


def default_available_decisions(msg: dict[str, Any]) -> list[Any]:
    """`ExecApprovalRequestEvent::default_available_decisions`."""
    if msg.get("additional_permissions") is not None:
        return ["approved", "abort"]
    out: list[Any] = ["approved"]
    amendment = msg.get("proposed_execpolicy_amendment")
    if amendment:
        out.append({"approved_execpolicy_amendment": {"proposed_execpolicy_amendment": amendment}})
    out.append("abort")
    return out


def canonical(msg: dict[str, Any]) -> dict[str, Any]:
    layout = _LAYOUTS.get(msg.get("type", ""))
    if layout is None:
        return msg
    src = dict(msg)
    for f in _NOW_MS_FIELDS:
        if any(name == f for name, _ in layout) and src.get(f) is None:
            src[f] = int(time.time() * 1000)
    if msg.get("type") == "exec_approval_request" and src.get("available_decisions") is None:
        src["available_decisions"] = default_available_decisions(src)
    out: dict[str, Any] = {"type": src.pop("type")}
    for name, skip_none in layout:
        if name not in src:
            continue
        value = src.pop(name)
        if value is None and skip_none:
            continue
        out[name] = value
    out.update(src)
    return out
