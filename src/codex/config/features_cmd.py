"""`codex features list|enable|disable` (codex-rs/cli/src/main.rs `FeaturesSubcommand`)."""

from __future__ import annotations

from codex._stdio import err as _err, out as _out

__all__ = ["disable_cmd", "enable_cmd", "list_cmd", "preflight"]

# The commands `--profile` applies to (0.136.0's wording when another command gets it).
PROFILE_COMMANDS_ERROR = (
    "--profile only applies to runtime commands and `codex mcp`: `codex`, `codex exec`, `codex review`, "
    "`codex resume`, `codex archive`, `codex unarchive`, `codex fork`, `codex mcp`, `codex sandbox`, and "
    "`codex debug prompt-input`."
)


def preflight(invocation, command: str = "features") -> int | None:
    """The checks `cli_main` makes before running the command: `--enable/--disable` keys, then
    `--strict-config` and `--profile` on a command that does not take them. Prints the error and
    returns 1, or None."""
    from codex.config.features import UnknownFeatureError, toggle_overrides

    try:
        toggle_overrides(invocation.values.get("enable"), invocation.values.get("disable"))
    except UnknownFeatureError as exc:
        _err(f"Error: {exc}\n")
        return 1
    if invocation.level_value("strict_config"):
        _err(f"Error: `--strict-config` is not supported for `codex {command}`\n")
        return 1
    if invocation.level_value("profile"):
        _err(f"Error: {PROFILE_COMMANDS_ERROR}\n")
        return 1
    return None


def list_cmd(invocation) -> int:
    from codex.config.errors import ConfigError
    from codex.config.loader import load_config
    from codex.config.overrides import OverrideError

    code = preflight(invocation)
    if code is not None:
        return code
    overrides = list(invocation.config_overrides)
    if invocation.level_value("search"):
        overrides.append("web_search=live")
    try:
        config = load_config(
            overrides,
            enable=invocation.values.get("enable") or (),
            disable=invocation.values.get("disable") or (),
        )
    except OverrideError as exc:
        _err(f"Error: {exc}\n")
        return 1
    except ConfigError as exc:
        _err(exc.render())
        return 1
    rows = config.features.rows()
    name_width = max(len(r[0]) for r in rows)
    stage_width = max(len(r[1]) for r in rows)
    _out("".join(
        f"{name:<{name_width}}  {stage:<{stage_width}}  {'true' if on else 'false'}\n" for name, stage, on in rows
    ))
    return 0


def _set(invocation, enabled: bool) -> int:
    from codex.config.errors import ConfigError
    from codex.config.features import FEATURES, UnknownFeatureError, is_known_feature_key
    from codex.config.loader import find_codex_home

    code = preflight(invocation)
    if code is not None:
        return code
    feature = invocation.values.get("feature")
    if not is_known_feature_key(feature):
        _err(f"Error: {UnknownFeatureError(feature)}\n")
        return 1
    from codex.config.edit import set_feature_enabled

    try:
        codex_home = find_codex_home()
        path = set_feature_enabled(codex_home, feature, enabled)
    except ConfigError as exc:
        _err(exc.render())
        return 1
    except OSError as exc:
        _err(f"Error: {exc}\n")
        return 1
    _out(f"{'Enabled' if enabled else 'Disabled'} feature `{feature}` in config.toml.\n")
    spec = FEATURES.get(feature)
    if enabled and spec is not None and spec.stage == "under development":
        _err(
            f"Under-development features enabled: {feature}. Under-development features are incomplete and may "
            "behave unpredictably. To suppress this warning, set `suppress_unstable_features_warning = true` in "
            f"{path}.\n"
        )
    return 0


def enable_cmd(invocation) -> int:
    return _set(invocation, True)


def disable_cmd(invocation) -> int:
    return _set(invocation, False)
