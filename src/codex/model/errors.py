"""Errors of a model request, with 0.136.0's wording (codex-protocol `CodexErr` Display) and
its retry classification (`is_retryable`: whether the turn-level stream retry loop tries again).

`str(err)` is the text the reference prints (`error` / `turn.failed` messages, the detail in
`Reconnecting... n/m (<detail>)`).
"""

from __future__ import annotations

import http
import json

__all__ = [
    "ModelError", "StreamError", "InternalServerError", "RetryLimitError", "UnexpectedStatusError",
    "InvalidRequestError", "ContextWindowExceeded", "QuotaExceeded", "UsageNotIncluded",
    "ServerOverloaded", "CyberPolicyError", "RequestTimeout", "UsageLimitReached", "status_text",
]

# hyper's canonical reasons where Python's http.HTTPStatus words them differently
_REASONS = {
    413: "Payload Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable",
    422: "Unprocessable Entity", 418: "I'm a teapot",
}


def status_text(code: int) -> str:
    """`http::StatusCode` Display: "429 Too Many Requests"."""
    reason = _REASONS.get(code)
    if reason is None:
        try:
            reason = http.HTTPStatus(code).phrase
        except ValueError:
            reason = "<unknown status code>"
    return f"{code} {reason}"


class ModelError(Exception):
    retryable = False
    delay: float | None = None     # server-suggested retry delay in seconds

    @property
    def message(self) -> str:
        return str(self)


class StreamError(ModelError):
    """CodexErr::Stream: the SSE stream broke (dropped, idle, response.failed without a known
    code...). Retryable; `delay` comes from "try again in N s" in a rate-limit failure."""

    retryable = True

    def __init__(self, detail: str, delay: float | None = None):
        self.detail = detail
        self.delay = delay
        super().__init__(f"stream disconnected before completion: {detail}")


class InternalServerError(ModelError):
    retryable = True

    def __init__(self):
        super().__init__("We're currently experiencing high demand, which may cause temporary errors.")


class RetryLimitError(ModelError):
    def __init__(self, status: int, request_id: str | None = None):
        self.status = status
        self.request_id = request_id
        msg = f"exceeded retry limit, last status: {status_text(status)}"
        if request_id:
            msg += f", request id: {request_id}"
        super().__init__(msg)


def _body_message(body: str) -> str:
    """UnexpectedResponseError::display_body: `error.message` (trimmed, non-empty) of a JSON
    body, else the trimmed body cut at 1000 bytes with "...", or "Unknown error"."""
    try:
        value = json.loads(body)
    except ValueError:
        value = None
    if isinstance(value, dict):
        err = value.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str) and err["message"].strip():
            return err["message"].strip()
    trimmed = body.strip()
    if not trimmed:
        return "Unknown error"
    raw = trimmed.encode("utf-8")
    if len(raw) <= 1000:
        return trimmed
    return raw[:1000].decode("utf-8", errors="ignore") + "..."


_CLOUDFLARE_BLOCKED = ("Access blocked by Cloudflare. This usually happens when connecting from a "
                       "restricted region")


class UnexpectedStatusError(ModelError):
    retryable = True   # 0.136.0 retries e.g. a 404 or 503 at the turn level ("Reconnecting...")

    def __init__(self, status: int, body: str, url: str | None = None, cf_ray: str | None = None,
                 request_id: str | None = None, auth_error: str | None = None,
                 auth_error_code: str | None = None):
        self.status = status
        self.body = body
        self.url = url
        self.cf_ray = cf_ray
        self.request_id = request_id
        if status == 403 and "Cloudflare" in body and "blocked" in body:
            msg = f"{_CLOUDFLARE_BLOCKED} (status {status_text(status)})"
        else:
            msg = f"unexpected status {status_text(status)}: {_body_message(body)}"
        for label, value in (("url", url), ("cf-ray", cf_ray), ("request id", request_id),
                             ("auth error", auth_error), ("auth error code", auth_error_code)):
            if value:
                msg += f", {label}: {value}"
        super().__init__(msg)


class InvalidRequestError(ModelError):
    def __init__(self, message: str):
        super().__init__(message)


class CyberPolicyError(ModelError):
    def __init__(self, message: str = "This request has been flagged for possible cybersecurity risk."):
        super().__init__(message)


class ContextWindowExceeded(ModelError):
    def __init__(self):
        super().__init__("Codex ran out of room in the model's context window. Start a new thread or "
                         "clear earlier history before retrying.")


class QuotaExceeded(ModelError):
    def __init__(self):
        super().__init__("Quota exceeded. Check your plan and billing details.")


class UsageNotIncluded(ModelError):
    def __init__(self):
        super().__init__("To use Codex with your ChatGPT plan, upgrade to Plus: "
                         "https://chatgpt.com/explore/plus.")


class ServerOverloaded(ModelError):
    def __init__(self):
        super().__init__("Selected model is at capacity. Please try a different model.")


class RequestTimeout(ModelError):
    retryable = True

    def __init__(self):
        super().__init__("request timed out")


def _day_suffix(day: int) -> str:
    if 11 <= day <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def format_retry_timestamp(resets_at: int, now: float | None = None) -> str:
    """Local time "3:45 PM" today, else "Apr 7th, 2026 1:07 AM" (chrono's %-I:%M %p)."""
    import datetime as dt

    local = dt.datetime.fromtimestamp(resets_at).astimezone()
    today = dt.datetime.fromtimestamp(now if now is not None else dt.datetime.now().timestamp()).astimezone()
    clock = f"{(local.hour % 12) or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    if local.date() == today.date():
        return clock
    return f"{local.strftime('%b')} {local.day}{_day_suffix(local.day)}, {local.year} {clock}"


def _retry_suffix(resets_at: int | None) -> str:
    return f" Try again at {format_retry_timestamp(resets_at)}." if resets_at is not None else " Try again later."


def _retry_suffix_after_or(resets_at: int | None) -> str:
    return (f" or try again at {format_retry_timestamp(resets_at)}." if resets_at is not None
            else " or try again later.")


_REACHED_TYPES = {
    "workspace_owner_credits_depleted": "Your workspace is out of credits. Add credits to continue.",
    "workspace_member_credits_depleted": "Your workspace is out of credits. Ask your workspace owner to refill "
                                         "in order to continue.",
    "workspace_owner_usage_limit_reached": "You hit your spend cap set in your workspace. Increase your spend "
                                           "cap to continue.",
    "workspace_member_usage_limit_reached": "You hit your spend cap set by the owner of your workspace. Ask an "
                                            "owner to increase your spend cap to continue.",
}


def _plan(plan_type: str | None) -> str | None:
    return plan_type.lower().replace("_", "").replace("-", "") if isinstance(plan_type, str) else None


class UsageLimitReached(ModelError):
    """429 with `error.type = usage_limit_reached` (the plan's limit, not a rate limit); the
    wording follows the plan type, the limit name, a promo message and the reset time."""

    def __init__(self, plan_type: str | None = None, resets_at: int | None = None,
                 rate_limits: dict | None = None, promo_message: str | None = None,
                 rate_limit_reached_type: str | None = None):
        self.plan_type = plan_type
        self.resets_at = resets_at
        self.rate_limits = rate_limits
        self.promo_message = promo_message
        self.rate_limit_reached_type = rate_limit_reached_type
        super().__init__(self._render())

    def _render(self) -> str:
        r = self.resets_at
        name = ((self.rate_limits or {}).get("limit_name") or "").strip()
        if name and name.lower() != "codex":
            return f"You've hit your usage limit for {name}. Switch to another model now,{_retry_suffix_after_or(r)}"
        if self.rate_limit_reached_type in _REACHED_TYPES:
            return _REACHED_TYPES[self.rate_limit_reached_type]
        if self.promo_message:
            return f"You've hit your usage limit. {self.promo_message},{_retry_suffix_after_or(r)}"
        plan = _plan(self.plan_type)
        if plan == "plus":
            return ("You've hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit "
                    f"https://chatgpt.com/codex/settings/usage to purchase more credits{_retry_suffix_after_or(r)}")
        if plan in ("team", "selfservebusinessusagebased", "business", "enterprisecbpusagebased"):
            return f"You've hit your usage limit. To get more access now, send a request to your admin{_retry_suffix_after_or(r)}"
        if plan in ("free", "go"):
            return ("You've hit your usage limit. Upgrade to Plus to continue using Codex "
                    f"(https://chatgpt.com/explore/plus),{_retry_suffix_after_or(r)}")
        if plan in ("pro", "prolite"):
            return ("You've hit your usage limit. Visit https://chatgpt.com/codex/settings/usage to purchase more "
                    f"credits{_retry_suffix_after_or(r)}")
        return f"You've hit your usage limit.{_retry_suffix(r)}"
