"""The interface shared by the two ``codex exec`` output processors, and their helpers
(``codex-rs/exec/src/event_processor.rs`` plus the pieces of ``lib.rs`` that feed them).

A processor is driven by the exec runner:

1. ``print_config_summary(summary, prompt)`` once the thread is started (human mode: the
   header on stderr; JSON mode: the ``thread.started`` event);
2. ``process_warning(message)`` for local warnings (the runner sends the bubblewrap
   warning this way, human mode only, right after the summary);
3. ``process_notification(n)`` for every app-server v2 server notification that
   ``should_process_notification`` lets through (``n`` is the plain JSON-RPC
   notification ``{"method": ..., "params": {...}}``); it returns ``CodexStatus``;
   ``INITIATE_SHUTDOWN`` means the turn is over;
4. ``finish()`` after the event loop (upstream ``print_final_output``): writes the
   ``--output-last-message`` file, and in human mode the token count and the final
   message. It returns the final message (``None`` when the turn did not complete).

Notifications are plain dicts (camelCase keys, as on the wire); nothing here
validates them beyond the fields it reads.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Any, Iterable, Mapping, TextIO

__all__ = [
    "CodexStatus",
    "EventProcessor",
    "Style",
    "config_summary_entries",
    "final_message_from_turn_items",
    "handle_last_message",
    "should_process_notification",
    "summarize_permission_profile",
    "supports_color",
    "turn_error_message",
]


class CodexStatus(str, Enum):
    RUNNING = "running"
    INITIATE_SHUTDOWN = "initiate_shutdown"


class EventProcessor:
    """Base class of ``JsonlOutput`` and ``HumanOutput``."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self._stdout = stdout
        self._stderr = stderr

    @property
    def stdout(self) -> TextIO:
        return self._stdout if self._stdout is not None else sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr if self._stderr is not None else sys.stderr

    def print_config_summary(self, summary: Mapping[str, Any], prompt: str) -> None:
        raise NotImplementedError

    def process_notification(self, notification: Mapping[str, Any]) -> CodexStatus:
        raise NotImplementedError

    def process_warning(self, message: str) -> CodexStatus:
        raise NotImplementedError

    def finish(self) -> str | None:
        raise NotImplementedError

    def process_notifications(self, notifications: Iterable[Mapping[str, Any]]) -> CodexStatus:
        """Feed notifications until one initiates shutdown (the runner's loop, minus I/O)."""
        status = CodexStatus.RUNNING
        for n in notifications:
            status = self.process_notification(n)
            if status is CodexStatus.INITIATE_SHUTDOWN:
                break
        return status


# --- the last-message file (event_processor.rs) ---------------------------------------


def handle_last_message(message: str | None, path: str | os.PathLike[str], stderr: TextIO) -> None:
    """Write ``message`` (or nothing) to the ``-o`` file; warn when there was no message."""
    _write_last_message_file(message or "", os.fspath(path), stderr)
    if message is None:
        stderr.write(f"Warning: no last agent message; wrote empty content to {os.fspath(path)}\n")
        stderr.flush()


def _write_last_message_file(contents: str, path: str, stderr: TextIO) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(contents.encode("utf-8"))
    except OSError as e:
        stderr.write(f"Failed to write last message file {_rust_debug_str(path)}: {_io_error(e)}\n")
        stderr.flush()


def _rust_debug_str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _io_error(e: OSError) -> str:
    """std::io::Error's Display: ``<strerror> (os error N)``."""
    if e.errno is None:
        return str(e)
    return f"{os.strerror(e.errno)} (os error {e.errno})"


# --- lib.rs: which notifications reach the processor ---------------------------------


def should_process_notification(notification: Mapping[str, Any], thread_id: str, turn_id: str) -> bool:
    """Port of ``lib.rs::should_process_notification``: only the primary thread/turn's
    notifications of the kinds exec renders; deltas and everything else are dropped."""
    method = notification.get("method")
    p = notification.get("params") or {}
    if method in ("configWarning", "deprecationNotice"):
        return True
    if method == "warning":
        return p.get("threadId") in (None, thread_id)
    if method in ("hook/started", "hook/completed"):
        return p.get("threadId") == thread_id and p.get("turnId") in (None, turn_id)
    if method in (
        "error", "item/started", "item/completed", "model/rerouted", "model/verification",
        "thread/tokenUsage/updated", "turn/diff/updated", "turn/plan/updated",
    ):
        return p.get("threadId") == thread_id and p.get("turnId") == turn_id
    if method in ("turn/started", "turn/completed"):
        return p.get("threadId") == thread_id and (p.get("turn") or {}).get("id") == turn_id
    return False


def final_message_from_turn_items(items: Iterable[Mapping[str, Any]] | None) -> str | None:
    """The last agentMessage's text, else the last plan's text."""
    items = list(items or ())
    for item in reversed(items):
        if item.get("type") == "agentMessage":
            return item.get("text", "")
    for item in reversed(items):
        if item.get("type") == "plan":
            return item.get("text", "")
    return None


def turn_error_message(error: Mapping[str, Any]) -> str:
    """``message (additionalDetails)`` as the JSON output writes a ``TurnError``."""
    message = error.get("message", "")
    details = error.get("additionalDetails")
    if details:
        return f"{message} ({details})"
    return message


# --- the human header (lib.rs / event_processor_with_human_output.rs) -----------------


def config_summary_entries(
    *,
    workdir: str,
    model: str,
    provider: str,
    approval: str,
    sandbox: str,
    session_id: str,
    reasoning_effort: str | None = None,
    reasoning_summaries: str | None = None,
    responses_api: bool = True,
    thread_id: str | None = None,
) -> dict[str, str]:
    """The ``print_config_summary`` entries, in upstream's order.

    ``sandbox`` is the already summarized policy (e.g. ``workspace-write [workdir, /tmp,
    $TMPDIR]``). The reasoning lines exist only for the Responses wire API and show
    ``none`` when unset. ``thread_id`` (JSON mode's ``thread.started``) is not printed;
    it defaults to the session id.
    """
    entries = {
        "workdir": workdir,
        "model": model,
        "provider": provider,
        "approval": approval,
        "sandbox": sandbox,
    }
    if responses_api:
        entries["reasoning effort"] = reasoning_effort if reasoning_effort is not None else "none"
        entries["reasoning summaries"] = reasoning_summaries if reasoning_summaries is not None else "none"
    entries["session id"] = session_id
    if thread_id is not None:
        entries["thread_id"] = thread_id
    return entries


def summarize_permission_profile(
    kind: str,
    *,
    cwd: str,
    writable_roots: Iterable[str] = (),
    network_enabled: bool = False,
    full_disk_write: bool = False,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The header's ``sandbox:`` value (``codex-rs/utils/sandbox-summary``).

    ``kind`` is the permission profile: ``disabled`` (danger-full-access), ``external``
    or ``managed``. For a managed profile pass its materialized writable roots (e.g.
    ``[cwd, "/tmp", $TMPDIR]`` for workspace-write, none for read-only).
    """
    suffix = " (network access enabled)" if network_enabled else ""
    if kind == "disabled":
        return "danger-full-access"
    if kind == "external":
        return "external-sandbox" + suffix
    if full_disk_write:
        return "danger-full-access" if network_enabled else "external-sandbox"
    roots = list(writable_roots)
    if not roots:
        return "read-only" + suffix
    labels = [_writable_root_label(root, cwd, environ) for root in roots]
    return f"workspace-write [{', '.join(labels)}]" + suffix


def _writable_root_label(root: str, cwd: str, environ: Mapping[str, str] | None) -> str:
    env = os.environ if environ is None else environ
    if _paths_match(root, cwd):
        return "workdir"
    if _paths_match(root, "/tmp"):
        return "/tmp"
    tmpdir = env.get("TMPDIR")
    if tmpdir and _paths_match(root, tmpdir):
        return "$TMPDIR"
    return _display_path_label(root)


def _paths_match(left: str, right: str) -> bool:
    try:
        if os.path.exists(left) and os.path.exists(right) and os.path.realpath(left) == os.path.realpath(right):
            return True
    except OSError:
        pass
    return _display_path_label(left) == _display_path_label(right)


def _display_path_label(path: str) -> str:
    if path == "/private/tmp" or path.startswith("/private/tmp/"):
        return "/tmp" + path[len("/private/tmp"):]
    return path


#: summary keys that are metadata for the processors, not header lines
SUMMARY_METADATA_KEYS = frozenset({"thread_id"})


# --- colours (owo-colors Style, supports-color) ---------------------------------------

_FG = {"red": 31, "green": 32, "yellow": 33, "magenta": 35, "cyan": 36}
_EFFECT = {"bold": 1, "dimmed": 2, "italic": 3}


class Style:
    """One owo-colors ``Style``: ``prefix + text + "\\x1b[0m"``, or the bare text when plain."""

    __slots__ = ("fg", "effects")

    def __init__(self, fg: str | None = None, *effects: str) -> None:
        self.fg = fg
        self.effects = effects

    @property
    def plain(self) -> bool:
        return self.fg is None and not self.effects

    def prefix(self) -> str:
        if self.plain:
            return ""
        codes: list[str] = []
        if self.fg is not None:
            codes.append(str(_FG[self.fg]))
        # owo-colors writes bold first, then the other effects
        for name in ("bold", "dimmed", "italic"):
            if name in self.effects:
                codes.append(str(_EFFECT[name]))
        return "\x1b[" + ";".join(codes) + "m"

    def __call__(self, text: Any) -> str:
        text = str(text)
        if self.plain:
            return text
        return f"{self.prefix()}{text}\x1b[0m"


PLAIN = Style()


def supports_color(stream: Any, environ: Mapping[str, str] | None = None) -> bool:
    """The ``supports-color`` crate's answer (``--color auto``) for ``stream``."""
    env = os.environ if environ is None else environ
    if _force_color(env):
        return True
    if env.get("NO_COLOR", "0") != "0" or env.get("TERM") == "dumb":
        return False
    if not is_terminal(stream) and env.get("IGNORE_IS_TERMINAL", "0") == "0":
        return False
    term = env.get("TERM")
    return bool(
        "COLORTERM" in env
        or env.get("TERM_PROGRAM") in ("iTerm.app", "Apple_Terminal")
        or (term is not None and term not in ("dumb", "cygwin"))
        or env.get("CLICOLOR", "0") != "0"
        or _is_ci(env)
    )


def _force_color(env: Mapping[str, str]) -> bool:
    force = env.get("FORCE_COLOR")
    if force is not None:
        if force in ("true", ""):
            return True
        if force == "false":
            return False
        try:
            return int(force) > 0
        except ValueError:
            return True
    clicolor_force = env.get("CLICOLOR_FORCE")
    return clicolor_force is not None and clicolor_force != "0"


def _is_ci(env: Mapping[str, str]) -> bool:
    # the is_ci crate
    ci = env.get("CI")
    if ci is not None and ci not in ("false", "0"):
        return True
    return any(k in env for k in ("BUILD_NUMBER", "RUN_ID", "GITHUB_ACTIONS", "TF_BUILD", "GITLAB_CI", "TRAVIS", "CIRCLECI", "BUILDKITE", "TEAMCITY_VERSION"))


def resolve_color(color: str | bool | None, stream: Any, environ: Mapping[str, str] | None = None) -> bool:
    """``--color always|never|auto`` (or a bool) → whether to emit ANSI styles."""
    if isinstance(color, bool):
        return color
    if color in (None, "auto"):
        return supports_color(stream, environ)
    if color == "always":
        return True
    if color == "never":
        return False
    raise ValueError(f"invalid color mode {color!r}")


def is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False

