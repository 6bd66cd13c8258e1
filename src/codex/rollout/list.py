"""Finding rollouts: listing newest first with paging, lookup by id or name, the latest thread
(``--last``), archive / unarchive (``codex-rs/rollout/src/list.rs``, ``session_index.rs``).

The file system is the source of truth; names come from ``$CODEX_HOME/session_index.jsonl``
(append-only ``{id, thread_name, updated_at}``, the newest entry for an id wins).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from .policy import item_type
from .reader import parse_line, read_session_meta
from .recorder import ARCHIVED_SESSIONS_SUBDIR, SESSIONS_SUBDIR

__all__ = ["ThreadItem", "ThreadsPage", "list_threads", "find_thread_path_by_id",
           "find_thread_path_by_name", "find_thread_path", "find_latest_thread",
           "append_thread_name", "find_thread_name_by_id", "archive_thread", "unarchive_thread",
           "parse_rollout_file_name", "parse_cursor", "ArchiveError", "SESSION_INDEX_FILE"]

SESSION_INDEX_FILE = "session_index.jsonl"
_NAME_RE = re.compile(
    r"^rollout-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})-"
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.jsonl$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
HEAD_RECORD_LIMIT = 10
USER_EVENT_SCAN_LIMIT = 200
MAX_SCAN_FILES = 10_000


def parse_rollout_file_name(name: str) -> tuple[str, str] | None:
    """(``YYYY-MM-DDThh-mm-ss``, thread id) from a rollout file name."""
    m = _NAME_RE.match(name)
    return (m.group(1), m.group(2).lower()) if m else None


def _is_uuid(s: str) -> bool:
    return bool(_UUID_RE.match(s))


@dataclass
class ThreadItem:
    path: str
    thread_id: str
    created_at: str           # the file name's local timestamp
    updated_at: float         # mtime
    session_meta: Any = None
    first_user_message: str | None = None
    cwd: str | None = None


@dataclass
class ThreadsPage:
    items: list[ThreadItem] = field(default_factory=list)
    next_cursor: str | None = None
    num_scanned_files: int = 0
    reached_scan_cap: bool = False


def _sorted_desc(entries: list[str]) -> list[str]:
    return sorted(entries, reverse=True)


def _iter_rollout_files(root: str, flat: bool = False) -> Iterator[tuple[str, str, str]]:
    """(timestamp, id, path) newest first: year/month/day directories descending, then files
    by (timestamp, id) descending."""
    if flat:
        dirs = [root]
    else:
        dirs = []
        for y in _sorted_desc(_listdir(root)):
            yp = os.path.join(root, y)
            if not (y.isdigit() and os.path.isdir(yp)):
                continue
            for m in _sorted_desc(_listdir(yp)):
                mp = os.path.join(yp, m)
                if not (m.isdigit() and os.path.isdir(mp)):
                    continue
                for d in _sorted_desc(_listdir(mp)):
                    dp = os.path.join(mp, d)
                    if d.isdigit() and os.path.isdir(dp):
                        dirs.append(dp)
    for d in dirs:
        files = []
        for name in _listdir(d):
            parsed = parse_rollout_file_name(name)
            if parsed and os.path.isfile(os.path.join(d, name)):
                files.append((parsed[0], parsed[1], os.path.join(d, name)))
        files.sort(reverse=True)
        yield from files


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _head_summary(path: str) -> tuple[Any, str | None]:
    """(session_meta within the first `HEAD_RECORD_LIMIT` records, first user message within
    the first `USER_EVENT_SCAN_LIMIT`)."""
    meta = None
    first = None
    try:
        with open(path, "rb") as f:
            for i, raw in enumerate(f):
                if i >= USER_EVENT_SCAN_LIMIT:
                    break
                parsed = parse_line(raw)
                if parsed is None:
                    continue
                kind, payload = parsed
                if kind == "session_meta" and meta is None and i < HEAD_RECORD_LIMIT:
                    meta = payload
                elif kind == "event_msg" and item_type(payload) == "user_message":
                    first = payload.message
                    break
    except OSError:
        pass
    return meta, first


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(int(t), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _name_ts_epoch(ts: str) -> float:
    """A file-name timestamp read as UTC, as the reference's cursor does."""
    return datetime.strptime(ts, "%Y-%m-%dT%H-%M-%S").replace(tzinfo=timezone.utc).timestamp()


def parse_cursor(token: str) -> float | None:
    """The reference's cursor: an RFC3339 timestamp (or a file-name timestamp)."""
    if "|" in token:
        return None
    try:
        return datetime.fromisoformat(token.replace("Z", "+00:00")).timestamp()
    except ValueError:
        pass
    try:
        return _name_ts_epoch(token)
    except ValueError:
        return None


def list_threads(codex_home: str, page_size: int = 25, cursor: str | None = None, *,
                 sort_key: str = "created_at", cwd: str | list[str] | None = None,
                 archived: bool = False, sources: list[str] | None = None,
                 model_providers: list[str] | None = None,
                 default_provider: str = "openai") -> ThreadsPage:
    """A page of threads, newest first by `sort_key` (``created_at``: the file name's time;
    ``updated_at``: the file's mtime). Threads without a session_meta in their head or without
    any user message are skipped, as the reference does. `cursor`: the previous page's
    ``next_cursor`` (RFC3339); the scan resumes at the first file strictly older than it."""
    root = os.path.join(codex_home, ARCHIVED_SESSIONS_SUBDIR if archived else SESSIONS_SUBDIR)
    anchor = parse_cursor(cursor) if cursor else None
    cwds = [cwd] if isinstance(cwd, str) else cwd
    page = ThreadsPage()
    candidates: list[tuple[float, str, str]] = []
    for ts, tid, path in _iter_rollout_files(root, flat=archived):
        page.num_scanned_files += 1
        if page.num_scanned_files > MAX_SCAN_FILES:
            page.reached_scan_cap = True
            break
        if sort_key == "updated_at":
            try:
                key = os.stat(path).st_mtime
            except OSError:
                continue
        else:
            key = _name_ts_epoch(ts)
        candidates.append((key, tid, path))
    if sort_key == "updated_at":
        candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    passed = anchor is None
    more = False
    last_key = None
    for key, tid, path in candidates:
        if not passed:
            if key < anchor:  # type: ignore[operator]
                passed = True
            else:
                continue
        if len(page.items) == page_size:
            more = True
            break
        meta, first = _head_summary(path)
        if meta is None or first is None:
            continue
        if cwds is not None and not any(_same_path(meta.cwd, c) for c in cwds):
            continue
        src = meta.source if isinstance(meta.source, str) else None
        if sources and src not in sources:
            continue
        if model_providers is not None:
            mp = getattr(meta, "model_provider", None)
            mp = mp if isinstance(mp, str) else None
            if not (mp in model_providers or (mp is None and default_provider in model_providers)):
                continue
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            continue
        ts_name = parse_rollout_file_name(os.path.basename(path))[0]  # type: ignore[index]
        page.items.append(ThreadItem(path=path, thread_id=tid, created_at=ts_name, updated_at=mtime,
                                     session_meta=meta, first_user_message=first, cwd=meta.cwd))
        last_key = key
    if page.reached_scan_cap and page.items:
        more = True
    if more and last_key is not None:
        page.next_cursor = _rfc3339(last_key)
    return page


def _same_path(a: str, b: str) -> bool:
    return os.path.normpath(os.path.realpath(a)) == os.path.normpath(os.path.realpath(b))


def find_latest_thread(codex_home: str, cwd: str | None = None) -> ThreadItem | None:
    """The newest thread (in `cwd` when given): ``resume --last``."""
    page = list_threads(codex_home, page_size=1, cwd=cwd)
    return page.items[0] if page.items else None


def find_thread_path_by_id(codex_home: str, thread_id: str, *, archived: bool = False) -> str | None:
    if not _is_uuid(thread_id):
        return None
    tid = thread_id.lower()
    if len(tid) == 32:
        tid = f"{tid[:8]}-{tid[8:12]}-{tid[12:16]}-{tid[16:20]}-{tid[20:]}"
    root = os.path.join(codex_home, ARCHIVED_SESSIONS_SUBDIR if archived else SESSIONS_SUBDIR)
    for _, fid, path in _iter_rollout_files(root, flat=archived):
        if fid == tid:
            return path
    return None


def _iter_index_reverse(codex_home: str) -> Iterator[dict]:
    from .reader import iter_lines_reverse
    path = os.path.join(codex_home, SESSION_INDEX_FILE)
    if not os.path.exists(path):
        return
    for line in iter_lines_reverse(path):
        try:
            entry = json.loads(line.decode().strip())
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) \
                and isinstance(entry.get("thread_name"), str):
            yield entry


def append_thread_name(codex_home: str, thread_id: str, name: str) -> None:
    updated = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    line = json.dumps({"id": thread_id, "thread_name": name, "updated_at": updated},
                      ensure_ascii=False, separators=(",", ":")) + "\n"
    fd = os.open(os.path.join(codex_home, SESSION_INDEX_FILE),
                 os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def find_thread_name_by_id(codex_home: str, thread_id: str) -> str | None:
    for entry in _iter_index_reverse(codex_home):
        if entry["id"] == thread_id:
            return entry["thread_name"]
    return None


def find_thread_path_by_name(codex_home: str, name: str, *, archived: bool = False) -> str | None:
    """Newest index entry whose current name is `name` and whose rollout loads."""
    if not name.strip():
        return None
    seen: set[str] = set()
    for entry in _iter_index_reverse(codex_home):
        tid = entry["id"]
        if tid in seen:
            continue
        seen.add(tid)
        if entry["thread_name"] != name:
            continue
        path = find_thread_path_by_id(codex_home, tid, archived=archived)
        if path and read_session_meta(path) is not None:
            return path
    return None


def find_thread_path(codex_home: str, session: str, *, archived: bool = False) -> str | None:
    """By id (UUIDs take precedence when it parses) or else by name."""
    if _is_uuid(session):
        return find_thread_path_by_id(codex_home, session, archived=archived)
    return find_thread_path_by_name(codex_home, session, archived=archived)


class ArchiveError(Exception):
    """Message as the reference prints it after ``Error: ``."""


def _state_update(codex_home: str, thread_id: str, path: str, archived: bool) -> None:
    from codex.state import StateDbError, StateRuntime, metadata_from_items, sqlite_home
    from .reader import load_rollout_items
    try:
        with StateRuntime(sqlite_home(codex_home), codex_home=codex_home) as st:
            if st.get_thread(thread_id) is None:
                items, _, _ = load_rollout_items(path)
                meta = metadata_from_items(items, path)
                if meta is None:
                    return
                meta.updated_at_ms = int(os.stat(path).st_mtime * 1000)
                st.upsert_thread(meta)
            st.mark_archived(thread_id, path, archived)
    except StateDbError:
        pass  # the file move is what counts; the index catches up on the next backfill


def archive_thread(codex_home: str, session: str) -> str:
    """Move an active thread's rollout to ``archived_sessions/``; returns its id."""
    path = find_thread_path(codex_home, session)
    if path is None:
        if _is_uuid(session):
            raise ArchiveError("failed to archive session")
        raise ArchiveError(f"No active session found matching '{session}'.")
    parsed = parse_rollout_file_name(os.path.basename(path))
    assert parsed is not None
    dest_dir = os.path.join(codex_home, ARCHIVED_SESSIONS_SUBDIR)
    os.makedirs(dest_dir, exist_ok=True)
    dest = os.path.join(dest_dir, os.path.basename(path))
    try:
        os.rename(path, dest)
    except OSError:
        try:
            shutil.move(path, dest)
        except OSError as exc:
            raise ArchiveError("failed to archive session") from exc
    _state_update(codex_home, parsed[1], dest, True)
    return parsed[1]


def unarchive_thread(codex_home: str, session: str) -> str:
    """Move an archived rollout back under ``sessions/YYYY/MM/DD/``; returns its id."""
    path = find_thread_path(codex_home, session, archived=True)
    if path is None:
        if _is_uuid(session):
            raise ArchiveError("failed to unarchive session")
        raise ArchiveError(f"No archived session found matching '{session}'.")
    ts, tid = parse_rollout_file_name(os.path.basename(path))  # type: ignore[misc]
    dest_dir = os.path.join(codex_home, SESSIONS_SUBDIR, ts[:4], ts[5:7], ts[8:10])
    os.makedirs(dest_dir, exist_ok=True)
    dest = os.path.join(dest_dir, os.path.basename(path))
    try:
        os.rename(path, dest)
    except OSError as exc:
        raise ArchiveError("failed to unarchive session") from exc
    _state_update(codex_home, tid, dest, False)
    return tid
