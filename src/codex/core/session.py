"""A thread: its history, its rollout, and the turn loop (upstream core/src/codex.rs).

    session = Session(settings, sink)          # sink: async callable receiving `Event`s
    await session.start()                      # new thread (or `start(resume_path=...)`)
    await session.run_turn([{"type": "text", "text": "..."}])
    await session.shutdown()

Events are `Event(id, msg)` where `msg` is an EventMsg dict in upstream's serde shape
(`{"type": "task_started", ...}`): the legacy events (task_started, user_message,
agent_message, agent_reasoning, exec_command_begin/end, patch_apply_begin/end, plan_update,
token_count, task_complete, error, stream_error, turn_aborted ...) and the item events
(`item_started` / `item_completed` with a TurnItem, `agent_message_content_delta`,
`reasoning_content_delta`). The persisted subset goes to the rollout in the order the
reference writes it.

One turn runs at a time; `interrupt()` cancels it (running tools are killed with it).
"""
from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import msgspec

from codex.core.settings import SessionSettings

CLI_VERSION = "0.136.0"


@dataclass
class Event:
    id: str
    msg: dict[str, Any]




def new_turn_id() -> str:
    return _uuid7()


def _uuid7() -> str:
    from codex.rollout.recorder import uuid7
    return uuid7()


def _builtins(item: Any) -> dict[str, Any]:
    return item if isinstance(item, dict) else msgspec.to_builtins(item)


def _empty_usage() -> dict[str, int]:
    return {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0,
            "reasoning_output_tokens": 0, "total_tokens": 0}


def _usage_dict(u: Any) -> dict[str, int]:
    return {"input_tokens": int(u.input_tokens), "cached_input_tokens": int(u.cached_input_tokens),
            "output_tokens": int(u.output_tokens),
            "reasoning_output_tokens": int(u.reasoning_output_tokens),
            "total_tokens": int(u.total_tokens)}


def _add_usage(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in _empty_usage()}


# Output that marks a sandboxed command's failure as a sandbox denial (core's
# `is_likely_sandbox_denied`): such a command shows no begin/end events.
SANDBOX_DENIED_KEYWORDS = ("operation not permitted", "permission denied", "read-only file system",
                           "seccomp", "sandbox", "landlock", "failed to write file")


def is_likely_sandbox_denied(sandboxed: bool, exit_code: int | None, output: str) -> bool:
    if not sandboxed or exit_code in (None, 0):
        return False
    if exit_code == 127:
        return False
    low = output.lower()
    return any(k in low for k in SANDBOX_DENIED_KEYWORDS)


class Session:
    def __init__(self, settings: SessionSettings, sink: Callable[[Event], Awaitable[None]], *,
                 client: Any = None, auth: Any = None):
        self.settings = settings
        self._sink = sink
        self._client = client
        self._auth = auth
        self.thread_id: str = ""
        self.history: list[dict[str, Any]] = []
        self.recorder: Any = None
        self.rollout_path: str | None = None
        self.token_info: dict[str, Any] | None = None
        self.rate_limits: dict[str, Any] | None = None
        self._turn_task: asyncio.Task | None = None
        self._unified_exec: Any = None
        self._has_context = False
        self.turn_count = 0
        self.last_agent_message: str | None = None
        self._waiting: dict[tuple, asyncio.Future] = {}
        self._interrupt_ack: asyncio.Future | None = None
        self.collaboration_mode = "default"
        self.mcp: Any = None
        self._goal_store: Any = None
        # unified-exec process id -> what its (later) ExecCommandEnd needs
        self.exec_sessions: dict[int, tuple] = {}
        self.collaboration_changed = False
        self.approved_commands: set[tuple[str, ...]] = set()
        self.pending_input: list[list[dict[str, Any]]] = []
        self.active_turn: Any = None
        self._exec_policy: Any = None
        # Set by the face: returns True while some consumer shows agent-message deltas one by
        # one. When it returns False the model stream merges the deltas that arrive together
        # (same text, fewer events). None: always one delta per server event.
        self.delta_consumers: Callable[[], bool] | None = None

    def coalesce_deltas(self) -> bool:
        check = self.delta_consumers
        return check is not None and not check()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, *, resume_path: str | None = None) -> dict[str, Any]:
        """Create (or resume) the thread; emits and returns the `session_configured` event."""
        from codex.core.context.skills_install import install_system_skills
        from codex.rollout.recorder import RolloutRecorder, new_session_meta

        s = self.settings
        try:
            install_system_skills(s.codex_home)
        except OSError:
            pass
        try:
            # where the reference keeps shell environment snapshots (empty once it exits)
            os.makedirs(os.path.join(s.codex_home, "shell_snapshots"), exist_ok=True)
        except OSError:
            pass
        if resume_path is not None:
            self._load_history(resume_path)
            self.recorder = RolloutRecorder.resume(s.codex_home, resume_path,
                                                   default_provider=s.provider_id)
            self.rollout_path = resume_path
        else:
            git = None
            from codex.git import cli as gitcli
            info = await gitcli.collect_git_info(s.cwd)
            if info is not None:
                from codex.protocol.rollout import GitInfo
                git = GitInfo(**info)
            extra: dict[str, Any] = {}
            if s.dynamic_tools:
                extra["dynamic_tools"] = [
                    {"name": t.get("name"), "description": t.get("description", ""),
                     "inputSchema": t.get("inputSchema"), "deferLoading": bool(t.get("deferLoading", False))}
                    for t in s.dynamic_tools]
            meta = new_session_meta(cwd=s.cwd, originator=s.originator, cli_version=CLI_VERSION,
                                    source=s.source, model_provider=s.provider_id,
                                    base_instructions=s.instructions(), git=git,
                                    thread_source=s.thread_source,
                                    forked_from_id=s.parent_thread_id, **extra)
            self.thread_id = meta.id
            self.recorder = RolloutRecorder.create(s.codex_home, meta, ephemeral=s.ephemeral,
                                                   default_provider=s.provider_id)
            self.rollout_path = self.recorder.path
        msg = {
            "type": "session_configured", "session_id": self.thread_id, "model": s.model,
            "model_provider_id": s.provider_id, "approval_policy": s.approval_policy,
            "sandbox_policy": s.sandbox_policy.to_json(), "cwd": s.cwd,
            "reasoning_effort": s.reasoning_effort, "history_log_id": 0,
            "history_entry_count": 0, "initial_messages": None,
            "rollout_path": self.rollout_path,
        }
        await self._emit("", msg)
        await self._start_mcp()
        return msg

    async def _start_mcp(self) -> None:
        """Start the configured MCP servers in the background (their tools join the turns as
        they become ready; a `required` server that fails fails the start, as upstream)."""
        servers = self.settings.raw.get("mcp_servers")
        if not isinstance(servers, dict) or not any(
                isinstance(v, dict) and v.get("enabled", True) is not False for v in servers.values()):
            return
        from codex.mcp.core_bridge import McpBridge

        s = self.settings
        info = s.model_info
        modalities = info.get("input_modalities") if info is not None else None
        limit = (info.truncation_policy or {}).get("limit") if info is not None else None
        bridge = McpBridge(dict(s.raw), cwd=s.cwd, codex_home=s.codex_home, environ=dict(s.environ),
                           supports_image_input=modalities is None or "image" in modalities,
                           truncation_tokens=int(limit * 1.2) if isinstance(limit, int) else 12000)
        self.mcp = bridge

        async def emit(m: dict[str, Any]) -> None:
            await self._emit("", m)

        await bridge.start(emit)
        if bridge.has_required_servers:
            failures = await bridge.required_startup_failures()
            if failures:
                raise RuntimeError("Failed to initialize session: " + bridge.required_failure_message(failures))

    def _load_history(self, path: str) -> None:
        from codex.rollout.reader import load_rollout_items

        items, thread_id, _ = load_rollout_items(path)
        self.thread_id = thread_id or ""
        for kind, payload in items:
            p = _builtins(payload)
            if kind == "response_item":
                self.history.append(p)
            elif kind == "event_msg" and p.get("type") == "token_count" and p.get("info"):
                self.token_info = p["info"]
            elif kind == "turn_context":
                self._has_context = True
            elif kind == "compacted":
                repl = p.get("replacement_history")
                if isinstance(repl, list):
                    self.history = list(repl)
        if self.history:
            self._has_context = True

    async def shutdown(self) -> None:
        if self._turn_task is not None and not self._turn_task.done():
            self._turn_task.cancel()
        if self._unified_exec is not None:
            self._unified_exec.terminate_all_processes()
        if self.mcp is not None:
            try:
                await self.mcp.shutdown()
            except Exception:  # noqa: BLE001 - shutting down regardless
                pass
        if self.recorder is not None:
            await self.recorder.ashutdown()
        if self._client is not None:
            await self._client.aclose()

    # -- exec policy (.rules) ----------------------------------------------------------------

    def exec_policy(self):
        """The `.rules` policy of CODEX_HOME (loaded once; a parse error leaves it empty, as the
        reference warns and goes on)."""
        if self._exec_policy is None:
            from codex.execpolicy.loader import ExecPolicyError, load_exec_policy_with_warning
            from codex.execpolicy.policy import Policy
            try:
                self._exec_policy, _warning = load_exec_policy_with_warning([self.settings.codex_home])
            except ExecPolicyError:
                self._exec_policy = Policy.empty()
        return self._exec_policy

    def add_exec_policy_prefix(self, prefix: list[str]) -> None:
        from codex.execpolicy.loader import append_allow_prefix_rule
        try:
            updated = append_allow_prefix_rule(self.settings.codex_home, prefix, self.exec_policy())
        except Exception:  # noqa: BLE001 - the run goes on; the rule is only not remembered
            return
        if updated is not None:
            self._exec_policy = updated

    # -- answers from the face (ops) ---------------------------------------------------------

    def submit_op(self, op: dict[str, Any]) -> None:
        """An answer to a request the core made (approval, user input, dynamic tool ...)."""
        kind = op.get("type")
        key = None
        if kind in ("exec_approval", "patch_approval"):
            key = ("approval", op.get("id"))
            value = op.get("decision")
        elif kind == "user_input_answer":
            key = ("user_input", op.get("id"))
            value = op.get("response")
        elif kind == "dynamic_tool_response":
            key = ("dynamic_tool", op.get("id"))
            value = op.get("response")
        elif kind == "request_permissions_response":
            key = ("permissions", op.get("id"))
            value = op.get("response")
        elif kind == "resolve_elicitation":
            key = ("elicitation", op.get("server_name"), op.get("request_id"))
            value = op
        if key is None:
            return
        fut = self._waiting.pop(key, None)
        if fut is not None and not fut.done():
            fut.set_result(value)

    async def ask(self, key: tuple, sub_id: str, msg: dict[str, Any]) -> Any:
        """Emit a request event and wait for the face's answer (see `submit_op`)."""
        fut = asyncio.get_running_loop().create_future()
        self._waiting[key] = fut
        try:
            await self._emit(sub_id, msg)
            return await fut
        finally:
            self._waiting.pop(key, None)

    def steer(self, inputs: list[dict[str, Any]], expected_turn_id: str | None = None) -> str:
        """Add input to the running turn (`turn/steer`); returns its id. ValueError when no
        turn is running (or another turn than expected is)."""
        turn = self.active_turn
        if turn is None:
            raise ValueError("no active turn to steer")
        if expected_turn_id and expected_turn_id != turn.turn_id:
            raise ValueError(f"expected active turn id {expected_turn_id} but found {turn.turn_id}")
        self.pending_input.append(list(inputs))
        return turn.turn_id

    async def interrupt(self, *, until_acknowledged: bool = False) -> None:
        """Cancel the running turn. By default wait until it ended; with
        `until_acknowledged`, only until the abort was recorded (the app-server answers
        turn/interrupt then, before turn_aborted goes out, as the reference does)."""
        task = self._turn_task
        if task is not None and not task.done():
            self._interrupt_ack = asyncio.get_running_loop().create_future()
            task.cancel()
            if until_acknowledged:
                done, _ = await asyncio.wait({self._interrupt_ack, task},
                                             return_when=asyncio.FIRST_COMPLETED)
                return
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass

    def _acknowledge_interrupt(self) -> None:
        ack = self._interrupt_ack
        if ack is not None and not ack.done():
            ack.set_result(None)

    # -- plumbing ----------------------------------------------------------------------------

    async def _emit(self, sub_id: str, msg: dict[str, Any]) -> None:
        await self._sink(Event(sub_id, msg))

    def _record(self, *items: tuple[str, Any]) -> None:
        if self.recorder is not None:
            self.recorder.record_items(items)

    def client(self):
        if self._client is None:
            from codex.model.client import ResponsesClient

            s = self.settings
            self._client = ResponsesClient.from_config(
                s.raw, self._auth, environ=s.environ,
                enable_request_compression=bool((s.raw.get("features") or {}).get(
                    "enable_request_compression", True)))
        return self._client

    def unified_exec(self):
        if self._unified_exec is None:
            from codex.process.unified_exec.manager import UnifiedExecProcessManager
            from codex.process.env import ShellEnvironmentPolicy

            s = self.settings
            policy = None
            raw_policy = s.raw.get("shell_environment_policy")
            if raw_policy:
                policy = ShellEnvironmentPolicy.from_toml(raw_policy)
            wrap = None
            if s.sandbox_mode != "danger-full-access":
                from codex.sandbox import linux
                wrap = linux.wrap_argv_for(s.sandbox_policy, s.cwd)
            self._unified_exec = UnifiedExecProcessManager(
                cwd=s.cwd, shell_environment_policy=policy, thread_id=self.thread_id,
                wrap_argv=wrap, allow_login_shell=bool(s.raw.get("allow_login_shell", True)))
        return self._unified_exec

    # -- a turn ------------------------------------------------------------------------------

    async def run_turn(self, inputs: list[dict[str, Any]], *, turn_id: str | None = None,
                       output_schema: Any = None, collaboration_mode: str | None = None) -> dict[str, Any]:
        """Run one turn to completion; returns the task_complete event msg. Cancelling the
        awaiting task (or `interrupt()`) aborts it with `turn_aborted`."""
        self._turn_task = asyncio.current_task()
        from codex.core.turn import Turn

        turn = Turn(self, inputs, turn_id=turn_id, output_schema=output_schema,
                    collaboration_mode=collaboration_mode)
        try:
            return await turn.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - never leave a face waiting for the turn's end
            import logging
            import time as _time
            logging.getLogger("codex_core::codex").debug("turn setup failed", exc_info=True)
            message = f"{type(exc).__name__}: {exc}"
            await self._emit(turn.turn_id, {"type": "error", "message": message,
                                            "codex_error_info": "other"})
            done = {"type": "task_complete", "turn_id": turn.turn_id, "last_agent_message": None,
                    "completed_at": int(_time.time()), "duration_ms": 0}
            await self._emit(turn.turn_id, done)
            return dict(done, error=message)
        finally:
            self._turn_task = None

    async def compact(self, *, turn_id: str | None = None) -> dict[str, Any]:
        """Compact the history now, as a turn of its own (`Op::Compact`)."""
        self._turn_task = asyncio.current_task()
        from codex.core.turn import Turn

        try:
            return await Turn(self, [], turn_id=turn_id).run_compact()
        finally:
            self._turn_task = None

    # -- thread goals --------------------------------------------------------------------------

    def goal_store(self):
        """The goals database (None for an ephemeral thread)."""
        if self.settings.ephemeral:
            return None
        if self._goal_store is None:
            from codex.tools.handlers.goals import GoalStore
            self._goal_store = GoalStore(self.settings.codex_home, dict(self.settings.raw))
        return self._goal_store

    def active_goal(self) -> dict[str, Any] | None:
        store = self.goal_store()
        if store is None:
            return None
        try:
            row = store.get(self.thread_id)
        except Exception:  # noqa: BLE001 - no goals db: no goal
            return None
        return row if row is not None and row.get("status") == "active" else None

    def goal_continuation_text(self, goal: dict[str, Any]) -> str:
        from codex.core.compact import _read

        budget = goal.get("token_budget")
        used = int(goal.get("tokens_used") or 0)
        if budget is not None:
            lines = (f"- Tokens used: {used}\n- Token budget: {budget}\n"
                     f"- Tokens remaining: {max(0, int(budget) - used)}")
        else:
            lines = f"- Tokens used: {used}\n- Token budget: none"
        return _read("goal_continuation.md").format(objective=goal.get("objective", ""), budget=lines)

    async def run_goal_continuations(self) -> None:
        """While the thread's goal is active (and within its token budget), run the hidden
        continuation turns the reference runs after a turn ends."""
        import uuid as _uuid

        from codex.core.turn import Turn

        while True:
            goal = self.active_goal()
            if goal is None:
                return
            text = self.goal_continuation_text(goal)
            turn = Turn(self, [], turn_id=str(_uuid.uuid4()), hidden_input=text)
            self._turn_task = asyncio.current_task()
            try:
                done = await turn.run()
            finally:
                self._turn_task = None
            if done.get("error") or turn.aborted:
                return

    # -- context -----------------------------------------------------------------------------

    def turn_context_payload(self, turn_id: str, date: str, tz: str,
                             collaboration_mode: str = "default") -> dict[str, Any]:
        from codex.sandbox.policy import PermissionProfile

        s = self.settings
        profile = PermissionProfile.from_policy(s.sandbox_policy, s.cwd).to_json()
        p: dict[str, Any] = {
            "turn_id": turn_id, "cwd": s.cwd, "workspace_roots": [s.cwd],
            "current_date": date, "timezone": tz, "approval_policy": s.approval_policy,
            "sandbox_policy": sandbox_policy_json(s.sandbox_policy), "permission_profile": profile,
        }
        if s.sandbox_mode == "workspace-write":
            fs = profile.get("file_system") or {}
            p["file_system_sandbox_policy"] = {"kind": fs.get("type", "restricted"),
                                               "entries": fs.get("entries", [])}
        p["model"] = s.model
        p["personality"] = s.personality
        p["collaboration_mode"] = {"mode": collaboration_mode, "settings": {
            "model": s.model, "reasoning_effort": s.reasoning_effort,
            "developer_instructions": self.collaboration_instructions(collaboration_mode)}}
        p["realtime_active"] = False
        if s.reasoning_effort is not None:
            p["effort"] = s.reasoning_effort
        p["summary"] = "auto"
        return p

    def collaboration_instructions(self, mode: str | None = None) -> str | None:
        """The developer instructions of a collaboration mode (Plan mode's are bundled)."""
        mode = mode or self.collaboration_mode
        if mode == "plan":
            from codex.core.compact import _read
            return _read("collaboration_mode_plan.md")
        return None

    def initial_context_items(self, date: str, tz: str) -> list[dict[str, Any]]:
        from codex.core.context import agents_md, initial_context, skills

        s = self.settings
        raw = s.raw
        docs = agents_md.user_instructions(
            s.cwd, codex_home=s.codex_home,
            max_bytes=int(raw.get("project_doc_max_bytes", agents_md.DEFAULT_PROJECT_DOC_MAX_BYTES)),
            fallbacks=list(raw.get("project_doc_fallback_filenames") or []))
        network = None
        if s.sandbox_mode == "workspace-write":
            network = bool((raw.get("sandbox_workspace_write") or {}).get("network_access", False))
        writable = None
        if s.sandbox_mode == "workspace-write":
            from codex.core.context import permissions
            writable = permissions.default_writable_roots(
                s.cwd, s.add_dirs, tmpdir=s.environ.get("TMPDIR") or None)
        return initial_context.context_items(
            cwd=s.cwd, sandbox_mode=s.sandbox_mode, approval_policy=s.approval_policy,
            network_access=network, writable_roots=writable,
            skills=skills.codex_home_skills(s.codex_home), agents_md=docs, date=date, timezone=tz,
            developer_instructions=raw.get("developer_instructions")
            if isinstance(raw.get("developer_instructions"), str) else None)


def sandbox_policy_json(policy: Any) -> dict[str, Any]:
    """SandboxPolicy as the rollout's turn_context writes it (empty writable_roots omitted)."""
    data = dict(policy.to_json())
    if data.get("writable_roots") == []:
        del data["writable_roots"]
    return data


def local_date_and_tz() -> tuple[str, str]:
    from codex.core.context.environment import current_date, local_timezone
    return current_date(), local_timezone()



def new_item_id() -> str:
    return str(uuid.uuid4())
