"""The request body and headers equal the FIRST request of every `codex exec` capture.

The client is driven directly with the capture's inputs (instructions, input items, tools,
thread id, turn metadata, ...) against the loopback mock; what the mock recorded is compared
with the capture after the parity normalization (host and content-length dropped,
authorization redacted)."""
from __future__ import annotations

import asyncio
import json

import msgspec
import pytest

from parity.mock_responses import MockResponses, sse, text_stream
from parity.normalize import request_view

from model_helpers import CAPTURE_OS, SCENARIOS, build, first_request, provider_for_capture

from codex.model import request as R
from codex.model.client import ResponsesClient
from codex.model.providers import BearerAuth


def _send(scenario: str, body: dict, headers) -> list:
    async def go():
        with MockResponses([sse(text_stream("ok"))]) as mock:
            client = ResponsesClient(provider_for_capture(scenario, mock.base_url), BearerAuth("sk-mock-key"))
            try:
                async for _ in client.stream_turn(body, headers):
                    pass
            finally:
                await client.aclose()
            return mock.responses_requests()
    return asyncio.run(go())


def test_scenarios_present():
    assert len(SCENARIOS) >= 30


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_body_built_from_inputs_equals_capture(scenario):
    req = first_request(scenario)
    body, _ = build(req)
    assert list(body) == list(req["body"])
    assert body == req["body"]
    # serde_json's compact form, key order included
    assert R.encode_body(body) == msgspec.json.encode(req["body"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_first_request_on_the_wire_equals_capture(scenario):
    req = first_request(scenario)
    body, headers = build(req)
    recorded = _send(scenario, body, headers)
    assert len(recorded) == 1
    ours = request_view(recorded[0])
    theirs = request_view(req)
    if R.os_info() != CAPTURE_OS:   # the user agent names the real OS
        ours["headers"].pop("user-agent")
        theirs["headers"].pop("user-agent")
    assert ours == theirs
    # header order as the reference sends them (host aside: the HTTP library puts it first)
    names = [k for k, _ in recorded[0].headers if k.lower() != "host"]
    ref_names = [k for k in req["headers"] if k != "host"]
    assert names == ref_names
    assert int(recorded[0].header("content-length")) == len(recorded[0].body)
    assert recorded[0].body == R.encode_body(body)
    assert recorded[0].header("authorization") == "Bearer sk-mock-key"


def test_user_agent_format():
    ua = R.exec_user_agent({})
    os_type, version, arch = R.os_info()
    assert ua == f"codex_exec/0.136.0 ({os_type} {version}; {arch}) unknown (codex_exec; 0.136.0)"
    if R.os_info() == CAPTURE_OS:
        assert ua == first_request("text_only")["headers"]["user-agent"]
    assert R.exec_user_agent({"TERM": "xterm-256color"}).endswith(") xterm-256color (codex_exec; 0.136.0)")
    assert R.exec_user_agent({"TERM_PROGRAM": "iTerm.app", "TERM_PROGRAM_VERSION": "3.5"}).endswith(
        ") iTerm.app/3.5 (codex_exec; 0.136.0)")
    assert R._os_version("22.04") == "22.4.0" and R._os_version("12") == "12.0.0"


def test_body_rules_for_other_models_and_options():
    from codex.model import catalog

    base = dict(instructions="i", input=[], tools=[], prompt_cache_key="t", installation_id="x")
    b = R.build_body(catalog.model_info("gpt-5.1-codex"), **base)
    assert b["reasoning"] is None and b["include"] == [] and b["parallel_tool_calls"] is False
    assert "text" not in b
    b = R.build_body(catalog.model_info("gpt-5.5"), reasoning_effort="high", reasoning_summary="detailed",
                     verbosity="high", output_schema={"type": "object"}, service_tier="priority", **base)
    assert b["reasoning"] == {"effort": "high", "summary": "detailed"}
    assert b["text"] == {"verbosity": "high", "format": {"type": "json_schema", "strict": True,
                                                         "schema": {"type": "object"},
                                                         "name": "codex_output_schema"}}
    assert list(b)[9:12] == ["include", "service_tier", "prompt_cache_key"]
    # gpt-5.2 defaults its summary to auto
    assert R.build_body(catalog.model_info("gpt-5.2"), **base)["reasoning"] == {"effort": "medium", "summary": "auto"}


def test_output_schema_capture():
    req = first_request("output_schema")
    assert req["body"]["text"]["format"]["name"] == "codex_output_schema"
    body, _ = build(req)
    assert body["text"] == req["body"]["text"]


def test_installation_id(tmp_path):
    home = tmp_path / "codex_home"
    first = R.installation_id(str(home))
    path = home / "installation_id"
    assert path.read_text() == first and len(first) == 36
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert R.installation_id(str(home)) == first
    path.write_text("  " + first.upper() + "\n")
    assert R.installation_id(str(home)) == first
    path.write_text("not a uuid")
    again = R.installation_id(str(home))
    assert again != first and path.read_text() == again


def test_turn_metadata_header_is_compact_and_ordered():
    req = first_request("text_only")
    meta = json.loads(req["headers"]["x-codex-turn-metadata"])
    assert R.turn_metadata_header(meta) == req["headers"]["x-codex-turn-metadata"]


def test_options_from_config_reproduce_captured_bodies():
    from model_helpers import INSTRUCTIONS

    opts = R.options_from_config({"model": "gpt-5.5"})
    assert opts["instructions"] == INSTRUCTIONS and opts["model_info"].slug == "gpt-5.5"
    req = first_request("reasoning_config")
    opts = R.options_from_config({"model_reasoning_effort": "high", "model_reasoning_summary": "detailed"})
    body = R.build_body(**opts, input=req["body"]["input"], tools=req["body"]["tools"],
                        prompt_cache_key=req["body"]["prompt_cache_key"],
                        installation_id=req["body"]["client_metadata"]["x-codex-installation-id"])
    assert body == req["body"]
    assert R.options_from_config({"base_instructions": "X"})["instructions"] == "X"
    assert R.options_from_config({"personality": "friendly"})["instructions"] != INSTRUCTIONS
