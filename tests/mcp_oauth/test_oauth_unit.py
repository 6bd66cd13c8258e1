"""codex.mcp.oauth pieces on their own: the store key and callback id (values from the
reference's runs), callback parsing (upstream's cases), the keyring side of the store (an
in-memory keyring backend: service / account names, the file fallback), the callback timeout,
token endpoint error texts, and `codex --version` not importing the HTTP stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from codex.mcp import oauth
from mcp_oauth.provider import OAuthProvider


def test_store_key_and_callback_id_match_the_reference():
    # .credentials.json key and redirect URI written by 0.136.0 for these URLs
    assert oauth.compute_store_key("srv", "http://127.0.0.1:39097/mcp") == "srv|5a488f71c132d757"
    assert oauth.compute_store_key("srv", "http://127.0.0.1:45895/mcp") == "srv|7a08086857548015"
    assert oauth.callback_id("http://127.0.0.1:43185/mcp") == "xk4XyazJ9yvB"
    # the `Url` crate's serialization: an empty path is "/", the fragment is dropped
    assert oauth.callback_id("HTTP://Example.COM:80#frag") == oauth.callback_id("http://example.com/")


@pytest.mark.parametrize("path,expected,outcome", [
    ("/callback?code=abc&state=xyz", "/callback", ("success", ("abc", "xyz"))),
    ("/oauth/callback?code=abc&state=xyz", "/oauth/callback", ("success", ("abc", "xyz"))),
    ("/callback/abc123?code=abc&state=xyz", "/callback/abc123", ("success", ("abc", "xyz"))),
    ("/callback?code=abc&state=xyz", "/callback/abc123", ("invalid", None)),
    ("/callback?code=abc&state=xyz", "/oauth/callback", ("invalid", None)),
    ("/callback", "/callback", ("invalid", None)),
    ("/callback?code=abc", "/callback", ("invalid", None)),
    ("/callback?error=invalid_scope&error_description=scope%20rejected", "/callback",
     ("error", "OAuth provider returned `invalid_scope`: scope rejected")),
    ("/callback?error=denied", "/callback", ("error", "OAuth provider returned `denied`")),
    ("/callback?error_description=just+text", "/callback", ("error", "OAuth error: just+text")),
    ("/callback?code=%FF&state=s&code=ok", "/callback", ("success", ("ok", "s"))),
])
def test_parse_callback(path, expected, outcome):
    assert oauth._parse_callback(path, expected) == outcome


class _MemoryKeyring:
    """A keyring backend kept in a dict."""

    def __init__(self):
        import keyring.backend

        outer = self
        self.data: dict = {}

        class Backend(keyring.backend.KeyringBackend):
            priority = 10

            def get_password(self, service, username):
                return outer.data.get((service, username))

            def set_password(self, service, username, password):
                outer.data[(service, username)] = password

            def delete_password(self, service, username):
                import keyring.errors

                if (service, username) not in outer.data:
                    raise keyring.errors.PasswordDeleteError("missing")
                del outer.data[(service, username)]

        self.backend = Backend()


@pytest.fixture
def memory_keyring():
    keyring = pytest.importorskip("keyring")
    previous = keyring.get_keyring()
    mem = _MemoryKeyring()
    keyring.set_keyring(mem.backend)
    try:
        yield mem
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    keyring = pytest.importorskip("keyring")
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def _tokens(url="http://127.0.0.1:1/mcp"):
    return {"server_name": "srv", "server_url": url, "client_id": "cid", "access_token": "at",
            "expires_at": 4102444800000, "refresh_token": "rt", "scopes": ["a", "b"]}


class _Config:
    def __init__(self, home, mode):
        self.codex_home = str(home)
        self.raw = {"mcp_oauth_credentials_store": mode}


def test_keyring_store_service_account_and_file_fallback(tmp_path, memory_keyring):
    cred_file = tmp_path / ".credentials.json"
    # a stale file entry is dropped once the keyring holds the tokens (as upstream)
    oauth.save_oauth_tokens(_tokens(), "file", tmp_path)
    assert cred_file.exists()
    oauth.save_oauth_tokens(_tokens(), "auto", tmp_path)
    key = oauth.compute_store_key("srv", "http://127.0.0.1:1/mcp")
    stored = json.loads(memory_keyring.data[("Codex MCP Credentials", key)])
    assert list(stored) == ["server_name", "url", "client_id", "token_response", "expires_at"]
    assert stored["token_response"]["access_token"] == "at"
    assert stored["token_response"]["refresh_token"] == "rt"
    assert stored["token_response"]["scope"] == "a b"
    assert not cred_file.exists()
    assert oauth.load_oauth_tokens("srv", "http://127.0.0.1:1/mcp", "auto", tmp_path)["access_token"] == "at"
    assert oauth.load_oauth_tokens("srv", "http://127.0.0.1:1/mcp", "keyring", tmp_path)["scopes"] == ["a", "b"]
    assert oauth.delete_oauth_tokens(_Config(tmp_path, "auto"), "srv", "http://127.0.0.1:1/mcp") is True
    assert memory_keyring.data == {}
    assert oauth.delete_oauth_tokens(_Config(tmp_path, "keyring"), "srv", "http://127.0.0.1:1/mcp") is False


def test_without_keyring_auto_falls_back_to_the_file(tmp_path, no_keyring):
    oauth.save_oauth_tokens(_tokens(), "auto", tmp_path)
    data = json.loads((tmp_path / ".credentials.json").read_text())
    assert list(data) == [oauth.compute_store_key("srv", "http://127.0.0.1:1/mcp")]
    assert oauth.load_oauth_tokens("srv", "http://127.0.0.1:1/mcp", "auto", tmp_path)["refresh_token"] == "rt"
    with pytest.raises(oauth.OAuthError) as exc:
        oauth.save_oauth_tokens(_tokens(), "keyring", tmp_path)
    assert exc.value.render() == (
        "Error: failed to write OAuth tokens to keyring: Platform secure storage failure: no secret service "
        "provider or dbus session found\n\nCaused by:\n"
        "    0: Platform secure storage failure: no secret service provider or dbus session found\n"
        "    1: no secret service provider or dbus session found\n")
    with pytest.raises(OSError, match="failed to delete OAuth tokens from keyring"):
        oauth.delete_oauth_tokens(_Config(tmp_path, "auto"), "srv", "http://127.0.0.1:1/mcp")
    assert oauth.delete_oauth_tokens(_Config(tmp_path, "file"), "srv", "http://127.0.0.1:1/mcp") is True
    assert not (tmp_path / ".credentials.json").exists()      # an empty store removes the file


def test_callback_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv(oauth.TIMEOUT_ENV, "1")
    monkeypatch.setenv("BROWSER", "/nonexistent")
    out, err = [], []
    with OAuthProvider() as p, pytest.raises(oauth.OAuthError) as exc:
        oauth.perform_oauth_login("srv", p.mcp_url, mode="file", codex_home=tmp_path,
                                  out=out.append, err=err.append)
    assert exc.value.render() == ("Error: timed out waiting for OAuth callback\n\nCaused by:\n"
                                  "    deadline has elapsed\n")
    assert out[0].startswith("Authorize `srv` by opening this URL in your browser:\nhttp://127.0.0.1:")
    assert err == ["(Browser launch failed; please copy the URL above manually.)\n"]
    assert not (tmp_path / ".credentials.json").exists()


@pytest.mark.parametrize("status,body,message", [
    (400, {"error": "invalid_grant", "error_description": "bad", "error_uri": "https://e/x"},
     "Server returned error response: invalid_grant: bad (see https://e/x)"),
    (401, "not json", "expected value at line 1 column 1"),
    (200, {"access_token": "x"}, "missing field `token_type` at line 1 column 21"),
])
def test_token_endpoint_errors(status, body, message):
    with OAuthProvider() as p:
        p.token_error = (status, body)
        p.codes["c"] = {}
        with pytest.raises(oauth.OAuthError) as exc:
            oauth._token_request(f"{p.base_url}/token", [("grant_type", "authorization_code"), ("code", "c")])
    assert exc.value.message == message


def test_refresh_keeps_old_refresh_token_and_persists(tmp_path):
    with OAuthProvider() as p:
        p.refresh_tokens.add("rt")
        tokens = dict(_tokens(p.mcp_url), expires_at=1)
        oauth.save_oauth_tokens(tokens, "file", tmp_path)
        auth = oauth.ConnectionAuth.load("srv", p.mcp_url, mode="file", codex_home=tmp_path)
        assert auth.access_token == "at" and auth.needs_refresh()
        assert auth.refresh_if_needed() is True
        assert not auth.needs_refresh()
        saved = oauth.load_oauth_tokens("srv", p.mcp_url, "file", tmp_path)
        assert saved["access_token"] == auth.access_token != "at"
        assert [r["body"] for r in p.requests if r["path"] == "/token"] == [
            "grant_type=refresh_token&refresh_token=rt&scope=a+b&client_id=cid"]


def test_version_does_not_import_http_stack():
    code = ("import sys, runpy; sys.argv=['codex','--version']\n"
            "try:\n    runpy.run_module('codex', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "bad=[m for m in ('httpx','httpx2','mcp','keyring','codex.mcp.oauth') if m in sys.modules]\n"
            "sys.stderr.write(repr(bad))")
    env = dict(os.environ)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.stderr.strip().endswith("[]"), r.stderr
