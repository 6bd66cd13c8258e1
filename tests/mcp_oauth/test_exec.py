"""A `codex exec` turn calling a tool of an OAuth-protected streamable-HTTP MCP server, with the
tokens `codex mcp login` stored (file store):

* valid: the stored access token is sent as `Authorization: Bearer`;
* expired: the refresh token is exchanged (after the handshake, before tools/list), the new
  tokens are used and persisted;
* expired_refresh_fails: the token endpoint refuses; the old token keeps being sent and the
  refresh is tried again before the next request (as 0.136.0).

Ours is compared with the reference's recording (fixtures/mcp_oauth/exec_<case>.json, written by
running this file: `PYTHONPATH=src:tests python tests/mcp_oauth/test_exec.py`) and, with the
reference marker, live. Compared: the tool call's result, the requests the server saw (rmcp's
discovery, then the JSON-RPC methods and /token grants with the bearer token each carried; the
SSE GET and the session DELETE are left out, their timing is the transport's), and the
credentials file afterwards."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from mcp_oauth.provider import OAuthProvider  # noqa: E402
from mcp_oauth.scenarios import FIXTURES, _expected_key  # noqa: E402
from parity.mock_responses import MockResponses, ResponseStream, sse, text_stream  # noqa: E402
from parity.reference import RefEnv  # noqa: E402

CASES = ("valid", "expired", "expired_refresh_fails")


def run_exec(case: str, which: str) -> dict:
    with OAuthProvider() as p:
        p.valid_tokens.add("stored-access")
        if case == "expired_refresh_fails":
            p.refresh_error = (400, {"error": "invalid_grant", "error_description": "refresh revoked"})
        replies = [sse(ResponseStream().function_call("whoami", "{}", call_id="call_1", namespace="mcp__srv").completed()),
                   sse(text_stream("done"))]
        with MockResponses(replies) as mock, RefEnv(mock, tag="mcp-oauth-exec",
                                                    config_top='mcp_oauth_credentials_store = "file"',
                                                    config_extra=f'[mcp_servers.srv]\nurl = "{p.mcp_url}"\n') as env:
            now = int(time.time() * 1000)
            expires_at = now - 60_000 if case.startswith("expired") else now + 3_600_000
            key = _expected_key("srv", p.mcp_url)
            cred = {key: {"server_name": "srv", "server_url": p.mcp_url, "client_id": "test-client-id",
                          "access_token": "stored-access", "expires_at": expires_at, "refresh_token": "refresh-0",
                          "scopes": ["read"]}}
            path = env.codex_home / ".credentials.json"
            path.write_text(json.dumps(cred, separators=(",", ":")))
            res = env.run(["exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox",
                           "Use the tool."], which=which, timeout=60)
            results = []
            for line in res.stdout.splitlines():
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                item = ev.get("item") or {}
                if ev.get("type") == "item.completed" and item.get("type") == "mcp_tool_call":
                    results.append({"status": item.get("status"), "result": item.get("result"),
                                    "error": item.get("error")})
            requests, seen_post = [], False
            for r in p.requests:
                auth = r["headers"].get("authorization")
                if r["method"] == "GET" and not seen_post:
                    requests.append(f"GET {r['path']}")
                elif r["method"] == "POST" and r["path"] == "/mcp":
                    seen_post = True
                    requests.append(f"POST /mcp {json.loads(r['body']).get('method')} [{auth}]")
                elif r["method"] == "POST" and r["path"] == "/token":
                    requests.append(f"POST /token {r['body']}")
            creds = json.loads(path.read_text()) if path.exists() else None
            if creds:
                for k in list(creds):
                    entry = creds.pop(k)
                    if isinstance(entry.get("expires_at"), int):
                        entry["expires_at"] = "stored" if entry["expires_at"] == expires_at else (
                            "<now + 3600 s>" if entry["expires_at"] >= now + 3_600_000 else entry["expires_at"])
                    entry["server_url"] = entry["server_url"].replace(p.base_url, "http://127.0.0.1:<P>")
                    creds["<key of srv>" if k == key else k] = entry
            return {"code": res.exit_code, "tool_results": results, "requests": requests, "credentials": creds}


@pytest.mark.parametrize("case", CASES)
def test_exec_with_stored_tokens_matches_reference_recording(case):
    want = json.loads((FIXTURES / f"exec_{case}.json").read_text())
    assert run_exec(case, "ours") == want


@pytest.mark.reference
@pytest.mark.parametrize("case", CASES)
def test_exec_with_stored_tokens_live(case):
    assert run_exec(case, "ours") == run_exec(case, "reference")


if __name__ == "__main__":
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for c in CASES:
        out = run_exec(c, "reference")
        (FIXTURES / f"exec_{c}.json").write_text(json.dumps(out, indent=2) + "\n")
        print(c, out["code"], out["requests"])
