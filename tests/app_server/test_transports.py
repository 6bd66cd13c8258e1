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
