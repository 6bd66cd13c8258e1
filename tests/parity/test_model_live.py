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
import time
from pathlib import Path

import msgspec

import pytest

from .mock_responses import (HTTPReply, MockResponses, RawReply, ResponseStream, drop, ev_created, http_error, rate_limited,
                             server_error, sse, text_stream)
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


def _catalog(env, kind: str) -> str:
    if kind == "catalog":
        d = json.loads((Path(__file__).resolve().parents[2] / "fixtures/model/cli/models-bundled.json").read_text())
        d["models"] = d["models"][3:5]
        return f'model_catalog_json = "{env.write("cat.json", json.dumps(d, indent=2))}"'
    if kind == "bad_catalog":
        return f'model_catalog_json = "{env.write("cat.json", "{not json")}"'
    if kind == "trailing_catalog":
        return f'model_catalog_json = "{env.write("cat.json", chr(123) + chr(125) + " x")}"'
    if kind == "trailing_catalog2":
        return f'model_catalog_json = "{env.write("cat.json", json.dumps({"models": []}) + chr(10) + "  x")}"'
    return kind


DEBUG_CASES = [
    ("model = 5\nmodel = 6", ["debug", "models"]),
    ('model_catalog_json = "/nonexistent.json"', ["debug", "models"]),
    ('model_catalog_json = "/nonexistent.json"', ["debug", "models", "--bundled"]),
    ("", ["--profile", "x", "debug", "models"]),
    ("", ["--strict-config", "debug", "models"]),
    ("", ["debug", "models", "--enable", "nope"]),
    ("", ["debug", "models", "-c", "model_reasoning_effort=bogus"]),
    ("catalog", ["debug", "models"]),
    ("catalog", ["debug", "models", "--bundled"]),
    ("bad_catalog", ["debug", "models"]),
    ("trailing_catalog", ["debug", "models"]),
    ("trailing_catalog2", ["debug", "models"]),
]


@pytest.mark.parametrize("top,args", DEBUG_CASES, ids=[f"{i}" for i in range(len(DEBUG_CASES))])
def test_debug_models_config_live(top, args):
    with RefEnv() as env:
        env.config_top = _catalog(env, top)
        env.write_config()
        ref = env.run(args)
        ours = env.run(args, which="ours")
    assert (ours.exit_code, ours.stdout, ours.stderr) == (ref.exit_code, ref.stdout, ref.stderr)


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
            body, headers = inputs
            history: list = []

            def make_body():     # what core does: completed items join the next attempt's input
                return {**body, "input": body["input"] + history}
            try:
                async for ev in client.stream_turn(make_body, headers):
                    if isinstance(ev, P.OutputItemDone):
                        history.append(msgspec.to_builtins(ev.item))
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


def _usage(extra: dict, headers=()) -> "HTTPReply":
    return HTTPReply(429, {"error": {"type": "usage_limit_reached", "message": "m", **extra}}, list(headers))


def _ports(lines: list[dict]) -> list[dict]:
    import re

    return json.loads(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<PORT>", json.dumps(lines)))


SCENARIOS = {
    "ok": (lambda: [sse(text_stream("Hello!"))], ""),
    "http500_then_ok": (lambda: [server_error(500), sse(text_stream("after retry"))], ""),
    "http429": (lambda: [rate_limited("1")], ""),
    "drop_then_ok": (lambda: [drop(text_stream("cut off here"), after=3), sse(text_stream("again"))], ""),
    "exhausted": (lambda: [], "request_max_retries = 1\nstream_max_retries = 1"),
    "eof_then_ok": (lambda: [sse(ResponseStream().message("partial").frames), sse(text_stream("again"))], ""),
    "failed_retryable_then_ok": (lambda: [sse(ResponseStream().failed("server_error", "boom")),
                                          sse(text_stream("ok"))], ""),
    "failed_retry_after": (lambda: [sse(ResponseStream().failed("rate_limit_exceeded",
                                                                "Rate limit reached. Please try again in 0.3s.")),
                                    sse(text_stream("ok"))], ""),
    "failed_invalid_prompt": (lambda: [sse(ResponseStream().failed("invalid_prompt", "nope"))], ""),
    "failed_context_window": (lambda: [sse(ResponseStream().failed("context_length_exceeded", "long"))], ""),
    "failed_quota": (lambda: [sse(ResponseStream().failed("insufficient_quota", "pay"))], ""),
    "incomplete_then_ok": (lambda: [sse([ev_created(), ("response.incomplete", {
        "type": "response.incomplete", "response": {"id": "r", "status": "incomplete",
                                                    "incomplete_details": {"reason": "max_output_tokens"}}})]),
        sse(text_stream("ok"))], ""),
    "http503_then_ok": (lambda: [http_error(503, "unavailable (mock)"), sse(text_stream("ok"))],
                        "request_max_retries = 0"),
    "http404_then_ok": (lambda: [http_error(404, "nope"), sse(text_stream("ok"))], ""),
    "http400": (lambda: [http_error(400, "bad thing", type_="invalid_request_error")], ""),
    "keepalive_comments_idle": (lambda: [RawReply(b": ping\n\n" * 8, list(range(8, 64, 8)), delay=0.5),
                                         sse(text_stream("ok"))], "stream_idle_timeout_ms = 1500"),
    "usage_limit_none": (lambda: [_usage({})], ""),
    "usage_limit_plus": (lambda: [_usage({"plan_type": "plus"})], ""),
    "usage_limit_team": (lambda: [_usage({"plan_type": "team"})], ""),
    "usage_limit_free": (lambda: [_usage({"plan_type": "free"})], ""),
    "usage_limit_pro": (lambda: [_usage({"plan_type": "pro"})], ""),
    "usage_limit_enterprise": (lambda: [_usage({"plan_type": "enterprise"})], ""),
    "usage_limit_plus_resets_soon": (lambda: [_usage({"plan_type": "plus", "resets_at": int(time.time()) + 60})], ""),
    "usage_limit_resets_later": (lambda: [_usage({"resets_at": int(time.time()) + 40 * 86400})], ""),
    "usage_limit_promo": (lambda: [_usage({"plan_type": "plus"}, [("x-codex-promo-message", "Try Pro free")])], ""),
    "usage_limit_name": (lambda: [_usage({}, [("x-codex-bengal-limit-name", "gpt-x-sonic"),
                                              ("x-codex-active-limit", "codex_bengal"),
                                              ("x-codex-bengal-primary-used-percent", "100")])], ""),
    "usage_not_included": (lambda: [HTTPReply(429, {"error": {"type": "usage_not_included", "message": "m"}})], ""),
    "http403_cloudflare_then_ok": (lambda: [HTTPReply(403, "<html>Cloudflare: you have been blocked</html>"),
                                            sse(text_stream("ok"))], ""),
    "http404_empty_then_ok": (lambda: [HTTPReply(404, "  "), sse(text_stream("ok"))], ""),
    "http404_long_then_ok": (lambda: [HTTPReply(404, "\u00e9" * 700), sse(text_stream("ok"))], ""),
    "http404_request_id_then_ok": (lambda: [HTTPReply(404, {"error": {"message": " spaced "}},
                                                      [("x-request-id", "req_1"), ("cf-ray", "ray_1")]),
                                            sse(text_stream("ok"))], ""),
    "bad_utf8_then_ok": (lambda: [RawReply(b'event: response.created\ndata: {"type":"response.created",'
                                           b'"response":{"id":"r"}}\n\ndata: \xff\xfe\n\n'),
                                  sse(text_stream("ok"))], ""),
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
    assert _ports(lines) == _ports(_ref_lines(res.jsonl())), res.describe()
    assert len(ours) == len(ref_reqs)
    for o, r in zip(ours, ref_reqs):
        assert request_view(o) == request_view(r)
        assert [k.lower() for k, _ in o.headers if k.lower() != "host"] == \
            [k.lower() for k, _ in r.headers if k.lower() != "host"]
        assert o.body == r.body          # byte-identical JSON


def test_connection_refused_live():
    extra = "request_max_retries = 0\nstream_max_retries = 1"
    with RefEnv(None, provider_extra=extra) as env:
        res = env.run(["exec", "--json", "--skip-git-repo-check", "Say hello."])
        base_url = env.base_url
    from codex.model import errors as E
    from codex.model.client import Reconnecting, ResponsesClient
    from codex.model.providers import BearerAuth, ModelProviderInfo

    async def go():
        provider = ModelProviderInfo(name="mock", base_url=base_url, request_max_retries=0, stream_max_retries=1)
        client = ResponsesClient(provider, BearerAuth("k"))
        lines = []
        try:
            async for ev in client.stream_turn({}, []):
                if isinstance(ev, Reconnecting):
                    lines.append({"type": "error", "message": ev.message})
        except E.ModelError as exc:
            lines.append({"type": "turn.failed", "message": str(exc)})
        finally:
            await client.aclose()
        return lines
    assert asyncio.run(go()) == _ref_lines(res.jsonl())


MODEL_CASES = [(m, p) for m in ("gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.3-codex", "gpt-5.2", "codex-auto-review")
               for p in (None, "friendly", "none")]


@pytest.mark.parametrize("model,personality", MODEL_CASES)
def test_body_per_model_and_personality_live(model, personality):
    """Every catalog model (x personality): the body our builders make from the config equals
    the reference's (instructions included), given the same input items and tools."""
    from codex.model import request as R

    args = ["exec", "--json", "--skip-git-repo-check", "-c", f"model={model}"]
    cfg = {"model": model}
    if personality:
        args += ["-c", f"personality={personality}"]
        cfg["personality"] = personality
    with MockResponses([sse(text_stream("ok"))]) as mock, RefEnv(mock) as env:
        res = env.run([*args, "Say hello."])
        reqs = mock.responses_requests()
    assert reqs, res.describe()
    ref = reqs[0].json
    body = R.build_body(**R.options_from_config(cfg), input=ref["input"], tools=ref["tools"],
                        prompt_cache_key=ref["prompt_cache_key"],
                        installation_id=ref["client_metadata"]["x-codex-installation-id"])
    assert list(body) == list(ref)
    assert body == ref
    assert R.encode_body(body) == reqs[0].body


OPTION_CASES = [
    ("gpt-5.5", {"service_tier": "fast"}), ("gpt-5.5", {"service_tier": "flex"}),
    ("gpt-5.5", {"service_tier": "priority"}), ("gpt-5.4-mini", {"service_tier": "fast"}),
    ("gpt-5.5", {"model_verbosity": "high"}), ("gpt-5.4-mini", {"model_verbosity": "low"}),
    ("gpt-5.5", {"model_reasoning_effort": "none"}), ("gpt-5.5", {"model_reasoning_effort": "xhigh"}),
    ("gpt-5.2", {"model_reasoning_summary": "concise"}), ("gpt-5.5", {"model_reasoning_summary": "none"}),
]


@pytest.mark.parametrize("model,opts", OPTION_CASES, ids=[f"{m}-{list(o.items())[0]}" for m, o in OPTION_CASES])
def test_body_options_live(model, opts):
    from codex.model import request as R

    args = ["exec", "--json", "--skip-git-repo-check", "-c", f"model={model}"]
    for k, v in opts.items():
        args += ["-c", f"{k}={v}"]
    with MockResponses([sse(text_stream("ok"))]) as mock, RefEnv(mock) as env:
        res = env.run([*args, "Say hello."])
        reqs = mock.responses_requests()
    assert reqs, res.describe()
    ref = reqs[0].json
    body = R.build_body(**R.options_from_config({"model": model, **opts}), input=ref["input"], tools=ref["tools"],
                        prompt_cache_key=ref["prompt_cache_key"],
                        installation_id=ref["client_metadata"]["x-codex-installation-id"])
    assert body == ref and list(body) == list(ref)
    assert R.encode_body(body) == reqs[0].body


@pytest.mark.parametrize("model", ["gpt-5.1-codex", "my-local-model"])
def test_unknown_model_body_live(model):
    """A slug outside the catalog: the fallback prompt (byte-identical), no reasoning, no
    text controls, no parallel tool calls."""
    from codex.model import request as R

    with MockResponses([sse(text_stream("ok"))]) as mock, RefEnv(mock) as env:
        res = env.run(["exec", "--json", "--skip-git-repo-check", "-c", f"model={model}", "Say hello."])
        reqs = mock.responses_requests()
    assert reqs, res.describe()
    ref = reqs[0].json
    body = R.build_body(**R.options_from_config({"model": model}), input=ref["input"], tools=ref["tools"],
                        prompt_cache_key=ref["prompt_cache_key"],
                        installation_id=ref["client_metadata"]["x-codex-installation-id"])
    assert body == ref and list(body) == list(ref)
    assert R.encode_body(body) == reqs[0].body


def test_missing_env_key_live():
    from codex.model import errors as E
    from codex.model.client import ResponsesClient

    with MockResponses([sse(text_stream("ok"))]) as mock, \
            RefEnv(mock, provider_extra='env_key_instructions = "Get one at x."') as env:
        res = env.run(["exec", "--json", "--skip-git-repo-check", "Say hello."], env={"MOCK_API_KEY": ""})
        assert mock.responses_requests() == []
        raw = {"model_provider": "mock", "model_providers": {"mock": {
            "name": "mock", "base_url": mock.base_url, "env_key": "MOCK_API_KEY",
            "env_key_instructions": "Get one at x."}}}

        async def go():
            client = ResponsesClient.from_config(raw, environ={"MOCK_API_KEY": ""})
            try:
                async for _ in client.stream_turn({}, []):
                    pass
            except E.ModelError as exc:
                return [{"type": "turn.failed", "message": str(exc)}]
            finally:
                await client.aclose()
        ours = asyncio.run(go())
        assert mock.responses_requests() == []
    assert ours == _ref_lines(res.jsonl())
