"""Install the bundled system skills into `<CODEX_HOME>/skills/.system`, as codex 0.136.0 does.

Upstream (codex-rs/skills/src/lib.rs `install_system_skills`): create `<CODEX_HOME>/skills`;
when `skills/.system` is a directory whose `.codex-system-skills.marker` (trimmed) equals the
fingerprint of the embedded tree, do nothing; otherwise remove `skills/.system` entirely, write
every embedded file, then write the marker as `<fingerprint>\\n`.

The fingerprint is a Rust `DefaultHasher` digest computed at build time; we ship the value the
reference wrote (`skills_bundle/system/.codex-system-skills.marker`) instead of recomputing it,
so an unchanged reference-installed tree is left alone and vice versa.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

BUNDLE_DIR = Path(__file__).resolve().parent.parent / "skills_bundle" / "system"
SKILLS_DIR_NAME = "skills"
SYSTEM_SKILLS_DIR_NAME = ".system"
MARKER_FILENAME = ".codex-system-skills.marker"


def system_cache_root_dir(codex_home: str | os.PathLike) -> Path:
    return Path(codex_home) / SKILLS_DIR_NAME / SYSTEM_SKILLS_DIR_NAME


def bundled_fingerprint() -> str:
    return (BUNDLE_DIR / MARKER_FILENAME).read_text(encoding="utf-8").strip()


def bundled_files() -> list[str]:
    """Relative POSIX paths of the bundled skill files (the marker excluded), sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(BUNDLE_DIR):
        # An installed package may hold byte-code caches of the skills' scripts: not skill files.
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            rel = (Path(dirpath) / name).relative_to(BUNDLE_DIR).as_posix()
            if rel != MARKER_FILENAME:
                out.append(rel)
    return sorted(out)


def _read_marker(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def install_system_skills(codex_home: str | os.PathLike) -> bool:
    """Install (or refresh) the system skills; returns True when files were written."""
    codex_home = Path(os.path.abspath(codex_home))
    (codex_home / SKILLS_DIR_NAME).mkdir(parents=True, exist_ok=True)
    dest = system_cache_root_dir(codex_home)
    marker = dest / MARKER_FILENAME
    expected = bundled_fingerprint()
    if dest.is_dir() and _read_marker(marker) == expected:
        return False
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for rel in bundled_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((BUNDLE_DIR / rel).read_bytes())
    marker.write_text(expected + "\n", encoding="utf-8")
    return True
