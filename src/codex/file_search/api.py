"""The app-server's fuzzy-file-search methods, ready to wire (codex-rs/app-server
`fuzzy_file_search.rs`; shapes from the 0.136.0 schema):

    fuzzyFileSearch               {query, roots, cancellationToken} -> {files: [FuzzyFileSearchResult]}
    fuzzyFileSearch/sessionStart  {sessionId, roots}  -> {}
    fuzzyFileSearch/sessionUpdate {sessionId, query}  -> {}   then notifications:
        fuzzyFileSearch/sessionUpdated   {sessionId, query, files}
        fuzzyFileSearch/sessionCompleted {sessionId}
    fuzzyFileSearch/sessionStop   {sessionId}         -> {}

FuzzyFileSearchResult: {root, path, match_type: "file"|"directory", file_name, score, indices}.
At most 50 results, ordered by score descending then path ascending.

Errors as the reference reports them (JSON-RPC codes): sessionStart without roots -32603
"failed to start fuzzy file search session: at least one search directory is required";
sessionUpdate of an unknown session -32600 "fuzzy file search session not found: <id>";
sessionStop of an unknown session succeeds.
"""
from __future__ import annotations

import threading
from typing import Callable, Sequence

from .index import MATCH_LIMIT, FileIndex, SearchResult, sort_key
from .session import FileSearchSession

INVALID_REQUEST = -32600
INTERNAL_ERROR = -32603

Notify = Callable[[str, dict], None]      # (method, params)


class FuzzySearchError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def wire_files(result: SearchResult) -> list[dict]:
    if not result.query:
        return []
    return [m.to_wire() for m in sorted(result.matches, key=sort_key)]


def fuzzy_file_search(query: str, roots: Sequence[str], cancel: threading.Event | None = None, *,
                      shared: bool = True) -> list[dict]:
    """`fuzzyFileSearch`: the files of the response. `shared` answers from a kept, watched index
    of the same roots (built on first use); without it every call walks (as the reference)."""
    if not roots or not query:
        return []
    if shared:
        from .index import shared_index
        idx = shared_index(list(roots))
    else:
        idx = FileIndex(list(roots), cancel=cancel).build()
    if cancel is not None and cancel.is_set():
        return []
    return wire_files(idx.search(query, MATCH_LIMIT, True))


class _Reporter:
    def __init__(self, session_id: str, notify: Notify):
        self.session_id = session_id
        self.notify = notify
        self.closed = False

    def on_update(self, result: SearchResult) -> None:
        if not self.closed:
            self.notify("fuzzyFileSearch/sessionUpdated",
                        {"sessionId": self.session_id, "query": result.query, "files": wire_files(result)})

    def on_complete(self) -> None:
        if not self.closed:
            self.notify("fuzzyFileSearch/sessionCompleted", {"sessionId": self.session_id})


class FuzzySearchSessions:
    """The sessions of one app-server connection. `notify(method, params)` is called from worker
    threads (the server should hand it to its event loop, e.g. loop.call_soon_threadsafe)."""

    def __init__(self, notify: Notify, *, watch: bool = False):
        self.notify = notify
        self.watch = watch
        self._sessions: dict[str, tuple[FileSearchSession, _Reporter]] = {}
        self._lock = threading.Lock()

    def start(self, session_id: str, roots: Sequence[str]) -> dict:
        if not roots:
            raise FuzzySearchError(INTERNAL_ERROR, "failed to start fuzzy file search session: "
                                                   "at least one search directory is required")
        reporter = _Reporter(session_id, self.notify)
        session = FileSearchSession(list(roots), reporter, watch=self.watch)
        with self._lock:
            old = self._sessions.pop(session_id, None)
            self._sessions[session_id] = (session, reporter)
        if old is not None:
            old[1].closed = True
            old[0].stop()
        return {}

    def update(self, session_id: str, query: str) -> dict:
        with self._lock:
            entry = self._sessions.get(session_id)
        if entry is None:
            raise FuzzySearchError(INVALID_REQUEST, f"fuzzy file search session not found: {session_id}")
        entry[0].update_query(query)
        return {}

    def stop(self, session_id: str) -> dict:
        with self._lock:
            entry = self._sessions.pop(session_id, None)
        if entry is not None:
            entry[1].closed = True
            entry[0].stop()
        return {}

    def close(self) -> None:
        with self._lock:
            entries = list(self._sessions.values())
            self._sessions.clear()
        for session, reporter in entries:
            reporter.closed = True
            session.stop()
