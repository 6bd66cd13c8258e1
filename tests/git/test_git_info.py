"""codex.git.info on scratch repositories made with pygit2: session_meta's `git` object exactly
as in the captured rollouts, the turn-metadata `workspaces` entry as in the captured headers."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

pygit2 = pytest.importorskip("pygit2")

from codex.git import info  # noqa: E402

REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
SIG = pygit2.Signature("Ref Capture", "ref@example.invalid", 1735689600, 0)   # 2025-01-01T00:00:00Z


@pytest.fixture(autouse=True)
def _isolated_git_config(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GIT_DIR", raising=False)
    for level in (pygit2.enums.ConfigLevel.GLOBAL, pygit2.enums.ConfigLevel.XDG,
                  pygit2.enums.ConfigLevel.SYSTEM):
        try:
            pygit2.settings.search_path[level] = str(home)
        except Exception:   # noqa: BLE001 - older pygit2
            pass


def make_repo(path: Path, files: dict[str, str] | None = None, message: str = "initial\n", branch: str = "main"):
    repo = pygit2.init_repository(str(path), initial_head=branch)
    for rel, content in (files if files is not None else {"README.md": "# scratch workspace\n"}).items():
        p = path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
        repo.index.add(rel)
    repo.index.write()
    if files != {}:
        tree = repo.index.write_tree()
        parents = [] if repo.head_is_unborn else [repo.head.target]
        repo.create_commit("HEAD", SIG, SIG, message, tree, parents)
    return repo


def test_outside_a_repository(tmp_path):
    d = tmp_path / "plain"
    d.mkdir()
    assert info.collect_git_info(d) is None
    root = info.get_git_repo_root(d)          # an unrelated ancestor may hold a stray .git
    assert root is None or (root != str(d) and os.path.exists(os.path.join(root, ".git")))
    assert info.workspace_metadata(d) == {}
    assert info.get_has_changes(d) is None


def test_matches_the_captured_rollouts(tmp_path):
    """The exec captures' workspace (RefEnv.init_git) gives commit 529e2b9f... on main."""
    make_repo(tmp_path / "ws")
    git = info.collect_git_info(tmp_path / "ws")
    assert git.to_json() == {"commit_hash": "529e2b9f7ee79ce59fa46d20886607ccc36b7dd2", "branch": "main"}
    rollout = REF / "exec" / "agents_md" / "rollout.jsonl"
    if rollout.exists():
        meta = json.loads(rollout.read_text().splitlines()[0])["payload"]
        assert json.dumps(meta["git"]) == json.dumps(git.to_json())


def test_turn_metadata_workspace_entry(tmp_path):
    ws = tmp_path / "ws"
    make_repo(ws)
    assert info.workspace_metadata(ws) == {str(ws): {"latest_git_commit_hash": "529e2b9f7ee79ce59fa46d20886607ccc36b7dd2",
                                                      "has_changes": False}}
    (ws / "AGENTS.md").write_text("x")          # untracked counts (the agents_md capture)
    entry = info.workspace_metadata(ws)[str(ws)]
    assert entry["has_changes"] is True
    # the header's key order
    header = REF / "exec" / "agents_md" / "requests.jsonl"
    if header.exists():
        h = json.loads(header.read_text().splitlines()[0])["headers"]["x-codex-turn-metadata"]
        captured = json.loads(h)["workspaces"]["<CWD>"]
        assert json.dumps(captured) == json.dumps(entry)


def test_remotes_and_origin(tmp_path):
    ws = tmp_path / "ws"
    repo = make_repo(ws)
    repo.remotes.create("upstream", "https://example.invalid/up.git")
    repo.remotes.create("origin", "/srv/origin.git")
    git = info.collect_git_info(ws)
    assert git.to_json() == {"commit_hash": str(repo.head.target), "branch": "main", "repository_url": "/srv/origin.git"}
    entry = info.workspace_metadata(ws)[str(ws)]
    assert list(entry) == ["associated_remote_urls", "latest_git_commit_hash", "has_changes"]
    assert entry["associated_remote_urls"] == {"origin": "/srv/origin.git", "upstream": "https://example.invalid/up.git"}
    assert list(entry["associated_remote_urls"]) == ["origin", "upstream"]


def test_empty_repository(tmp_path):
    ws = tmp_path / "ws"
    make_repo(ws, files={})
    git = info.collect_git_info(ws)
    assert git is not None and git.to_json() == {}
    assert info.get_head_commit_hash(ws) is None
    assert info.workspace_metadata(ws) == {str(ws): {"has_changes": False}}


def test_detached_head_has_no_branch(tmp_path):
    ws = tmp_path / "ws"
    repo = make_repo(ws)
    repo.set_head(repo.head.target)
    git = info.collect_git_info(ws)
    assert git.branch is None and git.commit_hash == str(repo.head.target)


def test_other_branch_and_subdirectory(tmp_path):
    ws = tmp_path / "ws"
    make_repo(ws, {"src/a.py": "x\n"}, branch="feature/x")
    sub = ws / "src"
    assert info.get_git_repo_root(sub) == str(ws)
    assert info.get_git_repo_root(sub / "a.py") == str(ws)
    assert info.collect_git_info(sub).branch == "feature/x"
    assert list(info.workspace_metadata(sub)) == [str(ws)]


def test_has_changes(tmp_path):
    ws = tmp_path / "ws"
    repo = make_repo(ws, {"a.txt": "a\n", ".gitignore": "*.log\n"})
    assert info.get_has_changes(ws) is False
    (ws / "x.log").write_text("ignored")
    assert info.get_has_changes(ws) is False
    (ws / "a.txt").write_text("changed\n")
    assert info.get_has_changes(ws) is True
    (ws / "a.txt").write_text("a\n")
    assert info.get_has_changes(ws) is False
    (ws / "b.txt").write_text("staged\n")
    repo.index.add("b.txt")
    repo.index.write()
    assert info.get_has_changes(ws) is True


def test_show_untracked_no(tmp_path):
    ws = tmp_path / "ws"
    repo = make_repo(ws)
    repo.config["status.showUntrackedFiles"] = "no"
    (ws / "new.txt").write_text("x")
    assert info.get_has_changes(ws) is False


def test_gitfile_repository_root(tmp_path):
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text("gitdir: /elsewhere\n")
    assert info.get_git_repo_root(tmp_path / "wt") == str(tmp_path / "wt")


def test_pygit2_is_not_imported_with_the_package():
    import subprocess
    code = "import sys, codex.git, codex.git.info, codex.git.diff; print('pygit2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "False"
