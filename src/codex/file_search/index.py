"""Path indexes: the walked entries of one or more roots in compact form, searchable as the user
types, kept current by file-system events.

`PathStore` holds entries in flat buffers (no object per path): `blob`, the UTF-8 paths each
followed by a NUL byte (after a leading NUL), and `low`, the same lower-cased (what the matcher
compares); `offsets`, array('I') with the start of every entry plus the end; `flags`, one byte
per entry (1 directory, 2 non-ASCII, 4 removed); plus the root of each entry when there are
several roots. 100k paths take about 11 MB.

`FileIndex` walks its roots into a store (in a background thread with `start()`, or at once
with `build()`), answers `search(query)` with the top matches (narrowing the previous query's
matches when the new query only adds characters) and applies file-system changes
(`apply_changes`, fed by `watch.py`) as appends and tombstones; a store with too many tombstones
is compacted. `shared_index(roots)` keeps a few indexes alive for one-shot searches.
"""
from __future__ import annotations

import os
import threading
from array import array
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from . import chars
from . import match as M
from .pattern import narrows, parse
from .walker import Cancelled, Walker

FLAG_DIR = 1
FLAG_UNICODE = 2
FLAG_DEAD = 4

MATCH_LIMIT = 50          # the app-server's limit


@dataclass
class FileMatch:
    """One result: `path` relative to `root`; `indices` are character (grapheme) positions in
    `path`, sorted and unique, when computed."""
    score: int
    path: str
    root: str
    match_type: str = "file"          # "file" | "directory"
    indices: list[int] | None = None

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1] if self.path else ""

    def full_path(self) -> str:
        return os.path.join(self.root, self.path) if self.path else self.root

    def to_wire(self) -> dict:
        """The app-server's FuzzyFileSearchResult."""
        return {"root": self.root, "path": self.path, "match_type": self.match_type,
                "file_name": self.file_name, "score": self.score, "indices": self.indices}


@dataclass
class SearchResult:
    query: str
    matches: list[FileMatch] = field(default_factory=list)
    total_match_count: int = 0
    scanned_file_count: int = 0
    walk_complete: bool = False


def sort_key(m: FileMatch):
    """upstream `cmp_by_score_desc_then_path_asc`."""
    return (-m.score, m.path)


class PathStore:
    """Entries in flat buffers (see the module docstring). `lock` serializes mutation against
    readers (a reader holds a buffer export of `blob` while it scans)."""

    def __init__(self):
        self.blob = bytearray(b"\0")
        self.low = bytearray(b"\0")
        self.offsets = array("I", [1])
        self.flags = bytearray()
        self.root_ids: array | None = None
        self.count = 0
        self.dead = 0
        self._clen: dict[int, int] = {}
        self.lock = threading.RLock()

    def add(self, paths: Sequence[str], dirs: Sequence[bool], root_id: int = 0) -> int:
        """Append entries; returns the id of the first."""
        n = len(paths)
        first = self.count
        if n == 0:
            return first
        joined = "\0".join(paths)
        data = joined.encode("utf-8", "surrogateescape")
        if len(data) == len(joined):
            lens: Iterable[int] = map(len, paths)
            flag_list = bytes(FLAG_DIR if d else 0 for d in dirs)
        else:
            lens = []
            fl = bytearray()
            for p, d in zip(paths, dirs):
                if p.isascii():
                    lens.append(len(p))
                    fl.append(FLAG_DIR if d else 0)
                else:
                    lens.append(len(p.encode("utf-8", "surrogateescape")))
                    fl.append((FLAG_DIR if d else 0) | FLAG_UNICODE)
            flag_list = bytes(fl)
        with self.lock:
            pos = self.offsets[-1]
            new = array("I")
            for ln in lens:
                pos += ln + 1
                new.append(pos)
            self.blob += data
            self.blob += b"\0"
            self.low += data.lower()
            self.low += b"\0"
            self.offsets.extend(new)
            self.flags += flag_list
            if root_id or self.root_ids is not None:
                if self.root_ids is None:
                    self.root_ids = array("H", bytes(2 * first))
                self.root_ids.extend([root_id] * n)
            self.count += n
        return first

    def raw(self, i: int) -> bytes:
        return bytes(self.blob[self.offsets[i]:self.offsets[i + 1] - 1])

    def text(self, i: int) -> str:
        return self.blob[self.offsets[i]:self.offsets[i + 1] - 1].decode("utf-8", "surrogateescape")

    def char_len(self, i: int) -> int:
        """Length in characters (graphemes) as nucleo counts it (its tie-breaker)."""
        if not self.flags[i] & FLAG_UNICODE:
            return self.offsets[i + 1] - self.offsets[i] - 1
        v = self._clen.get(i)
        if v is None:
            v = self._clen[i] = len(chars.graphemes(self.text(i)))
        return v

    def is_dir(self, i: int) -> bool:
        return bool(self.flags[i] & FLAG_DIR)

    def root_id(self, i: int) -> int:
        return self.root_ids[i] if self.root_ids is not None else 0

    def find(self, path: str, root_id: int | None = None) -> list[int]:
        """Live ids whose path is exactly `path`."""
        needle = b"\0" + path.encode("utf-8", "surrogateescape") + b"\0"
        return self._scan(needle, root_id, exact=True)

    def find_under(self, path: str, root_id: int | None = None) -> list[int]:
        """Live ids strictly below directory `path` ('' = everything)."""
        if not path:
            return [i for i in range(self.count) if not self.flags[i] & FLAG_DEAD
                    and (root_id is None or self.root_id(i) == root_id) and self.offsets[i + 1] - self.offsets[i] > 1]
        needle = b"\0" + path.encode("utf-8", "surrogateescape") + b"/"
        return self._scan(needle, root_id, exact=False)

    def _scan(self, needle: bytes, root_id: int | None, exact: bool) -> list[int]:
        from bisect import bisect_right
        out = []
        blob = self.blob
        offs = self.offsets
        start = 0
        while True:
            k = blob.find(needle, start)
            if k < 0:
                return out
            i = bisect_right(offs, k + 1) - 1
            start = k + 1
            if i < 0 or i >= self.count or offs[i] != k + 1:
                continue
            if self.flags[i] & FLAG_DEAD:
                continue
            if root_id is not None and self.root_id(i) != root_id:
                continue
            out.append(i)

    def kill(self, ids: Iterable[int]) -> int:
        n = 0
        with self.lock:
            for i in ids:
                if not self.flags[i] & FLAG_DEAD:
                    self.flags[i] |= FLAG_DEAD
                    n += 1
            self.dead += n
        return n

    def live(self) -> int:
        return self.count - self.dead

    def compacted(self) -> "PathStore":
        """A copy without the removed entries (ids change)."""
        new = PathStore()
        by_root: dict[int, tuple[list, list]] = {}
        order: list[int] = []
        for i in range(self.count):
            if self.flags[i] & FLAG_DEAD:
                continue
            r = self.root_id(i)
            if r not in by_root:
                by_root[r] = ([], [])
                order.append(r)
            by_root[r][0].append(self.text(i))
            by_root[r][1].append(bool(self.flags[i] & FLAG_DIR))
        for r in order:
            new.add(by_root[r][0], by_root[r][1], r)
        return new

    def nbytes(self) -> int:
        return (len(self.blob) + len(self.low) + self.offsets.itemsize * len(self.offsets) + len(self.flags)
                + (self.root_ids.itemsize * len(self.root_ids) if self.root_ids is not None else 0))


def _norm_root(root: str) -> str:
    """The root as a walk path: '/'-separated, without '.' components or trailing slash
    (what Rust's Path::components() makes of it)."""
    if not root:
        return "."
    absolute = root.startswith("/")
    parts = [p for p in root.split("/") if p and p != "."]
    out = "/".join(parts)
    return ("/" + out) if absolute else (out or ".")


class FileIndex:
    """The entries of `roots` and the means to search them.

        idx = FileIndex(["/repo"]).build()          # or .start() to walk in the background
        res = idx.search("main py", limit=50)       # SearchResult with FileMatch items

    Thread-safety: one walker thread (start) and one searching thread at a time; `apply_changes`
    may come from a watcher thread (it takes the store lock)."""

    def __init__(self, roots: Sequence[str], *, respect_ignore: bool = True, follow_links: bool = True,
                 cancel: threading.Event | None = None, on_progress: Callable[[], None] | None = None):
        if not roots:
            raise ValueError("at least one search directory is required")
        self.roots = list(roots)
        self._walk_roots = [_norm_root(r) for r in self.roots]
        self.respect_ignore = respect_ignore
        self.follow_links = follow_links
        self.cancel = cancel or threading.Event()
        self.on_progress = on_progress
        self.store = PathStore()
        self.walk_complete = threading.Event()
        self.walk_error: BaseException | None = None
        self.generation = 0            # bumped when ids change (compaction, rebuild)
        self._thread: threading.Thread | None = None
        self._last: tuple | None = None   # (query, generation, count, ids, scores)
        self._nested = self._nested_roots()
        self._search_lock = threading.Lock()

    # -- building

    def _nested_roots(self) -> list[list[tuple[int, str]]]:
        """For root i, the other roots inside it: (j, path of j relative to i), deepest first."""
        out: list[list[tuple[int, str]]] = []
        absr = [os.path.abspath(r) for r in self._walk_roots]
        for i, a in enumerate(absr):
            inner = []
            for j, b in enumerate(absr):
                if i != j and b != a and (b.startswith(a.rstrip("/") + "/")):
                    inner.append((j, b[len(a.rstrip("/")) + 1:]))
            inner.sort(key=lambda t: -t[1].count("/"))
            out.append(inner)
        return out

    def _sink(self, root_id: int):
        nested = self._nested[root_id]
        store = self.store

        def sink(paths, dirs):
            if not nested:
                store.add(paths, dirs, root_id)
            else:
                groups: dict[int, tuple[list, list]] = {}
                for p, d in zip(paths, dirs):
                    rid, rel = root_id, p
                    for j, sub in nested:
                        if p == sub:
                            rid, rel = j, ""
                            break
                        if p.startswith(sub + "/"):
                            rid, rel = j, p[len(sub) + 1:]
                            break
                    g = groups.setdefault(rid, ([], []))
                    g[0].append(rel)
                    g[1].append(d)
                for rid, (ps, ds) in groups.items():
                    store.add(ps, ds, rid)
            if self.on_progress is not None:
                self.on_progress()
        return sink

    def build(self) -> "FileIndex":
        """Walk every root now (in this thread)."""
        try:
            for i, root in enumerate(self._walk_roots):
                Walker(root, respect_ignore=self.respect_ignore, follow_links=self.follow_links,
                       cancel=self.cancel).run(self._sink(i))
        except Cancelled:
            pass
        except BaseException as exc:   # noqa: BLE001 - reported through walk_error
            self.walk_error = exc
        finally:
            self.walk_complete.set()
            if self.on_progress is not None:
                self.on_progress()
        return self

    def start(self) -> "FileIndex":
        """Walk in a background thread; `walk_complete` is set at the end."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.build, name="file-search-walk", daemon=True)
            self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        return self.walk_complete.wait(timeout)

    def close(self) -> None:
        self.cancel.set()

    # -- searching

    def search(self, query: str, limit: int = MATCH_LIMIT, compute_indices: bool = True) -> SearchResult:
        """The best `limit` matches of `query` among the entries indexed so far."""
        with self._search_lock:
            return self._search(query, limit, compute_indices)

    def _search(self, query: str, limit: int, compute_indices: bool) -> SearchResult:
        complete = self.walk_complete.is_set()    # before reading the store: never claims more
        store = self.store
        atoms = parse(query)
        with store.lock:
            count = store.count
            candidates = None
            last = self._last
            if last is not None and last[1] == self.generation and narrows(last[0], query):
                prev_ids = last[3]
                if last[2] == count:
                    candidates = prev_ids
                else:
                    candidates = array("I", prev_ids)
                    candidates.extend(range(last[2], count))
            ids, best = M.search_store(atoms, store, candidates, limit)
            self._last = (query, self.generation, count, ids)
            out = []
            for i, score in best:
                path = store.text(i)
                indices = None
                if compute_indices:
                    r = M.pattern_match(atoms, path, True)
                    indices = r[1] if r is not None else []
                out.append(FileMatch(score, path, self.roots[store.root_id(i)],
                                     "directory" if store.flags[i] & FLAG_DIR else "file", indices))
            return SearchResult(query, out, len(ids), store.live(), complete)

    # -- changes

    def rebuild(self) -> None:
        """Walk the roots again and swap the new entries in (ignore rules changed)."""
        fresh = FileIndex(self.roots, respect_ignore=self.respect_ignore, follow_links=self.follow_links,
                          cancel=self.cancel)
        fresh.build()
        if self.cancel.is_set():
            return
        with self._search_lock:
            self.store = fresh.store
            self.generation += 1
            self._last = None

    def apply_changes(self, removed: Iterable[tuple[int, str]] = (), added: Iterable[tuple[int, str, bool]] = (),
                      removed_trees: Iterable[tuple[int, str]] = ()) -> bool:
        """Apply file-system changes: `removed` (root id, path) entries, `removed_trees` (root id,
        dir path: the directory and everything below), `added` (root id, path, is_dir) entries
        (already filtered by the ignore rules). Returns True when something changed."""
        with self._search_lock:
            return self._apply_changes(removed, added, removed_trees)

    def _apply_changes(self, removed, added, removed_trees) -> bool:
        store = self.store
        changed = False
        with store.lock:
            kill: list[int] = []
            for rid, p in removed:
                kill.extend(store.find(p, rid))
            for rid, p in removed_trees:
                kill.extend(store.find(p, rid))
                kill.extend(store.find_under(p, rid))
            if kill:
                changed = store.kill(kill) > 0
            adds: dict[int, tuple[list, list]] = {}
            seen: set[tuple[int, str]] = set()
            for rid, p, d in added:
                if (rid, p) in seen or store.find(p, rid):
                    continue
                seen.add((rid, p))
                g = adds.setdefault(rid, ([], []))
                g[0].append(p)
                g[1].append(d)
            for rid, (ps, ds) in adds.items():
                store.add(ps, ds, rid)
                changed = True
            if store.dead > 4096 and store.dead * 2 > store.count:
                self.store = store.compacted()
                self.generation += 1
                self._last = None
        return changed


# ---------------------------------------------------------------------------------------------
# indexes shared by one-shot searches

_shared: dict[tuple, FileIndex] = {}
_shared_lock = threading.Lock()
SHARED_MAX = 4


def shared_index(roots: Sequence[str], *, watch: bool = True) -> FileIndex:
    """A built index of `roots`, kept (at most SHARED_MAX, least recently used evicted) and, with
    `watch`, kept current by a file-system watcher (set up in the background, then the index
    re-walks once to cover the gap). Without a watcher every call walks again."""
    key = tuple(roots)
    if not watch:
        return FileIndex(roots).build()
    with _shared_lock:
        idx = _shared.pop(key, None)
        if idx is not None:
            _shared[key] = idx
            return idx
    idx = FileIndex(roots).build()
    from .watch import Watcher
    w = Watcher(idx)
    idx._watcher = w            # type: ignore[attr-defined]

    def failed():               # no watcher: do not keep an index that would go stale
        with _shared_lock:
            if _shared.get(key) is idx:
                del _shared[key]

    w.start_async(resync=True, on_failed=failed)
    with _shared_lock:
        _shared[key] = idx
        while len(_shared) > SHARED_MAX:
            old_key = next(iter(_shared))
            old = _shared.pop(old_key)
            getattr(old, "_watcher", None) and old._watcher.stop()     # type: ignore[attr-defined]
            old.close()
    return idx


def clear_shared() -> None:
    with _shared_lock:
        items = list(_shared.values())
        _shared.clear()
    for idx in items:
        w = getattr(idx, "_watcher", None)
        if w is not None:
            w.stop()
        idx.close()
