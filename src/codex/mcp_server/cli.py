"""`codex mcp-server` (upstream codex-rs/mcp-server/src/lib.rs `run_main`): load the config
(an error ends the command with `Error: error loading config: ...`), then serve MCP over
stdio until stdin closes."""
from __future__ import annotations

from codex._stdio import err as _err


def mcp_server_cmd(invocation) -> int:
    import asyncio

    from codex.config.errors import ConfigError
    from codex.config.features import UnknownFeatureError
    from codex.config.loader import load_config_for
    from codex.config.overrides import OverrideError

    values = invocation.values
    try:
        config = load_config_for(invocation, strict=bool(invocation.level_value("strict_config")))
    except UnknownFeatureError as exc:
        _err(f"Error: {exc}\n")
        return 1
    except OverrideError as exc:
        _err(f"Error: {exc}\n")
        return 1
    except ConfigError as exc:
        _err(f"Error: error loading config: {exc}\n")
        return 1
    from codex import _tracing
    _tracing.install()

    from .server import McpServer, serve_stdio

    server = McpServer(cli_overrides=invocation.config_overrides, enable=values.get("enable") or (),
                       disable=values.get("disable") or (), codex_home=config.codex_home)
    try:
        asyncio.run(serve_stdio(server))
    except KeyboardInterrupt:
        return 0
    return 0
