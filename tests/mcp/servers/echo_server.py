"""A tiny stdio MCP server for the manager tests (the official SDK's MCPServer).

argv: [--sleep-before-start SECONDS]"""

import sys
import time

from mcp.server.mcpserver import MCPServer

if "--sleep-before-start" in sys.argv:
    time.sleep(float(sys.argv[sys.argv.index("--sleep-before-start") + 1]))

app = MCPServer("echo")


@app.tool(description="Echo the text back.")
def echo(text: str) -> str:
    return text


@app.tool(name="env.get", description="An environment variable of the server process.")
def env_get(name: str) -> str:
    import os

    return os.environ.get(name, "<unset>")


@app.tool(description="Sleep, then answer.")
def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


if __name__ == "__main__":
    app.run()
