"""A JSON reader that fails the way serde_json does: same messages, same `line`/`column`
positions (bytes since the last newline), and typed deserialization with serde-derive's errors
(`invalid type: integer `5`, expected a string`, `missing field `x``, `duplicate field `x``,
`unknown variant ...`).

The reference reports a corrupt `auth.json` with serde_json's error text, e.g. `key must be a
string at line 1 column 2`; `Error` renders exactly that.

Schemas are small descriptions of the Rust types:

- `STRING`, `OPT_STRING` (null -> None), `ANY` (an ignored value, parsed for syntax only);
- `Enum(name, variants)` (unit variants, as strings);
- `Struct(name, fields)` where `fields` is a list of `Field(key, schema, default=...)`;
- `Custom(schema, convert)`: `convert(value)` may raise `CustomError(message)` (serde's
  `Error::custom`; a message ending in ` at line N column M` keeps that position, as serde_json's
  `make_error` does).
"""

from __future__ import annotations

__all__ = ["ANY", "Custom", "CustomError", "Enum", "Error", "Field", "OPT_STRING", "STRING", "Struct",
           "from_bytes", "parse_value"]

import re


class Error(ValueError):
    """A serde_json error: `message` and, when known, `line`/`column` (0 when not)."""

    def __init__(self, message: str, line: int = 0, column: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line == 0:
            return self.message
        return f"{self.message} at line {self.line} column {self.column}"


class CustomError(Exception):
    """Raised by a `Custom` converter: serde's `Error::custom(message)`."""


_POS_SUFFIX = re.compile(r"^(.*) at line (\d+) column (\d+)$", re.S)


def _custom(message: str) -> Error:
    m = _POS_SUFFIX.match(message)
    if m:
        return Error(m.group(1), int(m.group(2)), int(m.group(3)))
    return Error(message)


class _Schema:
    expecting = "any value"


class _String(_Schema):
    expecting = "a string"

    def __init__(self, optional: bool):
        self.optional = optional


class _Any(_Schema):
    pass


STRING = _String(False)
OPT_STRING = _String(True)
ANY = _Any()


class Enum(_Schema):
    def __init__(self, name: str, variants, optional: bool = True):
        self.name = name
        self.variants = list(variants)
        self.optional = optional
        self.expecting = f"enum {name}"


class Field:
    __slots__ = ("key", "schema", "has_default", "default", "attr", "aliases")

    _NO_DEFAULT = object()

    def __init__(self, key: str, schema, default=_NO_DEFAULT, attr: str | None = None, aliases=()):
        self.key = key
        self.aliases = tuple(aliases)
        self.schema = schema
        self.has_default = default is not Field._NO_DEFAULT
        self.default = None if not self.has_default else default
        self.attr = attr or key


class Struct(_Schema):
    def __init__(self, name: str, fields, optional: bool = False):
        self.name = name
        self.fields = list(fields)
        self.optional = optional
        self.expecting = f"struct {name}"


class Custom(_Schema):
    """`deferred=True` (a `deserialize_with` function, an untagged enum): the error's position is
    fixed by the enclosing struct, after its closing brace when that comes next; False (a visitor
    error, e.g. chrono's): right after the value."""

    def __init__(self, inner, convert, expecting: str | None = None, deferred: bool = True):
        self.inner = inner
        self.convert = convert
        self.deferred = deferred
        self.optional = getattr(inner, "optional", False)
        self.expecting = expecting or inner.expecting


_WS = b" \t\n\r"


def _fmt_float(value: float) -> str:
    """serde's `floating point` text: `1.5`, `100000.0`, `1e+20` (Python's repr agrees)."""
    return repr(value)


class _Reader:
    def __init__(self, data: bytes):
        self.s = data
        self.i = 0

    # -- positions

    def position(self, index: int) -> tuple[int, int]:
        head = self.s[:index]
        line = head.count(b"\n") + 1
        last = head.rfind(b"\n")
        return line, index - (last + 1)

    def error(self, message: str) -> Error:
        return Error(message, *self.position(self.i))

    def peek_error(self, message: str) -> Error:
        return Error(message, *self.position(min(len(self.s), self.i + 1)))

    def fix(self, err: Error) -> Error:
        if err.line == 0:
            err.line, err.column = self.position(self.i)
        return err

    # -- scanning

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else None

    def ws(self):
        s, i, n = self.s, self.i, len(self.s)
        while i < n and s[i] in _WS:
            i += 1
        self.i = i
        return s[i] if i < n else None

    def ident(self, rest: bytes):
        for expected in rest:
            c = self.peek()
            if c is None:
                raise self.error("EOF while parsing a value")
            self.i += 1
            if c != expected:
                raise self.error("expected ident")

    def string(self) -> str:
        """At the opening quote."""
        self.i += 1
        s, n = self.s, len(self.s)
        out = bytearray()
        while True:
            if self.i >= n:
                raise self.error("EOF while parsing a string")
            c = s[self.i]
            if c == 0x22:
                self.i += 1
                try:
                    return out.decode("utf-8")
                except UnicodeDecodeError:
                    raise self.error("invalid unicode code point") from None
            if c == 0x5C:
                self.i += 1
                if self.i >= n:
                    raise self.error("EOF while parsing a string")
                e = s[self.i]
                self.i += 1
                simple = {0x22: b'"', 0x5C: b"\\", 0x2F: b"/", 0x62: b"\b", 0x66: b"\f", 0x6E: b"\n",
                          0x72: b"\r", 0x74: b"\t"}
                if e in simple:
                    out += simple[e]
                elif e == 0x75:
                    cp = self._hex4()
                    if 0xD800 <= cp < 0xDC00 and s[self.i:self.i + 2] == b"\\u":
                        save = self.i
                        self.i += 2
                        low = self._hex4()
                        if 0xDC00 <= low < 0xE000:
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
                        else:
                            self.i = save
                    out += chr(cp).encode("utf-8", "surrogatepass")
                else:
                    raise self.error("invalid escape")
                continue
            if c < 0x20:
                raise self.error("control character (\\u0000-\\u001F) found while parsing a string")
            out.append(c)
            self.i += 1

    def _hex4(self) -> int:
        if self.i + 4 > len(self.s):
            self.i = len(self.s)
            raise self.error("EOF while parsing a string")
        chunk = self.s[self.i:self.i + 4]
        self.i += 4
        if not all(ch in b"0123456789abcdefABCDEF" for ch in chunk):
            raise self.error("invalid escape")
        return int(chunk.decode("ascii"), 16)

    def number(self):
        """At '-' or a digit. Returns int or float."""
        s, n = self.s, len(self.s)
        start = self.i
        if s[self.i] == 0x2D:
            self.i += 1
        c = self.peek()
        if c is None:
            raise self.error("EOF while parsing a value")
        self.i += 1
        if not (0x30 <= c <= 0x39):
            raise self.error("invalid number")
        if c == 0x30:
            c2 = self.peek()
            if c2 is not None and 0x30 <= c2 <= 0x39:
                raise self.peek_error("invalid number")
        else:
            while self.i < n and 0x30 <= s[self.i] <= 0x39:
                self.i += 1
        is_float = False
        if self.peek() == 0x2E:
            is_float = True
            self.i += 1
            c = self.peek()
            if c is None:
                raise self.error("EOF while parsing a value")
            self.i += 1
            if not (0x30 <= c <= 0x39):
                raise self.error("invalid number")
            while self.i < n and 0x30 <= s[self.i] <= 0x39:
                self.i += 1
        if self.peek() in (0x65, 0x45):
            is_float = True
            self.i += 1
            if self.peek() in (0x2B, 0x2D):
                self.i += 1
            c = self.peek()
            if c is None:
                raise self.error("EOF while parsing a value")
            self.i += 1
            if not (0x30 <= c <= 0x39):
                raise self.error("invalid number")
            while self.i < n and 0x30 <= s[self.i] <= 0x39:
                self.i += 1
        text = s[start:self.i].decode("ascii")
        if not is_float:
            value = int(text)
            if -(2 ** 63) <= value < 2 ** 64:
                return value
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise self.error("number out of range")
        return value

    # -- untyped values

    def any_value(self):
        c = self.ws()
        if c is None:
            raise self.peek_error("EOF while parsing a value")
        if c == 0x22:
            return self.string()
        if c == 0x7B:
            self.i += 1
            out = {}
            for key in self.map_keys():
                self.colon()
                out[key] = self.any_value()
            self.i += 1
            return out
        if c == 0x5B:
            self.i += 1
            out = []
            state = [True]
            while self.next_element(state):
                out.append(self.any_value())
            self.i += 1
            return out
        return self.scalar(c)

    def scalar(self, c):
        if c == 0x74:
            self.i += 1
            self.ident(b"rue")
            return True
        if c == 0x66:
            self.i += 1
            self.ident(b"alse")
            return False
        if c == 0x6E:
            self.i += 1
            self.ident(b"ull")
            return None
        if c == 0x2D or 0x30 <= c <= 0x39:
            return self.number()
        raise self.peek_error("expected value")

    def map_keys(self):
        """serde_json's MapAccess: yields each key (parsed), stops at the closing brace (not
        consumed)."""
        first = True
        while True:
            c = self.ws()
            if c == 0x7D:
                return
            if c == 0x2C and not first:
                self.i += 1
                c = self.ws()
            elif c is None:
                raise self.peek_error("EOF while parsing an object")
            elif not first:
                raise self.peek_error("expected `,` or `}`")
            first = False
            if c == 0x22:
                yield self.string()
            elif c == 0x7D:
                raise self.peek_error("trailing comma")
            elif c is None:
                raise self.peek_error("EOF while parsing a value")
            else:
                raise self.peek_error("key must be a string")

    def next_element(self, state: list) -> bool:
        """serde_json's SeqAccess (`state` = [first]): True when an element follows (positioned
        at it), False at the closing bracket (not consumed)."""
        c = self.ws()
        if c == 0x5D:
            return False
        if c == 0x2C and not state[0]:
            self.i += 1
            c = self.ws()
        elif c is None:
            raise self.peek_error("EOF while parsing a list")
        elif not state[0]:
            raise self.peek_error("expected `,` or `]`")
        state[0] = False
        if c == 0x5D:
            raise self.peek_error("trailing comma")
        if c is None:
            raise self.peek_error("EOF while parsing a value")
        return True

    def colon(self):
        c = self.ws()
        if c == 0x3A:
            self.i += 1
            return
        if c is None:
            raise self.peek_error("EOF while parsing an object")
        raise self.peek_error("expected `:`")

    # -- typed values

    def unexpected(self, c) -> str:
        """serde's `Unexpected` for the value at `c` (consumed, except for maps and lists)."""
        if c == 0x22:
            return f'string "{_escape_debug(self.string())}"'
        if c == 0x7B:
            return "map"
        if c == 0x5B:
            return "sequence"
        v = self.scalar(c)
        if v is None:
            return "null"
        if v is True or v is False:
            return f"boolean `{'true' if v else 'false'}`"
        if isinstance(v, float):
            return f"floating point `{_fmt_float(v)}`"
        return f"integer `{v}`"

    def invalid_type(self, c, schema) -> Error:
        what = self.unexpected(c)
        return self.fix(Error(f"invalid type: {what}, expected {schema.expecting}"))

    def typed(self, schema):
        c = self.ws()
        if c is None:
            raise self.peek_error("EOF while parsing a value")
        if isinstance(schema, _Any):
            return self.any_value()
        if isinstance(schema, Custom):
            if getattr(schema.inner, "optional", False) and c == 0x6E:
                self.i += 1
                self.ident(b"ull")
                return None
            if isinstance(schema.inner, _String) and c != 0x22:
                raise self.invalid_type(c, schema)
            value = self.typed(schema.inner)
            try:
                return schema.convert(value)
            except CustomError as exc:
                err = _custom(str(exc))
                if schema.deferred and err.line == 0:
                    raise _Deferred(err) from None
                raise self.fix(err) from None
        if getattr(schema, "optional", False) and c == 0x6E:
            self.i += 1
            self.ident(b"ull")
            return None
        if isinstance(schema, _String):
            if c == 0x22:
                return self.string()
            raise self.invalid_type(c, schema)
        if isinstance(schema, Enum):
            if c == 0x22:
                name = self.string()
                return self._variant(name, schema)
            if c == 0x7B:
                self.i += 1
                c = self.ws()
                if c != 0x22:
                    raise self.peek_error("key must be a string")
                name = self.string()
                value = self._variant(name, schema)
                self.colon()
                self.typed(ANY)
                c = self.ws()
                if c == 0x7D:
                    self.i += 1
                    return value
                raise self.peek_error("expected `,` or `}`" if c is not None else "EOF while parsing an object")
            raise self.peek_error("expected value")
        if isinstance(schema, Struct):
            if c == 0x7B:
                return self._struct_map(schema)
            if c == 0x5B:
                return self._struct_seq(schema)
            raise self.invalid_type(c, schema)
        raise TypeError(schema)  # pragma: no cover

    def _variant(self, name, schema):
        if name in schema.variants:
            return name
        listed = ", ".join(f"`{v}`" for v in schema.variants)
        if len(schema.variants) == 2:
            listed = f"`{schema.variants[0]}` or `{schema.variants[1]}`"
            raise self.fix(Error(f"unknown variant `{name}`, expected {listed}"))
        raise self.fix(Error(f"unknown variant `{name}`, expected one of {listed}"))

    def _end_map(self):
        c = self.ws()
        if c == 0x7D:
            self.i += 1
            return None
        if c == 0x2C:
            return self.peek_error("trailing comma")
        if c is None:
            return self.peek_error("EOF while parsing an object")
        return self.peek_error("trailing characters")

    def _struct_map(self, schema: Struct):
        self.i += 1
        by_key = {f.key: f for f in schema.fields}
        for f in schema.fields:
            for alias in f.aliases:
                by_key[alias] = f
        seen: dict = {}
        try:
            for key in self.map_keys():
                field = by_key.get(key)
                if field is not None and field.key in seen:
                    raise _Deferred(Error(f"duplicate field `{key}`"))
                self.colon()
                if field is None:
                    self.typed(ANY)
                    continue
                seen[field.key] = self.typed(field.schema)
            out = {}
            for f in schema.fields:
                if f.key in seen:
                    out[f.attr] = seen[f.key]
                elif f.has_default or getattr(f.schema, "optional", False):
                    out[f.attr] = f.default
                else:
                    raise _Deferred(Error(f"missing field `{f.key}`"))
        except _Deferred as d:
            self._end_map()
            raise self.fix(d.error) from None
        err = self._end_map()
        if err is not None:
            raise err
        return out

    def _struct_seq(self, schema: Struct):
        self.i += 1
        out = {}
        n = len(schema.fields)
        state = [True]
        ended = False
        try:
            for index, f in enumerate(schema.fields):
                if not ended and not self.next_element(state):
                    ended = True
                if ended:
                    if f.has_default:
                        out[f.attr] = f.default
                        continue
                    raise _Deferred(Error(f"invalid length {index}, expected struct {schema.name} with {n} elements"))
                out[f.attr] = self.typed(f.schema)
        except _Deferred as d:
            self._end_seq()
            raise self.fix(d.error) from None
        err = self._end_seq()
        if err is not None:
            raise err
        return out

    def _end_seq(self):
        c = self.ws()
        if c == 0x5D:
            self.i += 1
            return None
        if c == 0x2C:
            self.i += 1
            if self.ws() == 0x5D:
                return self.peek_error("trailing comma")
            return self.peek_error("trailing characters")
        if c is None:
            return self.peek_error("EOF while parsing a list")
        return self.peek_error("trailing characters")

    def end(self):
        if self.ws() is not None:
            raise self.peek_error("trailing characters")


class _Deferred(Exception):
    def __init__(self, error: Error):
        self.error = error


def _escape_debug(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def from_bytes(data: bytes, schema):
    """Deserialize `data` as `schema` (serde_json::from_slice); raises `Error`."""
    r = _Reader(data)
    try:
        value = r.typed(schema)
    except _Deferred as d:
        raise r.fix(d.error) from None
    r.end()
    return value


def parse_value(data: bytes | str):
    """Parse any JSON value (serde_json::Value); raises `Error`."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    r = _Reader(data)
    value = r.any_value()
    r.end()
    return value
