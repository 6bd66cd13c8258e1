"""Live cross-compatibility of the persistence layer with the reference Codex 0.136.0:

* the reference finds (``exec resume --last`` / by id), resumes, archives and unarchives
  sessions WE wrote, with OUR state databases in CODEX_HOME, without migrating them;
* we list, look up, archive and unarchive sessions IT wrote (``codex exec`` against the mock),
  and it sees the result.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from codex.rollout import (
    RolloutRecorder, find_latest_thread, find_thread_path_by_id, list_threads, load_rollout_items,
    new_session_meta, uuid7,
)
from codex.rollout.reader import parse_line
from codex.state import StateRuntime

from .mock_responses import MockResponses, sse, text_stream
from .reference import RefEnv

pytestmark = pytest.mark.reference

REPO = Path(__file__).resolve().parents[2]
FIX = REPO / "fixtures" / "persistence"


def _our_session(env: RefEnv, prompt: str = "Say hello.", answer: str = "Hello! How can I help you today?") -> tuple[str, str]:
    """Replay the captured text_only rollout as a new thread of ours in env.cwd (our recorder,
    our state DBs)."""
    raw = (FIX / "exec" / "text_only" / "rollout.jsonl").read_text()
    instructions = (FIX / "instructions.txt").read_text()
    raw = raw.replace("<CWD>", json.dumps(str(env.cwd))[1:-1])
    raw = raw.replace("<<see _common/instructions.txt>>", json.dumps(instructions)[1:-1])
    raw = raw.replace("Say hello.", prompt).replace("Hello! How can I help you today?", answer)
    items = [parse_line(l) for l in raw.splitlines()]
    import msgspec
    tid = uuid7()
    meta = msgspec.structs.replace(items[0][1], id=tid, timestamp=new_session_meta(cwd="/").timestamp)
    rec = RolloutRecorder.create(str(env.codex_home), meta, default_provider="openai")
    rec.record_items(items[1:])
    rec.shutdown()
    assert rec.state_error is None
    return tid, rec.path


def _migration_counts(codex_home: Path) -> dict[str, int]:
    out = {}
    for name in ("state_5", "goals_1", "logs_2", "memories_1"):
        conn = sqlite3.connect(codex_home / f"{name}.sqlite")
        out[name] = conn.execute("select count(*) from _sqlx_migrations").fetchone()[0]
        conn.close()
    return out


def _user_texts(body: dict) -> list[str]:
    out = []
    for item in body.get("input", []):
        if item.get("type") == "message":
            for part in item.get("content", []):
                if part.get("type") in ("input_text", "output_text"):
                    out.append(part["text"])
    return out


def test_reference_resumes_our_session_with_our_state_db():
    with MockResponses([sse(text_stream("Resumed fine."))]) as mock, RefEnv(mock, tag="persist") as env:
        env.init_git()
        tid, path = _our_session(env, prompt="Remember the word plover.", answer="Noted: plover.")
        before = _migration_counts(env.codex_home)
        size_before = os.path.getsize(path)
        r = env.run(["exec", "--json", "resume", "--last", "What was the word?"])
        assert r.exit_code == 0, r.stderr
        assert "migrat" not in r.stderr.lower()
        events = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        assert events[0] == {"type": "thread.started", "thread_id": tid}
        body = mock.responses_requests()[0].json
        texts = _user_texts(body)
        assert "Remember the word plover." in texts and "Noted: plover." in texts
        assert texts[-1] == "What was the word?"
        assert body["prompt_cache_key"] == tid
        # it appended to our file: no second session_meta, and we read its lines back
        assert os.path.getsize(path) > size_before
        items, read_tid, errors = load_rollout_items(path)
        assert read_tid == tid and errors == 0
        assert [k for k, _ in items].count("session_meta") == 1
        # our databases were opened as they are: no migration added, our row updated
        assert _migration_counts(env.codex_home) == before
        with StateRuntime(str(env.codex_home)) as st:
            row = st.get_thread(tid)
        assert row is not None and row["rollout_path"] == path


def test_reference_resumes_our_session_by_id():
    with MockResponses([sse(text_stream("By id."))]) as mock, RefEnv(mock, tag="persist") as env:
        env.init_git()
        tid, _ = _our_session(env, prompt="First of two.")
        _our_session(env, prompt="Second of two.")  # newer: --last would pick this one
        r = env.run(["exec", "--json", "resume", tid, "Go on."])
        assert r.exit_code == 0, r.stderr
        texts = _user_texts(mock.responses_requests()[0].json)
        assert "First of two." in texts and "Second of two." not in texts


def test_reference_archives_and_unarchives_our_session():
    with RefEnv(None, tag="persist") as env:
        tid, path = _our_session(env)
        r = env.run(["archive", tid])
        assert (r.exit_code, r.stdout, r.stderr) == (0, f"Archived session {tid}.\n", "")
        archived = env.codex_home / "archived_sessions" / os.path.basename(path)
        assert archived.exists() and not os.path.exists(path)
        # we see it archived
        assert list_threads(str(env.codex_home)).items == []
        assert [i.thread_id for i in list_threads(str(env.codex_home), archived=True).items] == [tid]
        # and our unarchive + the reference's archive-again agree on the state
        r = env.run(["unarchive", tid], which="ours")
        assert (r.exit_code, r.stdout) == (0, f"Unarchived session {tid}.\n")
        assert os.path.exists(path)
        r = env.run(["unarchive", tid])
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", "Error: failed to unarchive session\n")
        r = env.run(["archive", tid])
        assert r.exit_code == 0
        r = env.run(["unarchive", tid])
        assert (r.exit_code, r.stdout, r.stderr) == (0, f"Unarchived session {tid}.\n", "")
        assert os.path.exists(path)


def test_we_list_and_archive_sessions_the_reference_wrote():
    replies = [sse(text_stream("one")), sse(text_stream("two"))]
    with MockResponses(replies) as mock, RefEnv(mock, tag="persist") as env:
        env.init_git()
        ids = []
        for prompt in ("Reference prompt one.", "Reference prompt two."):
            r = env.run(["exec", "--json", prompt])
            assert r.exit_code == 0, r.stderr
            ids.append(json.loads(r.stdout.splitlines()[0])["thread_id"])
            time.sleep(1.1)  # distinct file-name seconds: a deterministic newest-first order
        page = list_threads(str(env.codex_home))
        assert [i.thread_id for i in page.items] == list(reversed(ids))
        assert page.items[0].first_user_message == "Reference prompt two."
        assert find_latest_thread(str(env.codex_home), cwd=str(env.cwd)).thread_id == ids[1]
        path = find_thread_path_by_id(str(env.codex_home), ids[0])
        items, tid, errors = load_rollout_items(path)
        assert tid == ids[0] and errors == 0
        # our archive of its session; it agrees
        r = env.run(["archive", ids[0]], which="ours")
        assert (r.exit_code, r.stdout, r.stderr) == (0, f"Archived session {ids[0]}.\n", "")
        r = env.run(["archive", ids[0]])
        assert (r.exit_code, r.stderr) == (1, "Error: failed to archive session\n")
        r = env.run(["unarchive", ids[0]])
        assert (r.exit_code, r.stdout) == (0, f"Unarchived session {ids[0]}.\n")
        assert find_thread_path_by_id(str(env.codex_home), ids[0]) == path
        # error outputs are identical
        for args in (["archive", "nosuchname"], ["unarchive", "nosuchname"],
                     ["archive", "01a20b9e-0000-7550-8212-e91094f2fb72"]):
            ref = env.run(args)
            ours = env.run(args, which="ours")
            assert (ours.exit_code, ours.stdout, ours.stderr) == (ref.exit_code, ref.stdout, ref.stderr), args


def test_reference_rollout_reencodes_identically():
    """Every line the reference writes decodes and re-encodes byte for byte with our types."""
    from codex.rollout.recorder import encode_line
    with MockResponses([sse(text_stream("hi"))]) as mock, RefEnv(mock, tag="persist") as env:
        env.init_git()
        r = env.run(["exec", "--json", "Say hi."])
        assert r.exit_code == 0, r.stderr
        tid = json.loads(r.stdout.splitlines()[0])["thread_id"]
        path = find_thread_path_by_id(str(env.codex_home), tid)
        for raw in Path(path).read_bytes().splitlines():
            ts = json.loads(raw)["timestamp"]
            kind, payload = parse_line(raw)
            assert encode_line(ts, kind, payload) == raw + b"\n"
        # its database has the schema ours creates
        from codex.state import schema_statements
        conn = sqlite3.connect(env.codex_home / "state_5.sqlite")
        got = [s + ";" for (s,) in conn.execute(
            "select sql from sqlite_master where sql is not null order by rowid")]
        assert got == list(schema_statements("state_5"))


def test_reference_resumes_a_fork_we_made():
    with MockResponses([sse(text_stream("Forked fine."))]) as mock, RefEnv(mock, tag="persist") as env:
        env.init_git()
        src_id, src = _our_session(env, prompt="Fork source prompt.", answer="Source answer.")
        meta = new_session_meta(cwd=str(env.cwd), originator="codex_exec", model_provider="mock")
        fork = RolloutRecorder.fork(str(env.codex_home), src, meta)
        fork.shutdown()
        r = env.run(["exec", "--json", "resume", meta.id, "Continue the fork."])
        assert r.exit_code == 0, r.stderr
        events = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        assert events[0] == {"type": "thread.started", "thread_id": meta.id}
        body = mock.responses_requests()[0].json
        texts = _user_texts(body)
        assert "Fork source prompt." in texts and "Source answer." in texts
        assert texts[-1] == "Continue the fork."
        assert body["prompt_cache_key"] == meta.id
        items, tid, errors = load_rollout_items(fork.path)
        assert tid == meta.id and errors == 0
