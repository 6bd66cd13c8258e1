"""Shared helpers for the apply_patch tests: file trees, running ours and the reference.

A *case* is a dict (JSON-friendly, so disagreements can be saved as fixtures):

    {"name": ..., "files": {"rel/path": "<text>" | {"b64": "..."} | {"dir": true}
                            | {"symlink": "target"}},
     "args": ["<patch>"] | [] | [...],   # argv after the program name; "<CWD>" is replaced
     "stdin": null | "<text>" | {"b64": "..."},
     # expected (the reference's), after replacing the work dir by <CWD>:
     "exit_code": 0, "stdout": "...", "stderr": "...", "files_after": {...same encoding...}}

`run_ours` calls `codex.apply_patch.standalone.main` in-process (cwd changed, stdio swapped);
`run_reference` runs the reference's arg0 `apply_patch` (a symlink to the codex binary).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "apply_patch"
PLACEHOLDER = "<CWD>"
SKIP_REASON = "reference codex binary not installed (run scripts/test.sh)"


# -- the reference binary -------------------------------------------------------------------


def reference_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("CODEX_REQUIRE_REFERENCE", "") == "1"


def find_reference_binary() -> Path | None:
    """The reference codex binary, via tests/parity/reference.py when it is there (which may
    install it with npm, see there), else $CODEX_REF or <repo>/.reference/...; None when it
    cannot be had."""
    try:
        from parity.reference import ReferenceUnavailable, find_reference
    except Exception:  # noqa: BLE001 - the helper is optional
        find_reference = None
    if find_reference is not None:
        try:
            return Path(find_reference())
        except ReferenceUnavailable:
            return None
        except Exception:  # noqa: BLE001
            pass
    env = os.environ.get("CODEX_REF")
    candidates = [Path(env)] if env else []
    candidates.append(REPO / ".reference/node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/bin/codex")
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


def require_reference() -> Path:
    """The binary, or skip (fail under CI=true / CODEX_REQUIRE_REFERENCE=1)."""
    import pytest

    ref = find_reference_binary()
    if ref is None:
        if reference_required():
            pytest.fail(SKIP_REASON + " (required: CI=true or CODEX_REQUIRE_REFERENCE=1)", pytrace=False)
        pytest.skip(SKIP_REASON)
    return ref


def scratch_root() -> Path:
    """<repo>/.scratch/apply_patch (git-ignored; not under /tmp, where codex refuses helpers)."""
    root = REPO / ".scratch" / "apply_patch"
    root.mkdir(parents=True, exist_ok=True)
    return root


def reference_launcher(ref: Path) -> Path:
    """A symlink named `apply_patch` to the reference binary (arg0 dispatch)."""
    bindir = scratch_root() / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    link = bindir / "apply_patch"
    if not (link.is_symlink() and os.readlink(link) == str(ref)):
        tmp = bindir / f".apply_patch.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(ref, tmp)
        os.replace(tmp, link)
    return link


def reference_env(root: Path) -> dict[str, str]:
    home = root / "home"
    codex_home = root / "codex_home"
    home.mkdir(parents=True, exist_ok=True)
    codex_home.mkdir(parents=True, exist_ok=True)
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "CODEX_HOME": str(codex_home),
            "LANG": "C.UTF-8", "NO_COLOR": "1"}


# -- file trees -----------------------------------------------------------------------------


def encode_bytes(data: bytes):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {"b64": base64.b64encode(data).decode("ascii")}
    return text


def decode_bytes(value) -> bytes:
    if isinstance(value, dict):
        return base64.b64decode(value["b64"])
    return value.encode("utf-8")


def materialize(files: dict, root: Path) -> None:
    """Create `files` (the case encoding) under `root` (which must exist)."""
    for rel, value in files.items():
        p = root / rel
        if isinstance(value, dict) and value.get("dir"):
            p.mkdir(parents=True, exist_ok=True)
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(value, dict) and "symlink" in value:
            os.symlink(value["symlink"], p)
            continue
        p.write_bytes(decode_bytes(value))
        if isinstance(value, dict) and value.get("mode"):
            p.chmod(value["mode"])


def snapshot(root: Path) -> dict:
    """Everything under `root` in the case encoding (directories included, as upstream's
    scenario runner does; symlinks as their target)."""
    out: dict = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = {"symlink": os.readlink(p)}
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = {"dir": True}
            else:
                out[rel] = encode_bytes(p.read_bytes())
    return dict(sorted(out.items()))


def fresh_dir(path: Path) -> Path:
    if path.exists() or path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def substitute(value: str, cwd: Path) -> str:
    return value.replace(PLACEHOLDER, str(cwd))


def normalize(text: str, cwd: Path) -> str:
    return text.replace(str(cwd), PLACEHOLDER)


def case_args(case: dict, cwd: Path) -> list[str]:
    return [substitute(a, cwd) for a in case.get("args", [])]


def case_stdin(case: dict, cwd: Path) -> bytes | None:
    s = case.get("stdin")
    if s is None:
        return None
    if isinstance(s, dict):
        return base64.b64decode(s["b64"])
    return substitute(s, cwd).encode("utf-8")


# -- running --------------------------------------------------------------------------------


class _Std:
    """A text stream over a BytesIO, like sys.stdout (has .buffer)."""

    def __init__(self, data: bytes = b"") -> None:
        self.buffer = io.BytesIO(data)

    def write(self, s: str) -> int:
        self.buffer.write(s.encode("utf-8", "surrogateescape"))
        return len(s)

    def flush(self) -> None:
        pass

    def read(self) -> str:
        return self.buffer.read().decode("utf-8")


def run_ours(args: list[str], stdin: bytes | None, cwd: Path) -> tuple[int, str, str]:
    """`standalone.main(args)` in-process with cwd = `cwd`; returns (code, stdout, stderr)."""
    from codex.apply_patch.standalone import main

    saved = (sys.stdin, sys.stdout, sys.stderr, os.getcwd())
    out, err = _Std(), _Std()
    sys.stdin = _Std(stdin or b"")
    sys.stdout, sys.stderr = out, err
    try:
        os.chdir(cwd)
        code = main(list(args))
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved[:3]
        os.chdir(saved[3])
    return code, out.buffer.getvalue().decode("utf-8", "replace"), err.buffer.getvalue().decode("utf-8", "replace")


def run_reference(launcher: Path, args: list[str], stdin: bytes | None, cwd: Path, env: dict) -> tuple[int, str, str]:
    proc = subprocess.run(
        [str(launcher), *args], cwd=cwd, env=env, input=stdin if stdin is not None else b"",
        capture_output=True, timeout=60,
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def run_case_ours(case: dict, cwd: Path) -> dict:
    """Materialize `case` in `cwd` (made fresh), run ours, return the normalized outcome."""
    fresh_dir(cwd)
    materialize(case.get("files", {}), cwd)
    code, out, err = run_ours(case_args(case, cwd), case_stdin(case, cwd), cwd)
    return {"exit_code": code, "stdout": normalize(out, cwd), "stderr": normalize(err, cwd),
            "files_after": snapshot(cwd)}


def outcome_of(case: dict) -> dict:
    return {k: case[k] for k in ("exit_code", "stdout", "stderr", "files_after")}
