"""Fixtures of the config tests."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from config.helpers import capture


@pytest.fixture
def case_base():
    """A fresh directory outside /tmp and outside any git work tree (project-root discovery walks
    up to the nearest `.git`), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="cfg-test-", dir=capture.scratch_parent()))
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)
