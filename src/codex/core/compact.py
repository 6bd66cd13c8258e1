"""Context compaction (upstream core/src/compact.rs, as 0.136.0 behaves): the model is asked
for a handoff summary of the thread so far, and the history becomes the user's messages
(the newest first, up to 20,000 tokens) plus the summary, prefixed. The next turn puts the
developer and environment context back after it.

Recorded, in order: task_started (manual compaction only), a token_count when the stream's
rate limits arrive, the summary as a response_item (no agent_message event), token_count,
`compacted` {message, replacement_history}, token_count with the recomputed estimate,
context_compacted, task_complete (last_agent_message null). Not recorded: the warning.
"""
from __future__ import annotations

import json
import os
from typing import Any

from codex.core.session import _empty_usage, _usage_dict, new_item_id

_TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")
COMPACT_USER_MESSAGE_MAX_TOKENS = 20_000
WARNING = ("Heads up: Long threads and multiple compactions can cause the model to be less "
           "accurate. Start a new thread when possible to keep threads small and targeted.")


def _read(name: str) -> str:
    with open(os.path.join(_TEMPLATES, name), encoding="utf-8") as f:
        return f.read()


def summarization_prompt() -> str:
    return _read("compact_prompt.md")


def summary_prefix() -> str:
    return _read("compact_summary_prefix.md")


def approx_token_count(text: str) -> int:
    from codex.process.truncate import approx_token_count as approx
    return approx(text)


def _message_text(item: dict[str, Any]) -> str | None:
    parts = [c.get("text", "") for c in item.get("content") or []
             if c.get("type") in ("input_text", "output_text") and c.get("text")]
    return "\n".join(parts) if parts else None


def _is_contextual(text: str) -> bool:
    t = text.lstrip()
    return (t.startswith("# AGENTS.md instructions for") or t.startswith("<environment_context>")
            or t.lower().startswith("<environment_context>") or t.startswith("<user_instructions>")
            or t.startswith("<skill>") or t.startswith("<user_shell_command>")
            or t.startswith("<turn_aborted>"))


def collect_user_messages(history: list[dict[str, Any]]) -> list[str]:
    prefix = summary_prefix() + "\n"
    out = []
    for item in history:
        if item.get("type") != "message" or item.get("role") != "user":
            continue
        text = _message_text(item)
        if text is None or _is_contextual(text) or text.startswith(prefix):
            continue
        out.append(text)
    return out


def build_compacted_history(initial: list[dict[str, Any]], user_messages: list[str], summary: str,
                            max_tokens: int = COMPACT_USER_MESSAGE_MAX_TOKENS) -> list[dict[str, Any]]:
    from codex.process.truncate import truncate_text

    selected: list[str] = []
    remaining = max_tokens
    for msg in reversed(user_messages):
        if remaining <= 0:
            break
        tokens = approx_token_count(msg)
        if tokens <= remaining:
            selected.append(msg)
            remaining -= tokens
        else:
            selected.append(truncate_text(msg, remaining))
            break
    selected.reverse()
    history = list(initial)
    for msg in selected:
        history.append({"type": "message", "role": "user", "content": [{"type": "input_text", "text": msg}]})
    history.append({"type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": summary or "(no summary available)"}]})
    return history


def estimate_tokens(instructions: str, history: list[dict[str, Any]]) -> int:
    total = approx_token_count(instructions)
    for item in history:
        total += approx_token_count(json.dumps(item, separators=(",", ":"), ensure_ascii=False))
    return total


async def run_compaction(turn: Any, *, manual: bool) -> bool:
    """Compact the session's history inside `turn` (a `codex.core.turn.Turn`); returns False
    when it failed (an error event was sent)."""
    from codex.model import client as C
    from codex.model import errors as E
    from codex.protocol import models as P

    s = turn.session
    st = s.settings
    cid = new_item_id()
    await turn.item_started({"type": "ContextCompaction", "id": cid})
    prompt_item = {"type": "message", "role": "user",
                   "content": [{"type": "input_text", "text": summarization_prompt()}]}
    saved = list(s.history)
    outputs: list[dict[str, Any]] = []
    s.history = saved + [prompt_item]
    compaction = ({"trigger": "manual", "reason": "user_requested", "implementation": "responses",
                   "phase": "standalone_turn", "strategy": "memento"} if manual else
                  {"trigger": "auto", "reason": "context_limit", "implementation": "responses",
                   "phase": "mid_turn", "strategy": "memento"})
    headers = turn._headers(request_kind="compaction", compaction=compaction)

    def body():
        # the summary request carries no tools
        b = turn._body()
        b["tools"] = []
        b["parallel_tool_calls"] = False
        return b
    try:
        client = s.client()
        async for ev in client.stream_turn(body, headers):
            if isinstance(ev, C.RateLimits):
                s.rate_limits = ev.snapshot
                await turn._token_count()
            elif isinstance(ev, C.Reconnecting):
                outputs.clear()
                from codex.core.turn import stream_error_info
                await turn.emit({"type": "stream_error", "message": ev.summary,
                                 "codex_error_info": stream_error_info(ev.error),
                                 "additional_details": ev.details})
            elif isinstance(ev, P.OutputItemDone):
                from codex.core.session import _builtins
                data = _builtins(ev.item)
                outputs.append(data)
                turn.record(("response_item", data))
            elif isinstance(ev, C.Completed):
                if ev.token_usage is not None:
                    turn._update_usage(_usage_dict(ev.token_usage))
                await turn._token_count()
                break
    except E.ModelError as err:
        s.history = saved
        from codex.core.turn import _error_info
        await turn.emit({"type": "error", "message": str(err), "codex_error_info": _error_info(err)})
        return False
    finally:
        if s.history and s.history[-1] is prompt_item:
            s.history = saved
    summary_suffix = ""
    for item in reversed(outputs):
        if item.get("type") == "message" and item.get("role") == "assistant":
            summary_suffix = _message_text(item) or ""
            break
    summary_text = f"{summary_prefix()}\n{summary_suffix}"
    new_history = build_compacted_history([], collect_user_messages(saved), summary_text)
    s.history = new_history
    s._has_context = False
    turn.record(("compacted", {"message": summary_text, "replacement_history": new_history}))
    prev = (s.token_info or {}).get("total_token_usage") or _empty_usage()
    last = _empty_usage()
    last["total_tokens"] = estimate_tokens(st.instructions(), new_history)
    s.token_info = {"total_token_usage": prev, "last_token_usage": last,
                    "model_context_window": st.model_context_window}
    await turn._token_count()
    await turn.emit_recorded({"type": "context_compacted"})
    await turn.item_completed({"type": "ContextCompaction", "id": cid})
    await turn.emit({"type": "warning", "message": WARNING})
    return True


def auto_compact_limit(settings: Any) -> int | None:
    configured = settings.raw.get("model_auto_compact_token_limit")
    if isinstance(configured, int):
        return configured
    info_limit = settings.model_info.get("auto_compact_token_limit") if settings.model_info else None
    if isinstance(info_limit, int):
        return info_limit
    window = settings.model_context_window
    if isinstance(window, int):
        return window * 9 // 10
    return None

