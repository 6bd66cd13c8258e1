"""The file-search walk: every file and directory under a root that the reference lists.

Settings of codex 0.136.0's walker (ripgrep's `ignore` crate, checked against the binary):
hidden files and `.git` are listed, symbolic links are followed (a link to one of its own
ancestors is a loop and is dropped, as are broken links), paths that are not UTF-8 are dropped
with everything below them, the root itself is an entry with the empty path, and the ignore
rules of `ignore.py` apply (`.gitignore` only inside a git repository).

One thread: the cost is the kernel's (open/getdents/close per directory; on the 2-core machine
this was measured on, a second walking thread gave nothing, the system calls serialize). The
directory listing is the compiled core's `scan_dir` (no `stat` per entry: file types come from
`d_type`, ignore files are spotted in the listing instead of probed) or its pure twin.
"""
from __future__ import annotations

import os
import threading
from typing import Callable

from . import ignore as ig
from .match import scan_dir

# scan_dir kinds
K_FILE, K_DIR, K_LINK_DIR, K_LINK_FILE = 0, 1, 2, 3
# scan_dir marks
M_GIT_DIR, M_GIT_FILE, M_GITIGNORE, M_IGNORE = 1, 2, 4, 8

Sink = Callable[[list, list], None]


class Cancelled(Exception):
    pass


def _parent_frames(root_abs: str, load_ignores: bool) -> ig.Frame | None:
    """Frames for the directories above the root (their ignore files and `.git` markers)."""
    try:
        real = os.path.realpath(root_abs)
    except OSError:
        return None
    parts = [p for p in real.split("/") if p]
    frame: ig.Frame | None = None
    for depth in range(len(parts)):
        d = "/" + "/".join(parts[:depth])
        base = "/".join(parts[depth:])
        git = os.path.join(d, ".git")
        try:
            git_is_file = not os.path.isdir(git)
            has_git = os.path.exists(git)
        except OSError:
            has_git = git_is_file = False
        ignore_f = gitignore_f = exclude_f = None
        if load_ignores:
            ignore_f = ig.IgnoreFile.load(os.path.join(d, ".ignore"))
            gitignore_f = ig.IgnoreFile.load(os.path.join(d, ".gitignore"))
            if has_git:
                exclude_f = ig.IgnoreFile.load(ig.exclude_path_for(d, git_is_file))
        frame = ig.Frame(frame, None, base, ignore_f, gitignore_f, exclude_f, has_git)
    return frame


class Walker:
    """Walks one root. `run(sink)` calls `sink(paths, is_dir_flags)` with batches of entries
    (paths relative to the root, '/'-separated, '' for the root) and returns the entry count.
    `cancel` (a threading.Event) is checked between directories; a cancelled walk raises
    `Cancelled`."""

    def __init__(self, root: str, *, respect_ignore: bool = True, follow_links: bool = True,
                 cancel: threading.Event | None = None, batch: int = 8192,
                 global_excludes: ig.IgnoreFile | None | bool = True):
        self.root = root
        self.root_abs = os.path.abspath(root)
        self.respect_ignore = respect_ignore
        self.follow_links = follow_links
        self.cancel = cancel
        self.batch = batch
        if global_excludes is True:
            global_excludes = ig.load_global() if respect_ignore else None
        self.rules = ig.Rules(self.root_abs, global_excludes or None)
        self._inode_cache: dict[str, tuple[int, int] | None] = {}

    # -- helpers

    def _load_frame(self, parent: ig.Frame, rel: str, dir_abs: str, marks: int) -> ig.Frame:
        if not marks:
            return parent
        ignore_f = gitignore_f = exclude_f = None
        has_git = bool(marks & (M_GIT_DIR | M_GIT_FILE))
        if marks & M_IGNORE:
            ignore_f = ig.IgnoreFile.load(dir_abs + "/.ignore")
        if marks & M_GITIGNORE:
            gitignore_f = ig.IgnoreFile.load(dir_abs + "/.gitignore")
        if has_git:
            exclude_f = ig.IgnoreFile.load(ig.exclude_path_for(dir_abs, bool(marks & M_GIT_FILE)))
        return parent.child(rel, ignore_f, gitignore_f, exclude_f, has_git)

    def _ino(self, path: str) -> tuple[int, int] | None:
        v = self._inode_cache.get(path, False)
        if v is False:
            try:
                st = os.stat(path)
                v = (st.st_dev, st.st_ino)
            except OSError:
                v = None
            self._inode_cache[path] = v
        return v

    def _is_loop(self, link_abs: str, ancestors_abs: list[str]) -> bool:
        target = self._ino(link_abs)
        if target is None:
            return True
        return any(self._ino(a) == target for a in ancestors_abs)

    # -- the walk

    def root_frame(self) -> ig.Frame:
        """The frame of the root directory's parent chain (the root's own files come with its
        listing)."""
        top = _parent_frames(self.root_abs, True) if self.respect_ignore else None
        return ig.Frame(top, "", None)

    def frame_for(self, rel_dir: str) -> tuple[ig.Frame, bool]:
        """The frame for the entries of directory `rel_dir` (relative to the root), built by
        reading the ignore files on the way down, and whether `rel_dir` itself (or a directory
        above it) is ignored."""
        frame = self.root_frame()
        parts = rel_dir.split("/") if rel_dir else []
        rel = ""
        ignored = False
        for depth in range(len(parts) + 1):
            dir_abs = self.root_abs + ("/" + rel if rel else "")
            marks = 0
            for name, bit in ((".git", M_GIT_DIR), (".gitignore", M_GITIGNORE), (".ignore", M_IGNORE)):
                p = dir_abs + "/" + name
                if os.path.lexists(p):
                    marks |= bit if name != ".git" or os.path.isdir(p) else M_GIT_FILE
            if self.respect_ignore:
                frame = self._load_frame(frame, rel, dir_abs, marks)
            if depth == len(parts):
                break
            name = parts[depth]
            if self.respect_ignore and self.rules.filter_for(frame, rel).ignored(name, True):
                ignored = True
            rel = rel + "/" + name if rel else name
        return frame, ignored

    def run(self, sink: Sink, start: str = "", start_frame: ig.Frame | None = None) -> int:
        """Walk the root (or, with `start`, the subtree at that relative path, whose parent's
        frame is `start_frame`; the start entry itself is not reported then)."""
        root_abs = self.root_abs
        top_abs = root_abs + "/" + start if start else root_abs
        try:
            st = os.stat(top_abs)
        except OSError:
            return 0
        import stat as _stat
        if not _stat.S_ISDIR(st.st_mode):
            if not start:
                sink([""], [False])
                return 1
            return 0
        respect = self.respect_ignore
        base_frame = start_frame if start_frame is not None else self.root_frame()
        rules = self.rules
        cancel = self.cancel
        batch = self.batch
        out_paths: list[str] = [] if start else [""]
        out_dirs: list[bool] = [] if start else [True]
        total = 0
        # stack items: (abs path bytes, rel path, frame, parent chain for loop checks)
        chain0 = None
        if start:
            chain0 = None
            d = os.path.dirname(top_abs)
            anc = []
            while len(d) >= len(root_abs):
                anc.append(d)
                if d == root_abs:
                    break
                d = os.path.dirname(d)
            for a in reversed(anc):
                chain0 = (chain0, os.fsencode(a))
        stack: list[tuple] = [(os.fsencode(top_abs), start, base_frame, chain0)]
        follow = self.follow_links
        while stack:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            abs_b, rel, frame, chain = stack.pop()
            res = scan_dir(abs_b)
            if res is None:
                continue
            names, kinds, marks = res
            if respect:
                if marks:
                    frame = self._load_frame(frame, rel, os.fsdecode(abs_b), marks)
                filt = rules.filter_for(frame, rel)
                check = None if filt.empty else filt.ignored
            else:
                check = None
            prefix = rel + "/" if rel else ""
            abs_prefix = abs_b + b"/"
            for name, k in zip(names, kinds):
                is_dir = k == K_DIR or k == K_LINK_DIR
                if check is not None and check(name, is_dir):
                    continue
                p = prefix + name
                if is_dir:
                    if k == K_LINK_DIR:
                        if not follow:
                            is_dir = False
                        else:
                            ancestors = self._ancestors(chain, abs_b)
                            if self._is_loop(os.fsdecode(abs_prefix) + name, ancestors):
                                continue
                            stack.append((abs_prefix + name.encode("utf-8", "surrogateescape"), p, frame,
                                          (chain, abs_b)))
                    else:
                        stack.append((abs_prefix + name.encode("utf-8", "surrogateescape"), p, frame,
                                      (chain, abs_b) if follow else None))
                out_paths.append(p)
                out_dirs.append(is_dir)
            if len(out_paths) >= batch:
                total += len(out_paths)
                sink(out_paths, out_dirs)
                out_paths = []
                out_dirs = []
        if out_paths:
            total += len(out_paths)
            sink(out_paths, out_dirs)
        return total

    @staticmethod
    def _ancestors(chain, abs_b: bytes) -> list[str]:
        out = [os.fsdecode(abs_b)]
        c = chain
        while c is not None:
            c, b = c
            out.append(os.fsdecode(b))
        return out


def walk_paths(root: str, **kw) -> list[tuple[str, bool]]:
    """All entries of `root` as (relative path, is_dir), in walk order (tests, tools)."""
    out: list[tuple[str, bool]] = []

    def sink(paths, dirs):
        out.extend(zip(paths, dirs))

    Walker(root, **kw).run(sink)
    return out
