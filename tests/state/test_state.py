"""State databases: schema identical to the reference's (state_schema.sql), sqlx migration rows,
WAL, thread rows as in the captures, clear errors for locked/corrupt databases."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from pathlib import Path

import pytest

from codex.rollout import RolloutRecorder, load_rollout_items, new_session_meta
from codex.state import (
    DB_NAMES, StateDbError, StateRuntime, metadata_from_items, open_database, sqlite_home,
)

REPO = Path(__file__).resolve().parents[2]
FIX = REPO / "fixtures" / "persistence"


def _schema_sections() -> dict[str, list[str]]:
    """state_schema.sql (the reference's `.schema` of each database) split per database."""
    text = (FIX / "state_schema.sql").read_text()
    parts = re.split(r"^-- ===== (\w+)\.sqlite =====\n", text, flags=re.M)
    out = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        stmts, cur = [], ""
        for line in body.splitlines(keepends=True):
            if not cur and not line.strip():
                continue
            cur += line
            if sqlite3.complete_statement(cur):
                stmts.append(cur.strip())
                cur = ""
        out[name] = stmts
    return out


def test_schema_equals_reference(tmp_path):
    StateRuntime(str(tmp_path)).close()
    expected = _schema_sections()
    assert set(expected) == set(DB_NAMES)
    for name in DB_NAMES:
        conn = sqlite3.connect(tmp_path / f"{name}.sqlite")
        got = [s + ";" for (s,) in conn.execute(
            "select sql from sqlite_master where sql is not null order by rowid")]
        assert got == expected[name], name
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert conn.execute("pragma auto_vacuum").fetchone()[0] == 2


def test_migration_rows(tmp_path):
    StateRuntime(str(tmp_path)).close()
    ref = json.loads((FIX / "sqlx_migrations.json").read_text())
    counts = {"state_5": 35, "goals_1": 1, "logs_2": 2, "memories_1": 1}  # sqlite_rows.json
    cap = json.loads((FIX / "exec" / "text_only" / "sqlite_rows.json").read_text())
    for name in DB_NAMES:
        conn = sqlite3.connect(tmp_path / f"{name}.sqlite")
        rows = conn.execute("select version, description, checksum, success from _sqlx_migrations"
                            " order by version").fetchall()
        assert [[v, d, c.hex()] for v, d, c, _ in rows] == ref[name]
        assert all(s == 1 for *_, s in rows)
        assert len(rows) == counts[name] == cap[f"{name}.sqlite"]["_sqlx_migrations"]["row_count"]


def test_backfill_row_and_empty_tables(tmp_path):
    with StateRuntime(str(tmp_path)) as st:
        row = dict(st.state.execute("select * from backfill_state").fetchone())
        assert row["id"] == 1 and row["status"] == "complete" and row["last_watermark"] is None


SCENARIOS = sorted(p.parent.name for p in (FIX / "exec").glob("*/rollout.jsonl"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_thread_row_matches_capture(tmp_path, scenario):
    """Replaying a captured rollout through the recorder leaves the row the reference left
    (but for paths and the time of the last update)."""
    cap = json.loads((FIX / "exec" / scenario / "sqlite_rows.json").read_text())
    ref_rows = cap["state_5.sqlite"]["threads"]["rows"]
    items, tid, _ = load_rollout_items(str(FIX / "exec" / scenario / "rollout.jsonl"))
    ref = [r for r in ref_rows if r["id"] == tid]
    assert len(ref) == 1
    ref = ref[0]
    rec = RolloutRecorder.create(str(tmp_path), items[0][1])
    starts = [i for i, (k, p) in enumerate(items) if k == "event_msg"
              and type(p).__struct_config__.tag == "task_started"]
    if len(starts) > 1:
        rec.record_items(items[1:starts[1]])
        rec.shutdown()
        rec = RolloutRecorder.resume(str(tmp_path), rec.path)
        rec.record_items(items[starts[1]:])
    else:
        rec.record_items(items[1:])
    rec.shutdown()
    assert rec.state_error is None
    with StateRuntime(str(tmp_path)) as st:
        ours = st.get_thread(tid)
    skip = {"rollout_path", "updated_at", "updated_at_ms"}
    diff = {k: (ours[k], ref[k]) for k in ref if k not in skip and ours[k] != ref[k]}
    assert diff == {}
    assert ours["rollout_path"] == rec.path
    assert ours["updated_at_ms"] >= ours["created_at_ms"]


def test_metadata_from_items_matches_recorder(tmp_path):
    p = FIX / "exec" / "reasoning_config" / "rollout.jsonl"
    items, tid, _ = load_rollout_items(str(p))
    meta = metadata_from_items(items, str(p), "openai")
    assert meta.reasoning_effort == "high" and meta.tokens_used == 120 and meta.model_provider == "mock"


def test_reference_db_opens(tmp_path):
    """A database with the reference's rows opens; a foreign migration is refused clearly."""
    StateRuntime(str(tmp_path)).close()
    conn = sqlite3.connect(tmp_path / "goals_1.sqlite")
    conn.execute("insert into _sqlx_migrations values (99, 'future', CURRENT_TIMESTAMP, 1, x'00', 0)")
    conn.commit()
    conn.close()
    with pytest.raises(StateDbError, match="newer codex"):
        StateRuntime(str(tmp_path))


def test_corrupt_db_is_a_clear_error_and_rollout_survives(tmp_path, caplog):
    (tmp_path / "state_5.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateDbError, match="corrupt|not a codex database"):
        open_database(str(tmp_path), "state_5")
    meta = new_session_meta(cwd="/w")
    rec = RolloutRecorder.create(str(tmp_path), meta)
    rec.record_items([("event_msg", {"type": "user_message", "message": "hi", "images": [],
                                     "local_images": [], "text_elements": []})])
    rec.shutdown()
    assert rec.state_error and "state_5.sqlite" in rec.state_error
    assert len(Path(rec.path).read_bytes().splitlines()) == 2


def test_locked_db_is_a_clear_error_and_rollout_survives(tmp_path, monkeypatch):
    import codex.state as state
    StateRuntime(str(tmp_path)).close()
    monkeypatch.setattr(state, "BUSY_TIMEOUT_S", 0.2)
    blocker = sqlite3.connect(tmp_path / "state_5.sqlite", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        meta = new_session_meta(cwd="/w")
        rec = RolloutRecorder.create(str(tmp_path), meta)
        rec.record_items([("event_msg", {"type": "user_message", "message": "hi", "images": [],
                                         "local_images": [], "text_elements": []})])
        rec.shutdown()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert rec.state_error and "locked" in rec.state_error
    assert len(Path(rec.path).read_bytes().splitlines()) == 2


def test_sqlite_home(tmp_path):
    assert sqlite_home("/h", {}, {}) == "/h"
    assert sqlite_home("/h", {}, {"CODEX_SQLITE_HOME": "/s"}) == "/s"
    assert sqlite_home("/h", {"sqlite_home": "/c"}, {"CODEX_SQLITE_HOME": "/s"}) == "/c"


def test_concurrent_creation(tmp_path):
    errors = []

    def go():
        try:
            StateRuntime(str(tmp_path)).close()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    ts = [threading.Thread(target=go) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
    assert sorted(p.name for p in tmp_path.glob("*.sqlite")) == sorted(f"{n}.sqlite" for n in DB_NAMES)


def test_backfill_indexes_existing_rollouts(tmp_path):
    """A database created where rollouts already exist indexes them once, as the reference."""
    import shutil
    src = FIX / "exec" / "text_only" / "rollout.jsonl"
    d = tmp_path / "sessions" / "2026" / "11" / "24"
    d.mkdir(parents=True)
    name = "rollout-2026-11-24T01-47-09-01a20b3c-4801-7ba2-b8e6-fe2679637d57.jsonl"
    shutil.copy(src, d / name)
    a = tmp_path / "archived_sessions"
    a.mkdir()
    name2 = "rollout-2026-11-24T01-47-41-01a20b3c-c599-7073-bd70-a2df9ec48f76.jsonl"
    shutil.copy(FIX / "exec" / "multi_turn_resume" / "rollout.jsonl", a / name2)
    with StateRuntime(str(tmp_path)) as st:
        row = st.get_thread("01a20b3c-4801-7ba2-b8e6-fe2679637d57")
        assert row["title"] == "Say hello." and row["tokens_used"] == 1246 and row["archived"] == 0
        row2 = st.get_thread("01a20b3c-c599-7073-bd70-a2df9ec48f76")
        assert row2["archived"] == 1 and row2["archived_at"] is not None
        bf = dict(st.state.execute("select * from backfill_state").fetchone())
    assert bf["status"] == "complete" and bf["last_watermark"] == f"sessions/2026/11/24/{name}"
    # only once
    (d / name).unlink()
    with StateRuntime(str(tmp_path)) as st:
        assert st.get_thread("01a20b3c-4801-7ba2-b8e6-fe2679637d57") is not None


def test_recorder_uses_sqlite_dir(tmp_path):
    meta = new_session_meta(cwd="/w")
    rec = RolloutRecorder.create(str(tmp_path / "home"), meta, sqlite_dir=str(tmp_path / "db"))
    rec.record_items([("event_msg", {"type": "user_message", "message": "hi", "images": [],
                                     "local_images": [], "text_elements": []})])
    rec.shutdown()
    assert not (tmp_path / "home" / "state_5.sqlite").exists()
    with StateRuntime(str(tmp_path / "db")) as st:
        assert st.get_thread(meta.id)["first_user_message"] == "hi"
