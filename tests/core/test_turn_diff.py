"""codex.core.turn_diff: upstream turn_diff_tracker's unit tests, the 0.136.0 goldens (exec's
`patch: completed` diff, the app-server's turn/diff/updated, and scenarios captured from the
reference binary for this port) and the `similar` port against the crate's own output."""
from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from codex.apply_patch.invocation import maybe_parse_apply_patch_verified
from codex.apply_patch.lib import ApplyPatchError, apply_patch
from codex.core.turn_diff import (
    DEV_NULL,
    REGULAR_FILE_MODE,
    ZERO_OID,
    TurnDiffTracker,
    git_blob_sha1_hex,
    tokenize_lines,
    unified_diff,
)
from codex.tools.handlers.apply_patch import changes_json

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "core" / "turn_diff"


def _fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _sha(data: str) -> str:
    return git_blob_sha1_hex(data.encode("utf-8"))


def _dir(tmp_path) -> Path:
    d = tmp_path / "ws"
    d.mkdir()
    return Path(os.path.realpath(d))


def _run_patch(tracker: TurnDiffTracker, cwd, patch: str) -> bool:
    """What the core does around one apply_patch call: verify, begin, apply, end."""
    verified = maybe_parse_apply_patch_verified(["apply_patch", patch], str(cwd))
    if verified.kind != "body":
        return False  # verification failed: the tracker never hears of it
    tracker.on_patch_begin(changes_json(verified.action))
    try:
        apply_patch(patch, str(cwd), io.StringIO(), io.StringIO())
    except ApplyPatchError:
        tracker.on_patch_end(False)
        return False
    tracker.on_patch_end(True)
    return True


# --------------------------------------------------------------------------------------
# upstream's tests (turn_diff_tracker_tests.rs: a tracker with the tempdir as display root,
# fed by verified patches that were applied)


def test_accumulates_add_then_update_as_single_add(tmp_path):
    d = _dir(tmp_path)
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Add File: a.txt\n+foo\n*** End Patch")
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Update File: a.txt\n@@\n foo\n+bar\n*** End Patch")
    assert tracker.get_unified_diff() == (
        "diff --git a/a.txt b/a.txt\n"
        f"new file mode {REGULAR_FILE_MODE}\n"
        f"index {ZERO_OID}..{_sha('foo' + chr(10) + 'bar' + chr(10))}\n"
        f"--- {DEV_NULL}\n"
        "+++ b/a.txt\n"
        "@@ -0,0 +1,2 @@\n"
        "+foo\n"
        "+bar\n")


def test_accumulates_delete(tmp_path):
    d = _dir(tmp_path)
    (d / "b.txt").write_text("x\n")
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Delete File: b.txt\n*** End Patch")
    assert tracker.get_unified_diff() == (
        "diff --git a/b.txt b/b.txt\n"
        f"deleted file mode {REGULAR_FILE_MODE}\n"
        f"index {_sha('x' + chr(10))}..{ZERO_OID}\n"
        "--- a/b.txt\n"
        f"+++ {DEV_NULL}\n"
        "@@ -1 +0,0 @@\n"
        "-x\n")


def test_accumulates_move_and_update(tmp_path):
    d = _dir(tmp_path)
    (d / "src.txt").write_text("line\n")
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Update File: src.txt\n*** Move to: dst.txt\n"
                                  "@@\n-line\n+line2\n*** End Patch")
    assert tracker.get_unified_diff() == (
        "diff --git a/src.txt b/dst.txt\n"
        f"index {_sha('line' + chr(10))}..{_sha('line2' + chr(10))}\n"
        "--- a/src.txt\n"
        "+++ b/dst.txt\n"
        "@@ -1 +1 @@\n"
        "-line\n"
        "+line2\n")


def test_pure_rename_yields_no_diff(tmp_path):
    d = _dir(tmp_path)
    (d / "old.txt").write_text("same\n")
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Update File: old.txt\n*** Move to: new.txt\n"
                                  "@@\n same\n*** End Patch")
    assert tracker.get_unified_diff() is None


def test_add_over_existing_file_becomes_update(tmp_path):
    d = _dir(tmp_path)
    (d / "dup.txt").write_text("before\n")
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Add File: dup.txt\n+after\n*** End Patch")
    assert tracker.get_unified_diff() == (
        "diff --git a/dup.txt b/dup.txt\n"
        f"index {_sha('before' + chr(10))}..{_sha('after' + chr(10))}\n"
        "--- a/dup.txt\n"
        "+++ b/dup.txt\n"
        "@@ -1 +1 @@\n"
        "-before\n"
        "+after\n")


def test_non_git_display_root_keeps_diff_paths_relative(tmp_path):
    d = _dir(tmp_path)
    (d / "file.txt").write_text("before\n")
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Update File: file.txt\n@@\n-before\n+after\n"
                                  "*** End Patch")
    diff = tracker.get_unified_diff()
    assert str(d) not in diff
    assert "diff --git a/file.txt b/file.txt" in diff


def test_delete_then_readd_same_path_becomes_update(tmp_path):
    d = _dir(tmp_path)
    (d / "cycle.txt").write_text("before\n")
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Delete File: cycle.txt\n*** End Patch")
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Add File: cycle.txt\n+after\n*** End Patch")
    assert tracker.get_unified_diff() == (
        "diff --git a/cycle.txt b/cycle.txt\n"
        f"index {_sha('before' + chr(10))}..{_sha('after' + chr(10))}\n"
        "--- a/cycle.txt\n"
        "+++ b/cycle.txt\n"
        "@@ -1 +1 @@\n"
        "-before\n"
        "+after\n")


def test_move_over_existing_destination_without_content_change_deletes_source_only(tmp_path):
    d = _dir(tmp_path)
    (d / "a.txt").write_text("same\n")
    (d / "b.txt").write_text("same\n")
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n"
                                  "@@\n same\n*** End Patch")
    assert tracker.get_unified_diff() == (
        "diff --git a/a.txt b/a.txt\n"
        f"deleted file mode {REGULAR_FILE_MODE}\n"
        f"index {_sha('same' + chr(10))}..{ZERO_OID}\n"
        "--- a/a.txt\n"
        f"+++ {DEV_NULL}\n"
        "@@ -1 +0,0 @@\n"
        "-same\n")


_MOVE_OVERWRITE_EXPECTED = (
    "diff --git a/a.txt b/a.txt\n"
    f"deleted file mode {REGULAR_FILE_MODE}\n"
    f"index {_sha('from' + chr(10))}..{ZERO_OID}\n"
    "--- a/a.txt\n"
    f"+++ {DEV_NULL}\n"
    "@@ -1 +0,0 @@\n"
    "-from\n"
    "diff --git a/b.txt b/b.txt\n"
    f"index {_sha('existing' + chr(10))}..{_sha('new' + chr(10))}\n"
    "--- a/b.txt\n"
    "+++ b/b.txt\n"
    "@@ -1 +1 @@\n"
    "-existing\n"
    "+new\n")


def test_move_over_existing_destination_with_content_change_deletes_source_and_updates_destination(
        tmp_path):
    d = _dir(tmp_path)
    (d / "a.txt").write_text("from\n")
    (d / "b.txt").write_text("existing\n")
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n"
                                  "@@\n-from\n+new\n*** End Patch")
    assert tracker.get_unified_diff() == _MOVE_OVERWRITE_EXPECTED


def test_preserves_verified_change_order_with_delete_then_move_overwrite(tmp_path):
    d = _dir(tmp_path)
    (d / "a.txt").write_text("from\n")
    (d / "b.txt").write_text("existing\n")
    tracker = TurnDiffTracker(display_root=str(d))
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Delete File: b.txt\n*** Update File: a.txt\n"
                                  "*** Move to: b.txt\n@@\n-from\n+new\n*** End Patch")
    assert tracker.get_unified_diff() == _MOVE_OVERWRITE_EXPECTED


# --------------------------------------------------------------------------------------
# the begin/end protocol


def test_without_display_root_paths_are_absolute(tmp_path):
    d = _dir(tmp_path)
    tracker = TurnDiffTracker()
    assert _run_patch(tracker, d, "*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch")
    assert tracker.get_unified_diff().startswith(f"diff --git a/{d}/a.txt b/{d}/a.txt\n")


def test_failed_patch_is_forgotten(tmp_path):
    d = _dir(tmp_path)
    tracker = TurnDiffTracker(display_root=str(d))
    path = str(d / "a.txt")
    tracker.on_patch_begin({path: {"type": "add", "content": "x\n"}})
    (d / "a.txt").write_text("x\n")  # even if something landed on disk
    tracker.on_patch_end(False)
    assert tracker.get_unified_diff() is None


def test_unended_begin_is_settled_from_disk(tmp_path):
    d = _dir(tmp_path)
    (d / "u.txt").write_text("old\n")
    (d / "del.txt").write_text("d\n")
    tracker = TurnDiffTracker(display_root=str(d))
    tracker.on_patch_begin({
        str(d / "u.txt"): {"type": "update", "unified_diff": "", "move_path": None},
        str(d / "del.txt"): {"type": "delete", "content": "d\n"},
        str(d / "never.txt"): {"type": "add", "content": "n\n"},
    })
    (d / "u.txt").write_text("new\n")
    (d / "del.txt").unlink()
    # no on_patch_end: the next get_unified_diff settles it from what the disk shows
    assert tracker.get_unified_diff() == (
        "diff --git a/del.txt b/del.txt\n"
        f"deleted file mode {REGULAR_FILE_MODE}\n"
        f"index {_sha('d' + chr(10))}..{ZERO_OID}\n"
        f"--- a/del.txt\n+++ {DEV_NULL}\n@@ -1 +0,0 @@\n-d\n"
        "diff --git a/u.txt b/u.txt\n"
        f"index {_sha('old' + chr(10))}..{_sha('new' + chr(10))}\n"
        "--- a/u.txt\n+++ b/u.txt\n@@ -1 +1 @@\n-old\n+new\n")
    # and the state is kept: a later shell edit is not seen
    (d / "u.txt").write_text("shell\n")
    assert "+new\n" in tracker.get_unified_diff()


def test_for_cwd_uses_the_git_root_else_the_cwd(tmp_path, monkeypatch):
    d = _dir(tmp_path)
    (d / ".git").mkdir()
    sub = d / "pkg" / "sub"
    sub.mkdir(parents=True)
    assert TurnDiffTracker.for_cwd(sub).display_root == str(d)
    import codex.git.info as info
    monkeypatch.setattr(info, "get_git_repo_root", lambda _p: None)
    assert TurnDiffTracker.for_cwd(sub).display_root == str(sub)


def test_git_blob_sha1():
    assert git_blob_sha1_hex(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert git_blob_sha1_hex(b"this file will be deleted\n") == "233f5c66952af061a3fbe0370a1c794815722a07"


# --------------------------------------------------------------------------------------
# 0.136.0 goldens


@pytest.mark.parametrize("name", ["exec_apply_patch.json", "app_server_apply_patch.json"])
def test_reference_goldens(tmp_path, name):
    fx = _fixture(name)
    d = _dir(tmp_path)
    (d / ".git").mkdir()
    for rel, content in fx["workspace_before"].items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
    tracker = TurnDiffTracker.for_cwd(d)
    assert _run_patch(tracker, d, fx["patch"])
    assert tracker.get_unified_diff() == fx["expected_diff"]
    assert tracker.get_unified_diff() == fx["expected_diff"]


_SCENARIOS = _fixture("reference_turn_diffs.json")["scenarios"]


@pytest.mark.parametrize("sc", _SCENARIOS, ids=[s["name"] for s in _SCENARIOS])
def test_reference_scenarios(tmp_path, sc):
    root = Path(os.path.realpath(tmp_path)) / "root"
    ws = root / "ws"
    ws.mkdir(parents=True)
    for rel, content in sc.get("outside", {}).items():
        (root / rel).write_bytes(content.encode("utf-8"))
    for rel, content in sc["files"].items():
        p = ws / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode("utf-8"))
    for rel, mode in sc.get("modes", {}).items():
        os.chmod(ws / rel, mode)
    cwd = ws / sc["subdir"] if sc.get("subdir") else ws
    cwd.mkdir(parents=True, exist_ok=True)
    if sc.get("git", True):
        (ws / ".git").mkdir()
        tracker = TurnDiffTracker.for_cwd(cwd)
        assert tracker.display_root == str(ws)
    else:
        # no repository: the display root is the cwd (a stray .git above the temp dir must
        # not change that here)
        tracker = TurnDiffTracker(display_root=str(cwd))

    def shown():
        diff = tracker.get_unified_diff()
        return None if diff is None else diff.replace(str(root), "<ROOT>")

    expected_per_patch = iter(sc["patch_diffs"])
    for kind, arg in sc["steps"]:
        if kind == "shell":
            subprocess.run(["bash", "-c", arg], cwd=cwd, check=True)
        elif _run_patch(tracker, cwd, arg):
            assert shown() == next(expected_per_patch)
    assert next(expected_per_patch, "done") == "done"
    assert shown() == sc["final_diff"]


# --------------------------------------------------------------------------------------
# the `similar` port


def test_tokenize_lines():
    assert tokenize_lines("") == []
    assert tokenize_lines("a\nb\r\nc\rd") == ["a\n", "b\r\n", "c\r", "d"]
    assert tokenize_lines("\n\n") == ["\n", "\n"]


def test_similar_unified_diff_cases():
    cases = _fixture("similar_unified_cases.json")["cases"]
    assert len(cases) >= 200
    for i, case in enumerate(cases):
        got = unified_diff(case["old"], case["new"], context_radius=3, header=("a/x", "b/x"))
        assert got == case["expected"], f"case {i}: {case['old']!r} -> {case['new']!r}"


def test_similar_newline_hint_snapshot():
    # similar's own snapshots for `TextDiff::from_lines("a\n", "b")`
    assert unified_diff("a\n", "b", header=("a.txt", "b.txt")) == (
        "--- a.txt\n+++ b.txt\n@@ -1 +1 @@\n-a\n+b\n\\ No newline at end of file\n")
    assert unified_diff("a\n", "b", header=("a.txt", "b.txt"), missing_newline_hint=False) == (
        "--- a.txt\n+++ b.txt\n@@ -1 +1 @@\n-a\n+b\n")
    assert unified_diff("abc", "abc", header=("a.txt", "b.txt")) == ""
