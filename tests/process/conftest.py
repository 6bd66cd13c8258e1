"""Fixtures for codex.process tests: both spawn twins, a clean child environment."""
from __future__ import annotations

import importlib
import os

import pytest


@pytest.fixture(params=["pure", "compiled"])
def twin(request, monkeypatch):
    """Make codex.process.spawn use the given twin for the duration of a test."""
    from codex.process import spawn

    if request.param == "compiled":
        if os.environ.get("CODEX_NO_EXTENSIONS", "") not in ("", "0"):
            pytest.skip("compiled twin not built")
        try:
            mod = importlib.import_module("codex.process._spawn_c")
        except ImportError:
            pytest.skip("compiled twin not built")
    else:
        mod = importlib.import_module("codex.process.spawn_py")
    monkeypatch.setattr(spawn, "_twin", mod)
    monkeypatch.setattr(spawn, "set_winsize", mod.set_winsize)
    monkeypatch.setattr(spawn, "get_winsize", mod.get_winsize)
    return request.param


@pytest.fixture
def clean_env(tmp_path):
    """A small, deterministic environment (HOME without dotfiles: login shells start fast)."""
    home = tmp_path / "home"
    home.mkdir()
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
