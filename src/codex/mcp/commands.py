"""`codex mcp list|get|add|remove|login|logout` (codex-rs/cli/src/mcp_cmd.rs, 0.136.0 outputs).

Cheap on purpose: nothing here imports the `mcp` SDK (listing servers never connects to them)."""

from __future__ import annotations

import os

from codex._stdio import err as _err, out as _out

__all__ = ["add_cmd", "get_cmd", "list_cmd", "login_cmd", "logout_cmd", "remove_cmd"]

LOAD_CONTEXT = "failed to load configuration"


class _Fail(Exception):
    """A finished error report (already rendered, ends with a newline)."""

    def __init__(self, text: str, code: int = 1):
        super().__init__(text)
        self.text = text
        self.code = code


def _bail(message: str) -> _Fail:
    return _Fail(f"Error: {message}\n")


def _run(fn, invocation) -> int:
    try:
        if invocation.level_value("strict_config"):
            raise _bail("`--strict-config` is not supported for `codex mcp`")
        if fn in (_add, _remove) and invocation.level_value("profile"):
            # `validate_profile_v2_migration`: with `--profile`, the config must load first.
            _load_config(invocation)
        code = fn(invocation)
    except _Fail as exc:
        _err(exc.text)
        return exc.code
    return 0 if code is None else code


def _load_config(invocation):
    from codex.config.errors import ConfigError
    from codex.config.loader import load_config_for
    from codex.config.overrides import OverrideError

    try:
        return load_config_for(invocation, profile=invocation.level_value("profile"))
    except OverrideError as exc:
        raise _bail(str(exc)) from None
    except ConfigError as exc:
        raise _Fail(exc.render(LOAD_CONTEXT)) from None


def _parse_overrides(invocation) -> None:
    from codex.config.overrides import OverrideError, parse_overrides

    try:
        parse_overrides(list(invocation.config_overrides))
    except OverrideError as exc:
        raise _bail(str(exc)) from None


def _configured(config):
    """The configured servers. A `--profile` file's `[mcp_servers]` is not used (as 0.136.0)."""
    from codex.mcp.servers import parse_servers

    raw = config.raw.get("mcp_servers")
    if any(layer.source == "profile" and "mcp_servers" in layer.table for layer in config.layers):
        from codex.config.loader import merge_into
        from codex.config.overrides import apply_overrides

        merged: dict = {}
        for layer in config.layers:
            if layer.source != "profile" and isinstance(layer.table.get("mcp_servers"), dict):
                merge_into(merged, {"mcp_servers": layer.table["mcp_servers"]})
        overrides = [(path, value) for path, value in (config.overrides or ())
                     if str(path).split(".")[0] == "mcp_servers"]
        if overrides:
            apply_overrides(merged, overrides)
        raw = merged.get("mcp_servers")
    return parse_servers(raw)


# ------------------------------------------------------------------------------ list

_AUTH_DISPLAY = {"unsupported": "Unsupported", "not_logged_in": "Not logged in",
                 "bearer_token": "Bearer token", "o_auth": "OAuth"}


def auth_status(cfg, discovered=None, stored: str | None = None) -> str:
    """`compute_auth_statuses`: stdio servers are `unsupported`; an HTTP server with a bearer
    token env var is `bearer_token`; `o_auth` with usable stored OAuth tokens (`stored` =
    "usable"; "error" when the store cannot be read: `unsupported`); else `not_logged_in` when
    OAuth discovery finds an authorization server (`discovered[url]`), `unsupported` when not."""
    if cfg.transport != "streamable_http":
        return "unsupported"
    if cfg.bearer_token_env_var:
        return "bearer_token"
    if stored == "usable":
        return "o_auth"
    if stored == "error":
        return "unsupported"
    if discovered and discovered.get(cfg.url):
        return "not_logged_in"
    return "unsupported"


def _discover(servers) -> dict:
    urls = [cfg.url for cfg in servers if cfg.transport == "streamable_http" and not cfg.bearer_token_env_var
            and cfg.enabled and cfg.url]
    if not urls:
        return {}
    from codex.mcp.oauth import discover_many

    return discover_many(urls)


def _stored_status(config, entries) -> dict:
    """{name: "usable" | "error"} of the HTTP servers with usable stored OAuth tokens (`codex mcp
    login`) or whose token store cannot be read."""
    names: dict = {}
    candidates = [(n, c) for n, c in entries if c.transport == "streamable_http" and not c.bearer_token_env_var
                  and c.url]
    if not candidates:
        return names
    from codex.mcp.oauth import OAuthError, load_oauth_tokens, store_mode, tokens_usable

    for name, cfg in candidates:
        try:
            tokens = load_oauth_tokens(name, cfg.url, store_mode(config), config.codex_home)
        except (OAuthError, OSError):
            names[name] = "error"
            continue
        if tokens_usable(tokens):
            names[name] = "usable"
    return names


def _json(value) -> str:
    import json

    return json.dumps(value, indent=2, ensure_ascii=False)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [len(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells):
        return "  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(cells)) + "\n"

    return line(header) + "".join(line(r) for r in rows)


def _list(invocation) -> int:
    from codex.mcp.servers import format_env_display

    config = _load_config(invocation)
    entries = sorted(_configured(config).items(), key=lambda kv: kv[0])
    stored = _stored_status(config, entries)
    # servers with usable stored tokens (or an unreadable store) are not asked (as the reference)
    discovered = _discover(cfg for name, cfg in entries if name not in stored)
    if invocation.values.get("json"):
        items = []
        for name, cfg in entries:
            items.append({
                "name": name,
                "enabled": cfg.enabled,
                "disabled_reason": cfg.disabled_reason,
                "transport": cfg.transport_json(),
                "startup_timeout_sec": cfg.startup_timeout_sec,
                "tool_timeout_sec": cfg.tool_timeout_sec,
                "auth_status": auth_status(cfg, discovered, stored.get(name)),
            })
        _out(_json(items) + "\n")
        return 0
    if not entries:
        _out("No MCP servers configured yet. Try `codex mcp add my-tool -- my-command`.\n")
        return 0
    stdio_rows, http_rows = [], []
    for name, cfg in entries:
        auth = _AUTH_DISPLAY[auth_status(cfg, discovered, stored.get(name))]
        if cfg.transport == "stdio":
            stdio_rows.append([name, cfg.command or "", " ".join(cfg.args) if cfg.args else "-",
                               format_env_display(cfg.env, cfg.env_vars), cfg.cwd or "-", cfg.status(), auth])
        else:
            http_rows.append([name, cfg.url or "", cfg.bearer_token_env_var or "-", cfg.status(), auth])
    text = ""
    if stdio_rows:
        text += _table(["Name", "Command", "Args", "Env", "Cwd", "Status", "Auth"], stdio_rows)
    if stdio_rows and http_rows:
        text += "\n"
    if http_rows:
        text += _table(["Name", "Url", "Bearer Token Env Var", "Status", "Auth"], http_rows)
    _out(text)
    return 0


# ------------------------------------------------------------------------------ get

def _get(invocation) -> int:
    from codex.mcp.servers import format_env_display, rust_f64

    config = _load_config(invocation)
    name = invocation.values.get("name")
    server = _configured(config).get(name)
    if server is None:
        raise _bail(f"No MCP server named '{name}' found.")
    if invocation.values.get("json"):
        _out(_json({
            "name": name,
            "enabled": server.enabled,
            "disabled_reason": server.disabled_reason,
            "transport": server.transport_json(),
            "enabled_tools": server.enabled_tools,
            "disabled_tools": server.disabled_tools,
            "startup_timeout_sec": server.startup_timeout_sec,
            "tool_timeout_sec": server.tool_timeout_sec,
        }) + "\n")
        return 0
    if not server.enabled:
        if server.disabled_reason:
            _out(f"{name} (disabled: {server.disabled_reason})\n")
        else:
            _out(f"{name} (disabled)\n")
        return 0
    lines = [name, "  enabled: true"]

    def tool_list(tools):
        return "[]" if not tools else ", ".join(tools)

    if server.enabled_tools is not None:
        lines.append(f"  enabled_tools: {tool_list(server.enabled_tools)}")
    if server.disabled_tools is not None:
        lines.append(f"  disabled_tools: {tool_list(server.disabled_tools)}")
    if server.transport == "stdio":
        lines += [
            "  transport: stdio",
            f"  command: {server.command}",
            f"  args: {' '.join(server.args) if server.args else '-'}",
            f"  cwd: {server.cwd or '-'}",
            f"  env: {format_env_display(server.env, server.env_vars)}",
        ]
    else:
        headers = ", ".join(f"{k}=*****" for k in sorted(server.http_headers or {})) or "-"
        env_headers = ", ".join(f"{k}={v}" for k, v in sorted((server.env_http_headers or {}).items())) or "-"
        lines += [
            "  transport: streamable_http",
            f"  url: {server.url}",
            f"  bearer_token_env_var: {server.bearer_token_env_var or '-'}",
            f"  http_headers: {headers}",
            f"  env_http_headers: {env_headers}",
        ]
    if server.startup_timeout_sec is not None:
        lines.append(f"  startup_timeout_sec: {rust_f64(server.startup_timeout_sec)}")
    if server.tool_timeout_sec is not None:
        lines.append(f"  tool_timeout_sec: {rust_f64(server.tool_timeout_sec)}")
    if server.default_tools_approval_mode is not None:
        lines.append(f"  default_tools_approval_mode: {server.default_tools_approval_mode}")
    lines.append(f"  remove: codex mcp remove {name}")
    _out("\n".join(lines) + "\n")
    return 0


# ------------------------------------------------------------------------------ add / remove

def _codex_home() -> str:
    from codex.config.errors import ConfigError
    from codex.config.loader import find_codex_home

    try:
        return find_codex_home()
    except ConfigError as exc:
        from codex.config.errors import render_anyhow

        raise _Fail(render_anyhow("failed to resolve CODEX_HOME", [exc.message])) from None


def _load_global(codex_home: str):
    """(servers, text) of `$CODEX_HOME/config.toml` (`load_global_mcp_servers`)."""
    from codex.config.errors import ConfigError, render_anyhow
    from codex.config.loader import load_toml_file
    from codex.mcp.servers import parse_servers

    path = os.path.join(codex_home, "config.toml")
    try:
        loaded = load_toml_file(path)
    except ConfigError as exc:
        raise _Fail(render_anyhow(f"failed to load MCP servers from {codex_home}", [exc.message] + exc.causes)) from None
    except OSError as exc:
        raise _Fail(render_anyhow(f"failed to load MCP servers from {codex_home}", [str(exc)])) from None
    if loaded is None:
        return {}, ""
    return parse_servers(loaded[0].get("mcp_servers")), loaded[1]


def _write_global(codex_home: str, text: str, servers, changed=()) -> None:
    from codex.config.errors import render_anyhow
    from codex.mcp.config_write import replace_mcp_servers

    path = os.path.join(codex_home, "config.toml")
    new_text = replace_mcp_servers(text, servers, changed)
    try:
        os.makedirs(codex_home, exist_ok=True)
        tmp = f"{path}.tmp.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(new_text)
        os.replace(tmp, path)
    except OSError as exc:
        raise _Fail(render_anyhow(f"failed to write MCP servers to {codex_home}", [str(exc)])) from None


_URL_ONLY = ("bearer_token_env_var", "oauth_client_id", "oauth_resource")
_REQUIRES_URL = (
    "error: the following required argument was not provided: url\n\n"
    "Usage: codex [OPTIONS] [PROMPT]\n       codex [OPTIONS] <COMMAND> [ARGS]\n\n"
    "For more information, try '--help'.\n"
)


def _add(invocation) -> int:
    from codex.mcp.servers import InvalidServerName, ServerConfig, validate_server_name

    values = invocation.values
    if values.get("url") is None and any(values.get(k) is not None for k in _URL_ONLY):
        # clap's `requires = "url"` inside the flattened optional HTTP args: 0.136.0 reports it
        # with the root command's usage.
        raise _Fail(_REQUIRES_URL, 2)
    config = _load_config(invocation)
    name = values.get("name")
    try:
        validate_server_name(name)
    except InvalidServerName as exc:
        raise _bail(str(exc)) from None
    codex_home = _codex_home()
    url = values.get("url")
    # The stdio args (a command or `--env`) win when both transports' args are present.
    if url is not None and not values.get("command") and not values.get("env"):
        entry = ServerConfig.http(url, values.get("bearer_token_env_var"))
        if values.get("oauth_client_id"):
            entry.oauth_client_id = values.get("oauth_client_id")
        if values.get("oauth_resource"):
            entry.oauth_resource = values.get("oauth_resource")
    else:
        command = list(values.get("command") or [])
        if not command:
            raise _bail("command is required")
        env = {}
        for pair in values.get("env") or ():
            key, value = pair if isinstance(pair, tuple) else tuple(str(pair).split("=", 1))
            env[key] = value
        entry = ServerConfig.stdio(command[0], command[1:], env or None)
    servers, text = _load_global(codex_home)
    servers[name] = entry
    _write_global(codex_home, text, servers, changed={name})
    _out(f"Added global MCP server '{name}'.\n")
    if entry.transport == "streamable_http" and not entry.bearer_token_env_var:
        # OAuth discovery (RFC 8414); nothing is printed when the server has none.
        from codex.mcp.oauth import discover_oauth_support

        if discover_oauth_support(entry.url):
            _out("Detected OAuth support. Starting OAuth flow\u2026\n")
            _oauth_flow(config, name, entry, [])
            _out("Successfully logged in.\n")
    return 0


def _remove(invocation) -> int:
    from codex.mcp.servers import InvalidServerName, validate_server_name

    _parse_overrides(invocation)
    name = invocation.values.get("name")
    try:
        validate_server_name(name)
    except InvalidServerName as exc:
        raise _bail(str(exc)) from None
    codex_home = _codex_home()
    servers, text = _load_global(codex_home)
    if name in servers:
        del servers[name]
        _write_global(codex_home, text, servers)
        _out(f"Removed global MCP server '{name}'.\n")
    else:
        _out(f"No MCP server named '{name}' found.\n")
    return 0


# ------------------------------------------------------------------------------ login / logout

def _login(invocation) -> int:
    config = _load_config(invocation)
    name = invocation.values.get("name")
    server = _configured(config).get(name)
    if server is None:
        raise _bail(f"No MCP server named '{name}' found.")
    if server.transport != "streamable_http":
        raise _bail("OAuth login is only supported for streamable HTTP servers.")
    from codex.mcp.oauth import discover_scopes

    scopes = [s for s in (invocation.values.get("scopes") or ()) if s != ""]
    if not scopes and not server.scopes:
        # Without scopes given, the RFC 8414 metadata's `scopes_supported` are asked for first.
        scopes = discover_scopes(server.url, _oauth_headers(server))
    _oauth_flow(config, name, server, scopes)
    _out(f"Successfully logged in to MCP server '{name}'.\n")
    return 0


def _oauth_headers(server) -> dict:
    """The server's `http_headers` and set `env_http_headers`, which the OAuth discovery and
    registration requests carry too."""
    headers = {str(k): str(v) for k, v in (server.http_headers or {}).items()}
    for header, var in (server.env_http_headers or {}).items():
        value = os.environ.get(str(var))
        if value:
            headers[str(header)] = value
    return headers


def _oauth_flow(config, name, server, scopes, discovered=None) -> None:
    """`perform_oauth_login` with the config's store mode, callback port, scopes and resource."""
    from codex.mcp.oauth import OAuthError, perform_oauth_login, store_mode

    port = config.raw.get("mcp_oauth_callback_port")
    try:
        perform_oauth_login(name, server.url, mode=store_mode(config), codex_home=config.codex_home,
                            scopes=scopes, config_scopes=server.scopes, oauth_resource=server.oauth_resource,
                            callback_port=port if isinstance(port, int) else None, discovered=discovered,
                            client_id=server.oauth_client_id, headers=_oauth_headers(server),
                            out=_out, err=_err)
    except OAuthError as exc:
        raise _Fail(exc.render()) from None
    except OSError as exc:
        from codex.config.errors import render_anyhow

        raise _Fail(render_anyhow(str(exc))) from None
    except KeyboardInterrupt:
        # Ctrl-C while waiting for the browser: die by the signal, silently (as the reference)
        import signal

        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        raise


def _logout(invocation) -> int:
    config = _load_config(invocation)
    name = invocation.values.get("name")
    server = _configured(config).get(name)
    if server is None:
        raise _bail(f"No MCP server named '{name}' found in configuration.")
    if server.transport != "streamable_http":
        raise _bail("OAuth logout is only supported for streamable_http transports.")
    from codex.mcp.oauth import delete_oauth_tokens

    try:
        removed = delete_oauth_tokens(config, name, server.url)
    except OSError as exc:
        raise _bail(f"failed to delete OAuth credentials: {exc}") from None
    if removed:
        _out(f"Removed OAuth credentials for '{name}'.\n")
    else:
        _out(f"No OAuth credentials stored for '{name}'.\n")
    return 0


def list_cmd(invocation) -> int:
    return _run(_list, invocation)


def get_cmd(invocation) -> int:
    return _run(_get, invocation)


def add_cmd(invocation) -> int:
    return _run(_add, invocation)


def remove_cmd(invocation) -> int:
    return _run(_remove, invocation)


def login_cmd(invocation) -> int:
    return _run(_login, invocation)


def logout_cmd(invocation) -> int:
    return _run(_logout, invocation)
