"""The app-server's JSON-RPC message processor (codex-rs/app-server `message_processor.rs`).

Wire rules (0.136.0): JSON-RPC 2.0 without the ``"jsonrpc"`` member on output (a client may
send it; it is ignored). Client requests are checked in this order, each failure answered
with code -32600 as the reference words it:

1. the method must be a ``ClientRequest`` variant: ``Invalid request: unknown variant `x`,
   expected one of `initialize`, ...``;
2. ``params`` must deserialize as serde would into the reference's type (``serde_check``,
   driven by the protocol's schema model): ``Invalid request: missing field `params```,
   ``Invalid request: missing field `threadId```, ``invalid type: string "x", expected u32``,
   ``unknown variant `x`, expected one of ...``;
3. ``initialize`` twice: ``Already initialized``; anything else before it: ``Not initialized``;
4. experimental methods (and experimental params fields) need the ``experimentalApi``
   capability: ``<method> requires experimentalApi capability``.

Unparseable lines, batch arrays, requests whose id is neither an integer nor a string,
unknown notifications and responses to nothing are ignored.

Registering methods
-------------------
A handler is ``async def handler(params: dict | None, conn: Connection) -> dict | Struct``;
it receives the validated raw ``params`` (``None`` for methods without params) and returns
the ``result``. Raise ``JsonRpcError`` (``invalid_request(msg)`` -32600,
``invalid_params(msg)`` -32602, ``internal_error(msg)`` -32603, or ``JsonRpcError(code, msg,
data)``) to answer with an error; any other exception becomes -32603 with its message. A
method nobody registered answers -32601 ``<method> is not implemented in this build``. ::

    from codex.app_server.server import MethodRegistry, invalid_request

    def register_methods(registry: MethodRegistry) -> None:
        @registry.method("thread/start")
        async def thread_start(params, conn):
            conn.notify("thread/started", {...})      # queued, never dropped
            return {"thread": ...}

        registry.register("turn/start", turn_start)  # same thing, without a decorator

Put the module path in ``HANDLER_MODULES`` below (each listed module's
``register_methods(registry)`` runs when an ``AppServer`` is created), or call
``AppServer.registry.register`` directly.

Inside a handler:

* ``conn.notify(method, params)``: a server notification to this client (dropped only
  when the client opted out of that method at initialize);
* ``conn.server.broadcast(method, params)``: to every initialized connection;
* ``await conn.request(method, params, id_sink=None)``: a server -> client request (ids
  0, 1, ... per connection; ``id_sink`` list receives the id before it is sent); returns
  the client's ``result`` or raises ``JsonRpcError`` with the client's error (or
  ``ConnectionError`` when the connection closes first);
* ``conn.after_response(fn)``: ``fn()`` runs right after this request's response is queued
  (for notifications the reference sends after a response, e.g. ``account/login/completed``);
* ``conn.server``: the shared ``AppServer`` (``config()``, ``codex_home``, ``state`` dict
  for per-server singletons); ``conn.state``: a dict for per-connection state;
  ``conn.on_close(fn)``: cleanup when the client goes; ``conn.experimental_api``,
  ``conn.client_info``. ``conn.notify`` may be called from any thread.

Every request runs in its own task: a long ``command/exec`` does not block the connection.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import os
import threading
from typing import Any, Awaitable, Callable, Iterable

__all__ = [
    "AppServer", "Connection", "MethodRegistry", "JsonRpcError", "invalid_request", "invalid_params",
    "internal_error", "HANDLER_MODULES", "INVALID_REQUEST", "INTERNAL_ERROR",
    "METHOD_NOT_FOUND", "client_request_methods", "experimental_methods",
]

INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603

# Modules whose `register_methods(registry)` fills the registry of every new AppServer.
HANDLER_MODULES: list[str] = [
    "codex.app_server.offline",
    "codex.app_server.config_api",
    "codex.app_server.skills_api",
    "codex.app_server.threads",
    "codex.app_server.thread_methods",
    "codex.app_server.mcp_methods",
]

Handler = Callable[[Any, "Connection"], Awaitable[Any]]


class JsonRpcError(Exception):
    """An error response (``{"error": {"code", "message", "data"?}, "id"}``)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_wire(self) -> dict:
        # JSONRPCErrorError's field order: code, data (skipped when None), message
        err: dict = {"code": self.code}
        if self.data is not None:
            err["data"] = self.data
        err["message"] = self.message
        return err


def invalid_request(message: str, data: Any = None) -> JsonRpcError:
    return JsonRpcError(INVALID_REQUEST, message, data)


def invalid_params(message: str, data: Any = None) -> JsonRpcError:
    return JsonRpcError(INVALID_PARAMS, message, data)


def internal_error(message: str, data: Any = None) -> JsonRpcError:
    return JsonRpcError(INTERNAL_ERROR, message, data)


# ---------------------------------------------------------------------------------------------
# method inventory (from the generated protocol tables)
# ---------------------------------------------------------------------------------------------

_LEGACY_BEFORE = "fuzzyFileSearch"


def _v2():
    from codex.protocol import app_server_v2

    return app_server_v2


def client_request_methods() -> list[str]:
    """Every ``ClientRequest`` variant in declaration order (the order of serde's "expected
    one of" list): the v2 methods with the three legacy ones before ``fuzzyFileSearch``."""
    from ._method_table import METHODS

    return list(METHODS)


def experimental_methods() -> set[str]:
    from ._method_table import EXPERIMENTAL

    return set(EXPERIMENTAL)


def render_method_table() -> str:
    """The text of ``_method_table.py``: what dispatch needs to know about every method, taken
    from the generated v2 protocol module, so that serving a request does not import that
    module (~1,100 classes, 20-40 ms): method order, experimental methods, methods without
    params, each method's params type name. tests/app_server checks the file is current."""
    v2 = _v2()
    methods = list(v2.CLIENT_REQUESTS)
    at = methods.index(_LEGACY_BEFORE)
    methods = methods[:at] + list(v2.CLIENT_REQUESTS_LEGACY) + methods[at:]
    specs = {**v2.CLIENT_REQUESTS, **v2.CLIENT_REQUESTS_LEGACY}
    experimental = [m for m in methods if specs[m].experimental]
    no_params = [m for m in methods if specs[m].params is None]
    params_type = {m: specs[m].params.__name__ for m in methods
                   if specs[m].params is not None and isinstance(specs[m].params, type)}
    lines = ['"""Generated by codex.app_server.server.render_method_table() from the v2 protocol',
             'module; do not edit (tests/app_server/test_method_table.py keeps it current)."""',
             "", "METHODS = ("]
    lines += [f"    {m!r}," for m in methods]
    lines += [")", "", "EXPERIMENTAL = frozenset({"]
    lines += [f"    {m!r}," for m in experimental]
    lines += ["})", "", "NO_PARAMS = frozenset({"]
    lines += [f"    {m!r}," for m in no_params]
    lines += ["})", "", "PARAMS_TYPE = {"]
    lines += [f"    {m!r}: {n!r}," for m, n in params_type.items()]
    lines += ["}", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------------


class MethodRegistry:
    """Client request method -> async handler."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, method: str, handler: Handler) -> Handler:
        self._handlers[method] = handler
        return handler

    def method(self, name: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            return self.register(name, fn)

        return deco

    def get(self, method: str) -> Handler | None:
        return self._handlers.get(method)

    def __contains__(self, method: str) -> bool:
        return method in self._handlers

    def methods(self) -> list[str]:
        return list(self._handlers)


# ---------------------------------------------------------------------------------------------
# params validation (serde-style messages)
# ---------------------------------------------------------------------------------------------


def _serde_type_name(value: Any) -> str:
    from codex._serde_text import unexpected
    return unexpected(value)


_EXPECTED = {"str": "a string", "int": "an integer", "bool": "a boolean", "float": "a float",
             "array": "a sequence", "object": "a map", "null": "unit"}


def _lookup(obj: Any, path: str) -> Any:
    import re

    cur = obj
    for key, idx in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path[1:] if path.startswith("$") else path):
        try:
            cur = cur[int(idx)] if idx else cur[key]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def _serde_message(exc: Exception, params: Any) -> str:
    import re

    text = str(exc)
    m = re.match(r"^(.*?)(?: - at `([^`]*)`)?$", text, re.S)
    detail, where = (m.group(1), m.group(2) or "$") if m else (text, "$")
    mm = re.match(r"Object missing required field `([^`]*)`", detail)
    if mm:
        return f"missing field `{mm.group(1)}`"
    mm = re.match(r"Expected `([^`]*)`, got `([^`]*)`", detail)
    if mm:
        want = mm.group(1).split(" | ")[0]
        return f"invalid type: {_serde_type_name(_lookup(params, where))}, expected {_EXPECTED.get(want, want)}"
    mm = re.match(r"Invalid enum value (.*)", detail)
    if mm:
        return f"unknown variant `{_lookup(params, where)}`"
    return detail


def _params_schema(method: str) -> tuple[dict, str | None] | None:
    from .serde_check import params_schemas

    return params_schemas().get(method)


def validate_params(method: str, spec, params: Any, has_params: bool) -> None:
    """Raise ``JsonRpcError`` as serde deserializing ``ClientRequest`` would (see
    ``serde_check``); types the schema lacks (legacy v1 params) are checked with msgspec.
    ``spec``: the method's v2 ``MethodSpec``, or None to look it up only when needed (a method
    that takes params)."""
    if spec is not None and spec.params is None:
        return
    if not has_params or params is None:
        raise invalid_request("Invalid request: missing field `params`")
    found = _params_schema(method)
    if found is not None:
        from .serde_check import SerdeError, check

        try:
            check(params, found[0], found[1])
        except SerdeError as exc:
            raise invalid_request(f"Invalid request: {exc}") from None
        return
    if spec is None:
        v2 = _v2()
        spec = v2.CLIENT_REQUESTS.get(method) or v2.CLIENT_REQUESTS_LEGACY.get(method)
    import msgspec

    from codex.protocol._base import FlatUnion

    try:
        if isinstance(spec.params, FlatUnion):
            spec.params.convert(params, f"{method} params")
        else:
            msgspec.convert(params, type=spec.params)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise invalid_request(f"Invalid request: {_serde_message(exc, params)}") from None
    except Exception as exc:  # ProtocolError from FlatUnion
        raise invalid_request(f"Invalid request: {getattr(exc, 'detail', exc)}") from None


# ---------------------------------------------------------------------------------------------
# connection
# ---------------------------------------------------------------------------------------------

_current_request: contextvars.ContextVar[Any] = contextvars.ContextVar("app_server_request", default=None)


class _RequestCtx:
    __slots__ = ("id", "method", "after")

    def __init__(self, id: Any, method: str) -> None:
        self.id = id
        self.method = method
        self.after: list[Callable[[], Any]] = []


class Connection:
    """One client. ``send`` receives every outgoing message as a plain dict (wire key order);
    transports serialize it, the in-process client takes it as is."""

    _ids = itertools.count(1)

    def __init__(self, server: "AppServer", send: Callable[[dict], None], *, name: str = "") -> None:
        self.server = server
        self.id = next(Connection._ids)
        self.name = name
        self._send = send
        self.initialized = False
        self.experimental_api = False
        self.request_attestation = False
        self.client_info: dict | None = None
        self.opt_out: set[str] = set()
        self.state: dict[str, Any] = {}
        self.closed = False
        self._next_server_request_id = 0
        self._pending: dict[Any, asyncio.Future] = {}
        self._tasks: set[asyncio.Task] = set()
        self._close_callbacks: list[Callable[[], Any]] = []
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self._loop_thread = threading.get_ident() if self._loop is not None else None

    # -- outgoing ----------------------------------------------------------------------------

    def _emit(self, msg: dict) -> None:
        """Queue one message; safe from any thread (hops onto the server's loop)."""
        if self.closed:
            return
        if self._loop is not None and threading.get_ident() != self._loop_thread:
            self._loop.call_soon_threadsafe(self._emit, msg)
            return
        self._send(msg)

    def notify(self, method: str, params: Any = None) -> None:
        """Send a server notification (``params`` omitted when None)."""
        if method in self.opt_out:
            return
        msg: dict = {"method": method}
        if params is not None:
            msg["params"] = _builtins(params)
        self._emit(msg)

    async def request(self, method: str, params: Any = None, *, id_sink: list | None = None) -> Any:
        """Send a server -> client request and wait for its response's ``result``.
        ``id_sink`` (a list) receives the request's JSON-RPC id before it is sent."""
        rid = self._next_server_request_id
        self._next_server_request_id += 1
        if id_sink is not None:
            id_sink.append(rid)
        fut = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        msg: dict = {"method": method, "id": rid}
        if params is not None:
            msg["params"] = _builtins(params)
        self._emit(msg)
        try:
            return await fut
        finally:
            self._pending.pop(rid, None)

    def after_response(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` right after the response of the request being handled is queued."""
        ctx = _current_request.get()
        if ctx is None:
            fn()
        else:
            ctx.after.append(fn)

    def on_close(self, fn: Callable[[], Any]) -> None:
        self._close_callbacks.append(fn)

    def _respond(self, rid: Any, result: Any) -> None:
        self._emit({"id": rid, "result": _builtins(result)})

    def _error(self, rid: Any, err: JsonRpcError) -> None:
        self._emit({"error": err.to_wire(), "id": rid})

    # -- incoming ----------------------------------------------------------------------------

    def receive_line(self, line: bytes | str) -> None:
        """One line / frame of JSON from the transport. Invalid JSON is ignored."""
        import json

        try:
            msg = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return
        if isinstance(msg, dict):
            self.receive(msg)

    def receive(self, msg: dict) -> None:
        """Dispatch one parsed message (must be called on the server's event loop)."""
        if self.closed:
            return
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop_thread = threading.get_ident()
        has_method = isinstance(msg.get("method"), str)
        if "id" in msg and not _valid_id(msg["id"]):
            return      # not a JSON-RPC message serde accepts (null, float, bool ids): dropped
        if has_method and "id" in msg:
            task = asyncio.get_running_loop().create_task(self._handle_request(msg))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif has_method:
            self._handle_notification(msg)
        elif "result" in msg or "error" in msg:
            fut = self._pending.get(msg.get("id"))
            if fut is not None and not fut.done():
                if "error" in msg:
                    e = msg.get("error") or {}
                    fut.set_exception(JsonRpcError(e.get("code", INTERNAL_ERROR), e.get("message", ""), e.get("data")))
                else:
                    fut.set_result(msg.get("result"))

    def _handle_notification(self, msg: dict) -> None:
        hook = self.server.notification_handlers.get(msg["method"])
        if hook is not None:
            try:
                hook(msg.get("params"), self)
            except Exception:
                pass

    async def _handle_request(self, msg: dict) -> None:
        rid = msg.get("id")
        method = msg["method"]
        ctx = _RequestCtx(rid, method)
        _current_request.set(ctx)
        try:
            result = await self.server.dispatch(self, method, msg.get("params"), "params" in msg)
        except JsonRpcError as err:
            self._error(rid, err)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a handler bug: answer rather than hang the client
            self._error(rid, internal_error(str(exc) or type(exc).__name__))
        else:
            self._respond(rid, result)
        for fn in ctx.after:
            res = fn()
            if asyncio.iscoroutine(res):
                await res

    async def close(self) -> None:
        """Stop this connection's requests and run its ``on_close`` callbacks."""
        if self.closed:
            return
        self.closed = True
        self.server.connections.discard(self)
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("connection closed"))
        for task in list(self._tasks):
            task.cancel()
        for fn in self._close_callbacks:
            try:
                res = fn()
                if asyncio.iscoroutine(res):
                    await res
            except Exception:
                pass

    async def drain(self) -> None:
        """Wait for the requests under way."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _valid_id(rid: Any) -> bool:
    return isinstance(rid, str) or (isinstance(rid, int) and not isinstance(rid, bool))


def _builtins(obj: Any) -> Any:
    if obj is None or isinstance(obj, (dict, list, str, int, float, bool)):
        return obj
    import msgspec

    return msgspec.to_builtins(obj)


# ---------------------------------------------------------------------------------------------
# server
# ---------------------------------------------------------------------------------------------


class AppServer:
    """State shared by every connection of one app-server process."""

    def __init__(self, *, cli_overrides: Iterable = (), enable: Iterable[str] = (),
                 disable: Iterable[str] = (), strict_config: bool = False,
                 codex_home: str | None = None, environ: dict | None = None,
                 handler_modules: Iterable[str] | None = None, session_source: str = "vscode",
                 trusted_clients: bool = False) -> None:
        """`trusted_clients`: every connection is our own in-process face (exec), whose
        requests are built from the typed protocol: the method table and param validation
        (the generated v2 module, ~40 ms to import) are skipped."""
        from codex.config.loader import find_codex_home

        self.environ = os.environ if environ is None else environ
        self.codex_home = codex_home or find_codex_home(self.environ)
        self.cli_overrides = list(cli_overrides)
        self.enable = list(enable)
        self.disable = list(disable)
        self.strict_config = strict_config
        self.session_source = session_source
        self.registry = MethodRegistry()
        self.notification_handlers: dict[str, Callable[[Any, Connection], Any]] = {}
        self.connections: set[Connection] = set()
        self.state: dict[str, Any] = {}
        self._config = None
        self._trusted = trusted_clients
        self._method_table: tuple[list[str], set[str], set[str]] | None = None
        from .initialize import register_methods as _init

        _init(self.registry, self)
        import importlib

        for mod in (HANDLER_MODULES if handler_modules is None else handler_modules):
            importlib.import_module(mod).register_methods(self.registry)

    # -- config ------------------------------------------------------------------------------

    def config(self, *, reload: bool = False, cwd: str | None = None):
        """The effective config (loaded once; ``reload`` after writes; ``cwd`` for a
        project-scoped load that is not cached)."""
        from codex.config.loader import load_config

        if cwd is not None:
            return load_config(self.cli_overrides, enable=self.enable, disable=self.disable,
                               codex_home=self.codex_home, cwd=cwd, environ=self.environ)
        if self._config is None or reload:
            self._config = load_config(self.cli_overrides, enable=self.enable, disable=self.disable,
                                       codex_home=self.codex_home, strict=self.strict_config,
                                       environ=self.environ)
        return self._config

    # -- connections -------------------------------------------------------------------------

    def connect(self, send: Callable[[dict], None], *, name: str = "") -> Connection:
        conn = Connection(self, send, name=name)
        self.connections.add(conn)
        return conn

    def broadcast(self, method: str, params: Any = None) -> None:
        for conn in list(self.connections):
            if conn.initialized:
                conn.notify(method, params)

    # -- dispatch ----------------------------------------------------------------------------

    def _tables(self) -> tuple[list[str], set[str], set[str]]:
        if self._method_table is None:
            methods = client_request_methods()
            self._method_table = (methods, set(methods), experimental_methods())
        return self._method_table

    @property
    def _methods(self) -> list[str]:
        return self._tables()[0]

    @property
    def _method_set(self) -> set[str]:
        return self._tables()[1]

    @property
    def _experimental(self) -> set[str]:
        return self._tables()[2]

    def unknown_variant(self, method: str) -> JsonRpcError:
        expected = ", ".join(f"`{m}`" for m in self._methods)
        return invalid_request(f"Invalid request: unknown variant `{method}`, expected one of {expected}")

    async def dispatch(self, conn: Connection, method: str, params: Any, has_params: bool) -> Any:
        if self._trusted and (conn.initialized or method == "initialize"):
            handler = self.registry.get(method)
            if handler is None:
                raise JsonRpcError(METHOD_NOT_FOUND, f"{method} is not implemented in this build")
            return await handler(params, conn)
        if method not in self._method_set:
            raise self.unknown_variant(method)
        from ._method_table import NO_PARAMS

        takes_params = method not in NO_PARAMS
        if takes_params:
            validate_params(method, None, params, has_params)
        if method == "initialize":
            if conn.initialized:
                raise invalid_request("Already initialized")
        elif not conn.initialized:
            raise invalid_request("Not initialized")
        elif method in self._experimental and not conn.experimental_api:
            raise invalid_request(f"{method} requires experimentalApi capability")
        elif not conn.experimental_api:
            field = experimental_field_used(method, params)
            if field is not None:
                raise invalid_request(f"{field} requires experimentalApi capability")
        handler = self.registry.get(method)
        if handler is None:
            raise JsonRpcError(METHOD_NOT_FOUND, f"{method} is not implemented in this build")
        return await handler(params if takes_params else None, conn)


# Reasons upstream's `#[experimental("...")]` names differently from the wire field.
_EXPERIMENTAL_REASON_NAMES = {"persistExtendedHistory": "persistFullHistory"}


def experimental_field_used(method: str, params: Any) -> str | None:
    """The reason (``<method>.<field>``, or ``askForApproval.granular`` for a granular
    approval policy) when stable-API params use something only the experimental protocol
    has, else None. As upstream's ``ExperimentalApi`` derive: an optional field counts when
    present and not null (an empty list too), a flag when true; fields in declaration order."""
    if not isinstance(params, dict) or not params:
        return None
    experimental = set(_experimental_params_fields().get(method, ()))
    for name in _declared_fields(method, params):
        value = params.get(name)
        if name in experimental and value is not None and value is not False:
            return f"{method}.{_EXPERIMENTAL_REASON_NAMES.get(name, name)}"
        if name in _approval_fields(method) and isinstance(value, dict) and "granular" in value:
            return "askForApproval.granular"
    return None


def _declared_fields(method: str, params: dict) -> list[str]:
    from .serde_check import _decl_order, params_schemas

    found = params_schemas().get(method)
    order = _decl_order(found[1]) if found and found[1] else []
    return [f for f in order if f in params] + [f for f in params if f not in order]


_APPROVAL_FIELDS: dict[str, set[str]] = {}


def _approval_fields(method: str) -> set[str]:
    """Params fields typed ``AskForApproval`` (its granular variant is experimental)."""
    if method not in _APPROVAL_FIELDS:
        from .serde_check import _defs, params_schemas

        out: set[str] = set()
        found = params_schemas().get(method)
        schema = _defs().get(found[0].get("$ref", "")) if found else None
        for name, sub in ((schema or {}).get("properties") or {}).items():
            if "AskForApproval" in json_dumps(sub):
                out.add(name)
        _APPROVAL_FIELDS[method] = out
    return _APPROVAL_FIELDS[method]


def json_dumps(value: Any) -> str:
    import json

    return json.dumps(value)


_EXP_FIELDS: dict[str, list[str]] | None = None


def _experimental_params_fields() -> dict[str, list[str]]:
    """method -> experimental fields of its params type (from the schema model)."""
    global _EXP_FIELDS
    if _EXP_FIELDS is None:
        from .schema_gen import _model

        by_type: dict[str, list[str]] = {}
        for type_name, field in _model()["experimental_fields"]:
            by_type.setdefault(type_name, []).append(field)
        from ._method_table import PARAMS_TYPE

        out: dict[str, list[str]] = {}
        for method, name in PARAMS_TYPE.items():
            if name in by_type:
                out[method] = sorted(by_type[name])
        _EXP_FIELDS = out
    return _EXP_FIELDS
