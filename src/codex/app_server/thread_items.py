"""Builders of app-server v2 ``ThreadItem`` dicts, exactly as 0.136.0 puts them on the wire.

Pure functions, no I/O. Every builder returns a fresh ``dict`` whose key order is the
serialization order of the reference (``fixtures/app_server/ts-experimental/v2/ThreadItem.ts``
and the captured transcripts): ``None`` fields are written as ``null`` except the few that
serde skips (``mcpToolCall.mcpAppResourceUri``, ``imageGeneration.savedPath``), which are
left out when ``None``.

Upstream: ``codex-rs/app-server-protocol/src/protocol/v2.rs`` (``ThreadItem``,
``From<TurnItem> for ThreadItem``) and ``item_builders.rs`` (``build_command_execution_*``,
``convert_patch_changes``, ``command_display_string``).

Converters from the core's serde shapes (see the module docstring of
:mod:`codex.app_server.event_mapping` for the exact input shapes):

* :func:`thread_item_from_turn_item` -- core ``TurnItem`` (``{"type": "UserMessage", ...}``)
* :func:`command_actions_from_parsed` -- core ``ParsedCommand`` list -> v2 ``CommandAction``
* :func:`convert_patch_changes` -- core ``{path: FileChange}`` -> v2 ``FileUpdateChange`` list
* :func:`command_display_string` -- argv -> ``/bin/bash -lc 'ls -1'`` (shlex 1.3 ``try_join``)
* :func:`duration_to_ms` -- serde ``Duration`` (``{"secs", "nanos"}``) -> whole milliseconds
"""

from __future__ import annotations

import posixpath
from typing import Any

__all__ = [
    "agent_message_item",
    "camelize",
    "camelize_keys",
    "command_actions_from_parsed",
    "command_display_string",
    "command_execution_item",
    "context_compaction_item",
    "convert_patch_changes",
    "duration_to_ms",
    "dynamic_tool_call_item",
    "dynamic_tool_content_items",
    "entered_review_mode_item",
    "exec_source_to_v2",
    "exited_review_mode_item",
    "file_change_item",
    "hook_prompt_item",
    "image_generation_item",
    "image_view_item",
    "mcp_result_to_v2",
    "mcp_tool_call_item",
    "memory_citation_to_v2",
    "plan_item",
    "reasoning_item",
    "thread_item_from_turn_item",
    "turn_object",
    "user_input_to_v2",
    "user_message_item",
    "web_search_action_to_v2",
    "web_search_item",
]


# --------------------------------------------------------------------------- helpers


def camelize(name: str) -> str:
    """``snake_case`` -> ``camelCase`` (serde ``rename_all = "camelCase"``)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camelize_keys(value: Any) -> Any:
    """Recursively camel-case the keys of dicts (values untouched except nested dicts/lists)."""
    if isinstance(value, dict):
        return {camelize(k): camelize_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camelize_keys(v) for v in value]
    return value


def duration_to_ms(duration: Any) -> int | None:
    """serde ``std::time::Duration`` (``{"secs": s, "nanos": n}``) -> ``as_millis()``.

    Also accepts a plain number of milliseconds (int/float) for convenience; ``None`` stays
    ``None``.
    """
    if duration is None:
        return None
    if isinstance(duration, dict):
        secs = int(duration.get("secs", 0) or 0)
        nanos = int(duration.get("nanos", 0) or 0)
        return secs * 1000 + nanos // 1_000_000
    return int(duration)


def command_display_string(command: list[str]) -> str:
    """argv -> the display string of ``commandExecution.command``.

    Upstream ``command_display_string``: ``shlex::try_join`` (so ``["/bin/bash", "-lc",
    "ls -1"]`` -> ``/bin/bash -lc 'ls -1'``); a NUL byte makes ``shlex_join`` fall back to
    quoting with NUL replaced. (The Windows-path branch is not ported: Linux only.)
    """
    from codex.execpolicy._rust import shlex_quote  # lazy: keeps this module import-light

    parts = []
    for word in command:
        if "\0" in word:
            word = word.replace("\0", "\u00a1NUL!")
        parts.append(shlex_quote(word))
    return " ".join(parts)


# --------------------------------------------------------------------------- user input


def user_input_to_v2(item: dict) -> dict:
    """core ``UserInput`` -> v2 ``UserInput``.

    core: ``{"type": "text", "text", "text_elements"}``, ``{"type": "image", "image_url",
    "detail"?}``, ``{"type": "local_image", "path", "detail"?}``, ``{"type": "skill", "name",
    "path"}``, ``{"type": "mention", "name", "path"}``. Text keeps ``text_elements`` (the v2
    wire keeps that snake_case key).
    """
    kind = item.get("type")
    if kind == "text":
        return {
            "type": "text",
            "text": item.get("text", ""),
            "text_elements": list(item.get("text_elements") or []),
        }
    if kind == "image":
        out: dict = {"type": "image"}
        if item.get("detail") is not None:
            out["detail"] = item["detail"]
        out["url"] = item.get("image_url", item.get("url", ""))
        return out
    if kind in ("local_image", "localImage"):
        out = {"type": "localImage"}
        if item.get("detail") is not None:
            out["detail"] = item["detail"]
        out["path"] = item.get("path", "")
        return out
    if kind in ("skill", "mention"):
        return {"type": kind, "name": item.get("name", ""), "path": item.get("path", "")}
    return dict(item)


# --------------------------------------------------------------------------- items


def user_message_item(item_id: str, content: list[dict], client_id: str | None = None) -> dict:
    """``{"type": "userMessage", "id", "clientId", "content"}`` (content already v2)."""
    return {"type": "userMessage", "id": item_id, "clientId": client_id, "content": content}


def hook_prompt_item(item_id: str, fragments: list[dict]) -> dict:
    """``{"type": "hookPrompt", "id", "fragments": [{"text", "hookRunId"}]}``."""
    return {
        "type": "hookPrompt",
        "id": item_id,
        "fragments": [
            {"text": f.get("text", ""), "hookRunId": f.get("hookRunId", f.get("hook_run_id", ""))}
            for f in fragments
        ],
    }


def agent_message_item(
    item_id: str, text: str, phase: str | None = None, memory_citation: dict | None = None
) -> dict:
    """``{"type": "agentMessage", "id", "text", "phase", "memoryCitation"}``."""
    return {
        "type": "agentMessage",
        "id": item_id,
        "text": text,
        "phase": phase,
        "memoryCitation": memory_citation,
    }


def plan_item(item_id: str, text: str) -> dict:
    return {"type": "plan", "id": item_id, "text": text}


def reasoning_item(item_id: str, summary: list[str] | None = None, content: list[str] | None = None) -> dict:
    return {
        "type": "reasoning",
        "id": item_id,
        "summary": list(summary or []),
        "content": list(content or []),
    }


def command_execution_item(
    item_id: str,
    *,
    command: str,
    cwd: str,
    process_id: str | None = None,
    source: str = "agent",
    status: str = "inProgress",
    command_actions: list[dict] | None = None,
    aggregated_output: str | None = None,
    exit_code: int | None = None,
    duration_ms: int | None = None,
) -> dict:
    """``{"type": "commandExecution", ...}`` in wire order (command already display-joined)."""
    return {
        "type": "commandExecution",
        "id": item_id,
        "command": command,
        "cwd": cwd,
        "processId": process_id,
        "source": source,
        "status": status,
        "commandActions": list(command_actions or []),
        "aggregatedOutput": aggregated_output,
        "exitCode": exit_code,
        "durationMs": duration_ms,
    }


def file_change_item(item_id: str, changes: list[dict], status: str) -> dict:
    """``{"type": "fileChange", "id", "changes", "status"}`` (changes already v2)."""
    return {"type": "fileChange", "id": item_id, "changes": changes, "status": status}


def mcp_tool_call_item(
    item_id: str,
    *,
    server: str,
    tool: str,
    status: str,
    arguments: Any = None,
    mcp_app_resource_uri: str | None = None,
    plugin_id: str | None = None,
    result: dict | None = None,
    error: dict | None = None,
    duration_ms: int | None = None,
) -> dict:
    """``{"type": "mcpToolCall", ...}``; ``mcpAppResourceUri`` is omitted when ``None``."""
    out: dict = {
        "type": "mcpToolCall",
        "id": item_id,
        "server": server,
        "tool": tool,
        "status": status,
        "arguments": arguments,
    }
    if mcp_app_resource_uri is not None:
        out["mcpAppResourceUri"] = mcp_app_resource_uri
    out["pluginId"] = plugin_id
    out["result"] = result
    out["error"] = error
    out["durationMs"] = duration_ms
    return out


def dynamic_tool_content_items(items: list[dict] | None) -> list[dict] | None:
    """core ``DynamicToolCallOutputContentItem`` (``input_text``/``input_image``) -> v2."""
    if items is None:
        return None
    out = []
    for item in items:
        kind = item.get("type")
        if kind in ("input_text", "inputText"):
            out.append({"type": "inputText", "text": item.get("text", "")})
        elif kind in ("input_image", "inputImage"):
            out.append(
                {"type": "inputImage", "imageUrl": item.get("image_url", item.get("imageUrl", ""))}
            )
        else:
            out.append(dict(item))
    return out


def dynamic_tool_call_item(
    item_id: str,
    *,
    tool: str,
    arguments: Any,
    status: str,
    namespace: str | None = None,
    content_items: list[dict] | None = None,
    success: bool | None = None,
    duration_ms: int | None = None,
) -> dict:
    return {
        "type": "dynamicToolCall",
        "id": item_id,
        "namespace": namespace,
        "tool": tool,
        "arguments": arguments,
        "status": status,
        "contentItems": content_items,
        "success": success,
        "durationMs": duration_ms,
    }


def web_search_action_to_v2(action: dict | None) -> dict | None:
    """core ``WebSearchAction`` (``search``/``open_page``/``find_in_page``/``other``) -> v2."""
    if action is None:
        return None
    kind = action.get("type")
    if kind == "search":
        return {"type": "search", "query": action.get("query"), "queries": action.get("queries")}
    if kind in ("open_page", "openPage"):
        return {"type": "openPage", "url": action.get("url")}
    if kind in ("find_in_page", "findInPage"):
        return {"type": "findInPage", "url": action.get("url"), "pattern": action.get("pattern")}
    return {"type": "other"}


def web_search_item(item_id: str, query: str, action: dict | None = None) -> dict:
    """``{"type": "webSearch", "id", "query", "action"}`` (action already v2)."""
    return {"type": "webSearch", "id": item_id, "query": query, "action": action}


def image_view_item(item_id: str, path: str) -> dict:
    return {"type": "imageView", "id": item_id, "path": path}


def image_generation_item(
    item_id: str,
    *,
    status: str,
    result: str,
    revised_prompt: str | None = None,
    saved_path: str | None = None,
) -> dict:
    """``savedPath`` is omitted when ``None`` (``skip_serializing_if``)."""
    out: dict = {
        "type": "imageGeneration",
        "id": item_id,
        "status": status,
        "revisedPrompt": revised_prompt,
        "result": result,
    }
    if saved_path is not None:
        out["savedPath"] = saved_path
    return out


def entered_review_mode_item(item_id: str, review: str) -> dict:
    return {"type": "enteredReviewMode", "id": item_id, "review": review}


def exited_review_mode_item(item_id: str, review: str) -> dict:
    return {"type": "exitedReviewMode", "id": item_id, "review": review}


def context_compaction_item(item_id: str) -> dict:
    return {"type": "contextCompaction", "id": item_id}


# --------------------------------------------------------------------------- exec / patch


def command_actions_from_parsed(parsed_cmd: list[dict] | None, cwd: str) -> list[dict]:
    """core ``ParsedCommand`` (serde ``{"type": "read"|"list_files"|"search"|"unknown",
    "cmd", ...}``) -> v2 ``CommandAction`` (``read`` paths are joined onto ``cwd``)."""
    out: list[dict] = []
    for parsed in parsed_cmd or []:
        kind = parsed.get("type")
        cmd = parsed.get("cmd", parsed.get("command", ""))
        if kind == "read":
            path = parsed.get("path", "")
            out.append(
                {
                    "type": "read",
                    "command": cmd,
                    "name": parsed.get("name", ""),
                    "path": posixpath.join(cwd, path) if cwd else path,
                }
            )
        elif kind in ("list_files", "listFiles"):
            out.append({"type": "listFiles", "command": cmd, "path": parsed.get("path")})
        elif kind == "search":
            out.append(
                {
                    "type": "search",
                    "command": cmd,
                    "query": parsed.get("query"),
                    "path": parsed.get("path"),
                }
            )
        else:
            out.append({"type": "unknown", "command": cmd})
    return out


def _patch_change_kind(change: dict) -> dict:
    kind = change.get("type")
    if kind == "add":
        return {"type": "add"}
    if kind == "delete":
        return {"type": "delete"}
    return {"type": "update", "move_path": change.get("move_path")}


def _patch_change_diff(change: dict) -> str:
    kind = change.get("type")
    if kind in ("add", "delete"):
        return change.get("content", "")
    diff = change.get("unified_diff", "")
    move_path = change.get("move_path")
    if move_path:
        return f"{diff}\n\nMoved to: {move_path}"
    return diff


def convert_patch_changes(changes: dict[str, dict] | None) -> list[dict]:
    """core ``{path: FileChange}`` -> v2 ``[{"path", "kind", "diff"}]`` sorted by path.

    ``FileChange``: ``{"type": "add", "content"}``, ``{"type": "delete", "content"}``,
    ``{"type": "update", "unified_diff", "move_path"}``.
    """
    converted = [
        {"path": path, "kind": _patch_change_kind(change), "diff": _patch_change_diff(change)}
        for path, change in (changes or {}).items()
    ]
    converted.sort(key=lambda c: c["path"])
    return converted


# --------------------------------------------------------------------------- TurnItem


def memory_citation_to_v2(citation: dict | None) -> dict | None:
    """core ``MemoryCitation`` ``{entries: [{path, line_start, line_end, note}], rollout_ids}``
    -> v2 ``{entries: [{path, lineStart, lineEnd, note}], threadIds}``."""
    if citation is None:
        return None
    entries = [
        {
            "path": e.get("path", ""),
            "lineStart": e.get("line_start", e.get("lineStart", 0)),
            "lineEnd": e.get("line_end", e.get("lineEnd", 0)),
            "note": e.get("note", ""),
        }
        for e in citation.get("entries") or []
    ]
    thread_ids = citation.get("thread_ids", citation.get("rollout_ids", citation.get("threadIds", [])))
    return {"entries": entries, "threadIds": list(thread_ids or [])}


def _agent_message_text(content: list[dict] | None) -> str:
    return "".join(
        c.get("text", "") for c in (content or []) if c.get("type") in ("Text", "text")
    )


def thread_item_from_turn_item(turn_item: dict, *, status_hint: str | None = None) -> dict | None:
    """core ``TurnItem`` (serde tag ``type`` = variant name) -> v2 ``ThreadItem``.

    Handled variants: ``UserMessage``, ``HookPrompt``, ``AgentMessage``, ``Plan``,
    ``Reasoning``, ``WebSearch``, ``ImageView``, ``ImageGeneration``, ``ContextCompaction``,
    ``FileChange``, ``McpToolCall``, ``DynamicToolCall``, ``CommandExecution``. Returns
    ``None`` for variants without a v2 item (``Sleep``, ``SubAgentActivity``, unknown).
    ``status_hint`` is used for ``FileChange`` items that carry no ``status`` (started items).
    """
    kind = turn_item.get("type")
    item_id = turn_item.get("id", "")
    if kind == "UserMessage":
        return user_message_item(
            item_id,
            [user_input_to_v2(c) for c in turn_item.get("content") or []],
            turn_item.get("client_id"),
        )
    if kind == "HookPrompt":
        return hook_prompt_item(item_id, turn_item.get("fragments") or [])
    if kind == "AgentMessage":
        return agent_message_item(
            item_id,
            _agent_message_text(turn_item.get("content")),
            turn_item.get("phase"),
            memory_citation_to_v2(turn_item.get("memory_citation")),
        )
    if kind == "Plan":
        return plan_item(item_id, turn_item.get("text", ""))
    if kind == "Reasoning":
        return reasoning_item(
            item_id, turn_item.get("summary_text") or [], turn_item.get("raw_content") or []
        )
    if kind == "WebSearch":
        return web_search_item(
            item_id, turn_item.get("query", ""), web_search_action_to_v2(turn_item.get("action"))
        )
    if kind == "ImageView":
        return image_view_item(item_id, str(turn_item.get("path", "")))
    if kind == "ImageGeneration":
        return image_generation_item(
            item_id,
            status=turn_item.get("status", ""),
            result=turn_item.get("result", ""),
            revised_prompt=turn_item.get("revised_prompt"),
            saved_path=turn_item.get("saved_path"),
        )
    if kind == "ContextCompaction":
        return context_compaction_item(item_id)
    if kind == "FileChange":
        status = turn_item.get("status") or status_hint or "inProgress"
        return file_change_item(item_id, convert_patch_changes(turn_item.get("changes")), status)
    if kind == "McpToolCall":
        result = turn_item.get("result")
        error = turn_item.get("error")
        return mcp_tool_call_item(
            item_id,
            server=turn_item.get("server", ""),
            tool=turn_item.get("tool", ""),
            status=turn_item.get("status", "inProgress"),
            arguments=turn_item.get("arguments"),
            mcp_app_resource_uri=turn_item.get("mcpAppResourceUri", turn_item.get("mcp_app_resource_uri")),
            plugin_id=turn_item.get("pluginId", turn_item.get("plugin_id")),
            result=mcp_result_to_v2(result) if result is not None else None,
            error={"message": error.get("message", "")} if isinstance(error, dict) else None,
            duration_ms=duration_to_ms(turn_item.get("duration")),
        )
    if kind == "DynamicToolCall":
        return dynamic_tool_call_item(
            item_id,
            namespace=turn_item.get("namespace"),
            tool=turn_item.get("tool", ""),
            arguments=turn_item.get("arguments"),
            status=turn_item.get("status", "inProgress"),
            content_items=dynamic_tool_content_items(
                turn_item.get("contentItems", turn_item.get("content_items"))
            ),
            success=turn_item.get("success"),
            duration_ms=duration_to_ms(turn_item.get("duration")),
        )
    if kind == "CommandExecution":
        cwd = str(turn_item.get("cwd", ""))
        aggregated = turn_item.get("aggregatedOutput", turn_item.get("aggregated_output"))
        return command_execution_item(
            item_id,
            command=command_display_string(turn_item.get("command") or []),
            cwd=cwd,
            process_id=turn_item.get("processId", turn_item.get("process_id")),
            source=exec_source_to_v2(turn_item.get("source")),
            status=turn_item.get("status", "inProgress"),
            command_actions=command_actions_from_parsed(
                turn_item.get("parsedCmd", turn_item.get("parsed_cmd")), cwd
            ),
            aggregated_output=aggregated or None,
            exit_code=turn_item.get("exitCode", turn_item.get("exit_code")),
            duration_ms=duration_to_ms(turn_item.get("duration")),
        )
    return None


def exec_source_to_v2(source: str | None) -> str:
    """core ``ExecCommandSource`` (``agent``, ``user_shell``, ``unified_exec_startup``,
    ``unified_exec_interaction``) -> v2 ``CommandExecutionSource`` (camelCase)."""
    return camelize(source) if source else "agent"


def mcp_result_to_v2(result: dict) -> dict:
    """MCP ``CallToolResult`` (``content``, ``structuredContent``?, ``isError``?, ``_meta``?)
    -> v2 ``McpToolCallResult`` ``{"content", "structuredContent", "_meta"}``."""
    return {
        "content": list(result.get("content") or []),
        "structuredContent": result.get("structuredContent", result.get("structured_content")),
        "_meta": result.get("_meta", result.get("meta")),
    }


# --------------------------------------------------------------------------- Turn


def turn_object(
    turn_id: str,
    *,
    status: str,
    error: dict | None = None,
    started_at: int | None = None,
    completed_at: int | None = None,
    duration_ms: int | None = None,
    items: list[dict] | None = None,
    items_view: str = "notLoaded",
) -> dict:
    """v2 ``Turn`` as sent in ``turn/started`` / ``turn/completed`` (items are always ``[]``
    with ``itemsView: "notLoaded"`` on those notifications)."""
    return {
        "id": turn_id,
        "items": list(items or []),
        "itemsView": items_view,
        "status": status,
        "error": error,
        "startedAt": started_at,
        "completedAt": completed_at,
        "durationMs": duration_ms,
    }
