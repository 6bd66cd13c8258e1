"""AuthManager: headers for the model client, proactive refresh, 401 recovery, logout with revoke
(all against the fake issuer on loopback)."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

import pytest

from codex.auth.manager import (
    REFRESH_TOKEN_ACCOUNT_MISMATCH_MESSAGE, REFRESH_TOKEN_REUSED_MESSAGE, AuthManager, RefreshTokenError,
    RefreshTokenFailedError, load_auth, login_with_api_key,
)
from codex.auth.storage import AuthDotJson, TokenData, create_auth_storage, parse_chatgpt_jwt_claims
from fake_issuer import FakeIssuer, access_token_for, id_token_for


def _save_chatgpt(home, access_exp=None, last_refresh=None, account="acct-123", refresh="refresh-0"):
    adj = AuthDotJson(auth_mode="chatgpt",
                      tokens=TokenData(parse_chatgpt_jwt_claims(id_token_for(account)),
                                       access_token_for(access_exp, account), refresh, account),
                      last_refresh=last_refresh or dt.datetime.now(dt.timezone.utc))
    create_auth_storage(str(home), "file").save(adj)
    return adj


def run(coro):
    return asyncio.run(coro)


def test_api_key_headers(codex_home):
    login_with_api_key(str(codex_home), "sk-test-1234567890")
    m = AuthManager(str(codex_home))
    assert run(m.headers()) == {"authorization": "Bearer sk-test-1234567890"}
    assert run(m.on_unauthorized()) is False


def test_codex_api_key_env_wins_only_when_enabled(codex_home, monkeypatch):
    login_with_api_key(str(codex_home), "sk-file")
    monkeypatch.setenv("CODEX_API_KEY", "  sk-env  ")
    assert AuthManager(str(codex_home), enable_codex_api_key_env=True).auth_cached().api_key == "sk-env"
    assert AuthManager(str(codex_home)).auth_cached().api_key == "sk-file"


def test_not_logged_in_and_corrupt_file_give_no_headers(codex_home):
    assert run(AuthManager(str(codex_home)).headers()) == {}
    (codex_home / "auth.json").write_text("{oops")
    assert run(AuthManager(str(codex_home)).headers()) == {}


def test_chatgpt_headers_include_account_id(codex_home):
    adj = _save_chatgpt(codex_home, access_exp=int(time.time()) + 3600)
    h = run(AuthManager(str(codex_home)).headers())
    assert h == {"authorization": f"Bearer {adj.tokens.access_token}", "chatgpt-account-id": "acct-123"}


def test_expired_access_token_is_refreshed_before_use(codex_home):
    _save_chatgpt(codex_home, access_exp=int(time.time()) - 10)
    with FakeIssuer() as issuer:
        m = AuthManager(str(codex_home), refresh_endpoint=issuer.base_url + "/oauth/token")
        h = run(m.headers())
        body = json.loads([b for _, p, _, b in issuer.requests if p == "/oauth/token"][0])
    assert body == {"client_id": "app_EMoamEEZ73f0CkXaXp7hrann", "grant_type": "refresh_token",
                    "refresh_token": "refresh-0"}
    stored = json.loads((codex_home / "auth.json").read_text())
    assert stored["tokens"]["refresh_token"] == "refresh-1"
    assert h["authorization"] == f"Bearer {stored['tokens']['access_token']}"
    assert stored["last_refresh"] != "2025"


def test_last_refresh_older_than_8_days_triggers_refresh(codex_home, monkeypatch):
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=9)
    _save_chatgpt(codex_home, access_exp=None, last_refresh=old)
    with FakeIssuer() as issuer:
        monkeypatch.setenv("CODEX_REFRESH_TOKEN_URL_OVERRIDE", issuer.base_url + "/oauth/token")
        run(AuthManager(str(codex_home)).headers())
        assert issuer.paths("POST") == ["/oauth/token"]
    fresh = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    _save_chatgpt(codex_home, access_exp=None, last_refresh=fresh)
    assert not AuthManager.is_stale(AuthManager(str(codex_home)).auth_cached())


def test_401_recovery_reloads_then_refreshes(codex_home):
    _save_chatgpt(codex_home, access_exp=int(time.time()) + 3600)
    with FakeIssuer() as issuer:
        m = AuthManager(str(codex_home), refresh_endpoint=issuer.base_url + "/oauth/token")
        before = run(m.headers())
        # another process refreshed the tokens: the reload picks them up, no request
        _save_chatgpt(codex_home, access_exp=int(time.time()) + 7200, refresh="refresh-other")
        assert run(m.on_unauthorized()) is True
        assert issuer.requests == []
        assert run(m.headers()) != before
        # one step per 401: reload (unchanged storage), then a refresh at the authority, then done
        rec = m.unauthorized_recovery()
        assert run(m.on_unauthorized(rec)) is True
        assert issuer.requests == []
        assert run(m.on_unauthorized(rec)) is True
        assert issuer.paths("POST") == ["/oauth/token"]
        assert not rec.has_next()
        assert run(m.on_unauthorized(rec)) is False


def test_401_recovery_account_mismatch_is_permanent(codex_home):
    _save_chatgpt(codex_home, access_exp=int(time.time()) + 3600)
    m = AuthManager(str(codex_home))
    _save_chatgpt(codex_home, account="acct-other")
    rec = m.unauthorized_recovery()
    assert run(m.on_unauthorized(rec)) is False
    assert str(m.last_refresh_error) == REFRESH_TOKEN_ACCOUNT_MISMATCH_MESSAGE
    assert not rec.has_next()


def test_refresh_failures_are_classified(codex_home):
    _save_chatgpt(codex_home, access_exp=int(time.time()) + 3600)
    with FakeIssuer() as issuer:
        m = AuthManager(str(codex_home), refresh_endpoint=issuer.base_url + "/oauth/token")
        issuer.refresh_error = (400, json.dumps({"error": {"code": "refresh_token_reused"}}))
        with pytest.raises(RefreshTokenFailedError, match=REFRESH_TOKEN_REUSED_MESSAGE) as exc:
            run(m.refresh_token_from_authority())
        assert exc.value.reason == "exhausted"
        n = len(issuer.requests)
        with pytest.raises(RefreshTokenFailedError):  # cached: no second request for the same tokens
            run(m.refresh_token_from_authority())
        assert len(issuer.requests) == n
        m2 = AuthManager(str(codex_home), refresh_endpoint=issuer.base_url + "/oauth/token")
        issuer.refresh_error = (500, json.dumps({"error": {"message": "backend down"}}))
        with pytest.raises(RefreshTokenError, match="^Failed to refresh token: 500 Internal Server Error: backend down$"):
            run(m2.refresh_token_from_authority())


def test_logout_with_revoke(codex_home, monkeypatch):
    _save_chatgpt(codex_home)
    with FakeIssuer() as issuer:
        monkeypatch.setenv("CODEX_REVOKE_TOKEN_URL_OVERRIDE", issuer.base_url + "/oauth/revoke")
        m = AuthManager(str(codex_home))
        assert run(m.logout_with_revoke()) is True
        body = json.loads(issuer.requests[0][3])
    assert body == {"token": "refresh-0", "token_type_hint": "refresh_token", "client_id": "app_EMoamEEZ73f0CkXaXp7hrann"}
    assert m.auth_cached() is None and not (codex_home / "auth.json").exists()


def test_load_auth_modes(codex_home):
    (codex_home / "auth.json").write_text('{"auth_mode":"chatgptAuthTokens"}')
    assert load_auth(str(codex_home)).mode == "chatgptAuthTokens"
    (codex_home / "auth.json").write_text("{}")
    auth = load_auth(str(codex_home))
    assert auth.mode == "chatgpt" and auth.account_id is None


def test_enforce_login_restrictions(codex_home):
    from codex.auth.manager import AuthStorageError, enforce_login_restrictions

    home = str(codex_home)
    login_with_api_key(home, "sk-1")
    enforce_login_restrictions(home, forced_login_method="api", forced_chatgpt_workspace_id="ws")
    with pytest.raises(AuthStorageError, match="^ChatGPT login is required, but an API key is currently being used. "
                                               "Logging out.$"):
        enforce_login_restrictions(home, forced_login_method="chatgpt")
    assert not (codex_home / "auth.json").exists()
    _save_chatgpt(codex_home, account="acct-123")
    enforce_login_restrictions(home, forced_chatgpt_workspace_id=["x", "acct-123"])
    with pytest.raises(AuthStorageError, match=r"^Login is restricted to workspace\(s\) a, b, but current credentials "
                                               r"belong to acct-123\. Logging out\.$"):
        enforce_login_restrictions(home, forced_chatgpt_workspace_id=["a", "b"])
    assert not (codex_home / "auth.json").exists()
