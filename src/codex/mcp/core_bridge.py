"""MCP servers' tools in the agent's turns: the bridge the core plugs in (upstream
`codex-mcp` connection manager + `core/src/mcp_tool_call.rs` + `core/src/tools/handlers/mcp.rs`
+ `mcp_resource.rs`, as 0.136.0 behaves).

API
---
``bridge = McpBridge(config_raw, cwd=..., codex_home=..., environ=None)``
    `config_raw` is the session's whole raw config dict (its ``mcp_servers`` table is read;
    disabled servers are skipped). `environ` (default ``os.environ``) feeds the stdio servers'
    environment (`env_vars`, the default variables) and HTTP headers / bearer tokens.
    Options: ``supports_image_input`` (the model's `input_modalities` has "image"; else image
    blocks become upstream's "<image content omitted ...>" text), ``truncation_tokens`` (the
    model's truncation policy limit x 1.2; default 12000; None = no truncation),
    ``history_truncation`` (default True: also apply the second pass upstream's history applies
    to every function output; pass False once the core's history truncates outputs itself).
``await bridge.start(emit)``
    Emits ``{"type": "mcp_startup_update", "server", "status": {"state": "starting"}}`` for
    every enabled server (config order) and returns; the servers start concurrently in the
    background. Each one then emits its own update (``ready`` / ``failed`` with ``error`` /
    ``cancelled``) and, once all are settled, ``{"type": "mcp_startup_complete", "ready",
    "failed": [{"server", "error"}], "cancelled"}``. `emit` may be sync or async (or None).
``await bridge.tools(timeout=None) -> list[ToolInfo]``
    The model-visible MCP tools (qualified `mcp__<server>__<tool>` names,
    `enabled_tools`/`disabled_tools` applied), waiting for each still-starting server until its
    own startup outcome (bounded by its `startup_timeout_sec`, default 10 s) or `timeout`.
``bridge.has_servers`` / ``bridge.has_resource_tools``
    Whether any server is enabled (upstream adds the three resource tools then).
``await bridge.required_startup_failures()`` / ``bridge.required_failure_message(failures)``
    For `required = true` servers: ``[{"server", "error"}]`` and upstream's
    ``required MCP servers failed to initialize: <server>: <error>; ...``.
``await bridge.handle(call, ctx) -> ToolOutput``
    The router fallback: MCP tool calls (namespaced ``namespace="mcp__srv", name="tool"`` as the
    model sends them; a flat ``mcp__srv__tool`` call is `unsupported call` in 0.136.0, captured)
    and the resource tools (``list_mcp_resources``, ``list_mcp_resource_templates``,
    ``read_mcp_resource``). Any other name raises ``ToolError("unsupported call: <name>")`` (the
    router's own answer). Emits ``mcp_tool_call_begin`` / ``mcp_tool_call_end`` through
    ``ctx.send``; resource-tool failures are ToolErrors in upstream's words.
``await bridge.call_tool_direct(server, tool, arguments)`` / ``await bridge.read_resource_direct(
server, uri)`` / ``bridge.server_snapshot(name)``
    For app-server's ``mcpServer/tool/call``, ``mcpServer/resource/read`` and
    ``mcpServerStatus/list``: the raw CallToolResult / ReadResourceResult JSON (no events, no
    approval), and a server's ``{"serverInfo", "tools": {name: Tool JSON}, "instructions"}``.
``bridge.is_mcp_call(call)`` / ``bridge.parallel_safe(call)``
    Whether a call is ours; whether it may run concurrently (server's
    `supports_parallel_tool_calls` or the tool's `readOnlyHint`; resource tools always).
``await bridge.shutdown()``
    Stops every server (cancels those still starting).

Wiring (for the core engineer; nothing in src/codex/core or src/codex/tools is changed here)
---------------------------------------------------------------------------------------------
1. Session start (after the config is loaded, before the first turn):
   ``bridge = McpBridge(config_raw, cwd=cwd, codex_home=codex_home)``;
   ``await bridge.start(session_emit)`` where `session_emit` stamps the EventMsg dicts like any
   other event (app-server maps them to ``mcpServer/startupStatus/updated``). Keep the bridge in
   ``ToolContext.services["mcp"]``. If ``bridge.has_required_servers``:
   ``failures = await bridge.required_startup_failures()``; when non-empty, fail the
   session start with ``bridge.required_failure_message(failures)``.
2. Each turn, before building the request: ``mcp_tools = await bridge.tools()``, then
   ``build_tools(..., mcp_tools=mcp_tools, mcp_servers=bridge.has_servers)`` (the resource
   tools appear whenever servers are configured, as captured).
3. Router: ``ToolRouter(handlers, fallback=bridge.handle)``. The router looks namespaced calls
   up as ``<namespace><name>`` / ``<namespace>__<name>``, finds no handler for MCP tools and
   hands them to the fallback (the bridge resolves the qualified name itself). Register the
   resource tools either by name (``{"list_mcp_resources": bridge.handle, ...}``) or leave them
   to the fallback. For parallel scheduling use ``bridge.parallel_safe(call)`` for MCP calls.
   The ToolOutput's ``success`` is upstream's FunctionCallOutputPayload.success.
4. Approvals (upstream's MCP tool approval, 0.136.0 behaviour as captured): unless the turn is
   full access (``ctx.approval_policy == "never"`` and sandbox ``danger-full-access`` /
   ``external-sandbox``), a tool that is not annotated read-only (or is destructive), or whose
   ``[mcp_servers.S.tools.T] approval_mode`` is ``prompt``, is asked about (``approve`` skips it).
   The bridge asks with the ``{"type": "elicitation_request", "turn_id", "server_name", "id":
   "mcp_tool_call_approval_<call_id>", "request": {"mode": "form", "_meta", "message",
   "requested_schema"}}`` EventMsg (app-server: ``mcpServer/elicitation/request``), through
   ``ctx.services["mcp_elicitation"](event) -> {"action": "accept"|"decline"|"cancel",
   "content"?, "_meta"?} | None`` when present, else through the turn's existing
   ``ctx.services["ask"](("elicitation", server_name, id), event)`` whose answer is the
   ``resolve_elicitation`` op the app-server mapping already produces — so with today's core
   nothing more is needed. With neither (or no answer) the call is cancelled ("user cancelled
   MCP tool call"), which is what the reference's `codex exec` gets. With the
   `tool_call_mcp_elicitation` feature off (``ctx.config["features"]``) it asks through
   ``ctx.services["request_user_input"](call_id, questions)`` instead. "Allow for this session"
   is remembered by the bridge; "always" also writes ``approval_mode = "approve"`` to
   ``$CODEX_HOME/config.toml``.
   The same service answers the servers' own ``elicitation/create`` requests made during a
   call (event ``turn_id`` None, ``id`` = the MCP request id, ``request`` form / url as the
   server sent it): an empty form is auto-accepted under full access, everything is declined
   under approval policy "never" (upstream's ElicitationRequestManager).
   ``ctx.services["mcp_turn_metadata"]`` (or ``ctx.config[...]``; a dict or a callable returning
   one): the turn's metadata sent as the tools/call
   ``_meta["x-codex-turn-metadata"]`` (captured keys, in order: session_id, thread_id,
   thread_source, turn_id, sandbox, turn_started_at_unix_ms, model, reasoning_effort); without
   it the bridge derives the first five from the ToolContext.
5. Session end: ``await bridge.shutdown()``.

Model-visible output (captured): ``Wall time: 0.0029 seconds\\nOutput:\\n<payload>`` where the
payload is the structured content's JSON when present, else the JSON of the content blocks;
with image blocks the output is a content-item list ``[{"type": "input_text", "text": "Wall
time: ...\\nOutput:"}, {"type": "input_text", "text"}, {"type": "input_image", "image_url":
"data:<mime>;base64,<data>", "detail": "high"}...]``. Failures are a CallToolResult whose one text
block is the error (``tool call error: ...``) with isError true.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import time
from typing import Any, Callable, Mapping

from codex.mcp._bridge_client import (STARTUP_FAILED_PREFIX, McpClientError, ServerClient, StartupOutcome,
                                      rust_duration_debug)
from codex.mcp.servers import ServerConfig, parse_servers
from codex.mcp.tools import ToolFilter, ToolInfo, filter_tools, qualify_tools
from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput

__all__ = ["McpBridge", "RESOURCE_TOOLS", "call_tool_result_output", "format_wall_time"]

RESOURCE_TOOLS = ("list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource")
DEFAULT_TRUNCATION_TOKENS = 12000  # the model's 10000-token policy x 1.2 (upstream's buffer)
IMAGE_OMITTED_TEXT = "<image content omitted because you do not support image input>"
DEFAULT_IMAGE_DETAIL = "high"
CODEX_IMAGE_DETAIL_META_KEY = "codex/imageDetail"

Emit = Callable[[dict], Any]


def _dumps(value: Any) -> str:
    """serde_json::to_string: compact, key order kept, non-ASCII as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_RESOURCE_KEYS = ("uri", "name", "title", "description", "mimeType", "size", "icons", "annotations", "_meta")
_TEMPLATE_KEYS = ("uriTemplate", "name", "title", "description", "mimeType", "icons", "annotations", "_meta")


def _ordered(value: Any, keys: tuple) -> Any:
    """A resource / template in rmcp's field order (unknown keys last)."""
    if not isinstance(value, dict):
        return value
    out = {k: value[k] for k in keys if k in value}
    out.update({k: v for k, v in value.items() if k not in out})
    return out


def format_wall_time(seconds: float) -> str:
    return f"Wall time: {seconds:.4f} seconds\nOutput:"


def _startup_display_error(name: str, cfg: ServerConfig, error: str) -> str:
    """upstream `mcp_init_error_display`."""
    if (cfg.transport != "stdio" and cfg.url == "https://api.githubcopilot.com/mcp/"
            and not cfg.bearer_token_env_var and not cfg.http_headers):
        return ("GitHub MCP does not support OAuth. Log in by adding a personal access token "
                "(https://github.com/settings/personal-access-tokens) to your environment and config.toml:\n"
                f"[mcp_servers.{name}]\nbearer_token_env_var = CODEX_GITHUB_PERSONAL_ACCESS_TOKEN")
    if "Auth required" in error:
        return f"The {name} MCP server is not logged in. Run `codex mcp login {name}`."
    if "request timed out" in error or "timed out handshaking with MCP server" in error:
        secs = int(cfg.startup_timeout_sec if cfg.startup_timeout_sec is not None else 10)
        return (f"MCP client for `{name}` timed out after {secs} seconds. Add or adjust `startup_timeout_sec` "
                f"in your config.toml:\n[mcp_servers.{name}]\nstartup_timeout_sec = XX")
    return f"MCP client for `{name}` failed to start: {STARTUP_FAILED_PREFIX}{error}"


# ---- CallToolResult -> function_call_output ---------------------------------------------------


def _sanitize_images(result: dict, supports_image_input: bool) -> dict:
    if supports_image_input:
        return result
    content = []
    for block in result.get("content") or []:
        if isinstance(block, dict) and block.get("type") == "image":
            content.append({"type": "text", "text": IMAGE_OMITTED_TEXT})
        else:
            content.append(block)
    return dict(result, content=content)


def _content_items(contents: list) -> list[dict] | None:
    """upstream `convert_mcp_content_to_items`: None unless an image block is present."""
    saw_image = False
    items = []
    for block in contents:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text" and isinstance(block.get("text"), str):
            items.append({"type": "input_text", "text": block["text"]})
        elif kind == "image" and isinstance(block.get("data"), str):
            saw_image = True
            data = block["data"]
            if data.startswith("data:"):
                url = data
            else:
                mime = block.get("mimeType") or block.get("mime_type") or "application/octet-stream"
                url = f"data:{mime};base64,{data}"
            detail = DEFAULT_IMAGE_DETAIL
            meta = block.get("_meta")
            if isinstance(meta, dict) and meta.get(CODEX_IMAGE_DETAIL_META_KEY) in ("auto", "low", "high", "original"):
                detail = meta[CODEX_IMAGE_DETAIL_META_KEY]
            items.append({"type": "input_image", "image_url": url, "detail": detail})
        else:
            items.append({"type": "input_text", "text": _dumps(block)})
    return items if saw_image else None


def _truncate(text: str, tokens: int | None, passes: int = 1) -> str:
    """upstream `truncate_text` with the token policy, `passes` times: the MCP handler truncates
    its payload, then the history truncates every function output again with the same budget
    (captured: a 229 KB result reads `…7 tokens truncated…`, the second pass having cut the
    first pass's marker)."""
    if tokens is None:
        return text
    from codex.process.truncate import truncate_text

    for _ in range(passes):
        text = truncate_text(text, tokens)
    return text


def _truncate_items(items: list[dict], tokens: int | None, passes: int = 1) -> list[dict]:
    """upstream `truncate_function_output_items_with_policy` (token policy), `passes` times: the
    text items spend one budget in order (the one that overflows is middle-truncated, later
    ones are dropped and counted in a final "[omitted N text items ...]"); images stay."""
    if tokens is None:
        return items
    from codex.process.truncate import approx_token_count, truncate_text

    for _ in range(passes):
        out: list[dict] = []
        remaining = tokens
        omitted = 0
        for item in items:
            if item.get("type") != "input_text":
                out.append(item)
                continue
            if remaining == 0:
                omitted += 1
                continue
            cost = approx_token_count(item["text"])
            if cost <= remaining:
                out.append(item)
                remaining -= cost
            else:
                snippet = truncate_text(item["text"], remaining)
                if snippet:
                    out.append(dict(item, text=snippet))
                else:
                    omitted += 1
                remaining = 0
        if omitted:
            out.append({"type": "input_text", "text": f"[omitted {omitted} text items ...]"})
        items = out
    return items


def call_tool_result_output(result: dict, wall_time: float, *, truncation_tokens: int | None =
                            DEFAULT_TRUNCATION_TOKENS, original_image_detail: bool = False,
                            history_truncation: bool = True) -> ToolOutput:
    """upstream `McpToolOutput::response_payload`: the CallToolResult (JSON) as the
    function_call_output the model reads. `history_truncation` also applies the history's
    second truncation pass (our core's history does not truncate function outputs)."""
    passes = 2 if history_truncation else 1
    success = result.get("isError") is not True
    header = format_wall_time(wall_time)
    structured = result.get("structuredContent")
    contents = result.get("content") or []
    if structured is not None:
        body: str | list = _dumps(structured)
    else:
        items = _content_items(contents)
        body = items if items is not None else _dumps(contents)
    if isinstance(body, str):
        text = f"{header}\n{body}" if body else header
        return ToolOutput(_truncate(text, truncation_tokens, passes), success=success)
    out = [{"type": "input_text", "text": header}]
    for item in body:
        if item["type"] == "input_image" and item.get("detail") == "original" and not original_image_detail:
            item = dict(item, detail=DEFAULT_IMAGE_DETAIL)
        out.append(item)
    return ToolOutput(_truncate_items(out, truncation_tokens, passes), success=success)


APPROVAL_QUESTION_ID_PREFIX = "mcp_tool_call_approval"
APPROVAL_ACCEPT = "Allow"
APPROVAL_ACCEPT_FOR_SESSION = "Allow for this session"
APPROVAL_ACCEPT_AND_REMEMBER = "Allow and don't ask me again"
APPROVAL_CANCEL = "Cancel"
APPROVAL_DECLINE_SYNTHETIC = "__codex_mcp_decline__"


def _annotations(tool: Any) -> dict | None:
    """The tool's annotations as `{readOnlyHint?, destructiveHint?, openWorldHint?}`."""
    raw = tool.get("annotations") if isinstance(tool, dict) else getattr(tool, "annotations", None)
    if raw is None:
        return None
    if isinstance(raw, dict):
        return raw
    return {"readOnlyHint": getattr(raw, "read_only_hint", None),
            "destructiveHint": getattr(raw, "destructive_hint", None),
            "openWorldHint": getattr(raw, "open_world_hint", None)}


def _requires_approval(annotations: dict | None) -> bool:
    """upstream `requires_mcp_tool_approval`: destructive, or not read-only and (destructive
    unknown or open-world unknown/true)."""
    ann = annotations or {}
    destructive = ann.get("destructiveHint")
    if destructive is True:
        return True
    if ann.get("readOnlyHint") is True:
        return False
    open_world = ann.get("openWorldHint")
    return (destructive if destructive is not None else True) or (open_world if open_world is not None else True)


def _decision_from_answers(answers: list) -> str:
    if APPROVAL_DECLINE_SYNTHETIC in answers:
        return "decline"
    if APPROVAL_ACCEPT_FOR_SESSION in answers:
        return "accept_for_session"
    if APPROVAL_ACCEPT_AND_REMEMBER in answers:
        return "accept_and_remember"
    if APPROVAL_ACCEPT in answers:
        return "accept"
    return "cancel"


def _parse_user_input_response(response: Any, question_id: str) -> str:
    if not isinstance(response, Mapping):
        return "cancel"
    entry = (response.get("answers") or {}).get(question_id)
    if not isinstance(entry, Mapping):
        return "cancel"
    return _decision_from_answers(list(entry.get("answers") or []))


def _parse_elicitation_response(response: Any, question_id: str) -> str:
    """upstream `parse_mcp_tool_approval_elicitation_response` (no answer: cancel)."""
    if not isinstance(response, Mapping):
        return "cancel"
    action = response.get("action")
    if action == "accept":
        meta = response.get("_meta")
        persist = meta.get("persist") if isinstance(meta, Mapping) else None
        if persist == "session":
            return "accept_for_session"
        if persist == "always":
            return "accept_and_remember"
        content = response.get("content")
        if content is None:
            return "accept"
        if not isinstance(content, Mapping):
            return "accept"
        value = content.get(question_id)
        if isinstance(value, str):
            answers = [value]
        elif isinstance(value, list):
            answers = [v for v in value if isinstance(v, str)]
        else:
            return "accept"
        decision = _decision_from_answers(answers)
        return "accept" if decision == "cancel" else decision
    if action == "decline":
        return "decline"
    return "cancel"


def error_result(text: str) -> dict:
    """CallToolResult::from_error_text."""
    return {"content": [{"type": "text", "text": text}], "isError": True}


def _duration(seconds: float) -> dict:
    secs = int(seconds)
    return {"secs": secs, "nanos": int(round((seconds - secs) * 1e9)) % 1_000_000_000}


def _serde_json_error(exc: json.JSONDecodeError, text: str) -> str:
    """A Python JSON error in serde_json's words (`expected value at line 1 column 1`)."""
    msg = exc.msg
    line, col = exc.lineno, exc.colno
    if msg.startswith("Expecting value"):
        if exc.pos >= len(text.rstrip()):
            return f"EOF while parsing a value at line {line} column {max(col - 1, 0)}"
        return f"expected value at line {line} column {col}"
    if msg.startswith("Extra data"):
        return f"trailing characters at line {line} column {col}"
    if msg.startswith("Expecting property name"):
        if exc.pos >= len(text.rstrip()):
            return f"EOF while parsing an object at line {line} column {max(col - 1, 0)}"
        return f"key must be a string at line {line} column {col}"
    if msg.startswith("Unterminated string"):
        lines = text.split("\n")
        return f"EOF while parsing a string at line {len(lines)} column {len(lines[-1])}"
    if msg.startswith("Expecting ',' delimiter") or msg.startswith("Expecting ':' delimiter"):
        if exc.pos >= len(text.rstrip()):
            kind = "an object" if text.lstrip().startswith("{") else "a list"
            return f"EOF while parsing {kind} at line {line} column {max(col - 1, 0)}"
        if "':'" in msg:
            return f"expected `:` at line {line} column {col}"
        return f"expected `,` or `}}` at line {line} column {col}"
    return f"{msg} at line {line} column {col}"


def _tool_json(tool: Any) -> dict:
    """An SDK Tool as the JSON dict the tools array is built from, its input schema already in
    upstream's model-visible shape (`codex.mcp._tool_schema`)."""
    from codex.mcp._bridge_client import to_json
    from codex.mcp._tool_schema import model_visible_input_schema

    data = to_json(tool) if not isinstance(tool, dict) else dict(tool)
    data["inputSchema"] = model_visible_input_schema(data.get("inputSchema"))
    return data


async def _elicit(ctx: ToolContext, event: dict) -> dict | None:
    """Ask the client: ``ctx.services["mcp_elicitation"](event)``, else the session's generic
    ``ctx.services["ask"](("elicitation", server_name, id), event)`` whose answer is the
    ``resolve_elicitation`` op (``decision``, ``content``, ``meta``). None: nobody to ask."""
    services = ctx.services or {}
    ask = services.get("mcp_elicitation")
    if ask is not None:
        return await ask(event)
    generic = services.get("ask")
    if generic is None:
        return None
    op = await generic(("elicitation", event["server_name"], event["id"]), event)
    if not isinstance(op, Mapping):
        return None
    if "action" in op:
        return dict(op)
    return {"action": op.get("decision") or "cancel", "content": op.get("content"), "_meta": op.get("meta")}


def _serde_unexpected(value: Any) -> str:
    """serde's `Unexpected` of a JSON value, as serde_json's Value deserializer reports it."""
    if value is None:
        return "unit value"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value!r}`"
    if isinstance(value, str):
        return f"string {json.dumps(value, ensure_ascii=False)}"
    if isinstance(value, list):
        return "sequence"
    return "map"


def _parse_struct_args(args: Any, names: tuple, *, required: bool, struct: str) -> dict:
    """serde's derive(Deserialize) of a struct of string fields from the parsed arguments
    (`None`: no arguments), with its error texts (captured: "missing field `server`",
    "invalid type: integer `1`, expected a string"; a sequence fills the fields by position)."""
    prefix = "failed to parse function arguments: "
    if args is None:
        if required:
            raise ToolError(prefix + "expected value")
        return {}
    if isinstance(args, list):
        if required and len(args) < len(names):
            raise ToolError(prefix + f"invalid length {len(args)}, expected struct {struct} with {len(names)} elements")
        if len(args) > len(names):
            raise ToolError(prefix + f"invalid length {len(args)}, expected fewer elements in array")
        args = dict(zip(names, args))
    elif not isinstance(args, dict):
        raise ToolError(prefix + f"invalid type: {_serde_unexpected(args)}, expected struct {struct}")
    out: dict = {}
    for key, value in args.items():
        if key not in names:
            continue
        if value is None and not required:
            out[key] = None
            continue
        if not isinstance(value, str):
            raise ToolError(prefix + f"invalid type: {_serde_unexpected(value)}, expected a string")
        out[key] = value
    if required:
        for key in names:
            if key not in out:
                raise ToolError(prefix + f"missing field `{key}`")
    return out


class McpBridge:
    def __init__(self, config_raw: Mapping[str, Any] | None, *, cwd: str | os.PathLike | None = None,
                 codex_home: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None,
                 supports_image_input: bool = True, original_image_detail: bool = False,
                 truncation_tokens: int | None = DEFAULT_TRUNCATION_TOKENS, history_truncation: bool = True):
        raw = (config_raw or {}).get("mcp_servers") if isinstance(config_raw, Mapping) else None
        self.configs: dict[str, ServerConfig] = parse_servers(raw or {})
        self.cwd = os.fspath(cwd) if cwd is not None else None
        self.codex_home = os.fspath(codex_home) if codex_home is not None else None
        self.environ = dict(os.environ if environ is None else environ)
        self.supports_image_input = supports_image_input
        self.original_image_detail = original_image_detail
        self.truncation_tokens = truncation_tokens
        self.history_truncation = history_truncation
        self._clients: dict[str, ServerClient] = {
            name: ServerClient(name, cfg, cwd=self.cwd, environ=self.environ, codex_home=self.codex_home,
                               oauth_store_mode=str((config_raw or {}).get("mcp_oauth_credentials_store") or "auto"))
            for name, cfg in self.configs.items() if cfg.enabled}
        self._emit: Emit | None = None
        self._summary_task: asyncio.Task | None = None
        self._pending_emits: set[asyncio.Task] = set()
        self._started = False
        self._tool_map: dict[str, ToolInfo] = {}
        self._approved_for_session: set[tuple[str, str]] = set()
        self._active_ctx: dict[str, ToolContext] = {}
        self._last_ctx: ToolContext | None = None
        self.startup_complete: dict | None = None

    # ---- properties

    @property
    def has_servers(self) -> bool:
        return bool(self._clients)

    has_resource_tools = has_servers

    @property
    def server_names(self) -> list[str]:
        return list(self._clients)

    @property
    def required_servers(self) -> list[str]:
        return sorted(n for n, c in self._clients.items() if c.config.required)

    @property
    def has_required_servers(self) -> bool:
        return bool(self.required_servers)

    def server_status(self, name: str) -> dict | None:
        """`{"state": ...}` of a server (`starting` until its outcome is known)."""
        client = self._clients.get(name)
        if client is None:
            return None
        if client.outcome is None or not client.outcome.done():
            return {"state": "starting"}
        outcome = client.outcome.result()
        if outcome.state == "failed":
            return {"state": "failed", "error": _startup_display_error(name, client.config, outcome.error or "")}
        return {"state": outcome.state}

    # ---- lifecycle

    async def _send(self, msg: dict) -> None:
        if self._emit is None:
            return
        try:
            res = self._emit(msg)
            if inspect.isawaitable(res):
                await res
        except Exception:  # noqa: BLE001 - an event sink failing must not stop MCP
            pass

    async def start(self, emit: Emit | None = None) -> None:
        if self._started:
            return
        self._started = True
        self._emit = emit
        for name in self._clients:
            await self._send({"type": "mcp_startup_update", "server": name, "status": {"state": "starting"}})
        order: list[tuple[str, StartupOutcome]] = []

        def on_outcome(client: ServerClient, outcome: StartupOutcome) -> None:
            order.append((client.name, outcome))
            status = {"state": outcome.state}
            if outcome.state == "failed":
                status["error"] = _startup_display_error(client.name, client.config, outcome.error or "")
            task = asyncio.get_running_loop().create_task(
                self._send({"type": "mcp_startup_update", "server": client.name, "status": status}))
            self._pending_emits.add(task)
            task.add_done_callback(self._pending_emits.discard)

        for client in self._clients.values():
            client.on_outcome = on_outcome
            client.elicitation_handler = self._on_server_elicitation
            client.start()
        self._summary_task = asyncio.get_running_loop().create_task(self._summarize(order))

    async def _watchdog(self, client: ServerClient) -> None:
        """Upstream bounds the whole startup by `startup_timeout_sec`."""
        outcome = await client.wait_outcome(client.startup_timeout + 1.0)
        if outcome is None:  # the transport itself hung (the handshake has its own deadline)
            client._resolve(StartupOutcome(
                "failed", f"timed out handshaking with MCP server after {rust_duration_debug(client.startup_timeout)}"))
            asyncio.get_running_loop().create_task(client.stop())

    async def _summarize(self, order: list) -> None:
        await asyncio.gather(*(self._watchdog(c) for c in self._clients.values()), return_exceptions=True)
        if self._pending_emits:
            await asyncio.gather(*list(self._pending_emits), return_exceptions=True)
        summary: dict = {"type": "mcp_startup_complete", "ready": [], "failed": [], "cancelled": []}
        for name, outcome in order:
            if outcome.state == "ready":
                summary["ready"].append(name)
            elif outcome.state == "cancelled":
                summary["cancelled"].append(name)
            else:
                summary["failed"].append({"server": name, "error": outcome.error or ""})
        self.startup_complete = summary
        await self._send(summary)

    async def wait_startup(self, timeout: float | None = None) -> dict | None:
        """The mcp_startup_complete summary once every server is settled."""
        if self._summary_task is None:
            return None
        try:
            await asyncio.wait_for(asyncio.shield(self._summary_task), timeout=timeout)
        except asyncio.TimeoutError:
            return None
        return self.startup_complete

    async def required_startup_failures(self) -> list[dict]:
        failures = []
        for name in self.required_servers:
            client = self._clients[name]
            outcome = await client.wait_outcome(client.startup_timeout + 1.0)
            if outcome is None:
                outcome = StartupOutcome("failed", "timed out handshaking with MCP server after "
                                                   f"{rust_duration_debug(client.startup_timeout)}")
            if outcome.state == "cancelled":
                failures.append({"server": name, "error": "MCP startup cancelled"})
            elif outcome.state == "failed":
                failures.append({"server": name, "error": outcome.error or ""})
        return failures

    @staticmethod
    def required_failure_message(failures: list[dict]) -> str:
        details = "; ".join(f"{f['server']}: {f['error']}" for f in failures)
        return f"required MCP servers failed to initialize: {details}"

    async def shutdown(self) -> None:
        await asyncio.gather(*(c.stop() for c in self._clients.values()), return_exceptions=True)
        if self._summary_task is not None and not self._summary_task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._summary_task), timeout=2)
            except BaseException:  # noqa: BLE001
                self._summary_task.cancel()

    # ---- tools

    def _collect_tools(self) -> dict[str, ToolInfo]:
        infos: list[ToolInfo] = []
        for client in self._clients.values():
            if not client.ready:
                continue
            cfg = client.config
            origin = "stdio" if cfg.transport == "stdio" else cfg.url
            server_tools = [ToolInfo.for_server_tool(client.name, _tool_json(tool),
                                                     supports_parallel_tool_calls=bool(cfg.supports_parallel_tool_calls),
                                                     server_origin=origin,
                                                     namespace_description=(client.instructions or "").strip() or None)
                            for tool in client.tools]
            infos.extend(filter_tools(server_tools, ToolFilter.from_config(cfg)))
        self._tool_map = qualify_tools(infos)
        return self._tool_map

    async def tools(self, timeout: float | None = None) -> list[ToolInfo]:
        if not self._started:
            await self.start(None)
        deadline = None if timeout is None else time.monotonic() + timeout

        async def wait(client: ServerClient) -> None:
            limit = client.startup_timeout + 1.0
            if deadline is not None:
                limit = max(0.0, min(limit, deadline - time.monotonic()))
            await client.wait_outcome(limit)

        await asyncio.gather(*(wait(c) for c in self._clients.values()))
        return list(self._collect_tools().values())

    def resolve(self, call: ToolCall) -> ToolInfo | None:
        """The MCP tool a call names (namespaced or flat), or None."""
        # 0.136.0 answers a flat `mcp__srv__tool` call with `unsupported call` (captured): only
        # the namespaced form the tools array declares resolves.
        if not call.namespace:
            return None
        ns = call.namespace
        keys = [ns + call.name if ns.endswith("__") else f"{ns}__{call.name}"]
        for tool_map in (self._tool_map, None):
            if tool_map is None:
                tool_map = self._collect_tools()
            for key in keys:
                if key in tool_map:
                    return tool_map[key]
        return None

    def is_mcp_call(self, call: ToolCall) -> bool:
        if call.name in RESOURCE_TOOLS and not call.namespace:
            return self.has_servers
        return self.resolve(call) is not None

    def parallel_safe(self, call: ToolCall) -> bool:
        if call.name in RESOURCE_TOOLS and not call.namespace:
            return True
        info = self.resolve(call)
        if info is None:
            return False
        annotations = info.tool.get("annotations") if isinstance(info.tool, dict) else getattr(info.tool, "annotations", None)
        read_only = annotations.get("readOnlyHint") if isinstance(annotations, dict) else \
            getattr(annotations, "read_only_hint", None)
        return bool(info.supports_parallel_tool_calls or read_only)

    # ---- calls

    async def handle(self, call: ToolCall, ctx: ToolContext) -> ToolOutput:
        if not call.namespace and call.name in RESOURCE_TOOLS:
            if call.kind not in ("function", "local_shell"):
                raise ToolError("mcp_resource handler received unsupported payload")
            return await self._handle_resource(call, ctx)
        info = self.resolve(call)
        if info is None:
            shown = f"{call.namespace}{call.name}" if call.namespace else call.name
            if call.kind == "custom":
                raise ToolError(f"unsupported custom tool call: {shown}")
            raise ToolError(f"unsupported call: {shown}")
        if call.kind != "function":
            raise ToolError("mcp handler received unsupported payload")
        started = time.monotonic()
        result = await self.call_mcp_tool(ctx, call.call_id, info.server_name, info.raw_tool_name,
                                          call.arguments, info=info)
        return call_tool_result_output(result, time.monotonic() - started,
                                       truncation_tokens=self.truncation_tokens,
                                       original_image_detail=self.original_image_detail,
                                       history_truncation=self.history_truncation)

    async def call_mcp_tool(self, ctx: ToolContext, call_id: str, server: str, tool: str, arguments: str,
                            *, info: ToolInfo | None = None) -> dict:
        """upstream `handle_mcp_tool_call`: the CallToolResult (JSON) for the model, with the
        begin/end events."""
        if arguments.strip():
            try:
                args_value = json.loads(arguments)
            except json.JSONDecodeError as exc:
                return error_result(f"err: {_serde_json_error(exc, arguments)}")
        else:
            args_value = None
        invocation = {"server": server, "tool": tool, "arguments": args_value}
        await ctx.send({"type": "mcp_tool_call_begin", "call_id": call_id, "invocation": dict(invocation)})

        decision = await self._maybe_request_approval(ctx, call_id, invocation, info)
        if decision in ("decline", "cancel"):
            message = "user rejected MCP tool call" if decision == "decline" else "user cancelled MCP tool call"
            await ctx.send({"type": "mcp_tool_call_end", "call_id": call_id, "invocation": invocation,
                            "duration": _duration(0.0), "result": {"Err": message}})
            return error_result(message)

        start = time.monotonic()
        outcome: dict
        self._active_ctx[server] = self._last_ctx = ctx
        try:
            result = await self._call(server, tool, args_value, self._request_meta(ctx))
            if not self.supports_image_input:
                result = _sanitize_images(result, False)
            outcome = {"Ok": result}
        except McpClientError as exc:
            outcome = {"Err": f"tool call error: {exc.debug()}"}
        finally:
            if self._active_ctx.get(server) is ctx:
                del self._active_ctx[server]
        duration = time.monotonic() - start
        await ctx.send({"type": "mcp_tool_call_end", "call_id": call_id, "invocation": invocation,
                        "duration": _duration(duration), "result": outcome})
        return outcome["Ok"] if "Ok" in outcome else error_result(outcome["Err"])

    # ---- elicitations from the servers (upstream `ElicitationRequestManager`)

    async def _on_server_elicitation(self, client: ServerClient, request_id: Any, params: dict) -> dict:
        """A server's elicitation/create: auto-accepted (an empty form under full access),
        declined (approval policy never, or no turn to ask in), else asked through
        ``ctx.services["mcp_elicitation"]`` of the call in flight on that server."""
        ctx = self._active_ctx.get(client.name) or self._last_ctx
        if ctx is None:
            return {"action": "decline"}
        mode = "url" if params.get("mode") == "url" or "url" in params else "form"
        schema = params.get("requestedSchema") or {}
        if self._full_access(ctx) and mode == "form" and not (schema.get("properties") or {}):
            return {"action": "accept", "content": {}}
        if ctx.approval_policy == "never":
            return {"action": "decline"}
        request: dict = {"mode": mode}
        if params.get("_meta") is not None:
            request["_meta"] = params["_meta"]
        request["message"] = params.get("message", "")
        if mode == "url":
            request["url"] = params.get("url", "")
            request["elicitation_id"] = params.get("elicitationId", "")
        else:
            request["requested_schema"] = schema
        event = {"type": "elicitation_request", "turn_id": None, "server_name": client.name, "id": request_id,
                 "request": request}
        answer = await _elicit(ctx, event)
        return answer if isinstance(answer, dict) else {"action": "cancel"}

    # ---- approvals (upstream `maybe_request_mcp_tool_approval`)

    def _approval_mode(self, server: str, tool: str) -> str:
        cfg = self.configs.get(server)
        if cfg is None:
            return "auto"
        per_tool = (cfg.tools or {}).get(tool)
        mode = per_tool.get("approval_mode") if isinstance(per_tool, Mapping) else None
        return str(mode or cfg.default_tools_approval_mode or "auto")

    @staticmethod
    def _full_access(ctx: ToolContext) -> bool:
        policy = ctx.sandbox_policy or {}
        return ctx.approval_policy == "never" and policy.get("type") in ("danger-full-access", "external-sandbox")

    @staticmethod
    def _feature(ctx: ToolContext, name: str, default: bool) -> bool:
        features = ctx.config.get("features") if hasattr(ctx.config, "get") else None
        if isinstance(features, Mapping):
            return bool(features.get(name, default))
        if isinstance(features, (list, tuple, set, frozenset)):
            return name in features or default
        return default

    async def _maybe_request_approval(self, ctx: ToolContext, call_id: str, invocation: dict,
                                      info: ToolInfo | None) -> str | None:
        """None (no approval needed) or the decision: accept | accept_for_session |
        accept_and_remember | decline | cancel."""
        if self._full_access(ctx):
            return None
        server, tool, arguments = invocation["server"], invocation["tool"], invocation["arguments"]
        annotations = _annotations(info.tool) if info is not None else None
        mode = self._approval_mode(server, tool)
        if not _requires_approval(annotations) and mode != "prompt":
            return None
        if mode == "approve":
            return None
        session_key = (server, tool) if mode == "auto" else None
        if session_key is not None and session_key in self._approved_for_session:
            return "accept"
        question_id = f"{APPROVAL_QUESTION_ID_PREFIX}_{call_id}"
        message = f"Allow the {server} MCP server to run tool \"{tool}\""
        message = message.rstrip("?") + "?"
        elicitation = self._feature(ctx, "tool_call_mcp_elicitation", True)
        allow_session = session_key is not None
        allow_always = elicitation and session_key is not None
        if elicitation:
            meta: dict = {"codex_approval_kind": "mcp_tool_call"}
            if allow_session and allow_always:
                meta["persist"] = ["session", "always"]
            elif allow_session:
                meta["persist"] = "session"
            raw = info.tool if info is not None else {}
            title = raw.get("title") if isinstance(raw, dict) else getattr(raw, "title", None)
            desc = raw.get("description") if isinstance(raw, dict) else getattr(raw, "description", None)
            if title is not None:
                meta["tool_title"] = title
            if desc is not None:
                meta["tool_description"] = desc
            if arguments is not None:
                meta["tool_params"] = arguments
            if isinstance(arguments, dict):
                meta["tool_params_display"] = [{"name": k, "value": arguments[k], "display_name": k}
                                               for k in sorted(arguments)]
            event = {"type": "elicitation_request", "turn_id": ctx.turn_id, "server_name": server,
                     "id": question_id,
                     "request": {"mode": "form", "_meta": meta, "message": message,
                                 "requested_schema": {"type": "object", "properties": {}}}}
            response = await _elicit(ctx, event)
            decision = _parse_elicitation_response(response, question_id)
        else:
            options = [{"label": APPROVAL_ACCEPT, "description": "Run the tool and continue."}]
            if allow_session:
                options.append({"label": APPROVAL_ACCEPT_FOR_SESSION,
                                "description": "Run the tool and remember this choice for this session."})
            if allow_always:
                options.append({"label": APPROVAL_ACCEPT_AND_REMEMBER,
                                "description": "Run the tool and remember this choice for future tool calls."})
            options.append({"label": APPROVAL_CANCEL, "description": "Cancel this tool call."})
            question = {"id": question_id, "header": "Approve app tool call?", "question": message,
                        "isOther": False, "isSecret": False, "options": options}
            ask = ctx.services.get("request_user_input") if ctx.services else None
            response = await ask(call_id, [question]) if ask is not None else None
            decision = _parse_user_input_response(response, question_id)
        if mode == "prompt" and decision in ("accept_for_session", "accept_and_remember"):
            decision = "accept"
        if decision == "accept_for_session" and session_key is not None:
            self._approved_for_session.add(session_key)
        elif decision == "accept_and_remember" and session_key is not None:
            self._persist_approval(server, tool)
            self._approved_for_session.add(session_key)
        return decision

    def _persist_approval(self, server: str, tool: str) -> None:
        """`[mcp_servers.<server>.tools.<tool>] approval_mode = "approve"` in config.toml."""
        cfg = self.configs.get(server)
        if cfg is not None:
            cfg.tools = dict(cfg.tools or {})
            cfg.tools[tool] = dict(cfg.tools.get(tool) or {}, approval_mode="approve")
        if not self.codex_home:
            return
        try:
            import tomlkit

            from codex.config.edit import read_document, write_document

            path = os.path.join(self.codex_home, "config.toml")
            doc = read_document(path)
            servers = doc.get("mcp_servers")
            if servers is None or server not in servers:
                return  # upstream: "MCP server `x` is not configured in config.toml" (logged)
            entry = servers[server]
            tools = entry.get("tools")
            if tools is None:
                tools = tomlkit.table()
                entry["tools"] = tools
            if tool not in tools:
                tools[tool] = tomlkit.table()
            tools[tool]["approval_mode"] = "approve"
            write_document(path, doc)
        except Exception:  # noqa: BLE001 - upstream logs and remembers for the session only
            pass

    async def _client(self, server: str) -> ServerClient:
        client = self._clients.get(server)
        if client is None:
            raise McpClientError(f"unknown MCP server '{server}'")
        outcome = await client.wait_outcome(client.startup_timeout + 1.0)
        if outcome is None or outcome.state != "ready" or client.session is None:
            if outcome is not None and outcome.state == "cancelled":
                error = "MCP startup cancelled"
            else:
                error = STARTUP_FAILED_PREFIX + (outcome.error if outcome is not None and outcome.error else
                                                 "timed out")
            raise McpClientError(f"failed to get client: {error}")
        return client

    async def _call(self, server: str, tool: str, arguments: Any, meta: dict | None = None) -> dict:
        client = await self._client(server)
        if not ToolFilter.from_config(client.config).allows(tool):
            raise McpClientError(f"tool '{tool}' is disabled for MCP server '{server}'")
        return await client.call_tool(tool, arguments, meta=meta)

    @staticmethod
    def _request_meta(ctx: ToolContext) -> dict:
        """tools/call `_meta` (captured): `x-codex-turn-metadata` (the turn's metadata:
        session_id, thread_id, thread_source, turn_id, sandbox, turn_started_at_unix_ms, model,
        reasoning_effort) and `threadId`. The core passes the metadata as
        ``ctx.config["mcp_turn_metadata"]`` (a dict); without it a minimal one is derived."""
        turn_meta = (ctx.services or {}).get("mcp_turn_metadata")
        if turn_meta is None and hasattr(ctx.config, "get"):
            turn_meta = ctx.config.get("mcp_turn_metadata")
        if callable(turn_meta):
            turn_meta = turn_meta()
        if not isinstance(turn_meta, Mapping):
            policy = ctx.sandbox_policy or {}
            turn_meta = {"session_id": ctx.thread_id, "thread_id": ctx.thread_id, "thread_source": "user",
                         "turn_id": ctx.turn_id,
                         "sandbox": "none" if policy.get("type") in ("danger-full-access", "external-sandbox")
                         else "seccomp"}
        return {"x-codex-turn-metadata": dict(turn_meta), "threadId": ctx.thread_id}

    # ---- direct access (app-server methods)

    async def call_tool_direct(self, server: str, tool: str, arguments: Any = None) -> dict:
        """tools/call without events or approval; raises McpClientError."""
        return await self._call(server, tool, arguments)

    async def read_resource_direct(self, server: str, uri: str) -> dict:
        client = await self._client(server)
        return await client.read_resource(uri)

    def server_snapshot(self, name: str) -> dict | None:
        client = self._clients.get(name)
        if client is None or not client.ready:
            return None
        from codex.mcp._bridge_client import to_json

        return {"serverInfo": to_json(client.server_info),
                "tools": {t.name: to_json(t) for t in client.tools},
                "instructions": client.instructions}

    # ---- resource tools

    async def _handle_resource(self, call: ToolCall, ctx: ToolContext) -> ToolOutput:
        raw = call.arguments or ""
        if raw.strip():
            try:
                args = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ToolError(f"failed to parse function arguments: {_serde_json_error(exc, raw)}") from None
        else:
            args = None
        fields = _parse_struct_args(args, ("server", "uri") if call.name == "read_mcp_resource" else ("server", "cursor"),
                                    required=call.name == "read_mcp_resource",
                                    struct="ReadResourceArgs" if call.name == "read_mcp_resource" else
                                    ("ListResourcesArgs" if call.name == "list_mcp_resources"
                                     else "ListResourceTemplatesArgs"))
        if call.name == "read_mcp_resource":
            server = fields["server"].strip()
            uri = fields["uri"].strip()
            if not server:
                raise ToolError("server must be provided")
            if not uri:
                raise ToolError("uri must be provided")
        else:
            server = (fields.get("server") or "").strip() or None
            cursor = (fields.get("cursor") or "").strip() or None
        invocation = {"server": (server or "codex"), "tool": call.name, "arguments": args}
        await ctx.send({"type": "mcp_tool_call_begin", "call_id": call.call_id, "invocation": dict(invocation)})
        start = time.monotonic()
        try:
            if call.name == "read_mcp_resource":
                payload = await self._read_resource(server, uri)
            elif call.name == "list_mcp_resources":
                payload = await self._list_resources(server, cursor)
            else:
                payload = await self._list_templates(server, cursor)
        except ToolError as exc:
            await ctx.send({"type": "mcp_tool_call_end", "call_id": call.call_id, "invocation": invocation,
                            "duration": _duration(time.monotonic() - start), "result": {"Err": str(exc)}})
            raise
        content = _dumps(payload)
        await ctx.send({"type": "mcp_tool_call_end", "call_id": call.call_id, "invocation": invocation,
                        "duration": _duration(time.monotonic() - start),
                        "result": {"Ok": {"content": [{"type": "text", "text": content}], "isError": False}}})
        return ToolOutput(content, success=True)

    async def _list_resources(self, server: str | None, cursor: str | None) -> dict:
        if server is not None:
            try:
                client = await self._client(server)
                result = await client.list_resources(cursor)
            except McpClientError as exc:
                raise ToolError(f"resources/list failed: {exc}") from None
            payload: dict = {"server": server,
                             "resources": [dict({"server": server}, **_ordered(r, _RESOURCE_KEYS))
                                           for r in result.get("resources") or []]}
            if result.get("nextCursor"):
                payload["nextCursor"] = result["nextCursor"]
            return payload
        if cursor is not None:
            raise ToolError("cursor can only be used when a server is specified")
        by_server = await self._all_pages("resources")
        return {"resources": [dict({"server": name}, **_ordered(r, _RESOURCE_KEYS)) for name in sorted(by_server) for r in by_server[name]]}

    async def _list_templates(self, server: str | None, cursor: str | None) -> dict:
        if server is not None:
            try:
                client = await self._client(server)
                result = await client.list_resource_templates(cursor)
            except McpClientError as exc:
                raise ToolError(f"resources/templates/list failed: {exc}") from None
            payload: dict = {"server": server,
                             "resourceTemplates": [dict({"server": server}, **_ordered(t, _TEMPLATE_KEYS))
                                                   for t in result.get("resourceTemplates") or []]}
            if result.get("nextCursor"):
                payload["nextCursor"] = result["nextCursor"]
            return payload
        if cursor is not None:
            raise ToolError("cursor can only be used when a server is specified")
        by_server = await self._all_pages("resourceTemplates")
        return {"resourceTemplates": [dict({"server": name}, **_ordered(t, _TEMPLATE_KEYS)) for name in sorted(by_server)
                                      for t in by_server[name]]}

    async def _all_pages(self, key: str) -> dict[str, list]:
        async def one(client: ServerClient):
            outcome = await client.wait_outcome(client.startup_timeout + 1.0)
            if outcome is None or outcome.state != "ready":
                return None
            collected: list = []
            cursor = None
            try:
                while True:
                    if key == "resources":
                        result = await client.list_resources(cursor)
                    else:
                        result = await client.list_resource_templates(cursor)
                    collected.extend(result.get(key) or [])
                    nxt = result.get("nextCursor")
                    if not nxt:
                        return collected
                    if nxt == cursor:
                        return None
                    cursor = nxt
            except McpClientError:
                return None

        names = list(self._clients)
        results = await asyncio.gather(*(one(self._clients[n]) for n in names))
        return {n: r for n, r in zip(names, results) if r is not None}

    async def _read_resource(self, server: str, uri: str) -> dict:
        try:
            client = await self._client(server)
            result = await client.read_resource(uri)
        except McpClientError as exc:
            raise ToolError(f"resources/read failed: {exc}") from None
        payload = {"server": server, "uri": uri}
        payload.update(result)
        return payload
