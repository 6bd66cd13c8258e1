"""Unified exec (`exec_command` / `write_stdin`): the model-facing text equals the 0.136.0
captures (fixtures/process/unified_exec_captures.json, copied from the reference `codex exec`
runs) after normalizing Chunk ID, wall time and session id; sessions, clamps, errors, pruning."""
from __future__ import annotations

import asyncio
import json
import os
import re
import time
from pathlib import Path

import pytest

from codex.process.env import ShellEnvironmentPolicy
from codex.process.unified_exec import FunctionCallError, UnifiedExecProcessManager, clamp_yield_time
from codex.process.unified_exec import manager as M
from codex.process.unified_exec.head_tail_buffer import HeadTailBuffer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "process"
CAPTURES = json.loads((FIXTURES / "unified_exec_captures.json").read_text())["scenarios"]


def run(coro):
    return asyncio.run(coro)


def normalize(text: str) -> str:
    text = re.sub(r"^Chunk ID: [0-9a-f]{6}$", "Chunk ID: <ID>", text, count=1, flags=re.M)
    text = re.sub(r"^Wall time: \d+\.\d{4} seconds$", "Wall time: <WALL>", text, count=1, flags=re.M)
    return re.sub(r"^Process running with session ID \d+$", "Process running with session ID <SID>", text,
                  count=1, flags=re.M)


def with_token_count(text: str) -> str:
    """Recompute `Original token count` from the body (after a path substitution changed it)."""
    head, body = text.split("\nOutput:\n", 1)
    head = re.sub(r"Original token count: \d+", f"Original token count: {(len(body.encode()) + 3) // 4}", head)
    return head + "\nOutput:\n" + body


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "sub").mkdir()
    return ws


@pytest.fixture
def manager(twin, clean_env, workspace):
    m = UnifiedExecProcessManager(cwd=str(workspace), shell="/bin/bash", env=clean_env)
    yield m
    m.terminate_all_processes()


async def replay(m: UnifiedExecProcessManager, calls, subst=None):
    """Send each captured call (session ids mapped from the capture to ours); yield (ours, expected)."""
    sid_map = {}
    out = []
    for call in calls:
        args = dict(call["arguments"])
        if "session_id" in args:
            args["session_id"] = sid_map[args["session_id"]]
        if subst:
            args = json.loads(subst(json.dumps(args)))
        text = await m.handle(call["name"], json.dumps(args))
        exp_sid = re.search(r"session ID (\d+)", call["output"])
        got_sid = re.search(r"session ID (\d+)", text)
        if exp_sid and got_sid:
            sid_map[int(exp_sid.group(1))] = int(got_sid.group(1))
        out.append((text, call["output"]))
    return out


# ---------------------------------------------------------------------------------------------
# the captures


def test_capture_shell_call(manager):
    [(got, exp)] = run(replay(manager, CAPTURES["shell_call"]))
    assert normalize(got) == normalize(exp)
    assert exp.endswith("Output:\nhello\n")


def test_capture_shell_call_preamble_workdir_tty(manager, workspace):
    [(got, exp)] = run(replay(manager, CAPTURES["shell_call_preamble"]))
    exp = with_token_count(exp.replace("<CWD>", str(workspace)))
    assert normalize(got) == normalize(exp)
    assert got.endswith(f"Output:\n{workspace}/sub\r\ntty\r\n")


def test_capture_exec_session_poll(manager):
    t0 = time.monotonic()
    [(got1, exp1), (got2, exp2)] = run(replay(manager, CAPTURES["exec_session_poll"]))
    assert normalize(got1) == normalize(exp1)
    assert normalize(got2) == normalize(exp2)
    wall1 = float(re.search(r"Wall time: (\S+)", got1).group(1))
    wall2 = float(re.search(r"Wall time: (\S+)", got2).group(1))
    assert 0.25 <= wall1 < 0.5           # yield_time_ms 250: returns at the deadline, still running
    assert 1.0 < wall2 < 3.0             # the poll returns as soon as the process exits
    assert time.monotonic() - t0 < 5
    assert manager.process_ids == []     # exited: removed from the store


def test_capture_large_output_truncation(manager):
    results = run(replay(manager, CAPTURES["large_output"]))
    assert len(results) == 2
    for got, exp in results:
        assert normalize(got) == normalize(exp)
    assert "…69900 tokens truncated…" in results[1][0]
    assert "…60000 tokens truncated…" in results[0][0]


def test_capture_failing_command(manager):
    missing = "/nonexistent"
    if os.path.exists(missing):  # some machines have it: use a path that really is missing
        n = 0
        while os.path.exists(f"/nonexistent-{n}"):
            n += 1
        missing = f"/nonexistent-{n}"
    subst = (lambda s: s.replace("/nonexistent", missing)) if missing != "/nonexistent" else None
    [(got, exp)] = run(replay(manager, CAPTURES["failing_command"], subst))
    if subst:
        exp = with_token_count(subst(exp))
    assert normalize(got) == normalize(exp)
    assert "Process exited with code 2\n" in got


# ---------------------------------------------------------------------------------------------
# format details


def test_response_text_format_fields(manager):
    text = run(manager.handle("exec_command", {"cmd": "printf abc"}))
    lines = text.split("\n")
    assert re.fullmatch(r"Chunk ID: [0-9a-f]{6}", lines[0])
    assert re.fullmatch(r"Wall time: \d+\.\d{4} seconds", lines[1])
    assert lines[2:] == ["Process exited with code 0", "Original token count: 1", "Output:", "abc"]


def test_tool_output_object():
    out = M.ExecCommandToolOutput(chunk_id="", wall_time=1.23456, raw_output=b"x" * 50, max_output_tokens=5,
                                  process_id=7, exit_code=None, original_token_count=13)
    assert out.response_text() == (
        "Wall time: 1.2346 seconds\nProcess running with session ID 7\nOriginal token count: 13\nOutput:\n"
        "Total output lines: 1\n\n" + "x" * 10 + "…8 tokens truncated…" + "x" * 10)
    out.truncation_tokens = 2  # the model's policy budget wins when smaller
    assert "…11 tokens truncated…" in out.response_text()


# ---------------------------------------------------------------------------------------------
# sessions


def test_tty_session_write_stdin(manager):
    async def go():
        first = await manager.handle("exec_command", {"cmd": "cat", "tty": True, "yield_time_ms": 250})
        sid = int(re.search(r"session ID (\d+)", first).group(1))
        second = await manager.handle("write_stdin", {"session_id": sid, "chars": "hi\n", "yield_time_ms": 300})
        third = await manager.handle("write_stdin", {"session_id": sid, "chars": "\x04", "yield_time_ms": 2000})
        return first, second, third, sid

    first, second, third, sid = run(go())
    assert first.endswith(f"Process running with session ID {sid}\nOriginal token count: 0\nOutput:\n")
    assert second.endswith(f"Process running with session ID {sid}\nOriginal token count: 2\nOutput:\nhi\r\nhi\r\n")
    assert "Process exited with code 0\n" in third
    assert manager.process_ids == []


def test_write_stdin_to_pipe_session_is_rejected(manager):
    async def go():
        first = await manager.handle("exec_command", {"cmd": "sleep 5", "yield_time_ms": 250})
        sid = int(re.search(r"session ID (\d+)", first).group(1))
        with pytest.raises(FunctionCallError) as e:
            await manager.handle("write_stdin", {"session_id": sid, "chars": "x"})
        return str(e.value)

    assert run(go()) == ("write_stdin failed: stdin is closed for this session; rerun exec_command with tty=true "
                         "to keep stdin open")


def test_write_stdin_unknown_session(manager):
    with pytest.raises(FunctionCallError) as e:
        run(manager.handle("write_stdin", {"session_id": 42, "chars": ""}))
    assert str(e.value) == "write_stdin failed: Unknown process id 42"  # as the reference answers


def test_empty_poll_is_clamped_between_5s_and_background_max(twin, clean_env, workspace):
    m = UnifiedExecProcessManager(cwd=str(workspace), shell="/bin/bash", env=clean_env,
                                  max_write_stdin_yield_time_ms=600)

    async def go():
        first = await m.handle("exec_command", {"cmd": "sleep 30", "yield_time_ms": 250})
        sid = int(re.search(r"session ID (\d+)", first).group(1))
        t0 = time.monotonic()
        await m.handle("write_stdin", {"session_id": sid, "chars": "", "yield_time_ms": 10})
        return time.monotonic() - t0

    try:
        dt = run(go())
    finally:
        m.terminate_all_processes()
    assert 0.55 < dt < 1.5  # max(10, 250) -> clamp(5000, 600) = 600 ms


def test_exec_yield_is_clamped_to_minimum(manager):
    t0 = time.monotonic()
    text = run(manager.handle("exec_command", {"cmd": "sleep 3", "yield_time_ms": 0}))
    dt = time.monotonic() - t0
    assert "Process running with session ID" in text
    assert 0.24 < dt < 1.0


def test_clamp_yield_time():
    assert clamp_yield_time(0) == 250
    assert clamp_yield_time(1000) == 1000
    assert clamp_yield_time(10**9) == 30_000


def test_exec_command_output_arrives_early_when_process_exits(manager):
    t0 = time.monotonic()
    text = run(manager.handle("exec_command", {"cmd": "echo fast"}))  # default yield: 10 s
    assert time.monotonic() - t0 < 2
    assert text.endswith("Process exited with code 0\nOriginal token count: 2\nOutput:\nfast\n")


def test_stdout_and_stderr_merged_in_pipe_mode(manager):
    text = run(manager.handle("exec_command", {"cmd": "echo a; sleep 0.05; echo b >&2; sleep 0.05; echo c"}))
    assert text.endswith("Output:\na\nb\nc\n")


def test_shell_and_login_arguments(manager):
    assert manager.command_for("x", None, None) == ["/bin/bash", "-lc", "x"]
    assert manager.command_for("x", "/bin/sh", False) == ["/bin/sh", "-c", "x"]
    assert M.derive_exec_args("/usr/bin/zsh", "x", True) == ["/usr/bin/zsh", "-lc", "x"]
    text = run(manager.handle("exec_command", {"cmd": "echo $0", "shell": "/bin/sh", "login": False}))
    assert text.endswith("Output:\n/bin/sh\n")
    no_login = UnifiedExecProcessManager(shell="/bin/bash", allow_login_shell=False)
    assert no_login.command_for("x", None, None) == ["/bin/bash", "-c", "x"]
    with pytest.raises(FunctionCallError):
        no_login.command_for("x", None, True)


def test_unified_exec_environment(twin, workspace, monkeypatch):
    monkeypatch.setenv("CODEX_UE_VISIBLE", "v")
    monkeypatch.setenv("CODEX_UE_API_KEY", "k")
    policy = ShellEnvironmentPolicy(ignore_default_excludes=False, set={"EXTRA": "1"})
    m = UnifiedExecProcessManager(cwd=str(workspace), shell="/bin/sh", shell_environment_policy=policy, thread_id="th")
    text = run(m.handle("exec_command", {"cmd": "env", "login": False}))
    env = dict(line.split("=", 1) for line in text.split("Output:\n", 1)[1].splitlines())
    assert env["CODEX_UE_VISIBLE"] == "v" and "CODEX_UE_API_KEY" not in env
    assert env["EXTRA"] == "1" and env["CODEX_THREAD_ID"] == "th"
    for k, v in M.UNIFIED_EXEC_ENV:
        assert env[k] == v


def test_wrap_argv_hook(twin, clean_env, workspace):
    seen = []

    def wrap(argv):
        seen.append(argv)
        return ["/usr/bin/env", "SANDBOXED=yes"] + argv

    m = UnifiedExecProcessManager(cwd=str(workspace), shell="/bin/sh", env=clean_env, wrap_argv=wrap)
    text = run(m.handle("exec_command", {"cmd": "echo $SANDBOXED", "login": False}))
    assert text.endswith("Output:\nyes\n")
    assert seen == [["/bin/sh", "-c", "echo $SANDBOXED"]]


def test_spawn_failure_is_reported_and_id_released(twin, clean_env, workspace):
    m = UnifiedExecProcessManager(cwd=str(workspace), shell="/bin/sh", env=clean_env, deterministic_ids=True)
    with pytest.raises(FunctionCallError) as e:
        run(m.handle("exec_command", {"cmd": "true", "workdir": "missing"}))
    assert str(e.value) == (
        'exec_command failed for `/bin/sh -lc true`: CreateProcess { message: "Rejected(\\"Failed to create '
        'unified exec process: No such file or directory (os error 2)\\")" }')
    assert m.allocate_process_id() == 1000  # the failed call's id was released


def test_argument_errors(manager):
    def err(name, arguments):
        with pytest.raises(FunctionCallError) as e:
            run(manager.handle(name, arguments))
        return str(e.value)

    p = "failed to parse function arguments: "
    assert err("exec_command", "{}") == p + "missing field `cmd` at line 1 column 2"
    assert err("exec_command", '{"cmd": 5}') == p + "invalid type: integer `5`, expected a string at line 1 column 9"
    assert err("exec_command", '{"tty": true,\n "cmd": [1]}') == p + "invalid type: sequence, expected a string at line 2 column 8"
    assert err("exec_command", '{"cmd": "x", "yield_time_ms": -1}') == p + "invalid value: integer `-1`, expected u64 at line 1 column 32"
    assert err("exec_command", '{"cmd": "x", "yield_time_ms": 1.5}') == p + "invalid type: floating point `1.5`, expected u64 at line 1 column 33"
    assert err("exec_command", '{"cmd": "x", "login": "yes"}') == p + 'invalid type: string "yes", expected a boolean at line 1 column 27'
    assert err("write_stdin", '{"session_id": 99999999999}') == p + "invalid value: integer `99999999999`, expected i32 at line 1 column 26"
    assert err("write_stdin", '{"session_id": 1, "chars": null}') == p + "invalid type: null, expected a string at line 1 column 31"
    assert err("exec_command", "") == p + "EOF while parsing a value at line 1 column 0"
    assert err("exec_command", '{"cmd": "x"} x') == p + "trailing characters at line 1 column 14"
    assert err("exec_command", "[]") == p + "invalid length 0, expected struct ExecCommandArgs with 11 elements at line 1 column 2"
    assert err("exec_command", '{"cmd": "x", "cmd": "y"}') == p + "duplicate field `cmd` at line 1 column 18"
    with pytest.raises(FunctionCallError, match="^unsupported unified exec function bogus$"):
        run(manager.handle("bogus", "{}"))


def test_argument_parsing_accepts_unknown_and_null_optionals(manager):
    from codex.process.unified_exec.args import parse_struct

    fields = M._EXEC_FIELDS
    assert parse_struct('{"cmd": "x", "workdir": null, "max_output_tokens": null, "extra": {"a": [1]}}',
                        fields) == {"cmd": "x"}
    assert parse_struct('{"cmd": "x", "tty": true, "yield_time_ms": 5, "max_output_tokens": 7}', fields) == {
        "cmd": "x", "tty": True, "yield_time_ms": 5, "max_output_tokens": 7}


def test_deterministic_and_random_ids():
    m = UnifiedExecProcessManager(deterministic_ids=True)
    assert [m.allocate_process_id() for _ in range(3)] == [1000, 1001, 1002]
    r = UnifiedExecProcessManager()
    ids = {r.allocate_process_id() for _ in range(200)}
    assert len(ids) == 200 and all(1000 <= i < 100_000 for i in ids)


# ---------------------------------------------------------------------------------------------
# pruning


def test_prune_policy():
    # (id, last_used, exited): the 8 most recent are protected; an exited one goes first
    meta = [(i, float(i), False) for i in range(10)]
    assert M.process_id_to_prune(meta) == 0
    meta[1] = (1, 1.0, True)
    assert M.process_id_to_prune(meta) == 1
    meta = [(i, float(i), i == 9) for i in range(10)]  # the exited one is protected (recent)
    assert M.process_id_to_prune(meta) == 0
    assert M.process_id_to_prune([(i, float(i), False) for i in range(8)]) is None
    assert M.process_id_to_prune([]) is None


def test_store_prunes_when_full_and_warns(twin, clean_env, workspace, monkeypatch):
    monkeypatch.setattr(M, "MAX_UNIFIED_EXEC_PROCESSES", 10)
    monkeypatch.setattr(M, "WARNING_UNIFIED_EXEC_PROCESSES", 9)
    warnings = []
    m = UnifiedExecProcessManager(cwd=str(workspace), shell="/bin/sh", env=clean_env, deterministic_ids=True,
                                  on_warning=warnings.append)

    async def go():
        for _ in range(11):
            await m.exec_command(["/bin/sleep", "30"], yield_time_ms=250)
        return m.process_ids

    try:
        ids = run(go())
    finally:
        m.terminate_all_processes()
    assert ids == list(range(1001, 1011))  # 1000, the least recently used, was pruned
    assert len(warnings) == 3  # at 9, 10, and 10 again after the prune
    assert warnings[-1].startswith("The maximum number of unified exec processes you can keep open is 9 and you "
                                   "currently have 10 processes open.")


def test_terminate_all_leaves_no_zombies(twin, clean_env, workspace):
    m = UnifiedExecProcessManager(cwd=str(workspace), shell="/bin/sh", env=clean_env)

    async def go():
        for _ in range(3):
            await m.exec_command(["/bin/sh", "-c", "sleep 30 & sleep 30"], yield_time_ms=250)
        procs = [m._store.processes[i].process for i in m.process_ids]
        m.terminate_all_processes()
        for p in procs:
            await asyncio.wait_for(p.handle.exited.wait(), 5)
        return [p.handle.pid for p in procs]

    for pid in run(go()):
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


# ---------------------------------------------------------------------------------------------
# head/tail buffer (unified_exec/head_tail_buffer.rs)


def test_head_tail_buffer_keeps_prefix_and_suffix():
    b = HeadTailBuffer(10)
    b.push_chunk(b"0123456789")
    b.push_chunk(b"ab")
    assert b.to_bytes() == b"01234" + b"789ab"
    assert b.omitted_bytes == 2
    assert b.to_bytes_with_omission_marker() == b"01234\n... 2 bytes omitted ...\n789ab"


def test_head_tail_buffer_large_chunk_and_drain():
    b = HeadTailBuffer(10)
    b.push_chunk(b"abc")
    b.push_chunk(b"x" * 20 + b"12345")
    assert b.to_bytes() == b"abcxx" + b"12345"
    assert b.omitted_bytes == 18
    assert b.drain_chunks() == [b"abcxx", b"12345"]
    assert b.retained_bytes() == 0 and b.omitted_bytes == 0 and b.drain_chunks() == []


def test_head_tail_buffer_zero_capacity():
    b = HeadTailBuffer(0)
    b.push_chunk(b"abc")
    assert b.to_bytes() == b"" and b.omitted_bytes == 3


def test_head_tail_buffer_default_is_1mib():
    b = HeadTailBuffer()
    b.push_chunk(b"a" * (2 * 1024 * 1024))
    assert b.retained_bytes() == 1024 * 1024


def test_pipe_mode_stdin_is_dev_null(manager):
    text = run(manager.handle("exec_command", {"cmd": "cat; test -t 0 || echo notty", "yield_time_ms": 5000}))
    assert text.endswith("Process exited with code 0\nOriginal token count: 2\nOutput:\nnotty\n")


# ---------------------------------------------------------------------------------------------
# the probes the reference answered (fixtures/process/reference_probes.json; live twin of this
# test: test_unified_exec_live.py)

PROBES = json.loads((FIXTURES / "reference_probes.json").read_text())["probes"]


@pytest.mark.parametrize("i", range(len(PROBES)), ids=lambda i: f"{i:02d}-{PROBES[i]['name']}")
def test_reference_probe(i, twin, clean_env, workspace):
    from test_unified_exec_live import KNOWN_DEVIATIONS, ask_ours, ours_env  # noqa: PLC0415

    if i in KNOWN_DEVIATIONS:
        pytest.xfail(KNOWN_DEVIATIONS[i])
    probe = PROBES[i]
    home = workspace.parent / "home"
    home.mkdir(exist_ok=True)
    assert ask_ours(probe["name"], probe["arguments"], workspace, ours_env(home)) == probe["output"]


SESSIONS = json.loads((FIXTURES / "reference_probes.json").read_text())["sessions"]


@pytest.mark.parametrize("scenario", sorted(SESSIONS))
def test_reference_session(scenario, twin, clean_env, workspace):
    from test_unified_exec_live import SESSIONS as STEPS, ours_env, session_ours  # noqa: PLC0415

    home = workspace.parent / "home"
    home.mkdir(exist_ok=True)
    assert session_ours(STEPS[scenario], workspace, ours_env(home)) == SESSIONS[scenario]


def test_output_and_exit_hooks(twin, clean_env, workspace):
    deltas, exits = [], []
    m = UnifiedExecProcessManager(cwd=str(workspace), shell="/bin/sh", env=clean_env, deterministic_ids=True,
                                  on_output=lambda pid, d: deltas.append((pid, d)),
                                  on_exit=lambda pid, code, t: exits.append((pid, code, t)))

    async def go():
        quick = await m.exec_command(["/bin/sh", "-c", "echo quick"])
        slow = await m.exec_command(["/bin/sh", "-c", "echo a; sleep 0.5; echo b"], yield_time_ms=250)
        await asyncio.sleep(1.0)  # not polled: the exit is still reported
        return quick, slow

    quick, slow = run(go())
    assert quick.exit_code == 0 and slow.process_id == 1000  # the quick call's id was released
    assert {pid for pid, _ in deltas} == {1000}
    assert b"".join(d for _, d in deltas) == b"quick\na\nb\n"
    assert exits == [(1000, 0, b"a\nb\n")]  # only sessions that outlived their call
