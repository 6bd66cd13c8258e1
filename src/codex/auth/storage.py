"""`$CODEX_HOME/auth.json` and the credential stores (codex-rs/login/src/auth/storage.rs,
token_data.rs).

`AuthDotJson` is what the reference serializes: `to_json()` gives serde_json's pretty output
(key order `auth_mode`, `OPENAI_API_KEY`, `tokens`, `last_refresh`, `agent_identity`; absent
optional keys left out, `OPENAI_API_KEY` always present) and `parse()` serde's errors, with
line and column, for a corrupt file.

Backends (`cli_auth_credentials_store`): `FileAuthStorage` (0600, written atomically),
`KeyringAuthStorage` (service "Codex Auth", account `cli|<16 hex of sha256(canonical
CODEX_HOME)>`; saving removes auth.json), `AutoAuthStorage` (keyring, else the file) and
`EphemeralAuthStorage` (this process only). `create_auth_storage(codex_home, mode, keyring=None)`
picks one; `keyring` is any object with `get_password/set_password/delete_password` (the
`keyring` package by default; tests pass an in-memory one).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import os
import threading

from codex.auth import _json

__all__ = [
    "AuthDotJson", "AuthStorageError", "AutoAuthStorage", "EphemeralAuthStorage", "FileAuthStorage",
    "IdTokenInfo", "IdTokenInfoError", "KEYRING_SERVICE", "KeyringAuthStorage", "TokenData",
    "compute_store_key", "create_auth_storage", "format_rfc3339", "get_auth_file", "parse_chatgpt_jwt_claims",
    "parse_jwt_expiration", "parse_rfc3339", "Timestamp", "utc_now",
]

KEYRING_SERVICE = "Codex Auth"
AUTH_MODES = ("apikey", "chatgpt", "chatgptAuthTokens", "agentIdentity")
AUTH_FILE = "auth.json"


class AuthStorageError(OSError):
    """An error of a credential store; `str()` is the reference's message."""


class IdTokenInfoError(ValueError):
    pass


# --------------------------------------------------------------------------------------------
# JWT claims
# --------------------------------------------------------------------------------------------

_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B64URL_INDEX = {c: i for i, c in enumerate(_B64URL)}


def b64url_decode_nopad(text: str) -> bytes:
    """base64 URL_SAFE_NO_PAD with the base64 crate's error texts."""
    stripped = text.rstrip("=")
    for i, ch in enumerate(stripped):
        if ch not in _B64URL_INDEX:
            raise IdTokenInfoError(f"Invalid symbol {ord(ch.encode('utf-8')[:1])}, offset {len(stripped[:i].encode())}.")
    if len(stripped) != len(text):
        raise IdTokenInfoError("Invalid padding")
    n = len(text)
    if n % 4 == 1:
        raise IdTokenInfoError(f"Invalid input length: {n}")
    if n % 4 in (2, 3):
        last = _B64URL_INDEX[text[-1]]
        mask = 0x0F if n % 4 == 2 else 0x03
        if last & mask:
            raise IdTokenInfoError(f"Invalid last symbol {ord(text[-1])}, offset {n - 1}.")
    return base64.urlsafe_b64decode(text + "=" * (-n % 4))


def b64url_encode_nopad(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _plan_type(value):
    if value is None or isinstance(value, str):
        return value
    raise _json.CustomError("data did not match any variant of untagged enum PlanType")


_PROFILE = _json.Struct("ProfileClaims", [_json.Field("email", _json.OPT_STRING, None)], optional=True)
_AUTH_CLAIMS = _json.Struct("AuthClaims", [
    _json.Field("chatgpt_plan_type", _json.Custom(_json.ANY, _plan_type), None),
    _json.Field("chatgpt_user_id", _json.OPT_STRING, None),
    _json.Field("user_id", _json.OPT_STRING, None),
    _json.Field("chatgpt_account_id", _json.OPT_STRING, None),
], optional=True)
_ID_CLAIMS = _json.Struct("IdClaims", [
    _json.Field("email", _json.OPT_STRING, None),
    _json.Field("https://api.openai.com/profile", _PROFILE, None, attr="profile"),
    _json.Field("https://api.openai.com/auth", _AUTH_CLAIMS, None, attr="auth"),
])


def _jwt_payload(jwt: str) -> bytes:
    parts = jwt.split(".")
    if len(parts) < 3 or not parts[0] or not parts[1] or not parts[2]:
        raise IdTokenInfoError("invalid ID token format")
    return b64url_decode_nopad(parts[1])


KNOWN_PLANS = {"free": "free", "go": "go", "plus": "plus", "pro": "pro", "team": "team", "business": "business",
               "enterprise": "enterprise", "hc": "enterprise", "education": "edu", "edu": "edu"}


class IdTokenInfo:
    """The flat claims Codex reads from the id_token (token_data.rs `IdTokenInfo`)."""

    __slots__ = ("email", "chatgpt_plan_type", "chatgpt_user_id", "chatgpt_account_id", "raw_jwt")

    def __init__(self, raw_jwt: str = "", email=None, chatgpt_plan_type=None, chatgpt_user_id=None,
                 chatgpt_account_id=None):
        self.raw_jwt = raw_jwt
        self.email = email
        self.chatgpt_plan_type = chatgpt_plan_type
        self.chatgpt_user_id = chatgpt_user_id
        self.chatgpt_account_id = chatgpt_account_id

    def __eq__(self, other):
        return isinstance(other, IdTokenInfo) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self):  # never prints the token itself
        return (f"IdTokenInfo(email={self.email!r}, plan={self.chatgpt_plan_type!r}, "
                f"account={self.chatgpt_account_id!r})")

    @property
    def is_workspace_account(self) -> bool:
        plan = KNOWN_PLANS.get((self.chatgpt_plan_type or "").lower())
        return plan in ("team", "business", "enterprise", "edu")


def parse_chatgpt_jwt_claims(jwt: str) -> IdTokenInfo:
    """Raises IdTokenInfoError (format / base64) or `_json.Error` (claims JSON)."""
    claims = _json.from_bytes(_jwt_payload(jwt), _ID_CLAIMS)
    email = claims["email"]
    if email is None and claims["profile"]:
        email = claims["profile"]["email"]
    auth = claims["auth"]
    if auth is None:
        return IdTokenInfo(jwt, email)
    return IdTokenInfo(jwt, email, auth["chatgpt_plan_type"], auth["chatgpt_user_id"] or auth["user_id"],
                       auth["chatgpt_account_id"])


def parse_jwt_expiration(jwt: str) -> _dt.datetime | None:
    claims = _json.parse_value(_jwt_payload(jwt))
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int):
        if exp is None:
            return None
        raise IdTokenInfoError("invalid exp claim")
    try:
        return _dt.datetime.fromtimestamp(exp, _dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def jwt_auth_claims(jwt: str) -> dict:
    """The `https://api.openai.com/auth` object of a JWT, or {} (server.rs `jwt_auth_claims`)."""
    try:
        claims = _json.parse_value(_jwt_payload(jwt))
    except (IdTokenInfoError, _json.Error):
        return {}
    auth = claims.get("https://api.openai.com/auth") if isinstance(claims, dict) else None
    return auth if isinstance(auth, dict) else {}


# --------------------------------------------------------------------------------------------
# RFC 3339 (chrono)
# --------------------------------------------------------------------------------------------


class _ChronoError(ValueError):
    pass


def parse_rfc3339(text: str) -> _dt.datetime:
    """chrono's `DateTime::parse_from_rfc3339`, converted to UTC; chrono's error texts."""
    s = text
    pos = 0

    def need(n):
        if pos + n > len(s):
            raise _ChronoError("premature end of input")

    def digits(n):
        nonlocal pos
        value = 0
        for _ in range(n):
            need(1)
            ch = s[pos]
            if not ("0" <= ch <= "9"):
                raise _ChronoError("input contains invalid characters")
            value = value * 10 + int(ch)
            pos += 1
        return value

    def lit(chars):
        nonlocal pos
        need(1)
        if s[pos] not in chars:
            raise _ChronoError("input contains invalid characters")
        pos += 1

    year = digits(4)
    lit("-")
    month = digits(2)
    lit("-")
    day = digits(2)
    lit("Tt ")
    hour = digits(2)
    lit(":")
    minute = digits(2)
    lit(":")
    second = digits(2)
    micro = nanos = 0
    if pos < len(s) and s[pos] == ".":
        pos += 1
        start = pos
        while pos < len(s) and s[pos].isascii() and s[pos].isdigit():
            pos += 1
        frac = s[start:pos]
        if not frac:
            raise _ChronoError("input contains invalid characters" if pos < len(s) else "premature end of input")
        micro = int((frac + "000000")[:6])
        nanos = int((frac + "000000000")[6:9])
    need(1)
    if s[pos] in "Zz":
        pos += 1
        offset = 0
    elif s[pos] in "+-":
        sign = -1 if s[pos] == "-" else 1
        pos += 1
        oh = digits(2)
        lit(":")
        om = digits(2)
        offset = sign * (oh * 60 + om)
    else:
        raise _ChronoError("input contains invalid characters")
    if pos != len(s):
        raise _ChronoError("trailing input")
    leap = second == 60
    try:
        value = _dt.datetime(year, month, day, hour, minute, 59 if leap else second, micro,
                             tzinfo=_dt.timezone(_dt.timedelta(minutes=offset))).astimezone(_dt.timezone.utc)
    except (ValueError, OverflowError):
        raise _ChronoError("input is out of range") from None
    return Timestamp.make(value, nanos)


class Timestamp(_dt.datetime):
    """A UTC datetime that keeps nanoseconds (`nanos`, 0..999 below the microsecond), as chrono
    does; `Timestamp.now()` reads the clock in nanoseconds."""

    nanos = 0

    @classmethod
    def make(cls, value: _dt.datetime, nanos: int = 0) -> "Timestamp":
        value = value.astimezone(_dt.timezone.utc)
        out = cls(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond,
                  tzinfo=_dt.timezone.utc)
        out.nanos = nanos
        return out

    @classmethod
    def now(cls, tz=None):
        import time

        ns = time.time_ns()
        base = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(microseconds=ns // 1000)
        return cls.make(base, ns % 1000)

    def __reduce_ex__(self, protocol):
        return (_timestamp, (_dt.datetime(self.year, self.month, self.day, self.hour, self.minute, self.second,
                                          self.microsecond, tzinfo=_dt.timezone.utc), self.nanos))


def _timestamp(value, nanos):
    return Timestamp.make(value, nanos)


def utc_now() -> _dt.datetime:
    return Timestamp.now()


def format_rfc3339(value: _dt.datetime) -> str:
    """How serde writes a chrono `DateTime<Utc>`: `2025-01-01T00:00:00.123456789Z` (the fraction
    only when non-zero, in 3, 6 or 9 digits)."""
    nanos = getattr(value, "nanos", 0)
    value = value.astimezone(_dt.timezone.utc)
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    total = value.microsecond * 1000 + nanos
    if total:
        if total % 1_000_000 == 0:
            base += f".{total // 1_000_000:03d}"
        elif total % 1000 == 0:
            base += f".{total // 1000:06d}"
        else:
            base += f".{total:09d}"
    return base + "Z"


def _convert_last_refresh(value):
    if value is None:
        return None
    try:
        return parse_rfc3339(value)
    except _ChronoError as exc:
        raise _json.CustomError(str(exc)) from None


def _convert_id_token(value):
    try:
        return parse_chatgpt_jwt_claims(value)
    except (IdTokenInfoError, _json.Error) as exc:
        raise _json.CustomError(str(exc)) from None


# --------------------------------------------------------------------------------------------
# auth.json
# --------------------------------------------------------------------------------------------


class TokenData:
    __slots__ = ("id_token", "access_token", "refresh_token", "account_id")

    def __init__(self, id_token: IdTokenInfo | None = None, access_token: str = "", refresh_token: str = "",
                 account_id: str | None = None):
        self.id_token = id_token if id_token is not None else IdTokenInfo()
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.account_id = account_id

    def __eq__(self, other):
        return isinstance(other, TokenData) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self):
        return f"TokenData(account_id={self.account_id!r}, id_token={self.id_token!r})"

    def to_dict(self) -> dict:
        return {"id_token": self.id_token.raw_jwt, "access_token": self.access_token,
                "refresh_token": self.refresh_token, "account_id": self.account_id}


_TOKEN_DATA = _json.Struct("TokenData", [
    _json.Field("id_token", _json.Custom(_json.STRING, _convert_id_token)),
    _json.Field("access_token", _json.STRING),
    _json.Field("refresh_token", _json.STRING),
    _json.Field("account_id", _json.OPT_STRING),
], optional=True)

_AUTH_DOT_JSON = _json.Struct("AuthDotJson", [
    _json.Field("auth_mode", _json.Enum("AuthMode", AUTH_MODES), None),
    _json.Field("OPENAI_API_KEY", _json.OPT_STRING, attr="openai_api_key"),
    _json.Field("tokens", _json.Custom(_TOKEN_DATA, lambda d: None if d is None else TokenData(**d)), None),
    _json.Field("last_refresh", _json.Custom(_json.OPT_STRING, _convert_last_refresh,
                                             "an RFC 3339 formatted date and time string", deferred=False), None),
    _json.Field("agent_identity", _json.OPT_STRING, None),
])


class AuthDotJson:
    """The stored credentials (storage.rs `AuthDotJson`)."""

    __slots__ = ("auth_mode", "openai_api_key", "tokens", "last_refresh", "agent_identity")

    def __init__(self, auth_mode=None, openai_api_key=None, tokens=None, last_refresh=None, agent_identity=None):
        self.auth_mode = auth_mode
        self.openai_api_key = openai_api_key
        self.tokens = tokens
        self.last_refresh = last_refresh
        self.agent_identity = agent_identity

    def __eq__(self, other):
        return isinstance(other, AuthDotJson) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self):  # no secrets
        return (f"AuthDotJson(auth_mode={self.auth_mode!r}, has_api_key={self.openai_api_key is not None}, "
                f"tokens={self.tokens!r}, last_refresh={self.last_refresh!r})")

    def copy(self) -> "AuthDotJson":
        import copy

        return copy.deepcopy(self)

    @property
    def resolved_mode(self) -> str:
        if self.auth_mode is not None:
            return self.auth_mode
        if self.openai_api_key is not None:
            return "apikey"
        return "chatgpt"

    def to_dict(self) -> dict:
        out: dict = {}
        if self.auth_mode is not None:
            out["auth_mode"] = self.auth_mode
        out["OPENAI_API_KEY"] = self.openai_api_key
        if self.tokens is not None:
            out["tokens"] = self.tokens.to_dict()
        if self.last_refresh is not None:
            out["last_refresh"] = format_rfc3339(self.last_refresh)
        if self.agent_identity is not None:
            out["agent_identity"] = self.agent_identity
        return out

    def to_json(self, pretty: bool = True) -> str:
        if pretty:
            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def parse(cls, data: bytes | str) -> "AuthDotJson":
        """serde_json::from_str; raises `_json.Error` (its str() is serde's message)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        return cls(**_json.from_bytes(data, _AUTH_DOT_JSON))


# --------------------------------------------------------------------------------------------
# stores
# --------------------------------------------------------------------------------------------


def get_auth_file(codex_home: str) -> str:
    return os.path.join(codex_home, AUTH_FILE)


def delete_file_if_exists(codex_home: str) -> bool:
    try:
        os.remove(get_auth_file(codex_home))
        return True
    except FileNotFoundError:
        return False


def _canonical(path: str) -> str:
    try:
        if os.path.exists(path):
            return os.path.realpath(path)
        parent, name = os.path.split(path.rstrip("/") or "/")
        if os.path.exists(parent):
            return os.path.join(os.path.realpath(parent), name)
    except OSError:
        pass
    return path


def compute_store_key(codex_home: str) -> str:
    digest = hashlib.sha256(_canonical(codex_home).encode("utf-8", "surrogateescape")).hexdigest()
    return f"cli|{digest[:16]}"


class FileAuthStorage:
    def __init__(self, codex_home: str):
        self.codex_home = codex_home

    def load(self) -> AuthDotJson | None:
        path = get_auth_file(self.codex_home)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return None
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthStorageError("stream did not contain valid UTF-8") from None
        try:
            return AuthDotJson.parse(data)
        except _json.Error as exc:
            raise AuthStorageError(str(exc)) from None

    def save(self, auth: AuthDotJson) -> None:
        path = get_auth_file(self.codex_home)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = auth.to_json().encode("utf-8")
        tmp = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            try:
                os.remove(tmp)
            except OSError:
                pass
            raise
        os.close(fd)
        os.replace(tmp, path)

    def delete(self) -> bool:
        return delete_file_if_exists(self.codex_home)


_NO_PLATFORM_STORE = "Platform secure storage failure: no secret service provider or dbus session found"


def _keyring_message(exc: BaseException) -> str:
    """The keyring crate's wording for what Python's `keyring` raised."""
    name = type(exc).__name__
    text = str(exc)
    if name in ("NoKeyringError", "InitError") or "No recommended backend" in text or "dbus" in text.lower() \
            or "secret service" in text.lower() or "org.freedesktop" in text:
        return _NO_PLATFORM_STORE
    return f"Platform secure storage failure: {text}" if text else _NO_PLATFORM_STORE


class _DefaultKeyring:
    """The `keyring` package behind the three-method interface; no usable backend (no D-Bus
    session on Linux) fails like the reference's keyring crate."""

    def _backend(self):
        import keyring

        backend = keyring.get_keyring()
        if type(backend).__module__.startswith("keyring.backends.fail"):
            raise AuthStorageError(_NO_PLATFORM_STORE)
        if type(backend).__module__.startswith("keyring.backends.SecretService") or \
                type(backend).__name__ == "ChainerBackend":
            if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
                raise AuthStorageError(_NO_PLATFORM_STORE)
        return backend

    def get_password(self, service, account):
        return self._backend().get_password(service, account)

    def set_password(self, service, account, value):
        self._backend().set_password(service, account, value)

    def delete_password(self, service, account):
        self._backend().delete_password(service, account)


def _is_missing_entry(exc: BaseException) -> bool:
    return type(exc).__name__ == "PasswordDeleteError"


class KeyringAuthStorage:
    def __init__(self, codex_home: str, keyring=None):
        self.codex_home = codex_home
        self.keyring = keyring if keyring is not None else _DefaultKeyring()

    def load(self) -> AuthDotJson | None:
        key = compute_store_key(self.codex_home)
        try:
            serialized = self.keyring.get_password(KEYRING_SERVICE, key)
        except Exception as exc:
            raise AuthStorageError(f"failed to load CLI auth from keyring: {_keyring_message(exc)}") from None
        if serialized is None:
            return None
        try:
            return AuthDotJson.parse(serialized)
        except _json.Error as exc:
            raise AuthStorageError(f"failed to deserialize CLI auth from keyring: {exc}") from None

    def save(self, auth: AuthDotJson) -> None:
        key = compute_store_key(self.codex_home)
        try:
            self.keyring.set_password(KEYRING_SERVICE, key, auth.to_json(pretty=False))
        except Exception as exc:
            raise AuthStorageError(f"failed to write OAuth tokens to keyring: {_keyring_message(exc)}") from None
        try:
            delete_file_if_exists(self.codex_home)
        except OSError:
            pass

    def delete(self) -> bool:
        key = compute_store_key(self.codex_home)
        try:
            self.keyring.delete_password(KEYRING_SERVICE, key)
            removed = True
        except Exception as exc:
            if not _is_missing_entry(exc):
                raise AuthStorageError(f"failed to delete auth from keyring: {_keyring_message(exc)}") from None
            removed = False
        file_removed = delete_file_if_exists(self.codex_home)
        return removed or file_removed


class AutoAuthStorage:
    def __init__(self, codex_home: str, keyring=None):
        self.keyring_storage = KeyringAuthStorage(codex_home, keyring)
        self.file_storage = FileAuthStorage(codex_home)

    def load(self) -> AuthDotJson | None:
        try:
            auth = self.keyring_storage.load()
        except OSError:
            return self.file_storage.load()
        return auth if auth is not None else self.file_storage.load()

    def save(self, auth: AuthDotJson) -> None:
        try:
            self.keyring_storage.save(auth)
        except OSError:
            self.file_storage.save(auth)

    def delete(self) -> bool:
        return self.keyring_storage.delete()


_EPHEMERAL: dict[str, AuthDotJson] = {}
_EPHEMERAL_LOCK = threading.Lock()


class EphemeralAuthStorage:
    def __init__(self, codex_home: str):
        self.codex_home = codex_home

    def load(self) -> AuthDotJson | None:
        with _EPHEMERAL_LOCK:
            auth = _EPHEMERAL.get(compute_store_key(self.codex_home))
            return auth.copy() if auth is not None else None

    def save(self, auth: AuthDotJson) -> None:
        with _EPHEMERAL_LOCK:
            _EPHEMERAL[compute_store_key(self.codex_home)] = auth.copy()

    def delete(self) -> bool:
        with _EPHEMERAL_LOCK:
            return _EPHEMERAL.pop(compute_store_key(self.codex_home), None) is not None


def create_auth_storage(codex_home: str, mode: str = "file", keyring=None):
    if mode == "file":
        return FileAuthStorage(codex_home)
    if mode == "keyring":
        return KeyringAuthStorage(codex_home, keyring)
    if mode == "auto":
        return AutoAuthStorage(codex_home, keyring)
    if mode == "ephemeral":
        return EphemeralAuthStorage(codex_home)
    raise ValueError(f"unknown credentials store mode {mode!r}")
