"""ToolRouter: output item shapes (key order as captured), unknown tools, errors, namespaces."""
import asyncio
import json
import logging

from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput
from codex.tools.router import ToolRouter, default_handlers, is_parallel_safe


def _ctx():
    return ToolContext(thread_id="t", turn_id="u", cwd="/", codex_home="/nonexistent")


def _dispatch(router, **kw):
    return asyncio.run(router.dispatch(ToolCall(**kw), _ctx()))


async def _ok(call, ctx):
    return ToolOutput(f"ran {call.name} {call.arguments}")


async def _fails(call, ctx):
    raise ToolError("bad input")


async def _crashes(call, ctx):
    raise KeyError("boom")


async def _image(call, ctx):
    return ToolOutput([{"type": "input_image", "image_url": "data:image/png;base64,AA==", "detail": "high"}])


def test_function_custom_and_content_item_outputs():
    r = ToolRouter({"f": _ok, "apply_patch": _ok, "img": _image})
    got = _dispatch(r, call_id="c1", name="f", arguments="{}")
    assert json.dumps(got) == '{"type": "function_call_output", "call_id": "c1", "output": "ran f {}"}'
    got = _dispatch(r, call_id="c2", name="apply_patch", kind="custom", arguments="*** Begin Patch")
    assert list(got) == ["type", "call_id", "output"] and got["type"] == "custom_tool_call_output"
    got = _dispatch(r, call_id="c3", name="img")
    assert got["output"][0]["type"] == "input_image" and r.last_success is True


def test_unknown_tools_as_the_reference_answers(caplog):
    r = ToolRouter({"update_plan": _ok})
    with caplog.at_level(logging.ERROR, logger="codex_core::tools::router"):
        assert _dispatch(r, call_id="c", name="no_such_tool")["output"] == "unsupported call: no_such_tool"
    assert "error=unsupported call: no_such_tool" in caplog.text
    assert _dispatch(r, call_id="c", name="x", kind="custom")["output"] == "unsupported custom tool call: x"
    # a namespace never falls back to the bare name (captured: `unsupported call: weirdupdate_plan`)
    assert _dispatch(r, call_id="c", name="update_plan", namespace="weird")["output"] == \
        "unsupported call: weirdupdate_plan"
    assert r.last_success is False


def test_errors_and_exceptions_become_outputs(caplog):
    r = ToolRouter({"e": _fails, "x": _crashes})
    assert _dispatch(r, call_id="c", name="e")["output"] == "bad input"
    with caplog.at_level(logging.ERROR):
        out = _dispatch(r, call_id="c", name="x")["output"]
    # captured: a Fatal tool error reads "aborted" and the turn goes on
    assert out == "aborted"
    assert [(rec.name, rec.getMessage()) for rec in caplog.records][-1:] == [
        ("codex_core::util", "in-flight tool future failed during drain: Fatal error: 'boom'")]
    assert "Traceback" not in caplog.text


def test_namespaced_and_fallback_lookup():
    r = ToolRouter({"multi_agent_v1spawn_agent": _ok, "mcp__srv__echo": _ok}, fallback=_fails)
    assert _dispatch(r, call_id="c", name="spawn_agent", namespace="multi_agent_v1")["output"].startswith("ran")
    assert _dispatch(r, call_id="c", name="echo", namespace="mcp__srv")["output"].startswith("ran")
    assert _dispatch(r, call_id="c", name="other")["output"] == "bad input"


def test_tool_search_items():
    r = ToolRouter(default_handlers())
    got = _dispatch(r, call_id="ts", name="tool_search", kind="tool_search", arguments='{"query": " "}')
    assert json.dumps(got) == ('{"type": "tool_search_output", "call_id": "ts", "status": "completed", '
                               '"execution": "client", "tools": []}')


def test_parallel_marks():
    assert is_parallel_safe("exec_command") and is_parallel_safe("view_image") and is_parallel_safe("tool_search")
    assert not is_parallel_safe("write_stdin") and not is_parallel_safe("update_plan")
    assert not is_parallel_safe("apply_patch") and not is_parallel_safe("request_user_input")
    assert not is_parallel_safe("mcp__srv__echo") and is_parallel_safe("mcp__srv__echo", mcp_parallel=True)
    assert sorted(default_handlers()) == ["create_goal", "get_goal", "request_user_input", "tool_search",
                                          "update_goal", "update_plan", "view_image"]
