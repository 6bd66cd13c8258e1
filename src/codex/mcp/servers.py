"""`McpServerConfig` (codex-rs config types) as read from config.toml: the raw table of one
`[mcp_servers.NAME]`, normalized the way upstream deserializes it (transport by `command`/`url`,
`startup_timeout_ms` -> seconds, `enabled` defaulting to true)."""

from __future__ import annotations

__all__ = ["ServerConfig", "parse_servers", "format_env_display", "rust_f64", "validate_server_name",
           "InvalidServerName"]


class InvalidServerName(ValueError):
    pass


def validate_server_name(name: str) -> None:
    if not name or not all((c.isascii() and c.isalnum()) or c in "-_" for c in name):
        raise InvalidServerName(f"invalid server name '{name}' (use letters, numbers, '-', '_')")


def rust_f64(value: float) -> str:
    """Rust's `Display` of an f64 (`5` for 5.0, `1.5`)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


class ServerConfig:
    __slots__ = ("transport", "command", "args", "env", "env_vars", "cwd", "url", "bearer_token_env_var",
                 "http_headers", "env_http_headers", "enabled", "required", "environment_id",
                 "supports_parallel_tool_calls", "startup_timeout_sec", "tool_timeout_sec",
                 "default_tools_approval_mode", "enabled_tools", "disabled_tools", "scopes",
                 "oauth_client_id", "oauth_resource", "tools", "disabled_reason")

    def __init__(self, **kw):
        for slot in self.__slots__:
            setattr(self, slot, kw.get(slot))
        if self.args is None:
            self.args = []
        if self.env_vars is None:
            self.env_vars = []
        if self.enabled is None:
            self.enabled = True
        if self.tools is None:
            self.tools = {}

    @classmethod
    def stdio(cls, command: str, args=(), env=None) -> "ServerConfig":
        return cls(transport="stdio", command=command, args=list(args), env=env or None)

    @classmethod
    def http(cls, url: str, bearer_token_env_var=None) -> "ServerConfig":
        return cls(transport="streamable_http", url=url, bearer_token_env_var=bearer_token_env_var)

    @classmethod
    def from_raw(cls, raw: dict) -> "ServerConfig":
        kw: dict = {}
        if "command" in raw:
            kw.update(transport="stdio", command=raw["command"], args=list(raw.get("args") or []),
                      env=dict(raw["env"]) if raw.get("env") is not None else None,
                      env_vars=list(raw.get("env_vars") or []), cwd=raw.get("cwd"))
        else:
            kw.update(transport="streamable_http", url=raw.get("url"),
                      bearer_token_env_var=raw.get("bearer_token_env_var"),
                      http_headers=raw.get("http_headers"), env_http_headers=raw.get("env_http_headers"))
        startup = raw.get("startup_timeout_sec")
        if startup is None and raw.get("startup_timeout_ms") is not None:
            startup = raw["startup_timeout_ms"] / 1000.0
        oauth = raw.get("oauth") if isinstance(raw.get("oauth"), dict) else {}
        kw.update(
            enabled=raw.get("enabled", True), required=bool(raw.get("required", False)),
            environment_id=raw.get("environment_id"),
            supports_parallel_tool_calls=bool(raw.get("supports_parallel_tool_calls", False)),
            startup_timeout_sec=None if startup is None else float(startup),
            tool_timeout_sec=None if raw.get("tool_timeout_sec") is None else float(raw["tool_timeout_sec"]),
            default_tools_approval_mode=raw.get("default_tools_approval_mode"),
            enabled_tools=raw.get("enabled_tools"), disabled_tools=raw.get("disabled_tools"),
            scopes=raw.get("scopes"), oauth_client_id=oauth.get("client_id"),
            oauth_resource=raw.get("oauth_resource"),
            tools=dict(raw.get("tools") or {}),
        )
        return cls(**kw)

    # JSON shapes of `codex mcp list --json` / `get --json`.
    def transport_json(self) -> dict:
        if self.transport == "stdio":
            return {"type": "stdio", "command": self.command, "args": list(self.args),
                    "env": None if self.env is None else dict(sorted(self.env.items())),
                    "env_vars": list(self.env_vars), "cwd": self.cwd}
        return {"type": "streamable_http", "url": self.url, "bearer_token_env_var": self.bearer_token_env_var,
                "http_headers": None if self.http_headers is None else dict(sorted(self.http_headers.items())),
                "env_http_headers": None if self.env_http_headers is None
                else dict(sorted(self.env_http_headers.items()))}

    def status(self) -> str:
        if self.enabled:
            return "enabled"
        if self.disabled_reason:
            return f"disabled: {self.disabled_reason}"
        return "disabled"


def parse_servers(raw) -> dict[str, ServerConfig]:
    """`{name: ServerConfig}` in document order from the raw `mcp_servers` table."""
    if not isinstance(raw, dict):
        return {}
    return {name: ServerConfig.from_raw(cfg) for name, cfg in raw.items() if isinstance(cfg, dict)}


def _env_var_name(entry) -> str:
    if isinstance(entry, dict):
        return str(entry.get("name", ""))
    return str(entry)


def format_env_display(env, env_vars) -> str:
    """`codex_utils_cli::format_env_display`: the values are never shown."""
    parts = []
    if env:
        parts.extend(f"{key}=*****" for key in sorted(env))
    for entry in env_vars or ():
        parts.append(f"{_env_var_name(entry)}=*****")
    return ", ".join(parts) if parts else "-"
