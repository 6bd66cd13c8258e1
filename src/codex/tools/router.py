"""The tool router (upstream `core/src/tools/router.rs` + `registry.rs`): finds the handler
for a call, runs it, and turns the result into the response item the next request carries.

* function / local_shell calls -> `{"type": "function_call_output", "call_id", "output"}`
* custom calls                 -> `{"type": "custom_tool_call_output", "call_id", "output"}`
* tool_search calls            -> `{"type": "tool_search_output", "call_id", "status": "completed",
                                    "execution": "client", "tools"}`

`output` is the handler's text, or its list of content items. An unknown tool answers
`unsupported call: <name>` (`unsupported custom tool call: <name>` for a custom call); a
`ToolError` answers its message. Both are logged as upstream does
(`ERROR codex_core::tools::router: error=<message>`, logger `codex_core::tools::router`).
Any other exception from a handler is upstream's `Fatal`: the model reads `aborted` (captured:
the turn goes on), the message is logged as the reference does (`error=Fatal error: <message>`,
then `ERROR codex_core::util: in-flight tool future failed during drain: Fatal error: <message>`,
logger `codex_core::util`),
never a traceback (that goes to the debug log). A call of the wrong kind for its handler (a custom
call to update_plan, a function call to apply_patch) is such a Fatal: `tool <name> invoked with
incompatible payload`.

`last_success` holds the `success` flag of the last dispatched call (upstream's
`FunctionCallOutputPayload.success`, for the rollout/telemetry; not on the wire).
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

from codex.tools.base import Handler, ToolCall, ToolContext, ToolError, ToolOutput

__all__ = ["PARALLEL_SAFE_TOOLS", "ToolRouter", "is_parallel_safe", "default_handlers"]

log = logging.getLogger("codex_core::tools::router")
util_log = logging.getLogger("codex_core::util")

# the payload kind each handler accepts (upstream's `matches_kind`); names not listed accept any
HANDLER_KINDS: dict[str, str] = {
    "update_plan": "function", "get_goal": "function", "create_goal": "function", "update_goal": "function",
    "view_image": "function", "request_user_input": "function", "request_permissions": "function",
    "exec_command": "function", "write_stdin": "function", "shell_command": "function",
    "list_mcp_resources": "function", "list_mcp_resource_templates": "function", "read_mcp_resource": "function",
    "apply_patch": "custom", "tool_search": "tool_search",
}

# supports_parallel_tool_calls as upstream's registry plan marks them
PARALLEL_SAFE_TOOLS = frozenset({
    "exec_command", "shell", "shell_command", "local_shell", "container.exec",
    "list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource",
    "view_image", "tool_search", "tool_suggest", "list_dir", "test_sync_tool",
})
# not parallel: write_stdin, update_plan, goals, request_user_input, request_permissions,
# apply_patch, web_search, image_generation, the multi-agent tools, js_repl.


def is_parallel_safe(name: str, *, mcp_parallel: bool = False) -> bool:
    """Whether upstream lets calls of this tool run concurrently with others. MCP tools follow
    their server's `supports_parallel_tool_calls` (`mcp_parallel`)."""
    if name in PARALLEL_SAFE_TOOLS:
        return True
    return mcp_parallel and name.startswith("mcp__")


def default_handlers() -> dict[str, Handler]:
    """The handlers of this package (not the exec/apply_patch/shell ones, nor MCP)."""
    from codex.tools.handlers.goals import handle_create_goal, handle_get_goal, handle_update_goal
    from codex.tools.handlers.plan import handle_update_plan
    from codex.tools.handlers.request_user_input import handle_request_user_input
    from codex.tools.handlers.tool_search import handle_tool_search
    from codex.tools.handlers.view_image import handle_view_image
    return {
        "update_plan": handle_update_plan,
        "get_goal": handle_get_goal,
        "create_goal": handle_create_goal,
        "update_goal": handle_update_goal,
        "view_image": handle_view_image,
        "request_user_input": handle_request_user_input,
        "tool_search": handle_tool_search,
    }


class ToolRouter:
    """`handlers` maps tool names to handlers. A namespaced call is looked up as
    `<namespace><name>` (upstream's ToolName display: `multi_agent_v1spawn_agent`), then
    `<namespace>__<name>` (MCP's qualified names) and `<namespace>:<name>`; never as the bare
    name (the reference answers `unsupported call: weirdupdate_plan` for namespace `weird`).
    `fallback` (optional) gets calls no entry matches (e.g. the MCP dispatcher)."""

    def __init__(self, handlers: Mapping[str, Handler], fallback: Handler | None = None,
                 kinds: Mapping[str, str] | None = None):
        self.handlers = dict(handlers)
        self.fallback = fallback
        self.kinds = dict(HANDLER_KINDS if kinds is None else kinds)
        self.last_success: bool | None = None

    def handler_for(self, call: ToolCall) -> Handler | None:
        if call.namespace:
            for key in (f"{call.namespace}{call.name}", f"{call.namespace}__{call.name}",
                        f"{call.namespace}:{call.name}"):
                if key in self.handlers:
                    return self.handlers[key]
            return None
        return self.handlers.get(call.name)

    def is_parallel_safe(self, name: str) -> bool:
        return is_parallel_safe(name)

    async def dispatch(self, call: ToolCall, ctx: ToolContext) -> dict[str, Any]:
        handler = self.handler_for(call) or self.fallback
        if handler is None:
            shown = f"{call.namespace}{call.name}" if call.namespace else call.name
            if call.kind == "custom":
                message = f"unsupported custom tool call: {shown}"
            else:
                message = f"unsupported call: {shown}"
            return self._error(call, message)
        expected = self.kinds.get(call.name) if not call.namespace else None
        if expected is not None and call.kind != expected and not (expected == "function" and call.kind == "local_shell"):
            return self._fatal(call, f"tool {call.name} invoked with incompatible payload")
        try:
            output = await handler(call, ctx)
        except ToolError as exc:
            return self._error(call, str(exc))
        except Exception as exc:  # upstream's FunctionCallError::Fatal
            log.debug("tool %s failed", call.name, exc_info=True)
            return self._fatal(call, str(exc) or type(exc).__name__)
        if not isinstance(output, ToolOutput):
            output = ToolOutput(output)
        self.last_success = output.success
        return response_item(call, output.content)

    def _fatal(self, call: ToolCall, message: str) -> dict[str, Any]:
        log.error("error=Fatal error: %s", message)
        util_log.error("in-flight tool future failed during drain: Fatal error: %s", message)
        self.last_success = False
        if call.kind == "tool_search":
            return response_item(call, [])
        return response_item(call, "aborted")

    def _error(self, call: ToolCall, message: str) -> dict[str, Any]:
        log.error("error=%s", message)
        self.last_success = False
        if call.kind == "tool_search":
            # the reference answers a failed tool_search with no tools (the message is only logged)
            return response_item(call, [])
        return response_item(call, message)


def response_item(call: ToolCall, content: Any) -> dict[str, Any]:
    """The ResponseInputItem for a call's output, with the captured key order."""
    if call.kind == "custom":
        return {"type": "custom_tool_call_output", "call_id": call.call_id, "output": content}
    if call.kind == "tool_search":
        return {"type": "tool_search_output", "call_id": call.call_id, "status": "completed",
                "execution": "client", "tools": content if isinstance(content, list) else []}
    return {"type": "function_call_output", "call_id": call.call_id, "output": content}
