"""How program names are keyed (upstream `executable_name.rs`): on Unix the name itself; on
Windows case-insensitively and without an executable extension."""

from __future__ import annotations

import os
import sys

__all__ = ["absolute_path", "executable_lookup_key", "executable_path_lookup_key"]

_WINDOWS_EXTS = (".exe", ".cmd", ".bat", ".com")


def executable_lookup_key(raw: str) -> str:
    if sys.platform == "win32":
        lowered = raw.lower()
        for ext in _WINDOWS_EXTS:
            if lowered.endswith(ext):
                return lowered[: -len(ext)]
        return lowered
    return raw


def executable_path_lookup_key(path: str) -> str | None:
    """The lookup key of a path's file name; None when it has none (`/`, `..`)."""
    stripped = path.rstrip("/") if len(path) > 1 else path
    name = os.path.basename(stripped)
    if not name or name in (".", ".."):
        return None
    return executable_lookup_key(name)


def absolute_path(raw: str) -> str:
    """`AbsolutePathBuf::try_from` of an absolute path: `.` and `..` resolved lexically, repeated
    and trailing slashes dropped (no file-system access)."""
    parts: list[str] = []
    for part in raw.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)
