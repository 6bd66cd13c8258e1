"""A stdio MCP server whose tools ask the client (MCP elicitation) before answering."""

from pydantic import BaseModel

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations

app = MCPServer("elicit")


class Name(BaseModel):
    name: str


class Nothing(BaseModel):
    pass


@app.tool(description="Ask for a name.", annotations=ToolAnnotations(read_only_hint=True))
async def ask_name(ctx: Context) -> CallToolResult:
    result = await ctx.elicit("What is your name?", Name)
    data = result.data.name if getattr(result, "data", None) is not None else None
    return CallToolResult(content=[TextContent(type="text", text=f"{result.action}:{data}")])


@app.tool(description="Ask for a confirmation (no fields).", annotations=ToolAnnotations(read_only_hint=True))
async def confirm(ctx: Context) -> CallToolResult:
    result = await ctx.elicit("Proceed?", Nothing)
    return CallToolResult(content=[TextContent(type="text", text=str(result.action))])


if __name__ == "__main__":
    app.run()
