"""thread_history: v2 turns rebuilt from rollout lines (upstream thread_history.rs)."""
from __future__ import annotations

import json
from pathlib import Path

from codex.app_server import thread_history as th

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "app_server" / "thread_history"
T1 = "01a20b4a-782a-7442-890b-e3cce6040140"


def ev(**kw):
    return ("event_msg", kw)


def test_reference_rollout_with_rollback_matches_reference_turns():
    # the reference's rollout of turn_basic (two turns, then thread/rollback 1): thread/rollback,
    # thread/fork and thread/resume answered exactly this turn list
    turns = th.build_turns_from_rollout_file(str(FIX / "turn_basic_rollback.jsonl"))
    assert turns == [{
        "id": T1,
        "items": [
            {"type": "userMessage", "id": "item-1", "clientId": None,
             "content": [{"type": "text", "text": "Say hello.", "text_elements": []}]},
            {"type": "agentMessage", "id": "item-2", "text": "Hello from the mock model.",
             "phase": None, "memoryCitation": None},
        ],
        "itemsView": "full", "status": "completed", "error": None,
        "startedAt": 1795485759, "completedAt": 1795485759, "durationMs": 141,
    }]


def test_without_rollback_both_turns_and_item_numbering_continues():
    lines = th.read_rollout_lines(str(FIX / "turn_basic_rollback.jsonl"))
    lines = [l for l in lines if l[1].get("type") != "thread_rolled_back"]
    turns = th.build_turns_from_rollout_items(lines)
    assert [t["status"] for t in turns] == ["completed", "completed"]
    assert [i["id"] for i in turns[1]["items"]] == ["item-3", "item-4"]
    # the injected assistant response item is not an event: no item
    assert len(turns[0]["items"]) == 2


def test_rollback_renumbers_items():
    items = [
        ev(type="task_started", turn_id="a", started_at=1),
        ev(type="user_message", message="one"), ev(type="agent_message", message="r1"),
        ev(type="task_complete", turn_id="a", completed_at=2, duration_ms=5),
        ev(type="task_started", turn_id="b", started_at=3),
        ev(type="user_message", message="two"),
        ev(type="task_complete", turn_id="b", completed_at=4, duration_ms=6),
        ev(type="thread_rolled_back", num_turns=1),
        ev(type="task_started", turn_id="c", started_at=5),
        ev(type="user_message", message="three"),
    ]
    turns = th.build_turns_from_rollout_items(items)
    assert [t["id"] for t in turns] == ["a", "c"]
    assert turns[1]["items"][0]["id"] == "item-3"
    assert turns[1]["status"] == "inProgress"
    assert turns[1]["completedAt"] is None


def test_implicit_turns_reasoning_and_aborts():
    items = [
        ev(type="user_message", message="First", images=["https://x/1.png"], local_images=["/p.png"]),
        ev(type="agent_reasoning", text="thinking"),
        ev(type="agent_reasoning_raw_content", text="raw"),
        ev(type="agent_message", message="Hi"),
        ev(type="user_message", message="Second"),
        ev(type="turn_aborted", reason="interrupted"),
    ]
    turns = th.build_turns_from_rollout_items(items)
    assert len(turns) == 2
    first = turns[0]
    assert first["items"][0]["content"] == [
        {"type": "text", "text": "First", "text_elements": []},
        {"type": "image", "detail": None, "url": "https://x/1.png"},
        {"type": "localImage", "detail": None, "path": "/p.png"}]
    # implicit turns are named after the replayed item that opened them
    assert [t["id"] for t in turns] == ["rollout-0", "rollout-4"]
    assert first["items"][1] == {"type": "reasoning", "id": "item-2", "summary": ["thinking"],
                                 "content": ["raw"]}
    assert first["startedAt"] is None and first["status"] == "completed"
    assert turns[1]["status"] == "interrupted"


def test_tool_items_upserted_by_call_id_in_their_turn():
    items = [
        ev(type="task_started", turn_id="t1", started_at=1),
        ev(type="user_message", message="run"),
        ev(type="exec_command_begin", call_id="c1", turn_id="t1", command=["bash", "-lc", "ls"],
           cwd="/w", parsed_cmd=[], source="agent", process_id=None),
        ev(type="exec_command_end", call_id="c1", turn_id="t1", command=["bash", "-lc", "ls"],
           cwd="/w", parsed_cmd=[], source="user_shell", aggregated_output="a\n", exit_code=0,
           duration={"secs": 0, "nanos": 5_000_000}, status="completed"),
        ev(type="patch_apply_end", call_id="p1", turn_id="t1", success=True, status="completed",
           changes={"/w/f": {"type": "add", "content": "x\n"}}),
        ev(type="error", message="boom", codex_error_info="other"),
        ev(type="task_complete", turn_id="t1", completed_at=2, duration_ms=10),
    ]
    # every event replayed (mode=None): the port of the upstream builder
    [turn] = th.build_turns_from_rollout_items(items, mode=None)
    kinds = [(i["type"], i["id"]) for i in turn["items"]]
    assert kinds == [("userMessage", "item-1"), ("commandExecution", "c1"), ("fileChange", "p1")]
    cmd = turn["items"][1]
    assert cmd["status"] == "completed" and cmd["source"] == "userShell"
    assert cmd["aggregatedOutput"] == "a\n" and cmd["durationMs"] == 5
    assert turn["status"] == "failed"
    assert turn["error"]["message"] == "boom"


def test_compaction_only_turn_kept_and_context_compacted_item():
    items = [("compacted", {"message": "", "replacement_history": []}),
             ev(type="context_compacted")]
    turns = th.build_turns_from_rollout_items(items)
    assert len(turns) == 1
    assert turns[0]["items"] == [{"type": "contextCompaction", "id": "item-1"}]


def test_empty_user_shell_turn_has_no_items():
    # a thread/shellCommand turn: the begin/end events are not persisted (limited policy)
    items = [ev(type="task_started", turn_id="s", started_at=7),
             ev(type="task_complete", turn_id="s", completed_at=7, duration_ms=13)]
    [turn] = th.build_turns_from_rollout_items(items)
    assert turn["items"] == [] and turn["status"] == "completed" and turn["durationMs"] == 13


def test_unparsable_lines_are_skipped(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps({"type": "event_msg", "payload": {"type": "user_message", "message": "x"}})
                 + "\n{torn\n")
    turns = th.build_turns_from_rollout_file(str(p))
    assert len(turns) == 1 and turns[0]["items"][0]["content"][0]["text"] == "x"


def test_limited_policy_replay_as_the_reference():
    # 0.136.0 replays only what the limited persistence policy keeps: the exec, view-image and
    # error events below change nothing; patch_apply_end does (checked against the reference's
    # thread/read of such a rollout)
    meta = ("session_meta", {"id": "x"})
    items = [
        meta,
        ev(type="exec_command_begin", call_id="c0", turn_id="", command=["ls"], cwd="/w",
           parsed_cmd=[], source="agent"),
        ev(type="token_count", info=None, rate_limits=None),
        ev(type="user_message", message="legacy", images=[], local_images=[]),
        ev(type="task_started", turn_id="t1", started_at=1),
        ev(type="user_message", message="run"),
        ev(type="exec_command_end", call_id="c1", turn_id="t1", command=["ls"], cwd="/w",
           parsed_cmd=[], source="agent", aggregated_output="", exit_code=0, status="completed",
           duration={"secs": 0, "nanos": 0}),
        ev(type="view_image_tool_call", call_id="v1", path="/w/i.png"),
        ev(type="patch_apply_begin", call_id="p1", turn_id="t1", changes={}),
        ev(type="patch_apply_end", call_id="p1", turn_id="t1", success=True, status="completed",
           changes={"/w/f": {"type": "add", "content": "x\n"}}),
        ev(type="error", message="boom"),
        ev(type="item_started", turn_id="t1", item={"type": "Plan", "id": "pl", "text": "x"}),
        ev(type="task_complete", turn_id="t1", completed_at=2, duration_ms=3),
        ev(type="task_started", turn_id="t2", started_at=2),
    ]
    turns = th.build_turns_from_rollout_items(items)
    assert [t["id"] for t in turns] == ["rollout-2", "t1", "t2"]
    assert [i["type"] for i in turns[1]["items"]] == ["userMessage", "fileChange"]
    assert turns[1]["status"] == "completed" and turns[1]["error"] is None
    assert turns[2]["status"] == "inProgress"
    assert th.interrupt_dangling(turns)[2]["status"] == "interrupted"


def test_reference_replay_fixture():
    """Synthetic rollouts (tools, legacy implicit turns, rollback, review mode, filtered events)
    and the turns the reference's `thread/read {includeTurns: true}` answered for each (captured
    from codex 0.136.0 app-server over stdio; the threads were not loaded)."""
    cases = json.loads((FIX / "reference_replay.json").read_text())
    assert len(cases) >= 10
    for name, case in cases.items():
        lines = [(k, p) for k, p in case["lines"]]
        ours = th.interrupt_dangling(th.build_turns_from_rollout_items(lines))
        assert ours == case["reference_turns"], name
