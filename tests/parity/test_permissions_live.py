"""Live check of the `<permissions instructions>` wording: the reference's first request's
developer message (input[0]) against ours, for a few approval policy x sandbox combinations,
captured as fixtures/core/capture_permissions.py does (exec for `never`, app-server otherwise)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from codex.core.context import permissions as P

_SCRIPT = Path(__file__).resolve().parents[2] / "fixtures" / "core" / "capture_permissions.py"


def _capture_module():
    spec = importlib.util.spec_from_file_location("capture_permissions", _SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


CWD = "/var/tmp/codex-parity/perm-live/cwd"


def _ours(policy: str, mode: str) -> str:
    roots = P.default_writable_roots(CWD) if mode == "workspace-write" else None
    return P.permissions_instructions(mode, policy, writable_roots=roots)


@pytest.mark.reference
@pytest.mark.parametrize("policy,mode", [
    ("on-request", "workspace-write"),
    ("on-failure", "read-only"),
    ("untrusted", "danger-full-access"),
    ("never", "workspace-write"),
])
def test_app_server_permissions_match_reference(policy, mode):
    case = _capture_module().capture_app_server(policy, mode)
    assert _ours(policy, mode) == case["expected"].replace("{cwd}", CWD)


@pytest.mark.reference
def test_exec_ignores_approval_override_and_matches_never():
    case = _capture_module().capture_exec("on-request", "read-only")
    assert _ours("never", "read-only") == case["expected"]
