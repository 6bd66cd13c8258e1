"""The feature flag registry of Codex 0.136.0 and the resolution of an effective feature set.

A port of codex-rs/features/src/{lib.rs,legacy.rs} as the 0.136.0 binary has it: every key with its
stage and default is what `codex features list` prints with an empty config.toml (Linux build);
legacy aliases, the removed keys that `[features]` ignores and the one dependency
(`code_mode_only` turns on `code_mode`) were probed on the binary.
"""

from __future__ import annotations

__all__ = [
    "ALIASES",
    "FEATURES",
    "Feature",
    "Features",
    "UnknownFeatureError",
    "canonical_key",
    "is_known_feature_key",
    "toggle_overrides",
]

# (key, stage, default_enabled), sorted by key. Stage names are those `features list` prints.
_REGISTRY: tuple[tuple[str, str, bool], ...] = (
    ('apply_patch_freeform', 'removed', False),
    ('apply_patch_streaming_events', 'under development', False),
    ('apps', 'stable', True),
    ('apps_mcp_path_override', 'under development', False),
    ('artifact', 'under development', False),
    ('auth_elicitation', 'under development', False),
    ('browser_use', 'stable', True),
    ('browser_use_external', 'stable', True),
    ('child_agents_md', 'under development', False),
    ('chronicle', 'under development', False),
    ('code_mode', 'under development', False),
    ('code_mode_only', 'under development', False),
    ('codex_git_commit', 'removed', False),
    ('collaboration_modes', 'removed', True),
    ('computer_use', 'stable', True),
    ('default_mode_request_user_input', 'under development', False),
    ('elevated_windows_sandbox', 'removed', False),
    ('enable_fanout', 'under development', False),
    ('enable_mcp_apps', 'under development', False),
    ('enable_request_compression', 'stable', True),
    ('exec_permission_approvals', 'under development', False),
    ('experimental_windows_sandbox', 'removed', False),
    ('external_migration', 'experimental', False),
    ('fast_mode', 'stable', True),
    ('goals', 'stable', True),
    ('guardian_approval', 'stable', True),
    ('hooks', 'stable', True),
    ('image_detail_original', 'removed', False),
    ('image_generation', 'stable', True),
    ('imagegenext', 'under development', False),
    ('in_app_browser', 'stable', True),
    ('js_repl', 'removed', False),
    ('js_repl_tools_only', 'removed', False),
    ('memories', 'experimental', False),
    ('mentions_v2', 'under development', False),
    ('multi_agent', 'stable', True),
    ('multi_agent_v2', 'under development', False),
    ('network_proxy', 'experimental', False),
    ('non_prefixed_mcp_tool_names', 'under development', False),
    ('personality', 'stable', True),
    ('plugin_hooks', 'removed', False),
    ('plugin_sharing', 'stable', True),
    ('plugins', 'stable', True),
    ('prevent_idle_sleep', 'experimental', False),
    ('realtime_conversation', 'under development', False),
    ('remote_compaction_v2', 'under development', False),
    ('remote_control', 'removed', False),
    ('remote_models', 'removed', False),
    ('remote_plugin', 'under development', False),
    ('request_permissions_tool', 'under development', False),
    ('request_rule', 'removed', False),
    ('responses_websocket_response_processed', 'under development', False),
    ('responses_websockets', 'removed', False),
    ('responses_websockets_v2', 'removed', False),
    ('runtime_metrics', 'under development', False),
    ('search_tool', 'removed', False),
    ('shell_snapshot', 'stable', True),
    ('shell_tool', 'stable', True),
    ('shell_zsh_fork', 'under development', False),
    ('skill_env_var_dependency_prompt', 'removed', False),
    ('skill_mcp_dependency_install', 'stable', True),
    ('sqlite', 'removed', True),
    ('standalone_web_search', 'under development', False),
    ('steer', 'removed', True),
    ('terminal_resize_reflow', 'experimental', True),
    ('tool_call_mcp_elicitation', 'stable', True),
    ('tool_search', 'removed', False),
    ('tool_search_always_defer_mcp_tools', 'under development', False),
    ('tool_suggest', 'stable', True),
    ('tui_app_server', 'removed', True),
    ('unavailable_dummy_tools', 'removed', False),
    ('undo', 'removed', False),
    ('unified_exec', 'stable', True),
    ('use_legacy_landlock', 'deprecated', False),
    ('use_linux_sandbox_bwrap', 'removed', False),
    ('web_search_cached', 'deprecated', False),
    ('web_search_request', 'deprecated', False),
    ('workspace_dependencies', 'stable', True),
    ('workspace_owner_usage_nudge', 'removed', False),
)

# Legacy `[features]` keys (legacy.rs ALIASES) -> canonical key.
ALIASES: dict[str, str] = {
    "connectors": "apps",
    "enable_experimental_windows_sandbox": "experimental_windows_sandbox",
    "experimental_use_unified_exec_tool": "unified_exec",
    "request_permissions": "exec_permission_approvals",
    "web_search": "web_search_request",
    "collab": "multi_agent",
    "memory_tool": "memories",
    "telepathy": "chronicle",
    "codex_hooks": "hooks",
}

# Keys `Features::apply_map` skips (`continue`): removed flags that no longer change anything.
_IGNORED_KEYS = frozenset(
    {
        "apply_patch_freeform",
        "image_detail_original",
        "js_repl",
        "js_repl_tools_only",
        "plugin_hooks",
        "remote_control",
        "skill_env_var_dependency_prompt",
        "tool_search",
        "tui_app_server",
        "undo",
    }
)

class Feature:
    """One registry entry."""

    __slots__ = ("key", "stage", "default_enabled")

    def __init__(self, key: str, stage: str, default_enabled: bool):
        self.key = key
        self.stage = stage
        self.default_enabled = default_enabled

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Feature({self.key!r}, {self.stage!r}, {self.default_enabled!r})"


FEATURES: dict[str, Feature] = {k: Feature(k, s, d) for k, s, d in _REGISTRY}


class UnknownFeatureError(ValueError):
    """`--enable`/`--disable`/`features enable` with a key that is neither a feature nor an alias."""

    def __init__(self, key: str):
        super().__init__(f"Unknown feature flag: {key}")
        self.key = key


def canonical_key(key: str) -> str | None:
    """`feature_for_key`: the canonical key for a feature key or legacy alias, else None."""
    if key in FEATURES:
        return key
    return ALIASES.get(key)


def is_known_feature_key(key: str) -> bool:
    return canonical_key(key) is not None


def toggle_overrides(enable: list[str] | None, disable: list[str] | None) -> list[str]:
    """`FeatureToggles::to_overrides`: `--enable X` -> `features.X=true`, `--disable Y` ->
    `features.Y=false` (enables first); UnknownFeatureError on an unknown key."""
    out: list[str] = []
    for key in enable or ():
        if not is_known_feature_key(key):
            raise UnknownFeatureError(key)
        out.append(f"features.{key}=true")
    for key in disable or ():
        if not is_known_feature_key(key):
            raise UnknownFeatureError(key)
        out.append(f"features.{key}=false")
    return out


def feature_entries(table) -> dict[str, bool]:
    """`FeaturesToml::entries`: the boolean toggles of a `[features]` table."""
    out: dict[str, bool] = {}
    if not isinstance(table, dict):
        return out
    for key, value in table.items():
        if isinstance(value, bool):
            out[key] = value
    return out


class Features:
    """The effective set of enabled features (`codex_features::Features`)."""

    __slots__ = ("enabled", "legacy_usages")

    def __init__(self, enabled: set[str] | None = None):
        if enabled is None:
            enabled = {f.key for f in FEATURES.values() if f.default_enabled}
        self.enabled = set(enabled)
        self.legacy_usages: list[tuple[str, str]] = []

    @classmethod
    def with_defaults(cls) -> "Features":
        return cls()

    def is_enabled(self, key: str) -> bool:
        canonical = canonical_key(key)
        return canonical is not None and canonical in self.enabled

    __contains__ = is_enabled

    def set_enabled(self, key: str, enabled: bool) -> None:
        if enabled:
            self.enabled.add(key)
        else:
            self.enabled.discard(key)

    def apply_map(self, entries: dict[str, bool]) -> None:
        """Apply `key -> bool` toggles in key order (a BTreeMap upstream). Unknown keys are
        ignored (upstream logs a warning); removed flags are skipped."""
        for key in sorted(entries):
            if key in _IGNORED_KEYS:
                continue
            canonical = canonical_key(key)
            if canonical is None:
                continue
            if key != canonical:
                self.legacy_usages.append((key, canonical))
            self.set_enabled(canonical, bool(entries[key]))

    def normalize_dependencies(self) -> None:
        if "code_mode_only" in self.enabled:
            self.enabled.add("code_mode")

    @classmethod
    def from_tables(cls, *tables) -> "Features":
        """Defaults, then each `[features]` table (base config, then profile), then dependencies.
        A table may also carry the top-level legacy `experimental_use_unified_exec_tool` as a
        `(features_table, legacy_unified_exec)` pair."""
        features = cls()
        for table in tables:
            legacy = None
            if isinstance(table, tuple):
                table, legacy = table
            if legacy is not None:
                features.set_enabled("unified_exec", bool(legacy))
            if table:
                features.apply_map(feature_entries(table))
        features.normalize_dependencies()
        return features

    def rows(self) -> list[tuple[str, str, bool]]:
        return [(f.key, f.stage, f.key in self.enabled) for f in sorted(FEATURES.values(), key=lambda f: f.key)]
