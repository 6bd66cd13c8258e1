"""Decode failures at the boundary are ProtocolErrors (what / where / detail); unknown
variants behave as upstream (serde ``other`` fallbacks where upstream has one)."""

from __future__ import annotations

import json

import msgspec
import pytest

from codex.protocol import ProtocolError, encode
from codex.protocol.config_types import (
    AskForApproval, AskForApprovalMode, GranularAskForApproval, PermissionProfile,
    ReasoningEffort, ReasoningSummary, SandboxMode, SandboxPolicy, Verbosity, WorkspaceWrite,
)
from codex.protocol.exec_events import AgentMessageItem, ItemCompleted, decode_thread_event
from codex.protocol.models import (
    Message, OtherItem, OutputText, Reasoning, ResponseItem, UnknownSseEvent,
    decode_response_item, decode_sse_event,
)
from codex.protocol.rollout import UntypedEventMsg, decode_rollout_line


def test_rollout_errors_name_what_and_where():
    with pytest.raises(ProtocolError) as e:
        decode_rollout_line('{"timestamp": "t", "type": "bogus", "payload": {}}')
    assert e.value.what == "rollout line" and e.value.where == "$.type"
    with pytest.raises(ProtocolError) as e:
        decode_rollout_line('{"timestamp": "t", "type": "event_msg", "payload": {"type": "nope"}}')
    assert e.value.where == "$.payload.type"
    with pytest.raises(ProtocolError) as e:
        decode_rollout_line('{"timestamp": "t", "type": "event_msg", "payload": {"type": "agent_message"}}')
    assert e.value.where == "$.payload" and "message" in e.value.detail
    with pytest.raises(ProtocolError) as e:
        decode_rollout_line('{"timestamp": "t", "type": "response_item", "payload": {"type": "message", "role": 1, "content": []}}')
    assert e.value.where == "$.payload.role"
    with pytest.raises(ProtocolError, match="invalid rollout line"):
        decode_rollout_line("{not json")
    assert str(ProtocolError("x", "$.a", "bad")) == "invalid x at $.a: bad"


def test_untyped_persisted_event_kept_verbatim():
    text = '{"timestamp":"t","type":"event_msg","payload":{"type":"thread_goal_updated","z":1,"a":[2]}}'
    line = decode_rollout_line(text)
    assert isinstance(line.payload, UntypedEventMsg) and line.payload.type == "thread_goal_updated"
    assert encode(line).decode() == text


def test_unknown_response_item_is_other():
    assert decode_response_item('{"type": "brand_new", "x": 1}') == OtherItem()
    assert decode_response_item({"type": "brand_new"}) == OtherItem()
    line = decode_rollout_line('{"timestamp":"t","type":"response_item","payload":{"type":"future_item"}}')
    assert isinstance(line.payload, OtherItem)
    # Inside a typed container the tagged union is strict.
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"type":"future_item"}', type=ResponseItem)


def test_response_item_field_rules():
    # phase omitted when unset, written when set; reasoning content written as null.
    m = Message(role="assistant", content=[OutputText(text="hi")])
    assert encode(m) == b'{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hi"}]}'
    m.phase = "commentary"
    assert encode(m).endswith(b',"phase":"commentary"}')
    r = Reasoning(summary=[], encrypted_content="e")
    assert encode(r) == b'{"type":"reasoning","summary":[],"content":null,"encrypted_content":"e"}'
    # Unknown fields are ignored (serde default), SSE item ids and status included.
    item = decode_response_item('{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[]}')
    assert encode(item) == b'{"type":"message","role":"assistant","content":[]}'


def test_sse_unknown_and_invalid():
    assert decode_sse_event('{"type": "response.content_part.added"}') == UnknownSseEvent(type="response.content_part.added")
    ev = decode_sse_event('{"type": "response.output_item.done", "item": {"type": "mystery"}}')
    assert ev.item == OtherItem()
    with pytest.raises(ProtocolError) as e:
        decode_sse_event('{"type": "response.output_text.delta", "delta": 5}')
    assert e.value.what == "SSE event" and e.value.where == "$.delta"
    with pytest.raises(ProtocolError) as e:
        decode_sse_event('{"type": "response.output_item.added", "item": {"type": "function_call", "name": "x"}}')
    assert e.value.where.startswith("$.item")


def test_exec_events():
    ev = ItemCompleted(item=AgentMessageItem(id="item_0", text="hi"))
    assert encode(ev) == b'{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"hi"}}'
    assert decode_thread_event(encode(ev)) == ev
    with pytest.raises(ProtocolError) as e:
        decode_thread_event('{"type": "item.completed", "item": {"id": "x", "type": "nope"}}')
    assert e.value.where == "$.item.type"
    with pytest.raises(ProtocolError) as e:
        decode_thread_event('{"type": "turn.exploded"}')
    assert e.value.what == "exec thread event"


@pytest.mark.parametrize(
    "enum, spellings",
    [
        (ReasoningEffort, ["none", "minimal", "low", "medium", "high", "xhigh"]),
        (ReasoningSummary, ["auto", "concise", "detailed", "none"]),
        (Verbosity, ["low", "medium", "high"]),
        (SandboxMode, ["read-only", "workspace-write", "danger-full-access"]),
        (AskForApprovalMode, ["untrusted", "on-failure", "on-request", "never"]),
    ],
)
def test_enum_spellings(enum, spellings):
    assert [e.value for e in enum] == spellings
    for s in spellings:
        assert msgspec.json.decode(json.dumps(s), type=enum) == s
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'"bogus"', type=enum)


def test_policies():
    g = msgspec.json.decode(
        b'{"granular":{"sandbox_approval":true,"rules":false,"skill_approval":false,"request_permissions":true,"mcp_elicitations":false}}',
        type=AskForApproval,
    )
    assert isinstance(g, GranularAskForApproval) and g.granular.request_permissions
    assert msgspec.json.decode(b'"on-request"', type=AskForApproval) == AskForApprovalMode.ON_REQUEST
    ww = msgspec.json.decode(b'{"type":"workspace-write","network_access":true}', type=SandboxPolicy)
    assert isinstance(ww, WorkspaceWrite) and ww.network_access
    assert encode(ww) == b'{"type":"workspace-write","network_access":true,"exclude_tmpdir_env_var":false,"exclude_slash_tmp":false}'
    assert encode(msgspec.json.decode(b'{"type":"read-only"}', type=SandboxPolicy)) == b'{"type":"read-only"}'
    assert encode(msgspec.json.decode(b'{"type":"disabled"}', type=PermissionProfile)) == b'{"type":"disabled"}'
