"""The walk: the reference's file set on small trees (golden listings captured from the 0.136.0
app-server: fixtures/file_search/walk_cases.json) and the ignore rules one by one."""
from __future__ import annotations

import os
import threading

import pytest
from fs_helpers import isolated_home, load_capture_module, make_tree, outside_git, twin_module, walk_cases  # noqa: F401

from codex.file_search import ignore as ig
from codex.file_search import walker as W


@pytest.fixture(params=["pure", "compiled"])
def scanner(request, monkeypatch):
    """Run the walker with one twin's scan_dir."""
    mod = twin_module(request.param)
    monkeypatch.setattr(W, "scan_dir", mod.scan_dir)
    return request.param


def listing(root, **kw):
    return sorted([p, "directory" if d else "file"] for p, d in W.walk_paths(str(root), **kw))


@pytest.mark.parametrize("case", walk_cases(), ids=lambda c: c["name"])
def test_reference_listings(case, scanner, outside_git, monkeypatch):
    cap = load_capture_module()
    home = isolated_home(monkeypatch, outside_git)
    root = outside_git / "work" / "tree"
    cap.build_tree(root, case, home)
    assert listing(root) == case["expected"]


def test_root_entry_and_hidden_files(scanner, tmp_path, monkeypatch):
    isolated_home(monkeypatch, tmp_path)
    root = make_tree(tmp_path / "t", {".env": "", ".hidden/x": "", "a/b.txt": ""}, git=True)
    got = dict((p, d) for p, d in listing(root))
    assert got[""] == "directory"
    assert {".env", ".hidden", ".hidden/x", ".git", ".git/info", "a", "a/b.txt"} <= set(got)


def test_gitignore_needs_a_repository(scanner, outside_git, monkeypatch):
    tmp_path = outside_git
    isolated_home(monkeypatch, tmp_path)
    files = {".gitignore": "*.log\n", "a.log": "", "b.txt": ""}
    plain = make_tree(tmp_path / "plain", files)
    repo = make_tree(tmp_path / "repo", files, git=True)
    assert "a.log" in {p for p, _ in listing(plain)}
    assert "a.log" not in {p for p, _ in listing(repo)}


def test_gitfile_marks_a_repository(scanner, tmp_path, monkeypatch):
    isolated_home(monkeypatch, tmp_path)
    gitdir = tmp_path / "real-gitdir"
    (gitdir / "info").mkdir(parents=True)
    (gitdir / "info" / "exclude").write_text("excluded.txt\n")
    root = make_tree(tmp_path / "wt", {".git": f"gitdir: {gitdir}\n", ".gitignore": "*.log\n",
                                       "a.log": "", "excluded.txt": "", "kept.txt": ""})
    names = {p for p, _ in listing(root)}
    assert "a.log" not in names and "excluded.txt" not in names and "kept.txt" in names


def test_parent_ignore_files_apply(scanner, tmp_path, monkeypatch):
    isolated_home(monkeypatch, tmp_path)
    repo = make_tree(tmp_path / "repo", {".gitignore": "/top.txt\nparent_*\n", "sub/top.txt": "",
                                         "sub/parent_x": "", "sub/keep": ""}, git=True)
    assert listing(repo / "sub") == [["", "directory"], ["keep", "file"], ["top.txt", "file"]]


def test_global_excludes_from_gitconfig(scanner, outside_git, monkeypatch):
    tmp_path = outside_git
    home = isolated_home(monkeypatch, tmp_path)
    (home / ".gitconfig").write_text('[core]\n\texcludesFile = "~/my-excludes"\n')
    (home / "my-excludes").write_text("*.gx\n")
    repo = make_tree(tmp_path / "repo", {"a.gx": "", "b.txt": ""}, git=True)
    plain = make_tree(tmp_path / "plain", {"a.gx": ""})
    assert "a.gx" not in {p for p, _ in listing(repo)}
    assert "a.gx" in {p for p, _ in listing(plain)}           # only inside a repository
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert ig.global_excludes_path() == str(home / "my-excludes")


def test_global_excludes_default_location(scanner, tmp_path, monkeypatch):
    isolated_home(monkeypatch, tmp_path)
    xdg = tmp_path / "xdg"
    (xdg / "git").mkdir(parents=True)
    (xdg / "git" / "ignore").write_text("*.xg\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    repo = make_tree(tmp_path / "repo", {"a.xg": "", "b.txt": ""}, git=True)
    assert {p for p, _ in listing(repo)} >= {"b.txt"} and "a.xg" not in {p for p, _ in listing(repo)}


def test_respect_ignore_off(scanner, tmp_path, monkeypatch):
    isolated_home(monkeypatch, tmp_path)
    repo = make_tree(tmp_path / "repo", {".gitignore": "*.log\n", ".ignore": "x\n", "a.log": "", "x": ""}, git=True)
    names = {p for p, _ in listing(repo, respect_ignore=False)}
    assert {"a.log", "x"} <= names


def test_unreadable_and_missing_roots(scanner, tmp_path, monkeypatch):
    isolated_home(monkeypatch, tmp_path)
    assert listing(tmp_path / "nope") == []
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert listing(f) == [["", "file"]]


def test_cancel(scanner, tmp_path, monkeypatch):
    isolated_home(monkeypatch, tmp_path)
    root = make_tree(tmp_path / "t", {f"d{i}/f{j}": "" for i in range(5) for j in range(3)})
    ev = threading.Event()
    ev.set()
    with pytest.raises(W.Cancelled):
        W.Walker(str(root), cancel=ev).run(lambda p, d: None)


def test_batches(scanner, tmp_path, monkeypatch):
    isolated_home(monkeypatch, tmp_path)
    root = make_tree(tmp_path / "t", {f"d{i}/f{j}": "" for i in range(10) for j in range(10)})
    batches = []
    n = W.Walker(str(root), batch=16).run(lambda p, d: batches.append(len(p)))
    assert n == sum(batches) == 111 and len(batches) > 3


def test_subtree_walk_with_parent_frame(scanner, tmp_path, monkeypatch):
    isolated_home(monkeypatch, tmp_path)
    root = make_tree(tmp_path / "repo", {".gitignore": "*.log\n", "a/b/c.log": "", "a/b/d.txt": "",
                                         "a/.gitignore": "skip/\n", "a/b/skip/x": ""}, git=True)
    w = W.Walker(str(root))
    frame, ignored = w.frame_for("a")
    assert not ignored
    out = []
    w.run(lambda p, d: out.extend(p), start="a/b", start_frame=frame)
    assert sorted(out) == ["a/b/d.txt"]
    _, ignored = w.frame_for("a/b/skip")
    assert ignored


# --- the rule engine on its own -------------------------------------------------------------

@pytest.mark.parametrize("line, kind, only_dir, whitelist", [
    ("*.log", ig.Rule.NAME, False, False),
    ("build/", ig.Rule.NAME, True, False),
    ("/build", ig.Rule.FIXED, False, False),
    ("a/b", ig.Rule.FIXED, False, False),
    ("a/**/b", ig.Rule.DEEP, False, False),
    ("foo/**", ig.Rule.DEEP, False, False),
    ("!keep", ig.Rule.NAME, False, True),
    ("\\!x", ig.Rule.NAME, False, False),
])
def test_rule_classification(line, kind, only_dir, whitelist):
    r = ig.parse_line(line)
    assert (r.kind, r.only_dir, r.whitelist) == (kind, only_dir, whitelist)


@pytest.mark.parametrize("line", ["", "   ", "# comment", "/"])
def test_lines_without_rules(line):
    assert ig.parse_line(line) is None


@pytest.mark.parametrize("glob, hits, misses", [
    ("*.log", ["a.log", ".log"], ["a.log/x", "alog"]),
    ("q?.md", ["q1.md"], ["q12.md", "q/.md"]),
    ("[xy]f", ["xf", "yf"], ["zf"]),
    ("[!a]b", ["cb"], ["ab"]),
    ("{a,b}.c", ["a.c", "b.c"], ["c.c"]),
    ("a/**/b", ["a/b", "a/x/b", "a/x/y/b"], ["ab", "a/xb"]),
    ("**/b", ["b", "x/b", "x/y/b"], ["xb"]),
    ("a/**", ["a/x", "a/x/y"], ["a", "ab"]),
    ("[abc", ["[abc"], ["a"]),
    ("a\\*b", ["a*b"], ["axb"]),
])
def test_globs(glob, hits, misses):
    rx = ig._compile(glob)
    for h in hits:
        assert rx.fullmatch(h), (glob, h)
    for m in misses:
        assert not rx.fullmatch(m), (glob, m)


def test_last_matching_line_wins_and_precedence():
    gi = ig.IgnoreFile("x", "*.log\n!keep.log\nkeep.log\n")
    f = ig.DirFilter([("", gi.relevant("")[0])])
    assert f.ignored("a.log", False) and f.ignored("keep.log", False)
    gi2 = ig.IgnoreFile("x", "*.log\n!keep.log\n")
    f2 = ig.DirFilter([("", gi2.relevant("")[0])])
    assert f2.ignored("a.log", False) and not f2.ignored("keep.log", False)
    # .ignore (first in the chain) whitelists what .gitignore ignores
    dot_ignore = ig.IgnoreFile("i", "!a.log\n")
    f3 = ig.DirFilter([("", dot_ignore.relevant("")[0]), ("", gi2.relevant("")[0])])
    assert not f3.ignored("a.log", False) and f3.ignored("b.log", False)


def test_only_dir_rules_skip_files():
    gi = ig.IgnoreFile("x", "out/\n")
    f = ig.DirFilter([("", gi.relevant("")[0])])
    assert f.ignored("out", True) and not f.ignored("out", False)


def test_excludes_file_parsing(tmp_path, monkeypatch):
    home = isolated_home(monkeypatch, tmp_path)
    (home / ".gitconfig").write_text("[user]\n\tname = x\n[core]\n\texcludesfile = ~/ex\n")
    assert ig.global_excludes_path() == f"{home}/ex"
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gc"))
    (tmp_path / "gc").write_text("[core]\nexcludesFile=/abs/path\n")
    assert ig.global_excludes_path() == "/abs/path"


def test_exclude_path_for_worktrees(tmp_path):
    common = tmp_path / "main.git"
    wtdir = common / "worktrees" / "w"
    wtdir.mkdir(parents=True)
    (wtdir / "commondir").write_text("../..\n")
    wt = tmp_path / "wt"
    wt.mkdir()
    (wt / ".git").write_text(f"gitdir: {wtdir}\n")
    assert os.path.normpath(ig.exclude_path_for(str(wt), True)) == str(common / "info" / "exclude")
    assert ig.exclude_path_for(str(tmp_path), False) == str(tmp_path / ".git" / "info" / "exclude")
