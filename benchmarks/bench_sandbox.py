"""`codex sandbox -- true` end to end: ours vs the reference Codex 0.136.0.

    python benchmarks/bench_sandbox.py [--runs N] [--warmup W] [--json PATH]

Cases and target ratios (ours/ref median wall time; reported, never asserted):
    codex sandbox -- true                                     <= 0.3
    codex sandbox -c sandbox_mode="workspace-write" -- true   <= 0.3
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Case, main  # noqa: E402

CASES = [
    Case("codex sandbox -- true", ["sandbox", "--", "true"], target=0.3),
    Case("codex sandbox (workspace-write) -- true",
         ["sandbox", "-c", 'sandbox_mode="workspace-write"', "--", "true"], target=0.3),
]

if __name__ == "__main__":
    main(CASES, description=__doc__)
    sys.exit(0)
