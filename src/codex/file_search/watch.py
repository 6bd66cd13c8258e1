"""Keeps a `FileIndex` current from file-system events (watchdog: inotify on Linux, FSEvents on
macOS, polling elsewhere).

Events are batched (50 ms) and applied in a thread of their own: a created file or directory
is added when the ignore rules let it in (a new directory is walked like the original walk), a
deleted or moved-away path is removed with everything below it, and a change to an ignore file
(`.gitignore`, `.ignore`, `.git/info/exclude`) or a flood of events (a checkout) makes the index
walk its roots again and swap the result in. Content changes are not events for the index.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Callable

from .walker import Walker

log = logging.getLogger(__name__)

IGNORE_FILES = (".gitignore", ".ignore")
REBUILD_THRESHOLD = 20000
DEBOUNCE = 0.05


class Watcher:
    def __init__(self, index, on_change: Callable[[], None] | None = None, debounce: float = DEBOUNCE):
        self.index = index
        self.on_change = on_change
        self.debounce = debounce
        self._roots = [os.path.abspath(r) for r in index._walk_roots]
        self._walkers = [Walker(r, respect_ignore=index.respect_ignore, follow_links=index.follow_links)
                         for r in index._walk_roots]
        self._queue: "queue.Queue" = queue.Queue()
        self._observer = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._frames: dict[tuple[int, str], tuple] = {}
        self.events_applied = 0
        self.rebuilds = 0

    # -- lifecycle

    def start(self) -> bool:
        """Start watching; False when no watcher could be set up (then nothing is watched)."""
        try:
            from watchdog.events import (DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileCreatedEvent,
                                         FileDeletedEvent, FileModifiedEvent, FileMovedEvent,
                                         FileSystemEventHandler)
            from watchdog.observers import Observer
        except ImportError:
            return False
        q = self._queue

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):     # noqa: N802 - watchdog's API
                q.put((event.event_type, os.fsdecode(event.src_path),
                       os.fsdecode(getattr(event, "dest_path", "") or ""), event.is_directory))

        kinds = [DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileCreatedEvent, FileDeletedEvent,
                 FileMovedEvent, FileModifiedEvent]
        try:
            obs = Observer()
            handler = Handler()
            for r in dict.fromkeys(self._roots):
                if os.path.isdir(r):
                    obs.schedule(handler, r, recursive=True, event_filter=kinds)
            obs.daemon = True
            obs.start()
        except Exception as exc:      # noqa: BLE001 - e.g. inotify watch limit reached
            log.debug("file search watcher unavailable: %s", exc)
            return False
        self._observer = obs
        self._thread = threading.Thread(target=self._run, name="file-search-watch", daemon=True)
        self._thread.start()
        return True

    def start_async(self, resync: bool = True, on_failed: Callable[[], None] | None = None) -> None:
        """Start watching in a background thread (setting up the watches walks the tree again:
        about 1 s for 100k files). With `resync`, the index walks its roots once more after the
        watches are in place, so that nothing changed in between goes unseen."""
        def run():
            if self._stop.is_set():
                return
            if not self.start():
                if on_failed is not None:
                    on_failed()
                return
            if resync:
                self._queue.put(("resync", None))
        threading.Thread(target=run, name="file-search-watch-start", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)
        obs = self._observer
        if obs is not None:
            try:
                obs.stop()
            except Exception:         # noqa: BLE001
                pass

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until the events queued so far are applied (tests)."""
        done = threading.Event()
        self._queue.put(("flush", done))
        done.wait(timeout)

    # -- event handling

    def _locate(self, path: str) -> tuple[int, str] | None:
        """(root id, path relative to it) for an absolute path: the deepest root containing it."""
        best = None
        for i, r in enumerate(self._roots):
            if path == r:
                cand = (i, "")
            elif path.startswith(r.rstrip("/") + "/"):
                cand = (i, path[len(r.rstrip("/")) + 1:])
            else:
                continue
            if best is None or len(self._roots[cand[0]]) > len(self._roots[best[0]]):
                best = cand
        return best

    def _frame(self, rid: int, parent_rel: str):
        key = (rid, parent_rel)
        v = self._frames.get(key)
        if v is None:
            v = self._walkers[rid].frame_for(parent_rel)
            if len(self._frames) > 4096:
                self._frames.clear()
            self._frames[key] = v
        return v

    def _admit(self, rid: int, rel: str, is_dir: bool) -> tuple[bool, object]:
        parent, _, name = rel.rpartition("/")
        frame, parent_ignored = self._frame(rid, parent)
        if parent_ignored:
            return False, frame
        w = self._walkers[rid]
        if w.respect_ignore and w.rules.filter_for(frame, parent).ignored(name, is_dir):
            return False, frame
        return True, frame

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            deadline_wait = self.debounce
            while True:
                try:
                    nxt = self._queue.get(timeout=deadline_wait)
                except queue.Empty:
                    break
                if nxt is None:
                    return
                batch.append(nxt)
                if len(batch) > REBUILD_THRESHOLD:
                    break
            try:
                self._apply(batch)
            except Exception:         # noqa: BLE001 - keep watching
                log.exception("file search watcher")

    def _apply(self, batch: list) -> None:
        flushes = [b[1] for b in batch if b[0] == "flush"]
        if any(b[0] == "resync" for b in batch):
            self._frames.clear()
            self.index.rebuild()
            if self.on_change is not None:
                self.on_change()
        events = [b for b in batch if b[0] not in ("flush", "resync")]
        if events:
            changed = self._apply_events(events)
            if changed and self.on_change is not None:
                self.on_change()
        for f in flushes:
            f.set()

    def _apply_events(self, events: list) -> bool:
        rebuild = len(events) > REBUILD_THRESHOLD
        removed_trees: list[tuple[int, str]] = []
        created: list[tuple[int, str]] = []
        for kind, src, dest, is_dir in events:
            for p in (src, dest):
                if p and (os.path.basename(p) in IGNORE_FILES or p.endswith("/.git/info/exclude")):
                    if kind != "modified" or os.path.basename(p) in IGNORE_FILES or p.endswith("exclude"):
                        rebuild = True
            if kind == "modified":
                continue
            if kind in ("deleted", "moved"):
                loc = self._locate(src)
                if loc is not None and loc[1]:
                    removed_trees.append(loc)
            if kind == "created":
                loc = self._locate(src)
                if loc is not None and loc[1]:
                    created.append(loc)
            elif kind == "moved" and dest:
                loc = self._locate(dest)
                if loc is not None and loc[1]:
                    created.append(loc)
        if rebuild:
            self._frames.clear()
            self.rebuilds += 1
            self.index.rebuild()
            return True
        added: list[tuple[int, str, bool]] = []
        for rid, rel in dict.fromkeys(created):
            full = os.path.join(self._roots[rid], rel)
            try:
                is_dir = os.path.isdir(full)
                exists = os.path.lexists(full)
            except OSError:
                continue
            if not exists:
                continue
            if is_dir:
                # a new directory invalidates cached frames below it
                self._frames = {k: v for k, v in self._frames.items() if not (k[0] == rid and (k[1] == rel or k[1].startswith(rel + "/")))}
            ok, frame = self._admit(rid, rel, is_dir)
            if not ok:
                continue
            if os.path.islink(full) and not os.path.exists(full):
                continue
            added.append((rid, rel, is_dir))
            if is_dir:
                sub: list[tuple[int, str, bool]] = []

                def sink(paths, dirs, rid=rid, sub=sub):
                    sub.extend((rid, p, d) for p, d in zip(paths, dirs))

                self._walkers[rid].run(sink, start=rel, start_frame=frame)
                added.extend(sub)
        self.events_applied += len(events)
        return self.index.apply_changes(removed_trees=removed_trees, added=added)
