"""``codex archive`` / ``codex unarchive`` (output and exit codes as the reference)."""

from __future__ import annotations

import sys

from .list import ArchiveError, archive_thread, unarchive_thread


def _codex_home(invocation) -> str:
    from codex.config.loader import load_config
    return load_config(invocation.config_overrides, strict=bool(invocation.values.get("strict_config"))).codex_home


def _run(invocation, action, verb: str) -> int:
    from codex.config.errors import CodexHomeError, ConfigError
    try:
        codex_home = _codex_home(invocation)
    except CodexHomeError:
        sys.stderr.write("Error: failed to find Codex home\n")
        return 1
    except ConfigError:
        sys.stderr.write("Error: failed to load config.toml\n")
        return 1
    session = invocation.values.get("target") or ""
    try:
        thread_id = action(codex_home, session)
    except ArchiveError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    sys.stdout.write(f"{verb} session {thread_id}.\n")
    sys.stdout.flush()
    return 0


def archive_cmd(invocation) -> int:
    return _run(invocation, archive_thread, "Archived")


def unarchive_cmd(invocation) -> int:
    return _run(invocation, unarchive_thread, "Unarchived")
