"""`codex exec` (human and --json) on the stream shapes and model failures of
test_app_server_live.py, ours vs the reference Codex 0.136.0: exit code, stdout and stderr
equal after normalization (paths, ids, times, ports)."""
from __future__ import annotations

import re

import pytest

from parity.mock_responses import MockResponses
from parity.reference import RefEnv
from parity.test_app_server_live import CASES, SHAPES, _replies

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

ALL = {**{name: make for name, make in SHAPES.items()},
       **{f"error_{case}": (lambda case=case: _replies(case) * 12) for case in CASES}}


def _norm(text: str, env: RefEnv) -> str:
    for path, name in ((env.cwd, "<CWD>"), (env.codex_home, "<CH>"), (env.root, "<ROOT>")):
        text = text.replace(str(path), name)
    text = _UUID.sub("<U>", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<TS>", text)
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<P>", text)


@pytest.mark.parametrize("mode", ["json", "human"])
@pytest.mark.parametrize("shape", sorted(ALL))
def test_exec_output_matches_reference(shape, mode, reference_bin):
    replies = ALL[shape]()
    flags = ["--json"] if mode == "json" else []
    results = {}
    for side in ("reference", "ours"):
        with MockResponses([]) as mock, RefEnv(mock, tag="exec-shapes",
                                               provider_extra="stream_max_retries = 2\n") as env:
            mock.enqueue(*replies)
            r = env.run(["exec", "--skip-git-repo-check", *flags, "hi"], which=side, timeout=60)
            results[side] = (r.exit_code, _norm(r.stdout, env), _norm(r.stderr, env))
    assert results["ours"] == results["reference"]


def test_request_header_order_matches_reference(reference_bin):
    """The Responses request's header names in wire order (`host` after `user-agent`)."""
    from parity.mock_responses import sse, text_stream

    order = {}
    for side in ("reference", "ours"):
        with MockResponses([sse(text_stream("hi"))]) as mock, RefEnv(mock, tag="exec-shapes") as env:
            env.run(["exec", "--skip-git-repo-check", "hi"], which=side, timeout=60)
            order[side] = [k for k, _ in mock.responses_requests()[0].headers]
    assert order["ours"] == order["reference"]
