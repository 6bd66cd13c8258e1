"""Tool-call argument parsing with serde_json's error texts (what the model reads back).

Upstream deserializes `exec_command` / `write_stdin` arguments into Rust structs with serde_json;
a failure answers the model `failed to parse function arguments: <serde error>`, e.g.
`missing field `cmd` at line 1 column 2` or
`invalid type: integer `5`, expected a string at line 1 column 9`. This module checks the same
things in the same order (fields in document order, unknown fields ignored, then the first missing
required field in declaration order) and renders the same messages and positions:
a scalar's error points at its last byte, a map/sequence's at its opening bracket, a missing
field at the closing brace. Columns count bytes, as serde_json does.
"""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

__all__ = ["ArgsError", "Field", "parse_struct"]

_WS = " \t\n\r"


class ArgsError(Exception):
    pass


# (name, kind, required, nullable): kind in string|bool|u64|usize|i32|any
Field = tuple[str, str, bool, bool]

_EXPECTED = {"string": "a string", "bool": "a boolean", "u64": "u64", "usize": "usize", "i32": "i32"}
_RANGES = {"u64": (0, 2**64 - 1), "usize": (0, 2**64 - 1), "i32": (-(2**31), 2**31 - 1)}


def _rust_debug_str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _unexpected(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return f"boolean `{'true' if v else 'false'}`"
    if isinstance(v, int):
        return f"integer `{v}`"
    if isinstance(v, float):
        return f"floating point `{_rust_float(v)}`"
    if isinstance(v, str):
        return f"string {_rust_debug_str(v)}"
    if isinstance(v, list):
        return "sequence"
    return "map"


def _rust_float(v: float) -> str:
    if math.isfinite(v) and v == int(v) and abs(v) < 1e16:
        return f"{int(v)}.0"
    return repr(v)


class _Pos:
    def __init__(self, text: str):
        self.text = text

    def at(self, idx: int) -> str:
        """serde_json's ` at line L column C` for a 0-based char index whose byte is the last
        consumed (column = 1-based byte position on its line)."""
        line = self.text.count("\n", 0, idx) + 1
        start = self.text.rfind("\n", 0, idx) + 1
        col = len(self.text[start:idx + 1].encode("utf-8"))
        return f" at line {line} column {col}"


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in _WS:
        i += 1
    return i


def _check(name: str, kind: str, nullable: bool, value: Any) -> str | None:
    if kind == "any":
        return None
    if value is None:
        return None if nullable else f"invalid type: null, expected {_EXPECTED[kind]}"
    ok = {
        "string": isinstance(value, str),
        "bool": isinstance(value, bool),
    }.get(kind)
    if ok is None:  # integers
        if isinstance(value, int) and not isinstance(value, bool):
            lo, hi = _RANGES[kind]
            if lo <= value <= hi:
                return None
            return f"invalid value: integer `{value}`, expected {_EXPECTED[kind]}"
        ok = False
    if ok:
        return None
    return f"invalid type: {_unexpected(value)}, expected {_EXPECTED[kind]}"


def _from_seq(items: list, fields: Sequence[Field], struct_name: str, n_fields: int, pos: "_Pos",
              close: int) -> dict[str, Any]:
    """serde's derived visit_seq: elements fill the fields in order; a missing required one is
    `invalid length N, expected struct X with M elements` (M counts every field of the struct)."""
    out: dict[str, Any] = {}
    for k, (name, kind, required, nullable) in enumerate(fields):
        if k >= len(items):
            if required:
                raise ArgsError(f"invalid length {len(items)}, expected struct {struct_name} with {n_fields} "
                                f"elements{pos.at(close)}")
            continue
        err = _check(name, kind, nullable, items[k])
        if err is not None:
            raise ArgsError(err + pos.at(close))
        if items[k] is not None:
            out[name] = items[k]
    if len(items) > n_fields:
        raise ArgsError(f"trailing characters{pos.at(close)}")
    return out


def parse_struct(text: str | bytes, fields: Sequence[Field], struct_name: str = "Args",
                 n_fields: int | None = None) -> dict[str, Any]:
    """Parse a JSON object into {field: value} for the known fields, or raise ArgsError.

    `struct_name` / `n_fields` (default: len(fields)) appear in serde's messages."""
    n_fields = len(fields) if n_fields is None else n_fields
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    pos = _Pos(text)
    dec = json.JSONDecoder()
    i = _skip_ws(text, 0)
    if i >= len(text):
        raise ArgsError(f"EOF while parsing a value{pos.at(len(text) - 1) if text else ' at line 1 column 0'}")
    if text[i] != "{":
        try:
            value, end = dec.raw_decode(text, i)
        except json.JSONDecodeError:
            raise ArgsError(f"expected value{pos.at(i)}") from None
        if isinstance(value, list):
            return _from_seq(value, fields, struct_name, n_fields, pos, end - 1)
        raise ArgsError(f"invalid type: {_unexpected(value)}, expected struct {struct_name}{pos.at(end - 1)}")
    known = {f[0]: f for f in fields}
    out: dict[str, Any] = {}
    seen: set[str] = set()
    i = _skip_ws(text, i + 1)
    if i < len(text) and text[i] == "}":
        close = i
    else:
        while True:
            if i >= len(text):
                raise ArgsError(f"EOF while parsing an object{pos.at(len(text) - 1)}")
            if text[i] != '"':
                raise ArgsError(f"key must be a string{pos.at(i)}")
            try:
                key, i = dec.raw_decode(text, i)
            except json.JSONDecodeError:
                raise ArgsError(f"EOF while parsing a string{pos.at(len(text) - 1)}") from None
            if key in known and key in seen:
                raise ArgsError(f"duplicate field `{key}`{pos.at(i - 1)}")
            seen.add(key)
            i = _skip_ws(text, i)
            if i >= len(text) or text[i] != ":":
                raise ArgsError(f"expected `:`{pos.at(min(i, len(text) - 1))}")
            i = _skip_ws(text, i + 1)
            try:
                value, end = dec.raw_decode(text, i)
            except json.JSONDecodeError:
                raise ArgsError(f"expected value{pos.at(min(i, len(text) - 1))}") from None
            if key in known:
                name, kind, _required, nullable = known[key]
                err = _check(name, kind, nullable, value)
                if err is not None:
                    # a scalar is consumed before the error; a map or sequence is only peeked
                    where = pos.at(i - 1) if isinstance(value, (list, dict)) else pos.at(end - 1)
                    raise ArgsError(err + where)
                if value is not None or kind == "any":
                    out[name] = value
                else:
                    out[name] = None
            i = _skip_ws(text, end)
            if i >= len(text):
                raise ArgsError(f"EOF while parsing an object{pos.at(len(text) - 1)}")
            if text[i] == ",":
                i = _skip_ws(text, i + 1)
                continue
            if text[i] == "}":
                close = i
                break
            raise ArgsError(f"expected `,` or `}}`{pos.at(i)}")
    for name, _kind, required, _nullable in fields:
        if required and name not in out:
            raise ArgsError(f"missing field `{name}`{pos.at(close)}")
    rest = _skip_ws(text, close + 1)
    if rest < len(text):
        raise ArgsError(f"trailing characters{pos.at(rest)}")
    return {k: v for k, v in out.items() if v is not None}
