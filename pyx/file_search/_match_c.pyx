# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Fuzzy path matcher and directory lister, compiled twin of `codex.file_search.match_py`.

Same API and results as the pure twin (whose docstring states the scoring rules, a port of
nucleo-matcher 0.3 with `match_paths()`). ASCII paths (nearly all of them) are matched in C on
the store's buffers in place: comparisons run on the lower-cased copy of the blob (so the
prefilter is memchr/memmem), classes and bonuses on the original bytes. Paths with non-ASCII
characters go through the pure twin's code (grapheme splitting, Unicode case folding).

`search_store` fuses scoring with the top-k selection and skips the dynamic programme for
every path that cannot enter the top k: a path's score is bounded above by its needles'
maximum (16 per character, 9 for a delimiter boundary, doubled for the first character), less 3
when the needle does not occur contiguously; a path whose bound, length and bytes do not beat
the current k-th best is only counted as a match. The result is exactly the unpruned one.

`scan_dir` lists a directory with opendir/readdir: no DirEntry objects, file types from d_type
(a stat only for symbolic links and d_type-less file systems).
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdlib cimport malloc, free, realloc
from libc.string cimport memcmp, strlen, memchr

from array import array

cdef extern from "string.h" nogil:
    void *memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen)

cdef extern from "dirent.h" nogil:
    ctypedef struct DIR
    struct dirent:
        unsigned char d_type
        char d_name[256]
    DIR *opendir(const char *name)
    dirent *readdir(DIR *dirp)
    int closedir(DIR *dirp)
    int DT_DIR, DT_LNK, DT_UNKNOWN, DT_REG

cdef extern from "sys/stat.h" nogil:
    struct stat:
        unsigned int st_mode
    int c_stat "stat"(const char *path, stat *buf)
    int c_lstat "lstat"(const char *path, stat *buf)
    bint S_ISDIR(unsigned int m)
    bint S_ISLNK(unsigned int m)

ctypedef unsigned char uchar

# ---------------------------------------------------------------------------------------------
# constants (nucleo Config::DEFAULT.match_paths())

DEF SCORE_MATCH = 16
DEF PENALTY_GAP_START = 3
DEF PENALTY_GAP_EXTENSION = 1
DEF BONUS_BOUNDARY = 8
DEF BONUS_CONSECUTIVE = 4
DEF BONUS_BOUNDARY_WHITE = 8
DEF BONUS_MAX = 9
DEF C_WHITESPACE = 0
DEF C_NONWORD = 1
DEF C_DELIMITER = 2
DEF C_LOWER = 3
DEF C_UPPER = 4
DEF C_NUMBER = 6
DEF INITIAL_CLASS = 2
DEF MAX_MATRIX_SIZE = 102400
DEF MAX_NEEDLE_LEN = 2048
DEF SLAB_BYTES = 4 * 2048 + 2048 + 2 * 2048 + 8 * 2048 + 102400

DEF KIND_FUZZY = 0
DEF KIND_SUBSTRING = 1
DEF KIND_PREFIX = 2
DEF KIND_POSTFIX = 3
DEF KIND_EXACT = 4

DEF FLAG_UNICODE = 2
DEF FLAG_DEAD = 4

DEF MAX_ATOMS = 64

cdef uchar CLS[256]
cdef uchar LOW[256]
cdef uchar BONUS[49]


cdef int _bonus_for(int prev, int cls):
    if cls > C_DELIMITER:
        if prev == C_WHITESPACE:
            return BONUS_BOUNDARY_WHITE
        if prev == C_DELIMITER:
            return BONUS_BOUNDARY + 1
        if prev == C_NONWORD:
            return BONUS_BOUNDARY
    if (prev == C_LOWER and cls == C_UPPER) or (prev != C_NUMBER and cls == C_NUMBER):
        return BONUS_BOUNDARY - PENALTY_GAP_START
    if cls == C_WHITESPACE:
        return BONUS_BOUNDARY_WHITE
    if cls == C_NONWORD:
        return BONUS_BOUNDARY
    return 0


cdef void _init_tables():
    cdef int b, p, c
    for b in range(256):
        if 97 <= b <= 122:
            CLS[b] = C_LOWER
        elif 65 <= b <= 90:
            CLS[b] = C_UPPER
        elif 48 <= b <= 57:
            CLS[b] = C_NUMBER
        elif b == 32 or b == 9 or b == 10 or b == 12 or b == 13:
            CLS[b] = C_WHITESPACE
        elif b == 47:
            CLS[b] = C_DELIMITER
        else:
            CLS[b] = C_NONWORD
        LOW[b] = b + 32 if 65 <= b <= 90 else b
    for p in range(7):
        for c in range(7):
            BONUS[p * 7 + c] = _bonus_for(p, c)

_init_tables()


# ---------------------------------------------------------------------------------------------
# scratch memory for the dynamic programme

cdef struct Scratch:
    int cap            # columns
    int fcap           # flag cells
    unsigned short* m_score
    uchar* m_cb
    uchar* m_cons
    unsigned short* n_score
    uchar* n_cb
    uchar* n_cons
    uchar* bonus
    uchar* pflags      # per row, per column (indices only)
    uchar* mflags


cdef Scratch SCR
SCR.cap = 0
SCR.fcap = 0


cdef int _ensure(int span, int cells) except -1:
    cdef int n
    if span > SCR.cap:
        n = span if span > 4096 else 4096
        SCR.m_score = <unsigned short*>realloc(SCR.m_score, n * sizeof(unsigned short))
        SCR.n_score = <unsigned short*>realloc(SCR.n_score, n * sizeof(unsigned short))
        SCR.m_cb = <uchar*>realloc(SCR.m_cb, n)
        SCR.n_cb = <uchar*>realloc(SCR.n_cb, n)
        SCR.m_cons = <uchar*>realloc(SCR.m_cons, n)
        SCR.n_cons = <uchar*>realloc(SCR.n_cons, n)
        SCR.bonus = <uchar*>realloc(SCR.bonus, n)
        if (SCR.m_score == NULL or SCR.n_score == NULL or SCR.m_cb == NULL or SCR.n_cb == NULL
                or SCR.m_cons == NULL or SCR.n_cons == NULL or SCR.bonus == NULL):
            SCR.cap = 0
            raise MemoryError()
        SCR.cap = n
    if cells > SCR.fcap:
        n = cells if cells > 65536 else 65536
        SCR.pflags = <uchar*>realloc(SCR.pflags, n)
        SCR.mflags = <uchar*>realloc(SCR.mflags, n)
        if SCR.pflags == NULL or SCR.mflags == NULL:
            SCR.fcap = 0
            raise MemoryError()
        SCR.fcap = n
    return 0


# ---------------------------------------------------------------------------------------------
# ASCII matching. `h` is the haystack as written (classes and bonuses come from it), `l` the one
# compared with the needle: lower-cased when the atom ignores case (always, with the reference's
# CaseMatching::Ignore), else `h` itself. Every function returns the score or -1 (no match);
# with a non-NULL `idx` the match indices are appended at idx[*nidx].

cdef inline int _cls_at(const uchar* h, int i) noexcept nogil:
    return CLS[h[i - 1]] if i > 0 else INITIAL_CLASS


cdef inline int _find(const uchar* l, int lo, int hi, uchar c) noexcept nogil:
    cdef const uchar* p
    if hi <= lo:
        return -1
    p = <const uchar*>memchr(l + lo, c, hi - lo)
    return -1 if p == NULL else <int>(p - l)


cdef int _calc_score(const uchar* h, const uchar* l, const uchar* nd, int n, int start, int end,
                     int* idx, int* nidx) noexcept nogil:
    cdef int prev = _cls_at(h, start)
    cdef int ni = 1
    cdef uchar needle_char = nd[1] if n > 1 else nd[0]
    cdef bint in_gap = False
    cdef int consecutive = 1
    cdef int c0, first_bonus, score, i, k, bonus
    if idx != NULL:
        idx[nidx[0]] = start
        nidx[0] += 1
    c0 = CLS[h[start]]
    first_bonus = BONUS[prev * 7 + c0]
    score = SCORE_MATCH + first_bonus * 2
    prev = c0
    for i in range(start + 1, end):
        k = CLS[h[i]]
        if l[i] == needle_char:
            if idx != NULL:
                idx[nidx[0]] = i
                nidx[0] += 1
            bonus = BONUS[prev * 7 + k]
            if consecutive:
                if bonus >= BONUS_BOUNDARY and bonus > first_bonus:
                    first_bonus = bonus
                if first_bonus > bonus:
                    bonus = first_bonus
                if BONUS_CONSECUTIVE > bonus:
                    bonus = BONUS_CONSECUTIVE
            else:
                first_bonus = bonus
            score += SCORE_MATCH + bonus
            in_gap = False
            consecutive += 1
            ni += 1
            if ni < n:
                needle_char = nd[ni]
        else:
            score -= PENALTY_GAP_EXTENSION if in_gap else PENALTY_GAP_START
            if score < 0:
                score = 0
            in_gap = True
            consecutive = 0
        prev = k
    return score


cdef bint _slab_fits(int span, int n, int elem) noexcept nogil:
    cdef long off
    if <long>span * n > MAX_MATRIX_SIZE or span > 0xFFFF or n > MAX_NEEDLE_LEN:
        return False
    off = <long>span * elem + span
    off = (off + 1) & ~1
    off += 2 * n
    off = (off + 7) & ~7
    off += 8 * (span + 1 - n)
    off += <long>(span + 1 - n) * n
    return off <= SLAB_BYTES


cdef int _greedy(const uchar* h, const uchar* l, const uchar* nd, int n, int start, int end,
                 int* idx, int* nidx) noexcept nogil:
    cdef int k = n - 1
    cdef int i = end - 1
    while i >= start:
        if l[i] == nd[k]:
            if k == 0:
                start = i
                break
            k -= 1
        i -= 1
    return _calc_score(h, l, nd, n, start, end, idx, nidx)


cdef int _optimal(const uchar* h, const uchar* l, const uchar* nd, int n, int start, int greedy_end,
                  int end, int* idx, int* nidx) noexcept nogil:
    cdef int span = end - start
    cdef int j, r, k, row_off, next_off, prev, p, a, b2, ms, bb, cb, s_match, s_skip, best, best_j
    cdef int prev_p, prev_m, col, row, hi
    cdef bint matched, want = idx != NULL, state_m, nxt_m
    cdef uchar nxt
    cdef unsigned short* m_score = SCR.m_score
    cdef unsigned short* n_score = SCR.n_score
    cdef unsigned short* tmp_s
    cdef uchar* m_cb = SCR.m_cb
    cdef uchar* n_cb = SCR.n_cb
    cdef uchar* m_cons = SCR.m_cons
    cdef uchar* n_cons = SCR.n_cons
    cdef uchar* tmp_b
    cdef uchar* bonus = SCR.bonus
    cdef uchar* pflags = SCR.pflags
    cdef uchar* mflags = SCR.mflags
    cdef const uchar* hs = h + start
    cdef const uchar* ls = l + start
    cdef int row_offs[MAX_NEEDLE_LEN]
    prev = _cls_at(h, start)
    for j in range(span):
        k = CLS[hs[j]]
        bonus[j] = BONUS[prev * 7 + k]
        prev = k
    k = 0
    matched = False
    for j in range(span):
        if ls[j] == nd[k]:
            if k < n - 1:
                row_offs[k] = j
                k += 1
            elif not matched:
                row_offs[k] = j
                matched = True
    if not matched:
        return -1
    for j in range(span):
        if ls[j] == nd[0]:
            m_score[j] = bonus[j] * 2 + SCORE_MATCH
            m_cb[j] = bonus[j]
        else:
            m_score[j] = 0
            m_cb[j] = 0
        m_cons[j] = 0
    for r in range(n - 1):
        row_off = row_offs[r]
        next_off = row_offs[r + 1]
        nxt = nd[r + 1]
        prev_p = 0
        prev_m = 0
        # columns before the next row's first possible match: only the gap scores move on
        hi = next_off - 1
        for j in range(row_off, hi):
            a = prev_m - PENALTY_GAP_START
            b2 = prev_p - PENALTY_GAP_EXTENSION
            if a < 0:
                a = 0
            if b2 < 0:
                b2 = 0
            if a > b2:
                p = a
            else:
                p = b2
            if want:
                pflags[r * span + j] = a > b2
                mflags[r * span + j] = m_cons[j]
            prev_p = p
            prev_m = m_score[j]
        for j in range(hi if hi > row_off else row_off, span - 1):
            a = prev_m - PENALTY_GAP_START
            b2 = prev_p - PENALTY_GAP_EXTENSION
            if a < 0:
                a = 0
            if b2 < 0:
                b2 = 0
            if a > b2:
                p = a
            else:
                p = b2
            if want:
                pflags[r * span + j] = a > b2
                mflags[r * span + j] = m_cons[j]
            ms = m_score[j]
            if ls[j + 1] == nxt:
                bb = bonus[j + 1]
                if ms == 0:
                    n_score[j + 1] = p + bb + SCORE_MATCH
                    n_cb[j + 1] = bb
                    n_cons[j + 1] = 0
                else:
                    cb = m_cb[j]
                    if cb < BONUS_CONSECUTIVE:
                        cb = BONUS_CONSECUTIVE
                    if bb >= BONUS_BOUNDARY and bb > cb:
                        cb = bb
                    s_match = ms + (cb if cb > bb else bb)
                    s_skip = p + bb
                    if s_match > s_skip:
                        n_score[j + 1] = s_match + SCORE_MATCH
                        n_cb[j + 1] = cb
                        n_cons[j + 1] = 1
                    else:
                        n_score[j + 1] = s_skip + SCORE_MATCH
                        n_cb[j + 1] = bb
                        n_cons[j + 1] = 0
            else:
                n_score[j + 1] = 0
                n_cb[j + 1] = 0
                n_cons[j + 1] = 0
            prev_p = p
            prev_m = ms
        tmp_s = m_score; m_score = n_score; n_score = tmp_s
        tmp_b = m_cb; m_cb = n_cb; n_cb = tmp_b
        tmp_b = m_cons; m_cons = n_cons; n_cons = tmp_b
    best = -1
    best_j = -1
    for j in range(row_offs[n - 1], span):
        if m_score[j] >= best:
            best = m_score[j]
            best_j = j
    if want:
        idx[nidx[0] + n - 1] = start + best_j
        state_m = m_cons[best_j]
        row = n - 2
        col = best_j - 1
        while True:
            if state_m:
                idx[nidx[0] + row] = start + col
                nxt_m = mflags[row * span + col]
                if row == 0:
                    break
                row -= 1
            else:
                nxt_m = pflags[row * span + col]
            col -= 1
            state_m = nxt_m
        nidx[0] += n
    return best


cdef int _substring_1(const uchar* h, const uchar* l, int L, uchar c, int* idx, int* nidx) noexcept nogil:
    cdef int max_score = 0, max_pos = 0, i, b, s
    i = _find(l, 0, L, c)
    while i >= 0:
        b = BONUS[_cls_at(h, i) * 7 + CLS[h[i]]]
        s = b * 2 + SCORE_MATCH
        if s > max_score:
            max_pos = i
            max_score = s
            if b >= BONUS_BOUNDARY_WHITE:
                break
        i = _find(l, i + 1, L, c)
    if max_score == 0:
        return -1
    if idx != NULL:
        idx[nidx[0]] = max_pos
        nidx[0] += 1
    return max_score


cdef int _exact(const uchar* h, const uchar* l, int L, const uchar* nd, int n, bint ic, int start,
                int end, int* idx, int* nidx) noexcept nogil:
    if n != end - start or n == 0:
        return -1
    if ic:
        if memcmp(l + start, nd, n) != 0:
            return -1
    elif L != n or memcmp(h, nd, n) != 0:     # nucleo compares the whole haystack here
        return -1
    return _calc_score(h, l, nd, n, start, end, idx, nidx)


cdef bint _prefilter(const uchar* l, int L, const uchar* nd, int n, int* start, int* ge,
                     int* end) noexcept nogil:
    """nucleo prefilter_ascii: first occurrence of the first char (leaving room for the rest),
    the greedy end of a forward match, and the end after the last occurrence of the last char."""
    cdef int s, g, j, i
    s = _find(l, 0, L - n + 1, nd[0])
    if s < 0:
        return False
    g = s + 1
    for j in range(1, n):
        i = _find(l, g, L, nd[j])
        if i < 0:
            return False
        g = i + 1
    start[0] = s
    ge[0] = g
    end[0] = g
    i = L - 1
    while i >= g:                  # the last occurrence of the last char (memrchr is GNU-only)
        if l[i] == nd[n - 1]:
            end[0] = i + 1
            break
        i -= 1
    return True


cdef int _fuzzy_scored(const uchar* h, const uchar* l, const uchar* nd, int n, int start, int ge,
                       int end, int* idx, int* nidx) except -2:
    if n == end - start:
        return _calc_score(h, l, nd, n, start, ge, idx, nidx)
    if not _slab_fits(end - start, n, 1):
        return _greedy(h, l, nd, n, start, ge, idx, nidx)
    _ensure(end - start, (end - start) * n if idx != NULL else 0)
    return _optimal(h, l, nd, n, start, ge, end, idx, nidx)


cdef int _fuzzy(const uchar* h, const uchar* l, int L, const uchar* nd, int n, bint ic, int* idx,
                int* nidx) except -2:
    cdef int start, ge, end
    if n > L or n == 0:
        return -1
    if n == L:
        return _exact(h, l, L, nd, n, ic, 0, L, idx, nidx)
    if n == 1:
        return _substring_1(h, l, L, nd[0], idx, nidx)
    if not _prefilter(l, L, nd, n, &start, &ge, &end):
        return -1
    return _fuzzy_scored(h, l, nd, n, start, ge, end, idx, nidx)


cdef int _substring_pref(const uchar* h, const uchar* l, int L, const uchar* nd, int n, int mode,
                         int limit, int* max_pos) noexcept nogil:
    # nucleo substring_match_ascii_with_prefilter, candidates: mode 0 the first needle char in
    # either case, 1 the first needle char as is, 2 occurrences of the whole needle as is
    cdef int max_score = 0, i, b, s, lim
    for i in range(limit):
        if mode == 0:
            if l[i] != nd[0]:
                continue
        elif mode == 1:
            if h[i] != nd[0]:
                continue
        else:
            if i + n > limit or memcmp(h + i, nd, n) != 0:
                continue
        b = BONUS[_cls_at(h, i) * 7 + CLS[h[i]]]
        s = b * 2 + SCORE_MATCH
        if s > max_score:
            lim = i + n if i + n < L else L
            if lim - (i + 1) == n - 1 and memcmp(l + i + 1, nd + 1, n - 1) == 0:
                max_pos[0] = i
                max_score = s
                if b >= BONUS_BOUNDARY_WHITE:
                    break
    return max_score


cdef int _substring(const uchar* h, const uchar* l, int L, const uchar* nd, int n, bint ic, int* idx,
                    int* nidx) noexcept nogil:
    cdef int max_score = 0, max_pos = 0, pos, i, b, s, c0
    if n > L or n == 0:
        return -1
    if n == L:
        return _exact(h, l, L, nd, n, ic, 0, L, idx, nidx)
    if n == 1:
        return _substring_1(h, l, L, nd[0], idx, nidx)
    if ic:
        pos = -1
        for i in range(n):
            if 97 <= nd[i] <= 122:
                pos = i
                break
        if pos >= 0:
            if pos == 0:
                max_score = _substring_pref(h, l, L, nd, n, 0, L - n + 1, &max_pos)
            elif pos == 1:
                max_score = _substring_pref(h, l, L, nd, n, 1, L - n + 1, &max_pos)
            else:
                max_score = _substring_pref(h, l, L, nd, n, 2, L - n + pos, &max_pos)
            if max_score == 0:
                return -1
    if max_score == 0:
        c0 = CLS[nd[0]]
        for i in range(L - n + 1):
            if memcmp(h + i, nd, n) != 0:
                continue
            b = BONUS[_cls_at(h, i) * 7 + c0]
            s = b * 2 + SCORE_MATCH
            if s > max_score:
                max_pos = i
                max_score = s
                if b >= BONUS_BOUNDARY_WHITE:
                    break
        if max_score == 0:
            return -1
    return _calc_score(h, l, nd, n, max_pos, max_pos + n, idx, nidx)


cdef int _atom_ascii(int kind, const uchar* h, const uchar* l, int L, const uchar* nd, int n, bint ic,
                     int* idx, int* nidx) except -2:
    if kind == KIND_FUZZY:
        return _fuzzy(h, l, L, nd, n, ic, idx, nidx)
    if kind == KIND_SUBSTRING:
        return _substring(h, l, L, nd, n, ic, idx, nidx)
    if kind == KIND_EXACT:
        return _exact(h, l, L, nd, n, ic, 0, L, idx, nidx)
    if L < n:
        return -1
    if kind == KIND_PREFIX:
        return _exact(h, l, L, nd, n, ic, 0, n, idx, nidx)
    return _exact(h, l, L, nd, n, ic, L - n, L, idx, nidx)


# ---------------------------------------------------------------------------------------------
# Python API (same as match_py)

cdef object _py = None


cdef object _pure():
    global _py
    if _py is None:
        from codex.file_search import match_py
        _py = match_py
    return _py


cdef class _Atoms:
    """The atoms of a pattern in C-friendly form."""
    cdef int count
    cdef int kinds[MAX_ATOMS]
    cdef int negative[MAX_ATOMS]
    cdef int ic[MAX_ATOMS]
    cdef int lens[MAX_ATOMS]
    cdef int maxs[MAX_ATOMS]
    cdef const uchar* needles[MAX_ATOMS]
    cdef list keep
    cdef bint any_case_sensitive
    cdef bint usable
    cdef int needle_total

    def __cinit__(self, atoms):
        cdef int i, n
        atoms = list(atoms)
        self.count = len(atoms)
        self.keep = []
        self.any_case_sensitive = False
        self.usable = self.count <= MAX_ATOMS
        self.needle_total = 0
        if not self.usable:
            return
        for i, a in enumerate(atoms):
            self.kinds[i] = a.kind
            self.negative[i] = 1 if a.negative else 0
            self.ic[i] = 1 if a.ignore_case else 0
            if not a.ignore_case:
                self.any_case_sensitive = True
            nb = a.needle_bytes if a.ascii else b""
            self.keep.append(nb)
            n = PyBytes_GET_SIZE(nb)
            self.lens[i] = n
            self.needles[i] = <const uchar*>PyBytes_AS_STRING(nb)
            self.maxs[i] = SCORE_MATCH * n + BONUS_MAX * (n + 1) if n > 0 else 0
            self.needle_total += n


cdef long _score_ascii(_Atoms A, const uchar* h, const uchar* low, int L, int* idx, int* nidx) except -2:
    """Sum of the atoms' scores on an ASCII haystack, or -1."""
    cdef long total = 0
    cdef int i, s
    cdef const uchar* l
    for i in range(A.count):
        l = low if A.ic[i] else h
        if A.negative[i]:
            if A.lens[i] != 0 and _atom_ascii(A.kinds[i], h, l, L, A.needles[i], A.lens[i], A.ic[i], NULL, NULL) >= 0:
                return -1
            continue
        if A.lens[i] == 0:          # a non-ASCII needle never matches an ASCII haystack
            return -1
        s = _atom_ascii(A.kinds[i], h, l, L, A.needles[i], A.lens[i], A.ic[i], idx, nidx)
        if s < 0:
            return -1
        total += s
    return total


def atom_match(atom, haystack, bint want_indices=False):
    """Score one atom against `haystack` (str or UTF-8 bytes): None or (score, indices)."""
    cdef bytes hb, lb
    cdef int nidx = 0
    cdef int* idx = NULL
    cdef int s
    if isinstance(haystack, str):
        if not haystack.isascii():
            return _pure().atom_match(atom, haystack, want_indices)
        hb = haystack.encode("ascii")
    else:
        hb = bytes(haystack)
        if not hb.isascii():
            return _pure().atom_match(atom, hb, want_indices)
    if not atom.ascii:
        return (0, []) if atom.negative else None
    lb = hb.lower() if atom.ignore_case else hb
    nb = atom.needle_bytes
    if want_indices and not atom.negative:
        idx = <int*>malloc(sizeof(int) * (len(nb) + 1))
    try:
        s = _atom_ascii(atom.kind, <const uchar*>PyBytes_AS_STRING(hb), <const uchar*>PyBytes_AS_STRING(lb),
                        PyBytes_GET_SIZE(hb), <const uchar*>PyBytes_AS_STRING(nb), PyBytes_GET_SIZE(nb),
                        atom.ignore_case, idx, &nidx)
        if atom.negative:
            return None if s >= 0 else (0, [])
        if s < 0:
            return None
        return s, [idx[i] for i in range(nidx)]
    finally:
        free(idx)


def pattern_match(atoms, haystack, bint want_indices=False):
    """Score all atoms (they must all match; scores add up): None or (score, sorted indices)."""
    cdef bytes hb, lb
    cdef int nidx = 0
    cdef int* idx = NULL
    cdef long total
    if isinstance(haystack, str):
        if not haystack.isascii():
            return _pure().pattern_match(atoms, haystack, want_indices)
        hb = haystack.encode("ascii")
    else:
        hb = bytes(haystack)
        if not hb.isascii():
            return _pure().pattern_match(atoms, hb, want_indices)
    A = _Atoms(atoms)
    if not A.usable:
        return _pure().pattern_match(atoms, hb, want_indices)
    lb = hb.lower()
    if want_indices:
        idx = <int*>malloc(sizeof(int) * (A.needle_total + 1))
    try:
        total = _score_ascii(A, <const uchar*>PyBytes_AS_STRING(hb), <const uchar*>PyBytes_AS_STRING(lb),
                             PyBytes_GET_SIZE(hb), idx, &nidx)
        if total < 0:
            return None
        if want_indices:
            return total, sorted(set([idx[i] for i in range(nidx)]))
        return total, []
    finally:
        free(idx)


# ---------------------------------------------------------------------------------------------
# ranking: score descending, then shorter path (characters), then path bytes, then id

cdef struct Cand:
    unsigned int id
    unsigned int score
    unsigned int clen
    unsigned int off
    unsigned int blen


cdef inline bint _better(Cand* a, Cand* b, const uchar* blob) noexcept nogil:
    """a ranks before b."""
    cdef int c
    cdef unsigned int m
    if a.score != b.score:
        return a.score > b.score
    if a.clen != b.clen:
        return a.clen < b.clen
    m = a.blen if a.blen < b.blen else b.blen
    c = memcmp(blob + a.off, blob + b.off, m)
    if c != 0:
        return c < 0
    if a.blen != b.blen:
        return a.blen < b.blen
    return a.id < b.id


cdef void _sift_down(Cand* heap, int n, int i, const uchar* blob) noexcept nogil:
    # a heap on "worse": the root is the worst candidate kept
    cdef int l, r, w
    cdef Cand t
    while True:
        l = 2 * i + 1
        r = l + 1
        w = i
        if l < n and _better(&heap[w], &heap[l], blob):
            w = l
        if r < n and _better(&heap[w], &heap[r], blob):
            w = r
        if w == i:
            return
        t = heap[i]
        heap[i] = heap[w]
        heap[w] = t
        i = w


cdef void _sift_up(Cand* heap, int i, const uchar* blob) noexcept nogil:
    cdef int p
    cdef Cand t
    while i > 0:
        p = (i - 1) // 2
        if _better(&heap[p], &heap[i], blob):
            t = heap[i]
            heap[i] = heap[p]
            heap[p] = t
            i = p
        else:
            return


cdef class _Heap:
    cdef Cand* heap
    cdef int size
    cdef int limit
    cdef const uchar* blob

    def __cinit__(self, int limit):
        self.limit = limit
        self.size = 0
        self.heap = <Cand*>malloc(sizeof(Cand) * (limit + 1))
        if self.heap == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self.heap)

    cdef inline bint full(self) noexcept:
        return self.size == self.limit

    cdef inline bint beats_worst(self, Cand* c) noexcept:
        return self.size < self.limit or _better(c, &self.heap[0], self.blob)

    cdef void push(self, Cand* c) noexcept:
        if self.limit <= 0:
            return
        if self.size < self.limit:
            self.heap[self.size] = c[0]
            _sift_up(self.heap, self.size, self.blob)
            self.size += 1
        elif _better(c, &self.heap[0], self.blob):
            self.heap[0] = c[0]
            _sift_down(self.heap, self.size, 0, self.blob)

    cdef list sorted_pairs(self):
        cdef int i, j
        cdef Cand t
        for i in range(1, self.size):
            t = self.heap[i]
            j = i - 1
            while j >= 0 and _better(&t, &self.heap[j], self.blob):
                self.heap[j + 1] = self.heap[j]
                j -= 1
            self.heap[j + 1] = t
        return [(self.heap[i].id, self.heap[i].score) for i in range(self.size)]


def score_store(atoms, store, candidates=None):
    """Score every live entry of `store` (or the ids in `candidates`). Returns the ids that
    match and their scores (array('I') each), in id order."""
    ids, scores, _ = _run(atoms, store, candidates, -1)
    return ids, scores


def search_store(atoms, store, candidates=None, int limit=50):
    """Match and rank in one pass: (ids of every match as array('I'), [(id, score)] of the best
    `limit`, best first)."""
    ids, _, best = _run(atoms, store, candidates, limit)
    return ids, best


cdef tuple _run(atoms, store, candidates, int limit):
    """limit < 0: score everything (no ranking); else rank with pruning."""
    cdef const uchar[:] blobv
    cdef const uchar[:] lowv
    cdef const uchar* blob
    cdef const uchar* low
    cdef const unsigned int[:] offs
    cdef const uchar[:] flags
    cdef const unsigned int[:] cand
    cdef Py_ssize_t count, k, ncand, nout = 0
    cdef unsigned int i, off
    cdef int L, a, n, s, ub, st, ge, en
    cdef long total
    cdef int use_cand, ranking = limit >= 0
    cdef bint ok
    cdef Cand c
    cdef int pst[MAX_ATOMS]
    cdef int pge[MAX_ATOMS]
    cdef int pen[MAX_ATOMS]
    cdef int pexact[MAX_ATOMS]
    cdef const uchar* l
    cdef _Heap heap = _Heap(limit if limit > 0 else 0)
    A = _Atoms(atoms)
    if not A.usable:
        pure = _pure()
        ids, scores = pure.score_store(atoms, store, candidates)
        best = [] if not ranking else [(ids[p], scores[p]) for p in pure.top_k(store, ids, scores, limit)]
        return ids, scores, best
    count = store.count
    out_ids = array("I")
    out_scores = array("I")
    if count == 0:
        return out_ids, out_scores, []
    blobv = store.blob
    blob = &blobv[0]
    lowv = store.low
    low = &lowv[0]
    heap.blob = blob
    offs = store.offsets
    flags = store.flags
    use_cand = candidates is not None
    if use_cand:
        cand = candidates if isinstance(candidates, array) else array("I", candidates)
        ncand = cand.shape[0]
    else:
        ncand = count
    cdef unsigned int* rid = <unsigned int*>malloc(sizeof(unsigned int) * (ncand + 1))
    cdef unsigned int* rsc = <unsigned int*>malloc(sizeof(unsigned int) * (ncand + 1))
    cdef list slow = []
    if rid == NULL or rsc == NULL:
        free(rid)
        free(rsc)
        raise MemoryError()
    try:
        for k in range(ncand):
            i = cand[k] if use_cand else <unsigned int>k
            if flags[i] & FLAG_DEAD:
                continue
            if flags[i] & FLAG_UNICODE:
                slow.append(i)
                continue
            off = offs[i]
            L = offs[i + 1] - off - 1
            # 1. does it match at all? (exact for cheap atoms, prefilter for fuzzy ones)
            ok = True
            ub = 0
            for a in range(A.count):
                n = A.lens[a]
                l = (low if A.ic[a] else blob) + off
                if A.negative[a]:
                    if n != 0 and _atom_ascii(A.kinds[a], blob + off, l, L, A.needles[a], n, A.ic[a], NULL, NULL) >= 0:
                        ok = False
                        break
                    pexact[a] = 0
                    continue
                if n == 0 or n > L:
                    ok = False
                    break
                if A.kinds[a] == KIND_FUZZY and 1 < n < L:
                    if not _prefilter(l, L, A.needles[a], n, &pst[a], &pge[a], &pen[a]):
                        ok = False
                        break
                    pexact[a] = -1
                    ub += A.maxs[a]
                else:
                    s = _atom_ascii(A.kinds[a], blob + off, l, L, A.needles[a], n, A.ic[a], NULL, NULL)
                    if s < 0:
                        ok = False
                        break
                    pexact[a] = s
                    ub += s
            if not ok:
                continue
            rid[nout] = i
            # 2. can it enter the top k? (bound, then length and bytes against the k-th best)
            if ranking:
                c.id = i
                c.off = off
                c.blen = L
                c.clen = L
                c.score = ub
                if heap.full() and not heap.beats_worst(&c):
                    nout += 1
                    continue
                # tighter bound: a needle that never occurs contiguously costs a gap
                for a in range(A.count):
                    if pexact[a] < 0 and memmem(((low if A.ic[a] else blob) + off), L, A.needles[a], A.lens[a]) == NULL:
                        ub -= PENALTY_GAP_START
                c.score = ub
                if heap.full() and not heap.beats_worst(&c):
                    nout += 1
                    continue
            # 3. exact score
            total = 0
            for a in range(A.count):
                if pexact[a] >= 0:
                    total += pexact[a]
                else:
                    l = (low if A.ic[a] else blob) + off
                    total += _fuzzy_scored(blob + off, l, A.needles[a], A.lens[a], pst[a], pge[a], pen[a], NULL, NULL)
            rsc[nout] = <unsigned int>total
            nout += 1
            if ranking:
                c.score = <unsigned int>total
                heap.push(&c)
        out_ids.frombytes((<char*>rid)[:nout * sizeof(unsigned int)])
        if not ranking:
            out_scores.frombytes((<char*>rsc)[:nout * sizeof(unsigned int)])
    finally:
        free(rid)
        free(rsc)
    if slow:
        pure = _pure()
        for j in slow:
            if A.count == 0:
                r = (0, [])
            else:
                r = pure.pattern_match(atoms, store.text(j))
            if r is None:
                continue
            out_ids.append(j)
            if not ranking:
                out_scores.append(r[0])
            else:
                c.id = j
                c.off = offs[j]
                c.blen = offs[j + 1] - c.off - 1
                c.clen = store.char_len(j)
                c.score = r[0]
                heap.push(&c)
    return out_ids, out_scores, (heap.sorted_pairs() if ranking else [])


def top_k(store, ids, scores, int limit):
    """Positions (in `ids`) of the best `limit` matches, best first."""
    cdef const unsigned int[:] vid
    cdef const unsigned int[:] vsc
    cdef const unsigned int[:] offs = store.offsets
    cdef const uchar[:] flags = store.flags
    cdef const uchar[:] blobv
    cdef Py_ssize_t n = len(ids), k
    cdef Cand c
    if n == 0 or limit <= 0:
        return []
    vid = ids if isinstance(ids, array) else array("I", ids)
    vsc = scores if isinstance(scores, array) else array("I", scores)
    blobv = store.blob
    heap = _Heap(limit)
    heap.blob = &blobv[0]
    pos = {}
    for k in range(n):
        c.id = vid[k]
        c.score = vsc[k]
        c.off = offs[c.id]
        c.blen = offs[c.id + 1] - c.off - 1
        if heap.full() and c.score < heap.heap[0].score:
            continue
        c.clen = store.char_len(c.id) if flags[c.id] & FLAG_UNICODE else c.blen
        heap.push(&c)
        pos[c.id] = k
    return [pos[i] for i, _ in heap.sorted_pairs()]


# ---------------------------------------------------------------------------------------------
# directory listing

def scan_dir(bytes path):
    """List one directory: None when it cannot be read, else (names, kinds, marks); see
    match_py.scan_dir."""
    cdef DIR* d
    cdef dirent* e
    cdef const char* p = path
    cdef char* nm
    cdef Py_ssize_t ln, plen = len(path)
    cdef int k, marks = 0
    cdef unsigned char t
    cdef stat st
    cdef bytes full
    cdef bint ascii
    cdef Py_ssize_t q
    with nogil:
        d = opendir(p)
    if d == NULL:
        return None
    names = []
    kinds = bytearray()
    try:
        while True:
            with nogil:
                e = readdir(d)
            if e == NULL:
                break
            nm = e.d_name
            if nm[0] == 46 and (nm[1] == 0 or (nm[1] == 46 and nm[2] == 0)):
                continue
            ln = strlen(nm)
            t = e.d_type
            if t == DT_DIR:
                k = 1
            elif t == DT_REG:
                k = 0
            else:
                full = path + b"/" + nm[:ln]
                if t == DT_UNKNOWN:
                    if c_lstat(full, &st) != 0:
                        continue
                    if S_ISDIR(st.st_mode):
                        k = 1
                    elif S_ISLNK(st.st_mode):
                        t = DT_LNK
                    else:
                        k = 0
                if t == DT_LNK:
                    if c_stat(full, &st) != 0:
                        continue       # broken link
                    k = 2 if S_ISDIR(st.st_mode) else 3
                elif t != DT_UNKNOWN:
                    k = 0
            ascii = True
            for q in range(ln):
                if <unsigned char>nm[q] >= 128:
                    ascii = False
                    break
            if ascii:
                name = nm[:ln].decode("ascii")
            else:
                try:
                    name = PyUnicode_DecodeUTF8(nm, ln, NULL)
                except UnicodeDecodeError:
                    continue
            if nm[0] == 46:
                if ln == 4 and nm[1] == 103 and nm[2] == 105 and nm[3] == 116:        # .git
                    marks |= 1 if (k == 1 or k == 2) else 2
                elif ln == 10 and name == ".gitignore":
                    marks |= 4
                elif ln == 7 and name == ".ignore":
                    marks |= 8
            names.append(name)
            kinds.append(k)
    finally:
        closedir(d)
    return names, bytes(kinds), marks
