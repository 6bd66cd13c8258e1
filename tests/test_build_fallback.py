"""A compiled module that cannot build never breaks the install: setup.py warns, the wheel carries
the pure twin, and that twin serves. With CODEX_REQUIRE_EXTENSIONS=1 the same build fails.

Builds a scratch copy of the package whose pyx/model/_sse_c.pyx is broken, with
`pip wheel --no-deps --no-build-isolation` (so it needs Cython and setuptools here)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BREAKAGES = {
    # Cython rejects the source: setup.py's cythonize step fails
    "cython": "\ndef broken(:\n    pass\n",
    # Cython is happy, the C compiler is not: OptionalBuildExt.build_extension fails
    "c": '\ncdef extern from *:\n    """\n    #error deliberately broken C\n    """\n',
}


def _build_tools_missing() -> str | None:
    for module in ("Cython", "setuptools", "pip"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed in this interpreter (needed for a --no-build-isolation build)"
    from importlib.metadata import version  # not `import setuptools`: it patches distutils

    major, minor = (int(x) for x in version("setuptools").split(".")[:2])
    if (major, minor) < (70, 1) and importlib.util.find_spec("wheel") is None:
        return "the wheel package is not installed (setuptools < 70.1 needs it to build wheels)"
    return None


def _scratch_copy(dest: Path, breakage: str) -> Path:
    repo = dest / "repo"
    repo.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(
        ROOT / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "*.egg-info")
    )
    (repo / "pyx" / "model").mkdir(parents=True)
    source = (ROOT / "pyx" / "model" / "_sse_c.pyx").read_text()
    (repo / "pyx" / "model" / "_sse_c.pyx").write_text(source + BREAKAGES[breakage])
    return repo


def _pip_wheel(repo: Path, out: Path, require: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CODEX_NO_EXTENSIONS", "CODEX_REQUIRE_EXTENSIONS")}
    if require:
        env["CODEX_REQUIRE_EXTENSIONS"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v", "-w", str(out), str(repo)],
        capture_output=True, text=True, env=env, timeout=300,
    )


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_broken_compiled_module_falls_back_to_the_pure_twin(tmp_path, breakage):
    missing = _build_tools_missing()
    if missing:
        pytest.skip(missing)
    repo = _scratch_copy(tmp_path, breakage)
    out = tmp_path / "wheels"
    proc = _pip_wheel(repo, out, require=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    expected_warning = {
        "cython": "WARNING: cythonize failed",
        "c": "WARNING: could not build codex.model._sse_c",
    }[breakage]
    assert expected_warning in log
    assert "pure" in log.split(expected_warning, 1)[1].splitlines()[0]  # "... pure twins serve"

    (wheel,) = out.glob("codex_py-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "codex/model/sse_py.py" in names and "codex/model/sse.py" in names
    assert not [n for n in names if "_sse_c" in n]

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import codex, sys; from codex.model import sse; "
        "assert codex.__file__.startswith(sys.argv[1]), codex.__file__; "
        "print(sse.IMPLEMENTATION, [tuple(e) for e in sse.SSEDecoder().feed(b'event: e\\ndata: ok\\n\\n')])"
    )
    env = {k: v for k, v in os.environ.items() if k != "CODEX_NO_EXTENSIONS"}
    env["PYTHONPATH"] = str(site)
    run = subprocess.run(  # -S: no site-packages, so only the built wheel can provide codex
        [sys.executable, "-S", "-c", probe, str(site)], capture_output=True, text=True, env=env, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "pure [('e', 'ok', '', None)]\n"


def test_broken_compiled_module_fails_the_build_when_required(tmp_path):
    missing = _build_tools_missing()
    if missing:
        pytest.skip(missing)
    repo = _scratch_copy(tmp_path, "c")
    proc = _pip_wheel(repo, tmp_path / "wheels", require=True)
    assert proc.returncode != 0
    assert "deliberately broken C" in proc.stdout + proc.stderr
    assert not list((tmp_path / "wheels").glob("*.whl"))
