"""Shared helpers of the sandbox tests: what can run in this container, and how to run ours."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Where the `codex` package this process imports lives (<repo>/src, or site-packages for an
# installed copy with its compiled modules): the child processes must run the same code.
SRC = Path(importlib.util.find_spec("codex").origin).resolve().parents[1]


def native_reason() -> str | None:
    try:
        from codex.sandbox import native

        native.load()
    except Exception as exc:  # noqa: BLE001
        return f"the sandbox C module is not built: {exc}"
    return None


def bwrap_reason() -> str | None:
    r = native_reason()
    if r:
        return r
    from codex.sandbox import linux

    ok, why = linux.bwrap_usable()
    if not ok:
        return why
    probe = subprocess.run([linux.find_bwrap(), "--ro-bind", "/", "/", "--unshare-user", "--unshare-pid",
                            "--unshare-net", "--proc", "/proc", "--dev", "/dev", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bwrap cannot create its namespaces here: {probe.stderr.strip()}"
    return None


def landlock_reason() -> str | None:
    r = native_reason()
    if r:
        return r
    from codex.sandbox import native

    if native.landlock_abi() < 1:
        return "Landlock is not available in this kernel (landlock_create_ruleset VERSION failed)"
    return None


def run_ours(args, *, cwd, env_extra=None, timeout=60, argv0=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC)
    env.update(env_extra or {})
    if argv0 == "codex-linux-sandbox":
        cmd = [sys.executable, "-c", "import sys; from codex.cli.arg0 import run_linux_sandbox; "
               "sys.exit(run_linux_sandbox(sys.argv[1:]))", *args]
    else:
        cmd = [sys.executable, "-m", "codex", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def workdir(tmp_path_factory):
    # Not under /tmp: /tmp is itself a writable root of workspace-write.
    base = Path(os.environ.get("CODEX_SBX_SCRATCH", "/var/tmp/codex-sbx-tests"))
    base.mkdir(parents=True, exist_ok=True)
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="ws-", dir=base))
    yield d
    import shutil

    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def codex_home(workdir):
    """An existing CODEX_HOME beside the workspace (not inside it: tests list the workspace)."""
    home = workdir.parent / (workdir.name + "-home")
    home.mkdir()
    yield home
    import shutil

    shutil.rmtree(home, ignore_errors=True)
