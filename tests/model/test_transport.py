"""codex.model.transport.ModelTransport: the same request bytes as httpx's own transport
(httpcore), responses framed by chunks / content-length / EOF, keep-alive and `Connection:
close`, TLS (a self-signed server: trusted through an explicit context, refused by the default
one), and failures raised as httpx's exception classes."""
from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading

import httpx
import pytest

from codex.model.transport import ModelTransport


class RawServer:
    """Accepts connections; records each request's bytes; answers with the next canned reply
    (bytes, written as is; `None` closes the connection without answering)."""

    def __init__(self, replies, tls: ssl.SSLContext | None = None):
        self.replies = list(replies)
        self.requests: list[bytes] = []
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.tls = tls
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._conn, args=(conn,), daemon=True).start()

    def _conn(self, conn):
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            buf = b""
            while self.replies:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v)
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + rest[:length])
                buf = rest[length:]
                reply = self.replies.pop(0)
                if reply is None:
                    return
                conn.sendall(reply)
                if b"connection: close" in reply.split(b"\r\n\r\n", 1)[0].lower():
                    return
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def _request(port, scheme="http", body=b'{"a":1}'):
    return httpx.Request("POST", f"{scheme}://127.0.0.1:{port}/v1/responses",
                         headers=[("authorization", "Bearer k"), ("content-type", "application/json"),
                                  ("accept", "text/event-stream"), ("x-Custom", "Value"),
                                  ("host", f"127.0.0.1:{port}"), ("content-length", str(len(body)))],
                         content=body)


def _chunked(*parts: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n")


async def _send(transport, request):
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        resp = await client.send(request, stream=True)
        try:
            body = b"".join([c async for c in resp.aiter_raw()])
        finally:
            await resp.aclose()
        return resp.status_code, resp.headers, body


def test_request_bytes_are_httpx_own_but_headers_in_the_given_order():
    """Same request line, header lines and body as httpx's own transport (httpcore + h11), except
    that `host` stays where it was given (h11 moves it first; the reference does not)."""
    server = RawServer([_chunked(b"x"), _chunked(b"y")])
    try:
        asyncio.run(_send(httpx.AsyncHTTPTransport(), _request(server.port)))
        asyncio.run(_send(ModelTransport(), _request(server.port)))
    finally:
        server.close()
    assert len(server.requests) == 2
    theirs, ours = (r.split(b"\r\n\r\n", 1) for r in server.requests)
    assert theirs[1] == ours[1] == b'{"a":1}'
    t_lines, o_lines = theirs[0].split(b"\r\n"), ours[0].split(b"\r\n")
    assert o_lines[0] == t_lines[0] == b"POST /v1/responses HTTP/1.1"
    assert sorted(o_lines[1:]) == sorted(t_lines[1:])
    assert t_lines[1].startswith(b"host:")
    assert [line.split(b":")[0] for line in o_lines[1:]] == [
        b"authorization", b"content-type", b"accept", b"x-Custom", b"host", b"content-length"]


def test_invalid_header_name_is_refused_before_sending():
    # httpx refuses CR/LF in values itself; h11 validates names and values once more
    bad = httpx.Request("POST", "http://127.0.0.1:9/x", content=b"")
    bad.headers._list.append((b"x-bad header", b"x-bad header", b"v"))
    with pytest.raises(httpx.LocalProtocolError):
        asyncio.run(_send(ModelTransport(), bad))


def test_framings_and_keep_alive():
    server = RawServer([
        _chunked(b"event: a\ndata: 1\n\n", b"event: b\ndata: 2\n\n"),
        b"HTTP/1.1 400 Bad Request\r\ncontent-length: 5\r\n\r\nbad!!",
        b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok",
    ])

    async def go():
        t = ModelTransport()
        out = [await _send_keep(t, _request(server.port)) for _ in range(3)]
        return out

    async def _send_keep(t, request):
        client = httpx.AsyncClient(transport=t, trust_env=False)
        resp = await client.send(request, stream=True)
        body = b"".join([c async for c in resp.aiter_raw()])
        await resp.aclose()
        return resp.status_code, body

    try:
        results = asyncio.run(go())
    finally:
        server.close()
    assert results == [(200, b"event: a\ndata: 1\n\nevent: b\ndata: 2\n\n"), (400, b"bad!!"), (200, b"ok")]
    assert server.accepted == 1       # all three on one kept-alive connection


def test_close_delimited_body_and_connection_close_is_not_reused():
    server = RawServer([b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil eof", _chunked(b"z")])

    async def go():
        t = ModelTransport()
        async with httpx.AsyncClient(transport=t, trust_env=False) as c:
            r1 = await c.send(_request(server.port), stream=True)
            b1 = b"".join([x async for x in r1.aiter_raw()])
            await r1.aclose()
            r2 = await c.send(_request(server.port), stream=True)
            b2 = b"".join([x async for x in r2.aiter_raw()])
            await r2.aclose()
        return b1, b2

    try:
        assert asyncio.run(go()) == (b"until eof", b"z")
        assert server.accepted == 2
    finally:
        server.close()


@pytest.mark.parametrize("reply, message", [
    (None, "Server disconnected without sending a response."),
    (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab", "incomplete chunked read"),
    (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", "invalid chunk header"),
    (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc", "received fewer bytes than declared"),
    (b"NOT HTTP\r\n\r\n", ""),
])
def test_failures_are_httpx_errors(reply, message):
    server = RawServer([reply])
    try:
        with pytest.raises(httpx.RemoteProtocolError) as info:
            asyncio.run(_send(ModelTransport(), _request(server.port)))
    finally:
        server.close()
    assert message in str(info.value)


def test_connect_refused_is_connect_error():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(httpx.ConnectError):
        asyncio.run(_send(ModelTransport(), _request(port)))


def test_read_timeout_on_the_response_head():
    # a listening socket nobody accepts on: the connection is made (backlog), no answer comes
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)

    async def go():
        async with httpx.AsyncClient(transport=ModelTransport(), trust_env=False,
                                     timeout=httpx.Timeout(None, read=0.2)) as c:
            await c.send(_request(silent.getsockname()[1]), stream=True)

    try:
        with pytest.raises(httpx.ReadTimeout):
            asyncio.run(go())
    finally:
        silent.close()


@pytest.fixture
def self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (needed to make a self-signed certificate)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    return server_ctx, cert


def test_tls_with_a_trusted_certificate(self_signed):
    server_ctx, cert = self_signed
    server = RawServer([_chunked(b"secure")], tls=server_ctx)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    try:
        status, _, body = asyncio.run(_send(ModelTransport(ssl_context=client_ctx),
                                            _request(server.port, "https")))
    finally:
        server.close()
    assert (status, body) == (200, b"secure")


def test_tls_default_context_refuses_a_self_signed_certificate(self_signed):
    server_ctx, _ = self_signed
    server = RawServer([_chunked(b"x")], tls=server_ctx)
    try:
        with pytest.raises(httpx.ConnectError):
            asyncio.run(_send(ModelTransport(), _request(server.port, "https")))
    finally:
        server.close()
