"""A loopback mock of the OpenAI Responses API for differential tests (stdlib only).

    with MockResponses([sse(text_stream("Hello!"))]) as mock:
        ... point codex at mock.base_url ...
        req = mock.responses_requests()[0]
        assert req.json["stream"] is True

* A threaded HTTP/1.1 server on 127.0.0.1:<ephemeral port>; it stops (and drops every open
  connection) when the context exits or `stop()` is called, so nothing outlives a test.
* ``POST .../responses`` takes the next reply from a queue. A reply is one of
  - `SSEReply`: a stream of (event_type, payload) frames, written as
    ``event: <type>\\ndata: <json>\\n\\n``, one HTTP chunk per frame;
  - `HTTPReply` (alias `HTTPErrorReply`): a status with a body and headers (429 + retry-after, 500, ...);
  - `DropReply`: some frames, then the socket is closed without the final chunk;
  - `StallReply`: some frames, then the server holds the connection silently (bounded, and
    cut short by `stop()`), then closes it;
  - `RawReply`: verbatim bytes cut into chunks at given offsets (odd framing, split UTF-8);
  - a callable ``f(request) -> reply`` that decides from the recorded request.
  When the queue is empty the request still gets an answer (a short assistant message, or a
  500 with ``exhausted="error"``) so the client always terminates, and it is listed in
  `unexpected`.
* ``GET .../models`` answers ``{"models": []}`` (or the scripted list); ``HEAD .../v1`` answers
  200; websocket upgrades get 426; anything else gets a JSON 404. All of these are recorded too
  (and the 404/426 ones land in `unexpected`). `route()` adds or overrides exact routes.
* Every request is recorded as a `RecordedRequest`: method, path, the headers in the order and
  case they arrived, the raw body bytes and the parsed JSON body.

The builders (`ResponseStream`, `text_stream`, `ev_*`, `*_item`, `usage`) produce the same event
shapes as the reference captures in ``fixtures/parity/exec``.
"""
from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Sequence, Union

Frame = tuple[str, dict]
Headers = Sequence[tuple[str, str]]

__all__ = [
    "Frame", "MockResponses", "RecordedRequest", "ResponseStream",
    "SSEReply", "HTTPReply", "HTTPErrorReply", "DropReply", "StallReply", "RawReply",
    "sse", "http_error", "rate_limited", "server_error", "drop", "stall",
    "sse_frame", "encode_sse", "text_stream", "usage",
    "message_item", "function_call_item", "custom_tool_call_item", "reasoning_item",
    "ev_created", "ev_item_added", "ev_item_done", "ev_text_delta", "ev_completed", "ev_failed",
    "provider_config", "reply_from_capture",
]

# ---------------------------------------------------------------------------------------------
# SSE frames
# ---------------------------------------------------------------------------------------------


def sse_frame(event_type: str, payload: dict) -> bytes:
    """One SSE frame. The payload gets ``"type": event_type`` first if it has no type (codex
    dispatches on the JSON ``type``, not on the ``event:`` line)."""
    if "type" not in payload:
        payload = {"type": event_type, **payload}
    return f"event: {event_type}\ndata: {json.dumps(payload)}\n\n".encode("utf-8")


def encode_sse(frames: Iterable[Frame]) -> bytes:
    return b"".join(sse_frame(t, p) for t, p in frames)


# ---------------------------------------------------------------------------------------------
# Output items and events (shapes as in the reference captures)
# ---------------------------------------------------------------------------------------------

CREATED_AT = 1700000000
DEFAULT_MODEL = "gpt-5.5"


def usage(input_tokens: int = 100, output_tokens: int = 20, cached_tokens: int = 0,
          reasoning_tokens: int = 0) -> dict:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached_tokens},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": input_tokens + output_tokens,
    }


def message_item(text: str | None, *, item_id: str = "msg_1", status: str = "completed",
                 phase: str | None = None) -> dict:
    """An assistant message; ``text=None`` gives the empty in-progress form (content [])."""
    item: dict[str, Any] = {"type": "message", "id": item_id, "role": "assistant", "status": status,
                            "content": [] if text is None else
                            [{"type": "output_text", "text": text, "annotations": []}]}
    if phase:
        item["phase"] = phase
    return item


def function_call_item(name: str, arguments: Any, *, call_id: str = "call_1", item_id: str = "fc_1",
                       status: str = "completed", namespace: str | None = None) -> dict:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    item = {"type": "function_call", "id": item_id, "call_id": call_id, "name": name,
            "arguments": args, "status": status}
    if namespace:
        item["namespace"] = namespace
    return item


def custom_tool_call_item(name: str, input_text: str, *, call_id: str = "call_1", item_id: str = "ctc_1",
                          status: str = "completed") -> dict:
    return {"type": "custom_tool_call", "id": item_id, "call_id": call_id, "name": name,
            "input": input_text, "status": status}


def reasoning_item(summary: str | None, *, item_id: str = "rs_1",
                   encrypted_content: str | None = "gAAAAmockencryptedcontent") -> dict:
    item: dict[str, Any] = {"type": "reasoning", "id": item_id,
                            "summary": [] if summary is None else [{"type": "summary_text", "text": summary}]}
    if summary is not None and encrypted_content is not None:
        item["encrypted_content"] = encrypted_content
    return item


def _response(response_id: str, status: str, model: str | None, output: list, **extra) -> dict:
    r: dict[str, Any] = {"id": response_id, "object": "response", "created_at": CREATED_AT, "status": status}
    if model is not None:
        r["model"] = model
    r["output"] = output
    r.update(extra)
    return r


def ev_created(response_id: str = "resp_1", model: str | None = DEFAULT_MODEL) -> Frame:
    return ("response.created", {"type": "response.created",
                                 "response": _response(response_id, "in_progress", model, [])})


def ev_item_added(item: dict, output_index: int = 0) -> Frame:
    return ("response.output_item.added",
            {"type": "response.output_item.added", "output_index": output_index, "item": item})


def ev_item_done(item: dict, output_index: int = 0) -> Frame:
    return ("response.output_item.done",
            {"type": "response.output_item.done", "output_index": output_index, "item": item})


def ev_text_delta(delta: str, item_id: str = "msg_1", output_index: int = 0, content_index: int = 0) -> Frame:
    return ("response.output_text.delta",
            {"type": "response.output_text.delta", "item_id": item_id, "content_index": content_index,
             "delta": delta, "output_index": output_index})


def ev_completed(response_id: str = "resp_1", output: Sequence[dict] = (), usage_: dict | None = None,
                 model: str | None = DEFAULT_MODEL) -> Frame:
    extra = {"usage": usage_} if usage_ is not None else {}
    return ("response.completed", {"type": "response.completed",
                                   "response": _response(response_id, "completed", model, list(output), **extra)})


def ev_failed(response_id: str = "resp_1", code: str = "server_error", message: str = "mock: failure",
              model: str | None = None) -> Frame:
    return ("response.failed", {"type": "response.failed",
                                "response": _response(response_id, "failed", model, [],
                                                      error={"code": code, "message": message})})


_stream_ids = itertools.count(1)


class ResponseStream:
    """Builds one streamed reply, item by item, ending with `completed()` or `failed()`.

    Ids follow the captures: ``resp_mock0001`` and ``msg_mock0001_1`` ... unless given.
    """

    def __init__(self, response_id: str | None = None, model: str | None = DEFAULT_MODEL):
        self.n = next(_stream_ids)
        self.response_id = response_id or f"resp_mock{self.n:04d}"
        self.model = model
        self.output: list[dict] = []
        self.frames: list[Frame] = [ev_created(self.response_id, model)]
        self._items = 0

    def _id(self, prefix: str) -> str:
        self._items += 1
        return f"{prefix}_mock{self.n:04d}_{self._items}"

    def _item(self, added: dict, done: dict, deltas: Sequence[Frame] = ()) -> "ResponseStream":
        idx = len(self.output)
        self.frames.append(ev_item_added(added, idx))
        for etype, payload in deltas:
            self.frames.append((etype, {**payload, "output_index": idx}))
        self.frames.append(ev_item_done(done, idx))
        self.output.append(done)
        return self

    def message(self, text: str, chunks: int = 3, phase: str | None = None,
                item_id: str | None = None) -> "ResponseStream":
        mid = item_id or self._id("msg")
        deltas = []
        if text:
            step = max(1, -(-len(text) // max(1, chunks)))
            deltas = [ev_text_delta(text[i:i + step], mid) for i in range(0, len(text), step)]
        return self._item(message_item(None, item_id=mid, status="in_progress", phase=phase),
                          message_item(text, item_id=mid, phase=phase), deltas)

    def reasoning(self, summary: str, encrypted_content: str | None = "gAAAAmockencryptedcontent",
                  item_id: str | None = None) -> "ResponseStream":
        rid = item_id or self._id("rs")
        deltas = [
            ("response.reasoning_summary_part.added",
             {"type": "response.reasoning_summary_part.added", "item_id": rid, "summary_index": 0,
              "part": {"type": "summary_text", "text": ""}}),
            ("response.reasoning_summary_text.delta",
             {"type": "response.reasoning_summary_text.delta", "item_id": rid, "summary_index": 0,
              "delta": summary}),
            ("response.reasoning_summary_text.done",
             {"type": "response.reasoning_summary_text.done", "item_id": rid, "summary_index": 0,
              "text": summary}),
        ]
        return self._item(reasoning_item(None, item_id=rid),
                          reasoning_item(summary, item_id=rid, encrypted_content=encrypted_content), deltas)

    def function_call(self, name: str, arguments: Any, call_id: str | None = None,
                      item_id: str | None = None, namespace: str | None = None) -> "ResponseStream":
        fid = item_id or self._id("fc")
        call_id = call_id or f"call_{fid}"
        done = function_call_item(name, arguments, call_id=call_id, item_id=fid, namespace=namespace)
        added = {**done, "arguments": "", "status": "in_progress"}
        args = done["arguments"]
        deltas = [("response.function_call_arguments.delta",
                   {"type": "response.function_call_arguments.delta", "item_id": fid, "delta": args}),
                  ("response.function_call_arguments.done",
                   {"type": "response.function_call_arguments.done", "item_id": fid, "arguments": args})]
        return self._item(added, done, deltas)

    def custom_tool_call(self, name: str, input_text: str, call_id: str | None = None,
                         item_id: str | None = None) -> "ResponseStream":
        cid = item_id or self._id("ctc")
        call_id = call_id or f"call_{cid}"
        done = custom_tool_call_item(name, input_text, call_id=call_id, item_id=cid)
        added = {**done, "input": "", "status": "in_progress"}
        deltas = [("response.custom_tool_call_input.delta",
                   {"type": "response.custom_tool_call_input.delta", "item_id": cid, "delta": input_text}),
                  ("response.custom_tool_call_input.done",
                   {"type": "response.custom_tool_call_input.done", "item_id": cid, "input": input_text})]
        return self._item(added, done, deltas)

    def completed(self, input_tokens: int = 100, output_tokens: int = 20, cached_tokens: int = 0,
                  reasoning_tokens: int = 0) -> list[Frame]:
        u = usage(input_tokens, output_tokens, cached_tokens, reasoning_tokens)
        return [*self.frames, ev_completed(self.response_id, self.output, u, self.model)]

    def failed(self, code: str = "server_error", message: str = "mock: failure") -> list[Frame]:
        return [*self.frames, ev_failed(self.response_id, code, message)]


def text_stream(text: str, *, input_tokens: int = 100, output_tokens: int = 20, cached_tokens: int = 0,
                reasoning_tokens: int = 0, chunks: int = 3) -> list[Frame]:
    """created, one assistant message streamed in `chunks` deltas, completed with usage."""
    return ResponseStream().message(text, chunks=chunks).completed(
        input_tokens, output_tokens, cached_tokens, reasoning_tokens)


# ---------------------------------------------------------------------------------------------
# Replies
# ---------------------------------------------------------------------------------------------


@dataclass
class SSEReply:
    frames: list[Frame]
    headers: Headers = ()
    frame_delay: float = 0.0          # seconds between frames


@dataclass
class HTTPReply:
    """A plain (non-streaming) answer, usually an error: 429, 500, ..."""
    status: int
    body: Any = None                  # dict/list -> JSON, str -> text/plain, bytes -> verbatim
    headers: Headers = ()


HTTPErrorReply = HTTPReply


@dataclass
class DropReply:
    frames: list[Frame]
    after: int | None = None          # frames sent before the connection is cut (default: all)
    headers: Headers = ()


@dataclass
class StallReply:
    frames: list[Frame]
    after: int | None = None          # frames sent before going silent (default: all)
    seconds: float = 10.0             # how long to stay silent (bounded by the server's max_stall)
    headers: Headers = ()


@dataclass
class RawReply:
    raw: bytes | str
    cuts: Sequence[int] = ()          # byte offsets where one HTTP chunk ends and the next begins
    delay: float = 0.0
    headers: Headers = ()
    content_type: str = "text/event-stream"
    burst: bool = False               # write every chunk at once (no flush between): a fast server


Reply = Union[SSEReply, HTTPReply, DropReply, StallReply, RawReply]
ReplySpec = Union[Reply, Callable[["RecordedRequest"], Reply]]


def sse(frames: list[Frame], headers: Headers = (), frame_delay: float = 0.0) -> SSEReply:
    return SSEReply(list(frames), headers, frame_delay)


def burst(frames: list[Frame], headers: Headers = ()) -> RawReply:
    """The frames as `sse` sends them (one HTTP chunk per frame), encoded once, here, and
    written at once: a server that is never the bottleneck (benchmarks)."""
    parts = [sse_frame(t, p) for t, p in frames]
    reply = RawReply(b"".join(parts), headers=headers, burst=True)
    reply._burst_body = b"".join(b"%x\r\n%s\r\n" % (len(x), x) for x in parts) + b"0\r\n\r\n"
    return reply


def drop(frames: list[Frame], after: int | None = None) -> DropReply:
    return DropReply(list(frames), after)


def stall(frames: list[Frame], after: int | None = None, seconds: float = 10.0) -> StallReply:
    return StallReply(list(frames), after, seconds)


def http_error(status: int, message: str = "mock error", *, type_: str = "server_error",
               code: str | None = None, headers: Headers = ()) -> HTTPReply:
    err: dict[str, Any] = {"message": message, "type": type_}
    if code is not None:
        err["code"] = code
    return HTTPReply(status, {"error": err}, headers)


def rate_limited(retry_after: str | None = "1", message: str = "Rate limit reached (mock)") -> HTTPReply:
    hdrs = [("retry-after", retry_after)] if retry_after is not None else []
    return http_error(429, message, type_="requests", code="rate_limit_exceeded", headers=hdrs)


def server_error(status: int = 500, message: str = "mock: internal error") -> HTTPReply:
    return http_error(status, message)


def _default_reply() -> SSEReply:
    return sse(text_stream("(mock: script exhausted)"))


# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    seq: int
    t: float                          # seconds since the server started
    method: str
    path: str                         # as sent, query string included
    headers: list[tuple[str, str]]    # in arrival order, names as sent
    body: bytes                       # raw (still compressed if content-encoding said so)
    json: Any = None                  # parsed body, None when absent or not JSON
    reply: str = ""                   # what the mock did: "queue[0]", "exhausted", "models", "404", ...

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]

    def header(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def headers_dict(self) -> dict[str, str]:
        """Lower-cased names; the last value wins for repeated headers."""
        return {k.lower(): v for k, v in self.headers}

    def to_dict(self) -> dict:
        return {"seq": self.seq, "t": round(self.t, 3), "method": self.method, "path": self.path,
                "headers": self.headers_dict(), "body": self.json, "reply": self.reply}


def _decode_body(raw: bytes, encoding: str) -> Any:
    if not raw:
        return None
    encoding = encoding.strip().lower()
    try:
        if encoding == "gzip":
            raw = zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        elif encoding:
            return None                # zstd, br: not decodable with the stdlib
        return json.loads(raw)
    except (ValueError, zlib.error):
        return None


# ---------------------------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mock: "MockResponses"):
        self.mock = mock
        self.conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        self.accepted = 0                 # connections accepted so far
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):
        with self.conns_lock:
            self.conns.add(request)
            self.accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.conns_lock:
            self.conns.discard(request)
        super().shutdown_request(request)

    def drop_all(self) -> None:
        with self.conns_lock:
            conns = list(self.conns)
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-responses/1.0"
    sys_version = ""
    server: _Server

    def setup(self):
        self.timeout = self.server.mock.idle_timeout   # idle keep-alive connections end
        super().setup()

    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # -- request side

    def _read_body(self) -> bytes:
        length = self.headers.get("content-length")
        if length:
            return self.rfile.read(int(length))
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        return b""

    def _handle(self):
        mock = self.server.mock
        raw = self._read_body()
        req = mock._record(self.command, self.path, list(self.headers.items()), raw,
                           _decode_body(raw, self.headers.get("content-encoding") or ""))
        route = req.route.rstrip("/") or "/"
        try:
            if (self.headers.get("upgrade") or "").lower() == "websocket":
                mock._set_reply(req, "426", unexpected=True)
                return self._send_body(426, {"error": {"message": "mock: websockets not supported"}})
            custom = mock._routes.get((self.command, route))
            if custom is not None:
                mock._set_reply(req, f"route {self.command} {route}")
                return self._serve(custom(req) if callable(custom) else custom)
            if self.command == "POST" and route.endswith("/responses"):
                label, spec = mock._next_reply()
                mock._set_reply(req, label, unexpected=(label == "exhausted"))
                return self._serve(spec(req) if callable(spec) else spec)
            if self.command == "GET" and route.endswith("/models"):
                mock._set_reply(req, "models")
                return self._send_body(200, mock.models_body())
            if self.command == "HEAD" and route.endswith("/v1"):
                mock._set_reply(req, "head")
                return self._send_body(200, b"")
            mock._set_reply(req, "404", unexpected=True)
            return self._send_body(404, {"error": {"message": f"mock: no route for {self.command} {req.route}",
                                                   "type": "invalid_request_error"}})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- reply side

    def _send_body(self, status: int, body: Any, headers: Headers = ()):
        if isinstance(body, (bytes, bytearray)):
            data, ctype = bytes(body), "application/octet-stream"
        elif isinstance(body, str):
            data, ctype = body.encode("utf-8"), "text/plain; charset=utf-8"
        elif body is None:
            data, ctype = b"", "text/plain; charset=utf-8"
        else:
            data, ctype = json.dumps(body).encode("utf-8"), "application/json"
        self.send_response(status)
        names = {k.lower() for k, _ in headers}
        if "content-type" not in names:
            self.send_header("content-type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _start_stream(self, headers: Headers, content_type: str = "text/event-stream"):
        self.send_response(200)
        names = {k.lower() for k, _ in headers}
        if "content-type" not in names:
            self.send_header("content-type", content_type)
        self.send_header("cache-control", "no-cache")
        self.send_header("x-request-id", f"req_mock_{self.server.mock._stream_no()}")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def _cut(self):
        """Close the connection abruptly: no terminating chunk."""
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    def _serve(self, reply: Reply):
        mock = self.server.mock
        if isinstance(reply, HTTPReply):
            body = reply.body if reply.body is not None else {"error": {"message": "mock error"}}
            return self._send_body(reply.status, body, reply.headers)
        if isinstance(reply, RawReply):
            data = reply.raw.encode("utf-8") if isinstance(reply.raw, str) else reply.raw
            self._start_stream(reply.headers, reply.content_type)
            cuts = sorted({c for c in reply.cuts if 0 < c < len(data)}) + [len(data)]
            prev = 0
            if reply.burst:
                body = getattr(reply, "_burst_body", None)   # encoded once per reply
                if body is None:
                    body = b"".join(b"%x\r\n%s\r\n" % (c - p, data[p:c])
                                    for p, c in zip([0] + cuts, cuts)) + b"0\r\n\r\n"
                    reply._burst_body = body
                self.wfile.write(body)
                return
            for c in cuts:
                self._chunk(data[prev:c])
                prev = c
                if reply.delay and c < len(data) and mock._stop.wait(reply.delay):
                    return self._cut()
            self.wfile.write(b"0\r\n\r\n")
            return
        if not isinstance(reply, (SSEReply, DropReply, StallReply)):
            raise TypeError(f"mock: not a reply: {reply!r}")
        frames = reply.frames
        limit = len(frames) if isinstance(reply, SSEReply) or reply.after is None else reply.after
        self._start_stream(reply.headers)
        delay = reply.frame_delay if isinstance(reply, SSEReply) else 0.0
        for i, (etype, payload) in enumerate(frames[:limit]):
            if i and delay and mock._stop.wait(delay):
                return self._cut()
            self._chunk(sse_frame(etype, payload))
        if isinstance(reply, SSEReply):
            self.wfile.write(b"0\r\n\r\n")
            return
        if isinstance(reply, StallReply):
            mock._stop.wait(min(reply.seconds, mock.max_stall))
        self._cut()


class MockResponses:
    """The mock server. Start with `start()` or a ``with`` block; `stop()` is idempotent."""

    def __init__(self, replies: Iterable[ReplySpec] = (), *, models: list | dict | None = None,
                 exhausted: str = "text", idle_timeout: float = 30.0, max_stall: float = 30.0):
        if exhausted not in ("text", "error"):
            raise ValueError("exhausted must be 'text' or 'error'")
        self._queue: list[ReplySpec] = list(replies)
        self._served = 0
        self._models = models
        self.exhausted = exhausted
        self.idle_timeout = idle_timeout
        self.max_stall = max_stall
        self._routes: dict[tuple[str, str], Any] = {}
        self._requests: list[RecordedRequest] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._streams = itertools.count(1)
        self._t0 = time.monotonic()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> "MockResponses":
        if self._httpd is None:
            self._httpd = _Server(self)
            self._t0 = time.monotonic()
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"mock-responses-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stop.set()
        httpd.shutdown()
        httpd.drop_all()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "MockResponses":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("mock server not started")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What goes into ``[model_providers.<id>].base_url``."""
        return f"{self.url}/v1"

    # -- scripting

    def enqueue(self, *replies: ReplySpec) -> "MockResponses":
        with self._cond:
            self._queue.extend(replies)
        return self

    def route(self, method: str, path: str, reply: Any) -> "MockResponses":
        """Serve ``method path`` (exact, query ignored) with a reply, a callable, or a body for GETs."""
        if not isinstance(reply, (SSEReply, HTTPReply, DropReply, StallReply, RawReply)) and not callable(reply):
            body = reply
            reply = HTTPReply(200, body)
        self._routes[(method.upper(), path.rstrip("/") or "/")] = reply
        return self

    def models_body(self) -> Any:
        if isinstance(self._models, dict):
            return self._models
        return {"models": list(self._models or [])}

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._queue) - self._served

    def _next_reply(self) -> tuple[str, ReplySpec]:
        with self._cond:
            if self._served < len(self._queue):
                i = self._served
                self._served += 1
                return f"queue[{i}]", self._queue[i]
        if self.exhausted == "error":
            return "exhausted", server_error(500, "mock: script exhausted")
        return "exhausted", _default_reply()

    def _stream_no(self) -> int:
        return next(self._streams)

    # -- recording

    def _record(self, method, path, headers, raw, parsed) -> RecordedRequest:
        with self._cond:
            req = RecordedRequest(len(self._requests), time.monotonic() - self._t0, method, path,
                                  headers, raw, parsed)
            self._requests.append(req)
            return req

    def _set_reply(self, req: RecordedRequest, label: str, unexpected: bool = False) -> None:
        with self._cond:
            req.reply = label
            if unexpected:
                req.reply += " (unexpected)"
            self._cond.notify_all()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._cond:
            return list(self._requests)

    def responses_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.route.rstrip("/").endswith("/responses")]

    @property
    def unexpected(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.reply.endswith("(unexpected)")]

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until at least `n` requests have been answered (or raise TimeoutError)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while sum(1 for r in self._requests if r.reply) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"mock: {len(self._requests)} request(s) after {timeout}s, wanted {n}")
                self._cond.wait(left)
            return list(self._requests)


def provider_config(base_url: str, *, provider_id: str = "mock", env_key: str = "MOCK_API_KEY",
                    extra: str = "") -> str:
    """The ``[model_providers.<id>]`` table the captures used (``extra``: more keys for it, such
    as ``request_max_retries = 0``)."""
    text = (f'[model_providers.{provider_id}]\nname = "{provider_id}"\nbase_url = "{base_url}"\n'
            f'wire_api = "responses"\nenv_key = "{env_key}"\n')
    if extra:
        text += extra.rstrip("\n") + "\n"
    return text


def reply_from_capture(spec: dict) -> Reply:
    """A reply spec as stored in the captures' responses.json (``kind``: sse, sse_drop, sse_stall,
    http_error, sse_raw) -> the equivalent reply, so a golden scenario can be replayed."""
    kind = spec.get("kind", "sse")
    frames = [(ev["type"], ev) for ev in spec.get("events", [])]
    if kind == "sse":
        return SSEReply(frames)
    if kind == "sse_drop":
        return DropReply(frames, spec.get("drop_after", 1))
    if kind == "sse_stall":
        return StallReply(frames, spec.get("stall_after", 1), spec.get("stall_s", 5))
    if kind == "http_error":
        return HTTPReply(spec.get("status", 500), spec.get("body"), list((spec.get("headers") or {}).items()))
    if kind == "sse_raw":
        return RawReply(spec.get("raw", ""), spec.get("cuts", ()), spec.get("delay_s", 0.05))
    raise ValueError(f"unknown capture reply kind {kind!r}")
