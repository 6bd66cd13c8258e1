"""The 9 captured fault scenarios (plus text_only) replayed through the client against the
loopback mock: the notices and the outcome (as the `codex exec --json` lines they become), the
number of requests and every request (normalized) identical to the capture, and the retry
gaps close to the reference's (200 ms, then 400 ms)."""
from __future__ import annotations

import asyncio
import json

import pytest

from parity.mock_responses import (MockResponses, SSEReply, drop, http_error, reply_from_capture, sse, stall,
                                   text_stream, ResponseStream)
from parity.normalize import request_view

from model_helpers import EXEC, FAULTS, build, exec_events, expand, first_request, provider_for_capture

from codex.model import errors as E
from codex.model.client import Completed, RateLimits, Reconnecting, ResponsesClient, backoff, parse_rate_limits
from codex.model.providers import BearerAuth, ModelProviderInfo
from codex.protocol import models as P


def _replies(scenario):
    runs = json.loads((EXEC / scenario / "responses.json").read_text())
    return [reply_from_capture(r) for run in runs for r in run["replies"]]


async def _drive(client, body, headers):
    events, error = [], None
    try:
        async for ev in client.stream_turn(body, headers):
            events.append(ev)
    except E.ModelError as exc:
        error = exc
    return events, error


def _run(scenario):
    req = first_request(scenario)
    body, headers = build(req)

    async def go():
        with MockResponses(_replies(scenario), exhausted="error", max_stall=10) as mock:
            client = ResponsesClient(provider_for_capture(scenario, mock.base_url), BearerAuth("sk-mock-key"))
            try:
                events, error = await _drive(client, body, headers)
            finally:
                await client.aclose()
            return events, error, mock.responses_requests()
    return asyncio.run(go())


@pytest.mark.parametrize("scenario", FAULTS + ["text_only"])
def test_fault_scenario_matches_capture(scenario):
    events, error, recorded = _run(scenario)
    lines = (EXEC / scenario / "events.jsonl").read_text().splitlines()
    expected = [json.loads(x) for x in lines if json.loads(x)["type"] not in ("thread.started", "turn.started")]
    assert exec_events(events, error) == expected
    captured = [json.loads(x) for x in (EXEC / scenario / "requests.jsonl").read_text().splitlines()] \
        if (EXEC / scenario / "requests.jsonl").exists() else [first_request(scenario)]
    assert len(recorded) == len(captured)
    for ours, theirs in zip(recorded, captured):
        theirs = {**theirs, "body": expand(theirs["body"])}
        o, t = request_view(ours), request_view(theirs)
        o["headers"].pop("user-agent"); t["headers"].pop("user-agent")
        assert o == t
    meta = json.loads((EXEC / scenario / "meta.json").read_text())
    ref_times = meta["runs"][0]["request_times_s"]
    ours_gaps = [b.t - a.t for a, b in zip(recorded, recorded[1:])]
    ref_gaps = [b - a for a, b in zip(ref_times, ref_times[1:])]
    for g, r in zip(ours_gaps, ref_gaps):
        assert r * 0.6 - 0.03 <= g <= r * 1.4 + 0.15, (ours_gaps, ref_gaps)


def test_exit_outcomes():
    assert str(_run("stream_retry_http429")[1]) == "exceeded retry limit, last status: 429 Too Many Requests"
    err = _run("response_failed")[1]
    assert isinstance(err, E.InvalidRequestError) and str(err) == "mock: prompt rejected"


# --- unit-level fault handling (fake sleep, so no waiting) -------------------------------------


def _client(mock, sleeps, **prov):
    provider = ModelProviderInfo(name="mock", base_url=mock.base_url, env_key="K", **prov)
    async def sleep(d):
        sleeps.append(d)
    return ResponsesClient(provider, BearerAuth("k"), sleep=sleep, rand=lambda: 0.5)


def _collect(replies, **prov):
    sleeps = []
    async def go():
        with MockResponses(replies, exhausted="error") as mock:
            c = _client(mock, sleeps, **prov)
            try:
                ev, err = await _drive(c, {"model": "m"}, [("accept", "text/event-stream")])
            finally:
                await c.aclose()
            return ev, err, mock.responses_requests()
    ev, err, reqs = asyncio.run(go())
    return ev, err, reqs, sleeps


def test_backoff_schedule():
    assert backoff(1, rand=lambda: 0.5) == pytest.approx(0.2)
    assert backoff(2, rand=lambda: 0.5) == pytest.approx(0.4)
    assert backoff(3, rand=lambda: 0.0) == pytest.approx(0.72)
    assert backoff(1, rand=lambda: 1.0) == pytest.approx(0.22)


def test_request_retries_default_four_then_internal_error_and_five_stream_retries():
    ev, err, reqs, sleeps = _collect([], request_max_retries=None)
    # (1 + 4 request retries) x (1 + 5 stream retries)
    assert len(reqs) == 30
    assert isinstance(err, E.InternalServerError)
    notices = [e.message for e in ev if isinstance(e, Reconnecting)]
    assert notices == [f"Reconnecting... {i}/5 (We're currently experiencing high demand, which may cause "
                       "temporary errors.)" for i in range(1, 6)]
    assert sleeps[:4] == pytest.approx([0.2, 0.4, 0.8, 1.6])


def test_429_not_retried_with_request_id():
    ev, err, reqs, _ = _collect([http_error(429, "slow", headers=[("x-request-id", "req_9")])])
    assert len(reqs) == 1
    assert str(err) == "exceeded retry limit, last status: 429 Too Many Requests, request id: req_9"


def test_usage_limit_reached_429():
    reply = http_error(429, "limit", type_="usage_limit_reached",
                       headers=[("x-codex-primary-used-percent", "100")])
    _, err, _, _ = _collect([reply])
    assert isinstance(err, E.UsageLimitReached)
    assert err.rate_limits["primary"] == {"used_percent": 100.0, "window_minutes": None, "resets_at": None}


def test_503_overloaded_and_other_statuses():
    _, err, reqs, _ = _collect([http_error(503, "busy", code="server_is_overloaded")], request_max_retries=0,
                               stream_max_retries=0)
    assert isinstance(err, E.ServerOverloaded) and len(reqs) == 1
    ev, err, reqs, _ = _collect([http_error(404, "nope")], request_max_retries=3, stream_max_retries=0)
    assert isinstance(err, E.UnexpectedStatusError) and len(reqs) == 1
    assert str(err).startswith("unexpected status 404 Not Found: nope, url: http://127.0.0.1:")
    # retried at the turn level, not at the request level
    ev, err, reqs, _ = _collect([http_error(404, "nope"), sse(text_stream("ok"))], request_max_retries=3)
    assert err is None and len(reqs) == 2
    assert [e.message for e in ev if isinstance(e, Reconnecting)][0].startswith(
        "Reconnecting... 1/5 (unexpected status 404 Not Found: nope, url: http://127.0.0.1:")
    _, err, _, _ = _collect([http_error(400, "bad", code="cyber_policy")])
    assert isinstance(err, E.CyberPolicyError) and str(err) == "bad"
    _, err, _, _ = _collect([http_error(400, "bad input")])
    assert isinstance(err, E.InvalidRequestError) and "bad input" in str(err)


@pytest.mark.parametrize("code,cls,text", [
    ("context_length_exceeded", E.ContextWindowExceeded, "Codex ran out of room"),
    ("insufficient_quota", E.QuotaExceeded, "Quota exceeded."),
    ("usage_not_included", E.UsageNotIncluded, "To use Codex with your ChatGPT plan"),
    ("server_is_overloaded", E.ServerOverloaded, "Selected model is at capacity."),
])
def test_response_failed_codes(code, cls, text):
    _, err, reqs, _ = _collect([sse(ResponseStream().failed(code, "m"))])
    assert isinstance(err, cls) and str(err).startswith(text) and len(reqs) == 1


def test_response_failed_other_code_is_retried_with_delay():
    frames = ResponseStream().failed("rate_limit_exceeded", "Rate limit. Please try again in 1.5s.")
    ev, err, reqs, sleeps = _collect([sse(frames), sse(text_stream("ok"))])
    assert err is None and len(reqs) == 2
    r = [e for e in ev if isinstance(e, Reconnecting)]
    assert r[0].message == ("Reconnecting... 1/5 (stream disconnected before completion: Rate limit. "
                            "Please try again in 1.5s.)")
    assert sleeps == [1.5]


def test_eof_without_completed_and_incomplete():
    frames = ResponseStream().message("partial").frames
    ev, err, reqs, _ = _collect([sse(frames)], stream_max_retries=0)
    assert str(err) == "stream disconnected before completion: stream closed before response.completed"
    inc = [("response.incomplete", {"type": "response.incomplete",
                                    "response": {"id": "r", "incomplete_details": {"reason": "max_output_tokens"}}})]
    _, err, _, _ = _collect([sse(inc)], stream_max_retries=0)
    assert str(err) == ("stream disconnected before completion: Incomplete response returned, "
                        "reason: max_output_tokens")


def test_connection_refused_is_a_stream_error():
    import socket

    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    sleeps = []
    async def sleep(d):
        sleeps.append(d)
    provider = ModelProviderInfo(name="x", base_url=f"http://127.0.0.1:{port}/v1", request_max_retries=1,
                                 stream_max_retries=1)
    async def go():
        c = ResponsesClient(provider, BearerAuth("k"), sleep=sleep, rand=lambda: 0.5)
        try:
            return await _drive(c, {}, [])
        finally:
            await c.aclose()
    ev, err = asyncio.run(go())
    assert isinstance(err, E.StreamError)
    assert str(err) == (f"stream disconnected before completion: error sending request for url "
                        f"(http://127.0.0.1:{port}/v1/responses)")
    assert len(sleeps) == 3


def test_rate_limit_headers_and_usage():
    headers = [("x-codex-primary-used-percent", "12.5"), ("x-codex-primary-window-minutes", "300"),
               ("x-codex-primary-reset-at", "1704069000"), ("x-codex-secondary-used-percent", "40"),
               ("x-codex-secondary-window-minutes", "10080"), ("x-codex-credits-has-credits", "true"),
               ("x-codex-credits-unlimited", "false"), ("x-codex-credits-balance", " 9.5 "),
               ("x-models-etag", "abc")]
    ev, err, _, _ = _collect([SSEReply(text_stream("hi", input_tokens=7, cached_tokens=3, reasoning_tokens=2),
                                       headers)])
    assert err is None
    rl = [e for e in ev if isinstance(e, RateLimits)][0].snapshot
    assert rl == {"limit_id": "codex", "limit_name": None,
                  "primary": {"used_percent": 12.5, "window_minutes": 300, "resets_at": 1704069000},
                  "secondary": {"used_percent": 40.0, "window_minutes": 10080, "resets_at": None},
                  "credits": {"has_credits": True, "unlimited": False, "balance": "9.5"},
                  "plan_type": None, "rate_limit_reached_type": None}
    done = [e for e in ev if isinstance(e, Completed)][0]
    assert (done.token_usage.input_tokens, done.token_usage.cached_input_tokens,
            done.token_usage.reasoning_output_tokens, done.token_usage.total_tokens) == (7, 3, 2, 27)
    assert parse_rate_limits({}) == {"limit_id": "codex", "limit_name": None, "primary": None, "secondary": None,
                                     "credits": None, "plan_type": None, "rate_limit_reached_type": None}
    # zero usage with no window/reset is "no data"
    assert parse_rate_limits({"x-codex-primary-used-percent": "0"})["primary"] is None


def test_events_are_protocol_types_and_unknown_ones_are_skipped():
    rs = ResponseStream().reasoning("think").function_call("exec_command", {"cmd": "ls"})
    frames = rs.frames[:1] + [("response.weird", {"type": "response.weird"}),
                              ("response.output_text.delta", {"type": "response.output_text.delta"})] \
        + rs.frames[1:] + rs.completed()[-1:]
    ev, err, _, _ = _collect([sse(frames)])
    assert err is None
    kinds = [type(e).__name__ for e in ev]
    assert kinds[:2] == ["RateLimits", "ResponseCreated"]
    assert "ReasoningSummaryPartAdded" in kinds and "ReasoningSummaryTextDelta" in kinds
    done = [e.item for e in ev if isinstance(e, P.OutputItemDone)]
    assert isinstance(done[0], P.Reasoning) and isinstance(done[1], P.FunctionCall)
    assert done[1].arguments == '{"cmd": "ls"}'
    assert kinds[-1] == "Completed"


def test_keep_alive_reuses_the_connection():
    async def go():
        with MockResponses([sse(text_stream("a")), sse(text_stream("b"))]) as mock:
            c = ResponsesClient(ModelProviderInfo(name="m", base_url=mock.base_url), BearerAuth("k"))
            try:
                for _ in range(2):
                    async for _ev in c.stream_turn({}, []):
                        pass
                # one idle connection, used by both requests (codex.model.transport's pool)
                idle = c._http._transport._idle
                return sum(len(v) for v in idle.values()), mock._httpd.accepted
            finally:
                await c.aclose()
    assert asyncio.run(go()) == (1, 1)


def test_body_factory_is_called_per_attempt():
    calls = []

    def make():
        calls.append(1)
        return {"n": len(calls)}

    async def go():
        with MockResponses([sse(ResponseStream().message("partial").frames), sse(text_stream("ok"))]) as mock:
            c = ResponsesClient(ModelProviderInfo(name="m", base_url=mock.base_url), BearerAuth("k"),
                                sleep=lambda d: asyncio.sleep(0))
            try:
                async for _ in c.stream_turn(make, []):
                    pass
            finally:
                await c.aclose()
            return [r.json for r in mock.responses_requests()]
    assert asyncio.run(go()) == [{"n": 1}, {"n": 2}]


def test_keepalive_comments_do_not_reset_the_idle_timeout():
    raw = b": ping\n\n" * 12
    cuts = list(range(8, len(raw), 8))
    from parity.mock_responses import RawReply
    ev, err, reqs, _ = _collect([RawReply(raw, cuts, delay=0.1)], stream_idle_timeout_ms=300, stream_max_retries=0)
    assert str(err) == "stream disconnected before completion: idle timeout waiting for SSE"


def test_idle_timeout_on_silence():
    ev, err, reqs, _ = _collect([stall(ResponseStream().message("x").frames, after=1, seconds=3)],
                                stream_idle_timeout_ms=200, stream_max_retries=0)
    assert str(err) == "stream disconnected before completion: idle timeout waiting for SSE"


def test_reconnecting_fields_for_both_output_modes():
    ev, err, _, _ = _collect([drop(text_stream("x"), after=2), sse(text_stream("ok"))])
    r = [e for e in ev if isinstance(e, Reconnecting)][0]
    assert r.summary == "Reconnecting... 1/5"            # human mode: "ERROR: Reconnecting... 1/5"
    assert r.details == "stream disconnected before completion: Transport error: network error: error decoding response body"
    assert r.message == f"{r.summary} ({r.details})"     # --json


def test_usage_limit_wording_and_unexpected_body():
    import time as _t
    assert str(E.UsageLimitReached()) == "You've hit your usage limit. Try again later."
    assert str(E.UsageLimitReached("team")).endswith("send a request to your admin or try again later.")
    assert str(E.UsageLimitReached("plus", promo_message="Promo")) == \
        "You've hit your usage limit. Promo, or try again later."
    assert str(E.UsageLimitReached(rate_limits={"limit_name": "gpt-x"})) == \
        "You've hit your usage limit for gpt-x. Switch to another model now, or try again later."
    assert str(E.UsageLimitReached(rate_limit_reached_type="workspace_owner_credits_depleted")) == \
        "Your workspace is out of credits. Add credits to continue."
    now = _t.time()
    assert E.format_retry_timestamp(int(now) + 1, now).count(",") == 0
    assert E.format_retry_timestamp(1795500000, 1700000000).endswith(", 2026 " + E.format_retry_timestamp(1795500000, 1795500000))
    assert E._day_suffix(11) == "th" and E._day_suffix(22) == "nd" and E._day_suffix(31) == "st"
    assert str(E.UnexpectedStatusError(404, "  ")) == "unexpected status 404 Not Found: Unknown error"
    assert str(E.UnexpectedStatusError(404, "x" * 1001)) == "unexpected status 404 Not Found: " + "x" * 1000 + "..."
    assert str(E.UnexpectedStatusError(403, "Cloudflare blocked", url="u")) == (
        "Access blocked by Cloudflare. This usually happens when connecting from a restricted region "
        "(status 403 Forbidden), url: u")
