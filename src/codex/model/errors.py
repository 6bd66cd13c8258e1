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
    try:
        value = json.loads(body)
    except ValueError:
        return body
    if isinstance(value, dict):
        err = value.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
    return body


class UnexpectedStatusError(ModelError):
    retryable = True   # 0.136.0 retries e.g. a 404 or 503 at the turn level ("Reconnecting...")

    def __init__(self, status: int, body: str, url: str | None = None, cf_ray: str | None = None,
                 request_id: str | None = None):
        self.status = status
        self.body = body
        self.url = url
        self.cf_ray = cf_ray
        self.request_id = request_id
        msg = f"unexpected status {status_text(status)}: {_body_message(body)}"
        if url:
            msg += f", url: {url}"
        if cf_ray:
            msg += f", cf-ray: {cf_ray}"
        if request_id:
            msg += f", request id: {request_id}"
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


class UsageLimitReached(ModelError):
    """429 with `error.type = usage_limit_reached` (the plan's limit, not a rate limit)."""

    def __init__(self, plan_type: str | None = None, resets_at: int | None = None,
                 rate_limits: dict | None = None):
        self.plan_type = plan_type
        self.resets_at = resets_at
        self.rate_limits = rate_limits
        super().__init__("You've hit your usage limit. Try again later.")
