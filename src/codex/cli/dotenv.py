"""Start-up of the main program after the arg0 tool dispatch (codex-rs/arg0 `arg0_dispatch`).

Two things happen on every invocation, before the command line is parsed:

1. `load_dotenv()`: `<codex_home>/.env` is read with the rules of the dotenvy crate (0.15.7, the
   version 0.136.0 links) and every variable whose name does not start with `CODEX_` (ASCII
   case-insensitively) is set, overriding the environment. The reference iterates
   `dotenvy::from_path_iter(path)` with `.flatten()`: a line that does not parse is skipped and
   the lines after it still load (an unclosed quote swallows the rest of the file, since the
   reader keeps looking for the closing quote). The variables are set one by one while the file
   is read, so `$VAR` in a later line sees the values set by earlier lines.
2. `prepare_codex_home()`: the reference's helper-link set-up (`prepend_path_entry_for_codex_aliases`).
   It creates `<codex_home>` and `<codex_home>/tmp/arg0` (mode 0700), and when that fails (or
   CODEX_HOME is unusable, or codex_home lies under the temporary directory) prints
   `WARNING: proceeding, even though we could not update PATH: <error>` on stderr. The
   per-session link directory itself (`tmp/arg0/codex-arg0XXXXXX` with `apply_patch`,
   `codex-linux-sandbox` links) is not made: see DEVIATIONS.md.

Start-up matters: this module imports only the standard library's light modules.
"""

from __future__ import annotations

import os
import sys

from codex.config.home import (  # noqa: F401 - debug_str is re-exported
    StartupError, _env_var, _io_error_text, debug_path, debug_str, find_codex_home,
)

__all__ = [
    "parse_dotenv",
    "iter_dotenv",
    "load_dotenv",
    "prepare_codex_home",
    "startup",
    "StartupError",
]

ILLEGAL_ENV_VAR_PREFIX = "CODEX_"

# char::is_whitespace: the Unicode White_Space property (not Python's str.isspace, which also
# counts U+001C..U+001F).
_WS = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_WS_STR = "".join(sorted(_WS))


class _LineError(Exception):
    """dotenvy's `Error::LineParse` / `Error::Io` for one logical line (skipped by the caller)."""


# --------------------------------------------------------------------------------------------
# dotenvy 0.15.7: iter.rs (QuotedLines: physical lines -> logical lines)
# --------------------------------------------------------------------------------------------

_COMPLETE, _ESCAPE, _STRONG, _STRONG_ESC, _WEAK, _WEAK_ESC, _COMMENT, _WHITESPACE = range(8)


def _eval_end_state(state: int, buf: str) -> tuple[int, int]:
    """`eval_end_state`: the quoting state after `buf`, and where a ` #` comment starts."""
    pos = 0
    for pos, c in enumerate(buf):
        if state == _WHITESPACE:
            if c == "#":
                return pos, _COMMENT
            state = _ESCAPE if c == "\\" else _WEAK if c == '"' else _STRONG if c == "'" else _COMPLETE
        elif state == _ESCAPE:
            state = _COMPLETE
        elif state == _COMPLETE:
            if c in _WS and c != "\n" and c != "\r":
                state = _WHITESPACE
            elif c == "\\":
                state = _ESCAPE
            elif c == '"':
                state = _WEAK
            elif c == "'":
                state = _STRONG
        elif state == _WEAK:
            if c == "\\":
                state = _WEAK_ESC
            elif c == '"':
                state = _COMPLETE
        elif state == _WEAK_ESC:
            state = _WEAK
        elif state == _STRONG:
            if c == "\\":
                state = _STRONG_ESC
            elif c == "'":
                state = _COMPLETE
        elif state == _STRONG_ESC:
            state = _STRONG
    return pos, state


def _physical_lines(data: bytes):
    """`BufRead::read_line` over `data`: each line with its `\\n`, the last one possibly without."""
    start = 0
    n = len(data)
    while start < n:
        end = data.find(b"\n", start)
        end = n if end < 0 else end + 1
        yield data[start:end]
        start = end


def _logical_lines(data: bytes):
    """`QuotedLines`: yields a str per logical line, or a `_LineError` instance for one that fails
    (an undecodable physical line, or a quote still open at the end of the file)."""
    lines = _physical_lines(data)
    while True:
        buf = ""
        state = _COMPLETE
        while True:
            raw = next(lines, None)
            if raw is None:
                if state == _COMPLETE:
                    return
                yield _LineError(buf)
                break
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                # read_line leaves `buf` unchanged and fails; the bytes are consumed
                yield _LineError("stream did not contain valid UTF-8")
                break
            buf_pos = len(buf)
            buf += text
            # Skip lines which start with a # (the whole buffer, as dotenvy checks it)
            if buf.lstrip(_WS_STR).startswith("#"):
                yield ""
                break
            cur_pos, state = _eval_end_state(state, text)
            if state == _COMPLETE:
                if buf.endswith("\n"):
                    buf = buf[:-1]
                    if buf.endswith("\r"):
                        buf = buf[:-1]
                yield buf
                break
            if state == _COMMENT:
                yield buf[: buf_pos + cur_pos]
                break


# --------------------------------------------------------------------------------------------
# dotenvy 0.15.7: parse.rs
# --------------------------------------------------------------------------------------------


def _is_alphanumeric(c: str) -> bool:
    """`char::is_alphanumeric` (Alphabetic or Numeric); Python's view of the Unicode tables."""
    return c.isalnum()


def _apply_substitution(data: dict, name: str, output: list, environ) -> None:
    value = _env_var(name, environ)
    if value is not None:
        output.append(value)
    else:
        stored = data.get(name)
        if stored is not None:
            output.append(stored)


_SUB_NONE, _SUB_BLOCK, _SUB_ESCAPED_BLOCK = range(3)


def _parse_value(text: str, data: dict, environ) -> str:
    strong_quote = False
    weak_quote = False
    escaped = False
    expecting_end = False
    output: list[str] = []
    mode = _SUB_NONE
    name: list[str] = []

    for c in text:
        if expecting_end:
            if c == " " or c == "\t":
                continue
            if c == "#":
                break
            raise _LineError(text)
        elif escaped:
            if c in "\\'\"$ ":
                output.append(c)
            elif c == "n":
                output.append("\n")
            else:
                raise _LineError(text)
            escaped = False
        elif strong_quote:
            if c == "'":
                strong_quote = False
            else:
                output.append(c)
        elif mode != _SUB_NONE:
            if _is_alphanumeric(c):
                name.append(c)
            elif mode == _SUB_BLOCK:
                if c == "{" and not name:
                    mode = _SUB_ESCAPED_BLOCK
                else:
                    _apply_substitution(data, "".join(name), output, environ)
                    name.clear()
                    if c == "$":
                        mode = _SUB_BLOCK
                    else:
                        mode = _SUB_NONE
                        output.append(c)
            else:  # escaped block: ${...}
                if c == "}":
                    mode = _SUB_NONE
                    _apply_substitution(data, "".join(name), output, environ)
                    name.clear()
                else:
                    name.append(c)
        elif c == "$":
            mode = _SUB_BLOCK
        elif weak_quote:
            if c == '"':
                weak_quote = False
            elif c == "\\":
                escaped = True
            else:
                output.append(c)
        elif c == "'":
            strong_quote = True
        elif c == '"':
            weak_quote = True
        elif c == "\\":
            escaped = True
        elif c == " " or c == "\t":
            expecting_end = True
        else:
            output.append(c)

    if mode == _SUB_ESCAPED_BLOCK or strong_quote or weak_quote:
        raise _LineError(text)
    _apply_substitution(data, "".join(name), output, environ)
    return "".join(output)


def _is_key_start(c: str) -> bool:
    return c == "_" or ("a" <= c <= "z") or ("A" <= c <= "Z")


def _is_key_char(c: str) -> bool:
    return c == "_" or c == "." or ("a" <= c <= "z") or ("A" <= c <= "Z") or ("0" <= c <= "9")


def _parse_key(line: str) -> tuple[str, str]:
    if not line or not _is_key_start(line[0]):
        raise _LineError(line)
    i = 1
    while i < len(line) and _is_key_char(line[i]):
        i += 1
    return line[:i], line[i:]


def _expect_equal(line: str) -> str:
    if not line.startswith("="):
        raise _LineError(line)
    return line[1:]


def _parse_line(line: str, data: dict, environ) -> tuple[str, str] | None:
    """`parse_line`: (key, value), None for a blank or comment line; raises `_LineError`."""
    rest = line.rstrip(_WS_STR).lstrip(_WS_STR)
    if not rest or rest.startswith("#"):
        return None
    key, rest = _parse_key(rest)
    rest = rest.lstrip(_WS_STR)
    if key == "export":
        # `export` is either an optional prefix or a key itself
        if rest.startswith("="):
            rest = rest[1:]
        else:
            key, rest = _parse_key(rest)
            rest = _expect_equal(rest.lstrip(_WS_STR))
    else:
        rest = _expect_equal(rest)
    rest = rest.lstrip(_WS_STR)
    if not rest or rest.startswith("#"):
        data[key] = None
        return key, ""
    value = _parse_value(rest, data, environ)
    data[key] = value
    return key, value


def iter_dotenv(data: bytes, environ=None):
    """`dotenvy::Iter` over the bytes of a .env file, flattened: yields (key, value) for each
    line that parses, skipping the others. `$VAR` looks in `environ` (default os.environ) at
    the moment the line is parsed, then at the values of earlier lines (None: defined empty)."""
    env = os.environ if environ is None else environ
    substitution: dict[str, str | None] = {}
    for line in _logical_lines(data):
        if isinstance(line, _LineError):
            continue
        try:
            item = _parse_line(line, substitution, env)
        except _LineError:
            continue
        if item is not None:
            yield item


def parse_dotenv(data: bytes | str, environ=None) -> list[tuple[str, str]]:
    """All (key, value) pairs of a .env text, as `iter_dotenv` yields them (nothing is set)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return list(iter_dotenv(data, {} if environ is None else environ))


# --------------------------------------------------------------------------------------------
# codex_home, as codex_core::config::find_codex_home finds it, with the reference's errors
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# load_dotenv / prepare_codex_home
# --------------------------------------------------------------------------------------------


def _panic_set_var(key: str, value: str) -> "NoReturn":  # noqa: F821
    sys.stdout.flush()
    sys.stderr.write(
        f"\nthread 'main' ({os.getpid()}) panicked at /home/runner/.rustup/toolchains/"
        "1.95.0-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/library/std/src/env.rs:361:9:\n"
        f"failed to set environment variable `{debug_path(key)}` to `{debug_path(value)}`: "
        "file name contained an unexpected NUL byte\n"
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
    )
    sys.stderr.flush()
    os._exit(101)


def load_dotenv(codex_home: str | None = None) -> None:
    """Set the variables of `<codex_home>/.env` (not `CODEX_*`) into os.environ, overriding."""
    if codex_home is None:
        try:
            codex_home = find_codex_home()
        except StartupError:
            return
    path = os.path.join(codex_home, ".env")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        # (a directory named .env: the reference spins forever on the read error; we skip it)
        return
    for key, value in iter_dotenv(data):
        if key.upper().startswith(ILLEGAL_ENV_VAR_PREFIX):
            continue
        if "\0" in value:
            _panic_set_var(key, value)
        os.environ[key] = value


def _temp_dir() -> str:
    """`std::env::temp_dir()`: $TMPDIR (any value, even empty) else /tmp."""
    raw = os.environb.get(b"TMPDIR")
    return "/tmp" if raw is None else os.fsdecode(raw)


def _components(path: str) -> list[str]:
    """`Path::components` (Unix): root, then the names; `.` only kept at the start."""
    out: list[str] = []
    if path.startswith("/"):
        out.append("/")
    parts = path.split("/")
    for i, part in enumerate(parts):
        if part == "":
            continue
        if part == "." and not (i == 0 and not path.startswith("/")):
            continue
        out.append(part)
    return out


def _starts_with(path: str, base: str) -> bool:
    """`Path::starts_with`: component-wise prefix."""
    p, b = _components(path), _components(base)
    return p[: len(b)] == b


def _create_dir_all(path: str) -> None:
    """`std::fs::create_dir_all`."""
    if path == "":
        return
    try:
        os.mkdir(path)
        return
    except FileNotFoundError:
        pass
    except OSError:
        if os.path.isdir(path):
            return
        raise
    parent = os.path.dirname(path.rstrip("/")) if path.rstrip("/") else None
    if not parent or parent == path:
        raise StartupError("failed to create whole tree")
    _create_dir_all(parent)
    try:
        os.mkdir(path)
    except OSError:
        if os.path.isdir(path):
            return
        raise


def prepare_codex_home() -> None:
    """The observable part of `prepend_path_entry_for_codex_aliases`; raises StartupError."""
    codex_home = find_codex_home()
    temp_root = _temp_dir()
    if _starts_with(codex_home, temp_root):
        raise StartupError(
            f"Refusing to create helper binaries under temporary dir {debug_path(temp_root)} "
            f"(codex_home: AbsolutePathBuf({debug_path(codex_home)}))"
        )
    try:
        _create_dir_all(codex_home)
        arg0_root = os.path.join(codex_home, "tmp", "arg0")
        _create_dir_all(arg0_root)
        os.chmod(arg0_root, 0o700)
    except OSError as exc:
        raise StartupError(_io_error_text(exc)) from None


def startup() -> None:
    """Both steps, in the reference's order; the warning goes to stderr."""
    load_dotenv()
    try:
        prepare_codex_home()
    except StartupError as exc:
        sys.stderr.write(f"WARNING: proceeding, even though we could not update PATH: {exc}\n")
        sys.stderr.flush()
