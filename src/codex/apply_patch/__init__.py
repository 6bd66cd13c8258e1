"""apply_patch: the patch format Codex models edit files with (mirrors codex-rs/apply-patch).

Modules, named after upstream's:
  parser          the envelope and hunks -> `parse_patch(text) -> ApplyPatchArgs`
  seek_sequence   locating context lines (compiled twin `_seek_c`, pure twin `seek_sequence_py`)
  lib             applying hunks to the filesystem, the success summary and error texts
  invocation      recognising an apply_patch call in a command (argv) and verifying it
  standalone      the `apply_patch` program (`main(args) -> int`)
  grammar         the Lark grammar and description of the freeform `apply_patch` tool

This package imports nothing at start-up: the standalone tool is a process per patch.
"""

CODEX_CORE_APPLY_PATCH_ARG1 = "--codex-run-as-apply-patch"
APPLY_PATCH_COMMANDS = ("apply_patch", "applypatch")
