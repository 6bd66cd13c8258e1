"""Live differential runs: the same client script (a capture's c2s half) against the reference
binary (`codex mcp-server` of codex-cli 0.136.0) and ours, each with its own loopback marker
model; stdout compared line by line, byte for byte once ids, paths, times, durations and pids are
masked. Skipped when the reference is unavailable (see tests/parity/reference.py)."""
from __future__ import annotations

import difflib
import re

import pytest

from parity.reference import ReferenceUnavailable, find_reference, reference_required

from .replay import replay

pytestmark = pytest.mark.reference

_MASKS = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<UUID>"),
    (re.compile(r"/var/tmp/codex-parity/[^\"/\\]+"), "<ROOT>"),
    (re.compile(r'"(\w*(?:_at|_ms))":\d+'), r'"\1":0'),
    (re.compile(r'"process_id":"\d+"'), '"process_id":"<PID>"'),
    (re.compile(r'"nanos":\d+'), '"nanos":0'),
    (re.compile(r'"secs":\d+'), '"secs":0'),
    (re.compile(r"Chunk ID: \w+"), "Chunk ID: <ID>"),
    (re.compile(r"Wall time: [\d.]+"), "Wall time: <T>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d"), "<TS>"),
    (re.compile(r"sessions/\d+/\d+/\d+"), "sessions/<D>"),
    (re.compile(r"<current_date>[^<]*<"), "<current_date><D><"),
    (re.compile(r"codex_cli_rs/0\.136\.0 \([^)]*\) \w+"), "codex_cli_rs/0.136.0 (<OS>) <TERM>"),
]


def _canon(raw_lines: list[bytes]) -> list[str]:
    out = []
    for raw in raw_lines:
        s = raw.decode("utf-8", "replace").rstrip("\n")
        for rx, repl in _MASKS:
            s = rx.sub(repl, s)
        out.append(s)
    return out


@pytest.fixture(scope="module")
def reference():
    try:
        return find_reference()
    except ReferenceUnavailable as exc:
        if reference_required():
            pytest.fail(f"reference Codex required but unavailable: {exc}", pytrace=False)
        pytest.skip(f"reference Codex unavailable: {exc}")


@pytest.mark.parametrize("name", [
    "mcp_handshake",
    "mcp_handshake_2024_11_05",
    "mcp_codex_tool_call",
    "mcp_exec_approval_approved",
    "mcp_exec_approval_denied",
])
def test_stdout_identical_to_reference(reference, name):
    # two tries: under load the reference's command events (output delta, end) can interleave
    # differently with the turn's other events
    for _attempt in range(2):
        ref = replay(name, "reference")
        ours = replay(name, "ours")
        a, b = _canon(ref.raw_lines), _canon(ours.raw_lines)
        if a == b:
            return
    if a != b:
        diff = "\n".join(difflib.unified_diff(a, b, "reference", "ours", lineterm="", n=1))
        pytest.fail(f"stdout differs:\n{diff[:20000]}")


_runs: dict[tuple[str, str], object] = {}


def _run(name: str, which: str):
    if (name, which) not in _runs:
        _runs[(name, which)] = replay(name, which)
    return _runs[(name, which)]


def _rollout(result) -> dict[str, list[dict]]:
    import json

    def mask(line: str) -> dict:
        d = json.loads(line)
        d.pop("timestamp", None)
        return d
    return {k: [mask(line) for line in v] for k, v in result.rollouts.items()}


KNOWN_HEADER_GAPS = ("user-agent", "x-codex-turn-metadata")


@pytest.mark.parametrize("name", ["mcp_codex_tool_call", "mcp_exec_approval_approved"])
def test_rollouts_and_model_requests_match_reference(reference, name):
    ref, ours = _run(name, "reference"), _run(name, "ours")
    assert _rollout(ours) == _rollout(ref)
    assert len(ours.requests) == len(ref.requests)
    for a, b in zip(ref.requests, ours.requests):
        assert b["body"] == a["body"]
        ha = {k: v for k, v in a["headers"].items() if k not in KNOWN_HEADER_GAPS}
        hb = {k: v for k, v in b["headers"].items() if k not in KNOWN_HEADER_GAPS}
        assert hb == ha


def test_model_request_headers_match_reference(reference):
    ref, ours = _run("mcp_codex_tool_call", "reference"), _run("mcp_codex_tool_call", "ours")
    assert [r["headers"] for r in ours.requests] == [r["headers"] for r in ref.requests]


def _first_call_with(arguments: dict) -> list[dict]:
    """mcp_codex_tool_call's first `codex` call, with more tool arguments."""
    import copy

    from .replay import load_transcript

    capture = load_transcript("mcp_codex_tool_call")
    cut = next(i for i, t in enumerate(capture) if t["dir"] == "s2c" and t["msg"].get("id") == 2)
    capture = copy.deepcopy(capture[:cut + 1])
    capture[3]["msg"]["params"]["arguments"].update(arguments)
    return capture


def _session_configured(result) -> dict:
    return next(t["msg"]["params"]["msg"] for t in result.transcript
                if t["msg"].get("method") == "codex/event"
                and t["msg"]["params"]["msg"]["type"] == "session_configured")


@pytest.mark.parametrize("arguments", [
    {"model": "gpt-5.4", "config": {"model_reasoning_effort": "high"}, "base-instructions": "BASE",
     "approval-policy": "never", "sandbox": "danger-full-access"},
    {"config": {"model_reasoning_effort": "low"}, "approval-policy": "on-failure", "sandbox": "read-only"},
    {"approval-policy": "untrusted"},
])
def test_tool_arguments_like_reference(reference, arguments):
    capture = _first_call_with(arguments)
    ref, ours = replay("args", "reference", capture=capture), replay("args", "ours", capture=capture)
    assert _session_configured(ours) == _session_configured(ref)
    assert [r["body"] for r in ours.requests] == [r["body"] for r in ref.requests]


def test_developer_instructions_like_reference(reference):
    capture = _first_call_with({"developer-instructions": "DEV"})
    ref, ours = replay("args", "reference", capture=capture), replay("args", "ours", capture=capture)
    assert [r["body"] for r in ours.requests] == [r["body"] for r in ref.requests]
