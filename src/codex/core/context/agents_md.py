"""AGENTS.md discovery and the user-instructions message text.

Project root = nearest ancestor of cwd holding a root marker (default `.git`); from the root down
to cwd, each directory contributes its first existing, non-blank file among AGENTS.override.md,
AGENTS.md and the configured fallback filenames. Contents are joined with a blank line and capped
at `project_doc_max_bytes` (32 KiB by default) in total.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Sequence

DEFAULT_PROJECT_DOC_MAX_BYTES = 32 * 1024
DEFAULT_FILENAME = "AGENTS.md"
LOCAL_OVERRIDE_FILENAME = "AGENTS.override.md"
DEFAULT_ROOT_MARKERS = (".git",)
PROJECT_DOC_SEPARATOR = "\n\n--- project-doc ---\n\n"


def candidate_filenames(fallbacks: Iterable[str] = ()) -> list[str]:
    names = [LOCAL_OVERRIDE_FILENAME, DEFAULT_FILENAME]
    for name in fallbacks:
        name = str(name).strip()
        if name and name not in names:
            names.append(name)
    return names


def find_project_root(cwd: str | os.PathLike, markers: Sequence[str] = DEFAULT_ROOT_MARKERS) -> Path | None:
    cur = Path(cwd)
    for d in (cur, *cur.parents):
        for m in markers:
            if (d / m).exists():
                return d
    return None


def discover_project_docs(cwd: str | os.PathLike, *, fallbacks: Iterable[str] = (),
                          markers: Sequence[str] = DEFAULT_ROOT_MARKERS) -> list[Path]:
    cwd = Path(cwd)
    root = find_project_root(cwd, markers) if markers else None
    if root is None:
        dirs = [cwd]
    else:
        rel = cwd.relative_to(root).parts
        dirs = [root]
        for part in rel:
            dirs.append(dirs[-1] / part)
    names = candidate_filenames(fallbacks)
    found: list[Path] = []
    for d in dirs:
        for name in names:
            p = d / name
            if p.is_file():
                found.append(p)
                break
    return found


def read_project_docs(cwd: str | os.PathLike, *, max_bytes: int = DEFAULT_PROJECT_DOC_MAX_BYTES,
                      fallbacks: Iterable[str] = (),
                      markers: Sequence[str] = DEFAULT_ROOT_MARKERS) -> str | None:
    if max_bytes <= 0:
        return None
    remaining = max_bytes
    parts: list[str] = []
    for path in discover_project_docs(cwd, fallbacks=fallbacks, markers=markers):
        if remaining <= 0:
            break
        try:
            data = path.read_bytes()
        except OSError:
            continue
        data = data[:remaining]
        text = data.decode("utf-8", errors="replace")
        if text.strip():
            parts.append(text)
            remaining -= len(data)
    return "\n\n".join(parts) if parts else None


def read_global_instructions(codex_home: str | os.PathLike | None) -> str | None:
    if not codex_home:
        return None
    for name in (LOCAL_OVERRIDE_FILENAME, DEFAULT_FILENAME):
        p = Path(codex_home) / name
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if text.strip():
            return text.strip()
    return None


def user_instructions(cwd: str | os.PathLike, *, codex_home: str | os.PathLike | None = None,
                      max_bytes: int = DEFAULT_PROJECT_DOC_MAX_BYTES, fallbacks: Iterable[str] = (),
                      markers: Sequence[str] = DEFAULT_ROOT_MARKERS) -> str | None:
    """Global (CODEX_HOME) instructions and project docs combined, or None."""
    glob = read_global_instructions(codex_home)
    proj = read_project_docs(cwd, max_bytes=max_bytes, fallbacks=fallbacks, markers=markers)
    if glob and proj:
        return glob + PROJECT_DOC_SEPARATOR + proj
    return glob or proj


def agents_md_message_text(cwd: str, instructions: str) -> str:
    return f"# AGENTS.md instructions for {cwd}\n\n<INSTRUCTIONS>\n{instructions}\n</INSTRUCTIONS>"
