"""Pure-Python twin of `codex.process._spawn_c`: start a child with pipes or a PTY.

Low-level and synchronous: each function starts the child and returns its pid and the parent's
ends of the file descriptors. The asyncio layer (`codex.process.spawn`) reads those descriptors
and reaps the pid. Both twins give the child the same setup, mirroring codex-rs/utils/pty:

* a new session (`setsid`), so the child leads its own process group (pgid == pid) and the whole
  group can be killed with one `killpg`;
* PTY mode: the slave end becomes stdin/stdout/stderr and the controlling terminal
  (TIOCSCTTY), with the window size set (TIOCSWINSZ) before the child starts;
* pipe mode: stdin is /dev/null (or a pipe when asked), stdout and stderr are separate pipes;
* `cwd` and a complete environment (nothing is inherited beyond `env`).

`executable` must already be resolved (an absolute or relative path, not a bare name): the
facade resolves it against the PATH of `env`, like subprocess does.

The pure twin builds on subprocess (its fork/exec runs in C and reports exec errors with the
right errno). The Popen object is only used to launch: the caller owns the pid and reaps it.
"""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import termios
from typing import Mapping, Sequence

__all__ = ["get_winsize", "set_winsize", "spawn_pipes", "spawn_pty"]


def set_winsize(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def get_winsize(fd: int) -> tuple[int, int]:
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    return rows, cols


def _disown(proc: subprocess.Popen) -> int:
    # The caller reaps the pid itself (pidfd + waitpid). Mark the Popen as finished so that
    # neither its __del__ nor subprocess._cleanup() ever waits on (and steals) our child.
    pid = proc.pid
    proc.returncode = 0
    return pid


def _make_ctty() -> None:  # runs in the child, after setsid() and the dup2() of the slave
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def spawn_pty(
    executable: str,
    argv: Sequence[str],
    cwd: str | None,
    env: Mapping[str, str],
    rows: int = 24,
    cols: int = 80,
) -> tuple[int, int]:
    """Start `argv` on a new PTY. Returns (pid, master_fd); master_fd is non-blocking."""
    master, slave = os.openpty()
    try:
        set_winsize(master, rows, cols)
        proc = subprocess.Popen(
            list(argv),
            executable=executable,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            preexec_fn=_make_ctty,
            close_fds=True,
        )
    except BaseException:
        os.close(master)
        os.close(slave)
        raise
    os.close(slave)
    os.set_blocking(master, False)
    return _disown(proc), master


def spawn_pipes(
    executable: str,
    argv: Sequence[str],
    cwd: str | None,
    env: Mapping[str, str],
    stdin_pipe: bool = False,
) -> tuple[int, int, int, int]:
    """Start `argv` with piped stdout/stderr. Returns (pid, stdin_fd or -1, stdout_fd, stderr_fd).

    The parent's ends are non-blocking. stdin is /dev/null unless `stdin_pipe`.
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r = in_w = -1
    if stdin_pipe:
        in_r, in_w = os.pipe()
    try:
        proc = subprocess.Popen(
            list(argv),
            executable=executable,
            stdin=in_r if stdin_pipe else subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            close_fds=True,
        )
    except BaseException:
        for fd in (out_r, out_w, err_r, err_w, in_r, in_w):
            if fd >= 0:
                os.close(fd)
        raise
    for fd in (out_w, err_w, in_r):
        if fd >= 0:
            os.close(fd)
    for fd in (out_r, err_r, in_w):
        if fd >= 0:
            os.set_blocking(fd, False)
    return _disown(proc), in_w, out_r, err_r
