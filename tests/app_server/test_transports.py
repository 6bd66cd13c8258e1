"""``--listen unix://PATH`` and ``--listen ws://IP:PORT``: WebSocket framing, one JSON-RPC
message per text frame; health checks on the TCP listener."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

from codex.app_server.websocket import WebSocket, client_handshake

from ._helpers import MOCK_CONFIG, free_port, server_env

INIT = {"id": 1, "method": "initialize",
        "params": {"clientInfo": {"name": "smoke", "title": None, "version": "1.0"}, "capabilities": None}}


def _spawn(home, listen):
    return subprocess.Popen([sys.executable, "-m", "codex", "app-server", "--listen", listen],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=server_env(str(home)), cwd=str(home))


async def _connect(opener, attempts=100):
    for _ in range(attempts):
        try:
            return await opener()
        except OSError:
            await asyncio.sleep(0.1)
    raise AssertionError("server did not listen")


async def _session(reader, writer):
    await client_handshake(reader, writer)
    ws = WebSocket(reader, writer, client=True)
    await ws.send_text(json.dumps(INIT))
    first = json.loads(await ws.recv())
    await ws.send_text(json.dumps({"method": "initialized"}))
    await ws.send_text(json.dumps({"id": 2, "method": "account/read", "params": {}}))
    got = []
    while True:
        msg = json.loads(await ws.recv())
        got.append(msg)
        if msg.get("id") == 2:
            break
    await ws.close()
    return first, got


def _check(first, got):
    assert first["id"] == 1 and first["result"]["userAgent"].startswith("smoke/0.136.0")
    assert got[-1] == {"id": 2, "result": {"account": None, "requiresOpenaiAuth": False}}
    assert any(m.get("method") == "remoteControl/status/changed" for m in got)


def _stop(proc):
    proc.terminate()
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def test_unix_socket(tmp_path):
    (tmp_path / "config.toml").write_text(MOCK_CONFIG)
    sock = tmp_path / "s" / "app.sock"
    proc = _spawn(tmp_path, f"unix://{sock}")
    try:
        async def main():
            r, w = await _connect(lambda: asyncio.open_unix_connection(str(sock)))
            return await _session(r, w)

        first, got = asyncio.run(main())
        _check(first, got)
    finally:
        _stop(proc)
    assert not sock.exists()


def test_default_unix_socket_path(tmp_path):
    (tmp_path / "config.toml").write_text(MOCK_CONFIG)
    sock = tmp_path / "app-server-control" / "app-server-control.sock"
    proc = _spawn(tmp_path, "unix://")
    try:
        async def main():
            r, w = await _connect(lambda: asyncio.open_unix_connection(str(sock)))
            return await _session(r, w)

        _check(*asyncio.run(main()))
    finally:
        _stop(proc)


def test_websocket_and_health(tmp_path):
    (tmp_path / "config.toml").write_text(MOCK_CONFIG)
    port = free_port()
    proc = _spawn(tmp_path, f"ws://127.0.0.1:{port}")
    try:
        async def main():
            r, w = await _connect(lambda: asyncio.open_connection("127.0.0.1", port))
            w.write(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
            await w.drain()
            status = await r.readline()
            w.close()
            r, w = await _connect(lambda: asyncio.open_connection("127.0.0.1", port))
            return status, await _session(r, w)

        status, (first, got) = asyncio.run(main())
        assert status.startswith(b"HTTP/1.1 200")
        _check(first, got)
    finally:
        _stop(proc)


def test_stdio_exits_when_stdin_closes(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "codex", "app-server"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=server_env(str(tmp_path)))
    start = time.monotonic()
    out, _ = proc.communicate(b"", timeout=20)
    assert proc.returncode == 0 and out == b""
    assert time.monotonic() - start < 15


def test_listener_details(tmp_path):
    """As 0.136.0: the WebSocket banner on stderr, axum's refusal of a plain GET, a 403 for a
    browser Origin; the control socket 0600 in a 0700 directory beside a startup lock."""
    import stat

    port = free_port()
    ws = _spawn(tmp_path, f"ws://127.0.0.1:{port}")
    sock = tmp_path / "ctl" / "app.sock"
    ux = _spawn(tmp_path, f"unix://{sock}")
    try:
        async def main():
            r, w = await _connect(lambda: asyncio.open_connection("127.0.0.1", port))
            w.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            await w.drain()
            plain = await r.read()
            r, w = await _connect(lambda: asyncio.open_connection("127.0.0.1", port))
            w.write(b"GET / HTTP/1.1\r\nHost: x\r\nOrigin: http://example.com\r\nConnection: Upgrade\r\n"
                    b"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    b"Sec-WebSocket-Version: 13\r\n\r\n")
            await w.drain()
            origin = await r.read()
            await _connect(lambda: asyncio.open_unix_connection(str(sock)))
            return plain, origin

        plain, origin = asyncio.run(main())
        assert plain.startswith(b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n")
        assert plain.endswith(b"\r\n\r\nConnection header did not include 'upgrade'")
        assert origin.startswith(b"HTTP/1.1 403 Forbidden\r\n")
        assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(sock.parent).st_mode) == 0o700
        assert (sock.parent / "app-server-startup.lock").exists()
    finally:
        _stop(ws)
        _stop(ux)
    err = ws.stderr.read().decode()
    assert err.startswith(f"codex app-server (WebSockets)\n  listening on: ws://127.0.0.1:{port}\n")


def test_proxy_relays_bytes_to_the_control_socket(tmp_path):
    """`codex app-server proxy --sock PATH` relays raw bytes: the client speaks WebSocket."""
    import struct

    from codex.app_server.websocket import OP_TEXT, accept_key, encode_frame

    sock = tmp_path / "ctl.sock"
    srv = _spawn(tmp_path, f"unix://{sock}")
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.1)
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        hello = (f"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        proxy = subprocess.Popen([sys.executable, "-m", "codex", "app-server", "proxy", "--sock", str(sock)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=server_env(str(tmp_path)))
        proxy.stdin.write(hello + encode_frame(OP_TEXT, json.dumps(INIT).encode(), mask=True))
        proxy.stdin.flush()
        head = b""
        while b"\r\n\r\n" not in head:
            head += proxy.stdout.read(1)
        assert head.startswith(b"HTTP/1.1 101 ") and accept_key(key).encode() in head
        b0, b1 = proxy.stdout.read(2)
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", proxy.stdout.read(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", proxy.stdout.read(8))
        reply = json.loads(proxy.stdout.read(n))
        assert reply["id"] == 1 and reply["result"]["userAgent"].startswith("smoke/0.136.0")
        proxy.kill()
        proxy.wait(timeout=10)
    finally:
        _stop(srv)


def test_proxy_without_server(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "codex", "app-server", "proxy"], input=b"", capture_output=True,
                          env=server_env(str(tmp_path)), timeout=30)
    path = tmp_path / "app-server-control" / "app-server-control.sock"
    assert proc.returncode == 1
    assert proc.stderr.decode() == (f"Error: failed to connect to socket at {path}\n\nCaused by:\n"
                                    "    No such file or directory (os error 2)\n")
