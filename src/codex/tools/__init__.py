"""Tools: the specs the model sees (`specs`), the router that runs a call (`router`), one
handler module per tool (`handlers/`). Mirrors upstream `codex-rs/tools` + `core/src/tools`.

* `specs.build_tools(model_info, *, sandbox_mode, ephemeral, features, mcp_tools, ...)`: the
  request's `tools` array; `specs.deferred_tools(...)`: what tool_search searches.
* `router.ToolRouter(handlers).dispatch(call, ctx)`: the next request's output item;
  `router.default_handlers()`: this package's handlers by tool name; `router.is_parallel_safe`.
* `base`: the contract (ToolCall, ToolContext, ToolOutput, ToolError, Handler).

Nothing is imported here, so `import codex.tools.base` stays light.
"""
