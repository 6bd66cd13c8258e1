"""Command handlers: `codex sandbox [--] COMMAND...` and the `codex-linux-sandbox` arg0 helper.

Mirrors codex-rs/cli/src/debug_sandbox.rs and codex-rs/linux-sandbox/src/linux_run_main.rs.

Config: until codex.config grows its loader into the tree, `codex sandbox` reads the keys it
needs (`sandbox_mode`, `[sandbox_workspace_write]`, `features.use_legacy_landlock`) from
`$CODEX_HOME/config.toml` and applies the `-c` overrides and `--enable/--disable` on top with
`codex.config.overrides`.
"""

from __future__ import annotations

import os
import sys

from codex._stdio import err as _err

__all__ = ["run_sandbox", "run_linux_sandbox"]

PANIC_EXECVP = (
    "\nthread 'main' (2) panicked at linux-sandbox/src/linux_run_main.rs:1465:5:\n"
    "Failed to execvp {cmd}: {err} (os error {errno})\n"
    "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
)


PANIC_NO_COMMAND = (
    "\nthread 'main' (2) panicked at linux-sandbox/src/linux_run_main.rs:161:9:\n"
    "No command specified to execute.\n"
    "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
)


def _codex_home() -> str:
    """The codex home as the reference finds it; CodexHomeError with its text when CODEX_HOME is
    missing, not a directory or unreadable."""
    from codex.config.loader import find_codex_home

    return find_codex_home()


# The keys `codex sandbox` reads; everything else in the config is not its business (and
# parsing TOML costs more start-up time than the whole sandbox launch).
_KEYS = ("sandbox_mode", "sandbox_workspace_write", "features", "use_legacy_landlock")


def _relevant(key: str) -> bool:
    return key.strip().split(".", 1)[0] in _KEYS


def _parse_overrides(raw: list[str]) -> list:
    from codex.config import overrides as ov

    # simple values (strings, booleans, integers, bare words) are parsed without tomllib
    return ov.parse_overrides(raw)


def _effective_config(invocation) -> dict:
    from codex.config import overrides as ov

    config: dict = {}
    paths = [os.path.join(_codex_home(), "config.toml")]
    profile = invocation.values.get("profile")
    if profile:
        paths.append(os.path.join(_codex_home(), f"{profile}.config.toml"))
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        if b"sandbox" not in data and b"landlock" not in data:
            continue
        import tomllib

        layer = tomllib.loads(data.decode("utf-8"))
        for key in _KEYS:
            if key not in layer:
                continue
            if isinstance(layer[key], dict) and isinstance(config.get(key), dict):
                config[key].update(layer[key])
            else:
                config[key] = layer[key]
    raw = [o for o in invocation.config_overrides if _relevant(o.partition("=")[0])]
    raw += [f"features.{name}=true" for name in invocation.values.get("enable") or ()]
    raw += [f"features.{name}=false" for name in invocation.values.get("disable") or ()]
    ov.apply_overrides(config, _parse_overrides(raw))
    return config


def _command_missing(command: list[str], env: dict[str, str]) -> int | None:
    """The reference's panic when the command cannot be exec'd (exit 101)."""
    name = command[0]
    if "/" in name:
        if os.access(name, os.X_OK) and not os.path.isdir(name):
            return None
        err = 2 if not os.path.exists(name) else 13
    else:
        from codex.sandbox.linux import which

        if which(name, env.get("PATH", os.defpath)):
            return None
        err = 2
    _err(PANIC_EXECVP.format(cmd=name, err=os.strerror(err), errno=err))
    return 101


def _may_exec() -> bool:
    """True when this process is the `codex` program itself (so it may become the sandboxed
    command), False when a handler runs inside another program (tests, an embedding app)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name in ("codex", "codex.__main__"):
        return True
    argv0 = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return argv0 in ("codex", "codex-linux-sandbox")


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
    from codex.config.errors import CodexHomeError

    try:
        config = _effective_config(invocation)
    except CodexHomeError as exc:
        # anyhow's report (the reference follows it with a stack backtrace)
        _err(f"Error: {exc}\n")
        return 1
    except ValueError as exc:
        _err(f"Error: {exc}\n")
        return 1
    try:
        mode = config.get("sandbox_mode")
        policy = pol.from_sandbox_mode(mode, config.get("sandbox_workspace_write"))
    except ValueError as exc:
        _err(f"Error: {exc}\n")
        return 1
    if not command:
        _err(PANIC_NO_COMMAND)
        return 101
    legacy = bool((config.get("features") or {}).get("use_legacy_landlock", False))
    env = dict(os.environ)
    missing = _command_missing(command, env)
    if missing is not None:
        return missing
    try:
        prepared = linux.prepare(policy, cwd, command, mechanism="landlock" if legacy else None, env=env)
        return linux.run_sandboxed(prepared, allow_exec=_may_exec())
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
        _err(PANIC_NO_COMMAND)
        return 101
    if v.get("allow_network_for_proxy") or v.get("proxy_route_spec"):
        # The managed network proxy (proxy-routed seccomp, route specs) is not built yet.
        return _fail_closed("managed network proxy routing (--allow-network-for-proxy, --proxy-route-spec) "
                            "is not supported by this build")
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
        return linux.run_sandboxed(prepared, allow_exec=_may_exec())
    except (linux.SandboxUnavailable, OSError) as exc:
        return _fail_closed(str(exc))
