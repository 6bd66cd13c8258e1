"""The rollout recorder: one append-only JSONL file per thread, written by a background task.

The agent core talks to it through three calls::

    rec = RolloutRecorder.create(codex_home, meta)      # or .resume(codex_home, path) / fork(...)
    rec.record_items([("response_item", item), ("event_msg", ev), ...])   # never blocks
    rec.persist()                                         # materialize the file now (optional)
    rec.flush()                                           # returns once all of it is on disk
    rec.shutdown()

A new thread's file is created when its first turn starts (the first ``user_message`` or
``task_started`` recorded) or on ``persist()``: a thread shut down before that leaves no file.

Items are ``(kind, payload)`` pairs (``kind`` = the rollout line ``type``; payload a protocol struct
or a plain dict). Kinds and ``event_msg`` types the reference does not persist are dropped here
(`policy.is_persisted`). Each line is written whole, with one ``write`` on an ``O_APPEND``
descriptor; a crash can at worst leave a torn last line, which readers skip. ``ephemeral``
recorders write nothing. Resumed recorders append to the same file without a second
session_meta. The thread's row in ``state_5.sqlite`` is kept up to date as the reference does; a
state DB failure is reported (`state_error`) and never stops the rollout.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import secrets
import threading
import time
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from codex.protocol._base import encode
from codex.protocol.rollout import SessionMeta

from . import policy

__all__ = ["RolloutRecorder", "RolloutItem", "uuid7", "utc_timestamp", "rollout_file_name",
           "encode_line", "SESSIONS_SUBDIR", "ARCHIVED_SESSIONS_SUBDIR", "new_session_meta"]

log = logging.getLogger(__name__)

SESSIONS_SUBDIR = "sessions"
ARCHIVED_SESSIONS_SUBDIR = "archived_sessions"
RolloutItem = tuple  # (kind: str, payload: Any)


def uuid7(ms: int | None = None) -> str:
    """A UUIDv7 string (thread and turn ids)."""
    ms = int(time.time() * 1000) if ms is None else ms
    rand = int.from_bytes(secrets.token_bytes(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def utc_timestamp(t: float | None = None) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` as on every rollout line."""
    t = time.time() if t is None else t
    dt = datetime.fromtimestamp(t, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def rollout_file_name(thread_id: str, t: float) -> tuple[str, str]:
    """(``YYYY/MM/DD`` directory, file name), both in local time, as the reference."""
    lt = time.localtime(t)
    return (time.strftime("%Y/%m/%d", lt),
            f"rollout-{time.strftime('%Y-%m-%dT%H-%M-%S', lt)}-{thread_id}.jsonl")


def _dumps(payload: Any) -> bytes:
    if isinstance(payload, (dict, list)):
        try:
            return encode(payload)
        except TypeError:
            return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return encode(payload)


def encode_line(timestamp: str, kind: str, payload: Any) -> bytes:
    """One rollout line, newline included."""
    return (b'{"timestamp":' + json.dumps(timestamp).encode() + b',"type":"' + kind.encode()
            + b'","payload":' + _dumps(payload) + b"}\n")


def new_session_meta(*, cwd: str, originator: str = "codex_exec", cli_version: str = "0.136.0",
                     source: Any = "exec", model_provider: str | None = None,
                     base_instructions: str | None = None, thread_id: str | None = None,
                     forked_from_id: str | None = None, git: Any = None,
                     thread_source: str | None = "user", **extra: Any) -> SessionMeta:
    """A SessionMeta with a fresh UUIDv7 id and the current time."""
    from codex.protocol._base import UNSET
    from codex.protocol.rollout import BaseInstructions
    now = time.time()
    kw: dict[str, Any] = dict(
        id=thread_id or uuid7(int(now * 1000)), timestamp=utc_timestamp(now), cwd=cwd,
        originator=originator, cli_version=cli_version, source=source)
    if thread_source is not None:
        kw["thread_source"] = thread_source
    if forked_from_id:
        kw["forked_from_id"] = forked_from_id
    if model_provider is not None:
        kw["model_provider"] = model_provider
    if base_instructions is not None:
        kw["base_instructions"] = BaseInstructions(text=base_instructions)
    if git is not None:
        kw["git"] = git
    kw.update(extra)
    return SessionMeta(**{k: v for k, v in kw.items() if v is not UNSET})


_PERSIST = object()
_MATERIALIZE_ON = frozenset({"user_message", "task_started"})


class _Flush:
    __slots__ = ("event", "error")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.error: BaseException | None = None


class RolloutRecorder:
    """Writes one thread's rollout. Use `create`, `resume` or `fork`."""

    def __init__(self, path: str | None, thread_id: str, *, codex_home: str,
                 mode: str = policy.LIMITED, state: Any = None, ephemeral: bool = False,
                 state_meta: Any = None, fsync: bool = False, deferred: bool = False):
        self.path = path
        self.thread_id = thread_id
        self.codex_home = codex_home
        self.mode = mode
        self.ephemeral = ephemeral
        self.state = state            # codex.state.StateRuntime or None
        self.state_error: str | None = None
        self._state_meta = state_meta  # codex.state.ThreadMetadata being maintained
        self._fsync = fsync
        self._fd: int | None = None
        # A new thread's file is materialized when its first turn starts (a user_message or
        # task_started is recorded) or on `persist()`; until then lines wait in memory, and a
        # thread shut down before that leaves no file, as the reference.
        self._deferred = deferred
        self._pending: list[Any] = []
        self._queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._closed = False
        self._thread: threading.Thread | None = None
        if not ephemeral:
            self._thread = threading.Thread(target=self._run, name=f"rollout-{thread_id}", daemon=True)
            self._thread.start()

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def create(cls, codex_home: str, meta: SessionMeta, *, ephemeral: bool = False,
               mode: str = policy.LIMITED, state: Any = "auto", default_provider: str = "openai",
               created_at: float | None = None, fsync: bool = False,
               sqlite_dir: str | None = None) -> "RolloutRecorder":
        """A new thread: the file ``sessions/YYYY/MM/DD/rollout-<local ts>-<id>.jsonl`` gets
        the session_meta line first (written in the background, like everything else)."""
        if ephemeral:
            return cls(None, meta.id, codex_home=codex_home, ephemeral=True)
        t = time.time() if created_at is None else created_at
        subdir, name = rollout_file_name(meta.id, t)
        path = os.path.join(codex_home, SESSIONS_SUBDIR, subdir, name)
        st = _open_state(codex_home, state, default_provider, sqlite_dir)
        rec = cls(path, meta.id, codex_home=codex_home, mode=mode, state=st[0], fsync=fsync,
                  deferred=True)
        rec.state_error = st[1]
        rec._default_provider = default_provider
        rec.record_items([("session_meta", meta)])
        return rec

    @classmethod
    def resume(cls, codex_home: str, path: str, *, mode: str = policy.LIMITED, state: Any = "auto",
               default_provider: str = "openai", fsync: bool = False,
               sqlite_dir: str | None = None) -> "RolloutRecorder":
        """Append to an existing rollout (no second session_meta)."""
        from .reader import load_rollout_items
        items, thread_id, _ = load_rollout_items(path)
        if thread_id is None:
            raise ValueError(f"failed to resume: no session_meta in {path}")
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
        # A torn last line (crash mid-write) is left as is; start the next line on its own.
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            os.write(fd, b"\n")
        st = _open_state(codex_home, state, default_provider, sqlite_dir)
        state_meta = None
        if st[0] is not None:
            from codex.state import metadata_from_items
            state_meta = metadata_from_items(items, path, default_provider)
        rec = cls(path, thread_id, codex_home=codex_home, mode=mode, state=st[0],
                  state_meta=state_meta, fsync=fsync)
        rec.state_error = st[1]
        rec._fd = fd
        rec._default_provider = default_provider
        return rec

    @classmethod
    def fork(cls, codex_home: str, source_path: str, meta: SessionMeta, *,
             nth_user_message: int | None = None, **kw: Any) -> "RolloutRecorder":
        """A new thread whose file holds its own session_meta (``forked_from_id`` = the source
        thread) followed by the source's persisted items, cut before the `nth_user_message`-th
        user message (0-based) when given, as the reference's fork."""
        from .reader import load_rollout_items, truncate_before_nth_user_message
        items, source_id, _ = load_rollout_items(source_path)
        if source_id is None:
            raise ValueError(f"failed to fork: no session_meta in {source_path}")
        if nth_user_message is not None:
            items = truncate_before_nth_user_message(items, nth_user_message)
        if getattr(meta, "forked_from_id", None) in (None,) or not isinstance(meta.forked_from_id, str):
            import msgspec
            meta = msgspec.structs.replace(meta, forked_from_id=source_id)
        rec = cls.create(codex_home, meta, **kw)
        rec.record_items(items)
        rec.persist()  # forked threads are file-backed at once
        return rec

    # -- the interface the core uses ---------------------------------------------------------

    def record_items(self, items: Iterable[Sequence[Any]]) -> None:
        """Queue the persisted subset of `items` for writing; returns at once."""
        if self.ephemeral:
            return
        if self._closed:
            raise RuntimeError("rollout recorder is shut down")
        ts = utc_timestamp()
        batch = []
        for kind, payload in items:
            if not policy.is_persisted(kind, payload, self.mode):
                continue
            payload = policy.sanitize(kind, payload, self.mode)
            batch.append((kind, payload, encode_line(ts, kind, payload)))
        if batch:
            self._queue.put(batch)

    def persist(self) -> None:
        """Materialize the file now (with everything recorded so far); returns at once."""
        if not self.ephemeral and not self._closed:
            self._queue.put(_PERSIST)

    @property
    def materialized(self) -> bool:
        return not self._deferred

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything recorded so far is written (and the state row updated)."""
        if self.ephemeral or self._thread is None:
            return
        f = _Flush()
        self._queue.put(f)
        if not f.event.wait(timeout):
            raise TimeoutError("rollout flush timed out")
        if f.error is not None:
            raise f.error

    async def aflush(self) -> None:
        import asyncio
        await asyncio.to_thread(self.flush)

    def shutdown(self) -> None:
        """Flush, stop the writer and close the file."""
        if self.ephemeral or self._closed:
            self._closed = True
            return
        try:
            self.flush()
        finally:
            self._closed = True
            self._queue.put(None)
            if self._thread is not None:
                self._thread.join()
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            if self.state is not None:
                self.state.close()
                self.state = None

    async def ashutdown(self) -> None:
        import asyncio
        await asyncio.to_thread(self.shutdown)

    # -- the writer --------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            msg = self._queue.get()
            if msg is None:
                return
            if isinstance(msg, _Flush):
                if self._fsync and self._fd is not None and self._error is None:
                    try:
                        os.fsync(self._fd)
                    except OSError as exc:
                        self._error = exc
                self._update_state(force=True)
                msg.error = self._error
                msg.event.set()
                continue
            if self._error is not None:
                continue
            if msg is _PERSIST:
                if not self._deferred:
                    continue
                msg = []
            elif self._deferred and not any(
                    k == "event_msg" and policy.item_type(p) in _MATERIALIZE_ON for k, p, _ in msg):
                self._pending.extend(msg)
                continue
            if self._deferred:
                try:
                    self._materialize()
                except OSError as exc:
                    self._error = exc
                    log.error("failed to create rollout %s: %s", self.path, exc)
                    continue
                msg = self._pending + list(msg)
                self._pending = []
            if not msg:
                continue
            data = b"".join(line for _, _, line in msg)
            try:
                view = memoryview(data)
                while view:
                    n = os.write(self._fd, view)  # type: ignore[arg-type]
                    view = view[n:]
            except OSError as exc:
                self._error = exc
                log.error("failed to write rollout %s: %s", self.path, exc)
                continue
            dirty = False
            for kind, payload, _ in msg:
                dirty |= self._apply_state(kind, payload)
            if dirty:
                self._update_state()

    def _materialize(self) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)  # type: ignore[arg-type]
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)  # type: ignore[arg-type]
        self._deferred = False

    def _apply_state(self, kind: str, payload: Any) -> bool:
        if self.state is None:
            return False
        from codex.state import ThreadMetadata, apply_rollout_item, metadata_from_items
        if self._state_meta is None:
            if kind != "session_meta":
                return False
            self._state_meta = metadata_from_items([(kind, payload)], self.path or "",
                                                   getattr(self, "_default_provider", "openai"),
                                                   live=True)
            return True
        if kind == "session_meta":
            return False  # a fork's copied session_meta does not change this thread
        apply_rollout_item(self._state_meta, kind, payload)
        t = policy.item_type(payload) if kind == "event_msg" else None
        # The reference writes the row when the thread starts and as turns progress.
        return t in ("user_message", "task_started", "task_complete", "turn_aborted")

    def _update_state(self, force: bool = False) -> None:
        if self.state is None or self._state_meta is None:
            return
        from codex.state import StateDbError
        self._state_meta.updated_at_ms = int(time.time() * 1000)
        try:
            self.state.upsert_thread(self._state_meta)
        except StateDbError as exc:
            if self.state_error is None:
                log.warning("state db: %s (the rollout file is still written)", exc)
            self.state_error = str(exc)


def _open_state(codex_home: str, state: Any, default_provider: str, sqlite_dir: str | None = None):
    """(StateRuntime | None, error message | None). ``state="auto"`` opens the databases in
    `sqlite_dir` (the ``sqlite_home`` config), else ``$CODEX_SQLITE_HOME``, else CODEX_HOME;
    None: no state DB; a StateRuntime: that one."""
    if state != "auto":
        return state, None
    from codex.state import StateDbError, StateRuntime, sqlite_home
    try:
        directory = sqlite_dir or sqlite_home(codex_home)
        return StateRuntime(directory, default_provider=default_provider,
                            codex_home=codex_home), None
    except StateDbError as exc:
        log.warning("state db unavailable: %s (the rollout file is still written)", exc)
        return None, str(exc)
