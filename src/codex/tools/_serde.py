"""Tool-call arguments read the way upstream's serde_json reads them, with the same error texts
and positions (the model sees `failed to parse function arguments: <serde error>`).

Built on `codex.auth._json` (strings, enums, structs, positions) and adds what tool arguments
need: `Vec`, integers (`Int`) and `BOOL`.
"""
from __future__ import annotations

from codex.auth._json import (  # noqa: F401  (re-exported for the handlers)
    ANY, OPT_STRING, STRING, Enum, Error, Field, Struct, _Deferred, _Reader, _Schema,
)

__all__ = ["ANY", "BOOL", "OPT_BOOL", "Enum", "Error", "Field", "Int", "OPT_STRING", "STRING", "Struct", "Vec",
           "parse_args", "parse_error_text"]

_RANGES = {"i64": (-(2 ** 63), 2 ** 63 - 1), "u64": (0, 2 ** 64 - 1), "u32": (0, 2 ** 32 - 1),
           "i32": (-(2 ** 31), 2 ** 31 - 1), "usize": (0, 2 ** 64 - 1)}


class Vec(_Schema):
    expecting = "a sequence"

    def __init__(self, inner, optional: bool = False):
        self.inner = inner
        self.optional = optional


class Int(_Schema):
    def __init__(self, kind: str = "i64", optional: bool = False):
        self.kind = kind
        self.optional = optional
        self.expecting = kind


class _Bool(_Schema):
    expecting = "a boolean"

    def __init__(self, optional: bool):
        self.optional = optional


BOOL = _Bool(False)
OPT_BOOL = _Bool(True)


class _ArgsReader(_Reader):
    def typed(self, schema):
        if isinstance(schema, (Vec, Int, _Bool)):
            c = self.ws()
            if c is None:
                raise self.peek_error("EOF while parsing a value")
            if schema.optional and c == 0x6E:
                self.i += 1
                self.ident(b"ull")
                return None
            if isinstance(schema, Vec):
                if c != 0x5B:
                    raise self.invalid_type(c, schema)
                self.i += 1
                out = []
                state = [True]
                while self.next_element(state):
                    out.append(self.typed(schema.inner))
                err = self._end_seq()
                if err is not None:
                    raise err
                return out
            if isinstance(schema, _Bool):
                if c in (0x74, 0x66):
                    return self.scalar(c)
                raise self.invalid_type(c, schema)
            # integers
            if c == 0x2D or 0x30 <= c <= 0x39:
                value = self.number()
                if isinstance(value, float):
                    raise self.fix(Error(f"invalid type: floating point `{value!r}`, expected {schema.kind}"))
                lo, hi = _RANGES[schema.kind]
                if not lo <= value <= hi:
                    raise self.fix(Error(f"invalid value: integer `{value}`, expected {schema.kind}"))
                return value
            raise self.invalid_type(c, schema)
        return super().typed(schema)


def parse_args(text: str | bytes, schema):
    """serde_json::from_str::<T>(text) for a schema; raises `Error`."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    r = _ArgsReader(data)
    try:
        value = r.typed(schema)
    except _Deferred as d:
        raise r.fix(d.error) from None
    r.end()
    return value


def parse_error_text(err: Exception) -> str:
    """Upstream's `parse_arguments` message for a failed parse."""
    return f"failed to parse function arguments: {err}"
