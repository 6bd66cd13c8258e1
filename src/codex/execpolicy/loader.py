"""Finding and loading the exec-policy files of the config layers, and recording approvals (the
execpolicy part of upstream's `core/src/exec_policy.rs`).

Each config layer that has a folder (system `/etc/codex`, `$CODEX_HOME`, each trusted project's
`.codex/`) contributes `<folder>/rules/*.rules`, sorted by name; layers go from the lowest
precedence to the highest, so the caller passes the folders in that order (the config loader
owns the layer stack):

    policy = load_exec_policy([layer.config_folder for layer in layers_lowest_first])

Approved "always allow" prefixes go to `$CODEX_HOME/rules/default.rules`
(`append_allow_prefix_rule(codex_home, prefix)`).
"""

from __future__ import annotations

import os
from typing import Iterable

from codex.execpolicy.amend import AmendError, blocking_append_allow_prefix_rule, blocking_append_network_rule
from codex.execpolicy.policy import Policy

__all__ = [
    "DEFAULT_POLICY_FILE",
    "RULES_DIR_NAME",
    "RULE_EXTENSION",
    "ExecPolicyError",
    "ExecPolicyUpdateError",
    "append_allow_prefix_rule",
    "append_network_rule",
    "collect_policy_files",
    "default_policy_path",
    "format_exec_policy_error_with_source",
    "load_exec_policy",
    "load_exec_policy_with_warning",
]

RULES_DIR_NAME = "rules"
RULE_EXTENSION = "rules"
DEFAULT_POLICY_FILE = "default.rules"


def _io(exc: OSError) -> str:
    if exc.errno is not None:
        return f"{os.strerror(exc.errno)} (os error {exc.errno})"
    return str(exc)


class ExecPolicyError(Exception):
    """`ExecPolicyError`: `kind` is `ReadDir`, `ReadFile` or `ParsePolicy`; `source` the cause
    (for ParsePolicy a `codex.execpolicy.error.Error`)."""

    def __init__(self, kind: str, path: str, source, message: str):
        super().__init__(message)
        self.kind = kind
        self.path = path
        self.source = source


def _read_dir_error(directory: str, exc: OSError) -> ExecPolicyError:
    return ExecPolicyError("ReadDir", directory, exc, f"failed to read rules files from {directory}: {_io(exc)}")


def collect_policy_files(directory: str | os.PathLike) -> list[str]:
    """The `*.rules` regular files (symlinks are not followed) of `directory`, sorted; [] when it
    does not exist."""
    directory = os.fspath(directory)
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise _read_dir_error(directory, exc) from None
    paths = []
    for entry in entries:
        name = entry.name
        stem, ext = os.path.splitext(name)
        try:
            is_file = entry.is_file(follow_symlinks=False)
        except OSError as exc:
            raise _read_dir_error(directory, exc) from None
        if ext == "." + RULE_EXTENSION and stem and is_file:
            paths.append(os.path.join(directory, name))
    paths.sort(key=lambda p: p.encode("utf-8", "surrogateescape"))
    return paths


def policy_files_for_folders(config_folders: Iterable[str | os.PathLike]) -> list[str]:
    """`<folder>/rules/*.rules` for each config folder, lowest precedence first."""
    out: list[str] = []
    for folder in config_folders:
        out.extend(collect_policy_files(os.path.join(os.fspath(folder), RULES_DIR_NAME)))
    return out


def load_exec_policy(config_folders: Iterable[str | os.PathLike],
                     requirements_policy: Policy | None = None) -> Policy:
    """Parse every layer's rules into one policy (then overlay the requirements' policy, if any).
    Raises ExecPolicyError."""
    from codex.execpolicy.error import Error
    from codex.execpolicy.execpolicycheck import read_policy_file
    from codex.execpolicy.parser import PolicyParser

    parser = PolicyParser()
    for path in policy_files_for_folders(config_folders):
        try:
            contents = read_policy_file(path)
        except OSError as exc:
            raise ExecPolicyError("ReadFile", path, exc, f"failed to read rules file {path}: {_io(exc)}") from None
        except ValueError as exc:
            raise ExecPolicyError("ReadFile", path, exc, f"failed to read rules file {path}: {exc}") from None
        try:
            parser.parse(path, contents)
        except Error as exc:
            raise ExecPolicyError("ParsePolicy", path, exc, f"failed to parse rules file {path}: {exc}") from None
    policy = parser.build()
    if requirements_policy is not None:
        return policy.merge_overlay(requirements_policy)
    return policy


def load_exec_policy_with_warning(config_folders: Iterable[str | os.PathLike],
                                  requirements_policy: Policy | None = None
                                  ) -> tuple[Policy, ExecPolicyError | None]:
    """A parse error is a warning (the policy falls back to the requirements' policy, or empty);
    read errors are raised."""
    try:
        return load_exec_policy(config_folders, requirements_policy), None
    except ExecPolicyError as err:
        if err.kind != "ParsePolicy":
            raise
        fallback = requirements_policy.clone() if requirements_policy is not None else Policy.empty()
        return fallback, err


def _message_for_display(source) -> str:
    message = str(source)
    for line in message.split("\n"):
        if line.lstrip().startswith("error: "):
            return line
    first = message.split("\n", 1)[0]
    marker = ": starlark error: "
    if marker in first:
        return first.rsplit(marker, 1)[1].strip()
    return first.strip()


def _starlark_line_from_message(message: str) -> tuple[str, int] | None:
    first = message.split("\n", 1)[0].strip()
    marker = ": starlark error:"
    if marker not in first:
        return None
    path_and_position = first.rsplit(marker, 1)[0]
    parts = path_and_position.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    line = int(parts[1])
    if line == 0:
        return None
    return parts[0], line


def format_exec_policy_error_with_source(error: ExecPolicyError) -> str:
    """One line for the user: `path:line: message (problem is on or around line N)`."""
    if error.kind != "ParsePolicy":
        return str(error)
    source = error.source
    rendered = str(source)
    loc = source.location() if hasattr(source, "location") else None
    structured = (loc.path, loc.range.start.line) if loc is not None else None
    parsed = _starlark_line_from_message(rendered)
    if structured is not None and structured[1] == 1 and parsed is not None and parsed[1] > 1:
        location = parsed
    elif structured is not None:
        location = structured
    else:
        location = parsed
    message = _message_for_display(source)
    if location is not None:
        path, line = location
        return f"{path}:{line}: {message} (problem is on or around line {line})"
    return f"{error.path}: {message}"


def default_policy_path(codex_home: str | os.PathLike) -> str:
    return os.path.join(os.fspath(codex_home), RULES_DIR_NAME, DEFAULT_POLICY_FILE)


class ExecPolicyUpdateError(Exception):
    """`failed to update rules file {path}: {source}`."""


def append_allow_prefix_rule(codex_home: str | os.PathLike, prefix: list[str],
                             policy: Policy | None = None) -> Policy | None:
    """Record an approved prefix in `$CODEX_HOME/rules/default.rules`; with `policy`, also return
    the in-memory policy updated the way the session's manager does (unchanged when the prefix is
    already allowed by a rule)."""
    path = default_policy_path(codex_home)
    try:
        blocking_append_allow_prefix_rule(path, prefix)
    except AmendError as exc:
        raise ExecPolicyUpdateError(f"failed to update rules file {path}: {exc}") from None
    if policy is None:
        return None
    from codex.execpolicy.decision import Decision
    from codex.execpolicy.policy import MatchOptions
    from codex.execpolicy.rule import PrefixRuleMatch

    evaluation = policy.check_multiple([prefix], lambda _cmd: Decision.FORBIDDEN,
                                       MatchOptions(resolve_host_executables=True))
    if evaluation.decision == Decision.ALLOW and any(
            isinstance(m, PrefixRuleMatch) and m.decision == Decision.ALLOW for m in evaluation.matched_rules):
        return policy
    updated = policy.clone()
    updated.add_prefix_rule(list(prefix), Decision.ALLOW)
    return updated


def append_network_rule(codex_home: str | os.PathLike, host: str, protocol: str, decision: str,
                        justification: str | None = None) -> None:
    path = default_policy_path(codex_home)
    try:
        blocking_append_network_rule(path, host, protocol, decision, justification)
    except AmendError as exc:
        raise ExecPolicyUpdateError(f"failed to update rules file {path}: {exc}") from None
