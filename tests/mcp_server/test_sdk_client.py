"""Interoperability: the official `mcp` Python SDK's stdio client talks to `codex mcp-server`
(initialize, tools/list, a `codex` call, `codex-reply`). The SDK client passes the
vendor `codex/event` notifications by without error (it does not hand them to a handler)."""
from __future__ import annotations

import asyncio

import pytest

mcp = pytest.importorskip("mcp")

from parity.mock_responses import MockResponses  # noqa: E402
from parity.reference import RefEnv  # noqa: E402

from .marker_model import MarkerModel  # noqa: E402


def test_sdk_client_session():
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    with MockResponses() as mock:
        MarkerModel(mock)
        with RefEnv(mock, tag="mcp") as env:
            argv = env.command("ours") + ["mcp-server"]
            params = StdioServerParameters(command=argv[0], args=argv[1:], env=env.env("ours"), cwd=env.cwd)
            async def go():
                async with stdio_client(params) as (read, write):
                    async with ClientSession(read, write) as session:
                        init = await session.initialize()
                        tools = await session.list_tools()
                        first = await session.call_tool("codex", {"prompt": "Say hello.", "cwd": str(env.cwd)})
                        thread_id = first.structured_content["threadId"]
                        second = await session.call_tool("codex-reply", {"threadId": thread_id,
                                                                         "prompt": "Again."})
                        return init, tools, first, second

            init, tools, first, second = asyncio.run(asyncio.wait_for(go(), 60))
    assert init.server_info.name == "codex-mcp-server"
    assert [t.name for t in tools.tools] == ["codex", "codex-reply"]
    assert first.content[0].text == "Hello from the mock model."
    assert not first.is_error
    assert second.structured_content == {"threadId": first.structured_content["threadId"],
                                        "content": "Hello from the mock model."}
