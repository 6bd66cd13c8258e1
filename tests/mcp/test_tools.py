"""Tool-name qualification and filters, ported from upstream's tests
(codex-rs codex-mcp mcp_connection_manager_tests.rs)."""

from __future__ import annotations

from codex.mcp.tools import ToolFilter, ToolInfo, filter_tools, qualified_mcp_tool_name_prefix, qualify_tools


def tool(server: str, name: str) -> ToolInfo:
    return ToolInfo.for_server_tool(server, {"name": name, "inputSchema": {"type": "object"}})


def code_mode_ok(name: str) -> bool:
    return all((c.isascii() and c.isalnum()) or c == "_" for c in name)


def test_short_non_duplicated_names():
    q = qualify_tools([tool("server1", "tool1"), tool("server1", "tool2")])
    assert set(q) == {"mcp__server1__tool1", "mcp__server1__tool2"}


def test_duplicated_names_skipped():
    q = qualify_tools([tool("server1", "duplicate_tool"), tool("server1", "duplicate_tool")])
    assert list(q) == ["mcp__server1__duplicate_tool"]


def test_long_names_same_server():
    q = qualify_tools([
        tool("my_server", "extremely_lengthy_function_name_that_absolutely_surpasses_all_reasonable_limits"),
        tool("my_server", "yet_another_extremely_lengthy_function_name_that_absolutely_surpasses_all_reasonable_limits"),
    ])
    keys = sorted(q)
    assert len(keys) == 2
    assert all(len(k) == 64 and k.startswith("mcp__my_server__") and code_mode_ok(k) for k in keys)


def test_sanitizes_invalid_characters():
    q = qualify_tools([tool("server.one", "tool.two-three")])
    (name, info), = q.items()
    assert name == "mcp__server_one__tool_two_three"
    assert info.canonical_tool_name() == name
    assert (info.server_name, info.callable_namespace, info.callable_name, info.raw_tool_name) == (
        "server.one", "mcp__server_one__", "tool_two_three", "tool.two-three")


def test_keeps_hyphenated_mcp_tools_callable():
    (name, info), = qualify_tools([tool("music-studio", "get-strudel-guide")]).items()
    assert name == "mcp__music_studio__get_strudel_guide"
    assert info.callable_namespace == "mcp__music_studio__"
    assert info.raw_tool_name == "get-strudel-guide"


def test_disambiguates_sanitized_namespace_collisions():
    q = qualify_tools([tool("basic-server", "lookup"), tool("basic_server", "query")])
    assert len(q) == 2
    assert len({t.callable_namespace for t in q.values()}) == 2
    assert {t.server_name for t in q.values()} == {"basic-server", "basic_server"}
    assert all(code_mode_ok(k) for k in q)


def test_disambiguates_sanitized_tool_name_collisions():
    q = qualify_tools([tool("server", "tool-name"), tool("server", "tool_name")])
    assert {t.raw_tool_name for t in q.values()} == {"tool-name", "tool_name"}
    assert len({t.callable_name for t in q.values()}) == 2
    assert all(len(k) <= 64 for k in q)


def test_prefix():
    assert qualified_mcp_tool_name_prefix("a.b") == "mcp__a_b__"


def test_tool_filters():
    assert ToolFilter().allows("any")
    f = ToolFilter(enabled={"allowed"})
    assert f.allows("allowed") and not f.allows("denied")
    f = ToolFilter(disabled={"blocked"})
    assert not f.allows("blocked") and f.allows("open")
    f = ToolFilter(enabled={"keep", "remove"}, disabled={"remove"})
    assert f.allows("keep") and not f.allows("remove") and not f.allows("unknown")


def test_filter_tools_applies_per_server_filters():
    s1 = [tool("server1", "tool_a"), tool("server1", "tool_b")]
    s2 = [tool("server2", "tool_a")]
    kept = filter_tools(s1, ToolFilter({"tool_a", "tool_b"}, {"tool_b"})) + filter_tools(s2, ToolFilter(None, {"tool_a"}))
    assert [(t.server_name, t.callable_name) for t in kept] == [("server1", "tool_a")]
