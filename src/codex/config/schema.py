"""The shape of `config.toml` (`ConfigToml`) and serde's complaints about values that do not fit.

Which keys exist comes from upstream's codex-rs/core/config.schema.json, through the generated
`_config_keys` module (scripts/gen_config_keys.py; differences of 0.136.0 from that schema were
probed on the binary and are listed in tests/config/test_schema_oracle.py). The specs below add
the Rust types' names where serde prints them (`expected struct History`, `expected usize`).
Values whose inside the reimplementation does not interpret are `ANY`; tables in which 0.136.0's
`--strict-config` rejects unknown fields are strict structs of the schema's keys.

`validate(tree, from_override)` returns the first `SchemaError` in document order (or None);
`unknown_fields(tree)` lists the dotted paths `--strict-config` rejects.
"""

from __future__ import annotations

from . import _config_keys

__all__ = ["CONFIG_TOML", "SchemaError", "unknown_fields", "validate"]


class Spec:
    __slots__ = ()


class _Any(Spec):
    pass


class Scalar(Spec):
    """A string, boolean or number; `expected` is serde's word for the Rust type."""

    __slots__ = ("kind", "expected")

    def __init__(self, kind: str, expected: str):
        self.kind = kind
        self.expected = expected


class Enum(Spec):
    """A serde enum of unit variants (kebab/snake case strings); `tables` maps the variants that
    carry a table (e.g. `granular`) to the type serde names when they get something else."""

    __slots__ = ("variants", "tables")

    def __init__(self, *variants: str, tables: dict[str, str] | None = None):
        self.variants = variants
        self.tables = tables or {}


class WireApi(Enum):
    """`WireApi`: `responses` only; `chat`, removed, is refused with upstream's own message."""

    __slots__ = ()

    def __init__(self):
        super().__init__("responses")


class Notifications(Spec):
    """`Notifications`, an untagged enum: a boolean or a list of strings. serde's error for
    anything else names no variant and (untagged) is reported in the enclosing table."""


class Seq(Spec):
    __slots__ = ("item",)

    def __init__(self, item: Spec):
        self.item = item


class Map(Spec):
    """A map; `check(map, path)` validates the whole map once its entries deserialized."""

    __slots__ = ("value", "check")

    def __init__(self, value: Spec, check=None):
        self.value = value
        self.check = check


class Struct(Spec):
    """A struct; `strict`: unknown fields are an error under `--strict-config`."""

    __slots__ = ("name", "fields", "strict", "prefixes", "check")

    def __init__(self, name: str, fields: dict[str, Spec], strict: bool = True, prefixes: tuple[str, ...] = (),
                 check=None):
        self.name = name
        self.fields = fields
        self.strict = strict
        self.prefixes = prefixes
        self.check = check

    def field(self, key: str) -> Spec | None:
        spec = self.fields.get(key)
        if spec is None and any(key.startswith(p) for p in self.prefixes):
            return ANY
        return spec


class FeaturesSpec(Spec):
    """`[features]`: `FeaturesToml`, a struct with a flattened map of booleans (so a bad value is
    reported `in \\`features\\``). 0.136.0 takes no config tables there."""


ANY = _Any()
STR = Scalar("str", "a string")
BOOL = Scalar("bool", "a boolean")
USIZE = Scalar("uint", "usize")
U64 = Scalar("uint", "u64")
U16 = Scalar("u16", "u16")
I64 = Scalar("int", "i64")
F64 = Scalar("float", "f64")
STRS = Seq(STR)

REASONING_EFFORT = Enum("none", "minimal", "low", "medium", "high", "xhigh")
REASONING_SUMMARY = Enum("auto", "concise", "detailed", "none")
VERBOSITY = Enum("low", "medium", "high")
SANDBOX_MODE = Enum("read-only", "workspace-write", "danger-full-access")
ASK_FOR_APPROVAL = Enum("untrusted", "on-failure", "on-request", "granular", "never", tables={"granular": "struct GranularApprovalConfig"})
APPROVALS_REVIEWER = Enum("user", "auto_review", "guardian_subagent")
WEB_SEARCH = Enum("disabled", "cached", "live")

MODEL_PROVIDER = Struct(
    "ModelProviderInfo",
    {
        "name": STR,
        "base_url": STR,
        "env_key": STR,
        "env_key_instructions": STR,
        "experimental_bearer_token": STR,
        "wire_api": WireApi(),
        "query_params": Map(STR),
        "http_headers": Map(STR),
        "env_http_headers": Map(STR),
        "request_max_retries": U64,
        "stream_max_retries": U64,
        "stream_idle_timeout_ms": U64,
        "websocket_connect_timeout_ms": U64,
        "requires_openai_auth": BOOL,
        "supports_websockets": BOOL,
        "auth": ANY,
        "aws": ANY,
    },
)

# `RawMcpServerConfig` -> transport: `command` makes it stdio, else `url` streamable HTTP; the
# other transport's fields are refused (first one present, in this order).
_STDIO_ONLY = ("args", "env", "env_vars", "cwd", "bearer_token")
_HTTP_ONLY = ("url", "bearer_token_env_var", "bearer_token", "http_headers", "env_http_headers")


def _check_mcp_server(value: dict, path: tuple):
    if "command" in value:
        for key in _HTTP_ONLY:
            if key in value:
                return SchemaError(f"{key} is not supported for stdio", path, path)
        return None
    if "url" in value:
        for key in _STDIO_ONLY:
            if key in value:
                return SchemaError(f"{key} is not supported for streamable_http", path, path)
        return None
    return SchemaError("invalid transport", path, path)


def _check_model_providers(value: dict, path: tuple):
    for name, provider in value.items():
        if isinstance(provider, dict) and not provider.get("name"):
            return SchemaError(f"model_providers.{name}: provider name must not be empty", path, path)
    return None


MCP_SERVER = Struct(
    "RawMcpServerConfig",
    {
        "command": STR,
        "args": STRS,
        "env": Map(STR),
        "env_vars": ANY,
        "cwd": STR,
        "url": STR,
        "bearer_token_env_var": STR,
        "bearer_token": STR,
        "http_headers": Map(STR),
        "env_http_headers": Map(STR),
        "startup_timeout_sec": F64,
        "startup_timeout_ms": U64,
        "tool_timeout_sec": F64,
        "enabled": BOOL,
        "required": BOOL,
        "enabled_tools": STRS,
        "disabled_tools": STRS,
        "scopes": STRS,
        "oauth": ANY,
        "oauth_resource": STR,
        "tools": ANY,
        "default_tools_approval_mode": ANY,
        "supports_parallel_tool_calls": BOOL,
        "environment_id": STR,
        "name": STR,
    },
    check=_check_mcp_server,
)

CONFIG_PROFILE = Struct(
    "ConfigProfile",
    {
        "model": STR,
        "model_provider": STR,
        "approval_policy": ASK_FOR_APPROVAL,
        "approvals_reviewer": APPROVALS_REVIEWER,
        "sandbox_mode": SANDBOX_MODE,
        "model_reasoning_effort": REASONING_EFFORT,
        "plan_mode_reasoning_effort": REASONING_EFFORT,
        "model_reasoning_summary": REASONING_SUMMARY,
        "model_verbosity": VERBOSITY,
        "personality": ANY,
        "service_tier": ANY,
        "chatgpt_base_url": STR,
        "experimental_compact_prompt_file": STR,
        "experimental_use_unified_exec_tool": BOOL,
        "model_catalog_json": STR,
        "model_instructions_file": STR,
        "include_apps_instructions": BOOL,
        "include_collaboration_mode_instructions": BOOL,
        "include_environment_context": BOOL,
        "include_permissions_instructions": BOOL,
        "oss_provider": STR,
        "tools": ANY,
        "web_search": WEB_SEARCH,
        "features": FeaturesSpec(),
        "windows": ANY,
        "tui": ANY,
        "analytics": ANY,
    },
)

CONFIG_TOML = Struct(
    "ConfigToml",
    {
        "agents": ANY,
        "allow_login_shell": BOOL,
        "analytics": Struct("AnalyticsConfigToml", {"enabled": BOOL}),
        "approval_policy": ASK_FOR_APPROVAL,
        "approvals_reviewer": APPROVALS_REVIEWER,
        "apps": ANY,
        "apps_mcp_product_sku": STR,
        "audio": ANY,
        "auto_review": ANY,
        "background_terminal_max_timeout": U64,
        "chatgpt_base_url": STR,
        "check_for_update_on_startup": BOOL,
        "cli_auth_credentials_store": Enum("file", "keyring", "auto", "ephemeral"),
        "compact_prompt": STR,
        "debug": ANY,
        "default_permissions": STR,
        "desktop": ANY,
        "developer_instructions": STR,
        "disable_paste_burst": BOOL,
        "experimental_compact_prompt_file": STR,
        "experimental_thread_config_endpoint": STR,
        "experimental_thread_store": ANY,
        "experimental_use_unified_exec_tool": BOOL,
        "features": FeaturesSpec(),
        "feedback": ANY,
        "file_opener": Enum("vscode", "vscode-insiders", "windsurf", "cursor", "none"),
        "forced_chatgpt_workspace_id": ANY,
        "forced_login_method": Enum("chatgpt", "api"),
        "ghost_snapshot": ANY,
        "hide_agent_reasoning": BOOL,
        "history": Struct("History", {"persistence": Enum("save-all", "none"), "max_bytes": USIZE}),
        "hooks": ANY,
        "include_apps_instructions": BOOL,
        "include_collaboration_mode_instructions": BOOL,
        "include_environment_context": BOOL,
        "include_permissions_instructions": BOOL,
        "instructions": STR,
        "log_dir": STR,
        "marketplaces": ANY,
        "mcp_oauth_callback_port": U16,
        "mcp_oauth_callback_url": STR,
        "mcp_oauth_credentials_store": Enum("auto", "file", "keyring"),
        "mcp_servers": Map(MCP_SERVER),
        "memories": ANY,
        "model": STR,
        "model_auto_compact_token_limit": I64,
        "model_auto_compact_token_limit_scope": Enum("total", "body_after_prefix"),
        "model_catalog_json": STR,
        "model_context_window": I64,
        "model_instructions_file": STR,
        "model_provider": STR,
        "model_providers": Map(MODEL_PROVIDER, check=_check_model_providers),
        "model_reasoning_effort": REASONING_EFFORT,
        "model_reasoning_summary": REASONING_SUMMARY,
        "model_supports_reasoning_summaries": BOOL,
        "model_verbosity": VERBOSITY,
        "notice": ANY,
        "notify": STRS,
        "openai_base_url": STR,
        "oss_provider": STR,
        "otel": Struct(
            "OtelConfigToml",
            {
                "environment": STR,
                "exporter": ANY,
                "trace_exporter": ANY,
                "metrics_exporter": ANY,
                "log_user_prompt": BOOL,
                "span_attributes": ANY,
                "tracestate": ANY,
            },
        ),
        "permissions": ANY,
        "personality": ANY,
        "plan_mode_reasoning_effort": REASONING_EFFORT,
        "plugins": ANY,
        "profile": STR,
        "profiles": Map(CONFIG_PROFILE),
        "project_doc_fallback_filenames": STRS,
        "project_doc_max_bytes": USIZE,
        "project_root_markers": STRS,
        "projects": Map(Struct("ProjectConfig", {"trust_level": Enum("trusted", "untrusted")})),
        "realtime": ANY,
        "review_model": STR,
        "sandbox_mode": SANDBOX_MODE,
        "sandbox_workspace_write": Struct(
            "SandboxWorkspaceWrite",
            {
                "writable_roots": STRS,
                "network_access": BOOL,
                "exclude_tmpdir_env_var": BOOL,
                "exclude_slash_tmp": BOOL,
            },
        ),
        "service_tier": ANY,
        "shell_environment_policy": Struct(
            "ShellEnvironmentPolicyToml",
            {
                "inherit": Enum("core", "all", "none"),
                "exclude": STRS,
                "include_only": STRS,
                "set": Map(STR),
                "ignore_default_excludes": BOOL,
                "experimental_use_profile": BOOL,
            },
        ),
        "show_raw_agent_reasoning": BOOL,
        "skills": ANY,
        "sqlite_home": STR,
        "suppress_unstable_features_warning": BOOL,
        "tool_output_token_limit": USIZE,
        "tool_suggest": ANY,
        "tools": ANY,
        "tui": Struct("Tui", {"notifications": Notifications()}, strict=False),
        "web_search": WEB_SEARCH,
        "windows": ANY,
    },
    prefixes=("experimental_realtime_",),
)

# --- The key table follows upstream's schema -------------------------------------------------
#
# `_config_keys` is generated from codex-rs/core/config.schema.json (scripts/gen_config_keys.py).
# The hand-written specs above carry serde's type names and messages; which keys exist comes from
# the schema: a key the schema has and the table above lacks is accepted (`ANY`, or a strict
# struct below), a key the table has and the schema lacks is dropped unless 0.136.0 still takes
# it (probed: `KEPT_OUTSIDE_SCHEMA`).

# Fields 0.136.0 accepts that the schema leaves out (serde fields kept for targeted errors).
KEPT_OUTSIDE_SCHEMA = {
    "RawMcpServerConfig": ("bearer_token",),
}

# Schema structs whose unknown fields 0.136.0's `--strict-config` rejects (probed one by one with
# `<table>.bogus = 1`); the others (`tui`, `agents`, `hooks`, `tools.web_search`, ...) are not
# looked into.
STRICT_SCHEMA_STRUCTS = frozenset({
    "AnalyticsConfigToml", "AppsDefaultConfig", "AutoReviewToml", "BundledSkillsConfig",
    "DebugConfigLockToml", "DebugToml", "ExperimentalRequestUserInput", "HookStateToml",
    "ExternalConfigMigrationPrompts", "FeedbackConfigToml", "GhostSnapshotToml",
    "MarketplaceConfig", "McpServerToolConfig", "MemoriesToml", "ModelProviderAuthInfo", "Notice",
    "PluginConfig", "PluginMcpServerConfig", "RealtimeAudioToml", "RealtimeToml", "SkillsConfig",
    "ToolSuggestConfig", "ToolsToml", "WindowsToml",
})

# Schema structs that also take any other key (`additionalProperties`: app ids, hook events) but
# hold strict parts (`apps._default`, `hooks.state.<hook>`).
LAX_SCHEMA_STRUCTS = frozenset({"AppsConfigToml", "HooksToml"})


def _from_schema(name: str) -> Spec:
    """A spec for schema definition `name`: a strict struct of its fields when 0.136.0 rejects
    unknown fields in it, a lax one around strict parts, else `ANY`."""
    if name not in STRICT_SCHEMA_STRUCTS and name not in LAX_SCHEMA_STRUCTS:
        return ANY
    refs = _config_keys.STRUCT_REFS.get(name, {})
    map_refs = _config_keys.MAP_VALUE_REFS.get(name, {})
    fields: dict[str, Spec] = {}
    for key in _config_keys.STRUCT_FIELDS[name]:
        if key in refs:
            fields[key] = _from_schema(refs[key])
        elif key in map_refs and map_refs[key] in STRICT_SCHEMA_STRUCTS:
            fields[key] = Map(_from_schema(map_refs[key]))
        else:
            fields[key] = ANY
    return Struct(name, fields, strict=name not in LAX_SCHEMA_STRUCTS)


def _sync(struct: Struct, names, refs: dict, map_refs: dict) -> None:
    """Make `struct`'s keys those of the schema (`names`), keeping the hand-written specs."""
    keep = set(names) | set(KEPT_OUTSIDE_SCHEMA.get(struct.name, ()))
    for key in [k for k in struct.fields if k not in keep]:
        del struct.fields[key]
    for key in names:
        current = struct.fields.get(key)
        if current is not None and current is not ANY:
            continue
        if key in refs:
            struct.fields[key] = _from_schema(refs[key])
        elif key in map_refs and map_refs[key] in STRICT_SCHEMA_STRUCTS:
            struct.fields[key] = Map(_from_schema(map_refs[key]))
        else:
            struct.fields[key] = ANY


def _sync_all() -> None:
    root_refs = _config_keys.ROOT_REFS
    _sync(CONFIG_TOML, _config_keys.ROOT_FIELDS, root_refs, _config_keys.MAP_VALUE_REFS.get("ConfigToml", {}))
    for struct in (CONFIG_PROFILE, MODEL_PROVIDER, MCP_SERVER):
        _sync(struct, _config_keys.STRUCT_FIELDS[struct.name], _config_keys.STRUCT_REFS.get(struct.name, {}),
              _config_keys.MAP_VALUE_REFS.get(struct.name, {}))
    for key in ("analytics", "history", "otel", "sandbox_workspace_write", "shell_environment_policy"):
        struct = CONFIG_TOML.fields[key]
        _sync(struct, _config_keys.STRUCT_FIELDS[struct.name], {}, {})
    project = CONFIG_TOML.fields["projects"].value
    _sync(project, _config_keys.STRUCT_FIELDS[project.name], {}, {})


_sync_all()


class SchemaError(ValueError):
    """`detail`: serde's message; `key_path`: the path serde names (`in \\`a.b\\``); `loc_path`:
    the path of the offending value in the tree (may end in array indices), for its location."""

    def __init__(self, detail: str, key_path: tuple, loc_path: tuple, cause_detail: str | None = None):
        super().__init__(detail)
        self.detail = detail
        # The reference checks a file twice: its spanned pass words a few errors differently
        # from the pass whose message becomes the `Caused by:` text.
        self.cause_detail = cause_detail if cause_detail is not None else detail
        self.key_path = key_path
        self.loc_path = loc_path

    @property
    def key(self) -> str:
        return ".".join(str(k) for k in self.key_path)


def toml_type_name(value) -> str:
    """The `toml` crate's name for a value's type (as in `expected table, found integer`)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return "datetime"


def unexpected(value) -> str:
    """serde's `Unexpected` for a TOML value."""
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        text = repr(value)
        if text.endswith(".0"):
            text = text[:-2]
        return f"floating point `{text}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "sequence"
    if isinstance(value, dict):
        return "map"
    return "datetime"


def expected_variants(variants) -> str:
    names = [f"`{v}`" for v in variants]
    if len(names) == 1:
        return f"expected {names[0]}"
    if len(names) == 2:
        return f"expected {names[0]} or {names[1]}"
    return "expected one of " + ", ".join(names)


def _check(spec: Spec, value, path: tuple, from_override: bool):
    if spec is ANY:
        return None
    if isinstance(spec, Scalar):
        kind = spec.kind
        ok = (
            (kind == "str" and isinstance(value, str))
            or (kind == "bool" and isinstance(value, bool))
            or (kind in ("uint", "u16", "int") and isinstance(value, int) and not isinstance(value, bool))
            or (kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool))
        )
        if not ok:
            return SchemaError(f"invalid type: {unexpected(value)}, expected {spec.expected}", path, path)
        if kind in ("uint", "u16") and value < 0 or kind == "u16" and value > 65535:
            return SchemaError(f"invalid value: integer `{value}`, expected {spec.expected}", path, path)
        return None
    if isinstance(spec, Notifications):
        if isinstance(value, bool) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return None
        return SchemaError("data did not match any variant of untagged enum Notifications", path[:-1], path[:-1])
    if isinstance(spec, WireApi) and value == "chat":
        from codex.model.providers import CHAT_WIRE_API_REMOVED_ERROR

        return SchemaError(CHAT_WIRE_API_REMOVED_ERROR, path, path)
    if isinstance(spec, Enum):
        if isinstance(value, str):
            if value not in spec.variants:
                return SchemaError(f"unknown variant `{value}`, {expected_variants(spec.variants)}", path, path)
            if value in spec.tables:
                return SchemaError("invalid type: unit variant, expected newtype variant", path, path)
            return None
        if isinstance(value, dict):
            if len(value) != 1:
                detail = (
                    "wanted exactly 1 element, found 0 elements"
                    if not value
                    else "wanted exactly 1 element, more than 1 element"
                )
                return SchemaError(detail, path, path)
            ((name, inner),) = value.items()
            if name not in spec.variants:
                return SchemaError(f"unknown variant `{name}`, {expected_variants(spec.variants)}", path, path)
            if isinstance(inner, dict):
                return None
            if name in spec.tables:
                return SchemaError(f"invalid type: {unexpected(inner)}, expected {spec.tables[name]}", path, path)
            return SchemaError(f"expected table, found {toml_type_name(inner)}", path, path)
        if from_override:
            return SchemaError("invalid type: unit variant, expected string only", path, path)
        return SchemaError("wanted string or table", path, path,
                           cause_detail="invalid type: unit variant, expected string only")
    if isinstance(spec, Seq):
        if not isinstance(value, list):
            return SchemaError(f"invalid type: {unexpected(value)}, expected a sequence", path, path)
        for i, item in enumerate(value):
            err = _check(spec.item, item, path + (i,), from_override)
            if err is not None:
                # serde names the sequence, the location is the element's.
                err.key_path = tuple(k for k in err.key_path if not isinstance(k, int))
                return err
        return None
    if isinstance(spec, Map):
        if not isinstance(value, dict):
            return SchemaError(f"invalid type: {unexpected(value)}, expected a map", path, path)
        for key, item in value.items():
            err = _check(spec.value, item, path + (key,), from_override)
            if err is not None:
                return err
        return spec.check(value, path) if spec.check is not None else None
    if isinstance(spec, Struct):
        if not isinstance(value, dict):
            return SchemaError(f"invalid type: {unexpected(value)}, expected struct {spec.name}", path, path)
        for key, item in value.items():
            sub = spec.field(key)
            if sub is None:
                continue
            err = _check(sub, item, path + (key,), from_override)
            if err is not None:
                return err
        return spec.check(value, path) if spec.check is not None else None
    if isinstance(spec, FeaturesSpec):
        if not isinstance(value, dict):
            return SchemaError(f"invalid type: {unexpected(value)}, expected struct FeaturesToml", path, path)
        for key, item in value.items():
            if not isinstance(item, bool):
                return SchemaError(f"invalid type: {unexpected(item)}, expected a boolean", path, path + (key,))
        return None
    return None  # pragma: no cover


def validate(tree: dict, from_override: bool = False, spec: Spec = CONFIG_TOML) -> SchemaError | None:
    """The first value of `tree` (a whole config.toml) that does not deserialize, or None."""
    return _check(spec, tree, (), from_override)


def unknown_fields(tree: dict, spec: Spec = CONFIG_TOML, path: tuple = ()) -> list[tuple]:
    """Paths of the fields `--strict-config` rejects, in document order."""
    out: list[tuple] = []
    if isinstance(spec, Struct) and isinstance(tree, dict):
        for key, value in tree.items():
            sub = spec.field(key)
            if sub is None:
                if spec.strict:
                    out.append(path + (key,))
                continue
            out.extend(unknown_fields(value, sub, path + (key,)))
    elif isinstance(spec, Map) and isinstance(tree, dict):
        for key, value in tree.items():
            out.extend(unknown_fields(value, spec.value, path + (key,)))
    elif isinstance(spec, FeaturesSpec) and isinstance(tree, dict):
        # `FeaturesToml`'s fields are the registry's keys, the legacy aliases and the removed
        # flags `apply_map` skips; anything else is unknown to `--strict-config`.
        from codex.config import features as features_mod

        for key in tree:
            if not (features_mod.is_known_feature_key(key) or key in features_mod._IGNORED_KEYS):
                out.append(path + (key,))
    return out
