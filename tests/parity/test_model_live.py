"""Live differential tests of the model client against the reference Codex 0.136.0.

* `codex debug models [--bundled]`: ours and the reference print the same bytes (and nothing
  on stderr, exit 0).
* The request: the reference runs `codex exec --json` against the mock; its first request's
  inputs (instructions, input items, tools, thread id, turn metadata, installation id) are fed
  to our request builders and client, and what the mock records from ours must equal what it
  recorded from the reference (user agent included: both read the real OS).
* Faults: the reference and our client against the same scripted faults (500 then ok; 429;
  a dropped stream) must make the same number of requests with the same bodies, and end the
  same way (notices and final message).
"""
from __future__ import annotations

import asyncio
import json

import pytest

from .mock_responses import MockResponses, drop, rate_limited, server_error, sse, text_stream
from .normalize import request_view
from .reference import RefEnv

pytestmark = pytest.mark.reference


@pytest.mark.parametrize("args", [["debug", "models", "--bundled"], ["debug", "models"]])
def test_debug_models_live(args):
    with RefEnv() as env:
        ref = env.run(args)
        ours = env.run(args, which="ours")
    assert ref.exit_code == 0
    assert (ours.exit_code, ours.stdout, ours.stderr) == (ref.exit_code, ref.stdout, ref.stderr)
    assert json.loads(ours.stdout)["models"][0]["slug"] == "gpt-5.5"


def _inputs(req) -> tuple[dict, list]:
    from codex.model import catalog
    from codex.model import request as R

    body = req.json
    h = req.headers_dict()
    reasoning = body.get("reasoning") or {}
    built = R.build_body(catalog.model_info(body["model"]), instructions=body["instructions"],
                         input=body["input"], tools=body["tools"], prompt_cache_key=body.get("prompt_cache_key"),
                         installation_id=body["client_metadata"]["x-codex-installation-id"],
                         reasoning_effort=reasoning.get("effort"), reasoning_summary=reasoning.get("summary"))
    headers = R.build_headers(thread_id=h["thread-id"], window_id=h["x-codex-window-id"],
                              turn_metadata=json.loads(h["x-codex-turn-metadata"]),
                              beta_features=h["x-codex-beta-features"].split(","), originator=h["originator"],
                              user_agent_value=R.exec_user_agent({}))
    return built, headers


def _drive_ours(replies, inputs, provider_extra: dict | None = None):
    from codex.model import errors as E
    from codex.model.client import Completed, Reconnecting, ResponsesClient
    from codex.model.providers import BearerAuth, ModelProviderInfo
    from codex.protocol import models as P

    async def go():
        with MockResponses(replies, exhausted="error") as mock:
            provider = ModelProviderInfo(name="mock", base_url=mock.base_url, env_key="MOCK_API_KEY",
                                         **(provider_extra or {}))
            client = ResponsesClient(provider, BearerAuth("sk-mock-key"))
            lines: list[dict] = []
            try:
                async for ev in client.stream_turn(*inputs):
                    if isinstance(ev, Reconnecting):
                        lines.append({"type": "error", "message": ev.message})
                    elif isinstance(ev, P.OutputItemDone) and isinstance(ev.item, P.Message):
                        lines.append({"type": "agent_message",
                                      "text": "".join(c.text for c in ev.item.content)})
                    elif isinstance(ev, Completed):
                        lines.append({"type": "completed"})
            except E.ModelError as exc:
                lines.append({"type": "turn.failed", "message": str(exc)})
            finally:
                await client.aclose()
            return lines, mock.responses_requests()
    return asyncio.run(go())


def _ref_lines(events: list[dict]) -> list[dict]:
    out = []
    for e in events:
        if e["type"] == "error" and e["message"].startswith("Reconnecting..."):
            out.append({"type": "error", "message": e["message"]})
        elif e["type"] == "item.completed" and e["item"]["type"] == "agent_message":
            out.append({"type": "agent_message", "text": e["item"]["text"]})
        elif e["type"] == "turn.completed":
            out.append({"type": "completed"})
        elif e["type"] == "turn.failed":
            out.append({"type": "turn.failed", "message": e["error"]["message"]})
    return out


SCENARIOS = {
    "ok": (lambda: [sse(text_stream("Hello!"))], ""),
    "http500_then_ok": (lambda: [server_error(500), sse(text_stream("after retry"))], ""),
    "http429": (lambda: [rate_limited("1")], ""),
    "drop_then_ok": (lambda: [drop(text_stream("cut off here"), after=3), sse(text_stream("again"))], ""),
    "exhausted": (lambda: [], "request_max_retries = 1\nstream_max_retries = 1"),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_requests_and_outcome_live(name):
    make, extra = SCENARIOS[name]
    with MockResponses(make(), exhausted="error") as mock, \
            RefEnv(mock, provider_extra=extra, codex_home_in_home=True) as env:
        res = env.run(["exec", "--json", "--skip-git-repo-check", "Say hello."])
        ref_reqs = mock.responses_requests()
    assert ref_reqs, res.describe()
    inputs = _inputs(ref_reqs[0])
    prov = {}
    for line in extra.splitlines():
        k, _, v = line.partition("=")
        prov[k.strip()] = int(v)
    lines, ours = _drive_ours(make(), inputs, prov)
    assert lines == _ref_lines(res.jsonl()), res.describe()
    assert len(ours) == len(ref_reqs)
    for o, r in zip(ours, ref_reqs):
        assert request_view(o) == request_view(r)
        assert [k.lower() for k, _ in o.headers if k.lower() != "host"] == \
            [k.lower() for k, _ in r.headers if k.lower() != "host"]
        assert o.body == r.body          # byte-identical JSON
