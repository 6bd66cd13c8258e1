"""Unified exec sessions: `exec_command` / `write_stdin` (codex-rs/core/src/unified_exec/,
core/src/tools/handlers/unified_exec.rs, core/src/tools/context.rs ExecCommandToolOutput).

A command starts under the user's shell (`/bin/bash -lc CMD` by default), on a PTY (`tty`) or
with stdin /dev/null and stdout+stderr merged in arrival order. The call waits up to the yield
time for output; a process still running then stays in the store under its session id and
`write_stdin` polls it (empty `chars`) or types into it (tty only).

The model-facing text (`ExecCommandToolOutput.response_text`), lines joined by "\\n":

    Chunk ID: <6 hex>
    Wall time: <secs:.4f> seconds
    Process exited with code N          | Process running with session ID N
    Original token count: N
    Output:
    <body, middle-truncated to the token budget: "Total output lines: L\\n\\n" + head…tail>

This module takes plain parameters (no config loading) and knows nothing of sandboxes: pass
`wrap_argv(argv) -> argv | spawn.Launch` to insert a sandbox launcher.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import random
import shlex
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping

from codex.process import spawn as _spawn
from codex.process.env import ShellEnvironmentPolicy, create_env
from codex.process.truncate import approx_token_count, formatted_truncate_text
from codex.process.unified_exec.args import ArgsError, _rust_debug_str, parse_struct
from codex.process.unified_exec.head_tail_buffer import UNIFIED_EXEC_OUTPUT_MAX_BYTES, HeadTailBuffer

__all__ = [
    "DEFAULT_MAX_OUTPUT_TOKENS",
    "ExecCommandToolOutput",
    "FunctionCallError",
    "UnifiedExecError",
    "UnifiedExecProcessManager",
    "clamp_yield_time",
    "derive_exec_args",
    "generate_chunk_id",
]

MIN_YIELD_TIME_MS = 250
MIN_EMPTY_YIELD_TIME_MS = 5_000
MAX_YIELD_TIME_MS = 30_000
DEFAULT_MAX_BACKGROUND_TERMINAL_TIMEOUT_MS = 300_000
DEFAULT_EXEC_YIELD_TIME_MS = 10_000
DEFAULT_WRITE_STDIN_YIELD_TIME_MS = 250
DEFAULT_MAX_OUTPUT_TOKENS = 10_000
MAX_UNIFIED_EXEC_PROCESSES = 64
WARNING_UNIFIED_EXEC_PROCESSES = 60
PRUNE_PROTECTED_RECENT = 8
POST_EXIT_CLOSE_WAIT_CAP = 0.050
EARLY_EXIT_GRACE = 0.150
EARLY_EXIT_OUTPUT_WAIT = 0.020
WRITE_SETTLE_DELAY = 0.100

UNIFIED_EXEC_ENV: tuple[tuple[str, str], ...] = (
    ("NO_COLOR", "1"),
    ("TERM", "dumb"),
    ("LANG", "C.UTF-8"),
    ("LC_CTYPE", "C.UTF-8"),
    ("LC_ALL", "C.UTF-8"),
    ("COLORTERM", ""),
    ("PAGER", "cat"),
    ("GIT_PAGER", "cat"),
    ("GH_PAGER", "cat"),
    ("CODEX_CI", "1"),
)


def clamp_yield_time(yield_time_ms: int) -> int:
    return min(max(yield_time_ms, MIN_YIELD_TIME_MS), MAX_YIELD_TIME_MS)


def generate_chunk_id() -> str:
    return f"{random.getrandbits(24):06x}"


def resolve_max_tokens(max_output_tokens: int | None) -> int:
    return DEFAULT_MAX_OUTPUT_TOKENS if max_output_tokens is None else max_output_tokens


def apply_unified_exec_env(env: Mapping[str, str]) -> dict[str, str]:
    out = dict(env)
    out.update(UNIFIED_EXEC_ENV)
    return out


def default_user_shell() -> str:
    """The login shell from the password database (upstream: getpwuid), else /bin/bash."""
    try:
        sh = pwd.getpwuid(os.getuid()).pw_shell
    except KeyError:
        sh = ""
    return sh if sh and os.path.isabs(sh) and os.access(sh, os.X_OK) else "/bin/bash"


def derive_exec_args(shell: str, command: str, login: bool) -> list[str]:
    """Shell::derive_exec_args for the POSIX shells (bash, zsh, sh): `[shell, -lc|-c, cmd]`."""
    name = os.path.basename(shell).lower()
    if name in ("pwsh", "powershell", "pwsh.exe", "powershell.exe"):
        args = [shell]
        if not login:
            args.append("-NoProfile")
        return args + ["-Command", command]
    if name in ("cmd", "cmd.exe"):
        return [shell, "/c", command]
    return [shell, "-lc" if login else "-c", command]


# ---------------------------------------------------------------------------------------------
# errors


class UnifiedExecError(Exception):
    """Display text in str(); `debug()` renders like Rust's {:?} (what the model sees)."""

    def debug(self) -> str:  # pragma: no cover - overridden
        return type(self).__name__


class CreateProcess(UnifiedExecError):
    def __init__(self, message: str):
        super().__init__(f"Failed to create unified exec process: {message}")
        self.message = message

    def debug(self) -> str:
        return f"CreateProcess {{ message: {_rust_debug_str(self.message)} }}"

    @classmethod
    def rejected(cls, os_error: OSError) -> "CreateProcess":
        """A spawn failure as 0.136 reports it: the orchestrator's ToolError::Rejected around the
        inner CreateProcess error's text, e.g. `Rejected("Failed to create unified exec process:
        No such file or directory (os error 2)")`."""
        inner = f"Failed to create unified exec process: {os_error.strerror or os_error} (os error {os_error.errno})"
        return cls(f"Rejected({_rust_debug_str(inner)})")


class UnknownProcessId(UnifiedExecError):
    def __init__(self, process_id: int):
        super().__init__(f"Unknown process id {process_id}")
        self.process_id = process_id

    def debug(self) -> str:
        return f"UnknownProcessId {{ process_id: {self.process_id} }}"


class StdinClosed(UnifiedExecError):
    def __init__(self) -> None:
        super().__init__("stdin is closed for this session; rerun exec_command with tty=true to keep stdin open")

    def debug(self) -> str:
        return "StdinClosed"


class WriteToStdin(UnifiedExecError):
    def __init__(self) -> None:
        super().__init__("failed to write to stdin")

    def debug(self) -> str:
        return "WriteToStdin"


class FunctionCallError(Exception):
    """RespondToModel: the message goes back to the model as the tool output."""


# ---------------------------------------------------------------------------------------------
# output


@dataclass
class ExecCommandToolOutput:
    chunk_id: str
    wall_time: float
    raw_output: bytes
    max_output_tokens: int | None
    process_id: int | None
    exit_code: int | None
    original_token_count: int | None
    session_command: list[str] | None = None
    truncation_tokens: int | None = None  # the model's truncation policy budget (tokens), if any

    def model_output_max_tokens(self) -> int:
        n = resolve_max_tokens(self.max_output_tokens)
        return n if self.truncation_tokens is None else min(n, self.truncation_tokens)

    @property
    def text(self) -> str:
        return self.raw_output.decode("utf-8", "replace")

    def truncated_output(self) -> str:
        return formatted_truncate_text(self.text, self.model_output_max_tokens())

    def response_text(self) -> str:
        sections = []
        if self.chunk_id:
            sections.append(f"Chunk ID: {self.chunk_id}")
        sections.append(f"Wall time: {self.wall_time:.4f} seconds")
        if self.exit_code is not None:
            sections.append(f"Process exited with code {self.exit_code}")
        if self.process_id is not None:
            sections.append(f"Process running with session ID {self.process_id}")
        if self.original_token_count is not None:
            sections.append(f"Original token count: {self.original_token_count}")
        sections.append("Output:")
        sections.append(self.truncated_output())
        return "\n".join(sections)


# ---------------------------------------------------------------------------------------------
# one process


class UnifiedExecProcess:
    """A spawned command with a pending-output buffer for the next collection, a transcript of
    everything (head+tail capped), and one wake-up future for any change (data, exit, EOF)."""

    def __init__(self, handle: _spawn.ProcessHandle, tty: bool,
                 on_output: Callable[[bytes], None] | None = None):
        self.handle = handle
        self.tty = tty
        self.on_output = on_output
        self.pending = HeadTailBuffer(UNIFIED_EXEC_OUTPUT_MAX_BYTES)
        self.transcript = HeadTailBuffer(UNIFIED_EXEC_OUTPUT_MAX_BYTES)
        self._waiters: list[asyncio.Future] = []
        handle.on_output = self._on_output
        loop = handle.loop
        loop.create_task(self._watch(handle.exited))
        loop.create_task(self._watch(handle.output_closed))

    def _on_output(self, data: bytes, _stream: int) -> None:
        self.pending.push_chunk(data)
        self.transcript.push_chunk(data)
        if self.on_output is not None:
            self.on_output(data)
        self._wake()

    async def _watch(self, ev: asyncio.Event) -> None:
        await ev.wait()
        self._wake()

    def _wake(self) -> None:
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        self._waiters.clear()

    async def wait_change(self, timeout: float) -> bool:
        """Wait until something happens or `timeout` s pass. True if something happened."""
        if timeout <= 0:
            return False
        fut = self.handle.loop.create_future()
        self._waiters.append(fut)
        try:
            await asyncio.wait_for(fut, timeout)
            return True
        except asyncio.TimeoutError:
            return False

    @property
    def has_exited(self) -> bool:
        return self.handle.has_exited

    async def wait_exit(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the child to exit; True if it has."""
        if self.has_exited:
            return True
        try:
            await asyncio.wait_for(self.handle.exited.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    @property
    def exit_code(self) -> int | None:
        """The exit status; -1 for a process killed by a signal (what 0.136 reports)."""
        if self.handle.signal is not None:
            return -1
        return self.handle.exit_code

    @property
    def output_closed(self) -> bool:
        return self.handle.output_closed.is_set()

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def terminate(self) -> None:
        self.handle.terminate()

    async def collect_until(self, deadline: float) -> bytes:
        """collect_output_until_deadline: drain output until the deadline, or until the process
        has exited and its output is closed (waiting at most 50 ms for EOF after the exit)."""
        collected = bytearray()
        exit_seen = self.has_exited
        post_exit_deadline: float | None = None
        while True:
            chunks = self.pending.drain_chunks()
            now = time.monotonic()
            if not chunks:
                exit_seen = exit_seen or self.has_exited
                if exit_seen and self.output_closed:
                    break
                remaining = deadline - now
                if remaining <= 0:
                    break
                if exit_seen:
                    if post_exit_deadline is None:
                        post_exit_deadline = now + min(remaining, POST_EXIT_CLOSE_WAIT_CAP)
                    close_wait = post_exit_deadline - now
                    if close_wait <= 0 or not await self.wait_change(close_wait):
                        break
                    continue
                if not await self.wait_change(remaining):
                    break
                continue
            for c in chunks:
                collected += c
            exit_seen = exit_seen or self.has_exited
            if time.monotonic() >= deadline:
                break
        return bytes(collected)


@dataclass
class ProcessEntry:
    process: UnifiedExecProcess
    process_id: int
    command: list[str]
    tty: bool
    last_used: float
    call_id: str = ""


@dataclass
class _Store:
    processes: dict[int, ProcessEntry] = field(default_factory=dict)
    reserved: set[int] = field(default_factory=set)

    def remove(self, process_id: int) -> ProcessEntry | None:
        self.reserved.discard(process_id)
        return self.processes.pop(process_id, None)


def process_id_to_prune(meta: list[tuple[int, float, bool]]) -> int | None:
    """LRU pruning: never one of the 8 most recently used; an exited one first, else the LRU."""
    if not meta:
        return None
    by_recency = sorted(meta, key=lambda m: m[1], reverse=True)
    protected = {pid for pid, _, _ in by_recency[:PRUNE_PROTECTED_RECENT]}
    lru = sorted(meta, key=lambda m: m[1])
    for pid, _, exited in lru:
        if pid not in protected and exited:
            return pid
    for pid, _, _ in lru:
        if pid not in protected:
            return pid
    return None


# ---------------------------------------------------------------------------------------------
# the manager


class UnifiedExecProcessManager:
    """Session store + the two tool calls.

    Parameters (plain values; the config layer maps config.toml onto them):
      cwd: the turn's working directory (relative `workdir` resolves against it).
      shell: the user's shell path (default: the passwd entry, else /bin/bash).
      allow_login_shell: default for `login` when the model omits it (config allow_login_shell).
      shell_environment_policy / thread_id: the child's environment (env.create_env) before the
        unified-exec overrides (NO_COLOR, TERM=dumb, PAGER=cat, ...). `env` replaces both.
      wrap_argv: sandbox hook, argv -> argv, or -> spawn.Launch(argv, env, executable).
      max_write_stdin_yield_time_ms: background_terminal_max_timeout (default 300000).
      truncation_tokens: the model's tool-output token budget (min'ed with max_output_tokens).
      on_warning: receives the "maximum number of unified exec processes" model warning.
      on_output(process_id, chunk): every output chunk as it arrives (ExecCommandOutputDelta).
      on_exit(process_id, exit_code, transcript_bytes): a process that outlived its
        exec_command call has exited (the background ExecCommandEnd), whether or not polled.
      deterministic_ids: ids 1000, 1001, ... instead of random 1000..99999 (tests).
    """

    def __init__(
        self,
        *,
        cwd: str | os.PathLike | None = None,
        shell: str | None = None,
        allow_login_shell: bool = True,
        shell_environment_policy: ShellEnvironmentPolicy | None = None,
        thread_id: str | None = None,
        env: Mapping[str, str] | None = None,
        wrap_argv: Callable[[list[str]], Any] | None = None,
        max_write_stdin_yield_time_ms: int = DEFAULT_MAX_BACKGROUND_TERMINAL_TIMEOUT_MS,
        truncation_tokens: int | None = None,
        on_warning: Callable[[str], None] | None = None,
        on_output: Callable[[int, bytes], None] | None = None,
        on_exit: Callable[[int, int | None, bytes], None] | None = None,
        deterministic_ids: bool = False,
    ):
        self.cwd = os.fspath(cwd) if cwd is not None else os.getcwd()
        self.shell = shell or default_user_shell()
        self.allow_login_shell = allow_login_shell
        self.policy = shell_environment_policy
        self.thread_id = thread_id
        self.env = dict(env) if env is not None else None
        self.wrap_argv = wrap_argv
        self.max_write_stdin_yield_time_ms = max_write_stdin_yield_time_ms
        self.truncation_tokens = truncation_tokens
        self.on_warning = on_warning
        self.on_output = on_output
        self.on_exit = on_exit
        self.deterministic_ids = deterministic_ids
        self._store = _Store()
        # process id -> callback(exit_code, transcript) for a process that outlived its
        # exec_command call (the core's background ExecCommandEnd); a poll that sees the exit
        # takes the callback away first
        self.exit_callbacks: dict[int, Callable[[int | None, bytes], None]] = {}

    # -- ids ------------------------------------------------------------------------------------
    def allocate_process_id(self) -> int:
        store = self._store
        while True:
            if self.deterministic_ids:
                pid = max(max(store.reserved), 999) + 1 if store.reserved else 1000
            else:
                pid = random.randrange(1_000, 100_000)
            if pid in store.reserved:
                continue
            store.reserved.add(pid)
            return pid

    def release_process_id(self, process_id: int) -> None:
        self._store.remove(process_id)

    @property
    def process_ids(self) -> list[int]:
        return sorted(self._store.processes)

    # -- spawning -------------------------------------------------------------------------------
    def child_env(self) -> dict[str, str]:
        base = self.env if self.env is not None else create_env(self.policy, self.thread_id)
        return apply_unified_exec_env(base)

    def resolve_workdir(self, workdir: str | None) -> str:
        if not workdir:
            return self.cwd
        return os.path.normpath(os.path.join(self.cwd, os.path.expanduser(workdir)))

    def open_process(self, command: list[str], cwd: str, tty: bool,
                     process_id: int | None = None, sandboxed: bool = True) -> UnifiedExecProcess:
        try:
            handle = _spawn.start_process(
                command, cwd, self.child_env(), tty=tty,
                wrap_argv=self.wrap_argv if sandboxed else None
            )
        except OSError as exc:
            raise CreateProcess.rejected(exc) from exc
        cb: Callable[[bytes], None] | None = None
        if self.on_output is not None and process_id is not None:
            on_output, pid = self.on_output, process_id
            cb = lambda data: on_output(pid, data)  # noqa: E731
        return UnifiedExecProcess(handle, tty, cb)

    def _store_process(self, process: UnifiedExecProcess, command: list[str], process_id: int,
                       tty: bool, started: float, call_id: str) -> None:
        store = self._store
        pruned = None
        if len(store.processes) >= MAX_UNIFIED_EXEC_PROCESSES:
            meta = [(pid, e.last_used, e.process.has_exited) for pid, e in store.processes.items()]
            victim = process_id_to_prune(meta)
            if victim is not None:
                pruned = store.remove(victim)
        store.processes[process_id] = ProcessEntry(process, process_id, list(command), tty, started, call_id)
        process.handle.loop.create_task(self._exit_watcher(process, process_id))
        if pruned is not None:
            pruned.process.terminate()
        n = len(store.processes)
        if n >= WARNING_UNIFIED_EXEC_PROCESSES and self.on_warning is not None:
            self.on_warning(
                f"The maximum number of unified exec processes you can keep open is "
                f"{WARNING_UNIFIED_EXEC_PROCESSES} and you currently have {n} processes open. "
                f"Reuse older processes or close them to prevent automatic pruning of old processes"
            )

    async def _exit_watcher(self, process: UnifiedExecProcess, process_id: int) -> None:
        """spawn_exit_watcher: once the process has exited and its output is drained, report it."""
        await process.handle.exited.wait()
        try:
            await asyncio.wait_for(process.handle.output_closed.wait(), _spawn.IO_DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            pass
        if self.on_exit is not None:
            self.on_exit(process_id, process.exit_code, process.transcript.to_bytes())
        callback = self.exit_callbacks.pop(process_id, None)
        if callback is not None:
            callback(process.exit_code, process.transcript.to_bytes())

    def _refresh(self, process_id: int) -> tuple[str, int | None]:
        """("alive"|"exited"|"unknown", exit_code); an exited process leaves the store."""
        entry = self._store.processes.get(process_id)
        if entry is None:
            return "unknown", None
        code = entry.process.exit_code
        if entry.process.has_exited:
            self._store.remove(process_id)
            return "exited", code
        return "alive", code

    # -- the tool calls -------------------------------------------------------------------------
    async def exec_command(
        self,
        command: list[str],
        *,
        workdir: str | None = None,
        tty: bool = False,
        yield_time_ms: int = DEFAULT_EXEC_YIELD_TIME_MS,
        max_output_tokens: int | None = None,
        process_id: int | None = None,
        call_id: str = "",
        on_begin: Callable[[UnifiedExecProcess, int], Awaitable[None]] | None = None,
        sandboxed: bool = True,
    ) -> ExecCommandToolOutput:
        """`on_begin(process, process_id)` runs once the early-exit grace is over, before the
        output is collected (the core emits ExecCommandBegin there)."""
        if process_id is None:
            process_id = self.allocate_process_id()
        cwd = self.resolve_workdir(workdir)
        try:
            process = self.open_process(command, cwd, tty, process_id, sandboxed=sandboxed)
        except BaseException:
            self.release_process_id(process_id)
            raise
        # UnifiedExecProcess::from_spawned: give the child EARLY_EXIT_GRACE to exit (a quick
        # command, or a sandbox denial), then up to 20 ms for its output. The wall time starts
        # only after that, so a short command reports ~0 s, as 0.136 does.
        if await process.wait_exit(EARLY_EXIT_GRACE) and not process.output_closed:
            await process.wait_change(EARLY_EXIT_OUTPUT_WAIT)
        if on_begin is not None:
            await on_begin(process, process_id)
        start = time.monotonic()
        started_alive = not process.has_exited
        if started_alive:
            self._store_process(process, command, process_id, tty, start, call_id)
        deadline = start + clamp_yield_time(yield_time_ms) / 1000
        collected = await process.collect_until(deadline)
        wall_time = time.monotonic() - start
        text = collected.decode("utf-8", "replace")
        chunk_id = generate_chunk_id()
        if started_alive:
            state, exit_code = self._refresh(process_id)
            if state == "unknown":
                raise UnknownProcessId(process_id)
            response_pid = process_id if state == "alive" else None
        else:
            exit_code = process.exit_code
            self.release_process_id(process_id)
            response_pid = None
        return ExecCommandToolOutput(
            chunk_id=chunk_id,
            wall_time=wall_time,
            raw_output=collected,
            max_output_tokens=max_output_tokens,
            process_id=response_pid,
            exit_code=exit_code,
            original_token_count=approx_token_count(text),
            session_command=list(command),
            truncation_tokens=self.truncation_tokens,
        )

    async def write_stdin(
        self,
        process_id: int,
        chars: str = "",
        *,
        yield_time_ms: int = DEFAULT_WRITE_STDIN_YIELD_TIME_MS,
        max_output_tokens: int | None = None,
    ) -> ExecCommandToolOutput:
        entry = self._store.processes.get(process_id)
        if entry is None:
            raise UnknownProcessId(process_id)
        entry.last_used = time.monotonic()
        process = entry.process
        status_after_write = None
        if chars:
            if not entry.tty:
                raise StdinClosed()
            try:
                process.write(chars.encode("utf-8"))
                await asyncio.sleep(WRITE_SETTLE_DELAY)
            except OSError:
                state, code = self._refresh(process_id)
                if state != "exited":
                    raise WriteToStdin() from None
                status_after_write = (state, code)
        t = max(yield_time_ms, MIN_YIELD_TIME_MS)
        if not chars:
            t = min(max(t, MIN_EMPTY_YIELD_TIME_MS), self.max_write_stdin_yield_time_ms)
        else:
            t = min(t, MAX_YIELD_TIME_MS)
        start = time.monotonic()
        collected = await process.collect_until(start + t / 1000)
        wall_time = time.monotonic() - start
        text = collected.decode("utf-8", "replace")
        state, exit_code = status_after_write or self._refresh(process_id)
        if state == "unknown":
            raise UnknownProcessId(process_id)
        return ExecCommandToolOutput(
            chunk_id=generate_chunk_id(),
            wall_time=wall_time,
            raw_output=collected,
            max_output_tokens=max_output_tokens,
            process_id=process_id if state == "alive" else None,
            exit_code=exit_code,
            original_token_count=approx_token_count(text),
            session_command=list(entry.command),
            truncation_tokens=self.truncation_tokens,
        )

    def terminate_all_processes(self) -> None:
        entries = list(self._store.processes.values())
        self._store.processes.clear()
        self._store.reserved.clear()
        for e in entries:
            e.process.terminate()

    # -- the tool handler (JSON arguments in, model-facing text out) ---------------------------
    def command_for(self, cmd: str, shell: str | None, login: bool | None) -> list[str]:
        sh = shell or self.shell
        use_login = self.allow_login_shell if login is None else login
        if use_login and not self.allow_login_shell:
            raise FunctionCallError(
                "login shell is disabled by config; omit `login` or set it to false."
            )
        return derive_exec_args(sh, cmd, use_login)

    async def handle(self, tool_name: str, arguments: str | Mapping[str, Any], call_id: str = "") -> str:
        """Run one `exec_command` / `write_stdin` call; returns the function_call_output text.

        Raises FunctionCallError (its message is what the model gets) on bad arguments or a
        failed call, as upstream's RespondToModel."""
        if tool_name == "exec_command":
            args = _parse_args(arguments, _EXEC_FIELDS)
            command = self.command_for(args["cmd"], args.get("shell"), args.get("login"))
            try:
                out = await self.exec_command(
                    command,
                    workdir=args.get("workdir") or None,
                    tty=bool(args.get("tty", False)),
                    yield_time_ms=args.get("yield_time_ms", DEFAULT_EXEC_YIELD_TIME_MS),
                    max_output_tokens=args.get("max_output_tokens"),
                    call_id=call_id,
                )
            except UnifiedExecError as exc:
                raise FunctionCallError(f"exec_command failed for `{shlex.join(command)}`: {exc.debug()}") from exc
        elif tool_name == "write_stdin":
            args = _parse_args(arguments, _WRITE_FIELDS)
            try:
                out = await self.write_stdin(
                    args["session_id"],
                    args.get("chars", ""),
                    yield_time_ms=args.get("yield_time_ms", DEFAULT_WRITE_STDIN_YIELD_TIME_MS),
                    max_output_tokens=args.get("max_output_tokens"),
                )
            except UnifiedExecError as exc:
                raise FunctionCallError(f"write_stdin failed: {exc}") from exc
        else:
            raise FunctionCallError(f"unsupported unified exec function {tool_name}")
        return out.response_text()


# (field, kind, required, nullable), in the Rust structs' declaration order.
_EXEC_FIELDS = (
    ("cmd", "string", True, False),
    ("workdir", "string", False, True),
    ("shell", "string", False, True),
    ("login", "bool", False, True),
    ("tty", "bool", False, False),
    ("yield_time_ms", "u64", False, False),
    ("max_output_tokens", "usize", False, True),
    ("sandbox_permissions", "any", False, True),
    ("justification", "string", False, True),
    ("prefix_rule", "any", False, True),
)
_WRITE_FIELDS = (
    ("session_id", "i32", True, False),
    ("chars", "string", False, False),
    ("yield_time_ms", "u64", False, False),
    ("max_output_tokens", "usize", False, True),
)


_STRUCTS = {id(_EXEC_FIELDS): ("ExecCommandArgs", 11), id(_WRITE_FIELDS): ("WriteStdinArgs", 4)}


def _parse_args(arguments: str | Mapping[str, Any], fields) -> dict[str, Any]:
    text = arguments if isinstance(arguments, (str, bytes)) else json.dumps(dict(arguments))
    name, n_fields = _STRUCTS[id(fields)]
    try:
        return parse_struct(text, fields, name, n_fields)
    except ArgsError as exc:
        raise FunctionCallError(f"failed to parse function arguments: {exc}") from None
