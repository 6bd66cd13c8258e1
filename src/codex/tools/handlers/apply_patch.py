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

from codex.tools.base import ToolCall, ToolContext, ToolOutput


def log_router_error(message: str) -> None:
    """The reference's tracing line for a failed tool call (stderr, in every mode)."""
    import datetime as dt
    import sys

    ts = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    try:
        sys.stderr.write(f"{ts} ERROR codex_core::tools::router: error={message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


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
    if not _writable(ctx, targets) and ctx.approval_policy == "never":
        msg = "patch rejected: writing outside of the project; rejected by user approval settings"
        await ctx.send({"type": "patch_apply_begin", "call_id": call.call_id, "turn_id": ctx.turn_id,
                        "auto_approved": False, "changes": changes})
        await ctx.send({"type": "patch_apply_end", "call_id": call.call_id, "turn_id": ctx.turn_id,
                        "stdout": "", "stderr": msg, "success": False, "changes": changes,
                        "status": "declined"})
        return ToolOutput(msg, success=False)
    await ctx.send({"type": "patch_apply_begin", "call_id": call.call_id, "turn_id": ctx.turn_id,
                    "auto_approved": True, "changes": changes})
    start = time.monotonic()
    out, err = io.StringIO(), io.StringIO()
    try:
        apply_patch(action.patch, action.cwd, out, err)
        code = 0
    except ApplyPatchError:
        code = 1
    wall = time.monotonic() - start
    stdout, stderr = out.getvalue(), err.getvalue()
    await ctx.send({"type": "patch_apply_end", "call_id": call.call_id, "turn_id": ctx.turn_id,
                    "stdout": stdout, "stderr": stderr, "success": code == 0, "changes": changes,
                    "status": "completed" if code == 0 else "failed"})
    return ToolOutput(format_freeform(code, wall, stdout + stderr), success=code == 0)


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
    log_router_error(msg)
    return ToolOutput(msg, success=False)
