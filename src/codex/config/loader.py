"""Loading `config.toml`: CODEX_HOME, the layers, profiles, project trust, `-c` and feature toggles.

Layers, lowest precedence first (as Codex 0.136.0 stacks them):

1. system `/etc/codex/config.toml`;
2. user `$CODEX_HOME/config.toml`;
3. profile `$CODEX_HOME/<name>.config.toml` with `-p/--profile <name>` (0.136.0 refuses the legacy
   `profile = "..."` selector and, with `--profile <name>`, a legacy `[profiles.<name>]` table);
4. project `.codex/config.toml` of each directory from the project root (the nearest ancestor
   holding one of `project_root_markers`, default `.git`; else the cwd) down to the cwd, each only
   when that directory is trusted: `[projects."<dir>"] trust_level = "trusted"`, or, without an
   entry of its own, when the project root is;
5. `-c key=value` overrides, then `--enable`/`--disable` (`features.<key>=true|false`).

Each file is checked on its own first, so that an error names its file, line and column
(`<file>:<line>:<col>: <serde message>`); values coming from `-c` are checked after merging and
reported without a location. `strict=True` (`--strict-config`) rejects unknown fields.
"""

from __future__ import annotations

import os

from codex.config.errors import CodexHomeError, ConfigError

__all__ = ["Config", "ConfigLayer", "find_codex_home", "load_config", "load_toml_file", "SYSTEM_CONFIG_PATH"]

SYSTEM_CONFIG_PATH = "/etc/codex/config.toml"
CONFIG_TOML_FILE = "config.toml"
DEFAULT_PROJECT_DOC_MAX_BYTES = 32 * 1024


def find_codex_home(environ=None) -> str:
    """`codex_core::config::find_codex_home()` (codex.config.home): `$CODEX_HOME` when set and
    non-empty (it must exist and be a directory; canonicalized), else `~/.codex` (which need not
    exist). Raises CodexHomeError with the reference's text."""
    from codex.config.home import StartupError
    from codex.config.home import find_codex_home as _find

    try:
        return _find(environ)
    except StartupError as exc:
        raise CodexHomeError(str(exc)) from None


class ConfigLayer:
    """One loaded file: `source` is "system", "user", "profile" or "project"."""

    __slots__ = ("source", "path", "table", "text")

    def __init__(self, source: str, path: str, table: dict, text: str):
        self.source = source
        self.path = path
        self.table = table
        self.text = text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"ConfigLayer({self.source!r}, {self.path!r})"


def _parse_error(path: str, text: str, exc) -> ConfigError:
    """The reference's report of a TOML syntax error in `path` (rtoml speaks the toml crate's
    messages: `<message> at line L column C`)."""
    from codex.config.locate import parse_error_report

    raw = str(exc)
    message, line, col = raw, 1, 1
    marker = raw.rfind(" at line ")
    if marker >= 0:
        try:
            tail = raw[marker + len(" at line ") :]
            line_s, _, col_s = tail.partition(" column ")
            line, col = int(line_s), int(col_s)
            message = raw[:marker]
        except ValueError:
            pass
    report = parse_error_report(text, message, line, col)
    return ConfigError(f"{path}:{line}:{col}: {message}", [report], kind="parse", path=path, line=line, col=col,
                       detail=message, source_text=report, file_text=text)


def parse_toml(text: str, path: str) -> dict:
    import rtoml

    try:
        return rtoml.loads(text)
    except rtoml.TomlParsingError as exc:
        raise _parse_error(path, text, exc) from None


def load_toml_file(path: str, *, must_read: bool = False) -> tuple[dict, str] | None:
    """(table, text) of a TOML file, None when it does not exist; ConfigError on bad TOML.
    `must_read` (the user's config.toml): any error but "not found" is the reference's
    `Failed to read config file <path>: <io error>` (e.g. a HOME that is a file)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if not must_read:
            if isinstance(exc, NotADirectoryError):
                return None
            raise
        from codex.apply_patch._rust import io_error_message

        raise ConfigError(f"Failed to read config file {path}: {io_error_message(exc)}",
                          kind="read", path=path) from None
    return parse_toml(text, path), text


def _check_layer(layer: ConfigLayer, strict: bool) -> None:
    from codex.config import schema
    from codex.config.locate import locate

    err = schema.validate(layer.table)
    if err is not None:
        line, col = locate(layer.text, err.loc_path)
        cause = f"{err.cause_detail}\nin `{err.key}`\n"
        raise ConfigError(f"{layer.path}:{line}:{col}: {err.detail}", [cause], kind="type", path=layer.path,
                          line=line, col=col, detail=err.detail, key=err.key)
    if strict:
        unknown = schema.unknown_fields(layer.table)
        if unknown:
            key = ".".join(str(p) for p in unknown[0])
            line, col = locate(layer.text, unknown[0], key=True)
            detail = f"unknown configuration field `{key}`"
            raise ConfigError(f"{layer.path}:{line}:{col}: {detail}", kind="unknown_field", path=layer.path,
                              line=line, col=col, detail=detail, key=key, file_text=layer.text)


def merge_into(base: dict, overlay: dict) -> dict:
    """Deep-merge `overlay` into `base` (tables merge, anything else replaces)."""
    for key, value in overlay.items():
        current = base.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merge_into(current, value)
        elif isinstance(value, dict):
            base[key] = merge_into({}, value)
        else:
            base[key] = value
    return base


def _find_project_root(cwd: str, markers) -> str | None:
    if not markers:
        return None
    d = cwd
    while True:
        for marker in markers:
            if os.path.exists(os.path.join(d, marker)):
                return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def trust_level_for(projects: dict, directory: str, project_root: str | None) -> str | None:
    """`trust_level` of `directory`: its own `[projects."<dir>"]` entry, else the project root's."""
    if not isinstance(projects, dict):
        return None
    for candidate in (directory, project_root):
        if candidate is None:
            continue
        entry = projects.get(candidate)
        if isinstance(entry, dict) and isinstance(entry.get("trust_level"), str):
            return entry["trust_level"]
    return None


def _legacy_profile_check(user: dict, user_path: str, codex_home: str, profile: str | None) -> None:
    selector = user.get("profile")
    profiles = user.get("profiles")
    if profile is not None and (selector == profile or (isinstance(profiles, dict) and profile in profiles)):
        raise ConfigError(
            f"--profile `{profile}` cannot be used while {user_path} contains legacy `profile = \"{profile}\"` or "
            f"`[profiles.{profile}]` config; move those settings into "
            f"{os.path.join(codex_home, profile + '.config.toml')} and remove the legacy profile selector/table. "
            "See https://developers.openai.com/codex/config-advanced#profiles for more information.",
            kind="profile",
        )
    if isinstance(selector, str):
        raise ConfigError(
            f"legacy `profile = \"{selector}\"` config is no longer supported; use `--profile {selector}` with "
            f"`{selector}.config.toml` instead",
            kind="profile",
        )


class Config:
    """The effective configuration. Typed accessors for the keys the CLI uses; `raw` holds the
    whole merged table (unknown keys included, as upstream keeps them out of the typed config
    but does not reject them unless `--strict-config`)."""

    __slots__ = ("raw", "codex_home", "cwd", "layers", "features", "profile", "project_root",
                 "trust_level", "overrides")

    def __init__(self, raw: dict, codex_home: str, cwd: str, layers: list, features, profile,
                 project_root, trust_level, overrides):
        self.raw = raw
        self.codex_home = codex_home
        self.cwd = cwd
        self.layers = layers
        self.features = features
        self.profile = profile
        self.project_root = project_root
        self.trust_level = trust_level
        self.overrides = overrides

    def get(self, key: str, default=None):
        """A value by dotted path from the merged table."""
        node = self.raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    # Typed views of common keys (None when unset; defaults as upstream where it has one).
    model = property(lambda self: self.raw.get("model"))
    model_provider = property(lambda self: self.raw.get("model_provider") or "openai")
    model_providers = property(lambda self: dict(self.raw.get("model_providers") or {}))
    approval_policy = property(lambda self: self.raw.get("approval_policy"))
    approvals_reviewer = property(lambda self: self.raw.get("approvals_reviewer"))
    sandbox_mode = property(lambda self: self.raw.get("sandbox_mode"))
    sandbox_workspace_write = property(lambda self: dict(self.raw.get("sandbox_workspace_write") or {}))
    shell_environment_policy = property(lambda self: dict(self.raw.get("shell_environment_policy") or {}))
    model_reasoning_effort = property(lambda self: self.raw.get("model_reasoning_effort"))
    model_reasoning_summary = property(lambda self: self.raw.get("model_reasoning_summary"))
    model_verbosity = property(lambda self: self.raw.get("model_verbosity"))
    mcp_servers = property(lambda self: dict(self.raw.get("mcp_servers") or {}))
    projects = property(lambda self: dict(self.raw.get("projects") or {}))
    profiles = property(lambda self: dict(self.raw.get("profiles") or {}))
    history = property(lambda self: dict(self.raw.get("history") or {}))
    otel = property(lambda self: dict(self.raw.get("otel") or {}))
    notify = property(lambda self: self.raw.get("notify"))
    instructions = property(lambda self: self.raw.get("instructions"))
    developer_instructions = property(lambda self: self.raw.get("developer_instructions"))
    web_search = property(lambda self: self.raw.get("web_search"))
    model_context_window = property(lambda self: self.raw.get("model_context_window"))
    model_auto_compact_token_limit = property(lambda self: self.raw.get("model_auto_compact_token_limit"))
    project_doc_max_bytes = property(
        lambda self: self.raw.get("project_doc_max_bytes", DEFAULT_PROJECT_DOC_MAX_BYTES))
    project_doc_fallback_filenames = property(lambda self: list(self.raw.get("project_doc_fallback_filenames") or []))
    project_root_markers = property(lambda self: list(self.raw.get("project_root_markers", [".git"])))
    suppress_unstable_features_warning = property(
        lambda self: bool(self.raw.get("suppress_unstable_features_warning", False)))

    @property
    def config_toml_path(self) -> str:
        return os.path.join(self.codex_home, CONFIG_TOML_FILE)


def load_config_for(invocation, **kw) -> Config:
    """`load_config` with a command invocation's `-c`, `--enable` and `--disable` (see
    `codex.cli.app.Invocation`); other keywords pass through."""
    return load_config(
        list(invocation.config_overrides),
        enable=invocation.values.get("enable") or (),
        disable=invocation.values.get("disable") or (),
        **kw,
    )


def load_config(
    cli_overrides=(),
    *,
    profile: str | None = None,
    cwd: str | None = None,
    codex_home: str | None = None,
    strict: bool = False,
    enable=(),
    disable=(),
    system_path: str | None = None,
    load_user: bool = True,
    environ=None,
) -> Config:
    """Load the effective config. `cli_overrides`: raw `-c` strings or parsed `(path, value)` pairs.
    Raises ConfigError (or its subclasses; `overrides.OverrideError` for a malformed `-c`,
    `features.UnknownFeatureError` for a bad `--enable/--disable`)."""
    from codex.config import features as features_mod
    from codex.config import overrides as ov

    toggles = features_mod.toggle_overrides(list(enable or ()), list(disable or ()))
    parsed = [o for o in (cli_overrides or ()) if not isinstance(o, str)]
    parsed += ov.parse_overrides([o for o in (cli_overrides or ()) if isinstance(o, str)])
    parsed += ov.parse_overrides(toggles)

    if codex_home is None:
        codex_home = find_codex_home(environ)
    if cwd is None:
        cwd = os.getcwd()
    cwd = os.path.abspath(cwd)

    layers: list[ConfigLayer] = []

    def add(source: str, path: str) -> ConfigLayer | None:
        loaded = load_toml_file(path, must_read=source == "user")
        if loaded is None:
            return None
        layer = ConfigLayer(source, path, loaded[0], loaded[1])
        _check_layer(layer, strict)
        layers.append(layer)
        return layer

    if system_path is None:
        system_path = SYSTEM_CONFIG_PATH
    if system_path:
        add("system", system_path)
    user_path = os.path.join(codex_home, CONFIG_TOML_FILE)
    user = add("user", user_path) if load_user else None
    _legacy_profile_check(user.table if user else {}, user_path, codex_home, profile)
    if profile is not None:
        add("profile", os.path.join(codex_home, f"{profile}.config.toml"))

    merged: dict = {}
    for layer in layers:
        merge_into(merged, layer.table)

    # Project layers (trusted directories only), from the project root down to the cwd.
    markers = merged.get("project_root_markers", [".git"])
    project_root = _find_project_root(cwd, markers if isinstance(markers, list) else [".git"])
    root = project_root or cwd
    dirs = [cwd]
    d = cwd
    while d != root:
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
        dirs.append(d)
    dirs.reverse()
    projects = merged.get("projects")
    for directory in dirs:
        if trust_level_for(projects, directory, project_root) != "trusted":
            continue
        layer = add("project", os.path.join(directory, ".codex", CONFIG_TOML_FILE))
        if layer is not None:
            merge_into(merged, layer.table)

    if parsed:
        from codex.config import schema

        override_tree = ov.apply_overrides({}, parsed)
        ov.apply_overrides(merged, parsed)
        err = schema.validate(merged, from_override=True)
        if err is not None:
            message = f"{err.cause_detail}\nin `{err.key}`\n"
            raise ConfigError(message, kind="type", detail=err.detail, key=err.key)
        if strict:
            unknown = schema.unknown_fields(override_tree)
            if unknown:
                key = ".".join(str(p) for p in unknown[0])
                detail = f"unknown configuration field `{key}`"
                raise ConfigError(f"{detail} in -c/--config override", kind="unknown_field", detail=detail, key=key)

    features = features_mod.Features.from_tables(
        (merged.get("features"), merged.get("experimental_use_unified_exec_tool"))
    )
    trust = trust_level_for(merged.get("projects"), cwd, project_root)
    return Config(merged, codex_home, cwd, layers, features, profile, project_root, trust, parsed)
