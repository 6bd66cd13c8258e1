"""``command/exec`` (+ write/resize/terminate) and ``process/spawn`` (+ writeStdin/kill/
resizePty), connection-scoped (codex-rs/app-server ``command_exec.rs``).

``command/exec`` runs under the request's ``sandboxPolicy`` (else the configured
``sandbox_mode``) through ``codex.sandbox.linux.wrap_argv_for``; ``process/spawn`` runs
unsandboxed. Streamed output goes out as ``command/exec/outputDelta`` /
``process/outputDelta`` notifications, always before the final response / ``process/exited``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal

from .server import internal_error, invalid_params, invalid_request

DEFAULT_OUTPUT_CAP = 1024 * 1024
READ_CHUNK = 8192


def _sandbox_policy(params: dict, server):
    from codex.sandbox import policy as pol

    sp = params.get("sandboxPolicy")
    if sp is None:
        cfg = server.config()
        return pol.from_sandbox_mode(cfg.sandbox_mode, cfg.sandbox_workspace_write)
    kind = sp.get("type")
    if kind == "dangerFullAccess":
        return pol.DangerFullAccess()
    if kind == "readOnly":
        return pol.ReadOnly(network_access=bool(sp.get("networkAccess", False)))
    if kind == "workspaceWrite":
        return pol.WorkspaceWrite(
            writable_roots_config=tuple(sp.get("writableRoots") or ()),
            network_access=bool(sp.get("networkAccess", False)),
            exclude_tmpdir_env_var=bool(sp.get("excludeTmpdirEnvVar", False)),
            exclude_slash_tmp=bool(sp.get("excludeSlashTmp", False)),
        )
    if kind == "externalSandbox":
        return pol.ExternalSandbox(network=sp.get("networkAccess", "restricted"))
    raise invalid_request(f"Invalid request: unknown variant `{kind}`")


def _env(params: dict) -> dict:
    env = dict(os.environ)
    for k, v in (params.get("env") or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


class _Proc:
    """A child process with optional PTY, streaming its output through ``emit(stream, bytes)``
    or buffering it (capped)."""

    def __init__(self, argv, cwd, env, *, tty, size, stream_stdin, stream_output, cap, emit):
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.tty = tty
        self.size = size
        self.stream_stdin = stream_stdin or tty
        self.stream_output = stream_output or tty
        self.cap = cap
        self.emit = emit
        self.buffers = {"stdout": bytearray(), "stderr": bytearray()}
        self.capped = {"stdout": False, "stderr": False}
        self.proc: asyncio.subprocess.Process | None = None
        self.master_fd: int | None = None
        self.killed = False
        self.started = asyncio.Event()

    async def start(self) -> None:
        try:
            await self._start()
        finally:
            self.started.set()

    async def _start(self) -> None:
        if self.tty:
            import pty

            master, slave = pty.openpty()
            if self.size:
                _set_winsize(slave, self.size)
            self.master_fd = master
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv, cwd=self.cwd, env=self.env, stdin=slave, stdout=slave, stderr=slave,
                start_new_session=True)
            os.close(slave)
        else:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv, cwd=self.cwd, env=self.env,
                stdin=asyncio.subprocess.PIPE if self.stream_stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True)

    def _take(self, stream: str, data: bytes) -> None:
        if self.stream_output:
            self.emit(stream, data)
            return
        buf = self.buffers[stream]
        room = (self.cap - len(buf)) if self.cap is not None else len(data)
        if room < len(data):
            self.capped[stream] = True
        buf += data[:max(room, 0)]

    async def _pump(self, reader: asyncio.StreamReader, stream: str) -> None:
        while True:
            data = await reader.read(READ_CHUNK)
            if not data:
                return
            self._take(stream, data)

    async def _pump_pty(self) -> None:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue = asyncio.Queue()
        fd = self.master_fd

        def readable():
            try:
                data = os.read(fd, READ_CHUNK)
            except OSError:
                data = b""
            q.put_nowait(data)
            if not data:
                loop.remove_reader(fd)

        loop.add_reader(fd, readable)
        try:
            while True:
                data = await q.get()
                if not data:
                    return
                self._take("stdout", data)
        finally:
            loop.remove_reader(fd)

    async def wait(self) -> int:
        assert self.proc is not None
        if self.tty:
            pump = asyncio.ensure_future(self._pump_pty())
            code = await self.proc.wait()
            try:
                await asyncio.wait_for(pump, timeout=1.0)
            except asyncio.TimeoutError:
                pump.cancel()
            try:
                os.close(self.master_fd)
            except OSError:
                pass
        else:
            await asyncio.gather(self._pump(self.proc.stdout, "stdout"), self._pump(self.proc.stderr, "stderr"))
            code = await self.proc.wait()
        if self.killed:
            return 1 if self.tty else -1
        return code if code >= 0 else 128 - code

    async def write(self, data: bytes | None, close: bool) -> None:
        await self.started.wait()
        if self.proc is None:
            return
        if self.tty:
            if data:
                os.write(self.master_fd, data)
            if close:
                os.write(self.master_fd, b"\x04")
            return
        stdin = self.proc.stdin
        if stdin is None:
            return
        if data:
            stdin.write(data)
            await stdin.drain()
        if close:
            stdin.close()

    def resize(self, size: dict) -> None:
        if self.master_fd is not None:
            _set_winsize(self.master_fd, size)

    def kill(self) -> None:
        self.killed = True
        if not self.started.is_set():
            asyncio.get_event_loop().create_task(self._kill_when_started())
            return
        self._kill()

    async def _kill_when_started(self) -> None:
        await self.started.wait()
        self._kill()

    def _kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                try:
                    self.proc.kill()
                except ProcessLookupError:
                    pass


def _set_winsize(fd: int, size: dict) -> None:
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", int(size.get("rows", 24)), int(size.get("cols", 80)), 0, 0))


def _table(conn, key: str) -> dict:
    t = conn.state.get(key)
    if t is None:
        t = conn.state[key] = {}

        def close():
            for p in list(t.values()):
                p.kill()

        conn.on_close(close)
    return t


def _cap(params: dict) -> int | None:
    if params.get("disableOutputCap"):
        return None
    cap = params.get("outputBytesCap")
    return DEFAULT_OUTPUT_CAP if cap is None else int(cap)


# ---------------------------------------------------------------------------------------------
# command/exec
# ---------------------------------------------------------------------------------------------


async def command_exec(params, conn):
    argv = list(params["command"])
    if not argv:
        raise invalid_request("command must not be empty")
    pid = params.get("processId")
    tty = bool(params.get("tty"))
    if params.get("size") is not None and not tty:
        raise invalid_params("command/exec size requires tty: true")
    streaming = tty or params.get("streamStdin") or params.get("streamStdoutStderr")
    if streaming and pid is None:
        raise invalid_request("command/exec tty or streaming requires a client-supplied processId")
    table = _table(conn, "command_exec")
    if pid is not None and pid in table:
        raise invalid_request(f'duplicate active command/exec process id: "{pid}"')
    cwd = params.get("cwd") or os.getcwd()
    env = _env(params)
    policy = _sandbox_policy(params, conn.server)
    from codex.sandbox import policy as pol

    if not isinstance(policy, pol.DangerFullAccess):
        from codex.sandbox import linux

        try:
            launch = linux.wrap_argv_for(policy, cwd)(argv)
        except Exception as exc:
            raise internal_error(f"failed to prepare sandbox: {exc}") from None
        argv = list(launch.argv)
        env = {**env, **{k: v for k, v in launch.env.items() if k not in os.environ or os.environ[k] != v}}

    def emit(stream: str, data: bytes) -> None:
        conn.notify("command/exec/outputDelta", {"processId": pid, "stream": stream,
                                                 "deltaBase64": base64.b64encode(data).decode(),
                                                 "capReached": False})

    proc = _Proc(argv, cwd, env, tty=tty, size=params.get("size"), stream_stdin=bool(params.get("streamStdin")),
                 stream_output=bool(params.get("streamStdoutStderr")), cap=_cap(params), emit=emit)
    key = pid if pid is not None else object()
    table[key] = proc
    try:
        await proc.start()
    except OSError as exc:
        table.pop(key, None)
        raise internal_error(f"failed to spawn command: {exc.strerror} (os error {exc.errno})") from None
    timeout = None if params.get("disableTimeout") else params.get("timeoutMs")
    try:
        if timeout is not None:
            try:
                code = await asyncio.wait_for(asyncio.shield(proc.wait()), timeout / 1000)
            except asyncio.TimeoutError:
                proc.kill()
                code = await proc.wait()
        else:
            code = await proc.wait()
    finally:
        table.pop(key, None)
    return {"exitCode": code, "stdout": proc.buffers["stdout"].decode("utf-8", "replace"),
            "stderr": proc.buffers["stderr"].decode("utf-8", "replace")}


def _active(conn, pid):
    proc = _table(conn, "command_exec").get(pid)
    if proc is None:
        raise invalid_request(f'no active command/exec for process id "{pid}"')
    return proc


async def command_exec_write(params, conn):
    if params.get("deltaBase64") is None and not params.get("closeStdin"):
        raise invalid_params("command/exec/write requires deltaBase64 or closeStdin")
    proc = _active(conn, params["processId"])
    data = params.get("deltaBase64")
    await proc.write(base64.b64decode(data) if data else None, bool(params.get("closeStdin")))
    return {}


async def command_exec_resize(params, conn):
    _active(conn, params["processId"]).resize(params["size"])
    return {}


async def command_exec_terminate(params, conn):
    _active(conn, params["processId"]).kill()
    return {}


# ---------------------------------------------------------------------------------------------
# process/*
# ---------------------------------------------------------------------------------------------


async def process_spawn(params, conn):
    argv = list(params["command"])
    if not argv:
        raise invalid_request("command must not be empty")
    handle = params["processHandle"]
    table = _table(conn, "process")
    if handle in table:
        raise invalid_request(f"duplicate active process handle: {handle}")

    def emit(stream: str, data: bytes) -> None:
        conn.notify("process/outputDelta", {"processHandle": handle, "stream": stream,
                                            "deltaBase64": base64.b64encode(data).decode(),
                                            "capReached": False})

    cap = DEFAULT_OUTPUT_CAP if "outputBytesCap" not in params else params["outputBytesCap"]
    proc = _Proc(argv, params["cwd"], _env(params), tty=bool(params.get("tty")), size=params.get("size"),
                 stream_stdin=bool(params.get("streamStdin")), stream_output=bool(params.get("streamStdoutStderr")),
                 cap=cap, emit=emit)
    table[handle] = proc
    try:
        await proc.start()
    except OSError as exc:
        table.pop(handle, None)
        raise internal_error(f"failed to spawn process: {exc.strerror} (os error {exc.errno})") from None

    async def run():
        try:
            code = await proc.wait()
            if proc.killed:
                code = -1
        finally:
            table.pop(handle, None)
        conn.notify("process/exited", {
            "processHandle": handle, "exitCode": code,
            "stdout": proc.buffers["stdout"].decode("utf-8", "replace"), "stdoutCapReached": proc.capped["stdout"],
            "stderr": proc.buffers["stderr"].decode("utf-8", "replace"), "stderrCapReached": proc.capped["stderr"],
        })

    conn.after_response(lambda: conn.state.setdefault("_bg", set()).add(asyncio.ensure_future(run())))
    return {}


def _process(conn, handle):
    proc = _table(conn, "process").get(handle)
    if proc is None:
        raise invalid_request(f"no active process for process handle \"{handle}\"")
    return proc


async def process_write_stdin(params, conn):
    proc = _process(conn, params["processHandle"])
    data = params.get("deltaBase64")
    await proc.write(base64.b64decode(data) if data else None, bool(params.get("closeStdin")))
    return {}


async def process_kill(params, conn):
    _process(conn, params["processHandle"]).kill()
    return {}


async def process_resize(params, conn):
    _process(conn, params["processHandle"]).resize(params["size"])
    return {}


def register_methods(registry) -> None:
    registry.register("command/exec", command_exec)
    registry.register("command/exec/write", command_exec_write)
    registry.register("command/exec/resize", command_exec_resize)
    registry.register("command/exec/terminate", command_exec_terminate)
    registry.register("process/spawn", process_spawn)
    registry.register("process/writeStdin", process_write_stdin)
    registry.register("process/kill", process_kill)
    registry.register("process/resizePty", process_resize)
