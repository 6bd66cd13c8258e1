"""request_user_input (upstream `core/src/tools/handlers/request_user_input.rs`).

Only Plan mode may ask (and Default mode with the `default_mode_request_user_input` feature);
elsewhere, before the arguments are even read, the model is told
`request_user_input is unavailable in <Mode> mode` (what `codex exec` always answers, since it
runs in Default mode). When allowed, every question gets `isOther: true`, and the face asks:
`ctx.services["request_user_input"]` is an async callable
`(call_id, questions) -> {"answers": {id: {"answers": [...]}}} | None` (None: cancelled). The
model reads the response as compact JSON.

The collaboration mode comes from `ctx.config["collaboration_mode"]` (default | plan | execute |
pair_programming; default "default"); the feature from `ctx.config["features"]`.
"""
from __future__ import annotations

import json
from typing import Any

from codex.tools._serde import (BOOL, Error, Field, STRING, Struct, Vec, parse_args,
                                parse_error_text)
from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput

__all__ = ["handle_request_user_input", "unavailable_message"]

_MODE_NAMES = {"default": "Default", "plan": "Plan", "execute": "Execute", "pair_programming": "Pair Programming"}

_OPTION = Struct("RequestUserInputQuestionOption", [Field("label", STRING), Field("description", STRING)])
_QUESTION = Struct("RequestUserInputQuestion", [
    Field("id", STRING), Field("header", STRING), Field("question", STRING),
    Field("isOther", BOOL, default=False, attr="is_other"),
    Field("isSecret", BOOL, default=False, attr="is_secret"),
    Field("options", Vec(_OPTION, optional=True), default=None),
])
_ARGS = Struct("RequestUserInputArgs", [Field("questions", Vec(_QUESTION))])


def unavailable_message(mode: str, default_mode_enabled: bool = False) -> str | None:
    if mode == "plan" or (mode == "default" and default_mode_enabled):
        return None
    return f"request_user_input is unavailable in {_MODE_NAMES.get(mode, mode)} mode"


def _feature(ctx: ToolContext, name: str) -> bool:
    features = ctx.config.get("features") if isinstance(ctx.config, dict) or hasattr(ctx.config, "get") else None
    if isinstance(features, dict):
        return bool(features.get(name, False))
    if isinstance(features, (list, tuple, set, frozenset)):
        return name in features
    return False


async def handle_request_user_input(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    mode = str(ctx.config.get("collaboration_mode") or "default")
    message = unavailable_message(mode, _feature(ctx, "default_mode_request_user_input"))
    if message is not None:
        raise ToolError(message)
    try:
        args = parse_args(call.arguments or "", _ARGS)
    except Error as exc:
        raise ToolError(parse_error_text(exc)) from None
    if any(not q["options"] for q in args["questions"]):
        raise ToolError("request_user_input requires non-empty options for every question")
    questions: list[dict[str, Any]] = []
    for q in args["questions"]:
        questions.append({"id": q["id"], "header": q["header"], "question": q["question"], "isOther": True,
                          "isSecret": bool(q["is_secret"]),
                          "options": [{"label": o["label"], "description": o["description"]} for o in q["options"]]})
    ask = ctx.services.get("request_user_input")
    if ask is None:
        raise ToolError("request_user_input was cancelled before receiving a response")
    response = await ask(call.call_id, questions)
    if response is None:
        raise ToolError("request_user_input was cancelled before receiving a response")
    return ToolOutput(json.dumps(response, separators=(",", ":"), ensure_ascii=False))
