# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Incremental Server-Sent Events decoder: the compiled twin of `codex.model.sse_py`.

Same behaviour, same API; the rules and where they follow upstream's eventsource-stream crate
are in sse_py's docstring. This one works on the raw bytes instead of decoded text:

* One pass validates the chunk's UTF-8 (8 ASCII bytes at a time, Rust's `from_utf8` rules so
  that the error message matches), a second finds line ends with memchr. Every SSE delimiter
  is ASCII and valid UTF-8 never has an ASCII byte inside a multi-byte character, so lines
  can be cut on bytes and their parts decoded on their own.
* A line lying wholly inside the chunk is parsed in place; an unterminated one is copied into
  a growable C buffer (amortized O(1) per byte). `data` values go into another C buffer, and
  the event's data str is made once, at dispatch. The `event` and `id` strs are reused while
  the stream repeats them. So Python objects are made per event, not per line or byte.
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memchr, memcmp, memcpy

from codex.model.sse_py import SSEDecodeError

cdef extern from "Python.h":
    object PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)
    object PyLong_FromUnsignedLongLong(unsigned long long v)

__all__ = ["SSEBatch", "SSEDecodeError", "SSEDecoder", "SSEEvent"]

cdef enum:
    LF = 10
    CR = 13
    SPACE = 32
    COLON = 58
    # scan results
    UTF8_OK = 0
    UTF8_INCOMPLETE = 1
    UTF8_INVALID = 2

# Buffers above this size are given back to the allocator once emptied.
cdef Py_ssize_t SHRINK_ABOVE = 1 << 20
# A data value longer than this that sits in the line buffer is not copied: the buffers swap.
cdef Py_ssize_t SWAP_ABOVE = 1 << 16
cdef uint64_t HIGH_BITS = 0x8080808080808080ULL
cdef unsigned long long U64_MAX = 0xFFFFFFFFFFFFFFFFULL

cdef str MESSAGE = "message"
cdef str EMPTY = ""


# ---------------------------------------------------------------------------------------------
# The event record

cdef class SSEEvent:
    """One dispatched event: an immutable (event, data, id, retry) record.

    Compares, hashes, iterates and indexes like the 4-tuple, as the pure twin's record does."""

    cdef readonly str event
    cdef readonly str data
    cdef readonly str id
    cdef readonly object retry

    def __init__(self, str event="message", str data="", str id="", retry=None):
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry

    cdef tuple _tuple(self):
        return (self.event, self.data, self.id, self.retry)

    def __iter__(self):
        return iter(self._tuple())

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return self._tuple()[index]

    def __eq__(self, other):
        cdef SSEEvent o
        if isinstance(other, SSEEvent):
            o = <SSEEvent>other
            return (self.event == o.event and self.data == o.data and self.id == o.id
                    and self.retry == o.retry)
        if isinstance(other, tuple):
            return self._tuple() == other
        return NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(self._tuple())

    def __reduce__(self):
        return (SSEEvent, self._tuple())

    def __repr__(self):
        return (f"SSEEvent(event={self.event!r}, data={self.data!r}, id={self.id!r}, "
                f"retry={self.retry!r})")


cdef class SSEBatch:
    """Consecutive events of the batched type (see `SSEDecoder.batch_events`), each with one
    data line: `data` is their data values joined with LF, `count` how many there were (>= 2)."""

    cdef readonly str event
    cdef readonly str data
    cdef readonly Py_ssize_t count

    def __init__(self, str event, str data, Py_ssize_t count):
        self.event = event
        self.data = data
        self.count = count

    def __eq__(self, other):
        if isinstance(other, SSEBatch):
            return (self.event, self.data, self.count) == (other.event, other.data, other.count)
        return NotImplemented

    def __hash__(self):
        return hash((self.event, self.data, self.count))

    def __repr__(self):
        return f"SSEBatch(event={self.event!r}, data={self.data!r}, count={self.count!r})"


# ---------------------------------------------------------------------------------------------
# Helpers

cdef struct Buf:
    char *p
    Py_ssize_t n
    Py_ssize_t cap


cdef int buf_append(Buf *b, const char *s, Py_ssize_t k) except -1:
    cdef Py_ssize_t need = b.n + k
    cdef Py_ssize_t cap
    cdef char *p
    if need > b.cap:
        cap = b.cap * 2 if b.cap else 256
        while cap < need:
            cap *= 2
        p = <char *>PyMem_Realloc(b.p, cap)
        if p == NULL:
            raise MemoryError()
        b.p = p
        b.cap = cap
    if k:
        memcpy(b.p + b.n, s, k)
    b.n = need
    return 0


cdef inline void buf_clear(Buf *b) noexcept:
    b.n = 0
    if b.cap > SHRINK_ABOVE:
        PyMem_Free(b.p)
        b.p = NULL
        b.cap = 0


cdef inline int utf8_width(uint8_t c) noexcept nogil:
    if c < 0x80:
        return 1
    if 0xC2 <= c <= 0xDF:
        return 2
    if 0xE0 <= c <= 0xEF:
        return 3
    if 0xF0 <= c <= 0xF4:
        return 4
    return 0


cdef int utf8_scan(const uint8_t *s, Py_ssize_t n, Py_ssize_t *valid_up_to,
                   int *error_len) noexcept nogil:
    """Validate s[:n] like Rust's core::str::from_utf8. Sets *valid_up_to to the end of the
    valid prefix; returns UTF8_OK, UTF8_INCOMPLETE (s ends inside a character that is valid so
    far) or UTF8_INVALID (with *error_len set to Rust's Utf8Error::error_len)."""
    cdef Py_ssize_t i = 0
    cdef uint64_t word
    cdef uint8_t c, c1
    cdef int w
    while i < n:
        c = s[i]
        if c < 0x80:
            i += 1
            while i + 8 <= n:
                memcpy(&word, s + i, 8)
                if word & HIGH_BITS:
                    break
                i += 8
            continue
        valid_up_to[0] = i
        w = utf8_width(c)
        if w == 0:
            error_len[0] = 1
            return UTF8_INVALID
        if i + 1 >= n:
            return UTF8_INCOMPLETE
        c1 = s[i + 1]
        if w == 2:
            if c1 & 0xC0 != 0x80:
                error_len[0] = 1
                return UTF8_INVALID
            i += 2
            continue
        if w == 3:
            if not ((c == 0xE0 and 0xA0 <= c1 <= 0xBF) or (0xE1 <= c <= 0xEC and 0x80 <= c1 <= 0xBF)
                    or (c == 0xED and 0x80 <= c1 <= 0x9F) or (0xEE <= c and 0x80 <= c1 <= 0xBF)):
                error_len[0] = 1
                return UTF8_INVALID
        else:
            if not ((c == 0xF0 and 0x90 <= c1 <= 0xBF) or (0xF1 <= c <= 0xF3 and 0x80 <= c1 <= 0xBF)
                    or (c == 0xF4 and 0x80 <= c1 <= 0x8F)):
                error_len[0] = 1
                return UTF8_INVALID
        if i + 2 >= n:
            return UTF8_INCOMPLETE
        if s[i + 2] & 0xC0 != 0x80:
            error_len[0] = 2
            return UTF8_INVALID
        if w == 3:
            i += 3
            continue
        if i + 3 >= n:
            return UTF8_INCOMPLETE
        if s[i + 3] & 0xC0 != 0x80:
            error_len[0] = 3
            return UTF8_INVALID
        i += 4
    valid_up_to[0] = n
    return UTF8_OK


cdef object parse_retry(const char *v, Py_ssize_t n):
    """Rust's u64::from_str: optional '+', then ASCII digits, no overflow. None otherwise."""
    cdef Py_ssize_t i = 0
    cdef unsigned long long acc = 0
    cdef unsigned int d
    if n and v[0] == b'+':
        i = 1
    if i == n:
        return None
    while i < n:
        d = <unsigned int>(<uint8_t>v[i]) - 48
        if d > 9:
            return None
        if acc > (U64_MAX - d) // 10:
            return None
        acc = acc * 10 + d
        i += 1
    return PyLong_FromUnsignedLongLong(acc)


# ---------------------------------------------------------------------------------------------
# The decoder

cdef class SSEDecoder:
    """Feed bytes as they arrive; get back the events that they complete."""

    cdef Buf line          # the current unterminated line (when it started in an earlier chunk)
    cdef Buf data          # data values of the event being built, each followed by LF,
    cdef Py_ssize_t data_off  # ... from this offset (non-zero after a swap with `line`)
    cdef bint cr_pending   # `line` ended with a CR: wait for one more character
    cdef bint started      # non-empty text was seen (the BOM check is done)
    cdef uint8_t held[4]   # an incomplete UTF-8 character ending the last chunk
    cdef int held_len
    cdef str event_type    # event type buffer ("" = none)
    cdef str last_id       # last event ID: survives dispatch
    cdef object retry
    cdef bytes event_raw   # cache: the bytes that made `event_str`
    cdef str event_str
    cdef bytes id_raw      # cache: the bytes that made `id_str`
    cdef str id_str
    cdef object error      # set once invalid UTF-8 stopped the decoding
    cdef str batch_name    # batched event type (None: off)
    cdef Buf batch         # data values of the pending batch, each followed by LF
    cdef Py_ssize_t batch_count
    cdef str batch_id      # id and retry of the batch's first event (a batch of one is
    cdef object batch_retry  # returned as the plain event)

    def __cinit__(self):
        self.line.p = NULL
        self.line.n = self.line.cap = 0
        self.data.p = NULL
        self.data.n = self.data.cap = 0
        self.batch.p = NULL
        self.batch.n = self.batch.cap = 0
        self.batch_name = None
        self._reset()

    def __dealloc__(self):
        PyMem_Free(self.line.p)
        PyMem_Free(self.data.p)
        PyMem_Free(self.batch.p)

    def batch_events(self, name):
        """From now on, return each run of consecutive `name` events that have one data line
        and that one `feed` completes as one SSEBatch (a run of one stays an SSEEvent).
        None turns batching off."""
        self.batch_name = name

    cdef void _reset(self) noexcept:
        self.line.n = 0
        self.data.n = 0
        self.data_off = 0
        buf_clear(&self.line)
        buf_clear(&self.data)
        self.cr_pending = False
        self.started = False
        self.held_len = 0
        self.event_type = EMPTY
        self.last_id = EMPTY
        self.retry = None
        self.event_raw = b""
        self.event_str = EMPTY
        self.id_raw = b""
        self.id_str = EMPTY
        self.error = None
        self.batch_count = 0
        buf_clear(&self.batch)
        self.batch.n = 0

    def feed(self, data):
        """Decode one chunk of the stream; return the events it completes (often none)."""
        cdef list out = []
        cdef Py_buffer view
        if self.error is not None:
            return out
        if PyBytes_CheckExact(data):
            self._feed(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), out)
        else:
            PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
            try:
                self._feed(<const uint8_t *>view.buf, view.len, out)
            finally:
                PyBuffer_Release(&view)
        if self.batch_count:
            self._flush_batch(out)
        return out

    cdef int _flush_batch(self, list out) except -1:
        cdef SSEEvent event
        cdef str data
        if self.batch_count == 0:
            return 0
        data = PyUnicode_DecodeUTF8(self.batch.p, self.batch.n - 1, NULL)
        if self.batch_count == 1:
            event = SSEEvent.__new__(SSEEvent)
            event.event = self.batch_name
            event.data = data
            event.id = self.batch_id
            event.retry = self.batch_retry
            out.append(event)
        else:
            out.append(SSEBatch(self.batch_name, data, self.batch_count))
        self.batch_count = 0
        buf_clear(&self.batch)
        return 0

    def close(self):
        """End the stream. Returns no events: an event without its closing blank line is
        dropped, as upstream does. Raises SSEDecodeError when the stream was not valid
        UTF-8. The decoder is then reset and may decode a new stream."""
        error = self.error
        if error is None and self.held_len:
            error = "incomplete utf-8 byte sequence from index 0"
        self._reset()
        if error is not None:
            raise SSEDecodeError("UTF8 error: " + error)
        return []

    cdef int _fail(self, int error_len) except -1:
        self.error = f"invalid utf-8 sequence of {error_len} bytes from index 0"
        self.held_len = 0
        return 0

    cdef int _feed(self, const uint8_t *s, Py_ssize_t n, list out) except -1:
        cdef uint8_t first[8]
        cdef Py_ssize_t first_len = 0, start = 0, take, valid
        cdef int status, error_len = 0, w
        if n == 0:
            return 0
        if self.held_len:  # finish the character that the last chunk began
            w = utf8_width(self.held[0])
            take = min(w - self.held_len, n)
            memcpy(first, self.held, self.held_len)
            memcpy(first + self.held_len, s, take)
            first_len = self.held_len + take
            status = utf8_scan(first, first_len, &valid, &error_len)
            if status == UTF8_INVALID:
                return self._fail(error_len)
            if status == UTF8_INCOMPLETE:
                memcpy(self.held, first, first_len)
                self.held_len = <int>first_len
                return 0
            self.held_len = 0
            start = take
        status = utf8_scan(s + start, n - start, &valid, &error_len)
        if first_len:
            self._text(<const char *>first, first_len, out)
        if valid:
            self._text(<const char *>(s + start), valid, out)
        if status == UTF8_INCOMPLETE:
            self.held_len = <int>(n - start - valid)
            memcpy(self.held, s + start + valid, self.held_len)
        elif status == UTF8_INVALID:
            self._fail(error_len)
        return 0

    cdef int _text(self, const char *p, Py_ssize_t k, list out) except -1:
        """Parse k > 0 bytes of complete, valid UTF-8 text that follow what came before."""
        cdef const char *end = p + k
        cdef const char *lf
        cdef const char *cr
        cdef const char *eol
        cdef const char *nxt
        if not self.started:
            self.started = True
            if k >= 3 and memcmp(p, b"\xef\xbb\xbf", 3) == 0:  # BOM
                p += 3
                if p == end:
                    return 0
        if self.cr_pending:  # a character has arrived after the CR: its line is complete
            self.cr_pending = False
            self._line(self.line.p, self.line.n, out, True)
            buf_clear(&self.line)
            if p[0] == LF:  # ... and CR LF is one line end
                p += 1
                if p == end:
                    return 0
        lf = <const char *>memchr(p, LF, end - p)
        cr = <const char *>memchr(p, CR, end - p)
        while True:
            if lf != NULL and lf < p:
                lf = <const char *>memchr(p, LF, end - p)
            if cr != NULL and cr < p:
                cr = <const char *>memchr(p, CR, end - p)
            if cr == NULL or (lf != NULL and lf < cr):
                eol = lf
                if eol == NULL:  # unterminated: keep it for the next chunk
                    buf_append(&self.line, p, end - p)
                    return 0
                nxt = eol + 1
            else:
                eol = cr
                if eol + 1 == end:  # CR LF or lone CR? Known once the next character is here.
                    buf_append(&self.line, p, eol - p)
                    self.cr_pending = True
                    return 0
                nxt = eol + 2 if eol[1] == LF else eol + 1
            if self.line.n:
                buf_append(&self.line, p, eol - p)
                self._line(self.line.p, self.line.n, out, True)
                buf_clear(&self.line)
            else:
                self._line(p, eol - p, out, False)
            p = nxt
            if p == end:
                return 0

    cdef int _line(self, const char *p, Py_ssize_t k, list out, bint in_line_buf) except -1:
        """Process one line, p[:k] (which lies in self.line when in_line_buf)."""
        cdef const char *colon
        cdef Buf empty
        cdef const char *v
        cdef Py_ssize_t name_len, vlen
        cdef object parsed
        if k == 0:
            return self._dispatch(out)
        if p[0] == COLON:  # comment
            return 0
        colon = <const char *>memchr(p, COLON, k)
        if colon == NULL:
            name_len = k
            v = p + k
            vlen = 0
        else:
            name_len = colon - p
            v = colon + 1
            vlen = k - name_len - 1
            if vlen and v[0] == SPACE:
                v += 1
                vlen -= 1
        if name_len == 4 and memcmp(p, b"data", 4) == 0:
            if in_line_buf and self.data.n == 0 and vlen > SWAP_ABOVE:
                # A long value that spanned chunks: take the line buffer as it is.
                empty = self.data
                self.data = self.line
                self.line = empty
                self.data_off = v - self.data.p
            else:
                buf_append(&self.data, v, vlen)
            buf_append(&self.data, b"\n", 1)
        elif name_len == 5 and memcmp(p, b"event", 5) == 0:
            if vlen != PyBytes_GET_SIZE(self.event_raw) or memcmp(v, PyBytes_AS_STRING(self.event_raw), vlen) != 0:
                self.event_str = PyUnicode_DecodeUTF8(v, vlen, NULL)
                self.event_raw = v[:vlen]
            self.event_type = self.event_str
        elif name_len == 2 and memcmp(p, b"id", 2) == 0:
            if vlen == 0 or memchr(v, 0, vlen) == NULL:
                if vlen != PyBytes_GET_SIZE(self.id_raw) or memcmp(v, PyBytes_AS_STRING(self.id_raw), vlen) != 0:
                    self.id_str = PyUnicode_DecodeUTF8(v, vlen, NULL)
                    self.id_raw = v[:vlen]
                self.last_id = self.id_str
        elif name_len == 5 and memcmp(p, b"retry", 5) == 0:
            parsed = parse_retry(v, vlen)
            if parsed is not None:
                self.retry = parsed
        return 0

    cdef int _dispatch(self, list out) except -1:
        cdef SSEEvent event
        cdef str etype
        if self.data.n:
            if self.batch_name is not None:
                etype = self.event_type if len(self.event_type) else MESSAGE
                if (etype is self.batch_name or etype == self.batch_name) and memchr(
                        self.data.p + self.data_off, LF, self.data.n - self.data_off - 1) == NULL:
                    if self.batch_count == 0:
                        self.batch_id = self.last_id
                        self.batch_retry = self.retry
                    buf_append(&self.batch, self.data.p + self.data_off, self.data.n - self.data_off)
                    self.batch_count += 1
                    buf_clear(&self.data)
                    self.data_off = 0
                    self.event_type = EMPTY
                    self.retry = None
                    return 0
                if self.batch_count:
                    self._flush_batch(out)
            event = SSEEvent.__new__(SSEEvent)
            event.event = self.event_type if len(self.event_type) else MESSAGE
            event.data = PyUnicode_DecodeUTF8(self.data.p + self.data_off,
                                              self.data.n - self.data_off - 1, NULL)
            event.id = self.last_id
            event.retry = self.retry
            out.append(event)
            buf_clear(&self.data)
            self.data_off = 0
        self.event_type = EMPTY
        self.retry = None
        return 0
