"""Exec policy: `.rules` files (Starlark) deciding whether a command may run, needs approval, or
is forbidden. A port of upstream's `codex-execpolicy` crate; the rules are evaluated by
starlark-rust itself (starlark-pyo3).

    from codex.execpolicy.parser import PolicyParser
    parser = PolicyParser(); parser.parse(path, text); policy = parser.build()
    policy.matches_for_command(["git", "status"])

Modules mirror upstream's: `decision`, `error`, `rule`, `policy`, `parser`, `amend`,
`execpolicycheck` (the hidden `codex execpolicy check`), `executable_name`; `loader` is the part
of core's `exec_policy.rs` that finds the `rules/` folders' files and appends approved rules.
Importing this package imports nothing else (starlark only loads when a file is parsed).
"""

__all__: list[str] = []
