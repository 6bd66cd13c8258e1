"""Small Rust-compatible helpers: `{:?}` of strings, and the `shlex` crate's `split` / `try_join`
(which differ from Python's `shlex` in their quoting choices and escapes)."""

from __future__ import annotations

import unicodedata

__all__ = ["RUST_WHITESPACE", "QuoteError", "debug_str", "debug_str_list", "rust_trim", "shlex_split", "shlex_try_join"]

_DEBUG_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"', "\0": "\\0"}
_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


RUST_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000")


def rust_trim(s: str) -> str:
    """`str::trim` (Unicode White_Space, unlike `str.strip`)."""
    start, end = 0, len(s)
    while start < end and s[start] in RUST_WHITESPACE:
        start += 1
    while end > start and s[end - 1] in RUST_WHITESPACE:
        end -= 1
    return s[start:end]


def debug_str(s: str) -> str:
    """Rust's `format!("{:?}", s)` for a `str`."""
    out = ['"']
    for ch in s:
        esc = _DEBUG_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
            continue
        cat = unicodedata.category(ch)
        if cat in _UNPRINTABLE or (cat == "Zs" and ch != " ") or cat in ("Mn", "Me"):
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def debug_str_list(items) -> str:
    """Rust's `{:?}` of a `Vec<String>`."""
    return "[" + ", ".join(debug_str(s) for s in items) + "]"


# ----------------------------------------------------------------------------------------------
# shlex::split (Rust crate `shlex` 1.x)
# ----------------------------------------------------------------------------------------------


def shlex_split(text: str) -> list[str] | None:
    """`shlex::split`: None on unterminated quotes or a trailing backslash."""
    chars = text
    n = len(chars)
    i = 0
    words: list[str] = []
    while True:
        # skip whitespace and comments
        while True:
            if i >= n:
                return words
            ch = chars[i]
            i += 1
            if ch in " \t\n":
                continue
            if ch == "#":
                while i < n:
                    c2 = chars[i]
                    i += 1
                    if c2 == "\n":
                        break
                continue
            break
        # parse a word starting at ch
        word: list[str] = []
        while True:
            if ch == '"':
                while True:
                    if i >= n:
                        return None
                    c2 = chars[i]
                    i += 1
                    if c2 == "\\":
                        if i >= n:
                            return None
                        c3 = chars[i]
                        i += 1
                        if c3 in '$`"\\':
                            word.append(c3)
                        elif c3 == "\n":
                            pass
                        else:
                            word.append("\\")
                            word.append(c3)
                    elif c2 == '"':
                        break
                    else:
                        word.append(c2)
            elif ch == "'":
                while True:
                    if i >= n:
                        return None
                    c2 = chars[i]
                    i += 1
                    if c2 == "'":
                        break
                    word.append(c2)
            elif ch == "\\":
                if i >= n:
                    return None
                c2 = chars[i]
                i += 1
                if c2 != "\n":
                    word.append(c2)
            elif ch in " \t\n":
                break
            else:
                word.append(ch)
            if i >= n:
                break
            ch = chars[i]
            i += 1
        words.append("".join(word))


# ----------------------------------------------------------------------------------------------
# shlex::try_join
# ----------------------------------------------------------------------------------------------


class QuoteError(ValueError):
    """A word contains a NUL byte (`shlex::QuoteError::Nul`)."""


_UNQUOTED_OK = frozenset("+-./:@]_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_U, _S, _D = 1, 2, 4


def _strategy(data: bytes) -> tuple[int, int]:
    prev = _S | _D | _U
    i = 0
    if data[0] == 0x5E:  # '^'
        prev = _S
        i = 1
    while i < len(data):
        c = data[i]
        cur = prev
        if c >= 0x80:
            cur &= ~_U
        else:
            ch = chr(c)
            if ch not in _UNQUOTED_OK:
                cur &= ~_U
            if ch in "'^\\":
                cur &= ~_S
            if ch in "`$!^":
                cur &= ~_D
        if cur == 0:
            break
        prev = cur
        i += 1
    if prev & _U:
        return i, _U
    if prev & _S:
        return i, _S
    return i, _D


def shlex_quote(word: str) -> str:
    data = word.encode("utf-8", "surrogateescape")
    if not data:
        return "''"
    if b"\0" in data:
        raise QuoteError("nul byte")
    out = bytearray()
    while data:
        length, strategy = _strategy(data)
        if length == len(data) and strategy == _U and not out:
            return word
        chunk, data = data[:length], data[length:]
        if strategy == _U:
            out += chunk
        elif strategy == _S:
            out += b"'" + chunk + b"'"
        else:
            out += b'"'
            for c in chunk:
                if c in b'$`"\\':
                    out.append(0x5C)
                out.append(c)
            out += b'"'
    return out.decode("utf-8", "surrogateescape")


def shlex_try_join(words) -> str:
    """`shlex::try_join`; raises QuoteError on a NUL byte."""
    return " ".join(shlex_quote(w) for w in words)
