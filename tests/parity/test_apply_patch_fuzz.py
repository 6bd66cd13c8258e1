"""Differential fuzz: our apply_patch against the reference's, on seeded random cases.

Each case (tests/apply_patch/fuzzgen.py) is a file tree, a patch and an invocation (argument,
stdin, extra arguments, empty stdin ...). It runs in two twin directories under
<repo>/.scratch/apply_patch/: the reference's arg0 `apply_patch` (a symlink to the codex binary,
run in parallel threads) and ours (`codex.apply_patch.standalone.main`, in-process, with the
directory as cwd). The resulting trees (bytes, directories included), stdout, stderr (twin
directory replaced by <CWD>) and exit codes must be identical.

    APPLY_PATCH_FUZZ_CASES=5000 APPLY_PATCH_FUZZ_SEED=7 pytest tests/parity/test_apply_patch_fuzz.py

Defaults: 1000 cases, seed 20240136. A disagreement is written to
.scratch/apply_patch/fuzz-failures/<name>.json (case + both outcomes) for triage; once fixed it
belongs in fixtures/apply_patch/cases/ (tests/apply_patch/test_cases.py replays those).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apply_patch import harness  # noqa: E402
from apply_patch.fuzzgen import make_cases  # noqa: E402

DEFAULT_CASES = 1000
DEFAULT_SEED = 20240136


def _count() -> int:
    return int(os.environ.get("APPLY_PATCH_FUZZ_CASES", DEFAULT_CASES))


def _seed() -> int:
    return int(os.environ.get("APPLY_PATCH_FUZZ_SEED", DEFAULT_SEED))


def _run_reference_case(launcher: Path, env: dict, case: dict, cwd: Path) -> dict:
    harness.fresh_dir(cwd)
    harness.materialize(case.get("files", {}), cwd)
    code, out, err = harness.run_reference(
        launcher, harness.case_args(case, cwd), harness.case_stdin(case, cwd), cwd, env)
    return {"exit_code": code, "stdout": harness.normalize(out, cwd), "stderr": harness.normalize(err, cwd),
            "files_after": harness.snapshot(cwd)}


def test_apply_patch_matches_reference_on_random_cases():
    ref = harness.require_reference()
    launcher = harness.reference_launcher(ref)
    root = harness.scratch_root() / f"fuzz-{os.getpid()}"
    cases = make_cases(_seed(), _count())
    failures_dir = harness.scratch_root() / "fuzz-failures"

    try:
        env = harness.reference_env(root)
        with ThreadPoolExecutor(max_workers=min(16, (os.cpu_count() or 2) * 2)) as pool:
            ref_futures = [
                pool.submit(_run_reference_case, launcher, env, case, root / "ref" / str(i))
                for i, case in enumerate(cases)
            ]
            ours = [harness.run_case_ours(case, root / "ours" / str(i)) for i, case in enumerate(cases)]
            refs = [f.result() for f in ref_futures]
    finally:
        shutil.rmtree(root, ignore_errors=True)

    mismatches = []
    for case, mine, theirs in zip(cases, ours, refs):
        if mine != theirs:
            mismatches.append(case["name"])
            failures_dir.mkdir(parents=True, exist_ok=True)
            (failures_dir / f"{case['name']}.json").write_text(
                json.dumps({"case": case, "ours": mine, "reference": theirs}, indent=1, ensure_ascii=False))
    assert not mismatches, (
        f"{len(mismatches)}/{len(cases)} cases differ from the reference (seed {_seed()}): "
        f"{mismatches[:20]}; details in {failures_dir}")
