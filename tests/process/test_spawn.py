"""codex.process.spawn on both twins: pipes, PTY, group kill, no zombies, caps, timeouts."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import pytest

from codex.process import spawn

PY = sys.executable


def run(coro):
    return asyncio.run(coro)


def pid_gone(pid: int) -> bool:
    """True once `pid` no longer runs (absent, or a zombie of a parent that is not us)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def wait_gone(pids, timeout=5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if all(pid_gone(p) for p in pids):
            return True
        time.sleep(0.02)
    return all(pid_gone(p) for p in pids)


def assert_reaped(pid: int) -> None:
    """Our own child: already waited for (no zombie left behind)."""
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    assert not os.path.exists(f"/proc/{pid}")


async def _collect(argv, env, **kw):
    chunks = []
    p = spawn.start_process(argv, kw.pop("cwd", None), env, on_output=lambda d, s: chunks.append((s, d)), **kw)
    code = await p.wait()
    await asyncio.wait_for(p.output_closed.wait(), 5)
    return p, code, chunks


# ---------------------------------------------------------------------------------------------
# pipes


def test_implementation_flag():
    assert spawn.IMPLEMENTATION in ("compiled", "pure")


def test_pipes_stdout_stderr_exit_code(twin, clean_env):
    r = run(spawn.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], None, clean_env))
    assert (r.exit_code, r.stdout, r.stderr, r.timed_out) == (3, b"out\n", b"err\n", False)
    assert r.aggregated_output == b"out\nerr\n"
    assert r.text == "out\nerr\n"


def test_pipes_stdin_is_dev_null(twin, clean_env):
    r = run(spawn.run(["/bin/sh", "-c", "cat; test -t 0 || echo notty"], None, clean_env))
    assert r.stdout == b"notty\n"


def test_pipes_arrival_order_streams(twin, clean_env):
    async def go():
        return await _collect(["/bin/sh", "-c", "echo a; sleep 0.05; echo b >&2; sleep 0.05; echo c"], clean_env)

    _, code, chunks = run(go())
    assert code == 0
    assert chunks == [(spawn.STDOUT, b"a\n"), (spawn.STDERR, b"b\n"), (spawn.STDOUT, b"c\n")]


def test_env_is_exact_and_cwd(twin, clean_env, tmp_path):
    env = dict(clean_env, ONLY_THIS="1")
    r = run(spawn.run(["/usr/bin/env"], str(tmp_path), env))
    got = dict(line.split("=", 1) for line in r.stdout.decode().splitlines())
    assert got == env
    r = run(spawn.run(["pwd"], str(tmp_path), clean_env))  # bare name: resolved on env's PATH
    assert r.stdout.decode().strip() == str(tmp_path)


def test_signal_exit_is_128_plus_signal(twin, clean_env):
    r = run(spawn.run(["/bin/sh", "-c", "kill -9 $$"], None, clean_env))
    assert r.exit_code == 128 + 9


def test_spawn_errors(twin, clean_env, tmp_path):
    async def go(argv, cwd):
        spawn.start_process(argv, cwd, clean_env)

    with pytest.raises(FileNotFoundError):
        run(go(["/no/such/binary"], None))
    with pytest.raises(FileNotFoundError):
        run(go(["no-such-binary-xyz"], None))
    with pytest.raises(FileNotFoundError):
        run(go(["/bin/true"], str(tmp_path / "missing")))
    f = tmp_path / "notexec"
    f.write_text("#!/bin/sh\n")
    with pytest.raises(PermissionError):
        run(go([str(f)], None))
    with pytest.raises(ValueError):
        run(go([], None))


def test_child_leads_its_own_session(twin, clean_env):
    code = "import os; print(os.getsid(0) == os.getpid(), os.getpgrp() == os.getpid())"
    r = run(spawn.run([PY, "-c", code], None, clean_env))
    assert r.stdout == b"True True\n"


def test_default_signal_dispositions(twin, clean_env):
    # Python ignores SIGPIPE; the child must not inherit that (`yes | head` must end by SIGPIPE).
    r = run(spawn.run(["/bin/sh", "-c", "yes | head -n 2"], None, clean_env, timeout_ms=5000))
    assert (r.exit_code, r.stdout) == (0, b"y\ny\n")
    r = run(spawn.run(["/bin/sh", "-c", "grep SigIgn /proc/self/status"], None, clean_env))
    ign = int(r.stdout.split()[1], 16)
    assert not ign & (1 << (signal.SIGPIPE - 1))


def test_wrap_argv_hook(twin, clean_env):
    seen = []

    def wrap(argv):
        seen.append(list(argv))
        return ["/usr/bin/env", "WRAPPED=1"] + argv

    r = run(spawn.run(["/bin/sh", "-c", "echo $WRAPPED"], None, clean_env, wrap_argv=wrap))
    assert r.stdout == b"1\n"
    assert seen == [["/bin/sh", "-c", "echo $WRAPPED"]]


def test_wrap_argv_launch_with_env_and_executable(twin, clean_env, tmp_path):
    link = tmp_path / "arg0-dispatch"
    link.write_text("#!/bin/sh\necho \"$0 $1 $SANDBOXED\"\n")
    link.chmod(0o755)

    def wrap(argv):
        return spawn.Launch(["codex-linux-sandbox", *argv], env=dict(clean_env, SANDBOXED="1"),
                            executable=str(link))

    r = run(spawn.run(["echo", "x"], None, clean_env, wrap_argv=wrap))
    # a script sees its own path as $0 (the kernel rewrites argv for #!); executable and env came
    # from the Launch. A real binary keeps the given argv[0]:
    assert r.stdout == f"{link} echo 1\n".encode()
    r = run(spawn.run(["/bin/sh", "-c", "echo $0"], None, clean_env,
                      wrap_argv=lambda a: spawn.Launch(["custom-arg0", "-c", "echo $0"], executable="/bin/sh")))
    assert r.stdout == b"custom-arg0\n"


# ---------------------------------------------------------------------------------------------
# caps and aggregation


def test_capture_cap_per_stream(twin, clean_env):
    r = run(spawn.run(["/bin/sh", "-c", "head -c 3000000 /dev/zero; head -c 10 /dev/zero >&2"], None, clean_env))
    assert r.exit_code == 0  # the rest was read and dropped: no back-pressure deadlock
    assert len(r.stdout) == spawn.DEFAULT_OUTPUT_BYTES_CAP
    assert len(r.stderr) == 10
    assert len(r.aggregated_output) == spawn.DEFAULT_OUTPUT_BYTES_CAP


def test_capture_cap_custom(twin, clean_env):
    r = run(spawn.run(["/bin/sh", "-c", "echo 0123456789"], None, clean_env, max_bytes=4))
    assert r.stdout == b"0123"


def test_aggregate_output_rules():
    agg = spawn.aggregate_output
    assert agg(b"ab", b"cd", None) == b"abcd"
    assert agg(b"ab", b"cd", 4) == b"abcd"
    # contention: stdout keeps a third, stderr takes the rest
    assert agg(b"o" * 10, b"e" * 10, 9) == b"ooo" + b"eeeeee"
    # unused stderr room goes back to stdout
    assert agg(b"o" * 10, b"e" * 2, 9) == b"o" * 7 + b"ee"
    # short stdout: all of it, stderr fills the cap
    assert agg(b"o", b"e" * 20, 9) == b"o" + b"e" * 8


# ---------------------------------------------------------------------------------------------
# timeouts, group kill, zombies


def test_timeout_exit_124_kills_group(twin, clean_env):
    async def go():
        t0 = time.monotonic()
        r = await spawn.run(["/bin/sh", "-c", "sleep 30 & echo $!; sleep 30 & echo $!; echo before; wait"],
                            None, clean_env, timeout_ms=300)
        return r, time.monotonic() - t0

    r, dt = run(go())
    assert r.exit_code == spawn.EXEC_TIMEOUT_EXIT_CODE == 124
    assert r.timed_out
    lines = r.stdout.decode().split()
    assert lines[-1] == "before"
    assert dt < 3
    assert wait_gone([int(p) for p in lines[:2]])


def test_kill_group_reaches_grandchildren_and_reaps(twin, clean_env):
    async def go():
        out = bytearray()
        p = spawn.start_process(["/bin/sh", "-c", "sleep 30 & echo $!; sleep 30 & echo $!; wait"], None, clean_env,
                                on_output=lambda d, s: out.extend(d))
        while out.count(b"\n") < 2:
            await asyncio.sleep(0.01)
        p.kill()
        code = await asyncio.wait_for(p.wait(), 5)
        await asyncio.wait_for(p.output_closed.wait(), 5)
        return p, code, [int(x) for x in out.split()]

    p, code, grandchildren = run(go())
    assert code == 128 + signal.SIGKILL
    assert wait_gone(grandchildren)
    assert_reaped(p.pid)


def test_no_zombies_after_many_runs(twin, clean_env):
    async def go():
        ps = []
        for _ in range(20):
            p, code, _ = await _collect(["/bin/true"], clean_env)
            ps.append(p.pid)
        return ps

    for pid in run(go()):
        assert_reaped(pid)


def test_terminate_without_waiting_still_reaps(twin, clean_env):
    async def go():
        p = spawn.start_process(["/bin/sleep", "30"], None, clean_env)
        await asyncio.sleep(0.05)
        p.terminate()
        await asyncio.wait_for(p.exited.wait(), 5)
        return p

    p = run(go())
    assert p.exit_code == 128 + signal.SIGKILL
    assert_reaped(p.pid)


def test_cancel_kills_group(twin, clean_env, tmp_path):
    pidfile = tmp_path / "pids"

    async def go():
        task = asyncio.ensure_future(
            spawn.run(["/bin/sh", "-c", f"sleep 30 & echo $! > {pidfile}; wait"], None, clean_env, timeout_ms=None))
        while not (pidfile.exists() and pidfile.read_text().strip()):
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.2)  # let the reaper run

    run(go())
    assert wait_gone([int(pidfile.read_text())])


def test_drain_timeout_when_grandchild_holds_the_pipe(twin, clean_env):
    # The shell exits at once, a background sleep keeps stdout open: after the drain timeout the
    # stream is abandoned and reads as empty (exec.rs await_output).
    t0 = time.monotonic()
    r = run(spawn.run(["/bin/sh", "-c", "echo out; echo err >&2; sleep 3 >/dev/null 2>&1 <&- & exec 2>&-; sleep 3 &"],
                      None, clean_env, io_drain_timeout=0.3))
    assert time.monotonic() - t0 < 2.5
    assert r.exit_code == 0
    assert r.stdout == b""
    assert r.stderr == b"err\n"


# ---------------------------------------------------------------------------------------------
# PTY


PTY_PROBE = r"""
import os, sys, fcntl, termios, struct
rows, cols = struct.unpack('HHHH', fcntl.ioctl(1, termios.TIOCGWINSZ, b'\0' * 8))[:2]
fd = os.open('/dev/tty', os.O_RDWR)   # works only with a controlling terminal
print(os.isatty(0), os.isatty(1), os.isatty(2), rows, cols,
      os.getsid(0) == os.getpid(), os.tcgetpgrp(fd) == os.getpgrp(), os.ttyname(0) == os.ttyname(1))
"""


def test_pty_isatty_winsize_ctty(twin, clean_env):
    _, code, chunks = run(_collect([PY, "-c", PTY_PROBE], clean_env, tty=True))
    assert code == 0
    assert b"".join(d for _, d in chunks) == b"True True True 24 80 True True True\r\n"


def test_pty_custom_winsize_and_crlf(twin, clean_env):
    _, code, chunks = run(_collect(["/bin/sh", "-c", "stty size; echo x"], clean_env, tty=True, rows=40, cols=132))
    assert b"".join(d for _, d in chunks) == b"40 132\r\nx\r\n"
    assert {s for s, _ in chunks} == {spawn.STDOUT}


def test_pty_stderr_merged_and_stdin_write(twin, clean_env):
    async def go():
        out = bytearray()
        p = spawn.start_process(["/bin/sh", "-c", "stty -echo; echo ready; read l; echo got:$l; echo e >&2"],
                                None, clean_env, tty=True, on_output=lambda d, s: out.extend(d))
        while b"ready" not in out:
            await asyncio.sleep(0.01)
        p.write(b"hello\n")
        code = await asyncio.wait_for(p.wait(), 5)
        await asyncio.wait_for(p.output_closed.wait(), 5)
        return code, bytes(out)

    code, out = run(go())
    assert code == 0
    assert out == b"ready\r\ngot:hello\r\ne\r\n"


def test_pty_resize(twin, clean_env):
    async def go():
        out = bytearray()
        p = spawn.start_process(["/bin/sh", "-c", "read l; stty size"], None, clean_env, tty=True,
                                on_output=lambda d, s: out.extend(d))
        p.resize(33, 99)
        assert spawn.get_winsize(p._stdin_fd) == (33, 99)
        p.write(b"\n")
        await asyncio.wait_for(p.wait(), 5)
        await asyncio.wait_for(p.output_closed.wait(), 5)
        return bytes(out)

    assert run(go()).endswith(b"33 99\r\n")


def test_pty_kill_group_and_reap(twin, clean_env):
    async def go():
        out = bytearray()
        p = spawn.start_process(["/bin/sh", "-c", "sleep 30 & echo $!; wait"], None, clean_env, tty=True,
                                on_output=lambda d, s: out.extend(d))
        while b"\n" not in out:
            await asyncio.sleep(0.01)
        p.terminate()
        await asyncio.wait_for(p.exited.wait(), 5)
        return p, int(out.split()[0])

    p, grandchild = run(go())
    assert wait_gone([grandchild])
    assert_reaped(p.pid)


def test_pipe_write_without_stdin_raises(twin, clean_env):
    async def go():
        p = spawn.start_process(["/bin/true"], None, clean_env)
        with pytest.raises(BrokenPipeError):
            p.write(b"x")
        await p.wait()
        await p.output_closed.wait()

    run(go())


def test_pipe_stdin_pipe(twin, clean_env):
    async def go():
        out = bytearray()
        p = spawn.start_process(["/bin/cat"], None, clean_env, stdin_pipe=True, on_output=lambda d, s: out.extend(d))
        p.write(b"abc")
        p.close_stdin()
        await asyncio.wait_for(p.wait(), 5)
        await asyncio.wait_for(p.output_closed.wait(), 5)
        return bytes(out)

    assert run(go()) == b"abc"


def test_pty_child_closing_its_terminal_is_not_hung_up(twin, clean_env):
    # cat closes its terminal fds just before _exit: the master must stay open until the child is
    # reaped, else the hangup SIGHUPs it (exit 129 instead of 0). Racy by nature: repeat.
    async def go():
        codes = []
        for _ in range(15):
            out = bytearray()
            p = spawn.start_process(["/bin/cat"], None, clean_env, tty=True, on_output=lambda d, s: out.extend(d))
            p.write(b"x\n")
            while out.count(b"x") < 2:
                await asyncio.sleep(0.002)
            p.write(b"\x04")
            codes.append(await asyncio.wait_for(p.wait(), 5))
            await asyncio.wait_for(p.output_closed.wait(), 5)
            assert_reaped(p.pid)
        return codes

    assert run(go()) == [0] * 15


def test_large_stdin_write_does_not_block_the_loop(twin, clean_env):
    async def go():
        out = bytearray()
        p = spawn.start_process(["/bin/sh", "-c", "sleep 0.3; wc -c"], None, clean_env, stdin_pipe=True,
                                on_output=lambda d, s: out.extend(d))
        t0 = time.monotonic()
        p.write(b"x" * 300_000)  # far more than a pipe buffer; the child is not reading yet
        assert time.monotonic() - t0 < 0.1
        assert p.pending_write_bytes > 0
        while p.pending_write_bytes:
            await asyncio.sleep(0.01)
        p.close_stdin()
        await asyncio.wait_for(p.wait(), 5)
        await asyncio.wait_for(p.output_closed.wait(), 5)
        return bytes(out)

    assert run(go()).strip() == b"300000"


def test_terminate_after_the_loop_closed_still_reaps(twin, clean_env):
    async def go():
        return spawn.start_process(["/bin/sleep", "30"], None, clean_env)

    p = run(go())  # the loop is gone, the child still runs
    p.terminate()
    assert p.exit_code == 128 + signal.SIGKILL
    assert_reaped(p.pid)
