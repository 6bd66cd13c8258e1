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

# Public names, imported on first use (start-up: the package itself loads nothing).
_EXPORTS = {
    "parse_patch": "codex.apply_patch.parser",
    "ParseError": "codex.apply_patch.parser",
    "InvalidPatchError": "codex.apply_patch.parser",
    "InvalidHunkError": "codex.apply_patch.parser",
    "Hunk": "codex.apply_patch.parser",
    "AddFile": "codex.apply_patch.parser",
    "DeleteFile": "codex.apply_patch.parser",
    "UpdateFile": "codex.apply_patch.parser",
    "UpdateFileChunk": "codex.apply_patch.parser",
    "ApplyPatchArgs": "codex.apply_patch.parser",
    "apply_patch": "codex.apply_patch.lib",
    "apply_hunks": "codex.apply_patch.lib",
    "ApplyPatchError": "codex.apply_patch.lib",
    "unified_diff_from_chunks": "codex.apply_patch.lib",
    "maybe_parse_apply_patch": "codex.apply_patch.invocation",
    "maybe_parse_apply_patch_verified": "codex.apply_patch.invocation",
    "MaybeApplyPatchVerified": "codex.apply_patch.invocation",
    "ApplyPatchAction": "codex.apply_patch.invocation",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'codex.apply_patch' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
