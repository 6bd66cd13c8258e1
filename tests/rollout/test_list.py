"""Listing, lookup, --last, resume, fork, archive/unarchive (also through `codex archive`)."""
from __future__ import annotations

import json
import re
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codex.rollout import (
    RolloutRecorder, append_thread_name, archive_thread, find_latest_thread, find_thread_name_by_id,
    find_thread_path, find_thread_path_by_id, iter_lines_reverse, list_threads, load_rollout_items,
    new_session_meta, read_session_meta, unarchive_thread,
)
from codex.rollout.list import ArchiveError

from rollout.helpers import REPO, lines

BASE_T = 1_795_000_000.0


def _user(text):
    return [("response_item", {"type": "message", "role": "user",
                               "content": [{"type": "input_text", "text": text}]}),
            ("event_msg", {"type": "user_message", "message": text, "images": [], "local_images": [],
                           "text_elements": []})]


def _answer(text):
    return [("response_item", {"type": "message", "role": "assistant",
                               "content": [{"type": "output_text", "text": text}]}),
            ("event_msg", {"type": "agent_message", "message": text, "phase": None, "memory_citation": None})]


def make_session(home, cwd="/work/a", prompt="hello", t=None, answer=True, user=True, state=None):
    meta = new_session_meta(cwd=cwd, model_provider="mock")
    rec = RolloutRecorder.create(str(home), meta, state=state, created_at=t)
    items = []
    if user:
        items += _user(prompt)
    if answer:
        items += _answer("ok " + prompt)
    rec.record_items(items)
    rec.shutdown()
    return meta.id, rec.path


@pytest.fixture
def home(tmp_path):
    return tmp_path


def test_list_newest_first_with_paging(home):
    ids = [make_session(home, prompt=f"p{i}", t=BASE_T + i * 3600 * 7)[0] for i in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        page = list_threads(str(home), page_size=3, cursor=cursor)
        seen += [it.thread_id for it in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    assert pages == 3
    first = list_threads(str(home), page_size=1).items[0]
    assert first.first_user_message == "p6" and first.session_meta.id == ids[-1]


def test_list_skips_sessions_without_user_message_and_junk(home):
    keep, _ = make_session(home, t=BASE_T)
    make_session(home, user=False, t=BASE_T + 10)
    d = home / "sessions" / "2026" / "11" / "24"
    d.mkdir(parents=True, exist_ok=True)
    (d / "rollout-2026-11-24T01-00-00-01a20b3c-0000-7000-8000-000000000000.jsonl").write_text("garbage\n")
    (d / "notes.txt").write_text("x")
    assert [it.thread_id for it in list_threads(str(home)).items] == [keep]


def test_last_filters_by_cwd(home):
    a, _ = make_session(home, cwd="/work/a", t=BASE_T)
    b, _ = make_session(home, cwd="/work/b", t=BASE_T + 5)
    assert find_latest_thread(str(home)).thread_id == b
    assert find_latest_thread(str(home), cwd="/work/a").thread_id == a
    assert find_latest_thread(str(home), cwd="/work/c") is None


def test_lookup_by_id_and_name(home):
    a, pa = make_session(home, t=BASE_T)
    b, pb = make_session(home, t=BASE_T + 1)
    assert find_thread_path_by_id(str(home), a) == pa
    assert find_thread_path_by_id(str(home), a.upper()) == pa
    assert find_thread_path_by_id(str(home), a.replace("-", "")) == pa
    assert find_thread_path_by_id(str(home), "01a20b3c-0000-7000-8000-000000000000") is None
    append_thread_name(str(home), a, "alpha")
    append_thread_name(str(home), b, "beta")
    append_thread_name(str(home), b, "gamma")  # renamed: the old name no longer resolves
    assert find_thread_path(str(home), "alpha") == pa
    assert find_thread_path(str(home), "beta") is None
    assert find_thread_path(str(home), "gamma") == pb
    assert find_thread_name_by_id(str(home), b) == "gamma"
    # UUIDs take precedence over names
    append_thread_name(str(home), a, b)
    assert find_thread_path(str(home), b) == pb


def test_reverse_scanner(tmp_path):
    p = tmp_path / "f.jsonl"
    rows = [json.dumps({"i": i, "pad": "x" * (i * 37 % 500)}) for i in range(300)]
    p.write_text("\n".join(rows) + "\n")
    for chunk in (1, 7, 64, 8192):
        assert [l.decode() for l in iter_lines_reverse(str(p), chunk=chunk)] == list(reversed(rows))
    p.write_text("\n".join(rows) + "\n" + '{"torn": ')
    assert next(iter_lines_reverse(str(p))) == b'{"torn": '


def test_resume_appends_without_second_session_meta(home):
    tid, path = make_session(home, t=BASE_T)
    before = lines(Path(path))
    rec = RolloutRecorder.resume(str(home), path, state=None)
    assert rec.thread_id == tid
    rec.record_items(_user("again") + _answer("done"))
    rec.shutdown()
    after = lines(Path(path))
    assert after[:len(before)] == before
    kinds = [json.loads(l)["type"] for l in after]
    assert kinds.count("session_meta") == 1 and len(after) == len(before) + 4


def test_resume_after_torn_line(home):
    tid, path = make_session(home, t=BASE_T)
    with open(path, "ab") as f:
        f.write(b'{"timestamp":"2026-01-01T00:00:00.000Z","type":"event_msg","payl')
    items, _, errors = load_rollout_items(path)
    assert errors == 1 and len(items) == 5
    rec = RolloutRecorder.resume(str(home), path, state=None)
    rec.record_items(_answer("after crash"))
    rec.shutdown()
    items, _, errors = load_rollout_items(path)
    assert errors == 1 and len(items) == 7


def test_fork_copies_history(home):
    src_id, src = make_session(home, t=BASE_T, prompt="one")
    rec = RolloutRecorder.resume(str(home), src, state=None)
    rec.record_items(_user("two") + _answer("two"))
    rec.shutdown()
    meta = new_session_meta(cwd="/work/a", model_provider="mock")
    fork = RolloutRecorder.fork(str(home), src, meta, state=None)
    fork.shutdown()
    flines = [json.loads(l) for l in lines(Path(fork.path))]
    assert flines[0]["payload"]["id"] == meta.id
    assert flines[0]["payload"]["forked_from_id"] == src_id
    src_lines = [json.loads(l) for l in lines(Path(src))]
    assert [(l["type"], l["payload"]) for l in flines[1:]] == [(l["type"], l["payload"]) for l in src_lines]
    assert fork.path != src and read_session_meta(src).id == src_id
    # cut before the second user message
    meta2 = new_session_meta(cwd="/work/a", model_provider="mock")
    fork2 = RolloutRecorder.fork(str(home), src, meta2, nth_user_message=1, state=None)
    fork2.shutdown()
    texts = [json.loads(l)["payload"].get("message") for l in lines(Path(fork2.path))]
    assert "one" in texts and "two" not in texts


def test_archive_unarchive(home):
    tid, path = make_session(home, t=BASE_T)
    assert archive_thread(str(home), tid) == tid
    archived = home / "archived_sessions" / os.path.basename(path)
    assert archived.exists() and not os.path.exists(path)
    assert list_threads(str(home)).items == []
    assert [i.thread_id for i in list_threads(str(home), archived=True).items] == [tid]
    with pytest.raises(ArchiveError, match="^failed to archive session$"):
        archive_thread(str(home), tid)
    assert unarchive_thread(str(home), tid) == tid
    assert os.path.exists(path) and not archived.exists()
    with pytest.raises(ArchiveError, match="^failed to unarchive session$"):
        unarchive_thread(str(home), tid)
    with pytest.raises(ArchiveError, match=r"^No active session found matching 'nosuch'\.$"):
        archive_thread(str(home), "nosuch")
    with pytest.raises(ArchiveError, match=r"^No archived session found matching 'nosuch'\.$"):
        unarchive_thread(str(home), "nosuch")
    append_thread_name(str(home), tid, "named")
    assert archive_thread(str(home), "named") == tid
    assert unarchive_thread(str(home), "named") == tid


def _codex(home, *args):
    # TMPDIR: CODEX_HOME under the temp dir would add a PATH warning to stderr
    (home / "tmpdir").mkdir(exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "CODEX_HOME": str(home),
           "PYTHONPATH": str(REPO / "src"), "TMPDIR": str(home / "tmpdir")}
    return subprocess.run([sys.executable, "-m", "codex", *args], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def test_cli_archive_output_and_exit_codes(home):
    tid, _ = make_session(home, t=BASE_T, state="auto")
    r = _codex(home, "archive", tid)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"Archived session {tid}.\n", "")
    r = _codex(home, "archive", tid)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "Error: failed to archive session\n")
    r = _codex(home, "unarchive", tid)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"Unarchived session {tid}.\n", "")
    r = _codex(home, "unarchive", tid)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "Error: failed to unarchive session\n")
    r = _codex(home, "archive", "01a20b9e-0000-7550-8212-e91094f2fb72")
    assert (r.returncode, r.stderr) == (1, "Error: failed to archive session\n")
    r = _codex(home, "archive", "nosuchname")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "Error: No active session found matching 'nosuchname'.\n")
    r = _codex(home, "unarchive", "nosuchname")
    assert (r.returncode, r.stderr) == (1, "Error: No archived session found matching 'nosuchname'.\n")
    r = _codex(home, "archive", "")
    assert (r.returncode, r.stderr) == (1, "Error: No active session found matching ''.\n")


def test_archive_updates_state_row(home):
    import sqlite3
    tid, path = make_session(home, t=BASE_T, state="auto")
    archive_thread(str(home), tid)
    row = sqlite3.connect(home / "state_5.sqlite").execute(
        "select archived, archived_at is not null, rollout_path from threads where id = ?", (tid,)).fetchone()
    assert row[:2] == (1, 1) and row[2].endswith("archived_sessions/" + os.path.basename(path))
    unarchive_thread(str(home), tid)
    row = sqlite3.connect(home / "state_5.sqlite").execute(
        "select archived, archived_at, rollout_path from threads where id = ?", (tid,)).fetchone()
    assert row == (0, None, path)


def test_cursor_is_rfc3339_and_updated_at_sort(home):
    from codex.rollout.list import parse_cursor
    a, pa = make_session(home, t=BASE_T)
    b, pb = make_session(home, t=BASE_T + 100)
    page = list_threads(str(home), page_size=1)
    assert [i.thread_id for i in page.items] == [b]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page.next_cursor)
    assert parse_cursor(page.next_cursor) is not None and parse_cursor("a|b") is None
    page2 = list_threads(str(home), page_size=1, cursor=page.next_cursor)
    assert [i.thread_id for i in page2.items] == [a] and page2.next_cursor is None
    # touching the older one makes it the most recently updated
    os.utime(pa, (time.time() + 50, time.time() + 50))
    assert [i.thread_id for i in list_threads(str(home), sort_key="updated_at").items] == [a, b]
    assert [i.thread_id for i in list_threads(str(home), model_providers=["mock"]).items] == [b, a]
    assert list_threads(str(home), model_providers=["openai"]).items == []
    assert [i.thread_id for i in list_threads(str(home), sources=["exec"]).items] == [b, a]
    assert list_threads(str(home), sources=["cli", "vscode"]).items == []


def test_truncate_before_nth_user_message_out_of_range(home):
    from codex.rollout import truncate_before_nth_user_message
    _, src = make_session(home, t=BASE_T, prompt="only")
    items, _, _ = load_rollout_items(src)
    assert truncate_before_nth_user_message(items, 0) == items[:1]
    assert truncate_before_nth_user_message(items, 1) == []


def test_cli_missing_codex_home(tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "CODEX_HOME": str(tmp_path / "missing"), "PYTHONPATH": str(REPO / "src")}
    r = subprocess.run([sys.executable, "-m", "codex", "archive", "x"], env=env, capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.endswith("Error: failed to find Codex home\n")
