"""Drive one `codex exec` turn through the in-process app-server client (upstream
codex-rs/exec/src/lib.rs `run_exec_session`): thread/start (or thread/list + thread/resume),
the header, turn/start, then every notification for the turn goes to the output processor
until the turn completes; server requests (approvals, user input ...) are refused as exec
refuses them. Exit code 1 when the turn failed or an error was reported."""
from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ExecOptions:
    cwd: str
    prompt: str = ""
    # reads the prompt (stdin included) when set; run_exec calls it after loading the config
    read_prompt: Any = None
    json_mode: bool = False
    model: str | None = None
    profile: str | None = None
    sandbox: str | None = None
    full_auto: bool = False
    bypass: bool = False
    add_dirs: list[str] = field(default_factory=list)
    skip_git_repo_check: bool = False
    ephemeral: bool = False
    ignore_user_config: bool = False
    color: str = "auto"
    last_message_file: str | None = None
    images: list[str] = field(default_factory=list)
    config_overrides: list[str] = field(default_factory=list)
    enable: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    strict_config: bool = False
    output_schema: Any = None
    resume: bool = False
    resume_last: bool = False
    resume_all: bool = False
    resume_session: str | None = None
    review_target: dict[str, Any] | None = None


def summarize_sandbox(policy: dict[str, Any]) -> str:
    """Upstream `summarize_sandbox_policy`."""
    kind = policy.get("type")
    if kind == "danger-full-access":
        return "danger-full-access"
    if kind == "read-only":
        return "read-only (network access enabled)" if policy.get("network_access") else "read-only"
    if kind == "external-sandbox":
        return "external-sandbox"
    entries = ["workdir"]
    if not policy.get("exclude_slash_tmp"):
        entries.append("/tmp")
    if not policy.get("exclude_tmpdir_env_var"):
        entries.append("$TMPDIR")
    entries += list(policy.get("writable_roots") or [])
    text = f"workspace-write [{', '.join(entries)}]"
    if policy.get("network_access"):
        text += " (network access enabled)"
    return text


SERVER_REQUEST_REFUSALS = {
    "item/commandExecution/requestApproval": "command execution approval is not supported in exec mode for thread `{t}`",
    "item/fileChange/requestApproval": "file change approval is not supported in exec mode for thread `{t}`",
    "item/tool/requestUserInput": "request_user_input is not supported in exec mode for thread `{t}`",
    "item/tool/call": "dynamic tool calls are not supported in exec mode for thread `{t}`",
    "account/chatgptAuthTokens/refresh": "chatgpt auth token refresh is not supported in exec mode",
    "applyPatchApproval": "apply_patch approval is not supported in exec mode for thread `{t}`",
    "execCommandApproval": "exec command approval is not supported in exec mode for thread `{t}`",
    "item/permissions/requestApproval": "permissions approval is not supported in exec mode for thread `{t}`",
}


def _err(text: str) -> None:
    from codex._stdio import write
    write(sys.stderr, text)


EXEC_HANDLER_MODULES = ("codex.app_server.threads", "codex.app_server.thread_methods")


def run_exec(opts: ExecOptions) -> int:
    from codex.config.errors import ConfigError
    from codex.config.loader import load_config

    try:
        config = load_config(list(opts.config_overrides), profile=opts.profile, cwd=opts.cwd,
                             enable=opts.enable, disable=opts.disable, strict=opts.strict_config,
                             load_user=not opts.ignore_user_config)
    except ConfigError as e:
        _err(e.render_tui())
        return 1
    from codex import _tracing
    _tracing.install()
    _ensure_state_databases(config)
    if opts.read_prompt is not None:
        opts.prompt = opts.read_prompt()
    if not opts.skip_git_repo_check and not opts.bypass:
        from codex.git.info import get_git_repo_root
        if get_git_repo_root(opts.cwd) is None:
            _err("Not inside a trusted directory and --skip-git-repo-check was not specified.\n")
            return 1
    try:
        return asyncio.run(_session(opts, config))
    except KeyboardInterrupt:
        return 130


def _ensure_state_databases(config: Any) -> None:
    """The reference opens (creating) its four SQLite databases at start-up, before anything
    else, so they exist even after an early exit."""
    from codex import state

    try:
        directory = state.sqlite_home(config.codex_home, config.raw)
        for name in state.DB_NAMES:
            state.open_database(directory, name).close()
    except state.StateDbError as exc:
        import logging
        logging.getLogger("codex_state::runtime").error("%s", exc)


def _processor(opts: ExecOptions):
    if opts.json_mode:
        from codex.exec.jsonl_output import JsonlOutput
        return JsonlOutput(last_message_path=opts.last_message_file)
    from codex.exec.human_output import HumanOutput
    return HumanOutput(color=opts.color, last_message_path=opts.last_message_file)


async def _session(opts: ExecOptions, config: Any) -> int:
    from codex.app_server.in_process import InProcessClient, ServerRequest
    from codex.app_server.server import AppServer, JsonRpcError
    from codex.exec.event_processor import (CodexStatus, config_summary_entries,
                                            should_process_notification)

    processor = _processor(opts)
    # exec asks only for thread and turn methods (thread/start|resume|list|unsubscribe,
    # turn/start, review/start): the other handler modules are not imported (~10 ms)
    server = AppServer(cli_overrides=list(opts.config_overrides), enable=opts.enable,
                       disable=opts.disable, codex_home=config.codex_home, session_source="exec",
                       trusted_clients=True, handler_modules=EXEC_HANDLER_MODULES)
    sandbox = None
    if opts.bypass:
        sandbox = "danger-full-access"
    elif opts.sandbox:
        sandbox = opts.sandbox
    elif opts.full_auto:
        sandbox = "workspace-write"
    svc_hook_add_dirs = list(opts.add_dirs)

    def hook(settings: Any) -> None:
        # the SDKs name themselves (e.g. codex_sdk_ts) through this variable, as upstream reads it
        override = os.environ.get("CODEX_INTERNAL_ORIGINATOR_OVERRIDE")
        if override:
            settings.originator = override
        if svc_hook_add_dirs:
            from codex.sandbox import policy as pol
            settings.add_dirs = svc_hook_add_dirs
            settings.sandbox_policy = pol.from_sandbox_mode(
                settings.sandbox_mode, settings.raw.get("sandbox_workspace_write"),
                tuple(svc_hook_add_dirs))

    params: dict[str, Any] = {"cwd": opts.cwd, "approvalPolicy": "never",
                              "modelProvider": config.model_provider, "ephemeral": opts.ephemeral}
    if opts.model or config.model:
        params["model"] = opts.model or config.model
    if sandbox:
        params["sandbox"] = sandbox
    elif config.sandbox_mode:
        params["sandbox"] = config.sandbox_mode
    if opts.profile:
        params["config"] = {"profile": opts.profile}
    error_seen = False
    # the processors ignore streaming deltas (should_process_notification drops them): the
    # server does not queue them at all
    deltas = ["item/agentMessage/delta", "item/reasoning/summaryTextDelta",
              "item/reasoning/textDelta", "item/reasoning/summaryPartAdded",
              "item/commandExecution/outputDelta", "item/fileChange/outputDelta",
              "item/plan/delta"]
    async with InProcessClient.start(server, client_name="codex_exec",
                                     opt_out_notification_methods=deltas) as client:
        svc = server.state.get("threads")
        try:
            if opts.resume:
                thread_id = await _resume_target(client, config, opts)
                if thread_id is not None:
                    params["threadId"] = thread_id
                    _install_hook(server, hook)
                    response = await client.request("thread/resume", params)
                else:
                    _install_hook(server, hook)
                    response = await client.request("thread/start", params)
            else:
                _install_hook(server, hook)
                response = await client.request("thread/start", params)
        except JsonRpcError as e:
            _err(f"Error: {e.message}\n")
            return 1
        thread = response["thread"]
        thread_id = thread["id"]
        st = server.state["threads"].threads[thread_id].session.settings
        summary = config_summary_entries(
            workdir=response["cwd"], model=response["model"], provider=response["modelProvider"],
            approval=response["approvalPolicy"], sandbox=summarize_sandbox(st.sandbox_policy.to_json()),
            session_id=thread_id, reasoning_effort=response.get("reasoningEffort"),
            reasoning_summaries=st.reasoning_summary, thread_id=thread_id)
        prompt_summary = opts.prompt
        if opts.review_target is not None:
            from codex.core.review import user_facing_hint
            prompt_summary = user_facing_hint(opts.review_target)
        processor.print_config_summary(summary, prompt_summary)
        if not opts.json_mode and st.sandbox_mode != "danger-full-access":
            from codex.app_server.initialize import BWRAP_WARNING, bwrap_missing
            if bwrap_missing(os.environ):
                processor.process_warning(BWRAP_WARNING)
        if opts.review_target is not None:
            turn = await client.request("review/start", {"threadId": thread_id,
                                                         "target": opts.review_target})
            turn_id = turn["turn"]["id"]
            # upstream feeds the review's turn to the processor as its start
            processor.process_notification({"method": "turn/started", "params": {
                "threadId": turn.get("reviewThreadId", thread_id), "turn": turn["turn"]}})
        else:
            items: list[dict[str, Any]] = [{"type": "localImage", "path": p} for p in opts.images]
            items.append({"type": "text", "text": opts.prompt, "text_elements": []})
            turn_params: dict[str, Any] = {"threadId": thread_id, "input": items}
            if opts.output_schema is not None:
                turn_params["outputSchema"] = opts.output_schema
            turn = await client.request("turn/start", turn_params)
            turn_id = turn["turn"]["id"]
        while True:
            event = await client.next_event()
            if isinstance(event, ServerRequest):
                template = SERVER_REQUEST_REFUSALS.get(event.method)
                if event.method == "mcpServer/elicitation/request":
                    await event.respond({"action": "cancel", "content": None, "_meta": None})
                    continue
                tid = (event.params or {}).get("threadId") or (event.params or {}).get("conversationId") or ""
                await event.reject(-32000, (template or "{t}").format(t=tid))
                continue
            n = {"method": event.method, "params": event.params}
            p = event.params or {}
            if event.method == "error":
                if p.get("threadId") == thread_id and p.get("turnId") == turn_id and not p.get("willRetry"):
                    error_seen = True
            elif event.method == "turn/completed":
                t = p.get("turn") or {}
                if p.get("threadId") == thread_id and t.get("id") == turn_id and \
                        t.get("status") in ("failed", "interrupted"):
                    error_seen = True
            if not should_process_notification(n, thread_id, turn_id):
                continue
            status = processor.process_notification(n)
            if status is CodexStatus.INITIATE_SHUTDOWN:
                try:
                    await client.request("thread/unsubscribe", {"threadId": thread_id})
                except JsonRpcError:
                    pass
                break
        if svc is None:
            svc = server.state.get("threads")
        if svc is not None:
            await svc.shutdown()
    processor.finish()
    return 1 if error_seen else 0


def _install_hook(server: Any, hook: Any) -> None:
    svc = server.state.get("threads")
    if svc is not None:
        svc.settings_hook = hook
    else:
        server.state["threads_settings_hook"] = hook


async def _resume_target(client: Any, config: Any, opts: ExecOptions) -> str | None:
    """`resolve_resume_thread_id`: --last -> the newest thread (in this cwd unless --all) of
    the configured provider; an id -> itself; a name -> the thread with that name."""
    import uuid

    from codex.rollout import list as rl

    if opts.resume_last:
        cursor = None
        while True:
            page = await client.request("thread/list", {
                "cursor": cursor, "limit": 100, "sortKey": "updated_at",
                "modelProviders": [config.model_provider], "archived": False})
            for t in page["data"]:
                cwd = _latest_turn_cwd(t.get("path")) or t.get("cwd")
                if opts.resume_all or _same_path(opts.cwd, cwd or ""):
                    return t["id"]
            cursor = page.get("nextCursor")
            if not cursor:
                return None
    sid = opts.resume_session
    if sid is None:
        return None
    try:
        uuid.UUID(sid)
        return sid
    except ValueError:
        pass
    path = rl.find_thread_path_by_name(config.codex_home, sid)
    if path:
        from codex.rollout.reader import read_session_meta
        meta = read_session_meta(path)
        if meta is not None and (opts.resume_all or _same_path(opts.cwd, meta.cwd)):
            return meta.id
    return None


def _latest_turn_cwd(path: str | None) -> str | None:
    if not path:
        return None
    import json
    try:
        with open(path, "rb") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("type") == "turn_context":
            return (d.get("payload") or {}).get("cwd")
    return None


def _same_path(a: str, b: str) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:
        return a == b
