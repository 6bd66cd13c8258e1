"""Where the turn loop meets the tools package: the request's `tools` array for the session's
settings, and the router with every built-in handler registered."""
from __future__ import annotations

from typing import Any


def tools_for(settings: Any, mcp_tools: list[Any] | None = None, mcp_servers: bool = False
              ) -> list[dict[str, Any]]:
    from codex.tools import specs

    raw = settings.raw
    web_search = raw.get("web_search") if isinstance(raw.get("web_search"), str) else None
    return specs.build_tools(settings.model_info, sandbox_mode=settings.sandbox_mode,
                             ephemeral=settings.ephemeral, features=(raw.get("features") or {}),
                             web_search_mode=web_search,
                             allow_login_shell=bool(raw.get("allow_login_shell", True)),
                             dynamic_tools=list(settings.dynamic_tools or ()),
                             mcp_tools=list(mcp_tools or ()), mcp_servers=mcp_servers or None,
                             review=bool(settings.review))


def builtin_handlers() -> dict[str, Any]:
    from codex.tools.handlers import apply_patch, exec_command
    from codex.tools.router import default_handlers

    handlers = default_handlers()
    handlers.update({
        "exec_command": exec_command.exec_command,
        "write_stdin": exec_command.write_stdin,
        "apply_patch": apply_patch.handle,
    })
    return handlers


def make_router(session: Any):
    from codex.tools.handlers.dynamic import handle_dynamic
    from codex.tools.router import ToolRouter

    handlers = builtin_handlers()
    for tool in session.settings.dynamic_tools or ():
        name = tool.get("name")
        if name:
            handlers[name] = handle_dynamic
    bridge = getattr(session, "mcp", None)
    return ToolRouter(handlers, fallback=bridge.handle if bridge is not None else None)
