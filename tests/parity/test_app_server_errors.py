"""A failing model request as the app-server reports it: the `error` notifications (retries
included) and the failed turn's error, ours vs the reference Codex 0.136.0, for each kind of
failure: an HTTP status the client gives up on (400), one it retries as a stream error (404),
the retry limit (429), and `response.failed` codes (cyber_policy, usage_not_included,
insufficient_quota, context_length_exceeded)."""
from __future__ import annotations

import json
import subprocess
import time

import pytest

from parity.mock_responses import MockResponses, ResponseStream, http_error, sse
from parity.reference import RefEnv, ReferenceUnavailable, find_reference, ours_command, reference_required

CASES = ["400", "404", "429", "failed:cyber_policy", "failed:usage_not_included",
         "failed:insufficient_quota", "failed:context_length_exceeded"]


def _reference():
    try:
        return find_reference()
    except ReferenceUnavailable as exc:
        if reference_required():
            pytest.fail(f"reference unavailable: {exc}")
        pytest.skip(f"reference unavailable: {exc}")


def _errors(argv, env, cwd) -> list:
    """initialize, thread/start, turn/start; the `error` and `turn/completed` notifications'
    (error, willRetry) until the turn completes."""
    p = subprocess.Popen([*argv, "app-server"], env=env, cwd=cwd, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        def send(msg):
            p.stdin.write((json.dumps(msg) + "\n").encode())
            p.stdin.flush()

        send({"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "t", "version": "1"}}})
        send({"method": "initialized"})
        send({"id": 2, "method": "thread/start", "params": {}})
        out = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            msg = json.loads(line)
            if msg.get("id") == 2:
                send({"id": 3, "method": "turn/start", "params": {
                    "threadId": msg["result"]["thread"]["id"], "input": [{"type": "text", "text": "hi"}]}})
            elif msg.get("method") == "error":
                out.append((msg["params"]["error"], msg["params"]["willRetry"]))
            elif msg.get("method") == "turn/completed":
                out.append((msg["params"]["turn"]["error"], msg["params"]["turn"]["status"]))
                break
        return out
    finally:
        p.kill()
        p.wait()


def _replies(case: str):
    if case.startswith("failed:"):
        return [sse(ResponseStream().failed(code=case[7:], message="mock: prompt rejected"))]
    return [http_error(int(case), "bad thing", type_="invalid_request_error")]


@pytest.mark.parametrize("case", CASES)
def test_error_notifications_match_reference(case):
    ref = _reference()
    results = {}
    for side in ("reference", "ours"):
        with MockResponses([]) as mock, RefEnv(mock, tag="errors", provider_extra="stream_max_retries = 2\n") as env:
            for _ in range(12):
                mock.enqueue(*_replies(case))
            argv = [str(ref)] if side == "reference" else ours_command()
            got = _errors(argv, env.env(side), env.cwd)
            results[side] = json.loads(json.dumps(got).replace(mock.url, "<MOCK>"))
    assert results["reference"], "the reference reported nothing"
    assert results["ours"] == results["reference"]
