"""The `tools` array of a Responses request (codex-rs `tools/src/tool_registry_plan.rs`,
`core/src/tools/spec.rs`), as 0.136.0 sends it.

The model-facing texts and schemas are package data (`tool_specs.json`, taken verbatim from the
reference's requests; the apply_patch grammar is `codex/apply_patch/tool_apply_patch.lark`), so
nothing model-visible is re-typed here. This module only decides which tools go in and in what
order, and fills the few generated parts (spawn_agent's model list, tool_search's sources).

Order (as captured): shell tools (exec_command + write_stdin | shell_command), MCP resource
tools, update_plan, goal tools, request_user_input, request_permissions, apply_patch,
view_image, multi-agent tools (when not deferred), MCP namespaces, dynamic tools, tool_search,
web_search.
"""
from __future__ import annotations

import copy
import json
import os
from functools import lru_cache
from typing import Any, Iterable, Mapping

__all__ = ["DEFAULT_FEATURES", "build_tools", "deferred_tools", "spec_texts", "web_search_tool",
           "tool_search_description", "available_models_description"]

_DIR = os.path.dirname(os.path.abspath(__file__))

# Feature defaults of 0.136.0 (`codex features list`) for the flags that change the tool set.
DEFAULT_FEATURES: dict[str, bool] = {
    "unified_exec": True,
    "shell_tool": True,
    "goals": True,
    "multi_agent": True,
    "multi_agent_v2": False,
    "request_permissions_tool": False,
    "default_mode_request_user_input": False,
}

MULTI_AGENT_V1_NAMESPACE = "multi_agent_v1"
MULTI_AGENT_SOURCE = ("Multi-agent tools", "Spawn and manage sub-agents.")
# upstream's agent_max_depth default: a sub-agent of depth 1 gets no collab tools
AGENT_MAX_DEPTH = 1


@lru_cache(maxsize=1)
def spec_texts() -> dict[str, Any]:
    with open(os.path.join(_DIR, "tool_specs.json"), encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def _grammar() -> str:
    path = os.path.join(os.path.dirname(_DIR), "apply_patch", "tool_apply_patch.lark")
    with open(path, encoding="utf-8") as f:
        return f.read()


def _spec(key: str) -> Any:
    return copy.deepcopy(spec_texts()[key])


def _get(model_info: Any, key: str, default: Any = None) -> Any:
    if model_info is None:
        return default
    if isinstance(model_info, Mapping):
        value = model_info.get(key, default)
    else:
        value = model_info.get(key, default)
    return default if value is None else value


# --- pieces ---------------------------------------------------------------------------------


MAX_SPAWN_MODELS = 5


def available_models_description(models: Iterable[Mapping[str, Any]] | None = None) -> str:
    """spawn_agent's "Available model overrides" lines: the picker-visible models of the catalog
    in use (`models`: its entries, default the bundled catalog), by priority, at most 5 (a custom
    catalog with 4 more visible models was captured listing them and gpt-5.5 only)."""
    if models is None:
        from codex.model.catalog import bundled_models
        models = bundled_models()
    visible = [m for m in models if m.get("visibility", "list") == "list"]
    visible = sorted(visible, key=lambda m: m.get("priority", 0))[:MAX_SPAWN_MODELS]
    lines = []
    for m in visible:
        default = m.get("default_reasoning_level")
        efforts = []
        for level in m.get("supported_reasoning_levels") or []:
            effort = level.get("effort") if isinstance(level, Mapping) else level
            efforts.append(f"{effort} (default)" if effort == default else str(effort))
        line = f"- `{m['slug']}`: {m.get('description') or ''}"
        if efforts:
            line += f" Reasoning efforts: {', '.join(efforts)}."
        tiers = [t.get("id") if isinstance(t, Mapping) else str(t) for t in (m.get("service_tiers") or [])]
        if tiers:
            line += f" Service tiers: {', '.join(tiers)}."
        lines.append(line)
    return "\n".join(lines)


def _fill_spawn(tool: dict, models_text: str) -> dict:
    if tool.get("name") == "spawn_agent":
        tool["description"] = tool["description"].replace("{{available_models}}", models_text)
    return tool


def multi_agent_v1_namespace(models_text: str | None = None, *, defer_loading: bool = False) -> dict:
    ns = _spec("multi_agent_v1")
    text = available_models_description() if models_text is None else models_text
    tools = []
    for tool in ns["tools"]:
        tool = _fill_spawn(tool, text)
        if defer_loading:
            tool = _with_defer_loading(tool)
        tools.append(tool)
    ns["tools"] = tools
    return ns


def _with_defer_loading(tool: dict) -> dict:
    out = {}
    for k, v in tool.items():
        out[k] = v
        if k == "strict":
            out["defer_loading"] = True
    if "defer_loading" not in out:
        out["defer_loading"] = True
    return out


def tool_search_description(sources: Iterable[tuple[str, str | None]]) -> str:
    """Sources sorted by name, de-duplicated (the first description wins), `- name: desc`."""
    unique: dict[str, str | None] = {}
    for name, desc in sources:
        if name in unique:
            if unique[name] is None and desc:
                unique[name] = desc
        else:
            unique[name] = desc or None
    if unique:
        text = "\n".join(f"- {n}: {d}" if d else f"- {n}" for n, d in sorted(unique.items()))
    else:
        text = "None currently enabled."
    return spec_texts()["tool_search"]["description"].replace("{{sources}}", text)


def tool_search_tool(sources: Iterable[tuple[str, str | None]]) -> dict:
    spec = _spec("tool_search")
    spec["description"] = tool_search_description(sources)
    return spec


def web_search_tool(mode: str, tool_type: str | None) -> dict | None:
    """`mode`: cached | live | disabled. `tool_type` (catalog `web_search_tool_type`):
    text_and_image adds `search_content_types`."""
    if mode == "disabled":
        return None
    spec: dict[str, Any] = {"type": "web_search", "external_web_access": mode == "live"}
    if tool_type == "text_and_image":
        spec["search_content_types"] = ["text", "image"]
    return spec


def _mcp_namespaces(mcp_tools: Iterable[Any], *, defer_loading: bool = False) -> list[dict]:
    from codex.mcp.schema import mcp_tool_to_openai_tool_parts
    groups: dict[str, dict] = {}
    for info in mcp_tools:
        if isinstance(info, Mapping):
            ns_name = info.get("namespace") or info.get("callable_namespace")
            name = info.get("name") or info.get("callable_name")
            raw = info.get("tool", info)
            ns_desc = info.get("namespace_description")
        else:
            ns_name, name, raw = info.callable_namespace, info.callable_name, info.tool
            ns_desc = getattr(info, "namespace_description", None)
        ns_name = ns_name[:-2] if ns_name.endswith("__") else ns_name
        description, params, _out = mcp_tool_to_openai_tool_parts(raw)
        tool = {"type": "function", "name": name, "description": description, "strict": False,
                "parameters": params}
        if defer_loading:
            tool = _with_defer_loading(tool)
        group = groups.setdefault(ns_name, {"type": "namespace", "name": ns_name,
                                            "description": ns_desc or f"Tools in the {ns_name} namespace.",
                                            "tools": []})
        group["tools"].append(tool)
    out = []
    for ns_name in sorted(groups):
        group = groups[ns_name]
        group["tools"].sort(key=lambda t: t["name"])
        out.append(group)
    return out


def dynamic_tool_spec(tool: Mapping[str, Any]) -> dict:
    """An app-server dynamic tool (`{name, description, inputSchema}`) as a function tool."""
    params = tool.get("inputSchema", tool.get("input_schema", tool.get("parameters")))
    return {"type": "function", "name": tool["name"], "description": tool.get("description", ""),
            "strict": False, "parameters": copy.deepcopy(params) if params is not None else
            {"type": "object", "properties": {}}}


# --- the array ------------------------------------------------------------------------------


DIRECT_MCP_TOOL_EXPOSURE_THRESHOLD = 100


def _defer_mcp(defer: bool | None, f: dict[str, bool], n_tools: int, search_supported: bool) -> bool:
    """MCP tools go behind tool_search when the model supports it and either the
    `tool_search_always_defer_mcp_tools` feature is on or there are >= 100 of them."""
    if not search_supported or n_tools == 0:
        return False
    if defer is not None:
        return defer
    return f.get("tool_search_always_defer_mcp_tools", False) or n_tools >= DIRECT_MCP_TOOL_EXPOSURE_THRESHOLD


def _features(features: Mapping[str, Any] | Iterable[str] | None) -> dict[str, bool]:
    out = dict(DEFAULT_FEATURES)
    if features is None:
        return out
    if isinstance(features, Mapping):
        out.update({k: bool(v) for k, v in features.items()})
    else:                                   # an iterable of enabled names
        for name in features:
            out[name] = True
    return out


def _web_search_mode(mode: str | None, sandbox_mode: str) -> str:
    if mode in ("cached", "live", "disabled"):
        return mode
    return "live" if sandbox_mode == "danger-full-access" else "cached"


def build_tools(model_info: Any, *, sandbox_mode: str = "read-only", ephemeral: bool = False,
                features: Mapping[str, Any] | Iterable[str] | None = None,
                mcp_tools: Iterable[Any] = (), mcp_servers: bool | None = None,
                dynamic_tools: Iterable[Mapping[str, Any]] = (),
                web_search_mode: str | None = None, allow_login_shell: bool = True,
                available_models: Iterable[Mapping[str, Any]] | None = None,
                review: bool = False, agent_depth: int = 0, has_environment: bool = True,
                defer_mcp_tools: bool | None = None) -> list[dict]:
    """The `tools` array for a turn.

    model_info: a `codex.model.catalog.ModelInfo` (or the raw catalog dict; None / an unknown
      model gets upstream's fallbacks: no apply_patch, no tool_search, no image detail).
    sandbox_mode: read-only | workspace-write | danger-full-access (only the web_search default
      depends on it: `live` under danger-full-access, else `cached`).
    ephemeral: drops the goal tools (no state db).
    features: effective feature flags (mapping, or names of enabled ones) over DEFAULT_FEATURES.
    mcp_tools: `codex.mcp.tools.ToolInfo`s (or dicts with namespace/name/tool); `mcp_servers`
      (default: any mcp tools) adds the three MCP resource tools.
    dynamic_tools: app-server dynamic tools ({name, description, inputSchema}).
    web_search_mode: cached | live | disabled (config `web_search`); None: the sandbox default.
    review: the review sub-agent's set (no goals, no collab, no web_search).
    agent_depth: a spawned sub-agent's depth (>= 1: no collab tools).
    defer_mcp_tools: MCP tools go behind tool_search instead of into the array (None: when the
      model supports tool_search and the `tool_search_always_defer_mcp_tools` feature is on or
      there are >= 100 MCP tools). Their servers become tool_search sources (`- <server>`).
    """
    f = _features(features)
    tools: list[dict] = []
    mcp_tools = list(mcp_tools)
    dynamic_tools = list(dynamic_tools)
    if mcp_servers is None:
        mcp_servers = bool(mcp_tools)

    def add(key: str) -> dict:
        spec = _spec(key)
        tools.append(spec)
        return spec

    def drop_login(spec: dict) -> None:
        if not allow_login_shell:
            spec["parameters"]["properties"].pop("login", None)

    # the catalog's shell_type only matters when it is "disabled" (captured with a custom
    # model_catalog_json: local / default / unified_exec all give exec_command, or shell_command
    # without the unified_exec feature); 0.136 knows no apply_patch_tool_type but "freeform".
    if has_environment and f["shell_tool"] and _get(model_info, "shell_type") != "disabled":
        if f["unified_exec"]:
            drop_login(add("exec_command"))
            add("write_stdin")
        else:
            drop_login(add("shell_command"))
    if mcp_servers:
        for key in ("list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource"):
            add(key)
    add("update_plan")
    if f["goals"] and not ephemeral and not review:
        for key in ("get_goal", "create_goal", "update_goal"):
            add(key)
    rui = add("request_user_input")
    if f["default_mode_request_user_input"]:
        rui["description"] = spec_texts()["request_user_input_default_mode_description"]
    if f["request_permissions_tool"]:
        add("request_permissions")
    if has_environment:
        patch_type = _get(model_info, "apply_patch_tool_type")
        if patch_type == "freeform":
            spec = add("apply_patch_freeform")
            spec["format"]["definition"] = _grammar()
        view = add("view_image")
        if not _get(model_info, "supports_image_detail_original", False):
            view["parameters"]["properties"].pop("detail", None)

    collab = f["multi_agent"] and not review and agent_depth < AGENT_MAX_DEPTH
    search_supported = bool(_get(model_info, "supports_search_tool", False))
    models_text = None if available_models is None else available_models_description(available_models)
    search_sources: list[tuple[str, str | None]] = []
    if collab:
        if f["multi_agent_v2"]:
            text = available_models_description() if models_text is None else models_text
            for tool in _spec("multi_agent_v2"):
                tools.append(_fill_spawn(tool, text))
        elif search_supported:
            search_sources.append(MULTI_AGENT_SOURCE)
        else:
            tools.append(multi_agent_v1_namespace(models_text))

    if mcp_tools:
        if _defer_mcp(defer_mcp_tools, f, len(mcp_tools), search_supported):
            for info in mcp_tools:
                server = info.get("server_name") if isinstance(info, Mapping) else info.server_name
                desc = None
                if not isinstance(info, Mapping):
                    server = info.connector_name or server
                search_sources.append((server, desc))
        else:
            tools.extend(_mcp_namespaces(mcp_tools))
    for dyn in dynamic_tools:
        tools.append(dynamic_tool_spec(dyn))
    if search_sources:
        tools.append(tool_search_tool(search_sources))
    if not review:
        ws = web_search_tool(_web_search_mode(web_search_mode, sandbox_mode),
                             _get(model_info, "web_search_tool_type"))
        if ws is not None:
            tools.append(ws)
    return tools


def deferred_tools(model_info: Any, *, features: Mapping[str, Any] | Iterable[str] | None = None,
                   mcp_tools: Iterable[Any] = (), defer_mcp_tools: bool | None = None,
                   available_models: Iterable[Mapping[str, Any]] | None = None,
                   review: bool = False, agent_depth: int = 0) -> list[dict]:
    """The tools `tool_search` searches (each a namespace with `defer_loading` members), in
    the order upstream registers them: the multi-agent v1 namespace, then deferred MCP tools."""
    f = _features(features)
    if not _get(model_info, "supports_search_tool", False):
        return []
    out = []
    if f["multi_agent"] and not f["multi_agent_v2"] and not review and agent_depth < AGENT_MAX_DEPTH:
        text = None if available_models is None else available_models_description(available_models)
        out.append(multi_agent_v1_namespace(text, defer_loading=True))
    mcp_tools = list(mcp_tools)
    if _defer_mcp(defer_mcp_tools, f, len(mcp_tools), True):
        out.extend(_mcp_namespaces(mcp_tools, defer_loading=True))
    return out
