"""The recorder fed the captured item streams writes what the reference wrote."""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from codex.rollout import (
    RolloutRecorder, get_rollout_history, load_rollout_items, new_session_meta, rollout_file_name,
    uuid7,
)
from codex.rollout.recorder import encode_line

from rollout.helpers import captured_rollouts, lines, strip_ts

ROLLOUTS = captured_rollouts()

# Events the core emits that the reference never persists (limited mode).
NOT_PERSISTED = [
    ("event_msg", {"type": "exec_command_begin", "call_id": "c", "command": ["true"]}),
    ("event_msg", {"type": "agent_message_delta", "delta": "x"}),
    ("event_msg", {"type": "exec_command_output_delta", "call_id": "c", "chunk": "eA=="}),
    ("event_msg", {"type": "warning", "message": "w"}),
    ("event_msg", {"type": "error", "message": "e"}),
    ("event_msg", {"type": "stream_error", "message": "reconnecting"}),
    ("event_msg", {"type": "plan_update", "plan": []}),
    ("event_msg", {"type": "session_configured"}),
    ("event_msg", {"type": "turn_diff", "unified_diff": ""}),
    ("event_msg", {"type": "item_completed", "item": {"type": "AgentMessage"}}),
    ("response_item", {"type": "other"}),
]


def _split_runs(items):
    """Items of the first run (up to its first task_complete / turn end) and the rest, when the
    capture holds a resumed second run."""
    starts = [i for i, (k, p) in enumerate(items)
              if k == "event_msg" and type(p).__struct_config__.tag == "task_started"]
    if len(starts) < 2:
        return items, []
    return items[:starts[1]], items[starts[1]:]


def _interleave(items):
    out = []
    for i, it in enumerate(items):
        out.append(it)
        out.append(NOT_PERSISTED[i % len(NOT_PERSISTED)])
    return out


def test_fixture_count():
    assert len(ROLLOUTS) >= 34


@pytest.mark.parametrize("path", ROLLOUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_replay_matches_capture(tmp_path, path: Path):
    items, thread_id, errors = load_rollout_items(str(path))
    assert errors == 0 and items[0][0] == "session_meta"
    first, rest = _split_runs(items[1:])
    rec = RolloutRecorder.create(str(tmp_path), items[0][1], state=None)
    rec.record_items(_interleave(first))
    rec.shutdown()
    if rest:  # multi_turn_resume: `exec resume --last` appends, with no second session_meta
        rec = RolloutRecorder.resume(str(tmp_path), rec.path, state=None)
        rec.record_items(_interleave(rest))
        rec.shutdown()
    ours = [strip_ts(l) for l in lines(Path(rec.path))]
    ref = [strip_ts(l) for l in lines(path)]
    assert len(ours) == len(ref)
    for i, (a, b) in enumerate(zip(ours, ref)):
        assert a == b, f"line {i + 1} differs"
    # each line carries a well-formed UTC timestamp
    for l in lines(Path(rec.path)):
        assert re.match(rb'^\{"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","type":"', l)


def test_file_name_and_location(tmp_path):
    meta = new_session_meta(cwd="/w", model_provider="mock")
    t = time.time()
    rec = RolloutRecorder.create(str(tmp_path), meta, state=None, created_at=t)
    rec.persist()
    rec.shutdown()
    lt = time.localtime(t)
    expect_dir = tmp_path / "sessions" / time.strftime("%Y/%m/%d", lt)
    name = f"rollout-{time.strftime('%Y-%m-%dT%H-%M-%S', lt)}-{meta.id}.jsonl"
    assert Path(rec.path) == expect_dir / name
    assert rollout_file_name(meta.id, t) == (time.strftime("%Y/%m/%d", lt), name)
    first = json.loads(lines(Path(rec.path))[0])
    assert first["type"] == "session_meta" and first["payload"]["id"] == meta.id
    assert list(first) == ["timestamp", "type", "payload"]


def test_uuid7_shape():
    ids = {uuid7() for _ in range(200)}
    assert len(ids) == 200
    for u in ids:
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u)
    assert int(uuid7(1795484829697).replace("-", "")[:12], 16) == 1795484829697


def test_ephemeral_writes_nothing(tmp_path):
    meta = new_session_meta(cwd="/w")
    rec = RolloutRecorder.create(str(tmp_path), meta, ephemeral=True)
    rec.record_items([("event_msg", {"type": "user_message", "message": "hi", "images": [],
                                     "local_images": [], "text_elements": []})])
    rec.flush()
    rec.shutdown()
    assert rec.path is None
    assert list(tmp_path.iterdir()) == []


def test_record_does_not_block(tmp_path, monkeypatch):
    meta = new_session_meta(cwd="/w")
    rec = RolloutRecorder.create(str(tmp_path), meta, state=None)
    rec.persist()
    real_write = os.write
    gate = __import__("threading").Event()

    def slow_write(fd, data):
        gate.wait(5)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", slow_write)
    t0 = time.perf_counter()
    for i in range(50):
        rec.record_items([("event_msg", {"type": "agent_reasoning", "text": str(i)})])
    assert time.perf_counter() - t0 < 1.0  # the writer is stuck, the caller is not
    gate.set()
    rec.shutdown()
    monkeypatch.undo()
    assert len(lines(Path(rec.path))) == 51


def test_flush_makes_lines_visible(tmp_path):
    meta = new_session_meta(cwd="/w")
    rec = RolloutRecorder.create(str(tmp_path), meta, state=None)
    rec.record_items([("event_msg", {"type": "agent_reasoning", "text": "a"})])
    rec.flush()
    assert not os.path.exists(rec.path) and not rec.materialized  # no turn yet: no file
    rec.persist()
    rec.flush()
    assert len(lines(Path(rec.path))) == 2
    rec.shutdown()
    with pytest.raises(RuntimeError):
        rec.record_items([("event_msg", {"type": "agent_reasoning", "text": "b"})])


def test_extended_mode_persists_more(tmp_path):
    meta = new_session_meta(cwd="/w")
    rec = RolloutRecorder.create(str(tmp_path), meta, state=None, mode="extended")
    rec.persist()
    rec.record_items([("event_msg", {"type": "error", "message": "boom"}),
                      ("event_msg", {"type": "exec_command_end", "call_id": "c", "stdout": "x" * 50,
                                     "stderr": "", "aggregated_output": "y" * 20000,
                                     "formatted_output": "z"}),
                      ("event_msg", {"type": "exec_command_begin", "call_id": "c"})])
    rec.shutdown()
    got = [json.loads(l)["payload"] for l in lines(Path(rec.path))[1:]]
    assert [p["type"] for p in got] == ["error", "exec_command_end"]
    assert got[1]["stdout"] == "" and got[1]["formatted_output"] == ""
    assert len(got[1]["aggregated_output"].encode()) < 10_100


def test_encode_line_dict_and_struct_agree():
    from codex.protocol.rollout import decode_event_msg
    d = {"type": "agent_message", "message": "é \u001b\n", "phase": None, "memory_citation": None}
    s = decode_event_msg(json.dumps(d))
    assert encode_line("T", "event_msg", d) == encode_line("T", "event_msg", s)
    assert encode_line("T", "event_msg", d) == (
        b'{"timestamp":"T","type":"event_msg","payload":' + json.dumps(d, ensure_ascii=False,
                                                                       separators=(",", ":")).encode() + b"}\n")


def test_history_roundtrip(tmp_path):
    src = [p for p in ROLLOUTS if p.parent.name == "multi_turn_resume"][0]
    h = get_rollout_history(str(src))
    assert h.thread_id == json.loads(lines(src)[0])["payload"]["id"]
    kinds = [type(i).__struct_config__.tag for i in h.response_items()]
    assert kinds.count("function_call") == 1 and "message" in kinds


def test_thread_without_turn_leaves_no_file(tmp_path):
    meta = new_session_meta(cwd="/w")
    rec = RolloutRecorder.create(str(tmp_path), meta)
    rec.record_items([("event_msg", {"type": "agent_reasoning", "text": "a"})])
    rec.shutdown()
    assert not os.path.exists(rec.path)
    assert not (tmp_path / "sessions").exists()


def test_first_turn_materializes_with_buffered_lines(tmp_path):
    meta = new_session_meta(cwd="/w")
    rec = RolloutRecorder.create(str(tmp_path), meta, state=None)
    rec.record_items([("turn_context", {"cwd": "/w", "approval_policy": "never",
                                        "sandbox_policy": {"type": "read-only"}, "model": "m",
                                        "summary": "auto"})])
    rec.flush()
    assert not os.path.exists(rec.path)
    rec.record_items([("event_msg", {"type": "task_started", "turn_id": "t"})])
    rec.flush()
    kinds = [json.loads(l)["type"] for l in lines(Path(rec.path))]
    assert kinds == ["session_meta", "turn_context", "event_msg"]
    rec.shutdown()
