"""update_plan (upstream `core/src/tools/handlers/plan.rs`): refused in Plan mode
(`ctx.config["collaboration_mode"] == "plan"`; upstream's check, not captured: the reference's
exec has no Plan mode), else the arguments are read as `UpdatePlanArgs` (serde errors go back to
the model), the plan goes out as a `plan_update` event, and the model reads "Plan updated". No
other check is made (two in_progress steps pass, as captured)."""
from __future__ import annotations

from codex.tools._serde import Enum, Error, Field, OPT_STRING, STRING, Struct, Vec, parse_args, parse_error_text
from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput

__all__ = ["handle_update_plan", "UPDATE_PLAN_ARGS"]

_STEP = Struct("PlanItemArg", [Field("step", STRING),
                               Field("status", Enum("StepStatus", ["pending", "in_progress", "completed"],
                                                    optional=False))])
UPDATE_PLAN_ARGS = Struct("UpdatePlanArgs", [Field("explanation", OPT_STRING, default=None),
                                             Field("plan", Vec(_STEP))])


async def handle_update_plan(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    if ctx.config.get("collaboration_mode") == "plan":
        raise ToolError("update_plan is a TODO/checklist tool and is not allowed in Plan mode")
    try:
        args = parse_args(call.arguments or "", UPDATE_PLAN_ARGS)
    except Error as exc:
        raise ToolError(parse_error_text(exc)) from None
    await ctx.send({"type": "plan_update", "explanation": args["explanation"],
                    "plan": [{"step": s["step"], "status": s["status"]} for s in args["plan"]]})
    return ToolOutput("Plan updated")
