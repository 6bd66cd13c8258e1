"""A small blocking JSON-RPC-over-WebSocket client for the app-server control socket
(``$CODEX_HOME/app-server-control/app-server-control.sock``), as the 0.136.0 daemon crate's
``client.rs`` / ``remote_control_client.rs`` talk to it: connect, upgrade (``ws://localhost/``),
``initialize`` with id 1, ``initialized``, then requests; every read waits at most
``RESPONSE_TIMEOUT`` seconds.

Errors are ``AnyhowError``s: a context and the chain of causes, rendered the way anyhow prints
them from ``main`` (``Error: ...`` then ``Caused by:``)."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time

__all__ = ["AnyhowError", "ControlClient", "probe", "parse_version_from_user_agent",
           "RESPONSE_TIMEOUT"]

RESPONSE_TIMEOUT = 2.0
DAEMON_CLIENT_NAME = "codex_app_server_daemon"


def _os_error_text(exc: OSError) -> str:
    if exc.errno is not None and exc.strerror:
        return f"{exc.strerror} (os error {exc.errno})"
    return str(exc) or type(exc).__name__


class AnyhowError(Exception):
    """``anyhow::Error``: the outermost context first, then its causes."""

    def __init__(self, message: str, *causes: object):
        super().__init__(message)
        self.chain: list[str] = [message]
        for cause in causes:
            if isinstance(cause, AnyhowError):
                self.chain.extend(cause.chain)
            elif isinstance(cause, OSError):
                self.chain.append(_os_error_text(cause))
            elif cause is not None:
                self.chain.append(str(cause))

    def context(self, message: str) -> "AnyhowError":
        self.chain.insert(0, message)
        self.args = (message,)
        return self

    def render(self) -> str:
        text = f"Error: {self.chain[0]}\n"
        causes = self.chain[1:]
        if len(causes) == 1:
            text += "\nCaused by:\n" + _indent(causes[0], "    ") + "\n"
        elif causes:
            text += "\nCaused by:\n"
            for i, cause in enumerate(causes):
                text += _indent(cause, f"{i:>5}: ", "       ") + "\n"
        return text

    def __str__(self) -> str:
        return self.chain[0]


def _indent(text: str, first: str, rest: str | None = None) -> str:
    rest = first if rest is None else rest
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [(rest + ln) if ln else ln for ln in lines[1:]])


class _Closed(Exception):
    pass


class ControlClient:
    """One WebSocket connection to a Unix socket app-server."""

    def __init__(self, path: str, timeout: float = RESPONSE_TIMEOUT):
        self.path = path
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self._buf = b""

    # -- connection --------------------------------------------------------------------------

    def connect(self) -> "ControlClient":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as exc:
            sock.close()
            raise AnyhowError(f"failed to connect to {self.path}", exc) from None
        self.sock = sock
        try:
            self._handshake()
        except (OSError, _Closed, ValueError) as exc:
            self.close()
            cause = exc if isinstance(exc, OSError) else "WebSocket protocol error: Handshake not finished"
            raise AnyhowError(f"failed to upgrade {self.path}", cause) from None
        return self

    def _handshake(self) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n").encode())
        while b"\r\n\r\n" not in self._buf:
            self._fill()
        head, _, self._buf = self._buf.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101" not in status:
            raise _Closed(status.decode("latin-1"))

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.sendall(self._frame(0x8, struct.pack("!H", 1000)))
            except OSError:
                pass
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def __enter__(self) -> "ControlClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- frames ------------------------------------------------------------------------------

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise _Closed("eof")
        self._buf += data

    def _take(self, n: int) -> bytes:
        while len(self._buf) < n:
            self._fill()
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    @staticmethod
    def _frame(op: int, payload: bytes) -> bytes:
        from codex.app_server.ws_frame import encode_frame

        return encode_frame(op, payload, mask=True)

    def send(self, message: dict) -> None:
        self.sock.sendall(self._frame(0x1, json.dumps(message, separators=(",", ":")).encode()))

    def _recv_text(self) -> bytes:
        parts: list[bytes] = []
        while True:
            b0, b1 = self._take(2)
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._take(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._take(8))
            mask = self._take(4) if b1 & 0x80 else None
            data = self._take(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            op = b0 & 0x0F
            if op == 0x8:
                raise _Closed("close")
            if op == 0x9:
                self.sock.sendall(self._frame(0xA, data))
                continue
            if op == 0xA:
                continue
            parts.append(data)
            if b0 & 0x80:
                return b"".join(parts)

    def read_message(self, timeout: float | None = None) -> dict:
        """The next JSON-RPC message; raises ``TimeoutError`` or ``AnyhowError``."""
        self.sock.settimeout(self.timeout if timeout is None else max(timeout, 0.001))
        try:
            raw = self._recv_text()
        except socket.timeout:
            raise TimeoutError from None
        except (_Closed, OSError):
            raise AnyhowError("app-server closed the control socket") from None
        try:
            msg = json.loads(raw)
        except ValueError as exc:
            raise AnyhowError("failed to parse app-server JSON-RPC message", exc) from None
        if not isinstance(msg, dict):
            raise AnyhowError("failed to parse app-server JSON-RPC message")
        return msg

    # -- JSON-RPC ----------------------------------------------------------------------------

    def initialize(self, *, experimental_api: bool = False, name: str = DAEMON_CLIENT_NAME,
                   title: str = "Codex App Server Daemon") -> dict:
        from codex import __version__

        params: dict = {"clientInfo": {"name": name, "title": title, "version": __version__},
                        "capabilities": {"experimentalApi": True} if experimental_api else None}
        try:
            self.send({"id": 1, "method": "initialize", "params": params})
        except OSError as exc:
            raise AnyhowError("failed to send initialize request", exc) from None
        while True:
            try:
                msg = self.read_message()
            except TimeoutError:
                raise AnyhowError("timed out waiting for initialize response", "deadline has elapsed") from None
            if msg.get("id") == 1 and "result" in msg:
                result = msg["result"]
                if not isinstance(result, dict) or not isinstance(result.get("userAgent"), str):
                    raise AnyhowError("failed to parse initialize response")
                return result

    def initialized(self) -> None:
        try:
            self.send({"method": "initialized"})
        except OSError as exc:
            raise AnyhowError("failed to send initialized notification", exc) from None


def parse_version_from_user_agent(user_agent: str) -> str:
    if "/" not in user_agent:
        raise AnyhowError("app-server user-agent omitted version separator")
    rest = user_agent.split("/", 1)[1].split()
    if not rest:
        raise AnyhowError("app-server user-agent omitted version")
    return rest[0]


def probe(path: str) -> str:
    """Connect, initialize, return the app-server's version (``client::probe``)."""
    deadline = time.monotonic() + RESPONSE_TIMEOUT
    try:
        with ControlClient(path).connect() as client:
            client.timeout = max(deadline - time.monotonic(), 0.001)
            response = client.initialize()
            client.initialized()
            return parse_version_from_user_agent(response["userAgent"])
    except socket.timeout:
        raise AnyhowError(f"timed out probing app-server control socket {path}", "deadline has elapsed") from None
