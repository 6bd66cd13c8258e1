"""`exec_command` and `write_stdin` (unified exec), as upstream
core/src/tools/handlers/unified_exec.rs: argument parsing, apply_patch interception, the
escalation check under approval `never`, ExecCommandBegin/End events, and the sandbox-denial
rule (a sandboxed command that fails at once with denial-looking output shows no events; the
model still gets its output).
"""
from __future__ import annotations

import asyncio
import shlex
import time
from typing import Any

from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput



def _manager(ctx: ToolContext):
    svc = ctx.services.get("unified_exec")
    return svc() if callable(svc) else svc


def _duration(seconds: float) -> dict[str, int]:
    secs = int(seconds)
    return {"secs": secs, "nanos": int(round((seconds - secs) * 1e9))}


def parsed_cmd(command: list[str]) -> list[dict[str, Any]]:
    try:
        from codex.shell.parse_command import parse_command
    except ImportError:
        script = command[-1] if command else ""
        return [{"type": "unknown", "cmd": script}]
    return parse_command(command)


async def exec_command(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    from codex.process.unified_exec import manager as M
    from codex.core.session import is_likely_sandbox_denied

    mgr = _manager(ctx)
    try:
        args = M._parse_args(call.arguments, M._EXEC_FIELDS)
        command = mgr.command_for(args["cmd"], args.get("shell"), args.get("login"))
    except M.FunctionCallError as exc:
        raise ToolError(str(exc)) from None
    # apply_patch invoked through the shell goes to the apply_patch tool
    from codex.apply_patch.invocation import maybe_parse_apply_patch_verified
    cwd = mgr.resolve_workdir(args.get("workdir") or None)
    verified = maybe_parse_apply_patch_verified(command, cwd)
    if verified.kind == "body":
        from codex.tools.handlers import apply_patch as ap
        return await ap.run_verified(verified.action, call, ctx)
    if verified.kind == "correctness_error":
        raise ToolError(f"apply_patch verification failed: {verified.error}")
    from codex.shell import approval as A

    perms = args.get("sandbox_permissions") or "use_default"
    rejection = A.escalation_rejection(ctx.approval_policy, perms)
    if rejection is not None:
        raise ToolError(rejection)
    pcmd = parsed_cmd(command)
    session = ctx.services.get("session")
    policy = session.exec_policy() if session is not None else None
    req = A.exec_approval_requirement(command, ctx.approval_policy, dict(ctx.sandbox_policy or {}),
                                      perms, policy, args.get("prefix_rule"))
    if isinstance(req, A.Forbidden):
        raise ToolError(A.forbidden_output_for_model(command, req.reason))
    sandboxed = (ctx.sandbox_policy or {}).get("type") not in ("danger-full-access", "external-sandbox")
    if isinstance(req, A.NeedsApproval):
        key = tuple(command)
        if session is None or key not in session.approved_commands:
            # a prompt rule's reason wins over the model's justification
            reason = req.reason if req.reason is not None else args.get("justification")
            decision = await _ask_approval(call, ctx, command, cwd, pcmd, reason,
                                           req.proposed_execpolicy_amendment)
            _apply_decision(decision, command, session, ctx)
        if perms == "require_escalated":
            sandboxed = False
    elif isinstance(req, A.Skip) and req.bypass_sandbox:
        sandboxed = False
    begun: dict[str, Any] = {}

    async def on_begin(process, process_id: int) -> None:
        if process.has_exited:
            text = process.transcript.to_bytes().decode("utf-8", "replace")
            if is_likely_sandbox_denied(sandboxed, process.exit_code, text):
                return
        begun["pid"] = str(process_id)
        begun["t0"] = time.time()
        loop = asyncio.get_running_loop()

        def on_exit(code: int | None, transcript: bytes) -> None:
            # the process outlived its exec_command call (a long command, an interrupted
            # turn): its end is reported when it exits
            loop.create_task(ctx.send(end_event(
                call.call_id, begun["pid"], ctx.turn_id, command, cwd, pcmd,
                "unified_exec_startup", transcript, code, time.time() - begun["t0"])))
        mgr.exit_callbacks[process_id] = on_exit
        await ctx.send({"type": "exec_command_begin", "call_id": call.call_id,
                        "process_id": str(process_id), "turn_id": ctx.turn_id,
                        "started_at_ms": int(begun["t0"] * 1000), "command": command,
                        "cwd": cwd, "parsed_cmd": pcmd, "source": "unified_exec_startup"})

    try:
        out = await mgr.exec_command(
            command, workdir=args.get("workdir") or None, tty=bool(args.get("tty", False)),
            yield_time_ms=args.get("yield_time_ms", M.DEFAULT_EXEC_YIELD_TIME_MS),
            max_output_tokens=args.get("max_output_tokens"), call_id=call.call_id,
            on_begin=on_begin, sandboxed=sandboxed)
    except M.UnifiedExecError as exc:
        raise ToolError(f"exec_command failed for `{shlex.join(command)}`: {exc.debug()}") from None
    text = out.response_text()
    if begun and out.process_id is None:
        mgr.exit_callbacks.pop(int(begun["pid"]), None)
        await ctx.send(end_event(call.call_id, begun["pid"], ctx.turn_id, command, cwd, pcmd,
                                 "unified_exec_startup", out.raw_output, out.exit_code,
                                 out.wall_time))
    elif begun and out.process_id is not None:
        # the process lives on: its end is reported when it exits (the callback set at begin),
        # unless a write_stdin poll sees the exit first (then as an interaction, no face shows it)
        t0 = begun["t0"]
        sessions = ctx.services.get("exec_sessions")
        if isinstance(sessions, dict):
            sessions[out.process_id] = (call.call_id, begun["pid"], ctx.turn_id, command, cwd, pcmd, t0)
    return ToolOutput(text, success=True)


def end_event(call_id: str, process_id: str, turn_id: str, command: list[str], cwd: str,
              pcmd: list[dict[str, Any]], source: str, output: bytes, exit_code: int | None,
              seconds: float) -> dict[str, Any]:
    aggregated = output.decode("utf-8", "replace")
    code = exit_code if exit_code is not None else -1
    return {"type": "exec_command_end", "call_id": call_id, "process_id": process_id,
            "turn_id": turn_id, "completed_at_ms": int(time.time() * 1000), "command": command,
            "cwd": cwd, "parsed_cmd": pcmd, "source": source, "stdout": aggregated, "stderr": "",
            "aggregated_output": aggregated, "exit_code": code, "duration": _duration(seconds),
            "formatted_output": aggregated, "status": "completed" if code == 0 else "failed"}


def rejected_output(command: list[str], reason: str = "rejected by user") -> str:
    from codex.shell.approval import forbidden_output_for_model
    return forbidden_output_for_model(command, reason)


async def _ask_approval(call: ToolCall, ctx: ToolContext, command: list[str], cwd: str,
                        pcmd: list[dict[str, Any]], reason: str | None,
                        amendment: list[str] | None) -> Any:
    ask = ctx.services.get("ask")
    if ask is None:
        return "denied"
    msg: dict[str, Any] = {"type": "exec_approval_request", "call_id": call.call_id,
                           "turn_id": ctx.turn_id, "command": command, "cwd": cwd,
                           "reason": reason, "parsed_cmd": pcmd}
    if amendment is not None:
        msg["proposed_execpolicy_amendment"] = list(amendment)
    return await ask(("approval", call.call_id), msg)


def _apply_decision(decision: Any, command: list[str], session: Any, ctx: ToolContext) -> None:
    """ReviewDecision: approved / approved_for_session / approved_execpolicy_amendment go on
    (remembering what they grant); denied / abort refuse the command."""
    if decision == "approved":
        return
    if decision == "approved_for_session":
        if session is not None:
            session.approved_commands.add(tuple(command))
        return
    if isinstance(decision, dict) and "approved_execpolicy_amendment" in decision:
        prefix = (decision["approved_execpolicy_amendment"] or {}).get("proposed_execpolicy_amendment")
        if session is not None and prefix:
            session.add_exec_policy_prefix(list(prefix))
        return
    if decision == "abort":
        # the user stopped the whole turn, not just this command
        raise asyncio.CancelledError()
    raise ToolError(rejected_output(command))


async def write_stdin(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    from codex.process.unified_exec import manager as M

    mgr = _manager(ctx)
    try:
        args = M._parse_args(call.arguments, M._WRITE_FIELDS)
    except M.FunctionCallError as exc:
        raise ToolError(str(exc)) from None
    chars = args.get("chars", "")
    if chars:
        await ctx.send({"type": "terminal_interaction", "call_id": call.call_id,
                        "process_id": str(args["session_id"]), "stdin": chars})
    pid = args["session_id"]
    # while this poll runs, the poll reports the process's exit
    background = mgr.exit_callbacks.pop(pid, None)
    try:
        out = await mgr.write_stdin(
            pid, chars,
            yield_time_ms=args.get("yield_time_ms", M.DEFAULT_WRITE_STDIN_YIELD_TIME_MS),
            max_output_tokens=args.get("max_output_tokens"))
    except M.UnifiedExecError as exc:
        raise ToolError(f"write_stdin failed: {exc}") from None
    sessions = ctx.services.get("exec_sessions")
    info = sessions.get(pid) if isinstance(sessions, dict) else None
    if out.process_id is None:
        if info is not None:
            sessions.pop(pid, None)
            call_id, spid, turn_id, command, cwd, pcmd, t0 = info
            await ctx.send(end_event(call.call_id, spid, ctx.turn_id, command, cwd, pcmd,
                                     "unified_exec_interaction", out.raw_output, out.exit_code,
                                     time.time() - t0))
    elif background is not None:
        mgr.exit_callbacks[pid] = background
    return ToolOutput(out.response_text(), success=True)
