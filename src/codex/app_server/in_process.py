"""In-process app-server client (codex-rs/app-server ``in_process.rs``): the same JSON-RPC
messages as a transport carries, as Python dicts, with no serialization.

    from codex.app_server.in_process import InProcessClient

    async with InProcessClient.start(client_name="codex_exec") as client:   # initialize done
        thread = await client.request("thread/start", {"cwd": "/repo"})
        async for event in client.events():
            if isinstance(event, ServerRequest):
                await event.respond({"decision": "accept"})      # or event.reject(code, message)
            elif event.method == "turn/completed":
                break

``request`` returns the ``result`` or raises ``JsonRpcError`` with the server's error.
``events()`` yields ``ServerNotification`` and ``ServerRequest`` objects in the order the
server sent them; nothing is dropped (the queue is unbounded). ``client.notify(method, params)``
sends a client notification.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, AsyncIterator

from .server import AppServer, JsonRpcError

__all__ = ["InProcessClient", "ServerNotification", "ServerRequest"]


class ServerNotification:
    __slots__ = ("method", "params")

    def __init__(self, method: str, params: Any) -> None:
        self.method = method
        self.params = params

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"ServerNotification({self.method!r})"


class ServerRequest:
    """A server -> client request; answer it with ``respond`` or ``reject``."""

    __slots__ = ("method", "params", "id", "_client")

    def __init__(self, client: "InProcessClient", id: Any, method: str, params: Any) -> None:
        self._client = client
        self.id = id
        self.method = method
        self.params = params

    async def respond(self, result: Any) -> None:
        self._client._deliver({"id": self.id, "result": result})

    async def reject(self, code: int, message: str, data: Any = None) -> None:
        err: dict = {"code": code, "message": message}
        if data is not None:
            err["data"] = data
        self._client._deliver({"error": err, "id": self.id})

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"ServerRequest({self.method!r}, id={self.id!r})"


class InProcessClient:
    """One connection to an ``AppServer`` living in the same event loop."""

    def __init__(self, server: AppServer | None = None) -> None:
        self.server = server if server is not None else AppServer()
        self._ids = itertools.count(1)
        self._pending: dict[Any, asyncio.Future] = {}
        self._events: asyncio.Queue = asyncio.Queue()
        self.conn = self.server.connect(self._on_message, name="in-process")
        self.initialize_response: dict | None = None

    @classmethod
    def start(cls, server: AppServer | None = None, *, client_name: str = "codex_in_process",
              client_version: str | None = None, experimental_api: bool = True,
              opt_out_notification_methods: list[str] | None = None) -> "_Starter":
        """``async with InProcessClient.start(...) as client``: connect and initialize."""
        return _Starter(cls(server), client_name, client_version, experimental_api, opt_out_notification_methods)

    async def initialize(self, client_name: str = "codex_in_process", client_version: str | None = None, *,
                         experimental_api: bool = True, opt_out_notification_methods: list[str] | None = None) -> dict:
        from codex.model.request import CLI_VERSION

        caps: dict = {"experimentalApi": experimental_api}
        if opt_out_notification_methods is not None:
            caps["optOutNotificationMethods"] = list(opt_out_notification_methods)
        self.initialize_response = await self.request("initialize", {
            "clientInfo": {"name": client_name, "title": None, "version": client_version or CLI_VERSION},
            "capabilities": caps,
        })
        self.notify("initialized")
        return self.initialize_response

    # -- server -> client ----------------------------------------------------------------------

    def _on_message(self, msg: dict) -> None:
        if "method" in msg:
            if "id" in msg:
                self._events.put_nowait(ServerRequest(self, msg["id"], msg["method"], msg.get("params")))
            else:
                self._events.put_nowait(ServerNotification(msg["method"], msg.get("params")))
            return
        fut = self._pending.pop(msg.get("id"), None)
        if fut is None or fut.done():
            return
        if "error" in msg:
            e = msg["error"]
            fut.set_exception(JsonRpcError(e.get("code", -32603), e.get("message", ""), e.get("data")))
        else:
            fut.set_result(msg.get("result"))

    def _deliver(self, msg: dict) -> None:
        self.conn.receive(msg)

    # -- client -> server ----------------------------------------------------------------------

    async def request(self, method: str, params: Any = None) -> Any:
        rid = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        msg: dict = {"id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.conn.receive(msg)
        return await fut

    def notify(self, method: str, params: Any = None) -> None:
        msg: dict = {"method": method}
        if params is not None:
            msg["params"] = params
        self.conn.receive(msg)

    async def next_event(self, timeout: float | None = None) -> ServerNotification | ServerRequest:
        if timeout is None:
            return await self._events.get()
        return await asyncio.wait_for(self._events.get(), timeout)

    async def events(self) -> AsyncIterator[ServerNotification | ServerRequest]:
        while True:
            yield await self._events.get()

    def pending_events(self) -> list:
        """The events queued so far, without waiting."""
        out = []
        while not self._events.empty():
            out.append(self._events.get_nowait())
        return out

    async def close(self) -> None:
        await self.conn.close()


class _Starter:
    def __init__(self, client: InProcessClient, name, version, experimental, opt_out) -> None:
        self.client = client
        self.args = (name, version)
        self.kw = {"experimental_api": experimental, "opt_out_notification_methods": opt_out}

    async def __aenter__(self) -> InProcessClient:
        await self.client.initialize(*self.args, **self.kw)
        return self.client

    async def __aexit__(self, *exc) -> None:
        await self.client.close()
