"""Request params checked the way serde deserializes them into the reference's Rust types, so
a bad request is refused with the reference's words (``Invalid request: <serde message>``).

Driven by the JSON Schema fragments of the type model (``schema_model.json``) with the TS
declarations for what the schema loses (variant and field declaration order):

* struct from a map: the input's entries in order (unknown keys ignored), then the first
  missing required field in declaration order: ``missing field `x```;
* struct from a sequence: ``invalid length N, expected struct T with K elements``;
* type mismatches: ``invalid type: integer `5`, expected a string`` (``a boolean``,
  ``a sequence``, ``a map``, ``u32``, ``i64``, ``f64``, ``path string``, ``struct T``);
* integers out of range: ``invalid value: integer `-1`, expected u32``;
* unit variants and internally tagged enums: ``unknown variant `x`, expected one of ...``
  (serde's wording for one, two or more variants), ``missing field `type```;
* ``AbsolutePathBuf`` given a relative path: ``AbsolutePathBuf deserialized without a base path``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

_DEF = "#/definitions/"


class SerdeError(Exception):
    pass


@lru_cache(maxsize=1)
def _defs() -> dict[str, dict]:
    from .schema_gen import _model

    d = _model()["definitions"]
    out = {f"{_DEF}{k}": v for k, v in d["root"]}
    out.update({f"{_DEF}v2/{k}": v for k, v in d["v2"]})
    return out


@lru_cache(maxsize=1)
def _ts() -> dict[str, str]:
    from .schema_gen import _model

    out = {}
    for rel, decl in _model()["ts"].items():
        out.setdefault(rel.rsplit("/", 1)[-1], decl)
        if rel.startswith("v2/"):
            out[rel.rsplit("/", 1)[-1]] = decl
    return out


@lru_cache(maxsize=1)
def params_schemas() -> dict[str, tuple[dict, str | None]]:
    """client request method -> (params schema, type name), from the ClientRequest union."""
    from .schema_gen import _model

    root = dict(_model()["definitions"]["root"])
    out = {}
    for variant in root["ClientRequest"].get("oneOf", []):
        props = variant.get("properties", {})
        enum = props.get("method", {}).get("enum") or []
        params = props.get("params")
        if len(enum) == 1 and isinstance(params, dict):
            ref = params.get("$ref")
            out[enum[0]] = (params, ref.rsplit("/", 1)[-1] if ref else None)
    return out


from codex._serde_text import unexpected  # noqa: E402  (re-exported)



def one_of(names: list[str]) -> str:
    if not names:
        return "there are no variants"
    if len(names) == 1:
        return f"expected `{names[0]}`"
    if len(names) == 2:
        return f"expected `{names[0]}` or `{names[1]}`"
    return "expected one of " + ", ".join(f"`{n}`" for n in names)


_INT_RANGES = {
    "uint8": ("u8", 0, 2**8 - 1), "uint16": ("u16", 0, 2**16 - 1), "uint32": ("u32", 0, 2**32 - 1),
    "uint64": ("u64", 0, 2**64 - 1), "uint": ("usize", 0, 2**64 - 1),
    "int8": ("i8", -2**7, 2**7 - 1), "int16": ("i16", -2**15, 2**15 - 1),
    "int32": ("i32", -2**31, 2**31 - 1), "int64": ("i64", -2**63, 2**63 - 1),
}


def _decl_order(type_name: str) -> list[str]:
    decl = _ts().get(type_name)
    if not decl:
        return []
    return re.findall(r'(?:^|[{,]\s*)(?:/\*\*.*?\*/\s*)?"?([A-Za-z_][A-Za-z0-9_]*)"?\??:', decl, re.S)


def _variant_order(type_name: str | None, fallback: list[str]) -> list[str]:
    """Variant names in declaration order: the TS union keeps it (string literals for unit
    variants, ``{ "name": ... }`` for data-carrying ones); the schema splits them."""
    from .ts_render import _scan_split

    decl = _ts().get(type_name or "")
    if not decl:
        return fallback
    m = re.search(r"export type [A-Za-z0-9_]+ = ", decl)
    if not m:
        return fallback
    body = decl[m.end():].rstrip().rstrip(";")
    names = []
    for arm in _scan_split(body, "|"):
        arm = re.sub(r"/\*.*?\*/", "", arm, flags=re.S).strip()
        lit = re.fullmatch(r'"([^"]*)"', arm)
        if lit:
            names.append(lit.group(1))
            continue
        key = re.match(r'\{\s*"?([A-Za-z_][A-Za-z0-9_-]*)"?\s*:', arm)
        if key:
            names.append(key.group(1))
    return names if set(fallback) <= set(names) else fallback


def check(value: Any, schema: dict, name: str | None = None) -> None:
    """Raise SerdeError with serde's message when ``value`` does not deserialize."""
    _check(value, schema, name)


def _resolve(schema: dict) -> tuple[dict, str | None]:
    name = None
    while True:
        if "$ref" in schema:
            ref = schema["$ref"]
            name = ref.rsplit("/", 1)[-1]
            schema = _defs().get(ref, {})
            continue
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and "properties" not in schema:
            schema = all_of[0]
            continue
        return schema, name or schema.get("title")


def _is_null_schema(s: dict) -> bool:
    return s.get("type") == "null"


def _check(value: Any, schema: dict, name: str | None) -> None:
    if "$ref" in schema or ("allOf" in schema and "properties" not in schema):
        target, ref_name = _resolve(schema)
        if ref_name == "AbsolutePathBuf" or (ref_name or "").endswith("PathBuf"):
            _path(value, absolute=ref_name == "AbsolutePathBuf")
            return
        _check(value, target, ref_name)
        return
    any_of = schema.get("anyOf")
    if isinstance(any_of, list):
        non_null = [s for s in any_of if not _is_null_schema(s)]
        if len(non_null) < len(any_of):           # Option<T>
            if value is None:
                return
            if len(non_null) == 1:
                _check(value, non_null[0], None)
            return
        return
    types = schema.get("type")
    if isinstance(types, list):
        if "null" in types and value is None:
            return
        rest = [t for t in types if t != "null"]
        if len(rest) == 1:
            _check(value, dict(schema, type=rest[0]), name)
        return
    one = schema.get("oneOf")
    if isinstance(one, list):
        _check_enum(value, one, name)
        return
    if "enum" in schema and types == "string":
        variants = [v for v in schema["enum"] if isinstance(v, str)]
        if not isinstance(value, str):
            raise SerdeError(f"invalid type: {unexpected(value)}, expected {_enum_expectation(name)}")
        if value not in variants:
            raise SerdeError(f"unknown variant `{value}`, {one_of(_variant_order(name, variants))}")
        return
    if types == "string":
        if not isinstance(value, str):
            raise SerdeError(f"invalid type: {unexpected(value)}, expected a string")
        return
    if types == "boolean":
        if not isinstance(value, bool):
            raise SerdeError(f"invalid type: {unexpected(value)}, expected a boolean")
        return
    if types == "integer":
        rust, lo, hi = _INT_RANGES.get(schema.get("format", "int64"), ("i64", -2**63, 2**63 - 1))
        if isinstance(value, bool) or not isinstance(value, int):
            raise SerdeError(f"invalid type: {unexpected(value)}, expected {rust}")
        if not lo <= value <= hi:
            raise SerdeError(f"invalid value: integer `{value}`, expected {rust}")
        return
    if types == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SerdeError(f"invalid type: {unexpected(value)}, expected f64")
        return
    if types == "array":
        if not isinstance(value, list):
            raise SerdeError(f"invalid type: {unexpected(value)}, expected a sequence")
        items = schema.get("items")
        if isinstance(items, dict):
            for v in value:
                _check(v, items, None)
        return
    if types == "object":
        props = schema.get("properties")
        if isinstance(props, dict):
            _check_struct(value, schema, name)
            return
        if not isinstance(value, dict):
            raise SerdeError(f"invalid type: {unexpected(value)}, expected a map")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for v in value.values():
                _check(v, extra, None)
        return
    # anything else (JsonValue, untyped): accepted


def _enum_expectation(name: str | None) -> str:
    return f"enum {name}" if name else "a string"


def _path(value: Any, absolute: bool) -> None:
    if not isinstance(value, str):
        raise SerdeError(f"invalid type: {unexpected(value)}, expected path string")
    if absolute and not value.startswith("/"):
        raise SerdeError("AbsolutePathBuf deserialized without a base path")


def _inline_order(parent: str | None, key: str) -> list[str]:
    """Field order of an inline struct variant ``{ "key": { a: ..., b: ... } }`` in the
    parent's TS declaration."""
    decl = _ts().get(parent or "")
    if not decl:
        return []
    m = re.search(r'\{\s*"?' + re.escape(key) + r'"?\s*:\s*\{', decl)
    if not m:
        return []
    depth, start = 1, m.end()
    i = start
    while i < len(decl) and depth:
        if decl[i] == "{":
            depth += 1
        elif decl[i] == "}":
            depth -= 1
        i += 1
    inner = decl[start:i - 1]
    return re.findall(r'(?:^\s*|,\s*)(?:/\*\*.*?\*/\s*)?"?([A-Za-z_][A-Za-z0-9_]*)"?\??:', inner, re.S)


def _check_struct(value: Any, schema: dict, name: str | None, order: list[str] | None = None) -> None:
    props: dict = schema.get("properties") or {}
    required = list(schema.get("required") or [])
    label = f"struct {name}" if name else "a map"
    if isinstance(value, list):
        if len(value) < len(required) or len(value) < len(props) and len(value) < len(required) + 1:
            raise SerdeError(f"invalid length {len(value)}, expected {label} with {len(props)} elements")
        return
    if not isinstance(value, dict):
        raise SerdeError(f"invalid type: {unexpected(value)}, expected {label}")
    for key, v in value.items():
        sub = props.get(key)
        if isinstance(sub, dict):
            _check(v, sub, None)
    order = order or _decl_order(name or "") or sorted(required)
    order = [f for f in order if f in required] + [f for f in required if f not in order]
    for field in order:
        if field not in value:
            raise SerdeError(f"missing field `{field}`")


def _tag_of(variant: dict) -> tuple[str, str] | None:
    props = variant.get("properties") or {}
    for tag in ("type", "method", "mode", "kind"):
        t = props.get(tag)
        if isinstance(t, dict) and isinstance(t.get("enum"), list) and len(t["enum"]) == 1 and tag in (variant.get("required") or []):
            return tag, t["enum"][0]
    return None


def _check_enum(value: Any, variants: list, name: str | None) -> None:
    tagged = [(_tag_of(v), v) for v in variants if isinstance(v, dict)]
    if tagged and all(t is not None for t, _ in tagged):
        tag = tagged[0][0][0]
        if all(t[0] == tag for t, _ in tagged):
            if not isinstance(value, dict):
                raise SerdeError(f"invalid type: {unexpected(value)}, expected internally tagged enum {name or ''}".rstrip())
            if tag not in value:
                raise SerdeError(f"missing field `{tag}`")
            names = [t[1] for t, _ in tagged]
            got = value[tag]
            if not isinstance(got, str) or got not in names:
                shown = got if isinstance(got, str) else unexpected(got)
                raise SerdeError(f"unknown variant `{shown}`, {one_of(names)}")
            variant = next(v for t, v in tagged if t[1] == got)
            _check_struct(value, variant, name)
            return
    # unit variants (strings) mixed with data-carrying ones (externally tagged)
    strings: list[str] = []
    for v in variants:
        if isinstance(v, dict) and v.get("type") == "string":
            strings += [e for e in v.get("enum") or () if isinstance(e, str)]
            if "const" in v:
                strings.append(v["const"])
    objects = [v for v in variants if isinstance(v, dict) and v.get("type") == "object"]
    keys = []
    for o in objects:
        req = o.get("required") or []
        if len(req) == 1:
            keys.append(req[0])
    if strings and isinstance(value, str):
        if value in strings:
            return
        if len(keys) == len(objects):
            raise SerdeError(f"unknown variant `{value}`, {one_of(_variant_order(name, strings + keys))}")
        return
    if isinstance(value, dict) and len(value) == 1 and len(keys) == len(objects):
        key = next(iter(value))
        for o, k in zip(objects, keys):
            if k == key:
                inner = (o.get("properties") or {}).get(k)
                if isinstance(inner, dict):
                    if "properties" in inner and isinstance(value[k], dict):
                        _check_struct(value[k], inner, None, _inline_order(name, k))
                    else:
                        _check(value[k], inner, None)
                return
        if strings or keys:
            raise SerdeError(f"unknown variant `{key}`, {one_of(_variant_order(name, strings + keys))}")
    # anything else: accepted (untagged unions are not checked further)
