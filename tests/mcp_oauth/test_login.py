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


def _interrupted_login(which: str):
    import signal
    import subprocess

    from mcp_oauth.provider import OAuthProvider
    from mcp_oauth.scenarios import BROWSER_ENV
    from parity.reference import RefEnv

    with OAuthProvider() as p, RefEnv(tag="mcp-oauth-int") as env:
        env.config_path.write_text(env.config_path.read_text() + f'\n[mcp_servers.srv]\nurl = "{p.mcp_url}"\n')
        proc = subprocess.Popen(env.command(which) + ["mcp", "login", "srv"], cwd=env.cwd, env=env.env(which, BROWSER_ENV),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        try:
            out = [proc.stdout.readline(), proc.stdout.readline()]
            err = [proc.stderr.readline()]          # the browser step is over: waiting for the callback
            proc.send_signal(signal.SIGINT)
            rest_out, rest_err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        # (tmp/arg0 helper links: see DEVIATIONS.md)
        return proc.returncode, out[0] + rest_out, "".join(err) + rest_err, [f for f in env.files() if not f.startswith("tmp/")]


def test_ctrl_c_while_waiting_dies_by_the_signal_without_a_traceback():
    code, out, err, files = _interrupted_login("ours")
    assert (code, out, err) == (-2, "Authorize `srv` by opening this URL in your browser:\n",
                                "(Browser launch failed; please copy the URL above manually.)\n")
    assert files == ["config.toml"]


@pytest.mark.reference
def test_ctrl_c_while_waiting_live():
    assert _interrupted_login("ours") == _interrupted_login("reference")
