"""`codex exec review` (JSON and human mode) against the live reference: same exit code,
stdout, stderr, and the same review request (instructions, tools, body, headers but ids)."""
from __future__ import annotations

import json

import pytest

from .mock_responses import MockResponses, sse, text_stream
from .reference import RefEnv

pytestmark = pytest.mark.reference

DROP = ("host", "content-length", "authorization")


def _run(which: str, args: list[str]) -> dict:
    with MockResponses([sse(text_stream("Looks fine."))]) as mock, \
            RefEnv(mock, codex_home_in_home=True, tag="exec-review") as env:
        env.init_git()
        (env.cwd / "README.md").write_text("# changed\n")
        r = env.run(["exec", *args], which=which, timeout=60)
        norm = env.normalizer()
        reqs = mock.responses_requests()
        return norm.obj({
            "exit": r.exit_code, "stdout": r.stdout, "stderr": r.stderr,
            "requests": [{"headers": {k.lower(): v for k, v in q.headers if k.lower() not in DROP},
                          "body": q.json} for q in reqs]})


@pytest.mark.parametrize("args", [
    ["--json", "review", "--uncommitted"],
    ["review", "--uncommitted"],
    ["--json", "review", "--commit", "abc1234", "--title", "Fix it"],
    ["--json", "review", "Focus on the README."],
])
def test_exec_review_like_reference(args):
    ref, ours = _run("reference", args), _run("ours", args)
    assert json.dumps(ours, indent=1, sort_keys=True) == json.dumps(ref, indent=1, sort_keys=True)
