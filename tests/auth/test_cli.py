"""`codex login` / `login status` / `logout` against the reference's captured texts (fixtures/auth/)."""
from __future__ import annotations

import json
import os
import stat

import pytest

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "auth"


def _manifest():
    return json.loads((FIXTURES / "manifest.json").read_text())


def test_captured_sequence(codex_home, run_cli):
    """The capture order: status (none), login --with-api-key, status, logout, logout."""
    for entry in _manifest():
        code, out, err = run_cli(entry["argv"][1:], entry.get("stdin"))
        assert (code, err) == (entry["exit_code"], entry["stderr"]), entry["argv"]
        assert out == (FIXTURES / os.path.basename(entry["stdout_file"])).read_text()


def test_auth_json_format_and_mode(codex_home, run_cli):
    assert run_cli(["login", "--with-api-key"], "sk-mock-not-a-real-key\n")[0] == 0
    path = codex_home / "auth.json"
    assert path.read_bytes() == b'{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "sk-mock-not-a-real-key"\n}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    log = codex_home / "log" / "codex-login.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "sk-mock" not in log.read_text()


CASES = json.loads((FIXTURES / "status_cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_status_of_each_auth_json(codex_home, run_cli, case):
    (codex_home / "auth.json").write_text(case["auth_json"])
    assert run_cli(["login", "status"]) == (case["exit_code"], case["stdout"], case["stderr"])


def test_corrupt_auth_json_is_never_overwritten_by_status(codex_home, run_cli):
    (codex_home / "auth.json").write_text("{not json")
    code, _, err = run_cli(["login", "status"])
    assert (code, err) == (1, "Error checking login status: key must be a string at line 1 column 2\n")
    assert (codex_home / "auth.json").read_text() == "{not json"


def test_keys_are_masked(codex_home, run_cli):
    run_cli(["login", "--with-api-key"], "sk-proj-1234567890ABCDE")
    assert run_cli(["login", "status"])[2] == "Logged in using an API key - sk-proj-***ABCDE\n"
    run_cli(["login", "--with-api-key"], "sk-proj-12345")
    assert run_cli(["login", "status"])[2] == "Logged in using an API key - ***\n"


def test_stdin_errors(codex_home, run_cli):
    assert run_cli(["login", "--with-api-key"], " \n") == (
        1, "", "Reading API key from stdin...\nNo API key provided via stdin.\n")
    assert run_cli(["login", "--api-key", "sk-x"]) == (
        1, "", "The --api-key flag is no longer supported. Pipe the key instead, e.g. "
               "`printenv OPENAI_API_KEY | codex login --with-api-key`.\n")


def test_forced_login_method(codex_home, run_cli):
    assert run_cli(["-c", "forced_login_method=chatgpt", "login", "--with-api-key"], "sk-1234567890abcdef") == (
        1, "", "Reading API key from stdin...\nAPI key login is disabled. Use ChatGPT login instead.\n")
    assert run_cli(["-c", "forced_login_method=api", "login", "--device-auth"]) == (
        1, "", "ChatGPT login is disabled. Use API key login instead.\n")
    assert not (codex_home / "auth.json").exists()


def test_config_error(codex_home, run_cli):
    (codex_home / "config.toml").write_text('forced_login_method = "bogus"\n')
    code, _, err = run_cli(["logout"])
    assert code == 1
    assert err == (f"Error loading configuration: {codex_home / 'config.toml'}:1:23: unknown variant `bogus`, "
                   "expected `chatgpt` or `api`\n")


def test_ephemeral_store_does_not_touch_disk(codex_home, run_cli):
    assert run_cli(["-c", "cli_auth_credentials_store=ephemeral", "login", "--with-api-key"], "sk-1234567890abcdef")[0] == 0
    assert not (codex_home / "auth.json").exists()


def test_device_auth_with_fake_issuer(codex_home, run_cli, monkeypatch):
    from fake_issuer import FakeIssuer

    monkeypatch.setattr("time.sleep", lambda s: None)
    with FakeIssuer() as issuer:
        issuer.pending_polls = 2
        code, out, err = run_cli(["login", "--device-auth", "--experimental_issuer", issuer.base_url])
    assert (code, err) == (0, "Successfully logged in\n")
    assert f"{issuer.base_url}/codex/device" in out and "ABCD-EFGH" in out
    assert run_cli(["login", "status"]) == (0, "", "Logged in using ChatGPT\n")
    data = json.loads((codex_home / "auth.json").read_text())
    assert list(data) == ["auth_mode", "OPENAI_API_KEY", "tokens", "last_refresh"]
    assert data["tokens"]["account_id"] == "acct-123"


def test_device_auth_disabled(codex_home, run_cli):
    from fake_issuer import FakeIssuer

    with FakeIssuer() as issuer:
        issuer.device_enabled = False
        assert run_cli(["login", "--device-auth", "--experimental_issuer", issuer.base_url]) == (
            1, "", "Error logging in with device code: device code login is not enabled for this Codex server. "
                   "Use the browser login or verify the server URL.\n")


def test_imports_stay_cheap(codex_home):
    import subprocess
    import sys

    code = ("import sys, json; from codex.cli import main; main(['codex', 'login', 'status']); "
            "main(['codex', 'logout']); "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'keyring', 'httpcore'))))")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stderr


def test_terminal_stdin_is_refused(codex_home, run_cli, monkeypatch):
    import io
    import sys

    class Tty(io.StringIO):
        def isatty(self):
            return True

    from codex.cli import main

    monkeypatch.setattr(sys, "stdin", Tty())
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["codex", "login", "--with-api-key"]) == 1
    assert err.getvalue() == ("--with-api-key expects the API key on stdin. Try piping it, e.g. "
                              "`printenv OPENAI_API_KEY | codex login --with-api-key`.\n")
