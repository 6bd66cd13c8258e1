"""get_goal / create_goal / update_goal (upstream `core/src/tools/handlers/goal*.rs`, the
thread-goal store of `codex-rs/state`), persisted in `goals_1.sqlite` table `thread_goals`.

Outputs are upstream's `GoalToolResponse` pretty-printed (`{"goal": ..., "remainingTokens": ...,
"completionBudgetReport": ...}`, camelCase, `tokenBudget` left out when unset); create and
update emit `thread_goal_updated` events.

Usage accounting is the turn loop's (`GoalStore.account_usage`): the reference charges each
response's usage (input + output tokens) to an active goal and emits `thread_goal_updated`
with the new total, about one response late (see fixtures/tools/calls/goals/rollout.jsonl for the
exact interleaving with token_count events). Before update_goal changes the status, usage not yet
charged is charged (the reference emits an `active` event with the new total, then the status
one): when `ctx.services["goal_accounting"]` is an async callable `(ctx) -> None`, update_goal
awaits it first.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Any

from codex.tools._serde import Enum, Error, Field, Int, STRING, Struct, parse_args, parse_error_text
from codex.tools.base import ToolCall, ToolContext, ToolError, ToolOutput

__all__ = ["GoalStore", "goal_json", "handle_create_goal", "handle_get_goal", "handle_update_goal",
           "COMPLETION_BUDGET_REPORT", "MAX_OBJECTIVE_CHARS"]

COMPLETION_BUDGET_REPORT = (
    "Goal achieved. Report final usage from this tool result's structured goal fields. If "
    "`goal.tokenBudget` is present, include token usage from `goal.tokensUsed` and `goal.tokenBudget`. "
    "If `goal.timeUsedSeconds` is greater than 0, summarize elapsed time in a concise, human-friendly "
    "form appropriate to the response language.")
MAX_OBJECTIVE_CHARS = 4000

# db (snake_case) -> protocol (camelCase)
_WIRE_STATUS = {"active": "active", "paused": "paused", "blocked": "blocked", "usage_limited": "usageLimited",
                "budget_limited": "budgetLimited", "complete": "complete"}

_CREATE = Struct("CreateGoalArgs", [Field("objective", STRING), Field("token_budget", Int("i64", optional=True),
                                                                        default=None)])
_UPDATE = Struct("UpdateGoalArgs", [Field("status", Enum("ThreadGoalStatus", list(_WIRE_STATUS.values()),
                                                         optional=False))])


def _now_ms() -> int:
    return int(time.time() * 1000)


class GoalStore:
    """The `thread_goals` rows of `goals_1.sqlite` under the sqlite home."""

    def __init__(self, codex_home: str, config: Any = None):
        from codex.state import GOALS_DB, open_database, sqlite_home
        self._conn = open_database(sqlite_home(codex_home, config if isinstance(config, dict) else None),
                                   GOALS_DB)

    def close(self) -> None:
        self._conn.close()

    def get(self, thread_id: str) -> dict | None:
        row = self._conn.execute("SELECT * FROM thread_goals WHERE thread_id = ?", (thread_id,)).fetchone()
        return dict(row) if row is not None else None

    def create(self, thread_id: str, objective: str, token_budget: int | None) -> dict | None:
        """Insert a new active goal; None when the thread already has one."""
        now = _now_ms()
        cur = self._conn.execute(
            "INSERT OR IGNORE INTO thread_goals (thread_id, goal_id, objective, status, token_budget, tokens_used,"
            " time_used_seconds, created_at_ms, updated_at_ms) VALUES (?, ?, ?, 'active', ?, 0, 0, ?, ?)",
            (thread_id, str(uuid.uuid4()), objective, token_budget, now, now))
        if cur.rowcount == 0:
            return None
        return self.get(thread_id)

    def set_status(self, thread_id: str, status: str) -> dict | None:
        """status in db spelling (snake_case); None when there is no goal."""
        cur = self._conn.execute("UPDATE thread_goals SET status = ?, updated_at_ms = ? WHERE thread_id = ?",
                                 (status, _now_ms(), thread_id))
        if cur.rowcount == 0:
            return None
        return self.get(thread_id)

    def account_usage(self, thread_id: str, tokens: int = 0, seconds: int = 0) -> dict | None:
        """Charge usage to an active goal (budget reached: `budget_limited`). Returns the goal
        when one was charged, else None."""
        goal = self.get(thread_id)
        if goal is None or goal["status"] != "active" or (tokens <= 0 and seconds <= 0):
            return None
        used = goal["tokens_used"] + max(0, tokens)
        status = goal["status"]
        if goal["token_budget"] is not None and used >= goal["token_budget"]:
            status = "budget_limited"
        self._conn.execute(
            "UPDATE thread_goals SET tokens_used = ?, time_used_seconds = time_used_seconds + ?, status = ?,"
            " updated_at_ms = ? WHERE thread_id = ?", (used, max(0, seconds), status, _now_ms(), thread_id))
        return self.get(thread_id)

    def clear(self, thread_id: str) -> bool:
        return self._conn.execute("DELETE FROM thread_goals WHERE thread_id = ?", (thread_id,)).rowcount > 0


def goal_json(row: dict) -> dict:
    """The protocol `ThreadGoal` (camelCase; `tokenBudget` omitted when unset)."""
    out: dict[str, Any] = {"threadId": row["thread_id"], "objective": row["objective"],
                           "status": _WIRE_STATUS.get(row["status"], row["status"])}
    if row["token_budget"] is not None:
        out["tokenBudget"] = row["token_budget"]
    out["tokensUsed"] = row["tokens_used"]
    out["timeUsedSeconds"] = row["time_used_seconds"]
    out["createdAt"] = row["created_at_ms"] // 1000
    out["updatedAt"] = row["updated_at_ms"] // 1000
    return out


def _response(row: dict | None, include_report: bool = False) -> str:
    remaining = None
    report = None
    if row is not None:
        if row["token_budget"] is not None:
            remaining = max(0, row["token_budget"] - row["tokens_used"])
        if include_report and row["status"] == "complete" and (
                row["token_budget"] is not None or row["time_used_seconds"] > 0):
            report = COMPLETION_BUDGET_REPORT
    body = {"goal": goal_json(row) if row is not None else None, "remainingTokens": remaining,
            "completionBudgetReport": report}
    return json.dumps(body, indent=2, ensure_ascii=False)


def _store(ctx: ToolContext) -> GoalStore:
    store = ctx.services.get("goal_store")
    if store is None:
        store = GoalStore(ctx.codex_home, dict(ctx.config) if ctx.config else None)
        ctx.services["goal_store"] = store
    return store


async def _emit(ctx: ToolContext, row: dict) -> None:
    await ctx.send({"type": "thread_goal_updated", "threadId": ctx.thread_id, "turnId": ctx.turn_id,
                    "goal": goal_json(row)})


def _args(call: ToolCall, schema) -> dict:
    try:
        return parse_args(call.arguments or "", schema)
    except Error as exc:
        raise ToolError(parse_error_text(exc)) from None


async def handle_get_goal(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    return ToolOutput(_response(_store(ctx).get(ctx.thread_id)))


async def handle_create_goal(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    args = _args(call, _CREATE)
    budget = args["token_budget"]
    if budget is not None and budget <= 0:
        raise ToolError("goal budgets must be positive when provided")
    objective = args["objective"].strip()
    if not objective:
        raise ToolError("goal objective must not be empty")
    if len(objective) > MAX_OBJECTIVE_CHARS:
        raise ToolError(f"goal objective must be at most {MAX_OBJECTIVE_CHARS} characters")
    row = _store(ctx).create(ctx.thread_id, objective, budget)
    if row is None:
        raise ToolError("cannot create a new goal because this thread already has a goal; use update_goal only "
                        "when the existing goal is complete")
    await _emit(ctx, row)
    return ToolOutput(_response(row))


async def handle_update_goal(call: ToolCall, ctx: ToolContext) -> ToolOutput:
    args = _args(call, _UPDATE)
    status = args["status"]
    if status not in ("complete", "blocked"):
        raise ToolError("update_goal can only mark the existing goal complete or blocked; pause, resume, "
                        "budget-limited, and usage-limited status changes are controlled by the user or system")
    accounting = ctx.services.get("goal_accounting")
    if accounting is not None:
        await accounting(ctx)
    row = _store(ctx).set_status(ctx.thread_id, status)
    if row is None:
        raise ToolError(f"cannot update goal for thread {ctx.thread_id}: no goal exists")
    await _emit(ctx, row)
    return ToolOutput(_response(row, include_report=True))
