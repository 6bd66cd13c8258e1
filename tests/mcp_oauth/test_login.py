"""`codex mcp login/logout` (and `mcp add`'s OAuth flow) against the test OAuth provider.

* `test_scenario_matches_reference_recording`: ours, compared with what the reference 0.136.0 did
  in the same scenario (recorded in fixtures/mcp_oauth/<scenario>.json by `scenarios.py`):
  outputs, the callback listener's answers, every request the provider saw (discovery order,
  registration body, authorization URL parameters and their order, token request body) and the
  credentials file (layout, key, mode);
* `test_scenario_live` (reference marker): the same, the reference run live next to ours.
"""

from __future__ import annotations

import json

import pytest

from mcp_oauth.scenarios import FIXTURES, SCENARIOS, run_scenario

NAMES = sorted(SCENARIOS)


def _load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _compare(ours: dict, ref: dict) -> None:
    assert [s["argv"] for s in ours["steps"]] == [s["argv"] for s in ref["steps"]]
    for got, want in zip(ours["steps"], ref["steps"]):
        assert got == want, f"step {want['argv']}"
    assert ours["requests"] == ref["requests"]
    assert ours["credentials"] == ref["credentials"]


@pytest.mark.parametrize("name", NAMES)
def test_scenario_matches_reference_recording(name):
    _compare(run_scenario(name, "ours"), _load(name))


@pytest.mark.reference
@pytest.mark.parametrize("name", ["basic", "cli_scopes", "protected_resource", "file_store_logout",
                                  "callback_error", "token_error", "add_with_oauth"])
def test_scenario_live(name):
    _compare(run_scenario(name, "ours"), run_scenario(name, "reference"))
