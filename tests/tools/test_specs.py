"""build_tools against the tools arrays the reference 0.136.0 sent (fixtures/tools/specs,
captured with `codex exec` against the mock, plus the app-server captures)."""
import json
from pathlib import Path

import pytest

from codex.model.catalog import model_info
from codex.tools.specs import (available_models_description, build_tools, deferred_tools,
                               tool_search_description)

FIX = Path(__file__).resolve().parents[2] / "fixtures"
SPECS = FIX / "tools" / "specs"

_ECHO = {"name": "echo", "description": "Echo the given text back.",
         "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}
_ADD = {"name": "add", "description": "Add two integers.",
        "inputSchema": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                        "required": ["a", "b"]}}
_WEATHER = {"name": "lookup_weather", "description": "Look up the weather for a city.",
            "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                            "additionalProperties": False}}

CASES = {
    # fixture: (model, build_tools kwargs, what the reference was run with)
    "model_gpt-5.5": ("gpt-5.5", {}),
    "model_gpt-5.4": ("gpt-5.4", {}),
    "model_gpt-5.4-mini": ("gpt-5.4-mini", {}),
    "model_gpt-5.3-codex": ("gpt-5.3-codex", {}),
    "model_gpt-5.2": ("gpt-5.2", {}),
    "model_codex-auto-review": ("codex-auto-review", {}),
    "model_gpt-5.1-codex": ("gpt-5.1-codex", {}),
    "model_gpt-4o": ("gpt-4o", {}),
    "model_o3": ("o3", {}),
    "v_ro": ("gpt-5.5", {"sandbox_mode": "read-only"}),
    "v_ww": ("gpt-5.5", {"sandbox_mode": "workspace-write"}),
    "v_dfa": ("gpt-5.5", {"sandbox_mode": "danger-full-access"}),
    "v_eph": ("gpt-5.5", {"ephemeral": True}),
    "v_onreq": ("gpt-5.5", {}),
    "v_untrusted": ("gpt-5.5", {}),
    "v_wscached": ("gpt-5.5", {"web_search_mode": "cached"}),
    "v_wsdis": ("gpt-5.5", {"web_search_mode": "disabled"}),
    "v_wslive": ("gpt-5.5", {"web_search_mode": "live"}),
    "f_dmrui": ("gpt-5.5", {"features": {"default_mode_request_user_input": True}}),
    "f_mav2": ("gpt-5.5", {"features": {"multi_agent_v2": True}}),
    "f_nogoals": ("gpt-5.5", {"features": {"goals": False}}),
    "f_nomulti": ("gpt-5.5", {"features": {"multi_agent": False}}),
    "f_nomultiunk": ("gpt-4o", {"features": {"multi_agent": False}}),
    "f_noshell": ("gpt-5.5", {"features": {"shell_tool": False}}),
    "f_nounified": ("gpt-5.5", {"features": {"unified_exec": False}}),
    "f_reqperm": ("gpt-5.5", {"features": {"request_permissions_tool": True}}),
    "f_standalone": ("gpt-5.5", {"features": ["standalone_web_search"]}),
    "app_review": ("gpt-5.5", {"review": True}),
    "app_turn_dynamic_tool": ("gpt-5.5", {"dynamic_tools": [_WEATHER]}),
    "app_mcp_tools": ("gpt-5.5", {"mcp_tools": [
        {"namespace": "mcp__mockmcp__", "name": "echo", "tool": _ECHO},
        {"namespace": "mcp__mockmcp__", "name": "add", "tool": _ADD}]}),
}


def _custom(slug, shell_type):
    """The custom catalog entries the c_* fixtures were captured with (`-c model_catalog_json`):
    gpt-5.5 with another slug and shell_type, no apply_patch, no search tool, text web search."""
    from codex.model.catalog import ModelInfo, find_model
    raw = dict(find_model("gpt-5.5").raw)
    raw.update(slug=slug, shell_type=shell_type, apply_patch_tool_type=None, supports_search_tool=False,
               web_search_tool_type="text")
    return ModelInfo(raw)


_CUSTOM = (("custom-local", "local"), ("custom-default", "default"), ("custom-disabled", "disabled"),
           ("custom-unified", "unified_exec"))


def _custom_catalog():
    """spawn_agent lists the picker-visible models of the catalog in use: the custom ones first."""
    from codex.model.catalog import bundled_models
    return [_custom(s, t).raw for s, t in _CUSTOM] + [m for m in bundled_models() if m.get("visibility") == "list"]


for _slug, _shell in _CUSTOM:
    if _slug != "custom-disabled":
        CASES[f"c_{_slug}"] = (_custom(_slug, _shell), {"available_models": _custom_catalog()})
    CASES[f"c_nounified_{_slug}"] = (_custom(_slug, _shell), {"features": {"unified_exec": False},
                                                             "available_models": _custom_catalog()})


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_tools_array_matches_reference(fixture):
    model, kwargs = CASES[fixture]
    want = (SPECS / f"{fixture}.json").read_text()
    got = build_tools(model_info(model) if isinstance(model, str) else model, **kwargs)
    # byte-identical as JSON, key order included
    assert json.dumps(got, ensure_ascii=False) == json.dumps(json.loads(want), ensure_ascii=False)


def test_default_equals_the_exec_common_tools():
    common = json.loads((FIX / "parity" / "exec" / "_common" / "tools.json").read_text())
    assert json.dumps(build_tools(model_info("gpt-5.5"), sandbox_mode="read-only", ephemeral=False,
                                  features={})) == json.dumps(common)


def test_mcp_tool_info_objects():
    from codex.mcp.tools import ToolInfo
    infos = [ToolInfo.for_server_tool("mockmcp", _ECHO), ToolInfo.for_server_tool("mockmcp", _ADD)]
    want = json.loads((SPECS / "app_mcp_tools.json").read_text())
    assert build_tools(model_info("gpt-5.5"), mcp_tools=infos) == want


def test_login_param_dropped_when_login_shell_disallowed():
    tools = build_tools(model_info("gpt-5.5"), allow_login_shell=False)
    assert "login" not in tools[0]["parameters"]["properties"]
    assert "cmd" in tools[0]["parameters"]["properties"]


def test_tool_search_description_sources():
    d = tool_search_description([("docs", None), ("Alpha", "A."), ("docs", "Docs.")])
    assert "following sources:\n- Alpha: A.\n- docs: Docs.\nSome of the tools" in d
    assert "sources:\nNone currently enabled.\nSome" in tool_search_description([])


def test_available_models_lines():
    text = available_models_description()
    assert text.splitlines()[0] == ("- `gpt-5.5`: Frontier model for complex coding, research, and real-world "
                                    "work. Reasoning efforts: low, medium (default), high, xhigh. Service tiers: "
                                    "priority.")
    assert "codex-auto-review" not in text


def test_deferred_tools_are_the_multi_agent_namespace():
    deferred = deferred_tools(model_info("gpt-5.5"))
    assert [ns["name"] for ns in deferred] == ["multi_agent_v1"]
    assert [t["name"] for t in deferred[0]["tools"]] == [
        "close_agent", "resume_agent", "send_input", "spawn_agent", "wait_agent"]
    assert all(list(t)[:5] == ["type", "name", "description", "strict", "defer_loading"]
               for t in deferred[0]["tools"])
    assert deferred_tools(model_info("gpt-4o")) == []


# captured with tests/mcp/servers/echo_server.py configured as [mcp_servers.echo]
_ECHO_SERVER = json.loads((FIX / "tools" / "mcp" / "echo_server.json").read_text())


def _echo_server_tools():
    from codex.mcp.tools import ToolInfo, qualify_tools
    raw = [{"name": "echo", "description": "Echo the text back.",
            "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
           {"name": "env.get", "description": "An environment variable of the server process.",
            "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
           {"name": "slow", "description": "Sleep, then answer.",
            "inputSchema": {"type": "object", "properties": {"seconds": {"type": "number"}}, "required": ["seconds"]}}]
    return list(qualify_tools([ToolInfo.for_server_tool("echo", t) for t in raw]).values())


@pytest.mark.parametrize("mode", ["direct", "deferred"])
def test_mcp_server_tools_direct_and_deferred(mode):
    features = {"tool_search_always_defer_mcp_tools": mode == "deferred"}
    got = build_tools(model_info("gpt-5.5"), mcp_tools=_echo_server_tools(), features=features)
    assert json.dumps(got) == json.dumps(_ECHO_SERVER[mode]["tools"])


def test_mcp_deferred_search_as_captured():
    from codex.tools.handlers.tool_search import search
    features = {"tool_search_always_defer_mcp_tools": True}
    deferred = deferred_tools(model_info("gpt-5.5"), features=features, mcp_tools=_echo_server_tools())
    want = [i for i in _ECHO_SERVER["deferred"]["items"] if i["type"] == "tool_search_output"][0]["tools"]
    assert json.dumps(search(deferred, "echo text", 8)) == json.dumps(want)
    # directly exposed MCP tools are not searchable: the direct capture answered []
    direct = deferred_tools(model_info("gpt-5.5"), mcp_tools=_echo_server_tools())
    assert [ns["name"] for ns in direct] == ["multi_agent_v1"]
    assert search(direct, "echo text", 8) == [i for i in _ECHO_SERVER["direct"]["items"]
                                              if i["type"] == "tool_search_output"][0]["tools"] == []
