"""Where the turn loop meets the tools package: the request's `tools` array for the session's
settings, and the router with every built-in handler registered."""
from __future__ import annotations

from typing import Any


def tools_for(settings: Any) -> list[dict[str, Any]]:
    from codex.tools import specs

    return specs.build_tools(settings.model_info, sandbox_mode=settings.sandbox_mode,
                             ephemeral=settings.ephemeral,
                             features=(settings.raw.get("features") or {}))


def builtin_handlers() -> dict[str, Any]:
    from codex.tools.handlers import apply_patch, exec_command

    handlers: dict[str, Any] = {
        "exec_command": exec_command.exec_command,
        "write_stdin": exec_command.write_stdin,
        "apply_patch": apply_patch.handle,
    }
    try:
        from codex.tools import handlers as H
        extra = getattr(H, "BUILTIN", None)
        if callable(extra):
            extra = extra()
        if isinstance(extra, dict):
            for k, v in extra.items():
                handlers.setdefault(k, v)
    except ImportError:
        pass
    return handlers


def make_router(session: Any):
    try:
        from codex.tools.router import ToolRouter
    except ImportError:
        return _MinimalRouter(builtin_handlers())
    return ToolRouter(builtin_handlers())


class _MinimalRouter:
    """Used only while codex.tools.router is absent (bootstrap)."""

    def __init__(self, handlers):
        self.handlers = handlers

    async def dispatch(self, call, ctx):
        h = self.handlers.get(call.name)
        if h is None:
            out = f"unsupported call: {call.name}"
        else:
            out = (await h(call, ctx)).content
        kind = "custom_tool_call_output" if call.kind == "custom" else "function_call_output"
        return {"type": kind, "call_id": call.call_id, "output": out}
