"""The Responses API streaming client (codex-api endpoint/responses.rs + sse/responses.rs,
codex-client's retry loop, and core's stream-retry loop), over async httpx.

    client = ResponsesClient(provider, auth)          # one per session: keep-alive pool
    async for event in client.stream_turn(body, headers):
        ...                                            # protocol SSE structs + the events below
    await client.aclose()

Two retry levels, as the reference:

1. request level (`stream_once`): an HTTP 5xx or a transport failure before the response
   headers is retried silently up to `request_max_retries` times (default 4) after
   200 ms x 2^(n-1) +-10 % (`backoff`). 429 is never retried there. The final failure is mapped
   the way codex-api's `map_api_error` does: 500 -> `InternalServerError`, 429 ->
   `RetryLimitError` ("exceeded retry limit, last status: 429 Too Many Requests"), 503 with
   `server_is_overloaded`/`slow_down` -> `ServerOverloaded`, 400 -> `InvalidRequestError`
   (or cyber policy), other statuses -> `UnexpectedStatusError`.
2. turn level (`stream_turn`): a retryable error (`StreamError`, `InternalServerError`,
   `RequestTimeout`) is retried up to `stream_max_retries` (default 5) times, each announced by
   a `Reconnecting` event ("Reconnecting... 1/5 (<error>)") before the backoff sleep; the
   caller drops whatever the broken attempt streamed. Exhaustion raises the last error.

A stream attempt yields, in order: `RateLimits` (from the x-codex-* headers, always, as the
reference's token_count carries them), `TurnState` / `ModelsEtag` when the server sent
`x-codex-turn-state` / `x-models-etag`, then the decoded
SSE events (`codex.protocol.models` structs: ResponseCreated, OutputItemAdded/Done,
OutputTextDelta, ReasoningSummaryTextDelta, ReasoningSummaryPartAdded, ReasoningTextDelta,
FunctionCallArgumentsDelta, CustomToolCallInputDelta), and finally `Completed` (response id +
token usage) after `response.completed`. Events the reference ignores are dropped; malformed
event JSON is skipped. Stream failures: EOF before `response.completed` ->
"stream closed before response.completed"; a cut connection -> "Transport error: network
error: error decoding response body"; no event for `stream_idle_timeout_ms` -> "idle timeout
waiting for SSE"; `response.failed` -> by `error.code` (context_length_exceeded,
insufficient_quota, usage_not_included, invalid_prompt -> the message verbatim, cyber_policy,
server_is_overloaded, else a retryable StreamError carrying the message and any "try again in
Ns" delay); `response.incomplete` -> "Incomplete response returned, reason: <reason>".

httpx is imported when the first client is built, never by `codex --help`.

Known differences from 0.136.0:
* The idle timeout also bounds the wait for the response headers (httpx's read timeout).
* Invalid UTF-8 in the stream is reported when the stream ends (the decoder reports it at
  `close()`), not as soon as the bad bytes arrive; the message is the same.
* After `response.completed` the rest of the body is drained for at most 0.25 s so the
  connection can be reused.
* zstd request compression uses the `zstandard` module (a dependency).
"""

from __future__ import annotations

import asyncio
import operator
import random
import re
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping, Sequence

import msgspec

from codex.model import errors as E
from codex.model.providers import AuthProvider, ModelProviderInfo, NoAuth
from codex.model.sse import SSEBatch, SSEDecodeError, SSEDecoder
from codex.protocol import models as P

__all__ = [
    "Completed", "ModelsEtag", "RateLimits", "Reconnecting", "ResponsesClient", "TokenUsage", "TurnState",
    "backoff", "parse_rate_limits",
]


# ---------------------------------------------------------------------------------------------
# Client-made events
# ---------------------------------------------------------------------------------------------


class TokenUsage(msgspec.Struct, kw_only=True):
    """protocol TokenUsage (the token_count event's usage shape)."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0


class Completed(msgspec.Struct, kw_only=True):
    response_id: str
    token_usage: TokenUsage | None = None


class RateLimits(msgspec.Struct, kw_only=True):
    """The rate-limit snapshot of the response headers (`snapshot`: the token_count event's
    `rate_limits` object: limit_id, limit_name, primary, secondary, credits, plan_type,
    rate_limit_reached_type)."""

    snapshot: dict


class TurnState(msgspec.Struct, kw_only=True):
    """The server's `x-codex-turn-state` (sticky routing): send it back as that header on the
    turn's later requests."""

    value: str


class ModelsEtag(msgspec.Struct, kw_only=True):
    etag: str


class Reconnecting(msgspec.Struct, kw_only=True):
    """A turn-level retry is about to happen (upstream's StreamErrorEvent). `summary` is
    "Reconnecting... n/m" (human mode prints `ERROR: <summary>`), `details` the error's text, and
    `message` both as `codex exec --json` prints them: "Reconnecting... n/m (<details>)". Items
    already completed in the broken attempt stay; its in-flight deltas are void."""

    message: str
    summary: str = ""
    details: str = ""
    attempt: int
    max_retries: int
    delay: float
    error: Any = None


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def backoff(attempt: int, base: float = 0.2, rand: Callable[[], float] = random.random) -> float:
    """Seconds before retry `attempt` (1-based): base x 2^(attempt-1), jitter 0.9..1.1."""
    exp = 2.0 ** max(attempt - 1, 0)
    return base * exp * (0.9 + 0.2 * rand())


def _header(headers, name: str) -> str | None:
    v = headers.get(name)
    return v if v is None else str(v)


def _f64(headers, name: str) -> float | None:
    v = _header(headers, name)
    if v is None:
        return None
    try:
        f = float(v.strip() if v != v.strip() else v)
    except ValueError:
        return None
    if f != f or f in (float("inf"), float("-inf")):
        return None
    return f


def _i64(headers, name: str) -> int | None:
    v = _header(headers, name)
    if v is None or not re.fullmatch(r"[+-]?\d+", v):
        return None
    n = int(v)
    return n if -(2 ** 63) <= n < 2 ** 63 else None


def _bool(headers, name: str) -> bool | None:
    v = _header(headers, name)
    if v is None:
        return None
    if v.lower() == "true" or v == "1":
        return True
    if v.lower() == "false" or v == "0":
        return False
    return None


def _window(headers, prefix: str, which: str) -> dict | None:
    used = _f64(headers, f"{prefix}-{which}-used-percent")
    if used is None:
        return None
    minutes = _i64(headers, f"{prefix}-{which}-window-minutes")
    resets = _i64(headers, f"{prefix}-{which}-reset-at")
    if used != 0.0 or (minutes is not None and minutes != 0) or resets is not None:
        return {"used_percent": used, "window_minutes": minutes, "resets_at": resets}
    return None


def parse_rate_limits(headers: Mapping[str, str], limit_id: str | None = None) -> dict:
    """codex-api rate_limits.rs `parse_rate_limit_for_limit` (default family `codex`)."""
    name = (limit_id or "").strip() or "codex"
    name = name.lower().replace("_", "-")
    prefix = f"x-{name}"
    credits = None
    has = _bool(headers, "x-codex-credits-has-credits")
    unl = _bool(headers, "x-codex-credits-unlimited")
    if has is not None and unl is not None:
        bal = _header(headers, "x-codex-credits-balance")
        bal = bal.strip() if bal is not None else None
        credits = {"has_credits": has, "unlimited": unl, "balance": bal or None}
    limit_name = _header(headers, f"{prefix}-limit-name")
    limit_name = limit_name.strip() if limit_name is not None else None
    return {
        "limit_id": name.strip().lower().replace("-", "_"),
        "limit_name": limit_name or None,
        "primary": _window(headers, prefix, "primary"),
        "secondary": _window(headers, prefix, "secondary"),
        "credits": credits,
        "plan_type": None,
        "rate_limit_reached_type": None,
    }


_RETRY_AFTER = re.compile(r"(?i)try again in\s*(\d+(?:\.\d+)?)\s*(s|ms|seconds?)")


def _retry_after(code: str | None, message: str | None) -> float | None:
    if code != "rate_limit_exceeded" or not message:
        return None
    m = _RETRY_AFTER.search(message)
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2).lower()
    if unit == "s" or unit.startswith("second"):
        return value
    if unit == "ms":
        return float(int(value)) / 1000.0
    return None


def _failed_error(error: Any) -> E.ModelError:
    """`response.failed` -> error, by `error.code`."""
    if not isinstance(error, dict):
        return E.StreamError("response.failed event received")
    code = error.get("code") if isinstance(error.get("code"), str) else None
    message = error.get("message") if isinstance(error.get("message"), str) else None
    if code == "context_length_exceeded":
        return E.ContextWindowExceeded()
    if code == "insufficient_quota":
        return E.QuotaExceeded()
    if code == "usage_not_included":
        return E.UsageNotIncluded()
    if code == "invalid_prompt":
        return E.InvalidRequestError(message if message is not None else "Invalid request.")
    if code == "cyber_policy":
        return E.CyberPolicyError(message) if message and message.strip() else E.CyberPolicyError()
    if code == "server_is_overloaded":
        return E.ServerOverloaded()
    return E.StreamError(message or "", _retry_after(code, message))


_CYBER_FALLBACK = "This request has been flagged for possible cybersecurity risk."


def map_http_error(status: int, body: str, headers: Mapping[str, str], url: str | None) -> E.ModelError:
    """codex-api api_bridge.rs `map_api_error` for `TransportError::Http`."""
    import json

    parsed: Any = None
    try:
        parsed = json.loads(body)
    except ValueError:
        pass
    err = parsed.get("error") if isinstance(parsed, dict) else None
    err = err if isinstance(err, dict) else None
    if status == 503 and err is not None and err.get("code") in ("server_is_overloaded", "slow_down"):
        return E.ServerOverloaded()
    if status == 400:
        if err is not None and err.get("code") == "cyber_policy":
            msg = err.get("message")
            return E.CyberPolicyError(msg if isinstance(msg, str) and msg.strip() else _CYBER_FALLBACK)
        return E.InvalidRequestError(body)
    if status == 500:
        return E.InternalServerError()
    request_id = headers.get("x-request-id") or headers.get("x-oai-request-id")
    if status == 429:
        if err is not None:
            if err.get("type") == "usage_limit_reached":
                promo = (headers.get("x-codex-promo-message") or "").strip() or None
                resets = err.get("resets_at") if isinstance(err.get("resets_at"), int) else None
                plan = err.get("plan_type") if isinstance(err.get("plan_type"), str) else None
                return E.UsageLimitReached(plan, resets,
                                           parse_rate_limits(headers, headers.get("x-codex-active-limit")),
                                           promo, err.get("rate_limit_reached_type"))
            if err.get("type") == "usage_not_included":
                return E.UsageNotIncluded()
        return E.RetryLimitError(429, request_id or headers.get("cf-ray"))
    return E.UnexpectedStatusError(status, body, url, headers.get("cf-ray"), request_id,
                                   headers.get("x-openai-authorization-error"), _x_error_json_code(headers))


def _x_error_json_code(headers: Mapping[str, str]) -> str | None:
    import base64
    import json

    raw = headers.get("x-error-json")
    if not raw:
        return None
    try:
        value = json.loads(base64.b64decode(raw, validate=True))
    except (ValueError, TypeError):
        return None
    err = value.get("error") if isinstance(value, dict) else None
    code = err.get("code") if isinstance(err, dict) else None
    return code if isinstance(code, str) else None


class _HttpFailure(Exception):
    def __init__(self, status: int, body: str, headers, url: str):
        self.status, self.body, self.headers, self.url = status, body, headers, url


class _TransportFailure(Exception):
    def __init__(self, kind: str, detail: str):
        self.kind, self.detail = kind, detail   # kind: "timeout" | "network"


# Fast path: one msgspec decode per event into the known event structs.
_EVENT_DECODER = msgspec.json.Decoder(P.SseEvent)
_YIELDED = (P.ResponseCreated, P.OutputItemAdded, P.OutputItemDone, P.OutputTextDelta,
            P.ReasoningSummaryTextDelta, P.ReasoningSummaryPartAdded, P.ReasoningTextDelta,
            P.FunctionCallArgumentsDelta, P.CustomToolCallInputDelta)


_ITEM_EVENTS = (P.OutputItemAdded, P.OutputItemDone)


def _decode_event(data: str):
    try:
        ev = _EVENT_DECODER.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass
    else:
        if type(ev) in _ITEM_EVENTS:
            ev.item_id = P.output_item_id(data)
        return ev
    try:
        ev = P.decode_sse_event(data)
        if type(ev) in _ITEM_EVENTS:
            ev.item_id = P.output_item_id(data)
        return ev
    except P.ProtocolError as exc:
        if '"response.completed"' in data:
            return E.StreamError(f"failed to parse ResponseCompleted: {exc.detail}")
        return None


_TEXT_DELTA = "response.output_text.delta"
_DELTA_DECODER = msgspec.json.Decoder(P.OutputTextDelta)
_DELTA_KEY = operator.attrgetter("item_id", "output_index", "content_index")
_DELTA_TEXT = operator.attrgetter("delta")


def _decode_coalesced(sses) -> list:
    """Decode a batch of SSE events from a decoder batching `response.output_text.delta`
    (`SSEDecoder.batch_events`): each `SSEBatch` (deltas that arrived together) becomes one
    delta per run of the same item / output / content index, its text their concatenation (the
    text and its order are unchanged; only the number of deltas drops). A batch that does not
    decode as such deltas is decoded one event at a time, as without batching."""
    out: list = []
    batch_t = SSEBatch
    for x in sses:
        if type(x) is batch_t:
            _merge_batch(x, out)
        else:
            out.append(_decode_event(x.data))
    return out


def _merge_batch(batch, out: list) -> None:
    try:
        evs = _DELTA_DECODER.decode_lines(batch.data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        evs = None
    if evs is None or len(evs) != batch.count:
        out.extend(_decode_event(d) for d in batch.data.split("\n"))
        return
    if len(set(map(_DELTA_KEY, evs))) == 1:
        first = evs[0]
        first.delta = "".join(map(_DELTA_TEXT, evs))
        out.append(first)
        return
    cur = None
    parts: list[str] = []
    for ev in evs:
        if (cur is not None and ev.item_id == cur.item_id
                and ev.output_index == cur.output_index and ev.content_index == cur.content_index):
            parts.append(ev.delta)
            continue
        if cur is not None:
            cur.delta = "".join(parts)
            out.append(cur)
        cur, parts = ev, [ev.delta]
    cur.delta = "".join(parts)
    out.append(cur)


def _usage(u) -> TokenUsage | None:
    if u is None:
        return None
    cached = 0
    reasoning = 0
    d = u.input_tokens_details
    if isinstance(d, dict) and isinstance(d.get("cached_tokens"), int):
        cached = d["cached_tokens"]
    d = u.output_tokens_details
    if isinstance(d, dict) and isinstance(d.get("reasoning_tokens"), int):
        reasoning = d["reasoning_tokens"]
    total = u.total_tokens if isinstance(u.total_tokens, int) else u.input_tokens + u.output_tokens
    return TokenUsage(input_tokens=u.input_tokens, cached_input_tokens=cached, output_tokens=u.output_tokens,
                      reasoning_output_tokens=reasoning, total_tokens=total)


# ---------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------


class ResponsesClient:
    """One provider + credentials + a keep-alive connection pool.

    `sleep` and `rand` are injectable (tests); `transport` is handed to httpx (tests, proxies).
    `chatgpt_auth` selects the ChatGPT base URL for a provider without `base_url`.
    """

    def __init__(self, provider: ModelProviderInfo, auth: AuthProvider | None = None, *,
                 chatgpt_auth: bool = False, environ: Mapping[str, str] | None = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 rand: Callable[[], float] = random.random, transport: Any = None,
                 path: str = "responses", compress_requests: bool = False):
        self.provider = provider
        self.auth = auth if auth is not None else NoAuth()
        self.url = provider.url_for(path, chatgpt_auth)
        self.provider_headers = provider.extra_headers(environ)
        self.request_max_retries = provider.effective_request_max_retries()
        self.stream_max_retries = provider.effective_stream_max_retries()
        self.idle_timeout = provider.stream_idle_timeout()
        self._sleep = sleep
        self._rand = rand
        self._transport = transport
        self._http = None
        # zstd request bodies (`enable_request_compression`, ChatGPT auth + the OpenAI provider);
        self._compress = _zstd_compressor() if compress_requests else None

    @classmethod
    def from_config(cls, config_raw: Mapping[str, Any], auth: AuthProvider | None = None, *,
                    environ: Mapping[str, str] | None = None, provider_id: str | None = None,
                    **kw: Any) -> "ResponsesClient":
        """The client for the config's `model_provider`. Credentials, as upstream picks them: the
        provider's `env_key` (raises `EnvVarError` when unset), else its
        `experimental_bearer_token`, else `auth` (the login), else none. A
        ChatGPT login (an auth object whose `auth_mode` is "chatgpt"/"chatgptAuthTokens") selects
        the ChatGPT base URL for a provider without `base_url`."""
        from codex.model.providers import BearerAuth, EnvKeyAuth, provider_for

        _, provider = provider_for(config_raw, environ, provider_id)
        if provider.env_key is not None:
            auth = EnvKeyAuth(provider, environ)
        elif provider.experimental_bearer_token:
            auth = BearerAuth(provider.experimental_bearer_token)
        chatgpt = getattr(auth, "auth_mode", None) in ("chatgpt", "chatgptAuthTokens")
        kw.setdefault("chatgpt_auth", chatgpt)
        compression = kw.pop("enable_request_compression", True)
        kw.setdefault("compress_requests", bool(compression and chatgpt and provider.is_openai()))
        return cls(provider, auth, environ=environ, **kw)

    # -- lifecycle

    def _client(self):
        if self._http is None:
            from codex._httpx import prepare as _prepare_httpx
            _prepare_httpx()
            import httpx

            timeout = httpx.Timeout(connect=None, read=self.idle_timeout, write=None, pool=None)
            kw: dict[str, Any] = {"timeout": timeout, "follow_redirects": False, "trust_env": False}
            if self._transport is not None:
                kw["transport"] = self._transport
            else:
                # our HTTP/1.1 transport (bodies de-chunked in C; see codex.model.transport);
                # it builds the TLS context on the first https request only
                from codex.model.transport import ModelTransport

                kw["transport"] = ModelTransport(keepalive_expiry=90.0, max_idle=8)
            self._http = httpx.AsyncClient(**kw)
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            http, self._http = self._http, None
            await http.aclose()

    async def __aenter__(self) -> "ResponsesClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    # -- one HTTP attempt

    async def _open(self, body: bytes, headers: Sequence[tuple[str, str]]):
        from codex._httpx import prepare as _prepare_httpx
        _prepare_httpx()
        import httpx

        client = self._client()
        auth_headers = await self.auth.headers()
        hdrs = _merge_headers(headers, self.provider_headers, auth_headers)
        url = httpx.URL(self.url)
        host = url.netloc.decode("ascii")
        if self._compress is not None:
            body = self._compress(body)
            hdrs.append(("content-encoding", "zstd"))
        hdrs.append(("host", host))
        hdrs.append(("content-length", str(len(body))))
        request = httpx.Request("POST", url, headers=hdrs, content=body)
        try:
            response = await client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise _TransportFailure("timeout", str(exc) or "request timed out") from None
        except httpx.HTTPError:
            raise _TransportFailure("network", f"error sending request for url ({self.url})") from None
        if response.status_code < 200 or response.status_code >= 300:
            try:
                raw = await response.aread()
            except httpx.HTTPError:
                raw = b""
            finally:
                await response.aclose()
            raise _HttpFailure(response.status_code, raw.decode("utf-8", errors="replace"),
                               response.headers, self.url)
        return response

    async def _open_with_retries(self, body: bytes, headers):
        """codex-client `run_with_retry`: 5xx and transport errors retried, 429 not."""
        max_attempts = self.request_max_retries
        attempt = 0
        recovery: Any = None
        while True:
            try:
                return await self._open(body, headers)
            except _HttpFailure as f:
                if f.status == 401 and hasattr(self.auth, "on_unauthorized"):
                    # the auth's 401 recovery (reload, token refresh); a success resends at once
                    if recovery is None and hasattr(self.auth, "unauthorized_recovery"):
                        recovery = self.auth.unauthorized_recovery()
                    ok = await (self.auth.on_unauthorized(recovery) if recovery is not None
                                else self.auth.on_unauthorized())
                    if ok:
                        continue
                retry = f.status >= 500 and attempt < max_attempts
                if not retry:
                    raise map_http_error(f.status, f.body, f.headers, f.url) from None
            except _TransportFailure as f:
                if attempt >= max_attempts:
                    if f.kind == "timeout":
                        raise E.RequestTimeout() from None
                    raise E.StreamError(f.detail) from None
            attempt += 1
            await self._sleep(backoff(attempt, 0.2, self._rand))

    # -- one stream (request retries included)

    async def stream_once(self, body: bytes | Mapping[str, Any],
                          headers: Sequence[tuple[str, str]], *,
                          coalesce: bool = False) -> AsyncIterator[Any]:
        """One request (with request-level retries) and its event stream; raises ModelError.
        `coalesce`: merge the output-text deltas that arrive together (see `_decode_coalesced`),
        for consumers that do not show deltas one by one."""
        from codex._httpx import prepare as _prepare_httpx
        _prepare_httpx()
        import httpx

        if not isinstance(body, (bytes, bytearray)):
            body = msgspec.json.encode(body)
        response = await self._open_with_retries(bytes(body), headers)
        try:
            rh = response.headers
            turn_state = rh.get("x-codex-turn-state")
            if turn_state is not None:
                yield TurnState(value=turn_state)
            etag = rh.get("x-models-etag")
            if etag is not None and etag.strip():
                yield ModelsEtag(etag=etag.strip())
            yield RateLimits(snapshot=parse_rate_limits(rh))
            decoder = SSEDecoder()
            if coalesce:
                decoder.batch_events(_TEXT_DELTA)
            stream = response.aiter_raw()
            yielded = _YIELDED
            idle = self.idle_timeout
            clock = asyncio.get_running_loop().time
            timeout_at = asyncio.timeout_at
            # upstream waits at most `idle` for the next *event*: bytes that complete none
            # (keep-alive comments, a slowly trickling event) do not reset the clock
            deadline = clock() + idle
            while True:
                try:
                    async with timeout_at(deadline):
                        chunk = await stream.__anext__()
                except StopAsyncIteration:
                    break
                except (TimeoutError, httpx.TimeoutException):
                    raise E.StreamError("idle timeout waiting for SSE") from None
                except httpx.HTTPError:
                    raise E.StreamError("Transport error: network error: error decoding response body") from None
                sses = decoder.feed(chunk)
                if not sses:
                    continue
                deadline = clock() + idle
                events = _decode_coalesced(sses) if coalesce else (_decode_event(x.data) for x in sses)
                for ev in events:
                    if ev is None:
                        continue
                    if isinstance(ev, yielded):
                        yield ev
                    elif isinstance(ev, P.ResponseCompleted):
                        rid = ev.response.id
                        if rid is msgspec.UNSET:
                            raise E.StreamError("failed to parse ResponseCompleted: missing field `id`")
                        yield Completed(response_id=rid, token_usage=_usage(ev.response.usage))
                        await _drain(stream)
                        return
                    elif isinstance(ev, P.ResponseFailed):
                        raise _failed_error(ev.response.error)
                    elif isinstance(ev, P.ResponseIncomplete):
                        details = ev.response.incomplete_details
                        reason = details.get("reason") if isinstance(details, dict) else None
                        raise E.StreamError(f"Incomplete response returned, reason: {reason or 'unknown'}")
                    elif isinstance(ev, E.ModelError):
                        raise ev
            try:
                decoder.close()
            except SSEDecodeError as exc:
                raise E.StreamError(str(exc)) from None
            raise E.StreamError("stream closed before response.completed")
        finally:
            await response.aclose()

    # -- the turn-level loop

    async def stream_turn(self, body: bytes | Mapping[str, Any] | Callable[[], Any],
                          headers: Sequence[tuple[str, str]], *,
                          coalesce: bool = False) -> AsyncIterator[Any]:
        """`stream_once` with core's stream retries: yields `Reconnecting` before each retry.

        `body` may be a callable returning the body (dict or bytes): it is called for every
        attempt, so the caller can resend its history as it stands, as the reference does (an
        item whose `output_item.done` arrived before the stream broke is part of the retried
        request's `input`)."""
        make = body if callable(body) else None
        if make is None and not isinstance(body, (bytes, bytearray)):
            body = msgspec.json.encode(body)
        retries = 0
        max_retries = self.stream_max_retries
        while True:
            if make is not None:
                body = make()
                if not isinstance(body, (bytes, bytearray)):
                    body = msgspec.json.encode(body)
            try:
                async for ev in self.stream_once(body, headers, coalesce=coalesce):
                    yield ev
                return
            except E.ModelError as err:
                if not err.retryable or retries >= max_retries:
                    raise
                retries += 1
                delay = err.delay if err.delay is not None else backoff(retries, 0.2, self._rand)
                summary = f"Reconnecting... {retries}/{max_retries}"
                yield Reconnecting(message=f"{summary} ({err})", summary=summary, details=str(err),
                                   attempt=retries, max_retries=max_retries, delay=delay, error=err)
                await self._sleep(delay)


def _zstd_compressor():
    try:
        import zstandard
    except ImportError:
        return None
    compressor = zstandard.ZstdCompressor(level=3)
    return compressor.compress


async def _drain(stream, limit: float = 0.25) -> None:
    """Read what is left of a finished stream (normally just the last chunk marker) so the
    connection goes back to the keep-alive pool; give up after `limit` seconds."""
    async def rest():
        async for _ in stream:
            pass
    try:
        await asyncio.wait_for(rest(), limit)
    except Exception:
        pass


def _merge_headers(base: Sequence[tuple[str, str]], provider: Sequence[tuple[str, str]],
                   auth: Mapping[str, str]) -> list[tuple[str, str]]:
    """The request's headers with the provider's and the auth's inserted before
    `content-type` (where the reference sends authorization), unless already present."""
    present = {k.lower() for k, _ in base}
    extra = [(k.lower(), v) for k, v in provider if k.lower() not in present]
    extra += [(k.lower(), v) for k, v in auth.items() if k.lower() not in present]
    out: list[tuple[str, str]] = []
    inserted = False
    for k, v in base:
        if not inserted and k.lower() == "content-type":
            out.extend(extra)
            inserted = True
        out.append((k, v))
    if not inserted:
        out.extend(extra)
    return out
