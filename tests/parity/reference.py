"""Locate (or install) the reference Codex 0.136.0 and run it, or ours, in a throwaway sandbox.

    ref = find_reference()                     # Path, or raises ReferenceUnavailable(reason)
    with MockResponses([sse(text_stream("hi"))]) as mock, RefEnv(mock) as env:
        code, out, err = env.run(["exec", "--json", "--skip-git-repo-check", "Say hello."])
        code, out, err = env.run([...], which="ours")

The reference
  * ``CODEX_REF=/path/to/codex`` wins; otherwise ``<repo>/.reference/node_modules/@openai/codex/
    vendor/<triple>/bin/codex``; when that is missing it is installed once with
    ``npm install --prefix <repo>/.reference @openai/codex@0.136.0-<platform>`` under a file lock
    (parallel workers wait for one install). ``CODEX_REF_NO_INSTALL=1`` turns the install off.
  * Its ``--version`` must print ``codex-cli 0.136.0``.
  * When it cannot be had, tests that need it are skipped with the reason, except under
    ``CI=true`` or ``CODEX_REQUIRE_REFERENCE=1``, where that is a failure (see conftest.py).

The sandbox (`RefEnv`)
  * A fresh directory under ``/var/tmp/codex-parity/`` (see `scratch_parent`; never under $TMPDIR
    or /tmp, where codex refuses to create its helper links, nor inside a git work tree such as
    this repo, which codex would walk up into; ``CODEX_PARITY_SCRATCH`` overrides) holding ``home/``,
    ``codex_home/`` (or ``home/.codex`` with ``codex_home_in_home=True``, the exec captures'
    layout) and ``cwd/``. Removed on close unless ``CODEX_PARITY_KEEP=1``.
  * ``codex_home/config.toml`` as in the captures: ``model_provider = "mock"``, ``model =
    "gpt-5.5"``, ``[features] plugins = false``, ``[otel] metrics_exporter = "none"`` and a
    ``[model_providers.mock]`` pointing at the mock (or at a closed loopback port when there is
    no mock), so neither binary reaches for the network.
  * Commands get a clean environment: PATH, HOME, CODEX_HOME, LANG=C.UTF-8, USER, NO_COLOR=1,
    MOCK_API_KEY; nothing else from the caller's environment (no OPENAI_*, no proxies), plus what
    the test passes. stdin is /dev/null unless given. A timeout kills the process group.
"""
from __future__ import annotations

import fcntl
import glob
import importlib.util
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
REF_VERSION = "0.136.0"
REF_PREFIX = REPO_ROOT / ".reference"
NPM_PACKAGE = "@openai/codex"

# platform.system(), platform.machine() -> (npm dist-tag suffix, vendor triple)
_PLATFORMS = {
    ("Linux", "x86_64"): ("linux-x64", "x86_64-unknown-linux-musl"),
    ("Linux", "aarch64"): ("linux-arm64", "aarch64-unknown-linux-musl"),
    ("Darwin", "arm64"): ("darwin-arm64", "aarch64-apple-darwin"),
    ("Darwin", "x86_64"): ("darwin-x64", "x86_64-apple-darwin"),
}

INSTALL_TIMEOUT_S = 900
DEFAULT_TIMEOUT_S = 60.0
MOCK_API_KEY = "sk-mock-key"
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
# Passed on to OUR codex only (they select how our package runs, not what it does).
OURS_PASSTHROUGH = ("CODEX_NO_EXTENSIONS", "CODEX_EXPECT_COMPILED", "COVERAGE_PROCESS_START")


class ReferenceUnavailable(RuntimeError):
    """The reference binary cannot be found or installed; str(exc) says why."""


def reference_required() -> bool:
    """True when a missing reference must fail the run instead of skipping (CI)."""
    return (os.environ.get("CI", "").lower() == "true"
            or os.environ.get("CODEX_REQUIRE_REFERENCE", "") == "1")


def npm_spec() -> str:
    plat = _PLATFORMS.get((platform.system(), platform.machine()))
    if plat is None:
        raise ReferenceUnavailable(
            f"no prebuilt reference Codex for {platform.system()}/{platform.machine()}; set CODEX_REF")
    return f"{NPM_PACKAGE}@{REF_VERSION}-{plat[0]}"


def _installed_binary(prefix: Path = REF_PREFIX) -> Path | None:
    plat = _PLATFORMS.get((platform.system(), platform.machine()))
    vendor = prefix / "node_modules" / "@openai" / "codex" / "vendor"
    if plat is not None:
        p = vendor / plat[1] / "bin" / "codex"
        if p.is_file():
            return p
    hits = sorted(glob.glob(str(vendor / "*" / "bin" / "codex")))
    return Path(hits[0]) if hits else None


def _check_version(binary: Path) -> None:
    if not os.access(binary, os.X_OK):
        raise ReferenceUnavailable(f"reference {binary} is not executable")
    # A throwaway HOME/CODEX_HOME: the reference creates CODEX_HOME (and its arg0 links) on start.
    home = Path(tempfile.mkdtemp(prefix="codex-ref-version-", dir=scratch_parent()))
    try:
        proc = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL,
                              env={"PATH": BASE_PATH, "HOME": str(home), "CODEX_HOME": str(home / ".codex")})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReferenceUnavailable(f"reference {binary} does not run: {exc}") from exc
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if proc.stdout.strip() != f"codex-cli {REF_VERSION}":
        raise ReferenceUnavailable(f"reference {binary} --version printed {proc.stdout.strip()!r} "
                                   f"(exit {proc.returncode}), expected 'codex-cli {REF_VERSION}'")


def _npm_install(prefix: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise ReferenceUnavailable(
            f"reference Codex {REF_VERSION} is not installed in {prefix} and npm is not on PATH "
            f"(install Node.js/npm, or set CODEX_REF to a codex {REF_VERSION} binary)")
    spec = npm_spec()
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)         # parallel workers: one installs, the others wait
        try:
            found = _installed_binary(prefix)
            if found is not None:
                return found
            cmd = [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(prefix), spec]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S,
                                      stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise ReferenceUnavailable(f"`{shlex.join(cmd)}` timed out after {INSTALL_TIMEOUT_S}s")
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip()[-800:]
                raise ReferenceUnavailable(f"`{shlex.join(cmd)}` failed (exit {proc.returncode}): {tail}")
            found = _installed_binary(prefix)
            if found is None:
                raise ReferenceUnavailable(f"`{shlex.join(cmd)}` succeeded but no vendor/*/bin/codex appeared")
            return found
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_cache: dict[str, Any] = {}


def find_reference(install: bool | None = None) -> Path:
    """The reference binary (cached per process). Raises ReferenceUnavailable with the reason."""
    if "path" in _cache:
        return _cache["path"]
    if "error" in _cache:
        raise ReferenceUnavailable(_cache["error"])
    try:
        env = os.environ.get("CODEX_REF")
        if env:
            path = Path(env).expanduser().resolve()
            if not path.is_file():
                raise ReferenceUnavailable(f"CODEX_REF={env} does not exist")
        else:
            if install is None:
                install = os.environ.get("CODEX_REF_NO_INSTALL", "") != "1"
            path = _installed_binary()
            if path is None:
                if not install:
                    raise ReferenceUnavailable(
                        f"reference Codex {REF_VERSION} is not installed in {REF_PREFIX} "
                        f"(CODEX_REF_NO_INSTALL=1; run `npm install --prefix .reference {npm_spec()}`)")
                path = _npm_install(REF_PREFIX)
        _check_version(path)
    except ReferenceUnavailable as exc:
        _cache["error"] = str(exc)
        raise
    _cache["path"] = path
    return path


def ours_command() -> list[str]:
    """How to run our codex: ``CODEX_OURS`` (a shell-quoted command) or ``python -m codex``."""
    env = os.environ.get("CODEX_OURS")
    if env:
        return shlex.split(env)
    return [sys.executable, "-m", "codex"]


def _ours_pythonpath() -> str | None:
    """The directory our `codex` package is imported from in this process (e.g. <repo>/src), so
    the child runs the same code; None when it is an installed (site-packages) copy."""
    try:
        spec = importlib.util.find_spec("codex")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        parent = Path(spec.origin).resolve().parent.parent
    else:
        parent = REPO_ROOT / "src"
        if not (parent / "codex").is_dir():
            return None
    if parent.name in ("site-packages", "dist-packages"):
        return None
    return str(parent)


def _under(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def _temp_roots() -> list[Path]:
    roots = {Path(tempfile.gettempdir()), Path("/tmp")}
    if os.environ.get("TMPDIR"):
        roots.add(Path(os.environ["TMPDIR"]))
    return [r for r in roots if r.exists()]


def _in_git_tree(path: Path) -> bool:
    for p in [path.resolve(), *path.resolve().parents]:
        if (p / ".git").exists():
            return True
    return False


def scratch_parent() -> Path:
    """Where sandboxes go: CODEX_PARITY_SCRATCH, else the first of /var/tmp/codex-parity,
    <repo>/.scratch, ~/.cache/codex-parity that is neither inside the temp dir (codex refuses to
    make its helper links there) nor inside a git work tree (codex would walk up into it: the
    repo would become the workspace root, its AGENTS.md would be read, the git check would pass)."""
    env = os.environ.get("CODEX_PARITY_SCRATCH")
    if env:
        Path(env).mkdir(parents=True, exist_ok=True)
        return Path(env)
    temps = _temp_roots()
    for c in (Path("/var/tmp/codex-parity"), REPO_ROOT / ".scratch", Path.home() / ".cache" / "codex-parity"):
        if any(_under(c, t) for t in temps) or _in_git_tree(c):
            continue
        try:
            c.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(c, os.W_OK):
            return c
    raise RuntimeError("no scratch directory outside the temp dir and outside git work trees; "
                       "set CODEX_PARITY_SCRATCH")


CONFIG_TEMPLATE = """\
{top}model_provider = "mock"
model = "{model}"

[features]
# Prevents the startup plugin-marketplace sync (`git ls-remote https://github.com/openai/plugins HEAD`).
plugins = false

[otel]
# Default metrics exporter is Statsig (https://ab.chatgpt.com/otlp/v1/metrics); keep everything on loopback.
metrics_exporter = "none"

[model_providers.mock]
name = "mock"
base_url = "{base_url}"
wire_api = "responses"
env_key = "MOCK_API_KEY"
{provider_extra}{extra}"""

# A loopback port nothing listens on: a stray request fails fast instead of hanging.
CLOSED_BASE_URL = "http://127.0.0.1:9/v1"


class RunTimeout(AssertionError):
    def __init__(self, argv: Sequence[str], timeout: float, stdout: str, stderr: str):
        self.argv, self.timeout, self.stdout, self.stderr = list(argv), timeout, stdout, stderr
        super().__init__(f"{shlex.join(argv)} timed out after {timeout}s\n"
                         f"--- stdout (tail)\n{stdout[-2000:]}\n--- stderr (tail)\n{stderr[-2000:]}")


@dataclass
class RunResult:
    exit_code: int
    stdout: str
    stderr: str
    argv: list[str] = field(default_factory=list)
    which: str = ""
    duration: float = 0.0
    stdout_bytes: bytes = b""

    def __iter__(self) -> Iterator[Any]:          # code, out, err = env.run(...)
        return iter((self.exit_code, self.stdout, self.stderr))

    def jsonl(self) -> list[Any]:
        """stdout parsed as JSON lines (blank lines skipped)."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def describe(self) -> str:
        return (f"[{self.which}] {shlex.join(self.argv)} -> exit {self.exit_code} in {self.duration:.2f}s\n"
                f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}")


class RefEnv:
    """A throwaway HOME / CODEX_HOME / cwd with a config.toml, that runs ours or the reference."""

    def __init__(self, mock: Any = None, *, base_url: str | None = None, model: str = "gpt-5.5",
                 config_top: str = "", provider_extra: str = "", config_extra: str = "",
                 codex_home_in_home: bool = False, tag: str = "parity", parent: str | os.PathLike | None = None,
                 keep: bool | None = None, write_config: bool = True):
        self.mock = mock
        self.base_url = base_url or (mock.base_url if mock is not None else CLOSED_BASE_URL)
        self.root = Path(tempfile.mkdtemp(prefix=f"{tag}-", dir=str(parent or scratch_parent())))
        self.home = self.root / "home"
        self.codex_home = self.home / ".codex" if codex_home_in_home else self.root / "codex_home"
        self.cwd = self.root / "cwd"
        for d in (self.home, self.codex_home, self.cwd):
            d.mkdir(parents=True, exist_ok=True)
        self.keep = os.environ.get("CODEX_PARITY_KEEP") == "1" if keep is None else keep
        self.model = model
        self.config_top, self.provider_extra, self.config_extra = config_top, provider_extra, config_extra
        if write_config:
            self.write_config()

    # -- files

    @property
    def config_path(self) -> Path:
        return self.codex_home / "config.toml"

    def config_text(self) -> str:
        def block(s: str) -> str:
            return s.rstrip("\n") + "\n" if s.strip() else ""
        extra = block(self.config_extra)
        return CONFIG_TEMPLATE.format(top=block(self.config_top), model=self.model, base_url=self.base_url,
                                      provider_extra=block(self.provider_extra),
                                      extra=("\n" + extra) if extra else "")

    def write_config(self, text: str | None = None) -> Path:
        self.config_path.write_text(self.config_text() if text is None else text)
        return self.config_path

    def write(self, rel: str, content: str | bytes, base: str = "cwd") -> Path:
        """Write a file under cwd (or home / codex_home / root)."""
        p = getattr(self, base) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content) if isinstance(content, bytes) else p.write_text(content)
        return p

    def init_git(self, files: Mapping[str, str] | None = None) -> str:
        """Make cwd a git repo with one commit (fixed author and date, as in the exec captures:
        with no files it holds README.md and the commit is 529e2b9f...). Returns the commit id."""
        files = dict(files or {"README.md": "# scratch workspace\n"})
        for rel, content in files.items():
            self.write(rel, content)
        genv = {"PATH": BASE_PATH, "HOME": str(self.home), "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_AUTHOR_NAME": "Ref Capture", "GIT_AUTHOR_EMAIL": "ref@example.invalid",
                "GIT_COMMITTER_NAME": "Ref Capture", "GIT_COMMITTER_EMAIL": "ref@example.invalid",
                "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z"}
        for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                    ["git", "commit", "-q", "-m", "initial"]):
            subprocess.run(cmd, cwd=self.cwd, env=genv, check=True, capture_output=True, timeout=30)
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.cwd, env=genv, check=True,
                              capture_output=True, text=True, timeout=30).stdout.strip()

    def files(self, base: str = "codex_home") -> list[str]:
        """Relative paths of the files under a sandbox dir, sorted."""
        root = getattr(self, base)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    # -- running

    def command(self, which: str = "reference") -> list[str]:
        if which == "reference":
            return [str(find_reference())]
        if which == "ours":
            return ours_command()
        raise ValueError(f"which must be 'ours' or 'reference', not {which!r}")

    def env(self, which: str = "reference", extra: Mapping[str, str] | None = None) -> dict[str, str]:
        path = BASE_PATH
        if which == "reference":
            codex_path = find_reference().parent.parent / "codex-path"   # the npm launcher adds it (rg)
            if codex_path.is_dir():
                path = f"{codex_path}:{path}"
        env = {"PATH": path, "HOME": str(self.home), "CODEX_HOME": str(self.codex_home),
               "LANG": "C.UTF-8", "USER": os.environ.get("USER") or "root", "NO_COLOR": "1",
               "MOCK_API_KEY": MOCK_API_KEY}
        if which == "ours":
            pp = _ours_pythonpath()
            if pp:
                env["PYTHONPATH"] = pp
            for k in OURS_PASSTHROUGH:
                if k in os.environ:
                    env[k] = os.environ[k]
        if extra:
            env.update(extra)
        return env

    def run(self, args: Sequence[str], *, which: str = "reference", stdin: str | bytes | None = None,
            timeout: float = DEFAULT_TIMEOUT_S, env: Mapping[str, str] | None = None,
            cwd: str | os.PathLike | None = None) -> RunResult:
        """Run ``codex <args>`` (ours or the reference) in the sandbox; returns RunResult (unpacks
        to code, out, err). Raises RunTimeout (an AssertionError) after killing the process group."""
        return self.run_argv([*self.command(which), *map(str, args)], which=which, stdin=stdin,
                             timeout=timeout, env=env, cwd=cwd)

    def run_argv(self, argv: Sequence[str], *, which: str = "ours", stdin: str | bytes | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, env: Mapping[str, str] | None = None,
                 cwd: str | os.PathLike | None = None) -> RunResult:
        """Run any command with the sandbox environment of `which` (see `env`)."""
        argv = [str(a) for a in argv]
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=str(cwd or self.cwd), env=self.env(which, env),
                                stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(data, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            try:
                out, err = proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:     # a grandchild in its own session holds the pipes
                out, err = b"", b""
                for f in (proc.stdout, proc.stderr):
                    f and f.close()
            raise RunTimeout(argv, timeout, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
        finally:
            _kill_group(proc, leader_too=proc.poll() is None)   # no stragglers outlive the run
            proc.wait()
        return RunResult(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                         argv, which, time.perf_counter() - t0, out)

    # -- comparing

    def normalizer(self, **kw: Any):
        """A Normalizer for this sandbox's paths and the mock's port (see normalize.py)."""
        from .normalize import Normalizer
        from urllib.parse import urlsplit
        port = urlsplit(self.base_url).port
        return Normalizer.for_sandbox(self, ports=[port] if port else [], **kw)

    # -- lifecycle

    def close(self) -> None:
        if self.keep:
            sys.stderr.write(f"[parity] kept sandbox {self.root}\n")
            return
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "RefEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _kill_group(proc: subprocess.Popen, leader_too: bool = True) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        if leader_too and proc.poll() is None:
            proc.kill()


@contextmanager
def sandbox(mock: Any = None, **kw: Any) -> Iterator[RefEnv]:
    env = RefEnv(mock, **kw)
    try:
        yield env
    finally:
        env.close()
