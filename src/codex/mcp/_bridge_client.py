"""One MCP server connection of the core bridge (`codex.mcp.core_bridge`): upstream's
`AsyncManagedClient` — a background task that owns the transport and the `mcp` SDK session for
the server's whole life (the SDK's context managers must be entered and left in one task),
a startup outcome future that resolves to ready / failed / cancelled once, and the requests the
bridge sends (tools/call, resources/list, resources/templates/list, resources/read), each with
the server's `tool_timeout_sec`.

Errors are raised as `McpClientError` carrying upstream's texts (anyhow's `{err:#}` chains,
`outer: inner`). Only this module imports the `mcp` SDK, and only when a server starts."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from codex.mcp.servers import ServerConfig

__all__ = ["DEFAULT_STARTUP_TIMEOUT_SEC", "DEFAULT_TOOL_TIMEOUT_SEC", "McpClientError", "ServerClient",
           "StartupOutcome", "rust_duration_debug", "to_json"]

DEFAULT_STARTUP_TIMEOUT_SEC = 10.0
DEFAULT_TOOL_TIMEOUT_SEC = 60.0
CLIENT_NAME = "codex-mcp-client"
CLIENT_TITLE = "Codex"
CLIENT_VERSION = "0.136.0"
# StartupOutcomeError::Failed's Display (the raw error, as `mcp_startup_complete` and the
# required-servers message carry it, has no prefix; captured)
STARTUP_FAILED_PREFIX = "MCP startup failed: "


class McpClientError(RuntimeError):
    """A failed request or startup, with upstream's message. `context` / `cause` keep anyhow's
    chain: `str()` is `{err:#}` (`context: cause`), `debug()` is `{err:?}`
    (`context\n\nCaused by:\n    cause`)."""

    def __init__(self, message: str, *, context: str | None = None, cause: str | None = None):
        super().__init__(message if context is None else f"{context}: {cause}")
        self.context, self.cause = context, cause

    def debug(self) -> str:
        if self.context is None:
            return str(self)
        return f"{self.context}\n\nCaused by:\n    {self.cause}"


class _Stopped(Exception):
    """stop() arrived while the server was still starting."""


@dataclass
class StartupOutcome:
    state: str                      # "ready" | "failed" | "cancelled"
    error: str | None = None        # the raw error (upstream's StartupOutcomeError::Failed)


def rust_duration_debug(seconds: float) -> str:
    """Rust's `{:?}` of a Duration: `10s`, `1.5s`, `500ms`, `250µs`."""
    if seconds >= 1 or seconds == 0:
        unit, value = "s", seconds
    elif seconds >= 1e-3:
        unit, value = "ms", seconds * 1e3
    elif seconds >= 1e-6:
        unit, value = "µs", seconds * 1e6
    else:
        unit, value = "ns", seconds * 1e9
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


_DROP_TOP_KEYS = ("resultType", "ttlMs", "cacheScope")


def to_json(model: Any) -> Any:
    """An SDK model as the JSON upstream's rmcp types serialize to (camelCase, no nulls, no
    SDK-only result fields)."""
    if model is None:
        return None
    if hasattr(model, "model_dump"):
        out = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    else:
        out = model
    if isinstance(out, dict):
        for key in _DROP_TOP_KEYS:
            out.pop(key, None)
    return out


_BLOCK_KEYS = {
    "text": ("text",),
    "image": ("data", "mimeType"),
    "audio": ("data", "mimeType"),
    "resource": ("resource",),
    "resource_link": ("uri", "name", "title", "description", "mimeType", "size", "icons"),
}
_RESOURCE_CONTENTS_KEYS = ("uri", "mimeType", "text", "blob", "_meta")


def _ordered_keys(value: dict, first: tuple, last: tuple = ()) -> dict:
    out = {k: value[k] for k in first if k in value}
    out.update({k: v for k, v in value.items() if k not in out and k not in last})
    out.update({k: value[k] for k in last if k in value})
    return out


def content_block_json(block: Any) -> Any:
    """A content block in rmcp's field order (`type`, the raw fields, `_meta`, `annotations`):
    the order the reference serializes them to the model (captured)."""
    if not isinstance(block, dict):
        return block
    kind = block.get("type")
    out = _ordered_keys(block, ("type", *_BLOCK_KEYS.get(kind, ())), ("_meta", "annotations"))
    if kind == "resource" and isinstance(out.get("resource"), dict):
        out["resource"] = _ordered_keys(out["resource"], _RESOURCE_CONTENTS_KEYS)
    return out


def server_env(cfg: ServerConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """The child's environment: a default set of variables from ours (upstream's
    `create_env_for_mcp_server`), the `env_vars` named in the config, then `env`."""
    keep = ("HOME", "LOGNAME", "PATH", "SHELL", "USER", "__CF_USER_TEXT_ENCODING", "LANG", "LC_ALL",
            "TERM", "TMPDIR", "TZ")
    env = {k: environ[k] for k in keep if k in environ}
    for entry in cfg.env_vars or ():
        name = entry.get("name") if isinstance(entry, dict) else str(entry)
        if name and name in environ:
            env[name] = environ[name]
    env.update({str(k): str(v) for k, v in (cfg.env or {}).items()})
    return env


def _http_headers(name: str, cfg: ServerConfig, environ: Mapping[str, str]) -> dict[str, str]:
    headers = {str(k): str(v) for k, v in (cfg.http_headers or {}).items()}
    for header, var in (cfg.env_http_headers or {}).items():
        value = environ.get(str(var))
        if value:
            headers[str(header)] = value
    if cfg.bearer_token_env_var:
        var = cfg.bearer_token_env_var
        token = environ.get(var)
        if token is None:
            raise McpClientError(f"Environment variable {var} for MCP server '{name}' is not set")
        if not token:
            raise McpClientError(f"Environment variable {var} for MCP server '{name}' is empty")
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _error_chain(exc: BaseException) -> str:
    """`{err:#}`-like text of an exception (and of an exception group's first leaf)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc) or type(exc).__name__
    cause = exc.__cause__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {cause}"
    return text


@dataclass
class ServerClient:
    name: str
    config: ServerConfig
    cwd: str | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    session: Any = None
    tools: list = field(default_factory=list)
    server_info: Any = None
    instructions: str | None = None
    capabilities: Any = None
    outcome: asyncio.Future | None = None
    task: asyncio.Task | None = None
    stop_event: asyncio.Event | None = None
    on_outcome: Callable[["ServerClient", StartupOutcome], Any] | None = None
    # async (client, request_id, params_json) -> {"action", "content"?, "_meta"?}: answers the
    # server's elicitation/create requests
    elicitation_handler: Callable[["ServerClient", Any, dict], Any] | None = None
    # where stored MCP OAuth tokens live (`codex mcp login`), for HTTP servers without a bearer token
    codex_home: str | None = None
    oauth_store_mode: str = "auto"
    _oauth: Any = None
    _oauth_lock: Any = None

    @property
    def startup_timeout(self) -> float:
        v = self.config.startup_timeout_sec
        return DEFAULT_STARTUP_TIMEOUT_SEC if v is None else float(v)

    @property
    def tool_timeout(self) -> float:
        v = self.config.tool_timeout_sec
        return DEFAULT_TOOL_TIMEOUT_SEC if v is None else float(v)

    @property
    def ready(self) -> bool:
        return self.session is not None and self.outcome is not None and self.outcome.done() \
            and not self.outcome.cancelled() and self.outcome.result().state == "ready"

    # ---- lifecycle

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.outcome = loop.create_future()
        self.stop_event = asyncio.Event()
        self.task = loop.create_task(self._run(), name=f"mcp-server-{self.name}")

    def _resolve(self, outcome: StartupOutcome) -> None:
        if self.outcome is not None and not self.outcome.done():
            self.outcome.set_result(outcome)
            if self.on_outcome is not None:
                self.on_outcome(self, outcome)

    async def wait_outcome(self, timeout: float | None = None) -> StartupOutcome | None:
        """The startup outcome, or None when `timeout` passes first."""
        if self.outcome is None:
            return StartupOutcome("failed", "not started")
        try:
            return await asyncio.wait_for(asyncio.shield(self.outcome), timeout=timeout)
        except asyncio.TimeoutError:
            return None

    async def _run(self) -> None:
        try:
            await self._connect_and_serve()
        except asyncio.CancelledError:
            self._resolve(StartupOutcome("cancelled"))
            raise
        except _Stopped:
            self._resolve(StartupOutcome("cancelled"))
        except BaseException as exc:  # noqa: BLE001 - reported as the startup failure
            self._resolve(StartupOutcome("failed", self._startup_error(exc)))
        finally:
            self.session = None
            self._resolve(StartupOutcome("failed", "handshaking with MCP server failed: connection closed: "
                                                   "initialize response"))

    def _startup_error(self, exc: BaseException) -> str:
        if self.config.transport != "stdio":
            return self._http_startup_error(exc)
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        if isinstance(exc, McpClientError):
            return str(exc)
        if isinstance(exc, (FileNotFoundError, PermissionError)) or isinstance(exc, OSError) and exc.errno:
            return f"No such file or directory (os error {exc.errno})" if isinstance(exc, FileNotFoundError) \
                else f"{exc.strerror} (os error {exc.errno})"
        text = _error_chain(exc)
        lowered = text.lower()
        if "connection closed" in lowered or isinstance(exc, (EOFError, ConnectionError)) \
                or type(exc).__name__ in ("ClosedResourceError", "EndOfStream", "BrokenResourceError"):
            return "handshaking with MCP server failed: connection closed: initialize response"
        return f"handshaking with MCP server failed: {text}"

    def _http_startup_error(self, exc: BaseException) -> str:
        """rmcp's streamable HTTP handshake failures (captured): an unreachable URL, or an answer
        that is not JSON-RPC."""
        leaves: list[BaseException] = []

        def walk(e: BaseException | None) -> None:
            while e is not None and len(leaves) < 50:
                if isinstance(e, BaseExceptionGroup):
                    for sub in e.exceptions:
                        walk(sub)
                    return
                leaves.append(e)
                e = e.__cause__ or e.__context__

        walk(exc)
        for e in leaves:
            if isinstance(e, McpClientError):
                return str(e)
        worker = ("Send message error Transport [rmcp::transport::worker::WorkerTransport<rmcp::transport::"
                  "streamable_http_client::StreamableHttpClientWorker<codex_rmcp_client::http_client_adapter::"
                  "StreamableHttpClientAdapter>>] error: ")
        if any("Connect" in type(e).__name__ or "connection attempts failed" in str(e) for e in leaves):
            return (f"handshaking with MCP server failed: {worker}Client error: HTTP request failed: http/request "
                    f"failed: error sending request for url ({self.config.url}), when send initialize request")
        return (f"handshaking with MCP server failed: {worker}Deserialize error: data did not match any variant of "
                "untagged enum JsonRpcMessage, when send initialize request")

    async def _connect_and_serve(self) -> None:
        from contextlib import AsyncExitStack

        from mcp import ClientSession, types

        cfg = self.config
        import re

        if not re.fullmatch(r"[a-zA-Z0-9_-]+", self.name):
            raise McpClientError(f"Invalid MCP server name '{self.name}': must match pattern ^[a-zA-Z0-9_-]+$")
        async with AsyncExitStack() as stack:
            if cfg.transport == "stdio":
                from mcp.client.stdio import StdioServerParameters, stdio_client

                cwd = cfg.cwd or self.cwd
                params = StdioServerParameters(command=cfg.command, args=list(cfg.args),
                                               env=server_env(cfg, self.environ), cwd=cwd)
                errlog = stack.enter_context(open(os.devnull, "w"))
                read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
            else:
                import httpx2  # the SDK's HTTP client

                from mcp.client.streamable_http import streamable_http_client

                headers = _http_headers(self.name, cfg, self.environ)
                if not any(k.lower() == "authorization" for k in headers):
                    # stored OAuth tokens (`codex mcp login`): sent as the bearer token, refreshed
                    # before later requests once expired (`OAuthPersistor::refresh_if_needed`)
                    from codex.mcp.oauth import ConnectionAuth

                    self._oauth = await asyncio.to_thread(
                        ConnectionAuth.load, self.name, cfg.url, mode=self.oauth_store_mode,
                        codex_home=self.codex_home or self.environ.get("CODEX_HOME"), headers=headers)
                auth = _oauth_bearer(httpx2, self) if self._oauth is not None else None
                client = await stack.enter_async_context(httpx2.AsyncClient(headers=headers, timeout=30.0,
                                                                            auth=auth))
                streams = await stack.enter_async_context(streamable_http_client(cfg.url, http_client=client))
                read, write = streams[0], streams[1]
            async def on_elicit(context, params):
                if self.elicitation_handler is None:
                    return types.ElicitResult(action="decline")
                answer = await self.elicitation_handler(self, getattr(context, "request_id", None), to_json(params))
                answer = answer if isinstance(answer, dict) else {"action": "cancel"}
                return types.ElicitResult(action=answer.get("action") or "cancel", content=answer.get("content"),
                                          _meta=answer.get("_meta"))

            session = await stack.enter_async_context(ClientSession(
                read, write, elicitation_callback=on_elicit,
                client_info=types.Implementation(name=CLIENT_NAME, title=CLIENT_TITLE, version=CLIENT_VERSION)))

            async def _no_validation(name, result):  # upstream does not validate results
                return None

            session.validate_tool_result = _no_validation
            deadline = asyncio.get_running_loop().time() + self.startup_timeout

            def remaining() -> float:
                return max(0.0, deadline - asyncio.get_running_loop().time())

            try:
                init = await self._until_stopped(_initialize(session), remaining())
                tools = []
                cursor = None
                while True:
                    result = await self._until_stopped(
                        session.list_tools(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None),
                        remaining())
                    tools.extend(result.tools)
                    cursor = getattr(result, "next_cursor", None)
                    if not cursor:
                        break
            except _Stopped:
                # settled now, before the transport's cleanup (closing the server) runs
                self._resolve(StartupOutcome("cancelled"))
                raise
            except asyncio.TimeoutError:
                error = f"timed out handshaking with MCP server after {rust_duration_debug(self.startup_timeout)}"
                self._resolve(StartupOutcome("failed", error))
                raise McpClientError(error) from None
            except Exception as exc:  # noqa: BLE001
                self._resolve(StartupOutcome("failed", self._startup_error(exc)))
                raise
            self.server_info = getattr(init, "server_info", None)
            self.instructions = getattr(init, "instructions", None)
            self.capabilities = getattr(init, "capabilities", None)
            self.tools = tools
            self.session = session
            self._resolve(StartupOutcome("ready"))
            await self.stop_event.wait()

    async def _until_stopped(self, coro, timeout: float):
        """Await `coro` unless `stop()` comes first (-> _Stopped) or `timeout` passes
        (-> TimeoutError); never cancels this task, so the transport can close the server."""
        work = asyncio.ensure_future(coro)
        # a failure after we stopped waiting (the transport's task group cancelled us) is ours
        work.add_done_callback(lambda t: t.cancelled() or t.exception())
        stop = asyncio.ensure_future(self.stop_event.wait())
        try:
            done, _ = await asyncio.wait({work, stop}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not work.done():
                work.cancel()
        if work in done:
            return work.result()
        work.cancel()
        try:
            await work
        except BaseException:  # noqa: BLE001
            pass
        if stop in done:
            raise _Stopped()
        raise asyncio.TimeoutError()

    async def stop(self) -> None:
        """Ask the connection task to end (it closes the session and the transport, which stops
        the server: stdin closed, then SIGTERM / SIGKILL after the SDK's grace periods); cancel it
        only if that takes too long."""
        if self.task is None:
            return
        if self.stop_event is not None:
            self.stop_event.set()
        task, self.task = self.task, None
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=10)
        except BaseException:  # noqa: BLE001
            task.cancel()
            try:
                await task
            except BaseException:  # noqa: BLE001
                pass

    # ---- requests

    def _require_session(self):
        if self.session is None:
            raise McpClientError("failed to get client: MCP startup failed")
        return self.session

    async def _oauth_refresh(self) -> None:
        """Refresh expired OAuth tokens (one at a time); a failed refresh is not an error (the
        request goes out with the old token, as the reference's)."""
        auth = self._oauth
        if auth is None or not auth.needs_refresh():
            return
        if self._oauth_lock is None:
            self._oauth_lock = asyncio.Lock()
        async with self._oauth_lock:
            if not auth.needs_refresh():
                return
            try:
                await asyncio.to_thread(auth.refresh_if_needed)
            except Exception:  # noqa: BLE001 - logged as a warning upstream
                pass

    async def _request(self, coro, timeout: float | None, what: str, method: str):
        limit = self.tool_timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(coro, timeout=limit)
        except asyncio.TimeoutError:
            raise McpClientError("", context=what,
                                 cause=f"timed out awaiting {method} after {rust_duration_debug(limit)}") from None
        except McpClientError:
            raise
        except Exception as exc:  # noqa: BLE001 - the server's JSON-RPC error or a transport failure
            raise McpClientError("", context=what, cause=_mcp_error_text(exc)) from exc

    async def call_tool(self, tool: str, arguments: Any, timeout: float | None = None,
                        meta: dict | None = None) -> dict:
        """tools/call; the CallToolResult as JSON (`content`, `structuredContent`?, `isError`?,
        `_meta`?)."""
        session = self._require_session()
        kwargs: dict = {}
        if meta:
            kwargs["meta"] = meta
        result = await self._request(session.call_tool(tool, arguments, **kwargs), timeout,
                                     f"tool call failed for `{self.name}/{tool}`", "tools/call")
        out = to_json(result)
        if isinstance(out.get("content"), list):
            out["content"] = [content_block_json(b) for b in out["content"]]
        return out

    async def list_resources(self, cursor: str | None = None) -> dict:
        from mcp import types

        session = self._require_session()
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        result = await self._request(session.list_resources(params=params), None,
                                     f"resources/list failed for `{self.name}`", "resources/list")
        return to_json(result)

    async def list_resource_templates(self, cursor: str | None = None) -> dict:
        from mcp import types

        session = self._require_session()
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        result = await self._request(session.list_resource_templates(params=params), None,
                                     f"resources/templates/list failed for `{self.name}`",
                                     "resources/templates/list")
        return to_json(result)

    async def read_resource(self, uri: str) -> dict:
        session = self._require_session()
        result = await self._request(session.read_resource(uri), None,
                                     f"resources/read failed for `{self.name}` ({uri})", "resources/read")
        return to_json(result)


PROTOCOL_VERSION = "2025-06-18"


def _oauth_bearer(httpx2, owner: "ServerClient"):
    """An httpx Auth sending the stored OAuth access token; before a JSON-RPC request other than
    initialize, expired tokens are refreshed first (rmcp's `refresh_if_needed` per request)."""
    import json

    class _Bearer(httpx2.Auth):
        requires_request_body = True

        async def async_auth_flow(self, request):
            if request.method == "POST":
                try:
                    message = json.loads(request.content or b"null")
                except ValueError:
                    message = None
                if isinstance(message, dict) and "id" in message and message.get("method") != "initialize":
                    await owner._oauth_refresh()
            request.headers["Authorization"] = f"Bearer {owner._oauth.access_token}"
            yield request

    return _Bearer()


async def _initialize(session):
    """initialize as the reference's rmcp client sends it (captured): protocolVersion
    2025-06-18, capabilities `{"elicitation": {}}`, clientInfo codex-mcp-client / Codex / 0.136.0;
    then notifications/initialized. Falls back to the SDK's own handshake."""
    from mcp import types

    try:
        request = types.InitializeRequest(params=types.InitializeRequestParams(
            protocol_version=PROTOCOL_VERSION,
            capabilities=types.ClientCapabilities(elicitation=types.ElicitationCapability()),
            client_info=types.Implementation(name=CLIENT_NAME, title=CLIENT_TITLE, version=CLIENT_VERSION)))
        adopt = session.adopt
    except (AttributeError, TypeError, ValueError):  # another SDK version
        return await session.initialize()
    result = await session.send_request(request, types.InitializeResult)
    adopt(result)
    await session.send_notification(types.InitializedNotification())
    return result


def _mcp_error_text(exc: BaseException) -> str:
    """An SDK failure as rmcp's ServiceError Display would put it."""
    error = getattr(exc, "error", None)
    if error is not None and hasattr(error, "code") and hasattr(error, "message"):
        # rmcp's ErrorData Display: `code: message` then `(data)` when the server sent data
        # (captured: "Mcp error: -32602: Unknown resource: mem://missing({\"uri\":\"mem://missing\"})")
        text = f"Mcp error: {error.code}: {error.message}"
        data = getattr(error, "data", None)
        if data is not None:
            import json

            text += "(" + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + ")"
        return text
    return _error_chain(exc)
