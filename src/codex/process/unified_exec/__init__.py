"""Unified exec: `exec_command` / `write_stdin` sessions (see `manager`)."""

from codex.process.unified_exec.manager import (  # noqa: F401
    DEFAULT_MAX_OUTPUT_TOKENS,
    ExecCommandToolOutput,
    FunctionCallError,
    UnifiedExecError,
    UnifiedExecProcessManager,
    clamp_yield_time,
    derive_exec_args,
    generate_chunk_id,
)

__all__ = [
    "DEFAULT_MAX_OUTPUT_TOKENS",
    "ExecCommandToolOutput",
    "FunctionCallError",
    "UnifiedExecError",
    "UnifiedExecProcessManager",
    "clamp_yield_time",
    "derive_exec_args",
    "generate_chunk_id",
]
