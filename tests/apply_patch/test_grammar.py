"""The freeform tool's grammar is shipped byte-identical to what the reference sends."""

from __future__ import annotations

import json
from pathlib import Path

from codex.apply_patch import grammar

from . import harness

SPEC = json.loads((harness.FIXTURES / "tool_spec.json").read_text(encoding="utf-8"))
PACKAGE = Path(grammar.__file__).parent


def test_grammar_file_is_byte_identical():
    assert (PACKAGE / "tool_apply_patch.lark").read_bytes() == SPEC["format"]["definition"].encode("utf-8")


def test_tool_spec_matches_reference_request():
    assert grammar.freeform_tool_spec() == SPEC


def test_notice_names_upstream():
    notice = (PACKAGE / "NOTICE.txt").read_text(encoding="utf-8")
    assert "https://github.com/openai/codex" in notice and "Apache License, Version 2.0" in notice
