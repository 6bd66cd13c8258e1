"""Known-safe and dangerous commands (upstream `shell-command/src/command_safety/`, 0.136).

`is_known_safe_command(argv)`: read-only commands that may run without approval under
`untrusted` (ls, cat, grep, `git status`, `sed -n 1,5p`, ...), including `bash -lc` scripts made
only of such commands joined by `&&`, `||`, `;`, `|`.

`command_might_be_dangerous(argv)`: `rm -f` / `rm -rf` (also behind `sudo`, also inside a
word-only `bash -lc` script); these always need approval (or are refused under `never`).

The Windows PowerShell safelist (`windows_safe_commands.rs`) needs a PowerShell to parse the
script; off Windows it never applies, so it is not ported.
"""

from __future__ import annotations

import sys

from codex.shell.bash import parse_shell_lc_plain_commands

__all__ = [
    "command_might_be_dangerous",
    "find_git_subcommand",
    "is_dangerous_to_call_with_exec",
    "is_known_safe_command",
    "is_safe_to_call_with_exec",
]

_IS_LINUX = sys.platform.startswith("linux")


def is_known_safe_command(command: list[str]) -> bool:
    command = ["bash" if s == "zsh" else s for s in command]
    if is_safe_to_call_with_exec(command):
        return True
    # `bash -lc "..."` whose script is plain commands joined by safe operators, each safe.
    all_commands = parse_shell_lc_plain_commands(command)
    if all_commands and all(is_safe_to_call_with_exec(cmd) for cmd in all_commands):
        return True
    return False


def _executable_name(cmd0: str) -> str | None:
    """Rust's `Path::new(cmd0).file_name()` for a Unix path."""
    parts = [p for p in cmd0.split("/") if p and p != "."]
    if not parts or parts[-1] == "..":
        return None
    return parts[-1]


_ALWAYS_SAFE = frozenset({
    "cat", "cd", "cut", "echo", "expr", "false", "grep", "head", "id", "ls", "nl", "paste", "pwd",
    "rev", "seq", "stat", "tail", "tr", "true", "uname", "uniq", "wc", "which", "whoami",
})
_UNSAFE_FIND_OPTIONS = frozenset({
    # Options that can execute arbitrary commands.
    "-exec", "-execdir", "-ok", "-okdir",
    # Option that deletes matching files.
    "-delete",
    # Options that write pathnames to a file.
    "-fls", "-fprint", "-fprint0", "-fprintf",
})
_UNSAFE_RIPGREP_OPTIONS_WITH_ARGS = ("--pre", "--hostname-bin")
_UNSAFE_RIPGREP_OPTIONS_WITHOUT_ARGS = frozenset({"--search-zip", "-z"})
_UNSAFE_GIT_FLAGS = frozenset({"--output", "--ext-diff", "--textconv", "--exec", "--paginate"})


def is_safe_to_call_with_exec(command: list[str]) -> bool:
    if not command:
        return False
    cmd = _executable_name(command[0])
    if cmd is None:
        return False
    if _IS_LINUX and cmd in ("numfmt", "tac"):
        return True
    if cmd in _ALWAYS_SAFE:
        return True
    if cmd == "base64":
        return not any(
            arg in ("-o", "--output") or arg.startswith("--output=") or (arg.startswith("-o") and arg != "-o")
            for arg in command[1:]
        )
    if cmd == "find":
        return not any(arg in _UNSAFE_FIND_OPTIONS for arg in command)
    if cmd == "rg":
        return not any(
            arg in _UNSAFE_RIPGREP_OPTIONS_WITHOUT_ARGS
            or any(arg == opt or arg.startswith(opt + "=") for opt in _UNSAFE_RIPGREP_OPTIONS_WITH_ARGS)
            for arg in command
        )
    if cmd == "git":
        # Global config overrides like `-c core.pager=...` can make git run arbitrary commands.
        if _git_has_config_override_global_option(command):
            return False
        found = find_git_subcommand(command, ("status", "log", "diff", "show", "branch"))
        if found is None:
            return False
        idx, sub = found
        args = command[idx + 1:]
        if sub == "branch":
            return _git_subcommand_args_are_read_only(args) and _git_branch_is_read_only(args)
        return _git_subcommand_args_are_read_only(args)
    if cmd == "sed":
        return len(command) <= 4 and command[1:2] == ["-n"] and _is_valid_sed_n_arg(
            command[2] if len(command) > 2 else None)
    return False


def _git_branch_is_read_only(branch_args: list[str]) -> bool:
    if not branch_args:
        return True  # `git branch` lists branches
    saw_read_only_flag = False
    for arg in branch_args:
        if arg in ("--list", "-l", "--show-current", "-a", "--all", "-r", "--remotes", "-v", "-vv",
                   "--verbose") or arg.startswith("--format="):
            saw_read_only_flag = True
        else:
            return False
    return saw_read_only_flag


def _git_has_config_override_global_option(command: list[str]) -> bool:
    return any(
        arg in ("-c", "--config-env") or (arg.startswith("-c") and len(arg) > 2)
        or arg.startswith("--config-env=")
        for arg in command
    )


def _git_subcommand_args_are_read_only(args: list[str]) -> bool:
    return not any(
        arg in _UNSAFE_GIT_FLAGS or arg.startswith("--output=") or arg.startswith("--exec=")
        for arg in args
    )


def _is_valid_sed_n_arg(arg: str | None) -> bool:
    """True if `arg` matches /^(\\d+,)?\\d+p$/."""
    if arg is None or not arg.endswith("p"):
        return False
    parts = arg[:-1].split(",")
    if len(parts) not in (1, 2):
        return False
    return all(p and all("0" <= c <= "9" for c in p) for p in parts)


# -- dangerous ---------------------------------------------------------------------------------


def command_might_be_dangerous(command: list[str]) -> bool:
    if is_dangerous_to_call_with_exec(command):
        return True
    all_commands = parse_shell_lc_plain_commands(command)
    if all_commands is not None and any(is_dangerous_to_call_with_exec(cmd) for cmd in all_commands):
        return True
    return False


def _is_git_global_option_with_value(arg: str) -> bool:
    return arg in ("-C", "-c", "--config-env", "--exec-path", "--git-dir", "--namespace",
                   "--super-prefix", "--work-tree")


def _is_git_global_option_with_inline_value(arg: str) -> bool:
    return arg.startswith(("--config-env=", "--exec-path=", "--git-dir=", "--namespace=",
                           "--super-prefix=", "--work-tree=")) or (
        arg.startswith(("-C", "-c")) and len(arg) > 2)


def find_git_subcommand(command: list[str], subcommands) -> tuple[int, str] | None:
    """(index, name) of the git subcommand when it is one of `subcommands`: global options (and
    their values) are skipped, and the first other token must be the subcommand."""
    if not command or not command[0].endswith("git"):
        return None
    skip_next = False
    for idx in range(1, len(command)):
        arg = command[idx]
        if skip_next:
            skip_next = False
            continue
        if _is_git_global_option_with_inline_value(arg):
            continue
        if _is_git_global_option_with_value(arg):
            skip_next = True
            continue
        if arg == "--" or arg.startswith("-"):
            continue
        if arg in subcommands:
            return idx, arg
        return None
    return None


def is_dangerous_to_call_with_exec(command: list[str]) -> bool:
    if not command:
        return False
    cmd0 = command[0]
    if cmd0 == "rm":
        return len(command) > 1 and command[1] in ("-f", "-rf")
    if cmd0 == "sudo":
        return is_dangerous_to_call_with_exec(command[1:])
    return False
