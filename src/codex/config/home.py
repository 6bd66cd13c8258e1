"""Where the codex home is: `codex_core::config::find_codex_home()` with the reference's error
texts, and the Rust `{:?}` renderings of strings and paths those texts use. Shared by the
start-up (codex.cli.dotenv) and the config loader."""

from __future__ import annotations

import os

__all__ = ["StartupError", "debug_path", "debug_str", "find_codex_home"]


def _env_var(name: str, environ) -> str | None:
    """`std::env::var(name).ok()`: None when unset or not valid UTF-8 (musl's getenv finds no
    name that is empty or holds `=`)."""
    if not name or "=" in name or "\0" in name:
        return None
    if environ is os.environ:
        try:
            raw = os.environb.get(name.encode("utf-8", "surrogateescape"))
        except (AttributeError, UnicodeError):  # pragma: no cover - no environb (Windows)
            return os.environ.get(name)
        if raw is None:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    value = environ.get(name)
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


class StartupError(Exception):
    """An `std::io::Error` of the start-up, displayed as the reference displays it."""


def _io_error_text(exc: OSError) -> str:
    from codex.apply_patch._rust import io_error_message

    return io_error_message(exc)


_GRAPHEME_EXTEND_EXTRA = frozenset(
    [0x09BE, 0x09D7, 0x0B3E, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57,
     0x0DCF, 0x0DDF, 0x1B35, 0x200C, 0x302E, 0x302F, 0xFF9E, 0xFF9F, 0x1D165,
     0x1D16E, 0x1D16F, 0x1D170, 0x1D171, 0x1D172]
    + list(range(0x1F3FB, 0x1F400))
    + list(range(0xE0020, 0xE0080))
)


def _escape_char(c: str, single_quote: bool) -> str:
    """`char::escape_debug_ext` with grapheme-extended escaping on."""
    if c == "\0":
        return "\\0"
    if c == "\t":
        return "\\t"
    if c == "\r":
        return "\\r"
    if c == "\n":
        return "\\n"
    if c == "\\":
        return "\\\\"
    if c == '"':
        return '\\"'
    if c == "'" and single_quote:
        return "\\'"
    o = ord(c)
    if 0x20 < o < 0x7F:
        return c
    import unicodedata

    cat = unicodedata.category(c)
    if cat in ("Mn", "Me") or o in _GRAPHEME_EXTEND_EXTRA:
        return f"\\u{{{o:x}}}"
    if (cat in ("Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn")) and o != 0x20:
        return f"\\u{{{o:x}}}"
    return c


def debug_str(s: str) -> str:
    """Rust's `{:?}` of a `&str`."""
    return '"' + "".join(c if (0x20 <= ord(c) < 0x7F and c not in '"\\') else _escape_char(c, False)
                         for c in s) + '"'


def debug_path(p: str) -> str:
    """Rust's `{:?}` of a `Path` (an `OsStr`): as a `&str`, undecodable bytes as `\\xNN`."""
    out = ['"']
    for c in p:
        o = ord(c)
        if 0xDC80 <= o <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{o - 0xDC00:02X}")
        elif 0x20 <= o < 0x7F and c not in "\"\\":
            out.append(c)
        else:
            out.append(_escape_char(c, False))
    out.append('"')
    return "".join(out)


def _normalize_absolute(path: str) -> str:
    """`AbsolutePathBuf::from_absolute_path` for an absolute path: `.`/`..`/`//` resolved lexically."""
    from codex.apply_patch._rust import resolve_path

    return resolve_path(path, "/")


def _env_str(name: str, environ) -> str | None:
    """`std::env::var(name).ok()` (None when unset or not UTF-8)."""
    return _env_var(name, environ)


def _home_dir(environ) -> str | None:
    """`dirs::home_dir()`: $HOME unless unset or empty, else the passwd entry."""
    if environ is os.environ:
        raw = os.environb.get(b"HOME")
        home = os.fsdecode(raw) if raw else None
    else:
        home = environ.get("HOME") or None
    if home:
        return home
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir or None
    except (ImportError, KeyError, OSError):  # pragma: no cover
        return None


def find_codex_home(environ=None) -> str:
    """`codex_core::config::find_codex_home()`; raises StartupError with the reference's text."""
    env = os.environ if environ is None else environ
    val = _env_str("CODEX_HOME", env)
    if val:
        try:
            st = os.stat(val)
        except FileNotFoundError:
            raise StartupError(f"CODEX_HOME points to {debug_str(val)}, but that path does not exist") from None
        except OSError as exc:
            raise StartupError(f"failed to read CODEX_HOME {debug_str(val)}: {_io_error_text(exc)}") from None
        import stat as _stat

        if not _stat.S_ISDIR(st.st_mode):
            raise StartupError(f"CODEX_HOME points to {debug_str(val)}, but that path is not a directory")
        try:
            canonical = os.path.realpath(val, strict=True)
        except OSError as exc:
            raise StartupError(f"failed to canonicalize CODEX_HOME {debug_str(val)}: {_io_error_text(exc)}") from None
        return _normalize_absolute(canonical)
    home = _home_dir(env)
    if home is None:
        raise StartupError("Could not find home directory")
    path = home.rstrip("/") + "/.codex" if home.rstrip("/") else "/.codex"
    if not path.startswith("/"):
        # a relative $HOME: AbsolutePathBuf resolves it against the working directory
        try:
            path = os.getcwd() + "/" + path
        except OSError as exc:
            raise StartupError(_io_error_text(exc)) from None
    return _normalize_absolute(path)


