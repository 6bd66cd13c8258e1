"""The core's turn loop against the loopback Responses mock (no reference binary needed):
parallel tool calls answered in call order, interruption, steering, compaction (manual and
automatic), approvals answered through ops, and the recorded rollout order."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time

import pytest

from parity.mock_responses import MockResponses, ResponseStream, sse, text_stream

from codex.config.loader import load_config
from codex.core.session import Session
from codex.core.settings import resolve

CONFIG = """model_provider = "mock"
model = "gpt-5.5"
{top}
[features]
plugins = false
[otel]
metrics_exporter = "none"
[model_providers.mock]
name = "mock"
base_url = "{url}"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    ch = tmp_path / "codex_home"
    ws = tmp_path / "ws"
    ch.mkdir()
    ws.mkdir()
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    monkeypatch.setenv("MOCK_API_KEY", "sk-mock")
    # a login shell reads the user's profile: keep this machine's out of the outputs
    monkeypatch.setenv("HOME", str(tmp_path))
    return ch, ws


def _session(ch, ws, url, *, top="", **kw):
    (ch / "config.toml").write_text(CONFIG.format(url=url, top=top))
    cfg = load_config(codex_home=str(ch), cwd=str(ws))
    events: list[dict] = []

    async def sink(ev):
        events.append(ev.msg)

    settings = resolve(cfg, cwd=str(ws), **kw)
    return Session(settings, sink), events


def _types(events):
    return [e["type"] for e in events]


def _rollout(session):
    with open(session.rollout_path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_parallel_calls_outputs_in_call_order(home):
    ch, ws = home
    # the first command is slower than the second: outputs still come back in call order
    r = (ResponseStream()
         .function_call("exec_command", {"cmd": "sleep 0.3; echo first"}, call_id="c1")
         .function_call("exec_command", {"cmd": "echo second"}, call_id="c2").completed())

    async def run():
        with MockResponses([sse(r), sse(text_stream("ok"))]) as mock:
            s, events = _session(ch, ws, mock.base_url, sandbox_mode="danger-full-access")
            await s.start()
            t0 = time.monotonic()
            done = await s.run_turn([{"type": "text", "text": "go"}])
            elapsed = time.monotonic() - t0
            await s.shutdown()
            return mock.responses_requests(), done, events, elapsed

    reqs, done, events, _ = asyncio.run(run())
    outputs = [i for i in reqs[1].json["input"] if i["type"] == "function_call_output"]
    assert [o["call_id"] for o in outputs] == ["c1", "c2"]
    assert outputs[0]["output"].endswith("first\n") and outputs[1]["output"].endswith("second\n")
    ends = [e["call_id"] for e in events if e["type"] == "exec_command_end"]
    assert ends == ["c2", "c1"]          # they really ran concurrently
    assert done["last_agent_message"] == "ok"


def test_interrupt_aborts_turn_and_the_command_runs_on(home, tmp_path):
    """As 0.136.0: the turn is aborted at once, the running command is not killed (the model is
    told it may still run) and its exec_command_end is reported when it exits."""
    ch, ws = home
    marker = tmp_path / "finished"
    r = ResponseStream().function_call(
        "exec_command", {"cmd": f"sleep 1; touch {marker}", "yield_time_ms": 10000}, call_id="c1").completed()

    async def run():
        with MockResponses([sse(r)]) as mock:
            s, events = _session(ch, ws, mock.base_url, sandbox_mode="danger-full-access")
            await s.start()
            task = asyncio.ensure_future(s.run_turn([{"type": "text", "text": "go"}]))
            while not any(e["type"] == "exec_command_begin" for e in events):
                await asyncio.sleep(0.05)
            await s.interrupt()
            assert task.done()
            for _ in range(60):
                if any(e["type"] == "exec_command_end" for e in events):
                    break
                await asyncio.sleep(0.05)
            await s.shutdown()
            return events, s

    events, s = asyncio.run(run())
    kinds = _types(events)
    assert "turn_aborted" in kinds
    aborted = next(e for e in events if e["type"] == "turn_aborted")
    assert aborted["reason"] == "interrupted" and "duration_ms" in aborted
    assert marker.exists(), "the command was killed by the interrupt"
    assert kinds.index("exec_command_end") > kinds.index("turn_aborted")
    end = next(e for e in events if e["type"] == "exec_command_end")
    assert end["source"] == "unified_exec_startup" and end["exit_code"] == 0
    lines = _rollout(s)
    kinds = [(line["type"], line["payload"].get("type")) for line in lines]
    assert ("event_msg", "turn_aborted") in kinds
    # the unanswered call is answered "aborted", the model is told of the interrupt
    outputs = [line["payload"] for line in lines if line["payload"].get("type") == "function_call_output"]
    assert len(outputs) == 1 and outputs[0]["output"].startswith("aborted by user after ")
    notes = [line["payload"]["content"][0]["text"] for line in lines
             if line["payload"].get("role") == "user"]
    assert notes[-1].startswith("<turn_aborted>\nThe user interrupted the previous turn on purpose.")


def test_steer_enters_history_before_next_request(home):
    ch, ws = home
    r = ResponseStream().function_call("exec_command", {"cmd": "sleep 0.5"}, call_id="c1").completed()

    async def run():
        with MockResponses([sse(r), sse(text_stream("done"))]) as mock:
            s, events = _session(ch, ws, mock.base_url, sandbox_mode="danger-full-access")
            await s.start()
            task = asyncio.ensure_future(s.run_turn([{"type": "text", "text": "go"}]))
            while not any(e["type"] == "exec_command_begin" for e in events):
                await asyncio.sleep(0.02)
            turn_id = s.steer([{"type": "text", "text": "Also say goodbye."}])
            await task
            with pytest.raises(ValueError, match="no active turn to steer"):
                s.steer([{"type": "text", "text": "too late"}])
            await s.shutdown()
            return mock.responses_requests(), turn_id, events

    reqs, turn_id, events = asyncio.run(run())
    kinds = [(i["type"], i.get("role")) for i in reqs[1].json["input"]]
    assert kinds[-3:] == [("function_call", None), ("function_call_output", None), ("message", "user")]
    assert reqs[1].json["input"][-1]["content"][0]["text"] == "Also say goodbye."
    assert turn_id == next(e for e in events if e["type"] == "task_started")["turn_id"]


def test_manual_compaction_replaces_history(home):
    ch, ws = home

    async def run():
        with MockResponses([sse(text_stream("Hello.")), sse(text_stream("SUMMARY.")),
                            sse(text_stream("After."))]) as mock:
            s, events = _session(ch, ws, mock.base_url)
            await s.start()
            await s.run_turn([{"type": "text", "text": "Say hello."}])
            await s.compact()
            await s.run_turn([{"type": "text", "text": "Next."}])
            await s.shutdown()
            return mock.responses_requests(), events, s

    reqs, events, s = asyncio.run(run())
    compact_input = reqs[1].json["input"]
    assert compact_input[-1]["content"][0]["text"].startswith("You are performing a CONTEXT CHECKPOINT COMPACTION.")
    after = reqs[2].json["input"]
    roles = [(i["role"], i["content"][0]["text"][:20]) for i in after]
    assert roles[0] == ("user", "Say hello.")
    assert roles[1][1].startswith("Another language")
    assert [r for r, _ in roles[2:]] == ["developer", "user", "user"]
    assert after[-1]["content"][0]["text"] == "Next."
    kinds = [(line["type"], line["payload"].get("type")) for line in _rollout(s)]
    i = kinds.index(("compacted", None))
    assert kinds[i + 1:i + 4] == [("event_msg", "token_count"), ("event_msg", "context_compacted"),
                                  ("event_msg", "task_complete")]
    assert "warning" in _types(events)


def test_auto_compaction_at_the_token_limit(home):
    ch, ws = home
    r = ResponseStream().function_call("exec_command", {"cmd": "echo hi"}, call_id="c1").completed(input_tokens=900)

    async def run():
        with MockResponses([sse(r), sse(text_stream("SUMMARY.")), sse(text_stream("done"))]) as mock:
            s, events = _session(ch, ws, mock.base_url, top="model_auto_compact_token_limit = 500",
                                 sandbox_mode="danger-full-access")
            await s.start()
            await s.run_turn([{"type": "text", "text": "go"}])
            await s.shutdown()
            return mock.responses_requests(), events

    reqs, events = asyncio.run(run())
    assert len(reqs) == 3
    assert reqs[1].json["input"][-1]["content"][0]["text"].startswith("You are performing a CONTEXT CHECKPOINT")
    final = reqs[2].json["input"]
    # mid-turn: the context goes back in before the last user message
    assert [i.get("role") for i in final][-3:] == ["developer", "user", "user"]
    assert "context_compacted" in _types(events)


@pytest.mark.parametrize("decision,expect_ran", [("approved", True), ("denied", False)])
def test_exec_approval_round_trip(home, decision, expect_ran):
    ch, ws = home
    r = ResponseStream().function_call(
        "exec_command", {"cmd": "echo hello > hello.txt && cat hello.txt"}, call_id="c1").completed()

    async def run():
        with MockResponses([sse(r), sse(text_stream("ok"))]) as mock:
            s, events = _session(ch, ws, mock.base_url, sandbox_mode="workspace-write",
                                 approval_policy="untrusted")
            await s.start()
            task = asyncio.ensure_future(s.run_turn([{"type": "text", "text": "go"}]))
            while not any(e["type"] == "exec_approval_request" for e in events):
                await asyncio.sleep(0.02)
            req = next(e for e in events if e["type"] == "exec_approval_request")
            s.submit_op({"type": "exec_approval", "id": req["call_id"], "turn_id": req["turn_id"],
                         "decision": decision})
            await task
            await s.shutdown()
            return mock.responses_requests(), req

    reqs, req = asyncio.run(run())
    assert req["command"] == ["/bin/bash", "-lc", "echo hello > hello.txt && cat hello.txt"]
    out = next(i for i in reqs[1].json["input"] if i["type"] == "function_call_output")["output"]
    if expect_ran:
        assert out.endswith("Output:\nhello\n")
        assert (ws / "hello.txt").exists()
    else:
        assert out == ("exec_command failed for `/bin/bash -lc 'echo hello > hello.txt && cat hello.txt'`: "
                       "CreateProcess { message: \"Rejected(\\\"rejected by user\\\")\" }")
        assert not (ws / "hello.txt").exists()


def test_rollout_order_of_a_tool_turn(home):
    ch, ws = home
    r = ResponseStream().reasoning("thinking").function_call("exec_command", {"cmd": "echo hi"}, call_id="c1").completed()

    async def run():
        with MockResponses([sse(r), sse(text_stream("bye"))]) as mock:
            s, _ = _session(ch, ws, mock.base_url, sandbox_mode="danger-full-access")
            await s.start()
            await s.run_turn([{"type": "text", "text": "go"}])
            await s.shutdown()
            return s

    s = asyncio.run(run())
    kinds = [(line["type"], line["payload"].get("type") or line["payload"].get("role")) for line in _rollout(s)]
    assert kinds == [
        ("session_meta", None), ("event_msg", "task_started"), ("response_item", "message"),
        ("response_item", "message"), ("turn_context", None), ("response_item", "message"),
        ("event_msg", "user_message"), ("event_msg", "agent_reasoning"), ("response_item", "reasoning"),
        ("response_item", "function_call"), ("response_item", "function_call_output"),
        ("event_msg", "token_count"), ("event_msg", "agent_message"), ("response_item", "message"),
        ("event_msg", "token_count"), ("event_msg", "task_complete"),
    ]
    assert os.path.basename(s.rollout_path).startswith("rollout-")


def test_exec_approval_abort_ends_the_turn(home):
    ch, ws = home
    r = ResponseStream().function_call(
        "exec_command", {"cmd": "echo hello > hello.txt"}, call_id="c1").completed()

    async def run():
        with MockResponses([sse(r), sse(text_stream("never sent"))]) as mock:
            s, events = _session(ch, ws, mock.base_url, sandbox_mode="workspace-write",
                                 approval_policy="untrusted")
            await s.start()
            task = asyncio.ensure_future(s.run_turn([{"type": "text", "text": "go"}]))
            while not any(e["type"] == "exec_approval_request" for e in events):
                await asyncio.sleep(0.02)
            req = next(e for e in events if e["type"] == "exec_approval_request")
            s.submit_op({"type": "exec_approval", "id": req["call_id"], "turn_id": req["turn_id"],
                         "decision": "abort"})
            with pytest.raises(asyncio.CancelledError):
                await task
            await s.shutdown()
            return mock.responses_requests(), events

    reqs, events = asyncio.run(run())
    assert len(reqs) == 1                      # no follow-up request after an abort
    assert "turn_aborted" in _types(events)
    assert not (ws / "hello.txt").exists()
