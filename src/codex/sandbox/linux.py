"""The Linux sandbox: bubblewrap (the default) or Landlock + seccomp (the fallback), one interface.

Mirrors codex-rs/linux-sandbox (linux_run_main.rs, bwrap.rs, seccomp.rs) and
codex-rs/sandboxing/src/bwrap.rs:

* **bwrap**: the system `bwrap` (``/usr/bin/bwrap`` first, then ``$PATH``) builds the view of the
  filesystem -- ``--new-session --die-with-parent --ro-bind / / --dev /dev``, ``--bind R R`` per
  writable root, each root's protected subpaths (``.git``, ``.agents``, ``.codex``) re-mounted
  read-only (``--ro-bind`` when they exist, an empty read-only tmpfs when they do not, so they
  cannot be created), then ``--unshare-user --unshare-pid``, ``--unshare-net`` unless the network
  is allowed, ``--proc /proc`` unless ``no_proc``. The seccomp filter (codex_sandbox.c through
  libseccomp) is then installed inside, in the command's own process:

  - ``seccomp_via="fd"`` (default): the filter is exported as BPF into a memfd handed to bwrap's
    ``--seccomp FD``; bwrap sets no_new_privs and loads it right before it execs the command,
    after it has set up the namespaces and the loopback device. One process image fewer than
  - ``seccomp_via="helper"``: upstream's two-stage flow, bwrap runs this helper again inside
    (``codex-linux-sandbox ... --apply-seccomp-then-exec -- CMD``) which loads the filter and
    execs the command. ``CODEX_SANDBOX_SECCOMP=helper`` selects it.

* **landlock** (``features.use_legacy_landlock``, or no usable bwrap / user namespaces): in this
  process, Landlock (read everywhere, write to the writable roots and /dev/null) + seccomp, then
  exec. Like the reference it refuses policies that need carve-outs it cannot express (a
  writable root with read-only subpaths): fail closed.

Neither available (no C module, no bwrap and no Landlock): `SandboxUnavailable`, and the command
does not run.
"""

from __future__ import annotations

import os
import sys

from codex.sandbox import native
from codex.sandbox.native import SandboxUnavailable
from codex.sandbox.policy import PermissionProfile, SandboxPolicy

__all__ = [
    "LEGACY_LANDLOCK_REFUSAL",
    "Prepared",
    "SandboxUnavailable",
    "bwrap_filesystem_args",
    "bwrap_usable",
    "run_sandboxed",
    "find_bwrap",
    "prepare",
    "select_mechanism",
    "seccomp_mode_for",
    "wrap_argv_for",
]

MECHANISMS = ("bwrap", "landlock")
PLATFORM_DEFAULT_READ_ROOTS = ("/bin", "/sbin", "/usr", "/etc", "/lib", "/lib64", "/nix/store")
NETWORK_DISABLED_ENV = "CODEX_SANDBOX_NETWORK_DISABLED"
LEGACY_LANDLOCK_REFUSAL = (
    "permission profiles requiring direct runtime enforcement are incompatible with --use-legacy-landlock"
)


def find_bwrap() -> str | None:
    """`/usr/bin/bwrap` when present (as upstream prefers it), else `bwrap` on PATH."""
    if os.access("/usr/bin/bwrap", os.X_OK):
        return "/usr/bin/bwrap"
    return which("bwrap")


def which(name: str, path: str | None = None) -> str | None:
    """shutil.which without importing shutil (start-up cost)."""
    if "/" in name:
        return name if os.access(name, os.X_OK) and not os.path.isdir(name) else None
    for d in (os.environ.get("PATH", os.defpath) if path is None else path).split(os.pathsep):
        cand = os.path.join(d or ".", name)
        if os.access(cand, os.X_OK) and not os.path.isdir(cand):
            return cand
    return None


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def bwrap_usable() -> tuple[bool, str]:
    """(usable, reason): a bwrap binary and user namespaces the kernel lets us create."""
    if find_bwrap() is None:
        return False, "bubblewrap (bwrap) is not installed"
    if _read_int("/proc/sys/user/max_user_namespaces") == 0:
        return False, "user namespaces are disabled (user.max_user_namespaces = 0)"
    if os.geteuid() != 0 and _read_int("/proc/sys/kernel/unprivileged_userns_clone") == 0:
        return False, "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)"
    if os.geteuid() != 0 and _read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1:
        return False, "AppArmor restricts unprivileged user namespaces"
    return True, ""


def select_mechanism(prefer: str | None = None) -> str:
    """`bwrap` or `landlock`. `prefer="landlock"` (features.use_legacy_landlock) forces the
    legacy path; `CODEX_SANDBOX_MECHANISM` overrides both. Raises SandboxUnavailable."""
    prefer = os.environ.get("CODEX_SANDBOX_MECHANISM") or prefer
    if prefer not in (None, "", *MECHANISMS):
        raise SandboxUnavailable(f"unknown sandbox mechanism `{prefer}` (expected bwrap or landlock)")
    native.load()  # both mechanisms need the C module (seccomp); fail closed without it
    if prefer == "bwrap":
        ok, why = bwrap_usable()
        if not ok:
            raise SandboxUnavailable(why)
        return "bwrap"
    if prefer != "landlock":
        ok, why = bwrap_usable()
        if ok:
            return "bwrap"
    if native.landlock_abi() < 1:
        reason = "" if prefer == "landlock" else f"{why}, and "
        raise SandboxUnavailable(f"{reason}Landlock is not available in this kernel")
    return "landlock"


def seccomp_mode_for(profile: PermissionProfile) -> int | None:
    """upstream's network_seccomp_mode: Restricted when the network is off, VM-socket
    restrictions when only the filesystem is restricted, nothing for full access."""
    if not profile.has_full_network_access():
        return native.SECCOMP_RESTRICTED
    if not profile.has_full_disk_write_access():
        return native.SECCOMP_VMSOCK
    return None


def _depth(path: str) -> int:
    return len([p for p in path.split("/") if p])


def bwrap_filesystem_args(profile: PermissionProfile, cwd: str, env: dict[str, str] | None = None,
                          created: list[str] | None = None) -> list[str]:
    """The mount arguments: `--ro-bind / / --dev /dev`, then each writable root with its
    protected subpaths. Missing protected subpaths are masked with an empty read-only tmpfs;
    bwrap creates their mountpoints on the host, so they are appended to `created` (removed
    again after the run, as upstream's bwrap_mount_cleanup does)."""
    if profile.has_full_disk_read_access():
        args = ["--ro-bind", "/", "/", "--dev", "/dev"]
    else:
        # Restricted read: an empty root with only the readable roots (and, when asked, the
        # platform defaults) bound read-only, as upstream does.
        args = ["--tmpfs", "/"]
        readable: list[str] = []
        for path, access in profile.entries:
            if path == ("special", "platform_defaults"):
                readable += [p for p in PLATFORM_DEFAULT_READ_ROOTS if os.path.exists(p)]
            elif not isinstance(path, tuple) and access in ("read", "write") and os.path.exists(path):
                readable.append(os.path.realpath(path))
        for path in dict.fromkeys(readable):
            args += ["--ro-bind", path, path]
        args += ["--dev", "/dev"]
    roots = [r for r in profile.writable_roots(cwd, env) if os.path.isdir(r.root)]
    roots.sort(key=lambda r: _depth(r.root))  # a parent bind must not hide a nested one
    protected = [sub for r in roots for sub in r.read_only_subpaths]
    for root in roots:
        args += ["--bind", root.root, root.root]
        for sub in dict.fromkeys(p for p in protected if p.startswith(root.root.rstrip("/") + "/")):
            if os.path.lexists(sub):
                args += ["--ro-bind", sub, sub]
            else:
                args += ["--perms", "555", "--tmpfs", sub, "--remount-ro", sub]
                if created is not None:
                    created.append(sub)
    return args


class Prepared:
    """How to run a sandboxed command: exec `argv` with `env`, keeping `pass_fds` open.

    - `in_process` (landlock): Landlock + seccomp are applied in the (forked) process right
      before it execs `argv`; `helper_argv` is the same run as a separate process
      (`codex-linux-sandbox --use-legacy-landlock`) for callers that cannot fork.
    - `cleanup_paths`: mountpoints bwrap creates on the host for masked missing paths; removed
      after the run.
    """

    def __init__(self, argv, env, pass_fds=(), mechanism="", in_process=False, helper_argv=None,
                 landlock_roots=None, seccomp_mode=None, cleanup_paths=None):
        self.argv = list(argv)
        self.env = env
        self.pass_fds = tuple(pass_fds)
        self.mechanism = mechanism
        self.in_process = in_process
        self.helper_argv = list(helper_argv or [])
        self.landlock_roots = list(landlock_roots or [])
        self.seccomp_mode = seccomp_mode
        self.cleanup_paths = list(cleanup_paths or [])

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"Prepared(mechanism={self.mechanism!r}, argv={self.argv!r})"


def _helper_argv(profile: PermissionProfile, cwd: str, command: list[str], *, legacy_landlock: bool,
                 outer: bool = False) -> list[str]:
    """This program as `codex-linux-sandbox` (a fresh interpreter importing this package):
    the inner stage (`--apply-seccomp-then-exec`), the Landlock run (`--use-legacy-landlock`),
    or with `outer` the whole sandboxed run (the helper picks the mechanism and cleans up)."""
    pkg_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    boot = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); "
        "from codex.cli.app import run_linux_sandbox; sys.exit(run_linux_sandbox(sys.argv[1:]))"
    )
    argv = [sys.executable, "-I", "-c", boot, pkg_parent, "--sandbox-policy-cwd", cwd]
    if not outer:
        argv += ["--command-cwd", cwd]
    # the outer helper runs in the command's own working directory (spawned there), which may
    # be a `workdir` below the policy's cwd
    argv += ["--permission-profile", profile.dumps()]
    if legacy_landlock:
        argv.append("--use-legacy-landlock")
    elif not outer:
        argv.append("--apply-seccomp-then-exec")
    return argv + ["--", *command]


def prepare(policy: SandboxPolicy | PermissionProfile, cwd: str, command: list[str], *,
            mechanism: str | None = None, no_proc: bool = False, seccomp_via: str | None = None,
            env: dict[str, str] | None = None) -> Prepared:
    """Plan a sandboxed run of `command` in `cwd`. Raises SandboxUnavailable (fail closed)."""
    if not command:
        raise ValueError("no command to run")
    profile = policy if isinstance(policy, PermissionProfile) else policy.to_permission_profile(cwd)
    env = dict(os.environ if env is None else env)
    if not profile.has_full_network_access():
        env[NETWORK_DISABLED_ENV] = "1"
    if profile.has_full_disk_write_access() and profile.has_full_network_access():
        return Prepared(list(command), env, mechanism="none")  # nothing to restrict
    mech = select_mechanism(mechanism)
    mode = seccomp_mode_for(profile)
    if mech == "landlock":
        roots: list[str] = []
        if not profile.has_full_disk_write_access():
            if not profile.has_full_disk_read_access():
                raise SandboxUnavailable(
                    "Restricted read-only access is not supported by the legacy Linux Landlock filesystem backend.")
            wroots = profile.writable_roots(cwd, env)
            if any(r.read_only_subpaths for r in wroots):
                raise SandboxUnavailable(LEGACY_LANDLOCK_REFUSAL)
            roots = [r.root for r in wroots]
        return Prepared(list(command), env, mechanism="landlock", in_process=True,
                        helper_argv=_helper_argv(profile, cwd, list(command), legacy_landlock=True),
                        landlock_roots=roots, seccomp_mode=mode)
    via = seccomp_via or os.environ.get("CODEX_SANDBOX_SECCOMP") or "fd"
    argv = [find_bwrap() or "bwrap", "--new-session", "--die-with-parent"]
    if profile.has_full_disk_write_access():
        argv += ["--bind", "/", "/", "--dev", "/dev"]
    created: list[str] = []
    if not profile.has_full_disk_write_access():
        argv += bwrap_filesystem_args(profile, cwd, env, created)
    argv += ["--unshare-user", "--unshare-pid"]
    if not profile.has_full_network_access():
        argv.append("--unshare-net")
    if not no_proc:
        # A fresh /proc; its sysctl files stay read-only (stricter than the reference: when
        # the sandbox runs as real root, uid 0 maps to the global root and /proc/sys writes
        # such as kernel/hostname would reach the host).
        argv += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys"]
        if os.path.exists("/proc/sysrq-trigger"):
            argv += ["--ro-bind", "/proc/sysrq-trigger", "/proc/sysrq-trigger"]
    pass_fds: tuple[int, ...] = ()
    if mode is not None and via == "fd":
        fd = os.memfd_create("codex-seccomp", 0)  # inherited by bwrap (no CLOEXEC)
        os.set_inheritable(fd, True)
        native.export_seccomp(mode, fd)
        os.lseek(fd, 0, os.SEEK_SET)
        argv += ["--seccomp", str(fd)]
        pass_fds = (fd,)
        argv += ["--", *command]
    elif mode is not None:
        argv += ["--", *_helper_argv(profile, cwd, list(command), legacy_landlock=False)]
    else:
        argv += ["--", *command]
    return Prepared(argv, env, pass_fds, mechanism="bwrap", seccomp_mode=mode, cleanup_paths=created)


def wrap_argv_for(policy: SandboxPolicy | PermissionProfile, cwd: str, *, mechanism: str | None = None):
    """A `codex.process.spawn` `wrap_argv` hook running each command under `policy`.

    The command is launched as `codex-linux-sandbox ... -- CMD` (upstream's shape): that helper
    process builds the bwrap or Landlock sandbox, waits, and removes bwrap's mountpoints. The
    mechanism is checked here, up front: SandboxUnavailable means do not run (fail closed)."""
    profile = policy if isinstance(policy, PermissionProfile) else policy.to_permission_profile(cwd)
    full = profile.has_full_disk_write_access() and profile.has_full_network_access()
    mech = None if full else select_mechanism(mechanism)

    def wrap(argv: list[str]):
        from codex.process.spawn import Launch

        env = dict(os.environ)
        if not profile.has_full_network_access():
            env[NETWORK_DISABLED_ENV] = "1"
        if full:
            return Launch(list(argv), env)
        return Launch(_helper_argv(profile, cwd, list(argv), legacy_landlock=mech == "landlock", outer=True), env)

    return wrap


def apply_in_process(prepared: Prepared) -> None:
    """Landlock + seccomp on this process (only what it execs next should run after this)."""
    if prepared.mechanism == "landlock":
        native.landlock_restrict(prepared.landlock_roots)
        native.drop_capabilities()
    if prepared.seccomp_mode is not None:
        native.install_seccomp(prepared.seccomp_mode)


def run_sandboxed(prepared: Prepared, *, allow_exec: bool = False) -> int:
    """Run the prepared command and return its exit code (128 + signal when killed).

    With `allow_exec` (the command-line tools, where this process has nothing left to do) and
    nothing to clean up afterwards, this process *becomes* the sandbox (exec): no waiting
    parent. Otherwise the command runs as a child (posix_spawn for bwrap; fork, then Landlock +
    seccomp, then exec for landlock) and this process waits, forwarding SIGINT/SIGTERM/SIGHUP/
    SIGQUIT, then removes the mountpoints bwrap created. The calling process itself is never
    restricted unless it execs."""
    sys.stdout.flush()
    sys.stderr.flush()
    if allow_exec and not prepared.cleanup_paths:
        if prepared.in_process:
            apply_in_process(prepared)
        os.execvpe(prepared.argv[0], prepared.argv, prepared.env)
    if prepared.in_process:
        native.load()  # before forking
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: restrict, exec; report a failure through the pipe
            os.close(r)
            try:
                apply_in_process(prepared)
                os.execvpe(prepared.argv[0], prepared.argv, prepared.env)
            except BaseException as exc:  # noqa: BLE001
                try:
                    os.write(w, str(exc).encode("utf-8", "replace") or b"applying the sandbox failed")
                finally:
                    os._exit(127)
        os.close(w)
        msg = b""
        while True:
            chunk = os.read(r, 4096)
            if not chunk:
                break
            msg += chunk
        os.close(r)
        if msg:
            os.waitpid(pid, 0)
            raise SandboxUnavailable(msg.decode("utf-8", "replace"))
    else:
        exe = prepared.argv[0] if "/" in prepared.argv[0] else (which(prepared.argv[0], prepared.env.get("PATH")) or prepared.argv[0])
        try:
            pid = os.posix_spawn(exe, prepared.argv, prepared.env)
        finally:
            for fd in prepared.pass_fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
    import signal

    forward = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
    old = {}
    try:
        for sig in forward:
            old[sig] = signal.signal(sig, lambda s, f: os.kill(pid, s))
    except ValueError:  # not the main thread: no forwarding
        pass
    try:
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:  # pragma: no cover
                continue
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        cleanup_mountpoints(prepared.cleanup_paths)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def cleanup_mountpoints(paths: list[str]) -> None:
    """rmdir (or unlink an empty file of) each path that bwrap created and nothing filled."""
    for path in reversed(paths):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)  # only succeeds when empty
            elif os.path.isfile(path) and os.path.getsize(path) == 0:
                os.unlink(path)
        except OSError:
            pass
