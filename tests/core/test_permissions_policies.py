"""Our `<permissions instructions>` block against every case captured from the reference
(fixtures/core/permissions_cases.json, made by fixtures/core/capture_permissions.py), byte for byte.
In-process: no reference binary needed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex.core.context import permissions as P

CASES_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "core" / "permissions_cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]
# The captured sandbox cwd is stored as the `{cwd}` placeholder; any path sorting after /tmp works.
CWD = "/var/tmp/codex-parity/perm-abc123/cwd"


def _id(case: dict) -> str:
    return f"{case['via']}-{case['approval_policy']}-{case['sandbox_mode']}"


def _ours(policy: str, mode: str, cwd: str = CWD) -> str:
    roots = P.default_writable_roots(cwd) if mode == "workspace-write" else None
    return P.permissions_instructions(mode, policy, writable_roots=roots)


def test_capture_covers_every_policy_and_sandbox():
    got = {(c["approval_policy"], c["sandbox_mode"]) for c in CASES if c["via"] == "app-server"}
    assert got == {(p, s) for p in ("never", "on-request", "on-failure", "untrusted")
                   for s in ("read-only", "workspace-write", "danger-full-access")}


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_matches_reference_byte_for_byte(case):
    expected = case["expected"].replace("{cwd}", CWD)
    ours = _ours(case["approval_policy"], case["sandbox_mode"])
    assert ours.encode("utf-8") == expected.encode("utf-8")


@pytest.mark.parametrize("policy", ["on-request", "on-failure", "untrusted", "never"])
def test_policy_spellings(policy):
    text = P.approval_text(policy)
    assert P.approval_text(policy.upper()) == text
    assert P.approval_text(policy.replace("-", "_")) == text


def test_unless_trusted_alias():
    assert P.approval_text("unless-trusted") == P.approval_text("untrusted")
    assert "`approval_policy` is `unless-trusted`" in P.approval_text("untrusted")


def test_templates_keep_exact_whitespace():
    assert P.approval_text("untrusted").startswith(" Approvals are")
    assert "herestring. \n" in P.approval_text("on-request")
    for policy in ("never", "on-request", "on-failure", "untrusted"):
        assert P.approval_text(policy).endswith("\n")


def test_uncaptured_policy_still_refused():
    with pytest.raises(NotImplementedError):
        P.approval_text("granular")
