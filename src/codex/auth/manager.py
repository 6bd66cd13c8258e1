"""Loading the current auth, logging in/out, refreshing ChatGPT tokens
(codex-rs/login/src/auth/manager.rs, revoke.rs).

- `load_auth(codex_home, ...)` -> `CodexAuth | None`: `CODEX_API_KEY` (when enabled, as `codex exec`
  does), then the in-process (ephemeral) store, then the configured store.
- `login_with_api_key`, `save_auth`, `logout`, `logout_with_revoke`.
- `AuthManager`: the model client's view. `await manager.headers()` gives `Authorization:
  Bearer <api key | access token>` plus `chatgpt-account-id` for ChatGPT auth, refreshing stale
  tokens first (access token expired, or `last_refresh` older than 8 days);
  `await manager.on_unauthorized()` runs the reference's 401 recovery (guarded reload from
  storage, then one refresh at the token endpoint) and says whether a retry makes sense.

HTTP goes through httpx (imported when a request is made). The refresh endpoint is
`https://auth.openai.com/oauth/token` unless `CODEX_REFRESH_TOKEN_URL_OVERRIDE` is set; revoke
is `.../oauth/revoke` (`CODEX_REVOKE_TOKEN_URL_OVERRIDE`, else derived from the refresh override).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import os

from codex.auth.storage import (
    AuthDotJson, AuthStorageError, IdTokenInfoError, TokenData, create_auth_storage, parse_chatgpt_jwt_claims,
    parse_jwt_expiration, utc_now,
)

__all__ = [
    "CLIENT_ID", "AuthManager", "CodexAuth", "RefreshTokenError", "RefreshTokenFailedError",
    "enforce_login_restrictions", "load_auth",
    "login_with_api_key", "logout", "logout_with_revoke", "read_codex_api_key_from_env",
    "read_openai_api_key_from_env", "safe_format_key", "save_auth",
]

CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
TOKEN_REFRESH_INTERVAL_DAYS = 8
REFRESH_TOKEN_URL = "https://auth.openai.com/oauth/token"
REVOKE_TOKEN_URL = "https://auth.openai.com/oauth/revoke"
REFRESH_TOKEN_URL_OVERRIDE_ENV_VAR = "CODEX_REFRESH_TOKEN_URL_OVERRIDE"
REVOKE_TOKEN_URL_OVERRIDE_ENV_VAR = "CODEX_REVOKE_TOKEN_URL_OVERRIDE"
ACCOUNT_ID_HEADER = "chatgpt-account-id"

REFRESH_TOKEN_EXPIRED_MESSAGE = ("Your access token could not be refreshed because your refresh token has expired. "
                                 "Please log out and sign in again.")
REFRESH_TOKEN_REUSED_MESSAGE = ("Your access token could not be refreshed because your refresh token was already "
                                "used. Please log out and sign in again.")
REFRESH_TOKEN_INVALIDATED_MESSAGE = ("Your access token could not be refreshed because your refresh token was "
                                     "revoked. Please log out and sign in again.")
REFRESH_TOKEN_UNKNOWN_MESSAGE = "Your access token could not be refreshed. Please log out and sign in again."
REFRESH_TOKEN_ACCOUNT_MISMATCH_MESSAGE = ("Your access token could not be refreshed because you have since logged "
                                          "out or signed in to another account. Please sign in again.")


def safe_format_key(key: str) -> str:
    """`sk-proj-***ABCDE`: the first 8 and last 5 bytes, or `***` for 13 bytes or fewer."""
    raw = key.encode("utf-8")
    if len(raw) <= 13:
        return "***"
    return raw[:8].decode("utf-8", "replace") + "***" + raw[-5:].decode("utf-8", "replace")


def _env(environ):
    return os.environ if environ is None else environ


def _read_non_empty(name: str, environ=None) -> str | None:
    value = _env(environ).get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def read_openai_api_key_from_env(environ=None) -> str | None:
    return _read_non_empty("OPENAI_API_KEY", environ)


def read_codex_api_key_from_env(environ=None) -> str | None:
    return _read_non_empty("CODEX_API_KEY", environ)


class CodexAuth:
    """The active credentials. `mode`: "apikey", "chatgpt" or "chatgptAuthTokens"."""

    __slots__ = ("mode", "api_key", "auth_dot_json", "storage")

    def __init__(self, mode: str, api_key: str | None = None, auth_dot_json: AuthDotJson | None = None,
                 storage=None):
        self.mode = mode
        self.api_key = api_key
        self.auth_dot_json = auth_dot_json
        self.storage = storage

    def __repr__(self):
        return f"CodexAuth(mode={self.mode!r}, account_id={self.account_id!r})"

    @classmethod
    def from_api_key(cls, key: str) -> "CodexAuth":
        return cls("apikey", api_key=key)

    @property
    def is_chatgpt(self) -> bool:
        return self.mode in ("chatgpt", "chatgptAuthTokens")

    @property
    def token_data(self) -> TokenData | None:
        return self.auth_dot_json.tokens if self.auth_dot_json is not None else None

    def get_token(self) -> str:
        """The bearer token; raises AuthStorageError("Token data is not available.")."""
        if self.mode == "apikey":
            return self.api_key
        adj = self.auth_dot_json
        if adj is None or adj.tokens is None or adj.last_refresh is None:
            raise AuthStorageError("Token data is not available.")
        return adj.tokens.access_token

    @property
    def account_id(self) -> str | None:
        td = self.token_data
        return td.account_id if td is not None else None

    @property
    def email(self) -> str | None:
        td = self.token_data
        return td.id_token.email if td is not None else None

    @property
    def plan_type(self) -> str | None:
        td = self.token_data
        return td.id_token.chatgpt_plan_type if td is not None else None

    def same_for_refresh(self, other: "CodexAuth | None") -> bool:
        if other is None or self.mode != other.mode:
            return False
        if self.mode == "apikey":
            return self.api_key == other.api_key
        return self.auth_dot_json == other.auth_dot_json


def check_agent_identity_jwt(jwt: str) -> None:
    """The local checks the reference makes on an agent identity token before verifying it
    online; this build cannot verify it (the JWKS fetch), so a well-formed token ends in an
    error too."""
    parts = jwt.split(".")
    if len(parts) < 3 or not all(parts[:3]):
        raise AuthStorageError("invalid agent identity JWT format")
    import base64
    import binascii

    payload = parts[1]
    try:
        if "=" in payload or len(payload) % 4 == 1:
            raise ValueError
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (ValueError, binascii.Error):
        raise AuthStorageError("agent identity JWT payload is not valid base64url") from None
    try:
        claims = json.loads(raw)
    except ValueError:
        claims = None
    if not isinstance(claims, dict) or not claims:
        raise AuthStorageError("agent identity JWT payload is not valid JSON")
    raise AuthStorageError("agent identity auth is not supported by this build")


def _from_auth_dot_json(codex_home: str, adj: AuthDotJson, store_mode: str, keyring=None) -> CodexAuth:
    mode = adj.resolved_mode
    if mode == "apikey":
        if adj.openai_api_key is None:
            raise AuthStorageError("API key auth is missing a key.")
        return CodexAuth.from_api_key(adj.openai_api_key)
    if mode == "agentIdentity":
        if adj.agent_identity is None:
            raise AuthStorageError("agent identity auth is missing an agent identity token.")
        check_agent_identity_jwt(adj.agent_identity)
    storage_mode = "ephemeral" if mode == "chatgptAuthTokens" else store_mode
    return CodexAuth(mode, auth_dot_json=adj, storage=create_auth_storage(codex_home, storage_mode, keyring))


def load_auth(codex_home: str, enable_codex_api_key_env: bool = False, store_mode: str = "file",
              keyring=None, environ=None) -> CodexAuth | None:
    """manager.rs `load_auth`. Raises AuthStorageError / OSError for unreadable credentials."""
    if enable_codex_api_key_env:
        key = read_codex_api_key_from_env(environ)
        if key is not None:
            return CodexAuth.from_api_key(key)
    ephemeral = create_auth_storage(codex_home, "ephemeral").load()
    if ephemeral is not None:
        return _from_auth_dot_json(codex_home, ephemeral, "ephemeral", keyring)
    if store_mode == "ephemeral":
        return None
    token = _read_non_empty("CODEX_ACCESS_TOKEN", environ)
    if token is not None:
        check_agent_identity_jwt(token)
    adj = create_auth_storage(codex_home, store_mode, keyring).load()
    if adj is None:
        return None
    return _from_auth_dot_json(codex_home, adj, store_mode, keyring)


def save_auth(codex_home: str, auth: AuthDotJson, store_mode: str = "file", keyring=None) -> None:
    create_auth_storage(codex_home, store_mode, keyring).save(auth)


def login_with_api_key(codex_home: str, api_key: str, store_mode: str = "file", keyring=None) -> None:
    save_auth(codex_home, AuthDotJson(auth_mode="apikey", openai_api_key=api_key), store_mode, keyring)


def logout(codex_home: str, store_mode: str = "file", keyring=None) -> bool:
    return create_auth_storage(codex_home, store_mode, keyring).delete()


def _logout_all_stores(codex_home: str, store_mode: str, keyring=None) -> bool:
    if store_mode == "ephemeral":
        return logout(codex_home, "ephemeral")
    removed_ephemeral = logout(codex_home, "ephemeral")
    removed = logout(codex_home, store_mode, keyring)
    return removed_ephemeral or removed


def enforce_login_restrictions(codex_home: str, store_mode: str = "file", forced_login_method: str | None = None,
                               forced_chatgpt_workspace_id=None, keyring=None, environ=None) -> None:
    """manager.rs `enforce_login_restrictions` (run at startup by the TUI / `codex exec`): when
    the stored credentials break `forced_login_method` or `forced_chatgpt_workspace_id`, log out
    of every store and raise AuthStorageError with the reference's message."""
    auth = load_auth(codex_home, True, store_mode, keyring, environ)
    if auth is None:
        return
    if forced_login_method == "api" and auth.mode != "apikey":
        _logout_with_message(codex_home, "API key login is required, but ChatGPT is currently being used. "
                                         "Logging out.", store_mode, keyring)
    if forced_login_method == "chatgpt" and auth.mode == "apikey":
        _logout_with_message(codex_home, "ChatGPT login is required, but an API key is currently being used. "
                                         "Logging out.", store_mode, keyring)
    if forced_chatgpt_workspace_id is None or auth.mode == "apikey":
        return
    expected = [forced_chatgpt_workspace_id] if isinstance(forced_chatgpt_workspace_id, str) else \
        list(forced_chatgpt_workspace_id)
    try:
        auth.get_token()
        actual = auth.token_data.id_token.chatgpt_account_id
    except AuthStorageError as exc:
        _logout_with_message(codex_home, "Failed to load ChatGPT credentials while enforcing workspace "
                                         f"restrictions: {exc}. Logging out.", store_mode, keyring)
    if actual is None or actual not in expected:
        joined = ", ".join(expected)
        if actual is not None:
            message = (f"Login is restricted to workspace(s) {joined}, but current credentials belong to {actual}. "
                       "Logging out.")
        else:
            message = (f"Login is restricted to workspace(s) {joined}, but current credentials lack a workspace "
                       "identifier. Logging out.")
        _logout_with_message(codex_home, message, store_mode, keyring)


def _logout_with_message(codex_home: str, message: str, store_mode: str, keyring=None):
    try:
        _logout_all_stores(codex_home, store_mode, keyring)
    except OSError as exc:
        message = f"{message}. Failed to remove auth.json: {exc}"
    raise AuthStorageError(message)


# --------------------------------------------------------------------------------------------
# HTTP helpers
# --------------------------------------------------------------------------------------------


def originator(environ=None) -> str:
    return _env(environ).get("CODEX_INTERNAL_ORIGINATOR_OVERRIDE") or "codex_cli_rs"


def try_parse_error_message(body: str) -> str:
    try:
        value = json.loads(body)
    except ValueError:
        value = None
    if isinstance(value, dict):
        err = value.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
    if not body.strip():
        return "Unknown error"
    return body


def refresh_token_endpoint(environ=None) -> str:
    return _env(environ).get(REFRESH_TOKEN_URL_OVERRIDE_ENV_VAR) or REFRESH_TOKEN_URL


def revoke_token_endpoint(environ=None) -> str:
    env = _env(environ)
    if env.get(REVOKE_TOKEN_URL_OVERRIDE_ENV_VAR):
        return env[REVOKE_TOKEN_URL_OVERRIDE_ENV_VAR]
    refresh = env.get(REFRESH_TOKEN_URL_OVERRIDE_ENV_VAR)
    if refresh:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(refresh)
        if parts.scheme and parts.netloc:
            return urlunsplit((parts.scheme, parts.netloc, "/oauth/revoke", "", ""))
    return REVOKE_TOKEN_URL


async def _post_json(url: str, payload: dict, timeout: float = 30.0, http=None):
    import httpx

    client = http or httpx.AsyncClient(timeout=timeout)
    try:
        return await client.post(url, json=payload, headers={"Content-Type": "application/json",
                                                             "originator": originator()})
    finally:
        if http is None:
            await client.aclose()


# --------------------------------------------------------------------------------------------
# refresh
# --------------------------------------------------------------------------------------------


class RefreshTokenFailedError(Exception):
    """A permanent refresh failure: `reason` is "expired", "exhausted", "revoked" or "other"."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class RefreshTokenError(Exception):
    """A transient refresh failure (network, 5xx...)."""


def _refresh_error_code(body: str) -> str | None:
    if not body.strip():
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    err = value.get("error")
    if isinstance(err, dict) and isinstance(err.get("code"), str):
        return err["code"]
    if isinstance(err, str):
        return err
    code = value.get("code")
    return code if isinstance(code, str) else None


def classify_refresh_token_failure(body: str) -> RefreshTokenFailedError:
    code = (_refresh_error_code(body) or "").lower()
    reason, message = {
        "refresh_token_expired": ("expired", REFRESH_TOKEN_EXPIRED_MESSAGE),
        "refresh_token_reused": ("exhausted", REFRESH_TOKEN_REUSED_MESSAGE),
        "refresh_token_invalidated": ("revoked", REFRESH_TOKEN_INVALIDATED_MESSAGE),
    }.get(code, ("other", REFRESH_TOKEN_UNKNOWN_MESSAGE))
    return RefreshTokenFailedError(reason, message)


async def request_chatgpt_token_refresh(refresh_token: str, endpoint: str | None = None, http=None) -> dict:
    payload = {"client_id": CLIENT_ID, "grant_type": "refresh_token", "refresh_token": refresh_token}
    try:
        resp = await _post_json(endpoint or refresh_token_endpoint(), payload, http=http)
    except Exception as exc:  # transport
        raise RefreshTokenError(str(exc)) from None
    if 200 <= resp.status_code < 300:
        try:
            data = resp.json()
        except ValueError as exc:
            raise RefreshTokenError(str(exc)) from None
        return {k: data.get(k) for k in ("id_token", "access_token", "refresh_token")}
    body = resp.text
    failed = classify_refresh_token_failure(body)
    if resp.status_code == 401 or failed.reason != "other":
        raise failed
    status = f"{resp.status_code} {resp.reason_phrase}".strip()
    raise RefreshTokenError(f"Failed to refresh token: {status}: {try_parse_error_message(body)}")


def persist_tokens(storage, id_token=None, access_token=None, refresh_token=None) -> AuthDotJson:
    adj = storage.load()
    if adj is None:
        raise AuthStorageError("Token data is not available.")
    if adj.tokens is None:
        adj.tokens = TokenData()
    if id_token is not None:
        try:
            adj.tokens.id_token = parse_chatgpt_jwt_claims(id_token)
        except (IdTokenInfoError, ValueError) as exc:
            raise AuthStorageError(str(exc)) from None
    if access_token is not None:
        adj.tokens.access_token = access_token
    if refresh_token is not None:
        adj.tokens.refresh_token = refresh_token
    adj.last_refresh = utc_now()
    storage.save(adj)
    return adj


async def revoke_auth_tokens(adj: AuthDotJson | None, http=None, timeout: float = 10.0) -> None:
    """Best effort: revoke the refresh token (else the access token) of managed ChatGPT auth."""
    if adj is None or adj.resolved_mode != "chatgpt" or adj.tokens is None:
        return
    if adj.tokens.refresh_token:
        payload = {"token": adj.tokens.refresh_token, "token_type_hint": "refresh_token", "client_id": CLIENT_ID}
    elif adj.tokens.access_token:
        payload = {"token": adj.tokens.access_token, "token_type_hint": "access_token"}
    else:
        return
    resp = await _post_json(revoke_token_endpoint(), payload, timeout=timeout, http=http)
    if not 200 <= resp.status_code < 300:
        raise OSError(f"failed to revoke {payload['token_type_hint']}: {resp.status_code}: "
                      f"{try_parse_error_message(resp.text)}")


# --------------------------------------------------------------------------------------------
# AuthManager
# --------------------------------------------------------------------------------------------


class AuthManager:
    """One snapshot of the auth for the whole process (manager.rs `AuthManager`).

    Errors while loading are swallowed (`auth_cached()` is then None), as upstream does.
    """

    def __init__(self, codex_home: str, enable_codex_api_key_env: bool = False, store_mode: str = "file",
                 *, keyring=None, environ=None, http=None, refresh_endpoint: str | None = None):
        self.codex_home = codex_home
        self.enable_codex_api_key_env = enable_codex_api_key_env
        self.store_mode = store_mode
        self.keyring = keyring
        self.environ = environ
        self.http = http
        self.refresh_endpoint = refresh_endpoint
        self._auth = self._load()
        self._permanent_failure: tuple[CodexAuth, RefreshTokenFailedError] | None = None
        self._lock: asyncio.Lock | None = None
        self.last_refresh_error: BaseException | None = None

    @classmethod
    def from_config(cls, config, enable_codex_api_key_env: bool = False, **kw) -> "AuthManager":
        """From a `codex.config.loader.Config`."""
        return cls(config.codex_home, enable_codex_api_key_env,
                   config.get("cli_auth_credentials_store") or "file", **kw)

    @classmethod
    def from_auth(cls, auth: CodexAuth, codex_home: str = "non-existent") -> "AuthManager":
        m = cls.__new__(cls)
        m.codex_home, m.enable_codex_api_key_env, m.store_mode = codex_home, False, "file"
        m.keyring = m.environ = m.http = m.refresh_endpoint = None
        m._auth, m._permanent_failure, m._lock, m.last_refresh_error = auth, None, None, None
        return m

    def _load(self) -> CodexAuth | None:
        try:
            return load_auth(self.codex_home, self.enable_codex_api_key_env, self.store_mode, self.keyring,
                             self.environ)
        except (OSError, ValueError):
            return None

    def _refresh_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    # -- snapshot

    def auth_cached(self) -> CodexAuth | None:
        return self._auth

    @property
    def auth_mode(self) -> str | None:
        return self._auth.mode if self._auth is not None else None

    def reload(self) -> bool:
        new = self._load()
        changed = not _same(self._auth, new)
        if changed:
            self._permanent_failure = None
        self._auth = new
        return changed

    async def auth(self) -> CodexAuth | None:
        """The current auth, refreshed first when stale (errors keep the old snapshot)."""
        auth = self._auth
        if auth is None:
            return None
        if self.is_stale(auth):
            try:
                await self.refresh_token()
            except (RefreshTokenError, RefreshTokenFailedError, OSError):
                return auth
        return self._auth

    @staticmethod
    def is_stale(auth: CodexAuth, now: _dt.datetime | None = None) -> bool:
        if auth.mode != "chatgpt" or auth.auth_dot_json is None:
            return False
        now = now or _dt.datetime.now(_dt.timezone.utc)
        adj = auth.auth_dot_json
        if adj.tokens is not None:
            try:
                expires = parse_jwt_expiration(adj.tokens.access_token)
            except (IdTokenInfoError, ValueError):
                expires = None
            if expires is not None:
                return expires <= now
        if adj.last_refresh is None:
            return False
        return adj.last_refresh < now - _dt.timedelta(days=TOKEN_REFRESH_INTERVAL_DAYS)

    async def headers(self) -> dict[str, str]:
        """`authorization: Bearer ...` (and `chatgpt-account-id` for ChatGPT auth); {} when not
        logged in."""
        auth = await self.auth()
        if auth is None:
            return {}
        try:
            token = auth.get_token()
        except AuthStorageError:
            return {}
        out = {"authorization": f"Bearer {token}"}
        if auth.is_chatgpt and auth.account_id:
            out[ACCOUNT_ID_HEADER] = auth.account_id
        return out

    async def bearer_token(self) -> str | None:
        auth = await self.auth()
        if auth is None:
            return None
        try:
            return auth.get_token()
        except AuthStorageError:
            return None

    # -- refresh

    def _reload_if_account_matches(self, expected: str | None) -> str:
        if expected is None:
            return "skipped"
        new = self._load()
        if (new.account_id if new is not None else None) != expected:
            return "skipped"
        changed = not (self._auth is not None and self._auth.same_for_refresh(new)) and not (
            self._auth is None and new is None)
        if changed:
            self._permanent_failure = None
        self._auth = new
        return "changed" if changed else "unchanged"

    async def refresh_token(self) -> None:
        """Guarded reload, then a refresh at the authority if storage still holds the same
        tokens. Raises RefreshTokenFailedError (permanent) or RefreshTokenError."""
        async with self._refresh_lock():
            before = self._auth
            if before is not None and before.mode == "apikey":
                return
            outcome = self._reload_if_account_matches(before.account_id if before is not None else None)
            if outcome == "changed":
                return
            if outcome == "skipped":
                raise RefreshTokenFailedError("other", REFRESH_TOKEN_ACCOUNT_MISMATCH_MESSAGE)
            await self._refresh_from_authority()

    async def refresh_token_from_authority(self) -> None:
        async with self._refresh_lock():
            await self._refresh_from_authority()

    async def _refresh_from_authority(self) -> None:
        auth = self._auth
        if auth is None or auth.mode != "chatgpt":
            return
        if self._permanent_failure is not None and auth.same_for_refresh(self._permanent_failure[0]):
            raise self._permanent_failure[1]
        td = auth.token_data
        if td is None:
            raise RefreshTokenError("Token data is not available.")
        try:
            tokens = await request_chatgpt_token_refresh(td.refresh_token, self.refresh_endpoint, self.http)
        except RefreshTokenFailedError as exc:
            if self._auth is not None and self._auth.same_for_refresh(auth):
                self._permanent_failure = (auth, exc)
            raise
        persist_tokens(auth.storage, tokens.get("id_token"), tokens.get("access_token"), tokens.get("refresh_token"))
        self.reload()

    def unauthorized_recovery(self) -> "UnauthorizedRecovery":
        return UnauthorizedRecovery(self)

    async def on_unauthorized(self, recovery: "UnauthorizedRecovery | None" = None) -> bool:
        """After a 401, as the reference's client does: run the next recovery step (guarded reload,
        then a refresh at the token endpoint) and say whether to resend the request. False when
        nothing is left (API key auth, steps exhausted) or the step failed; the failure is kept in
        `last_refresh_error` (a permanent one carries the "please log out and sign in again"
        message the reference shows instead of the 401)."""
        recovery = recovery or self.unauthorized_recovery()
        if not recovery.has_next():
            return False
        try:
            await recovery.next()
        except (RefreshTokenError, RefreshTokenFailedError, OSError) as exc:
            self.last_refresh_error = exc
            return False
        return True

    # -- logout

    def logout(self) -> bool:
        removed = _logout_all_stores(self.codex_home, self.store_mode, self.keyring)
        self.reload()
        return removed

    async def logout_with_revoke(self) -> bool:
        auth = self._auth
        try:
            await revoke_auth_tokens(auth.auth_dot_json if auth is not None else None, self.http)
        except Exception:  # best effort, as upstream (logged there)
            pass
        return self.logout()


def _same(a: CodexAuth | None, b: CodexAuth | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.same_for_refresh(b)


class UnauthorizedRecovery:
    """The 401 state machine: reload (if the stored account matches), then refresh, then done."""

    def __init__(self, manager: AuthManager):
        self.manager = manager
        cached = manager.auth_cached()
        self.expected_account_id = cached.account_id if cached is not None else None
        self.step = "reload"

    def has_next(self) -> bool:
        cached = self.manager.auth_cached()
        if cached is None or not cached.is_chatgpt:
            return False
        return self.step != "done"

    async def next(self) -> bool:
        """Runs one step; returns whether the auth state changed."""
        if not self.has_next():
            raise RefreshTokenFailedError("other", "No more recovery steps available.")
        if self.step == "reload":
            outcome = self.manager._reload_if_account_matches(self.expected_account_id)
            if outcome == "skipped":
                self.step = "done"
                raise RefreshTokenFailedError("other", REFRESH_TOKEN_ACCOUNT_MISMATCH_MESSAGE)
            self.step = "refresh_token"
            return outcome == "changed"
        if self.step == "refresh_token":
            await self.manager.refresh_token_from_authority()
            self.step = "done"
            return True
        return False


async def logout_with_revoke(codex_home: str, store_mode: str = "file", keyring=None) -> bool:
    return await AuthManager(codex_home, False, store_mode, keyring=keyring).logout_with_revoke()
