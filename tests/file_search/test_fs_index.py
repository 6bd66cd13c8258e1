"""PathStore, FileIndex (search, narrowing, several roots, changes) and the app-server shapes."""
from __future__ import annotations

import random

import pytest
from fs_helpers import isolated_home, make_tree, twin_module

from codex.file_search import index as I
from codex.file_search import match as M
from codex.file_search.api import fuzzy_file_search, wire_files


@pytest.fixture(autouse=True)
def _home(monkeypatch, tmp_path):
    isolated_home(monkeypatch, tmp_path)


@pytest.fixture(params=["pure", "compiled"])
def twin(request, monkeypatch):
    mod = twin_module(request.param)
    for name in ("score_store", "search_store", "top_k", "pattern_match"):
        monkeypatch.setattr(M, name, getattr(mod, name))
    return mod


def test_path_store_buffers():
    st = I.PathStore()
    assert st.add(["a", "b/c", "日本/x"], [True, False, False]) == 0
    assert st.add(["d"], [False], root_id=1) == 3
    assert st.count == 4 and st.live() == 4
    assert [st.text(i) for i in range(4)] == ["a", "b/c", "日本/x", "d"]
    assert st.is_dir(0) and not st.is_dir(1)
    assert st.char_len(2) == 4 and st.char_len(1) == 3
    assert [st.root_id(i) for i in range(4)] == [0, 0, 0, 1]
    assert bytes(st.low) == bytes(st.blob).lower()
    assert st.find("b/c") == [1] and st.find("b") == []
    st.add(["b/d", "b"], [False, True])
    assert sorted(st.find_under("b")) == [1, 4]
    st.kill([1])
    assert st.find("b/c") == [] and st.live() == 5
    c = st.compacted()
    assert sorted(c.text(i) for i in range(c.count)) == ["a", "b", "b/d", "d", "日本/x"]
    assert c.root_id([c.text(i) for i in range(c.count)].index("d")) == 1


def test_search_results_and_wire_shape(twin, tmp_path):
    root = make_tree(tmp_path / "p", {"README.md": "", "src/main.py": "", "src/util/helpers.py": "",
                                      "docs/guide.txt": ""})
    idx = I.FileIndex([str(root)]).build()
    res = idx.search("help")
    assert [(m.path, m.score, m.indices, m.match_type) for m in res.matches] == [
        ("src/util/helpers.py", 109, [9, 10, 11, 12], "file")]
    assert res.walk_complete and res.total_match_count == 1
    assert res.matches[0].to_wire() == {"root": str(root), "path": "src/util/helpers.py", "match_type": "file",
                                        "file_name": "helpers.py", "score": 109, "indices": [9, 10, 11, 12]}
    dirs = idx.search("src").matches
    assert [(m.path, m.match_type) for m in dirs][:1] == [("src", "directory")]
    # the app-server orders by score, then path
    files = wire_files(idx.search("s"))
    assert files == sorted(files, key=lambda f: (-f["score"], f["path"]))
    assert wire_files(idx.search("")) == []


def test_narrowing_matches_full_search(twin, tmp_path):
    rng = random.Random(3)
    words = ["alpha", "beta", "gamma", "delta", "main", "util", "src", "Test"]
    files = {"/".join(rng.choice(words) + str(rng.randint(0, 9)) for _ in range(rng.randint(1, 4))) + ".py": ""
             for _ in range(400)}
    root = make_tree(tmp_path / "p", files)
    idx = I.FileIndex([str(root)]).build()
    for word in ("main", "util", "src/al", "te st"):
        for k in range(1, len(word) + 1):
            q = word[:k]
            typed = idx.search(q, limit=20)
            fresh = I.FileIndex([str(root)]).build().search(q, limit=20)
            assert [(m.path, m.score) for m in typed.matches] == [(m.path, m.score) for m in fresh.matches], q
            assert typed.total_match_count == fresh.total_match_count


def test_several_roots_and_nested_roots(twin, tmp_path):
    a = make_tree(tmp_path / "a", {"x/readme.md": "", "b/inner.txt": ""})
    other = make_tree(tmp_path / "other", {"readme.md": ""})
    idx = I.FileIndex([str(a), str(other), str(a / "b")]).build()
    got = {(m.root, m.path) for m in idx.search("readme").matches}
    assert got == {(str(a), "x/readme.md"), (str(other), "readme.md")}
    inner = [(m.root, m.path) for m in idx.search("inner").matches]
    # the deepest root owns a path; a nested root is walked twice (as upstream does)
    assert inner == [(str(a / "b"), "inner.txt")] * 2
    # the nested root's own directory entry belongs to it with the empty path: it never matches
    assert idx.search("b").matches == []


def test_roots_are_reported_as_given(twin, tmp_path):
    root = make_tree(tmp_path / "p", {"f.txt": ""})
    given = str(root) + "/"
    (m,) = I.FileIndex([given]).build().search("f.txt").matches
    assert m.root == given and m.path == "f.txt"


def test_apply_changes(twin, tmp_path):
    root = make_tree(tmp_path / "p", {"keep.txt": "", "old/a.txt": "", "old/b/c.txt": ""})
    idx = I.FileIndex([str(root)]).build()
    assert idx.search("old").total_match_count >= 3
    assert idx.apply_changes(removed_trees=[(0, "old")], added=[(0, "new.txt", False), (0, "keep.txt", False)])
    names = {m.path for m in idx.search("txt").matches}
    assert names == {"keep.txt", "new.txt"}
    assert not idx.apply_changes(removed_trees=[(0, "missing")])


def test_compaction_bumps_generation(twin, tmp_path):
    root = make_tree(tmp_path / "p", {"a.txt": ""})
    idx = I.FileIndex([str(root)]).build()
    many = [(0, f"f{i}.txt", False) for i in range(9000)]
    idx.apply_changes(added=many)
    idx.search("f1")
    gen = idx.generation
    idx.apply_changes(removed_trees=[(0, f"f{i}.txt") for i in range(6000)])
    assert idx.generation == gen + 1 and idx.store.dead == 0
    assert idx.search("f8999").matches[0].path == "f8999.txt"


def test_fuzzy_file_search_api(twin, tmp_path):
    root = make_tree(tmp_path / "p", {"src/main.py": "", "README.md": ""})
    assert fuzzy_file_search("", [str(root)], shared=False) == []
    assert fuzzy_file_search("x", [], shared=False) == []
    files = fuzzy_file_search("mn", [str(root)], shared=False)
    assert files == [{"root": str(root), "path": "src/main.py", "match_type": "file", "file_name": "main.py",
                      "score": 46, "indices": [4, 7]}]
    assert fuzzy_file_search("mn", [str(tmp_path / "missing"), str(root)], shared=False) == files


def test_index_requires_roots():
    with pytest.raises(ValueError, match="at least one search directory is required"):
        I.FileIndex([])
