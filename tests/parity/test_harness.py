"""The differential harness itself: the mock, the normalizers, the sandbox, and one real end-to-end
run of the reference against the mock."""
from __future__ import annotations

import gzip
import http.client
import json
import os
import socket
import sys
import time
import tomllib

import pytest

from . import reference
from .conftest import _need_reference
from .golden import ExecGolden, exec_common
from .mock_responses import (
    MockResponses, RawReply, ResponseStream, drop, ev_failed, ev_created, http_error, rate_limited,
    server_error, sse, sse_frame, stall, text_stream,
)
from .normalize import Normalizer, mask, request_view
from .reference import RefEnv, RunTimeout, ReferenceUnavailable

# ---------------------------------------------------------------------------------------------
# a tiny stdlib client
# ---------------------------------------------------------------------------------------------


def post(mock: MockResponses, body: dict | bytes, path: str = "/v1/responses", headers=(), timeout: float = 5.0):
    conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=timeout)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn.putrequest("POST", path, skip_accept_encoding=True)
    for k, v in [("Content-Type", "application/json"), *headers]:
        conn.putheader(k, v)
    conn.putheader("Content-Length", str(len(data)))
    conn.endheaders(data)
    return conn, conn.getresponse()


def get(mock: MockResponses, path: str, method: str = "GET"):
    conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
    conn.request(method, path)
    resp = conn.getresponse()
    return resp.status, resp.read(), resp


def parse_sse(data: bytes) -> list[tuple[str, dict]]:
    frames = []
    for block in data.decode().split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        frames.append((fields["event"], json.loads(fields["data"])))
    return frames


def read_frames_until_error(resp) -> tuple[bytes, Exception | None]:
    buf = b""
    try:
        while True:
            chunk = resp.read1(65536)
            if not chunk:
                return buf, None
            buf += chunk
    except Exception as exc:  # noqa: BLE001 - any transport error is the point here
        return buf, exc


# ---------------------------------------------------------------------------------------------
# mock: streams and recording
# ---------------------------------------------------------------------------------------------


def test_mock_serves_scripted_stream_and_records_request():
    frames = text_stream("Hello there!", input_tokens=7, output_tokens=3)
    with MockResponses([sse(frames)]) as mock:
        body = {"model": "gpt-5.5", "stream": True, "input": [{"role": "user", "content": "hi"}]}
        conn, resp = post(mock, body, headers=[("X-Zeta", "1"), ("authorization", "Bearer k"), ("Alpha", "2")])
        raw = resp.read()
        assert resp.status == 200
        assert resp.getheader("content-type") == "text/event-stream"
        assert resp.getheader("transfer-encoding") == "chunked"
        got = parse_sse(raw)
        assert got == frames
        assert [t for t, _ in got] == ["response.created", "response.output_item.added",
                                       "response.output_text.delta", "response.output_text.delta",
                                       "response.output_text.delta", "response.output_item.done",
                                       "response.completed"]
        assert "".join(p["delta"] for t, p in got if t == "response.output_text.delta") == "Hello there!"
        assert got[-1][1]["response"]["usage"]["total_tokens"] == 10
        conn.close()

        (req,) = mock.requests
        assert (req.method, req.path, req.route, req.reply) == ("POST", "/v1/responses", "/v1/responses", "queue[0]")
        names = [k for k, _ in req.headers]
        assert names[-5:] == ["Content-Type", "X-Zeta", "authorization", "Alpha", "Content-Length"]
        assert req.header("x-zeta") == "1" and req.header("AUTHORIZATION") == "Bearer k"
        assert req.body == json.dumps(body).encode()
        assert req.json == body
        assert mock.responses_requests() == [req] and mock.unexpected == [] and mock.pending == 0


def test_sse_frame_encoding():
    assert sse_frame("response.created", {"response": {"id": "r"}}) == \
        b'event: response.created\ndata: {"type": "response.created", "response": {"id": "r"}}\n\n'
    # an explicit type is kept as given
    assert sse_frame("x", {"type": "y"}) == b'event: x\ndata: {"type": "y"}\n\n'


def test_replies_are_served_in_order_then_exhausted():
    with MockResponses([sse(text_stream("one")), server_error(503)]) as mock:
        _, r1 = post(mock, {"n": 1})
        assert "one" in r1.read().decode()
        _, r2 = post(mock, {"n": 2})
        assert r2.status == 503 and json.loads(r2.read())["error"]["message"] == "mock: internal error"
        _, r3 = post(mock, {"n": 3})
        assert "(mock: script exhausted)" in r3.read().decode()
        assert [r.reply for r in mock.requests] == ["queue[0]", "queue[1]", "exhausted (unexpected)"]
        assert [r.json["n"] for r in mock.unexpected] == [3]
    with MockResponses(exhausted="error") as mock:
        _, r = post(mock, {})
        assert r.status == 500


def test_callable_reply_sees_the_request():
    def echo(req):
        return sse(text_stream("you said " + req.json["input"]))
    with MockResponses([echo]) as mock:
        mock.enqueue(echo)
        for word in ("a", "b"):
            _, resp = post(mock, {"input": word})
            text = "".join(p["delta"] for t, p in parse_sse(resp.read()) if t == "response.output_text.delta")
            assert text == "you said " + word


def test_keep_alive_connection_serves_several_requests():
    with MockResponses([sse(text_stream("a")), sse(text_stream("b"))]) as mock:
        conn, r1 = post(mock, {"i": 1})
        r1.read()
        conn.request("POST", "/v1/responses", body=b"{}", headers={"content-type": "application/json"})
        r2 = conn.getresponse()
        assert r2.status == 200 and '"b"' in r2.read().decode()
        assert len(mock.requests) == 2


def test_request_bodies_chunked_and_gzip():
    with MockResponses([sse(text_stream("x")), sse(text_stream("y"))]) as mock:
        conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
        conn.request("POST", "/v1/responses", body=iter([b'{"a":', b' 1}']),
                     headers={"content-type": "application/json"}, encode_chunked=True)
        conn.getresponse().read()
        _, resp = post(mock, gzip.compress(b'{"b": 2}'), headers=[("Content-Encoding", "gzip")])
        resp.read()
        reqs = mock.requests
        assert reqs[0].json == {"a": 1} and reqs[0].body == b'{"a": 1}'
        assert reqs[1].json == {"b": 2} and reqs[1].body == gzip.compress(b'{"b": 2}')


# ---------------------------------------------------------------------------------------------
# mock: faults
# ---------------------------------------------------------------------------------------------


def test_fault_http_429_with_retry_after():
    with MockResponses([rate_limited("7"), http_error(400, "bad", code="invalid_request")]) as mock:
        _, r = post(mock, {})
        assert r.status == 429 and r.getheader("retry-after") == "7"
        assert json.loads(r.read()) == {"error": {"message": "Rate limit reached (mock)", "type": "requests",
                                                  "code": "rate_limit_exceeded"}}
        _, r = post(mock, {})
        assert r.status == 400 and json.loads(r.read())["error"]["code"] == "invalid_request"


def test_fault_dropped_stream():
    frames = text_stream("this is cut off", chunks=5)
    with MockResponses([drop(frames, after=3)]) as mock:
        _, resp = post(mock, {})
        data, exc = read_frames_until_error(resp)
        assert exc is not None, "the stream must end abnormally (no terminating chunk)"
        assert parse_sse(data) == frames[:3]


def test_fault_stall_holds_the_connection_then_closes():
    frames = text_stream("never finished")
    with MockResponses([stall(frames, after=1, seconds=1.0)]) as mock:
        conn, resp = post(mock, {}, timeout=0.3)
        first = resp.read1(65536)
        assert parse_sse(first) == frames[:1]
        with pytest.raises((socket.timeout, TimeoutError)):
            resp.read1(65536)                      # silent: the client's idle timeout fires
        conn.sock.settimeout(5)
        t0 = time.monotonic()
        data, exc = read_frames_until_error(resp)
        assert data == b"" and exc is not None     # then the server cuts the connection
        assert time.monotonic() - t0 < 2


def test_stall_is_bounded_by_stop():
    mock = MockResponses([stall(text_stream("x"), after=1, seconds=60)]).start()
    conn, resp = post(mock, {}, timeout=10)
    resp.read1(65536)
    t0 = time.monotonic()
    mock.stop()
    assert time.monotonic() - t0 < 3
    data, exc = read_frames_until_error(resp)
    assert exc is not None
    mock.stop()                                    # idempotent


def test_response_failed_and_raw_replies():
    failed = ResponseStream("resp_f").failed("invalid_prompt", "mock: prompt rejected")
    raw = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"é\"}}\n\n"
    cut = raw.encode().index("é".encode()) + 1     # inside the two-byte character
    with MockResponses([sse(failed), RawReply(raw, cuts=[cut], delay=0.01)]) as mock:
        _, resp = post(mock, {})
        got = parse_sse(resp.read())
        assert got[-1] == ev_failed("resp_f", "invalid_prompt", "mock: prompt rejected")
        assert got[-1][1]["response"]["error"] == {"code": "invalid_prompt", "message": "mock: prompt rejected"}
        _, resp = post(mock, {})
        assert resp.read().decode() == raw


def test_models_head_and_unknown_paths():
    with MockResponses() as mock:
        status, body, _ = get(mock, "/v1/models?client_version=0.136.0")
        assert status == 200 and json.loads(body) == {"models": []}
        status, _, _ = get(mock, "/v1", method="HEAD")
        assert status == 200
        status, body, _ = get(mock, "/v1/nope")
        assert status == 404 and "no route" in json.loads(body)["error"]["message"]
        assert [r.reply for r in mock.requests] == ["models", "head", "404 (unexpected)"]
        assert [r.route for r in mock.unexpected] == ["/v1/nope"]
    with MockResponses(models=[{"slug": "gpt-5.5"}]) as mock:
        mock.route("GET", "/v1/extra", {"ok": True})
        assert json.loads(get(mock, "/v1/models")[1]) == {"models": [{"slug": "gpt-5.5"}]}
        assert json.loads(get(mock, "/v1/extra")[1]) == {"ok": True}


def test_wait_for_requests():
    with MockResponses([sse(text_stream("x"))]) as mock:
        with pytest.raises(TimeoutError):
            mock.wait_for_requests(1, timeout=0.1)
        post(mock, {})[1].read()
        assert len(mock.wait_for_requests(1, timeout=2)) == 1


def test_builders_match_the_capture_shapes():
    g = ExecGolden.load("skip_git_repo_check")
    (captured,) = g.replies(0)
    rid = captured.frames[0][1]["response"]["id"]
    mid = captured.frames[1][1]["item"]["id"]
    built = ResponseStream(rid).message("Hello.", item_id=mid).completed(100, 20)
    assert built == captured.frames
    fc = ResponseStream("r").function_call("exec_command", {"cmd": "echo hi"}, call_id="c1").completed()
    added, delta, done_args, done = (p for _, p in fc[1:5])
    assert added["item"] == {"type": "function_call", "id": "fc_mock%04d_1" % fc_n(fc), "call_id": "c1",
                             "name": "exec_command", "arguments": "", "status": "in_progress"}
    assert delta["delta"] == done_args["arguments"] == '{"cmd": "echo hi"}'
    assert done["item"]["status"] == "completed" and fc[-1][1]["response"]["output"] == [done["item"]]
    rs = ResponseStream("r").reasoning("thinking").completed()
    assert rs[-1][1]["response"]["output"][0]["summary"] == [{"type": "summary_text", "text": "thinking"}]
    assert ev_created("r")[1]["response"]["status"] == "in_progress"


def fc_n(frames) -> int:
    return int(frames[1][1]["item"]["id"].split("_mock")[1].split("_")[0])


# ---------------------------------------------------------------------------------------------
# normalizers
# ---------------------------------------------------------------------------------------------


def test_normalize_paths_longest_first_and_escaped(tmp_path):
    root = tmp_path / "sb"
    paths = {str(root / "cwd"): "<CWD>", str(root / "home" / ".codex"): "<CODEX_HOME>",
             str(root / "home"): "<HOME>", str(root): "<SCRATCH>", '/x/we"ird': "<Q>"}
    n = Normalizer(paths)
    s = f"{root}/cwd/a.txt {root}/home/.codex/config.toml {root}/home/x {root}/other"
    assert n.text(s) == "<CWD>/a.txt <CODEX_HOME>/config.toml <HOME>/x <SCRATCH>/other"
    assert n.text(json.dumps({"p": '/x/we"ird/f'})) == '{"p": "<Q>/f"}'
    link = tmp_path / "link"
    link.symlink_to(root)
    assert Normalizer({str(link): "<L>"}).text(f"{root}/z") == "<L>/z"        # realpath variant


def test_normalize_ports():
    n = Normalizer(ports=[43123], any_loopback_port=False)
    assert n.text("http://127.0.0.1:43123/v1 localhost:43123 [::1]:43123 port 43123 127.0.0.1:1") == \
        "http://127.0.0.1:<PORT>/v1 localhost:<PORT> [::1]:<PORT> port <PORT> 127.0.0.1:1"
    assert Normalizer().text("Failed to connect to 127.0.0.1:5555") == "Failed to connect to 127.0.0.1:<PORT>"


def test_normalize_uuids_numbered_consistently():
    a, b = "01a20b3c-4801-7ba2-b8e6-fe2679637d57", "01A20B3C-4816-72B1-8E5E-2EDA7ACA233D"
    n = Normalizer()
    assert n.text(f"{a} {b} {a}:0") == "<UUID_1> <UUID_2> <UUID_1>:0"
    assert n.text(b.lower()) == "<UUID_2>"                       # state is kept across calls
    assert Normalizer(uuids="flat").text(f"{a} {b}") == "<UUID> <UUID>"
    assert Normalizer(uuids="keep").text(a) == a


def test_normalize_timestamps():
    n = Normalizer()
    s = ("2026-11-24T01:47:09.123Z 2026-11-24T01:47:09+01:00 2026-11-24T01:47:09 "
         "<CODEX_HOME>/sessions/2026/11/24/rollout-2026-11-24T01-47-09-01a20b3c-4801-7ba2-b8e6-fe2679637d57.jsonl "
         "<current_date>2026-11-24</current_date> 2025-01-01")
    assert n.text(s) == ("<TIMESTAMP> <TIMESTAMP> <TIMESTAMP> "
                         "<CODEX_HOME>/sessions/<YYYY>/<MM>/<DD>/rollout-<TIMESTAMP>-<UUID_1>.jsonl "
                         "<current_date><DATE></current_date> 2025-01-01")


def test_normalize_numeric_json_values_stay_valid_json():
    meta = json.dumps({"turn_started_at_unix_ms": 1795484829723, "window_id": "w"}, separators=(",", ":"))
    doc = {"createdAt": 1700000000, "startedAtMs": 1, "completed_at": 2.5, "timestamp": 3, "pid": 4242,
           "duration_ms": 12, "durationMs": 7, "time_to_first_token_ms": 3, "yield_time_ms": 250,
           "max_output_tokens": 100, "header": meta, "format": 5}
    out = Normalizer().obj(doc)
    assert out == {"createdAt": "<TIME>", "startedAtMs": "<TIME>", "completed_at": "<TIME>", "timestamp": "<TIME>",
                   "pid": "<PID>", "duration_ms": "<DURATION>", "durationMs": "<DURATION>",
                   "time_to_first_token_ms": "<DURATION>", "yield_time_ms": 250, "max_output_tokens": 100,
                   "header": '{"turn_started_at_unix_ms":"<TIME>","window_id":"w"}', "format": 5}
    compact = Normalizer().text(json.dumps(doc, separators=(",", ":")))
    assert json.loads(compact)["duration_ms"] == "<DURATION>"


def test_normalize_durations_chunk_ids_truncated_paths():
    n = Normalizer()
    s = ("Chunk ID: 3fa9c1\nWall time: 0.0123 seconds\n succeeded in 12ms:\n exited 2 in 0ms:\n"
         "Wall time: 0.7 seconds\n/home/user/…/deep/file.rs")
    assert n.text(s) == ("Chunk ID: <CHUNK_ID>\nWall time: <DURATION> seconds\n succeeded in <DURATION>:\n"
                         " exited 2 in <DURATION>:\nWall time: <DURATION> seconds\n<TRUNCATED_PATH>")
    assert mask("took 5ms and 2s") == "took 5ms and 2s"           # free text is left alone


def test_normalize_golden_events_and_requests():
    g = ExecGolden.load("skip_git_repo_check")
    assert g.events == [
        {"type": "thread.started", "thread_id": "<UUID_1>"},
        {"type": "turn.started"},
        {"type": "item.completed", "item": {"id": "item_0", "type": "agent_message", "text": "Hello."}},
        {"type": "turn.completed", "usage": {"input_tokens": 100, "cached_input_tokens": 0, "output_tokens": 20,
                                             "reasoning_output_tokens": 0}},
    ]
    (req,) = g.requests
    instructions, tools = exec_common()
    assert req["body"]["instructions"] == instructions and req["body"]["tools"] == Normalizer().obj(tools)
    assert req["headers"]["authorization"] == "Bearer <redacted>" and "host" not in req["headers"]
    assert req["headers"]["thread-id"] == "<UUID_1>" == req["body"]["prompt_cache_key"]
    meta = json.loads(req["headers"]["x-codex-turn-metadata"])
    assert meta["turn_started_at_unix_ms"] == "<TIME>" and meta["window_id"] == "<UUID_1>:0"
    (rollout,) = g.rollouts
    assert rollout[0]["type"] == "session_meta" and rollout[0]["timestamp"] == "<TIMESTAMP>"
    assert rollout[0]["payload"]["base_instructions"]["text"] == instructions


# ---------------------------------------------------------------------------------------------
# the sandbox
# ---------------------------------------------------------------------------------------------


ENV_DUMP = "import json, os, sys; print(json.dumps({'env': dict(os.environ), 'stdin': sys.stdin.read()}))"


def test_refenv_layout_and_config(mock_responses):
    with RefEnv(mock_responses, config_top='approval_policy = "never"', provider_extra="request_max_retries = 0",
                config_extra='[tui]\nanimations = false') as env:
        root = env.root
        for temp in ("/tmp", os.environ.get("TMPDIR") or "/tmp"):
            assert not str(root.resolve()).startswith(os.path.realpath(temp) + "/")
        assert not reference._in_git_tree(root), "codex would walk up into the enclosing git repo"
        assert (env.home, env.codex_home, env.cwd) == (root / "home", root / "codex_home", root / "cwd")
        cfg = tomllib.loads(env.config_path.read_text())
        assert cfg["model_provider"] == "mock" and cfg["model"] == "gpt-5.5"
        assert cfg["approval_policy"] == "never"
        assert cfg["features"] == {"plugins": False} and cfg["otel"] == {"metrics_exporter": "none"}
        assert cfg["model_providers"]["mock"] == {
            "name": "mock", "base_url": mock_responses.base_url, "wire_api": "responses",
            "env_key": "MOCK_API_KEY", "request_max_retries": 0}
        assert cfg["tui"] == {"animations": False}
    assert not root.exists()
    with RefEnv(codex_home_in_home=True) as env:
        assert env.codex_home == env.home / ".codex"
        assert tomllib.loads(env.config_path.read_text())["model_providers"]["mock"]["base_url"] == \
            reference.CLOSED_BASE_URL


def test_refenv_clean_environment_stdin_and_timeout(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-leak")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://leak")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy")
    monkeypatch.setenv("CODEX_NO_EXTENSIONS", "1")
    with RefEnv() as env:
        code, out, err = env.run_argv([sys.executable, "-c", ENV_DUMP])
        assert code == 0, err
        got = json.loads(out)
        e = got["env"]
        assert got["stdin"] == ""                                  # /dev/null
        assert not [k for k in e if k.startswith("OPENAI_") or k.lower().endswith("_proxy")]
        assert (e["HOME"], e["CODEX_HOME"], e["NO_COLOR"]) == (str(env.home), str(env.codex_home), "1")
        assert e["MOCK_API_KEY"] == reference.MOCK_API_KEY and e["CODEX_NO_EXTENSIONS"] == "1"
        r = env.run_argv([sys.executable, "-c", ENV_DUMP], stdin="piped\n", env={"OPENAI_API_KEY": "given"})
        assert json.loads(r.stdout)["stdin"] == "piped\n"
        assert json.loads(r.stdout)["env"]["OPENAI_API_KEY"] == "given"
        t0 = time.monotonic()
        with pytest.raises(RunTimeout, match="timed out after 0.5s"):
            env.run_argv([sys.executable, "-c", "import time; print('started', flush=True); time.sleep(30)"],
                         timeout=0.5)
        assert time.monotonic() - t0 < 5


def test_refenv_runs_ours():
    with RefEnv() as env:
        r = env.run(["--version"], which="ours")
        assert r.argv[:3] == [sys.executable, "-m", "codex"]
        assert (r.exit_code, r.stdout) == (0, "codex-cli 0.136.0\n"), r.describe()
        with pytest.raises(ValueError):
            env.run(["--version"], which="theirs")


@pytest.mark.skipif(not __import__("shutil").which("git"), reason="git is not installed")
def test_refenv_git_workspace_matches_captures():
    with RefEnv() as env:
        assert env.init_git() == "529e2b9f7ee79ce59fa46d20886607ccc36b7dd2"   # the captures' commit


def test_missing_reference_skips_or_fails(monkeypatch):
    monkeypatch.setattr(reference, "_cache", {})
    monkeypatch.setenv("CODEX_REF", "/nonexistent/codex")
    with pytest.raises(ReferenceUnavailable, match="does not exist"):
        reference.find_reference()
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CODEX_REQUIRE_REFERENCE", raising=False)
    assert not reference.reference_required()
    with pytest.raises(pytest.skip.Exception, match="does not exist"):
        _need_reference()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required"):
        _need_reference()
    monkeypatch.delenv("CI")
    monkeypatch.setenv("CODEX_REQUIRE_REFERENCE", "1")
    assert reference.reference_required()


def test_missing_npm_is_a_clear_reason(monkeypatch, tmp_path):
    monkeypatch.setattr(reference.shutil, "which", lambda name: None)
    with pytest.raises(ReferenceUnavailable, match="npm is not on PATH"):
        reference._npm_install(tmp_path / "prefix")


# ---------------------------------------------------------------------------------------------
# the reference, end to end
# ---------------------------------------------------------------------------------------------

EXEC_HELLO = ["exec", "--json", "--skip-git-repo-check", "Say hello."]


@pytest.mark.reference
def test_reference_exec_smoke(mock_responses, ref_env):
    mock_responses.enqueue(sse(text_stream("Hello from the mock!", input_tokens=1234, output_tokens=12,
                                           cached_tokens=34, reasoning_tokens=5)))
    r = ref_env.run(EXEC_HELLO, timeout=30)
    assert r.exit_code == 0, r.describe()
    events = r.jsonl()
    assert [e["type"] for e in events] == ["thread.started", "turn.started", "item.completed", "turn.completed"]
    assert events[2]["item"] == {"id": "item_0", "type": "agent_message", "text": "Hello from the mock!"}
    assert events[3]["usage"] == {"input_tokens": 1234, "cached_input_tokens": 34, "output_tokens": 12,
                                  "reasoning_output_tokens": 5}
    assert r.stderr == "Reading additional input from stdin...\n"

    (req,) = mock_responses.requests                      # nothing but the one model request
    assert (req.method, req.path) == ("POST", "/v1/responses")
    assert req.json["stream"] is True and req.json["model"] == "gpt-5.5"
    assert req.header("authorization") == f"Bearer {reference.MOCK_API_KEY}"
    assert req.json["prompt_cache_key"] == events[0]["thread_id"]
    last = req.json["input"][-1]
    assert last["role"] == "user" and last["content"] == [{"type": "input_text", "text": "Say hello."}]


@pytest.mark.reference
def test_reference_matches_exec_golden():
    """Replaying a capture gives the golden back after normalization: the request (headers and
    body), the events and the rollout compare exactly."""
    g = ExecGolden.load("skip_git_repo_check")
    with MockResponses(g.replies(0)) as mock, RefEnv(mock, codex_home_in_home=True) as env:
        r = env.run(g.argv, timeout=30)
        assert r.exit_code == g.meta["runs"][0]["exit_code"], r.describe()
        norm = env.normalizer()
        assert norm.jsonl(r.stdout) == g.events
        assert r.stderr == g.text("stderr.txt")
        assert [request_view(q, norm) for q in mock.requests] == g.requests
        (rollout,) = (env.codex_home / "sessions").rglob("rollout-*.jsonl")
        assert env.normalizer().jsonl(rollout.read_text()) == g.rollouts[0]


@pytest.mark.reference
def test_version_differential():
    with RefEnv() as env:
        ref = env.run(["--version"])
        ours = env.run(["--version"], which="ours")
        assert (ours.exit_code, ours.stdout, ours.stderr) == (ref.exit_code, ref.stdout, ref.stderr)
