"""A session written by one implementation, resumed by the other (`codex exec resume --last`):
the resumed turn's request must be the same as when the writer resumes its own session.

Four runs over the same mock script: reference->reference (the baseline), reference->ours,
ours->reference, ours->ours. The compared request is the resumed turn's only request: every
header but host/content-length/authorization, and the whole body, after normalization.
"""
from __future__ import annotations

import json

import pytest

from .mock_responses import MockResponses, ResponseStream, sse, text_stream
from .reference import RefEnv

pytestmark = pytest.mark.reference

DROP = ("host", "content-length", "authorization")


def _resumed_request(first: str, second: str) -> tuple[dict, list[dict]]:
    call = ResponseStream().function_call("exec_command", {"cmd": "echo one"}, call_id="call_1").completed()
    replies = [sse(call), sse(text_stream("First answer.")), sse(text_stream("Second answer."))]
    with MockResponses(replies) as mock, RefEnv(mock, codex_home_in_home=True, tag="resume-cross") as env:
        env.init_git()
        r1 = env.run(["exec", "--json", "First prompt: run echo one."], which=first)
        assert r1.exit_code == 0, r1.describe()
        r2 = env.run(["exec", "--json", "resume", "--last", "Next prompt."], which=second)
        assert r2.exit_code == 0, r2.describe()
        reqs = mock.responses_requests()
        assert len(reqs) == 3, [r.json for r in reqs]
        last = reqs[-1]
        norm = env.normalizer()
        view = norm.obj({"headers": {k.lower(): v for k, v in last.headers if k.lower() not in DROP},
                         "body": last.json})
        return view, norm.jsonl(r2.stdout)


@pytest.fixture(scope="module")
def baseline():
    return _resumed_request("reference", "reference")


@pytest.mark.parametrize("first,second", [("reference", "ours"), ("ours", "reference"), ("ours", "ours")])
def test_resumed_request_is_identical(baseline, first, second):
    ref_view, ref_events = baseline
    view, events = _resumed_request(first, second)
    assert json.dumps(view, sort_keys=True, indent=1) == json.dumps(ref_view, sort_keys=True, indent=1)
    assert events == ref_events
