"""What Codex records about the git repository of a working directory.

Mirrors codex-rs/git-utils `info.rs` (which runs the git CLI: `rev-parse --git-dir`,
`rev-parse HEAD`, `rev-parse --abbrev-ref HEAD`, `remote get-url origin`, `remote -v`,
`status --porcelain`) with libgit2 through pygit2, in-process:

* `get_git_repo_root(path)`: the nearest directory at or above `path` holding `.git` (a
  directory or a gitdir file); no git needed.
* `collect_git_info(cwd)`: session_meta's `git` object, `GitInfo(commit_hash, branch,
  repository_url)`; a field is left out when git would fail (no commit yet, detached HEAD:
  no branch, no `origin` remote); None outside a repository.
* `workspace_metadata(cwd)`: the turn metadata header's `workspaces` map,
  `{repo_root: {"associated_remote_urls": {name: fetch url}, "latest_git_commit_hash": sha,
  "has_changes": bool}}` with absent parts left out (and no entry when all are absent).

Differences from the CLI that can show: libgit2 ignores `url.<base>.insteadOf` rewriting and
fsmonitor; both refuse repositories owned by another user unless `safe.directory` allows them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


def get_git_repo_root(base: str | os.PathLike) -> str | None:
    """upstream `get_git_repo_root`: walk up from `base` (its parent when it is not a
    directory) to the first directory that contains a `.git` entry."""
    p = os.path.abspath(os.fspath(base))
    if not os.path.isdir(p):
        p = os.path.dirname(p)
    while True:
        if os.path.exists(os.path.join(p, ".git")):
            return p
        parent = os.path.dirname(p)
        if parent == p:
            return None
        p = parent


def _open_repo(cwd: str | os.PathLike):
    """The pygit2 Repository containing `cwd`, or None."""
    try:
        import pygit2
    except ImportError:          # pragma: no cover - a declared dependency
        return None
    try:
        path = pygit2.discover_repository(os.fspath(cwd))
    except Exception:            # noqa: BLE001 - libgit2 errors: not a repository
        return None
    if path is None:
        return None
    try:
        return pygit2.Repository(path)
    except Exception:            # noqa: BLE001
        return None


def _head_commit(repo) -> str | None:
    try:
        if repo.head_is_unborn:
            return None
        return str(repo.head.target)
    except Exception:            # noqa: BLE001
        return None


def _branch(repo) -> str | None:
    """`git rev-parse --abbrev-ref HEAD`, None where it fails or prints HEAD (detached)."""
    try:
        if repo.head_is_unborn or repo.head_is_detached:
            return None
        return repo.head.shorthand
    except Exception:            # noqa: BLE001
        return None


def _remote_url(repo, name: str) -> str | None:
    try:
        remote = repo.remotes[name]
    except (KeyError, ValueError, Exception):     # noqa: BLE001
        return None
    url = remote.url
    return url.strip() if url else None


@dataclass
class GitInfo:
    commit_hash: str | None = None
    branch: str | None = None
    repository_url: str | None = None

    def to_json(self) -> dict[str, str]:
        """As serialized in session_meta (absent fields skipped, upstream's order)."""
        out: dict[str, str] = {}
        if self.commit_hash is not None:
            out["commit_hash"] = self.commit_hash
        if self.branch is not None:
            out["branch"] = self.branch
        if self.repository_url is not None:
            out["repository_url"] = self.repository_url
        return out


def collect_git_info(cwd: str | os.PathLike) -> GitInfo | None:
    """session_meta's `git`: None when `cwd` is not in a git repository."""
    repo = _open_repo(cwd)
    if repo is None:
        return None
    return GitInfo(_head_commit(repo), _branch(repo), _remote_url(repo, "origin"))


def get_head_commit_hash(cwd: str | os.PathLike) -> str | None:
    repo = _open_repo(cwd)
    return _head_commit(repo) if repo is not None else None


def get_git_remote_urls(cwd: str | os.PathLike) -> dict[str, str] | None:
    """Fetch URLs of all remotes by name (sorted), None when there are none."""
    repo = _open_repo(cwd)
    if repo is None:
        return None
    return _remote_urls(repo)


def _remote_urls(repo) -> dict[str, str] | None:
    out: dict[str, str] = {}
    try:
        for remote in repo.remotes:
            url = remote.url
            if url:
                out[remote.name] = url
    except Exception:            # noqa: BLE001
        return None
    return dict(sorted(out.items())) or None


def _show_untracked(repo) -> str:
    try:
        v = repo.config["status.showUntrackedFiles"]
    except (KeyError, Exception):  # noqa: BLE001
        return "normal"
    v = str(v).lower()
    return "no" if v in ("no", "false", "0", "off") else ("all" if v == "all" else "normal")


def get_has_changes(cwd: str | os.PathLike) -> bool | None:
    """`git status --porcelain` is not empty: staged, unstaged or untracked (not ignored)
    changes. None outside a repository or on error."""
    repo = _open_repo(cwd)
    if repo is None:
        return None
    return _has_changes(repo)


def _has_changes(repo) -> bool | None:
    if repo.is_bare:
        return None
    try:
        untracked = _show_untracked(repo)
        status = repo.status(untracked_files=untracked, ignored=False)
    except Exception:            # noqa: BLE001
        return None
    return bool(status)


def workspace_entry(cwd: str | os.PathLike) -> dict[str, Any] | None:
    """One value of the turn metadata `workspaces` map for `cwd` (None when empty)."""
    repo = _open_repo(cwd)
    if repo is None:
        return None
    entry: dict[str, Any] = {}
    remotes = _remote_urls(repo)
    if remotes:
        entry["associated_remote_urls"] = remotes
    head = _head_commit(repo)
    if head is not None:
        entry["latest_git_commit_hash"] = head
    changes = _has_changes(repo)
    if changes is not None:
        entry["has_changes"] = changes
    return entry or None


def workspace_metadata(cwd: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """The turn metadata `workspaces` map for one working directory: keyed by the repository
    root; empty outside a repository."""
    root = get_git_repo_root(cwd)
    if root is None:
        return {}
    entry = workspace_entry(cwd)
    return {root: entry} if entry else {}
