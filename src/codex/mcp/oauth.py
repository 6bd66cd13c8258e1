"""MCP OAuth (codex-rs/rmcp-client: perform_oauth_login.rs, oauth.rs, auth_status.rs), as 0.136.0
does it (requests and outputs recorded from the reference binary, see tests/mcp_oauth/):

* discovery: `discover_oauth_support` (the RFC 8414 probe `codex mcp list/add/login` run first)
  and `discover_metadata` (rmcp's: the MCP URL itself for a 401 naming `resource_metadata`, the
  protected-resource metadata candidates, then the authorization server's metadata candidates);
* `perform_oauth_login`: dynamic client registration, authorization code + PKCE (S256) with a
  loopback callback listener on 127.0.0.1 (`mcp_oauth_callback_port` or an ephemeral port; path
  `/callback/<id>` where id = base64url(sha256(server url)[:9])), the token exchange, the store;
* the credential store: `mcp_oauth_credentials_store` = auto (keyring, else the file) | file |
  keyring. The file is `$CODEX_HOME/.credentials.json`, a JSON object keyed by
  `<server name>|<sha256 of {"type":"http","url":URL,"headers":{}}, 16 hex digits>`; the keyring
  entry is service "Codex MCP Credentials", account = that key (the `keyring` package, when it
  has a usable backend);
* `ConnectionAuth`: the stored tokens an HTTP MCP connection sends as `Authorization: Bearer`,
  refreshed with the refresh token once the access token is within 30 s of expiring.

Errors are `OAuthError(message, causes)`, rendered as anyhow's `Error: ...` chains by the caller.
Imports only the standard library (the `keyring` package lazily)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
import time

__all__ = ["ConnectionAuth", "OAuthError", "compute_store_key", "delete_oauth_tokens", "discover_many",
           "discover_metadata", "discover_oauth_support", "load_oauth_tokens", "perform_oauth_login",
           "store_mode"]

CREDENTIALS_FILE = ".credentials.json"
KEYRING_SERVICE = "Codex MCP Credentials"
DISCOVERY_TIMEOUT_S = 5.0
HTTP_TIMEOUT_S = 30.0
DEFAULT_OAUTH_TIMEOUT_S = 300
REFRESH_SKEW_MS = 30_000
PROBE_PROTOCOL_VERSION = "2024-11-05"
CLIENT_NAME = "Codex"
# Private knob for tests (the reference waits 300 s for the browser).
TIMEOUT_ENV = "CODEX_MCP_OAUTH_CALLBACK_TIMEOUT_SECS"

NO_KEYRING = "Platform secure storage failure: no secret service provider or dbus session found"
NO_KEYRING_CAUSE = "no secret service provider or dbus session found"


class OAuthError(Exception):
    """An anyhow-style error: `message`, then the `causes` chain."""

    def __init__(self, message: str, causes=()):
        super().__init__(message)
        self.message = message
        self.causes = list(causes)

    def render(self) -> str:
        from codex.config.errors import render_anyhow

        return render_anyhow(self.message, self.causes)

    def chain(self) -> str:
        """`{err:#}`: the message and causes joined with ': '."""
        return ": ".join([self.message, *self.causes])


# ------------------------------------------------------------------------------ HTTP

# The server's `http_headers` / `env_http_headers`, sent with discovery and registration requests
# (not with token requests), per thread (see `_with_headers`).
_local = threading.local()


class _with_headers:
    def __init__(self, headers):
        self.headers = dict(headers or {})

    def __enter__(self):
        self.previous = getattr(_local, "headers", None)
        _local.headers = self.headers

    def __exit__(self, *exc):
        _local.headers = self.previous

def _http(method: str, url: str, *, headers=None, data: bytes | None = None, timeout: float = HTTP_TIMEOUT_S):
    """(status, headers, body) without following redirects; raises OSError on transport errors."""
    import urllib.error
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **kw):
            return None

    opener = urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    try:
        with opener.open(req, timeout=timeout) as resp:  # noqa: S310
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read()
        except Exception:
            body = b""
        return exc.code, exc.headers, body
    except urllib.error.URLError as exc:
        raise OSError(str(exc.reason)) from None


def _default_headers(extra: dict) -> dict:
    headers = dict(getattr(_local, "headers", None) or {})
    headers.update(extra)
    return headers


def _get_json(url: str, timeout: float = DISCOVERY_TIMEOUT_S):
    try:
        status, _, body = _http("GET", url, headers=_default_headers(
            {"MCP-Protocol-Version": PROBE_PROTOCOL_VERSION, "Accept": "*/*"}), timeout=timeout)
    except Exception:
        return None
    if status != 200:
        return None
    try:
        value = json.loads(body.decode("utf-8"))
    except Exception:
        return None
    return value if isinstance(value, dict) else None


def _split(url: str):
    import urllib.parse

    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


# ------------------------------------------------------------------------------ discovery

def discover_many(urls) -> dict:
    """`{url: discover_oauth_support(url)}`, asked concurrently."""
    urls = list(dict.fromkeys(urls))
    if len(urls) <= 1:
        return {u: discover_oauth_support(u) for u in urls}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(8, len(urls))) as pool:
        return dict(zip(urls, pool.map(discover_oauth_support, urls)))


def _valid_as_metadata(meta) -> bool:
    return isinstance(meta, dict) and isinstance(meta.get("authorization_endpoint"), str) \
        and isinstance(meta.get("token_endpoint"), str)


def _probe_metadata(url: str):
    """The RFC 8414 probe: the first `<origin>/.well-known/oauth-authorization-server[/<path>]`
    answering with metadata naming the authorization and token endpoints, or None."""
    split = _split(url)
    if split is None:
        return None
    origin, path = split
    # The order the reference asks in (recorded).
    candidates = [f"{origin}/.well-known/oauth-authorization-server{path}",
                  f"{origin}{path}/.well-known/oauth-authorization-server"] if path else []
    candidates.append(f"{origin}/.well-known/oauth-authorization-server")
    for c in candidates:
        meta = _get_json(c)
        if _valid_as_metadata(meta):
            return meta
    return None


def discover_oauth_support(url: str) -> bool:
    """True when the RFC 8414 probe finds an authorization server; False on any failure."""
    return _probe_metadata(url) is not None


def discover_scopes(url: str, headers=None) -> list[str]:
    """`scopes_supported` of the RFC 8414 probe's metadata ([] when none)."""
    with _with_headers(headers):
        meta = _probe_metadata(url)
    scopes = (meta or {}).get("scopes_supported")
    return [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []


def _resource_metadata_url(www_authenticate: str | None) -> str | None:
    import re

    if not www_authenticate:
        return None
    m = re.search(r'resource_metadata\s*=\s*"([^"]*)"', www_authenticate) \
        or re.search(r"resource_metadata\s*=\s*([^\s,]+)", www_authenticate)
    return m.group(1) if m else None


def _as_candidates(base: str) -> list[str]:
    split = _split(base)
    if split is None:
        return []
    origin, path = split
    if path:
        return [f"{origin}/.well-known/oauth-authorization-server{path}",
                f"{origin}/.well-known/openid-configuration{path}",
                f"{origin}{path}/.well-known/openid-configuration",
                f"{origin}/.well-known/oauth-authorization-server"]
    return [f"{origin}/.well-known/oauth-authorization-server", f"{origin}/.well-known/openid-configuration"]


def discover_metadata(server_url: str):
    """rmcp's discovery: `(authorization server metadata, protected resource metadata or None)`,
    or None when no authorization server is found."""
    split = _split(server_url)
    if split is None:
        return None
    origin, path = split
    prm = None
    try:
        status, headers, _ = _http("GET", server_url, headers=_default_headers(
            {"MCP-Protocol-Version": PROBE_PROTOCOL_VERSION, "Accept": "*/*"}), timeout=DISCOVERY_TIMEOUT_S)
        if status == 401:
            meta_url = _resource_metadata_url(headers.get("WWW-Authenticate") if headers else None)
            if meta_url:
                prm = _get_json(meta_url)
    except Exception:
        pass
    if prm is None:
        candidates = [f"{origin}/.well-known/oauth-protected-resource{path}",
                      f"{origin}{path}/.well-known/oauth-protected-resource"] if path else []
        candidates.append(f"{origin}/.well-known/oauth-protected-resource")
        for c in candidates:
            prm = _get_json(c)
            if prm is not None:
                break
    as_base = server_url
    if isinstance(prm, dict):
        servers = prm.get("authorization_servers")
        if isinstance(servers, list) and servers and isinstance(servers[0], str):
            as_base = servers[0]
    for c in _as_candidates(as_base):
        meta = _get_json(c)
        if _valid_as_metadata(meta):
            return meta, prm
    if as_base != server_url:
        for c in _as_candidates(server_url):
            meta = _get_json(c)
            if _valid_as_metadata(meta):
                return meta, prm
    return None


# ------------------------------------------------------------------------------ store

def store_mode(config) -> str:
    raw = config.raw if hasattr(config, "raw") else (config or {})
    return str(raw.get("mcp_oauth_credentials_store") or "auto")


def compute_store_key(server_name: str, server_url: str) -> str:
    payload = json.dumps({"type": "http", "url": server_url, "headers": {}}, separators=(",", ":"),
                         ensure_ascii=False)
    return f"{server_name}|{hashlib.sha256(payload.encode('utf-8')).hexdigest()[:16]}"


def _codex_home(codex_home=None) -> str:
    if codex_home:
        return os.fspath(codex_home)
    env = os.environ.get("CODEX_HOME")
    if env:
        return env
    return os.path.join(os.path.expanduser("~"), ".codex")


def _file_path(codex_home=None) -> str:
    return os.path.join(_codex_home(codex_home), CREDENTIALS_FILE)


def _read_file(codex_home=None):
    path = _file_path(codex_home)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OAuthError(f"failed to read credentials file at {path}", [str(exc)]) from None
    try:
        store = json.loads(text)
    except ValueError:
        raise OAuthError(f"failed to parse credentials file at {path}", [_serde_error(text.encode())]) from None
    if not isinstance(store, dict):
        raise OAuthError(f"failed to parse credentials file at {path}",
                         [f"invalid type: expected a map {_serde_where(text)}"])
    return store


def _write_file(store: dict, codex_home=None) -> None:
    path = _file_path(codex_home)
    if not store:
        if os.path.exists(path):
            os.remove(path)
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = json.dumps(dict(sorted(store.items())), separators=(",", ":"), ensure_ascii=False)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _entry(tokens: dict) -> dict:
    """The file entry's field order (FallbackTokenEntry)."""
    return {"server_name": tokens["server_name"], "server_url": tokens["server_url"],
            "client_id": tokens.get("client_id") or "", "access_token": tokens.get("access_token") or "",
            "expires_at": tokens.get("expires_at"), "refresh_token": tokens.get("refresh_token"),
            "scopes": list(tokens.get("scopes") or [])}


def _keyring():
    """The `keyring` module when it has a usable backend; raises OAuthError otherwise."""
    try:
        import keyring
        from keyring.backends import fail
    except Exception:
        raise OAuthError(NO_KEYRING, [NO_KEYRING_CAUSE]) from None
    try:
        backend = keyring.get_keyring()
    except Exception:
        raise OAuthError(NO_KEYRING, [NO_KEYRING_CAUSE]) from None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        raise OAuthError(NO_KEYRING, [NO_KEYRING_CAUSE])
    return keyring


def _keyring_value(tokens: dict) -> str:
    """serde_json of upstream's StoredOAuthTokens (the keyring entry's value)."""
    response = {"access_token": tokens.get("access_token") or "", "token_type": "bearer"}
    expires_at = tokens.get("expires_at")
    if expires_at is not None:
        response["expires_in"] = max(0, (int(expires_at) - _now_ms()) // 1000)
    if tokens.get("refresh_token"):
        response["refresh_token"] = tokens["refresh_token"]
    if tokens.get("scopes"):
        response["scope"] = " ".join(tokens["scopes"])
    return json.dumps({"server_name": tokens["server_name"], "url": tokens["server_url"],
                       "client_id": tokens.get("client_id") or "", "token_response": response,
                       "expires_at": expires_at}, separators=(",", ":"), ensure_ascii=False)


def _from_keyring_value(text: str) -> dict:
    value = json.loads(text)
    response = value.get("token_response") or {}
    scope = response.get("scope")
    return {"server_name": value.get("server_name"), "server_url": value.get("url"),
            "client_id": value.get("client_id") or "", "access_token": response.get("access_token") or "",
            "expires_at": value.get("expires_at"), "refresh_token": response.get("refresh_token"),
            "scopes": scope.split() if isinstance(scope, str) else []}


def _load_keyring(name: str, url: str):
    kr = _keyring()
    try:
        text = kr.get_password(KEYRING_SERVICE, compute_store_key(name, url))
    except Exception as exc:
        raise OAuthError(str(exc)) from None
    if text is None:
        return None
    try:
        return _from_keyring_value(text)
    except Exception as exc:
        raise OAuthError("failed to deserialize OAuth tokens from keyring", [str(exc)]) from None


def _load_file(name: str, url: str, codex_home=None):
    store = _read_file(codex_home)
    if not store:
        return None
    key = compute_store_key(name, url)
    for entry in store.values():
        if not isinstance(entry, dict):
            continue
        if compute_store_key(str(entry.get("server_name")), str(entry.get("server_url"))) == key:
            return _entry(entry)
    return None


def load_oauth_tokens(name: str, url: str, mode: str = "auto", codex_home=None):
    """The stored tokens of server `name` at `url` (a dict with the file entry's fields), or None."""
    if mode == "file":
        return _load_file(name, url, codex_home)
    if mode == "keyring":
        try:
            return _load_keyring(name, url)
        except OAuthError as exc:
            raise OAuthError("failed to read OAuth tokens from keyring", [exc.message, *exc.causes]) from None
    try:
        found = _load_keyring(name, url)
    except OAuthError:
        found = None
    return found if found is not None else _load_file(name, url, codex_home)


def save_oauth_tokens(tokens: dict, mode: str = "auto", codex_home=None) -> None:
    key = compute_store_key(tokens["server_name"], tokens["server_url"])

    def to_file():
        store = _read_file(codex_home) or {}
        store[key] = _entry(tokens)
        _write_file(store, codex_home)

    def to_keyring():
        kr = _keyring()
        try:
            kr.set_password(KEYRING_SERVICE, key, _keyring_value(tokens))
        except Exception as exc:
            raise OAuthError(str(exc)) from None
        try:
            _delete_file_key(key, codex_home)
        except Exception:
            pass

    if mode == "file":
        return to_file()
    try:
        return to_keyring()
    except OAuthError as exc:
        if mode == "keyring":
            raise OAuthError(f"failed to write OAuth tokens to keyring: {exc.message}",
                             [exc.message, *exc.causes]) from None
    to_file()


def _delete_file_key(key: str, codex_home=None) -> bool:
    store = _read_file(codex_home)
    if not store or key not in store:
        return False
    del store[key]
    _write_file(store, codex_home)
    return True


def delete_oauth_tokens(config, name: str, url: str) -> bool:
    """Remove the stored tokens of server `name` (keyring and file); True when there were some.
    With `auto`/`keyring` and no usable keyring this fails as the reference does."""
    mode = store_mode(config)
    codex_home = getattr(config, "codex_home", None)
    key = compute_store_key(name, url)
    removed = False
    try:
        kr = _keyring()
        try:
            if kr.get_password(KEYRING_SERVICE, key) is not None:
                kr.delete_password(KEYRING_SERVICE, key)
                removed = True
        except Exception as exc:
            raise OAuthError(str(exc)) from None
    except OAuthError:
        if mode != "file":
            raise OSError("failed to delete OAuth tokens from keyring") from None
    try:
        return _delete_file_key(key, codex_home) or removed
    except OAuthError as exc:
        raise OSError(exc.message) from None


def _now_ms() -> int:
    return int(time.time() * 1000)


def token_needs_refresh(expires_at) -> bool:
    if expires_at is None:
        return False
    return _now_ms() + REFRESH_SKEW_MS >= int(expires_at)


def tokens_usable(tokens) -> bool:
    """`oauth_tokens_are_usable`."""
    if not tokens or not str(tokens.get("client_id") or "").strip():
        return False
    if token_needs_refresh(tokens.get("expires_at")):
        return bool(str(tokens.get("refresh_token") or "").strip())
    return bool(str(tokens.get("access_token") or "").strip())


# ------------------------------------------------------------------------------ token endpoint

def _form(pairs) -> bytes:
    return _urlencode(pairs).encode("ascii")


def _quote(value: str) -> str:
    """application/x-www-form-urlencoded as the `url` crate writes it (`*-._` kept, space -> +)."""
    import urllib.parse

    return urllib.parse.quote_plus(value, safe="*").replace("~", "%7E")


def _urlencode(pairs) -> str:
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in pairs)


_SERDE_MESSAGES = (
    ("Expecting property name enclosed in double quotes", "key must be a string"),
    ("Expecting ':' delimiter", "expected `:`"),
    ("Extra data", "trailing characters"),
    ("Unterminated string", "EOF while parsing a string"),
    ("Invalid control character", "control character (\\u0000-\\u001F) found while parsing a string"),
    ("Invalid \\escape", "invalid escape"),
)


def _serde_where(text: str) -> str:
    lines = text.split("\n")
    return f"at line {len(lines)} column {len(lines[-1])}"


def _serde_error(body: bytes) -> str:
    """serde_json's message for a body that is not the expected JSON (approximated from
    Python's decoder: the same position, serde's wording for the common cases)."""
    text = body.decode("utf-8", "replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            kind = "value"
            stripped = text.lstrip()
            if stripped.startswith("{"):
                kind = "an object"
            elif stripped.startswith("["):
                kind = "a list"
            return f"EOF while parsing {kind} {_serde_where(text)}"
        message = "expected value"
        for py, serde in _SERDE_MESSAGES:
            if exc.msg.startswith(py):
                message = serde
        if exc.msg.startswith("Expecting ',' delimiter"):
            message = "expected `,` or `]`" if text[:exc.pos].rstrip().rfind("[") > text[:exc.pos].rfind("{") \
                else "expected `,` or `}`"
        return f"{message} at line {exc.lineno} column {exc.colno}"
    return f"invalid type: expected struct {_serde_where(text)}"


def _token_request(token_endpoint: str, pairs, extra_headers=None) -> dict:
    """POST the token endpoint; the parsed token response, or OAuthError(detail) in oauth2's words."""
    headers = dict(extra_headers or {})
    headers.update({"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"})
    try:
        status, _, body = _http("POST", token_endpoint, data=_form(pairs), headers=headers)
    except OSError:
        raise OAuthError("Request failed") from None
    if not 200 <= status < 300:
        try:
            err = json.loads(body.decode("utf-8"))
        except Exception:
            raise OAuthError(_serde_error(body)) from None
        if not isinstance(err, dict) or not isinstance(err.get("error"), str):
            missing = "error"
            lines = body.decode("utf-8", "replace").split("\n")
            raise OAuthError(f"missing field `{missing}` at line {len(lines)} column {len(lines[-1])}")
        text = err["error"]
        if isinstance(err.get("error_description"), str):
            text += ": " + err["error_description"]
        if isinstance(err.get("error_uri"), str):
            text += f" (see {err['error_uri']})"
        raise OAuthError(f"Server returned error response: {text}")
    try:
        value = json.loads(body.decode("utf-8"))
    except Exception:
        raise OAuthError(_serde_error(body)) from None
    lines = body.decode("utf-8", "replace").split("\n")
    where = f"at line {len(lines)} column {len(lines[-1])}"
    if not isinstance(value, dict):
        raise OAuthError(f"invalid type: expected struct StandardTokenResponse {where}")
    for field in ("access_token", "token_type"):
        if field not in value:
            raise OAuthError(f"missing field `{field}` {where}")
    return value


def _stored_from_response(name: str, url: str, client_id: str, response: dict, previous=None) -> dict:
    expires_in = response.get("expires_in")
    expires_at = None
    if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
        expires_at = _now_ms() + int(expires_in) * 1000
    scope = response.get("scope")
    if isinstance(scope, str):
        scopes = scope.split()
    else:
        scopes = list((previous or {}).get("scopes") or [])
    refresh = response.get("refresh_token")
    if not isinstance(refresh, str):
        refresh = (previous or {}).get("refresh_token")
    return {"server_name": name, "server_url": url, "client_id": client_id,
            "access_token": str(response.get("access_token") or ""), "expires_at": expires_at,
            "refresh_token": refresh, "scopes": scopes}


# ------------------------------------------------------------------------------ login

def callback_id(server_url: str) -> str:
    """base64url (no padding) of the first 9 bytes of sha256(the server URL as `Url` prints it,
    without its fragment)."""
    import urllib.parse

    try:
        p = urllib.parse.urlsplit(server_url)
        host = p.hostname
    except ValueError:
        raise OAuthError(f"invalid MCP server URL `{server_url}`") from None
    if not p.scheme or not host:
        raise OAuthError(f"MCP server URL `{server_url}` must include a host")
    scheme = p.scheme.lower()
    netloc = p.netloc.rsplit("@", 1)[-1]
    userinfo = p.netloc.rsplit("@", 1)[0] + "@" if "@" in p.netloc else ""
    hostport = netloc.lower() if not netloc.startswith("[") else netloc
    default = {"http": 80, "https": 443}.get(scheme)
    try:
        port = p.port
    except ValueError:
        port = None
    if port is not None and port == default:
        hostport = hostport.rsplit(":", 1)[0]
    path = p.path or "/"
    url = f"{scheme}://{userinfo}{hostport}{path}" + (f"?{p.query}" if p.query else "")
    digest = hashlib.sha256(url.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode("ascii").rstrip("=")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class _Callback:
    """The loopback listener: answers one `<path>?code=..&state=..` (or `?error=..`)."""

    def __init__(self, port: int, expected_path: str):
        import http.server

        outer = self
        self.expected_path = expected_path
        self.result = None
        self.done = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _answer(self, status: int, text: str):
                body = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def do_GET(self):
                if outer.done.is_set():
                    return self._answer(400, "Invalid OAuth callback")
                kind, value = _parse_callback(self.path, outer.expected_path)
                if kind == "success":
                    self._answer(200, "Authentication complete. You may close this window.")
                elif kind == "error":
                    self._answer(400, value)
                else:
                    return self._answer(400, "Invalid OAuth callback")
                outer.result = (kind, value)
                outer.done.set()

            do_POST = do_GET

        try:
            self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise OAuthError(_io_error_text(exc)) from None
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# musl's strerror texts (the reference is a musl build) where they differ from glibc's
_MUSL_STRERROR = {98: "Address in use", 99: "Address not available"}


def _io_error_text(exc: OSError) -> str:
    msg = _MUSL_STRERROR.get(exc.errno or 0) or exc.strerror or str(exc)
    return f"{msg} (os error {exc.errno})" if exc.errno else msg


def _parse_callback(path: str, expected: str):
    import urllib.parse

    if "?" not in path:
        return "invalid", None
    route, query = path.split("?", 1)
    if route != expected:
        return "invalid", None
    got = {}
    for pair in query.split("&"):
        if "=" not in pair:
            continue
        key, value = pair.split("=", 1)
        try:
            decoded = urllib.parse.unquote(value, errors="strict")
        except UnicodeDecodeError:
            continue
        if key in ("code", "state", "error", "error_description"):
            got[key] = decoded
    if "code" in got and "state" in got:
        return "success", (got["code"], got["state"])
    error, desc = got.get("error"), got.get("error_description")
    if error is not None and desc is not None:
        return "error", f"OAuth provider returned `{error}`: {desc}"
    if error is not None:
        return "error", f"OAuth provider returned `{error}`"
    if desc is not None:
        return "error", f"OAuth error: {desc}"
    return "invalid", None


def _open_browser(url: str) -> bool:
    """The `webbrowser` crate on Linux, as far as it matters here: `$BROWSER` (':'-separated
    commands, `%s` replaced by the URL or the URL appended) when set, else the desktop openers
    when there is a display. True when a browser command could be started."""
    import shlex
    import shutil
    import subprocess

    def spawn(argv) -> bool:
        if not argv or shutil.which(argv[0]) is None:
            return False
        try:
            subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
            return True
        except OSError:
            return False

    browser = os.environ.get("BROWSER")
    if browser is not None:
        for entry in browser.split(":"):
            entry = entry.strip()
            if not entry:
                continue
            try:
                argv = shlex.split(entry)
            except ValueError:
                continue
            argv = [a.replace("%s", url) for a in argv] if "%s" in entry else [*argv, url]
            if spawn(argv):
                return True
        return False
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    for argv in (["xdg-open", url], ["gio", "open", url], ["sensible-browser", url]):
        if spawn(argv):
            return True
    return False


def _scopes(cli_scopes, config_scopes, prm, meta) -> list[str]:
    for candidate in (cli_scopes, config_scopes, (prm or {}).get("scopes_supported"), meta.get("scopes_supported")):
        if isinstance(candidate, (list, tuple)):
            values = [str(s) for s in candidate if isinstance(s, str)]
            if values:
                return values
    return []


def _register(meta: dict, redirect_uri: str, scopes: list[str]) -> str:
    prefix = "Registration failed: Dynamic registration failed: Registration failed: "
    endpoint = meta.get("registration_endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise OAuthError(prefix + "Dynamic client registration not supported")
    supported = meta.get("response_types_supported")
    if isinstance(supported, list) and "code" not in supported:
        # rmcp's `validate_response_supported("code")` (its error variant reads "Invalid scope")
        raise OAuthError("Registration failed: Dynamic registration failed: Invalid scope: code")
    body = {"client_name": CLIENT_NAME, "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "none",
            "response_types": ["code"]}
    if scopes:
        body["scope"] = " ".join(scopes)
    try:
        status, _, raw = _http("POST", endpoint, data=json.dumps(body, separators=(",", ":")).encode("utf-8"),
                               headers=_default_headers({"Content-Type": "application/json", "Accept": "*/*"}))
    except OSError as exc:
        raise OAuthError(prefix + f"HTTP request failed: {exc}") from None
    if not 200 <= status < 300:
        from http.client import responses

        text = raw.decode("utf-8", "replace")
        reason = responses.get(status)
        raise OAuthError(prefix + f"HTTP {status}{' ' + reason if reason else ''}: {text}")
    try:
        value = json.loads(raw.decode("utf-8"))
        client_id = value["client_id"]
        if not isinstance(client_id, str):
            raise ValueError
    except Exception:
        raise OAuthError(prefix + f"analyze response error: error decoding response body for url ({endpoint})") from None
    return client_id


def perform_oauth_login(server_name: str, server_url: str, *, mode: str = "auto", codex_home=None,
                        scopes=(), config_scopes=None, oauth_resource: str | None = None,
                        callback_port: int | None = None, discovered=None, client_id: str | None = None,
                        headers=None, out=None, err=None) -> None:
    with _with_headers(headers):
        _login_flow(server_name, server_url, mode, codex_home, scopes, config_scopes, oauth_resource,
                    callback_port, discovered, client_id, out, err)


def _login_flow(server_name, server_url, mode, codex_home, scopes, config_scopes, oauth_resource,
                callback_port, discovered, client_id, out, err) -> None:
    """The browser flow of `codex mcp login` (prints the URL, waits for the callback, exchanges
    the code, stores the tokens). Raises OAuthError."""
    import urllib.parse

    out = out or (lambda s: None)
    err = err or (lambda s: None)
    if callback_port is not None and int(callback_port) == 0:
        raise OAuthError(f"invalid MCP OAuth callback port `{callback_port}`: port must be between 1 and 65535")
    cid = callback_id(server_url)
    listener = _Callback(int(callback_port or 0), f"/callback/{cid}")
    try:
        redirect_uri = f"http://127.0.0.1:{listener.port}/callback/{cid}"
        found = discovered or discover_metadata(server_url)
        if found is None:
            raise OAuthError("No authorization support detected")
        meta, prm = found
        requested = _scopes(list(scopes or ()), config_scopes, prm, meta)
        if client_id is None or not str(client_id).strip():
            client_id = _register(meta, redirect_uri, requested)
        resource = server_url
        state = _b64(secrets.token_bytes(16))
        verifier = _b64(secrets.token_bytes(32))
        challenge = _b64(hashlib.sha256(verifier.encode("ascii")).digest())
        pairs = [("response_type", "code"), ("client_id", client_id), ("state", state),
                 ("code_challenge", challenge), ("code_challenge_method", "S256"), ("redirect_uri", redirect_uri)]
        if requested:
            pairs.append(("scope", " ".join(requested)))
        pairs.append(("resource", resource))
        if oauth_resource and oauth_resource.strip():
            pairs.append(("resource", oauth_resource.strip()))
        endpoint = meta["authorization_endpoint"]
        parts = urllib.parse.urlsplit(endpoint)
        query = (parts.query + "&" if parts.query else "") + _urlencode(pairs)
        auth_url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))
        out(f"Authorize `{server_name}` by opening this URL in your browser:\n{auth_url}\n")
        if not _open_browser(auth_url):
            err("(Browser launch failed; please copy the URL above manually.)\n")
        try:
            timeout = float(os.environ.get(TIMEOUT_ENV) or DEFAULT_OAUTH_TIMEOUT_S)
        except ValueError:
            timeout = DEFAULT_OAUTH_TIMEOUT_S
        if not listener.done.wait(max(1.0, timeout)):
            raise OAuthError("timed out waiting for OAuth callback", ["deadline has elapsed"])
        kind, value = listener.result
        if kind == "error":
            raise OAuthError(value)
        code, got_state = value
        if got_state != state:
            raise OAuthError("failed to handle OAuth callback", ["Internal error: Authorization state not found"])
        try:
            response = _token_request(meta["token_endpoint"], [
                ("grant_type", "authorization_code"), ("code", code), ("code_verifier", verifier),
                ("client_id", client_id), ("redirect_uri", redirect_uri), ("resource", resource)])
        except OAuthError as exc:
            raise OAuthError("failed to handle OAuth callback",
                             [f"OAuth token exchange failed: {exc.message}"]) from None
        stored = _stored_from_response(server_name, server_url, client_id, response)
        save_oauth_tokens(stored, mode, codex_home)
    finally:
        listener.close()


# ------------------------------------------------------------------------------ connections

class ConnectionAuth:
    """The stored OAuth tokens an HTTP MCP connection uses (`Authorization: Bearer <token>`);
    `refresh_if_needed()` exchanges the refresh token once the access token is (nearly) expired
    and persists the new tokens."""

    def __init__(self, name: str, url: str, tokens: dict, metadata, mode: str, codex_home, headers=None):
        self.name, self.url, self.tokens, self.headers = name, url, tokens, headers
        self.metadata, self.mode, self.codex_home = metadata, mode, codex_home

    @classmethod
    def load(cls, name: str, url: str, *, mode: str = "auto", codex_home=None, headers=None):
        try:
            tokens = load_oauth_tokens(name, url, mode, codex_home)
        except OAuthError:
            return None
        if not tokens:
            return None
        with _with_headers(headers):
            found = discover_metadata(url)
        return cls(name, url, tokens, found[0] if found else None, mode, codex_home, headers)

    @property
    def access_token(self) -> str:
        return str(self.tokens.get("access_token") or "")

    def needs_refresh(self) -> bool:
        return token_needs_refresh(self.tokens.get("expires_at"))

    def refresh_if_needed(self) -> bool:
        """True when the tokens were refreshed. Raises OAuthError."""
        if not self.needs_refresh():
            return False
        refresh = self.tokens.get("refresh_token")
        context = f"failed to refresh OAuth tokens for server {self.name}"
        if not refresh:
            raise OAuthError(context, ["Token refresh failed: No refresh token available"])
        if not self.metadata:
            raise OAuthError(context, ["OAuth client not configured"])
        pairs = [("grant_type", "refresh_token"), ("refresh_token", refresh)]
        if self.tokens.get("scopes"):
            pairs.append(("scope", " ".join(self.tokens["scopes"])))
        pairs.append(("client_id", self.tokens.get("client_id") or ""))
        try:
            # rmcp refreshes with the client carrying the server's headers (the code exchange
            # of `mcp login` uses a plain one)
            response = _token_request(self.metadata["token_endpoint"], pairs, self.headers)
        except OAuthError as exc:
            raise OAuthError(context, [f"Token refresh failed: {exc.message}"]) from None
        self.tokens = _stored_from_response(self.name, self.url, self.tokens.get("client_id") or "",
                                            response, previous=self.tokens)
        try:
            save_oauth_tokens(self.tokens, self.mode, self.codex_home)
        except (OAuthError, OSError):
            pass
        return True
