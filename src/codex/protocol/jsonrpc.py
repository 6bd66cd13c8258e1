"""JSON-RPC envelopes of the app-server (newline-delimited JSON, no ``"jsonrpc"``
member in what the server sends) and typed decoding of params/results through the
generated method tables in ``app_server_v2``.

Key order follows the reference: client requests ``id, method, params``; server
requests ``method, id, params``; responses ``id, result``; errors ``error, id``.
"""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec

from ._base import UNSET, FlatUnion, UnsetType, Wire, ProtocolError, convert, decode

__all__ = [
    "RequestId", "JSONRPCRequest", "JSONRPCServerRequest", "JSONRPCNotification",
    "JSONRPCResponse", "JSONRPCErrorError", "JSONRPCError", "Message", "Direction",
    "decode_message", "decode_result",
]

RequestId = Union[int, str]
Direction = Literal["c2s", "s2c"]


class JSONRPCRequest(Wire, kw_only=True):
    """Client -> server request (``jsonrpc`` accepted and kept when a client sends it)."""

    jsonrpc: Literal["2.0"] | UnsetType = UNSET
    id: RequestId
    method: str
    params: Any = UNSET
    trace: Any = UNSET


class JSONRPCServerRequest(Wire, kw_only=True):
    """Server -> client request."""

    method: str
    id: RequestId
    params: Any = UNSET


class JSONRPCNotification(Wire, kw_only=True):
    method: str
    params: Any = UNSET


class JSONRPCResponse(Wire, kw_only=True):
    id: RequestId
    result: Any


class JSONRPCErrorError(Wire, kw_only=True):
    code: int
    message: str
    data: Any = UNSET


class JSONRPCError(Wire, kw_only=True):
    error: JSONRPCErrorError
    id: RequestId | None = None


Message = Union[JSONRPCRequest, JSONRPCServerRequest, JSONRPCNotification, JSONRPCResponse, JSONRPCError]


class _Probe(msgspec.Struct):
    id: Any = UNSET
    method: str | UnsetType = UNSET
    result: Any = UNSET
    error: Any = UNSET


def _tables():
    from . import app_server_v2 as v2

    return v2


def decode_message(data: bytes | str, direction: Direction, *, typed: bool = True) -> Message:
    """Decode one line sent in ``direction``. With ``typed``, request and notification
    ``params`` become the generated Structs (unknown method: ``ProtocolError``).
    Responses stay untyped here: pair them with their request and call ``decode_result``."""
    what = "JSON-RPC message"
    probe = decode(data, _Probe, what)
    if probe.error is not UNSET:
        return decode(data, JSONRPCError, what)
    if probe.result is not UNSET:
        return decode(data, JSONRPCResponse, what)
    if probe.method is UNSET:
        raise ProtocolError(what, "$", "neither a request, a notification nor a response")
    v2 = _tables()
    if probe.id is UNSET:
        msg = decode(data, JSONRPCNotification, what)
        table = v2.CLIENT_NOTIFICATIONS if direction == "c2s" else v2.SERVER_NOTIFICATIONS
    else:
        cls = JSONRPCRequest if direction == "c2s" else JSONRPCServerRequest
        msg = decode(data, cls, what)
        table = v2.CLIENT_REQUESTS if direction == "c2s" else v2.SERVER_REQUESTS
    if typed:
        spec = table.get(msg.method)
        if spec is None and table is v2.CLIENT_REQUESTS:
            spec = v2.CLIENT_REQUESTS_LEGACY.get(msg.method)
        if spec is None:
            raise ProtocolError(what, "$.method", f"unknown method {msg.method!r}")
        if spec.params is not None and msg.params is not UNSET:
            msg.params = _convert(msg.params, spec.params, f"{msg.method} params", "$.params")
    return msg


def decode_result(result: Any, method: str, direction: Direction) -> Any:
    """Type the ``result`` of a response to ``method`` (a request sent in ``direction``)."""
    v2 = _tables()
    table = v2.CLIENT_REQUESTS if direction == "c2s" else v2.SERVER_REQUESTS
    spec = table.get(method)
    if spec is None and direction == "c2s":
        spec = v2.CLIENT_REQUESTS_LEGACY.get(method)
    if spec is None or spec.response is None:
        raise ProtocolError(f"{method} result", "$.result", f"unknown method {method!r}")
    return _convert(result, spec.response, f"{method} result", "$.result")


def _convert(obj: Any, typ: Any, what: str, prefix: str) -> Any:
    if isinstance(typ, FlatUnion):
        return typ.convert(obj, what, prefix)
    return convert(obj, typ, what, prefix=prefix)
