"""The app-server's MCP methods backed by a loaded thread's MCP servers (the core's
`McpBridge`): mcpServerStatus/list, mcpServer/resource/read, mcpServer/tool/call.

Registered after `offline` (which answers them with nothing when no core is running)."""
from __future__ import annotations

from typing import Any

from .server import JsonRpcError, internal_error


def _bridges(conn: Any) -> list[Any]:
    svc = conn.server.state.get("threads")
    if svc is None:
        return []
    out = []
    for t in svc.threads.values():
        bridge = getattr(t.session, "mcp", None)
        if bridge is not None:
            out.append(bridge)
    return out


def _bridge_for(conn: Any, thread_id: str | None, server: str) -> Any:
    """The MCP servers of the given thread (else of any loaded thread) that know `server`;
    the reference's "unknown MCP server" error otherwise."""
    svc = conn.server.state.get("threads")
    t = svc.threads.get(thread_id) if svc is not None and thread_id else None
    candidates = [getattr(t.session, "mcp", None)] if t is not None else _bridges(conn)
    for bridge in candidates:
        if bridge is not None and server in bridge.server_names:
            return bridge
    raise internal_error(f"unknown MCP server '{server}'")


_SERVER_INFO_KEYS = ("name", "title", "version", "description", "icons", "websiteUrl")


async def mcp_server_status_list(params: Any, conn: Any) -> dict[str, Any]:
    params = params or {}
    detail = params.get("detail")
    bridges = _bridges(conn)
    data: list[dict[str, Any]] = []
    if bridges:
        bridge = bridges[0]
        for name in bridge.server_names:
            snap = bridge.server_snapshot(name)
            if snap is None:
                continue
            info = snap.get("serverInfo") or {}
            server_info = {k: info.get(k) for k in _SERVER_INFO_KEYS}
            resources: list[Any] = []
            templates: list[Any] = []
            if detail != "toolsAndAuthOnly":
                client = bridge._clients.get(name)
                try:
                    resources = list((await client.list_resources()).get("resources") or [])
                except Exception:  # noqa: BLE001 - a server without resources
                    resources = []
                try:
                    templates = list((await client.list_resource_templates()).get("resourceTemplates") or [])
                except Exception:  # noqa: BLE001
                    templates = []
            data.append({"name": name, "serverInfo": server_info, "tools": snap.get("tools") or {},
                         "resources": resources, "resourceTemplates": templates,
                         "authStatus": "unsupported"})
    return {"data": data, "nextCursor": None}


async def mcp_resource_read(params: Any, conn: Any) -> dict[str, Any]:
    params = params or {}
    bridge = _bridge_for(conn, params.get("threadId"), params.get("server", ""))
    try:
        return await bridge.read_resource_direct(params.get("server", ""), params.get("uri", ""))
    except JsonRpcError:
        raise
    except Exception as exc:  # noqa: BLE001 - the server's error, in words
        raise internal_error(str(exc)) from None


async def mcp_tool_call(params: Any, conn: Any) -> dict[str, Any]:
    params = params or {}
    bridge = _bridge_for(conn, params.get("threadId"), params.get("server", ""))
    try:
        return await bridge.call_tool_direct(params.get("server", ""), params.get("tool", ""),
                                             params.get("arguments"))
    except JsonRpcError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise internal_error(str(exc)) from None


def register_methods(registry: Any) -> None:
    registry.register("mcpServerStatus/list", mcp_server_status_list)
    registry.register("mcpServer/resource/read", mcp_resource_read)
    registry.register("mcpServer/tool/call", mcp_tool_call)
