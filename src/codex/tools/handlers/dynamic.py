"""Dynamic tools: tools an app-server client declares at thread/start (`dynamicTools`) and
answers itself (upstream core/src/tools/handlers/dynamic.rs). A call becomes a
`dynamic_tool_call_request` event (the face's `item/tool/call` request); the client's
`{contentItems, success}` comes back as the op `dynamic_tool_response`, is reported as
`dynamic_tool_call_response`, and goes to the model: one text item as a plain string, other
results as content items."""
from __future__ import annotations

import json
import time

from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput


def _duration(seconds: float) -> dict[str, int]:
    secs = int(seconds)
    return {"secs": secs, "nanos": int(round((seconds - secs) * 1e9))}


async def handle_dynamic(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    try:
        arguments = json.loads(call.arguments) if call.arguments else {}
    except ValueError as exc:
        raise ToolError(f"failed to parse function arguments: {exc}") from None
    ask = ctx.services.get("ask")
    if ask is None:
        raise ToolError("dynamic tool calls are not supported here")
    base = {"call_id": call.call_id, "turn_id": ctx.turn_id, "namespace": call.namespace,
            "tool": call.name, "arguments": arguments}
    start = time.monotonic()
    response = await ask(("dynamic_tool", call.call_id), {"type": "dynamic_tool_call_request", **base})
    response = response or {}
    items = list(response.get("content_items") or [])
    success = bool(response.get("success", False))
    await ctx.send({"type": "dynamic_tool_call_response", **base, "content_items": items,
                    "success": success, "error": None,
                    "duration": _duration(time.monotonic() - start)})
    if len(items) == 1 and items[0].get("type") == "input_text":
        return ToolOutput(items[0].get("text", ""), success=success)
    return ToolOutput(items, success=success)
