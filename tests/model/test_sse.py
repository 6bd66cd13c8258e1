"""The SSE decoder: both twins (pure `codex.model.sse_py`, compiled `codex.model._sse_c`) against
the rules of eventsource-stream 0.2.3 (what upstream's Responses client decodes with), against an
independent whole-stream reference decoder, against each other, under every chunking."""

from __future__ import annotations

import importlib
import json
import os
import pickle
import random
import re
import subprocess
import sys

import pytest

TWIN_MODULES = {"pure": "codex.model.sse_py", "compiled": "codex.model._sse_c"}


def _import_compiled():
    try:
        return importlib.import_module(TWIN_MODULES["compiled"])
    except ImportError:
        return None


@pytest.fixture(params=["pure", "compiled"])
def twin(request):
    """The twin module under test."""
    if request.param == "compiled":
        module = _import_compiled()
        if module is None:
            pytest.skip("compiled twin not built")
        return module
    return importlib.import_module(TWIN_MODULES["pure"])


def test_compiled_twin_is_built():
    """CI sets CODEX_EXPECT_COMPILED=1: there a missing compiled twin is a failure, not a skip."""
    module = _import_compiled()
    if module is None:
        if os.environ.get("CODEX_EXPECT_COMPILED") == "1":
            pytest.fail("CODEX_EXPECT_COMPILED=1 but codex.model._sse_c is not built")
        pytest.skip("compiled twin not built")
    assert module.SSEDecoder.__module__ == "codex.model._sse_c"


# --------------------------------------------------------------------------------------------
# helpers


def as_tuples(events):
    return [(e.event, e.data, e.id, e.retry) for e in events]


def decode(twin, stream: bytes, chunks=None):
    """Events (as tuples) and the close() outcome (None or the error message)."""
    decoder = twin.SSEDecoder()
    events = []
    if chunks is None:
        chunks = [stream]
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    try:
        events.extend(decoder.close())
        error = None
    except twin.SSEDecodeError as exc:
        error = str(exc)
    return as_tuples(events), error


def events_of(twin, stream: bytes):
    events, error = decode(twin, stream)
    assert error is None
    return events


def ev(data, event="message", id="", retry=None):  # noqa: A002
    return (event, data, id, retry)


def split_at(stream: bytes, cuts):
    cuts = sorted(cuts)
    out, prev = [], 0
    for c in cuts:
        out.append(stream[prev:c])
        prev = c
    out.append(stream[prev:])
    return out


def chunkings(stream: bytes, rng: random.Random, n_random: int):
    yield [stream]
    yield [stream[i : i + 1] for i in range(len(stream))]
    yield [b""] + [stream[i : i + 2] for i in range(0, len(stream), 2)] + [b""]
    for _ in range(n_random):
        k = rng.randint(0, min(len(stream), 12))
        yield split_at(stream, [rng.randint(0, len(stream)) for _ in range(k)])  # may give b"" chunks


def reference_decode(stream: bytes):
    """An independent, whole-stream statement of the behaviour (not incremental)."""
    error = None
    try:
        text = stream.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = stream[: exc.start].decode("utf-8")
        if exc.reason == "unexpected end of data":
            error = "UTF8 error: incomplete utf-8 byte sequence from index 0"
        else:
            error = f"UTF8 error: invalid utf-8 sequence of {exc.end - exc.start} bytes from index 0"
    if text.startswith("\ufeff"):
        text = text[1:]
    # A line counts once its end is known: LF, CRLF, or a CR followed by some other character.
    lines = [m.group(1) for m in re.finditer(r"([^\r\n]*)(?:\r\n|\n|\r(?=[^\n]))", text)]
    events, data, event, last_id, retry = [], None, "", "", None
    for line in lines:
        if line == "":
            if data is not None:
                events.append((event or "message", "\n".join(data), last_id, retry))
            data, event, retry = None, "", None
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data = (data or []) + [value]
        elif name == "event":
            event = value
        elif name == "id" and "\x00" not in value:
            last_id = value
        elif name == "retry":
            m = re.fullmatch(r"\+?([0-9]+)", value)
            if m and int(m.group(1)) < 2**64:
                retry = int(m.group(1))
    return events, error


# --------------------------------------------------------------------------------------------
# the rules


def test_basic_event_and_default_type(twin):
    assert events_of(twin, b"data: hello\n\n") == [ev("hello")]
    assert events_of(twin, b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\n") == [
        ev("73857293", "add"),
        ev("2153", "remove"),
    ]


def test_data_lines_are_joined_with_lf(twin):
    assert events_of(twin, b"data: YHOO\ndata: +2\ndata: 10\n\n") == [ev("YHOO\n+2\n10")]


def test_one_leading_space_is_stripped(twin):
    assert events_of(twin, b"data:test\n\ndata: test\n\ndata:  test\n\ndata:\ttest\n\n") == [
        ev("test"),
        ev("test"),
        ev(" test"),
        ev("\ttest"),
    ]
    assert events_of(twin, b"event:  spaced\ndata: x\n\n") == [ev("x", " spaced")]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_line_ends(twin, eol):
    stream = b"event: e" + eol + b"data: a" + eol + b"data: b" + eol + eol + b"data: c" + eol + eol + b"x"
    assert events_of(twin, stream) == [ev("a\nb", "e"), ev("c")]


def test_mixed_line_ends(twin):
    assert events_of(twin, b"data: a\rdata: b\r\ndata: c\n\r\ndata: d\r\rdata: e\n\n") == [
        ev("a\nb\nc"),
        ev("d"),
        ev("e"),
    ]


def test_cr_and_lf_in_separate_chunks_are_one_line_end(twin):
    decoder = twin.SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r") == []  # had CR LF been two line ends, "a" would dispatch
    assert decoder.feed(b"\n") == []
    assert as_tuples(decoder.feed(b"\r")) == []  # a CR last: CR LF or lone CR? not known yet
    assert as_tuples(decoder.feed(b"\n")) == [ev("a\nb")]
    assert decoder.close() == []


def test_lone_cr_line_is_processed_when_the_next_character_arrives(twin):
    # eventsource-stream's streaming parser waits for the character after a CR (it could be
    # the LF of a CR LF): the event ends only then, and a stream ending right there drops it.
    decoder = twin.SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == []
    assert as_tuples(decoder.feed(b":")) == [ev("a")]
    decoder = twin.SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == []
    assert decoder.close() == []


def test_comments_are_ignored(twin):
    stream = b": test stream\n\n:\ndata: first\n: in between\ndata: second\n:\n\n"
    assert events_of(twin, stream) == [ev("first\nsecond")]


def test_field_without_colon_has_empty_value(twin):
    # the WHATWG spec example: "data" alone is data ""; two of them make "\n"
    assert events_of(twin, b"data\n\ndata\ndata\n\ndata:\n") == [ev(""), ev("\n")]
    assert events_of(twin, b"event\ndata: x\n\n") == [ev("x")]


def test_unknown_fields_are_ignored(twin):
    stream = b"foo: bar\nData: no\ndata : no\n data: no\ndata: yes\nretry2: 5\nevents: x\n\n"
    assert events_of(twin, stream) == [ev("yes")]


def test_event_without_data_is_not_dispatched_and_resets_type_and_retry(twin):
    assert events_of(twin, b"event: a\nretry: 5\n\ndata: x\n\n") == [ev("x")]
    assert events_of(twin, b"event: a\n\n\n\n") == []


def test_id_persists_and_is_reset_by_empty_id(twin):
    stream = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\n\nid\ndata:  third event\n\n"
    assert events_of(twin, stream) == [ev("first event", id="1"), ev("second event", id="1"), ev(" third event")]


def test_id_with_nul_is_ignored(twin):
    assert events_of(twin, b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n") == [ev("a", id="1"), ev("b", id="1")]


def test_id_set_in_an_undispatched_event_persists(twin):
    assert events_of(twin, b"id: 9\n\ndata: a\n\n") == [ev("a", id="9")]


@pytest.mark.parametrize(
    "value,expected",
    [
        (b"42", 42),
        (b"0", 0),
        (b"+42", 42),  # Rust's u64::from_str takes a '+'
        (b"0000000000000000000000000000000042", 42),
        (b"18446744073709551615", 2**64 - 1),
        (b"18446744073709551616", None),
        (b"99999999999999999999999", None),
        (b"-1", None),
        (b"+", None),
        (b"", None),
        (b"4 2", None),
        (b"42ms", None),
        (b" 42", None),  # one space is stripped, not two
        ("\uff14\uff12".encode(), None),  # full-width digits
        (b"1" * 5000, None),
    ],
)
def test_retry(twin, value, expected):
    assert events_of(twin, b"retry: " + value + b"\ndata: x\n\n") == [ev("x", retry=expected)]


def test_retry_applies_to_its_event_only_and_bad_values_keep_a_good_one(twin):
    stream = b"retry: 10\nretry: nope\ndata: a\n\ndata: b\n\n"
    assert events_of(twin, stream) == [ev("a", retry=10), ev("b")]


def test_bom_at_stream_start_is_skipped(twin):
    stream = b"\xef\xbb\xbfdata: x\n\n"
    assert events_of(twin, stream) == [ev("x")]
    assert decode(twin, stream, [stream[i : i + 1] for i in range(len(stream))]) == ([ev("x")], None)
    assert decode(twin, stream, [b"", b"\xef", b"", b"\xbb\xbf", b"data: x\n\n"]) == ([ev("x")], None)


def test_only_one_bom_and_only_at_the_start(twin):
    assert events_of(twin, b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n") == []  # field "\ufeffdata"
    assert events_of(twin, b"data: \xef\xbb\xbfx\n\n") == [ev("\ufeffx")]
    assert events_of(twin, b"\n\xef\xbb\xbfdata: x\n\n") == []


def test_multibyte_characters_split_across_feeds(twin):
    text = "h\u00e9llo \u20ac \U0001f44d \u4e2d\u6587"
    stream = ("event: \u00e9v\u00e9nement\ndata: " + text + "\nid: \U0001f511\n\n").encode()
    expected = [ev(text, "\u00e9v\u00e9nement", "\U0001f511")]
    assert decode(twin, stream, [stream[i : i + 1] for i in range(len(stream))]) == (expected, None)
    for cut in range(len(stream) + 1):
        assert decode(twin, stream, [stream[:cut], stream[cut:]]) == (expected, None)


def test_unterminated_last_event_is_dropped(twin):
    # eventsource-stream (and WHATWG): no blank line, no event
    assert decode(twin, b"data: a\n\ndata: b\n") == ([ev("a")], None)
    assert decode(twin, b"data: a\n\ndata: b") == ([ev("a")], None)
    assert decode(twin, b"data: a\n\ndata: b\r") == ([ev("a")], None)


@pytest.mark.parametrize(
    "bad,error",
    [
        (b"\xff", "invalid utf-8 sequence of 1 bytes from index 0"),
        (b"\x80", "invalid utf-8 sequence of 1 bytes from index 0"),
        (b"\xc0\x80", "invalid utf-8 sequence of 1 bytes from index 0"),
        (b"\xed\xa0\x80", "invalid utf-8 sequence of 1 bytes from index 0"),  # surrogate
        (b"\xe2\x82A", "invalid utf-8 sequence of 2 bytes from index 0"),
        (b"\xf0\x9f\x91A", "invalid utf-8 sequence of 3 bytes from index 0"),
        (b"\xf4\x90\x80\x80", "invalid utf-8 sequence of 1 bytes from index 0"),
    ],
)
def test_invalid_utf8_stops_decoding_and_close_raises(twin, bad, error):
    stream = b"data: a\n\ndata: b" + bad + b"c\n\ndata: d\n\n"
    for chunks in ([stream], [stream[i : i + 1] for i in range(len(stream))]):
        decoder = twin.SSEDecoder()
        events = []
        for chunk in chunks:
            events.extend(decoder.feed(chunk))
        assert as_tuples(events) == [ev("a")]
        with pytest.raises(twin.SSEDecodeError) as info:
            decoder.close()
        assert str(info.value) == "UTF8 error: " + error
        assert isinstance(info.value, ValueError)
        # close() resets: the decoder takes a new stream
        assert as_tuples(decoder.feed(b"data: again\n\n")) == [ev("again")]
        assert decoder.close() == []


def test_stream_ending_inside_a_character(twin):
    assert decode(twin, b"data: a\n\ndata: \xe2\x82") == (
        [ev("a")],
        "UTF8 error: incomplete utf-8 byte sequence from index 0",
    )


def test_both_twins_raise_the_same_error_class():
    compiled = _import_compiled()
    if compiled is None:
        pytest.skip("compiled twin not built")
    pure = importlib.import_module(TWIN_MODULES["pure"])
    assert compiled.SSEDecodeError is pure.SSEDecodeError


def test_accepts_bytes_like_objects(twin):
    decoder = twin.SSEDecoder()
    assert decoder.feed(bytearray(b"data: a")) == []
    assert decoder.feed(memoryview(b"xx\ndata: b\n")[2:]) == []
    assert as_tuples(decoder.feed(memoryview(b"\n"))) == [ev("a\nb")]
    with pytest.raises(TypeError):
        decoder.feed("data: str\n\n")


def test_crate_integration_example(twin):
    # eventsource-stream's own tests/eventsource-stream.rs
    stream = (
        b"\n\n:\n\nevent: my-event\r\ndata:line1\ndata: line2\n:\nid: my-id\n"
        b":should be ignored too\rretry:42\n\ndata:second\n\ndata:ignored\n"
    )
    assert events_of(twin, stream) == [
        ev("line1\nline2", "my-event", "my-id", 42),
        ev("second", id="my-id"),
    ]


# --------------------------------------------------------------------------------------------
# the record


def test_event_record(twin):
    record = twin.SSEEvent()
    assert (record.event, record.data, record.id, record.retry) == ("message", "", "", None)
    record = twin.SSEEvent("delta", "x", "7", 5)
    assert record == twin.SSEEvent(event="delta", data="x", id="7", retry=5)
    assert record != twin.SSEEvent(event="delta", data="y", id="7", retry=5)
    assert record == ("delta", "x", "7", 5)
    assert tuple(record) == ("delta", "x", "7", 5) and len(record) == 4 and record[1] == "x"
    assert hash(record) == hash(("delta", "x", "7", 5))
    assert repr(record) == "SSEEvent(event='delta', data='x', id='7', retry=5)"
    assert pickle.loads(pickle.dumps(record)) == record
    with pytest.raises(AttributeError):
        record.data = "changed"
    with pytest.raises(AttributeError):
        record.other = 1


def test_records_of_both_twins_compare_equal():
    compiled = _import_compiled()
    if compiled is None:
        pytest.skip("compiled twin not built")
    pure = importlib.import_module(TWIN_MODULES["pure"])
    a, b = pure.SSEEvent("e", "d", "i", 3), compiled.SSEEvent("e", "d", "i", 3)
    assert a == b and b == a and not (a != b) and not (b != a)
    assert hash(a) == hash(b)


# --------------------------------------------------------------------------------------------
# chunking: any split of the bytes gives the same result, the same as the reference's

SAMPLES = {
    "responses": b"event: response.created\ndata: {\"type\":\"response.created\"}\n\n"
    b"event: response.output_text.delta\ndata: {\"delta\":\"h\\u00e9\"}\n\n: keepalive\n\n"
    b"event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n",
    "crlf": b"id: 1\r\nevent: a\r\ndata: x\r\ndata: y\r\n\r\nretry: 7\r\ndata: z\r\n\r\n",
    "cr": b"data: a\rdata: b\r\rid: q\revent: t\rdata: c\r\r\r:\r",
    "mixed": b"\xef\xbb\xbfdata: one\r\n\ndata\n\ndata:\ndata:\n\r\rdata: \xe2\x82\xac\xf0\x9f\x91\x8d\r\n\n",
    "unterminated": b"data: a\n\nevent: b\ndata: b\n\ndata: c\ndata: d",
    "invalid": b"data: a\n\ndata: b\xe2\x82Xc\n\ndata: d\n\n",
    "truncated": b"data: a\n\ndata: \xf0\x9f\x91",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_chunking_gives_the_same_result(twin, name):
    stream = SAMPLES[name]
    expected = reference_decode(stream)
    assert decode(twin, stream) == expected
    rng = random.Random(name)
    for chunks in chunkings(stream, rng, 300):
        assert b"".join(chunks) == stream
        assert decode(twin, stream, chunks) == expected, chunks


def test_every_two_and_three_way_split(twin):
    stream = SAMPLES["mixed"]
    expected = reference_decode(stream)
    n = len(stream)
    for i in range(n + 1):
        for j in range(i, n + 1, 3):
            assert decode(twin, stream, [stream[:i], stream[i:j], stream[j:]]) == expected


FUZZ_TOKENS = [
    b"data", b"data:", b"data: ", b"event:", b"event: ", b"id:", b"id", b"retry:", b"retry: ",
    b":", b" ", b"\n", b"\n", b"\n", b"\r", b"\r\n", b"x", b"42", b"+7", b"\x00",
    "\u00e9".encode(), "\u20ac".encode(), "\U0001f44d".encode(), b"\xef\xbb\xbf",
    b"\xe2\x82", b"\xff", b"\x80", b"\xf0\x9f",
]


def test_random_streams_match_the_reference(twin):
    rng = random.Random(1234)
    for _ in range(1500):
        tokens = [rng.choice(FUZZ_TOKENS) for _ in range(rng.randint(0, 40))]
        if rng.random() < 0.5:  # most streams: valid UTF-8
            tokens = [t for t in tokens if t not in (b"\xe2\x82", b"\xff", b"\x80", b"\xf0\x9f")]
        stream = b"".join(tokens)
        expected = reference_decode(stream)
        for chunks in chunkings(stream, rng, 3):
            assert decode(twin, stream, chunks) == expected, (stream, chunks)


# --------------------------------------------------------------------------------------------
# a Responses API stream


def _responses_stream(deltas):
    events = [{"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}}]
    events.append(
        {"type": "response.output_item.added", "output_index": 0,
         "item": {"type": "message", "id": "msg_1", "role": "assistant", "content": []}}
    )
    for n, delta in enumerate(deltas):
        events.append({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
                       "content_index": 0, "delta": delta, "sequence_number": n})
    events.append(
        {"type": "response.completed",
         "response": {"id": "resp_1", "usage": {"input_tokens": 10, "output_tokens": len(deltas),
                                                "total_tokens": 10 + len(deltas)}}}
    )
    body = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
    return body.encode(), events


def test_responses_api_stream(twin):
    deltas = ["Hel", "lo", ", w\u00f6rld", " \U0001f30d", "\n", "!"] * 20
    stream, sent = _responses_stream(deltas)
    rng = random.Random(7)
    for size in (1, 7, 64, 16384, len(stream)):
        decoder = twin.SSEDecoder()
        got = []
        for i in range(0, len(stream), size):
            got.extend(decoder.feed(stream[i : i + size]))
        got.extend(decoder.close())
        assert [e.event for e in got] == [e["type"] for e in sent]
        assert [json.loads(e.data) for e in got] == sent
        text = "".join(json.loads(e.data)["delta"] for e in got if e.event == "response.output_text.delta")
        assert text == "".join(deltas)
    chunks = split_at(stream, [rng.randint(0, len(stream)) for _ in range(50)])
    assert decode(twin, stream, chunks) == decode(twin, stream)


# --------------------------------------------------------------------------------------------
# linear work whatever the chunking (a quadratic decoder would not finish these)


def test_ten_megabyte_event_in_small_chunks(twin):
    payload = b"x" * (10 * 1024 * 1024)
    stream = b"event: big\ndata: " + payload + b"\n\n"
    decoder = twin.SSEDecoder()
    events = []
    for i in range(0, len(stream), 64):
        events.extend(decoder.feed(stream[i : i + 64]))
    assert decoder.close() == []
    assert len(events) == 1
    assert events[0].event == "big" and len(events[0].data) == len(payload)
    assert events[0].data == payload.decode()


def test_long_values_spanning_chunks(twin):
    # long lines that span chunks (the compiled twin hands its line buffer over to the event)
    big = "\u00e9" * 70_000 + "z" * 70_000
    stream = (
        f"data: {big}\ndata: tail\n\nid: 1\ndata: small\ndata: {big}\n\ndata: {big}\n\n"
        f"event: {big[:5]}\ndata:{big}\r\rdata: after\n\n"
    ).encode()
    expected = reference_decode(stream)
    assert [len(e[1]) for e in expected[0]] == [len(big) + 5, len(big) + 6, len(big), len(big), 5]
    rng = random.Random(99)
    for size in (1000, 4096, 65536, 70001):
        chunks = [stream[i : i + size] for i in range(0, len(stream), size)]
        assert decode(twin, stream, chunks) == expected
    for _ in range(5):
        chunks = split_at(stream, [rng.randint(0, len(stream)) for _ in range(rng.randint(1, 40))])
        assert decode(twin, stream, chunks) == expected


def test_event_of_many_data_lines(twin):
    n = 200_000
    stream = b"data: ab\n" * n + b"\n"
    events = []
    decoder = twin.SSEDecoder()
    for i in range(0, len(stream), 1000):
        events.extend(decoder.feed(stream[i : i + 1000]))
    assert len(events) == 1 and events[0].data == "\n".join(["ab"] * n)


def test_many_events_in_one_chunk(twin):
    stream = b"".join(b"data: %d\n\n" % i for i in range(100_000))
    events = twin.SSEDecoder().feed(stream)
    assert [e.data for e in events] == [str(i) for i in range(100_000)]


# --------------------------------------------------------------------------------------------
# the facade


def _facade_in_subprocess(env_value):
    env = dict(os.environ)
    env.pop("CODEX_NO_EXTENSIONS", None)
    if env_value is not None:
        env["CODEX_NO_EXTENSIONS"] = env_value
    code = (
        "from codex.model import sse; "
        "print(sse.IMPLEMENTATION, sse.SSEDecoder.__module__, sse.SSEEvent.__module__, "
        "[tuple(e) for e in sse.SSEDecoder().feed(b'data: ok\\n\\n')])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split(" ", 3)


@pytest.mark.parametrize("env_value", [None, "0", ""])
def test_facade_prefers_the_compiled_twin(env_value):
    implementation, decoder_module, event_module, events = _facade_in_subprocess(env_value)
    assert events.strip() == "[('message', 'ok', '', None)]"
    if _import_compiled() is None:
        assert implementation == "pure"
    else:
        assert (implementation, decoder_module, event_module) == ("compiled", "codex.model._sse_c", "codex.model._sse_c")


@pytest.mark.parametrize("env_value", ["1", "yes"])
def test_facade_uses_the_pure_twin_under_codex_no_extensions(env_value):
    implementation, decoder_module, event_module, events = _facade_in_subprocess(env_value)
    assert (implementation, decoder_module, event_module) == ("pure", "codex.model.sse_py", "codex.model.sse_py")
    assert events.strip() == "[('message', 'ok', '', None)]"


def test_importing_the_package_is_cheap():
    code = "import sys, codex.model; print(sorted(m for m in sys.modules if m.startswith('codex.model')))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "['codex.model']", proc.stderr


# --------------------------------------------------------------------------------------------
# batching (`batch_events`): the model client's coalescing of output-text deltas


def unbatch(items):
    """Expand SSEBatch records back into the (event, data) pairs they stand for."""
    out = []
    for x in items:
        if type(x).__name__ == "SSEBatch":
            assert x.count >= 2
            lines = x.data.split("\n")
            assert len(lines) == x.count
            out += [(x.event, line) for line in lines]
        else:
            out.append((x.event, x.data))
    return out


BATCH_FUZZ = [b"event: d\ndata: {\"a\": 1}\n\n", b"event: d\ndata: x\n\n", b"event: e\ndata: y\n\n",
              b"data: z\n\n", b"event: d\ndata: 1\ndata: 2\n\n", b"event: d\n\n", b"id: 7\n",
              b"retry: 5\n", b": c\n", b"event: d\r\ndata: \xe2\x82\xac\r\n\r\n"]


def test_batched_stream_stands_for_the_same_events(twin):
    rng = random.Random(99)
    for _ in range(400):
        stream = b"".join(rng.choice(BATCH_FUZZ) for _ in range(rng.randint(0, 30)))
        plain = [(e.event, e.data) for e in decode_events(twin, stream, None)]
        for chunks in chunkings(stream, rng, 3):
            d = twin.SSEDecoder()
            d.batch_events("d")
            got = []
            for c in chunks:
                items = d.feed(c)
                # a batch holds only single-line `d` events; it never spans two feeds
                for x in items:
                    if type(x).__name__ == "SSEBatch":
                        assert x.event == "d"
                got += items
            d.close()
            assert unbatch(got) == plain, (stream, chunks)


def decode_events(twin, stream, chunks):
    d = twin.SSEDecoder()
    out = []
    for c in (chunks or [stream]):
        out += d.feed(c)
    return out


def test_batches_of_both_twins_are_equal():
    compiled = _import_compiled()
    if compiled is None:
        pytest.skip("compiled twin not built")
    pure = importlib.import_module(TWIN_MODULES["pure"])
    stream, _ = _responses_stream(["a", "b\nc", "d"] * 50)
    results = []
    for mod in (pure, compiled):
        d = mod.SSEDecoder()
        d.batch_events("response.output_text.delta")
        results.append([(type(x).__name__, x.event, x.data, x.count if type(x).__name__ == "SSEBatch" else None)
                        for x in d.feed(stream)])
    assert results[0] == results[1]
    assert [r[0] for r in results[0]] == ["SSEEvent", "SSEEvent", "SSEBatch", "SSEEvent"]
    assert results[0][2][3] == 150


def test_client_coalescing_keeps_the_text():
    """`_decode_coalesced` over batched events: the same text per item, in order, and the other
    events unchanged, also when runs interleave items and when a batch is not all deltas."""
    from codex.model import client as C
    from codex.model.sse import SSEDecoder
    from codex.protocol import models as P

    events = [{"type": "response.created", "response": {"id": "r"}}]
    rng = random.Random(5)
    want: dict[str, str] = {}
    for n in range(300):
        item = rng.choice(["m1", "m2"])
        delta = rng.choice(["x", "\u20ac", "\n", "\"q\"", "ab"])
        want[item] = want.get(item, "") + delta
        events.append({"type": "response.output_text.delta", "item_id": item, "output_index": 0,
                       "content_index": 0, "delta": delta})
        if n % 97 == 0:  # an event line that lies: not a delta payload
            events.append({"type": "response.output_text.done", "item_id": item})
    body = "".join(
        f"event: {'response.output_text.delta' if e['type'].startswith('response.output_text') else e['type']}\n"
        f"data: {json.dumps(e)}\n\n" for e in events).encode()
    for size in (len(body), 4096, 97):
        d = SSEDecoder()
        d.batch_events("response.output_text.delta")
        got: dict[str, str] = {}
        kinds = []
        for i in range(0, len(body), size):
            for ev in C._decode_coalesced(d.feed(body[i:i + size])):
                if isinstance(ev, P.OutputTextDelta):
                    got[ev.item_id] = got.get(ev.item_id, "") + ev.delta
                elif ev is not None:
                    kinds.append(type(ev).__name__)
        assert got == want
        plain = [C._decode_event(json.dumps(e)) for e in events]
        assert kinds == [type(e).__name__ for e in plain if not isinstance(e, P.OutputTextDelta)]
