"""codex.git.diff: the working-tree diff text, byte for byte what upstream's /diff gets from git
(`git diff` + `git diff --no-index /dev/null <untracked>`), when the git CLI is there."""
from __future__ import annotations

import shutil
import subprocess

import pytest

pygit2 = pytest.importorskip("pygit2")

from codex.git.diff import diff_against, working_tree_diff  # noqa: E402

SIG = pygit2.Signature("T", "t@example.invalid", 1735689600, 0)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)


def repo_with_changes(ws):
    repo = pygit2.init_repository(str(ws), initial_head="main")
    (ws / "t.txt").write_text("a\nb\n")
    (ws / "d").mkdir()
    (ws / "d" / "y.txt").write_text("x\n")
    (ws / "gone.txt").write_text("bye\n")
    for rel in ("t.txt", "d/y.txt", "gone.txt"):
        repo.index.add(rel)
    repo.index.write()
    repo.create_commit("HEAD", SIG, SIG, "init\n", repo.index.write_tree(), [])
    (ws / "t.txt").write_text("a\nB\nc\n")
    (ws / "gone.txt").unlink()
    (ws / "n.txt").write_text("new\n")
    (ws / "nd").mkdir()
    (ws / "nd" / "z.md").write_text("q\n")
    (ws / ".gitignore").write_text("*.ig\n")
    (ws / "skip.ig").write_text("ignored\n")
    return repo


def git_cli_diff(ws) -> str:
    run = lambda *a: subprocess.run(["git", *a], cwd=ws, capture_output=True, text=True).stdout  # noqa: E731
    text = run("diff")
    for f in [l for l in run("ls-files", "--others", "--exclude-standard").split("\n") if l.strip()]:
        text += run("diff", "--no-index", "--", "/dev/null", f)
    return text


def test_not_a_repository(tmp_path):
    assert working_tree_diff(tmp_path) == (False, "")
    assert diff_against(tmp_path) is None


def test_working_tree_diff(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    repo_with_changes(ws)
    ok, text = working_tree_diff(ws)
    assert ok
    assert "-b\n+B\n+c\n" in text and "deleted file mode" in text
    assert "+++ b/n.txt" in text and "+++ b/nd/z.md" in text and "skip.ig" not in text
    assert text.index("t.txt") < text.index("n.txt")          # tracked changes first
    if shutil.which("git"):
        assert text == git_cli_diff(ws)


def test_clean_tree_and_diff_against(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    repo = repo_with_changes(ws)
    assert "n.txt" in diff_against(ws, "HEAD")
    assert "n.txt" not in diff_against(ws, "HEAD", include_untracked=False)
    assert diff_against(ws, "no-such-rev") is None
    for rel in ("t.txt", "n.txt", "nd/z.md", ".gitignore"):
        repo.index.add(rel)
    repo.index.remove("gone.txt")
    repo.index.write()
    repo.create_commit("HEAD", SIG, SIG, "more\n", repo.index.write_tree(), [repo.head.target])
    assert working_tree_diff(ws) == (True, "")
