"""The MCP tool input schema as upstream's model sees it: after `sanitize_json_schema` the
schema is parsed into codex-rs `tools::JsonSchema`, a struct that keeps only `type`,
`description`, `enum` (`const` becomes a one-value `enum`), `items`, `properties` (a BTreeMap:
sorted by name), `required`, `additionalProperties` and `anyOf`, serialized in that order.
Everything else (`title`, `default`, `format`, `$schema`, ...) is dropped (captured: the SDK
server's `"title": "A"` and `"default": "boom"` never reach the request)."""

from __future__ import annotations

from typing import Any

from codex.mcp.schema import sanitize_json_schema

__all__ = ["model_visible_input_schema"]


def _project(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    out: dict = {}
    if "type" in value:
        out["type"] = value["type"]
    if isinstance(value.get("description"), str):
        out["description"] = value["description"]
    if "enum" in value:
        out["enum"] = value["enum"]
    elif "const" in value:
        out["enum"] = [value["const"]]
    if isinstance(value.get("items"), dict):
        out["items"] = _project(value["items"])
    if isinstance(value.get("properties"), dict):
        out["properties"] = {k: _project(value["properties"][k]) for k in sorted(value["properties"])}
    if isinstance(value.get("required"), list):
        out["required"] = value["required"]
    ap = value.get("additionalProperties")
    if isinstance(ap, bool):
        out["additionalProperties"] = ap
    elif isinstance(ap, dict):
        out["additionalProperties"] = _project(ap)
    if isinstance(value.get("anyOf"), list):
        out["anyOf"] = [_project(v) for v in value["anyOf"]]
    return out


def model_visible_input_schema(schema: Any) -> dict:
    if not isinstance(schema, dict):
        schema = {}
    schema = dict(schema)
    if schema.get("properties") is None:
        schema["properties"] = {}
    return _project(sanitize_json_schema(schema))
