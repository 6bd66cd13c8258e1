# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""HTTP/1.1 chunked transfer-coding decoder: the compiled twin of `codex.model.chunked_py`.

Same rules, same API (see that module). Works on the raw bytes: chunk data is copied once into
a C buffer and one bytes object is made per `feed`, so the cost per chunk is a few C
comparisons, not Python objects (a model stream sends one chunk per SSE event).
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.string cimport memchr, memcpy

from codex.model.chunked_py import MAX_LINE as _MAX_LINE, DechunkError

__all__ = ["DechunkError", "Dechunker", "MAX_LINE"]

MAX_LINE = _MAX_LINE
cdef Py_ssize_t C_MAX_LINE = _MAX_LINE

cdef enum:
    S_HEADER = 0
    S_DATA = 1
    S_DATA_END = 2
    S_TRAILER = 3
    S_DONE = 4


cdef inline int hexval(unsigned char c) noexcept nogil:
    if 48 <= c <= 57:
        return c - 48
    if 65 <= c <= 70:
        return c - 55
    if 97 <= c <= 102:
        return c - 87
    return -1


cdef class Dechunker:
    cdef int state
    cdef unsigned long long left
    cdef char *line
    cdef Py_ssize_t line_n
    cdef Py_ssize_t line_cap
    cdef char *out
    cdef Py_ssize_t out_cap
    cdef readonly bint done
    cdef public bytes tail

    def __cinit__(self):
        self.state = S_HEADER
        self.left = 0
        self.line = NULL
        self.line_n = 0
        self.line_cap = 0
        self.out = NULL
        self.out_cap = 0
        self.done = False
        self.tail = b""

    def __dealloc__(self):
        PyMem_Free(self.line)
        PyMem_Free(self.out)

    cdef int _line_append(self, const char *s, Py_ssize_t k) except -1:
        cdef Py_ssize_t need = self.line_n + k
        cdef char *p
        if need > C_MAX_LINE + 2:
            raise DechunkError("chunk header or trailer line too long")
        if need > self.line_cap:
            p = <char *>PyMem_Realloc(self.line, need + 64)
            if p == NULL:
                raise MemoryError()
            self.line = p
            self.line_cap = need + 64
        memcpy(self.line + self.line_n, s, k)
        self.line_n = need
        return 0

    cdef int _line(self, const char *s, Py_ssize_t n) except -1:
        """Handle one complete line s[:n] (CRLF included) in the current state."""
        cdef Py_ssize_t i, k
        cdef unsigned long long size
        cdef int h
        if n < 2 or s[n - 2] != b'\r':
            raise DechunkError("line ending without CR")
        n -= 2
        if self.state == S_DATA_END:
            if n:
                raise DechunkError("chunk data not followed by CRLF")
            self.state = S_HEADER
            return 0
        if self.state == S_TRAILER:
            if n == 0:
                self.state = S_DONE
                self.done = True
            return 0
        # S_HEADER: 1-20 hex digits, then `;...` or spaces/tabs
        i = 0
        size = 0
        while i < n and i < 21:
            h = hexval(<unsigned char>s[i])
            if h < 0:
                break
            size = (size << 4) | <unsigned long long>h
            i += 1
        if i == 0 or i > 20:
            raise DechunkError("invalid chunk header " + repr(s[:min(n, 40)]))
        if i < n and s[i] != b';':
            k = i
            while k < n and (s[k] == b' ' or s[k] == b'\t'):
                k += 1
            if k != n:
                raise DechunkError("invalid chunk header " + repr(s[:min(n, 40)]))
        if size == 0:
            self.state = S_TRAILER
        else:
            self.left = size
            self.state = S_DATA
        return 0

    def feed(self, data):
        cdef Py_buffer view
        cdef const char *s
        cdef const char *nl
        cdef Py_ssize_t n, i = 0, o = 0, take, j
        cdef char *p
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            s = <const char *>view.buf
            n = view.len
            if n > self.out_cap:
                p = <char *>PyMem_Realloc(self.out, n)
                if p == NULL:
                    raise MemoryError()
                self.out = p
                self.out_cap = n
            while i < n:
                if self.state == S_DATA:
                    take = n - i
                    if <unsigned long long>take > self.left:
                        take = <Py_ssize_t>self.left
                    memcpy(self.out + o, s + i, take)
                    o += take
                    i += take
                    self.left -= <unsigned long long>take
                    if self.left == 0:
                        self.state = S_DATA_END
                    continue
                if self.state == S_DONE:
                    self.tail = self.tail + PyBytes_FromStringAndSize(s + i, n - i)
                    break
                nl = <const char *>memchr(s + i, b'\n', n - i)
                if nl == NULL:
                    self._line_append(s + i, n - i)
                    if self.line_n > C_MAX_LINE:
                        raise DechunkError("chunk header or trailer line too long")
                    break
                j = nl - s + 1
                if self.line_n:
                    self._line_append(s + i, j - i)
                    self.line_n, take = 0, self.line_n
                    self._line(self.line, take)
                else:
                    if j - i > C_MAX_LINE + 2:
                        raise DechunkError("chunk header or trailer line too long")
                    self._line(s + i, j - i)
                i = j
            result = PyBytes_FromStringAndSize(self.out, o)
            if self.out_cap > (1 << 22) and n < (1 << 20):
                PyMem_Free(self.out)
                self.out = NULL
                self.out_cap = 0
            return result
        finally:
            PyBuffer_Release(&view)
