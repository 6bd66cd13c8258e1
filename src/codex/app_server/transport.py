"""App-server transports (codex-rs/app-server-transport): ``stdio://`` (one JSON message per
line on stdin/stdout), ``unix://[PATH]`` and ``ws://IP:PORT`` (WebSocket, one message per
text frame; the default Unix socket is ``$CODEX_HOME/app-server-control/app-server-control.sock``),
and ``off`` (no listener: the process waits for a signal).

Each transport gets a ``Connection`` from ``AppServer.connect(send)``; ``send`` puts the
message on an unbounded queue a writer task drains, so nothing is dropped and writes keep
their order.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading

import msgspec

from .server import AppServer

__all__ = ["encode_message", "run_stdio", "serve_unix", "serve_ws", "run", "default_unix_socket_path"]

_encoder = msgspec.json.Encoder()


def encode_message(msg: dict) -> bytes:
    """Compact JSON in the dict's key order (as serde_json writes the reference's structs)."""
    return _encoder.encode(msg)


def default_unix_socket_path(codex_home: str) -> str:
    return os.path.join(codex_home, "app-server-control", "app-server-control.sock")


async def _writer_loop(queue: asyncio.Queue, write) -> None:
    while True:
        msg = await queue.get()
        if msg is None:
            return
        await write(msg)


# ---------------------------------------------------------------------------------------------
# stdio
# ---------------------------------------------------------------------------------------------


async def run_stdio(server: AppServer, stdin=None, stdout=None) -> None:
    """Serve one client on stdin/stdout until stdin closes."""
    loop = asyncio.get_running_loop()
    inp = stdin if stdin is not None else sys.stdin.buffer
    out = stdout if stdout is not None else sys.stdout.buffer
    queue: asyncio.Queue = asyncio.Queue()
    conn = server.connect(queue.put_nowait, name="stdio")
    eof = asyncio.Event()

    def reader() -> None:
        try:
            for line in iter(inp.readline, b""):
                if line.strip():
                    loop.call_soon_threadsafe(conn.receive_line, line)
        except (OSError, ValueError):
            pass
        loop.call_soon_threadsafe(eof.set)

    async def write(msg: dict) -> None:
        try:
            out.write(encode_message(msg) + b"\n")
            out.flush()
        except (BrokenPipeError, OSError, ValueError):
            eof.set()

    writer = loop.create_task(_writer_loop(queue, write))
    threading.Thread(target=reader, name="app-server-stdin", daemon=True).start()
    await eof.wait()
    # let the requests read so far answer for a moment, then stop
    try:
        await asyncio.wait_for(conn.drain(), timeout=2.0)
    except asyncio.TimeoutError:
        pass
    await conn.close()
    queue.put_nowait(None)
    try:
        await asyncio.wait_for(writer, timeout=2.0)
    except asyncio.TimeoutError:
        writer.cancel()


# ---------------------------------------------------------------------------------------------
# websocket listeners (ws:// and unix://)
# ---------------------------------------------------------------------------------------------


async def _serve_ws_client(server: AppServer, reader, writer, name: str) -> None:
    from .websocket import WebSocket, WebSocketClosed, server_handshake

    if not await server_handshake(reader, writer, unix=name == "unix"):
        writer.close()
        return
    ws = WebSocket(reader, writer)
    queue: asyncio.Queue = asyncio.Queue()
    conn = server.connect(queue.put_nowait, name=name)

    async def write(msg: dict) -> None:
        await ws.send_text(encode_message(msg))

    wtask = asyncio.get_running_loop().create_task(_writer_loop(queue, write))
    try:
        while True:
            data = await ws.recv()
            conn.receive_line(data)
    except WebSocketClosed:
        pass
    finally:
        await conn.close()
        wtask.cancel()
        await ws.close()


async def serve_ws(server: AppServer, host: str, port: int) -> asyncio.AbstractServer:
    async def client(reader, writer):
        await _serve_ws_client(server, reader, writer, "ws")

    return await asyncio.start_server(client, host, port)


async def serve_unix(server: AppServer, path: str) -> asyncio.AbstractServer:
    """Listen on ``path`` (its directory 0700, the socket 0600, a startup lock file beside it,
    as 0.136.0 leaves them)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    try:
        os.chmod(directory, 0o700)
    except OSError:
        pass
    lock = os.path.join(directory, "app-server-startup.lock")
    if not os.path.exists(lock):
        open(lock, "a").close()
    if os.path.exists(path) or os.path.islink(path):
        os.unlink(path)

    async def client(reader, writer):
        await _serve_ws_client(server, reader, writer, "unix")

    srv = await asyncio.start_unix_server(client, path)
    os.chmod(path, 0o600)
    return srv


def ws_banner(listen: str) -> str:
    """What 0.136.0 prints on stderr once its WebSocket listener is up."""
    base = "http://" + listen[len("ws://"):]
    return (f"codex app-server (WebSockets)\n  listening on: {listen}\n  readyz: {base}/readyz\n"
            f"  healthz: {base}/healthz\n"
            "  note: binds localhost only (use SSH port-forwarding for remote access)\n")


def parse_ws_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


async def _wait_for_signal() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    await stop.wait()


async def run(server: AppServer, listen: str = "stdio://") -> None:
    """Serve on ``listen`` until stdin closes (stdio) or a signal (listeners)."""
    if listen == "stdio://":
        await run_stdio(server)
        return
    if listen == "off":
        await _wait_for_signal()
        return
    if listen.startswith("unix://"):
        path = listen[len("unix://"):] or default_unix_socket_path(server.codex_home)
        srv = await serve_unix(server, path)
        try:
            await _wait_for_signal()
        finally:
            srv.close()
            try:
                os.unlink(path)
            except OSError:
                pass
        return
    if listen.startswith("ws://"):
        host, port = parse_ws_addr(listen[len("ws://"):])
        srv = await serve_ws(server, host, port)
        sys.stderr.write(ws_banner(listen))
        sys.stderr.flush()
        try:
            await _wait_for_signal()
        finally:
            srv.close()
        return
    raise ValueError(f"unsupported --listen URL `{listen}`")
