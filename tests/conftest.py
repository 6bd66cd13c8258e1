"""Top-level test configuration (kept minimal).

Puts tests/ on sys.path so any test can `from parity.mock_responses import ...`, and registers
the `reference` marker (tests that run the reference Codex binary; see tests/parity/)."""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)


def pytest_configure(config):
    config.addinivalue_line("markers", "reference: runs the reference Codex 0.136.0 binary (npm)")
