"""Start-up cost of the CLI: ours vs the reference Codex 0.136.0.

    python benchmarks/bench_cli.py [--runs N] [--warmup W] [--json PATH]

Cases and target ratios (ours/ref median wall time; reported, never asserted):
    codex --version      <= 2.0
    codex exec --help    <= 4.0
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Case, main  # noqa: E402

CASES = [
    Case("codex --version", ["--version"], target=2.0),
    Case("codex exec --help", ["exec", "--help"], target=4.0),
]

if __name__ == "__main__":
    main(CASES, description=__doc__)
    sys.exit(0)
