"""Handler behaviour beyond the replayed captures: request_user_input in Plan mode (the
app-server capture's wire shape), goal usage accounting, view_image sizes (captured with the
reference, fixtures/tools/calls/view_image_sizes.json), tool_search over deferred MCP tools."""
import asyncio
import base64
import json
import sqlite3
import struct
import zlib
from pathlib import Path

import pytest

from codex.tools.base import ToolCall, ToolContext, ToolError
from codex.tools.handlers.goals import GoalStore, goal_json, handle_create_goal, handle_update_goal
from codex.tools.handlers.request_user_input import handle_request_user_input
from codex.tools.handlers.tool_search import handle_tool_search, search
from codex.tools.handlers.view_image import handle_view_image, image_info
from codex.tools.specs import deferred_tools

FIX = Path(__file__).resolve().parents[2] / "fixtures"


def _ctx(tmp_path, **kw):
    events = []

    async def emit(msg):
        events.append(msg)

    (tmp_path / "cwd").mkdir(exist_ok=True)
    (tmp_path / "home").mkdir(exist_ok=True)
    ctx = ToolContext(thread_id="thread-1", turn_id="turn-1", cwd=str(tmp_path / "cwd"),
                      codex_home=str(tmp_path / "home"), emit=emit, **kw)
    return ctx, events


def _run(handler, ctx, args, name="t", kind="function"):
    return asyncio.run(handler(ToolCall(call_id="call_1", name=name, kind=kind, arguments=args), ctx))


# --- request_user_input --------------------------------------------------------------------

_RUI_ARGS = json.dumps({"questions": [{"id": "db_choice", "header": "Database", "question": "Which database?",
                                       "options": [{"label": "SQLite (Recommended)", "description": "Simple."},
                                                   {"label": "Postgres", "description": "Scales."}]}]})


def _transcript():
    lines = [json.loads(line) for line in
             (FIX / "app_server" / "transcripts" / "turn_plan_and_user_input.jsonl").read_text().splitlines()]
    request = next(m["msg"] for m in lines if m["msg"].get("method") == "item/tool/requestUserInput")
    answer = next(m["msg"]["result"] for m in lines if m["dir"] == "c2s" and m["msg"].get("id") == request["id"]
                  and "result" in m["msg"])
    reqs = [json.loads(line)["body"] for line in
            (FIX / "app_server" / "transcripts" / "turn_plan_and_user_input.requests.jsonl").read_text().splitlines()]
    output = next(i for i in reqs[-1]["input"] if i.get("call_id") == "call_mock_3" and i["type"].endswith("output"))
    return request["params"], answer, output["output"]


def test_request_user_input_plan_mode_asks_the_face(tmp_path):
    params, answer, want_output = _transcript()
    asked = []

    async def ask(call_id, questions):
        asked.append((call_id, questions))
        return answer

    ctx, _ = _ctx(tmp_path, config={"collaboration_mode": "plan"}, services={"request_user_input": ask})
    out = _run(handle_request_user_input, ctx, _RUI_ARGS)
    assert out.content == want_output
    assert asked == [("call_1", params["questions"])]


def test_request_user_input_default_mode_and_cancel(tmp_path):
    ctx, _ = _ctx(tmp_path)
    with pytest.raises(ToolError, match="^request_user_input is unavailable in Default mode$"):
        _run(handle_request_user_input, ctx, "{}")

    async def cancel(call_id, questions):
        return None

    ctx, _ = _ctx(tmp_path, config={"features": {"default_mode_request_user_input": True}},
                  services={"request_user_input": cancel})
    with pytest.raises(ToolError, match="cancelled before receiving a response"):
        _run(handle_request_user_input, ctx, _RUI_ARGS)
    no_options = json.dumps({"questions": [{"id": "a", "header": "h", "question": "q"}]})
    with pytest.raises(ToolError, match="^request_user_input requires non-empty options for every question$"):
        _run(handle_request_user_input, ctx, no_options)
    ctx, _ = _ctx(tmp_path, config={"collaboration_mode": "execute"})
    with pytest.raises(ToolError, match="^request_user_input is unavailable in Execute mode$"):
        _run(handle_request_user_input, ctx, _RUI_ARGS)


# --- goals ---------------------------------------------------------------------------------

def test_goal_usage_accounting_and_budget_limit(tmp_path):
    ctx, events = _ctx(tmp_path)
    out = _run(handle_create_goal, ctx, '{"objective": "Ship it", "token_budget": 300}')
    assert json.loads(out.content)["remainingTokens"] == 300
    store = GoalStore(str(tmp_path / "home"))
    assert goal_json(store.account_usage("thread-1", tokens=120))["tokensUsed"] == 120
    row = store.account_usage("thread-1", tokens=200, seconds=3)
    assert (row["status"], row["tokens_used"], row["time_used_seconds"]) == ("budget_limited", 320, 3)
    assert goal_json(row)["status"] == "budgetLimited"
    assert store.account_usage("thread-1", tokens=5) is None          # no longer active
    out = json.loads(_run(handle_update_goal, ctx, '{"status": "complete"}').content)
    assert out["remainingTokens"] == 0
    assert out["completionBudgetReport"].startswith("Goal achieved. Report final usage")
    assert [e["goal"]["status"] for e in events] == ["active", "complete"]
    # the store is the reference's schema: its rows read back with sqlite3 directly
    conn = sqlite3.connect(tmp_path / "home" / "goals_1.sqlite")
    assert conn.execute("select objective, status, token_budget from thread_goals").fetchall() == [
        ("Ship it", "complete", 300)]


def test_goal_argument_errors(tmp_path):
    ctx, _ = _ctx(tmp_path)
    with pytest.raises(ToolError, match=r"^failed to parse function arguments: missing field `objective` at line 1 "
                                        r"column 2$"):
        _run(handle_create_goal, ctx, "{}")
    with pytest.raises(ToolError, match="^goal objective must be at most 4000 characters$"):
        _run(handle_create_goal, ctx, json.dumps({"objective": "x" * 4001}))
    with pytest.raises(ToolError, match="^failed to parse function arguments: unknown variant `done`"):
        _run(handle_update_goal, ctx, '{"status": "done"}')


# --- view_image ----------------------------------------------------------------------------

def _png(w, h, step):
    """RGB rows of bytes (x * step + y) % 256 (step 1, row-independent: the gpt-5.2 capture's)."""
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    base = bytes((x * step) % 256 for x in range(w * 3))
    shift = step != 1
    raw = b"".join(b"\x00" + (base.translate(bytes((i + y) % 256 for i in range(256))) if shift else base)
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _image_out(out):
    head, data = out.content[0]["image_url"].split(",", 1)
    data = base64.b64decode(data)
    return head[5:].split(";")[0], out.content[0]["detail"], image_info(data)[1:], data


def _have_pil():
    try:
        import PIL  # noqa: F401
        return True
    except ImportError:
        return False


@pytest.mark.parametrize("model", ["gpt-5.2", "gpt-5.5"])
def test_view_image_sizes_as_captured(tmp_path, model):
    cases = json.loads((FIX / "tools" / "calls" / "view_image_sizes.json").read_text())[model]
    ctx, _ = _ctx(tmp_path, config={"supports_image_detail_original": model != "gpt-5.2"})
    cwd = tmp_path / "cwd"
    small = [i["output"] for i in json.loads((FIX / "tools" / "calls" / "view_image" / "requests_slim.json")
                                             .read_text())[-1]["items"] if i["type"] == "function_call_output"]
    (cwd / "img.png").write_bytes(base64.b64decode(small[0][0]["image_url"].split(",", 1)[1]))
    wave = 7 if model == "gpt-5.5" else 1
    originals = {"big.png": _png(3000, 1000, wave), "tall.png": _png(1000, 3000, wave),
                 "mid.png": _png(2048, 2048, wave), "fake.png": b"not really"}
    for name, data in originals.items():
        (cwd / name).write_bytes(data)
    for case in cases:
        want = case["output"]
        if isinstance(want, str):
            with pytest.raises(ToolError) as err:
                _run(handle_view_image, ctx, json.dumps(case["arguments"]))
            assert str(err.value).replace(str(cwd), "<CWD>") == want
            continue
        mime, detail, size, data = _image_out(_run(handle_view_image, ctx, json.dumps(case["arguments"])))
        assert (mime, detail) == (want["mime"], want["detail"])
        resized = tuple(want["size"]) != image_info(originals.get(case["arguments"]["path"], data))[1:]
        if not resized:
            # the file's exact bytes (the reference sent want["bytes"] bytes: its copy of the same file)
            assert size == tuple(want["size"]) and data == (cwd / case["arguments"]["path"]).read_bytes()
        elif _have_pil():
            assert size == tuple(want["size"])
        else:                                   # documented: no Pillow, no resize
            assert data == originals[case["arguments"]["path"]]


# --- tool_search ---------------------------------------------------------------------------

def test_tool_search_over_deferred_mcp_tools(tmp_path):
    from codex.model.catalog import model_info
    mcp = [{"namespace": "mcp__calendar__", "name": "create_event",
            "tool": {"name": "create_event", "description": "Create a calendar event.",
                     "inputSchema": {"type": "object", "properties": {"title": {"type": "string"}}}}},
           {"namespace": "mcp__calendar__", "name": "list_events",
            "tool": {"name": "list_events", "description": "List calendar events.",
                     "inputSchema": {"type": "object", "properties": {}}}}]
    deferred = deferred_tools(model_info("gpt-5.5"), mcp_tools=mcp, defer_mcp_tools=True)
    assert [d["name"] for d in deferred] == ["multi_agent_v1", "mcp__calendar"]
    hits = search(deferred, "calendar event", 8)
    assert [h["name"] for h in hits] == ["mcp__calendar"]
    assert sorted(t["name"] for t in hits[0]["tools"]) == ["create_event", "list_events"]
    assert all(t["defer_loading"] is True for t in hits[0]["tools"])
    ctx, _ = _ctx(tmp_path)
    assert _run(handle_tool_search, ctx, '{"query": "calendar"}', kind="tool_search").content == []
    with pytest.raises(ToolError, match="^query must not be empty$"):
        _run(handle_tool_search, ctx, '{"query": " "}', kind="tool_search")
    with pytest.raises(ToolError, match="^limit must be greater than zero$"):
        _run(handle_tool_search, ctx, '{"query": "x", "limit": 0}', kind="tool_search")


def test_update_goal_charges_pending_usage_first(tmp_path):
    store_events = []

    async def accounting(ctx):
        row = GoalStore(ctx.codex_home).account_usage(ctx.thread_id, tokens=240)
        if row is not None:
            store_events.append("charged")
            await ctx.send({"type": "thread_goal_updated", "threadId": ctx.thread_id, "turnId": ctx.turn_id,
                            "goal": goal_json(row)})

    ctx, events = _ctx(tmp_path, services={"goal_accounting": accounting})
    _run(handle_create_goal, ctx, '{"objective": "Ship it", "token_budget": 5000}')
    out = json.loads(_run(handle_update_goal, ctx, '{"status": "blocked"}').content)
    assert out["goal"]["tokensUsed"] == 240 and out["remainingTokens"] == 4760
    assert [(e["goal"]["status"], e["goal"]["tokensUsed"]) for e in events] == [
        ("active", 0), ("active", 240), ("blocked", 240)]        # as the reference's call_9


def test_view_image_refused_for_text_only_models(tmp_path):
    # captured with a custom catalog entry (gpt-5.5 with input_modalities ["text"])
    ctx, _ = _ctx(tmp_path, config={"input_modalities": ["text"]})
    for args in ('{"path": "img.png"}', '{"path": "missing.png"}'):
        with pytest.raises(ToolError, match="^view_image is not allowed because you do not support image inputs$"):
            _run(handle_view_image, ctx, args)


def test_update_plan_refused_in_plan_mode(tmp_path):
    from codex.tools.handlers.plan import handle_update_plan
    ctx, events = _ctx(tmp_path, config={"collaboration_mode": "plan"})
    with pytest.raises(ToolError, match="^update_plan is a TODO/checklist tool and is not allowed in Plan mode$"):
        _run(handle_update_plan, ctx, '{"plan": []}')
    assert events == []


def test_view_image_path_resolution_as_captured(tmp_path, monkeypatch):
    # captured: paths are joined to the cwd, normalized, and `~` is the home directory
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    ctx, _ = _ctx(tmp_path)
    (tmp_path / "cwd" / "sub").mkdir()
    cases = {
        "sub/../missing.png": "unable to locate image at `<CWD>/missing.png`: No such file or directory (os error 2)",
        "./missing.png": "unable to locate image at `<CWD>/missing.png`: No such file or directory (os error 2)",
        "/nonexistent/a.png": "unable to locate image at `/nonexistent/a.png`: No such file or directory (os error 2)",
        "~/a.png": "unable to locate image at `<HOME>/a.png`: No such file or directory (os error 2)",
        "sub//": "image path `<CWD>/sub` is not a file",
    }
    for path, want in cases.items():
        with pytest.raises(ToolError) as err:
            _run(handle_view_image, ctx, json.dumps({"path": path}))
        got = str(err.value).replace(str(tmp_path / "cwd"), "<CWD>").replace(str(tmp_path / "home"), "<HOME>")
        assert got == want, path
