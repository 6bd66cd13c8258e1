"""shell_environment_policy: the environment a spawned command gets (codex-rs/core/src/exec_env.rs).

Steps, in order:
1. inherit: "all" (every variable of the parent), "core" (HOME LOGNAME PATH SHELL USER USERNAME
   TMPDIR TEMP TMP) or "none";
2. unless ignore_default_excludes: drop names matching *KEY*, *SECRET*, *TOKEN* (case-insensitive);
3. drop names matching any `exclude` pattern;
4. apply `set` (insert or replace);
5. if `include_only` is non-empty, keep only names matching one of its patterns.

Patterns are globs (`*`, `?`, `[...]`, as the wildmatch crate) matched case-insensitively, which
is how upstream builds them from config.toml. This module takes plain values; the config loader
builds a `ShellEnvironmentPolicy` from `[shell_environment_policy]`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Mapping

__all__ = [
    "CORE_VARS",
    "DEFAULT_EXCLUDES",
    "EnvironmentVariablePattern",
    "ShellEnvironmentPolicy",
    "create_env",
    "populate_env",
]

CORE_VARS = ("HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP")
DEFAULT_EXCLUDES = ("*KEY*", "*SECRET*", "*TOKEN*")
INHERIT_VALUES = ("all", "core", "none")


@lru_cache(maxsize=256)
def _glob_regex(pattern: str, case_insensitive: bool) -> re.Pattern[str]:
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = pattern.find("]", i + 2 if i + 1 < n and pattern[i + 1] in "!^" else i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                neg = body[:1] in ("!", "^")
                if neg:
                    body = body[1:]
                body = body.replace("\\", "\\\\")
                out.append("[" + ("^" if neg else "") + body + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.IGNORECASE | re.DOTALL if case_insensitive else re.DOTALL)


@dataclass(frozen=True)
class EnvironmentVariablePattern:
    pattern: str
    case_insensitive: bool = True

    @classmethod
    def new_case_insensitive(cls, pattern: str) -> "EnvironmentVariablePattern":
        return cls(pattern, True)

    def matches(self, name: str) -> bool:
        return _glob_regex(self.pattern, self.case_insensitive).match(name) is not None


def _patterns(items: Iterable[str | EnvironmentVariablePattern]) -> list[EnvironmentVariablePattern]:
    return [p if isinstance(p, EnvironmentVariablePattern) else EnvironmentVariablePattern(p) for p in items]


@dataclass
class ShellEnvironmentPolicy:
    """Defaults as upstream's `ShellEnvironmentPolicy::default()`: inherit all, and the default
    excludes NOT applied (ignore_default_excludes = true)."""

    inherit: str = "all"
    ignore_default_excludes: bool = True
    exclude: list = field(default_factory=list)
    set: dict = field(default_factory=dict)
    include_only: list = field(default_factory=list)
    use_profile: bool = False

    def __post_init__(self) -> None:
        if self.inherit not in INHERIT_VALUES:
            raise ValueError(f"unknown shell_environment_policy.inherit: {self.inherit!r}")
        self.exclude = _patterns(self.exclude)
        self.include_only = _patterns(self.include_only)

    @classmethod
    def from_toml(cls, table: Mapping | None) -> "ShellEnvironmentPolicy":
        """Build from a `[shell_environment_policy]` table (keys as in config.toml)."""
        t = dict(table or {})
        return cls(
            inherit=t.get("inherit", "all"),
            ignore_default_excludes=t.get("ignore_default_excludes", True),
            exclude=list(t.get("exclude", [])),
            set=dict(t.get("set", {})),
            include_only=list(t.get("include_only", [])),
            use_profile=bool(t.get("experimental_use_profile", False)),
        )


def _matches_any(name: str, patterns: list[EnvironmentVariablePattern]) -> bool:
    return any(p.matches(name) for p in patterns)


_DEFAULT_EXCLUDE_PATTERNS = [EnvironmentVariablePattern.new_case_insensitive(p) for p in DEFAULT_EXCLUDES]


def populate_env(vars: Iterable[tuple[str, str]] | Mapping[str, str],
                 policy: ShellEnvironmentPolicy) -> dict[str, str]:
    items = vars.items() if isinstance(vars, Mapping) else vars
    if policy.inherit == "all":
        env = dict(items)
    elif policy.inherit == "none":
        env = {}
    else:
        core = set(CORE_VARS)
        env = {k: v for k, v in items if k in core}
    if not policy.ignore_default_excludes:
        env = {k: v for k, v in env.items() if not _matches_any(k, _DEFAULT_EXCLUDE_PATTERNS)}
    if policy.exclude:
        env = {k: v for k, v in env.items() if not _matches_any(k, policy.exclude)}
    for k, v in policy.set.items():
        env[str(k)] = str(v)
    if policy.include_only:
        env = {k: v for k, v in env.items() if _matches_any(k, policy.include_only)}
    return env


def create_env(policy: ShellEnvironmentPolicy | None = None,
               thread_id: str | None = None) -> dict[str, str]:
    """The environment for a command under `policy`, from this process's environment.

    With `thread_id`, CODEX_THREAD_ID is added (as 0.136 does for tool commands)."""
    env = populate_env(os.environ.items(), policy or ShellEnvironmentPolicy())
    if thread_id is not None:
        env["CODEX_THREAD_ID"] = str(thread_id)
    return env
