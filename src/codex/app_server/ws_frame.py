"""One WebSocket frame (RFC 6455 section 5.2), FIN set; masked with a random key for a client.
Kept apart from `websocket` (asyncio) so that the synchronous control-socket client of
`codex app-server daemon` can use it without importing asyncio."""

from __future__ import annotations

import os
import struct

__all__ = ["encode_frame"]


def encode_frame(opcode: int, payload: bytes, *, mask: bool = False) -> bytes:
    head = bytearray([0x80 | opcode])
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head.append(mbit | n)
    elif n < 65536:
        head.append(mbit | 126)
        head += struct.pack("!H", n)
    else:
        head.append(mbit | 127)
        head += struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        head += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes(head) + payload
