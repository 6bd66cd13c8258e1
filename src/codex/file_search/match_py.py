"""Fuzzy path matcher, pure-Python twin (the compiled twin is `codex.file_search._match_c`).

A port of the scoring of nucleo-matcher 0.3 (what Codex's file search uses through nucleo 0.5)
with `Config::DEFAULT.match_paths()`:

* a match scores 16 per needle character, plus bonuses where it lands: after `/` or at the
  start (9), after a non-word character such as `.`, `_`, `-` (8), a camelCase hump or the first
  digit of a number (5), a non-word character itself (8); the first needle character's bonus
  counts twice; consecutive characters keep the bonus of the run's start (at least 4);
* gaps cost 3 to open and 1 per further character;
* for fuzzy atoms the best alignment is found with nucleo's dynamic programme (Smith-Waterman
  style, bounded by the greedy first/last occurrences), ties resolved as nucleo does (a gap is
  preferred over a consecutive match on equal scores, the right-most end wins), so scores and
  highlight indices are the same; single characters, substrings, prefix/postfix/exact atoms use
  nucleo's special cases, including their quirks.

API (same in both twins):

    atom_match(atom, haystack, want_indices=False) -> None | (score, [indices])
    pattern_match(atoms, haystack, want_indices=False) -> None | (score, sorted unique indices)
    score_store(atoms, store, candidates=None) -> (array('I') of entry ids, array('I') of scores)
    top_k(store, ids, scores, limit) -> positions in `ids` of the best matches, best first
        (score descending, then path length in characters, then path bytes, then id)
    search_store(atoms, store, candidates=None, limit=50) -> (ids of all matches, [(id, score)]
        of the best `limit`): both in one pass (the compiled twin prunes with score bounds)

`store` is a `codex.file_search.index.PathStore` (or anything with `blob`, `offsets`, `flags`,
`count`, `chars(i)`): entry i is blob[offsets[i]:offsets[i+1]-1] (UTF-8, one separator byte after
each), flags[i] & 4 marks a removed entry, flags[i] & 2 a non-ASCII path.
"""
from __future__ import annotations

from array import array

from . import chars as C
from .pattern import EXACT, FUZZY, POSTFIX, PREFIX, SUBSTRING

FLAG_DIR = 1
FLAG_UNICODE = 2
FLAG_DEAD = 4

_ACLS = C.ASCII_CLASS
_BONUS = C.BONUS
_INITIAL = C.INITIAL_CLASS
_SM = C.SCORE_MATCH
_GS = C.PENALTY_GAP_START
_GE = C.PENALTY_GAP_EXTENSION
_BB = C.BONUS_BOUNDARY
_BC = C.BONUS_CONSECUTIVE
_BW = C.BONUS_BOUNDARY_WHITE


class _Hay:
    """A haystack prepared for one atom's configuration: normalized chars and classes."""

    __slots__ = ("raw", "norm", "cls", "ascii")

    def __init__(self, raw, ascii_: bool, ignore_case: bool, normalize: bool):
        self.raw = raw
        self.ascii = ascii_
        if ascii_:
            self.norm = raw.lower() if ignore_case else raw
            self.cls = raw.translate(_CLS_TABLE)
        else:
            norm = []
            cls = []
            for cp in raw:
                n, c = C.char_class_and_normalize(cp, ignore_case, normalize)
                norm.append(n)
                cls.append(c)
            self.norm = norm
            self.cls = cls


_CLS_TABLE = bytes(_ACLS[b] if b < 128 else C.NONWORD for b in range(256))


def _class_at(h: _Hay, i: int) -> int:
    return h.cls[i] if i >= 0 else _INITIAL


def _calculate_score(h: _Hay, needle, start: int, end: int, indices: list | None) -> int:
    norm, cls = h.norm, h.cls
    prev_class = cls[start - 1] if start > 0 else _INITIAL
    n = len(needle)
    ni = 1
    needle_char = needle[1] if n > 1 else needle[0]
    in_gap = False
    consecutive = 1
    if indices is not None:
        indices.append(start)
    c0 = cls[start]
    first_bonus = _BONUS[prev_class * 7 + c0]
    score = _SM + first_bonus * 2
    prev_class = c0
    for i in range(start + 1, end):
        c = norm[i]
        k = cls[i]
        if c == needle_char:
            if indices is not None:
                indices.append(i)
            bonus = _BONUS[prev_class * 7 + k]
            if consecutive:
                if bonus >= _BB and bonus > first_bonus:
                    first_bonus = bonus
                bonus = max(bonus, first_bonus, _BC)
            else:
                first_bonus = bonus
            score += _SM + bonus
            in_gap = False
            consecutive += 1
            ni += 1
            if ni < n:
                needle_char = needle[ni]
        else:
            score = max(0, score - (_GE if in_gap else _GS))
            in_gap = True
            consecutive = 0
        prev_class = k
    return score


def _slab_fits(span: int, n: int, elem: int) -> bool:
    if span * n > C.MAX_MATRIX_SIZE or span > 0xFFFF or n > C.MAX_NEEDLE_LEN:
        return False
    off = span * elem + span
    off = (off + 1) & ~1
    off += 2 * n
    off = (off + 7) & ~7
    off += 8 * (span + 1 - n)
    off += (span + 1 - n) * n
    return off <= C.SLAB_BYTES


def _fuzzy_optimal(h: _Hay, needle, start: int, greedy_end: int, end: int, indices: list | None):
    n = len(needle)
    span = end - start
    if not _slab_fits(span, n, 1 if h.ascii else 4):
        return _fuzzy_greedy(h, needle, start, greedy_end, indices)
    norm = h.norm
    cls = h.cls
    # bonuses of the span's columns
    prev = cls[start - 1] if start > 0 else _INITIAL
    bonus = [0] * span
    for j in range(span):
        k = cls[start + j]
        bonus[j] = _BONUS[prev * 7 + k]
        prev = k
    # row offsets: greedy first occurrences
    row_offs = [0] * n
    k = 0
    matched = False
    for j in range(span):
        if norm[start + j] == needle[k]:
            if k < n - 1:
                row_offs[k] = j
                k += 1
            elif not matched:
                row_offs[k] = j
                matched = True
    if not matched:
        return None
    want = indices is not None
    # M cells of the current row: parallel lists (score, consecutive bonus, matched-from-consecutive)
    # score 0 with cb 0 stands for UNMATCHED (a real cell always scores >= 16)
    m_score = [0] * span
    m_cb = [0] * span
    m_cons = [False] * span
    n0 = needle[0]
    for j in range(span):
        if norm[start + j] == n0:
            b = bonus[j]
            m_score[j] = b * 2 + _SM
            m_cb[j] = b
    p_flags = [] if want else None     # per row: list of p_matched per column
    m_flags = [] if want else None     # per row: list of m_cell.matched per column
    for r in range(n - 1):
        row_off = row_offs[r]
        next_off = row_offs[r + 1]
        nxt = needle[r + 1]
        new_score = [0] * span
        new_cb = [0] * span
        new_cons = [False] * span
        pf = [False] * span if want else None
        prev_p = 0
        prev_m = 0
        for j in range(row_off, span - 1):
            a = prev_m - _GS
            b2 = prev_p - _GE
            if a < 0:
                a = 0
            if b2 < 0:
                b2 = 0
            if a > b2:
                p = a
                if want:
                    pf[j] = True
            else:
                p = b2
            ms = m_score[j]
            if j + 1 >= next_off and norm[start + j + 1] == nxt:
                bb = bonus[j + 1]
                if ms == 0:
                    new_score[j + 1] = p + bb + _SM
                    new_cb[j + 1] = bb
                else:
                    cb = m_cb[j]
                    if cb < _BC:
                        cb = _BC
                    if bb >= _BB and bb > cb:
                        cb = bb
                    s_match = ms + (cb if cb > bb else bb)
                    s_skip = p + bb
                    if s_match > s_skip:
                        new_score[j + 1] = s_match + _SM
                        new_cb[j + 1] = cb
                        new_cons[j + 1] = True
                    else:
                        new_score[j + 1] = s_skip + _SM
                        new_cb[j + 1] = bb
            prev_p = p
            prev_m = ms
        if want:
            p_flags.append(pf)
            m_flags.append(m_cons)
        m_score, m_cb, m_cons = new_score, new_cb, new_cons
    best = -1
    best_j = -1
    for j in range(row_offs[n - 1], span):
        s = m_score[j]
        if s >= best:
            best = s
            best_j = j
    if want:
        out = [0] * n
        out[n - 1] = start + best_j
        state_m = m_cons[best_j]
        row = n - 2
        col = best_j - 1
        while True:
            if state_m:
                out[row] = start + col
                nxt_m = m_flags[row][col]
                if row == 0:
                    break
                row -= 1
            else:
                nxt_m = p_flags[row][col]
            col -= 1
            state_m = nxt_m
        indices.extend(out)
    return best


def _fuzzy_greedy(h: _Hay, needle, start: int, end: int, indices: list | None):
    norm = h.norm
    n = len(needle)
    if not h.ascii and n != 1:
        k = 1
        for i in range(end, len(norm)):
            if norm[i] == needle[k]:
                k += 1
                if k == n:
                    end = i + 1
                    break
        else:
            return None
    k = n - 1
    for i in range(end - 1, start - 1, -1):
        if norm[i] == needle[k]:
            if k == 0:
                start = i
                break
            k -= 1
    return _calculate_score(h, needle, start, end, indices)


def _substring_1(h: _Hay, c: int, indices: list | None):
    """nucleo substring_match_1_ascii (ASCII haystack)."""
    norm, cls = h.norm, h.cls
    max_score = 0
    max_pos = 0
    i = norm.find(c) if h.ascii else -1
    while i >= 0:
        prev = cls[i - 1] if i > 0 else _INITIAL
        b = _BONUS[prev * 7 + cls[i]]
        s = b * 2 + _SM
        if s > max_score:
            max_pos = i
            max_score = s
            if b >= _BW:
                break
        i = norm.find(c, i + 1)
    if max_score == 0:
        return None
    if indices is not None:
        indices.append(max_pos)
    return max_score


def _substring_1_non_ascii(h: _Hay, c: int, start: int, indices: list | None) -> int:
    norm, cls = h.norm, h.cls
    max_score = 0
    max_pos = 0
    prev = cls[start - 1] if start > 0 else _INITIAL
    for i in range(start, len(norm)):
        if norm[i] != c:
            continue
        k = cls[i]
        b = _BONUS[prev * 7 + k]
        prev = k
        s = b * 2 + _SM
        if s > max_score:
            max_pos = i - start
            max_score = s
            if b >= _BW:
                break
    if indices is not None:
        indices.append(max_pos + start)
    return max_score


def _prefilter_non_ascii(h: _Hay, atom, only_greedy: bool):
    raw = h.raw
    ic, nz = atom.ignore_case, atom.normalize
    needle = atom.needle
    L = len(raw)
    n = len(needle)
    first = needle[0]
    start = -1
    for i in range(L - n + 1):
        if C.norm_char(raw[i], ic, nz) == first:
            start = i
            break
    if start < 0:
        return None
    if only_greedy:
        return start, start + 1
    last = needle[-1]
    for i in range(L - 1, start, -1):
        if C.norm_char(raw[i], ic, nz) == last:
            return start, i + 1
    return None


def _exact(h: _Hay, atom, start: int, end: int, indices: list | None):
    needle = atom.needle
    n = len(needle)
    if n != end - start or n == 0:
        return None
    if h.ascii:
        if not atom.ascii:
            return None
        if atom.ignore_case:
            if h.norm[start:end] != atom.needle_bytes:
                return None
        elif h.raw != atom.needle_bytes:      # nucleo compares the whole haystack here
            return None
    else:
        ic, nz = atom.ignore_case, atom.normalize
        raw = h.raw
        for j in range(n):
            if C.norm_char(raw[start + j], ic, nz) != C.norm_char(needle[j], ic, nz):
                return None
    return _calculate_score(h, needle, start, end, indices)


def _fuzzy(h: _Hay, atom, indices: list | None):
    needle = atom.needle
    n = len(needle)
    L = len(h.raw)
    if n > L or n == 0:
        return None
    if n == L:
        return _exact(h, atom, 0, L, indices)
    if h.ascii:
        if not atom.ascii:
            return None
        if n == 1:
            return _substring_1(h, needle[0], indices)
        nb = atom.needle_bytes
        norm = h.norm
        start = norm.find(nb[0], 0, L - n + 1)
        if start < 0:
            return None
        ge = start + 1
        for c in nb[1:]:
            i = norm.find(c, ge)
            if i < 0:
                return None
            ge = i + 1
        end = norm.rfind(nb[-1], ge) + 1
        if end == 0:
            end = ge
        if n == end - start:
            return _calculate_score(h, needle, start, ge, indices)
        return _fuzzy_optimal(h, needle, start, ge, end, indices)
    if n == 1:
        pf = _prefilter_non_ascii(h, atom, True)
        if pf is None:
            return None
        return _substring_1_non_ascii(h, needle[0], pf[0], indices)
    pf = _prefilter_non_ascii(h, atom, False)
    if pf is None:
        return None
    start, end = pf
    if n == end - start:
        return _exact(h, atom, start, end, indices)
    return _fuzzy_optimal(h, needle, start, start + 1, end, indices)


def _substring_with_prefilter(h: _Hay, needle_b: bytes, positions):
    raw, norm, cls = h.raw, h.norm, h.cls
    L = len(raw)
    n = len(needle_b)
    rest = needle_b[1:]
    max_score = 0
    max_pos = 0
    for i in positions:
        prev = cls[i - 1] if i > 0 else _INITIAL
        b = _BONUS[prev * 7 + cls[i]]
        s = b * 2 + _SM
        if s > max_score and norm[i + 1:min(i + n, L)] == rest:
            max_pos = i
            max_score = s
            if b >= _BW:
                break
    return max_score, max_pos


def _find_all(hay: bytes, sub: bytes, limit: int):
    i = hay.find(sub, 0, limit)
    while i >= 0:
        yield i
        i = hay.find(sub, i + 1, limit)


def _find_all2(hay: bytes, a: int, b: int, limit: int):
    for i in range(limit):
        x = hay[i]
        if x == a or x == b:
            yield i


def _substring(h: _Hay, atom, indices: list | None):
    needle = atom.needle
    n = len(needle)
    L = len(h.raw)
    if n > L or n == 0:
        return None
    if n == L:
        return _exact(h, atom, 0, L, indices)
    if h.ascii:
        if not atom.ascii:
            return None
        if n == 1:
            return _substring_1(h, needle[0], indices)
        nb = atom.needle_bytes
        raw = h.raw
        max_score = 0
        max_pos = 0
        if atom.ignore_case:
            pos = next((i for i, c in enumerate(nb) if 97 <= c <= 122), None)
            if pos is not None:
                if pos == 0:
                    positions = _find_all2(raw, nb[0], nb[0] - 32, L - n + 1)
                elif pos == 1:
                    positions = _find_all(raw, nb[:1], L - n + 1)
                else:
                    positions = _find_all(raw, nb, L - n + pos)
                max_score, max_pos = _substring_with_prefilter(h, nb, positions)
                if max_score == 0:
                    return None
        if max_score == 0:
            c0 = _ACLS[nb[0]]
            for i in _find_all(raw, nb, L):
                prev = h.cls[i - 1] if i > 0 else _INITIAL
                b = _BONUS[prev * 7 + c0]
                s = b * 2 + _SM
                if s > max_score:
                    max_pos = i
                    max_score = s
                    if b >= _BW:
                        break
            if max_score == 0:
                return None
        return _calculate_score(h, needle, max_pos, max_pos + n, indices)
    if n == 1:
        pf = _prefilter_non_ascii(h, atom, True)
        if pf is None:
            return None
        return _substring_1_non_ascii(h, needle[0], pf[0], indices)
    pf = _prefilter_non_ascii(h, atom, False)
    if pf is None:
        return None
    start, end = pf
    if not atom.ascii:
        # nucleo runs the fuzzy matcher here (Unicode needle in a Unicode haystack)
        return _fuzzy_optimal(h, needle, start, start + 1, end, indices)
    # nucleo substring_match_non_ascii: the class before a candidate is the class of the previous
    # candidate (not of the character before it), and the last possible start is never tried
    norm, cls = h.norm, h.cls
    prev = cls[start - 1] if start > 0 else _INITIAL
    max_score = 0
    max_pos = 0
    rest = list(needle[1:])
    first = needle[0]
    for i in range(start, L - n):
        if norm[i] != first:
            continue
        k = cls[i]
        b = _BONUS[prev * 7 + k]
        prev = k
        s = b * 2 + _SM
        if s > max_score and norm[i + 1:i + n] == rest:
            max_pos = i
            max_score = s
            if b >= _BW:
                break
    if max_score == 0:
        return None
    return _calculate_score(h, needle, max_pos, max_pos + n, indices)


def _atom_raw(atom, h: _Hay, indices: list | None):
    kind = atom.kind
    if kind == FUZZY:
        return _fuzzy(h, atom, indices)
    if kind == SUBSTRING:
        return _substring(h, atom, indices)
    L = len(h.raw)
    n = len(atom.needle)
    if kind == EXACT:
        return _exact(h, atom, 0, L, indices)
    if L < n:
        return None
    if kind == PREFIX:
        return _exact(h, atom, 0, n, indices)
    if kind == POSTFIX:
        return _exact(h, atom, L - n, L, indices)
    raise ValueError(f"unknown atom kind {kind}")


def _prepare(haystack):
    """(raw, ascii): raw is bytes for ASCII text, else a list of grapheme code points."""
    if isinstance(haystack, (bytes, bytearray)):
        if haystack.isascii():
            return bytes(haystack), True
        haystack = haystack.decode("utf-8")
    if haystack.isascii():
        return haystack.encode("ascii"), True
    return C.graphemes(haystack), False


def atom_match(atom, haystack, want_indices: bool = False):
    """Score one atom against `haystack` (str or UTF-8 bytes): None or (score, indices)."""
    raw, ascii_ = _prepare(haystack)
    return _atom_match_raw(atom, raw, ascii_, want_indices)


def _atom_match_raw(atom, raw, ascii_: bool, want_indices: bool):
    h = _Hay(raw, ascii_, atom.ignore_case, atom.normalize)
    indices: list | None = [] if want_indices and not atom.negative else None
    s = _atom_raw(atom, h, indices)
    if atom.negative:
        return None if s is not None else (0, [])
    if s is None:
        return None
    return s, (indices or [])


def pattern_match(atoms, haystack, want_indices: bool = False):
    """Score all atoms (they must all match; scores add up): None or (score, sorted indices)."""
    raw, ascii_ = _prepare(haystack)
    total = 0
    idx: set[int] = set()
    for atom in atoms:
        r = _atom_match_raw(atom, raw, ascii_, want_indices)
        if r is None:
            return None
        total += r[0]
        if want_indices:
            idx.update(r[1])
    return total, sorted(idx)


def score_store(atoms, store, candidates=None):
    """Score every live entry of `store` (or the ids in `candidates`). Returns the ids that
    match and their scores, in id order."""
    blob = store.blob
    offsets = store.offsets
    flags = store.flags
    out_ids = array("I")
    out_scores = array("I")
    ids = range(store.count) if candidates is None else candidates
    if not atoms:
        for i in ids:
            if not flags[i] & FLAG_DEAD:
                out_ids.append(i)
                out_scores.append(0)
        return out_ids, out_scores
    # cheap ASCII prefilter: the positive atoms' needles as ordered subsequences
    checks = []
    for a in atoms:
        if a.negative or not a.ascii:
            continue
        nb = a.needle_bytes
        if a.ignore_case:
            checks.append((True, nb))
        else:
            checks.append((False, nb))
    for i in ids:
        f = flags[i]
        if f & FLAG_DEAD:
            continue
        if f & FLAG_UNICODE:
            r = pattern_match(atoms, store.text(i))
            if r is not None:
                out_ids.append(i)
                out_scores.append(r[0])
            continue
        raw = blob[offsets[i]:offsets[i + 1] - 1]
        low = None
        ok = True
        for ic, nb in checks:
            h = raw
            if ic:
                if low is None:
                    low = raw.lower()
                h = low
            pos = 0
            for c in nb:
                pos = h.find(c, pos) + 1
                if pos == 0:
                    ok = False
                    break
            if not ok:
                break
        if not ok:
            continue
        total = 0
        for a in atoms:
            r = _atom_match_raw(a, raw, True, False)
            if r is None:
                total = -1
                break
            total += r[0]
        if total >= 0:
            out_ids.append(i)
            out_scores.append(total)
    return out_ids, out_scores


def top_k(store, ids, scores, limit: int) -> list[int]:
    """Positions (in `ids`) of the best `limit` matches: score descending, then shorter path (in
    characters, as nucleo breaks ties), then path bytes ascending (nucleo: walk order)."""
    n = len(ids)
    if n == 0 or limit <= 0:
        return []
    if n <= limit:
        order = range(n)
    else:
        s_sorted = sorted(scores, reverse=True)
        threshold = s_sorted[limit - 1]
        order = [j for j in range(n) if scores[j] >= threshold]
    blob, offsets = store.blob, store.offsets

    def key(j):
        i = ids[j]
        p = blob[offsets[i]:offsets[i + 1] - 1]
        return (-scores[j], store.char_len(i), p, i)

    return sorted(order, key=key)[:limit]


def search_store(atoms, store, candidates=None, limit: int = 50):
    """Match and rank: (ids of every match as array('I'), [(id, score)] of the best `limit`,
    best first)."""
    ids, scores = score_store(atoms, store, candidates)
    return ids, [(ids[p], scores[p]) for p in top_k(store, ids, scores, limit)]


# ---------------------------------------------------------------------------------------------
# directory listing (the walker's inner loop; the compiled twin uses opendir/readdir)

_MARK_NAMES = {".git": 0, ".gitignore": 4, ".ignore": 8}


def scan_dir(path: bytes):
    """List one directory: None when it cannot be read, else (names, kinds, marks).

    names: the UTF-8 entry names (others are dropped); kinds: bytes, per name 0 file (anything
    that is not a directory), 1 directory, 2 symlink to a directory, 3 symlink to a non-directory
    (broken links are dropped); marks: bit 0 `.git` is a directory, bit 1 `.git` is a file,
    bit 2 `.gitignore` present, bit 3 `.ignore` present."""
    import os
    try:
        it = os.scandir(path)
    except OSError:
        return None
    names = []
    kinds = bytearray()
    marks = 0
    with it:
        for e in it:
            raw = e.name
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            try:
                if e.is_symlink():
                    try:
                        k = 2 if e.is_dir() else 3
                    except OSError:
                        continue
                    if k == 3 and not os.path.exists(e.path):
                        continue
                else:
                    k = 1 if e.is_dir(follow_symlinks=False) else 0
            except OSError:
                continue
            if name in _MARK_NAMES:
                m = _MARK_NAMES[name]
                if m == 0:
                    marks |= 1 if k in (1, 2) else 2
                else:
                    marks |= m
            names.append(name)
            kinds.append(k)
    return names, bytes(kinds), marks
