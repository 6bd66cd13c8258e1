"""Build script: the pure package plus optional compiled twins (Cython in pyx/, C in csrc/).

A compiled module that cannot build is skipped with a warning: its pure-Python twin serves
instead. Set CODEX_REQUIRE_EXTENSIONS=1 (cibuildwheel does) to make such a failure fatal, so
that published wheels always carry the compiled modules.
"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# (module name, sources). Each module has a pure twin named in codex/_ext.py's convention.
CYTHON_MODULES = [
    ("codex.model._sse_c", ["pyx/model/_sse_c.pyx"]),
    ("codex.model._chunked_c", ["pyx/model/_chunked_c.pyx"]),
    ("codex.apply_patch._seek_c", ["pyx/apply_patch/_seek_c.pyx"]),
    ("codex.file_search._match_c", ["pyx/file_search/_match_c.pyx"]),
    ("codex.process._spawn_c", ["pyx/process/_spawn_c.pyx"]),
]

REQUIRE = os.environ.get("CODEX_REQUIRE_EXTENSIONS", "") not in ("", "0")
SKIP = os.environ.get("CODEX_NO_EXTENSIONS", "") not in ("", "0") and not REQUIRE


def warn(msg: str) -> None:
    sys.stderr.write(f"WARNING: {msg}\n")


def extensions() -> list[Extension]:
    if SKIP:
        warn("CODEX_NO_EXTENSIONS is set: building the pure-Python package only")
        return []
    mods = [Extension(name, sources) for name, sources in CYTHON_MODULES if all(os.path.exists(s) for s in sources)]
    try:
        from Cython.Build import cythonize
    except ImportError:
        if REQUIRE:
            raise
        warn("Cython is not available: the compiled modules are skipped, pure twins serve")
        return cffi_extensions()
    built = []
    for ext in mods:  # one at a time: a broken .pyx costs only its own module
        try:
            built += cythonize([ext], language_level=3, compiler_directives={"binding": False})
        except Exception as exc:  # noqa: BLE001 - any Cython failure must not break the install
            if REQUIRE:
                raise
            warn(f"cythonize failed for {ext.name} ({exc}): its pure-Python twin serves")
    return built + cffi_extensions()


def cffi_extensions() -> list[Extension]:
    """C modules built through cffi's API mode (csrc/): the sandbox installer. No pure twin:
    without it sandboxed execution fails closed (needs cffi and libseccomp-dev to build)."""
    builder_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "csrc", "sandbox")
    if not sys.platform.startswith("linux") or not os.path.exists(os.path.join(builder_dir, "build_sandbox.py")):
        return []
    try:
        sys.path.insert(0, builder_dir)
        from build_sandbox import ffibuilder

        return [ffibuilder.distutils_extension(tmpdir="build/cffi")]
    except Exception as exc:  # noqa: BLE001 - e.g. cffi missing: warn, sandboxing fails closed
        if REQUIRE:
            raise
        warn(f"cannot prepare the sandbox C module ({exc}): sandboxed execution will fail closed")
        return []


class OptionalBuildExt(build_ext):
    """build_ext that warns and goes on when one extension fails to compile."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001
            if REQUIRE:
                raise
            warn(f"building the compiled modules failed ({exc}): pure twins serve")

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            if REQUIRE:
                raise
            warn(f"could not build {ext.name} ({exc}): its pure-Python twin serves")


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
