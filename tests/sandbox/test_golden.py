"""`codex sandbox` against the reference's captured outputs (fixtures/sandbox/manifest.json):
exit code, stdout and stderr byte for byte."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.conftest import bwrap_reason, run_ours

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sandbox"
CASES = json.loads((FIXTURES / "manifest.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=lambda c: " ".join(c["argv"][1:]))
def test_matches_reference_capture(case, workdir):
    if "--" in case["argv"] and bwrap_reason():
        pytest.skip(bwrap_reason())
    home = workdir.parent / (workdir.name + "-home")
    home.mkdir()
    (home / "config.toml").write_text('[features]\nplugins = false\n\n[otel]\nmetrics_exporter = "none"\n')
    try:
        r = run_ours(case["argv"][1:], cwd=workdir, env_extra={"CODEX_HOME": str(home)})
    finally:
        import shutil

        shutil.rmtree(home, ignore_errors=True)
    expected_out = (FIXTURES / case["stdout_file"]).read_text()
    assert (r.returncode, r.stdout, r.stderr) == (case["exit_code"], expected_out, case["stderr"])
