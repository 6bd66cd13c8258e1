"""Live differential test of `codex login` / `login status` / `logout`: the same command sequences
run by the reference Codex 0.136.0 and by ours, each in a fresh RefEnv (throwaway HOME and
CODEX_HOME, no network but loopback): stdout, stderr, exit codes and the auth.json left behind
must be identical. The device-code flow runs both against the same fake issuer on loopback
(`--experimental_issuer`)."""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from .reference import RefEnv

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "auth"))
from fake_issuer import FakeIssuer, id_token_for  # noqa: E402

pytestmark = pytest.mark.reference

TOKENS_AUTH = json.dumps({"tokens": {"id_token": id_token_for(), "access_token": "at", "refresh_token": "rt",
                                     "account_id": "acct-123"}, "last_refresh": "2025-01-01T00:00:00Z"})

# Each case: (name, [step...]); a step is (argv, stdin or None, env or None) or ("write", text) to set
# auth.json ("write", None removes it).
CASES = [
    ("status-no-auth", [(["login", "status"], None, None)]),
    ("api-key-cycle", [
        (["login", "status"], None, None),
        (["login", "--with-api-key"], "sk-mock-not-a-real-key\n", None),
        (["login", "status"], None, None),
        (["logout"], None, None),
        (["logout"], None, None),
        (["login", "status"], None, None),
    ]),
    ("short-key", [(["login", "--with-api-key"], "sk-short", None), (["login", "status"], None, None)]),
    ("empty-stdin", [(["login", "--with-api-key"], "  \n", None), (["login", "--with-api-key"], "", None)]),
    ("env-keys-not-used-by-status", [
        (["login", "status"], None, {"OPENAI_API_KEY": "sk-env-1234567890abcdef"}),
        (["login", "status"], None, {"CODEX_API_KEY": "sk-env-1234567890abcdef"}),
    ]),
    ("deprecated-api-key-flag", [(["login", "--api-key", "sk-x"], None, None),
                                 (["login", "--api-key", "sk-x", "--with-api-key"], "sk-1234567890abcdef", None)]),
    ("flag-precedence", [
        (["login", "--with-api-key", "--with-access-token"], "sk-1234567890abcdef", None),
        (["login", "--with-api-key", "--with-access-token", "--device-auth"], "x", None),
        (["login", "--api-key", "x", "--with-api-key", "--with-access-token"], "x", None),
        (["-c", "forced_login_method=api", "login", "--with-api-key", "--device-auth"], "x", None),
        (["-c", "forced_login_method=api", "login", "--api-key", "x", "--device-auth"], None, None),
    ]),
    ("forced-login-method", [
        (["-c", "forced_login_method=chatgpt", "login", "--with-api-key"], "sk-1234567890abcdef", None),
        (["-c", "forced_login_method=api", "login", "--device-auth"], None, None),
        (["-c", "forced_login_method=api", "login"], None, None),
        (["-c", "forced_login_method=api", "login", "--with-access-token"], "tok", None),
    ]),
    ("access-token", [
        (["login", "--with-access-token"], "tok", None),
        (["login", "--with-access-token"], "a.b.c", None),
        (["login", "--with-access-token"], "a.YQ.c", None),
        (["login", "--with-access-token"], "", None),
        (["login", "status"], None, {"CODEX_ACCESS_TOKEN": "a.b.c"}),
        (["login", "status"], None, {"CODEX_ACCESS_TOKEN": "tok"}),
    ]),
    ("strict-and-profile", [
        (["--strict-config", "login", "status"], None, None),
        (["--strict-config", "logout"], None, None),
        (["--profile", "x", "logout"], None, None),
    ]),
    ("chatgpt-auth", [("write", TOKENS_AUTH), (["login", "status"], None, None)]),
    ("no-mode-no-key", [("write", "{}"), (["login", "status"], None, None),
                        ("write", '{"OPENAI_API_KEY": null}'), (["login", "status"], None, None),
                        ("write", '{"OPENAI_API_KEY": ""}'), (["login", "status"], None, None)]),
    ("apikey-mode-missing-key", [("write", '{"auth_mode":"apikey"}'), (["login", "status"], None, None)]),
    ("corrupt-then-logout", [("write", "{not json"), (["login", "status"], None, None), (["logout"], None, None),
                             (["login", "status"], None, None)]),
    ("corrupt-then-login", [("write", "{not json"), (["login", "--with-api-key"], "sk-abcdefghijklmnop", None),
                            (["login", "status"], None, None)]),
    ("ephemeral-store", [
        (["-c", "cli_auth_credentials_store=ephemeral", "login", "--with-api-key"], "sk-1234567890abcdef", None),
        (["-c", "cli_auth_credentials_store=ephemeral", "login", "status"], None, None),
        (["-c", "cli_auth_credentials_store=ephemeral", "logout"], None, None),
    ]),
    ("keyring-unavailable", [
        (["-c", "cli_auth_credentials_store=keyring", "login", "status"], None, None),
        (["-c", "cli_auth_credentials_store=keyring", "login", "--with-api-key"], "sk-1234567890abcdef", None),
        (["-c", "cli_auth_credentials_store=keyring", "logout"], None, None),
    ]),
    ("auto-store-falls-back-to-file", [
        (["-c", "cli_auth_credentials_store=auto", "login", "status"], None, None),
        (["-c", "cli_auth_credentials_store=auto", "login", "--with-api-key"], "sk-1234567890abcdef", None),
        (["-c", "cli_auth_credentials_store=auto", "login", "status"], None, None),
        (["-c", "cli_auth_credentials_store=auto", "logout"], None, None),
    ]),
    ("bad-config", [("config", "forced_login_method = \"bogus\"\n"), (["login", "status"], None, None),
                    (["logout"], None, None)]),
]

CORRUPT = ["", "  ", "[]", '"x"', "{", '{"a":1', '{"a":1,}', '{"a" 1}', '{"a":"\\q"}', '{"a":tru}', '{"a":01}',
           '{"a":1.}', '{"a":[1 2]}', '{"x":1,', '{"a":1}}', "\n\n {\"a\" 1}", '{"OPENAI_API_KEY": 5}',
           '{"OPENAI_API_KEY": {}}', '{"OPENAI_API_KEY": [1]}', '{"OPENAI_API_KEY": 1.5}', '{"OPENAI_API_KEY": 1e5}',
           '{"OPENAI_API_KEY": -3}', '{"OPENAI_API_KEY": true}', '{"auth_mode":"bogus"}', '{"auth_mode": 5}',
           '{"auth_mode": null}', '{"auth_mode":"chatgptAuthTokens"}', '{"auth_mode":"agentIdentity"}',
           '{"last_refresh":"bogus"}', '{"last_refresh": 5}', '{"last_refresh": "2025-01-01"}',
           '{"last_refresh": "2025-01-01T00:00:00+02:00"}', '{"tokens": 5}', '{"tokens": null}', '{"tokens":{}}',
           '{"tokens": {"id_token": 5}}', '{"tokens":{"id_token":"x","access_token":"a","refresh_token":"r"}}',
           '{"OPENAI_API_KEY":"a","OPENAI_API_KEY":"b"}', '{"OPENAI_API_KEY":"a" , "OPENAI_API_KEY" : "b"}',
           '{"agent_identity": 5}', '{"tokens":{"access_token":"a","refresh_token":"r","id_token":"x"}}',
           '{"tokens":{"access_token":"a","refresh_token":"r","id_token":"x"} }', '{"a":"\x01"}', '{"a":"\\u12"}', '{"a":"x']
JWTS = ["a.b.c", "a.b*.c", "a.YQ.c", "a.YQ==.c", "a.YR.c", "a.e30.c", "a.e30.c.d", ".e30.c", "a..c",
        "a.eyJlbWFpbCI6NX0.c", "a.eyJodHRwczovL2FwaS5vcGVuYWkuY29tL2F1dGgiOjV9.c", "a.W10.c", "a.e30=.c",
        "a.eyJodHRwczovL2FwaS5vcGVuYWkuY29tL2F1dGgiOiB7ImNoYXRncHRfcGxhbl90eXBlIjogNX19.c"]
for i, text in enumerate(CORRUPT):
    CASES.append((f"corrupt-{i}", [("write", text), (["login", "status"], None, None)]))
for i, jwt in enumerate(JWTS):
    text = json.dumps({"tokens": {"id_token": jwt, "access_token": "a", "refresh_token": "r"}})
    CASES.append((f"jwt-{i}", [("write", text), (["login", "status"], None, None)]))


def _auth_json(env: RefEnv):
    p = env.codex_home / "auth.json"
    if not p.exists():
        return None
    return (oct(p.stat().st_mode & 0o777), p.read_text())


def _play(env: RefEnv, steps, which: str):
    out = []
    for step in steps:
        if step[0] == "write":
            p = env.codex_home / "auth.json"
            if step[1] is None:
                p.unlink(missing_ok=True)
            else:
                # 0600 like a file Codex wrote: the reference keeps the mode of an existing file
                # when it rewrites it, ours always leaves 0600 (atomic replace; a deviation).
                p.write_text(step[1])
                p.chmod(0o600)
            continue
        if step[0] == "config":
            with open(env.config_path, "a") as f:
                f.write(step[1])
            continue
        argv, stdin, extra = step
        r = env.run(argv, which=which, stdin=stdin, env=extra)
        out.append((argv, r.exit_code, r.stdout, r.stderr, _auth_json(env)))
    return out


@pytest.mark.parametrize("name, steps", CASES, ids=[c[0] for c in CASES])
def test_auth_sequence_matches_reference(name, steps):
    results = {}
    for which in ("reference", "ours"):
        with RefEnv(tag="auth") as env:
            results[which] = _play(env, steps, which)
    assert results["ours"] == results["reference"]


def _normalize_device(text: str, issuer: str) -> str:
    from urllib.parse import quote

    return text.replace(issuer, "<ISSUER>").replace(quote(issuer, safe=""), "<ISSUER>")


DEVICE_MODES = {
    "ok": {}, "pending-twice": {"pending_polls": 2}, "disabled": {"device_enabled": False},
    "usercode-500": {"usercode_response": (500, "boom")},
    "usercode-not-json": {"usercode_response": (200, "nope")},
    "usercode-numeric-interval": {"usercode_response": (200, '{"device_auth_id":"d","user_code":"U","interval":5}')},
    "usercode-missing-field": {"usercode_response": (200, '{"user_code":"U"}')},
    "usercode-alias-and-bad-interval": {"usercode_response": (200, '{"device_auth_id":"d","usercode":"U","interval":"x1"}')},
    "usercode-empty-interval": {"usercode_response": (200, '{"device_auth_id":"d","user_code":"U","interval":" "}')},
    "poll-500": {"poll_error": (500, "boom")},
    "poll-200-bad-body": {"poll_error": (200, "{}")},
    "exchange-400-json": {"token_error": (400, '{"error":"invalid_grant","error_description":"bad code"}')},
    "exchange-400-text": {"token_error": (400, "plain failure")},
    "exchange-500-empty": {"token_error": (500, "")},
    "exchange-200-bad-body": {"token_error": (200, '{"id_token":"x"}')},
    "bad-id-token": {"token_error": (200, '{"id_token":"x","access_token":"a","refresh_token":"r"}')},
}


@pytest.mark.parametrize("mode", list(DEVICE_MODES))
def test_device_code_login_matches_reference(mode):
    results = {}
    for which in ("reference", "ours"):
        with FakeIssuer() as issuer, RefEnv(tag="auth-dev") as env:
            issuer.pending_polls = 0
            for k, v in DEVICE_MODES[mode].items():
                setattr(issuer, k, v)
            r = env.run(["login", "--device-auth", "--experimental_issuer", issuer.base_url], which=which)
            auth = None
            p = env.codex_home / "auth.json"
            if p.exists():
                data = json.loads(p.read_text())
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", data["last_refresh"])
                data["last_refresh"] = "<TS>"
                auth = (oct(p.stat().st_mode & 0o777), list(data), data)
            reqs = [(m, path, {k.lower(): v for k, v in h.items() if k.lower() == "content-type"}, body)
                    for m, path, h, body in issuer.requests]
            reqs = [(m, p_, h, _normalize_device(b, issuer.base_url)) for m, p_, h, b in reqs]
            results[which] = (r.exit_code, _normalize_device(r.stdout, issuer.base_url),
                              _normalize_device(r.stderr, issuer.base_url), auth, reqs)
    assert results["ours"] == results["reference"]


def test_status_after_device_login_and_logout_revokes():
    """ChatGPT auth: `login status` says so; `logout` revokes the refresh token at the issuer
    (CODEX_REFRESH_TOKEN_URL_OVERRIDE derives the revoke URL) and removes auth.json."""
    results = {}
    for which in ("reference", "ours"):
        with FakeIssuer() as issuer, RefEnv(tag="auth-dev") as env:
            issuer.pending_polls = 0
            extra = {"CODEX_REFRESH_TOKEN_URL_OVERRIDE": issuer.base_url + "/oauth/token"}
            steps = []
            for argv in (["login", "--device-auth", "--experimental_issuer", issuer.base_url], ["login", "status"],
                         ["logout"], ["login", "status"]):
                r = env.run(argv, which=which, env=extra)
                steps.append((r.exit_code, r.stderr.replace(issuer.base_url, "<ISSUER>")))
            revokes = [json.loads(b) for m, p, h, b in issuer.requests if p == "/oauth/revoke"]
            results[which] = (steps, revokes, (env.codex_home / "auth.json").exists())
    assert results["ours"] == results["reference"]
    assert results["ours"][1] and results["ours"][1][0]["token_type_hint"] == "refresh_token"


def test_failed_device_login_keeps_existing_auth():
    results = {}
    for which in ("reference", "ours"):
        with FakeIssuer() as issuer, RefEnv(tag="auth-dev") as env:
            issuer.device_enabled = False
            env.run(["login", "--with-api-key"], which=which, stdin="sk-1234567890abcdef")
            r = env.run(["login", "--device-auth", "--experimental_issuer", issuer.base_url], which=which)
            results[which] = (r.exit_code, r.stderr.replace(issuer.base_url, "<ISSUER>"), _auth_json(env))
    assert results["ours"] == results["reference"]
    assert results["ours"][2] is not None


def test_second_device_login_revokes_superseded_tokens_like_reference():
    results = {}
    for which in ("reference", "ours"):
        with FakeIssuer() as issuer, RefEnv(tag="auth-dev") as env:
            issuer.pending_polls = 0
            extra = {"CODEX_REVOKE_TOKEN_URL_OVERRIDE": issuer.base_url + "/oauth/revoke"}
            for _ in range(2):
                r = env.run(["login", "--device-auth", "--experimental_issuer", issuer.base_url], which=which,
                            env=extra)
                assert r.exit_code == 0, r.stderr
            revokes = [json.loads(b) for m, p, h, b in issuer.requests if p == "/oauth/revoke"]
            results[which] = (revokes, json.loads((env.codex_home / "auth.json").read_text())["tokens"]["refresh_token"])
    assert results["ours"] == results["reference"]
    assert results["ours"][0] == [{"token": "refresh-1", "token_type_hint": "refresh_token",
                                   "client_id": "app_EMoamEEZ73f0CkXaXp7hrann"}]


def _port_free(port: int) -> bool:
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _browser_session(env: RefEnv, which: str, requests_to_send, args=()):
    """Start `codex login` (browser flow, port 1455, no browser in the sandbox), send the callback
    server the given requests, and return what came back."""
    import subprocess
    import urllib.error
    import urllib.request
    from urllib.parse import parse_qs, urlsplit

    extra = {"CODEX_LOGIN_NO_BROWSER": "1"} if which == "ours" else {}
    proc = subprocess.Popen(env.command(which) + [*args, "login"], env=env.env(which, extra), cwd=env.cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        head = "".join(proc.stderr.readline() for _ in range(6))
        url = [ln for ln in head.splitlines() if ln.startswith("https://")][0]
        state = parse_qs(urlsplit(url).query)["state"][0]
        replies = []
        for path in requests_to_send:
            try:
                with urllib.request.urlopen("http://127.0.0.1:1455" + path.replace("<STATE>", state), timeout=10) as r:
                    replies.append((r.status, r.headers.get("Content-Type"), r.read()[:40]))
            except urllib.error.HTTPError as e:
                replies.append((e.code, e.headers.get("Content-Type"), e.read()[:40]))
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    head = re.sub(r"(code_challenge|state)=[A-Za-z0-9_-]+", r"\1=<X>", head)
    return head, replies, proc.returncode, out, err


@pytest.mark.parametrize("requests_to_send, args", [
    (["/auth/callback?code=x&state=wrong", "/nope", "/cancel"], ()),
    (["/auth/callback?state=<STATE>&error=access_denied&error_description=nope"], ()),
    (["/auth/callback?state=<STATE>&error=access_denied&error_description=missing_codex_entitlement"], ()),
    (["/auth/callback?state=<STATE>&error=server_error"], ()),
    (["/auth/callback?state=<STATE>"], ()),
    (["/cancel"], ("-c", 'forced_chatgpt_workspace_id=["ws-1","ws-2"]')),
], ids=["mismatch-then-cancel", "oauth-error", "entitlement", "error-code-only", "missing-code", "workspace-url"])
def test_browser_login_server_matches_reference(requests_to_send, args):
    if not _port_free(1455):
        pytest.skip("127.0.0.1:1455 is in use (a login server is running)")
    results = {}
    for which in ("reference", "ours"):
        with RefEnv(tag="auth-web") as env:
            results[which] = _browser_session(env, which, requests_to_send, args)
            results[which] += (_auth_json(env),)
    ref, ours = results["reference"], results["ours"]
    # the error pages differ (our own HTML); status and content type must not
    assert [(s, t) for s, t, _ in ours[1]] == [(s, t) for s, t, _ in ref[1]]
    assert [b for s, t, b in ours[1] if not (t or "").startswith("text/html")] == \
        [b for s, t, b in ref[1] if not (t or "").startswith("text/html")]
    assert (ours[0], ours[2], ours[3], ours[4], ours[5]) == (ref[0], ref[2], ref[3], ref[4], ref[5])
