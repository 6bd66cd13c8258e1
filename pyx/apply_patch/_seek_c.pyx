# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled twin of codex.apply_patch.seek_sequence_py (same API, same results).

Where the time goes in the pure twin is comparing Python strings candidate by candidate, and
for the lenient passes re-deriving each line's trimmed / normalised form. Here every form of
every line is computed once per file (lazily, per pass) and reduced to its hash in a C array;
a typed loop then scans hashes and only confirms real candidates with a string comparison.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject_Hash

cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    int PyUnicode_4BYTE_KIND

PUNCTUATION = {
    0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2015: "-", 0x2212: "-",
    0x2018: "'", 0x2019: "'", 0x201A: "'", 0x201B: "'",
    0x201C: '"', 0x201D: '"', 0x201E: '"', 0x201F: '"',
    0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2004: " ", 0x2005: " ", 0x2006: " ", 0x2007: " ",
    0x2008: " ", 0x2009: " ", 0x200A: " ", 0x202F: " ", 0x205F: " ", 0x3000: " ",
}

cdef inline bint _is_ws(Py_UCS4 c) nogil:
    """char::is_whitespace (Unicode White_Space)."""
    if c <= 0x20:
        return c == 0x20 or (0x09 <= c <= 0x0D)
    if c < 0x85:
        return False
    return (c == 0x85 or c == 0xA0 or c == 0x1680 or (0x2000 <= c <= 0x200A) or c == 0x2028
            or c == 0x2029 or c == 0x202F or c == 0x205F or c == 0x3000)


cdef inline Py_UCS4 _ascii_of(Py_UCS4 c) nogil:
    """Pass 4's punctuation mapping (PUNCTUATION) on one code point."""
    if c < 0xA0:
        return c
    if c == 0xA0 or (0x2002 <= c <= 0x200A) or c == 0x202F or c == 0x205F or c == 0x3000:
        return 0x20
    if (0x2010 <= c <= 0x2015) or c == 0x2212:
        return 0x2D
    if 0x2018 <= c <= 0x201B:
        return 0x27
    if 0x201C <= c <= 0x201F:
        return 0x22
    return c


cdef inline str _trim(str s, bint left):
    cdef Py_ssize_t n = len(s)
    cdef Py_ssize_t start = 0, end = n
    if left:
        while start < end and _is_ws(s[start]):
            start += 1
    while end > start and _is_ws(s[end - 1]):
        end -= 1
    if start == 0 and end == n:
        return s
    return s[start:end]


cpdef str normalise(str s):
    """Pass 4's form of a line: trimmed, typographic punctuation mapped to ASCII."""
    cdef Py_ssize_t n = len(s)
    cdef Py_ssize_t start = 0, end = n, i, first = -1
    cdef Py_UCS4 c
    cdef Py_UCS4* buf
    while start < end and _is_ws(s[start]):
        start += 1
    while end > start and _is_ws(s[end - 1]):
        end -= 1
    for i in range(start, end):
        c = s[i]
        if _ascii_of(c) != c:
            first = i
            break
    if first < 0:
        return s if (start == 0 and end == n) else s[start:end]
    buf = <Py_UCS4*>PyMem_Malloc((end - start) * sizeof(Py_UCS4))
    if buf == NULL:
        raise MemoryError()
    try:
        for i in range(start, end):
            buf[i - start] = _ascii_of(s[i])
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, end - start)
    finally:
        PyMem_Free(buf)


cdef inline str _form_of(int k, str s):
    if k == 1:
        return _trim(s, False)
    if k == 2:
        return _trim(s, True)
    if k == 3:
        return normalise(s)
    return s


cdef class LineIndex:
    """The lines of one file; each pass's forms and their hashes are computed at most once."""

    cdef readonly list lines
    cdef list _forms            # [exact, rstrip, strip, normalised]: list[str] or None
    cdef Py_hash_t* _hashes[4]  # hash of each form, NULL until computed
    cdef Py_ssize_t n

    def __cinit__(self, list lines):
        cdef int k
        self.lines = lines
        self.n = len(lines)
        self._forms = [lines, None, None, None]
        for k in range(4):
            self._hashes[k] = NULL

    def __dealloc__(self):
        cdef int k
        for k in range(4):
            if self._hashes[k] != NULL:
                PyMem_Free(self._hashes[k])
                self._hashes[k] = NULL

    cdef list _form(self, int k):
        cdef object form = self._forms[k]
        cdef Py_ssize_t i
        if form is None:
            form = [_form_of(k, <str>self.lines[i]) for i in range(self.n)]
            self._forms[k] = form
        return <list>form

    cdef Py_hash_t* _hash(self, int k) except NULL:
        cdef Py_hash_t* h = self._hashes[k]
        cdef list form
        cdef Py_ssize_t i
        if h == NULL:
            form = self._form(k)
            h = <Py_hash_t*>PyMem_Malloc((self.n + 1) * sizeof(Py_hash_t))
            if h == NULL:
                raise MemoryError()
            for i in range(self.n):
                h[i] = PyObject_Hash(form[i])
            self._hashes[k] = h
        return h

    cdef Py_ssize_t _scan(self, int k, list pat, Py_ssize_t lo, Py_ssize_t hi) except -2:
        cdef Py_ssize_t m = len(pat)
        cdef Py_hash_t* h = self._hash(k)
        cdef list form = self._form(k)
        cdef Py_hash_t* ph = <Py_hash_t*>PyMem_Malloc(m * sizeof(Py_hash_t))
        cdef Py_ssize_t i, j
        cdef Py_hash_t first
        cdef bint ok
        if ph == NULL:
            raise MemoryError()
        try:
            for j in range(m):
                ph[j] = PyObject_Hash(pat[j])
            first = ph[0]
            for i in range(lo, hi + 1):
                if h[i] != first:
                    continue
                ok = True
                for j in range(1, m):
                    if h[i + j] != ph[j]:
                        ok = False
                        break
                if not ok:
                    continue
                for j in range(m):  # confirm: equal hashes are not equal strings
                    if <str>form[i + j] != <str>pat[j]:
                        ok = False
                        break
                if ok:
                    return i
            return -1
        finally:
            PyMem_Free(ph)

    def seek(self, list pattern, Py_ssize_t start, bint eof):
        """Index where `pattern` matches at or after `start` (at the end of file with `eof`)."""
        cdef Py_ssize_t m = len(pattern)
        cdef Py_ssize_t hi, lo, found
        cdef int k
        cdef list pat
        cdef object p
        if m == 0:
            return start
        if m > self.n:
            return None
        hi = self.n - m
        lo = hi if eof else start
        if lo > hi:
            return None
        for k in range(4):
            if k == 0:
                pat = pattern
            else:
                pat = [_form_of(k, <str>p) for p in pattern]
            found = self._scan(k, pat, lo, hi)
            if found >= 0:
                return found
        return None


def seek_sequence(list lines, list pattern, Py_ssize_t start, bint eof):
    """Returns the index where `pattern` matches in `lines` (see the pure twin), or None."""
    return LineIndex(lines).seek(pattern, start, eof)
