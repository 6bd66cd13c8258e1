"""Edits of `$CODEX_HOME/config.toml` that keep the user's comments, order and formatting
(`ConfigEditsBuilder` upstream, toml_edit there, tomlkit here)."""

from __future__ import annotations

import os

from codex.config.errors import ConfigError

__all__ = ["set_feature_enabled", "read_document", "write_document"]


def read_document(path: str):
    """The tomlkit document of `path` (empty when missing). A syntax error raises ConfigError
    whose message is the bare TOML parse report, as `codex features enable` prints it."""
    import tomlkit

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return tomlkit.document()
    from codex.config.loader import _parse_error, parse_toml

    try:
        parse_toml(text, path)
    except ConfigError as exc:
        report = exc.causes[0] if exc.causes else exc.message
        raise ConfigError(report, kind="parse", path=path, line=exc.line, col=exc.col, detail=exc.detail) from None
    try:
        return tomlkit.parse(text)
    except Exception as exc:  # pragma: no cover - rtoml accepted it; tomlkit should too
        raise _parse_error(path, text, exc) from None


def write_document(path: str, doc) -> None:
    import tomlkit

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    text = tomlkit.dumps(doc)
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def set_feature_enabled(codex_home: str, feature: str, enabled: bool, profile: str | None = None) -> str:
    """Set `[features].<feature>` (or `[profiles.<profile>.features]`) in config.toml; returns the
    path written."""
    import tomlkit

    from codex.config.features import FEATURES

    path = os.path.join(codex_home, "config.toml")
    doc = read_document(path)
    spec = FEATURES.get(feature)
    # Disabling a feature that is off by default removes its key instead of writing `false`.
    remove = not enabled and spec is not None and not spec.default_enabled
    parent = doc
    if profile is not None:
        profiles = doc.get("profiles")
        if not isinstance(profiles, dict):
            if remove:
                return path
            profiles = tomlkit.table(is_super_table=True)
            doc["profiles"] = profiles
        parent = profiles.get(profile)
        if not isinstance(parent, dict):
            if remove:
                return path
            parent = tomlkit.table()
            profiles[profile] = parent
    table = parent.get("features")
    if remove:
        if isinstance(table, dict) and feature in table:
            del table[feature]
            write_document(path, doc)
        return path
    if not isinstance(table, dict):
        if "features" in parent:
            del parent["features"]
        table = tomlkit.table()
        parent["features"] = table
    table[feature] = enabled
    write_document(path, doc)
    return path
