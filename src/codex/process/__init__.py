"""Spawning commands with pipes or a PTY, output capture and caps, unified-exec sessions.

Import-cheap: the submodules load on first use.

* `codex.process.spawn`        asyncio spawn (pipes / PTY), group kill, `run()` with timeout and caps
* `codex.process.env`          shell_environment_policy -> the child's environment
* `codex.process.truncate`     head+tail middle truncation of tool output (token / byte budgets)
* `codex.process.unified_exec` `exec_command` / `write_stdin` sessions and their model-facing text
"""
