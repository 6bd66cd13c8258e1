"""The `apply_patch` tool (freeform custom tool, or intercepted from exec_command), as upstream
core/src/tools/handlers/apply_patch.rs + runtimes/apply_patch.rs.

The patch is verified against the workspace first (a verification failure goes back to the
model as the bare error text and is logged as `ERROR codex_core::tools::router: error=...`),
then applied; the model gets `Exit code / Wall time / Output` as the reference's freeform exec
formatting shows it. Events: patch_apply_begin, patch_apply_end (with the change map).

The reference applies the patch in a sandboxed child process (`codex --codex-run-as-apply-patch`);
we apply it in-process after checking every path against the turn's sandbox policy (writes
outside the writable roots are refused under approval `never`, as the reference refuses them).
"""
from __future__ import annotations

import io
import os
import time
from typing import Any

from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput


def changes_json(action: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, ch in action.changes.items():
        if ch.kind == "add":
            out[path] = {"type": "add", "content": ch.content}
        elif ch.kind == "delete":
            out[path] = {"type": "delete", "content": ch.content}
        else:
            out[path] = {"type": "update", "unified_diff": ch.unified_diff, "move_path": ch.move_path}
    return out


def format_freeform(exit_code: int, wall: float, output: str) -> str:
    return f"Exit code: {exit_code}\nWall time: {wall:.1f} seconds\nOutput:\n{output}"


def _writable(ctx: ToolContext, paths: list[str]) -> bool:
    from codex.sandbox import policy as pol

    policy = pol.from_json(dict(ctx.sandbox_policy))
    if policy.has_full_disk_write_access():
        return True
    roots = policy.writable_roots(ctx.cwd, dict(os.environ))
    for p in paths:
        if not any(r.is_path_writable(p) for r in roots):
            return False
    return True


async def run_verified(action: Any, call: ToolCall, ctx: ToolContext) -> ToolOutput:
    """Apply a verified patch (ApplyPatchAction) with events; returns the model's output."""
    from codex.apply_patch.lib import ApplyPatchError, apply_patch

    changes = changes_json(action)
    targets = list(action.changes)
    targets += [c.move_path for c in action.changes.values() if getattr(c, "move_path", None)]
    # upstream assess_patch_safety: untrusted always asks; outside the writable roots the
    # user decides unless the policy forbids asking (then the patch is refused outright)
    needs_approval = ctx.approval_policy == "untrusted" or (
        not _writable(ctx, targets) and ctx.approval_policy != "on-failure")
    if needs_approval and (ctx.approval_policy == "never" or isinstance(ctx.approval_policy, dict)):
        raise ToolError("patch rejected: writing outside of the project; rejected by user "
                        "approval settings")
    auto_approved = not needs_approval
    # as 0.136.0: the FileChange item and patch_apply_begin come first, then any approval
    await ctx.send({"type": "item_started", "thread_id": ctx.thread_id, "turn_id": ctx.turn_id,
                    "item": {"type": "FileChange", "id": call.call_id, "changes": changes,
                             "auto_approved": auto_approved}})
    tracker = ctx.services.get("turn_diff")
    if tracker is not None:
        tracker.on_patch_begin(changes)
    await ctx.send({"type": "patch_apply_begin", "call_id": call.call_id, "turn_id": ctx.turn_id,
                    "auto_approved": auto_approved, "changes": changes})
    if needs_approval:
        ask = ctx.services.get("ask")
        decision = None
        if ask is not None:
            decision = await ask(("approval", call.call_id), {
                "type": "apply_patch_approval_request", "call_id": call.call_id,
                "turn_id": ctx.turn_id, "changes": changes, "reason": None, "grant_root": None})
        if decision not in ("approved", "approved_for_session"):
            message = "patch rejected by user"
            if tracker is not None:
                tracker.on_patch_end(False)
            await _finish(call, ctx, changes, "", message, "declined")
            raise ToolError(message)
    start = time.monotonic()
    if (ctx.sandbox_policy or {}).get("type") in ("danger-full-access", "external-sandbox"):
        out, err = io.StringIO(), io.StringIO()
        try:
            apply_patch(action.patch, action.cwd, out, err)
            code = 0
        except ApplyPatchError:
            code = 1
        stdout, stderr = out.getvalue(), err.getvalue()
    else:
        code, stdout, stderr = await _apply_in_sandbox(action, ctx)
    wall = time.monotonic() - start
    if tracker is not None:
        tracker.on_patch_end(code == 0)
    await _finish(call, ctx, changes, stdout, stderr, "completed" if code == 0 else "failed")
    turn = ctx.services.get("turn")
    if turn is not None:
        await turn.emit_turn_diff()
    return ToolOutput(format_freeform(code, wall, stdout + stderr), success=code == 0)


async def _finish(call: ToolCall, ctx: ToolContext, changes: dict[str, Any], stdout: str,
                  stderr: str, status: str) -> None:
    """item_completed(FileChange) then patch_apply_end, as 0.136.0 ends a patch."""
    await ctx.send({"type": "item_completed", "thread_id": ctx.thread_id, "turn_id": ctx.turn_id,
                    "item": {"type": "FileChange", "id": call.call_id, "changes": changes,
                             "status": status, "stdout": stdout, "stderr": stderr}})
    await ctx.send({"type": "patch_apply_end", "call_id": call.call_id, "turn_id": ctx.turn_id,
                    "stdout": stdout, "stderr": stderr, "success": status == "completed",
                    "changes": changes, "status": status})


async def _apply_in_sandbox(action: Any, ctx: ToolContext) -> tuple[int, str, str]:
    """`codex --codex-run-as-apply-patch PATCH` in the turn's sandbox, as the reference runs it
    (so a write the sandbox forbids fails the way it fails there)."""
    import asyncio
    import sys

    from codex.sandbox import linux
    from codex.sandbox import policy as pol

    argv = [sys.executable, "-m", "codex", "--codex-run-as-apply-patch", action.patch]
    policy = pol.from_json(dict(ctx.sandbox_policy))
    try:
        launch = linux.wrap_argv_for(policy, action.cwd)(argv)
    except linux.SandboxUnavailable as exc:
        return 1, "", f"{exc}\n"
    env = dict(launch.env if launch.env is not None else os.environ)
    import codex
    src = os.path.dirname(os.path.dirname(os.path.abspath(codex.__file__)))
    if os.path.basename(src) == "src":
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = await asyncio.create_subprocess_exec(
        *launch.argv, cwd=action.cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        executable=launch.executable)
    out, err = await proc.communicate()
    return (proc.returncode or 0, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


async def handle(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    from codex.apply_patch.invocation import maybe_parse_apply_patch_verified

    verified = maybe_parse_apply_patch_verified(["apply_patch", call.arguments], ctx.cwd)
    if verified.kind == "body":
        return await run_verified(verified.action, call, ctx)
    if verified.kind == "correctness_error":
        msg = f"apply_patch verification failed: {verified.error}"
    elif verified.kind == "shell_parse_error":
        msg = f"apply_patch handler received invalid patch input: {verified.error}"
    else:
        msg = "apply_patch handler received invalid patch input"
    raise ToolError(msg)
