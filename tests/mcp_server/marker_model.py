"""The capture driver's mock model (marker protocol), as `tests/parity/app_server_turns.py` has it:
the newest user message's markers RUN_SHELL:<cmd>, RUN_SHELL_ESCALATED:<cmd>, APPLY_PATCH:<path>,
CALL_TOOL:<name> <json> make it call a tool; after a tool output it says "Mock: the command
finished.", else "Hello from the mock model."."""
from __future__ import annotations

import json
import threading

from parity.mock_responses import MockResponses, SSEReply

DEFAULT_TEXT = "Hello from the mock model."
AFTER_TOOL_TEXT = "Mock: the command finished."
SHELL_TOOL_NAMES = ("shell", "shell_command", "exec_command", "local_shell", "container.exec")
MOCK_USAGE = {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 12,
              "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 132}


def _last_user_text(body: dict) -> str:
    for item in reversed(body.get("input") or []):
        if item.get("type", "message") == "message" and item.get("role") == "user":
            parts = item.get("content") or []
            if isinstance(parts, str):
                return parts
            return "".join(p.get("text", "") for p in parts if isinstance(p, dict))
    return ""


def _shell_call(body: dict, command: str, n: int, escalated: bool) -> dict:
    names = [t.get("name") or t.get("type") for t in body.get("tools") or []]
    name = next((x for x in SHELL_TOOL_NAMES if x in names), "shell")
    if name == "shell":
        args: dict = {"command": ["bash", "-lc", command], "timeout_ms": 10000}
    elif name == "shell_command":
        args = {"command": command, "timeout_ms": 10000}
    elif name == "exec_command":
        args = {"cmd": command, "yield_time_ms": 5000}
    else:
        args = {"command": ["bash", "-lc", command]}
    if escalated:
        args["sandbox_permissions"] = "require_escalated"
        args["justification"] = "The mock model needs to write outside the sandbox."
    if name == "local_shell":
        return {"type": "local_shell_call", "id": f"lsh_{n}", "call_id": f"call_mock_{n}", "status": "completed",
                "action": {"type": "exec", "command": ["bash", "-lc", command], "timeout_ms": 10000}}
    return {"type": "function_call", "id": f"fc_mock_{n}", "call_id": f"call_mock_{n}", "name": name,
            "arguments": json.dumps(args), "status": "completed"}


def _apply_patch_call(body: dict, filename: str, n: int) -> dict:
    patch = (f"*** Begin Patch\n*** Add File: {filename}\n+hello from apply_patch\n"
             "+second line\n*** End Patch\n")
    tool = {t.get("name"): t for t in body.get("tools") or []}.get("apply_patch", {})
    if tool.get("type") == "function":
        return {"type": "function_call", "id": f"fc_mock_{n}", "call_id": f"call_mock_{n}",
                "name": "apply_patch", "arguments": json.dumps({"input": patch}), "status": "completed"}
    return {"type": "custom_tool_call", "id": f"ctc_mock_{n}", "call_id": f"call_mock_{n}",
            "name": "apply_patch", "input": patch, "status": "completed"}


def _generic_call(body: dict, spec: str, n: int) -> dict:
    name, _, args = spec.partition(" ")
    args = args.strip() or "{}"
    flat = []
    for t in body.get("tools") or []:
        flat.append((None, t))
        for sub in t.get("tools") or []:
            flat.append((t.get("name"), sub))
    exact = [(ns, t) for ns, t in flat if t.get("name") == name]
    fuzzy = [(ns, t) for ns, t in flat if name in (t.get("name") or "")]
    ns, tool = (exact or fuzzy or [(None, {"name": name, "type": "function"})])[0]
    item = {"type": "function_call", "id": f"fc_mock_{n}", "call_id": f"call_mock_{n}",
            "name": tool.get("name"), "arguments": args, "status": "completed"}
    if ns:
        item["namespace"] = ns
    return item


def _tool_item(body: dict, text: str, n: int) -> dict | None:
    if "CALL_TOOL:" in text:
        return _generic_call(body, text.split("CALL_TOOL:", 1)[1].strip().splitlines()[0], n)
    for marker in ("RUN_SHELL_ESCALATED:", "RUN_SHELL:", "APPLY_PATCH:"):
        if marker in text:
            arg = text.split(marker, 1)[1].strip().splitlines()[0]
            if marker == "APPLY_PATCH:":
                return _apply_patch_call(body, arg, n)
            return _shell_call(body, arg, n, marker == "RUN_SHELL_ESCALATED:")
    return None


def marker_events(body: dict, n: int) -> list[dict]:
    """The SSE events the capture mock sent for its n-th (1-based) /responses request."""
    rid = f"resp_mock_{n}"
    model = body.get("model", "mock-model")
    created = {"type": "response.created", "response": {"id": rid, "object": "response",
               "created_at": 1700000000, "status": "in_progress", "model": model, "output": []}}
    items = body.get("input") or []
    last_type = (items[-1] if items else {}).get("type", "message")
    item = None if last_type.endswith("_output") else _tool_item(body, _last_user_text(body), n)
    events = [created]
    if item is not None:
        added = dict(item, status="in_progress")
        if item["type"] == "function_call":
            added["arguments"] = ""
        if item["type"] == "custom_tool_call":
            added["input"] = ""
        events.append({"type": "response.output_item.added", "output_index": 0, "item": added})
        if item["type"] == "function_call":
            events.append({"type": "response.function_call_arguments.delta", "item_id": item["id"],
                           "output_index": 0, "delta": item["arguments"]})
            events.append({"type": "response.function_call_arguments.done", "item_id": item["id"],
                           "output_index": 0, "arguments": item["arguments"]})
        if item["type"] == "custom_tool_call":
            events.append({"type": "response.custom_tool_call_input.delta", "item_id": item["id"],
                           "output_index": 0, "delta": item["input"]})
            events.append({"type": "response.custom_tool_call_input.done", "item_id": item["id"],
                           "output_index": 0, "input": item["input"]})
        events.append({"type": "response.output_item.done", "output_index": 0, "item": item})
        output = [item]
    else:
        text = AFTER_TOOL_TEXT if last_type.endswith("_output") else DEFAULT_TEXT
        mid = f"msg_mock_{n}"
        events.append({"type": "response.output_item.added", "output_index": 0,
                       "item": {"type": "message", "id": mid, "role": "assistant", "status": "in_progress",
                                "content": []}})
        events.append({"type": "response.content_part.added", "item_id": mid, "output_index": 0,
                       "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}})
        words = text.split(" ")
        for i, w in enumerate(words):
            events.append({"type": "response.output_text.delta", "item_id": mid, "output_index": 0,
                           "content_index": 0, "delta": w + (" " if i < len(words) - 1 else "")})
        events.append({"type": "response.output_text.done", "item_id": mid, "output_index": 0,
                       "content_index": 0, "text": text})
        done = {"type": "message", "id": mid, "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}]}
        events.append({"type": "response.content_part.done", "item_id": mid, "output_index": 0,
                       "content_index": 0, "part": done["content"][0]})
        events.append({"type": "response.output_item.done", "output_index": 0, "item": done})
        output = [done]
    events.append({"type": "response.completed", "response": {"id": rid, "object": "response",
                   "created_at": 1700000000, "status": "completed", "model": model, "output": output,
                   "usage": MOCK_USAGE}})
    return events


class MarkerModel:
    """Installs the marker protocol on a `MockResponses` (every POST /v1/responses)."""

    def __init__(self, mock: MockResponses):
        self.n = 0
        self.lock = threading.Lock()
        mock.route("POST", "/v1/responses", self.reply)
        mock.route("GET", "/v1/models", {"object": "list", "data": [
            {"id": "gpt-5.5", "object": "model", "created": 1700000000, "owned_by": "mock"}]})

    def reply(self, req) -> SSEReply:
        with self.lock:
            self.n += 1
            n = self.n
        body = req.json if isinstance(req.json, dict) else {}
        return SSEReply([(e["type"], e) for e in marker_events(body, n)], (), 0.01)
