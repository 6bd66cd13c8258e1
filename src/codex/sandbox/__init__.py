"""Sandboxed execution: policy model, Linux launcher (bubblewrap or Landlock + seccomp) and the
macOS seatbelt policy text.

    from codex.sandbox import policy, linux
    prepared = linux.prepare(policy.WorkspaceWrite(), cwd, ["make"])   # SandboxUnavailable: fail closed
    sys.exit(linux.run_sandboxed(prepared))

The installer is compiled C (csrc/sandbox/codex_sandbox.c through cffi) with no pure twin: where
it cannot load, sandboxed execution fails closed.
"""
