"""MCP: the `codex mcp` commands (`commands`), the config.toml writer for `[mcp_servers]`
(`config_write`), the server config model (`servers`). Importing this package imports nothing;
only the client side (connecting to servers) imports the `mcp` SDK."""
