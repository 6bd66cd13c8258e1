"""`codex app-server generate-json-schema` / `generate-ts` (stable and --experimental) are
byte-identical to the 0.136.0 reference trees in fixtures/app_server/, and the type model
they render from is current with its generator."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ._helpers import FIX, ROOT, server_env


def _tree(root) -> dict[str, bytes]:
    out = {}
    for dp, _, fns in os.walk(root):
        for fn in fns:
            p = os.path.join(dp, fn)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


def _diff(got: dict, want: dict) -> list[str]:
    return sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))


@pytest.mark.parametrize("command,experimental,ref", [
    ("generate-json-schema", False, "schema"),
    ("generate-json-schema", True, "schema-experimental"),
    ("generate-ts", False, "ts"),
    ("generate-ts", True, "ts-experimental"),
])
def test_cli_output_matches_reference(tmp_path, command, experimental, ref):
    out = tmp_path / "out"
    args = [sys.executable, "-m", "codex", "app-server", command, "--out", str(out)]
    if experimental:
        args.append("--experimental")
    proc = subprocess.run(args, env=server_env(str(tmp_path)), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""
    got, want = _tree(out), _tree(FIX / ref)
    assert len(want) > 250
    assert _diff(got, want) == []


def test_generated_bundle_equals_the_fixture_the_protocol_module_was_generated_from():
    from codex.app_server.schema_gen import json_schema_files

    files = json_schema_files(experimental=True)
    want = (FIX / "schema-experimental" / "codex_app_server_protocol.schemas.json").read_text()
    assert files["codex_app_server_protocol.schemas.json"] == want


def test_model_is_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_app_server_protocol.py"), "--check"],
                          capture_output=True, timeout=300, env=server_env("/nonexistent"))
    assert proc.returncode == 0, proc.stderr.decode()


def test_experimental_markers():
    from codex.app_server.schema_gen import _model

    model = _model()
    assert "thread/turns/list" in model["experimental_methods"]
    assert len(model["experimental_methods"]) == 27
    assert ["ThreadStartParams", "mockExperimentalField"] in model["experimental_fields"]
    assert "ThreadTurnsListParams" in model["experimental_method_types"]


def test_cli_errors(tmp_path):
    """anyhow-style failures as 0.136.0 prints them."""
    (tmp_path / "afile").write_text("")
    env = server_env(str(tmp_path))
    cases = [
        (["generate-ts", "--out", str(tmp_path / "afile")],
         f"Error: Failed to create output directory {tmp_path / 'afile'}\n\nCaused by:\n    File exists (os error 17)\n"),
        (["generate-json-schema", "--out", str(tmp_path / "afile" / "x")],
         f"Error: Failed to create output directory {tmp_path / 'afile' / 'x'}\n\nCaused by:\n    Not a directory (os error 20)\n"),
        (["generate-ts", "--out", str(tmp_path / "ts"), "-p", "/nonexistent/prettier"],
         "Error: Failed to invoke Prettier at /nonexistent/prettier\n\nCaused by:\n    No such file or directory (os error 2)\n"),
        (["generate-ts", "--out", str(tmp_path / "ts2"), "-p", "/bin/false"],
         "Error: Prettier failed with status exit status: 1\n"),
        (["--listen", "off"], "Error: no transport configured; use --listen or enable remote control\n"),
    ]
    for args, want in cases:
        proc = subprocess.run([sys.executable, "-m", "codex", "app-server", *args], env=env,
                              capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        assert (proc.returncode, proc.stdout, proc.stderr.decode()) == (1, b"", want), args
