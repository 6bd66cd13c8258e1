"""Fixtures of the apply_patch tests: each test that takes `seek_impl` runs with both twins of
the seeker (the compiled one is skipped with "compiled twin not built" when it is missing,
unless CODEX_EXPECT_COMPILED=1, where that is a failure)."""

from __future__ import annotations

import importlib
import os

import pytest

import codex.apply_patch.seek_sequence as facade

TWINS = {"compiled": "codex.apply_patch._seek_c", "pure": "codex.apply_patch.seek_sequence_py"}


def load_seek_twin(which: str):
    try:
        return importlib.import_module(TWINS[which])
    except ImportError:
        if os.environ.get("CODEX_EXPECT_COMPILED", "") == "1":
            pytest.fail("compiled twin not built (CODEX_EXPECT_COMPILED=1)", pytrace=False)
        pytest.skip("compiled twin not built")


@pytest.fixture(params=["compiled", "pure"])
def seek_impl(request, monkeypatch):
    """The seeker twin under test; the applier (via the facade) uses it too."""
    mod = load_seek_twin(request.param)
    monkeypatch.setattr(facade, "LineIndex", mod.LineIndex)
    monkeypatch.setattr(facade, "seek_sequence", mod.seek_sequence)
    monkeypatch.setattr(facade, "normalise", mod.normalise)
    return mod
