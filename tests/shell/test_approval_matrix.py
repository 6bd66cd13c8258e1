"""`exec_approval_requirement` against the reference Codex 0.136.0's app-server decisions
(fixtures/shell/approval_matrix.json, captured by tests/shell/capture_approval_matrix.py).

Each record is one exec_command call of `/bin/bash -lc <cmd>` under an approval policy and a
sandbox mode, with `rules/default.rules` as recorded. The reference either ran it (`ran`), sent
`item/commandExecution/requestApproval` (`approval`, which the capture declined), or refused
(`rejected`, with the text the model got back).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex.shell.approval import (
    Forbidden,
    approval_request_fields,
    NeedsApproval,
    Skip,
    available_decisions,
    escalation_rejection,
    exec_approval_requirement,
    forbidden_output_for_model,
)

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "shell" / "approval_matrix.json"
DATA = json.loads(FIXTURE.read_text())
SHELL = "/bin/bash"


def _policy():
    from codex.execpolicy.parser import PolicyParser

    parser = PolicyParser()
    parser.parse("default.rules", DATA["rules"])
    return parser.build()


POLICY = _policy()


def _sandbox_json(mode: str) -> dict:
    return {"type": mode}


def _predict(rec: dict):
    cfg = DATA["configs"][rec["config"]]
    args = rec["args"]
    argv = [SHELL, "-lc", rec["cmd"]]
    perms = args.get("sandbox_permissions", "use_default")
    rejection = escalation_rejection(cfg["approval_policy"], perms)
    if rejection is not None:
        return argv, rejection
    return argv, exec_approval_requirement(argv, cfg["approval_policy"], _sandbox_json(cfg["sandbox"]), perms,
                                           POLICY, args.get("prefix_rule"))


def test_matrix_size():
    assert len(DATA["records"]) >= 40 * 4
    assert len({r["case"] for r in DATA["records"]}) >= 40


@pytest.mark.parametrize("rec", DATA["records"], ids=lambda r: f"{r['config']}:{r['case']}")
def test_reference_decision(rec):
    assert rec["item_command"] is None or rec["item_command"].startswith(SHELL + " -lc ")
    argv, got = _predict(rec)
    outcome = rec["outcome"]
    if isinstance(got, str):  # escalation refused before exec policy runs
        assert outcome == "rejected", (got, rec)
        assert rec["output"] == got
        return
    if isinstance(got, Skip):
        assert outcome == "ran", (got, rec)
    elif isinstance(got, NeedsApproval):
        assert outcome == "approval", (got, rec)
        req = rec["approval_requests"][0]
        assert req.get("proposedExecpolicyAmendment") == got.proposed_execpolicy_amendment
        assert req["availableDecisions"] == available_decisions(got.proposed_execpolicy_amendment)
        fields = approval_request_fields(got, rec["args"].get("justification"))
        assert {k: v for k, v in req.items() if k in ("reason", "proposedExecpolicyAmendment",
                                                      "availableDecisions")} == fields
    else:
        assert isinstance(got, Forbidden)
        assert outcome == "rejected", (got, rec)
        assert rec["output"] == forbidden_output_for_model(argv, got.reason)
