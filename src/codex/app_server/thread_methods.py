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
    cwd = first_meta.get("cwd") or ""
    if cwd and not os.path.isabs(cwd):
        cwd = os.path.join(os.getcwd(), cwd)
    return {
        "id": tid, "sessionId": tid, "forkedFromId": first_meta.get("forked_from_id"),
        "preview": _first_user_message(lines), "ephemeral": False,
        "modelProvider": first_meta.get("model_provider") or "",
        "createdAt": _epoch(first_meta.get("timestamp")) or 0, "updatedAt": updated,
        "status": status or {"type": "notLoaded"}, "path": path, "cwd": cwd,
        "cliVersion": first_meta.get("cli_version") or "",
        "source": source if isinstance(source, str) else "unknown", "threadSource": None,
        "agentNickname": first_meta.get("agent_nickname"), "agentRole": first_meta.get("agent_role"),
        "gitInfo": _git_v2(meta.get("git")), "name": _thread_name(svc, tid),
        "turns": th.interrupt_dangling(th.build_turns_from_rollout_items(lines)) if include_turns else [],
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
    created = _epoch(first_meta.get("timestamp")) if first_meta.get("id") == s.thread_id else None
    if created:
        base["createdAt"] = created
    if not base.get("preview"):
        base["preview"] = t.preview or _first_user_message(lines)
    base["gitInfo"] = _git_v2(meta.get("git")) if meta.get("git") else base.get("gitInfo")
    base["name"] = _thread_name(svc, s.thread_id)
    turns = th.build_turns_from_rollout_items(lines) if include_turns else []
    if not _running(t):
        th.interrupt_dangling(turns)
    base["turns"] = turns
    return base


def _running(t: Any) -> bool:
    return t.turn_task is not None and not t.turn_task.done()


def _find_path(svc: Any, thread_id: str, *, archived: bool | None = False) -> str | None:
    from codex.rollout.list import find_thread_path_by_id
    home = _codex_home(svc)
    if archived is None:
        return find_thread_path_by_id(home, thread_id) or find_thread_path_by_id(home, thread_id, archived=True)
    return find_thread_path_by_id(home, thread_id, archived=archived)


def _loaded(svc: Any, params: dict[str, Any]) -> Any:
    tid = _check_id(params.get("threadId"))
    t = svc.threads.get(tid)
    if t is None:
        raise RpcError(f"thread not found: {tid}", INVALID_REQUEST)
    return t


async def _settled(svc: Any, t: Any, timeout: float = 5.0) -> bool:
    """True when no turn is running. A turn whose turn/completed is out (the mapper says idle)
    but whose task is still finishing (rollout flush) is waited for."""
    task = t.turn_task
    if task is None or task.done():
        return True
    status = svc._status(t)
    if isinstance(status, dict) and status.get("type") == "active":
        return False
    await asyncio.wait([task], timeout=timeout)
    return task.done()


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


_UUID_BLOCK_STARTS = (0, 9, 14, 19, 24)
_UUID_GROUP_LENS = (8, 4, 4, 4, 12)


def uuid_parse_error(text: str) -> str | None:
    """None when `text` parses as a UUID (the uuid crate's formats), else the crate's error
    message (`InvalidUuid::into_err`)."""
    import re
    hexd = "[0-9a-fA-F]"
    hyph = f"{hexd}{{8}}-{hexd}{{4}}-{hexd}{{4}}-{hexd}{{4}}-{hexd}{{12}}"
    if (re.fullmatch(f"{hexd}{{32}}", text) or re.fullmatch(hyph, text)
            or re.fullmatch("\\{" + hyph + "\\}", text) or re.fullmatch("urn:uuid:" + hyph, text)):
        return None
    if len(text) >= 2 and text[0] == "{" and text[-1] == "}":
        body, offset, simple = text[1:-1], 1, False
    elif text.startswith("urn:uuid:"):
        body, offset, simple = text[len("urn:uuid:"):], len("urn:uuid:"), False
    else:
        body, offset, simple = text, 0, True
    hyphens = 0
    bounds = [0, 0, 0, 0]
    index = 0
    for ch in body:
        if ord(ch) > 0x7F or (ch != "-" and ch not in "0123456789abcdefABCDEF"):
            return ("invalid character: expected an optional prefix of `urn:uuid:` followed by "
                    f"[0-9a-fA-F-], found `{ch}` at {index + offset + 1}")
        if ch == "-":
            if hyphens < 4:
                bounds[hyphens] = index
            hyphens += 1
        index += len(ch.encode())
    total = len(text.encode())
    if hyphens == 0 and simple:
        return f"invalid length: expected length 32 for simple format, found {total}"
    if hyphens != 4:
        return f"invalid group count: expected 5, found {hyphens + 1}"
    for i in range(4):
        if bounds[i] != _UUID_BLOCK_STARTS[i + 1] - 1:
            return (f"invalid group length in group {i}: expected {_UUID_GROUP_LENS[i]}, "
                    f"found {bounds[i] - _UUID_BLOCK_STARTS[i]}")
    return (f"invalid group length in group 4: expected 12, "
            f"found {total - _UUID_BLOCK_STARTS[4]}")


def _check_id(tid: Any, what: str = "thread") -> str:
    """The id, or the reference's error for one that is not a UUID (`what`: "thread" or
    "session", as each method words it)."""
    tid = tid if isinstance(tid, str) else ""
    err = uuid_parse_error(tid)
    if err is not None:
        raise RpcError(f"invalid {what} id: {err}", INVALID_REQUEST)
    return tid


def _exists(svc: Any, tid: str) -> bool:
    return tid in svc.threads or _find_path(svc, tid, archived=None) is not None


# -- thread/read, thread/resume ----------------------------------------------------------------


@_method("thread/read")
async def thread_read(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    tid = _check_id(params.get("threadId"))
    include = bool(params.get("includeTurns"))
    t = svc.threads.get(tid)
    if t is not None:
        if include and t.session.settings.ephemeral:
            raise RpcError("ephemeral threads do not support includeTurns", INVALID_REQUEST)
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
    """A thread still loaded (unsubscribed threads stay loaded) is joined as it is, unless a
    different cwd is asked for and nobody else is subscribed: then it is reloaded (notLoaded,
    then idle). A thread loaded from its rollout goes on in the cwd it ran in."""
    tid = params.get("threadId")
    if not params.get("path"):
        _check_id(tid, "session")
    seen = conn.server.state.setdefault("threads_seen", set())
    reloaded = False
    current = svc.threads.get(tid)
    if current is not None and params.get("cwd") \
            and os.path.abspath(params["cwd"]) != current.session.settings.cwd \
            and not _running(current):
        others = set(conn.server.state.get("thread_subscribers", {}).get(tid) or ()) - {conn}
        if not others:
            svc.threads.pop(tid, None)
            await current.session.shutdown()
            _broadcast(conn, tid, "thread/status/changed", {"threadId": tid, "status": {"type": "notLoaded"}})
            reloaded = True
    was_loaded = tid in svc.threads
    if not was_loaded and not params.get("cwd"):
        # the thread goes on where it ran (its last turn's cwd, else its session's)
        src = params.get("path") or (_find_path(svc, tid) if tid else None)
        src_lines = _rollout_lines(src)
        ctx = _last_turn_context(src_lines)
        first = next((p for k, p in src_lines if k == "session_meta"), {})
        cwd = (ctx or {}).get("cwd") or first.get("cwd")
        if isinstance(cwd, str) and os.path.isabs(cwd) and os.path.isdir(cwd):
            params = dict(params, cwd=cwd)
    result = await svc.thread_resume(params)
    rid = result["thread"]["id"]
    if not was_loaded and (rid not in seen or reloaded):
        # notLoaded -> idle, before the answer
        _broadcast(conn, rid, "thread/status/changed", {"threadId": rid, "status": {"type": "idle"}})
    seen.add(rid)
    t = svc.threads.get(rid)
    if t is None:
        return result
    lines = _rollout_lines(t.session.rollout_path)
    if not was_loaded:
        _apply_rolled_back_history(t, lines)
        ctx = _last_turn_context(lines)
        if ctx is not None and ctx.get("effort") and not params.get("config", {}).get("model_reasoning_effort"):
            t.session.settings.reasoning_effort = ctx["effort"]
            result["reasoningEffort"] = ctx["effort"]
        if not t.preview:
            t.preview = _first_user_message(lines)
    else:
        await _flush(t)
        lines = _rollout_lines(t.session.rollout_path)
    result["thread"] = thread_object(svc, t, include_turns=True, lines=lines)
    result["initialTurnsPage"] = None
    turns = result["thread"]["turns"]
    await _notify_token_usage(svc, t, turns[-1]["id"] if turns else "", rate_limits=False,
                              record=False, conn=conn, later=True)
    store = _goal_store(svc)
    try:
        row = store.get(rid)
    finally:
        store.close()
    if row is None:
        conn.after_response(lambda: _broadcast(conn, rid, "thread/goal/cleared", {"threadId": rid}))
    return result


@_method("thread/unsubscribe")
async def thread_unsubscribe(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    """The connection stops getting the thread's notifications; the thread stays loaded (as
    0.136.0: still in thread/loaded/list, resumed as it is)."""
    tid = _check_id(params.get("threadId"))
    if tid not in svc.threads:
        return {"status": "notLoaded"}
    subs = conn.server.state.get("thread_subscribers", {}).get(tid)
    if subs is None or conn not in subs:
        return {"status": "notSubscribed"}
    subs.discard(conn)
    return {"status": "unsubscribed"}


# -- names, turns ----------------------------------------------------------------------------


@_method("thread/name/set")
async def thread_name_set(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    from codex.rollout.list import append_thread_name
    tid = _check_id(params.get("threadId"))
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
        raise RpcError(f"thread not loaded: {tid}", INVALID_REQUEST)
    turns = th.build_turns_from_rollout_file(path)
    return turns if t is not None and _running(t) else th.interrupt_dangling(turns)


@_method("thread/turns/list")
async def thread_turns_list(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    tid = _check_id(params.get("threadId"))
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
    if isinstance(limit, int):
        limit = max(1, limit)
    next_cursor = None
    if isinstance(limit, int) and len(ordered) > limit:
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
    tid = _check_id(params.get("threadId"))
    if not _exists(svc, tid):
        raise RpcError(f"thread not found: {tid}", INVALID_REQUEST)
    store = _goal_store(svc)
    try:
        row = store.get(tid)
    finally:
        store.close()
    return {"goal": _goal_v2(row) if row else None}


_DB_STATUS = {"active": "active", "paused": "paused", "blocked": "blocked",
              "usageLimited": "usage_limited", "budgetLimited": "budget_limited",
              "complete": "complete"}


@_method("thread/goal/set")
async def thread_goal_set(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    tid = _check_id(params.get("threadId"))
    if not _exists(svc, tid):
        raise RpcError(f"thread not found: {tid}", INVALID_REQUEST)
    store = _goal_store(svc)
    try:
        row = store.get(tid)
        objective = params.get("objective")
        status = params.get("status")
        if objective is not None and not objective.strip():
            raise RpcError("goal objective must not be empty", INVALID_REQUEST)
        if objective is not None and row is not None:
            # a new objective for the goal: status, budget and usage stay unless given
            budget = params.get("tokenBudget", row["token_budget"])
            store._conn.execute(
                "UPDATE thread_goals SET objective = ?, token_budget = ?, "
                "updated_at_ms = ? WHERE thread_id = ?",
                (objective, budget, int(time.time() * 1000), tid))
            row = store.get(tid)
        elif objective is not None:
            row = store.create(tid, objective, params.get("tokenBudget"))
        elif row is None:
            raise RpcError(f"cannot update goal for thread {tid}: no goal exists", INVALID_REQUEST)
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

    def after() -> None:
        _broadcast(conn, tid, "thread/goal/updated", note)
        if goal.get("status") == "active":
            from .threads import kick_goal
            kick_goal(svc, tid)
    conn.after_response(after)
    return {"goal": goal}


@_method("thread/goal/clear")
async def thread_goal_clear(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    tid = _check_id(params.get("threadId"))
    if not _exists(svc, tid):
        raise RpcError(f"thread not found: {tid}", INVALID_REQUEST)
    store = _goal_store(svc)
    try:
        cleared = store.clear(tid)
    finally:
        store.close()
    if cleared:
        conn.after_response(lambda: _broadcast(conn, tid, "thread/goal/cleared", {"threadId": tid}))
    return {"cleared": cleared}


# -- history edits, settings -------------------------------------------------------------------


def _serde_unexpected(value: Any) -> str:
    from codex._serde_text import unexpected
    return unexpected(value)


def _response_item_problem(item: Any) -> str | None:
    """serde's complaint about a value that is not a ResponseItem (unknown `type`s are the
    `Other` variant, accepted)."""
    if isinstance(item, list) and item and not isinstance(item[0], str):
        return f"invalid type: {_serde_unexpected(item[0])}, expected variant identifier"
    if not isinstance(item, dict):
        return f"invalid type: {_serde_unexpected(item)}, expected internally tagged enum ResponseItem"
    if "type" not in item:
        return "missing field `type`"
    if item.get("type") == "message" and "content" in item and not isinstance(item["content"], list):
        return f"invalid type: {_serde_unexpected(item['content'])}, expected a sequence"
    return None


@_method("thread/inject_items")
async def thread_inject_items(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    t = _loaded(svc, params)
    items = params.get("items") or []
    if not items:
        raise RpcError("items must not be empty", INVALID_REQUEST)
    for i, item in enumerate(items):
        problem = _response_item_problem(item)
        if problem is not None:
            raise RpcError(f"items[{i}] is not a valid response item: {problem}", INVALID_REQUEST)
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
    t = svc.threads.get(_check_id(params.get("threadId")))
    if t is None:
        return {}
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
    tid = _check_id(params.get("threadId"))
    t = svc.threads.get(tid)
    upd = params.get("gitInfo")
    if t is None:
        path = _find_path(svc, tid, archived=None)
        if path is None:
            raise RpcError(f"thread not found: {tid}", INVALID_REQUEST)
        meta = _latest_meta(_rollout_lines(path))
        if isinstance(upd, dict) and meta is not None:
            _append_meta_line(path, _git_patched_meta(meta, upd))
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


_GIT_FIELDS = {"sha": "commit_hash", "branch": "branch", "originUrl": "repository_url"}


def _git_patched_meta(meta: dict[str, Any], upd: dict[str, Any]) -> dict[str, Any]:
    meta = dict(meta)
    git = dict(meta.get("git") or {})
    for k, f in _GIT_FIELDS.items():
        if k in upd:
            if upd[k] is None:
                git.pop(f, None)
            else:
                git[f] = upd[k]
    ordered = {f: git[f] for f in ("commit_hash", "branch", "repository_url") if f in git}
    meta.pop("git", None)
    meta["git"] = ordered
    return meta


def _append_meta_line(path: str, meta: dict[str, Any]) -> None:
    """A session_meta line appended to a thread's rollout (a thread that is not loaded)."""
    from codex.rollout.recorder import encode_line, utc_timestamp
    data = encode_line(utc_timestamp(), "session_meta", meta)
    with open(path, "rb+") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")
        f.write(data if data.endswith(b"\n") else data + b"\n")


def _thread_settings(svc: Any, t: Any) -> dict[str, Any]:
    from .threads import sandbox_v2
    st = t.session.settings
    overrides = getattr(t, "_settings_overrides", {})
    mode = getattr(t.session, "collaboration_mode", None) or "default"
    if "developer_instructions" in overrides:
        instructions = overrides["developer_instructions"]
    else:
        get = getattr(t.session, "collaboration_instructions", None)
        instructions = get(mode) if callable(get) else None
    return {
        "cwd": st.cwd, "approvalPolicy": st.approval_policy, "approvalsReviewer": "user",
        "sandboxPolicy": sandbox_v2(st.sandbox_policy.to_json()),
        "activePermissionProfile": (None if t.explicit_sandbox
                                    else {"id": ":" + st.sandbox_mode, "extends": None}),
        "model": st.model, "modelProvider": st.provider_id, "serviceTier": overrides.get("serviceTier"),
        "effort": st.reasoning_effort, "summary": overrides.get("summary"),
        "collaborationMode": {"mode": mode, "settings": {
            "model": st.model, "reasoning_effort": st.reasoning_effort,
            "developer_instructions": instructions}},
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
    cm = params.get("collaborationMode")
    if isinstance(cm, dict) and cm.get("mode"):
        # the mode's settings (model, effort, developer instructions) win for later turns
        cms = cm.get("settings") or {}
        overrides = {}
        if cms.get("model"):
            overrides["model"] = cms["model"]
        _apply_turn_overrides(t.session.settings, overrides)
        t.session.settings.reasoning_effort = cms.get("reasoning_effort")
        if cm["mode"] != getattr(t.session, "collaboration_mode", "default"):
            t.session.collaboration_mode = cm["mode"]
            t.session.collaboration_changed = True
        if cms.get("developer_instructions") is not None:
            ov["developer_instructions"] = cms["developer_instructions"]
        else:
            # the mode's built-in instructions (only Plan mode's are bundled with the core)
            ov.pop("developer_instructions", None)
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
        if uuid_parse_error(cid) is not None:
            raise RpcError("Invalid request: data did not match any variant of untagged enum "
                           "GetConversationSummaryParams", INVALID_REQUEST)
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
        "gitInfo": _summary_git(meta.get("git")),
    }}


def _summary_git(git: Any) -> dict[str, Any] | None:
    """getConversationSummary's ConversationGitInfo (`origin_url` in snake case, as 0.136.0)."""
    if not isinstance(git, dict):
        return None
    return {"sha": git.get("commit_hash"), "branch": git.get("branch"),
            "origin_url": git.get("repository_url")}


# -- rollback, fork ----------------------------------------------------------------------------


_ZERO_USAGE = {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0,
               "reasoning_output_tokens": 0, "total_tokens": 0}


def _token_count_event(t: Any, *, rate_limits: bool, always: bool = False) -> dict[str, Any] | None:
    """A token_count whose `last` usage is the estimated size of the (edited) history, as the
    reference reports after a rollback, a fork or a resume (`always`: also when no usage is
    known yet, with zero totals)."""
    from codex.core.compact import estimate_tokens
    s = t.session
    info = s.token_info
    if not isinstance(info, dict):
        if not always:
            return None
        info = {"total_token_usage": dict(_ZERO_USAGE)}
    st = s.settings
    try:
        est = estimate_tokens(st.instructions(), s.history)
    except Exception:  # noqa: BLE001
        est = 0
    zero = {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0,
            "reasoning_output_tokens": 0, "total_tokens": est}
    new_info = {"total_token_usage": info.get("total_token_usage"), "last_token_usage": zero,
                "model_context_window": info.get("model_context_window", st.model_context_window)}
    ev: dict[str, Any] = {"type": "token_count", "info": new_info, "rate_limits": None}
    # rate limits are known once a model response came in this process
    if rate_limits and (s.rate_limits is not None or getattr(s, "turn_count", 0) > 0):
        ev["rate_limits"] = s.rate_limits or {
            "limit_id": "codex", "limit_name": None, "primary": None, "secondary": None,
            "credits": None, "plan_type": None, "rate_limit_reached_type": None}
    return ev


async def _notify_token_usage(svc: Any, t: Any, turn_id: str, *, rate_limits: bool,
                              record: bool, conn: Any = None, later: bool = False,
                              always: bool = False) -> None:
    ev = _token_count_event(t, rate_limits=rate_limits, always=always)
    if ev is None:
        return
    t.session.token_info = ev["info"]
    if record:
        _record(t, ("event_msg", ev))
    out = t.mapper.map(ev, thread_id=t.session.thread_id, turn_id=turn_id)
    for n in out:
        if "request" in n:
            continue
        if later and conn is not None:
            conn.after_response(lambda n=n: _broadcast(conn, t.session.thread_id, n["method"], n["params"]))
        else:
            await svc.notify(t.session.thread_id, n["method"], n["params"])


def _is_real_user_message(item: dict[str, Any]) -> bool:
    from codex.core.compact import _is_contextual, _message_text
    if item.get("type") != "message" or item.get("role") != "user":
        return False
    text = _message_text(item)
    return text is not None and not _is_contextual(text)


def _drop_last_user_turns(history: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    starts = [i for i, item in enumerate(history) if _is_real_user_message(item)]
    if not starts or n < 1:
        return history
    return history[:starts[max(0, len(starts) - n)]]


def _apply_rolled_back_history(t: Any, lines: list[tuple[str, dict[str, Any]]]) -> None:
    """A resumed or forked thread's model history as the rollout leaves it: what
    `thread_rolled_back` events dropped stays dropped."""
    if not any(k == "event_msg" and p.get("type") == "thread_rolled_back" for k, p in lines):
        return
    history: list[dict[str, Any]] = []
    for kind, payload in lines:
        if kind == "response_item":
            history.append(dict(payload))
        elif kind == "compacted" and isinstance(payload.get("replacement_history"), list):
            history = list(payload["replacement_history"])
        elif kind == "event_msg" and payload.get("type") == "thread_rolled_back":
            history = _drop_last_user_turns(history, int(payload.get("num_turns") or 0))
    t.session.history = history


@_method("thread/rollback")
async def thread_rollback(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    from codex.core.session import new_turn_id
    t = _loaded(svc, params)
    n = params.get("numTurns")
    if not isinstance(n, int) or n < 1:
        raise RpcError("numTurns must be >= 1", INVALID_REQUEST)
    if not await _settled(svc, t):
        raise RpcError("Cannot rollback while a turn is in progress.", INVALID_REQUEST)
    s = t.session
    s.history = _drop_last_user_turns(s.history, n)
    await _notify_token_usage(svc, t, new_turn_id(), rate_limits=True, record=True, always=True)
    _record(t, ("event_msg", {"type": "thread_rolled_back", "num_turns": n}))
    await _flush(t)
    import time as _time
    t.updated_at = int(_time.time())
    return {"thread": thread_object(svc, t, include_turns=True)}


@_method("thread/fork")
async def thread_fork(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    from codex.rollout.recorder import RolloutRecorder, new_session_meta
    tid = params.get("threadId") or ""
    path = params.get("path") or None
    if path is None:
        _check_id(tid, "session")
    elif not os.path.exists(path):
        raise RpcError(f"failed to resolve rollout path `{path}`: No such file or directory (os error 2)",
                       INVALID_REQUEST)
    src = svc.threads.get(tid)
    if path is None:
        if src is not None:
            await _flush(src)
            path = src.session.rollout_path
        else:
            path = _find_path(svc, tid)
    if not path or not os.path.exists(path):
        raise RpcError(f"no rollout found for thread id {tid}", INVALID_REQUEST)
    lines = _rollout_lines(path)
    first = next((p for k, p in lines if k == "session_meta"), {})
    p = dict(params)
    if not p.get("cwd") and first.get("cwd"):
        p["cwd"] = first["cwd"]
    settings = svc._settings(p)
    meta = new_session_meta(cwd=settings.cwd, originator=settings.originator,
                            source=settings.source, model_provider=settings.provider_id,
                            base_instructions=settings.instructions(),
                            forked_from_id=first.get("id") or tid,
                            thread_source=settings.thread_source)
    rec = RolloutRecorder.fork(settings.codex_home, path, meta, default_provider=settings.provider_id)
    new_path = rec.path
    await rec.ashutdown()
    t = await svc._open(settings, resume_path=new_path)
    t.explicit_sandbox = params.get("sandbox") is not None
    new_lines = _rollout_lines(new_path)
    _apply_rolled_back_history(t, new_lines)
    t.preview = _first_user_message(new_lines)
    result = svc._response(t)
    result["thread"] = thread_object(svc, t, include_turns=True, lines=new_lines)
    conn.server.state.setdefault("thread_subscribers", {}).setdefault(t.session.thread_id, set()).add(conn)
    turns = result["thread"]["turns"]
    last_turn = turns[-1]["id"] if turns else ""
    await _notify_token_usage(svc, t, last_turn, rate_limits=False, record=False, conn=conn, later=True,
                              always=True)
    started = dict(result["thread"])
    started["turns"] = []
    conn.after_response(lambda: conn.notify("thread/started", {"thread": started}))
    return result


# -- archive -----------------------------------------------------------------------------------


@_method("thread/archive")
async def thread_archive(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    from codex.rollout.list import ArchiveError, archive_thread
    tid = _check_id(params.get("threadId"), "session")
    t = svc.threads.get(tid)
    if t is not None:
        if t.turn_task is not None and not t.turn_task.done():
            await t.session.interrupt()
        svc.threads.pop(tid, None)
        await t.session.shutdown()
        _broadcast(conn, tid, "thread/status/changed", {"threadId": tid, "status": {"type": "notLoaded"}})
    if _find_path(svc, tid) is None:
        raise RpcError(f"no rollout found for thread id {tid}", INVALID_REQUEST)
    try:
        archive_thread(_codex_home(svc), tid)
    except ArchiveError as exc:
        raise RpcError(str(exc), INVALID_REQUEST) from None
    conn.after_response(lambda: _broadcast(conn, tid, "thread/archived", {"threadId": tid}))
    return {}


@_method("thread/unarchive")
async def thread_unarchive(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    from codex.rollout.list import ArchiveError, unarchive_thread
    tid = _check_id(params.get("threadId"), "session")
    if _find_path(svc, tid, archived=True) is None:
        raise RpcError(f"no archived rollout found for thread id {tid}", INVALID_REQUEST)
    try:
        unarchive_thread(_codex_home(svc), tid)
    except ArchiveError as exc:
        raise RpcError(str(exc), INVALID_REQUEST) from None
    path = _find_path(svc, tid)
    thread = thread_from_rollout(svc, path)
    # as the reference: the thread as its first session_meta describes it
    lines = _rollout_lines(path)
    first = next((p for k, p in lines if k == "session_meta"), {})
    thread["gitInfo"] = _git_v2(first.get("git"))
    thread["updatedAt"] = thread["createdAt"]
    conn.after_response(lambda: _broadcast(conn, tid, "thread/unarchived", {"threadId": tid}))
    return {"thread": thread}


def _minus_ms(ts: Any) -> Any:
    """The backwards cursor of a page: its first thread's creation time less a millisecond (it
    anchors before the page so same-instant threads are not skipped)."""
    if not isinstance(ts, str):
        return ts
    try:
        from datetime import timedelta
        t = datetime.fromisoformat(ts.replace("Z", "+00:00")) - timedelta(milliseconds=1)
    except ValueError:
        return ts
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


# -- thread/list, thread/search ----------------------------------------------------------------


def _patch_listed(svc: Any, entry: dict[str, Any]) -> dict[str, Any]:
    tid = entry.get("id")
    t = svc.threads.get(tid)
    lines = _rollout_lines(entry.get("path"))
    meta = _latest_meta(lines, tid) or {}
    first = next((p for k, p in lines if k == "session_meta"), {})
    if t is not None:
        entry["status"] = svc._status(t)
    created = _epoch(first.get("timestamp"))
    if created:
        entry["createdAt"] = created
    entry["gitInfo"] = _git_v2(meta.get("git"))
    entry["name"] = _thread_name(svc, tid)
    if entry.get("cwd") and not os.path.isabs(entry["cwd"]):
        entry["cwd"] = os.path.join(os.getcwd(), entry["cwd"])
    return entry


@_method("thread/list")
async def thread_list(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    for t in list(svc.threads.values()):
        await _flush(t)
    result = await svc.thread_list(params)
    data = [_patch_listed(svc, dict(e)) for e in result.get("data") or []]
    result["data"] = data
    if data and result.get("backwardsCursor") is None:
        first = next((p for k, p in _rollout_lines(data[0].get("path")) if k == "session_meta"), {})
        result["backwardsCursor"] = _minus_ms(first.get("timestamp"))
    return result


@_method("thread/search")
async def thread_search(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    term = params.get("searchTerm")
    if not isinstance(term, str) or not term.strip():
        raise RpcError("thread/search requires a non-empty searchTerm", INVALID_REQUEST)
    p = {k: v for k, v in params.items() if k != "searchTerm"}
    p["limit"] = 1000
    listed = await thread_list(p, svc, conn)
    needle = term.lower()
    out = []
    for entry in listed["data"]:
        lines = _rollout_lines(entry.get("path"))
        hit = None
        for kind, payload in lines:
            if kind == "event_msg" and payload.get("type") in ("user_message", "agent_message"):
                text = payload.get("message") or ""
                if needle in text.lower():
                    hit = text
                    break
        if hit is None and needle in (entry.get("name") or "").lower():
            hit = entry.get("name")
        if hit is not None:
            out.append({"thread": entry, "snippet": hit})
    limit = params.get("limit")
    if isinstance(limit, int) and limit > 0:
        out = out[:limit]
    backwards = None
    if out:
        from codex.rollout.list import parse_rollout_file_name
        parsed = parse_rollout_file_name(os.path.basename(out[0]["thread"].get("path") or ""))
        if parsed is not None:
            # the file name's creation time (whole seconds), less a millisecond
            ts = parsed[0]
            backwards = _minus_ms(f"{ts[:10]}T{ts[11:].replace('-', ':')}.000Z")
    return {"data": out, "nextCursor": None, "backwardsCursor": backwards}


# -- thread/shellCommand ----------------------------------------------------------------------


def _user_shell() -> str:
    import pwd
    import shutil
    try:
        sh = pwd.getpwuid(os.getuid()).pw_shell
    except KeyError:
        sh = ""
    if sh and os.path.basename(sh) in ("bash", "zsh") and os.path.exists(sh):
        return sh
    return shutil.which("bash") or "/bin/bash"


def _user_shell_record(command: str, exit_code: int, duration: float, output: str) -> dict[str, Any]:
    body = "\n".join(["<command>", command, "</command>", "<result>", f"Exit code: {exit_code}",
                      f"Duration: {duration:.4f} seconds", "Output:", output, "</result>"])
    return {"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": f"<user_shell_command>\n{body}\n</user_shell_command>"}]}


async def _run_user_shell(t: Any, command: str, turn_id: str) -> None:
    """The reference's user shell command task: a turn of its own whose only item is the
    command (unsandboxed, in the thread's cwd), recorded for the model as a
    `<user_shell_command>` user message."""
    import base64
    from codex.core.session import new_item_id
    s = t.session
    st = s.settings
    started = time.time()
    begin = {"type": "task_started", "turn_id": turn_id, "started_at": int(started),
             "model_context_window": st.model_context_window, "collaboration_mode_kind": "default"}
    _record(t, ("event_msg", begin))
    await s._emit(turn_id, begin)
    shell = _user_shell()
    argv = [shell, "-lc", command]
    try:
        from codex.shell.parse_command import parse_command
        parsed = parse_command(argv)
    except Exception:  # noqa: BLE001
        parsed = [{"type": "unknown", "cmd": command}]
    call_id = new_item_id()
    common = {"call_id": call_id, "process_id": None, "turn_id": turn_id, "command": argv,
              "cwd": st.cwd, "parsed_cmd": parsed, "source": "user_shell"}
    await s._emit(turn_id, {"type": "exec_command_begin", **common,
                            "started_at_ms": int(time.time() * 1000)})
    t0 = time.monotonic()
    chunks: list[bytes] = []
    exit_code = -1
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=st.cwd, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        assert proc.stdout is not None
        while True:
            data = await proc.stdout.read(8192)
            if not data:
                break
            chunks.append(data)
            await s._emit(turn_id, {"type": "exec_command_output_delta", "call_id": call_id,
                                    "stream": "stdout",
                                    "chunk": base64.b64encode(data).decode()})
        exit_code = await proc.wait()
    except asyncio.CancelledError:
        raise
    except OSError as exc:
        chunks.append(str(exc).encode())
    duration = time.monotonic() - t0
    output = b"".join(chunks).decode("utf-8", "replace")
    secs = int(duration)
    end = {"type": "exec_command_end", **common, "completed_at_ms": int(time.time() * 1000),
           "stdout": output, "stderr": "", "aggregated_output": output, "exit_code": exit_code,
           "duration": {"secs": secs, "nanos": int((duration - secs) * 1e9)},
           "formatted_output": output, "status": "completed" if exit_code == 0 else "failed"}
    await s._emit(turn_id, end)
    item = _user_shell_record(command, exit_code, duration, output)
    s.history.append(item)
    _record(t, ("response_item", item))
    done = {"type": "task_complete", "turn_id": turn_id, "last_agent_message": None,
            "completed_at": int(time.time()), "duration_ms": int((time.time() - started) * 1000)}
    _record(t, ("event_msg", done))
    await _flush(t)
    await s._emit(turn_id, done)


@_method("thread/shellCommand")
async def thread_shell_command(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    from codex.core.session import new_turn_id
    t = _loaded(svc, params)
    command = params.get("command")
    if not isinstance(command, str) or not command.strip():
        raise RpcError("command must not be empty", INVALID_REQUEST)
    prev = t.turn_task
    if prev is not None and not prev.done() and getattr(t, "_shell_task", None) is prev:
        try:
            await asyncio.shield(prev)
        except BaseException:  # noqa: BLE001
            pass
    elif prev is not None and not prev.done():
        raise RpcError("a turn is already in progress", INVALID_REQUEST)
    turn_id = new_turn_id()
    t.turn_id = turn_id
    conn.server.state.setdefault("thread_subscribers", {}).setdefault(t.session.thread_id, set()).add(conn)

    async def run() -> None:
        try:
            await _run_user_shell(t, command, turn_id)
        except asyncio.CancelledError:
            pass

    t.turn_task = asyncio.get_running_loop().create_task(run())
    t._shell_task = t.turn_task
    return {}


# -- gitDiffToRemote, review -------------------------------------------------------------------


async def _git(args: list[str], cwd: str) -> tuple[int, str] | None:
    from codex.git.cli import run_git
    return await run_git(args, cwd)


async def _git_remotes(cwd: str) -> list[str] | None:
    r = await _git(["remote"], cwd)
    if r is None or r[0] != 0:
        return None
    remotes = [x for x in r[1].splitlines()]
    if "origin" in remotes:
        remotes.remove("origin")
        remotes.insert(0, "origin")
    return remotes


async def _default_branch(cwd: str) -> str | None:
    for remote in await _git_remotes(cwd) or []:
        r = await _git(["symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD"], cwd)
        if r is not None and r[0] == 0 and "/" in r[1].strip():
            return r[1].strip().rsplit("/", 1)[1]
        r = await _git(["remote", "show", remote], cwd)
        if r is not None and r[0] == 0:
            for line in r[1].splitlines():
                line = line.strip()
                if line.startswith("HEAD branch:") and line[len("HEAD branch:"):].strip():
                    return line[len("HEAD branch:"):].strip()
    for cand in ("main", "master"):
        r = await _git(["rev-parse", "--verify", "--quiet", f"refs/heads/{cand}"], cwd)
        if r is not None and r[0] == 0:
            return cand
    return None


async def _branch_ancestry(cwd: str) -> list[str]:
    out: list[str] = []
    r = await _git(["rev-parse", "--abbrev-ref", "HEAD"], cwd)
    cur = r[1].strip() if r is not None and r[0] == 0 else None
    if cur and cur != "HEAD":
        out.append(cur)
    db = await _default_branch(cwd)
    if db and db not in out:
        out.append(db)
    for remote in await _git_remotes(cwd) or []:
        r = await _git(["for-each-ref", "--format=%(refname:short)", "--contains=HEAD",
                        f"refs/remotes/{remote}"], cwd)
        if r is None or r[0] != 0:
            continue
        for line in r[1].splitlines():
            short = line.strip()
            if short.startswith(remote + "/") and short[len(remote) + 1:] and short[len(remote) + 1:] not in out:
                out.append(short[len(remote) + 1:])
    return out


async def _closest_sha(cwd: str, branches: list[str], remotes: list[str]) -> str | None:
    best: tuple[str, int] | None = None
    for branch in branches:
        sha = ref = None
        broken = False
        for remote in remotes:
            rr = f"refs/remotes/{remote}/{branch}"
            r = await _git(["rev-parse", "--verify", "--quiet", rr], cwd)
            if r is None:
                broken = True
                break
            if r[0] != 0:
                continue
            sha, ref = r[1].strip(), rr
            break
        if broken:
            continue
        r = await _git(["rev-list", "--count", f"{branch}..HEAD"], cwd)
        if (r is None or r[0] != 0) and ref is not None:
            r = await _git(["rev-list", "--count", f"{ref}..HEAD"], cwd)
        if r is None or r[0] != 0:
            continue
        try:
            distance = int(r[1].strip())
        except ValueError:
            continue
        if sha is None:
            continue
        if best is None or distance < best[1]:
            best = (sha, distance)
    return best[0] if best else None


async def _diff_against_sha(cwd: str, sha: str) -> str | None:
    r = await _git(["diff", "--no-textconv", "--no-ext-diff", sha], cwd)
    if r is None or r[0] not in (0, 1):
        return None
    diff = r[1]
    u = await _git(["ls-files", "--others", "--exclude-standard"], cwd)
    if u is not None and u[0] == 0:
        for f in [x for x in u[1].splitlines() if x]:
            e = await _git(["diff", "--no-textconv", "--no-ext-diff", "--binary", "--no-index", "--",
                            "/dev/null", f], cwd)
            if e is not None and e[0] in (0, 1):
                diff += e[1]
    return diff


async def git_diff_to_remote(cwd: str) -> dict[str, str] | None:
    from codex.git.info import get_git_repo_root
    if get_git_repo_root(cwd) is None:
        return None
    remotes = await _git_remotes(cwd)
    if remotes is None:
        return None
    sha = await _closest_sha(cwd, await _branch_ancestry(cwd), remotes)
    if sha is None:
        return None
    diff = await _diff_against_sha(cwd, sha)
    if diff is None:
        return None
    return {"sha": sha, "diff": diff}


@_method("gitDiffToRemote")
async def git_diff_to_remote_method(params: dict[str, Any], svc: Any, conn: Any) -> Any:
    cwd = params.get("cwd") or ""
    res = await git_diff_to_remote(cwd) if cwd and os.path.isdir(cwd) else None
    if res is None:
        raise RpcError(f"failed to compute git diff to remote for cwd: {json.dumps(cwd)}", INVALID_REQUEST)
    return res


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
            # threads this server has had loaded (a resume of one of those is no status change)
            conn.server.state.setdefault("threads_seen", set()).update(svc.threads.keys())
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
