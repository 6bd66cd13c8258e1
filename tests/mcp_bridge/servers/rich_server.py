"""A stdio MCP server for the bridge tests (the official SDK's MCPServer).

Tools: echo (text), picture (an image block after a text block), add (structured content),
fail (isError), slow (sleeps), ro (readOnlyHint), big (many lines), mixed (audio, embedded
resource, resource link). Resources: mem://note (text), a template
mem://item/{id}. argv: [--sleep-before-start SECONDS] [--exit-at-start] [--http PORT] (streamable HTTP on
127.0.0.1:PORT/mcp instead of stdio; tool auth_header answers the request's Authorization)"""

import sys
import time

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import (AudioContent, CallToolResult, EmbeddedResource, ImageContent, ResourceLink, TextContent,
                       TextResourceContents, ToolAnnotations)

if "--sleep-before-start" in sys.argv:
    time.sleep(float(sys.argv[sys.argv.index("--sleep-before-start") + 1]))
if "--exit-at-start" in sys.argv:
    sys.exit(3)

app = MCPServer("rich", instructions="Rich test server.")

PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


@app.tool(description="Echo the text back.")
def echo(text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)])


@app.tool(description="A one-pixel picture.")
def picture() -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text="a pixel"),
                                   ImageContent(type="image", data=PNG_B64, mime_type="image/png")])


@app.tool(description="Add two integers.")
def add(a: int, b: int) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=str(a + b))], structured_content={"sum": a + b})


@app.tool(description="Always fails.")
def fail(reason: str = "boom") -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=f"failed: {reason}")], is_error=True)


@app.tool(description="Sleep, then answer.")
def slow(seconds: float) -> CallToolResult:
    time.sleep(seconds)
    return CallToolResult(content=[TextContent(type="text", text="done")])


@app.tool(description="Read-only tool.", annotations=ToolAnnotations(read_only_hint=True))
def ro() -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text="ro")])


@app.tool(description="Many lines of text.")
def big(lines: int) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text="\n".join(f"line {i}" for i in range(lines)))])


@app.tool(description="Every kind of content block but images.")
def mixed() -> CallToolResult:
    return CallToolResult(content=[
        TextContent(type="text", text="t"),
        AudioContent(type="audio", data="UklGRg==", mime_type="audio/wav"),
        EmbeddedResource(type="resource", resource=TextResourceContents(uri="mem://e", mime_type="text/plain",
                                                                        text="embedded")),
        ResourceLink(type="resource_link", uri="mem://note", name="note", mime_type="text/plain"),
    ])


@app.resource("mem://note", name="note", mime_type="text/plain", description="A note.")
def note() -> str:
    return "the note text"


@app.resource("mem://item/{id}", name="item", mime_type="text/plain")
def item(id: str) -> str:
    return f"item {id}"


if "--http" in sys.argv:  # not listed over stdio (the reference captures know no such tool)
    @app.tool(description="The Authorization header of the HTTP request.")
    def auth_header(ctx: Context) -> CallToolResult:
        request = getattr(ctx.request_context, "request", None)
        value = request.headers.get("authorization", "<none>") if request is not None else "<no http>"
        return CallToolResult(content=[TextContent(type="text", text=value)])


if __name__ == "__main__":
    if "--http" in sys.argv:
        app.run("streamable-http", port=int(sys.argv[sys.argv.index("--http") + 1]))
    else:
        app.run()
