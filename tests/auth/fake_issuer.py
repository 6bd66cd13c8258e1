"""A fake OAuth issuer (auth.openai.com) on loopback for the login tests.

    with FakeIssuer() as issuer:
        issuer.base_url                      # http://127.0.0.1:<port>
        issuer.requests                      # [(method, path, headers, body_text)]

Endpoints:
- GET  /oauth/authorize?...                -> 302 to redirect_uri?code=<code>&state=<state> (remembers
                                              the PKCE challenge for the code); `authorize_error`
                                              redirects with `error=...` instead;
- POST /oauth/token (form)                 -> authorization_code (PKCE checked) -> id/access/refresh
                                              tokens; token-exchange -> {"access_token": api key};
- POST /oauth/token (json, refresh_token)  -> new tokens, or `refresh_error` (status, body);
- POST /oauth/revoke                        -> 200;
- POST /api/accounts/deviceauth/usercode   -> {device_auth_id, user_code, interval} (404 when
                                              `device_enabled` is False);
- POST /api/accounts/deviceauth/token      -> 403 `pending_polls` times, then the code.
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_jwt(claims: dict) -> str:
    return ".".join([b64url(b'{"alg":"none","typ":"JWT"}'), b64url(json.dumps(claims).encode()), b64url(b"sig")])


def id_token_for(account_id: str | None = "acct-123", email: str = "user@example.com", plan: str = "plus",
                 exp: int | None = None) -> str:
    auth = {"chatgpt_plan_type": plan, "chatgpt_user_id": "user-1"}
    if account_id is not None:
        auth["chatgpt_account_id"] = account_id
    claims = {"email": email, "https://api.openai.com/auth": auth}
    if exp is not None:
        claims["exp"] = exp
    return make_jwt(claims)


def access_token_for(exp: int | None = None, account_id: str = "acct-123", generation: int = 0) -> str:
    claims = {"https://api.openai.com/auth": {"chatgpt_account_id": account_id, "chatgpt_plan_type": "plus"},
              "gen": generation}
    if exp is not None:
        claims["exp"] = exp
    return make_jwt(claims)


class FakeIssuer:
    def __init__(self, account_id: str | None = "acct-123"):
        self.account_id = account_id
        self.requests: list[tuple[str, str, dict, str]] = []
        self.codes: dict[str, dict] = {}
        self.device_enabled = True
        self.pending_polls = 1
        self.refresh_error: tuple[int, str] | None = None
        self.authorize_error: str | None = None
        self.token_error: tuple[int, str] | None = None  # authorization_code exchange failure
        self.poll_error: tuple[int, str] | None = None   # device token poll failure
        self.usercode_response: tuple[int, str] | None = None
        self.api_key = "sk-exchanged-api-key-0001"
        self.generation = 0
        self.access_exp: int | None = 4102444800  # 2100-01-01: deterministic tokens
        self._polls = 0
        self._lock = threading.Lock()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", headers=()):
                if isinstance(body, (dict, list)):
                    body = json.dumps(body).encode()
                    headers = list(headers) + [("Content-Type", "application/json")]
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                issuer.requests.append(("GET", self.path, dict(self.headers), ""))
                url = urlparse(self.path)
                if url.path == "/oauth/authorize":
                    q = {k: v[0] for k, v in parse_qs(url.query).items()}
                    if issuer.authorize_error:
                        qs = urlencode({"error": issuer.authorize_error, "state": q.get("state", "")})
                    else:
                        code = f"code-{len(issuer.codes) + 1}"
                        issuer.codes[code] = {"challenge": q.get("code_challenge"),
                                              "redirect_uri": q.get("redirect_uri")}
                        qs = urlencode({"code": code, "state": q.get("state", "")})
                    return self._send(302, b"", [("Location", f"{q.get('redirect_uri')}?{qs}")])
                self._send(404, b"not found")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                issuer.requests.append(("POST", self.path, dict(self.headers), body))
                path = urlparse(self.path).path
                if path == "/oauth/token":
                    if self.headers.get("Content-Type", "").startswith("application/json"):
                        return self._refresh(json.loads(body))
                    form = {k: v[0] for k, v in parse_qs(body).items()}
                    return self._token(form)
                if path == "/oauth/revoke":
                    return self._send(200, {})
                if path == "/api/accounts/deviceauth/usercode":
                    if not issuer.device_enabled:
                        return self._send(404, b"not found")
                    if issuer.usercode_response is not None:
                        return self._send(issuer.usercode_response[0], issuer.usercode_response[1].encode())
                    return self._send(200, {"device_auth_id": "dev-1", "user_code": "ABCD-EFGH", "interval": "0"})
                if path == "/api/accounts/deviceauth/token":
                    with issuer._lock:
                        issuer._polls += 1
                        polls = issuer._polls
                    if issuer.poll_error is not None:
                        return self._send(issuer.poll_error[0], issuer.poll_error[1].encode())
                    if polls <= issuer.pending_polls:
                        return self._send(403, {"error": "authorization_pending"})
                    verifier = "device-verifier-0123456789"
                    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
                    issuer.codes["device-code"] = {"challenge": challenge, "redirect_uri": None}
                    return self._send(200, {"authorization_code": "device-code", "code_challenge": challenge,
                                            "code_verifier": verifier})
                self._send(404, b"not found")

            def _token(self, form):
                grant = form.get("grant_type")
                if grant == "authorization_code":
                    if issuer.token_error is not None:
                        return self._send(issuer.token_error[0], issuer.token_error[1].encode())
                    entry = issuer.codes.pop(form.get("code", ""), None)
                    if entry is None:
                        return self._send(400, {"error": "invalid_grant", "error_description": "unknown code"})
                    digest = b64url(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                    if digest != entry["challenge"]:
                        return self._send(400, {"error": "invalid_grant", "error_description": "PKCE mismatch"})
                    return self._send(200, issuer.tokens())
                if grant == "urn:ietf:params:oauth:grant-type:token-exchange":
                    return self._send(200, {"access_token": issuer.api_key})
                self._send(400, {"error": "unsupported_grant_type"})

            def _refresh(self, payload):
                if issuer.refresh_error is not None:
                    status, text = issuer.refresh_error
                    return self._send(status, text.encode())
                if payload.get("grant_type") != "refresh_token" or not payload.get("refresh_token"):
                    return self._send(400, {"error": "invalid_request"})
                self._send(200, issuer.tokens())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def tokens(self) -> dict:
        self.generation += 1
        exp = self.access_exp if self.access_exp is not None else int(time.time()) + 3600
        return {"id_token": id_token_for(self.account_id),
                "access_token": access_token_for(exp, generation=self.generation),
                "refresh_token": f"refresh-{self.generation}"}

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, p, _, _ in self.requests if method is None or m == method]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
