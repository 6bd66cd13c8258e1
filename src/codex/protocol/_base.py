"""Shared machinery for the wire types: the base Struct, UNSET, ProtocolError and
boundary decoding that turns msgspec failures into one clear error.

Field conventions (to reproduce serde byte-for-byte, key order included):

* field order of a Struct = serde field order (``kw_only`` lets required and
  defaulted fields interleave freely);
* ``x: T | None = None``            serde ``Option<T>`` that is always written (``null``);
* ``x: T | UnsetType = UNSET``      serde ``#[serde(skip_serializing_if = ...)]``: omitted when unset;
* tagged unions put the tag first, exactly like serde's internally tagged enums.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "UNSET",
    "UnsetType",
    "Wire",
    "ProtocolError",
    "FlatUnion",
    "decode",
    "convert",
    "encode",
    "to_builtins",
]

T = TypeVar("T")


class Wire(msgspec.Struct, kw_only=True, omit_defaults=False):
    """Base of every wire Struct. Unknown fields are ignored (serde's default)."""


class ProtocolError(ValueError):
    """A wire message failed to decode or validate at the boundary.

    ``what`` names the message kind (e.g. ``"rollout line"``), ``where`` is the JSON
    path inside the message (``$.payload.type``) or ``""`` when unknown, ``detail``
    is the reason.
    """

    def __init__(self, what: str, where: str, detail: str) -> None:
        self.what = what
        self.where = where
        self.detail = detail
        loc = f" at {where}" if where else ""
        super().__init__(f"invalid {what}{loc}: {detail}")


_AT = re.compile(r"^(?P<detail>.*?)(?: - at `(?P<where>[^`]*)`)?$", re.S)


def _error(what: str, exc: Exception, prefix: str = "$") -> ProtocolError:
    m = _AT.match(str(exc))
    detail = m.group("detail") if m else str(exc)
    where = (m.group("where") or "") if m else ""
    if where and prefix != "$":
        where = prefix + where[1:]
    elif not where and prefix != "$":
        where = prefix
    return ProtocolError(what, where, detail)


def decode(data: bytes | str, type: type[T] | Any, what: str, *, prefix: str = "$") -> T:
    """Decode JSON ``data`` into ``type``; any failure becomes a ``ProtocolError``."""
    try:
        return msgspec.json.decode(data, type=type)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise _error(what, exc, prefix) from None


def convert(obj: Any, type: type[T] | Any, what: str, *, prefix: str = "$") -> T:
    """Validate already-parsed JSON (dicts/lists) into ``type``."""
    try:
        return msgspec.convert(obj, type=type)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise _error(what, exc, prefix) from None


class FlatUnion:
    """A serde struct that flattens an internally tagged enum: the tag is not the first
    key, which msgspec's tagged unions cannot express. The variants are plain Structs
    carrying the tag as an ordinary field; ``convert`` dispatches on it."""

    def __init__(self, tag: str, variants: dict[str, type]) -> None:
        self.tag = tag
        self.variants = variants

    def convert(self, obj: Any, what: str, prefix: str = "$") -> Any:
        if not isinstance(obj, dict):
            raise ProtocolError(what, prefix, f"Expected `object`, got `{type(obj).__name__}`")
        value = obj.get(self.tag)
        cls = self.variants.get(value) if isinstance(value, str) else None
        if cls is None:
            raise ProtocolError(what, f"{prefix}.{self.tag}", f"Invalid value {value!r}")
        return convert(obj, cls, what, prefix=prefix)


_encoder = msgspec.json.Encoder()


def encode(obj: Any) -> bytes:
    """Compact JSON, struct field order, as serde_json writes it."""
    return _encoder.encode(obj)


def to_builtins(obj: Any) -> Any:
    """Plain dicts/lists in wire form (key order preserved)."""
    return msgspec.to_builtins(obj)
