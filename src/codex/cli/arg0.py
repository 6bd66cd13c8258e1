"""arg0 dispatch: one program that acts as several tools, chosen by the name it runs under.

Mirrors codex-rs/arg0: under the names `apply_patch` / `applypatch` it is the standalone
apply_patch tool, under `codex-linux-sandbox` the Linux sandbox helper, under
`codex-execve-wrapper` the zsh-fork exec bridge. `codex --codex-run-as-apply-patch PATCH` (a
hidden first argument of the main program) is apply_patch too. Any other name (including
`codex-exec`) is the main CLI.
"""

from __future__ import annotations

import sys

APPLY_PATCH_NAMES = ("apply_patch", "applypatch")
LINUX_SANDBOX_NAME = "codex-linux-sandbox"
EXECVE_WRAPPER_NAME = "codex-execve-wrapper"
RUN_AS_APPLY_PATCH_FLAG = "--codex-run-as-apply-patch"


def not_available(what: str) -> int:
    """The one line a not-yet-built capability prints; exit code 2."""
    sys.stderr.write(f"codex: {what} is not available in this build yet\n")
    return 2


def tool_for(prog: str, rest: list[str]) -> "Callable[[], int] | None":  # noqa: F821 (typing is not imported: start-up)
    """The tool to run for program name `prog` and arguments `rest`, or None for the main CLI."""
    if prog.endswith(".exe"):
        prog = prog[:-4]
    if prog in APPLY_PATCH_NAMES:
        return lambda: run_apply_patch(rest)
    if prog == LINUX_SANDBOX_NAME:
        return lambda: run_linux_sandbox(rest)
    if prog == EXECVE_WRAPPER_NAME:
        return lambda: run_execve_wrapper(rest)
    if rest and rest[0] == RUN_AS_APPLY_PATCH_FLAG:
        return lambda: run_apply_patch(rest[1:])
    return None


def run_apply_patch(args: list[str]) -> int:
    try:
        from codex.apply_patch.standalone import main as apply_patch_main
    except ImportError:
        return not_available("apply_patch")
    return apply_patch_main(args)


def run_linux_sandbox(args: list[str]) -> int:
    from codex.cli.app import run_linux_sandbox as run_cli

    return run_cli(args)


def run_execve_wrapper(args: list[str]) -> int:
    try:
        from codex.shell.execve_wrapper import main as wrapper_main
    except ImportError:
        return not_available("codex-execve-wrapper")
    return wrapper_main(args)
