"""Shared pieces of the app-server daemon tests.

* `DaemonSandbox`: a `RefEnv` (HOME / CODEX_HOME / cwd under /var/tmp) for one side ("ours" or
  "reference"), optionally with the managed standalone binary the daemon launches
  (``$CODEX_HOME/packages/standalone/current/codex``): for the reference a symlink to the
  reference binary, for ours a shell wrapper that execs our codex with this checkout's
  PYTHONPATH. `close()` stops whatever daemon/updater the sandbox started (``daemon stop``,
  then SIGTERM/SIGKILL to the processes recorded in the pid files) and removes the sandbox.
* `normalize()`: sandbox paths -> ``<ROOT>``, pids -> ``<PID>``.
* `WsPipe`: a minimal WebSocket client over a pipe pair (for ``codex app-server proxy``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import signal
import struct
import subprocess
import time
from pathlib import Path

from parity.reference import RefEnv, _ours_pythonpath, find_reference, ours_command

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "app_server_daemon"

DAEMON_FILES = ("app-server-daemon", "app-server-control")


class DaemonSandbox:
    def __init__(self, which: str, *, managed: bool = True, mock=None, tag: str = "daemon"):
        self.which = which
        self.env = RefEnv(mock, tag=f"{tag}-{'ref' if which == 'reference' else 'ours'}")
        self.root = str(self.env.root)
        self.codex_home = self.env.codex_home
        self.managed_bin = self.codex_home / "packages" / "standalone" / "current" / "codex"
        if managed:
            try:
                self.install_managed()
            except BaseException:
                self.env.close()
                raise

    def install_managed(self) -> None:
        self.managed_bin.parent.mkdir(parents=True, exist_ok=True)
        if self.which == "reference":
            os.symlink(find_reference(), self.managed_bin)
            return
        pp = _ours_pythonpath()
        lines = ["#!/bin/sh"]
        if pp:
            lines.append(f"export PYTHONPATH={shlex.quote(pp)}")
        lines.append("exec " + " ".join(shlex.quote(a) for a in ours_command()) + ' "$@"')
        self.managed_bin.write_text("\n".join(lines) + "\n")
        self.managed_bin.chmod(0o755)

    def run(self, *args: str, timeout: float = 120.0, stdin: str | None = None):
        return self.env.run(list(args), which=self.which, timeout=timeout, stdin=stdin)

    def daemon_files(self) -> list[str]:
        out = []
        for d in DAEMON_FILES:
            base = self.codex_home / d
            if base.is_dir():
                out += sorted(f"{d}/{p.name}" for p in base.iterdir())
        return out

    def _recorded_pids(self) -> list[tuple[int, bool]]:
        """Pids the daemon recorded for processes that are still those processes (the record's
        start time matches `ps`): a test's hand-written or stale record is never signalled."""
        out = []
        for name, group in (("app-server.pid", False), ("app-server-updater.pid", True)):
            p = self.codex_home / "app-server-daemon" / name
            try:
                rec = json.loads(p.read_text())
                pid, start = rec["pid"], rec["processStartTime"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 1 or pid == os.getpid():
                continue
            ps = subprocess.run(["ps", "-p", str(pid), "-o", "lstart="], capture_output=True, text=True)
            if ps.returncode == 0 and ps.stdout.strip() == start:
                out.append((pid, group))
        return out

    def close(self) -> None:
        try:
            if (self.codex_home / "app-server-daemon" / "app-server.pid").exists():
                try:
                    self.run("app-server", "daemon", "stop", timeout=90)
                except AssertionError:
                    pass
            for pid, group in self._recorded_pids():
                _terminate(pid, group)
        finally:
            self.env.close()

    def __enter__(self) -> "DaemonSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _alive(pid: int, group: bool) -> bool:
    try:
        (os.killpg if group else os.kill)(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        if not group and stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] == b"Z":
            return False
    except OSError:
        pass
    return True


def _terminate(pid: int, group: bool) -> None:
    """SIGTERM, then SIGKILL after a grace period (a cleanup bound, not an assertion)."""
    send = os.killpg if group else os.kill
    try:
        send(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid, group):
        time.sleep(0.05)
    if _alive(pid, group):
        try:
            send(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalize(text: str, sandbox: DaemonSandbox) -> str:
    text = text.replace(sandbox.root, "<ROOT>")
    text = re.sub(r'"pid":\d+', '"pid":<PID>', text)
    return text


def normalize_transcript(text: str, sandbox: DaemonSandbox) -> str:
    """send-message-v2 output: paths, ids, times."""
    text = text.replace(sandbox.root, "<ROOT>")
    text = _UUID.sub("<UUID>", text)
    text = re.sub(r"_mock\d+", "_mock<N>", text)       # the mock numbers its ids per process
    text = re.sub(r"rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-", "rollout-<TS>-", text)
    text = re.sub(r"/sessions/\d{4}/\d{2}/\d{2}/", "/sessions/<DATE>/", text)
    text = re.sub(r"\b\d{10,13}\b", "<TIME>", text)
    text = re.sub(r'"durationMs": \d+', '"durationMs": <MS>', text)
    text = re.sub(r"duration_ms: Some\(\d+\)", "duration_ms: Some(<MS>)", text)
    return text


class WsPipe:
    """A WebSocket client speaking through a subprocess's stdin/stdout (``app-server proxy``)."""

    def __init__(self, proc):
        self.proc = proc
        self.buf = b""

    def _fill(self) -> None:
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            raise EOFError("proxy closed stdout")
        self.buf += data

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def handshake(self) -> str:
        key = base64.b64encode(os.urandom(16)).decode()
        self.proc.stdin.write((f"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                               f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.proc.stdin.flush()
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        return head.split(b"\r\n", 1)[0].decode()

    def send(self, msg: dict) -> None:
        payload = json.dumps(msg).encode()
        head = bytearray([0x81])
        n = len(payload)
        if n < 126:
            head.append(0x80 | n)
        elif n < 65536:
            head.append(0x80 | 126)
            head += struct.pack("!H", n)
        else:
            head.append(0x80 | 127)
            head += struct.pack("!Q", n)
        mask = os.urandom(4)
        head += mask
        self.proc.stdin.write(bytes(head) + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        self.proc.stdin.flush()

    def recv(self) -> dict:
        while True:
            b0, b1 = self._take(2)
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._take(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._take(8))
            mask = self._take(4) if b1 & 0x80 else None
            data = self._take(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            op = b0 & 0x0F
            if op == 0x8:
                raise EOFError("websocket closed")
            if op in (0x1, 0x2):
                return json.loads(data)

    def request(self, rid, method: str, params) -> tuple[dict, list[dict]]:
        """Send a request; returns its response and the other messages seen meanwhile."""
        self.send({"id": rid, "method": method, "params": params})
        seen = []
        while True:
            msg = self.recv()
            if msg.get("id") == rid and "method" not in msg:
                return msg, seen
            seen.append(msg)
