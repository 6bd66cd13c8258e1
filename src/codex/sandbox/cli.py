"""Command handlers: `codex sandbox [--] COMMAND...` and the `codex-linux-sandbox` arg0 helper.

Mirrors codex-rs/cli/src/debug_sandbox.rs and codex-rs/linux-sandbox/src/linux_run_main.rs.

Config: until codex.config grows its loader into the tree, `codex sandbox` reads the keys it
needs (`sandbox_mode`, `[sandbox_workspace_write]`, `features.use_legacy_landlock`) from
`$CODEX_HOME/config.toml` and applies the `-c` overrides and `--enable/--disable` on top with
`codex.config.overrides`.
"""

from __future__ import annotations

import os
import shutil
import sys

__all__ = ["run_sandbox", "run_linux_sandbox"]

PANIC_EXECVP = (
    "\nthread 'main' (2) panicked at linux-sandbox/src/linux_run_main.rs:1465:5:\n"
    "Failed to execvp {cmd}: {err} (os error {errno})\n"
    "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
)


def _err(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except BrokenPipeError:
        pass


def _codex_home() -> str:
    home = os.environ.get("CODEX_HOME")
    if home:
        return home
    return os.path.join(os.path.expanduser("~"), ".codex")


def _effective_config(invocation) -> dict:
    import tomllib

    from codex.config import overrides as ov

    config: dict = {}
    path = os.path.join(_codex_home(), "config.toml")
    try:
        with open(path, "rb") as f:
            config = tomllib.load(f)
    except FileNotFoundError:
        pass
    profile = invocation.values.get("profile")
    if profile:
        try:
            with open(os.path.join(_codex_home(), f"{profile}.config.toml"), "rb") as f:
                from codex.config.overrides import apply_overrides

                def flat(d, prefix=""):
                    for k, v in d.items():
                        if isinstance(v, dict):
                            yield from flat(v, prefix + k + ".")
                        else:
                            yield prefix + k, v

                apply_overrides(config, list(flat(tomllib.load(f))))
        except FileNotFoundError:
            pass
    raw = list(invocation.config_overrides)
    raw += [f"features.{name}=true" for name in invocation.values.get("enable") or ()]
    raw += [f"features.{name}=false" for name in invocation.values.get("disable") or ()]
    ov.apply_overrides(config, ov.parse_overrides(raw))
    return config


def _command_missing(command: list[str], env: dict[str, str]) -> int | None:
    """The reference's panic when the command cannot be exec'd (exit 101)."""
    name = command[0]
    if "/" in name:
        if os.access(name, os.X_OK) and not os.path.isdir(name):
            return None
        err = 2 if not os.path.exists(name) else 13
    else:
        if shutil.which(name, path=env.get("PATH", os.defpath)):
            return None
        err = 2
    _err(PANIC_EXECVP.format(cmd=name, err=os.strerror(err), errno=err))
    return 101


def _fail_closed(reason: str) -> int:
    _err(f"Error: cannot start the Codex sandbox: {reason}. Refusing to run the command unsandboxed.\n")
    return 1


def run_sandbox(invocation) -> int:
    """`codex sandbox [OPTIONS] [--] COMMAND...`: run COMMAND under the configured policy."""
    from codex.sandbox import linux, policy as pol

    command = list(invocation.values.get("command") or ())
    cd = invocation.values.get("cd")
    if cd:
        try:
            os.chdir(cd)
        except OSError as exc:
            _err(f"Error: failed to change directory to {cd}: {exc.strerror}\n")
            return 1
    cwd = os.getcwd()
    try:
        config = _effective_config(invocation)
        mode = config.get("sandbox_mode")
        policy = pol.from_sandbox_mode(mode, config.get("sandbox_workspace_write"))
    except ValueError as exc:
        _err(f"Error: {exc}\n")
        return 1
    if not command:
        _err("Error: no command given to run in the sandbox\n")
        return 1
    legacy = bool((config.get("features") or {}).get("use_legacy_landlock", False))
    env = dict(os.environ)
    missing = _command_missing(command, env)
    if missing is not None:
        return missing
    try:
        prepared = linux.prepare(policy, cwd, command, mechanism="landlock" if legacy else None, env=env)
        return linux.run_sandboxed(prepared)
    except linux.SandboxUnavailable as exc:
        return _fail_closed(str(exc))
    except OSError as exc:
        return _fail_closed(str(exc))


def run_linux_sandbox(invocation) -> int:
    """`codex-linux-sandbox --sandbox-policy-cwd P --permission-profile JSON [..] -- CMD...`"""
    from codex.sandbox import linux, native
    from codex.sandbox.policy import PermissionProfile, ReadOnly

    v = invocation.values
    command = list(v.get("command") or ())
    policy_cwd = v.get("sandbox_policy_cwd") or os.getcwd()
    raw = v.get("permission_profile")
    try:
        profile = PermissionProfile.from_json(raw) if raw else ReadOnly().to_permission_profile(policy_cwd)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        _err(f"Error: invalid --permission-profile: {exc}\n")
        return 1
    if not command:
        _err("Error: No command specified to execute.\n")
        return 1
    command_cwd = v.get("command_cwd")
    if command_cwd:
        try:
            os.chdir(command_cwd)
        except OSError:
            pass
    env = dict(os.environ)
    if v.get("apply_seccomp_then_exec"):
        mode = linux.seccomp_mode_for(profile)
        try:
            if mode is not None:
                native.install_seccomp(mode)
        except (native.SandboxUnavailable, OSError) as exc:
            return _fail_closed(str(exc))
        try:
            os.execvp(command[0], command)
        except OSError as exc:
            _err(PANIC_EXECVP.format(cmd=command[0], err=exc.strerror, errno=exc.errno))
            return 101
    missing = _command_missing(command, env)
    if missing is not None:
        return missing
    try:
        prepared = linux.prepare(profile, policy_cwd, command,
                                 mechanism="landlock" if v.get("use_legacy_landlock") else None,
                                 no_proc=bool(v.get("no_proc")), env=env)
        return linux.run_sandboxed(prepared)
    except (linux.SandboxUnavailable, OSError) as exc:
        return _fail_closed(str(exc))
