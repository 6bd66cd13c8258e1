"""Start-up stays cheap: the `--version` and `--help` paths import none of the heavy libraries."""

import json
import subprocess
import sys

import pytest

HEAVY = ("httpx", "prompt_toolkit", "rich", "mcp", "pygit2", "tree_sitter")

PROBE = """
import json, sys
from codex.cli import main
argv = json.loads(sys.argv[1])
try:
    code = main(["codex", *argv])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy})
sys.stderr.write("\\nHEAVY=" + json.dumps(heavy) + "\\n")
"""


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["-V"], ["--help"], ["-h"], ["exec", "--help"], ["app-server", "--help"], ["mcp", "-h"]],
)
def test_help_and_version_import_nothing_heavy(argv):
    code = PROBE.replace("{heavy}", repr(set(HEAVY)))
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(argv)], capture_output=True, text=True, timeout=60
    )
    assert proc.stdout, proc.stderr
    heavy_line = [line for line in proc.stderr.splitlines() if line.startswith("HEAVY=")]
    assert heavy_line, proc.stderr
    assert json.loads(heavy_line[-1][len("HEAVY="):]) == []


def test_version_does_not_import_click():
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.replace("{heavy}", "{'click'}"), json.dumps(["--version"])],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.stdout == "codex-cli 0.136.0\n"
    assert proc.stderr.strip().endswith("HEAVY=[]")
