"""The bundled model catalog and `codex debug models` against the reference's output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codex.model import catalog

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "model"
ROOT = Path(__file__).resolve().parents[2]


def test_bundled_catalog_is_byte_identical_to_reference():
    assert catalog.bundled_catalog_bytes() == (FIX / "cli" / "models-bundled.json").read_bytes()


def test_catalog_slugs_and_default():
    slugs = [m["slug"] for m in catalog.bundled_models()]
    assert slugs == ["gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.3-codex", "gpt-5.2", "codex-auto-review"]
    assert catalog.DEFAULT_MODEL == "gpt-5.5"


def test_gpt55_instructions_equal_captured_request_instructions():
    info = catalog.model_info("gpt-5.5")
    expected = (FIX / "exec" / "_common" / "instructions.txt").read_text()
    assert info.base_instructions() == expected
    assert len(expected) == 21335
    # the raw base_instructions are the "default" personality variant, not what exec sends
    assert info["base_instructions"] != expected


def test_model_defaults():
    info = catalog.model_info("gpt-5.5")
    assert info.default_reasoning_level == "medium"
    assert info.default_reasoning_summary == "none"
    assert info.default_verbosity == "low"
    assert info.truncation_policy == {"mode": "tokens", "limit": 10000}
    assert info.model_context_window == 258400
    assert catalog.model_info("gpt-5.2").truncation_policy == {"mode": "bytes", "limit": 10000}


def test_unknown_slug_falls_back():
    info = catalog.model_info("gpt-5.1-codex")
    assert not info.known
    assert info.default_reasoning_level is None
    assert not info.supports_parallel_tool_calls
    assert catalog.find_model("nope") is None


@pytest.mark.parametrize("args,fixture", [(["--bundled"], "models-bundled.json"), ([], "models.json")])
def test_debug_models_cli(tmp_path, args, fixture):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CODEX_HOME": str(tmp_path / ".codex"),
           "PYTHONPATH": str(ROOT / "src"), "TMPDIR": str(tmp_path / "tmpdir")}
    (tmp_path / ".codex").mkdir()
    (tmp_path / "tmpdir").mkdir()  # CODEX_HOME under the temp dir would add a PATH warning
    r = subprocess.run([sys.executable, "-m", "codex", "debug", "models", *args], capture_output=True,
                       env=env, cwd=tmp_path, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr == b""
    assert r.stdout == (FIX / "cli" / fixture).read_bytes()
    json.loads(r.stdout)


def test_personalities():
    info = catalog.model_info("gpt-5.5")
    t = info["model_messages"]["instructions_template"]
    v = info["model_messages"]["instructions_variables"]
    assert info.base_instructions("none") == t.replace("{{ personality }}", v["personality_default"])
    assert info.base_instructions(None) == info.base_instructions("none")
    assert info.base_instructions("friendly") == t.replace("{{ personality }}", v["personality_friendly"])
    # no template: the plain base instructions
    assert catalog.model_info("gpt-5.2").base_instructions() == catalog.model_info("gpt-5.2")["base_instructions"]


def test_service_tier():
    from codex.model.request import request_service_tier

    assert request_service_tier(catalog.model_info("gpt-5.5"), "fast") == "priority"
    assert request_service_tier(catalog.model_info("gpt-5.5"), "flex") is None
    assert request_service_tier(catalog.model_info("gpt-5.4-mini"), "fast") is None
    assert request_service_tier(catalog.model_info("gpt-5.5"), None) is None


def test_fallback_instructions_for_unknown_models():
    text = catalog.model_info("my-local-model").base_instructions("friendly")
    assert text == catalog.fallback_instructions()
    assert text.startswith("You are a coding agent running in the Codex CLI, a terminal-based coding assistant.")
    assert len(text) == 20771
