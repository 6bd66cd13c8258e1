"""Shell command analysis: a port of upstream's `codex-shell-command` crate plus the approval
decision of core's `exec_policy.rs`.

Modules: `bash` (tree-sitter-bash word-only parsing of `bash -lc` scripts), `parse_command`
(ParsedCommand summaries for the UI), `safety` (`is_known_safe_command`,
`command_might_be_dangerous`), `approval` (`exec_approval_requirement`).
Importing this package imports nothing else; tree-sitter loads on first parse.
"""

__all__: list[str] = []
