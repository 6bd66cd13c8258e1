"""Sandboxed execution: policy model, Linux launcher (bubblewrap or Landlock + seccomp) and the
macOS seatbelt policy text.

    from codex.sandbox import linux, policy
    prepared = linux.prepare(policy.WorkspaceWrite(), cwd, ["make"])   # SandboxUnavailable: fail closed
    code = linux.run_sandboxed(prepared)
    # or, with codex.process.spawn:  spawn(argv, ..., wrap_argv=linux.wrap_argv_for(policy, cwd))

The installer is compiled C (csrc/sandbox/codex_sandbox.c through cffi) with no pure twin: where
it cannot load, sandboxed execution fails closed.
"""
