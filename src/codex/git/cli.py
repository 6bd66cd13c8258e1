"""The git facts a session needs, from the git CLI run concurrently, as upstream gathers them
(`git_info.rs`: `rev-parse --git-dir`, `rev-parse HEAD`, `rev-parse --abbrev-ref HEAD`,
`remote get-url origin`, `remote -v`, `status --porcelain`, each with a 5 s timeout).

Async twins of `codex.git.info.collect_git_info` / `workspace_metadata` for the turn loop:
no libgit2 load on the start-up path (pygit2's import alone costs ~40 ms), and the same
answers git itself gives (url rewriting, fsmonitor, safe.directory).
"""
from __future__ import annotations

import asyncio
import os
from typing import Any

GIT_COMMAND_TIMEOUT = 5.0


async def run_git(args: list[str], cwd: str, timeout: float = GIT_COMMAND_TIMEOUT) -> tuple[int, str] | None:
    """(exit code, stdout) of `git <args>` in `cwd`; None when git cannot run or times out."""
    try:
        proc = await asyncio.create_subprocess_exec(
            "git", *args, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    except OSError:
        return None
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        await proc.wait()
        return None
    return proc.returncode or 0, out.decode("utf-8", "replace")


async def collect_git_info(cwd: str) -> dict[str, str] | None:
    """session_meta's `git`: {commit_hash, branch, repository_url}, absent parts left out;
    None outside a repository."""
    probe = await run_git(["rev-parse", "--git-dir"], cwd)
    if probe is None or probe[0] != 0:
        return None
    commit, branch, url = await asyncio.gather(
        run_git(["rev-parse", "HEAD"], cwd),
        run_git(["rev-parse", "--abbrev-ref", "HEAD"], cwd),
        run_git(["remote", "get-url", "origin"], cwd))
    info: dict[str, str] = {}
    if commit is not None and commit[0] == 0:
        info["commit_hash"] = commit[1].strip()
    if branch is not None and branch[0] == 0 and branch[1].strip() != "HEAD":
        info["branch"] = branch[1].strip()
    if url is not None and url[0] == 0:
        info["repository_url"] = url[1].strip()
    return info


def _remotes(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == "(fetch)":
            out.setdefault(parts[0], parts[1])
    return dict(sorted(out.items()))


async def workspace_metadata(cwd: str) -> dict[str, dict[str, Any]]:
    """The turn metadata `workspaces` map: {repo root: {associated_remote_urls?,
    latest_git_commit_hash?, has_changes?}}; empty outside a repository."""
    from codex.git.info import get_git_repo_root

    root = get_git_repo_root(cwd)
    if root is None:
        return {}
    remotes, head, status = await asyncio.gather(
        run_git(["remote", "-v"], cwd), run_git(["rev-parse", "HEAD"], cwd),
        run_git(["status", "--porcelain"], cwd))
    entry: dict[str, Any] = {}
    if remotes is not None and remotes[0] == 0:
        urls = _remotes(remotes[1])
        if urls:
            entry["associated_remote_urls"] = urls
    if head is not None and head[0] == 0 and head[1].strip():
        entry["latest_git_commit_hash"] = head[1].strip()
    if status is not None and status[0] == 0:
        entry["has_changes"] = bool(status[1].strip())
    return {os.path.normpath(root): entry} if entry else {}
