"""Git utilities (codex-rs/git-utils): repository root, HEAD commit and branch, remotes, whether
the worktree has changes, working-tree diffs.

Import-cheap: pygit2 (libgit2) is imported inside the functions that need it (about 120 ms the
first time), never here. `info.py` answers what session_meta's `git` object and the
`x-codex-turn-metadata` header's `workspaces` entry hold; `diff.py` produces diffs.
"""
