#!/usr/bin/env python3
"""Generate ``src/codex/protocol/app_server_v2.py`` from the reference app-server schema.

Inputs (copied from the 0.136.0 reference into ``fixtures/app_server/``):

* ``schema-experimental/codex_app_server_protocol.schemas.json``: the bundled JSON Schema
  (``codex app-server generate-json-schema --experimental``): every type, and the
  ``ClientRequest`` / ``ServerRequest`` / ``ServerNotification`` / ``ClientNotification``
  method unions;
* ``ts-experimental/**.ts``: the ts-rs bindings of the same types. JSON Schema sorts
  properties alphabetically and cannot tell ``Option`` written as ``null`` from
  ``skip_serializing_if``; the TS keeps serde's field order and marks skipped fields
  ``name?:``. So: types from the schema, field order and omission from the TS;
* ``methods.json``: the method inventory, for the experimental flags and a count check.

Output: msgspec Structs (see ``codex/protocol/_base.py`` for the field conventions),
``Literal`` string enums, tagged unions, and the method tables
``CLIENT_REQUESTS`` / ``SERVER_REQUESTS`` / ``SERVER_NOTIFICATIONS`` /
``CLIENT_NOTIFICATIONS`` (method -> ``MethodSpec(params, response, experimental)``).

Run: ``python scripts/gen_app_server_protocol.py`` (``--check`` exits 1 if the committed
file is stale).
"""

from __future__ import annotations

import argparse
import json
import keyword
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures" / "app_server"
SCHEMA = FIX / "schema-experimental" / "codex_app_server_protocol.schemas.json"
TS_DIR = FIX / "ts-experimental"
METHODS = FIX / "methods.json"
OUT = ROOT / "src" / "codex" / "protocol" / "app_server_v2.py"


# --------------------------------------------------------------------------------------
# TS bindings: field order and optionality
# --------------------------------------------------------------------------------------

_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _split_top(s: str, sep: str) -> list[str]:
    out, depth, cur, q = [], 0, [], False
    for ch in s:
        if ch == '"':
            q = not q
        elif not q and ch in "{[(<":
            depth += 1
        elif not q and ch in "}])>":
            depth -= 1
        if ch == sep and depth == 0 and not q:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [p.strip() for p in out if p.strip()]


class TsObject:
    """Fields of one TS object literal: ordered (name, optional, type_text)."""

    def __init__(self, body: str, extends: list[str]):
        self.fields: list[tuple[str, bool, str]] = []
        for part in _split_top(body, ","):
            m = re.match(r'^("?)([^"?:]+)\1(\?)?\s*:\s*(.*)$', part, re.S)
            if m:
                self.fields.append((m.group(2), bool(m.group(3)), m.group(4).strip()))
        self.extends = extends

    def tag_value(self, tag: str) -> str | None:
        for name, _, typ in self.fields:
            if name == tag:
                m = re.fullmatch(r'"([^"]*)"', typ)
                return m.group(1) if m else None
        return None


def _parse_objects(expr: str) -> list[TsObject]:
    """Object literals of a (union of) TS type expression, with ``& Name`` extensions."""
    objs = []
    for alt in _split_top(expr, "|"):
        parts = _split_top(alt, "&")
        body, ext = None, []
        for p in parts:
            if p.startswith("{") and p.endswith("}"):
                body = p[1:-1]
            else:
                ext.append(p)
        if body is not None:
            objs.append(TsObject(body, ext))
    return objs


def load_ts() -> dict[str, dict[str, list[TsObject]]]:
    """{'root'|'v2': {TypeName: [TsObject, ...]}}."""
    out: dict[str, dict[str, list[TsObject]]] = {"root": {}, "v2": {}}
    for ns, d in (("root", TS_DIR), ("v2", TS_DIR / "v2")):
        for f in sorted(d.glob("*.ts")):
            text = _COMMENT.sub("", f.read_text())
            m = re.search(r"export type (\w+)\s*=\s*(.*);\s*$", text, re.S)
            if m:
                out[ns][m.group(1)] = _parse_objects(m.group(2).strip())
    return out


# --------------------------------------------------------------------------------------
# Code generation
# --------------------------------------------------------------------------------------


def snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", s)
    s = re.sub(r"[^0-9a-zA-Z_]", "_", s).lower().strip("_") or "field"
    if s[0].isdigit():
        s = "f_" + s
    if keyword.iskeyword(s):
        s += "_"
    return s


def pascal(name: str) -> str:
    parts = re.split(r"[^0-9a-zA-Z]+", name)
    s = "".join(p[:1].upper() + p[1:] for p in parts if p)
    return s if s and not s[0].isdigit() else "T" + s


class Gen:
    def __init__(self, schema: dict, ts: dict):
        defs = dict(schema["definitions"])
        self.v2 = defs.pop("v2")
        self.root = defs
        self.ts = ts
        self.lines: list[str] = []  # emitted class/alias code blocks
        self.emitted: dict[tuple[str, str], str] = {}  # (ns, def name) -> python name
        self.used_names: set[str] = set()
        self.in_progress: set[tuple[str, str]] = set()
        self.fallbacks: list[str] = []

    # -- names ---------------------------------------------------------------------------
    def pyname(self, ns: str, name: str) -> str:
        base = pascal(name)
        if ns == "root" and base in self.v2 and name not in ("AbsolutePathBuf", "RequestId"):
            base = "V1" + base
        n, i = base, 2
        while n in self.used_names:
            n, i = f"{base}{i}", i + 1
        self.used_names.add(n)
        return n

    def resolve_ref(self, ref: str) -> tuple[str, str]:
        parts = ref.split("/")
        if parts[:3] == ["#", "definitions", "v2"]:
            return "v2", parts[3]
        return "root", parts[2]

    def ref_type(self, ns: str, name: str) -> str:
        key = (ns, name)
        if key in self.emitted:
            return self.emitted[key]
        if key in self.in_progress:
            return f'"{self.reserved[key]}"'
        d = (self.v2 if ns == "v2" else self.root)[name]
        self.in_progress.add(key)
        pyn = self.pyname(ns, name)
        self.reserved[key] = pyn
        self.define(pyn, d, ns, name)
        self.in_progress.discard(key)
        self.emitted[key] = pyn
        return pyn

    reserved: dict[tuple[str, str], str] = {}

    def ts_objects(self, ns: str, name: str | None) -> list[TsObject]:
        if name is None:
            return []
        primary = self.ts["v2" if ns == "v2" else "root"].get(name)
        if primary is None:
            primary = self.ts["root" if ns == "v2" else "v2"].get(name, [])
        return primary

    # -- types ---------------------------------------------------------------------------
    def type_of(self, s, ns: str, hint: str) -> str:
        """Python annotation for schema ``s``; may emit helper classes."""
        if s is True or s == {}:
            return "Any"
        if "$ref" in s:
            rns, rname = self.resolve_ref(s["$ref"])
            t = self.ref_type(rns, rname)
            return "Any" if t.strip('"') in self.flat_unions else t
        if "allOf" in s and len(s["allOf"]) == 1:
            return self.type_of(s["allOf"][0], ns, hint)
        for key in ("anyOf", "oneOf"):
            if key in s:
                alts = s[key]
                nonnull = [a for a in alts if a != {"type": "null"}]
                nullable = len(nonnull) != len(alts)
                if len(nonnull) == 1:
                    t = self.type_of(nonnull[0], ns, hint)
                else:
                    t = self.union_type(nonnull, ns, hint, s)
                return self.opt(t) if nullable else t
        t = s.get("type")
        if isinstance(t, list):
            nullable = "null" in t
            rest = [x for x in t if x != "null"]
            inner = dict(s, type=rest[0]) if len(rest) == 1 else {"anyOf": [dict(s, type=x) for x in rest]}
            tt = self.type_of(inner, ns, hint)
            return self.opt(tt) if nullable else tt
        if "enum" in s and t in (None, "string"):
            return "Literal[" + ", ".join(json.dumps(v) for v in s["enum"]) + "]"
        if "const" in s:
            return f"Literal[{json.dumps(s['const'])}]"
        if t == "string":
            return "str"
        if t == "integer":
            return "int"
        if t == "number":
            return "int | float"
        if t == "boolean":
            return "bool"
        if t == "null":
            return "None"
        if t == "array":
            items = s.get("items", True)
            if isinstance(items, list):
                return "list[Any]"
            return f"list[{self.type_of(items, ns, hint + 'Item')}]"
        if t == "object" or "properties" in s:
            if s.get("properties"):
                name = self.pyname(ns, s.get("title") or hint)
                self.define(name, s, ns, None)
                return name
            ap = s.get("additionalProperties")
            if isinstance(ap, dict) and ap:
                return f"dict[str, {self.type_of(ap, ns, hint + 'Value')}]"
            return "dict[str, Any]"
        return "Any"

    @staticmethod
    def opt(t: str) -> str:
        return t if t == "Any" or t.endswith("| None") or t == "None" else f"{t} | None"

    def tag_of(self, alts: list) -> str | None:
        """Property name that is a single-valued string enum in every object alternative."""
        objs = [a for a in alts if isinstance(a, dict) and a.get("properties")]
        if len(objs) != len(alts) or not objs:
            return None
        cands = None
        for a in objs:
            keys = {
                k for k, v in a["properties"].items()
                if isinstance(v, dict) and v.get("type") == "string" and len(v.get("enum", [])) == 1
                and k in a.get("required", [])
            }
            cands = keys if cands is None else cands & keys
        if not cands:
            return None
        for pref in ("type", "method", "kind", "mode", "status"):
            if pref in cands:
                return pref
        return sorted(cands)[0]

    def union_type(self, alts: list, ns: str, hint: str, s: dict) -> str:
        tag = self.tag_of(alts)
        if tag is not None:
            return self.tagged_union(hint, alts, tag, ns, None)
        # Untagged: strings/enums + at most one object-like + scalars.
        lits, others = [], []
        for a in alts:
            if isinstance(a, dict) and a.get("type") == "string" and "enum" in a:
                lits.extend(a["enum"])
            elif isinstance(a, dict) and "const" in a and isinstance(a["const"], str):
                lits.append(a["const"])
            else:
                others.append(self.type_of(a, ns, hint))
        parts = []
        if lits:
            parts.append("Literal[" + ", ".join(json.dumps(v) for v in lits) + "]")
        parts.extend(others)
        return self.checked_union(parts, hint)

    def checked_union(self, parts: list[str], hint: str) -> str:
        """msgspec allows one of each JSON kind in a union; fall back to ``Any`` otherwise."""
        kinds: dict[str, int] = {}
        for p in parts:
            if p.startswith("Literal[") or p == "str":
                k = "str"
            elif p.startswith("list["):
                k = "list"
            elif p in ("int", "bool", "None", "int | float", "Any"):
                k = p
            else:
                k = "object"
            kinds[k] = kinds.get(k, 0) + 1
        if "Any" in kinds or kinds.get("list", 0) > 1 or kinds.get("object", 0) > 1:
            self.fallbacks.append(hint)
            return "Any"
        if kinds.get("str", 0) > 1:
            lits = [p for p in parts if p.startswith("Literal[")]
            if "str" in parts or len(lits) != kinds["str"]:
                parts = ["str"] + [p for p in parts if not (p.startswith("Literal[") or p == "str")]
            else:
                merged = "Literal[" + ", ".join(x[8:-1] for x in lits) + "]"
                parts = [merged] + [p for p in parts if not p.startswith("Literal[")]
        return " | ".join(dict.fromkeys(parts))

    # -- definitions -----------------------------------------------------------------------
    def define(self, pyn: str, d: dict, ns: str, defname: str | None) -> None:
        if d.get("properties") and "additionalProperties" in d and d["additionalProperties"] not in (False, None):
            # Known fields plus a flattened map of the rest: a Struct would drop the
            # extras, so the value stays a JSON object.
            self.fallbacks.append(pyn)
            self.emit(f"{pyn} = dict[str, Any]  # struct with flattened extra keys\n")
            return
        if d.get("properties") and d.get("oneOf") and self.tag_of(d["oneOf"]):
            self.flat_union(pyn, d, ns, defname)
            return
        for key in ("oneOf", "anyOf"):
            if key in d:
                alts = [a for a in d[key] if a != {"type": "null"}]
                nullable = len(alts) != len(d[key])
                tag = self.tag_of(alts)
                if tag is not None and len(alts) > 0:
                    u = self.tagged_union(pyn, alts, tag, ns, defname, alias=pyn)
                    if nullable:
                        self.emit(f"{pyn}Opt = Union[{u}, None]\n")
                    return
                t = self.union_type(alts, ns, pyn, d) if len(alts) > 1 else self.type_of(alts[0], ns, pyn)
                if nullable:
                    t = self.opt(t)
                self.emit(f"{pyn} = {self.alias_expr(t)}\n")
                return
        if d.get("properties") and (d.get("type") in ("object", None)):
            objs = self.ts_objects(ns, defname) if defname else []
            self.struct(pyn, d, ns, objs[0] if len(objs) == 1 else None, tag=None, base="Wire", doc=d.get("description"))
            return
        t = self.type_of({k: v for k, v in d.items() if k not in ("title", "$schema", "description")}, ns, pyn)
        self.emit(f"{pyn} = {self.alias_expr(t)}\n")

    @staticmethod
    def alias_expr(t: str) -> str:
        if "|" in t and not t.startswith("Literal"):
            return "Union[" + ", ".join(p.strip() for p in _split_top(t, "|")) + "]"
        return t

    def tagged_union(self, hint: str, alts: list, tag: str, ns: str, defname: str | None, alias: str | None = None) -> str:
        base = self.pyname(ns, f"_{hint}Base")
        self.emit(f"class {base}(Wire, tag_field={tag!r}):\n    pass\n")
        ts_objs = self.ts_objects(ns, defname)
        names = []
        for a in alts:
            tv = a["properties"][tag]["enum"][0]
            vt = a.get("title") or f"{hint}{pascal(tv)}"
            vname = self.pyname(ns, vt if vt != hint else f"{hint}{pascal(tv)}")
            tso = next((o for o in ts_objs if o.tag_value(tag) == tv), None)
            self.struct(vname, a, ns, tso, tag=(tag, tv), base=base, doc=a.get("description"))
            names.append(vname)
        u = "Union[" + ", ".join(names) + "]" if len(names) > 1 else names[0]
        if alias:
            self.emit(f"{alias} = {u}\n")
            return alias
        return u

    def flat_union(self, pyn: str, d: dict, ns: str, defname: str | None) -> None:
        """A struct with a flattened internally tagged enum: the tag is not the first key,
        so the variants are plain Structs (tag as an ordinary field) and decoding goes
        through ``FlatUnion`` (annotations referring to it are ``Any``)."""
        tag = self.tag_of(d["oneOf"])
        objs = self.ts_objects(ns, defname)
        outer_order: list[tuple[str, bool, str]] = []
        alt_objs: list[TsObject] = []
        if objs:
            outer_order = objs[0].fields
            for ext in objs[0].extends:
                e = ext.strip()
                if e.startswith("(") and e.endswith(")"):
                    alt_objs.extend(_parse_objects(e[1:-1]))
        names = {}
        for a in d["oneOf"]:
            tv = a["properties"][tag]["enum"][0]
            merged = {
                "properties": {**d["properties"], **a["properties"]},
                "required": sorted(set(d.get("required", [])) | set(a.get("required", []))),
            }
            tso = TsObject("", [])
            alt = next((o for o in alt_objs if o.tag_value(tag) == tv), None)
            tso.fields = list(outer_order) + (alt.fields if alt else [])
            vname = self.pyname(ns, f"{pyn}{pascal(tv)}")
            self.struct(vname, merged, ns, tso, tag=None, base="Wire", doc=a.get("description"), inline_tag=(tag, tv))
            names[tv] = vname
        self.flat_unions.add(pyn)
        body = ", ".join(f"{k!r}: {v}" for k, v in names.items())
        self.emit(f"{pyn} = FlatUnion({tag!r}, {{{body}}})\n")

    flat_unions: set[str] = set()

    def struct(self, pyn: str, d: dict, ns: str, tso: TsObject | None, tag, base: str, doc, inline_tag=None) -> None:
        props = dict(d.get("properties", {}))
        required = set(d.get("required", []))
        if tag:
            props.pop(tag[0], None)
        order = list(props)
        optional_ts: dict[str, bool] = {}
        if tso is not None:
            ts_names = []
            for n, opt, _ in tso.fields:
                ts_names.append(n)
                optional_ts[n] = opt
            for ext in tso.extends:
                for o in self.ts["v2"].get(ext, []) + self.ts["root"].get(ext, []):
                    for n, opt, _ in o.fields:
                        ts_names.append(n)
                        optional_ts[n] = opt
            order = [n for n in ts_names if n in props] + [n for n in props if n not in ts_names]
        fields = []
        for jname in order:
            ps = props[jname]
            t = self.type_of(ps, ns, pyn + pascal(jname))
            nullable = t == "Any" or t.endswith("| None") or t == "None"
            if optional_ts.get(jname) or (pyn, jname) in SKIP_IF_NONE_OVERRIDES:
                ann, default = f"{t} | UnsetType", "UNSET"
            elif jname in required and not (nullable and tso is None):
                if nullable:
                    ann, default = t, "None"
                else:
                    ann, default = t, None
            elif nullable:
                ann, default = t, "None"
            elif "default" in ps:
                dv = ps["default"]
                if isinstance(dv, (list, dict)):
                    ann, default = t, f"msgspec.field(default_factory=lambda: {dv!r})"
                else:
                    ann, default = t, repr(dv)
            else:
                # serde ``#[serde(default)]`` without a schema default; JSON Schema can't tell
                # us whether serde skips it, so it is omitted when absent (UNSET).
                ann, default = f"{t} | UnsetType", "UNSET"
            if inline_tag and jname == inline_tag[0]:
                ann, default = t, repr(inline_tag[1])
            py = snake(jname)
            rename = py != jname
            if default is None:
                rhs = f" = msgspec.field(name={jname!r})" if rename else ""
            elif rename:
                if default.startswith("msgspec.field("):
                    default = default[:-1] + f", name={jname!r})"
                    rhs = f" = {default}"
                else:
                    rhs = f" = msgspec.field(default={default}, name={jname!r})"
            else:
                rhs = f" = {default}"
            fields.append(f"    {py}: {ann}{rhs}\n")
        tagpart = f", tag={tag[1]!r}" if tag else ""
        text = f"class {pyn}({base}{tagpart}, kw_only=True):\n"
        if doc:
            first = doc.strip().splitlines()[0].replace('"""', "'''").replace("\\", "\\\\")
            text += f'    """{first}"""\n'
        text += "".join(fields) if fields else ("    pass\n" if not doc else "")
        self.emit(text)

    def emit(self, text: str) -> None:
        self.lines.append(text)


# Fields that serde skips when ``None`` although ts-rs does not mark them optional
# (``skip_serializing_if`` without ``#[ts(optional)]``); seen in the 0.136.0 transcripts.
SKIP_IF_NONE_OVERRIDES = {
    ("ConfigReadResponse", "layers"),
    ("ConfigLayer", "disabledReason"),
}

# Responses whose name does not follow ``<X>Params`` -> ``<X>Response`` (upstream's
# ``client_request_definitions!`` macro names them explicitly; the schema does not link them).
RESPONSE_OVERRIDES = {
    "memory/reset": "MemoryResetResponse",
    "remoteControl/enable": "RemoteControlEnableResponse",
    "remoteControl/disable": "RemoteControlDisableResponse",
    "remoteControl/status/read": "RemoteControlStatusReadResponse",
    "config/mcpServer/reload": "McpServerRefreshResponse",
    "windowsSandbox/readiness": "WindowsSandboxReadinessResponse",
    "account/logout": "LogoutAccountResponse",
    "account/rateLimits/read": "GetAccountRateLimitsResponse",
    "config/value/write": "ConfigWriteResponse",
    "config/batchWrite": "ConfigWriteResponse",
    "configRequirements/read": "ConfigRequirementsReadResponse",
}


def method_table(gen: Gen, union_def: dict, ns_of_params: str, all_names: dict) -> list[tuple[str, str | None, str | None]]:
    out = []
    for alt in union_def["oneOf"]:
        props = alt["properties"]
        method = props["method"]["enum"][0]
        params = None
        if "params" in props:
            p = props["params"]
            if "$ref" in p:
                rns, rname = gen.resolve_ref(p["$ref"])
                params = rname
                params_py = gen.ref_type(rns, rname)
            else:
                params_py = gen.type_of(p, ns_of_params, pascal(method) + "Params")
        else:
            params_py = None
        resp_py = None
        rn = RESPONSE_OVERRIDES.get(method)
        if rn is None and params and params.endswith("Params"):
            rn = params[: -len("Params")] + "Response"
        if rn is not None:
            for rns, table in (("v2", gen.v2), ("root", gen.root)):
                if rn in table:
                    resp_py = gen.ref_type(rns, rn)
                    break
        out.append((method, params_py, resp_py))
    return out


HEADER = '''"""App-server protocol v2 wire types: GENERATED by scripts/gen_app_server_protocol.py
from the 0.136.0 reference JSON Schema + TS bindings (fixtures/app_server/). Do not edit.

Field order and ``null``/omission follow serde (see codex/protocol/_base.py). Unions the
schema describes that msgspec cannot decode directly (several object shapes without a
tag) are typed ``Any``. Method tables at the end: ``CLIENT_REQUESTS`` (%(cr)d),
``SERVER_REQUESTS`` (%(sr)d), ``SERVER_NOTIFICATIONS`` (%(sn)d), ``CLIENT_NOTIFICATIONS`` (%(cn)d).
"""
# ruff: noqa
# fmt: off

from __future__ import annotations

from typing import Any, Literal, NamedTuple, Union

import msgspec

from ._base import UNSET, FlatUnion, UnsetType, Wire


'''


def generate() -> str:
    schema = json.loads(SCHEMA.read_text())
    ts = load_ts()
    methods = json.loads(METHODS.read_text())
    gen = Gen(schema, ts)
    # Every type, in schema order (v2 first, then root), so nothing is left out.
    for name in gen.v2:
        gen.ref_type("v2", name)
    for name in gen.root:
        gen.ref_type("root", name)
    tables = {}
    for key, d in (
        ("CLIENT_REQUESTS", gen.root["ClientRequest"]),
        ("SERVER_REQUESTS", gen.root["ServerRequest"]),
        ("SERVER_NOTIFICATIONS", gen.root["ServerNotification"]),
        ("CLIENT_NOTIFICATIONS", gen.root["ClientNotification"]),
    ):
        tables[key] = method_table(gen, d, "v2", {})
    exp = {m["method"]: m.get("experimental", False) for k in ("client_requests", "server_requests", "server_notifications", "client_notifications") for m in methods[k]}
    counts = {k: len(v) for k, v in tables.items()}
    assert counts["CLIENT_REQUESTS"] == len(methods["client_requests"]), counts
    assert counts["SERVER_REQUESTS"] == len(methods["server_requests"]), counts
    assert counts["SERVER_NOTIFICATIONS"] == len(methods["server_notifications"]), counts
    assert counts["CLIENT_NOTIFICATIONS"] == len(methods["client_notifications"]), counts

    out = [HEADER % {"cr": counts["CLIENT_REQUESTS"], "sr": counts["SERVER_REQUESTS"], "sn": counts["SERVER_NOTIFICATIONS"], "cn": counts["CLIENT_NOTIFICATIONS"]}]
    out.append("\n\n".join(gen.lines))
    out.append('''

class MethodSpec(NamedTuple):
    """One JSON-RPC method: params type (``None``: no params), response type (requests
    only; ``None`` when the schema names none) and the ``experimental`` flag."""

    params: Any
    response: Any
    experimental: bool

''')
    for key, rows in tables.items():
        out.append(f"\n{key}: dict[str, MethodSpec] = {{\n")
        for method, p, r in rows:
            p = p.strip('"') if p else None
            r = r.strip('"') if r else None
            out.append(f"    {method!r}: MethodSpec({p}, {r}, {exp.get(method, False)}),\n")
        out.append("}\n")
    out.append(
        "\n# Legacy v1 methods present only in the TS bindings (still answered by 0.136.0);\n"
        "# their params/results stay plain JSON.\nCLIENT_REQUESTS_LEGACY: dict[str, MethodSpec] = {\n"
    )
    for m in methods.get("client_requests_ts_only", []):
        out.append(f"    {m!r}: MethodSpec(dict[str, Any], Any, False),\n")
    out.append("}\n")
    out.append("\n# Unions typed Any (msgspec cannot decode them directly): " + ", ".join(sorted(set(gen.fallbacks))) + "\n")
    return "".join(out)


# --------------------------------------------------------------------------------------
# Schema model: what `codex app-server generate-json-schema` / `generate-ts` need
# --------------------------------------------------------------------------------------

MODEL_OUT = ROOT / "src" / "codex" / "app_server" / "schema_model.json"
STABLE_SCHEMA = FIX / "schema" / "codex_app_server_protocol.schemas.json"
EXP_SCHEMA_DIR = FIX / "schema-experimental"


def _defs_of(bundle: dict) -> dict[tuple[str, str], dict]:
    out = {}
    for name, value in bundle["definitions"].items():
        if name == "v2":
            for n2, v2 in value.items():
                out[("v2", n2)] = v2
        else:
            out[("", name)] = value
    return out


def _props(fragment: dict) -> list[str]:
    return list((fragment.get("properties") or {}).keys())


def build_schema_model() -> dict:
    """The type model `codex.app_server.schema_gen` renders: every definition of the
    experimental protocol (namespace, name, JSON Schema fragment) in the bundle's order,
    the root files, the experimental markers (methods, their types, fields) and each TS
    type's declaration (see ``ts_model``)."""
    sys.path.insert(0, str(ROOT / "src"))
    from codex.app_server import schema_gen  # the emitter's ref helpers

    exp = json.loads(SCHEMA.read_text())
    stable = json.loads(STABLE_SCHEMA.read_text())
    methods = json.loads(METHODS.read_text())
    exp_defs, stable_defs = _defs_of(exp), _defs_of(stable)

    root_order = list(exp["definitions"].keys())
    definitions = {
        "root": [[k, v] for k, v in exp["definitions"].items() if k != "v2"],
        "v2": [[k, v] for k, v in exp["definitions"]["v2"].items()],
        "v2_position": root_order.index("v2"),
    }

    # root files (dir, name) and definitions a file carries beyond its references' closure
    files = []
    extra: dict[str, list[str]] = {}
    for path in sorted(EXP_SCHEMA_DIR.rglob("*.json")):
        rel = path.relative_to(EXP_SCHEMA_DIR).as_posix()
        if rel.startswith("codex_app_server_protocol"):
            continue
        d, _, name = rel[:-5].rpartition("/")
        files.append([d, name])
        ns = "v2" if d == "v2" else ""
        want = list(json.loads(path.read_text()).get("definitions", {}))
        have = schema_gen.closure_names(exp_defs, (ns, name))
        missing = [n for n in want if n not in have]
        if missing:
            extra[rel[:-5]] = missing

    # experimental fields: properties the experimental schema has and the stable one lacks
    fields = []
    for key, frag in exp_defs.items():
        other = stable_defs.get(key)
        if other is None:
            continue
        for prop in _props(frag):
            if prop not in _props(other):
                fields.append([key[1], prop])
    fields = _removal_order(_declaration_order(fields), exp_defs, stable_defs)
    exp_methods = [m["method"] for m in methods["client_requests"] if m.get("experimental")]
    method_types = set()
    names = {k[1] for k in exp_defs}
    for m in methods["client_requests"]:
        if m.get("experimental"):
            for name in _method_type_names(m):
                if name in names:
                    method_types.add(name)

    # The flat v2 bundle appends the non-v2 definitions the shared unions use in the order
    # of a Rust HashSet (not reproducible); the order the reference wrote is kept.
    flat_order = {}
    for variant, d in (("experimental", EXP_SCHEMA_DIR), ("stable", FIX / "schema")):
        flat = list(json.loads((d / "codex_app_server_protocol.v2.schemas.json").read_text())["definitions"])
        nested = json.loads((d / "codex_app_server_protocol.schemas.json").read_text())["definitions"]["v2"]
        flat_order[variant] = [n for n in flat[len(nested):] if n not in ("ClientRequest", "ClientResponse", "ServerNotification")]

    return {
        "generated_by": "scripts/gen_app_server_protocol.py from the 0.136.0 reference outputs",
        "definitions": definitions,
        "json_files": files,
        "json_extra_definitions": extra,
        "experimental_methods": exp_methods,
        "experimental_method_types": sorted(method_types),
        "experimental_fields": [list(f) for f in fields],
        "flat_v2_order": flat_order,
        "ts": ts_model(),
    }


def _declaration_order(fields: list) -> list:
    """(type, field) pairs in the order the fields are declared (the TS bindings' order),
    which is the order upstream's registry removes them in."""
    order = {}
    for path in TS_DIR.rglob("*.ts"):
        text = path.read_text()
        order[path.stem] = [m.group(1) for m in re.finditer(r'(?:^|[{,]\s*)(?:/\*\*.*?\*/\s*)?"?([A-Za-z_][A-Za-z0-9_]*)"?\??:', text, re.S)]
    def rank(f):
        names = order.get(f[0], [])
        return (f[0], names.index(f[1]) if f[1] in names else 10**6, f[1])
    return sorted({tuple(f) for f in fields}, key=rank)


def _swap_remove_keys(keys: list[str], key: str) -> list[str]:
    keys = list(keys)
    if key in keys:
        i = keys.index(key)
        last = keys.pop()
        if last != key:
            keys[i] = last
    return keys


def _removal_order(fields: list, exp_defs: dict, stable_defs: dict) -> list:
    """Upstream removes experimental fields in its registry's (link) order, with a swap-remove
    on the properties map, so the order shows in the stable schema's property order: per type,
    the first ordering (declaration order first) that reproduces it."""
    import itertools

    by_type: dict[str, list[str]] = {}
    for t, f in fields:
        by_type.setdefault(t, []).append(f)
    out = []
    for t, names in by_type.items():
        exp = next((v for (ns, n), v in exp_defs.items() if n == t), None)
        st = next((v for (ns, n), v in stable_defs.items() if n == t), None)
        chosen = names
        if exp is not None and st is not None and len(names) > 1:
            want = _props(st)
            for perm in itertools.permutations(names):
                keys = _props(exp)
                for f in perm:
                    keys = _swap_remove_keys(keys, f)
                if keys == want:
                    chosen = list(perm)
                    break
        out += [(t, f) for f in chosen]
    return out


def _method_type_names(m: dict) -> list[str]:
    out = []
    params = m.get("params")
    if params:
        out.append(params)
        if params.endswith("Params"):
            out.append(params[: -len("Params")] + "Response")
    resp = _response_name(m["method"])
    if resp:
        out.append(resp)
    # param-less methods: `memory/reset` -> MemoryResetResponse
    camel = "".join(part[:1].upper() + part[1:] for part in re.split(r"[/_]", m["method"]))
    out.append(camel + "Response")
    return out


def _response_name(method: str) -> str | None:
    """The response type of a client request, from the generated method table."""
    from codex.protocol import app_server_v2 as v2

    spec = v2.CLIENT_REQUESTS.get(method)
    return getattr(spec.response, "__name__", None) if spec is not None else None


def ts_model() -> dict:
    """Each ts-experimental file's declaration (after the header and imports); imports,
    headers and the index files are computed by the emitter."""
    out = {}
    for path in sorted(TS_DIR.rglob("*.ts")):
        rel = path.relative_to(TS_DIR).as_posix()
        if rel.endswith("index.ts"):
            continue
        text = path.read_text()
        out[rel[:-3]] = _ts_declaration(text)
    return out


_TS_HEADER = "// GENERATED CODE! DO NOT MODIFY BY HAND!\n\n"
_TS_RS = "// This file was generated by [ts-rs](https://github.com/Aleph-Alpha/ts-rs). Do not edit this file manually.\n"


def _ts_declaration(text: str) -> str:
    assert text.startswith(_TS_HEADER + _TS_RS), text[:200]
    rest = text[len(_TS_HEADER + _TS_RS):]
    lines = rest.split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith("import type "):
        i += 1
    if i < len(lines) and lines[i] == "":
        i += 1
    return "\n".join(lines[i:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed output is stale")
    args = ap.parse_args()
    text = generate()
    model = json.dumps(build_schema_model(), ensure_ascii=False, separators=(",", ":")) + "\n"
    if args.check:
        stale = [p for p, t in ((OUT, text), (MODEL_OUT, model)) if p.read_text() != t]
        for p in stale:
            print(f"{p} is stale; run {__file__}", file=sys.stderr)
        return 1 if stale else 0
    OUT.write_text(text)
    MODEL_OUT.write_text(model)
    print(f"wrote {OUT} ({len(text)} bytes), {MODEL_OUT} ({len(model)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
