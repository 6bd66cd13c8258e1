"""Working-tree diffs (what `/diff` shows and `codex apply` works against).

`working_tree_diff(cwd)` mirrors upstream's TUI `get_git_diff`: `(is_git_repo, text)` where text
is the changes of tracked files not yet staged (`git diff`: worktree against the index) followed
by every untracked, not-ignored file as an addition (`git diff --no-index /dev/null <file>`, in
`git ls-files --others --exclude-standard` order). Plain text: colouring is the face's job.
`diff_against(cwd, rev)` is the worktree against a commit (`git diff <rev>`), untracked files
included the same way.

Built on libgit2 (pygit2, imported on first use); the patch text is git's unified format.
"""
from __future__ import annotations

import os

from .info import _open_repo


def _untracked_patches(repo) -> str:
    import pygit2
    from pygit2.enums import DeltaStatus, DiffOption

    flags = DiffOption.INCLUDE_UNTRACKED | DiffOption.RECURSE_UNTRACKED_DIRS | DiffOption.SHOW_UNTRACKED_CONTENT
    diff = repo.diff(flags=flags)
    parts = []
    for patch in sorted((p for p in diff if p.delta.status == DeltaStatus.UNTRACKED),
                        key=lambda p: p.delta.new_file.path.encode("utf-8", "surrogateescape")):
        text = patch.text
        if text:
            parts.append(_fix_untracked_header(repo, patch, text, pygit2))
    return "".join(parts)


def _fix_untracked_header(repo, patch, text: str, pygit2) -> str:
    """libgit2 leaves the new blob id of an untracked file zero; git hashes the content."""
    zero = "0" * 7
    path = patch.delta.new_file.path
    try:
        with open(os.path.join(repo.workdir, path), "rb") as f:
            data = f.read()
        oid = str(pygit2.hash(data))[:7]
    except OSError:
        return text
    return text.replace(f"index {zero}..{zero}", f"index {zero}..{oid}", 1)


def working_tree_diff(cwd: str | os.PathLike) -> tuple[bool, str]:
    """(inside a git repository, unstaged changes + untracked files as a patch)."""
    repo = _open_repo(cwd)
    if repo is None or repo.is_bare:
        return False, ""
    tracked = repo.diff()
    return True, (tracked.patch or "") + _untracked_patches(repo)


def diff_against(cwd: str | os.PathLike, rev: str = "HEAD", include_untracked: bool = True) -> str | None:
    """The worktree against commit `rev` (`git diff <rev>`), untracked files appended; None when
    `cwd` is not in a repository or `rev` does not resolve."""
    repo = _open_repo(cwd)
    if repo is None or repo.is_bare:
        return None
    try:
        obj = repo.revparse_single(rev)
        commit = obj.peel(None) if hasattr(obj, "peel") else obj
        tree = commit.tree if hasattr(commit, "tree") else commit
    except Exception:            # noqa: BLE001 - unknown revision
        return None
    diff = tree.diff_to_workdir()
    text = diff.patch or ""
    if include_untracked:
        text += _untracked_patches(repo)
    return text
