"""Every captured request body, rollout line and ``--json`` event decodes into the typed
objects and re-encodes to identical JSON (key order included)."""

from __future__ import annotations

import collections

from _fixtures_protocol import canon, event_lines, request_bodies, rollout_lines, sse_events

from codex.protocol import encode, decode
from codex.protocol.exec_events import decode_thread_event
from codex.protocol.models import ResponsesApiRequest, UnknownSseEvent, decode_sse_event
from codex.protocol.rollout import decode_rollout_line


def _check(items, dec):
    n = 0
    bad = []
    for where, text in items:
        obj = dec(text)
        if canon(encode(obj)) != canon(text):
            bad.append(where)
        n += 1
    assert not bad, bad[:5]
    return n


def test_rollout_lines_round_trip():
    kinds = collections.Counter()
    n = 0
    for where, text in rollout_lines():
        line = decode_rollout_line(text)
        kinds[line.type] += 1
        assert canon(encode(line)) == canon(text), where
        n += 1
    assert n == 458
    assert set(kinds) == {"session_meta", "turn_context", "response_item", "event_msg"}


def test_exec_json_events_round_trip():
    assert _check(event_lines(), decode_thread_event) == 182


def test_request_bodies_round_trip():
    assert _check(request_bodies(), lambda t: decode(t, ResponsesApiRequest, "request")) == 107


def test_sse_events_decode():
    seen = collections.Counter()
    for _, text in sse_events():
        seen[type(decode_sse_event(text)).__name__] += 1
    assert seen["OutputItemDone"] == 63 and seen["ResponseCompleted"] == 60
    assert seen["ResponseFailed"] == 1
