"""Reading rollouts back: whole files into history, and a reverse line scanner.

Lines that do not parse (a torn last line after a crash, a kind from a newer codex) are skipped
and counted, as the reference's loader does.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterator

from codex.protocol._base import ProtocolError
from codex.protocol.rollout import decode_rollout_line

__all__ = ["load_rollout_items", "read_session_meta", "iter_lines_reverse", "parse_line",
           "truncate_before_nth_user_message", "RolloutHistory", "get_rollout_history"]

READ_CHUNK = 8192


def parse_line(line: bytes | str) -> tuple[str, Any] | None:
    """``(kind, payload)`` of one line, or None when it does not parse."""
    if isinstance(line, bytes):
        line = line.rstrip(b"\r\n")
    else:
        line = line.rstrip("\r\n")
    if not line.strip():
        return None
    try:
        rl = decode_rollout_line(line)
    except (ProtocolError, ValueError, UnicodeDecodeError):
        return None
    return rl.type, rl.payload


def load_rollout_items(path: str) -> tuple[list[tuple[str, Any]], str | None, int]:
    """(items, thread id from the first session_meta, number of lines that did not parse)."""
    items: list[tuple[str, Any]] = []
    thread_id = None
    errors = 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.strip():
                continue
            parsed = parse_line(raw)
            if parsed is None:
                errors += 1
                continue
            if parsed[0] == "session_meta" and thread_id is None:
                thread_id = parsed[1].id
            items.append(parsed)
    return items, thread_id, errors


def iter_lines_reverse(path: str, chunk: int = READ_CHUNK) -> Iterator[bytes]:
    """The file's lines, last first (without newlines; empty lines skipped)."""
    with open(path, "rb") as f:
        remaining = os.fstat(f.fileno()).st_size
        tail = b""
        while remaining > 0:
            n = min(chunk, remaining)
            remaining -= n
            f.seek(remaining)
            buf = f.read(n) + tail
            parts = buf.split(b"\n")
            tail = parts[0]
            for line in reversed(parts[1:]):
                if line.strip():
                    yield line
        if tail.strip():
            yield tail


def read_session_meta(path: str, max_lines: int = 10) -> Any | None:
    """The first session_meta in the head of the file, or None."""
    try:
        with open(path, "rb") as f:
            for i, raw in enumerate(f):
                if i >= max_lines:
                    break
                parsed = parse_line(raw)
                if parsed is not None and parsed[0] == "session_meta":
                    return parsed[1]
    except OSError:
        return None
    return None


def _is_user_message(kind: str, payload: Any) -> bool:
    if kind != "response_item":
        return False
    from .policy import item_type
    return item_type(payload) == "message" and getattr(payload, "role", None) == "user" \
        and not _is_contextual(payload)


def _is_contextual(msg: Any) -> bool:
    """Environment context / AGENTS.md / other injected user messages are not user turns."""
    for part in getattr(msg, "content", None) or []:
        text = getattr(part, "text", "") or ""
        s = text.lstrip()
        if s.startswith(("<environment_context>", "# AGENTS.md instructions", "<user_instructions>",
                         "<user_shell_command>", "<turn_aborted>", "<subagent_notification>")):
            return True
    return False


def truncate_before_nth_user_message(items: list[tuple[str, Any]], n: int) -> list[tuple[str, Any]]:
    """Items before the `n`-th (0-based) user message. Out of range (no such message) gives no
    items at all, i.e. a new thread, as the reference's fork."""
    seen = 0
    for i, (kind, payload) in enumerate(items):
        if _is_user_message(kind, payload):
            if seen == n:
                return items[:i]
            seen += 1
    return []


class RolloutHistory:
    """A rollout read back for resume: thread id, items, path."""

    __slots__ = ("thread_id", "items", "path", "parse_errors")

    def __init__(self, thread_id: str, items: list[tuple[str, Any]], path: str, parse_errors: int):
        self.thread_id, self.items, self.path, self.parse_errors = thread_id, items, path, parse_errors

    def response_items(self) -> list[Any]:
        """The model-visible history (response items, compaction replacing what came before)."""
        out: list[Any] = []
        for kind, payload in self.items:
            if kind == "response_item":
                out.append(payload)
            elif kind == "compacted":
                rh = getattr(payload, "replacement_history", None)
                if isinstance(rh, list):
                    out = list(rh)
        return out


def get_rollout_history(path: str) -> RolloutHistory:
    items, thread_id, errors = load_rollout_items(path)
    if thread_id is None:
        raise ValueError(f"no session_meta in rollout {path}")
    return RolloutHistory(thread_id, items, path, errors)


def dumps_compact(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
