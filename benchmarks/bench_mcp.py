"""`codex mcp list` end to end, ours vs the reference Codex 0.136.0 (harness.py: median wall time
in the same sandbox, whose config.toml has no MCP servers).

    python benchmarks/bench_mcp.py [--runs N] [--warmup W] [--json PATH]

    codex mcp list            target ours/ref <= 4.0
    codex mcp list --json     target ours/ref <= 4.0
Targets are reported, never asserted.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))  # ours = this checkout (passed on as PYTHONPATH)

from harness import Case, main  # noqa: E402

CASES = [
    Case("codex mcp list", ["mcp", "list"], target=4.0),
    Case("codex mcp list --json", ["mcp", "list", "--json"], target=4.0),
]

if __name__ == "__main__":
    main(CASES, argv=sys.argv[1:], description=__doc__)
    sys.exit(0)
