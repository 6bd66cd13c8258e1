"""Shared helpers of the file-search tests (twin parametrization, golden files, small trees)."""
from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "fixtures" / "file_search"

TWIN_MODULES = {"pure": "codex.file_search.match_py", "compiled": "codex.file_search._match_c"}


def import_compiled():
    try:
        return importlib.import_module(TWIN_MODULES["compiled"])
    except ImportError:
        return None


def twin_module(name: str):
    if name == "compiled":
        mod = import_compiled()
        if mod is None:
            pytest.skip("compiled twin not built")
        return mod
    return importlib.import_module(TWIN_MODULES["pure"])


def walk_cases() -> list[dict]:
    return json.loads((GOLDEN / "walk_cases.json").read_text())


def ref_scores() -> list[dict]:
    with open(GOLDEN / "ref_scores.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def load_capture_module():
    import sys
    if str(GOLDEN) not in sys.path:
        sys.path.insert(0, str(GOLDEN))
    return importlib.import_module("capture_golden")


def make_tree(root: Path, files: dict[str, str], git: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if git:
        (root / ".git" / "info").mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        p = root / rel
        if rel.endswith("/"):
            p.mkdir(parents=True, exist_ok=True)
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
    return root


def _in_git_tree(p: Path) -> bool:
    return any((q / ".git").exists() for q in [p, *p.parents])


@pytest.fixture
def outside_git(tmp_path):
    """A scratch directory with no `.git` above it (the walker, like the reference, treats any
    ancestor `.git` as a repository; a stray /tmp/.git would change what `.gitignore` does)."""
    if not _in_git_tree(tmp_path):
        yield tmp_path
        return
    import shutil
    import tempfile
    for base in ("/var/tmp", str(Path.home() / ".cache")):
        b = Path(base)
        if b.is_dir() and os.access(b, os.W_OK) and not _in_git_tree(b):
            d = Path(tempfile.mkdtemp(prefix="codex-fs-test-", dir=b))
            try:
                yield d
            finally:
                shutil.rmtree(d, ignore_errors=True)
            return
    pytest.skip("every scratch directory is inside a git work tree")


def isolated_home(monkeypatch, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    return home
