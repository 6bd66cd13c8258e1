"""Fixtures for differential tests.

* ``mock_responses``: a started `MockResponses` (empty queue; `enqueue()` replies), stopped after.
* ``ref_env``: a `RefEnv` sandbox wired to ``mock_responses``; closed after.
* ``reference_bin``: the reference binary's path.
* Tests marked ``@pytest.mark.reference`` need the reference: without it they are skipped with
  the reason, or fail under ``CI=true`` / ``CODEX_REQUIRE_REFERENCE=1``.
"""
from __future__ import annotations

import pytest

from .mock_responses import MockResponses
from .reference import RefEnv, ReferenceUnavailable, find_reference, reference_required


def pytest_configure(config):
    if not any(str(line).startswith("reference:") for line in config.getini("markers")):
        config.addinivalue_line("markers", "reference: runs the reference Codex 0.136.0 binary (npm)")


def _need_reference():
    try:
        return find_reference()
    except ReferenceUnavailable as exc:
        if reference_required():
            pytest.fail(f"reference Codex required (CI/CODEX_REQUIRE_REFERENCE) but unavailable: {exc}",
                        pytrace=False)
        pytest.skip(f"reference Codex unavailable: {exc}")


@pytest.fixture(autouse=True)
def _reference_marker(request):
    if request.node.get_closest_marker("reference") is not None:
        _need_reference()


@pytest.fixture
def reference_bin():
    return _need_reference()


@pytest.fixture
def mock_responses():
    with MockResponses() as mock:
        yield mock


@pytest.fixture
def ref_env(mock_responses):
    with RefEnv(mock_responses) as env:
        yield env
