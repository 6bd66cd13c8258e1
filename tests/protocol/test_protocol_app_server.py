"""App-server v2: every transcript message decodes through the generated types (params by
method, results by the request they answer) and re-encodes identically. Server -> client
messages must match byte order too; client -> server ones were written by the capture
driver (a Python script, its own key order), so they are compared as values."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from _fixtures_protocol import ROOT, APP, canon, transcript_messages, transcript_raw_lines

from codex.protocol import ProtocolError, encode
from codex.protocol import app_server_v2 as v2
from codex.protocol.jsonrpc import JSONRPCResponse, decode_message, decode_result

# Messages the capture driver sent on purpose to provoke errors.
EXPECTED_INVALID = {"handshake.jsonl:11", "handshake.jsonl:13", "handshake.jsonl:26"}


def test_method_counts_match_methods_json():
    methods = json.loads((APP / "methods.json").read_text())
    assert len(v2.CLIENT_REQUESTS) == len(methods["client_requests"]) == 109
    assert len(v2.SERVER_REQUESTS) == len(methods["server_requests"]) == 10
    assert len(v2.SERVER_NOTIFICATIONS) == len(methods["server_notifications"]) == 64
    assert len(v2.CLIENT_NOTIFICATIONS) == len(methods["client_notifications"]) == 1
    for m in methods["client_requests"]:
        spec = v2.CLIENT_REQUESTS[m["method"]]
        assert spec.experimental == m["experimental"], m["method"]
        assert spec.response is not None, m["method"]
    assert set(v2.CLIENT_REQUESTS_LEGACY) == set(methods["client_requests_ts_only"])


def test_transcripts_round_trip():
    pending: dict = {}
    counts = {"c2s": 0, "s2c": 0, "typed_results": 0}
    invalid = set()
    for where, direction, text in transcript_messages():
        name = where.split(":")[0]
        try:
            msg = decode_message(text, direction)
        except ProtocolError:
            invalid.add(where)
            continue
        if isinstance(msg, JSONRPCResponse):
            other = "s2c" if direction == "c2s" else "c2s"
            method = pending.pop((name, other, msg.id), None)
            if method is not None:
                msg.result = decode_result(msg.result, method, other)
                counts["typed_results"] += 1
        elif getattr(msg, "id", None) is not None and hasattr(msg, "method"):
            pending[(name, direction, msg.id)] = msg.method
        out = encode(msg)
        if direction == "s2c":
            assert canon(out) == canon(text), where
        else:
            assert json.loads(out) == json.loads(text), where
        counts[direction] += 1
    assert invalid == EXPECTED_INVALID
    assert counts["c2s"] + counts["s2c"] == 960
    assert counts["typed_results"] >= 180


def test_params_are_typed():
    text = '{"method": "thread/started", "params": {"thread": {"id": "t", "sessionId": "t", "forkedFromId": null, "preview": "", "ephemeral": false, "modelProvider": "mock", "createdAt": 1, "updatedAt": 1, "status": {"type": "idle"}, "path": null, "cwd": "/w", "cliVersion": "0.136.0", "source": "vscode", "threadSource": null, "agentNickname": null, "agentRole": null, "gitInfo": null, "name": null, "turns": []}}}'
    msg = decode_message(text, "s2c")
    assert isinstance(msg.params, v2.ThreadStartedNotification)
    assert msg.params.thread.model_provider == "mock"
    assert canon(encode(msg)) == canon(text)


def test_invalid_messages_are_protocol_errors():
    with pytest.raises(ProtocolError, match="unknown method 'no/such/method'"):
        decode_message('{"id": 4, "method": "no/such/method", "params": {}}', "c2s")
    with pytest.raises(ProtocolError) as e:
        decode_message('{"id": 5, "method": "thread/read", "params": {"threadIdX": "nope"}}', "c2s")
    assert e.value.where == "$.params" and "threadId" in e.value.detail
    for _, direction, raw in transcript_raw_lines():
        with pytest.raises(ProtocolError, match="invalid JSON-RPC message"):
            decode_message(raw, direction)
    with pytest.raises(ProtocolError) as e:
        decode_message('{"method": "turn/started", "params": {"threadId": 3}}', "s2c")
    assert e.value.where.startswith("$.params")


def test_flat_union_params():
    text = '{"method": "mcpServer/elicitation/request", "id": 0, "params": {"threadId": "t", "turnId": null, "serverName": "s", "mode": "url", "_meta": null, "message": "m", "url": "https://x", "elicitationId": "e"}}'
    msg = decode_message(text, "s2c")
    assert isinstance(msg.params, v2.McpServerElicitationRequestParamsUrl)
    assert canon(encode(msg)) == canon(text)
    with pytest.raises(ProtocolError, match=r"\$\.params\.mode"):
        decode_message(text.replace('"url", "_meta"', '"nope", "_meta"'), "s2c")


def test_generated_module_is_current():
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_app_server_protocol.py"), "--check"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
