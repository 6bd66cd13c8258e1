"""`-c key=value` configuration overrides.

A port of codex-rs/utils/cli/src/config_override.rs: each override is split at its first `=`; the
key is a dotted path (`foo.bar.baz`) into the config tree and the value is parsed as TOML, or taken
as a literal string (surrounding quotes stripped) when it is not valid TOML.

`validate_enum_overrides` checks, before a command runs, the enum-typed keys that the reference
rejects while loading its config, with serde's wording (`unknown variant ...` / `in <key>`).
The full config loader will grow out of this module; keep it free of heavy imports.
"""

from __future__ import annotations

__all__ = [
    "ENUM_KEYS",
    "ConfigValueError",
    "OverrideError",
    "apply_overrides",
    "parse_overrides",
    "parse_toml_value",
    "validate_enum_overrides",
]


class OverrideError(ValueError):
    """A malformed `-c` argument (no `=`, or an empty key)."""


class ConfigValueError(ValueError):
    """An override value the config schema rejects. `str()` is serde's message followed by
    `in \\`key\\`` and a newline, as the reference prints it."""

    def __init__(self, key: str, detail: str):
        super().__init__(f"{detail}\nin `{key}`\n")
        self.key = key
        self.detail = detail


# Top-level enum keys of `ConfigToml` and their serde variants (kebab/lower case as serialized).
# `None` marks a variant that carries data (not a unit variant).
ENUM_KEYS: dict[str, dict[str, str | None]] = {
    # codex-rs/protocol: ReasoningEffort
    "model_reasoning_effort": {v: "unit" for v in ("none", "minimal", "low", "medium", "high", "xhigh")},
    # ReasoningSummary
    "model_reasoning_summary": {v: "unit" for v in ("auto", "concise", "detailed", "none")},
    # Verbosity
    "model_verbosity": {v: "unit" for v in ("low", "medium", "high")},
    # SandboxMode
    "sandbox_mode": {v: "unit" for v in ("read-only", "workspace-write", "danger-full-access")},
    # AskForApproval; `granular` holds a GranularApprovalConfig table.
    "approval_policy": {
        "untrusted": "unit",
        "on-failure": "unit",
        "on-request": "unit",
        "granular": "struct GranularApprovalConfig",
        "never": "unit",
    },
}


def parse_toml_value(raw: str):
    """Parse `raw` as a TOML value (the right-hand side of `_x_ = raw`); ValueError if invalid."""
    import tomllib

    try:
        table = tomllib.loads(f"_x_ = {raw}")
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None
    if "_x_" not in table:  # pragma: no cover - tomllib always yields the sentinel
        raise ValueError("missing sentinel key")
    return table["_x_"]


def _canonicalize_key(key: str) -> str:
    if key == "use_legacy_landlock":
        return "features.use_legacy_landlock"
    return key


def parse_overrides(raw_overrides: list[str]) -> list[tuple[str, object]]:
    """`CliConfigOverrides::parse_overrides`: `[(dotted_path, value), ...]` in order."""
    out: list[tuple[str, object]] = []
    for s in raw_overrides:
        key, sep, value_str = s.partition("=")
        key = key.strip()
        if not sep:
            raise OverrideError(f"Invalid override (missing '='): {s}")
        value_str = value_str.strip()
        if not key:
            raise OverrideError(f"Empty key in override: {s}")
        try:
            value = parse_toml_value(value_str)
        except ValueError:
            value = value_str.strip().strip("\"'")
        out.append((_canonicalize_key(key), value))
    return out


def apply_overrides(target: dict, overrides: list[tuple[str, object]]) -> dict:
    """Apply parsed overrides onto a nested dict, creating intermediate tables as needed (a
    non-table in the way is replaced by a table)."""
    for path, value in overrides:
        parts = path.split(".")
        current = target
        for part in parts[:-1]:
            nxt = current.get(part)
            if not isinstance(nxt, dict):
                nxt = {}
                current[part] = nxt
            current = nxt
        current[parts[-1]] = value
    return target


def _toml_type_name(value) -> str:
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


def _serde_unexpected(value) -> str:
    """serde's `Unexpected` description of a value (`integer \\`1\\``, `string "x"`...)."""
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "sequence"
    if isinstance(value, dict):
        return "map"
    return "datetime"


def _enum_error(variants: dict[str, str | None], value) -> str | None:
    """serde's complaint about deserializing `value` into an externally tagged enum, or None."""
    expected = ", ".join(f"`{v}`" for v in variants)
    if isinstance(value, str):
        kind = variants.get(value)
        if kind is None:
            return f"unknown variant `{value}`, expected one of {expected}"
        if kind != "unit":
            return "invalid type: unit variant, expected newtype variant"
        return None
    if isinstance(value, dict):
        if not value:
            return "wanted exactly 1 element, found 0 elements"
        if len(value) > 1:
            return "wanted exactly 1 element, more than 1 element"
        (name, inner), = value.items()
        kind = variants.get(name)
        if kind is None:
            return f"unknown variant `{name}`, expected one of {expected}"
        if kind == "unit":
            if not isinstance(inner, dict):
                return f"expected table, found {_toml_type_name(inner)}"
            return None
        if not isinstance(inner, dict):
            return f"invalid type: {_serde_unexpected(inner)}, expected {kind}"
        return None
    return "invalid type: unit variant, expected string only"


def validate_enum_overrides(overrides: list[tuple[str, object]]) -> None:
    """Raise ConfigValueError for the first enum-typed top-level key (in the order the keys were
    first overridden) whose final value does not deserialize."""
    tree = apply_overrides({}, overrides)
    seen: list[str] = []
    for path, _ in overrides:
        top = path.split(".", 1)[0]
        if top not in seen:
            seen.append(top)
    for key in seen:
        variants = ENUM_KEYS.get(key)
        if variants is None or key not in tree:
            continue
        detail = _enum_error(variants, tree[key])
        if detail is not None:
            raise ConfigValueError(key, detail)
