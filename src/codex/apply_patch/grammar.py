"""The freeform `apply_patch` tool as the model sees it: name, description, Lark grammar.

The grammar text is package data (`tool_apply_patch.lark`, byte-identical to upstream's
codex-rs/tools/src/tool_apply_patch.lark; see NOTICE.txt) and goes verbatim into the tool's
`format.definition`.
"""

from __future__ import annotations

import os

TOOL_NAME = "apply_patch"
TOOL_DESCRIPTION = "Use the `apply_patch` tool to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON."
GRAMMAR_FILE = "tool_apply_patch.lark"

_grammar: str | None = None


def tool_grammar() -> str:
    """The Lark grammar of the apply_patch tool (read once)."""
    global _grammar
    if _grammar is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), GRAMMAR_FILE)
        with open(path, encoding="utf-8", newline="") as fh:
            _grammar = fh.read()
    return _grammar


def freeform_tool_spec() -> dict:
    """`{"type": "custom", "name": "apply_patch", ...}` as sent in a Responses request."""
    return {
        "type": "custom",
        "name": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "format": {"type": "grammar", "syntax": "lark", "definition": tool_grammar()},
    }
