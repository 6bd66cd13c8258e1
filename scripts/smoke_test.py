"""Smoke test of an installed wheel (cibuildwheel's test step): the program answers and the
compiled modules that the wheel must carry are the ones in use."""

import importlib
import subprocess
import sys

COMPILED = [
    "codex.model._sse_c",
    "codex.apply_patch._seek_c",
    "codex.file_search._match_c",
    "codex.process._spawn_c",
]
if sys.platform.startswith("linux"):
    COMPILED.append("codex.sandbox._sandbox_c")  # C or nothing: sandboxing fails closed without it


def main() -> int:
    out = subprocess.run(
        [sys.executable, "-m", "codex", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out == "codex-cli 0.136.0\n", repr(out)
    for name in COMPILED:
        importlib.import_module(name)
    from codex.apply_patch import seek_sequence
    from codex.model import sse

    for facade in (sse, seek_sequence):
        assert facade.IMPLEMENTATION == "compiled", (facade.__name__, facade.IMPLEMENTATION)
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
