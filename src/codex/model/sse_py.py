"""Incremental Server-Sent Events decoder: the pure-Python twin of `codex.model._sse_c`.

Upstream (codex-rs/codex-api/src/sse/responses.rs) decodes the `POST /responses` stream with
the `eventsource-stream` crate, version 0.2.3. Both twins reproduce that crate's observable
behaviour, which is the WHATWG event-stream grammar plus the details below:

* Lines end with CRLF, LF or CR. A CR that is the last character received so far may be the
  first half of a CRLF, so (like the crate's streaming parser) the line it ends is processed
  only once one more character has arrived; a CR at a chunk end followed by LF in the next
  chunk is one line end.
* `data` values are joined with "\\n"; one space after the colon is stripped; a line starting
  with ':' is a comment; a line without a colon is a field with an empty value; unknown fields
  are ignored; a blank line dispatches the event, unless no `data` line was seen (then the
  event type and retry are reset and nothing is dispatched). `data:` with an empty value does
  count: it dispatches an event whose data is "".
* `event` defaults to "message" (eventsource-stream >= 0.2 does this; 0.1 did not).
* `id` persists from one event to the next (the "last event ID"); an `id` value containing
  U+0000 is ignored; `id:` with an empty value resets it to "".
* `retry` is parsed like Rust's `u64::from_str`: optional '+', then ASCII digits, at most
  2**64-1; anything else is ignored. It applies to the event it appears in only (an int in
  milliseconds, else None).
* A UTF-8 BOM at the very start of the stream is skipped. (eventsource-stream 0.2.3 slices
  `&string[1..]` there, which panics on the 3-byte BOM: our behaviour is the WHATWG one.)
* The stream ending without a blank line: the unterminated event (and any unterminated line)
  is dropped, as in eventsource-stream and WHATWG. `close()` therefore never returns events;
  it exists to end the stream and report a pending decoding error.
* UTF-8: a multi-byte character split across chunks is reassembled. Invalid UTF-8 is not
  replaced: like the crate, decoding stops at the first invalid sequence (events completed
  before it are still returned; nothing after it is parsed) and `close()` raises
  `SSEDecodeError` with the crate's message, e.g. "UTF8 error: invalid utf-8 sequence of 1
  bytes from index 0" (upstream surfaces exactly this string as a stream error). A stream
  that ends inside a multi-byte character raises "UTF8 error: incomplete utf-8 byte sequence
  from index 0".

Work is O(n) in the stream size whatever the chunking: each chunk is decoded and split once,
and a line that spans chunks is kept as a list of pieces joined once when it ends.
"""

from __future__ import annotations

import re
from codecs import utf_8_decode as _utf8_decode
from operator import itemgetter as _itemgetter

__all__ = ["SSEBatch", "SSEDecodeError", "SSEDecoder", "SSEEvent"]

_EOL = re.compile("\r\n|\r|\n")
_U64_MAX = 0xFFFF_FFFF_FFFF_FFFF
_tuple_new = tuple.__new__


class SSEDecodeError(ValueError):
    """The stream was not valid UTF-8. str(exc) is eventsource-stream's message for it.

    Shared by both twins (the compiled one raises this very class)."""


class SSEEvent(tuple):
    """One dispatched event: an immutable (event, data, id, retry) record."""

    __slots__ = ()

    def __new__(cls, event: str = "message", data: str = "", id: str = "", retry: int | None = None):  # noqa: A002
        return _tuple_new(cls, (event, data, id, retry))

    event = property(_itemgetter(0), doc="event type; 'message' when the stream gave none")
    data = property(_itemgetter(1), doc="the data lines joined with '\\n'")
    id = property(_itemgetter(2), doc="the last event ID ('' when none was set)")
    retry = property(_itemgetter(3), doc="reconnection time in ms given with this event, or None")

    def __getnewargs__(self):
        return tuple(self)

    def __repr__(self) -> str:
        return f"SSEEvent(event={self[0]!r}, data={self[1]!r}, id={self[2]!r}, retry={self[3]!r})"


def _parse_retry(value: str) -> int | None:
    if value[:1] == "+":
        value = value[1:]
    if not value or not value.isascii() or not value.isdigit():
        return None
    value = value.lstrip("0") or "0"
    if len(value) > 20:  # also keeps int() clear of the int-max-str-digits limit
        return None
    n = int(value)
    return n if n <= _U64_MAX else None


class SSEBatch:
    """Consecutive events of the batched type (see `SSEDecoder.batch_events`), each with one
    data line: `data` is their data values joined with LF, `count` how many there were (>= 2)."""

    __slots__ = ("event", "data", "count")

    def __init__(self, event: str, data: str, count: int) -> None:
        self.event = event
        self.data = data
        self.count = count

    def __eq__(self, other):
        if isinstance(other, SSEBatch):
            return (self.event, self.data, self.count) == (other.event, other.data, other.count)
        return NotImplemented

    def __hash__(self):
        return hash((self.event, self.data, self.count))

    def __repr__(self) -> str:
        return f"SSEBatch(event={self.event!r}, data={self.data!r}, count={self.count!r})"


class SSEDecoder:
    """Feed bytes as they arrive; get back the events that they complete."""

    __slots__ = ("_pending", "_started", "_parts", "_cr", "_data", "_event", "_id", "_retry", "_error",
                 "_batch_name", "_run")

    def __init__(self) -> None:
        self._batch_name: str | None = None
        self._reset()

    def batch_events(self, name: str | None) -> None:
        """From now on, return each run of consecutive `name` events that have one data line
        and that one `feed` completes as one SSEBatch (a run of one stays an SSEEvent).
        None turns batching off."""
        self._batch_name = name

    def _flush_run(self, out: list) -> None:
        run = self._run
        if len(run) == 1:
            out.append(run[0])
        elif run:
            out.append(SSEBatch(self._batch_name, "\n".join(e[1] for e in run), len(run)))
        run.clear()

    def _reset(self) -> None:
        self._pending = b""  # an incomplete UTF-8 sequence ending the last chunk (<= 3 bytes)
        self._started = False  # whether non-empty text was seen (the BOM check is done)
        self._parts: list[str] = []  # pieces of the current unterminated line
        self._cr = False  # the line in _parts ended with a CR: wait for one more character
        self._data: list[str] = []  # data values of the event being built
        self._event = ""  # event type buffer
        self._id = ""  # last event ID: survives dispatch
        self._retry: int | None = None
        self._error: str | None = None  # set once invalid UTF-8 stopped the decoding
        self._run: list[SSEEvent] = []  # the pending batch's events

    def feed(self, data: bytes) -> list[SSEEvent]:
        """Decode one chunk of the stream; return the events it completes (often none)."""
        if self._error is not None:
            return []
        buf = self._pending + data if self._pending else data
        try:
            text, used = _utf8_decode(buf, "strict", False)
        except UnicodeDecodeError as exc:
            # What precedes the invalid sequence is parsed; the rest never is (like the crate).
            text = _utf8_decode(buf[: exc.start], "strict", True)[0]
            self._error = f"invalid utf-8 sequence of {exc.end - exc.start} bytes from index 0"
            self._pending = b""
        else:
            self._pending = bytes(buf[used:]) if used != len(buf) else b""
        if not text:
            return []
        if not self._started:
            self._started = True
            if text[0] == "\ufeff":
                text = text[1:]
                if not text:
                    return []
        out = self._feed_text(text)
        if self._run:
            self._flush_run(out)
        return out

    def close(self) -> list[SSEEvent]:
        """End the stream. Returns no events: an event without its closing blank line is
        dropped, as upstream does. Raises SSEDecodeError when the stream was not valid
        UTF-8. The decoder is then reset and may decode a new stream."""
        error = self._error
        if error is None and self._pending:
            error = "incomplete utf-8 byte sequence from index 0"
        self._reset()
        if error is not None:
            raise SSEDecodeError("UTF8 error: " + error)
        return []

    def _feed_text(self, text: str) -> list[SSEEvent]:
        out: list[SSEEvent] = []
        parts = self._parts
        if self._cr:  # a character has arrived after the CR: its line is complete
            self._cr = False
            line = "".join(parts)
            parts.clear()
            self._lines([line], out)
            if text[0] == "\n":  # ... and CR LF is one line end
                text = text[1:]
                if not text:
                    return out
        if "\r" in text:
            cr_at_end = text[-1] == "\r"
            if cr_at_end:
                text = text[:-1]
            lines = _EOL.split(text)
        else:
            cr_at_end = False
            lines = text.split("\n")
        tail = lines.pop()  # unterminated (or, if cr_at_end, ended by a CR still pending)
        if lines:
            if parts:
                parts.append(lines[0])
                lines[0] = "".join(parts)
                parts.clear()
            self._lines(lines, out)
        if tail:
            parts.append(tail)
        self._cr = cr_at_end
        return out

    def _lines(self, lines: list[str], out: list[SSEEvent]) -> None:
        data = self._data
        event = self._event
        last_id = self._id
        retry = self._retry
        batch = self._batch_name
        for line in lines:
            if not line:  # blank line: dispatch
                if data:
                    ev = _tuple_new(SSEEvent, (event or "message", "\n".join(data), last_id, retry))
                    if batch is not None and len(data) == 1 and ev[0] == batch:
                        self._run.append(ev)
                    else:
                        if self._run:
                            self._flush_run(out)
                        out.append(ev)
                    data.clear()
                event = ""
                retry = None
                continue
            if line.startswith("data:"):  # the hot path
                data.append(line[6:] if line.startswith("data: ") else line[5:])
                continue
            if line[0] == ":":  # comment
                continue
            name, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
            elif name == "id":
                if "\0" not in value:
                    last_id = value
            elif name == "retry":
                parsed = _parse_retry(value)
                if parsed is not None:
                    retry = parsed
        self._event = event
        self._id = last_id
        self._retry = retry
