"""Search sessions (updates during and after the walk, completion, stale queries), the watcher
(index updates on file changes) and the app-server session methods."""
from __future__ import annotations

import os
import threading
import time

import pytest
from fs_helpers import isolated_home, make_tree

from codex.file_search import session as S
from codex.file_search.api import INTERNAL_ERROR, INVALID_REQUEST, FuzzySearchError, FuzzySearchSessions
from codex.file_search.index import FileIndex
from codex.file_search.watch import Watcher


@pytest.fixture(autouse=True)
def _home(monkeypatch, tmp_path):
    isolated_home(monkeypatch, tmp_path)


class Recorder:
    def __init__(self):
        self.events: list = []
        self.cv = threading.Condition()

    def on_update(self, result):
        with self.cv:
            self.events.append(("update", result.query, [m.path for m in result.matches], result.walk_complete))
            self.cv.notify_all()

    def on_complete(self):
        with self.cv:
            self.events.append(("complete",))
            self.cv.notify_all()

    def wait(self, pred, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cv:
            while not pred(self.events):
                left = deadline - time.monotonic()
                assert left > 0, f"timed out; events: {self.events}"
                self.cv.wait(left)

    def completes(self):
        return sum(1 for e in self.events if e[0] == "complete")


def tree(tmp_path, n=200):
    files = {f"file-{i:04d}.txt": "" for i in range(n)}
    files.update({"alpha.txt": "", "beta.txt": "", "dir/gamma.md": ""})
    return make_tree(tmp_path / "t", files)


def test_query_after_walk(tmp_path):
    rec = Recorder()
    with S.FileSearchSession([str(tree(tmp_path))], rec) as s:
        s.index.wait(10)
        s.update_query("alpha")
        rec.wait(lambda ev: rec.completes() == 1)
        assert rec.events == [("update", "alpha", ["alpha.txt"], True), ("complete",)]
        rec.events.clear()
        s.update_query("beta")
        rec.wait(lambda ev: rec.completes() == 1)
        assert rec.events == [("update", "beta", ["beta.txt"], True), ("complete",)]
        rec.events.clear()
        s.update_query("")
        rec.wait(lambda ev: rec.completes() == 1)
        assert rec.events == [("update", "", [], True), ("complete",)]
        rec.events.clear()
        s.update_query("asdfqq")
        rec.wait(lambda ev: rec.completes() == 1)
        assert rec.events == [("update", "asdfqq", [], True), ("complete",)]


def test_query_during_walk_is_answered_again_at_the_end(tmp_path, monkeypatch):
    root = tree(tmp_path, 50)
    gate = threading.Event()
    real_build = FileIndex.build

    def slow_build(self):
        gate.wait(10)
        return real_build(self)

    monkeypatch.setattr(FileIndex, "build", slow_build)
    rec = Recorder()
    with S.FileSearchSession([str(root)], rec) as s:
        s.update_query("gamma")
        rec.wait(lambda ev: len(ev) >= 1)
        assert rec.events[0] == ("update", "gamma", [], False)
        gate.set()
        rec.wait(lambda ev: rec.completes() == 1)
        assert rec.events[-2:] == [("update", "gamma", ["dir/gamma.md"], True), ("complete",)]


def test_latest_query_wins(tmp_path):
    rec = Recorder()
    with S.FileSearchSession([str(tree(tmp_path))], rec) as s:
        s.index.wait(10)
        with rec.cv:
            pass
        for q in ("f", "fi", "fil", "file-00"):
            s.update_query(q)
        rec.wait(lambda ev: any(e[:2] == ("update", "file-00") for e in ev) and rec.completes() >= 1)
        assert rec.events[-2][1] == "file-00"


def test_stop_silences_the_session(tmp_path):
    rec = Recorder()
    s = S.FileSearchSession([str(tree(tmp_path))], rec)
    s.stop()
    s.update_query("alpha")
    time.sleep(0.2)
    assert rec.events == []


def test_run_one_shot(tmp_path):
    root = tree(tmp_path)
    res = S.run("file-000", [str(root)], limit=5)
    assert len(res.matches) == 5 and res.total_match_count >= 10
    assert all(m.path.startswith("file-000") for m in res.matches)
    cancel = threading.Event()
    cancel.set()
    assert S.run("file", [str(root)], cancel=cancel).matches == []
    with pytest.raises(ValueError):
        S.run("x", [])


def _watched(tmp_path, files):
    root = make_tree(tmp_path / "w", files, git=True)
    idx = FileIndex([str(root)]).build()
    w = Watcher(idx)
    if not w.start():
        pytest.skip("no file-system watcher available")
    return root, idx, w


def paths(idx, q):
    return sorted(m.path for m in idx.search(q, limit=200).matches)


def settle(w, idx, q, expected, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        w.flush()
        got = paths(idx, q)
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")   # watchdog's own race note
def test_watcher_applies_changes(tmp_path):
    root, idx, w = _watched(tmp_path, {".gitignore": "*.log\n", "a.txt": "", "sub/b.txt": ""})
    try:
        (root / "new.txt").write_text("x")
        (root / "skip.log").write_text("x")
        assert settle(w, idx, "txt", ["a.txt", "new.txt", "sub/b.txt"]) == ["a.txt", "new.txt", "sub/b.txt"]
        assert paths(idx, "skip") == []
        os.makedirs(root / "made" / "deep")
        (root / "made" / "deep" / "c.txt").write_text("x")
        assert "made/deep/c.txt" in settle(w, idx, "c.txt", ["made/deep/c.txt"])
        os.rename(root / "sub", root / "moved")
        assert settle(w, idx, "b.txt$", ["moved/b.txt"]) == ["moved/b.txt"]
        assert paths(idx, "^sub") == []
        os.remove(root / "a.txt")
        assert settle(w, idx, "^a.txt$", []) == []
    finally:
        w.stop()


def test_watcher_rebuilds_when_ignore_rules_change(tmp_path):
    root, idx, w = _watched(tmp_path, {".gitignore": "", "x.gen": "", "y.txt": ""})
    try:
        assert paths(idx, "x.gen") == ["x.gen"]
        (root / ".gitignore").write_text("*.gen\n")
        assert settle(w, idx, "x.gen", []) == []
        assert w.rebuilds >= 1 and paths(idx, "y.txt") == ["y.txt"]
    finally:
        w.stop()


def test_session_with_watch_sees_new_files(tmp_path):
    root = tree(tmp_path, 10)
    rec = Recorder()
    with S.FileSearchSession([str(root)], rec, watch=True) as s:
        s.index.wait(10)
        deadline = time.monotonic() + 5
        while s._watcher is None or s._watcher._observer is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        (root / "zebra_new.txt").write_text("x")
        for _ in range(100):
            s._watcher.flush()
            rec.events.clear()
            s.update_query("zebra")
            rec.wait(lambda ev: rec.completes() == 1)
            if rec.events[0][2] == ["zebra_new.txt"]:
                break
            time.sleep(0.05)
        assert rec.events[0][2] == ["zebra_new.txt"]


def test_app_server_session_methods(tmp_path):
    root = tree(tmp_path, 20)
    sent = []
    cv = threading.Condition()

    def notify(method, params):
        with cv:
            sent.append((method, params))
            cv.notify_all()

    sessions = FuzzySearchSessions(notify)
    with pytest.raises(FuzzySearchError) as e:
        sessions.start("s0", [])
    assert e.value.code == INTERNAL_ERROR
    assert e.value.message == ("failed to start fuzzy file search session: "
                               "at least one search directory is required")
    with pytest.raises(FuzzySearchError) as e:
        sessions.update("nope", "x")
    assert (e.value.code, e.value.message) == (INVALID_REQUEST, "fuzzy file search session not found: nope")
    assert sessions.start("s1", [str(root)]) == {}
    assert sessions.update("s1", "alpha") == {}
    with cv:
        cv.wait_for(lambda: any(m == "fuzzyFileSearch/sessionCompleted" for m, _ in sent), 10)
    final = [p for m, p in sent if m == "fuzzyFileSearch/sessionUpdated"][-1]
    assert final == {"sessionId": "s1", "query": "alpha",
                     "files": [{"root": str(root), "path": "alpha.txt", "match_type": "file",
                                "file_name": "alpha.txt", "score": 134, "indices": [0, 1, 2, 3, 4]}]}
    assert sessions.stop("s1") == {} and sessions.stop("s1") == {}
    with pytest.raises(FuzzySearchError):
        sessions.update("s1", "x")
    sessions.close()


@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
def test_shared_index_is_kept_and_follows_changes(tmp_path):
    from codex.file_search import index as I
    from codex.file_search.api import fuzzy_file_search
    root = make_tree(tmp_path / "shared", {"one.txt": ""})
    try:
        assert [f["path"] for f in fuzzy_file_search("one", [str(root)])] == ["one.txt"]
        idx = I.shared_index([str(root)])
        assert I.shared_index([str(root)]) is idx
        w = idx._watcher
        deadline = time.monotonic() + 10
        while w._observer is None:
            assert time.monotonic() < deadline, "watcher did not start"
            time.sleep(0.02)
        (root / "two.txt").write_text("x")
        for _ in range(100):
            w.flush()
            if [f["path"] for f in fuzzy_file_search("two", [str(root)])] == ["two.txt"]:
                break
            time.sleep(0.05)
        assert [f["path"] for f in fuzzy_file_search("two", [str(root)])] == ["two.txt"]
    finally:
        I.clear_shared()
