"""`-c key=value` configuration overrides.

A port of codex-rs/utils/cli/src/config_override.rs: each override is split at its first `=`; the
key is a dotted path (`foo.bar.baz`) into the config tree and the value is parsed as TOML, or taken
as a literal string (surrounding quotes stripped) when it is not valid TOML.

`validate_enum_overrides` checks the override values, before a command without its own config
loading runs, with the loader's schema validator and serde's wording (`unknown variant ...` /
`in <key>`). Keep this module free of heavy imports.
"""

from __future__ import annotations

__all__ = [
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


_SIMPLE_INT = None


def _simple_value(raw: str):
    """The common `-c` values parsed without importing a TOML parser (~5 ms of start-up):
    a basic string without escapes, a literal string, true/false, a decimal integer. None when
    `raw` is anything else (the TOML parser decides)."""
    global _SIMPLE_INT
    n = len(raw)
    if n >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        body = raw[1:-1]
        if raw[0] not in body and "\\" not in body and all(c >= " " and c != "\x7f" for c in body):
            return (body,)
        return None
    if raw == "true":
        return (True,)
    if raw == "false":
        return (False,)
    if _SIMPLE_INT is None:
        import re

        _SIMPLE_INT = re.compile(r"[+-]?(?:0|[1-9][0-9]{0,17})")
    if _SIMPLE_INT.fullmatch(raw):
        return (int(raw),)
    return None


def _bare_word(raw: str) -> bool:
    """A word that is certainly not a TOML value (`-c sandbox_mode=read-only`): `-c` then takes
    the text as a string, which the TOML parser would only confirm by failing."""
    return (raw[:1].isascii() and raw[:1].isalpha() and raw not in ("true", "false", "inf", "nan")
            and all(c.isascii() and (c.isalnum() or c in "-_") for c in raw))


def parse_toml_value(raw: str):
    """Parse `raw` as a TOML value (the right-hand side of `_x_ = raw`); ValueError if invalid."""
    simple = _simple_value(raw)
    if simple is not None:
        return simple[0]
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
        if _bare_word(value_str):
            value = value_str
        else:
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


def validate_enum_overrides(overrides: list[tuple[str, object]]) -> None:
    """Raise ConfigValueError for the first override value the config schema rejects, with the
    schema validator the loader uses (`codex.config.schema`)."""
    from codex.config import schema

    err = schema.validate(apply_overrides({}, overrides), from_override=True)
    if err is not None:
        raise ConfigValueError(err.key, err.cause_detail)
