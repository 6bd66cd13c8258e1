"""The bundled model catalog (codex-rs/models-manager; `codex debug models --bundled`).

`models.json` (package data, byte-identical to 0.136.0's `codex debug models --bundled` output,
see NOTICE.md) is the source of truth: the model-facing texts (base instructions, personality
variables) are never re-typed here.

* `bundled_catalog_bytes()`: the file as shipped (what `codex debug models` prints).
* `bundled_models()`: the parsed list of model dicts, catalog order.
* `find_model(slug)` -> `ModelInfo` or None; `model_info(slug)` falls back to upstream's
  defaults for a slug the catalog does not know (`ModelInfo.known` is False then).
* `ModelInfo.base_instructions(personality)`: the instructions sent as `instructions`: the
  `model_messages.instructions_template` with `{{ personality }}` replaced by the personality's
  text (default "pragmatic", as the reference's exec sends), else `base_instructions`.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

__all__ = [
    "DEFAULT_MODEL", "DEFAULT_PERSONALITY", "ModelInfo", "bundled_catalog_bytes", "bundled_models",
    "fallback_instructions", "find_model", "model_info",
]

DEFAULT_MODEL = "gpt-5.5"
DEFAULT_PERSONALITY = "pragmatic"
_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models.json")
_PERSONALITY_PLACEHOLDER = "{{ personality }}"


@lru_cache(maxsize=1)
def bundled_catalog_bytes() -> bytes:
    with open(_PATH, "rb") as f:
        return f.read()


@lru_cache(maxsize=1)
def bundled_models() -> tuple[dict, ...]:
    return tuple(json.loads(bundled_catalog_bytes())["models"])


class ModelInfo:
    """One catalog entry (the raw dict is `raw`) with the derived values the client needs."""

    __slots__ = ("raw", "known")

    def __init__(self, raw: dict, known: bool = True):
        self.raw = raw
        self.known = known

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    slug = property(lambda self: self.raw["slug"])
    default_reasoning_level = property(lambda self: self.raw.get("default_reasoning_level"))
    default_reasoning_summary = property(lambda self: self.raw.get("default_reasoning_summary", "auto"))
    supports_reasoning_summaries = property(lambda self: bool(self.raw.get("supports_reasoning_summaries")))
    support_verbosity = property(lambda self: bool(self.raw.get("support_verbosity")))
    default_verbosity = property(lambda self: self.raw.get("default_verbosity"))
    supports_parallel_tool_calls = property(lambda self: bool(self.raw.get("supports_parallel_tool_calls")))
    truncation_policy = property(lambda self: dict(self.raw.get("truncation_policy") or
                                                   {"mode": "bytes", "limit": 10000}))
    context_window = property(lambda self: self.raw.get("context_window"))

    @property
    def model_context_window(self) -> int | None:
        """context_window x effective_context_window_percent / 100 (272000 -> 258400)."""
        cw = self.raw.get("context_window")
        if cw is None:
            return None
        return cw * int(self.raw.get("effective_context_window_percent", 95)) // 100

    def base_instructions(self, personality: str | None = DEFAULT_PERSONALITY) -> str:
        """The template filled with `personality_<name>` ("none"/None: `personality_default`,
        as the reference does for `personality = "none"`); the plain `base_instructions` when
        the model has no template or no such variable."""
        messages = self.raw.get("model_messages") or {}
        template = messages.get("instructions_template")
        if template:
            variables = messages.get("instructions_variables") or {}
            key = "personality_default" if personality in (None, "none") else f"personality_{personality}"
            text = variables.get(key)
            if text is not None:
                return template.replace(_PERSONALITY_PLACEHOLDER, text)
        return self.raw.get("base_instructions", "")

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"ModelInfo({self.slug!r}, known={self.known})"


def find_model(slug: str) -> ModelInfo | None:
    for m in bundled_models():
        if m["slug"] == slug:
            return ModelInfo(m)
    return None


# Upstream's fallback for an unknown slug (models-manager `model_info_from_slug`): no reasoning
# parameters, no verbosity, no parallel tool calls; the caller supplies the older prompt.
_FALLBACK = {
    "default_reasoning_level": None,
    "supports_reasoning_summaries": False,
    "default_reasoning_summary": "auto",
    "support_verbosity": False,
    "default_verbosity": None,
    "supports_parallel_tool_calls": False,
    "truncation_policy": {"mode": "bytes", "limit": 10000},
    "context_window": 272000,
    "effective_context_window_percent": 95,
}


@lru_cache(maxsize=1)
def fallback_instructions() -> str:
    """The instructions 0.136.0 sends for a model the catalog does not know (core's
    prompt.md: "You are a coding agent running in the Codex CLI..."), shipped verbatim as
    `fallback_instructions.md`."""
    with open(os.path.join(os.path.dirname(_PATH), "fallback_instructions.md"), encoding="utf-8") as f:
        return f.read()


def model_info(slug: str) -> ModelInfo:
    found = find_model(slug)
    if found is not None:
        return found
    return ModelInfo({"slug": slug, "display_name": slug, **_FALLBACK,
                      "base_instructions": fallback_instructions()}, known=False)
