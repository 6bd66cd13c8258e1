"""The MCP connection manager (codex-rs codex-mcp `connection_manager.rs`, as far as ported):
starts every enabled stdio server concurrently with the official `mcp` SDK, each within its
`startup_timeout_sec` (default 10 s) for `initialize` + `tools/list`; collects the tools through
the server's `enabled_tools` / `disabled_tools` filter and qualifies their names
(`codex.mcp.tools`); calls tools with the server's `tool_timeout_sec` (default 60 s). A server
that fails to start is reported in `startup_errors` and does not stop the others.

Only this module imports the `mcp` SDK, and only when a manager starts.
Not ported yet: streamable HTTP servers (bearer tokens, OAuth), resources, elicitation,
sandbox-state notifications, the codex_apps server."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

from codex.mcp.servers import ServerConfig
from codex.mcp.tools import ToolFilter, ToolInfo, filter_tools, qualify_tools

__all__ = ["DEFAULT_STARTUP_TIMEOUT_SEC", "DEFAULT_TOOL_TIMEOUT_SEC", "McpConnectionManager", "McpError"]

DEFAULT_STARTUP_TIMEOUT_SEC = 10.0
DEFAULT_TOOL_TIMEOUT_SEC = 60.0
CLIENT_NAME = "codex-mcp-client"
CLIENT_VERSION = "0.136.0"


class McpError(RuntimeError):
    pass


@dataclass
class _Client:
    name: str
    config: ServerConfig
    session: Any = None
    tools: list = field(default_factory=list)
    task: asyncio.Task | None = None
    stop: asyncio.Event | None = None

    @property
    def startup_timeout(self) -> float:
        v = self.config.startup_timeout_sec
        return DEFAULT_STARTUP_TIMEOUT_SEC if v is None else float(v)

    @property
    def tool_timeout(self) -> float:
        v = self.config.tool_timeout_sec
        return DEFAULT_TOOL_TIMEOUT_SEC if v is None else float(v)


def _server_env(cfg: ServerConfig) -> dict[str, str]:
    """The child's environment: a default set of variables from ours (as upstream's
    `create_env_for_mcp_server`), the `env_vars` named in the config, then `env`."""
    keep = ("HOME", "LOGNAME", "PATH", "SHELL", "USER", "__CF_USER_TEXT_ENCODING", "LANG", "LC_ALL",
            "TERM", "TMPDIR", "TZ")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    for entry in cfg.env_vars or ():
        name = entry.get("name") if isinstance(entry, dict) else str(entry)
        if name and name in os.environ:
            env[name] = os.environ[name]
    env.update({str(k): str(v) for k, v in (cfg.env or {}).items()})
    return env


class McpConnectionManager:
    """`async with McpConnectionManager(servers) as mgr:` starts the servers; `mgr.tools()` is
    `{qualified name: ToolInfo}`; `await mgr.call_tool(server, tool, args)`."""

    def __init__(self, servers: dict[str, ServerConfig]):
        self._clients = {name: _Client(name, cfg) for name, cfg in servers.items() if cfg.enabled}
        self.startup_errors: dict[str, str] = {}

    async def __aenter__(self) -> "McpConnectionManager":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.shutdown()

    async def start(self) -> None:
        await asyncio.gather(*(self._start_one(c) for c in self._clients.values()))

    async def _start_one(self, client: _Client) -> None:
        if client.config.transport != "stdio":
            self.startup_errors[client.name] = "streamable HTTP MCP servers are not supported in this build yet"
            return
        ready: asyncio.Future = asyncio.get_running_loop().create_future()
        client.stop = asyncio.Event()
        client.task = asyncio.create_task(self._run_client(client, ready))
        try:
            await asyncio.wait_for(asyncio.shield(ready), timeout=client.startup_timeout)
        except asyncio.TimeoutError:
            self.startup_errors[client.name] = (
                f"MCP client for `{client.name}` timed out after {client.startup_timeout:g} seconds. "
                f"Add or adjust `startup_timeout_sec` in your config.toml:\n"
                f"[mcp_servers.{client.name}]\nstartup_timeout_sec = XX")
            await self._stop(client)
        except Exception as exc:  # noqa: BLE001 - reported per server
            self.startup_errors[client.name] = f"MCP client for `{client.name}` failed to start: {exc}"
            await self._stop(client)

    async def _run_client(self, client: _Client, ready: asyncio.Future) -> None:
        """Owns the server's stdio streams and session for its whole life (the SDK's context
        managers must be entered and left in one task)."""
        try:
            from mcp import ClientSession
            from mcp import types
            from mcp.client.stdio import StdioServerParameters, stdio_client

            cfg = client.config
            params = StdioServerParameters(command=cfg.command, args=list(cfg.args), env=_server_env(cfg),
                                           cwd=cfg.cwd)
            with open(os.devnull, "w") as errlog:
                async with stdio_client(params, errlog=errlog) as (read, write):
                    async with ClientSession(read, write, client_info=types.Implementation(
                            name=CLIENT_NAME, version=CLIENT_VERSION)) as session:
                        await session.initialize()
                        tools = []
                        cursor = None
                        while True:
                            result = await session.list_tools(
                                params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
                            tools.extend(result.tools)
                            cursor = getattr(result, "next_cursor", None)
                            if not cursor:
                                break
                        client.session = session
                        client.tools = tools
                        if not ready.done():
                            ready.set_result(True)
                        await client.stop.wait()
        except BaseException as exc:
            if not ready.done():
                if isinstance(exc, asyncio.CancelledError):
                    ready.cancel()
                else:
                    ready.set_exception(exc if isinstance(exc, Exception) else McpError(str(exc)))
            if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt, SystemExit)):
                raise
        finally:
            client.session = None

    async def _stop(self, client: _Client) -> None:
        if client.task is None:
            return
        if client.stop is not None:
            client.stop.set()
        try:
            if client.session is None:
                raise asyncio.TimeoutError  # still starting: nothing to close gracefully
            await asyncio.wait_for(asyncio.shield(client.task), timeout=5)
        except BaseException:  # noqa: BLE001
            client.task.cancel()
            try:
                await client.task
            except BaseException:  # noqa: BLE001
                pass
        client.task = None

    async def shutdown(self) -> None:
        await asyncio.gather(*(self._stop(c) for c in self._clients.values()))

    # ---- tools

    def tools(self) -> dict[str, ToolInfo]:
        infos = []
        for client in self._clients.values():
            if client.session is None:
                continue
            server_tools = [ToolInfo.for_server_tool(client.name, t,
                                                     supports_parallel_tool_calls=client.config.supports_parallel_tool_calls)
                            for t in client.tools]
            infos.extend(filter_tools(server_tools, ToolFilter.from_config(client.config)))
        return qualify_tools(infos)

    def resolve(self, qualified_name: str) -> ToolInfo | None:
        return self.tools().get(qualified_name)

    async def call_tool(self, server: str, tool: str, arguments: dict | None = None,
                        timeout: float | None = None):
        client = self._clients.get(server)
        if client is None or client.session is None:
            raise McpError(f"unknown MCP server '{server}'")
        if not ToolFilter.from_config(client.config).allows(tool):
            raise McpError(f"tool '{tool}' is disabled for MCP server '{server}'")
        limit = client.tool_timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(client.session.call_tool(tool, arguments or {}), timeout=limit)
        except asyncio.TimeoutError:
            raise McpError(f"tool call timed out after {limit:g}s") from None
