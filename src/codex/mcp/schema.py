"""MCP tool schemas for the model (codex-rs core tools/spec.rs `mcp_tool_to_openai_tool_parts`,
`sanitize_json_schema`): every schema object gets a `type` (inferred from its keywords, else
`string`), objects get `properties`, arrays get `items`; boolean schemas become `{"type":
"string"}`. The output schema wraps the tool's structured-content schema in CallToolResult's
shape. Pure Python: does not import the `mcp` SDK."""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["mcp_call_tool_result_output_schema", "mcp_tool_to_openai_tool_parts", "sanitize_json_schema"]

_SUPPORTED = ("object", "array", "string", "number", "integer", "boolean")


def sanitize_json_schema(value: Any) -> Any:
    """The sanitized schema (a new value; the input is not modified)."""
    value = copy.deepcopy(value)
    return _sanitize(value)


def _sanitize(value: Any) -> Any:
    if isinstance(value, bool):
        return {"type": "string"}
    if isinstance(value, list):
        return [_sanitize(v) for v in value]
    if not isinstance(value, dict):
        return value
    props = value.get("properties")
    if isinstance(props, dict):
        for k in list(props):
            props[k] = _sanitize(props[k])
    if "items" in value:
        value["items"] = _sanitize(value["items"])
    for combiner in ("oneOf", "anyOf", "allOf", "prefixItems"):
        if combiner in value:
            value[combiner] = _sanitize(value[combiner])

    ty = value.get("type") if isinstance(value.get("type"), str) else None
    if ty is None and isinstance(value.get("type"), list):
        ty = next((t for t in value["type"] if isinstance(t, str) and t in _SUPPORTED), None)
    if ty is None:
        if any(k in value for k in ("properties", "required", "additionalProperties")):
            ty = "object"
        elif any(k in value for k in ("items", "prefixItems")):
            ty = "array"
        elif any(k in value for k in ("enum", "const", "format")):
            ty = "string"
        elif any(k in value for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
            ty = "number"
    ty = ty or "string"
    value["type"] = ty
    if ty == "object":
        value.setdefault("properties", {})
        ap = value.get("additionalProperties")
        if ap is not None and not isinstance(ap, bool):
            value["additionalProperties"] = _sanitize(ap)
    if ty == "array" and "items" not in value:
        value["items"] = {"type": "string"}
    return value


def mcp_call_tool_result_output_schema(structured_content_schema: Any) -> dict:
    return {
        "type": "object",
        "properties": {
            "content": {"type": "array", "items": {}},
            "structuredContent": structured_content_schema,
            "isError": {"type": "boolean"},
            "_meta": {},
        },
        "required": ["content"],
        "additionalProperties": False,
    }


def _field(tool: Any, *names: str):
    for name in names:
        if isinstance(tool, dict):
            if name in tool:
                return tool[name]
        elif hasattr(tool, name):
            return getattr(tool, name)
    return None


def mcp_tool_to_openai_tool_parts(tool: Any) -> tuple[str, dict, dict]:
    """(description, input schema, output schema) of an MCP tool (SDK object or its JSON dict)."""
    input_schema = copy.deepcopy(_field(tool, "input_schema", "inputSchema") or {})
    if not isinstance(input_schema, dict):
        input_schema = {}
    if input_schema.get("properties") is None:
        # OpenAI models require `properties`; some MCP servers omit it or set it to null.
        input_schema["properties"] = {}
    input_schema = _sanitize(input_schema)
    output = _field(tool, "output_schema", "outputSchema")
    structured = copy.deepcopy(output) if isinstance(output, dict) else {}
    return _field(tool, "description") or "", input_schema, mcp_call_tool_result_output_schema(structured)
