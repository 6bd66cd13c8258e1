"""`codex mcp login/logout/add/list` OAuth scenarios run against the test provider (provider.py),
by ours or by the reference, normalized so runs compare (random state / PKCE values / codes,
ports, sandbox paths, expiry times).

    result = run_scenario("basic", which="reference")   # a dict of normalized observations

Each observation: the exit code, stdout and stderr of every command, what the callback listener
answered the browser, the requests the provider saw (method, path, query, body and the headers
that matter) and the credentials file left behind (mode included). The test plays the browser:
it reads the authorization URL codex prints and GETs it, following the redirect to codex's
loopback listener. `BROWSER=/nonexistent` makes the browser launch fail harmlessly (both print
"(Browser launch failed; ...)")."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mcp_oauth.provider import OAuthProvider  # noqa: E402
from parity.reference import RefEnv  # noqa: E402

FIXTURES = HERE.parent.parent / "fixtures" / "mcp_oauth"
BROWSER_ENV = {"BROWSER": "/nonexistent"}
KEEP_HEADERS = ("content-type", "accept", "mcp-protocol-version", "authorization", "x-test", "x-env")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# name -> dict(setup=provider tweaks, top=config top lines, server=extra [mcp_servers.srv] lines,
#              login=args after `mcp login srv` or the full command, after=[commands run after])
SCENARIOS: dict[str, dict] = {
    "basic": {},
    "cli_scopes": {"login": ["--scopes", "a,b"], "setup": {"metadata_extra": {"scopes_supported": ["read", "write"]}}},
    "config_scopes": {"server": 'scopes = ["c1", "c2"]\n',
                      "setup": {"metadata_extra": {"scopes_supported": ["read", "write"]}}},
    "supported_scopes": {"setup": {"metadata_extra": {"scopes_supported": ["read", "write"]}}},
    "protected_resource": {"setup": {"get_mcp_401": True, "protected_resource": "tenant"}},
    "resource_and_client_id": {"server": 'oauth_resource = "https://res.example/x"\n[mcp_servers.srv.oauth]\n'
                                         'client_id = "my-client"\n'},
    "no_expiry_no_scope": {"setup": {"expires_in": None, "scope": None}},
    "file_store_logout": {"top": 'mcp_oauth_credentials_store = "file"\n',
                          "after": [["mcp", "list"], ["mcp", "list", "--json"], ["mcp", "logout", "srv"],
                                    ["mcp", "logout", "srv"], ["mcp", "list"]]},
    "auto_store_logout": {"after": [["mcp", "list"], ["mcp", "logout", "srv"]]},
    "keyring_store": {"top": 'mcp_oauth_credentials_store = "keyring"\n'},
    "callback_port": {"top": "mcp_oauth_callback_port = {port}\n"},
    "callback_error": {"setup": {"authorize_error": ("access_denied", "user said no")}},
    "callback_error_only": {"setup": {"authorize_error": ("server_error", None)}},
    "token_error": {"setup": {"token_error": (400, {"error": "invalid_grant", "error_description": "bad code"})}},
    "token_error_plain": {"setup": {"token_error": (400, {"error": "invalid_request"})}},
    "token_not_json": {"setup": {"token_error": (500, "oops")}},
    "token_missing_field": {"setup": {"token_error": (200, {"token_type": "Bearer"})}},
    "no_registration": {"setup": {"registration": False}},
    "registration_rejected": {"setup": {"registration_error": (400, {"error": "invalid_client_metadata"})}},
    "bad_metadata": {"setup": {"bad_metadata": "{not json"}},
    "no_metadata": {"setup": {"no_metadata": True}},
    "wrong_state": {"setup": {"wrong_state": True}},
    "invalid_callbacks_first": {"probe_callback": ["/callback?code=x&state=y", "/callback/{id}", "/callback/{id}?foo=1",
                                                   "/other?code=x&state=y"]},
    "callback_port_zero": {"top": "mcp_oauth_callback_port = 0\n"},
    "callback_port_busy": {"top": "mcp_oauth_callback_port = {port}\n", "busy": True},
    "corrupt_credentials_file": {"top": 'mcp_oauth_credentials_store = "file"\n', "precreds": "{bad",
                                 "after": [["mcp", "logout", "srv"], ["mcp", "list"]]},
    "http_headers": {"server": 'http_headers = { "X-Test" = "one" }\nenv_http_headers = { "X-Env" = "HOME" }\n'},
    "code_response_type_unsupported": {"setup": {"metadata_extra": {"response_types_supported": ["token"]}}},
    "token_endpoint_null": {"setup": {"metadata_extra": {"token_endpoint": None}}},
    "registration_not_json": {"setup": {"registration_error": (201, "hello")}},
    "registration_without_client_id": {"setup": {"registration_error": (201, {"client_name": "x"})}},
    "token_without_token_type": {"setup": {"token_error": (200, {"access_token": "zzz"})}},
    "add_unreachable": {"login": ["mcp", "add", "gone", "--url", "http://127.0.0.1:9/mcp"], "after": [["mcp", "login", "gone"]]},
    "token_endpoint_unreachable": {"setup": {"metadata_extra": {"token_endpoint": "http://127.0.0.1:9/token"}}},
    "root_path_server": {"setup": {"mcp_path": "/"}},
    "nested_path_server": {"setup": {"mcp_path": "/v1/mcp/"}, "login": ["--scopes", "x"]},
    "add_with_oauth": {"login": ["mcp", "add", "srv2", "--url", "{url}", "--oauth-resource", "https://r.example"],
                       "after": [["mcp", "list"]]},
}


class _Norm:
    """Replace volatile values by stable placeholders (first seen -> <name1>, ...)."""

    def __init__(self, provider: OAuthProvider, env: RefEnv):
        self.subs: list[tuple[str, str]] = [(str(env.root), "<ROOT>"), (provider.base_url, "http://127.0.0.1:<P>")]
        self.counters: dict[str, dict[str, str]] = {}

    def volatile(self, kind: str, value: str) -> str:
        table = self.counters.setdefault(kind, {})
        if value not in table:
            table[value] = f"<{kind}{len(table) + 1}>"
        return table[value]

    def text(self, s: str) -> str:
        for old, new in self.subs:
            s = s.replace(old, new)
            s = s.replace(_q(old), _q(new))
        s = re.sub(r"127\.0\.0\.1(:|%3A)(\d+)", lambda m: f"127.0.0.1{m.group(1)}" + (
            "<P>" if m.group(2) == "<P>" else self.volatile("port", m.group(2))), s)
        for key in ("state", "code_challenge", "code_verifier", "code"):
            s = re.sub(rf"(?<=[?&]){key}=([^&\s\"']+)", lambda m, k=key: f"{k}={self.volatile(k, m.group(1))}", s)
            s = re.sub(rf"^{key}=([^&\s\"']+)", lambda m, k=key: f"{k}={self.volatile(k, m.group(1))}", s)
        return s


def _expected_key(name: str, url: str) -> str:
    """The store key 0.136.0 writes (checked against the binary's files): the server name, '|',
    16 hex digits of sha256('{"type":"http","url":<url>,"headers":{}}')."""
    import hashlib

    payload = json.dumps({"type": "http", "url": url, "headers": {}}, separators=(",", ":"))
    return f"{name}|{hashlib.sha256(payload.encode()).hexdigest()[:16]}"


def _expected_callback_id(url: str) -> str:
    """The redirect URI's last segment 0.136.0 derives from the server URL (checked against the
    binary): base64url(sha256(url)[:9])."""
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(url.encode()).digest()[:9]).decode().rstrip("=")


def _q(s: str) -> str:
    import urllib.parse

    return urllib.parse.quote(s, safe="")


def _configure(p: OAuthProvider, setup: dict) -> None:
    for k, v in setup.items():
        if k == "protected_resource":
            p.protected_resource = {"resource": p.mcp_url, "authorization_servers": [f"{p.base_url}/{v}"],
                                    "scopes_supported": ["prs"]}
        elif k == "mcp_path":
            p.mcp_path, p.mcp_url = v, p.base_url + v
        else:
            setattr(p, k, v)


def _get(url: str) -> list:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310
            return [resp.status, resp.read().decode("utf-8", "replace")]
    except urllib.error.HTTPError as exc:
        return [exc.code, exc.read().decode("utf-8", "replace")]


def _login(env: RefEnv, which: str, p: OAuthProvider, argv: list[str], probes=()) -> dict:
    cmd = env.command(which) + argv
    proc = subprocess.Popen(cmd, cwd=env.cwd, env=env.env(which, BROWSER_ENV), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    lines, callback = [], None
    try:
        while True:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("http") and "/authorize?" in line:
                import urllib.parse

                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(line.strip()).query))
                redirect = urllib.parse.urlsplit(query["redirect_uri"])
                cb_id = redirect.path.rsplit("/", 1)[-1]
                probed = [[path, *_get(f"http://{redirect.netloc}" + path.replace("{id}", cb_id))]
                          for path in probes]
                callback = p.authorize(line.strip())
                break
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
    result = {"code": proc.returncode, "stdout": "".join(lines) + out, "stderr": err, "callback": callback}
    if probes:
        result["probes"] = probed
    return result


def run_scenario(name: str, which: str) -> dict:
    spec = SCENARIOS[name]
    with OAuthProvider() as p, RefEnv(tag="mcp-oauth", write_config=False) as env:
        _configure(p, spec.get("setup", {}))
        port = _free_port()
        top = spec.get("top", "").replace("{port}", str(port))
        base = env.config_text()
        text = top + base + f'\n[mcp_servers.srv]\nurl = "{p.mcp_url}"\n' + spec.get("server", "")
        env.write_config(text)
        if "precreds" in spec:
            (env.codex_home / ".credentials.json").write_text(spec["precreds"])
        login = spec.get("login", [])
        argv = [a.replace("{url}", p.mcp_url) for a in login] if login[:1] == ["mcp"] else ["mcp", "login", "srv", *login]
        t0 = int(time.time() * 1000)
        busy = None
        if spec.get("busy"):
            busy = socket.socket()
            busy.bind(("127.0.0.1", port))
            busy.listen(1)
        try:
            steps = [dict(argv=argv, **_login(env, which, p, argv, spec.get("probe_callback", ())))]
        finally:
            if busy is not None:
                busy.close()
        for extra in spec.get("after", []):
            r = env.run(extra, which=which, env=BROWSER_ENV, timeout=60)
            steps.append({"argv": extra, "code": r.exit_code, "stdout": r.stdout, "stderr": r.stderr})
        cred_path = env.codex_home / ".credentials.json"
        creds = None
        if cred_path.exists():
            creds = {"mode": oct(cred_path.stat().st_mode & 0o777), "text": cred_path.read_text()}
        norm = _Norm(p, env)
        for url in {p.mcp_url}:
            norm.subs.insert(0, (f"/callback/{_expected_callback_id(url)}", "/callback/<CALLBACK_ID>"))
            norm.subs.insert(0, (f"%2Fcallback%2F{_expected_callback_id(url)}", "%2Fcallback%2F<CALLBACK_ID>"))
        if port:
            norm.subs.append((f"127.0.0.1:{port}", "127.0.0.1:<CALLBACK_PORT>"))
            norm.subs.append((f"127.0.0.1%3A{port}", "127.0.0.1%3A<CALLBACK_PORT>"))
        result = {"steps": [], "requests": [], "credentials": None}
        for s in steps:
            cb = s.get("callback")
            result["steps"].append({"argv": [norm.text(a) for a in s["argv"]], "code": s["code"],
                                    "stdout": norm.text(s["stdout"]), "stderr": norm.text(s["stderr"]),
                                    **({"callback": [cb[0], norm.text(cb[1])]} if cb else {}),
                                    **({"probes": s["probes"]} if "probes" in s else {})})
        for r in p.requests:
            if r["path"] == "/authorize":      # the browser's request (ours: urllib)
                headers = {}
            else:
                headers = {k: norm.text(v) for k, v in sorted(r["headers"].items()) if k in KEEP_HEADERS}
            result["requests"].append({"method": r["method"], "path": r["path"], "query": norm.text(r["query"]),
                                       "body": norm.text(r["body"]), "headers": headers})
        if creds is not None:
            try:
                data = json.loads(creds["text"])
            except ValueError:
                creds = None
                result["credentials"] = {"unparsable": norm.text(cred_path.read_text())}
        if creds is not None:
            data = json.loads(creds["text"])
            for entry in data.values():
                if isinstance(entry.get("expires_at"), int):
                    # issued with expires_in = 3600 after the run started
                    assert entry["expires_at"] >= t0 + 3_600_000, entry
                    entry["expires_at"] = "<now + 3600 s>"
            keyed = {}
            for key, entry in data.items():
                name = key.split("|", 1)[0]
                if key == _expected_key(name, entry.get("server_url", "")):
                    key = f"{name}|<sha256 of the url's key payload>"
                keyed[key] = entry
            result["credentials"] = {"mode": creds["mode"], "entries": json.loads(norm.text(json.dumps(keyed)))}
            # the file's own formatting (compact serde_json, field order)
            result["credentials"]["field_order"] = [list(v.keys()) for v in data.values()]
            result["credentials"]["compact"] = "\n" not in creds["text"] and ": " not in creds["text"]
        return result


if __name__ == "__main__":  # record the reference's observations into fixtures/mcp_oauth/
    FIXTURES.mkdir(parents=True, exist_ok=True)
    names = sys.argv[1:] or list(SCENARIOS)
    for n in names:
        res = run_scenario(n, "reference")
        (FIXTURES / f"{n}.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
        print(n, [s["code"] for s in res["steps"]])
