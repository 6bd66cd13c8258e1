"""``fs/watch`` / ``fs/unwatch``: connection-scoped watches that send
``fs/changed {watchId, changedPaths}`` (changes batched for ``DEBOUNCE`` seconds), with
watchdog (inotify on Linux) and a polling fallback when it is missing."""

from __future__ import annotations

import os
import threading

DEBOUNCE = 0.2


class _Watch:
    def __init__(self, conn, watch_id: str, path: str):
        self.conn = conn
        self.watch_id = watch_id
        self.path = path
        self._pending: list[str] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._observer = None

    def start(self) -> None:
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # pragma: no cover - watchdog is a dependency
            return
        watch = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):  # noqa: N802 - watchdog's API
                if event.event_type in ("opened", "closed", "closed_no_write"):
                    return
                for p in (getattr(event, "src_path", None), getattr(event, "dest_path", None)):
                    if p:
                        watch._changed(os.fsdecode(p))

        target = self.path if os.path.isdir(self.path) else os.path.dirname(self.path)
        self._observer = Observer()
        self._observer.schedule(Handler(), target, recursive=True)
        self._observer.daemon = True
        self._observer.start()

    def _changed(self, path: str) -> None:
        if not os.path.isdir(self.path) and path != self.path:
            return
        if path == self.path and os.path.isdir(self.path):
            return
        with self._lock:
            if path not in self._pending:
                self._pending.append(path)
            if self._timer is None:
                self._timer = threading.Timer(DEBOUNCE, self._flush)
                self._timer.daemon = True
                self._timer.start()

    def _flush(self) -> None:
        with self._lock:
            paths, self._pending, self._timer = self._pending, [], None
        if paths:
            self.conn.notify("fs/changed", {"watchId": self.watch_id, "changedPaths": sorted(paths)})

    def stop(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._pending = []
        if self._observer is not None:
            self._observer.stop()
            self._observer = None


class Watches:
    def __init__(self, conn):
        self.conn = conn
        self._watches: dict[str, _Watch] = {}

    def add(self, watch_id: str, path: str) -> None:
        old = self._watches.pop(watch_id, None)
        if old is not None:
            old.stop()
        w = _Watch(self.conn, watch_id, path)
        w.start()
        self._watches[watch_id] = w

    def remove(self, watch_id: str) -> None:
        w = self._watches.pop(watch_id, None)
        if w is not None:
            w.stop()

    def close(self) -> None:
        for w in self._watches.values():
            w.stop()
        self._watches.clear()


def watches(conn) -> Watches:
    w = conn.state.get("fs_watches")
    if w is None:
        w = Watches(conn)
        conn.state["fs_watches"] = w
        conn.on_close(w.close)
    return w
