"""The CLI surface, differential and live: every help page, `--version`, every clap usage error
and every bad `-c` override of the captures, run through the reference binary and ours on the
same argv, must give the same stdout, stderr and exit code.

The fixtures (fixtures/cli/) pin what the reference printed when they were captured; this test
re-asks the reference itself, so a stale fixture cannot hide a difference.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from .reference import RefEnv

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cli"


def _cases() -> list[tuple[str, list[str]]]:
    cases: dict[tuple[str, ...], None] = {}
    for entry in json.loads((FIXTURES / "manifest.json").read_text()):
        argv = entry["argv"]
        if argv[0] != "codex" or argv[1:3] == ["sandbox", "linux"]:
            continue  # arg0 tools are tested in tests/test_arg0.py; `sandbox linux` runs `linux`
        cases[tuple(argv[1:])] = None
    for probe in json.loads((FIXTURES / "probes.json").read_text()):
        # `clap` probes end in clap (help, version, usage error); `config` probes in a bad -c.
        if probe["argv0"] == "codex" and probe["kind"] in ("clap", "config"):
            cases[tuple(probe["args"])] = None
    return [(" ".join(args) or "(none)", list(args)) for args in cases]


CASES = _cases()


@pytest.fixture(scope="module")
def ref_env():
    with RefEnv() as env:
        yield env


def _ours(args: list[str]) -> tuple[int, str, str]:
    from codex.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["codex", *args])
        except SystemExit as exc:  # pragma: no cover - main returns its code
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_case_count():
    # 70 commands x (--help, -h), the version flags, the error cases, and the probes.
    assert len(CASES) >= 140 + 2 + 8 + 200


@pytest.mark.reference
@pytest.mark.parametrize("args", [c[1] for c in CASES], ids=[c[0][:80] for c in CASES])
def test_same_as_reference(ref_env, args):
    ref_code, ref_out, ref_err = ref_env.run(args, which="reference", timeout=30)
    # The reference's CODEX_HOME shows up in a few messages; ours runs in this process.
    ref_err = ref_err.replace(str(ref_env.codex_home), "<CODEX_HOME>")
    assert _ours(args) == (ref_code, ref_out, ref_err)


UNKNOWN_FEATURE_CASES = [
    ["--enable", "zz", "mcp", "list"],
    ["--disable", "zz", "login", "status"],
    ["--enable", "zz", "completion", "bash"],
    ["--enable", "zz", "sandbox", "--", "true"],
    ["--enable", "zz", "app-server", "daemon", "version"],
    ["--enable", "unified_exec", "--enable", "zz", "logout"],
    ["--enable", "zz", "-c", "model_reasoning_effort=bogus", "features", "list"],
    ["exec", "--enable", "zz", "--help"],
]


@pytest.mark.reference
@pytest.mark.parametrize("args", UNKNOWN_FEATURE_CASES, ids=" ".join)
def test_unknown_feature_flag_fails_every_command(ref_env, args):
    ref = tuple(ref_env.run(args, which="reference", timeout=30))
    assert _ours(args) == ref
