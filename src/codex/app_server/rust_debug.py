"""Rust ``{:?}`` (derived ``Debug``) renderings of app-server protocol values, driven by the
protocol's JSON Schema model (``schema_model.json``), for ``codex debug app-server
send-message-v2``, which prints the typed responses and notifications the way the upstream test
client's ``println!("{x:?}")`` does.

Rules (serde's JSON shape -> the Rust value -> its derived Debug):

* a ``$ref`` struct: ``Name { snake_field: value, ... }`` (fields in the JSON's order, which is
  the declaration order serde writes; declared fields the JSON left out follow as ``None``);
* ``Option``: ``None`` / ``Some(x)``; ``Vec``: ``[a, b]``; maps: ``{"k": v}``;
* unit enums: the variant (``on-request`` -> ``OnRequest``, ``vscode`` -> ``VsCode``);
* internally tagged enums (``type``): ``Variant`` or ``Variant { field: ... }``;
* ``AbsolutePathBuf("...")``; strings quoted with Rust's escapes; ``serde_json::Value`` as
  ``String("x")``, ``Number(1)``, ``Object {...}``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["debug_value", "debug_type", "debug_str", "notification_debug", "variant_name"]

_REF = "#/definitions/"

# Serialized unit-variant names whose Rust variant is not their PascalCase.
_VARIANT_OVERRIDES = {
    "vscode": "VsCode",
    "xhigh": "XHigh",
    "mcp": "Mcp",
}


@lru_cache(maxsize=1)
def _defs() -> dict[str, Any]:
    from .schema_gen import _model

    d = _model()["definitions"]
    out = {}
    for k, v in d["root"]:
        out[k] = v
    for k, v in d["v2"]:
        out.setdefault(k, v)
        out[f"v2/{k}"] = v
    return out


def _resolve(ref: str) -> tuple[str, Any]:
    name = ref[len(_REF):] if ref.startswith(_REF) else ref
    schema = _defs().get(name)
    if schema is None and name.startswith("v2/"):
        schema = _defs().get(name[3:])
    return name.split("/")[-1], schema


def variant_name(value: str) -> str:
    if value in _VARIANT_OVERRIDES:
        return _VARIANT_OVERRIDES[value]
    parts = re.split(r"[-_/ .]+", value)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def _snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", s)
    return s.lower()


def debug_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\0":
            out.append("\\0")
        elif o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0:
            out.append(f"\\u{{{o:x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _number(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e16:
            return f"{v:.1f}"
        return repr(v).replace("e-0", "e-").replace("e+", "e")
    return str(v)


def _json_value(v: Any) -> str:
    """``serde_json::Value``'s Debug."""
    if v is None:
        return "Null"
    if isinstance(v, bool):
        return f"Bool({'true' if v else 'false'})"
    if isinstance(v, (int, float)):
        return f"Number({_number(v)})"
    if isinstance(v, str):
        return f"String({debug_str(v)})"
    if isinstance(v, list):
        return "Array [" + ", ".join(_json_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "Object {" + ", ".join(f"{debug_str(k)}: {_json_value(x)}" for k, x in v.items()) + "}"
    return repr(v)


def _plain(v: Any) -> str:
    """A value whose schema is unknown: render it as a plain Rust value would look."""
    if v is None:
        return "None"
    if isinstance(v, str):
        return debug_str(v)
    if isinstance(v, (bool, int, float)):
        return _number(v)
    if isinstance(v, list):
        return "[" + ", ".join(_plain(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{debug_str(k)}: {_plain(x)}" for k, x in v.items()) + "}"
    return repr(v)


def _is_null_schema(s: Any) -> bool:
    return isinstance(s, dict) and s.get("type") == "null"


def _struct(name: str, schema: dict, value: Any) -> str:
    if not isinstance(value, dict):
        return _plain(value)
    props = schema.get("properties") or {}
    fields = []
    seen = set()
    for k, v in value.items():
        seen.add(k)
        fields.append(f"{_snake(k)}: {debug_value(v, props.get(k))}")
    for k, s in props.items():
        if k not in seen and _optional(s):
            fields.append(f"{_snake(k)}: None")
    if not name:
        return "{ " + ", ".join(fields) + " }" if fields else "{}"
    if not fields:
        return name
    return f"{name} {{ " + ", ".join(fields) + " }"


def _optional(s: Any) -> bool:
    if not isinstance(s, dict):
        return False
    t = s.get("type")
    if isinstance(t, list) and "null" in t:
        return True
    return any(_is_null_schema(x) for x in s.get("anyOf") or ())


def _tag_of(branch: dict) -> tuple[str, str] | None:
    for key in ("type", "method", "kind"):
        p = (branch.get("properties") or {}).get(key)
        if isinstance(p, dict) and isinstance(p.get("enum"), list) and len(p["enum"]) == 1:
            return key, p["enum"][0]
    return None


def _enum_value(name: str, schema: dict, value: Any) -> str:
    branches = schema.get("oneOf") or schema.get("anyOf") or []
    if isinstance(value, str):
        return variant_name(value)
    if isinstance(value, dict):
        for branch in branches:
            if not isinstance(branch, dict):
                continue
            tag = _tag_of(branch)
            if tag is not None:
                key, tag_value = tag
                if value.get(key) != tag_value:
                    continue
                title = branch.get("title") or ""
                variant = (title[:-len(name)] if name and title.endswith(name) and title != name
                           else variant_name(tag_value))
                rest = {k: v for k, v in value.items() if k != key}
                props = {k: v for k, v in (branch.get("properties") or {}).items() if k != key}
                return _struct(variant, {"properties": props}, rest)
            # externally tagged: {"custom": x}
            req = branch.get("required") or []
            if len(req) == 1 and set(value) == {req[0]}:
                inner = (branch.get("properties") or {}).get(req[0])
                return f"{variant_name(req[0])}({debug_value(value[req[0]], inner)})"
    return _plain(value)


def debug_type(name: str, value: Any) -> str:
    """Render ``value`` as the Rust type ``name`` (a definition of the schema model)."""
    return debug_value(value, {"$ref": f"{_REF}v2/{name}"}) if f"v2/{name}" in _defs() else \
        debug_value(value, {"$ref": f"{_REF}{name}"})


def debug_value(value: Any, schema: Any) -> str:
    if schema is True or schema == {} :
        return _json_value(value)
    if not isinstance(schema, dict):
        return _plain(value)
    if "$ref" in schema:
        name, target = _resolve(schema["$ref"])
        if name == "AbsolutePathBuf":
            return f"AbsolutePathBuf({debug_str(value)})" if isinstance(value, str) else _plain(value)
        if target is None:
            return _plain(value)
        return _named(name, target, value)
    for key in ("allOf",):
        if isinstance(schema.get(key), list) and len(schema[key]) == 1:
            return debug_value(value, schema[key][0])
    if "anyOf" in schema and any(_is_null_schema(x) for x in schema["anyOf"]):
        if value is None:
            return "None"
        others = [x for x in schema["anyOf"] if not _is_null_schema(x)]
        inner = others[0] if len(others) == 1 else {"anyOf": others}
        return f"Some({debug_value(value, inner)})"
    t = schema.get("type")
    if isinstance(t, list) and "null" in t:
        if value is None:
            return "None"
        rest = [x for x in t if x != "null"]
        return f"Some({debug_value(value, dict(schema, type=rest[0] if len(rest) == 1 else rest))})"
    if "oneOf" in schema or "anyOf" in schema:
        return _enum_value("", schema, value)
    if t == "array" or isinstance(value, list):
        items = schema.get("items")
        if not isinstance(value, list):
            return _plain(value)
        return "[" + ", ".join(debug_value(x, items) for x in value) + "]"
    if t == "object" or isinstance(value, dict):
        if not isinstance(value, dict):
            return _plain(value)
        if "properties" in schema:
            return _struct(schema.get("title") or "", schema, value)
        extra = schema.get("additionalProperties")
        return "{" + ", ".join(f"{debug_str(k)}: {debug_value(v, extra)}" for k, v in value.items()) + "}"
    if "enum" in schema and isinstance(value, str):
        return variant_name(value)
    return _plain(value)


def _named(name: str, schema: dict, value: Any) -> str:
    if "oneOf" in schema or ("anyOf" in schema and not any(_is_null_schema(x) for x in schema["anyOf"])):
        return _enum_value(name, schema, value)
    if "enum" in schema and isinstance(value, str):
        return variant_name(value)
    if schema.get("type") == "object" or "properties" in schema:
        if "properties" not in schema:
            return debug_value(value, schema)
        return _struct(name, schema, value)
    return debug_value(value, schema)


@lru_cache(maxsize=1)
def _notification_types() -> dict[str, str]:
    out = {}
    sn = _defs().get("ServerNotification") or {}
    for branch in sn.get("oneOf") or []:
        props = branch.get("properties") or {}
        method = (props.get("method") or {}).get("enum") or []
        ref = (props.get("params") or {}).get("$ref")
        if method and ref:
            out[method[0]] = ref.split("/")[-1]
    return out


def notification_debug(method: str, params: Any) -> str | None:
    """``ServerNotification``'s Debug (``Variant(Params { ... })``), or None for a method that is
    not a server notification of the protocol."""
    type_name = _notification_types().get(method)
    if type_name is None:
        return None
    variant = type_name[:-len("Notification")] if type_name.endswith("Notification") else type_name
    return f"{variant}({debug_type(type_name, params)})"
