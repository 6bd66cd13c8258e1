"""``$CODEX_HOME/history.jsonl``: one line per submitted user prompt,
``{"session_id":"<uuid>","ts":<unix secs>,"text":"..."}`` (``codex-rs/message-history``).

* ``[history] persistence = "save-all"`` (default) or ``"none"`` (nothing written).
* The file is created ``0600`` (and set back to ``0600`` when it is not), opened ``O_APPEND``.
* Writers take an exclusive ``fcntl`` lock, tried 10 times 100 ms apart; each entry is one whole
  ``write``. Readers take a shared lock.
* ``[history] max_bytes``: once the file grows past it, the oldest lines are dropped until it is
  at most 80 % of it, the newest line always kept.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from typing import Any, Mapping

__all__ = ["HISTORY_FILENAME", "HistoryEntry", "HistoryLockError", "append_entry", "history_metadata",
           "lookup", "history_path", "read_entries", "SOFT_CAP_RATIO"]

HISTORY_FILENAME = "history.jsonl"
MAX_RETRIES = 10
RETRY_SLEEP_S = 0.1
SOFT_CAP_RATIO = 0.8


class HistoryLockError(OSError):
    def __init__(self, what: str = "exclusive"):
        super().__init__(errno.EWOULDBLOCK,
                         f"could not acquire {what} lock on history file after multiple attempts")


class HistoryEntry(dict):
    @property
    def session_id(self) -> str:
        return self["session_id"]

    @property
    def ts(self) -> int:
        return self["ts"]

    @property
    def text(self) -> str:
        return self["text"]


def history_path(codex_home: str) -> str:
    return os.path.join(codex_home, HISTORY_FILENAME)


def _settings(history: Any) -> tuple[str, int | None]:
    """(persistence, max_bytes) from a config's ``history`` table (or a Config)."""
    if history is None:
        return "save-all", None
    if not isinstance(history, Mapping):
        history = getattr(history, "history", None) or {}
    persistence = history.get("persistence", "save-all") or "save-all"
    max_bytes = history.get("max_bytes")
    return str(persistence), (int(max_bytes) if max_bytes is not None else None)


def _lock(fd: int, op: int, what: str) -> None:
    for attempt in range(MAX_RETRIES):
        try:
            fcntl.flock(fd, op | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if attempt + 1 < MAX_RETRIES:
                time.sleep(RETRY_SLEEP_S)
    raise HistoryLockError(what)


def append_entry(codex_home: str, text: str, session_id: str, history: Any = None,
                 *, ts: int | None = None) -> bool:
    """Append one entry; returns False when persistence is ``none``. Raises OSError
    (`HistoryLockError` when the lock cannot be had)."""
    persistence, max_bytes = _settings(history)
    if persistence == "none":
        return False
    entry = {"session_id": session_id, "ts": int(time.time()) if ts is None else int(ts), "text": text}
    line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    path = history_path(codex_home)
    os.makedirs(codex_home, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        st = os.fstat(fd)
        if st.st_mode & 0o777 != 0o600:
            os.fchmod(fd, 0o600)
        _lock(fd, fcntl.LOCK_EX, "exclusive")
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            if max_bytes is not None:
                _trim(fd, max_bytes)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return True


def _trim(fd: int, max_bytes: int) -> None:
    size = os.fstat(fd).st_size
    if size <= max_bytes:
        return
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        b = os.read(fd, 1 << 20)
        if not b:
            break
        chunks.append(b)
    data = b"".join(chunks)
    lines = data.splitlines(keepends=True)
    soft_cap = int(max_bytes * SOFT_CAP_RATIO)
    total = len(data)
    drop = 0
    while total > soft_cap and drop < len(lines) - 1:
        total -= len(lines[drop])
        drop += 1
    if drop == 0:
        return
    kept = b"".join(lines[drop:])
    # Still under the exclusive lock: rewrite in place (O_APPEND writes land at the new end).
    os.ftruncate(fd, 0)
    view = memoryview(kept)
    while view:
        view = view[os.write(fd, view):]


def read_entries(codex_home: str) -> list[HistoryEntry]:
    """All entries that parse (shared lock)."""
    path = history_path(codex_home)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return []
    try:
        _lock(fd, fcntl.LOCK_SH, "shared")
        try:
            with os.fdopen(os.dup(fd), "rb") as f:
                data = f.read()
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    out = []
    for raw in data.splitlines():
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if isinstance(obj, dict) and {"session_id", "ts", "text"} <= obj.keys():
            out.append(HistoryEntry(obj))
    return out


def history_metadata(codex_home: str) -> tuple[int, int]:
    """(log id = the file's inode, number of entries): what the TUI needs for Up/Down."""
    path = history_path(codex_home)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return 0, 0
    count = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            count += chunk.count(b"\n")
    return st.st_ino, count


def lookup(codex_home: str, log_id: int, offset: int) -> HistoryEntry | None:
    """The entry at line `offset`, when the file is still the one identified by `log_id`."""
    path = history_path(codex_home)
    try:
        if os.stat(path).st_ino != log_id:
            return None
    except FileNotFoundError:
        return None
    entries_seen = -1
    with open(path, "rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_SH)
        try:
            for raw in f:
                entries_seen += 1
                if entries_seen == offset:
                    try:
                        obj = json.loads(raw)
                    except ValueError:
                        return None
                    return HistoryEntry(obj)
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    return None
