"""`codex mcp-server`: Codex as an MCP server over stdio (see `server.py`). Imported only when
the command runs."""
