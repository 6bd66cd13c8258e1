"""ChatGPT sign-in: the browser flow with a local callback server and the device-code flow
(codex-rs/login/src/server.rs, device_code_auth.rs, pkce.rs).

Browser: `server = run_login_server(ServerOptions(codex_home))` binds 127.0.0.1:1455 (when busy:
`GET /cancel` to the previous server, 10 retries 200 ms apart, then the fallback port 1457),
`server.auth_url` is the authorize URL (PKCE S256, random state), and `server.block_until_done()`
waits for `/auth/callback?code&state`: the state must match, the code is exchanged at
`{issuer}/oauth/token`, an API key is obtained by token exchange (best effort), the tokens are
persisted and the browser is redirected to `/success`. `/cancel` ends it with "Login cancelled".

Device code: `run_device_code_login(opts, out)` asks `{issuer}/api/accounts/deviceauth/usercode`,
prints the prompt, polls `.../deviceauth/token` (403/404 = pending, 15 minutes at most) and
exchanges the code with redirect `{issuer}/deviceauth/callback`.

The issuer is `ServerOptions.issuer` (`codex login --device-auth --experimental_issuer URL`).
Tokens never go to stderr or the logs.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import socket
import threading
import time
from urllib.parse import parse_qsl, quote, urlsplit

from codex.auth import _json
from codex.auth.manager import CLIENT_ID, originator, revoke_auth_tokens
from codex.auth.storage import (
    AuthDotJson, IdTokenInfoError, TokenData, create_auth_storage, jwt_auth_claims, parse_chatgpt_jwt_claims,
    utc_now,
)

__all__ = [
    "DEFAULT_ISSUER", "DEFAULT_PORT", "LoginError", "LoginServer", "PkceCodes", "ServerOptions",
    "build_authorize_url", "exchange_code_for_tokens", "generate_pkce", "run_device_code_login",
    "run_login_server",
]

DEFAULT_ISSUER = "https://auth.openai.com"
DEFAULT_PORT = 1455
FALLBACK_PORT = 1457
SCOPES = "openid profile email offline_access api.connectors.read api.connectors.invoke"
DEVICE_CODE_TIMEOUT_S = 15 * 60


class LoginError(OSError):
    """A failed sign-in; `kind` is "not_found" for a server without device-code login."""

    def __init__(self, message: str, kind: str = "other"):
        super().__init__(message)
        self.kind = kind

    def __str__(self) -> str:
        return self.args[0]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class PkceCodes:
    __slots__ = ("code_verifier", "code_challenge")

    def __init__(self, code_verifier: str, code_challenge: str):
        self.code_verifier = code_verifier
        self.code_challenge = code_challenge


def generate_pkce() -> PkceCodes:
    verifier = _b64url(secrets.token_bytes(64))
    return PkceCodes(verifier, _b64url(hashlib.sha256(verifier.encode("ascii")).digest()))


def generate_state() -> str:
    return _b64url(secrets.token_bytes(32))


def _enc(value: str) -> str:
    return quote(value, safe="-_.~")


class ServerOptions:
    def __init__(self, codex_home: str, client_id: str = CLIENT_ID, forced_chatgpt_workspace_id=None,
                 store_mode: str = "file", *, issuer: str = DEFAULT_ISSUER, port: int = DEFAULT_PORT,
                 open_browser: bool = False, force_state: str | None = None, keyring=None):
        self.codex_home = codex_home
        self.client_id = client_id
        if isinstance(forced_chatgpt_workspace_id, str):
            forced_chatgpt_workspace_id = [forced_chatgpt_workspace_id]
        self.forced_chatgpt_workspace_id = forced_chatgpt_workspace_id
        self.store_mode = store_mode
        self.issuer = issuer
        self.port = port
        self.open_browser = open_browser
        self.force_state = force_state
        self.keyring = keyring


def build_authorize_url(issuer: str, client_id: str, redirect_uri: str, pkce: PkceCodes, state: str,
                        workspace_ids=None) -> str:
    query = [
        ("response_type", "code"), ("client_id", client_id), ("redirect_uri", redirect_uri), ("scope", SCOPES),
        ("code_challenge", pkce.code_challenge), ("code_challenge_method", "S256"),
        ("id_token_add_organizations", "true"), ("codex_cli_simplified_flow", "true"), ("state", state),
        ("originator", originator()),
    ]
    if workspace_ids:
        query.append(("allowed_workspace_id", ",".join(workspace_ids)))
    return f"{issuer}/oauth/authorize?" + "&".join(f"{k}={_enc(v)}" for k, v in query)


# --------------------------------------------------------------------------------------------
# token endpoint
# --------------------------------------------------------------------------------------------


def _client():
    import httpx

    return httpx.Client(timeout=30.0)


def _status_text(resp) -> str:
    return f"{resp.status_code} {resp.reason_phrase}".strip()


def _token_endpoint_error(body: str) -> str:
    import json

    trimmed = body.strip()
    if not trimmed:
        return "unknown error"
    try:
        value = json.loads(trimmed)
    except ValueError:
        value = None
    if isinstance(value, dict):
        err = value.get("error")
        code = err if isinstance(err, str) and err.strip() else None
        if code is None and isinstance(err, dict) and isinstance(err.get("code"), str) and err["code"].strip():
            code = err["code"]
        desc = value.get("error_description")
        if isinstance(desc, str) and desc.strip():
            return desc
        if isinstance(err, dict) and isinstance(err.get("message"), str) and err["message"].strip():
            return err["message"]
        if code:
            return code
    return trimmed


def exchange_code_for_tokens(issuer: str, client_id: str, redirect_uri: str, pkce: PkceCodes, code: str,
                             client=None) -> dict:
    """Returns {id_token, access_token, refresh_token}; raises LoginError."""
    endpoint = f"{issuer.rstrip('/')}/oauth/token"
    body = (f"grant_type=authorization_code&code={_enc(code)}&redirect_uri={_enc(redirect_uri)}"
            f"&client_id={_enc(client_id)}&code_verifier={_enc(pkce.code_verifier)}")
    own = client is None
    client = client or _client()
    try:
        try:
            resp = client.post(endpoint, content=body,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        except Exception as exc:
            raise LoginError(f"error sending request for url ({endpoint})") from exc
        if not 200 <= resp.status_code < 300:
            raise LoginError(f"token endpoint returned status {_status_text(resp)}: "
                             f"{_token_endpoint_error(resp.text)}")
        try:
            data = resp.json()
            return {k: str(data[k]) for k in ("id_token", "access_token", "refresh_token")}
        except (ValueError, KeyError, TypeError):
            raise LoginError("error decoding response body") from None
    finally:
        if own:
            client.close()


def obtain_api_key(issuer: str, client_id: str, id_token: str, client=None) -> str:
    endpoint = f"{issuer.rstrip('/')}/oauth/token"
    body = (f"grant_type={_enc('urn:ietf:params:oauth:grant-type:token-exchange')}&client_id={_enc(client_id)}"
            f"&requested_token={_enc('openai-api-key')}&subject_token={_enc(id_token)}"
            f"&subject_token_type={_enc('urn:ietf:params:oauth:token-type:id_token')}")
    own = client is None
    client = client or _client()
    try:
        resp = client.post(endpoint, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        if not 200 <= resp.status_code < 300:
            raise LoginError(f"api key exchange failed with status {_status_text(resp)}")
        return str(resp.json()["access_token"])
    finally:
        if own:
            client.close()


def ensure_workspace_allowed(expected, id_token: str) -> str | None:
    """None when allowed, else the error message."""
    if not expected:
        return None
    actual = jwt_auth_claims(id_token).get("chatgpt_account_id")
    if not isinstance(actual, str):
        return ("Login is restricted to a specific workspace, but the token did not include an "
                "chatgpt_account_id claim.")
    if actual in expected:
        return None
    return f"Login is restricted to workspace id(s) {', '.join(expected)}."


def persist_tokens(opts: ServerOptions, api_key, id_token: str, access_token: str, refresh_token: str) -> None:
    storage = create_auth_storage(opts.codex_home, opts.store_mode, opts.keyring)
    try:
        previous = storage.load()
    except (OSError, ValueError):
        previous = None
    try:
        info = parse_chatgpt_jwt_claims(id_token)
    except (IdTokenInfoError, ValueError) as exc:
        raise LoginError(str(exc)) from None
    account = jwt_auth_claims(id_token).get("chatgpt_account_id")
    tokens = TokenData(info, access_token, refresh_token, account if isinstance(account, str) else None)
    auth = AuthDotJson(auth_mode="chatgpt", openai_api_key=api_key, tokens=tokens,
                       last_refresh=utc_now())
    storage.save(auth)
    if previous is not None and previous.resolved_mode == "chatgpt" and previous.tokens is not None:
        old = previous.tokens
        if (old.refresh_token and old.refresh_token != refresh_token) or \
                (not old.refresh_token and old.access_token and old.access_token != access_token):
            import asyncio

            try:
                asyncio.run(revoke_auth_tokens(previous))
            except Exception:
                pass


# --------------------------------------------------------------------------------------------
# browser flow
# --------------------------------------------------------------------------------------------

SUCCESS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Signed in to Codex</title></head>
<body style="font-family: system-ui, sans-serif; text-align: center; margin-top: 15vh">
<h1>Signed in to Codex</h1>
<p>You may now close this page and return to your terminal.</p>
</body>
</html>
"""

ERROR_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; text-align: center; margin-top: 15vh">
<h1>{title}</h1>
<p>{message}</p>
<p><code>{code}</code></p>
<p>{help}</p>
</body>
</html>
"""


def _callback_error_message(code: str, description: str | None) -> str:
    if code == "access_denied" and description and "missing_codex_entitlement" in description.lower():
        return ("Codex is not enabled for your workspace. Contact your workspace administrator to request "
                "access to Codex.")
    if description and description.strip():
        return f"Sign-in failed: {description}"
    return f"Sign-in failed: {code}"


def _error_page(message: str, code: str | None) -> bytes:
    return ERROR_PAGE.format(
        title="Sign-in could not be completed", message=html.escape(message, quote=True),
        code=html.escape(code or "unknown_error", quote=True),
        help="Return to Codex to retry, switch accounts, or contact your workspace admin if access is restricted.",
    ).encode("utf-8")


def compose_success_url(port: int, issuer: str, id_token: str, access_token: str) -> str:
    claims = jwt_auth_claims(id_token)
    access = jwt_auth_claims(access_token)
    completed = claims.get("completed_platform_onboarding") is True
    owner = claims.get("is_org_owner") is True
    params = [
        ("id_token", id_token),
        ("needs_setup", "true" if (not completed and owner) else "false"),
        ("org_id", claims.get("organization_id") if isinstance(claims.get("organization_id"), str) else ""),
        ("project_id", claims.get("project_id") if isinstance(claims.get("project_id"), str) else ""),
        ("plan_type", access.get("chatgpt_plan_type") if isinstance(access.get("chatgpt_plan_type"), str) else ""),
        ("platform_url", "https://platform.openai.com" if issuer == DEFAULT_ISSUER else "https://platform.api.openai.org"),
    ]
    return f"http://localhost:{port}/success?" + "&".join(f"{k}={_enc(v)}" for k, v in params)


def _send_cancel(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.settimeout(2)
        s.sendall(f"GET /cancel HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        try:
            s.recv(64)
        except OSError:
            pass


def _bind(port: int, err=None):
    from http.server import ThreadingHTTPServer

    address, attempts, cancel_attempted, fallback = port, 0, False, False
    while True:
        try:
            return ThreadingHTTPServer(("127.0.0.1", address), _Handler)
        except OSError as exc:
            import errno

            if exc.errno != errno.EADDRINUSE:
                raise
            attempts += 1
            if not cancel_attempted and not fallback:
                cancel_attempted = True
                try:
                    _send_cancel(port)
                except OSError as cexc:
                    if err is not None:
                        err(f"Failed to cancel previous login server: {cexc}\n")
            time.sleep(0.2)
            if attempts >= 10:
                if port == DEFAULT_PORT and not fallback:
                    address, attempts, fallback = FALLBACK_PORT, 0, True
                    continue
                raise LoginError(f"Port 127.0.0.1:{address} is already in use") from None


from http.server import BaseHTTPRequestHandler  # noqa: E402  (cheap; part of the stdlib server)


class _Handler(BaseHTTPRequestHandler):
    server_version = "tiny-http"
    sys_version = ""

    def log_message(self, *args):  # never log callback URLs (they carry codes)
        pass

    def _reply(self, status: int, body: bytes, headers=(), close=False):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        login: LoginServer = self.server.login  # type: ignore[attr-defined]
        status, body, headers, result = login._process(self.path)
        self._reply(status, body, headers, close=result is not None)
        if result is not None:
            login._finish(result)


_PLAIN = [("Content-Type", "text/plain; charset=UTF-8")]


class LoginServer:
    """A running callback server; `auth_url`, `actual_port`, `block_until_done()`, `cancel()`."""

    def __init__(self, opts: ServerOptions, err=None):
        self.opts = opts
        self.pkce = generate_pkce()
        self.state = opts.force_state or generate_state()
        self._httpd = _bind(opts.port, err)
        self._httpd.login = self  # type: ignore[attr-defined]
        self._httpd.daemon_threads = True
        self.actual_port = self._httpd.server_address[1]
        self.redirect_uri = f"http://localhost:{self.actual_port}/auth/callback"
        self.auth_url = build_authorize_url(opts.issuer, opts.client_id, self.redirect_uri, self.pkce, self.state,
                                            opts.forced_chatgpt_workspace_id)
        self._done = threading.Event()
        self._result: BaseException | None | bool = False
        self._err = err
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._thread.start()
        if opts.open_browser:
            try:
                import webbrowser

                webbrowser.open(self.auth_url)
            except Exception:
                pass

    def _say(self, text: str) -> None:
        if self._err is not None:
            self._err(text)

    def _process(self, raw_path: str):
        """-> (status, body, headers, result); result None keeps serving, else ends the login
        (an exception or True for success)."""
        html_type = [("Content-Type", "text/html; charset=utf-8")]
        url = urlsplit(raw_path)
        path = url.path
        if path == "/auth/callback":
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            if params.get("state") != self.state:
                return 400, b"State mismatch", _PLAIN, None
            if "error" in params:
                message = _callback_error_message(params["error"], params.get("error_description"))
                self._say(f"OAuth callback error: {message}\n")
                return 200, _error_page(message, params["error"]), html_type, LoginError(message, "permission")
            code = params.get("code") or ""
            if not code:
                message = "Missing authorization code. Sign-in could not be completed."
                return 200, _error_page(message, "missing_authorization_code"), html_type, LoginError(message)
            try:
                tokens = exchange_code_for_tokens(self.opts.issuer, self.opts.client_id, self.redirect_uri, self.pkce,
                                                  code)
            except LoginError as exc:
                self._say(f"Token exchange error: {exc}\n")
                message = f"Token exchange failed: {exc}"
                return 200, _error_page(message, "token_exchange_failed"), html_type, LoginError(message)
            denied = ensure_workspace_allowed(self.opts.forced_chatgpt_workspace_id, tokens["id_token"])
            if denied is not None:
                self._say(f"Workspace restriction error: {denied}\n")
                return 200, _error_page(denied, "workspace_restriction"), html_type, LoginError(denied, "permission")
            try:
                api_key = obtain_api_key(self.opts.issuer, self.opts.client_id, tokens["id_token"])
            except Exception:
                api_key = None
            try:
                persist_tokens(self.opts, api_key, tokens["id_token"], tokens["access_token"], tokens["refresh_token"])
            except (OSError, ValueError) as exc:
                self._say(f"Persist error: {exc}\n")
                message = "Sign-in completed but credentials could not be saved locally."
                return 200, _error_page(message, "persist_failed"), html_type, LoginError(message)
            location = compose_success_url(self.actual_port, self.opts.issuer, tokens["id_token"],
                                           tokens["access_token"])
            return 302, b"", [("Location", location)], None
        if path == "/success":
            return 200, SUCCESS_PAGE.encode("utf-8"), html_type, True
        if path == "/cancel":
            return 200, b"Login cancelled", [], LoginError("Login cancelled", "interrupted")
        return 404, b"Not Found", _PLAIN, None

    def _finish(self, result) -> None:
        if self._done.is_set():
            return
        self._result = result
        self._done.set()
        threading.Thread(target=self._httpd.shutdown, daemon=True).start()

    def cancel(self) -> None:
        self._finish(LoginError("Login was not completed"))

    def block_until_done(self, timeout: float | None = None) -> None:
        """Returns on success; raises LoginError otherwise."""
        if not self._done.wait(timeout):
            self.cancel()
        self._thread.join(timeout=5)
        try:
            self._httpd.server_close()
        except OSError:
            pass
        if isinstance(self._result, BaseException):
            raise self._result


def run_login_server(opts: ServerOptions, err=None) -> LoginServer:
    return LoginServer(opts, err)


# --------------------------------------------------------------------------------------------
# device code
# --------------------------------------------------------------------------------------------

ANSI_BLUE = "\x1b[94m"
ANSI_GRAY = "\x1b[90m"
ANSI_RESET = "\x1b[0m"
VERSION = "0.136.0"


def device_code_prompt(verification_url: str, code: str) -> str:
    return (
        f"\nWelcome to Codex [v{ANSI_GRAY}{VERSION}{ANSI_RESET}]\n{ANSI_GRAY}OpenAI's command-line coding agent"
        f"{ANSI_RESET}\n\nFollow these steps to sign in with ChatGPT using device code authorization:\n"
        f"\n1. Open this link in your browser and sign in to your account\n   {ANSI_BLUE}{verification_url}"
        f"{ANSI_RESET}\n\n2. Enter this one-time code {ANSI_GRAY}(expires in 15 minutes){ANSI_RESET}\n"
        f"   {ANSI_BLUE}{code}{ANSI_RESET}\n\n{ANSI_GRAY}Device codes are a common phishing target. Never share "
        f"this code.{ANSI_RESET}\n\n"
    )


def request_device_code(opts: ServerOptions, client) -> dict:
    base = opts.issuer.rstrip("/")
    url = f"{base}/api/accounts/deviceauth/usercode"
    import json

    try:
        resp = client.post(url, content=json.dumps({"client_id": opts.client_id}, separators=(",", ":")),
                           headers={"Content-Type": "application/json"})
    except Exception as exc:
        raise LoginError(f"error sending request for url ({url})") from exc
    if not 200 <= resp.status_code < 300:
        if resp.status_code == 404:
            raise LoginError("device code login is not enabled for this Codex server. Use the browser login or "
                             "verify the server URL.", "not_found")
        raise LoginError(f"device code request failed with status {_status_text(resp)}")
    try:
        data = _json.from_bytes(resp.content, _USER_CODE_RESP)
    except _json.Error as exc:
        raise LoginError(str(exc)) from None
    return {"device_auth_id": data["device_auth_id"], "user_code": data["user_code"], "interval": data["interval"],
            "verification_url": f"{base}/codex/device"}


def _parse_interval(value: str) -> int:
    """Rust's `str::parse::<u64>` on the trimmed string, with its error texts."""
    text = value.strip()
    if not text:
        raise _json.CustomError("cannot parse integer from empty string")
    digits = text[1:] if text[0] == "+" and len(text) > 1 else text
    if not digits.isascii() or not digits.isdigit():
        raise _json.CustomError("invalid digit found in string")
    number = int(digits)
    if number >= 2 ** 64:
        raise _json.CustomError("number too large to fit in target type")
    return number


_USER_CODE_RESP = _json.Struct("UserCodeResp", [
    _json.Field("device_auth_id", _json.STRING),
    _json.Field("user_code", _json.STRING, aliases=("usercode",)),
    _json.Field("interval", _json.Custom(_json.STRING, _parse_interval), 0),
])


def poll_for_token(opts: ServerOptions, client, device: dict, sleep=time.sleep, clock=time.monotonic) -> dict:
    import json

    url = f"{opts.issuer.rstrip('/')}/api/accounts/deviceauth/token"
    start = clock()
    while True:
        body = json.dumps({"device_auth_id": device["device_auth_id"], "user_code": device["user_code"]},
                          separators=(",", ":"))
        try:
            resp = client.post(url, content=body, headers={"Content-Type": "application/json"})
        except Exception as exc:
            raise LoginError(f"error sending request for url ({url})") from exc
        if 200 <= resp.status_code < 300:
            try:
                data = resp.json()
                return {k: str(data[k]) for k in ("authorization_code", "code_challenge", "code_verifier")}
            except (ValueError, KeyError, TypeError):
                raise LoginError("error decoding response body") from None
        if resp.status_code in (403, 404):
            elapsed = clock() - start
            if elapsed >= DEVICE_CODE_TIMEOUT_S:
                raise LoginError("device auth timed out after 15 minutes")
            sleep(min(device["interval"], DEVICE_CODE_TIMEOUT_S - elapsed))
            continue
        raise LoginError(f"device auth failed with status {_status_text(resp)}")


def run_device_code_login(opts: ServerOptions, out=None, sleep=time.sleep) -> None:
    """The whole device-code flow; `out(text)` prints the prompt (stdout in the CLI)."""
    client = _client()
    try:
        device = request_device_code(opts, client)
        if out is not None:
            out(device_code_prompt(device["verification_url"], device["user_code"]))
        code = poll_for_token(opts, client, device, sleep=sleep)
        base = opts.issuer.rstrip("/")
        try:
            tokens = exchange_code_for_tokens(base, opts.client_id, f"{base}/deviceauth/callback",
                                              PkceCodes(code["code_verifier"], code["code_challenge"]),
                                              code["authorization_code"], client)
        except LoginError as exc:
            raise LoginError(f"device code exchange failed: {exc}") from None
        denied = ensure_workspace_allowed(opts.forced_chatgpt_workspace_id, tokens["id_token"])
        if denied is not None:
            raise LoginError(denied, "permission")
        persist_tokens(opts, None, tokens["id_token"], tokens["access_token"], tokens["refresh_token"])
    finally:
        client.close()

