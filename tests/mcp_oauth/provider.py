"""A test OAuth provider + OAuth-protected MCP streamable-HTTP server (stdlib only).

    with OAuthProvider() as p:          # p.base_url = http://127.0.0.1:<port>; MCP at p.mcp_url
        ...codex mcp login NAME...      # the test plays the browser: p.authorize(url) GETs the
                                        # authorization URL and follows the redirect to codex's
                                        # loopback callback
    p.requests                          # every request seen: (method, path, query, headers, body)

Endpoints (all behaviours switchable through attributes, for the error tests):
  GET  /.well-known/oauth-protected-resource[...]   404 unless `protected_resource` is set
  GET  /.well-known/oauth-authorization-server[...] `metadata()` (or `bad_metadata` text)
  GET  /.well-known/openid-configuration[...]        404
  POST /register            RFC 7591 dynamic registration -> {"client_id": CLIENT_ID, ...}
  GET  /authorize           302 to redirect_uri?code=..&state=.. (or ?error=.. with `authorize_error`)
  POST /token               authorization_code (checks the PKCE verifier) / refresh_token grants
  POST /mcp                 JSON-RPC MCP (initialize, tools/list, tools/call) needing a valid
                            `Authorization: Bearer <token>`; 401 with WWW-Authenticate otherwise
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "test-client-id"


class OAuthProvider:
    def __init__(self, *, expires_in: int | None = 3600, scope: str | None = "read write",
                 registration: bool = True, mcp_path: str = "/mcp"):
        self.expires_in = expires_in
        self.scope = scope
        self.registration = registration
        self.mcp_path = mcp_path
        self.protected_resource: dict | None = None
        self.bad_metadata: str | None = None          # served instead of the metadata JSON
        self.no_metadata = False                      # every discovery URL 404s
        self.metadata_extra: dict = {}                # merged into the metadata
        self.get_mcp_401 = False                      # unauthenticated GET on the MCP URL: 401 + WWW-Authenticate
        self.authorize_error: tuple[str, str | None] | None = None
        self.token_error: tuple[int, dict | str] | None = None
        self.registration_error: tuple[int, dict | str] | None = None
        self.wrong_state = False                      # /authorize redirects with another state
        self.refresh_error: tuple[int, dict | str] | None = None
        self.requests: list[dict] = []
        self.codes: dict[str, dict] = {}              # code -> authorize params
        self.valid_tokens: set[str] = set()
        self.refresh_tokens: set[str] = {"refresh-0"}
        self.tool_calls: list[dict] = []
        self._n = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.mcp_url = self.base_url + mcp_path
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle

    def __enter__(self) -> "OAuthProvider":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- helpers for tests

    def metadata(self) -> dict:
        b = self.base_url
        meta = {
            "issuer": b,
            "authorization_endpoint": f"{b}/authorize",
            "token_endpoint": f"{b}/token",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
        }
        if self.registration:
            meta["registration_endpoint"] = f"{b}/register"
        meta.update(self.metadata_extra)
        return meta

    def authorize(self, url: str) -> tuple[int, str]:
        """Play the browser: GET the authorization URL, follow the redirect to the callback;
        (status, body) of the callback's answer."""
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def paths(self) -> list[str]:
        return [f"{r['method']} {r['path']}" for r in self.requests]

    def issue_token(self) -> dict:
        n = next(self._n)
        access, refresh = f"access-{n}", f"refresh-{n}"
        with self._lock:
            self.valid_tokens.add(access)
            self.refresh_tokens.add(refresh)
        body = {"access_token": access, "token_type": "Bearer", "refresh_token": refresh}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        if self.scope is not None:
            body["scope"] = self.scope
        return body

    # -- the server

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def _send(self, status, body=b"", ctype="application/json", headers=None):
                if isinstance(body, (dict, list)):
                    body = json.dumps(body).encode()
                elif isinstance(body, str):
                    body = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _record(self, body: bytes):
                parts = urllib.parse.urlsplit(self.path)
                rec = {"method": self.command, "path": parts.path, "query": parts.query,
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "body": body.decode("utf-8", "replace")}
                with provider._lock:
                    provider.requests.append(rec)
                return parts, rec

            def do_GET(self):
                parts, _ = self._record(b"")
                path = parts.path
                if path.startswith("/.well-known/oauth-protected-resource"):
                    if provider.protected_resource is None:
                        return self._send(404, "not found", "text/plain")
                    return self._send(200, provider.protected_resource)
                if path.startswith("/.well-known/oauth-authorization-server"):
                    if provider.no_metadata:
                        return self._send(404, "not found", "text/plain")
                    if provider.bad_metadata is not None:
                        return self._send(200, provider.bad_metadata)
                    return self._send(200, provider.metadata())
                if path == "/authorize":
                    q = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                    redirect = q.get("redirect_uri", "")
                    if provider.authorize_error is not None:
                        err, desc = provider.authorize_error
                        params = {"error": err}
                        if desc is not None:
                            params["error_description"] = desc
                        if "state" in q:
                            params["state"] = q["state"]
                    else:
                        code = f"code-{next(provider._n)}"
                        provider.codes[code] = q
                        params = {"code": code, "state": "not-" + q.get("state", "") if provider.wrong_state
                                  else q.get("state", "")}
                    sep = "&" if "?" in redirect else "?"
                    return self._send(302, "", "text/plain",
                                      {"Location": redirect + sep + urllib.parse.urlencode(params)})
                if path == provider.mcp_path:
                    if provider.get_mcp_401:
                        meta = f"{provider.base_url}/.well-known/oauth-protected-resource"
                        return self._send(401, {"error": "invalid_token"}, headers={
                            "WWW-Authenticate": f'Bearer resource_metadata="{meta}"'})
                    return self._send(405, "method not allowed", "text/plain")
                return self._send(404, "not found", "text/plain")

            def do_DELETE(self):
                self._record(b"")
                return self._send(200, "")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts, rec = self._record(body)
                path = parts.path
                if path == "/register":
                    if not provider.registration:
                        return self._send(404, "not found", "text/plain")
                    if provider.registration_error is not None:
                        status, payload = provider.registration_error
                        return self._send(status, payload)
                    req = json.loads(body or b"{}")
                    answer = {"client_id": CLIENT_ID, "client_id_issued_at": 1700000000,
                              "token_endpoint_auth_method": "none"}
                    for k in ("redirect_uris", "client_name", "grant_types", "response_types"):
                        if k in req:
                            answer[k] = req[k]
                    return self._send(201, answer)
                if path == "/token":
                    return self._token(body)
                if path == provider.mcp_path:
                    return self._mcp(body)
                return self._send(404, "not found", "text/plain")

            def _token(self, body: bytes):
                form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
                grant = form.get("grant_type")
                if grant == "authorization_code":
                    if provider.token_error is not None:
                        status, payload = provider.token_error
                        return self._send(status, payload)
                    params = provider.codes.pop(form.get("code", ""), None)
                    if params is None:
                        return self._send(400, {"error": "invalid_grant", "error_description": "unknown code"})
                    verifier = form.get("code_verifier", "")
                    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                    if challenge != params.get("code_challenge") or params.get("code_challenge_method") != "S256":
                        return self._send(400, {"error": "invalid_grant", "error_description": "PKCE check failed"})
                    if form.get("redirect_uri") != params.get("redirect_uri"):
                        return self._send(400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"})
                    return self._send(200, provider.issue_token())
                if grant == "refresh_token":
                    if provider.refresh_error is not None:
                        status, payload = provider.refresh_error
                        return self._send(status, payload)
                    if form.get("refresh_token") not in provider.refresh_tokens:
                        return self._send(400, {"error": "invalid_grant"})
                    return self._send(200, provider.issue_token())
                return self._send(400, {"error": "unsupported_grant_type"})

            def _mcp(self, body: bytes):
                auth = self.headers.get("Authorization") or ""
                token = auth[7:] if auth.startswith("Bearer ") else None
                if token not in provider.valid_tokens:
                    meta = f"{provider.base_url}/.well-known/oauth-protected-resource"
                    return self._send(401, {"error": "invalid_token"}, headers={
                        "WWW-Authenticate": f'Bearer resource_metadata="{meta}"'})
                msg = json.loads(body or b"{}")
                if "id" not in msg:
                    return self._send(202, "")
                method = msg.get("method")
                if method == "initialize":
                    result = {"protocolVersion": msg.get("params", {}).get("protocolVersion", "2025-06-18"),
                              "capabilities": {"tools": {}},
                              "serverInfo": {"name": "oauth-mcp", "version": "1.0.0"}}
                elif method == "tools/list":
                    result = {"tools": [{"name": "whoami", "description": "Says who you are.",
                                         "inputSchema": {"type": "object", "properties": {}}}]}
                elif method == "tools/call":
                    provider.tool_calls.append({"token": token, "params": msg.get("params")})
                    result = {"content": [{"type": "text", "text": f"authorized with {token}"}],
                              "isError": False}
                else:
                    return self._send(200, {"jsonrpc": "2.0", "id": msg["id"],
                                            "error": {"code": -32601, "message": "method not found"}})
                return self._send(200, {"jsonrpc": "2.0", "id": msg["id"], "result": result},
                                  headers={"Mcp-Session-Id": "sess-1"})

        return Handler
