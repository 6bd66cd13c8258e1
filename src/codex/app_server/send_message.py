"""``codex debug app-server send-message-v2 <USER_MESSAGE>``."""

from __future__ import annotations


def send_message_v2_cmd(invocation) -> int:
    from codex.cli.arg0 import not_available

    return not_available("`codex debug app-server send-message-v2`")
