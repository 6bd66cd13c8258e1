"""SQLite state databases (``codex-rs/state``): ``state_5.sqlite`` (thread metadata index),
``goals_1.sqlite``, ``logs_2.sqlite`` and ``memories_1.sqlite``, stdlib ``sqlite3`` only.

The databases are created with the exact schema the 0.136 reference leaves after its sqlx
migrations and with its ``_sqlx_migrations`` rows, so the reference opens ours without
migrating (and we open its). Journal mode WAL, ``auto_vacuum = INCREMENTAL`` as upstream.

The state DB is an index: the rollout JSONL stays the source of truth. Every failure here is a
`StateDbError` with a clear message; callers (the rollout recorder) log it and go on writing
the rollout.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Mapping

from ._schema import MIGRATIONS, SCHEMAS

__all__ = [
    "DB_NAMES", "STATE_DB", "StateDbError", "ThreadMetadata", "StateRuntime", "sqlite_home",
    "create_database", "open_database", "metadata_from_items", "apply_rollout_item",
    "schema_statements",
]

STATE_DB, GOALS_DB, LOGS_DB, MEMORIES_DB = "state_5", "goals_1", "logs_2", "memories_1"
DB_NAMES = (STATE_DB, GOALS_DB, LOGS_DB, MEMORIES_DB)
BUSY_TIMEOUT_S = 5.0
_SEQ_PLACEHOLDER = "CREATE TABLE sqlite_sequence(name,seq)"


class StateDbError(RuntimeError):
    """A state database cannot be opened, created or written (locked, corrupt, newer schema)."""


def sqlite_home(codex_home: str, config: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> str:
    """Directory of the databases: ``sqlite_home`` config, else ``$CODEX_SQLITE_HOME``, else
    CODEX_HOME."""
    env = os.environ if environ is None else environ
    configured = (config or {}).get("sqlite_home")
    if configured:
        return os.path.expanduser(str(configured))
    if env.get("CODEX_SQLITE_HOME"):
        return env["CODEX_SQLITE_HOME"]
    return codex_home


def schema_statements(name: str) -> tuple[str, ...]:
    return SCHEMAS[name]


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def create_database(path: str, name: str) -> None:
    """Create database `name` (e.g. ``"state_5"``) at `path` as the reference's migrations
    leave it. Built in a sibling temp file and renamed into place, so a crash never leaves a
    half-made database under the real name."""
    tmp = f"{path}.creating-{os.getpid()}-{threading.get_ident()}-{os.urandom(4).hex()}"
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(tmp + suffix)
        except FileNotFoundError:
            pass
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("BEGIN")
        for stmt in SCHEMAS[name]:
            if stmt.rstrip(";") == _SEQ_PLACEHOLDER:
                # sqlite_sequence cannot be created directly: an AUTOINCREMENT table makes it.
                conn.execute("CREATE TABLE __codex_seq (id INTEGER PRIMARY KEY AUTOINCREMENT)")
                conn.execute("DROP TABLE __codex_seq")
                continue
            conn.execute(stmt)
        now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        for version, description, checksum in MIGRATIONS[name]:
            conn.execute(
                "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum,"
                " execution_time) VALUES (?, ?, ?, 1, ?, 0)",
                (version, description, now, bytes.fromhex(checksum)))
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    try:
        os.link(tmp, path)  # never replaces a database another process created meanwhile
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def _check_migrations(conn: sqlite3.Connection, name: str, path: str) -> None:
    try:
        rows = conn.execute("SELECT version, checksum, success FROM _sqlx_migrations").fetchall()
    except sqlite3.DatabaseError as exc:
        raise StateDbError(f"state db {path} is not a codex database: {exc}") from exc
    known = {v: bytes.fromhex(c) for v, _, c in MIGRATIONS[name]}
    applied = {r[0]: bytes(r[1]) for r in rows}
    for version, checksum in applied.items():
        if version not in known:
            raise StateDbError(f"state db {path} was migrated by a newer codex (migration {version})")
        if checksum != known[version]:
            raise StateDbError(f"state db {path}: migration {version} was previously applied but has been modified")
    missing = sorted(set(known) - set(applied))
    if missing:
        raise StateDbError(f"state db {path} lacks migrations {missing}; open it once with the reference codex")


def open_database(directory: str, name: str) -> sqlite3.Connection:
    """Open (creating if missing) database `name` in `directory`."""
    path = os.path.join(directory, f"{name}.sqlite")
    try:
        os.makedirs(directory, exist_ok=True)
        if not os.path.exists(path):
            create_database(path, name)
        conn = _connect(path)
        conn.execute("PRAGMA busy_timeout = %d" % int(BUSY_TIMEOUT_S * 1000))
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _check_migrations(conn, name, path)
        return conn
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StateDbError(f"state db {path} is locked by another process: {exc}") from exc
        raise StateDbError(f"failed to open state db {path}: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise StateDbError(f"state db {path} is corrupt: {exc}") from exc
    except OSError as exc:
        raise StateDbError(f"failed to open state db {path}: {exc}") from exc


# --- thread metadata -----------------------------------------------------------------------


@dataclass
class ThreadMetadata:
    """One ``threads`` row."""

    id: str
    rollout_path: str
    created_at_ms: int
    updated_at_ms: int
    source: str = "exec"
    model_provider: str = ""
    cwd: str = ""
    title: str = ""
    sandbox_policy: str = ""
    approval_mode: str = "on-request"
    tokens_used: int = 0
    has_user_event: int = 0
    archived: int = 0
    archived_at: int | None = None
    git_sha: str | None = None
    git_branch: str | None = None
    git_origin_url: str | None = None
    cli_version: str = ""
    first_user_message: str = ""
    agent_nickname: str | None = None
    agent_role: str | None = None
    memory_mode: str = "enabled"
    model: str | None = None
    reasoning_effort: str | None = None
    agent_path: str | None = None
    thread_source: str | None = None
    preview: str = ""

    def row(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["created_at"] = self.created_at_ms // 1000
        d["updated_at"] = self.updated_at_ms // 1000
        return d


_COLUMNS = ("id", "rollout_path", "created_at", "updated_at", "source", "model_provider", "cwd",
            "title", "sandbox_policy", "approval_mode", "tokens_used", "has_user_event", "archived",
            "archived_at", "git_sha", "git_branch", "git_origin_url", "cli_version",
            "first_user_message", "agent_nickname", "agent_role", "memory_mode", "model",
            "reasoning_effort", "agent_path", "created_at_ms", "updated_at_ms", "thread_source",
            "preview")


def _iso_to_ms(ts: str) -> int:
    from datetime import datetime
    return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)


def _created_ms(thread_id: str, ts: str) -> int:
    """The reference's created_at_ms is the thread's creation instant: the UUIDv7 time of its
    id; the session_meta timestamp for other ids."""
    h = thread_id.replace("-", "")
    if len(h) == 32 and h[12] == "7":
        try:
            return int(h[:12], 16)
        except ValueError:
            pass
    return _iso_to_ms(ts)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        v = obj.get(key, default)
    else:
        v = getattr(obj, key, default)
    from codex.protocol._base import UnsetType
    return default if isinstance(v, UnsetType) else v


def _type_of(payload: Any) -> Any:
    if isinstance(payload, Mapping):
        return payload.get("type")
    cfg = getattr(type(payload), "__struct_config__", None)
    return getattr(cfg, "tag", None) or getattr(payload, "type", None)


def _to_builtins(obj: Any) -> Any:
    import msgspec
    return msgspec.to_builtins(obj) if not isinstance(obj, (dict, list, str, int, float, type(None))) else obj


def apply_rollout_item(meta: ThreadMetadata, kind: str, payload: Any) -> None:
    """Update `meta` from one rollout item (``kind`` = the line's ``type``), as the reference's
    ``apply_rollout_item`` does for the fields it tracks."""
    if kind == "session_meta":
        meta.id = _get(payload, "id", meta.id)
        src = _get(payload, "source", "exec")
        meta.source = src if isinstance(src, str) else json.dumps(_to_builtins(src), separators=(",", ":"))
        meta.model_provider = _get(payload, "model_provider") or meta.model_provider
        meta.cwd = _get(payload, "cwd", meta.cwd)
        meta.cli_version = _get(payload, "cli_version", meta.cli_version)
        meta.thread_source = _get(payload, "thread_source", meta.thread_source)
        meta.agent_nickname = _get(payload, "agent_nickname", meta.agent_nickname)
        meta.agent_role = _get(payload, "agent_role", meta.agent_role)
        meta.agent_path = _get(payload, "agent_path", meta.agent_path)
        meta.memory_mode = _get(payload, "memory_mode") or meta.memory_mode
        git = _get(payload, "git")
        if git is not None:
            meta.git_sha = _get(git, "commit_hash", meta.git_sha)
            meta.git_branch = _get(git, "branch", meta.git_branch)
            meta.git_origin_url = _get(git, "repository_url", meta.git_origin_url)
    elif kind == "turn_context":
        meta.model = _get(payload, "model", meta.model)
        meta.reasoning_effort = _get(payload, "effort", None)
        if meta.reasoning_effort is not None and not isinstance(meta.reasoning_effort, str):
            meta.reasoning_effort = str(getattr(meta.reasoning_effort, "value", meta.reasoning_effort))
        ap = _get(payload, "approval_policy")
        if ap is not None:
            ap = _to_builtins(ap)
            meta.approval_mode = ap if isinstance(ap, str) else json.dumps(ap, separators=(",", ":"))
        profile = _get(payload, "permission_profile")
        policy = profile if profile is not None else _get(payload, "sandbox_policy")
        if policy is not None:
            meta.sandbox_policy = json.dumps(_to_builtins(policy), separators=(",", ":"))
    elif kind == "event_msg":
        typ = _type_of(payload)
        if typ == "user_message":
            # the reference stores the message trimmed (a prompt read from stdin keeps its
            # newline in the rollout, not in the threads row)
            message = (_get(payload, "message", "") or "").strip()
            if not meta.first_user_message and message:
                meta.first_user_message = message
                meta.title = meta.title or message
                meta.preview = meta.preview or message
        elif typ == "token_count":
            info = _get(payload, "info")
            if info is not None:
                meta.tokens_used = int(_get(_get(info, "total_token_usage"), "total_tokens", 0))


def metadata_from_items(items: Iterable[tuple[str, Any]], rollout_path: str,
                        default_provider: str = "openai", *, live: bool = False) -> ThreadMetadata | None:
    """Build a thread row from rollout items ``(type, payload)``; None without session_meta.
    `live`: the thread is being created now (created_at_ms is its id's UUIDv7 time); a thread
    read back from its rollout (resume, backfill) takes the session_meta timestamp, as the
    reference."""
    meta: ThreadMetadata | None = None
    for kind, payload in items:
        if meta is None:
            if kind != "session_meta":
                continue
            ms = (_created_ms(_get(payload, "id", ""), _get(payload, "timestamp")) if live
                  else _iso_to_ms(_get(payload, "timestamp")))
            meta = ThreadMetadata(id=_get(payload, "id"), rollout_path=rollout_path,
                                  created_at_ms=ms, updated_at_ms=ms,
                                  model_provider=default_provider)
        apply_rollout_item(meta, kind, payload)
    return meta


class StateRuntime:
    """The four databases of one sqlite home. Only ``state_5`` has writers here."""

    def __init__(self, directory: str, *, default_provider: str = "openai",
                 codex_home: str | None = None):
        self.directory = directory
        self.codex_home = directory if codex_home is None else codex_home
        self.default_provider = default_provider
        self.conns: dict[str, sqlite3.Connection] = {}
        try:
            for name in DB_NAMES:
                self.conns[name] = open_database(directory, name)
        except BaseException:
            self.close()
            raise
        self._ensure_backfill_row()

    @property
    def state(self) -> sqlite3.Connection:
        return self.conns[STATE_DB]

    def close(self) -> None:
        for conn in self.conns.values():
            try:
                conn.close()
            except sqlite3.Error:
                pass
        self.conns.clear()

    def __enter__(self) -> "StateRuntime":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _exec(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        try:
            return self.state.execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise StateDbError(f"state db {self.directory}/state_5.sqlite: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StateDbError(f"state db {self.directory}/state_5.sqlite is corrupt: {exc}") from exc

    def _ensure_backfill_row(self) -> None:
        """A new database indexes the rollouts already in CODEX_HOME once (the reference's
        backfill: sessions/ and archived_sessions/, in path order), then is marked complete
        with the last path as its watermark."""
        if self._exec("SELECT status FROM backfill_state WHERE id = 1").fetchone() is not None:
            return
        now = int(time.time())
        claimed = self._exec("INSERT OR IGNORE INTO backfill_state (id, status, last_watermark,"
                             " last_success_at, updated_at) VALUES (1, 'running', NULL, NULL, ?)",
                             (now,)).rowcount
        if not claimed:
            return  # another process is backfilling
        watermark = self.backfill()
        now = int(time.time())
        self._exec("UPDATE backfill_state SET status = 'complete', last_watermark = ?,"
                   " last_success_at = ?, updated_at = ? WHERE id = 1", (watermark, now, now))

    def backfill(self) -> str | None:
        """Upsert a row for every rollout under CODEX_HOME; returns the last watermark."""
        from codex.rollout.list import parse_rollout_file_name
        from codex.rollout.reader import load_rollout_items
        paths: list[tuple[str, str, bool]] = []
        for sub, archived in (("sessions", False), ("archived_sessions", True)):
            root = os.path.join(self.codex_home, sub)
            for dirpath, _, files in os.walk(root):
                for name in files:
                    if parse_rollout_file_name(name) is None:
                        continue
                    full = os.path.join(dirpath, name)
                    rel = os.path.relpath(full, self.codex_home).replace(os.sep, "/")
                    paths.append((rel, full, archived))
        paths.sort()
        for _, full, archived in paths:
            try:
                items, _, _ = load_rollout_items(full)
                meta = metadata_from_items(items, full, self.default_provider)
                if meta is None:
                    continue
                mtime_ms = int(os.stat(full).st_mtime * 1000)
                meta.updated_at_ms = mtime_ms
                if archived:
                    meta.archived, meta.archived_at = 1, mtime_ms // 1000
                self.upsert_thread(meta)
            except (OSError, StateDbError):
                continue
        return paths[-1][0] if paths else None

    def upsert_thread(self, meta: ThreadMetadata) -> None:
        row = meta.row()
        cols = ", ".join(_COLUMNS)
        marks = ", ".join("?" for _ in _COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "id")
        self._exec(f"INSERT INTO threads ({cols}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}",
                   [row[c] for c in _COLUMNS])

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        r = self._exec("SELECT * FROM threads WHERE id = ?", (thread_id,)).fetchone()
        return dict(r) if r is not None else None

    def list_threads(self, *, archived: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM threads WHERE archived = ? ORDER BY updated_at_ms DESC, id DESC"
        params: list[Any] = [1 if archived else 0]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [dict(r) for r in self._exec(sql, params).fetchall()]

    def mark_archived(self, thread_id: str, rollout_path: str, archived: bool) -> None:
        now_ms = int(time.time() * 1000)
        self._exec("UPDATE threads SET archived = ?, archived_at = ?, rollout_path = ?, updated_at = ?,"
                   " updated_at_ms = ? WHERE id = ?",
                   (1 if archived else 0, now_ms // 1000 if archived else None, rollout_path,
                    now_ms // 1000, now_ms, thread_id))
