"""The app-server's other thread-level methods (upstream app-server/src/codex_message_processor.rs):
thread/name/set, thread/turns/list, thread/turns/items/list, thread/goal/{get,set,clear},
thread/inject_items, thread/memoryMode/set, thread/backgroundTerminals/clean,
getConversationSummary, thread/metadata/update, thread/settings/update, thread/rollback,
thread/fork, thread/archive, thread/unarchive, thread/search, thread/shellCommand,
gitDiffToRemote, review/start; and thread/read, thread/resume with their turns rebuilt from the
rollout (`thread_history`).

Registered after `codex.app_server.threads` (see `server.HANDLER_MODULES`): the service is the
one that module keeps in ``conn.server.state["threads"]``; ``thread/read`` and
``thread/resume`` registered here replace the ones registered there.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import datetime, timezone
from typing import Any

from . import thread_history as th
from .threads import RpcError

INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601

# method -> handler (params, svc, conn)
_METHODS: dict[str, Any] = {}


def _method(name: str):
    def deco(fn):
        _METHODS[name] = fn
        return fn
    return deco


# -- helpers ---------------------------------------------------------------------------------


def _codex_home(svc: Any) -> str:
    if svc.codex_home:
        return svc.codex_home
    from codex.config.loader import find_codex_home
    return find_codex_home()


def _epoch(ts: str | None) -> int | None:
    if not isinstance(ts, str) or not ts:
        return None
    try:
        return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _git_v2(git: Any) -> dict[str, Any] | None:
    if not isinstance(git, dict):
        return None
    return {"sha": git.get("commit_hash"), "branch": git.get("branch"),
            "originUrl": git.get("repository_url")}


def _latest_meta(lines: list[tuple[str, dict[str, Any]]], thread_id: str | None = None) -> dict[str, Any] | None:
    """The thread's own session_meta as last written (memory mode, git metadata updates)."""
    first = None
    latest = None
    for kind, payload in lines:
        if kind != "session_meta":
            continue
        if first is None:
            first = payload
            thread_id = thread_id or payload.get("id")
        if payload.get("id") == thread_id:
            latest = payload
    return latest or first


def _first_user_message(lines: list[tuple[str, dict[str, Any]]]) -> str:
    for kind, payload in lines:
        if kind == "event_msg" and payload.get("type") == "user_message":
            return payload.get("message") or ""
    return ""


def _thread_name(svc: Any, thread_id: str) -> str | None:
    from codex.rollout.list import find_thread_name_by_id
    try:
        return find_thread_name_by_id(_codex_home(svc), thread_id)
    except OSError:
        return None


async def _flush(t: Any) -> None:
    rec = getattr(t.session, "recorder", None)
    if rec is not None and hasattr(rec, "aflush"):
        try:
            await rec.aflush()
        except Exception:  # noqa: BLE001
            pass


def _rollout_lines(path: str | None) -> list[tuple[str, dict[str, Any]]]:
    return th.read_rollout_lines(path) if path and os.path.exists(path) else []


def thread_from_rollout(svc: Any, path: str, *, status: dict[str, Any] | None = None,
                        include_turns: bool = False) -> dict[str, Any]:
    """The v2 Thread of a thread that is not loaded, from its rollout file."""
    lines = _rollout_lines(path)
    meta = _latest_meta(lines) or {}
    first_meta = next((p for k, p in lines if k == "session_meta"), {})
    tid = first_meta.get("id") or ""
    source = first_meta.get("source")
    try:
        updated = int(os.stat(path).st_mtime)
    except OSError:
        updated = 0
    return {
        "id": tid, "sessionId": tid, "forkedFromId": first_meta.get("forked_from_id"),
        "preview": _first_user_message(lines), "ephemeral": False,
        "modelProvider": first_meta.get("model_provider") or "",
        "createdAt": _epoch(first_meta.get("timestamp")) or 0, "updatedAt": updated,
        "status": status or {"type": "notLoaded"}, "path": path, "cwd": first_meta.get("cwd") or "",
        "cliVersion": first_meta.get("cli_version") or "",
        "source": source if isinstance(source, str) else "unknown", "threadSource": None,
        "agentNickname": first_meta.get("agent_nickname"), "agentRole": first_meta.get("agent_role"),
        "gitInfo": _git_v2(meta.get("git")), "name": _thread_name(svc, tid),
        "turns": th.build_turns_from_rollout_items(lines) if include_turns else [],
    }


def thread_object(svc: Any, t: Any, *, include_turns: bool = False,
                  lines: list[tuple[str, dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The v2 Thread of a loaded thread: the service's, with what the rollout knows (name, git
    metadata, fork origin, preview of a resumed thread, turns)."""
    base = svc.thread_json(t)
    s = t.session
    if lines is None:
        lines = _rollout_lines(s.rollout_path)
    meta = _latest_meta(lines, s.thread_id) or {}
    first_meta = next((p for k, p in lines if k == "session_meta"), {})
    base["forkedFromId"] = first_meta.get("forked_from_id") if first_meta.get("id") == s.thread_id else None
    if not base.get("preview"):
        base["preview"] = t.preview or _first_user_message(lines)
    base["gitInfo"] = _git_v2(meta.get("git")) if meta.get("git") else base.get("gitInfo")
    base["name"] = _thread_name(svc, s.thread_id)
    base["turns"] = th.build_turns_from_rollout_items(lines) if include_turns else []
    return base


def _find_path(svc: Any, thread_id: str, *, archived: bool | None = False) -> str | None:
    from codex.rollout.list import find_thread_path_by_id
    home = _codex_home(svc)
    if archived is None:
        return find_thread_path_by_id(home, thread_id) or find_thread_path_by_id(home, thread_id, archived=True)
    return find_thread_path_by_id(home, thread_id, archived=archived)


def _loaded(svc: Any, params: dict[str, Any]) -> Any:
    tid = params.get("threadId")
    t = svc.threads.get(tid)
    if t is None:
        raise RpcError(f"thread not found: {tid}", INVALID_REQUEST)
    return t


def _record(t: Any, *items: tuple[str, Any]) -> None:
    rec = getattr(t.session, "recorder", None)
    if rec is not None:
        rec.record_items(items)


def _meta_struct(t: Any, lines: list[tuple[str, dict[str, Any]]]) -> Any:
    """The thread's latest session_meta as the protocol struct (to write an updated copy)."""
    from codex.protocol.rollout import SessionMeta
    import msgspec
    meta = _latest_meta(lines, t.session.thread_id)
    if meta is None:
        return None
    try:
        return msgspec.convert(meta, SessionMeta)
    except Exception:  # noqa: BLE001
        return None


# -- thread/read, thread/resume ----------------------------------------------------------------


@_method("thread/read")
async def thread_read(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    tid = params.get("threadId")
    include = bool(params.get("includeTurns"))
    t = svc.threads.get(tid)
    if t is not None:
        await _flush(t)
        return {"thread": thread_object(svc, t, include_turns=include)}
    path = _find_path(svc, tid or "", archived=None)
    if path is None:
        raise RpcError(f"thread not loaded: {tid}", INVALID_REQUEST)
    return {"thread": thread_from_rollout(svc, path, include_turns=include)}


def _last_turn_context(lines: list[tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    out = None
    for kind, payload in lines:
        if kind == "turn_context":
            out = payload
        elif kind == "event_msg" and payload.get("type") == "thread_rolled_back":
            pass
    return out


@_method("thread/resume")
async def thread_resume(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    tid = params.get("threadId")
    was_loaded = tid in svc.threads
    result = await svc.thread_resume(params)
    t = svc.threads.get(result["thread"]["id"])
    if t is None:
        return result
    lines = _rollout_lines(t.session.rollout_path)
    if not was_loaded:
        ctx = _last_turn_context(lines)
        if ctx is not None and ctx.get("effort") and not params.get("config", {}).get("model_reasoning_effort"):
            t.session.settings.reasoning_effort = ctx["effort"]
            result["reasoningEffort"] = ctx["effort"]
        if not t.preview:
            t.preview = _first_user_message(lines)
    result["thread"] = thread_object(svc, t, include_turns=True, lines=lines)
    result["initialTurnsPage"] = None
    return result


# -- names, turns ----------------------------------------------------------------------------


@_method("thread/name/set")
async def thread_name_set(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    from codex.rollout.list import append_thread_name
    tid = params.get("threadId") or ""
    name = (params.get("name") or "").strip()
    if not name:
        raise RpcError("thread name must not be empty", INVALID_REQUEST)
    if tid not in svc.threads and _find_path(svc, tid, archived=None) is None:
        raise RpcError(f"thread not found: {tid}", INVALID_REQUEST)
    append_thread_name(_codex_home(svc), tid, name)
    params_n = {"threadId": tid, "threadName": name}
    conn.after_response(lambda: _broadcast(conn, tid, "thread/name/updated", params_n))
    return {}


def _broadcast(conn: Any, thread_id: str, method: str, params: dict[str, Any]) -> None:
    subs = conn.server.state.get("thread_subscribers", {}).get(thread_id) or set()
    targets = set(subs) | {conn}
    for c in targets:
        c.notify(method, params)


def _thread_turns(svc: Any, tid: str) -> list[dict[str, Any]]:
    t = svc.threads.get(tid)
    path = t.session.rollout_path if t is not None else _find_path(svc, tid, archived=None)
    if path is None:
        raise RpcError(f"thread not found: {tid}", INVALID_REQUEST)
    return th.build_turns_from_rollout_file(path)


@_method("thread/turns/list")
async def thread_turns_list(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    tid = params.get("threadId") or ""
    t = svc.threads.get(tid)
    if t is not None:
        await _flush(t)
    turns = _thread_turns(svc, tid)
    view = params.get("itemsView") or "summary"
    for turn in turns:
        turn["itemsView"] = view
        if view == "notLoaded":
            turn["items"] = []
    desc = (params.get("sortDirection") or "desc") == "desc"
    ordered = list(reversed(turns)) if desc else list(turns)
    cursor = params.get("cursor")
    if cursor:
        try:
            c = json.loads(cursor)
            ids = [x["id"] for x in ordered]
            idx = ids.index(c.get("turnId"))
            ordered = ordered[idx if c.get("includeAnchor") else idx + 1:]
        except (ValueError, TypeError, AttributeError, KeyError):
            raise RpcError(f"invalid cursor: {cursor}", INVALID_REQUEST) from None
    limit = params.get("limit")
    next_cursor = None
    if isinstance(limit, int) and limit > 0 and len(ordered) > limit:
        ordered = ordered[:limit]
        next_cursor = json.dumps({"turnId": ordered[-1]["id"], "includeAnchor": False},
                                 separators=(",", ":"))
    backwards = (json.dumps({"turnId": ordered[0]["id"], "includeAnchor": True}, separators=(",", ":"))
                 if ordered else None)
    return {"data": ordered, "nextCursor": next_cursor, "backwardsCursor": backwards}


@_method("thread/turns/items/list")
async def thread_turns_items_list(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    raise RpcError("thread/turns/items/list is not supported yet", METHOD_NOT_FOUND)


# -- goals -----------------------------------------------------------------------------------


def _goal_v2(row: dict[str, Any]) -> dict[str, Any]:
    from codex.tools.handlers.goals import goal_json
    g = goal_json(row)
    return {"threadId": g["threadId"], "objective": g["objective"], "status": g["status"],
            "tokenBudget": g.get("tokenBudget"), "tokensUsed": g["tokensUsed"],
            "timeUsedSeconds": g["timeUsedSeconds"], "createdAt": g["createdAt"],
            "updatedAt": g["updatedAt"]}


def _goal_store(svc: Any) -> Any:
    from codex.tools.handlers.goals import GoalStore
    return GoalStore(_codex_home(svc))


@_method("thread/goal/get")
async def thread_goal_get(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    store = _goal_store(svc)
    try:
        row = store.get(params.get("threadId") or "")
    finally:
        store.close()
    return {"goal": _goal_v2(row) if row else None}


_DB_STATUS = {"active": "active", "paused": "paused", "blocked": "blocked",
              "usageLimited": "usage_limited", "budgetLimited": "budget_limited",
              "complete": "complete"}


@_method("thread/goal/set")
async def thread_goal_set(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    tid = params.get("threadId") or ""
    store = _goal_store(svc)
    try:
        row = store.get(tid)
        objective = params.get("objective")
        status = params.get("status")
        if objective is not None:
            if row is not None:
                store.clear(tid)
            row = store.create(tid, objective, params.get("tokenBudget"))
        elif row is None:
            raise RpcError(f"thread {tid} has no goal", INVALID_REQUEST)
        elif params.get("tokenBudget") is not None:
            store._conn.execute("UPDATE thread_goals SET token_budget = ? WHERE thread_id = ?",
                                (params["tokenBudget"], tid))
            row = store.get(tid)
        if status is not None and row is not None and row["status"] not in ("budget_limited",):
            row = store.set_status(tid, _DB_STATUS.get(status, status))
        row = store.get(tid)
    finally:
        store.close()
    goal = _goal_v2(row)
    note = {"threadId": tid, "turnId": None, "goal": goal}
    conn.after_response(lambda: _broadcast(conn, tid, "thread/goal/updated", note))
    return {"goal": goal}


@_method("thread/goal/clear")
async def thread_goal_clear(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    tid = params.get("threadId") or ""
    store = _goal_store(svc)
    try:
        cleared = store.clear(tid)
    finally:
        store.close()
    if cleared:
        conn.after_response(lambda: _broadcast(conn, tid, "thread/goal/cleared", {"threadId": tid}))
    return {"cleared": cleared}


# -- history edits, settings -------------------------------------------------------------------


@_method("thread/inject_items")
async def thread_inject_items(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    t = _loaded(svc, params)
    items = params.get("items") or []
    for item in items:
        if not isinstance(item, dict):
            raise RpcError("items must be Responses API items", INVALID_REQUEST)
    for item in items:
        t.session.history.append(dict(item))
    _record(t, *[("response_item", dict(i)) for i in items])
    return {}


@_method("thread/memoryMode/set")
async def thread_memory_mode_set(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    import msgspec
    t = _loaded(svc, params)
    await _flush(t)
    meta = _meta_struct(t, _rollout_lines(t.session.rollout_path))
    if meta is not None:
        _record(t, ("session_meta", msgspec.structs.replace(meta, memory_mode=params.get("mode") or "enabled")))
    return {}


@_method("thread/backgroundTerminals/clean")
async def thread_background_terminals_clean(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    t = _loaded(svc, params)
    ue = getattr(t.session, "_unified_exec", None)
    if ue is not None:
        try:
            ue.terminate_all_processes()
        except Exception:  # noqa: BLE001
            pass
    return {}


@_method("thread/metadata/update")
async def thread_metadata_update(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    import msgspec
    from codex.protocol.rollout import GitInfo
    tid = params.get("threadId") or ""
    t = svc.threads.get(tid)
    upd = params.get("gitInfo")
    if t is None:
        path = _find_path(svc, tid, archived=None)
        if path is None:
            raise RpcError(f"thread not found: {tid}", INVALID_REQUEST)
        return {"thread": thread_from_rollout(svc, path)}
    await _flush(t)
    lines = _rollout_lines(t.session.rollout_path)
    meta = _meta_struct(t, lines)
    if isinstance(upd, dict) and meta is not None:
        git = meta.git if isinstance(meta.git, GitInfo) else GitInfo()
        fields = {"sha": "commit_hash", "branch": "branch", "originUrl": "repository_url"}
        for k, f in fields.items():
            if k in upd:
                v = upd[k]
                git = msgspec.structs.replace(git, **{f: v if v is not None else msgspec.UNSET})
        _record(t, ("session_meta", msgspec.structs.replace(meta, git=git)))
        await _flush(t)
        lines = _rollout_lines(t.session.rollout_path)
    return {"thread": thread_object(svc, t, lines=lines)}


def _thread_settings(svc: Any, t: Any) -> dict[str, Any]:
    from .threads import sandbox_v2
    st = t.session.settings
    overrides = getattr(t, "_settings_overrides", {})
    return {
        "cwd": st.cwd, "approvalPolicy": st.approval_policy, "approvalsReviewer": "user",
        "sandboxPolicy": sandbox_v2(st.sandbox_policy.to_json()),
        "activePermissionProfile": (None if t.explicit_sandbox
                                    else {"id": ":" + st.sandbox_mode, "extends": None}),
        "model": st.model, "modelProvider": st.provider_id, "serviceTier": overrides.get("serviceTier"),
        "effort": st.reasoning_effort, "summary": overrides.get("summary"),
        "collaborationMode": {"mode": "default", "settings": {
            "model": st.model, "reasoning_effort": st.reasoning_effort,
            "developer_instructions": None}},
        "personality": getattr(st, "personality", None),
    }


@_method("thread/settings/update")
async def thread_settings_update(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    from .threads import _apply_turn_overrides
    t = _loaded(svc, params)
    _apply_turn_overrides(t.session.settings, params)
    ov = t.__dict__.setdefault("_settings_overrides", {})
    for k in ("summary", "serviceTier"):
        if k in params:
            ov[k] = params[k]
    if params.get("sandboxPolicy") is not None:
        t.explicit_sandbox = True
    tid = t.session.thread_id
    note = {"threadId": tid, "threadSettings": _thread_settings(svc, t)}
    conn.after_response(lambda: _broadcast(conn, tid, "thread/settings/updated", note))
    return {}


@_method("getConversationSummary")
async def get_conversation_summary(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    path = params.get("rolloutPath")
    if path:
        if not os.path.isabs(path):
            path = os.path.join(_codex_home(svc), path)
        if not os.path.exists(path):
            raise RpcError(f"failed to resolve rollout path `{path}`: No such file or directory (os error 2)",
                           INVALID_REQUEST)
    else:
        cid = params.get("conversationId") or ""
        t = svc.threads.get(cid)
        if t is not None:
            await _flush(t)
            path = t.session.rollout_path
        else:
            path = _find_path(svc, cid, archived=None)
        if not path or not os.path.exists(path):
            raise RpcError(f"no rollout found for conversation id {cid}", INVALID_REQUEST)
    lines = _rollout_lines(path)
    first = next((p for k, p in lines if k == "session_meta"), {})
    meta = _latest_meta(lines) or first
    source = first.get("source")
    ts = first.get("timestamp")
    return {"summary": {
        "conversationId": first.get("id"), "path": path, "preview": _first_user_message(lines),
        "timestamp": ts, "updatedAt": ts, "modelProvider": first.get("model_provider"),
        "cwd": first.get("cwd"), "cliVersion": first.get("cli_version"),
        "source": source if isinstance(source, str) else "unknown",
        "gitInfo": _git_v2(meta.get("git")),
    }}


# -- registration ----------------------------------------------------------------------------


def register_methods(registry: Any) -> None:
    ensure_handler = registry.get("thread/loaded/list")

    async def get_service(conn: Any) -> Any:
        svc = conn.server.state.get("threads")
        if svc is None and ensure_handler is not None:
            await ensure_handler({}, conn)   # creates the service (threads.register_methods)
            svc = conn.server.state.get("threads")
        return svc

    def make(name: str, fn: Any):
        async def handler(params: Any, conn: Any) -> Any:
            from .server import JsonRpcError
            svc = await get_service(conn)
            p = dict(params or {})
            info = getattr(conn, "client_info", None) or {}
            if svc.source != "exec" and isinstance(info, dict) and info.get("name"):
                p["_originator"] = info["name"]
                p["_client_version"] = str(info.get("version") or "")
            if name == "thread/resume" and p.get("threadId"):
                conn.server.state.setdefault("thread_subscribers", {}).setdefault(
                    p["threadId"], set()).add(conn)
            try:
                return await fn(p, svc, conn)
            except RpcError as exc:
                raise JsonRpcError(exc.code, exc.message) from None
        return handler

    for name, fn in _METHODS.items():
        registry.register(name, make(name, fn))
