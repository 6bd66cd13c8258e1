"""A capped byte buffer keeping a stable head and a rolling tail (unified_exec/head_tail_buffer.rs).

Half of `max_bytes` goes to the head (filled first, then frozen), half to the tail (older tail
bytes are dropped as new ones arrive). What falls out of the middle is only counted.
"""

from __future__ import annotations

UNIFIED_EXEC_OUTPUT_MAX_BYTES = 1024 * 1024

__all__ = ["HeadTailBuffer", "UNIFIED_EXEC_OUTPUT_MAX_BYTES"]


class HeadTailBuffer:
    __slots__ = ("max_bytes", "head_budget", "tail_budget", "head", "tail", "omitted_bytes")

    def __init__(self, max_bytes: int = UNIFIED_EXEC_OUTPUT_MAX_BYTES):
        self.max_bytes = max_bytes
        self.head_budget = max_bytes // 2
        self.tail_budget = max_bytes - self.head_budget
        self.head = bytearray()
        self.tail = bytearray()
        self.omitted_bytes = 0

    def retained_bytes(self) -> int:
        return len(self.head) + len(self.tail)

    def push_chunk(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.max_bytes == 0:
            self.omitted_bytes += len(chunk)
            return
        head_len = min(self.head_budget - len(self.head), len(chunk))
        if head_len > 0:
            self.head += chunk[:head_len]
        else:
            head_len = 0
        self._push_to_tail(chunk[head_len:])

    def _push_to_tail(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.tail_budget == 0:
            self.omitted_bytes += len(chunk)
            return
        if len(chunk) >= self.tail_budget:
            start = len(chunk) - self.tail_budget
            self.omitted_bytes += len(self.tail) + start
            self.tail = bytearray(chunk[start:])
            return
        self.tail += chunk
        excess = len(self.tail) - self.tail_budget
        if excess > 0:
            del self.tail[:excess]
            self.omitted_bytes += excess

    def snapshot_chunks(self) -> list[bytes]:
        return [bytes(c) for c in (self.head, self.tail) if c]

    def to_bytes(self) -> bytes:
        return bytes(self.head) + bytes(self.tail)

    def to_bytes_with_omission_marker(self) -> bytes:
        if self.omitted_bytes == 0:
            return self.to_bytes()
        marker = f"\n... {self.omitted_bytes} bytes omitted ...\n".encode()
        return bytes(self.head) + marker + bytes(self.tail)

    def drain_chunks(self) -> list[bytes]:
        out = [bytes(c) for c in (self.head, self.tail) if c]
        self.head = bytearray()
        self.tail = bytearray()
        self.omitted_bytes = 0
        return out

    def __bool__(self) -> bool:
        return bool(self.head) or bool(self.tail)
