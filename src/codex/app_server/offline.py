"""App-server methods that need no agent core (shapes and wording from the 0.136.0
transcripts in fixtures/app_server/transcripts: offline_methods, account_openai_provider,
command_exec, handshake).

Registered by ``register_methods(registry)`` (listed in ``server.HANDLER_MODULES``):
account/*, getAuthStatus, model/list, modelProvider/capabilities/read,
configRequirements/read, experimentalFeature/list, experimentalFeature/enablement/set,
permissionProfile/list, collaborationMode/list, hooks/list, plugin/list, plugin/installed,
app/list, mcpServerStatus/list, externalAgentConfig/detect, windowsSandbox/readiness,
remoteControl/status/read, thread/realtime/listVoices, fuzzyFileSearch (+ sessions) and fs/*.
command/exec and process/* live in ``exec_methods``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil

from .server import MethodRegistry, internal_error, invalid_request


# ---------------------------------------------------------------------------------------------
# account
# ---------------------------------------------------------------------------------------------


def _provider(server):
    from codex.model.providers import provider_for

    try:
        return provider_for(server.config().raw, server.environ)[1]
    except Exception:
        return None


def _requires_openai_auth(server) -> bool:
    prov = _provider(server)
    return bool(getattr(prov, "requires_openai_auth", True)) if prov is not None else True


def _auth(server):
    from codex.auth.manager import load_auth

    try:
        return load_auth(server.codex_home, environ=server.environ)
    except Exception:
        return None


def _account(auth) -> dict | None:
    if auth is None:
        return None
    if auth.mode == "apikey":
        return {"type": "apiKey"}
    return {"type": "chatgpt", "email": auth.email, "planType": auth.plan_type or "unknown"}


async def account_read(params, conn):
    server = conn.server
    requires = _requires_openai_auth(server)
    account = _account(_auth(server)) if requires else None
    return {"account": account, "requiresOpenaiAuth": requires}


async def get_auth_status(params, conn):
    server = conn.server
    requires = _requires_openai_auth(server)
    auth = _auth(server) if requires else None
    token = None
    if auth is not None and (params or {}).get("includeToken"):
        try:
            token = auth.get_token()
        except Exception:
            token = None
    return {"authMethod": auth.mode if auth is not None else None, "authToken": token,
            "requiresOpenaiAuth": requires}


def _account_updated(conn, auth) -> None:
    conn.server.broadcast("account/updated", {
        "authMode": auth.mode if auth is not None else None,
        "planType": auth.plan_type if auth is not None and auth.is_chatgpt else None,
    })


async def account_login_start(params, conn):
    from codex.auth.manager import login_with_api_key

    server = conn.server
    kind = params.get("type")
    if kind == "apiKey":
        login_with_api_key(server.codex_home, params["apiKey"])

        def after():
            conn.server.broadcast("account/login/completed", {"loginId": None, "success": True, "error": None})
            _account_updated(conn, _auth(server))

        conn.after_response(after)
        return {"type": "apiKey"}
    if kind == "chatgpt":
        return await _chatgpt_login(conn)
    if kind == "chatgptDeviceCode":
        raise internal_error("failed to request device code: error sending request for url "
                             "(https://auth.openai.com/api/accounts/deviceauth/usercode)")
    raise internal_error(f"login type `{kind}` is not supported in this build")


class _Login:
    """An active browser login (one per server: a new one cancels it)."""

    def __init__(self, login_id: str, server):
        self.login_id = login_id
        self.server = server
        self.reported = False


def _login_completed(server, login: _Login, success: bool, error: str | None) -> None:
    if login.reported:
        return
    login.reported = True
    if server.state.get("active_login") is login:
        server.state.pop("active_login", None)
    server.broadcast("account/login/completed", {"loginId": login.login_id, "success": success, "error": error})
    if success:
        auth = _auth(server)
        server.broadcast("account/updated", {"authMode": auth.mode if auth else None,
                                             "planType": auth.plan_type if auth is not None and auth.is_chatgpt else None})


def _cancel_active_login(server) -> bool:
    login = server.state.get("active_login")
    if login is None:
        return False
    _login_completed(server, login, False, "Login server error: Login cancelled")
    try:
        login.server.cancel()
    except Exception:
        pass
    return True


async def _chatgpt_login(conn):
    """``account/login/start {type: chatgpt}``: the local callback server on port 1455 and the
    authorize URL (originator = the client's name); completion is announced with
    ``account/login/completed`` (+ ``account/updated`` on success)."""
    import uuid

    from codex.auth.manager import originator
    from codex.auth.oauth import LoginServer, ServerOptions, _enc

    server = conn.server
    _cancel_active_login(server)
    cfg = server.config()
    opts = ServerOptions(server.codex_home, forced_chatgpt_workspace_id=cfg.get("forced_chatgpt_workspace_id"),
                         store_mode=cfg.get("cli_auth_credentials_store") or "file")
    try:
        login_server = await asyncio.to_thread(LoginServer, opts)
    except OSError as exc:
        raise internal_error(f"failed to start login server: {exc}") from None
    login = _Login(str(uuid.uuid4()), login_server)
    server.state["active_login"] = login
    name = (conn.client_info or {}).get("name") or originator(server.environ)
    auth_url = login_server.auth_url.replace(f"&originator={_enc(originator(server.environ))}", f"&originator={_enc(name)}")
    loop = asyncio.get_running_loop()

    def wait() -> None:
        try:
            login_server.block_until_done()
            result = (True, None)
        except Exception as exc:
            result = (False, f"Login server error: {exc}")
        try:
            loop.call_soon_threadsafe(_login_completed, server, login, *result)
        except RuntimeError:       # the server's loop is gone (process shutting down)
            pass

    import threading

    threading.Thread(target=wait, name="app-server-login", daemon=True).start()
    return {"type": "chatgpt", "loginId": login.login_id, "authUrl": auth_url}


async def account_login_cancel(params, conn):
    import uuid

    login_id = params.get("loginId")
    try:
        uuid.UUID(str(login_id))
    except ValueError:
        raise invalid_request(f"invalid login id: {login_id}") from None
    server = conn.server
    login = server.state.get("active_login")
    if login is None or login.login_id != str(uuid.UUID(login_id)):
        return {"status": "notFound"}
    server.state.pop("active_login", None)
    try:
        login.server.cancel()
    except Exception:
        pass
    conn.after_response(lambda: _login_completed(server, login, False, "Login server error: Login was not completed"))
    return {"status": "canceled"}


async def account_logout(params, conn):
    from codex.auth.manager import logout

    server = conn.server
    logout(server.codex_home)
    conn.after_response(lambda: _account_updated(conn, None))
    return {}


async def account_rate_limits_read(params, conn):
    server = conn.server
    auth = _auth(server) if _requires_openai_auth(server) else None
    if auth is None:
        raise invalid_request("codex account authentication required to read rate limits")
    if not auth.is_chatgpt:
        raise invalid_request("chatgpt authentication required to read rate limits")
    raise internal_error("failed to fetch codex rate limits")


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------


def _model_entry(m: dict, is_default: bool) -> dict:
    upgrade = m.get("upgrade")
    mm = m.get("model_messages") or {}
    return {
        "id": m["slug"],
        "model": m["slug"],
        "upgrade": upgrade["model"] if upgrade else None,
        "upgradeInfo": {
            "model": upgrade["model"],
            "upgradeCopy": upgrade.get("upgrade_copy"),
            "modelLink": upgrade.get("model_link"),
            "migrationMarkdown": upgrade.get("migration_markdown"),
        } if upgrade else None,
        "availabilityNux": m.get("availability_nux"),
        "displayName": m.get("display_name") or m["slug"],
        "description": m.get("description") or "",
        "hidden": m.get("visibility") != "list",
        "supportedReasoningEfforts": [
            {"reasoningEffort": e["effort"], "description": e.get("description", "")}
            for e in m.get("supported_reasoning_levels") or ()
        ],
        "defaultReasoningEffort": m.get("default_reasoning_level") or "medium",
        "inputModalities": list(m.get("input_modalities") or ["text", "image"]),
        "supportsPersonality": bool(mm.get("instructions_template") and mm.get("instructions_variables")),
        "additionalSpeedTiers": list(m.get("additional_speed_tiers") or ()),
        "serviceTiers": list(m.get("service_tiers") or ()),
        "defaultServiceTier": None,
        "isDefault": is_default,
    }


def _paginate(items: list, params: dict | None) -> tuple[list, str | None]:
    params = params or {}
    start = 0
    cursor = params.get("cursor")
    if cursor is not None:
        try:
            start = int(cursor)
        except ValueError:
            raise invalid_request(f"invalid cursor: {cursor}") from None
    limit = params.get("limit")
    end = len(items) if limit is None else min(len(items), start + max(int(limit), 1))
    return items[start:end], (str(end) if end < len(items) else None)


async def model_list(params, conn):
    from codex.model.catalog import bundled_models

    models = sorted(bundled_models(), key=lambda m: m.get("priority", 0))
    if not params.get("includeHidden"):
        models = [m for m in models if m.get("visibility") == "list"]
    default = next((m["slug"] for m in models if m.get("visibility") == "list"), None)
    entries = [_model_entry(m, m["slug"] == default) for m in models]
    page, next_cursor = _paginate(entries, params)
    return {"data": page, "nextCursor": next_cursor}


async def model_provider_capabilities(params, conn):
    return {"namespaceTools": True, "imageGeneration": True, "webSearch": True}


# ---------------------------------------------------------------------------------------------
# features and other listings
# ---------------------------------------------------------------------------------------------

# codex-rs/features declaration order (experimentalFeature/list order) and the metadata of
# the beta ("experimental" in `features list`) features.
_FEATURE_ORDER = (
    "undo shell_tool unified_exec shell_zsh_fork shell_snapshot js_repl code_mode code_mode_only "
    "js_repl_tools_only terminal_resize_reflow web_search_request web_search_cached "
    "standalone_web_search search_tool codex_git_commit runtime_metrics sqlite memories chronicle "
    "child_agents_md apply_patch_freeform apply_patch_streaming_events exec_permission_approvals "
    "hooks request_permissions_tool use_linux_sandbox_bwrap use_legacy_landlock request_rule "
    "experimental_windows_sandbox elevated_windows_sandbox remote_models enable_request_compression "
    "network_proxy multi_agent multi_agent_v2 enable_fanout apps enable_mcp_apps "
    "apps_mcp_path_override tool_search tool_search_always_defer_mcp_tools "
    "non_prefixed_mcp_tool_names unavailable_dummy_tools tool_suggest plugins plugin_hooks "
    "in_app_browser browser_use browser_use_external computer_use remote_plugin plugin_sharing "
    "external_migration image_generation imagegenext skill_mcp_dependency_install "
    "skill_env_var_dependency_prompt mentions_v2 steer default_mode_request_user_input "
    "guardian_approval goals collaboration_modes tool_call_mcp_elicitation auth_elicitation "
    "personality artifact fast_mode realtime_conversation remote_control image_detail_original "
    "tui_app_server prevent_idle_sleep workspace_owner_usage_nudge responses_websockets "
    "responses_websockets_v2 responses_websocket_response_processed remote_compaction_v2 "
    "workspace_dependencies"
).split()

_BETA_META = {
    "terminal_resize_reflow": ("Terminal resize reflow",
                               "Rebuild Codex-owned transcript scrollback when the terminal width changes.", ""),
    "memories": ("Memories",
                 "Allow Codex to create new memories from conversations and bring relevant memories into new conversations.",
                 "NEW: Codex can now generate and use memories. Try it now with `/memories`"),
    "network_proxy": ("Network proxy",
                      "Apply network proxy restrictions to sandboxed sessions that already have network access.",
                      "NEW: Network proxy can now be enabled from /experimental. Restart Codex after enabling it."),
    "external_migration": ("External migration",
                           "Show a startup prompt when Codex detects migratable external agent config for this machine or project.",
                           ""),
    "prevent_idle_sleep": ("Prevent sleep while running",
                           "Keep your computer awake while Codex is running a thread.",
                           "NEW: Prevent sleep while running is now available in /experimental."),
}

_STAGES = {"stable": "stable", "removed": "removed", "deprecated": "deprecated",
           "under development": "underDevelopment", "experimental": "beta"}


async def experimental_feature_list(params, conn):
    from codex.config.features import FEATURES

    features = conn.server.config().features
    enabled = getattr(features, "enabled", None)
    runtime = conn.server.state.get("feature_enablement") or {}
    rows = []
    for name in _FEATURE_ORDER + [k for k in FEATURES if k not in _FEATURE_ORDER]:
        f = FEATURES.get(name)
        stage = _STAGES.get(f.stage, f.stage) if f is not None else "removed"
        default = bool(f.default_enabled) if f is not None else False
        on = (name in enabled) if enabled is not None and f is not None else default
        if isinstance(runtime.get(name), bool):
            on = runtime[name]
        meta = _BETA_META.get(name, (None, None, None))
        rows.append({"name": name, "stage": stage, "displayName": meta[0], "description": meta[1],
                     "announcement": meta[2], "enabled": on, "defaultEnabled": default})
    page, next_cursor = _paginate(rows, params)
    return {"data": page, "nextCursor": next_cursor}


async def experimental_feature_enablement_set(params, conn):
    """Process-wide feature enablement (``server.state["feature_enablement"]``), which
    ``experimentalFeature/list`` reflects."""
    enablement = dict(params.get("enablement") or {})
    conn.server.state.setdefault("feature_enablement", {}).update(enablement)
    return {"enablement": enablement}


async def permission_profile_list(params, conn):
    rows = [{"id": i, "description": None} for i in (":read-only", ":workspace", ":danger-full-access")]
    page, next_cursor = _paginate(rows, params)
    return {"data": page, "nextCursor": next_cursor}


async def collaboration_mode_list(params, conn):
    return {"data": [
        {"name": "Plan", "mode": "plan", "model": None, "reasoning_effort": "medium"},
        {"name": "Default", "mode": "default", "model": None, "reasoning_effort": None},
    ]}


async def hooks_list(params, conn):
    cwds = params.get("cwds") or [os.getcwd()]
    return {"data": [{"cwd": cwd, "hooks": [], "warnings": [], "errors": []} for cwd in cwds]}


async def plugin_list(params, conn):
    return {"marketplaces": [], "marketplaceLoadErrors": [], "featuredPluginIds": []}


async def plugin_installed(params, conn):
    return {"marketplaces": [], "marketplaceLoadErrors": []}


async def empty_page(params, conn):
    return {"data": [], "nextCursor": None}


async def external_agent_config_detect(params, conn):
    return {"items": []}


async def windows_sandbox_readiness(params, conn):
    return {"status": "notConfigured"}


async def remote_control_status_read(params, conn):
    from .initialize import remote_control_status

    return remote_control_status(conn.server)


async def config_requirements_read(params, conn):
    return {"requirements": None}


async def realtime_list_voices(params, conn):
    return {"voices": {
        "v1": ["juniper", "maple", "spruce", "ember", "vale", "breeze", "arbor", "sol", "cove"],
        "v2": ["alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"],
        "defaultV1": "cove", "defaultV2": "marin",
    }}


# ---------------------------------------------------------------------------------------------
# fuzzy file search
# ---------------------------------------------------------------------------------------------


def _fuzzy_error(exc):
    from .server import JsonRpcError

    return JsonRpcError(exc.code, exc.message)


async def fuzzy_file_search(params, conn):
    from codex.file_search.api import fuzzy_file_search as search

    files = await asyncio.to_thread(search, params["query"], list(params["roots"]), None, shared=False)
    return {"files": files}


def _sessions(conn):
    from codex.file_search.api import FuzzySearchSessions

    sessions = conn.state.get("fuzzy_sessions")
    if sessions is None:
        sessions = FuzzySearchSessions(lambda method, p: conn.notify(method, p))
        conn.state["fuzzy_sessions"] = sessions
        conn.on_close(sessions.close)
    return sessions


async def fuzzy_session_start(params, conn):
    from codex.file_search.api import FuzzySearchError

    try:
        return await asyncio.to_thread(_sessions(conn).start, params["sessionId"], list(params["roots"]))
    except FuzzySearchError as exc:
        raise _fuzzy_error(exc) from None


async def fuzzy_session_update(params, conn):
    from codex.file_search.api import FuzzySearchError

    try:
        return _sessions(conn).update(params["sessionId"], params["query"])
    except FuzzySearchError as exc:
        raise _fuzzy_error(exc) from None


async def fuzzy_session_stop(params, conn):
    return _sessions(conn).stop(params["sessionId"])


# ---------------------------------------------------------------------------------------------
# fs/*
# ---------------------------------------------------------------------------------------------


def _os_error(exc: OSError):
    return internal_error(f"{exc.strerror} (os error {exc.errno})")


def _ms(t: float) -> int:
    return int(t * 1000)


async def fs_read_file(params, conn):
    try:
        with open(params["path"], "rb") as f:
            data = f.read()
    except OSError as exc:
        raise _os_error(exc) from None
    return {"dataBase64": base64.b64encode(data).decode()}


_B64 = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def b64decode_strict(text: str) -> bytes:
    """Standard base64 with canonical padding; ValueError worded as Rust's base64 crate."""
    raw = text.encode()
    body = raw.rstrip(b"=")
    for i, byte in enumerate(body):
        if byte not in _B64:
            raise ValueError(f"Invalid symbol {byte}, offset {i}.")
    if len(raw) % 4 == 1 and len(body) == len(raw):
        raise ValueError("Invalid input length.")
    if len(raw) % 4 or len(raw) - len(body) > 2:
        raise ValueError("Invalid padding")
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:
        raise ValueError("Invalid padding") from None


async def fs_write_file(params, conn):
    try:
        data = b64decode_strict(params["dataBase64"])
    except ValueError as exc:
        raise invalid_request(f"fs/writeFile requires valid base64 dataBase64: {exc}") from None
    try:
        with open(params["path"], "wb") as f:
            f.write(data)
    except OSError as exc:
        raise _os_error(exc) from None
    return {}


async def fs_create_directory(params, conn):
    try:
        if params.get("recursive") is False:
            os.mkdir(params["path"])
        else:
            os.makedirs(params["path"], exist_ok=True)
    except OSError as exc:
        raise _os_error(exc) from None
    return {}


async def fs_get_metadata(params, conn):
    path = params["path"]
    try:
        st = os.stat(path)
        is_link = os.path.islink(path)
    except OSError as exc:
        raise _os_error(exc) from None
    import stat as _stat

    birth = getattr(st, "st_birthtime", None)
    return {
        "isDirectory": _stat.S_ISDIR(st.st_mode),
        "isFile": _stat.S_ISREG(st.st_mode),
        "isSymlink": is_link,
        "createdAtMs": _ms(birth) if birth else 0,
        "modifiedAtMs": _ms(st.st_mtime),
    }


async def fs_read_directory(params, conn):
    try:
        entries = []
        with os.scandir(params["path"]) as it:
            for e in it:
                entries.append({"fileName": e.name, "isDirectory": e.is_dir(), "isFile": e.is_file()})
    except OSError as exc:
        raise _os_error(exc) from None
    return {"entries": entries}


async def fs_remove(params, conn):
    path = params["path"]
    recursive = params.get("recursive") is not False
    force = params.get("force") is not False
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            if recursive:
                shutil.rmtree(path)
            else:
                os.rmdir(path)
        else:
            os.remove(path)
    except FileNotFoundError:
        if not force:
            raise internal_error("No such file or directory (os error 2)") from None
    except OSError as exc:
        raise _os_error(exc) from None
    return {}


async def fs_copy(params, conn):
    src, dst = params["sourcePath"], params["destinationPath"]
    try:
        if os.path.isdir(src):
            if not params.get("recursive"):
                raise invalid_request("fs/copy requires recursive: true when sourcePath is a directory")
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)
    except OSError as exc:
        raise _os_error(exc) from None
    return {}


async def fs_watch(params, conn):
    from .fs_watch import watches

    path = params["path"]
    watches(conn).add(params["watchId"], path)
    return {"path": path}


async def fs_unwatch(params, conn):
    from .fs_watch import watches

    watches(conn).remove(params["watchId"])
    return {}


# ---------------------------------------------------------------------------------------------
# small methods (answers and errors probed on 0.136.0 without network or threads)
# ---------------------------------------------------------------------------------------------


async def mock_experimental_method(params, conn):
    return {"echoed": (params or {}).get("value")}


async def empty_result(params, conn):
    return {}


async def windows_sandbox_setup_start(params, conn):
    mode = params.get("mode")
    conn.after_response(lambda: conn.notify("windowsSandbox/setupCompleted", {
        "mode": mode, "success": False,
        "error": f"{mode} Windows sandbox setup is only supported on Windows"}))
    return {"started": True}


async def remote_control_disable(params, conn):
    from .initialize import remote_control_status

    return remote_control_status(conn.server)


async def git_diff_to_remote(params, conn):
    import json as _json

    cwd = params.get("cwd") or ""
    from codex.git.info import get_git_repo_root

    if get_git_repo_root(cwd) is None:
        raise invalid_request(f"failed to compute git diff to remote for cwd: {_json.dumps(cwd)}")
    raise internal_error("gitDiffToRemote is not implemented in this build")


async def mcp_resource_read(params, conn):
    servers = conn.server.config().mcp_servers
    if params["server"] not in servers:
        raise internal_error(f"unknown MCP server '{params['server']}'")
    raise internal_error("mcpServer/resource/read is not implemented in this build")


async def plugin_read(params, conn):
    path = params.get("marketplacePath")
    if path is not None and not os.path.exists(path):
        raise invalid_request(f"marketplace file `{path}` does not exist")
    raise internal_error("plugin/read is not implemented in this build")


async def marketplace_remove(params, conn):
    name = params.get("marketplaceName")
    configured = conn.server.config().get("marketplaces") or {}
    if name not in configured:
        raise invalid_request(f"marketplace `{name}` is not configured or installed")
    raise internal_error("marketplace/remove is not implemented in this build")


async def external_agent_config_import(params, conn):
    if params.get("migrationItems"):
        raise internal_error("externalAgentConfig/import is not implemented in this build")
    return {}


async def send_add_credits_nudge_email(params, conn):
    if _auth(conn.server) is None:
        raise invalid_request("codex account authentication required to notify workspace owner")
    raise internal_error("account/sendAddCreditsNudgeEmail is not implemented in this build")


async def plugin_share_list(params, conn):
    auth = _auth(conn.server)
    if auth is None or not auth.is_chatgpt:
        raise invalid_request("list remote plugin shares: chatgpt authentication required for remote plugin catalog")
    raise internal_error("plugin/share/list is not implemented in this build")


# ---------------------------------------------------------------------------------------------


def register_methods(registry: MethodRegistry) -> None:
    for method, handler in (
        ("account/read", account_read),
        ("getAuthStatus", get_auth_status),
        ("account/login/start", account_login_start),
        ("account/login/cancel", account_login_cancel),
        ("account/logout", account_logout),
        ("account/rateLimits/read", account_rate_limits_read),
        ("model/list", model_list),
        ("modelProvider/capabilities/read", model_provider_capabilities),
        ("configRequirements/read", config_requirements_read),
        ("experimentalFeature/list", experimental_feature_list),
        ("experimentalFeature/enablement/set", experimental_feature_enablement_set),
        ("permissionProfile/list", permission_profile_list),
        ("collaborationMode/list", collaboration_mode_list),
        ("hooks/list", hooks_list),
        ("plugin/list", plugin_list),
        ("plugin/installed", plugin_installed),
        ("app/list", empty_page),
        ("mcpServerStatus/list", empty_page),
        ("externalAgentConfig/detect", external_agent_config_detect),
        ("windowsSandbox/readiness", windows_sandbox_readiness),
        ("remoteControl/status/read", remote_control_status_read),
        ("thread/realtime/listVoices", realtime_list_voices),
        ("fuzzyFileSearch", fuzzy_file_search),
        ("fuzzyFileSearch/sessionStart", fuzzy_session_start),
        ("fuzzyFileSearch/sessionUpdate", fuzzy_session_update),
        ("fuzzyFileSearch/sessionStop", fuzzy_session_stop),
        ("fs/readFile", fs_read_file),
        ("fs/writeFile", fs_write_file),
        ("fs/createDirectory", fs_create_directory),
        ("fs/getMetadata", fs_get_metadata),
        ("fs/readDirectory", fs_read_directory),
        ("fs/remove", fs_remove),
        ("fs/copy", fs_copy),
        ("fs/watch", fs_watch),
        ("fs/unwatch", fs_unwatch),
        ("mock/experimentalMethod", mock_experimental_method),
        ("memory/reset", empty_result),
        ("config/mcpServer/reload", empty_result),
        ("environment/add", empty_result),
        ("windowsSandbox/setupStart", windows_sandbox_setup_start),
        ("remoteControl/disable", remote_control_disable),
        ("gitDiffToRemote", git_diff_to_remote),
        ("mcpServer/resource/read", mcp_resource_read),
        ("plugin/read", plugin_read),
        ("marketplace/remove", marketplace_remove),
        ("externalAgentConfig/import", external_agent_config_import),
        ("account/sendAddCreditsNudgeEmail", send_add_credits_nudge_email),
        ("plugin/share/list", plugin_share_list),
    ):
        registry.register(method, handler)
    from . import exec_methods

    exec_methods.register_methods(registry)
