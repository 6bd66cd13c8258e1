"""`ConfigEditsBuilder::replace_mcp_servers` (codex-rs core config/edit.rs) on config.toml text.

Upstream replaces the document's `mcp_servers` item with a fresh implicit table holding every
server (toml_edit): the `[mcp_servers.*]` tables (with the comments inside them) disappear from
where they were and the new block is rendered, in the servers' order, where toml_edit's encoder
puts tables without a position: right after the table visited before `mcp_servers` in the root's
key order (the end of the document for a new `mcp_servers`). Everything else keeps its bytes.
This works on the text: the file is cut into the root part and one segment per table header,
each header owning the comments and blank lines right above it (toml_edit's decor)."""

from __future__ import annotations

import math
import re

from codex.mcp.servers import ServerConfig

__all__ = ["replace_mcp_servers", "render_servers"]

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


# ------------------------------------------------------------------------------ rendering

def _key(name: str) -> str:
    return name if _BARE.match(name) else _string(name)


def _is_control(c: str) -> bool:
    return ord(c) < 0x20 or c == "\x7f"


def _escape_basic(value: str, multiline: bool) -> str:
    out = []
    for c in value:
        if c == "\\":
            out.append("\\\\")
        elif c == "\"" and not multiline:
            out.append("\\\"")
        elif c == "\n":
            out.append("\n" if multiline else "\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif c == "\b":
            out.append("\\b")
        elif c == "\f":
            out.append("\\f")
        elif _is_control(c):
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    text = "".join(out)
    if multiline:
        text = text.replace('"""', '""\\"')
    return text


def _string(value: str) -> str:
    """toml_edit's (toml_writer's) default string repr: the first of a basic string without
    escapes, a literal string, a multi-line basic string without escapes, a multi-line literal
    string; else an escaped basic (multi-line when the value has newlines) string."""
    newline = "\n" in value
    controls = any(_is_control(c) and c != "\n" for c in value)
    if not newline and not controls and '"' not in value and "\\" not in value:
        return f'"{value}"'
    if not newline and not controls and "'" not in value:
        return f"'{value}'"
    lead = "\n" if newline else ""
    if not controls and "\\" not in value and '"""' not in value and not value.endswith('"'):
        return f'"""{lead}{value}"""'
    if not controls and "\'\'\'" not in value and not value.endswith("'"):
        return f"\'\'\'{lead}{value}\'\'\'"
    if newline:
        return f'"""\n{_escape_basic(value, True)}"""'
    return f'"{_escape_basic(value, False)}"'


def _float(value: float) -> str:
    value = float(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if math.isnan(value):
        return "nan"
    text = repr(value)
    if "e" in text or "E" in text:
        mantissa, _, exp = text.partition("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}e{int(exp)}"
    return text


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return _string(str(value))


def _server_tables(name: str, cfg: ServerConfig) -> list[tuple[str, list[str]]]:
    """[(header path text, body lines)] of one server: its table, then its sub-tables."""
    base = f"mcp_servers.{_key(name)}"
    kvs: list[str] = []
    subs: list[tuple[str, list[str]]] = []

    def pairs_table(sub: str, mapping):
        if mapping:
            subs.append((f"{base}.{sub}", [f"{_key(k)} = {_value(str(v))}" for k, v in sorted(mapping.items())]))

    if cfg.transport == "stdio":
        kvs.append(f"command = {_value(cfg.command or '')}")
        if cfg.args:
            kvs.append(f"args = {_value([str(a) for a in cfg.args])}")
        pairs_table("env", cfg.env)
        if cfg.env_vars:
            items = []
            for entry in cfg.env_vars:
                if isinstance(entry, dict):
                    inline = {"name": entry.get("name", "")}
                    if entry.get("source") is not None:
                        inline["source"] = entry["source"]
                    items.append(inline)
                else:
                    items.append(str(entry))
            kvs.append(f"env_vars = {_value(items)}")
        if cfg.cwd is not None:
            kvs.append(f"cwd = {_value(str(cfg.cwd))}")
    else:
        kvs.append(f"url = {_value(cfg.url or '')}")
        if cfg.bearer_token_env_var is not None:
            kvs.append(f"bearer_token_env_var = {_value(cfg.bearer_token_env_var)}")
        pairs_table("http_headers", cfg.http_headers)
        pairs_table("env_http_headers", cfg.env_http_headers)
    if not cfg.enabled:
        kvs.append("enabled = false")
    if cfg.environment_id is not None and cfg.environment_id != "local":
        kvs.append(f"environment_id = {_value(cfg.environment_id)}")
    if cfg.required:
        kvs.append("required = true")
    if cfg.supports_parallel_tool_calls:
        kvs.append("supports_parallel_tool_calls = true")
    if cfg.startup_timeout_sec is not None:
        kvs.append(f"startup_timeout_sec = {_float(cfg.startup_timeout_sec)}")
    if cfg.tool_timeout_sec is not None:
        kvs.append(f"tool_timeout_sec = {_float(cfg.tool_timeout_sec)}")
    if cfg.default_tools_approval_mode is not None:
        kvs.append(f"default_tools_approval_mode = {_value(cfg.default_tools_approval_mode)}")
    for key in ("enabled_tools", "disabled_tools", "scopes"):
        tools = getattr(cfg, key)
        if tools:
            kvs.append(f"{key} = {_value([str(t) for t in tools])}")
    if cfg.oauth_client_id:
        subs.append((f"{base}.oauth", [f"client_id = {_value(cfg.oauth_client_id)}"]))
    if cfg.oauth_resource:
        kvs.append(f"oauth_resource = {_value(cfg.oauth_resource)}")
    for tool, tool_cfg in sorted((cfg.tools or {}).items()):
        lines = []
        if isinstance(tool_cfg, dict) and tool_cfg.get("approval_mode") is not None:
            lines.append(f"approval_mode = {_value(tool_cfg['approval_mode'])}")
        subs.append((f"{base}.tools.{_key(tool)}", lines))
    return [(base, kvs)] + subs


def render_servers(servers: dict[str, ServerConfig], first: bool) -> str:
    """The `[mcp_servers.*]` block; `first`: nothing visible precedes it (no blank line before
    its first header, as toml_edit renders the document's first table)."""
    out = []
    for name, cfg in servers.items():
        for header, lines in _server_tables(name, cfg):
            out.append(("" if first else "\n") + f"[{header}]\n" + "".join(line + "\n" for line in lines))
            first = False
    return "".join(out)


# ------------------------------------------------------------------------------ the document

def _scan_value_state(line: str, state):
    """Track multi-line strings and bracket depth across lines. `state`: (depth, open string
    delimiter or None). Returns the new state."""
    depth, string = state
    i, n = 0, len(line)
    while i < n:
        if string is not None:
            if string in ('"""', "'''"):
                j = line.find(string, i)
                if j < 0:
                    return depth, string
                if string == '"""':
                    k = j - 1
                    backslashes = 0
                    while k >= i and line[k] == "\\":
                        backslashes += 1
                        k -= 1
                    if backslashes % 2:
                        i = j + 1
                        continue
                i = j + 3
                while i < n and line[i] == string[0]:
                    i += 1
                string = None
                continue
            c = line[i]
            if string == '"' and c == "\\":
                i += 2
                continue
            if c == string:
                string = None
            i += 1
            continue
        c = line[i]
        if c == "#":
            break
        if line.startswith('"""', i) or line.startswith("'''", i):
            string = line[i:i + 3]
            i += 3
            continue
        if c in "\"'":
            string = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        i += 1
    if string in ('"', "'"):
        string = None  # single-line strings cannot span lines
    return depth, string


def _parse_header(line: str) -> tuple[list[str], bool] | None:
    text = line.strip()
    aot = text.startswith("[[")
    inner_start = 2 if aot else 1
    keys: list[str] = []
    i = inner_start
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t.":
            i += 1
            continue
        if c == "]":
            return keys, aot
        if c == '"':
            j = i + 1
            buf = []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    esc = text[j + 1]
                    buf.append({"n": "\n", "t": "\t", "\\": "\\", '"': '"'}.get(esc, esc))
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            keys.append("".join(buf))
            i = j + 1
            continue
        if c == "'":
            j = text.find("'", i + 1)
            if j < 0:
                return None
            keys.append(text[i + 1:j])
            i = j + 1
            continue
        j = i
        while j < n and text[j] not in " \t.]":
            j += 1
        keys.append(text[i:j])
        i = j
    return None


class _Segment:
    __slots__ = ("path", "prefix", "body", "position")

    def __init__(self, path, prefix, body, position):
        self.path = path          # key path of the header ([] for the root part)
        self.prefix = prefix      # comment/blank lines above the header
        self.body = body          # header line + its key/value lines
        self.position = position


def _segments(text: str) -> tuple[list[_Segment], list[str]]:
    """(segments, trailing comment/blank lines of the document)."""
    lines = text.splitlines(keepends=True)
    segments = [_Segment([], [], [], 0)]
    pending: list[str] = []
    state = (0, None)
    for line in lines:
        stripped = line.strip()
        if state == (0, None) and stripped.startswith("["):
            parsed = _parse_header(stripped)
            if parsed is not None:
                segments.append(_Segment(parsed[0], pending, [line], len(segments)))
                pending = []
                continue
        if state == (0, None) and (not stripped or stripped.startswith("#")):
            pending.append(line)
            continue
        current = segments[-1]
        current.body.extend(pending)
        pending = []
        current.body.append(line)
        state = _scan_value_state(line, state)
    if len(segments) == 1:
        # Only root: its trailing comments stay with it.
        segments[0].body.extend(pending)
        pending = []
    return segments, pending


def _root_has_key(seg: _Segment, key: str) -> bool:
    pat = re.compile(r"^\s*(?:" + re.escape(key) + r"|\"" + re.escape(key) + r"\"|'" + re.escape(key) + r"')\s*[.=]")
    return any(pat.match(line) for line in seg.body)


def _has_kv(lines: list[str]) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in lines)


def _server_inline(cfg: ServerConfig) -> str:
    """The server as an inline table (upstream `serialize_mcp_server_inline`)."""
    tables = _server_tables("x", cfg)
    parts = list(tables[0][1])
    nested: dict[str, list[str]] = {}
    for header, lines in tables[1:]:
        rel = header.split(".", 2)[2]  # after `mcp_servers.x.`
        top, _, sub = rel.partition(".")
        if sub:
            nested.setdefault(top, []).append(f"{sub} = {{ {', '.join(lines)} }}" if lines else f"{sub} = {{}}")
        else:
            parts.append(f"{top} = {{ {', '.join(lines)} }}" if lines else f"{top} = {{}}")
    for top, items in nested.items():
        parts.append(f"{top} = {{ {', '.join(items)} }}")
    return "{ " + ", ".join(parts) + " }" if parts else "{}"


def _kv_key(line: str) -> str | None:
    """The first key of a `key = value` line (None for a dotted key)."""
    text = line.strip()
    m = re.match(r'^(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|\'([^\']*)\')\s*=', text)
    if not m:
        return None
    return next(g for g in m.groups() if g is not None)


def _root_inline_servers(lines: list[str]) -> tuple[str, dict] | None:
    """(raw key text, servers table) of a root `mcp_servers = { ... }` line, else None."""
    for line in lines:
        if _kv_key(line) == "mcp_servers":
            from codex.config.loader import parse_toml

            raw_key = line.split("=", 1)[0].lstrip()
            try:
                table = parse_toml(line, "<inline>").get("mcp_servers")
            except Exception:  # noqa: BLE001 - a multi-line value: not kept inline
                return None
            return raw_key, table if isinstance(table, dict) else {}
    return None


def replace_mcp_servers(text: str, servers: dict[str, ServerConfig], changed=()) -> str:
    """The new config.toml text with `[mcp_servers]` replaced by `servers` (removed when empty).
    `changed`: names whose entry was just (re)written (an existing inline entry is re-rendered)."""
    segments, trailing = _segments(text)
    root = segments[0]
    tables = segments[1:]
    kept = [seg for seg in tables if seg.path[:1] != ["mcp_servers"]]
    explicit = next((seg for seg in tables if seg.path == ["mcp_servers"]), None)
    head: list[str] | None = None       # `[mcp_servers]` header + inline entries, kept or made
    head_prefix: list[str] = []
    inline: dict[str, str] = {}         # server name -> its inline entry line
    root_key = bool(root.body) and _root_has_key(root, "mcp_servers")
    if root_key:
        converted = _root_inline_servers(root.body)
        # `mcp_servers = {...}` / dotted keys in the root: dropped with the lines they span.
        root.body = _drop_root_key(root.body, "mcp_servers")
        if converted is not None:
            # toml_edit turns the inline table into a table keeping the key's text.
            raw_key, table = converted
            head = [f"[{raw_key}]\n"]
            for name in table:
                if name in servers:
                    inline[name] = f"{_key(name)} = {_server_inline(servers[name])}\n"
    elif explicit is not None:
        head = [explicit.body[0]]
        head_prefix = explicit.prefix
        decor: list[str] = []  # blank/comment lines above an entry belong to it (toml_edit's decor)
        for line in explicit.body[1:]:
            if not line.strip() or line.strip().startswith("#"):
                decor.append(line)
                continue
            name = _kv_key(line)
            if name is not None and name in servers:
                entry = line if name not in changed and line.endswith("\n") else \
                    f"{_key(name)} = {_server_inline(servers[name])}\n"
                inline[name] = "".join(decor) + entry
            decor = []
    table_servers = {name: cfg for name, cfg in servers.items() if name not in inline}

    insert_after = None
    if servers:
        if root_key:
            insert_after = 0
        elif explicit is not None:
            insert_after = explicit.position
            kept = sorted(kept + [explicit], key=lambda seg: seg.position)
        else:
            # The root's key order (first appearance of each top-level key among the headers);
            # tables are visited depth-first in that order and the new block takes the position
            # of the table visited last before `mcp_servers`.
            order: list[str] = []
            for seg in tables:
                if seg.path and seg.path[0] not in order:
                    order.append(seg.path[0])
            if "mcp_servers" not in order:
                order.append("mcp_servers")
            visited = []
            for top in order:
                if top == "mcp_servers":
                    break
                visited.extend(_dfs(kept, top))
            insert_after = max((seg.position for seg in visited[-1:]), default=0)

    out: list[str] = []
    out.extend(root.body)
    visible = _has_kv(root.body)

    def emit_block(with_head: bool):
        nonlocal visible
        if with_head and head is not None:
            out.append(("" if not visible else "\n") + head[0])
            visible = True
        out.extend(line for key, line in inline.items())
        out.append(render_servers(table_servers, first=not visible))
        visible = True

    if servers and insert_after == 0:
        emit_block(with_head=True)
    for seg in kept:
        if seg is explicit:
            out.extend(head_prefix)
            out.append(head[0])
            visible = True
            emit_block(with_head=False)
            continue
        out.extend(seg.prefix)
        out.extend(seg.body)
        visible = True
        if servers and seg.position == insert_after:
            emit_block(with_head=True)
    out.extend(trailing)
    return "".join(out)


def _dfs(kept: list[_Segment], top: str) -> list[_Segment]:
    """The kept tables under `top` in toml_edit's visiting order (children in first-appearance
    order, each followed by its own descendants)."""
    members = [s for s in kept if s.path[:1] == [top]]
    result: list[_Segment] = []

    def visit(prefix: list[str]):
        for s in members:
            if s.path == prefix:
                result.append(s)
        children: list[str] = []
        for s in members:
            if len(s.path) > len(prefix) and s.path[:len(prefix)] == prefix and s.path[len(prefix)] not in children:
                children.append(s.path[len(prefix)])
        for child in children:
            visit(prefix + [child])

    visit([top])
    return result


def _drop_root_key(lines: list[str], key: str) -> list[str]:
    pat = re.compile(r"^\s*(?:" + re.escape(key) + r"|\"" + re.escape(key) + r"\"|'" + re.escape(key) + r"')\s*[.=]")
    out = []
    state = (0, None)
    skipping = False
    for line in lines:
        if skipping:
            state = _scan_value_state(line, state)
            if state == (0, None):
                skipping = False
            continue
        if state == (0, None) and pat.match(line):
            state = _scan_value_state(line, (0, None))
            skipping = state != (0, None)
            continue
        out.append(line)
        state = _scan_value_state(line, state)
    return out
