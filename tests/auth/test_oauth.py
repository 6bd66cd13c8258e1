"""The browser sign-in (local callback server, PKCE, state) and the device-code flow against the
fake issuer on loopback."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from codex.auth import oauth
from codex.auth.oauth import LoginError, ServerOptions, run_device_code_login, run_login_server
from fake_issuer import FakeIssuer


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _get(url):
    """-> (status, headers, body) without following redirects."""
    try:
        with _OPENER.open(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def _server(codex_home, issuer, **kw):
    return run_login_server(ServerOptions(str(codex_home), issuer=issuer.base_url, port=0, **kw))


def test_authorize_url_shape(codex_home):
    with FakeIssuer() as issuer:
        server = _server(codex_home, issuer, forced_chatgpt_workspace_id="ws-1")
        try:
            url = urlsplit(server.auth_url)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            assert f"{url.scheme}://{url.netloc}{url.path}" == issuer.base_url + "/oauth/authorize"
            assert list(q) == ["response_type", "client_id", "redirect_uri", "scope", "code_challenge",
                               "code_challenge_method", "id_token_add_organizations", "codex_cli_simplified_flow",
                               "state", "originator", "allowed_workspace_id"]
            assert q["redirect_uri"] == f"http://localhost:{server.actual_port}/auth/callback"
            assert q["scope"] == "openid profile email offline_access api.connectors.read api.connectors.invoke"
            assert "%20" in server.auth_url and "+" not in server.auth_url
            assert q["code_challenge"] == base64.urlsafe_b64encode(
                hashlib.sha256(server.pkce.code_verifier.encode()).digest()).decode().rstrip("=")
            assert len(q["state"]) == 43 and q["originator"] == "codex_cli_rs"
        finally:
            server.cancel()
            with pytest.raises(LoginError, match="Login was not completed"):
                server.block_until_done()


def test_browser_flow_end_to_end(codex_home):
    with FakeIssuer() as issuer:
        server = _server(codex_home, issuer)
        status, headers, _ = _get(server.auth_url)
        assert status == 302
        callback = headers["Location"]
        status, headers, _ = _get(callback)
        assert status == 302
        success = headers["Location"]
        assert success.startswith(f"http://localhost:{server.actual_port}/success?id_token=")
        assert "platform_url=https%3A%2F%2Fplatform.api.openai.org" in success
        status, headers, body = _get(success)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"Signed in" in body
        server.block_until_done(timeout=10)
        token_calls = [b for m, p, _, b in issuer.requests if p == "/oauth/token"]
    assert "grant_type=authorization_code" in token_calls[0]
    assert "token-exchange" in token_calls[1]
    data = json.loads((codex_home / "auth.json").read_text())
    assert data["auth_mode"] == "chatgpt"
    assert data["OPENAI_API_KEY"] == "sk-exchanged-api-key-0001"
    assert data["tokens"]["account_id"] == "acct-123"


def test_state_mismatch_keeps_waiting(codex_home):
    with FakeIssuer() as issuer:
        server = _server(codex_home, issuer)
        status, _, body = _get(f"http://127.0.0.1:{server.actual_port}/auth/callback?code=x&state=wrong")
        assert (status, body) == (400, b"State mismatch")
        assert _get(f"http://127.0.0.1:{server.actual_port}/nope")[0] == 404
        status, _, body = _get(f"http://127.0.0.1:{server.actual_port}/cancel")
        assert (status, body) == (200, b"Login cancelled")
        with pytest.raises(LoginError, match="^Login cancelled$"):
            server.block_until_done(timeout=10)
        assert issuer.requests == []
    assert not (codex_home / "auth.json").exists()


def test_oauth_error_and_bad_pkce(codex_home):
    with FakeIssuer() as issuer:
        issuer.authorize_error = "access_denied"
        server = _server(codex_home, issuer)
        _, headers, _ = _get(server.auth_url)
        status, _, body = _get(headers["Location"])
        assert status == 200 and b"Sign-in failed: access_denied" in body
        with pytest.raises(LoginError, match="^Sign-in failed: access_denied$"):
            server.block_until_done(timeout=10)
        # a code whose PKCE verifier does not match: the token endpoint refuses
        issuer.authorize_error = None
        server = _server(codex_home, issuer)
        _, headers, _ = _get(server.auth_url)
        issuer.codes[parse_qs(urlsplit(headers["Location"]).query)["code"][0]]["challenge"] = "other"
        _get(headers["Location"])
        with pytest.raises(LoginError, match="^Token exchange failed: token endpoint returned status 400 Bad Request: "
                                             "PKCE mismatch$"):
            server.block_until_done(timeout=10)
    assert not (codex_home / "auth.json").exists()


def test_workspace_restriction(codex_home):
    with FakeIssuer(account_id="acct-other") as issuer:
        server = _server(codex_home, issuer, forced_chatgpt_workspace_id=["acct-123"])
        _, headers, _ = _get(server.auth_url)
        _get(headers["Location"])
        with pytest.raises(LoginError, match=r"^Login is restricted to workspace id\(s\) acct-123\.$"):
            server.block_until_done(timeout=10)
    assert not (codex_home / "auth.json").exists()


def test_device_code_flow(codex_home):
    printed, sleeps = [], []
    with FakeIssuer() as issuer:
        issuer.pending_polls = 3
        run_device_code_login(ServerOptions(str(codex_home), issuer=issuer.base_url), out=printed.append,
                              sleep=sleeps.append)
        assert issuer.paths() == ["/api/accounts/deviceauth/usercode"] + ["/api/accounts/deviceauth/token"] * 4 + [
            "/oauth/token"]
    assert sleeps == [0, 0, 0]
    assert printed == [oauth.device_code_prompt(f"{issuer.base_url}/codex/device", "ABCD-EFGH")]
    assert json.loads((codex_home / "auth.json").read_text())["tokens"]["refresh_token"] == "refresh-1"


def test_device_code_timeout(codex_home):
    clock = iter([0, 10, 16 * 60])
    with FakeIssuer() as issuer:
        issuer.pending_polls = 100
        opts = ServerOptions(str(codex_home), issuer=issuer.base_url)
        client = oauth._client()
        try:
            device = oauth.request_device_code(opts, client)
            with pytest.raises(LoginError, match="^device auth timed out after 15 minutes$"):
                oauth.poll_for_token(opts, client, device, sleep=lambda s: None, clock=lambda: next(clock))
        finally:
            client.close()


def test_cli_browser_login_prints_url_and_cancels(codex_home, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CODEX_API"))}
    env.update(CODEX_HOME=str(codex_home), CODEX_LOGIN_SERVER_PORT="0", CODEX_LOGIN_NO_BROWSER="1",
               PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "codex", "login"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stderr.readline() for _ in range(6)]
        assert lines[0].startswith("Starting local login server on http://localhost:")
        port = int(lines[0].split(":")[-1].rstrip(".\n"))
        assert lines[1:3] == ["If your browser did not open, navigate to this URL to authenticate:\n", "\n"]
        assert lines[3].startswith("https://auth.openai.com/oauth/authorize?response_type=code&client_id=")
        assert lines[5] == "On a remote or headless machine? Use `codex login --device-auth` instead.\n"
        _get(f"http://127.0.0.1:{port}/cancel")
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, out, err) == (1, "", "Error logging in: Login cancelled\n")
