"""Core ``EventMsg`` -> app-server v2 notifications and server requests (pure, no I/O).

Port of ``codex-rs/app-server/src/bespoke_event_handling.rs`` (v2 paths only) plus the
thread-status bookkeeping of ``thread_status.rs`` (``ThreadWatchManager``), checked against
the 0.136.0 transcripts in ``fixtures/app_server/transcripts/``.

Usage (one :class:`EventMapper` per loaded thread)::

    mapper = EventMapper()
    for out in mapper.map(event_msg, thread_id=tid, turn_id=event_id):
        if REQUEST_KEY in out:          # a server -> client *request*
            rpc_id = next_id()          # the transport owns JSON-RPC ids
            send({"id": rpc_id, "method": out["request"], "params": out["params"]})
            pending[rpc_id] = out       # keep the whole entry (its "context" is needed later)
        else:                           # a notification
            send({"method": out["method"], "params": out["params"]})
    # ... when the client answers request rpc_id:
    res = mapper.resolve(pending.pop(rpc_id), request_id=rpc_id, result=answer)
    for n in res.notifications: send(n)         # serverRequest/resolved, item/completed, status
    if res.op is not None: core.submit(res.op)  # core ``Op`` (serde dict), see below

``turn_id`` passed to :meth:`EventMapper.map` is the core ``Event.id`` (the turn's sub id),
used wherever upstream uses ``event_turn_id``; a few events carry their own ``turn_id`` that
upstream prefers (noted below).

Outputs
=======

* notification: ``{"method": <v2 method>, "params": {...}}`` (params in wire key order).
* server request: ``{"request": <v2 server-request method>, "params": {...}, "context":
  {...}}``. The marker is the key :data:`REQUEST_KEY` (``"request"``): a notification never
  has it. ``context`` is private to the mapper (what :meth:`EventMapper.resolve` needs).
  Methods: ``item/commandExecution/requestApproval``, ``item/fileChange/requestApproval``,
  ``item/tool/requestUserInput``, ``mcpServer/elicitation/request``,
  ``item/permissions/requestApproval``, ``item/tool/call``.

Timestamps: ``startedAtMs`` / ``completedAtMs`` / approval ``startedAtMs`` come from the
event's ``started_at_ms`` / ``completed_at_ms`` when present, else from the ``clock_ms``
callable given to the constructor (default: wall clock).

Accepted EventMsg shapes (serde JSON of 0.136.0, tag ``"type"``; this is the contract)
====================================================================================

Turn lifecycle
--------------
* ``{"type": "task_started", "turn_id", "started_at": <unix s>|null, "model_context_window"?,
  "collaboration_mode_kind"?}`` (alias ``turn_started``) -> ``thread/status/changed``
  (``active``, if it changed) then ``turn/started`` (turn id = the event's ``turn_id``).
* ``{"type": "task_complete", "turn_id", "last_agent_message"?, "completed_at": <unix s>|null,
  "duration_ms": int|null, ...}`` (alias ``turn_complete``) -> ``thread/status/changed``
  (``idle``) then ``turn/completed`` (status ``failed`` with the last ``error`` if one was
  recorded this turn, else ``completed``; ``startedAt`` from ``task_started``).
* ``{"type": "turn_aborted", "turn_id"?, "reason": "interrupted"|..., "completed_at",
  "duration_ms"}`` -> ``thread/status/changed`` (``idle``), ``turn/completed`` (``interrupted``).
  (Answering a pending ``turn/interrupt`` request and aborting pending server requests is the
  transport's job: upstream aborts every pending server request of the thread on
  ``task_started`` / ``task_complete`` / ``turn_aborted``; call :meth:`EventMapper.resolve`
  with ``turn_transition=True`` for each, which yields ``serverRequest/resolved`` and no op.)
* ``{"type": "error", "message", "codex_error_info": <CodexErrorInfo snake_case>|null}`` ->
  status ``systemError`` (upstream ``note_system_error``), then, unless the info is
  ``thread_rollback_failed`` / ``active_turn_not_steerable``, records the turn error and emits
  ``error`` ``{error: {message, codexErrorInfo (camelCase), additionalDetails: null},
  willRetry: false, threadId, turnId}``.
* ``{"type": "stream_error", "message", "codex_error_info"?, "additional_details"?}`` ->
  ``error`` with ``willRetry: true`` (turn status untouched).
* ``{"type": "warning", "message"}`` -> ``warning`` ``{threadId, message}``.
* ``{"type": "shutdown_complete"}`` -> ``thread/status/changed`` ``notLoaded``.

Items (``TurnItem`` serde: ``{"type": "<Variant>", ...}``, see ``thread_items``)
-----------------------------------------------------------------------------------
* ``{"type": "item_started", "thread_id"?, "turn_id"?, "item": <TurnItem>, "started_at_ms"?}``
* ``{"type": "item_completed", "thread_id"?, "turn_id"?, "item": <TurnItem>, "completed_at_ms"?}``
  -> ``item/started`` / ``item/completed`` ``{item, threadId, turnId, startedAtMs|completedAtMs}``.
  TurnItem variants: ``UserMessage {id, client_id?, content: [UserInput]}``,
  ``AgentMessage {id, content: [{"type": "Text", "text"}], phase?, memory_citation?}``,
  ``Reasoning {id, summary_text: [str], raw_content: [str]}``, ``Plan {id, text}``,
  ``WebSearch {id, query, action}``, ``ImageView {id, path}``, ``ImageGeneration {id, status,
  revised_prompt?, result, saved_path?}``, ``ContextCompaction {id}``, ``HookPrompt {id,
  fragments}``, ``FileChange {id, changes: {path: FileChange}, status?, ...}``; ``McpToolCall``,
  ``DynamicToolCall``, ``CommandExecution`` are also converted if the core sends them.
  Tool items (``FileChange``, ``CommandExecution``, ``McpToolCall``, ``DynamicToolCall``)
  share one started/completed de-duplication with the legacy events below: one
  ``item/started`` and one ``item/completed`` per call id and turn, whichever event comes
  first, because 0.136.0 core emits ``item_started(FileChange)`` *and* ``patch_apply_begin``
  (and ``item_completed`` *and* ``patch_apply_end``) for the same call.
* ``{"type": "agent_message_content_delta", "thread_id"?, "turn_id"?, "item_id", "delta"}``
  -> ``item/agentMessage/delta {threadId, turnId, itemId, delta}``.
* ``{"type": "plan_delta", "item_id", "delta"}`` -> ``item/plan/delta``.
* ``{"type": "reasoning_content_delta", "item_id", "delta", "summary_index"}`` ->
  ``item/reasoning/summaryTextDelta``; ``{"type": "reasoning_raw_content_delta", "item_id",
  "delta", "content_index"}`` -> ``item/reasoning/textDelta``; ``{"type":
  "agent_reasoning_section_break", "item_id", "summary_index"}`` ->
  ``item/reasoning/summaryPartAdded``.
* Legacy duplicates produce nothing in v2: ``user_message``, ``agent_message``,
  ``agent_message_delta``, ``agent_reasoning``, ``agent_reasoning_delta``,
  ``agent_reasoning_raw_content``, ``agent_reasoning_raw_content_delta``,
  ``context_compacted``, ``web_search_begin``/``web_search_end`` (use ``item_*`` WebSearch),
  ``raw_response_item``, ``session_configured``, ``mcp_startup_complete``,
  ``background_event``, and any unknown type.

Commands
--------
* ``{"type": "exec_command_begin", "call_id", "process_id": str|null, "turn_id",
  "started_at_ms"?, "command": [argv], "cwd", "parsed_cmd": [ParsedCommand], "source":
  "agent"|"user_shell"|"unified_exec_startup"|"unified_exec_interaction",
  "interaction_input"?}`` -> ``item/started`` commandExecution (``command`` =
  ``shlex::try_join(argv)``, ``commandActions`` from ``parsed_cmd``: ``{"type": "read", "cmd",
  "name", "path"}`` / ``{"type": "list_files", "cmd", "path"}`` / ``{"type": "search", "cmd",
  "query", "path"}`` / ``{"type": "unknown", "cmd"}``), once per call id.
* ``{"type": "exec_command_output_delta", "call_id", "stream": "stdout"|"stderr", "chunk":
  <base64 of the raw bytes, serde_with::base64>}`` -> ``item/commandExecution/outputDelta``
  (UTF-8 lossy; a list of byte values is accepted too); nothing for ids that are file changes.
* ``{"type": "terminal_interaction", "call_id", "process_id", "stdin"}`` ->
  ``item/commandExecution/terminalInteraction``.
* ``{"type": "exec_command_end", "call_id", "process_id", "turn_id", "completed_at_ms"?,
  "command", "cwd", "parsed_cmd", "source", "interaction_input"?, "stdout", "stderr",
  "aggregated_output", "exit_code", "duration": {"secs", "nanos"}, "formatted_output",
  "status": "completed"|"failed"|"declined"}`` -> ``item/completed`` (``aggregatedOutput``
  null when empty, ``exitCode``, ``durationMs``).
  Begin/end with ``source == "unified_exec_interaction"`` (``write_stdin`` polls) produce
  nothing: that is why a command whose session finishes through ``write_stdin`` only ever
  gets ``item/started`` (the core emits that session's end with the interaction source).
* Sandbox-denial suppression is NOT here: upstream the core never emits
  ``exec_command_begin``/``exec_command_end`` for a unified-exec command whose early exit
  looks like a sandbox denial (``core/src/unified_exec/process.rs``
  ``check_for_sandbox_denial`` -> ``is_likely_sandbox_denied`` (non-zero exit and output
  containing e.g. "read-only file system") -> ``UnifiedExecError::SandboxDenied`` returned
  to the model before the begin event). The mapper maps whatever begin/end it receives.

Patches
-------
* ``{"type": "patch_apply_begin", "call_id", "turn_id", "auto_approved", "changes": {path:
  {"type": "add", "content"} | {"type": "delete", "content"} | {"type": "update",
  "unified_diff", "move_path"}}}`` -> ``item/started`` fileChange ``inProgress`` (once).
* ``{"type": "patch_apply_updated", "call_id", "changes"}`` -> ``item/fileChange/patchUpdated``.
* ``{"type": "patch_apply_end", "call_id", "turn_id", "stdout", "stderr", "success", "changes",
  "status": "completed"|"failed"|"declined"}`` -> ``item/completed`` fileChange (once).
* ``{"type": "turn_diff", "unified_diff"}`` -> ``turn/diff/updated``.
* ``{"type": "plan_update", "explanation": str|null, "plan": [{"step", "status":
  "pending"|"in_progress"|"completed"}]}`` -> ``turn/plan/updated``.

Tools
-----
* ``{"type": "mcp_tool_call_begin", "call_id", "invocation": {"server", "tool", "arguments"},
  "mcp_app_resource_uri"?, "plugin_id"?, "started_at_ms"?}`` -> ``item/started`` mcpToolCall.
* ``{"type": "mcp_tool_call_end", "call_id", "invocation", "mcp_app_resource_uri"?,
  "plugin_id"?, "duration": {"secs", "nanos"}, "result": {"Ok": CallToolResult} | {"Err":
  str}, "completed_at_ms"?}`` -> ``item/completed`` (``completed`` when Ok and not
  ``isError``, else ``failed``).
* ``{"type": "dynamic_tool_call_request", "call_id", "turn_id", "namespace"?, "tool",
  "arguments"}`` -> ``item/started`` dynamicToolCall + request ``item/tool/call``.
* ``{"type": "dynamic_tool_call_response", "call_id", "turn_id", "namespace"?, "tool",
  "arguments", "content_items": [{"type": "input_text", "text"} | {"type": "input_image",
  "image_url"}], "success", "error"?, "duration"}`` -> ``item/completed``.
* ``{"type": "view_image_tool_call", "call_id", "path"}`` -> ``item/started`` + ``item/completed``
  imageView.
* ``{"type": "token_count", "info": {"total_token_usage": U, "last_token_usage": U,
  "model_context_window"} | null, "rate_limits": {"limit_id", "limit_name", "primary",
  "secondary", "credits", "plan_type", "rate_limit_reached_type"} | null}`` (U = {input_tokens,
  cached_input_tokens, output_tokens, reasoning_output_tokens, total_tokens}) ->
  ``thread/tokenUsage/updated`` (if info) and ``account/rateLimits/updated`` (if rate_limits).
* ``{"type": "entered_review_mode", "target": ReviewTarget, "user_facing_hint"?}`` /
  ``{"type": "exited_review_mode", "review_output": ReviewOutput|null}`` -> started+completed
  ``enteredReviewMode`` / ``exitedReviewMode`` items (id = the event id).
* ``{"type": "thread_name_updated", "thread_id", "thread_name"?}`` -> ``thread/name/updated``.
* ``{"type": "mcp_startup_update", "server", "status": {"state": "starting"|"ready"|"failed"|
  "cancelled", "error"?}}`` -> ``mcpServer/startupStatus/updated``.
* ``{"type": "model_reroute", "from_model", "to_model", "reason"}`` -> ``model/rerouted``.
* ``{"type": "deprecation_notice", "summary", "details"?}`` -> ``deprecationNotice``.
* ``{"type": "skills_update_available"}`` -> ``skills/changed``.

Requests (each first emits ``thread/status/changed`` when the active flags change)
---------------------------------------------------------------------------------
* ``{"type": "exec_approval_request", "call_id", "approval_id"?, "turn_id", "started_at_ms"?,
  "command": [argv], "cwd", "reason"?, "network_approval_context"?,
  "proposed_execpolicy_amendment"?: [argv], "proposed_network_policy_amendments"?,
  "additional_permissions"?, "available_decisions"?: [ReviewDecision], "parsed_cmd"}`` ->
  status ``waitingOnApproval``, ``item/started`` commandExecution (source ``agent``, no
  process id; only without ``approval_id`` and network context), request
  ``item/commandExecution/requestApproval`` (``turnId`` = the event's ``turn_id``).
* ``{"type": "apply_patch_approval_request", "call_id", "turn_id", "started_at_ms"?,
  "changes", "reason"?, "grant_root"?}`` -> status, ``item/started`` fileChange (only if no
  begin was seen), request ``item/fileChange/requestApproval``.
* ``{"type": "request_user_input", "call_id", "turn_id", "questions": [{"id", "header",
  "question", "is_other", "is_secret", "options": [{"label", "description"}] | null}]}`` ->
  status ``waitingOnUserInput``, request ``item/tool/requestUserInput`` (0.136.0 core sets
  ``is_other: true`` on tool questions; the mapper copies the flag).
* ``{"type": "elicitation_request", "turn_id"?, "server_name", "id": <MCP request id>,
  "request": {"mode": "form", "_meta"?, "message", "requested_schema"} | {"mode": "url",
  "_meta"?, "message", "url", "elicitation_id"}}`` -> status, request
  ``mcpServer/elicitation/request``.
* ``{"type": "request_permissions", "call_id", "turn_id", "started_at_ms"?, "cwd", "reason"?,
  "permissions"}`` -> status, request ``item/permissions/requestApproval``.

Resolution (:meth:`EventMapper.resolve`) returns ``serverRequest/resolved`` first, then for
declined/cancelled (or failed) command and patch approvals the ``item/completed`` with status
``declined`` (``failed``), then the status change of the released guard (upstream drops the
guard asynchronously, so it lands last), plus the core ``Op`` to submit:
``{"type": "exec_approval", "id", "turn_id", "decision"}``, ``{"type": "patch_approval", "id",
"decision"}`` (ReviewDecision: ``"approved"``, ``"approved_for_session"``,
``{"approved_execpolicy_amendment": {"proposed_execpolicy_amendment"}}``,
``{"network_policy_amendment": {"network_policy_amendment"}}``, ``"denied"``, ``"abort"``),
``{"type": "user_input_answer", "id": <event turn id>, "response": {"answers": {qid:
{"answers": [str]}}}}``, ``{"type": "resolve_elicitation", "server_name", "request_id",
"decision": "accept"|"decline"|"cancel", "content", "meta"}``, ``{"type":
"request_permissions_response", "id", "response": {"permissions", "scope"}}``,
``{"type": "dynamic_tool_response", "id", "response": {"content_items", "success"}}``.
``item/tool/call`` resolutions emit no notification (as in the transcript).

Not ported: guardian assessments, collab-agent events, realtime events, hooks' prompt items
from ``raw_response_item``, ``rawResponseItem/completed``.
"""

from __future__ import annotations

import base64
import binascii
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from . import thread_items as ti

__all__ = [
    "EventMapper",
    "REQUEST_KEY",
    "Resolution",
    "is_request",
    "render_review_output_text",
    "review_user_facing_hint",
]

#: Key that marks a server -> client request in :meth:`EventMapper.map` output.
REQUEST_KEY = "request"

_PERMISSION = "permission"
#: Item types whose started/completed notifications are de-duplicated per call id and turn.
_TOOL_ITEMS = {"commandExecution", "fileChange", "mcpToolCall", "dynamicToolCall"}
_USER_INPUT = "user_input"


def is_request(out: dict) -> bool:
    """True when ``out`` (an entry of :meth:`EventMapper.map`) is a server request."""
    return REQUEST_KEY in out


def _notif(method: str, params: dict) -> dict:
    return {"method": method, "params": params}


def _request(method: str, params: dict, context: dict) -> dict:
    return {REQUEST_KEY: method, "params": params, "context": context}


@dataclass
class Resolution:
    """What answering a server request produces: notifications to send, the core op."""

    notifications: list[dict] = field(default_factory=list)
    op: dict | None = None


@dataclass
class _TurnSummary:
    started_at: int | None = None
    last_error: dict | None = None
    file_change_started: set[str] = field(default_factory=set)
    command_execution_started: set[str] = field(default_factory=set)
    started_items: set[str] = field(default_factory=set)
    completed_items: set[str] = field(default_factory=set)


@dataclass
class _Runtime:
    is_loaded: bool = True
    running: bool = False
    pending_permission_requests: int = 0
    pending_user_input_requests: int = 0
    has_system_error: bool = False

    def status(self) -> dict:
        if not self.is_loaded:
            return {"type": "notLoaded"}
        flags = []
        if self.pending_permission_requests > 0:
            flags.append("waitingOnApproval")
        if self.pending_user_input_requests > 0:
            flags.append("waitingOnUserInput")
        if self.running or flags:
            return {"type": "active", "activeFlags": flags}
        if self.has_system_error:
            return {"type": "systemError"}
        return {"type": "idle"}


# --------------------------------------------------------------------------- conversions


def _token_breakdown(usage: dict | None) -> dict:
    usage = usage or {}
    return {
        "totalTokens": usage.get("total_tokens", 0),
        "inputTokens": usage.get("input_tokens", 0),
        "cachedInputTokens": usage.get("cached_input_tokens", 0),
        "outputTokens": usage.get("output_tokens", 0),
        "reasoningOutputTokens": usage.get("reasoning_output_tokens", 0),
    }


def _rate_limit_window(window: dict | None) -> dict | None:
    if window is None:
        return None
    used = window.get("used_percent", 0) or 0
    # core f64 percent -> v2 int32 (``f64::round`` rounds half away from zero)
    used_int = int(math.floor(abs(used) + 0.5)) * (1 if used >= 0 else -1)
    return {
        "usedPercent": used_int,
        "windowDurationMins": window.get("window_minutes", window.get("window_duration_mins")),
        "resetsAt": window.get("resets_at"),
    }


def _rate_limits(snapshot: dict) -> dict:
    credits = snapshot.get("credits")
    return {
        "limitId": snapshot.get("limit_id"),
        "limitName": snapshot.get("limit_name"),
        "primary": _rate_limit_window(snapshot.get("primary")),
        "secondary": _rate_limit_window(snapshot.get("secondary")),
        "credits": (
            None
            if credits is None
            else {
                "hasCredits": credits.get("has_credits", False),
                "unlimited": credits.get("unlimited", False),
                "balance": credits.get("balance"),
            }
        ),
        "planType": snapshot.get("plan_type"),
        "rateLimitReachedType": snapshot.get("rate_limit_reached_type"),
    }


def _codex_error_info(info: Any) -> Any:
    """core ``CodexErrorInfo`` (snake_case) -> v2 (camelCase variant and fields)."""
    if info is None:
        return None
    if isinstance(info, str):
        return ti.camelize(info)
    if isinstance(info, dict):
        return {ti.camelize(k): ti.camelize_keys(v) for k, v in info.items()}
    return info


def _error_info_variant(info: Any) -> str | None:
    if isinstance(info, str):
        return info
    if isinstance(info, dict) and info:
        return next(iter(info))
    return None


_PLAN_STATUS = {"pending": "pending", "in_progress": "inProgress", "completed": "completed"}

_DECISION_CORE_TO_V2 = {
    "approved": "accept",
    "approved_for_session": "acceptForSession",
    "denied": "decline",
    "abort": "cancel",
}


def _decision_to_v2(decision: Any) -> Any:
    """core ``ReviewDecision`` -> v2 ``CommandExecutionApprovalDecision``."""
    if isinstance(decision, str):
        return _DECISION_CORE_TO_V2.get(decision, decision)
    if isinstance(decision, dict):
        if "approved_execpolicy_amendment" in decision:
            inner = decision["approved_execpolicy_amendment"] or {}
            return {
                "acceptWithExecpolicyAmendment": {
                    "execpolicy_amendment": inner.get("proposed_execpolicy_amendment")
                }
            }
        if "network_policy_amendment" in decision:
            inner = decision["network_policy_amendment"] or {}
            return {
                "applyNetworkPolicyAmendment": {
                    "network_policy_amendment": inner.get("network_policy_amendment")
                }
            }
    return decision


def _exec_decision_to_core(decision: Any) -> tuple[Any, str | None]:
    """v2 ``CommandExecutionApprovalDecision`` -> (core ``ReviewDecision``, completion status)."""
    if decision == "accept":
        return "approved", None
    if decision == "acceptForSession":
        return "approved_for_session", None
    if decision == "decline":
        return "denied", "declined"
    if decision == "cancel":
        return "abort", "declined"
    if isinstance(decision, dict):
        if "acceptWithExecpolicyAmendment" in decision:
            inner = decision["acceptWithExecpolicyAmendment"] or {}
            return (
                {
                    "approved_execpolicy_amendment": {
                        "proposed_execpolicy_amendment": inner.get("execpolicy_amendment")
                    }
                },
                None,
            )
        if "applyNetworkPolicyAmendment" in decision:
            inner = (decision["applyNetworkPolicyAmendment"] or {}).get("network_policy_amendment")
            action = (inner or {}).get("action")
            status = "declined" if action == "deny" else None
            return {"network_policy_amendment": {"network_policy_amendment": inner}}, status
    # Unparseable: upstream falls back to Decline.
    return "denied", "declined"


_FILE_DECISIONS = {
    "accept": ("approved", None),
    "acceptForSession": ("approved_for_session", None),
    "decline": ("denied", "declined"),
    "cancel": ("abort", "declined"),
}


def _default_available_decisions(ev: dict) -> list[Any]:
    """``ExecApprovalRequestEvent::effective_available_decisions`` when the core sent none."""
    decisions: list[Any] = ["approved"]
    amendment = ev.get("proposed_execpolicy_amendment")
    if amendment:
        decisions.append(
            {"approved_execpolicy_amendment": {"proposed_execpolicy_amendment": amendment}}
        )
    decisions.append("abort")
    return decisions


def _decode_chunk(chunk: Any) -> str:
    if isinstance(chunk, (bytes, bytearray)):
        return bytes(chunk).decode("utf-8", "replace")
    if isinstance(chunk, list):
        return bytes(chunk).decode("utf-8", "replace")
    if isinstance(chunk, str):
        try:
            return base64.b64decode(chunk, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return chunk
    return ""


def review_user_facing_hint(target: dict | None) -> str:
    """``review_prompts::user_facing_hint`` for a ``ReviewTarget``."""
    target = target or {}
    kind = target.get("type")
    if kind in ("uncommittedChanges", "uncommitted_changes"):
        return "current changes"
    if kind in ("baseBranch", "base_branch"):
        return f"changes against '{target.get('branch', '')}'"
    if kind == "commit":
        short = str(target.get("sha", ""))[:7]
        title = target.get("title")
        return f"commit {short}: {title}" if title else f"commit {short}"
    if kind == "custom":
        return str(target.get("instructions", "")).strip()
    return ""


REVIEW_FALLBACK_MESSAGE = "Reviewer failed to output a response."


def render_review_output_text(output: dict | None) -> str:
    """``render_review_output_text`` (``core/src/review_format.rs``): the trimmed overall
    explanation, then ``format_review_findings_block(findings, None)`` trimmed, joined by a
    blank line; the fallback message when both are empty or there is no output."""
    if output is None:
        return REVIEW_FALLBACK_MESSAGE
    sections = []
    explanation = str(output.get("overall_explanation", "")).strip()
    if explanation:
        sections.append(explanation)
    findings = output.get("findings") or []
    if findings:
        lines = ["Review comment:" if len(findings) == 1 else "Full review comments:"]
        for f in findings:
            loc = f.get("code_location") or {}
            path = loc.get("absolute_file_path", "")
            rng = loc.get("line_range") or {}
            lines.append("")
            lines.append(f"- {f.get('title', '')} — {path}:{rng.get('start', '')}-{rng.get('end', '')}")
            body = str(f.get("body", ""))
            lines.extend(f"  {line}" for line in body.splitlines())
        block = "\n".join(lines).strip()
        if block:
            sections.append(block)
    return "\n\n".join(sections) if sections else REVIEW_FALLBACK_MESSAGE


# --------------------------------------------------------------------------- the mapper


class EventMapper:
    """Per-thread mapper holding the state upstream keeps in ``ThreadState`` /
    ``ThreadWatchManager``: the turn summary (start time, last error, started/completed
    file-change and command item ids) and the thread's runtime status."""

    def __init__(
        self,
        *,
        clock_ms: Callable[[], int] | None = None,
        running: bool = False,
    ) -> None:
        self._clock_ms = clock_ms or (lambda: int(time.time() * 1000))
        self._runtime = _Runtime(running=running)
        self._summary = _TurnSummary()

    # -- public state ---------------------------------------------------------------

    @property
    def status(self) -> dict:
        """The thread status as upstream would report it (``ThreadStatus`` dict)."""
        return self._runtime.status()

    # -- status helpers -------------------------------------------------------------

    def _update_status(self, thread_id: str, mutate: Callable[[_Runtime], None]) -> list[dict]:
        before = self._runtime.status()
        mutate(self._runtime)
        after = self._runtime.status()
        if after == before:
            return []
        return [_notif("thread/status/changed", {"threadId": thread_id, "status": after})]

    def _note_pending(self, thread_id: str, guard: str) -> list[dict]:
        def mutate(rt: _Runtime) -> None:
            rt.is_loaded = True
            if guard == _PERMISSION:
                rt.pending_permission_requests += 1
            else:
                rt.pending_user_input_requests += 1

        return self._update_status(thread_id, mutate)

    def _release(self, thread_id: str, guard: str | None) -> list[dict]:
        if guard is None:
            return []

        def mutate(rt: _Runtime) -> None:
            if guard == _PERMISSION:
                rt.pending_permission_requests = max(0, rt.pending_permission_requests - 1)
            else:
                rt.pending_user_input_requests = max(0, rt.pending_user_input_requests - 1)

        return self._update_status(thread_id, mutate)

    def _clear_active(self, thread_id: str) -> list[dict]:
        def mutate(rt: _Runtime) -> None:
            rt.running = False
            rt.pending_permission_requests = 0
            rt.pending_user_input_requests = 0

        return self._update_status(thread_id, mutate)

    # -- item helpers ---------------------------------------------------------------

    def _ts(self, ev: dict, key: str) -> int:
        value = ev.get(key)
        return int(value) if value is not None else int(self._clock_ms())

    @staticmethod
    def _item_started(item: dict, thread_id: str, turn_id: str, at_ms: int) -> dict:
        return _notif(
            "item/started",
            {"item": item, "threadId": thread_id, "turnId": turn_id, "startedAtMs": at_ms},
        )

    @staticmethod
    def _item_completed(item: dict, thread_id: str, turn_id: str, at_ms: int) -> dict:
        return _notif(
            "item/completed",
            {"item": item, "threadId": thread_id, "turnId": turn_id, "completedAtMs": at_ms},
        )

    def _start_tool(self, item: dict, thread_id: str, turn_id: str, at_ms: int) -> list[dict]:
        """``item/started`` for a tool item (commandExecution, fileChange, mcpToolCall,
        dynamicToolCall) once per id and turn (the core may report a call twice: legacy
        begin event and ``item_started``, or approval request then begin)."""
        item_id = item["id"]
        kind = item["type"]
        if kind == "fileChange":
            self._summary.file_change_started.add(item_id)
        elif kind == "commandExecution":
            self._summary.command_execution_started.add(item_id)
        if item_id in self._summary.started_items:
            return []
        self._summary.started_items.add(item_id)
        return [self._item_started(item, thread_id, turn_id, at_ms)]

    def _complete_tool(self, item: dict, thread_id: str, turn_id: str, at_ms: int) -> list[dict]:
        """``item/completed`` for a tool item once per id and turn."""
        item_id = item["id"]
        self._summary.file_change_started.discard(item_id)
        self._summary.command_execution_started.discard(item_id)
        if item_id in self._summary.completed_items:
            return []
        self._summary.started_items.add(item_id)
        self._summary.completed_items.add(item_id)
        return [self._item_completed(item, thread_id, turn_id, at_ms)]

    # -- map --------------------------------------------------------------------------

    def map(self, event_msg: dict, *, thread_id: str, turn_id: str) -> list[dict]:
        """Map one core ``EventMsg`` to the v2 notifications / server requests it causes."""
        kind = event_msg.get("type")
        handler = getattr(self, f"_on_{kind}", None) if isinstance(kind, str) else None
        if handler is None:
            return []
        return handler(event_msg, thread_id, turn_id)

    # turn lifecycle ---------------------------------------------------------------

    def _on_task_started(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        out = []

        def mutate(rt: _Runtime) -> None:
            rt.is_loaded = True
            rt.running = True
            rt.has_system_error = False

        out += self._update_status(thread_id, mutate)
        self._summary = _TurnSummary(started_at=ev.get("started_at"))
        turn = ti.turn_object(
            ev.get("turn_id") or turn_id, status="inProgress", started_at=ev.get("started_at")
        )
        out.append(_notif("turn/started", {"threadId": thread_id, "turn": turn}))
        return out

    _on_turn_started = _on_task_started

    def _finish_turn(self, ev: dict, thread_id: str, turn_id: str, status: str, error: dict | None) -> list[dict]:
        out = self._clear_active(thread_id)
        summary = self._summary
        self._summary = _TurnSummary()
        turn = ti.turn_object(
            turn_id,
            status=status,
            error=error,
            started_at=summary.started_at,
            completed_at=ev.get("completed_at"),
            duration_ms=ev.get("duration_ms"),
        )
        out.append(_notif("turn/completed", {"threadId": thread_id, "turn": turn}))
        return out

    def _on_task_complete(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        error = self._summary.last_error
        return self._finish_turn(ev, thread_id, turn_id, "failed" if error else "completed", error)

    _on_turn_complete = _on_task_complete

    def _on_turn_aborted(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return self._finish_turn(ev, thread_id, turn_id, "interrupted", None)

    def _on_error(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        def mutate(rt: _Runtime) -> None:
            rt.running = False
            rt.pending_permission_requests = 0
            rt.pending_user_input_requests = 0
            rt.has_system_error = True

        out = self._update_status(thread_id, mutate)
        info = ev.get("codex_error_info")
        if _error_info_variant(info) in ("thread_rollback_failed", "active_turn_not_steerable"):
            return out
        turn_error = {
            "message": ev.get("message", ""),
            "codexErrorInfo": _codex_error_info(info),
            "additionalDetails": None,
        }
        self._summary.last_error = turn_error
        out.append(
            _notif(
                "error",
                {"error": dict(turn_error), "willRetry": False, "threadId": thread_id, "turnId": turn_id},
            )
        )
        return out

    def _on_stream_error(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        turn_error = {
            "message": ev.get("message", ""),
            "codexErrorInfo": _codex_error_info(ev.get("codex_error_info")),
            "additionalDetails": ev.get("additional_details"),
        }
        return [
            _notif(
                "error",
                {"error": turn_error, "willRetry": True, "threadId": thread_id, "turnId": turn_id},
            )
        ]

    def _on_warning(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return [_notif("warning", {"threadId": thread_id, "message": ev.get("message", "")})]

    def _on_shutdown_complete(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        def mutate(rt: _Runtime) -> None:
            rt.running = False
            rt.pending_permission_requests = 0
            rt.pending_user_input_requests = 0
            rt.is_loaded = False

        return self._update_status(thread_id, mutate)

    # items --------------------------------------------------------------------------

    def _on_item_started(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        turn_item = ev.get("item") or {}
        item = ti.thread_item_from_turn_item(turn_item, status_hint="inProgress")
        if item is None:
            return []
        at_ms = self._ts(ev, "started_at_ms")
        if item["type"] in _TOOL_ITEMS:
            return self._start_tool(item, thread_id, turn_id, at_ms)
        return [self._item_started(item, thread_id, turn_id, at_ms)]

    def _on_item_completed(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        turn_item = ev.get("item") or {}
        item = ti.thread_item_from_turn_item(turn_item, status_hint="completed")
        if item is None:
            return []
        at_ms = self._ts(ev, "completed_at_ms")
        if item["type"] in _TOOL_ITEMS:
            return self._complete_tool(item, thread_id, turn_id, at_ms)
        return [self._item_completed(item, thread_id, turn_id, at_ms)]

    def _delta(self, method: str, ev: dict, thread_id: str, turn_id: str, **extra: str) -> list[dict]:
        params = {
            "threadId": thread_id,
            "turnId": turn_id,
            "itemId": ev.get("item_id", ""),
            "delta": ev.get("delta", ""),
        }
        for wire_key, ev_key in extra.items():
            params[wire_key] = ev.get(ev_key, 0)
        return [_notif(method, params)]

    def _on_agent_message_content_delta(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return self._delta("item/agentMessage/delta", ev, thread_id, turn_id)

    def _on_plan_delta(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return self._delta("item/plan/delta", ev, thread_id, turn_id)

    def _on_reasoning_content_delta(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return self._delta(
            "item/reasoning/summaryTextDelta", ev, thread_id, turn_id, summaryIndex="summary_index"
        )

    def _on_reasoning_raw_content_delta(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return self._delta(
            "item/reasoning/textDelta", ev, thread_id, turn_id, contentIndex="content_index"
        )

    def _on_agent_reasoning_section_break(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return [
            _notif(
                "item/reasoning/summaryPartAdded",
                {
                    "threadId": thread_id,
                    "turnId": turn_id,
                    "itemId": ev.get("item_id", ""),
                    "summaryIndex": ev.get("summary_index", 0),
                },
            )
        ]

    def _on_token_count(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        out = []
        info = ev.get("info")
        if info is not None:
            usage = {
                "total": _token_breakdown(info.get("total_token_usage")),
                "last": _token_breakdown(info.get("last_token_usage")),
                "modelContextWindow": info.get("model_context_window"),
            }
            out.append(
                _notif(
                    "thread/tokenUsage/updated",
                    {"threadId": thread_id, "turnId": turn_id, "tokenUsage": usage},
                )
            )
        rate_limits = ev.get("rate_limits")
        if rate_limits is not None:
            out.append(_notif("account/rateLimits/updated", {"rateLimits": _rate_limits(rate_limits)}))
        return out

    # commands -----------------------------------------------------------------------

    @staticmethod
    def _exec_item(ev: dict, *, status: str, ended: bool) -> dict:
        cwd = str(ev.get("cwd", ""))
        item = ti.command_execution_item(
            ev.get("call_id", ""),
            command=ti.command_display_string(ev.get("command") or []),
            cwd=cwd,
            process_id=ev.get("process_id"),
            source=ti.exec_source_to_v2(ev.get("source")),
            status=status,
            command_actions=ti.command_actions_from_parsed(ev.get("parsed_cmd"), cwd),
        )
        if ended:
            item["aggregatedOutput"] = ev.get("aggregated_output") or None
            item["exitCode"] = ev.get("exit_code")
            item["durationMs"] = ti.duration_to_ms(ev.get("duration"))
        return item

    def _on_exec_command_begin(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        if ev.get("source") == "unified_exec_interaction":
            return []
        item = self._exec_item(ev, status="inProgress", ended=False)
        return self._start_tool(item, thread_id, turn_id, self._ts(ev, "started_at_ms"))

    def _on_exec_command_output_delta(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        item_id = ev.get("call_id", "")
        if item_id in self._summary.file_change_started:
            return []
        return [
            _notif(
                "item/commandExecution/outputDelta",
                {
                    "threadId": thread_id,
                    "turnId": turn_id,
                    "itemId": item_id,
                    "delta": _decode_chunk(ev.get("chunk")),
                },
            )
        ]

    def _on_terminal_interaction(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return [
            _notif(
                "item/commandExecution/terminalInteraction",
                {
                    "threadId": thread_id,
                    "turnId": turn_id,
                    "itemId": ev.get("call_id", ""),
                    "processId": ev.get("process_id", ""),
                    "stdin": ev.get("stdin", ""),
                },
            )
        ]

    def _on_exec_command_end(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        if ev.get("source") == "unified_exec_interaction":
            self._summary.command_execution_started.discard(ev.get("call_id", ""))
            return []
        item = self._exec_item(ev, status=ev.get("status") or "completed", ended=True)
        return self._complete_tool(item, thread_id, turn_id, self._ts(ev, "completed_at_ms"))

    # patches ------------------------------------------------------------------------

    def _on_patch_apply_begin(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        item = ti.file_change_item(
            ev.get("call_id", ""), ti.convert_patch_changes(ev.get("changes")), "inProgress"
        )
        return self._start_tool(item, thread_id, turn_id, self._ts(ev, "started_at_ms"))

    def _on_patch_apply_updated(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return [
            _notif(
                "item/fileChange/patchUpdated",
                {
                    "threadId": thread_id,
                    "turnId": turn_id,
                    "itemId": ev.get("call_id", ""),
                    "changes": ti.convert_patch_changes(ev.get("changes")),
                },
            )
        ]

    def _on_patch_apply_end(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        status = ev.get("status") or ("completed" if ev.get("success") else "failed")
        item = ti.file_change_item(
            ev.get("call_id", ""), ti.convert_patch_changes(ev.get("changes")), status
        )
        return self._complete_tool(item, thread_id, turn_id, self._ts(ev, "completed_at_ms"))

    def _on_turn_diff(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return [
            _notif(
                "turn/diff/updated",
                {"threadId": thread_id, "turnId": turn_id, "diff": ev.get("unified_diff", "")},
            )
        ]

    def _on_plan_update(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        plan = [
            {"step": s.get("step", ""), "status": _PLAN_STATUS.get(s.get("status"), s.get("status"))}
            for s in ev.get("plan") or []
        ]
        return [
            _notif(
                "turn/plan/updated",
                {
                    "threadId": thread_id,
                    "turnId": turn_id,
                    "explanation": ev.get("explanation"),
                    "plan": plan,
                },
            )
        ]

    # tools --------------------------------------------------------------------------

    @staticmethod
    def _mcp_item(ev: dict, *, status: str, result: dict | None = None, error: dict | None = None,
                  duration_ms: int | None = None) -> dict:
        invocation = ev.get("invocation") or {}
        return ti.mcp_tool_call_item(
            ev.get("call_id", ""),
            server=invocation.get("server", ""),
            tool=invocation.get("tool", ""),
            status=status,
            arguments=invocation.get("arguments"),
            mcp_app_resource_uri=ev.get("mcp_app_resource_uri"),
            plugin_id=ev.get("plugin_id"),
            result=result,
            error=error,
            duration_ms=duration_ms,
        )

    def _on_mcp_tool_call_begin(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        item = self._mcp_item(ev, status="inProgress")
        return self._start_tool(item, thread_id, turn_id, self._ts(ev, "started_at_ms"))

    def _on_mcp_tool_call_end(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        raw = ev.get("result") or {}
        result = error = None
        if "Ok" in raw:
            ok = raw["Ok"] or {}
            result = ti.mcp_result_to_v2(ok)
            success = not ok.get("isError", ok.get("is_error", False))
        else:
            error = {"message": str(raw.get("Err", ""))}
            success = False
        item = self._mcp_item(
            ev,
            status="completed" if success else "failed",
            result=result,
            error=error,
            duration_ms=ti.duration_to_ms(ev.get("duration")),
        )
        return self._complete_tool(item, thread_id, turn_id, self._ts(ev, "completed_at_ms"))

    def _on_dynamic_tool_call_request(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        call_id = ev.get("call_id", "")
        ev_turn = ev.get("turn_id") or turn_id
        item = ti.dynamic_tool_call_item(
            call_id,
            namespace=ev.get("namespace"),
            tool=ev.get("tool", ""),
            arguments=ev.get("arguments"),
            status="inProgress",
        )
        params = {
            "threadId": thread_id,
            "turnId": ev_turn,
            "callId": call_id,
            "namespace": ev.get("namespace"),
            "tool": ev.get("tool", ""),
            "arguments": ev.get("arguments"),
        }
        return [
            *self._start_tool(item, thread_id, ev_turn, self._ts(ev, "started_at_ms")),
            _request(
                "item/tool/call",
                params,
                {"kind": "dynamic_tool", "thread_id": thread_id, "call_id": call_id, "guard": None},
            ),
        ]

    def _on_dynamic_tool_call_response(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        success = bool(ev.get("success"))
        item = ti.dynamic_tool_call_item(
            ev.get("call_id", ""),
            namespace=ev.get("namespace"),
            tool=ev.get("tool", ""),
            arguments=ev.get("arguments"),
            status="completed" if success else "failed",
            content_items=ti.dynamic_tool_content_items(ev.get("content_items") or []),
            success=success,
            duration_ms=ti.duration_to_ms(ev.get("duration")),
        )
        ev_turn = ev.get("turn_id") or turn_id
        return self._complete_tool(item, thread_id, ev_turn, self._ts(ev, "completed_at_ms"))

    def _on_view_image_tool_call(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        item = ti.image_view_item(ev.get("call_id", ""), str(ev.get("path", "")))
        now = self._ts(ev, "started_at_ms")
        return [
            self._item_started(item, thread_id, turn_id, now),
            self._item_completed(dict(item), thread_id, turn_id, now),
        ]

    def _on_entered_review_mode(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        review = ev.get("user_facing_hint") or review_user_facing_hint(ev.get("target"))
        item = ti.entered_review_mode_item(turn_id, review)
        now = int(self._clock_ms())
        return [
            self._item_started(item, thread_id, turn_id, now),
            self._item_completed(dict(item), thread_id, turn_id, now),
        ]

    def _on_exited_review_mode(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        item = ti.exited_review_mode_item(turn_id, render_review_output_text(ev.get("review_output")))
        now = int(self._clock_ms())
        return [
            self._item_started(item, thread_id, turn_id, now),
            self._item_completed(dict(item), thread_id, turn_id, now),
        ]

    def _on_thread_name_updated(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        params: dict = {"threadId": ev.get("thread_id") or thread_id}
        if ev.get("thread_name") is not None:
            params["threadName"] = ev["thread_name"]
        return [_notif("thread/name/updated", params)]

    def _on_mcp_startup_update(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        status = ev.get("status") or {}
        if isinstance(status, str):
            state, error = status, None
        else:
            state, error = status.get("state", ""), status.get("error")
        return [
            _notif(
                "mcpServer/startupStatus/updated",
                {"name": ev.get("server", ""), "status": state, "error": error},
            )
        ]

    def _on_model_reroute(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        reason = ev.get("reason")
        return [
            _notif(
                "model/rerouted",
                {
                    "threadId": thread_id,
                    "turnId": turn_id,
                    "fromModel": ev.get("from_model", ""),
                    "toModel": ev.get("to_model", ""),
                    "reason": ti.camelize(reason) if isinstance(reason, str) else reason,
                },
            )
        ]

    def _on_deprecation_notice(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return [
            _notif("deprecationNotice", {"summary": ev.get("summary", ""), "details": ev.get("details")})
        ]

    def _on_skills_update_available(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        return [_notif("skills/changed", {})]

    # requests -----------------------------------------------------------------------

    def _on_exec_approval_request(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        out = self._note_pending(thread_id, _PERMISSION)
        call_id = ev.get("call_id", "")
        approval_id = ev.get("approval_id")
        cwd = str(ev.get("cwd", ""))
        network_ctx = ev.get("network_approval_context")
        completion = None
        if network_ctx is None:
            completion = {
                "command": ti.command_display_string(ev.get("command") or []),
                "cwd": cwd,
                "command_actions": ti.command_actions_from_parsed(ev.get("parsed_cmd"), cwd),
            }
        started_at_ms = self._ts(ev, "started_at_ms")
        if approval_id is None and completion is not None:
            item = ti.command_execution_item(
                call_id,
                command=completion["command"],
                cwd=cwd,
                source="agent",
                status="inProgress",
                command_actions=completion["command_actions"],
            )
            out += self._start_tool(item, thread_id, turn_id, started_at_ms)
        decisions = ev.get("available_decisions")
        if decisions is None:
            decisions = _default_available_decisions(ev)
        params: dict = {
            "threadId": thread_id,
            "turnId": ev.get("turn_id") or turn_id,
            "itemId": call_id,
            "startedAtMs": started_at_ms,
        }
        if approval_id is not None:
            params["approvalId"] = approval_id
        if ev.get("reason") is not None:
            params["reason"] = ev["reason"]
        if network_ctx is not None:
            params["networkApprovalContext"] = ti.camelize_keys(network_ctx)
        if completion is not None:
            params["command"] = completion["command"]
            params["cwd"] = completion["cwd"]
            params["commandActions"] = completion["command_actions"]
        if ev.get("additional_permissions") is not None:
            params["additionalPermissions"] = ti.camelize_keys(ev["additional_permissions"])
        if ev.get("proposed_execpolicy_amendment") is not None:
            params["proposedExecpolicyAmendment"] = ev["proposed_execpolicy_amendment"]
        if ev.get("proposed_network_policy_amendments") is not None:
            params["proposedNetworkPolicyAmendments"] = ev["proposed_network_policy_amendments"]
        params["availableDecisions"] = [_decision_to_v2(d) for d in decisions]
        context = {
            "kind": "exec_approval",
            "thread_id": thread_id,
            "event_turn_id": turn_id,
            "call_id": call_id,
            "approval_id": approval_id,
            "completion": completion,
            "guard": _PERMISSION,
        }
        out.append(_request("item/commandExecution/requestApproval", params, context))
        return out

    def _on_apply_patch_approval_request(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        out = self._note_pending(thread_id, _PERMISSION)
        call_id = ev.get("call_id", "")
        changes = ti.convert_patch_changes(ev.get("changes"))
        started_at_ms = self._ts(ev, "started_at_ms")
        out += self._start_tool(
            ti.file_change_item(call_id, changes, "inProgress"), thread_id, turn_id, started_at_ms
        )
        params = {
            "threadId": thread_id,
            "turnId": ev.get("turn_id") or turn_id,
            "itemId": call_id,
            "startedAtMs": started_at_ms,
            "reason": ev.get("reason"),
            "grantRoot": ev.get("grant_root"),
        }
        context = {
            "kind": "patch_approval",
            "thread_id": thread_id,
            "event_turn_id": turn_id,
            "call_id": call_id,
            "changes": changes,
            "guard": _PERMISSION,
        }
        out.append(_request("item/fileChange/requestApproval", params, context))
        return out

    def _on_request_user_input(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        out = self._note_pending(thread_id, _USER_INPUT)
        questions = []
        for q in ev.get("questions") or []:
            options = q.get("options")
            questions.append(
                {
                    "id": q.get("id", ""),
                    "header": q.get("header", ""),
                    "question": q.get("question", ""),
                    "isOther": bool(q.get("is_other", False)),
                    "isSecret": bool(q.get("is_secret", False)),
                    "options": (
                        None
                        if options is None
                        else [
                            {"label": o.get("label", ""), "description": o.get("description", "")}
                            for o in options
                        ]
                    ),
                }
            )
        params = {
            "threadId": thread_id,
            "turnId": ev.get("turn_id") or turn_id,
            "itemId": ev.get("call_id", ""),
            "questions": questions,
        }
        context = {
            "kind": "user_input",
            "thread_id": thread_id,
            "event_turn_id": turn_id,
            "guard": _USER_INPUT,
        }
        out.append(_request("item/tool/requestUserInput", params, context))
        return out

    def _on_elicitation_request(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        out = self._note_pending(thread_id, _PERMISSION)
        request = ev.get("request") or {}
        params: dict = {
            "threadId": thread_id,
            "turnId": ev.get("turn_id") if ev.get("turn_id") is not None else turn_id,
            "serverName": ev.get("server_name", ""),
            "mode": request.get("mode", "form"),
            "_meta": request.get("_meta", request.get("meta")),
            "message": request.get("message", ""),
        }
        if params["mode"] == "url":
            params["url"] = request.get("url", "")
            params["elicitationId"] = request.get("elicitation_id", request.get("elicitationId", ""))
        else:
            params["requestedSchema"] = request.get(
                "requested_schema", request.get("requestedSchema", {"type": "object", "properties": {}})
            )
        context = {
            "kind": "elicitation",
            "thread_id": thread_id,
            "server_name": ev.get("server_name", ""),
            "mcp_request_id": ev.get("id"),
            "guard": _PERMISSION,
        }
        out.append(_request("mcpServer/elicitation/request", params, context))
        return out

    def _on_request_permissions(self, ev: dict, thread_id: str, turn_id: str) -> list[dict]:
        out = self._note_pending(thread_id, _PERMISSION)
        params = {
            "threadId": thread_id,
            "turnId": ev.get("turn_id") or turn_id,
            "itemId": ev.get("call_id", ""),
            "startedAtMs": self._ts(ev, "started_at_ms"),
            "cwd": str(ev.get("cwd", "")),
            "reason": ev.get("reason"),
            "permissions": ti.camelize_keys(ev.get("permissions") or {}),
        }
        context = {
            "kind": "permissions",
            "thread_id": thread_id,
            "call_id": ev.get("call_id", ""),
            "guard": _PERMISSION,
        }
        out.append(_request("item/permissions/requestApproval", params, context))
        return out

    # -- resolve -----------------------------------------------------------------------

    def resolve(
        self,
        request: dict,
        *,
        request_id: Any,
        result: Any = None,
        error: Any = None,
        turn_transition: bool = False,
    ) -> Resolution:
        """The client answered (``result``) or failed (``error``) a server request.

        ``request`` is the entry :meth:`map` returned; ``request_id`` the JSON-RPC id the
        transport used. ``turn_transition=True`` means the request was aborted because its
        turn ended (upstream ``is_turn_transition_server_request_error``): notifications are
        still produced but no op.
        """
        ctx = request.get("context") or {}
        kind = ctx.get("kind")
        thread_id = ctx.get("thread_id", "")
        guard = ctx.get("guard")
        if kind == "dynamic_tool":
            if turn_transition:
                return Resolution()
            res = result or {}
            items = res.get("contentItems") or []
            core_items = []
            for item in items:
                if item.get("type") == "inputImage":
                    core_items.append({"type": "input_image", "image_url": item.get("imageUrl", "")})
                else:
                    core_items.append({"type": "input_text", "text": item.get("text", "")})
            if error is not None:
                core_items, success = [], False
            else:
                success = bool(res.get("success", False))
            return Resolution(
                op={
                    "type": "dynamic_tool_response",
                    "id": ctx.get("call_id", ""),
                    "response": {"content_items": core_items, "success": success},
                }
            )

        notes = [_notif("serverRequest/resolved", {"threadId": thread_id, "requestId": request_id})]
        op: dict | None = None
        if kind == "exec_approval":
            notes_mid, op = self._resolve_exec(ctx, result, error, turn_transition)
            notes += notes_mid
        elif kind == "patch_approval":
            notes_mid, op = self._resolve_patch(ctx, result, error, turn_transition)
            notes += notes_mid
        elif kind == "user_input" and not turn_transition:
            answers = {} if error is not None else (result or {}).get("answers") or {}
            op = {
                "type": "user_input_answer",
                "id": ctx.get("event_turn_id", ""),
                "response": {
                    "answers": {
                        qid: {"answers": list((a or {}).get("answers") or [])}
                        for qid, a in answers.items()
                    }
                },
            }
        elif kind == "elicitation":
            if turn_transition:
                action, content, meta = "cancel", None, None
            elif error is not None:
                action, content, meta = "decline", None, None
            else:
                res = result or {}
                action = res.get("action", "decline")
                content, meta = res.get("content"), res.get("_meta")
            op = {
                "type": "resolve_elicitation",
                "server_name": ctx.get("server_name", ""),
                "request_id": ctx.get("mcp_request_id"),
                "decision": action,
                "content": content,
                "meta": meta,
            }
        elif kind == "permissions" and not turn_transition:
            res = {} if error is not None else (result or {})
            op = {
                "type": "request_permissions_response",
                "id": ctx.get("call_id", ""),
                "response": {
                    "permissions": res.get("permissions") or {},
                    "scope": res.get("scope", "turn"),
                },
            }
        notes += self._release(thread_id, guard)
        return Resolution(notifications=notes, op=op)

    def _resolve_exec(self, ctx: dict, result: Any, error: Any, turn_transition: bool):
        if turn_transition:
            return [], None
        if error is not None:
            decision, status = "denied", "failed"
        else:
            decision, status = _exec_decision_to_core((result or {}).get("decision"))
        call_id = ctx.get("call_id", "")
        approval_id = ctx.get("approval_id")
        completion = ctx.get("completion")
        notes: list[dict] = []
        suppress = approval_id is not None and call_id in self._summary.command_execution_started
        if status is not None and not suppress and completion is not None:
            if call_id in self._summary.command_execution_started:
                item = ti.command_execution_item(
                    call_id,
                    command=completion["command"],
                    cwd=completion["cwd"],
                    source="agent",
                    status=status,
                    command_actions=completion["command_actions"],
                )
                notes += self._complete_tool(
                    item, ctx.get("thread_id", ""), ctx.get("event_turn_id", ""), int(self._clock_ms())
                )
        op = {
            "type": "exec_approval",
            "id": approval_id if approval_id is not None else call_id,
            "turn_id": ctx.get("event_turn_id", ""),
            "decision": decision,
        }
        return notes, op

    def _resolve_patch(self, ctx: dict, result: Any, error: Any, turn_transition: bool):
        if turn_transition:
            return [], None
        if error is not None:
            decision, status = "denied", "failed"
        else:
            decision, status = _FILE_DECISIONS.get(
                (result or {}).get("decision"), ("denied", "declined")
            )
        call_id = ctx.get("call_id", "")
        notes: list[dict] = []
        if status is not None:
            item = ti.file_change_item(call_id, list(ctx.get("changes") or []), status)
            notes += self._complete_tool(
                item, ctx.get("thread_id", ""), ctx.get("event_turn_id", ""), int(self._clock_ms())
            )
        return notes, {"type": "patch_approval", "id": call_id, "decision": decision}
