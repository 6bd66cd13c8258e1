"""Search sessions (upstream `FileSearchSession`): walk once, answer each new query as the user
types, report through a reporter. Shaped for the app-server's `fuzzyFileSearch/session*`
methods (see `api.py`), usable by any face.

    class Reporter:
        def on_update(self, result: SearchResult): ...   # the current top matches of a query
        def on_complete(self): ...                        # that query is fully answered

    s = FileSearchSession(["/repo"], Reporter())          # the walk starts in the background
    s.update_query("mai"); s.update_query("main")         # the latest query wins
    s.stop()

Behaviour (as the reference's): a query that arrives during the walk is answered at once from
what has been walked (`walk_complete` False), again while the walk goes on when its top matches
change (at most every 100 ms), and finally when the walk ends, followed by `on_complete`; after
the walk each query gets one update and one `on_complete`. An empty query reports no matches.
Stale queries are dropped. Reporter calls come from the session's worker thread.

With `watch=True` a file-system watcher keeps the index current while the session lives (the
reference walks once; a change made meanwhile shows in the next query here).
"""
from __future__ import annotations

import threading
import time
from typing import Protocol, Sequence

from .index import MATCH_LIMIT, FileIndex, SearchResult

PROGRESS_INTERVAL = 0.1


class SessionReporter(Protocol):
    def on_update(self, result: SearchResult) -> None: ...

    def on_complete(self) -> None: ...


class FileSearchSession:
    def __init__(self, roots: Sequence[str], reporter: SessionReporter, *, limit: int = MATCH_LIMIT,
                 compute_indices: bool = True, watch: bool = False, index: FileIndex | None = None,
                 cancel: threading.Event | None = None):
        if not roots:
            raise ValueError("at least one search directory is required")
        self.reporter = reporter
        self.limit = limit
        self.compute_indices = compute_indices
        self._cv = threading.Condition()
        self._query: str | None = None        # the latest query, not yet answered
        self._active: str | None = None       # the query being answered
        self._active_done = True
        self._progress = False
        self._walk_done = False
        self._changed = False
        self._stopped = False
        self._last_top: list | None = None
        self.cancel = cancel or threading.Event()
        self.index = index or FileIndex(roots, cancel=self.cancel, on_progress=self._on_progress)
        if index is not None:
            index.on_progress = self._on_progress
            if index.walk_complete.is_set():
                self._walk_done = True
        self._watcher = None
        self._worker = threading.Thread(target=self._run, name="file-search-session", daemon=True)
        self._worker.start()
        if index is None:
            self.index.start()
        if watch:
            from .watch import Watcher
            self._watcher = Watcher(self.index, on_change=self._on_change)
            threading.Thread(target=self._start_watcher, daemon=True).start()

    # -- public

    def update_query(self, query: str) -> None:
        with self._cv:
            if self._stopped:
                return
            self._query = query
            self._cv.notify_all()

    def stop(self) -> None:
        """Stop the walk, the watcher and the worker. No reporter call follows."""
        with self._cv:
            self._stopped = True
            self._cv.notify_all()
        self.cancel.set()
        if self._watcher is not None:
            self._watcher.stop()

    def __enter__(self) -> "FileSearchSession":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def walk_complete(self) -> bool:
        return self.index.walk_complete.is_set()

    # -- internals

    def _start_watcher(self) -> None:
        self.index.walk_complete.wait()
        if not self._stopped and self._watcher is not None:
            self._watcher.start_async(resync=True)

    def _on_progress(self) -> None:
        with self._cv:
            if self.index.walk_complete.is_set():
                self._walk_done = True
            self._progress = True
            self._cv.notify_all()

    def _on_change(self) -> None:
        with self._cv:
            self._changed = True
            self._cv.notify_all()

    def _emit(self, query: str, complete_if_done: bool) -> None:
        if query == "":
            result = SearchResult("", [], 0, self.index.store.live(), self.walk_complete)
        else:
            result = self.index.search(query, self.limit, self.compute_indices)
        with self._cv:
            if self._stopped or self._query is not None:   # stale: a newer query is waiting
                return
        top = [(m.path, m.root, m.score) for m in result.matches]
        self._last_top = top
        self.reporter.on_update(result)
        if complete_if_done and result.walk_complete:
            self._active_done = True
            self.reporter.on_complete()

    def _run(self) -> None:
        last_progress_emit = 0.0
        while True:
            with self._cv:
                while not (self._stopped or self._query is not None or self._progress or self._changed):
                    self._cv.wait()
                if self._stopped:
                    return
                query = self._query
                self._query = None
                progress = self._progress
                self._progress = False
                changed = self._changed
                self._changed = False
                walk_done = self._walk_done or self.index.walk_complete.is_set()
            try:
                if query is not None:
                    self._active = query
                    self._active_done = False
                    self._emit(query, complete_if_done=True)
                    last_progress_emit = time.monotonic()
                    continue
                active = self._active
                if active is None:
                    continue
                if progress and not self._active_done:
                    now = time.monotonic()
                    if walk_done:
                        self._emit(active, complete_if_done=True)
                    elif now - last_progress_emit >= PROGRESS_INTERVAL:
                        last_progress_emit = now
                        self._emit_if_changed(active)
                elif changed and self._active_done and active:
                    self._emit_if_changed(active)
            except Exception:      # noqa: BLE001 - a failing reporter must not kill the session
                import logging
                logging.getLogger(__name__).exception("file search session worker")

    def _emit_if_changed(self, query: str) -> None:
        if query == "":
            return
        result = self.index.search(query, self.limit, self.compute_indices)
        top = [(m.path, m.root, m.score) for m in result.matches]
        with self._cv:
            if self._stopped or self._query is not None:
                return
        if top != self._last_top:
            self._last_top = top
            self.reporter.on_update(result)


def run(query: str, roots: Sequence[str], *, limit: int = MATCH_LIMIT, compute_indices: bool = True,
        cancel: threading.Event | None = None, shared: bool = False) -> SearchResult:
    """One search (upstream `file_search::run`): walk `roots` and return the top matches.
    With `shared`, reuse (and keep) a watched index of the same roots (see index.shared_index).
    A cancelled search returns no matches."""
    if not roots:
        raise ValueError("at least one search directory is required")
    if shared:
        from .index import shared_index
        idx = shared_index(roots)
    else:
        idx = FileIndex(roots, cancel=cancel).build()
    if cancel is not None and cancel.is_set():
        return SearchResult(query, [], 0, 0, False)
    return idx.search(query, limit, compute_indices)
