"""Query parsing, as nucleo's `Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart)`.

The query is split into atoms at unescaped whitespace (`\\ ` keeps a space). Every atom must
match; the scores add up. Atom syntax:

    foo     fuzzy: the characters in order, gaps allowed
    'foo    substring          ^foo   prefix          foo$   postfix         ^foo$  exact
    !foo    does not contain (negated substring; also !^foo, !foo$, !^foo$); scores 0
    \\!  \\^  \\'  \\$   the character itself

Case is ignored (`READ` finds `reader.py`: what the reference app-server does, although the
file-search crate's source asks for smart case; measured against codex 0.136.0). Smart
normalization: an atom with a non-ASCII letter that nucleo would normalize (é) matches
literally, else haystack letters with diacritics match their ASCII base (é ~ e).

Shared by both matcher twins (`match_py`, `_match_c`): parsing is cheap and runs once per query.
"""
from __future__ import annotations

from . import chars

FUZZY, SUBSTRING, PREFIX, POSTFIX, EXACT = range(5)
KIND_NAMES = ("fuzzy", "substring", "prefix", "postfix", "exact")


class Atom:
    """One parsed pattern word. `needle` holds code points (first of each grapheme)."""

    __slots__ = ("kind", "negative", "needle", "ignore_case", "normalize", "ascii", "needle_bytes", "text")

    def __init__(self, text: str, kind: int, negative: bool, needle: tuple[int, ...],
                 ignore_case: bool, normalize: bool, ascii: bool):
        self.text = text
        self.kind = kind
        self.negative = negative
        self.needle = needle
        self.ignore_case = ignore_case
        self.normalize = normalize
        self.ascii = ascii
        self.needle_bytes = bytes(needle) if ascii else b""

    def __repr__(self) -> str:
        neg = "!" if self.negative else ""
        return (f"Atom({neg}{KIND_NAMES[self.kind]} {''.join(map(chr, self.needle))!r} "
                f"ignore_case={self.ignore_case} normalize={self.normalize})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Atom) and (self.kind, self.negative, self.needle, self.ignore_case,
                                             self.normalize) == (other.kind, other.negative, other.needle,
                                                                  other.ignore_case, other.normalize)

    def __hash__(self) -> int:
        return hash((self.kind, self.negative, self.needle, self.ignore_case, self.normalize))


def split_atoms(query: str) -> list[str]:
    """nucleo `pattern_atoms`: split at whitespace not preceded by a backslash."""
    out: list[str] = []
    cur: list[str] = []
    saw_backslash = False
    for c in query:
        if c.isspace() and not saw_backslash:
            out.append("".join(cur))
            cur = []
            saw_backslash = False
            continue
        saw_backslash = c == "\\"
        cur.append(c)
    out.append("".join(cur))
    return out


def _unescape_whitespace(text: str) -> list[str]:
    out: list[str] = []
    saw_backslash = False
    for c in text:
        if saw_backslash:
            if c.isspace():
                out.append(c)
                saw_backslash = False
                continue
            out.append("\\")
        saw_backslash = c == "\\"
        if not saw_backslash:
            out.append(c)
    if saw_backslash:
        out.append("\\")
    return out


def make_atom(text: str, kind: int, negative: bool = False, append_dollar: bool = False) -> Atom:
    """nucleo `Atom::new_inner` with Smart case/normalization and whitespace escapes."""
    if text.isascii():
        s = "".join(_unescape_whitespace(text)).lower()
        if append_dollar:
            s += "$"
        return Atom(text, kind, negative, tuple(ord(c) for c in s), True, True, True)
    normalize = True
    needle: list[int] = []
    for cp in chars.graphemes("".join(_unescape_whitespace(text))):
        cp = chars.to_lower(cp)
        normalize = normalize and chars.normalize(cp) == cp
        needle.append(cp)
    if append_dollar:
        needle.append(ord("$"))
    return Atom(text, kind, negative, tuple(needle), True, normalize, False)


def parse_atom(raw: str) -> Atom:
    """nucleo `Atom::parse`."""
    atom = raw
    invert = False
    if atom.startswith("!"):
        atom = atom[1:]
        invert = True
    elif atom.startswith("\\!"):
        atom = atom[1:]
    kind = FUZZY
    if atom.startswith("^"):
        atom = atom[1:]
        kind = PREFIX
    elif atom.startswith("'"):
        atom = atom[1:]
        kind = SUBSTRING
    elif atom.startswith("\\^") or atom.startswith("\\'"):
        atom = atom[1:]
    append_dollar = False
    if atom.endswith("\\$"):
        append_dollar = True
        atom = atom[:-2]
    elif atom.endswith("$"):
        kind = POSTFIX if kind == FUZZY else EXACT
        atom = atom[:-1]
    if invert and kind == FUZZY:
        kind = SUBSTRING
    return make_atom(atom, kind, invert, append_dollar)


def parse(query: str) -> tuple[Atom, ...]:
    """The atoms of `query` (empty atoms dropped). No atoms: everything matches with score 0."""
    atoms = []
    for raw in split_atoms(query):
        a = parse_atom(raw)
        if a.needle:
            atoms.append(a)
    return tuple(atoms)


def narrows(old: str, new: str) -> bool:
    """True when every path matching `new` also matches `old` (typing more characters), so the
    previous matches are enough candidates. Conservative: see the cases that widen below."""
    if not old or not new.startswith(old) or old.endswith("\\"):
        return False
    if old[-1].isspace():
        return True
    last = split_atoms(old)[-1]
    # "!ab" -> "!abc" excludes less; "ab$" -> "ab$c" turns a postfix into a fuzzy atom
    return not (last.startswith("!") or last.endswith("$"))
