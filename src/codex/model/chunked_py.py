"""HTTP/1.1 chunked transfer-coding decoder (RFC 9112 section 7.1): the pure-Python twin of
`codex.model._chunked_c`. Both accept exactly what h11 (httpx's HTTP/1.1 parser) accepts:

* a chunk header is 1 to 20 hex digits, then optionally `;` and any extension text, or else
  optional spaces / tabs, then CRLF; extensions are ignored;
* chunk data is followed by CRLF;
* the last chunk (size 0) is followed by trailer lines (ignored) and an empty line;
* lines end with CRLF (a bare LF is an error); a header or trailer line longer than
  `MAX_LINE` bytes is an error.

    d = Dechunker()
    payload = d.feed(raw)      # bytes: the data of every chunk completed or begun in `raw`
    d.done                     # True once the last chunk and the trailers were read
    d.tail                     # bytes received after the end of the body

`feed` raises `DechunkError` (a ValueError) on malformed input; the decoder is then unusable.
"""

from __future__ import annotations

import re

__all__ = ["DechunkError", "Dechunker", "MAX_LINE"]

MAX_LINE = 16 * 1024

_SIZE = re.compile(rb"([0-9A-Fa-f]{1,20})(?:;.*|[ \t]*)", re.S)

# states
_HEADER, _DATA, _DATA_END, _TRAILER, _DONE = range(5)


class DechunkError(ValueError):
    """Malformed chunked body. Shared by both twins."""


class Dechunker:
    __slots__ = ("_state", "_line", "_left", "done", "tail")

    def __init__(self) -> None:
        self._state = _HEADER
        self._line = bytearray()
        self._left = 0
        self.done = False
        self.tail = b""

    def feed(self, data) -> bytes:
        data = bytes(data)
        out: list[bytes] = []
        i, n = 0, len(data)
        while i < n:
            st = self._state
            if st == _DATA:
                take = min(self._left, n - i)
                out.append(data[i:i + take])
                i += take
                self._left -= take
                if self._left == 0:
                    self._state = _DATA_END
                continue
            if st == _DONE:
                self.tail += data[i:]
                break
            j = data.find(b"\n", i)
            if j < 0:
                self._line += data[i:]
                if len(self._line) > MAX_LINE:
                    raise DechunkError("chunk header or trailer line too long")
                break
            self._line += data[i:j + 1]
            i = j + 1
            if len(self._line) > MAX_LINE + 2:
                raise DechunkError("chunk header or trailer line too long")
            line = bytes(self._line)
            self._line.clear()
            if not line.endswith(b"\r\n"):
                raise DechunkError("line ending without CR")
            line = line[:-2]
            if st == _DATA_END:
                if line:
                    raise DechunkError("chunk data not followed by CRLF")
                self._state = _HEADER
            elif st == _HEADER:
                m = _SIZE.fullmatch(line)
                if m is None:
                    raise DechunkError(f"invalid chunk header {line[:40]!r}")
                size = int(m.group(1), 16)
                if size == 0:
                    self._state = _TRAILER
                else:
                    self._left = size
                    self._state = _DATA
            elif not line:  # _TRAILER: the empty line ends the body
                self._state = _DONE
                self.done = True
        return b"".join(out)
