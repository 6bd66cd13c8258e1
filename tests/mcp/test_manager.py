"""The connection manager against a tiny stdio MCP server written with the SDK
(tests/mcp/servers/echo_server.py): concurrent start, tool names, filters, env, timeouts."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from codex.mcp.manager import McpConnectionManager
from codex.mcp.servers import ServerConfig

SERVER = str(Path(__file__).resolve().parent / "servers" / "echo_server.py")


def stdio(*extra, **kw) -> ServerConfig:
    cfg = ServerConfig.stdio(sys.executable, [SERVER, *extra], kw.pop("env", None))
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


def run(coro):
    return asyncio.run(coro)


def test_tools_are_qualified_and_callable():
    async def main():
        async with McpConnectionManager({"echo-srv": stdio(env={"DEMO": "42"})}) as mgr:
            assert mgr.startup_errors == {}
            tools = mgr.tools()
            assert set(tools) == {"mcp__echo_srv__echo", "mcp__echo_srv__env_get", "mcp__echo_srv__slow"}
            info = tools["mcp__echo_srv__env_get"]
            assert (info.server_name, info.raw_tool_name) == ("echo-srv", "env.get")
            from codex.mcp.schema import mcp_tool_to_openai_tool_parts

            desc, params, out = mcp_tool_to_openai_tool_parts(info.tool)
            assert desc.startswith("An environment variable")
            assert params["type"] == "object" and params["properties"]["name"]["type"] == "string"
            assert out["properties"]["structuredContent"]["properties"]["result"]["type"] == "string"
            r = await mgr.call_tool("echo-srv", "echo", {"text": "hi"})
            assert not r.is_error and r.content[0].text == "hi"
            r = await mgr.call_tool("echo-srv", "env.get", {"name": "DEMO"})
            assert r.content[0].text == "42"
    run(main())


def test_servers_start_concurrently_and_failures_are_isolated():
    async def main():
        servers = {
            "a": stdio("--sleep-before-start", "1"),
            "b": stdio("--sleep-before-start", "1"),
            "broken": ServerConfig.stdio("/nonexistent/mcp-server"),
            "off": stdio(enabled=False),
        }
        t0 = time.monotonic()
        async with McpConnectionManager(servers) as mgr:
            elapsed = time.monotonic() - t0
            assert set(mgr.startup_errors) == {"broken"}
            assert {t.server_name for t in mgr.tools().values()} == {"a", "b"}
        assert elapsed < 1.9 + 3.0  # both 1 s starts overlap (generous bound for slow CI)
    run(main())


def test_startup_timeout():
    async def main():
        async with McpConnectionManager({"late": stdio("--sleep-before-start", "5", startup_timeout_sec=0.5)}) as mgr:
            assert "timed out after 0.5 seconds" in mgr.startup_errors["late"]
            assert mgr.tools() == {}
    run(main())


def test_enabled_and_disabled_tools():
    async def main():
        async with McpConnectionManager({"s": stdio(enabled_tools=["echo", "slow"], disabled_tools=["slow"])}) as mgr:
            assert set(mgr.tools()) == {"mcp__s__echo"}
            with pytest.raises(Exception, match="disabled"):
                await mgr.call_tool("s", "slow", {"seconds": 0})
    run(main())


def test_tool_timeout():
    async def main():
        async with McpConnectionManager({"s": stdio(tool_timeout_sec=0.3)}) as mgr:
            with pytest.raises(Exception, match="timed out"):
                await mgr.call_tool("s", "slow", {"seconds": 3})
    run(main())
