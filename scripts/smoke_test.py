"""Smoke test of an installed wheel (cibuildwheel's test step): the program answers and the
compiled modules that the wheel must carry are the ones in use."""

import importlib
import subprocess
import sys

COMPILED = ["codex.model._sse_c"]


def main() -> int:
    out = subprocess.run(
        [sys.executable, "-m", "codex", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out == "codex-cli 0.136.0\n", repr(out)
    for name in COMPILED:
        importlib.import_module(name)
    from codex.model import sse

    assert sse.IMPLEMENTATION == "compiled", sse.IMPLEMENTATION
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
