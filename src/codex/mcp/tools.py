"""MCP tool metadata, filtering and model-visible names (codex-rs codex-mcp `mcp_tool_names.rs`,
`tools.rs`, `mcp/mod.rs`): raw server/tool names are kept for the protocol calls, while the
`callable_namespace` (`mcp__<server>__`) and `callable_name` are sanitized to `[A-Za-z0-9_]`
and, on collisions or past 64 bytes, suffixed with a hash so every model-visible name is unique.
Pure Python (hashlib only): does not import the `mcp` SDK."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = ["ToolFilter", "ToolInfo", "filter_tools", "qualified_mcp_tool_name_prefix", "qualify_tools",
           "sanitize_responses_api_tool_name", "MAX_TOOL_NAME_LENGTH"]

log = logging.getLogger(__name__)

MCP_TOOL_NAME_PREFIX = "mcp"
MCP_TOOL_NAME_DELIMITER = "__"
MAX_TOOL_NAME_LENGTH = 64
CALLABLE_NAME_HASH_LEN = 12


def sanitize_responses_api_tool_name(name: str) -> str:
    """Every character outside `[A-Za-z0-9_]` becomes `_`; an empty name becomes `_`."""
    out = "".join(c if (c.isascii() and c.isalnum()) or c == "_" else "_" for c in name)
    return out or "_"


def qualified_mcp_tool_name_prefix(server_name: str) -> str:
    return sanitize_responses_api_tool_name(
        f"{MCP_TOOL_NAME_PREFIX}{MCP_TOOL_NAME_DELIMITER}{server_name}{MCP_TOOL_NAME_DELIMITER}")


@dataclass
class ToolInfo:
    """One tool of one server. `tool` is the raw MCP tool (an `mcp.types.Tool` or a dict with
    at least `name`); `callable_namespace` / `callable_name` are what the model sees."""

    server_name: str
    callable_name: str
    callable_namespace: str
    tool: Any
    supports_parallel_tool_calls: bool = False
    server_origin: str | None = None
    namespace_description: str | None = None
    connector_id: str | None = None
    connector_name: str | None = None
    plugin_display_names: list = field(default_factory=list)

    @classmethod
    def for_server_tool(cls, server_name: str, tool: Any, **kw) -> "ToolInfo":
        name = tool_raw_name(tool)
        return cls(server_name=server_name, callable_name=name,
                   callable_namespace=f"{MCP_TOOL_NAME_PREFIX}{MCP_TOOL_NAME_DELIMITER}{server_name}"
                                      f"{MCP_TOOL_NAME_DELIMITER}", tool=tool, **kw)

    @property
    def raw_tool_name(self) -> str:
        return tool_raw_name(self.tool)

    def canonical_tool_name(self) -> str:
        return f"{self.callable_namespace}{self.callable_name}"


def tool_raw_name(tool: Any) -> str:
    return tool["name"] if isinstance(tool, dict) else tool.name


def _sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _hash_suffix(raw_identity: str) -> str:
    return "_" + _sha1_hex(raw_identity)[:CALLABLE_NAME_HASH_LEN]


def _append_namespace_hash_suffix(namespace: str, raw_identity: str) -> str:
    if namespace.endswith(MCP_TOOL_NAME_DELIMITER):
        return namespace[:-len(MCP_TOOL_NAME_DELIMITER)] + _hash_suffix(raw_identity) + MCP_TOOL_NAME_DELIMITER
    return namespace + _hash_suffix(raw_identity)


def _fit_with_hash(namespace: str, tool_name: str, raw_identity: str) -> tuple[str, str]:
    suffix = _hash_suffix(raw_identity)
    max_tool_len = max(0, MAX_TOOL_NAME_LENGTH - len(namespace))
    if max_tool_len >= len(suffix):
        return namespace, tool_name[:max_tool_len - len(suffix)] + suffix
    return namespace[:MAX_TOOL_NAME_LENGTH - len(suffix)], suffix


def _unique_parts(namespace: str, tool_name: str, raw_identity: str, used: set) -> tuple[str, str]:
    display = namespace + tool_name
    if len(display.encode("utf-8")) <= MAX_TOOL_NAME_LENGTH and display not in used:
        used.add(display)
        return namespace, tool_name
    attempt = 0
    while True:
        hash_input = raw_identity if attempt == 0 else f"{raw_identity}\0{attempt}"
        ns, name = _fit_with_hash(namespace, tool_name, hash_input)
        if ns + name not in used:
            used.add(ns + name)
            return ns, name
        attempt += 1


def qualify_tools(tools: Iterable[ToolInfo]) -> dict[str, ToolInfo]:
    """`{model-visible name: ToolInfo}`; exact duplicates (same server, namespace, name) are
    skipped. The ToolInfo objects get their final callable namespace/name."""
    seen_raw: set[str] = set()
    candidates = []
    for tool in tools:
        ns_identity = f"{tool.server_name}\0{tool.callable_namespace}\0{tool.connector_id or ''}"
        tool_identity = f"{ns_identity}\0{tool.callable_name}\0{tool.raw_tool_name}"
        if tool_identity in seen_raw:
            log.warning("skipping duplicated tool %s", tool.raw_tool_name)
            continue
        seen_raw.add(tool_identity)
        candidates.append([tool, ns_identity, tool_identity,
                           sanitize_responses_api_tool_name(tool.callable_namespace),
                           sanitize_responses_api_tool_name(tool.callable_name)])

    by_ns: dict[str, set] = {}
    for c in candidates:
        by_ns.setdefault(c[3], set()).add(c[1])
    for c in candidates:
        if len(by_ns[c[3]]) > 1:
            c[3] = _append_namespace_hash_suffix(c[3], c[1])
    by_tool: dict[tuple, set] = {}
    for c in candidates:
        by_tool.setdefault((c[3], c[4]), set()).add(c[2])
    for c in candidates:
        if len(by_tool[(c[3], c[4])]) > 1:
            c[4] = c[4] + _hash_suffix(c[2])

    candidates.sort(key=lambda c: c[2].encode("utf-8"))
    used: set[str] = set()
    out: dict[str, ToolInfo] = {}
    for tool, _ns_id, tool_identity, namespace, name in candidates:
        tool.callable_namespace, tool.callable_name = _unique_parts(namespace, name, tool_identity, used)
        out[tool.canonical_tool_name()] = tool
    return out


class ToolFilter:
    """`enabled_tools` (an allow list when set) then `disabled_tools` (a deny list)."""

    __slots__ = ("enabled", "disabled")

    def __init__(self, enabled=None, disabled=()):
        self.enabled = None if enabled is None else set(enabled)
        self.disabled = set(disabled or ())

    @classmethod
    def from_config(cls, cfg) -> "ToolFilter":
        return cls(cfg.enabled_tools, cfg.disabled_tools or ())

    def allows(self, tool_name: str) -> bool:
        if self.enabled is not None and tool_name not in self.enabled:
            return False
        return tool_name not in self.disabled


def filter_tools(tools: Iterable[ToolInfo], tool_filter: ToolFilter) -> list[ToolInfo]:
    return [t for t in tools if tool_filter.allows(t.raw_tool_name)]
