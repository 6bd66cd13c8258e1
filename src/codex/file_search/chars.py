"""Character classes, normalization and case folding as nucleo-matcher sees them.

ASCII is exact (the hot path). For other characters nucleo uses Rust's Unicode properties, a
case-folding table and a Latin-to-ASCII normalization table; here the same rules are derived
from Python's `unicodedata` (NFKD decomposition, simple case folding through str.lower/casefold).
The two can differ on rare characters: see DEVIATIONS notes in the package docstring.

Haystacks and needles are split into "graphemes" and only the first code point of each is
matched (nucleo does the same through unicode-segmentation); our segmentation covers combining
marks, zero-width joiner sequences, variation selectors, emoji modifiers, regional-indicator
pairs and CR LF, which is what file names hold in practice.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

# CharClass, in nucleo's order (the order matters: `class > DELIMITER` means "a word char").
WHITESPACE, NONWORD, DELIMITER, LOWER, UPPER, LETTER, NUMBER = range(7)

# Path-matching configuration (nucleo `Config::DEFAULT.match_paths()` on unix).
SCORE_MATCH = 16
PENALTY_GAP_START = 3
PENALTY_GAP_EXTENSION = 1
BONUS_BOUNDARY = SCORE_MATCH // 2
BONUS_CAMEL123 = BONUS_BOUNDARY - PENALTY_GAP_START
BONUS_NON_WORD = BONUS_BOUNDARY
BONUS_CONSECUTIVE = PENALTY_GAP_START + PENALTY_GAP_EXTENSION
BONUS_FIRST_CHAR_MULTIPLIER = 2
BONUS_BOUNDARY_WHITE = BONUS_BOUNDARY          # match_paths() lowers it from BOUNDARY + 2
BONUS_BOUNDARY_DELIMITER = BONUS_BOUNDARY + 1
INITIAL_CLASS = DELIMITER                      # match_paths(): the start of a path is a boundary
DELIMITERS = "/"

# nucleo's matrix slab limits (beyond them it falls back to the greedy matcher)
MAX_MATRIX_SIZE = 100 * 1024
MAX_NEEDLE_LEN = 2048
SLAB_BYTES = 4 * 2048 + 2048 + 2 * 2048 + 8 * 2048 + MAX_MATRIX_SIZE


def _ascii_class(b: int) -> int:
    if 97 <= b <= 122:
        return LOWER
    if 65 <= b <= 90:
        return UPPER
    if 48 <= b <= 57:
        return NUMBER
    if b in (32, 9, 10, 12, 13):      # Rust is_ascii_whitespace (no vertical tab)
        return WHITESPACE
    if chr(b) in DELIMITERS:
        return DELIMITER
    return NONWORD


ASCII_CLASS = bytes(_ascii_class(b) for b in range(128))


def bonus_for(prev_class: int, cls: int) -> int:
    if cls > DELIMITER:
        if prev_class == WHITESPACE:
            return BONUS_BOUNDARY_WHITE
        if prev_class == DELIMITER:
            return BONUS_BOUNDARY_DELIMITER
        if prev_class == NONWORD:
            return BONUS_BOUNDARY
    if (prev_class == LOWER and cls == UPPER) or (prev_class != NUMBER and cls == NUMBER):
        return BONUS_CAMEL123
    if cls == WHITESPACE:
        return BONUS_BOUNDARY_WHITE
    if cls == NONWORD:
        return BONUS_NON_WORD
    return 0


# bonus_for as a 7x7 table: BONUS[prev * 7 + cls]
BONUS = bytes(bonus_for(p, c) for p in range(7) for c in range(7))


@lru_cache(maxsize=4096)
def char_class(cp: int) -> int:
    if cp < 128:
        return ASCII_CLASS[cp]
    c = chr(cp)
    if c.islower():
        return LOWER
    if c.isupper():
        return UPPER
    cat = unicodedata.category(c)
    if cat in ("Nd", "Nl", "No"):
        return NUMBER
    if c.isalpha():
        return LETTER
    if c.isspace():
        return WHITESPACE
    return NONWORD


# Characters of nucleo's normalization blocks that NFKD does not reduce to one ASCII letter.
_NORMALIZE_EXTRA = {
    "¡": "!", "¿": "?", "Ð": "D", "ð": "d", "Ø": "O", "ø": "o", "ß": "s", "Đ": "D", "đ": "d",
    "Ħ": "H", "ħ": "h", "ı": "i", "Ł": "L", "ł": "l", "ŉ": "n", "Ŋ": "N", "ŋ": "n", "Ŧ": "T",
    "ŧ": "t", "ƀ": "b", "Ɓ": "B", "Ƈ": "C", "ƈ": "c", "Ɖ": "D", "Ɗ": "D", "Ƒ": "F", "ƒ": "f",
    "Ɠ": "G", "Ɨ": "I", "ƙ": "k", "ƚ": "l", "Ɲ": "N", "ƞ": "n", "Ɵ": "O", "Ƥ": "P", "ƥ": "p",
    "ƫ": "t", "Ƭ": "T", "ƭ": "t", "Ʈ": "T", "Ʋ": "V", "Ƴ": "Y", "ƴ": "y", "Ƶ": "Z", "ƶ": "z",
    "ȡ": "d", "ȴ": "l", "ȵ": "n", "ȶ": "t", "ȷ": "j", "Ⱥ": "A", "Ȼ": "C", "ȼ": "c", "Ƚ": "L",
    "Ⱦ": "T", "ȿ": "s", "ɀ": "z", "Ƀ": "B", "Ʉ": "U", "Ɇ": "E", "ɇ": "e", "Ɉ": "J", "ɉ": "j",
    "Ɋ": "Q", "ɋ": "q", "Ɍ": "R", "ɍ": "r", "Ɏ": "Y", "ɏ": "y",
}


@lru_cache(maxsize=4096)
def normalize(cp: int) -> int:
    """nucleo `chars::normalize`: Latin letters with diacritics (and super/subscripts) to ASCII."""
    if cp < 0xA0 or cp >= 0x20A0 or 0x2A0 <= cp < 0x1E00 or 0x1F00 <= cp < 0x2070:
        return cp
    c = chr(cp)
    extra = _NORMALIZE_EXTRA.get(c)
    if extra is not None:
        return ord(extra)
    base = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch))
    if len(base) == 1 and ord(base) < 128:
        return ord(base)
    return cp


@lru_cache(maxsize=4096)
def to_lower(cp: int) -> int:
    """Simple case folding of one code point (nucleo `to_lower_case`)."""
    if cp < 128:
        return cp + 32 if 65 <= cp <= 90 else cp
    c = chr(cp)
    f = c.casefold()
    if len(f) == 1:
        return ord(f)
    low = c.lower()
    return ord(low) if len(low) == 1 else cp


def is_upper_case(cp: int) -> bool:
    """nucleo `chars::is_upper_case`: the character has a (different) simple case folding."""
    return to_lower(cp) != cp


def _joins_previous(c: str, prev: str | None) -> bool:
    if prev is None:
        return False
    o = ord(c)
    if o == 0x200D or (prev is not None and ord(prev) == 0x200D):
        return True
    if unicodedata.category(c) in ("Mn", "Me", "Mc"):
        return True
    if 0x1F3FB <= o <= 0x1F3FF or 0xFE00 <= o <= 0xFE0F or 0xE0020 <= o <= 0xE007F:
        return True
    if prev == "\r" and c == "\n":
        return True
    return False


def graphemes(text: str) -> list[int]:
    """The first code point of each grapheme cluster of `text` (as ints)."""
    if text.isascii():
        return [ord(c) for c in text]
    out: list[int] = []
    prev: str | None = None
    ri_run = 0
    for c in text:
        o = ord(c)
        if 0x1F1E6 <= o <= 0x1F1FF:       # regional indicators pair up
            if ri_run % 2 == 1:
                ri_run += 1
                prev = c
                continue
            ri_run += 1
            out.append(o)
            prev = c
            continue
        ri_run = 0
        if _joins_previous(c, prev):
            prev = c
            continue
        out.append(o)
        prev = c
    return out


def char_class_and_normalize(cp: int, ignore_case: bool, do_normalize: bool) -> tuple[int, int]:
    """(normalized char, class) as nucleo's `Char::char_class_and_normalize` for `char`."""
    if cp < 128:
        cls = ASCII_CLASS[cp]
        if ignore_case and cls == UPPER:
            cp += 32
        return cp, cls
    cls = char_class(cp)
    case_fold = cls == UPPER
    if do_normalize:
        cp = normalize(cp)
        case_fold = True
    if case_fold and ignore_case:
        cp = to_lower(cp)
    return cp, cls


def norm_char(cp: int, ignore_case: bool, do_normalize: bool) -> int:
    """nucleo's `Char::normalize` (used by the prefilters and exact matching)."""
    if cp < 128:
        return cp + 32 if ignore_case and 65 <= cp <= 90 else cp
    if do_normalize:
        cp = normalize(cp)
    if ignore_case:
        cp = to_lower(cp)
    return cp
