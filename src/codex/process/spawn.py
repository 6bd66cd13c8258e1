"""Spawning with pipes or a PTY on asyncio: output capture and caps, timeouts, group kill.

Mirrors codex-rs/utils/pty (pipe.rs, pty.rs, process_group.rs) and codex-rs/core/src/exec.rs:

* Every child leads a new session (setsid), so `kill()` signals the whole process group,
  grandchildren included. The child is always reaped here (pidfd or a short poll): no zombies.
* `start_process(..., tty=True)` runs it on a PTY (controlling terminal, 24x80 by default): one
  output stream, where the terminal turns "\\n" into "\\r\\n". `tty=False` gives stdin /dev/null
  and two pipes whose chunks reach `on_output` in arrival order (how unified exec merges them).
* `run()` is the shell tool's run-to-completion (exec.rs `consume_output`): stdout and stderr are
  captured separately, each capped at DEFAULT_OUTPUT_BYTES_CAP (1 MiB; the rest is read and
  dropped), then aggregated (stdout then stderr; under the cap stdout gets at least a third).
  On timeout the group is SIGKILLed and the exit code is 124 (EXEC_TIMEOUT_EXIT_CODE); after
  exit the readers get IO_DRAIN_TIMEOUT (2 s) to reach EOF, else that stream reads as empty.
  A signal exit is reported as 128 + signal.

The fork/exec itself is the compiled twin `codex.process._spawn_c` (C, from pyx/) or the pure
twin `codex.process.spawn_py`; `IMPLEMENTATION` says which one serves.

Sandbox hook (optional everywhere), so a launcher (bwrap, the landlock helper...) can be inserted
without this module knowing it:
  `wrap_argv(argv) -> argv`, or
  `wrap_argv(argv) -> Launch(argv, env=None, executable=None)` when the launcher must also change
  the environment (e.g. CODEX_SANDBOX_NETWORK_DISABLED=1) or exec a file other than argv[0]
  (arg0 dispatch: executable=/path/to/codex, argv[0]="codex-linux-sandbox").
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from codex._ext import load_twin

_twin = load_twin("codex.process._spawn_c", "codex.process.spawn_py")

#: "compiled" when the C twin serves, "pure" otherwise.
IMPLEMENTATION = "compiled" if _twin.__name__ == "codex.process._spawn_c" else "pure"

set_winsize = _twin.set_winsize
get_winsize = _twin.get_winsize

DEFAULT_OUTPUT_BYTES_CAP = 1024 * 1024
EXEC_TIMEOUT_EXIT_CODE = 124
EXIT_CODE_SIGNAL_BASE = 128
DEFAULT_EXEC_COMMAND_TIMEOUT_MS = 10_000
IO_DRAIN_TIMEOUT = 2.0
READ_CHUNK_SIZE = 8192
DEFAULT_ROWS = 24
DEFAULT_COLS = 80

STDOUT = 1
STDERR = 2

@dataclass
class Launch:
    """What a `wrap_argv` hook may return instead of a plain argv."""

    argv: list[str]
    env: Mapping[str, str] | None = None   # replaces the environment when given
    executable: str | None = None          # the file to exec (default: argv[0] on PATH)


WrapArgv = Callable[[list[str]], "list[str] | Launch"]

__all__ = [
    "DEFAULT_EXEC_COMMAND_TIMEOUT_MS",
    "DEFAULT_OUTPUT_BYTES_CAP",
    "EXEC_TIMEOUT_EXIT_CODE",
    "ExecResult",
    "IMPLEMENTATION",
    "Launch",
    "ProcessHandle",
    "aggregate_output",
    "resolve_executable",
    "run",
    "start_process",
]


def resolve_executable(program: str, env: Mapping[str, str]) -> str:
    """Find `program` like execvp would with the child's PATH (`env`), else raise ENOENT."""
    if os.sep in program:
        return program
    path = env.get("PATH", os.defpath)
    for d in path.split(os.pathsep):
        cand = os.path.join(d or ".", program)
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)


def exit_code_from_status(status: int) -> int:
    if os.WIFSIGNALED(status):
        return EXIT_CODE_SIGNAL_BASE + os.WTERMSIG(status)
    return os.waitstatus_to_exitcode(status)


class ProcessHandle:
    """A started child: output callbacks, exit watch, stdin writes, process-group kill.

    `on_output(data, stream)` gets every chunk (stream is STDOUT or STDERR; always STDOUT for a
    PTY). `exited` is set once the child is reaped (`returncode`, `exit_code`); `output_closed`
    once every output descriptor reached EOF (or was abandoned by `close()`).
    """

    def __init__(self, pid: int, tty: bool, out_fds: Sequence[int], stdin_fd: int,
                 on_output: Callable[[bytes, int], None] | None, loop: asyncio.AbstractEventLoop):
        self.pid = pid
        self.tty = tty
        self.loop = loop
        self.on_output = on_output
        self.returncode: int | None = None  # raw wait status decoded by exit_code
        self.exit_code: int | None = None     # 128 + signal when killed by a signal
        self.signal: int | None = None        # the terminating signal, if any
        self.exited = asyncio.Event()
        self.output_closed = asyncio.Event()
        self._stdin_fd = stdin_fd
        self._fds: dict[int, int] = {}
        self._pidfd = -1
        self._poll_handle: asyncio.TimerHandle | None = None
        self._deferred_close: list[int] = []
        self._write_buf = bytearray()
        streams = [STDOUT] if tty else [STDOUT, STDERR]
        for fd, stream in zip(out_fds, streams):
            self._fds[fd] = stream
            loop.add_reader(fd, self._on_readable, fd)
        if not self._fds:
            self.output_closed.set()
        self._watch_exit()

    # -- output -------------------------------------------------------------------------------
    def _on_readable(self, fd: int) -> None:
        try:
            data = os.read(fd, READ_CHUNK_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO: the PTY slave side is gone
            if exc.errno not in (errno.EIO, errno.EBADF):
                raise
            data = b""
        if not data:
            self._close_fd(fd)
            return
        if self.on_output is not None:
            self.on_output(data, self._fds[fd])

    def _close_fd(self, fd: int, force: bool = False) -> None:
        if fd not in self._fds:
            return
        del self._fds[fd]
        self.loop.remove_reader(fd)
        if self.tty and not force and self.exit_code is None:
            # EIO on the master while the child still runs (it closed its slave fds just before
            # _exit): closing the master now would hang the terminal up and SIGHUP the child.
            # Keep it open until the child is reaped.
            self._deferred_close.append(fd)
        else:
            if fd == self._stdin_fd:  # the PTY master serves both ways
                self._drop_stdin_writer()
                self._stdin_fd = -1
            os.close(fd)
        if not self._fds:
            self.output_closed.set()

    def _drop_stdin_writer(self) -> None:
        if self._write_buf and self._stdin_fd >= 0:
            self.loop.remove_writer(self._stdin_fd)
        self._write_buf.clear()

    def _close_deferred(self) -> None:
        for fd in self._deferred_close:
            if fd == self._stdin_fd:
                self._drop_stdin_writer()
                self._stdin_fd = -1
            os.close(fd)
        self._deferred_close.clear()

    # -- exit -----------------------------------------------------------------------------------
    def _watch_exit(self) -> None:
        try:
            self._pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self._pidfd = -1
        if self._pidfd >= 0:
            self.loop.add_reader(self._pidfd, self._try_reap)
        else:
            self._poll()
        self._try_reap()

    def _poll(self) -> None:
        self._poll_handle = self.loop.call_later(0.01, self._poll)
        self._try_reap()

    def _try_reap(self) -> None:
        if self.exit_code is not None:
            return
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            return
        self.returncode = status
        self.exit_code = exit_code_from_status(status)
        self.signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        if self._pidfd >= 0:
            self.loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = -1
        if self._poll_handle is not None:
            self._poll_handle.cancel()
            self._poll_handle = None
        self._close_deferred()
        self.exited.set()

    @property
    def has_exited(self) -> bool:
        return self.exit_code is not None

    async def wait(self) -> int:
        await self.exited.wait()
        assert self.exit_code is not None
        return self.exit_code

    # -- control --------------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Write to the child's stdin (the PTY master in tty mode) without blocking the loop:
        what the child does not take at once is queued and written when it can.

        Raises BrokenPipeError when there is no stdin (pipes mode without stdin) or it is
        closed, and the OSError of the first write (EIO: the terminal is gone)."""
        if self._stdin_fd < 0:
            raise BrokenPipeError(errno.EPIPE, "stdin is closed")
        if self._write_buf:
            self._write_buf += data
            return
        try:
            n = os.write(self._stdin_fd, data)
        except BlockingIOError:
            n = 0
        if n < len(data):
            self._write_buf += data[n:]
            self.loop.add_writer(self._stdin_fd, self._flush_writes)

    def _flush_writes(self) -> None:
        fd = self._stdin_fd
        try:
            n = os.write(fd, self._write_buf) if fd >= 0 else -1
        except BlockingIOError:
            return
        except OSError:
            n = -1
        if n < 0:  # stdin went away: drop what is left
            self._write_buf.clear()
        else:
            del self._write_buf[:n]
        if not self._write_buf and fd >= 0:
            self.loop.remove_writer(fd)

    @property
    def pending_write_bytes(self) -> int:
        return len(self._write_buf)

    def close_stdin(self) -> None:
        """Close the child's stdin (pipes mode with stdin_pipe): EOF for the child."""
        if self._stdin_fd >= 0 and self._stdin_fd not in self._fds and self._stdin_fd not in self._deferred_close:
            self._drop_stdin_writer()
            os.close(self._stdin_fd)
            self._stdin_fd = -1

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the child's whole process group (the child leads it: pgid == pid)."""
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            if self.exit_code is None:
                try:
                    os.kill(self.pid, sig)
                except ProcessLookupError:
                    pass

    def close(self) -> None:
        """Stop reading; close every descriptor we hold (the exit watch stays until reaped)."""
        for fd in list(self._fds):
            self._close_fd(fd, force=True)
        self._close_deferred()
        if self._stdin_fd >= 0:
            self._drop_stdin_writer()
            os.close(self._stdin_fd)
            self._stdin_fd = -1

    def resize(self, rows: int, cols: int) -> None:
        if self.tty and self._stdin_fd >= 0:
            set_winsize(self._stdin_fd, rows, cols)

    def terminate(self) -> None:
        """Kill the process group and release the descriptors; reaping continues in the loop
        (or happens here, blocking briefly, when the loop is already closed)."""
        self.kill(signal.SIGKILL)
        self.close()
        if self.exit_code is None and self.loop.is_closed():
            try:
                _, status = os.waitpid(self.pid, 0)
            except ChildProcessError:
                status = 0
            self.returncode = status
            self.exit_code = exit_code_from_status(status)
            self.signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            if self._pidfd >= 0:
                os.close(self._pidfd)
                self._pidfd = -1


def start_process(
    argv: Sequence[str],
    cwd: str | os.PathLike | None,
    env: Mapping[str, str],
    *,
    tty: bool = False,
    stdin_pipe: bool = False,
    rows: int = DEFAULT_ROWS,
    cols: int = DEFAULT_COLS,
    on_output: Callable[[bytes, int], None] | None = None,
    wrap_argv: WrapArgv | None = None,
) -> ProcessHandle:
    """Start `argv` (must be called with a running event loop). Raises OSError on spawn errors."""
    loop = asyncio.get_running_loop()
    argv = list(argv)
    if not argv:
        raise ValueError("command args are empty")
    executable = None
    if wrap_argv is not None:
        wrapped = wrap_argv(argv)
        if isinstance(wrapped, Launch):
            argv = list(wrapped.argv)
            env = wrapped.env if wrapped.env is not None else env
            executable = wrapped.executable
        else:
            argv = list(wrapped)
        if not argv:
            raise ValueError("command args are empty")
    env = {str(k): str(v) for k, v in env.items()}
    exe = executable or resolve_executable(argv[0], env)
    cwd_s = os.fspath(cwd) if cwd is not None else None
    if tty:
        pid, master = _twin.spawn_pty(exe, argv, cwd_s, env, rows, cols)
        return ProcessHandle(pid, True, [master], master, on_output, loop)
    pid, in_w, out_r, err_r = _twin.spawn_pipes(exe, argv, cwd_s, env, stdin_pipe)
    return ProcessHandle(pid, False, [out_r, err_r], in_w, on_output, loop)


# ---------------------------------------------------------------------------------------------
# run to completion (the shell tool; exec.rs)


@dataclass
class ExecResult:
    exit_code: int
    stdout: bytes
    stderr: bytes
    aggregated_output: bytes
    duration: float
    timed_out: bool
    signal: int | None = None  # the terminating signal (not set for a timeout kill)

    @property
    def text(self) -> str:
        return self.aggregated_output.decode("utf-8", "replace")


def aggregate_output(stdout: bytes, stderr: bytes, max_bytes: int | None) -> bytes:
    """exec.rs aggregate_output: stdout then stderr; under contention stdout keeps up to a third
    of the cap, stderr takes what it needs of the rest, and unused room goes back to stdout."""
    total = len(stdout) + len(stderr)
    if max_bytes is None or total <= max_bytes:
        return stdout + stderr
    want_stdout = min(len(stdout), max_bytes // 3)
    stderr_take = min(len(stderr), max(0, max_bytes - want_stdout))
    remaining = max(0, max_bytes - (want_stdout + stderr_take))
    stdout_take = want_stdout + min(remaining, len(stdout) - want_stdout)
    return stdout[:stdout_take] + stderr[:stderr_take]


async def run(
    argv: Sequence[str],
    cwd: str | os.PathLike | None,
    env: Mapping[str, str],
    *,
    timeout_ms: int | None = DEFAULT_EXEC_COMMAND_TIMEOUT_MS,
    max_bytes: int | None = DEFAULT_OUTPUT_BYTES_CAP,
    on_output: Callable[[bytes, int], None] | None = None,
    wrap_argv: WrapArgv | None = None,
    io_drain_timeout: float = IO_DRAIN_TIMEOUT,
) -> ExecResult:
    """Run with stdin /dev/null and piped stdout/stderr until exit or timeout (see module doc).

    Cancelling the awaiting task kills the process group (and the child is still reaped)."""
    bufs = {STDOUT: bytearray(), STDERR: bytearray()}

    def collect(data: bytes, stream: int) -> None:
        if on_output is not None:
            on_output(data, stream)
        buf = bufs[stream]
        if max_bytes is None:
            buf += data
        elif len(buf) < max_bytes:
            buf += data[: max_bytes - len(buf)]

    start = time.monotonic()
    proc = start_process(argv, cwd, env, tty=False, on_output=collect, wrap_argv=wrap_argv)
    timed_out = False
    try:
        try:
            await asyncio.wait_for(proc.exited.wait(), None if timeout_ms is None else timeout_ms / 1000)
            exit_code = proc.exit_code
        except asyncio.TimeoutError:
            proc.kill(signal.SIGKILL)
            timed_out = True
            exit_code = EXEC_TIMEOUT_EXIT_CODE
        try:
            await asyncio.wait_for(proc.output_closed.wait(), io_drain_timeout)
        except asyncio.TimeoutError:
            # exec.rs aborts a reader still blocked after the drain timeout: that stream is empty.
            for fd, stream in list(proc._fds.items()):
                bufs[stream].clear()
            proc.close()
    except BaseException:
        proc.terminate()
        raise
    assert exit_code is not None
    stdout, stderr = bytes(bufs[STDOUT]), bytes(bufs[STDERR])
    return ExecResult(
        exit_code=exit_code,
        stdout=stdout,
        stderr=stderr,
        aggregated_output=aggregate_output(stdout, stderr, max_bytes),
        duration=time.monotonic() - start,
        timed_out=timed_out,
        signal=None if timed_out else proc.signal,
    )
