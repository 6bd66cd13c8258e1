"""The few Rust standard-library behaviours the apply_patch port must reproduce exactly.

* `str::trim` / `trim_start` / `trim_end` strip Unicode White_Space (`char::is_whitespace`),
  which is not Python's `str.isspace` (that one also strips U+001C..U+001F).
* `str::lines` splits on `\\n` and drops one `\\r` before it; a final `\\n` ends the last line
  instead of starting an empty one.
* `std::io::Error`'s Display: `<strerror> (os error N)`. The reference is a musl build, so the
  messages are musl's (`Filename too long`, `Symbolic link loop`), not glibc's.
* `std::str::Utf8Error`'s Display for invalid file contents and `std::path` lexical
  normalisation as `AbsolutePathBuf` does it.

Start-up matters here (the standalone tool runs once per patch): this module imports nothing.
"""

from __future__ import annotations

# char::is_whitespace: the Unicode White_Space property.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def trim(s: str) -> str:
    return s.strip(RUST_WHITESPACE)


def trim_end(s: str) -> str:
    return s.rstrip(RUST_WHITESPACE)


def trim_start(s: str) -> str:
    return s.lstrip(RUST_WHITESPACE)


def lines(s: str) -> list[str]:
    """`str::lines`: split at `\\n` or `\\r\\n`; no empty last line for a trailing newline."""
    if not s:
        return []
    parts = s.split("\n")
    if parts[-1] == "":
        parts.pop()
        return [p[:-1] if p.endswith("\r") else p for p in parts]
    last = parts.pop()
    out = [p[:-1] if p.endswith("\r") else p for p in parts]
    out.append(last)
    return out


# musl's strerror table (src/errno/__strerror.h), in the binary's order: errno name -> message.
_MUSL_STRERROR = (
    ("EILSEQ", "Illegal byte sequence"),
    ("EDOM", "Domain error"),
    ("ERANGE", "Result not representable"),
    ("ENOTTY", "Not a tty"),
    ("EACCES", "Permission denied"),
    ("EPERM", "Operation not permitted"),
    ("ENOENT", "No such file or directory"),
    ("ESRCH", "No such process"),
    ("EEXIST", "File exists"),
    ("EOVERFLOW", "Value too large for data type"),
    ("ENOSPC", "No space left on device"),
    ("ENOMEM", "Out of memory"),
    ("EBUSY", "Resource busy"),
    ("EINTR", "Interrupted system call"),
    ("EAGAIN", "Resource temporarily unavailable"),
    ("ESPIPE", "Invalid seek"),
    ("EXDEV", "Cross-device link"),
    ("EROFS", "Read-only file system"),
    ("ENOTEMPTY", "Directory not empty"),
    ("ECONNRESET", "Connection reset by peer"),
    ("ETIMEDOUT", "Operation timed out"),
    ("ECONNREFUSED", "Connection refused"),
    ("EHOSTDOWN", "Host is down"),
    ("EHOSTUNREACH", "Host is unreachable"),
    ("EADDRINUSE", "Address in use"),
    ("EPIPE", "Broken pipe"),
    ("EIO", "I/O error"),
    ("ENXIO", "No such device or address"),
    ("ENOTBLK", "Block device required"),
    ("ENODEV", "No such device"),
    ("ENOTDIR", "Not a directory"),
    ("EISDIR", "Is a directory"),
    ("ETXTBSY", "Text file busy"),
    ("ENOEXEC", "Exec format error"),
    ("EINVAL", "Invalid argument"),
    ("E2BIG", "Argument list too long"),
    ("ELOOP", "Symbolic link loop"),
    ("ENAMETOOLONG", "Filename too long"),
    ("ENFILE", "Too many open files in system"),
    ("EMFILE", "No file descriptors available"),
    ("EBADF", "Bad file descriptor"),
    ("ECHILD", "No child process"),
    ("EFAULT", "Bad address"),
    ("EFBIG", "File too large"),
    ("EMLINK", "Too many links"),
    ("ENOLCK", "No locks available"),
    ("EDEADLK", "Resource deadlock would occur"),
    ("ENOTRECOVERABLE", "State not recoverable"),
    ("EOWNERDEAD", "Previous owner died"),
    ("ECANCELED", "Operation canceled"),
    ("ENOSYS", "Function not implemented"),
    ("ENOMSG", "No message of desired type"),
    ("EIDRM", "Identifier removed"),
    ("ENOSTR", "Device not a stream"),
    ("ENODATA", "No data available"),
    ("ETIME", "Device timeout"),
    ("ENOSR", "Out of streams resources"),
    ("ENOLINK", "Link has been severed"),
    ("EPROTO", "Protocol error"),
    ("EBADMSG", "Bad message"),
    ("EBADFD", "File descriptor in bad state"),
    ("ENOTSOCK", "Not a socket"),
    ("EDESTADDRREQ", "Destination address required"),
    ("EMSGSIZE", "Message too large"),
    ("EPROTOTYPE", "Protocol wrong type for socket"),
    ("ENOPROTOOPT", "Protocol not available"),
    ("EPROTONOSUPPORT", "Protocol not supported"),
    ("ESOCKTNOSUPPORT", "Socket type not supported"),
    ("ENOTSUP", "Not supported"),
    ("EPFNOSUPPORT", "Protocol family not supported"),
    ("EAFNOSUPPORT", "Address family not supported by protocol"),
    ("EADDRNOTAVAIL", "Address not available"),
    ("ENETDOWN", "Network is down"),
    ("ENETUNREACH", "Network unreachable"),
    ("ENETRESET", "Connection reset by network"),
    ("ECONNABORTED", "Connection aborted"),
    ("ENOBUFS", "No buffer space available"),
    ("EISCONN", "Socket is connected"),
    ("ENOTCONN", "Socket not connected"),
    ("ESHUTDOWN", "Cannot send after socket shutdown"),
    ("EALREADY", "Operation already in progress"),
    ("EINPROGRESS", "Operation in progress"),
    ("ESTALE", "Stale file handle"),
    ("EREMOTEIO", "Remote I/O error"),
    ("EDQUOT", "Quota exceeded"),
    ("ENOMEDIUM", "No medium found"),
    ("EMEDIUMTYPE", "Wrong medium type"),
    ("EMULTIHOP", "Multihop attempted"),
    ("ENOKEY", "Required key not available"),
    ("EKEYEXPIRED", "Key has expired"),
    ("EKEYREVOKED", "Key has been revoked"),
    ("EKEYREJECTED", "Key was rejected by service"),
)

_strerror_cache: dict[int, str] | None = None


def strerror(code: int) -> str:
    """musl's `strerror(code)`."""
    global _strerror_cache
    if _strerror_cache is None:
        import errno

        table: dict[int, str] = {}
        for name, message in _MUSL_STRERROR:
            num = getattr(errno, name, None)
            if num is not None and num not in table:  # first entry wins, as in musl's switch
                table[num] = message
        _strerror_cache = table
    return _strerror_cache.get(code, "No error information")


def io_error_message(exc: BaseException) -> str:
    """Display of the `std::io::Error` that corresponds to a Python exception."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{strerror(exc.errno)} (os error {exc.errno})"
    if isinstance(exc, UnicodeDecodeError):
        return utf8_error_message(exc)
    return str(exc)


def utf8_error_message(exc: UnicodeDecodeError) -> str:
    """Display of `std::str::Utf8Error` for the first invalid sequence Python reported.

    Both follow the Unicode "maximal subpart" rule, so Python's `end - start` is Rust's
    `error_len`; a truncated sequence at the very end has no `error_len` in Rust.
    """
    if exc.reason == "unexpected end of data":
        return f"incomplete utf-8 byte sequence from index {exc.start}"
    return f"invalid utf-8 sequence of {exc.end - exc.start} bytes from index {exc.start}"


def resolve_path(path: str, base: str) -> str:
    """`AbsolutePathBuf::resolve_path_against_base`: join onto `base` unless absolute, then
    normalise lexically (`.` dropped, `..` pops a component, repeated `/` collapsed)."""
    full = path if path.startswith("/") else (base.rstrip("/") + "/" + path if path else base)
    if "/." not in full and "//" not in full and not full.endswith("/"):
        return full  # already normal: the common case, no work
    out: list[str] = []
    for part in full.split("/"):
        if part == "" or part == ".":
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    return "/" + "/".join(out)
