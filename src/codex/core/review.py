"""Review mode (upstream core/src/tasks/review.rs, review_prompts.rs, review_format.rs, as
0.136.0 behaves): a review runs in a sub-agent thread of its own (the review instructions as
base instructions, the review tool set, approval `never`, a rollout of its own forked from the
parent), while the parent thread records the review: entered_review_mode, the sub-agent's
turn start and prompt, then the result as a `<user_action>` message, exited_review_mode and
the review as an assistant message.
"""
from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

UNCOMMITTED_PROMPT = ("Review the current code changes (staged, unstaged, and untracked files) and "
                      "provide prioritized findings.")
BASE_BRANCH_PROMPT = (
    "Review the code changes against the base branch '{branch}'. Start by finding the merge diff "
    "between the current branch and {branch}'s upstream e.g. (`git merge-base HEAD \"$(git rev-parse "
    "--abbrev-ref \"{branch}@{upstream}\")\"`), then run `git diff` against that SHA to see what "
    "changes we would merge into the {branch} branch. Provide prioritized, actionable findings.")
COMMIT_PROMPT_WITH_TITLE = ("Review the code changes introduced by commit {sha} (\"{title}\"). Provide "
                            "prioritized, actionable findings.")
COMMIT_PROMPT = "Review the code changes introduced by commit {sha}. Provide prioritized, actionable findings."
USER_ACTION = ("<user_action>\n  <context>User initiated a review task. Here's the full review output "
               "from reviewer model. User may select one or more comments to resolve.</context>\n"
               "  <action>review</action>\n  <results>\n  {results}\n  </results>\n  </user_action>\n")


class ReviewError(ValueError):
    pass


def review_prompt(target: dict[str, Any]) -> str:
    kind = target.get("type")
    if kind == "uncommittedChanges":
        return UNCOMMITTED_PROMPT
    if kind == "baseBranch":
        return BASE_BRANCH_PROMPT.replace("{branch}", target.get("branch", ""))
    if kind == "commit":
        if target.get("title"):
            return COMMIT_PROMPT_WITH_TITLE.replace("{sha}", target.get("sha", "")).replace(
                "{title}", target["title"])
        return COMMIT_PROMPT.replace("{sha}", target.get("sha", ""))
    if kind == "custom":
        prompt = (target.get("instructions") or "").strip()
        if not prompt:
            raise ReviewError("Review prompt cannot be empty")
        return prompt
    raise ReviewError(f"unknown review target `{kind}`")


def user_facing_hint(target: dict[str, Any]) -> str:
    kind = target.get("type")
    if kind == "uncommittedChanges":
        return "current changes"
    if kind == "baseBranch":
        return f"changes against '{target.get('branch', '')}'"
    if kind == "commit":
        short = (target.get("sha") or "")[:7]
        return f"commit {short}: {target['title']}" if target.get("title") else f"commit {short}"
    return (target.get("instructions") or "").strip()


def parse_review_output(text: str) -> dict[str, Any]:
    """The reviewer's JSON (findings, overall_*), or its plain text as the explanation."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and ("findings" in data or "overall_explanation" in data):
        return {"findings": list(data.get("findings") or []),
                "overall_correctness": str(data.get("overall_correctness") or ""),
                "overall_explanation": str(data.get("overall_explanation") or ""),
                "overall_confidence_score": float(data.get("overall_confidence_score") or 0.0)}
    return {"findings": [], "overall_correctness": "", "overall_explanation": text,
            "overall_confidence_score": 0.0}


def render_review_output(output: dict[str, Any]) -> str:
    """The review as the user reads it: the explanation, then each finding."""
    parts = []
    if output.get("overall_explanation"):
        parts.append(output["overall_explanation"])
    for f in output.get("findings") or []:
        title = f.get("title", "")
        body = f.get("body", "")
        loc = f.get("code_location") or {}
        path = loc.get("absolute_file_path", "")
        rng = loc.get("line_range") or {}
        where = f"{path}:{rng.get('start', '')}-{rng.get('end', '')}" if path else ""
        parts.append("\n".join(x for x in (f"- {title}", where and f"  {where}", body and f"  {body}") if x))
    return "\n\n".join(parts)


# the sub-agent's events the parent thread shows (upstream forwards a filtered stream)
def _forwarded(msg: dict[str, Any]) -> bool:
    kind = msg.get("type")
    if kind in ("task_started", "user_message"):
        return True
    if kind == "item_started":
        return (msg.get("item") or {}).get("type") in ("UserMessage", "AgentMessage")
    if kind == "item_completed":
        return (msg.get("item") or {}).get("type") == "UserMessage"
    return False


async def run_review(parent: Any, target: dict[str, Any], turn_id: str,
                     hint: str | None = None) -> dict[str, Any]:
    """Run a review of `target` for the `parent` Session under the parent turn id `turn_id`."""
    from codex.core.compact import _read
    from codex.core.session import Session

    prompt = review_prompt(target)
    hint = hint or user_facing_hint(target)
    started = time.time()

    async def parent_emit(msg: dict[str, Any], record: bool = False) -> None:
        if record:
            parent._record(("event_msg", msg))
        await parent._emit(turn_id, msg)

    await parent_emit({"type": "entered_review_mode", "target": target, "user_facing_hint": hint},
                      record=True)
    ps = parent.settings
    settings = dataclasses.replace(
        ps, approval_policy="never", base_instructions=_read("review_prompt.md"),
        source={"subagent": "review"}, thread_source="subagent", review=True,
        parent_thread_id=parent.thread_id, subagent_kind="review", dynamic_tools=[])

    async def sub_sink(ev: Any) -> None:
        msg = ev.msg
        if _forwarded(msg):
            await parent_emit(msg, record=msg.get("type") in ("task_started", "user_message"))

    sub = Session(settings, sub_sink)
    try:
        await sub.start()
        done = await sub.run_turn([{"type": "text", "text": prompt, "text_elements": []}])
    finally:
        await sub.shutdown()
    text = sub.last_agent_message or ""
    output = parse_review_output(text)
    rendered = render_review_output(output)
    await parent_emit({"type": "user_message", "message": prompt, "images": [], "local_images": [],
                       "text_elements": []}, record=True)
    note = {"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": USER_ACTION.format(results=rendered)}]}
    parent.history.append(note)
    parent._record(("response_item", note))
    await parent_emit({"type": "exited_review_mode", "review_output": output}, record=True)
    answer = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": rendered}]}
    parent.history.append(answer)
    parent._record(("response_item", answer))
    item = {"type": "AgentMessage", "id": "review_rollout_assistant",
            "content": [{"type": "Text", "text": rendered}]}
    await parent_emit({"type": "item_started", "thread_id": parent.thread_id, "turn_id": turn_id, "item": item})
    await parent_emit({"type": "item_completed", "thread_id": parent.thread_id, "turn_id": turn_id, "item": item})
    await parent_emit({"type": "agent_message", "message": rendered, "phase": None,
                       "memory_citation": None}, record=True)
    complete = {"type": "task_complete", "turn_id": turn_id, "last_agent_message": None,
                "completed_at": int(time.time()), "duration_ms": int((time.time() - started) * 1000)}
    await parent_emit(complete, record=True)
    if parent.recorder is not None:
        await parent.recorder.aflush()
    if done.get("error"):
        complete = dict(complete, error=done["error"])
    return complete
