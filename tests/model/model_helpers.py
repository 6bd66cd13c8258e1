"""Shared pieces of the model-client tests: the captured inputs, and a client driven against
the loopback mock the way `codex exec` drives the reference's."""
from __future__ import annotations

import json
from pathlib import Path

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "model"
EXEC = FIX / "exec"
INSTRUCTIONS = (EXEC / "_common" / "instructions.txt").read_text()
TOOLS = json.loads((EXEC / "_common" / "tools.json").read_text())
CAPTURE_OS = ("Debian", "12.0.0", "x86_64")
SCENARIOS = sorted(p.name for p in EXEC.iterdir() if (p / "first_request.json").exists())
FAULTS = ["stream_retry_http500", "stream_retry_http503", "stream_retry_http429",
          "stream_retry_http429_plain", "stream_retry_drop", "stream_idle_timeout",
          "stream_error_exhausted", "response_failed"]


def expand(body: dict) -> dict:
    """A captured body with the _common placeholders put back."""
    body = dict(body)
    if body.get("instructions") == "<<see _common/instructions.txt>>":
        body["instructions"] = INSTRUCTIONS
    if body.get("tools") == "<<see _common/tools.json>>":
        body["tools"] = TOOLS
    return body


def first_request(scenario: str) -> dict:
    req = json.loads((EXEC / scenario / "first_request.json").read_text())
    req["body"] = expand(req["body"])
    return req


def inputs_of(req: dict) -> dict:
    """What a caller hands the request builders, taken from a captured request."""
    from codex.model import catalog

    body, headers = req["body"], req["headers"]
    reasoning = body.get("reasoning") or {}
    text = body.get("text") or {}
    fmt = text.get("format")
    return {
        "body": dict(
            model_info=catalog.model_info(body["model"]),
            instructions=body["instructions"], input=body["input"], tools=body["tools"],
            prompt_cache_key=body.get("prompt_cache_key"),
            installation_id=(body.get("client_metadata") or {}).get("x-codex-installation-id"),
            reasoning_effort=reasoning.get("effort"), reasoning_summary=reasoning.get("summary"),
            output_schema=fmt["schema"] if fmt else None,
        ),
        "headers": dict(
            thread_id=headers["thread-id"], window_id=headers["x-codex-window-id"],
            turn_metadata=json.loads(headers["x-codex-turn-metadata"]),
            beta_features=headers["x-codex-beta-features"].split(","),
            originator=headers["originator"],
        ),
    }


def build(req: dict, environ: dict | None = None) -> tuple[dict, list[tuple[str, str]]]:
    from codex.model import request as R

    inp = inputs_of(req)
    body = R.build_body(**inp["body"])
    headers = R.build_headers(**inp["headers"], user_agent_value=R.exec_user_agent(environ or {}))
    return body, headers


def provider_for_capture(scenario: str, base_url: str):
    """The capture's [model_providers.mock] (retry settings included), pointed at `base_url`."""
    import rtoml

    from codex.model.providers import ModelProviderInfo

    text = (EXEC / scenario / "config.toml").read_text() if (EXEC / scenario / "config.toml").exists() else ""
    table = (rtoml.loads(text).get("model_providers") or {}).get("mock", {}) if text else {}
    table = {**table, "name": "mock", "base_url": base_url, "env_key": "MOCK_API_KEY", "wire_api": "responses"}
    return ModelProviderInfo.from_toml(table)


def exec_events(events: list, error: Exception | None) -> list[dict]:
    """The `codex exec --json` lines (after thread.started/turn.started) that a turn with these
    client events prints: what the model client must make possible."""
    from codex.model.client import Completed, Reconnecting
    from codex.protocol import models as P

    out: list[dict] = []
    items: list[dict] = []
    usage = None
    for ev in events:
        if isinstance(ev, Reconnecting):
            out.append({"type": "error", "message": ev.message})
        elif isinstance(ev, P.OutputItemDone) and isinstance(ev.item, P.Message) and ev.item.role == "assistant":
            # exec prints a completed item at once, even from an attempt that breaks later
            text = "".join(c.text for c in ev.item.content if isinstance(c, P.OutputText))
            out.append({"type": "item.completed",
                        "item": {"id": f"item_{len(items)}", "type": "agent_message", "text": text}})
            items.append(text)
        elif isinstance(ev, Completed):
            u = ev.token_usage
            usage = {"input_tokens": u.input_tokens, "cached_input_tokens": u.cached_input_tokens,
                     "output_tokens": u.output_tokens, "reasoning_output_tokens": u.reasoning_output_tokens}
    if error is not None:
        out.append({"type": "error", "message": str(error)})
        out.append({"type": "turn.failed", "error": {"message": str(error)}})
    elif usage is not None:
        out.append({"type": "turn.completed", "usage": usage})
    return out
