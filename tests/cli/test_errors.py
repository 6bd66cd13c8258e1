"""Usage errors, help/version displays and the `-c` check, against the reference's outputs:
the manifest's clap cases and the probes captured for this suite (fixtures/cli/probes.json)."""

from __future__ import annotations

import pytest

from cli.helpers import fixture_text, manifest, probes

NOT_AVAILABLE_SUFFIX = " is not available in this build yet\n"


def _manifest_cases():
    for entry in manifest():
        if "stdout_file" in entry or "stdout_same_as" in entry:
            continue  # help pages: test_help_pages / test_aliases_and_prompt
        yield pytest.param(entry, id=" ".join(entry["argv"]))


@pytest.mark.parametrize("entry", list(_manifest_cases()))
def test_manifest_case(cli, entry):
    argv0, *args = entry["argv"]
    if argv0 == "codex-exec":
        argv0 = "codex"  # not an arg0 alias: codex-exec is the main CLI
    r = cli(args, argv0=argv0)
    assert r.code == entry["exit_code"]
    assert r.err == entry["stderr"]
    assert r.out == entry["stdout"]


def test_codex_exec_help_is_the_top_level_help(cli):
    r = cli(["--help"])
    assert r.out == fixture_text("help/codex.txt")


def _probe_cases(kind):
    for p in probes():
        if p["kind"] == kind:
            yield pytest.param(p, id=f"{p['argv0']} {' '.join(p['args'])}".strip())


@pytest.mark.parametrize("probe", list(_probe_cases("clap")))
def test_probe_clap_output(cli, probe):
    """Help, version and usage errors: exit code, stdout and stderr all identical."""
    r = cli(probe["args"], argv0=probe["argv0"])
    assert (r.code, r.out, r.err) == (probe["exit_code"], probe["stdout"], probe["stderr"])


@pytest.mark.parametrize("probe", list(_probe_cases("config")))
def test_probe_config_override_error(cli, probe):
    """A bad `-c` value: exit 1 and the reference's exact message for that command."""
    r = cli(probe["args"], argv0=probe["argv0"])
    assert (r.code, r.out, r.err) == (probe["exit_code"], probe["stdout"], probe["stderr"])


@pytest.mark.parametrize("probe", list(_probe_cases("runs")))
def test_probe_parses_and_dispatches(cli, probe):
    """The reference accepted the command line and ran the command; here it reaches the
    (not yet available) handler. Commands that have a handler now are covered by their own tests."""
    from codex.cli import app, clap, spec

    root = spec.linux_sandbox() if probe["argv0"] == "codex-linux-sandbox" else spec.root()
    path = app._invocation(clap.parse(root, list(probe["args"])), []).path
    if path in app.HANDLERS:
        pytest.skip(f"`{' '.join(path)}` has a handler")
    r = cli(probe["args"], argv0=probe["argv0"])
    assert r.code == 2
    assert r.out == ""
    assert r.err.startswith("codex: `codex") and r.err.endswith(NOT_AVAILABLE_SUFFIX)


def test_probe_fixture_is_substantial():
    kinds = {}
    for p in probes():
        kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
    assert kinds["clap"] >= 200 and kinds["config"] >= 40
