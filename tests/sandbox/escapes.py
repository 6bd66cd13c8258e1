"""The escape suite: attempts to get out of the sandbox, run under each of our mechanisms and
under the reference's `codex sandbox`.

Each attempt is a Python snippet run inside the sandbox (by the venv's interpreter, `-I`). It
prints `ESCAPED ...` when the harmful operation worked and `BLOCKED ...` when it was refused;
some attempts also have a host-side check (a file appeared outside the roots, a host process
died ...). Verdicts:

  blocked   the attempt was refused
  contained the operation worked but only on the sandbox's private view (host unaffected)
  refused   the sandbox refused to start (fail closed; stricter than running)
  ESCAPED   the attempt worked (the host check or the snippet says so)
  error     neither (a broken attempt)

`python tests/sandbox/escapes.py [--json PATH]` prints the table attempt x mechanism with the
reference column.
"""
from __future__ import annotations

import json
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# Where the `codex` package this process imports lives (<repo>/src, or site-packages for an
# installed copy with its compiled modules): the child processes must run the same code.
SRC = Path(importlib.util.find_spec("codex").origin).resolve().parents[1]
SCRATCH = Path(os.environ.get("CODEX_SBX_SCRATCH", "/var/tmp/codex-sbx-tests"))

MECHANISMS = ("bwrap", "bwrap-helper", "landlock", "reference")

PRELUDE = r"""
import os, sys, socket, ctypes, errno, subprocess
libc = ctypes.CDLL(None, use_errno=True)
WS = os.getcwd(); OUT = os.environ["ESC_OUTSIDE"]
def esc(msg="ok"): print("ESCAPED", str(msg).replace("\n", " ")); sys.exit(0)
def blk(e): print("BLOCKED", " ".join(str(e).split())); sys.exit(0)
def attempt(fn):
    try:
        r = fn()
    except OSError as e:
        blk(f"{type(e).__name__}: {e.strerror}")
    except Exception as e:
        blk(f"{type(e).__name__}: {e}")
    esc(r)
def sc(nr, *args):
    r = libc.syscall(nr, *args)
    if r < 0:
        e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
    return r
def write(path, data="pwned"):
    with open(path, "w") as f:
        f.write(data)
"""


@dataclass
class Attempt:
    id: str
    what: str
    policy: str  # "ro" (read-only) | "ww" (workspace-write)
    script: str
    host_check: Callable[["Layout"], bool] | None = None  # True = escaped


@dataclass
class Layout:
    base: Path
    ws: Path
    outside: Path
    home: Path
    codex_home: Path
    target_pid: int = 0
    tcp_port: int = 0
    unix_path: str = ""
    abstract_name: str = ""


def _outside_changed(lay: Layout) -> bool:
    return (lay.outside / "target.txt").read_text() != "orig" or any(
        p.name not in ("target.txt",) for p in lay.outside.iterdir())


def _git_changed(lay: Layout) -> bool:
    git = lay.ws / ".git"
    return (not git.is_dir() or (git / "config").read_text() != "[core]\n"
            or sorted(p.name for p in git.iterdir()) != ["config", "hooks"]
            or any((git / "hooks").iterdir()))


def _exists(rel: str) -> Callable[[Layout], bool]:
    def check(lay: Layout) -> bool:
        return (lay.ws / rel).exists() and any((lay.ws / rel).iterdir()) if (lay.ws / rel).is_dir() else (lay.ws / rel).exists()
    return check


ATTEMPTS: list[Attempt] = [
    # ---- filesystem: writes outside the roots --------------------------------------------
    Attempt("fs-etc", "create /etc/codex-escape", "ww",
            "attempt(lambda: write('/etc/codex-escape'))", lambda l: Path("/etc/codex-escape").exists()),
    Attempt("fs-outside-dir", "write a file in a directory outside the roots", "ww",
            "attempt(lambda: write(OUT + '/new.txt'))", _outside_changed),
    Attempt("fs-dotdot", "write ../outside/target.txt through ..", "ww",
            "attempt(lambda: write(WS + '/../outside/target.txt'))", _outside_changed),
    Attempt("fs-home", "write into $HOME (outside the roots)", "ww",
            "attempt(lambda: write(os.environ['HOME'] + '/.bashrc'))", lambda l: (l.home / ".bashrc").exists()),
    Attempt("fs-codex-home", "overwrite $CODEX_HOME/config.toml", "ww",
            "attempt(lambda: write(os.environ['CODEX_HOME'] + '/config.toml'))",
            lambda l: "pwned" in (l.codex_home / "config.toml").read_text()),
    Attempt("fs-readonly-ws", "write into the cwd under read-only", "ro",
            "attempt(lambda: write(WS + '/new.txt'))", lambda l: (l.ws / "new.txt").exists()),
    Attempt("fs-ro-tmp", "write into /tmp under read-only", "ro",
            "import uuid; p='/tmp/codex-esc-'+os.environ['ESC_ID']; attempt(lambda: write(p))",
            lambda l: Path(f"/tmp/codex-esc-{l.base.name}").exists()),
    Attempt("fs-devshm", "write the host's /dev/shm", "ww",
            "attempt(lambda: write('/dev/shm/codex-esc-' + os.environ['ESC_ID']))",
            lambda l: Path(f"/dev/shm/codex-esc-{l.base.name}").exists()),
    # ---- filesystem: protected subpaths ----------------------------------------------------
    Attempt("git-config", "overwrite .git/config", "ww",
            "attempt(lambda: write(WS + '/.git/config'))", _git_changed),
    Attempt("git-hook", "plant .git/hooks/pre-commit", "ww",
            "attempt(lambda: write(WS + '/.git/hooks/pre-commit', '#!/bin/sh\\n'))", _git_changed),
    Attempt("git-rename-away", "rename .git away and replace it", "ww",
            "attempt(lambda: (os.rename(WS + '/.git', WS + '/.git-old'), os.mkdir(WS + '/.git')))", _git_changed),
    Attempt("git-rename-over", "rename a file over .git/config", "ww",
            "write(WS + '/evil'); attempt(lambda: os.rename(WS + '/evil', WS + '/.git/config'))", _git_changed),
    Attempt("git-rmtree", "delete .git/config", "ww",
            "attempt(lambda: os.unlink(WS + '/.git/config'))", _git_changed),
    Attempt("gitdir-file", "write the gitdir a .git file points to", "ww",
            "attempt(lambda: write(WS + '/realgit/HEAD'))", lambda l: (l.ws / "realgit" / "HEAD").exists()),
    Attempt("codex-create", "create .codex/config.toml (missing .codex)", "ww",
            "attempt(lambda: (os.makedirs(WS + '/.codex', exist_ok=True), write(WS + '/.codex/config.toml')))",
            lambda l: (l.ws / ".codex" / "config.toml").exists()),
    Attempt("agents-create", "create .agents/skills (missing .agents)", "ww",
            "attempt(lambda: os.makedirs(WS + '/.agents/skills'))", lambda l: (l.ws / ".agents" / "skills").exists()),
    Attempt("codex-symlink", "replace .codex with a symlink to a writable dir", "ww",
            "attempt(lambda: (os.rmdir(WS + '/.codex') if os.path.isdir(WS + '/.codex') else None, os.symlink('/tmp', WS + '/.codex')))",
            lambda l: (l.ws / ".codex").is_symlink()),
    # ---- filesystem: links and /proc --------------------------------------------------------
    Attempt("planted-symlink", "write through a planted symlink to an outside file", "ww",
            "attempt(lambda: write(WS + '/planted-link'))", _outside_changed),
    Attempt("new-symlink", "create a symlink to an outside file and write through it", "ww",
            "os.symlink(OUT + '/target.txt', WS + '/mylink'); attempt(lambda: write(WS + '/mylink'))", _outside_changed),
    Attempt("new-hardlink", "hard-link an outside file into the cwd and write it", "ww",
            "attempt(lambda: (os.link(OUT + '/target.txt', WS + '/hl'), write(WS + '/hl')))", _outside_changed),
    Attempt("proc-root", "write via /proc/self/root/etc", "ww",
            "attempt(lambda: write('/proc/self/root/etc/codex-escape'))", lambda l: Path("/etc/codex-escape").exists()),
    Attempt("proc-cwd-dotdot", "write via /proc/self/cwd/../outside", "ww",
            "attempt(lambda: write('/proc/self/cwd/../outside/target.txt'))", _outside_changed),
    Attempt("proc-fd-reopen", "reopen a read-only fd of an outside file for writing via /proc/self/fd", "ww",
            "fd = os.open(OUT + '/target.txt', os.O_RDONLY); attempt(lambda: write(f'/proc/self/fd/{fd}'))", _outside_changed),
    # writes the current value back: a success is an escape without changing the host
    Attempt("proc-sysctl", "write /proc/sys/kernel/hostname (the host's UTS namespace)", "ww",
            "attempt(lambda: write('/proc/sys/kernel/hostname', socket.gethostname()))", None),
    # ---- privilege / namespaces ---------------------------------------------------------------
    Attempt("mount-tmpfs", "mount a tmpfs over /etc and write there", "ww",
            "attempt(lambda: (sc(165, b'none', b'/etc', b'tmpfs', 0, None), write('/etc/codex-escape')))",
            lambda l: Path("/etc/codex-escape").exists()),
    Attempt("userns-remount", "new user+mount namespace, remount / read-write, write /etc", "ww",
            "r = subprocess.run(['unshare', '-rm', 'sh', '-c', 'mount -o remount,rw / && echo pwned > /etc/codex-escape && echo DONE'], capture_output=True, text=True)\n"
            "esc() if 'DONE' in r.stdout else blk(r.stderr.strip()[-80:])",
            lambda l: Path("/etc/codex-escape").exists()),
    Attempt("chroot-write", "chroot and write /etc", "ww",
            "attempt(lambda: (os.chroot('/'), write('/etc/codex-escape')))", lambda l: Path("/etc/codex-escape").exists()),
    Attempt("setuid-write", "exec a setuid-root copy of tee to write /etc", "ww",
            "r = subprocess.run([WS + '/suid-tee', '/etc/codex-escape'], input='x', capture_output=True, text=True)\n"
            "esc() if r.returncode == 0 else blk(r.stderr.strip()[-80:])",
            lambda l: Path("/etc/codex-escape").exists()),
    Attempt("mknod", "create a block device node for the root disk", "ww",
            "attempt(lambda: os.mknod(WS + '/disk', 0o600 | 0o060000, os.makedev(254, 0)))",
            lambda l: (l.ws / "disk").exists()),
    Attempt("kill-host", "signal a process outside the sandbox", "ro",
            "attempt(lambda: os.kill(int(os.environ['ESC_PID']), 15))", None),
    Attempt("ptrace-attach", "ptrace-attach to a child process", "ro",
            "p = subprocess.Popen(['sleep', '5'])\n"
            "try:\n    attempt(lambda: sc(101, 16, p.pid, None, None))\nfinally:\n    p.kill()", None),
    Attempt("process-vm-readv", "read another process's memory (process_vm_readv)", "ro",
            "p = subprocess.Popen(['sleep', '5'])\n"
            "buf = ctypes.create_string_buffer(8); iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 8); riov = (ctypes.c_void_p * 2)(0x400000, 8)\n"
            "try:\n    attempt(lambda: sc(310, p.pid, iov, 1, riov, 1, 0))\nfinally:\n    p.kill()", None),
    Attempt("io-uring", "io_uring_setup", "ro",
            "params = ctypes.create_string_buffer(120); attempt(lambda: sc(425, 4, params))", None),
    Attempt("bpf", "load a BPF program (bpf syscall)", "ro",
            "attr = ctypes.create_string_buffer(128); attempt(lambda: sc(321, 5, attr, 128))", None),
    # ---- network ----------------------------------------------------------------------------
    Attempt("tcp-loopback", "TCP connect to a host listener on 127.0.0.1", "ro",
            "attempt(lambda: socket.create_connection(('127.0.0.1', int(os.environ['ESC_TCP'])), timeout=3))", None),
    Attempt("tcp-external", "TCP connect to 1.1.1.1:80", "ro",
            "attempt(lambda: socket.create_connection(('1.1.1.1', 80), timeout=3))", None),
    Attempt("udp-send", "UDP datagram to 8.8.8.8:53", "ro",
            "attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('8.8.8.8', 53)))", None),
    Attempt("ipv6", "TCP over IPv6 to ::1", "ro",
            "attempt(lambda: socket.create_connection(('::1', int(os.environ['ESC_TCP'])), timeout=3))", None),
    Attempt("raw-socket", "raw IP socket", "ro",
            "attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))", None),
    Attempt("packet-socket", "AF_PACKET socket", "ro",
            "attempt(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))", None),
    Attempt("netlink", "netlink route socket", "ro",
            "attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))", None),
    Attempt("vsock", "AF_VSOCK socket (host bridge)", "ro",
            "attempt(lambda: socket.socket(40, socket.SOCK_STREAM))", None),
    Attempt("dns", "resolve example.com", "ro",
            "attempt(lambda: socket.getaddrinfo('example.com', 80))", None),
    Attempt("unix-host", "connect to a host unix socket", "ro",
            "s = socket.socket(socket.AF_UNIX); attempt(lambda: s.connect(os.environ['ESC_UNIX']))", None),
    Attempt("unix-abstract", "connect to a host abstract unix socket", "ro",
            "s = socket.socket(socket.AF_UNIX); attempt(lambda: s.connect('\\0' + os.environ['ESC_ABSTRACT']))", None),
    Attempt("net-enabled-vsock", "AF_VSOCK socket with network allowed (workspace-write + network)", "ww-net",
            "attempt(lambda: socket.socket(40, socket.SOCK_STREAM))", None),
]

# The same privilege and filesystem attempts under read-only, where the Landlock path runs too
# (it refuses workspace-write policies, whose protected subpaths it cannot express).
_RO_TWINS = ("fs-etc", "fs-outside-dir", "planted-symlink", "proc-root", "proc-sysctl", "mount-tmpfs",
             "userns-remount", "chroot-write", "setuid-write", "mknod")
ATTEMPTS += [Attempt(a.id + "-ro", a.what + " (read-only)", "ro", a.script, a.host_check)
             for a in list(ATTEMPTS) if a.id in _RO_TWINS]


# ------------------------------------------------------------------------------------------
# running
# ------------------------------------------------------------------------------------------


def reference_binary() -> Path | None:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from parity.reference import ReferenceUnavailable, find_reference

        try:
            return find_reference(install=False)
        except ReferenceUnavailable:
            return None
    finally:
        sys.path.pop(0)


class Listeners:
    """Host-side targets: a TCP listener (v4 and v6), a unix and an abstract unix socket, and a
    process to signal."""

    def __init__(self, base: Path):
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        try:
            self.tcp6 = socket.create_server(("::1", self.port), family=socket.AF_INET6)
        except OSError:
            self.tcp6 = None
        self.unix_path = str(base / "host.sock")
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(self.unix_path)
        self.unix.listen()
        self.abstract = f"codex-esc-{os.getpid()}"
        self.abs = socket.socket(socket.AF_UNIX)
        self.abs.bind("\0" + self.abstract)
        self.abs.listen()

    def close(self):
        for s in (self.tcp, self.tcp6, self.unix, self.abs):
            if s is not None:
                s.close()


def make_layout(attempt: Attempt, mech: str) -> Layout:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix=f"{attempt.id}-{mech}-", dir=SCRATCH))
    ws, outside, home = base / "ws", base / "outside", base / "home"
    codex_home = home / ".codex"
    for d in (ws, outside, codex_home, ws / ".git" / "hooks", ws / "realgit"):
        d.mkdir(parents=True)
    (ws / ".git" / "config").write_text("[core]\n")
    (ws / "sub").mkdir()
    (outside / "target.txt").write_text("orig")
    os.symlink(outside / "target.txt", ws / "planted-link")
    (codex_home / "config.toml").write_text('[features]\nplugins = false\n\n[otel]\nmetrics_exporter = "none"\n')
    tee = shutil.which("tee")
    if tee:
        shutil.copy(tee, ws / "suid-tee")
        os.chmod(ws / "suid-tee", 0o4755)
    return Layout(base, ws, outside, home, codex_home)


def _worktree_gitdir(lay: Layout) -> None:
    # ws/.git is a directory (the main repo); the realgit dir is protected as the gitdir of a
    # linked worktree at ws/sub: `ws/sub/.git` -> realgit. The attempt writes realgit/HEAD.
    (lay.ws / "sub" / ".git").write_text(f"gitdir: {lay.ws / 'realgit'}\n")


def command_for(mech: str, attempt: Attempt, ref: Path | None, lay: Layout) -> tuple[list[str], dict[str, str]] | None:
    config = []
    if attempt.policy.startswith("ww"):
        config += ["-c", 'sandbox_mode="workspace-write"']
        if attempt.id == "gitdir-file":
            config += ["-c", f'sandbox_workspace_write.writable_roots=["{lay.ws / "sub"}"]']
    if attempt.policy == "ww-net":
        config += ["-c", "sandbox_workspace_write.network_access=true"]
    inner = [sys.executable, "-I", "-c", PRELUDE + "\n" + attempt.script]
    env: dict[str, str] = {}
    if mech == "reference":
        if ref is None:
            return None
        return [str(ref), "sandbox", *config, "--", *inner], env
    env["PYTHONPATH"] = str(SRC)
    env["CODEX_SANDBOX_MECHANISM"] = "landlock" if mech == "landlock" else "bwrap"
    if mech == "bwrap-helper":
        env["CODEX_SANDBOX_SECCOMP"] = "helper"
    return [sys.executable, "-m", "codex", "sandbox", *config, "--", *inner], env


def run_attempt(attempt: Attempt, mech: str, ref: Path | None = None, timeout: float = 60) -> tuple[str, str]:
    """(verdict, detail)."""
    lay = make_layout(attempt, mech)
    if attempt.id == "gitdir-file":
        _worktree_gitdir(lay)
    listeners = Listeners(lay.base)
    victim = subprocess.Popen(["sleep", "60"])
    try:
        made = command_for(mech, attempt, ref, lay)
        if made is None:
            return "n/a", "reference not available"
        argv, extra = made
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(lay.home),
               "CODEX_HOME": str(lay.codex_home), "LANG": "C.UTF-8",
               "OPENAI_API_KEY": "sk-escape-suite", "ESC_OUTSIDE": str(lay.outside),
               "ESC_ID": lay.base.name, "ESC_PID": str(victim.pid), "ESC_TCP": str(listeners.port),
               "ESC_UNIX": listeners.unix_path, "ESC_ABSTRACT": listeners.abstract, **extra}
        proc = subprocess.run(argv, cwd=lay.ws, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        out = proc.stdout.strip().splitlines()
        last = out[-1] if out else ""
        victim_died = victim.poll() is not None
        if attempt.host_check is not None:
            # The host decides: an operation that only changed the sandbox's private view
            # (a tmpfs of its own, its own mount namespace) is contained, not an escape.
            if attempt.host_check(lay):
                return "ESCAPED", f"host check: {last}"
            if last.startswith("ESCAPED"):
                return "contained", "worked inside, host unaffected"
        if attempt.id == "kill-host" and victim_died:
            return "ESCAPED", f"host process died: {last}"
        if last.startswith("ESCAPED"):
            return "ESCAPED", last
        if last.startswith("BLOCKED"):
            return "blocked", last[len("BLOCKED "):]
        err = proc.stderr.strip()
        if proc.returncode != 0 and ("Refusing to run the command unsandboxed" in err
                                     or "incompatible with --use-legacy-landlock" in err):
            return "refused", err.splitlines()[-1][:120] if err else ""
        return "error", f"exit {proc.returncode}: {err[-200:]}"
    finally:
        victim.kill()
        victim.wait()
        listeners.close()
        for stray in (Path("/etc/codex-escape"), Path(f"/tmp/codex-esc-{lay.base.name}"),
                      Path(f"/dev/shm/codex-esc-{lay.base.name}")):
            try:
                stray.unlink()
            except OSError:
                pass
        shutil.rmtree(lay.base, ignore_errors=True)




# Where the reference (run as root here) escapes and we do not: DEVIATIONS.md material.
STRICTER = {
    "proc-sysctl": "/proc/sys is re-bound read-only over the fresh /proc (as root, uid 0 maps to the "
                   "global root and kernel.hostname of the host's UTS namespace was writable)",
    "proc-sysctl-ro": "same as proc-sysctl, under read-only",
    "net-enabled-vsock": "AF_VSOCK sockets are refused when only the filesystem is restricted "
                         "(upstream's later VmSocketRestricted seccomp mode)",
}


def at_least_as_strict(ours: str, ref: str) -> bool:
    """Ours never escapes where the reference does not, and never errors out where the
    reference blocks cleanly."""
    if ours == "ESCAPED":
        return ref == "ESCAPED"
    return True


def table(mechs=MECHANISMS, attempts=ATTEMPTS) -> list[dict]:
    ref = reference_binary()
    rows = []
    for a in attempts:
        row = {"attempt": a.id, "what": a.what, "policy": a.policy}
        for m in mechs:
            row[m] = run_attempt(a, m, ref)
        rows.append(row)
    return rows


def render(rows, mechs=MECHANISMS) -> str:
    w = max(len(r["attempt"]) for r in rows)
    head = f"{'attempt':<{w}}  {'policy':<6}  " + "  ".join(f"{m:<12}" for m in mechs)
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['attempt']:<{w}}  {r['policy']:<6}  " + "  ".join(f"{r[m][0]:<12}" for m in mechs))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args(argv)
    attempts = [a for a in ATTEMPTS if not args.only or a.id in args.only]
    rows = table(attempts=attempts)
    print(render(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    escapes = [(r["attempt"], m) for r in rows for m in MECHANISMS if m != "reference" and r[m][0] == "ESCAPED"]
    print(f"\n{len(rows)} attempts x {len(MECHANISMS)} columns; escapes of ours: {escapes or 'none'}")
    return 1 if escapes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
