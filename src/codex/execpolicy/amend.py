"""Appending rules to a policy file (upstream `amend.rs`): what "always allow" approvals write to
`$CODEX_HOME/rules/default.rules`.

    blocking_append_allow_prefix_rule(path, ["git", "push"])
    # -> prefix_rule(pattern=["git", "push"], decision="allow")

The file is locked (flock) while it is read and appended to; a line already present is not
added again; a missing final newline is supplied first; the parent directory is created (one
level, like `fs::create_dir`).
"""

from __future__ import annotations

import json
import os

__all__ = ["AmendError", "blocking_append_allow_prefix_rule", "blocking_append_network_rule"]


def _io(exc: OSError) -> str:
    if exc.errno is not None:
        return f"{os.strerror(exc.errno)} (os error {exc.errno})"
    return str(exc)


class AmendError(Exception):
    """`AmendError`; `str()` is upstream's Display."""

    def __init__(self, message: str, kind: str = ""):
        super().__init__(message)
        self.kind = kind


def _json_string(value: str) -> str:
    """`serde_json::to_string` of a string."""
    return json.dumps(value, ensure_ascii=False)


def format_allow_prefix_rule(prefix: list[str]) -> str:
    pattern = "[" + ", ".join(_json_string(t) for t in prefix) + "]"
    return f'prefix_rule(pattern={pattern}, decision="allow")'


def blocking_append_allow_prefix_rule(policy_path: str | os.PathLike, prefix: list[str]) -> None:
    if not prefix:
        raise AmendError("prefix rule requires at least one token", "EmptyPrefix")
    _ensure_parent(os.fspath(policy_path))
    _append_locked_line(os.fspath(policy_path), format_allow_prefix_rule(prefix))


def format_network_rule(host: str, protocol: str, decision: str, justification: str | None = None) -> str:
    rule = f'network_rule(host={_json_string(host)}, protocol="{protocol}", decision="{decision}"'
    if justification is not None:
        rule += f", justification={_json_string(justification)}"
    return rule + ")"


def blocking_append_network_rule(policy_path: str | os.PathLike, host: str, protocol: str, decision: str,
                                 justification: str | None = None) -> None:
    host = host.strip()
    if not host:
        raise AmendError("network rule host cannot be empty", "EmptyNetworkHost")
    if protocol not in ("http", "https"):
        raise AmendError("network rule protocol must be http or https", "InvalidNetworkProtocol")
    if decision not in ("allow", "deny", "ask"):
        raise AmendError("network rule decision must be allow, deny, or ask", "InvalidNetworkDecision")
    _ensure_parent(os.fspath(policy_path))
    _append_locked_line(os.fspath(policy_path), format_network_rule(host, protocol, decision, justification))


def _ensure_parent(policy_path: str) -> None:
    directory = os.path.dirname(policy_path)
    if not directory:
        raise AmendError(f"policy path has no parent: {policy_path}", "MissingParent")
    try:
        os.mkdir(directory)
    except FileExistsError:
        pass
    except OSError as exc:
        raise AmendError(f"failed to create policy directory {directory}: {_io(exc)}", "CreatePolicyDir") from None


def _append_locked_line(policy_path: str, line: str) -> None:
    try:
        fd = os.open(policy_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError as exc:
        raise AmendError(f"failed to open policy file {policy_path}: {_io(exc)}", "OpenPolicyFile") from None
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows
            pass
        except OSError as exc:
            raise AmendError(f"failed to lock policy file {policy_path}: {_io(exc)}", "LockPolicyFile") from None
        try:
            os.lseek(fd, 0, os.SEEK_SET)
        except OSError as exc:
            raise AmendError(f"failed to seek policy file {policy_path}: {_io(exc)}", "SeekPolicyFile") from None
        chunks = []
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                chunks.append(chunk)
            contents = b"".join(chunks).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            detail = _io(exc) if isinstance(exc, OSError) else "stream did not contain valid UTF-8"
            raise AmendError(f"failed to read policy file {policy_path}: {detail}", "ReadPolicyFile") from None
        if any(existing == line for existing in _rust_lines(contents)):
            return
        out = b""
        if contents and not contents.endswith("\n"):
            out += b"\n"
        out += (line + "\n").encode("utf-8")
        try:
            os.write(fd, out)
        except OSError as exc:
            raise AmendError(f"failed to write to policy file {policy_path}: {_io(exc)}", "WritePolicyFile") from None
    finally:
        os.close(fd)  # releases the lock


def _rust_lines(text: str) -> list[str]:
    """`str::lines`: split on `\\n`, a trailing `\\r` dropped, no final empty line."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]
