"""Live comparison with the reference Codex 0.136.0 binary (tests/parity/reference.py finds or
installs it; skipped without it, a failure under CI=true / CODEX_REQUIRE_REFERENCE=1):
generated schema/TS trees, and the handshake transcript's requests answered by both."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from ._helpers import MOCK_CONFIG, StdioServer, load_transcript, normalize, server_env


def _reference():
    from tests.parity.reference import ReferenceUnavailable, find_reference, reference_required

    try:
        return find_reference()
    except ReferenceUnavailable as exc:
        if reference_required():
            pytest.fail(f"reference Codex required but unavailable: {exc}", pytrace=False)
        pytest.skip(f"reference Codex unavailable: {exc}")


@pytest.fixture
def scratch():
    from tests.parity.reference import scratch_parent

    d = tempfile.mkdtemp(prefix="app-server-", dir=scratch_parent())
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _ref_env(home: str, codex_home: str) -> dict:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "CODEX_HOME": codex_home,
            "LANG": "C.UTF-8", "USER": os.environ.get("USER") or "root", "NO_COLOR": "1"}


def _tree(root) -> dict[str, bytes]:
    out = {}
    for dp, _, fns in os.walk(root):
        for fn in fns:
            p = os.path.join(dp, fn)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


@pytest.mark.parametrize("command", ["generate-json-schema", "generate-ts"])
@pytest.mark.parametrize("experimental", [False, True])
def test_generation_matches_reference_binary(scratch, command, experimental):
    ref = _reference()
    flag = ["--experimental"] if experimental else []
    outs = {}
    for which, argv in (("ref", [str(ref)]), ("ours", [sys.executable, "-m", "codex"])):
        out = os.path.join(scratch, which)
        env = _ref_env(scratch, scratch) if which == "ref" else server_env(scratch)
        proc = subprocess.run([*argv, "app-server", command, "--out", out, *flag], env=env,
                              capture_output=True, timeout=300)
        assert proc.returncode == 0, proc.stderr.decode()
        outs[which] = _tree(out)
    diff = sorted(k for k in set(outs["ref"]) | set(outs["ours"]) if outs["ref"].get(k) != outs["ours"].get(k))
    # The flat v2 bundle's tail follows a Rust HashSet's order, which changes between runs of
    # the reference itself: that file is compared as data.
    flat = "codex_app_server_protocol.v2.schemas.json"
    if flat in diff:
        import json

        assert json.loads(outs["ref"][flat]) == json.loads(outs["ours"][flat])
        diff.remove(flat)
    assert len(outs["ref"]) > 250 and diff == []


def _answers(server: StdioServer, transcript) -> dict:
    answers = {}
    try:
        for entry in transcript:
            if entry["dir"] != "c2s":
                continue
            if "raw" in entry:
                server.send_raw(entry["raw"])
                continue
            server.send(entry["msg"])
            if "id" in entry["msg"]:
                answers[entry["msg"]["id"]] = server.until_response(entry["msg"]["id"])[-1]
    finally:
        server.close()
    return answers


def test_handshake_answers_match_reference_binary(scratch):
    ref = _reference()
    transcript = load_transcript("handshake")
    results = {}
    for which in ("ref", "ours"):
        home = os.path.join(scratch, which, "home")
        codex_home = os.path.join(scratch, which, "codex-home")
        cwd = os.path.join(scratch, which, "work")
        for d in (home, codex_home, cwd):
            os.makedirs(d)
        with open(os.path.join(codex_home, "config.toml"), "w") as f:
            f.write(MOCK_CONFIG)
        if which == "ref":
            server = StdioServer(codex_home, cwd, argv=[str(ref), "app-server"], env=_ref_env(home, codex_home))
        else:
            server = StdioServer(codex_home, cwd)
        results[which] = normalize(_answers(server, transcript), {codex_home: "<CODEX_HOME>"})
    ours, theirs = results["ours"], results["ref"]
    assert set(ours) == set(theirs)
    for rid in theirs:
        if ours[rid].get("error", {}).get("code") == -32601:   # a method this build lacks
            continue
        assert ours[rid] == theirs[rid], rid


def _replay_both(scratch, name, ref, on_response=None, config=MOCK_CONFIG):
    from ._helpers import MOCK_PORT, Replay

    out = {}
    for which in ("ref", "ours"):
        home = os.path.join(scratch, which, "home")
        codex_home = os.path.join(scratch, which, "codex-home")
        work = os.path.join(scratch, which, "work")
        for d in (home, codex_home, work):
            os.makedirs(d)
        for rel in ("src/util/helpers.py", "src/main.py", "docs/guide.txt"):
            os.makedirs(os.path.dirname(os.path.join(work, rel)), exist_ok=True)
            with open(os.path.join(work, rel), "w") as f:
                f.write("x\n")
        if config:
            with open(os.path.join(codex_home, "config.toml"), "w") as f:
                f.write(config)
        if which == "ref":
            server = StdioServer(codex_home, work, argv=[str(ref), "app-server"], env=_ref_env(home, codex_home))
        else:
            server = StdioServer(codex_home, work)
        subs = {codex_home: "<CODEX_HOME>", work: "<CWD>",
                f"http://127.0.0.1:{MOCK_PORT}/v1": "http://127.0.0.1:<PORT>/v1"}
        replay = Replay(server, subs, on_response=on_response)
        try:
            replay.run(load_transcript(name))
        finally:
            server.close()
        out[which] = [(exp, normalize(got, subs) if got else None, method) for exp, got, method in replay.results]
    return out


def _compare_live(out, volatile=(), at_least=10):
    failures = []
    theirs_count = sum(1 for _, got, _ in out["ref"] if got is not None)
    assert theirs_count >= at_least, f"the reference answered only {theirs_count} messages"
    for (exp, theirs, method), (_, ours, _) in zip(out["ref"], out["ours"]):
        if theirs is None:
            continue
        if ours is not None and ours.get("error", {}).get("code") == -32601:
            continue
        if method in volatile:
            continue
        if ours != theirs:
            failures.append((method, theirs, ours))
    return failures


def test_offline_methods_match_reference_binary(scratch):
    from .test_offline_methods import _canon, _touch_on_watch

    ref = _reference()
    out = _replay_both(scratch, "offline_methods", ref, on_response=_touch_on_watch)
    canon = {which: [(e, _canon(g, m) if g else None, m) for e, g, m in rows] for which, rows in out.items()}
    # fs/getMetadata carries times; the search session's notifications depend on when its
    # walk ends relative to the query (both servers may report the empty initial query first)
    volatile = {"fs/getMetadata", "fuzzyFileSearch/sessionUpdated", "fuzzyFileSearch/sessionCompleted"}
    assert _compare_live(canon, volatile=volatile) == []


def test_command_exec_matches_reference_binary(scratch):
    ref = _reference()
    out = _replay_both(scratch, "command_exec", ref)
    assert _compare_live(out) == []


def test_account_openai_provider_matches_reference_binary(scratch):
    ref = _reference()
    out = _replay_both(scratch, "account_openai_provider", ref, config="")
    assert _compare_live(out) == []


_HTTP_PROBES = [
    b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\n",
    (b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nOrigin: http://example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
]


def _http_answers(connect) -> list[bytes]:
    import re
    import socket
    import time

    out = []
    for probe in _HTTP_PROBES:
        for _ in range(100):
            try:
                s = connect()
                break
            except OSError:
                time.sleep(0.1)
        s.sendall(probe)
        s.settimeout(1.0)
        data = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data and b" 101 " in data.split(b"\r\n", 1)[0]:
                    break
        except socket.timeout:
            pass
        s.close()
        out.append(re.sub(rb"date: [^\r]*\r\n", b"date: <DATE>\r\n", data))
    return out


@pytest.mark.parametrize("kind", ["ws", "unix"])
def test_listener_http_answers_match_reference_binary(scratch, kind):
    import socket

    from ._helpers import free_port

    ref = _reference()
    results = {}
    for which in ("ref", "ours"):
        home = os.path.join(scratch, which, "home")
        codex_home = os.path.join(scratch, which, "codex-home")
        os.makedirs(home)
        os.makedirs(codex_home)
        if kind == "ws":
            port = free_port()
            listen = f"ws://127.0.0.1:{port}"

            def connect(port=port):
                return socket.create_connection(("127.0.0.1", port))
        else:
            listen = "unix://"
            path = os.path.join(codex_home, "app-server-control", "app-server-control.sock")

            def connect(path=path):
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                return s
        argv = [str(ref)] if which == "ref" else [sys.executable, "-m", "codex"]
        env = _ref_env(home, codex_home) if which == "ref" else server_env(codex_home)
        proc = subprocess.Popen([*argv, "app-server", "--listen", listen], env=env, cwd=home,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            answers = _http_answers(connect)
            files = sorted(os.listdir(os.path.join(codex_home, "app-server-control"))) if kind == "unix" else []
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=10)
        results[which] = (answers, err.decode().replace(listen, "<LISTEN>").replace(listen[5:], "<ADDR>"), files)
    assert results["ours"][0] == results["ref"][0]
    assert results["ours"][2] == results["ref"][2]
    assert results["ours"][1].startswith(results["ref"][1])
