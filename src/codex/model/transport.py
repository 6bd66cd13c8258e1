"""The model client's HTTP/1.1 transport: an `httpx.AsyncBaseTransport` over asyncio streams
whose response bodies are de-chunked by `codex.model.chunked` (a compiled twin).

Why not httpcore: a Responses stream arrives as one HTTP chunk per SSE event, and httpcore
hands every chunk through h11's pure-Python reader as its own event: about 10 us per event,
which is most of what a long streamed answer costs. Here the request and the response head
still go through h11 (it validates the request as httpcore would and parses the response
head: names lower-cased), but the request bytes are written in the order the headers were given
(h11 moves `host` first; the reference sends it after `user-agent`), and the body is read in
large blocks and de-chunked in C. httpx stays the API: `httpx.AsyncClient(transport=ModelTransport())`,
requests, responses, `aiter_raw()`, `aread()` and the exception classes are httpx's.

Behaviour, as httpcore's for what codex uses:
* keep-alive pool per origin (at most `max_idle` idle connections, dropped after
  `keepalive_expiry` seconds or when the server has closed them: an idle connection that
  is readable is not reused); a response is reusable after its body was read to the end,
  unless either side said `Connection: close` or the body ran to EOF;
* TLS: httpx's default context (certifi CAs, ALPN `http/1.1`), built on the first https
  request only;
* timeouts from the request's `timeout` extension: `connect` bounds the connection, `read`
  each read of the response head. Body reads are bounded by the caller (the model client
  waits at most the stream idle timeout for every event);
* failures raise httpx's classes: ConnectError / ConnectTimeout, ReadTimeout,
  RemoteProtocolError ("Server disconnected without sending a response.", a malformed head
  or chunk, a body cut short), ReadError / WriteError (socket errors).
"""

from __future__ import annotations

import asyncio
import select
import time
from typing import Any

import h11
import httpx

from codex.model.chunked import DechunkError, Dechunker

__all__ = ["ModelTransport"]

HEAD_READ = 64 * 1024
BODY_READ = 256 * 1024
MAX_INCOMPLETE_EVENT_SIZE = 100 * 1024   # httpcore's h11 setting

_ssl_context = None


def _ssl():
    global _ssl_context
    if _ssl_context is None:
        ctx = httpx.create_ssl_context(verify=True, trust_env=False)
        ctx.set_alpn_protocols(["http/1.1"])
        _ssl_context = ctx
    return _ssl_context


class _Conn:
    __slots__ = ("reader", "writer", "idle_since")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def usable(self, now: float, expiry: float) -> bool:
        """Idle and reusable: not expired, not closed, and nothing to read (an idle HTTP/1.1
        connection that is readable was closed by the server, or holds garbage)."""
        if now - self.idle_since > expiry or self.reader.at_eof() or self.writer.is_closing():
            return False
        if self.reader._buffer:  # noqa: SLF001 - bytes the server sent after the response
            return False
        sock = self.writer.get_extra_info("socket")
        if sock is None:
            return False
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:  # noqa: BLE001 - closing a broken transport
            pass


class _Body(httpx.AsyncByteStream):
    """A response body read in large blocks: de-chunked, counted by content-length, or up to
    EOF. Hands the connection back to the pool when read to its end."""

    def __init__(self, transport: "ModelTransport", origin, conn: _Conn, framing: str,
                 length: int, pending: bytes, reusable: bool) -> None:
        self._transport = transport
        self._origin = origin
        self._conn: _Conn | None = conn
        self._framing = framing          # "chunked" | "length" | "close" | "none"
        self._left = length
        self._pending = pending
        self._reusable = reusable

    def _finish(self, reusable: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if reusable and self._reusable:
            self._transport._release(self._origin, conn)
        else:
            conn.close()

    async def _read(self) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        conn = self._conn
        if conn is None:
            return b""
        try:
            return await conn.reader.read(BODY_READ)
        except OSError as exc:
            self._finish(False)
            raise httpx.ReadError(str(exc) or exc.__class__.__name__) from None

    async def __aiter__(self):
        framing = self._framing
        if framing == "none":
            self._finish(True)
            return
        if framing == "chunked":
            dechunker = Dechunker()
            while True:
                data = await self._read()
                if not data:
                    self._finish(False)
                    raise httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body: "
                        "incomplete chunked read")
                try:
                    payload = dechunker.feed(data)
                except DechunkError as exc:
                    self._finish(False)
                    raise httpx.RemoteProtocolError(str(exc)) from None
                if dechunker.done:
                    self._finish(not dechunker.tail)
                    if payload:
                        yield payload
                    return
                if payload:
                    yield payload
        elif framing == "length":
            while self._left > 0:
                data = await self._read()
                if not data:
                    self._finish(False)
                    raise httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body: "
                        f"received fewer bytes than declared ({self._left} missing)")
                if len(data) > self._left:
                    data = data[:self._left]
                    self._reusable = False
                self._left -= len(data)
                if self._left == 0:
                    self._finish(True)
                yield data
            self._finish(True)
        else:  # until the server closes the connection
            while True:
                data = await self._read()
                if not data:
                    self._finish(False)
                    return
                yield data

    async def aclose(self) -> None:
        # a body not read to its end leaves the connection in an unknown state: close it
        self._finish(False)


def _request_head(method: str, target: bytes, headers) -> bytes:
    """The request line and the headers in the order given (names as given)."""
    parts = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
    for name, value in headers:
        parts += [name, b": ", value, b"\r\n"]
    parts.append(b"\r\n")
    return b"".join(parts)


def _header_values(headers, name: bytes) -> list[bytes]:
    return [v for k, v in headers if k == name]


def _has_token(values: list[bytes], token: bytes) -> bool:
    return any(token in (p.strip().lower() for p in v.split(b",")) for v in values)


class ModelTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, keepalive_expiry: float = 90.0, max_idle: int = 8,
                 ssl_context: Any = None) -> None:
        self.keepalive_expiry = keepalive_expiry
        self.max_idle = max_idle
        self._ssl_context = ssl_context
        self._idle: dict[tuple, list[_Conn]] = {}
        self._closed = False

    # -- pool

    def _take(self, origin) -> _Conn | None:
        conns = self._idle.get(origin)
        now = time.monotonic()
        while conns:
            conn = conns.pop()
            if conn.usable(now, self.keepalive_expiry):
                return conn
            conn.close()
        return None

    def _release(self, origin, conn: _Conn) -> None:
        if self._closed:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        conns = self._idle.setdefault(origin, [])
        conns.append(conn)
        while len(conns) > self.max_idle:
            conns.pop(0).close()

    async def _connect(self, origin, timeout: float | None) -> _Conn:
        scheme, host, port = origin
        ssl_ctx = None
        if scheme == "https":
            ssl_ctx = self._ssl_context or _ssl()
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=ssl_ctx, server_hostname=host if ssl_ctx else None,
                    limit=BODY_READ)
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out") from None
        except OSError as exc:  # includes ssl.SSLError
            raise httpx.ConnectError(str(exc) or exc.__class__.__name__) from None
        return _Conn(reader, writer)

    # -- one exchange

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme}://'.")
        origin = (scheme, url.host, url.port or (443 if scheme == "https" else 80))
        timeouts = request.extensions.get("timeout") or {}
        body = b"".join([part async for part in request.stream])

        h = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_INCOMPLETE_EVENT_SIZE)
        try:
            # h11 validates the request and will parse the response to it; the bytes sent are
            # ours: h11 moves `host` to the front, the reference sends the headers as given
            h.send(h11.Request(method=request.method, target=url.raw_path, headers=request.headers.raw))
            if body:
                h.send(h11.Data(data=body))
            h.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from None
        out = _request_head(request.method, url.raw_path, request.headers.raw) + body

        conn = self._take(origin)
        if conn is None:
            conn = await self._connect(origin, timeouts.get("connect"))
        try:
            try:
                conn.writer.write(out)
                await conn.writer.drain()
            except OSError as exc:
                raise httpx.WriteError(str(exc) or exc.__class__.__name__) from None
            event = await self._read_head(h, conn, timeouts.get("read"))
        except BaseException:
            conn.close()
            raise

        headers = list(event.headers)
        pending = bytes(h.trailing_data[0])
        status = event.status_code
        reusable = (event.http_version == b"1.1"
                    and not _has_token(_header_values(headers, b"connection"), b"close")
                    and not _has_token(_header_values(request.headers.raw, b"connection"), b"close"))
        if request.method == "HEAD" or status in (204, 304) or status < 200:
            framing, length = "none", 0
        elif _has_token(_header_values(headers, b"transfer-encoding"), b"chunked"):
            framing, length = "chunked", 0
        elif _header_values(headers, b"content-length"):
            framing, length = "length", int(_header_values(headers, b"content-length")[0])
            if length == 0:
                framing = "none"
        else:
            framing, length = "close", 0
            reusable = False
        stream = _Body(self, origin, conn, framing, length, pending, reusable)
        return httpx.Response(status, headers=headers, stream=stream,
                              extensions={"http_version": b"HTTP/" + event.http_version,
                                          "reason_phrase": bytes(event.reason)})

    async def _read_head(self, h: h11.Connection, conn: _Conn, timeout: float | None):
        while True:
            try:
                event = h.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from None
            if event is h11.NEED_DATA:
                try:
                    async with asyncio.timeout(timeout):
                        data = await conn.reader.read(HEAD_READ)
                except TimeoutError:
                    raise httpx.ReadTimeout("timed out") from None
                except OSError as exc:
                    raise httpx.ReadError(str(exc) or exc.__class__.__name__) from None
                if not data and h.their_state is h11.SEND_RESPONSE:
                    raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
                h.receive_data(data)
                continue
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                return event
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    async def aclose(self) -> None:
        self._closed = True
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()
