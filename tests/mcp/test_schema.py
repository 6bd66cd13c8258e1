"""Schema sanitization of MCP tools for the model (codex-rs core tools/spec.rs)."""

from __future__ import annotations

from codex.mcp.schema import mcp_tool_to_openai_tool_parts, sanitize_json_schema


def test_missing_properties_are_added():
    desc, schema, out = mcp_tool_to_openai_tool_parts({"name": "t", "inputSchema": {"type": "object"}})
    assert (desc, schema) == ("", {"type": "object", "properties": {}})
    assert out["properties"]["structuredContent"] == {} and out["required"] == ["content"]


def test_null_properties_and_description():
    desc, schema, _ = mcp_tool_to_openai_tool_parts(
        {"name": "t", "description": "d", "inputSchema": {"type": "object", "properties": None}})
    assert (desc, schema) == ("d", {"type": "object", "properties": {}})


def test_types_are_inferred():
    schema = sanitize_json_schema({
        "properties": {
            "flag": True,
            "choice": {"enum": ["a", "b"]},
            "n": {"minimum": 1},
            "list": {"items": {"format": "uri"}},
            "tuple": {"prefixItems": [{"const": 1}]},
            "nested": {"required": ["x"]},
            "union": {"type": ["null", "integer"]},
            "plain": {},
            "any": {"anyOf": [{"properties": {}}, False]},
            "map": {"type": "object", "additionalProperties": {"enum": [1]}},
            "open": {"type": "object", "additionalProperties": True},
            "arr": {"type": "array"},
        }
    })
    p = schema["properties"]
    assert schema["type"] == "object"
    assert p["flag"] == {"type": "string"}
    assert p["choice"]["type"] == "string"
    assert p["n"]["type"] == "number"
    assert p["list"] == {"type": "array", "items": {"format": "uri", "type": "string"}}
    assert p["tuple"]["type"] == "array" and p["tuple"]["items"] == {"type": "string"}
    assert p["nested"] == {"required": ["x"], "type": "object", "properties": {}}
    assert p["union"]["type"] == "integer"
    assert p["plain"] == {"type": "string"}
    assert p["any"]["anyOf"] == [{"properties": {}, "type": "object"}, {"type": "string"}]
    assert p["map"]["additionalProperties"] == {"enum": [1], "type": "string"}
    assert p["open"]["additionalProperties"] is True
    assert p["arr"]["items"] == {"type": "string"}


def test_input_not_modified():
    original = {"properties": {"a": {}}}
    sanitize_json_schema(original)
    assert original == {"properties": {"a": {}}}
