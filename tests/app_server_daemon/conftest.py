"""Tests marked ``reference`` need the reference Codex 0.136.0 (tests/parity/reference.py): without
it they are skipped with the reason, or fail under ``CI=true`` / ``CODEX_REQUIRE_REFERENCE=1``."""

from __future__ import annotations

import pytest

from parity.reference import ReferenceUnavailable, find_reference, reference_required


@pytest.fixture(autouse=True)
def _reference_marker(request):
    if request.node.get_closest_marker("reference") is None:
        return
    try:
        find_reference()
    except ReferenceUnavailable as exc:
        if reference_required():
            pytest.fail(f"reference Codex required (CI/CODEX_REQUIRE_REFERENCE) but unavailable: {exc}",
                        pytrace=False)
        pytest.skip(f"reference Codex unavailable: {exc}")
