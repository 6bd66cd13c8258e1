"""``codex app-server generate-json-schema`` and ``generate-ts`` (codex-rs/app-server-protocol
``export.rs``), rendered from the protocol's type model.

The model (``schema_model.json``, package data written by scripts/gen_app_server_protocol.py)
holds every definition of the experimental protocol as a JSON Schema fragment in the
reference bundle's order (``v2`` types in their namespace), the root files, the
experimental markers (methods, their params/response types, fields) and each TS type's
declaration. From it this module computes:

* each root file: the type's schema with the transitive closure of the definitions it
  references, flattened (``#/definitions/v2/X`` -> ``#/definitions/X``) and sorted by name,
  as schemars writes one root type;
* ``codex_app_server_protocol.schemas.json`` (``v2`` nested) and the flat
  ``codex_app_server_protocol.v2.schemas.json`` (``build_flat_v2_schema``);
* without ``--experimental``, upstream's filtering: experimental fields removed from
  their types, experimental method arms pruned from the unions, the experimental methods'
  types removed (serde_json's ``Map::remove`` with ``preserve_order`` is a swap-remove, and
  so is it here), and their files dropped;
* TypeScript: header, the ``import type`` lines each declaration needs (sorted by path, as
  ts-rs does), ``index.ts`` for the root and ``v2``; the stable variant filters the
  ``ClientRequest`` union, experimental fields, and unused imports, as upstream does.

JSON is written like ``serde_json::to_string_pretty`` (two-space indent, no trailing
newline).
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Any

__all__ = ["json_schema_files", "typescript_files", "write_json_schema", "write_typescript",
           "closure_names"]

_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema_model.json")
_SCHEMA = "http://json-schema.org/draft-07/schema#"
_DEF = "#/definitions/"

Key = tuple[str, str]


@lru_cache(maxsize=1)
def _model() -> dict:
    with open(_MODEL, encoding="utf-8") as f:
        return json.load(f)


def _defs(model: dict) -> dict[Key, dict]:
    d = model["definitions"]
    out: dict[Key, dict] = {("", k): v for k, v in d["root"]}
    out.update({("v2", k): v for k, v in d["v2"]})
    return out


# ---------------------------------------------------------------------------------------------
# refs
# ---------------------------------------------------------------------------------------------


def _key_of(ref: str) -> Key:
    path = ref[len(_DEF):]
    if path.startswith("v2/"):
        return ("v2", path[3:])
    return ("", path)


def _refs(value: Any, out: list) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(_DEF):
                out.append(v)
            else:
                _refs(v, out)
    elif isinstance(value, list):
        for v in value:
            _refs(v, out)


def closure_keys(defs: dict[Key, dict], key: Key) -> list[Key]:
    seen: dict[Key, None] = {}
    stack = [key]
    while stack:
        cur = stack.pop()
        found: list = []
        _refs(defs[cur], found)
        for ref in found:
            k = _key_of(ref)
            if k != key and k not in seen and k in defs:
                seen[k] = None
                stack.append(k)
    return list(seen)


def closure_names(defs: dict[Key, dict], key: Key) -> list[str]:
    return [k[1] for k in closure_keys(defs, key)]


_V2_TITLE = re.compile(r"v2::")


def _flatten(value: Any, titles: bool = False) -> Any:
    """Bundle form -> one-file form: refs lose their namespace; with ``titles`` (a definition
    nested in another file) titles lose their ``v2::`` too."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(_DEF):
                out[k] = _DEF + _key_of(v)[1]
            elif titles and k == "title" and isinstance(v, str):
                out[k] = _V2_TITLE.sub("", v)
            else:
                out[k] = _flatten(v, titles)
        return out
    if isinstance(value, list):
        return [_flatten(v, titles) for v in value]
    return value


def _nested(fragment: dict) -> dict:
    """A root type placed among another file's definitions has no ``$schema``/``title``."""
    if "$schema" in fragment:
        return {k: v for k, v in fragment.items() if k not in ("$schema", "title")}
    return fragment


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# experimental filtering (export.rs filter_experimental_schema), swap-remove semantics
# ---------------------------------------------------------------------------------------------


def _swap_remove(d: dict, key: str) -> dict:
    """IndexMap::swap_remove: the last entry takes the removed one's place."""
    if key not in d:
        return d
    keys = list(d)
    i = keys.index(key)
    last = keys[-1]
    if last != key:
        keys[i] = last
    keys.pop()
    return {k: d[k] for k in keys}


def _remove_property(schema: dict, field: str) -> None:
    props = schema.get("properties")
    if isinstance(props, dict) and field in props:
        schema["properties"] = _swap_remove(props, field)
    req = schema.get("required")
    if isinstance(req, list):
        schema["required"] = [r for r in req if r != field]
    inner = schema.get("schema")
    if isinstance(inner, dict):
        _remove_property(inner, field)


def _is_namespace_map(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if any(k.startswith("$") for k in value):
        return False
    if any(k in value for k in ("type", "properties", "anyOf", "oneOf", "allOf")):
        return False
    return all(isinstance(v, dict) for v in value.values())


def _matches(def_name: str, type_name: str) -> bool:
    return def_name == type_name or def_name.endswith(f"::{type_name}")


def _filter_fields_in_definitions(defs: dict, fields: list) -> None:
    for name, schema in defs.items():
        if _is_namespace_map(schema):
            _filter_fields_in_definitions(schema, fields)
            continue
        for type_name, field in fields:
            if _matches(name, type_name):
                _remove_property(schema, field)


def _is_experimental_variant(value: Any, methods: set) -> bool:
    if not isinstance(value, dict):
        return False
    props = value.get("properties")
    if not isinstance(props, dict):
        return False
    method = props.get("method")
    if not isinstance(method, dict):
        return False
    if isinstance(method.get("const"), str):
        return method["const"] in methods
    enum = method.get("enum")
    if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):
        return enum[0] in methods
    return False


def _prune_methods(value: Any, methods: set) -> Any:
    if isinstance(value, list):
        return [_prune_methods(v, methods) for v in value if not _is_experimental_variant(v, methods)]
    if isinstance(value, dict):
        return {k: _prune_methods(v, methods) for k, v in value.items()}
    return value


def _remove_method_types(defs: dict, type_names: set) -> dict:
    doomed = [k for k in defs if any(_matches(k, t) for t in type_names)]
    for k in doomed:
        defs = _swap_remove(defs, k)
    for k, v in list(defs.items()):
        if _is_namespace_map(v):
            defs[k] = _remove_method_types(v, type_names)
    return defs


def filter_experimental_schema(value: dict, model: dict | None = None) -> dict:
    model = model or _model()
    fields = [tuple(f) for f in model["experimental_fields"]]
    title = value.get("title")
    if isinstance(title, str):
        for type_name, field in fields:
            if title == type_name:
                _remove_property(value, field)
    defs = value.get("definitions")
    if isinstance(defs, dict):
        _filter_fields_in_definitions(defs, fields)
    value = _prune_methods(value, set(model["experimental_methods"]))
    defs = value.get("definitions")
    if isinstance(defs, dict):
        value["definitions"] = _remove_method_types(defs, set(model["experimental_method_types"]))
    return value


# ---------------------------------------------------------------------------------------------
# JSON Schema
# ---------------------------------------------------------------------------------------------


def _root_file(defs: dict[Key, dict], key: Key, extra: list[str]) -> dict:
    out = _flatten(defs[key])
    keys = closure_keys(defs, key)
    names = {k[1]: k for k in keys}
    for name in extra:
        for k in (("v2", name), ("", name)):
            if k in defs and name not in names:
                names[name] = k
                for dep in closure_keys(defs, k):
                    names.setdefault(dep[1], dep)
    if names:
        out["definitions"] = {n: _flatten(_nested(defs[names[n]]), True) for n in sorted(names)}
    return out


def _bundle(model: dict) -> dict:
    d = model["definitions"]
    root: dict = {}
    for i, (name, frag) in enumerate(d["root"]):
        if i == d["v2_position"]:
            root["v2"] = {k: v for k, v in d["v2"]}
        root[name] = frag
    if "v2" not in root:
        root["v2"] = {k: v for k, v in d["v2"]}
    return {"$schema": _SCHEMA, "title": "CodexAppServerProtocol", "type": "object", "definitions": root}


_FLAT_SHARED = ("ClientRequest", "ClientResponse", "ServerNotification")


def _non_v2_refs(value: Any) -> list[str]:
    found: list = []
    _refs(value, found)
    return [r[len(_DEF):] for r in found if not r.startswith(_DEF + "v2/")]


def _flat_v2(bundle: dict, order: list[str] | None = None) -> dict:
    """export.rs build_flat_v2_schema. Upstream appends the shared unions' non-v2
    dependencies in a HashSet's order; ``order`` (the reference's) is followed where given."""
    definitions = bundle["definitions"]
    flat = dict(definitions["v2"])
    shared: dict = {}
    wanted: list[str] = []
    for name in _FLAT_SHARED:
        schema = definitions.get(name)
        if schema is None:
            continue
        wanted += _non_v2_refs(schema)
        shared[name] = schema
    seen: dict[str, None] = {}
    stack = list(dict.fromkeys(wanted))
    while stack:
        name = stack.pop(0)
        if name in seen:
            continue
        seen[name] = None
        schema = definitions.get(name)
        if schema is None:
            continue
        for dep in _non_v2_refs(schema):
            if dep not in seen:
                stack.append(dep)
    preferred = [n for n in order if n in seen] if order is not None else []
    for name in preferred + sorted(n for n in seen if n not in preferred):
        if name == "v2" or name in flat:
            continue
        if name in definitions:
            flat[name] = definitions[name]
    flat.update(shared)
    out = dict(bundle)
    out["title"] = "CodexAppServerProtocolV2"
    out["definitions"] = flat
    return _rewrite_prefix(out)


def _rewrite_prefix(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (v.replace(_DEF + "v2/", _DEF) if k == "$ref" and isinstance(v, str) else _rewrite_prefix(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_prefix(v) for v in value]
    return value


def json_schema_files(experimental: bool = False) -> dict[str, str]:
    """Relative path -> file text, as ``generate-json-schema --out`` writes them."""
    model = _model()
    defs = _defs(model)
    files: dict[str, str] = {}
    drop = set(model["experimental_method_types"])
    for d, name in model["json_files"]:
        if not experimental and name in drop:
            continue
        ns = "v2" if d == "v2" else ""
        rel = f"{d}/{name}" if d else name
        value = _root_file(defs, (ns, name), model["json_extra_definitions"].get(rel, []))
        if not experimental:
            value = filter_experimental_schema(value, model)
        files[rel + ".json"] = dumps(value)
    bundle = _bundle(model)
    if not experimental:
        bundle = filter_experimental_schema(bundle, model)
    files["codex_app_server_protocol.schemas.json"] = dumps(bundle)
    flat = _flat_v2(bundle, model.get("flat_v2_order", {}).get("experimental" if experimental else "stable"))
    if not experimental:
        flat = filter_experimental_schema(flat, model)
    files["codex_app_server_protocol.v2.schemas.json"] = dumps(flat)
    return files


def _write_tree(out_dir: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)


def write_json_schema(out_dir: str, experimental: bool = False) -> None:
    os.makedirs(out_dir, exist_ok=True)
    _write_tree(out_dir, json_schema_files(experimental))


# ---------------------------------------------------------------------------------------------
# TypeScript
# ---------------------------------------------------------------------------------------------

TS_HEADER = "// GENERATED CODE! DO NOT MODIFY BY HAND!\n\n"
TS_RS = ("// This file was generated by [ts-rs](https://github.com/Aleph-Alpha/ts-rs). "
         "Do not edit this file manually.\n")


def typescript_files(experimental: bool = False) -> dict[str, str]:
    from . import ts_render

    return ts_render.render(_model(), experimental)


def write_typescript(out_dir: str, experimental: bool = False) -> list[str]:
    """Write the TS files; returns their paths (for an optional Prettier run)."""
    os.makedirs(os.path.join(out_dir, "v2"), exist_ok=True)
    files = typescript_files(experimental)
    _write_tree(out_dir, files)
    return [os.path.join(out_dir, rel) for rel in sorted(files)]
