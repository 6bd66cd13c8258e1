"""Minimal RFC 6455 over asyncio streams: the server handshake, a client handshake (for tests
and ``app-server proxy``-like tools) and text frames. One JSON-RPC message per text frame.

The app-server speaks it on ``ws://IP:PORT`` and on ``unix://`` sockets (the reference's
control socket is WebSocket over a Unix stream too); see ``server_handshake`` for the HTTP
answers (probed on 0.136.0).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct

from .ws_frame import encode_frame

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class WebSocketClosed(Exception):
    pass


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
    return lines[0], headers


def _http_date() -> str:
    from email.utils import formatdate

    return formatdate(usegmt=True)


def _axum_rejection(method: str, headers: dict[str, str]) -> str | None:
    """What axum's ``WebSocketUpgrade`` extractor answers a request it refuses (400)."""
    if method != "GET":
        return "Request method must be `GET`"
    if "upgrade" not in headers.get("connection", "").lower():
        return "Connection header did not include 'upgrade'"
    if headers.get("upgrade", "").lower() != "websocket":
        return "`Upgrade` header did not include 'websocket'"
    if not headers.get("sec-websocket-key"):
        return "`Sec-WebSocket-Key` header missing"
    if headers.get("sec-websocket-version") != "13":
        return "`Sec-WebSocket-Version` header did not include '13'"
    return None


async def server_handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                           unix: bool = False) -> bool:
    """Answer the HTTP upgrade as 0.136.0 does; False (answered, or dropped, and to be closed)
    when the request is not an upgrade.

    TCP (axum): ``GET /readyz`` and ``/healthz`` answer 200; a request with an ``Origin``
    header 403; anything else that is not a valid upgrade 400 with axum's reason; the 101
    carries a ``date``. Unix socket: no HTTP answers at all, the connection is just closed."""
    try:
        request_line, headers = await _read_head(reader)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return False
    parts = request_line.split()
    method = parts[0] if parts else ""
    path = parts[1] if len(parts) > 1 else "/"
    key = headers.get("sec-websocket-key", "")
    if unix:
        if _axum_rejection(method, headers) is not None:
            return False
        writer.write((
            "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\n"
            f"sec-websocket-accept: {accept_key(key)}\r\n\r\n").encode())
        await writer.drain()
        return True
    date = _http_date()
    if "origin" in headers:
        writer.write(f"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\ndate: {date}\r\n\r\n".encode())
        await writer.drain()
        return False
    rejection = _axum_rejection(method, headers)
    if rejection is not None:
        if method == "GET" and path in ("/readyz", "/healthz"):
            writer.write(f"HTTP/1.1 200 OK\r\ncontent-length: 0\r\ndate: {date}\r\n\r\n".encode())
        else:
            body = rejection.encode()
            status = "405 Method Not Allowed" if method != "GET" else "400 Bad Request"
            writer.write((
                f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\n"
                f"content-length: {len(body)}\r\ndate: {date}\r\n\r\n").encode() + body)
        await writer.drain()
        return False
    writer.write((
        "HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n"
        f"sec-websocket-accept: {accept_key(key)}\r\ndate: {date}\r\n\r\n").encode())
    await writer.drain()
    return True


async def client_handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                           host: str = "localhost", path: str = "/") -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status, headers = await _read_head(reader)
    if " 101 " not in status + " " or headers.get("sec-websocket-accept") != accept_key(key):
        raise WebSocketClosed(f"websocket upgrade refused: {status}")


class WebSocket:
    """Frames over a stream pair. ``recv()`` returns one text/binary message (bytes) and
    answers pings; raises ``WebSocketClosed`` at a close frame or EOF. ``client`` masks."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, client: bool = False):
        self.reader = reader
        self.writer = writer
        self.client = client
        self.closed = False

    async def _frame(self) -> tuple[bool, int, bytes]:
        try:
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
            if n > MAX_MESSAGE_BYTES:
                raise WebSocketClosed("message too large")
            key = await self.reader.readexactly(4) if b1 & 0x80 else None
            data = await self.reader.readexactly(n)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise WebSocketClosed(str(exc)) from None
        if key:
            data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
        return bool(b0 & 0x80), b0 & 0x0F, data

    async def recv(self) -> bytes:
        parts: list[bytes] = []
        while True:
            fin, op, data = await self._frame()
            if op == OP_CLOSE:
                if not self.closed:
                    await self._write(OP_CLOSE, data[:2])
                self.closed = True
                raise WebSocketClosed("closed by peer")
            if op == OP_PING:
                await self._write(OP_PONG, data)
                continue
            if op == OP_PONG:
                continue
            parts.append(data)
            if fin:
                return b"".join(parts)

    async def _write(self, op: int, payload: bytes) -> None:
        try:
            self.writer.write(encode_frame(op, payload, mask=self.client))
            await self.writer.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise WebSocketClosed(str(exc)) from None

    async def send_text(self, text: str | bytes) -> None:
        await self._write(OP_TEXT, text.encode() if isinstance(text, str) else text)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                await self._write(OP_CLOSE, struct.pack("!H", 1000))
            except WebSocketClosed:
                pass
        try:
            self.writer.close()
        except Exception:
            pass
