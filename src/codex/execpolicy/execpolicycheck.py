"""`codex execpolicy check` (upstream `execpolicycheck.rs`): load the `--rules` files, match the
command, print the matches as JSON.

    {"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["git","status"],"decision":"allow"}}],"decision":"allow"}

`decision` (the strictest of the matches) is left out when nothing matched. Errors are printed as
the reference's `main` prints an `anyhow::Error` (`Error: <context>\\n\\nCaused by:\\n    <cause>`),
exit code 1.
"""

from __future__ import annotations

import json
import os
import sys

from codex.execpolicy.policy import MatchOptions, Policy
from codex.execpolicy.rule import RuleMatch

__all__ = ["ContextError", "format_matches_json", "load_policies", "main", "render_anyhow", "run"]


class ContextError(Exception):
    """An error with anyhow-style context: `context` over the `cause` text."""

    def __init__(self, context: str, cause: str):
        super().__init__(context)
        self.context = context
        self.cause = cause


def render_anyhow(context: str, cause: str | None = None) -> str:
    """`eprintln!("Error: {err:?}")` of an anyhow error with one cause."""
    if cause is None:
        return f"Error: {context}\n"
    indented = "    " + cause.replace("\n", "\n    ")
    return f"Error: {context}\n\nCaused by:\n{indented}\n"


def io_error_text(exc: OSError) -> str:
    """Rust's `io::Error` Display for an OS error: `No such file or directory (os error 2)`."""
    if exc.errno is not None:
        return f"{os.strerror(exc.errno)} (os error {exc.errno})"
    return str(exc)


def format_matches_json(matched_rules: list[RuleMatch], pretty: bool = False) -> str:
    output: dict = {"matchedRules": [m.to_json() for m in matched_rules]}
    if matched_rules:
        output["decision"] = max(m.decision for m in matched_rules).wire
    if pretty:
        return json.dumps(output, ensure_ascii=False, indent=2)
    return json.dumps(output, ensure_ascii=False, separators=(",", ":"))


def read_policy_file(path: str) -> str:
    """`fs::read_to_string`, with Rust's error texts (raised as OSError / ValueError)."""
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("stream did not contain valid UTF-8") from None


def load_policies(policy_paths: list[str]) -> Policy:
    """Parse the files in order into one policy; ContextError on the first failure."""
    from codex.execpolicy.error import Error
    from codex.execpolicy.parser import PolicyParser

    parser = PolicyParser()
    for path in policy_paths:
        try:
            contents = read_policy_file(path)
        except OSError as exc:
            raise ContextError(f"failed to read policy at {path}", io_error_text(exc)) from None
        except ValueError as exc:
            raise ContextError(f"failed to read policy at {path}", str(exc)) from None
        try:
            parser.parse(path, contents)
        except Error as exc:
            raise ContextError(f"failed to parse policy at {path}", str(exc)) from None
    return parser.build()


def run(rules: list[str], command: list[str], pretty: bool = False,
        resolve_host_executables: bool = False, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        policy = load_policies(rules)
    except ContextError as exc:
        stderr.write(render_anyhow(exc.context, exc.cause))
        stderr.flush()
        return 1
    matched = policy.matches_for_command_with_options(
        command, None, MatchOptions(resolve_host_executables=resolve_host_executables))
    stdout.write(format_matches_json(matched, pretty) + "\n")
    stdout.flush()
    return 0


def _feature_error(values: dict) -> str | None:
    """`--enable` / `--disable` are checked before anything else (`Unknown feature flag: x`)."""
    try:
        from codex.config import features
    except ImportError:  # pragma: no cover - the feature registry ships with the config package
        return None
    try:
        features.toggle_overrides(values.get("enable") or [], values.get("disable") or [])
    except features.UnknownFeatureError as exc:
        return str(exc)
    return None


def main(invocation) -> int:
    """The `("execpolicy", "check")` handler."""
    values = invocation.values
    problem = _feature_error(values)
    if problem is not None:
        sys.stderr.write(render_anyhow(problem))
        sys.stderr.flush()
        return 1
    return run([os.fspath(p) for p in values.get("rules") or []], list(values.get("command") or []),
               pretty=bool(values.get("pretty")),
               resolve_host_executables=bool(values.get("resolve_host_executables")))
