"""`Decision`: what a matching rule says about a command (upstream `decision.rs`).

Ordered like the Rust enum (`Allow < Prompt < Forbidden`) so the strictest decision is `max()`.
"""

from __future__ import annotations

import enum

from codex.execpolicy.error import InvalidDecision

__all__ = ["Decision"]


class Decision(enum.IntEnum):
    ALLOW = 0
    """Command may run without further approval."""
    PROMPT = 1
    """Request explicit user approval; rejected outright with `approval_policy="never"`."""
    FORBIDDEN = 2
    """Command is blocked without further consideration."""

    @classmethod
    def parse(cls, raw: str) -> "Decision":
        try:
            return _BY_NAME[raw]
        except KeyError:
            raise InvalidDecision(raw) from None

    @property
    def wire(self) -> str:
        """The serde (camelCase) name: `allow`, `prompt`, `forbidden`."""
        return _WIRE[self]

    @property
    def debug(self) -> str:
        """Rust's `{:?}`: `Allow`, `Prompt`, `Forbidden`."""
        return _DEBUG[self]


_BY_NAME = {"allow": Decision.ALLOW, "prompt": Decision.PROMPT, "forbidden": Decision.FORBIDDEN}
_WIRE = {v: k for k, v in _BY_NAME.items()}
_DEBUG = {Decision.ALLOW: "Allow", Decision.PROMPT: "Prompt", Decision.FORBIDDEN: "Forbidden"}
