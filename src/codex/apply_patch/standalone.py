"""The standalone `apply_patch` tool (mirrors codex-rs/apply-patch/src/standalone_executable.rs).

`codex.cli.arg0` runs `main(args)` when the program is invoked as `apply_patch` / `applypatch`
or as `codex --codex-run-as-apply-patch PATCH`; `args` are the arguments after the program name.

* One argument: the patch. No argument: the patch is read from stdin (an empty stdin prints the
  two-line usage, exit 2). A second argument: `Error: apply_patch accepts exactly one
  argument.`, exit 2 (checked after the first argument was taken, as upstream does). There are
  no options: `--help` is a patch, and an invalid one.
* Paths are relative to the current directory. Success prints the summary on stdout, exit 0;
  any failure prints its message on stderr, exit 1.
"""

from __future__ import annotations

import os
import sys

USAGE = "Usage: apply_patch 'PATCH'\n       echo 'PATCH' | apply_patch\n"


def _has_surrogates(s: str) -> bool:
    """True for an argument that was not valid UTF-8 (decoded with surrogateescape)."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def main(args: list[str]) -> int:
    """Run the tool with `args` (the arguments after the program name); returns the exit code."""
    err = sys.stderr
    if args:
        patch = args[0]
        if _has_surrogates(patch):
            err.write("Error: apply_patch requires a UTF-8 PATCH argument.\n")
            err.flush()
            return 1
    else:
        try:
            data = sys.stdin.buffer.read() if sys.stdin is not None else b""
        except OSError as exc:
            from codex.apply_patch._rust import io_error_message

            err.write(f"Error: Failed to read PATCH from stdin.\n{io_error_message(exc)}\n")
            err.flush()
            return 1
        if not data:
            err.write(USAGE)
            err.flush()
            return 2
        try:
            patch = data.decode("utf-8")
        except UnicodeDecodeError:
            err.write("Error: Failed to read PATCH from stdin.\nstream did not contain valid UTF-8\n")
            err.flush()
            return 1

    if len(args) > 1:
        err.write("Error: apply_patch accepts exactly one argument.\n")
        err.flush()
        return 2

    return run_apply_patch(patch)


def run_apply_patch(patch: str, cwd: str | None = None) -> int:
    """Apply `patch` relative to `cwd` (default: the current directory), printing like the
    reference. Returns 0 on success, 1 on failure."""
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError as exc:
            from codex.apply_patch._rust import io_error_message

            sys.stderr.write(f"Error: Failed to determine current directory.\n{io_error_message(exc)}\n")
            sys.stderr.flush()
            return 1

    from codex.apply_patch.lib import ApplyPatchError, apply_patch

    out = _Buffer()
    errs = _Buffer()
    try:
        apply_patch(patch, cwd, out, errs)
        code = 0
    except ApplyPatchError:
        code = 1
    _emit(sys.stderr, errs)
    _emit(sys.stdout, out)
    return code


class _Buffer:
    """Collects text; written out in one go (the reference writes whole lines, unbuffered)."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        return len(s)


def _emit(stream, buf: _Buffer) -> None:
    if not buf.parts or stream is None:
        return
    text = "".join(buf.parts)
    data = text.encode("utf-8", "surrogateescape")
    binary = getattr(stream, "buffer", None)
    try:
        if binary is not None:
            stream.flush()
            binary.write(data)
            binary.flush()
        else:
            stream.write(text)
            stream.flush()
    except BrokenPipeError:
        pass
