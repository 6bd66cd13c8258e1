"""``config/read``, ``config/value/write``, ``config/batchWrite`` (codex-rs/app-server
``config_api.rs``), shapes from the 0.136.0 offline_methods transcript.

* A layer's ``version`` is ``sha256:`` + the SHA-256 of its TOML table as compact JSON with
  sorted keys (checked against the reference's hashes).
* ``layers`` (with ``includeLayers``) lists the user layer (``$CODEX_HOME/config.toml``)
  then the system one (``/etc/codex/config.toml``), highest precedence first; ``origins``
  maps every leaf key path to the layer that sets it.
* ``config`` is the effective ``ConfigToml`` as serde writes it: every known key (``null``
  when unset) with the defaults the reference shows (``history``, ``tui``,
  ``shell_environment_policy``, provider entries, the app-server's managed features).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os

from .server import JsonRpcError, INVALID_REQUEST, invalid_request

VERSION_CONFLICT = "Configuration was modified since last read. Fetch latest version and retry."


def _write_error(message: str, code: str) -> JsonRpcError:
    return JsonRpcError(INVALID_REQUEST, message, {"config_write_error_code": code})

SYSTEM_CONFIG = "/etc/codex/config.toml"

# ConfigToml keys in the order the reference wrote them (typed `Config` first; the rest is a
# flattened map whose order upstream does not fix).
CONFIG_KEYS = (
    "model review_model model_context_window model_auto_compact_token_limit "
    "model_auto_compact_token_limit_scope model_provider approval_policy approvals_reviewer "
    "sandbox_mode sandbox_workspace_write forced_chatgpt_workspace_id forced_login_method web_search "
    "tools instructions developer_instructions compact_prompt model_reasoning_effort "
    "model_reasoning_summary model_verbosity service_tier analytics apps desktop default_permissions "
    "model_providers sqlite_home model_catalog_json skills experimental_realtime_ws_base_url "
    "project_root_markers history include_apps_instructions experimental_realtime_ws_backend_prompt "
    "ghost_snapshot plan_mode_reasoning_effort memories js_repl_node_path plugins features feedback "
    "mcp_oauth_credentials_store model_instructions_file hide_agent_reasoning "
    "background_terminal_max_timeout debug tool_output_token_limit oss_provider chatgpt_base_url "
    "projects include_permissions_instructions permissions windows model_supports_reasoning_summaries "
    "file_opener experimental_thread_config_endpoint allow_login_shell shell_environment_policy "
    "mcp_servers profile mcp_oauth_callback_port check_for_update_on_startup notify "
    "show_raw_agent_reasoning experimental_realtime_ws_model include_collaboration_mode_instructions "
    "audio experimental_compact_prompt_file cli_auth_credentials_store js_repl_node_module_dirs "
    "profiles agents experimental_thread_store_endpoint apps_mcp_product_sku "
    "experimental_realtime_start_instructions project_doc_fallback_filenames mcp_oauth_callback_url "
    "experimental_realtime_ws_startup_context experimental_thread_store hooks disable_paste_burst "
    "experimental_use_unified_exec_tool notice realtime suppress_unstable_features_warning tui "
    "include_environment_context tool_suggest auto_review otel log_dir project_doc_max_bytes "
    "openai_base_url marketplaces personality"
).split()

_DEFAULTS = {
    "model_providers": {},
    "history": {"persistence": "save-all", "max_bytes": None},
    "plugins": {},
    "hide_agent_reasoning": False,
    "allow_login_shell": True,
    "shell_environment_policy": {"inherit": None, "ignore_default_excludes": None, "exclude": None,
                                 "set": None, "include_only": None, "experimental_use_profile": None},
    "mcp_servers": {},
    "profiles": {},
    "project_doc_fallback_filenames": [],
    "project_doc_max_bytes": 32768,
    "marketplaces": {},
}

# Feature values the app-server pins in the config it reads (shown even without [features]).
_MANAGED_FEATURES = {"apps": True, "memories": False, "mentions_v2": False, "plugins": True,
                     "remote_control": False, "remote_plugin": False, "tool_suggest": True,
                     "tool_call_mcp_elicitation": True}

_PROVIDER_FIELDS = {
    "name": None, "base_url": None, "env_key": None, "env_key_instructions": None,
    "experimental_bearer_token": None, "auth": None, "aws": None, "wire_api": "responses",
    "query_params": None, "http_headers": None, "env_http_headers": None, "request_max_retries": None,
    "stream_max_retries": None, "stream_idle_timeout_ms": None, "websocket_connect_timeout_ms": None,
    "requires_openai_auth": False, "supports_websockets": False,
}

_KEYMAP = {
    "global": "open_transcript open_external_editor copy clear_terminal submit queue toggle_shortcuts "
              "toggle_vim_mode toggle_fast_mode toggle_raw_output",
    "chat": "interrupt_turn decrease_reasoning_effort increase_reasoning_effort edit_queued_message",
    "composer": "submit queue toggle_shortcuts history_search_previous history_search_next",
    "editor": "insert_newline move_left move_right move_up move_down move_word_left move_word_right "
              "move_line_start move_line_end delete_backward delete_forward delete_backward_word "
              "delete_forward_word kill_line_start kill_whole_line kill_line_end yank",
    "vim_normal": "enter_insert append_after_cursor append_line_end insert_line_start open_line_below "
                  "open_line_above move_left move_right move_up move_down move_word_forward "
                  "move_word_backward move_word_end move_line_start move_line_end delete_char "
                  "substitute_char delete_to_line_end change_to_line_end yank_line paste_after "
                  "start_delete_operator start_yank_operator start_change_operator cancel_operator",
    "vim_operator": "delete_line yank_line motion_left motion_right motion_up motion_down "
                    "motion_word_forward motion_word_backward motion_word_end motion_line_start "
                    "motion_line_end select_inner_text_object select_around_text_object cancel",
    "vim_text_object": "word big_word parentheses brackets braces double_quote single_quote backtick cancel",
    "pager": "scroll_up scroll_down page_up page_down half_page_up half_page_down jump_top jump_bottom "
             "close close_transcript",
    "list": "move_up move_down move_left move_right page_up page_down jump_top jump_bottom accept cancel",
    "approval": "open_fullscreen open_thread approve approve_for_session approve_for_prefix deny decline cancel",
}


def _tui_defaults() -> dict:
    return {
        "notifications": False, "notification_method": "auto", "notification_condition": "unfocused",
        "animations": True, "show_tooltips": True, "vim_mode_default": False, "raw_output_mode": False,
        "alternate_screen": "auto", "status_line": None, "status_line_use_colors": True,
        "terminal_title": None, "theme": None, "pet": None, "pet_anchor": "composer",
        "session_picker_view": None,
        "keymap": {ctx: {a: None for a in actions.split()} for ctx, actions in _KEYMAP.items()},
        "model_availability_nux": {}, "terminal_resize_reflow_max_rows": None,
    }


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def version_of(table: dict) -> str:
    text = json.dumps(table, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _load_table(path: str) -> dict:
    from codex.config.loader import load_toml_file

    loaded = load_toml_file(path)
    return dict(loaded[0]) if loaded is not None else {}


def _layers(server) -> list[tuple[dict, dict]]:
    """(name, table) of each layer, highest precedence first."""
    user_path = os.path.join(server.codex_home, "config.toml")
    return [
        ({"type": "user", "file": os.path.abspath(user_path), "profile": None}, _load_table(user_path)),
        ({"type": "system", "file": SYSTEM_CONFIG}, _load_table(SYSTEM_CONFIG)),
    ]


def _leaves(table: dict, prefix: str = ""):
    for k, v in table.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            yield from _leaves(v, path + ".")
        else:
            yield path


def effective_config(merged: dict) -> dict:
    out: dict = {}
    for key in CONFIG_KEYS:
        out[key] = copy.deepcopy(_DEFAULTS.get(key))
    for key, value in merged.items():
        if key not in out:
            continue
        if key == "model_providers" and isinstance(value, dict):
            out[key] = {pid: _deep_merge(_PROVIDER_FIELDS, p if isinstance(p, dict) else {}) for pid, p in value.items()}
        elif key == "tui" and isinstance(value, dict):
            out[key] = _deep_merge(_tui_defaults(), value)
        elif key in ("history", "shell_environment_policy") and isinstance(value, dict):
            out[key] = _deep_merge(_DEFAULTS[key], value)
        elif key == "features":
            continue
        else:
            out[key] = value
    features = {}
    user_features = merged.get("features")
    if isinstance(user_features, dict):
        features["network_proxy"] = user_features.get("network_proxy")
        features.update({k: v for k, v in user_features.items() if k != "network_proxy"})
    for k, v in _MANAGED_FEATURES.items():
        features.setdefault(k, v)
    out["features"] = features
    return out


async def config_read(params, conn):
    from codex.config.loader import merge_into

    server = conn.server
    layers = _layers(server)
    merged: dict = {}
    for _name, table in reversed(layers):
        merge_into(merged, copy.deepcopy(table))
    origins: dict = {}
    for name, table in reversed(layers):
        meta = {"name": name, "version": version_of(table)}
        for leaf in _leaves(table):
            origins[leaf] = meta
    result = {"config": effective_config(merged), "origins": origins}
    if params.get("includeLayers"):
        result["layers"] = [{"name": name, "version": version_of(table), "config": table} for name, table in layers]
    return result


# ---------------------------------------------------------------------------------------------
# writes
# ---------------------------------------------------------------------------------------------


def _set_path(doc, key_path: str, value, strategy: str) -> None:
    import tomlkit

    parts = key_path.split(".")
    if not key_path:
        raise _write_error("keyPath must not be empty", "configValidationError")
    if any(not p for p in parts):
        raise _write_error(f"invalid keyPath: {key_path}", "configValidationError")
    node = doc
    for part in parts[:-1]:
        child = node.get(part)
        if child is None or not isinstance(child, dict):
            child = tomlkit.table()
            node[part] = child
        node = child
    last = parts[-1]
    if value is None:
        if last in node:
            del node[last]
        return
    if strategy == "upsert" and isinstance(value, dict) and isinstance(node.get(last), dict):
        for k, v in value.items():
            _set_path(node[last], k, v, strategy)
        return
    node[last] = value


def _write(server, edits: list[dict], file_path: str | None, expected: str | None) -> dict:
    from codex.config.edit import read_document, write_document

    path = file_path or os.path.join(server.codex_home, "config.toml")
    path = os.path.abspath(path)
    if expected is not None and version_of(_load_table(path)) != expected:
        raise _write_error(VERSION_CONFLICT, "configVersionConflict")
    doc = read_document(path)
    for edit in edits:
        _set_path(doc, edit["keyPath"], edit.get("value"), edit.get("mergeStrategy", "replace"))
    write_document(path, doc)
    server.config(reload=True)
    return {"status": "ok", "version": version_of(_load_table(path)), "filePath": path,
            "overriddenMetadata": None}


async def config_value_write(params, conn):
    return _write(conn.server, [params], params.get("filePath"), params.get("expectedVersion"))


async def config_batch_write(params, conn):
    return _write(conn.server, list(params.get("edits") or ()), params.get("filePath"), params.get("expectedVersion"))


def register_methods(registry) -> None:
    registry.register("config/read", config_read)
    registry.register("config/value/write", config_value_write)
    registry.register("config/batchWrite", config_batch_write)
