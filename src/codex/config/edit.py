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
    _set_keeping_layout(table, feature, enabled, first=next(iter(parent), None) == "features")
    write_document(path, doc)
    return path


def _set_keeping_layout(table, key: str, value, first: bool) -> None:
    """`table[key] = value` the way toml_edit lays it out: tomlkit would put a blank line before
    the table's existing sub-tables (toml_edit does not), and an implicit `[features]` that becomes
    explicit gets a blank line before its header unless it opens the document."""
    import tomlkit.items as items

    subs = [v for _, v in getattr(table, "value", table).body if isinstance(v, (items.Table, items.AoT))
            and not isinstance(v, items.AoT)]
    indents = [(v, v.trivia.indent) for v in subs]
    implicit = table.is_super_table() if hasattr(table, "is_super_table") else False
    body = getattr(table, "value", table).body
    last_key = None
    trailing = False
    for k, v in body:
        if k is not None:
            last_key, trailing = k, False
        elif isinstance(v, (items.Whitespace, items.Comment)):
            trailing = True
    if key not in table and last_key is not None and trailing and not isinstance(table[last_key], items.Table):
        # Blank lines and comments after the last key belong to what follows (toml_edit's decor).
        getattr(table, "value", table)._insert_after(last_key, key, value)
    else:
        table[key] = value
    for v, indent in indents:
        v.trivia.indent = indent
    if implicit and not first and not table.trivia.indent:
        table.trivia.indent = "\n"
