"""Every captured `--help` and `-h` page, rendered from the spec, byte for byte."""

from __future__ import annotations

import pytest

from cli.helpers import fixture_text, help_page_names, manifest

# argv of each captured page, from the manifest (pages of nested commands are not derivable from
# the file name alone: `codex-app-server-daemon-start` vs `codex app-server daemon start`).
PAGES = {}
for entry in manifest():
    rel = entry.get("stdout_file", "")
    if rel.startswith(("help/", "help-short/")):
        PAGES[rel] = entry["argv"][1:]


def test_all_pages_are_covered():
    names = help_page_names()
    assert len(names) == 70
    for name in names:
        assert f"help/{name}.txt" in PAGES
        assert f"help-short/{name}.txt" in PAGES


@pytest.mark.parametrize("rel", sorted(p for p in PAGES if p.startswith("help/")))
def test_long_help(cli, rel):
    argv = PAGES[rel]
    assert argv[-1] == "--help"
    r = cli(argv)
    assert (r.code, r.err) == (0, "")
    assert r.out == fixture_text(rel)


@pytest.mark.parametrize("rel", sorted(p for p in PAGES if p.startswith("help-short/")))
def test_short_help(cli, rel):
    argv = PAGES[rel]
    assert argv[-1] == "-h"
    r = cli(argv)
    assert (r.code, r.err) == (0, "")
    assert r.out == fixture_text(rel)


@pytest.mark.parametrize("name", help_page_names())
def test_help_subcommand_prints_the_long_page(cli, name):
    """`codex help <path>` is `codex <path> --help`."""
    argv = PAGES[f"help/{name}.txt"][:-1]
    r = cli(["help", *argv])
    assert (r.code, r.err) == (0, "")
    assert r.out == fixture_text(f"help/{name}.txt")


def test_linux_sandbox_help(cli):
    r = cli(["--help"], argv0="codex-linux-sandbox")
    assert (r.code, r.err) == (0, "")
    assert r.out == fixture_text("arg0/codex-linux-sandbox--help.txt")


def test_linux_sandbox_short_help(cli):
    r = cli(["-h"], argv0="codex-linux-sandbox")
    assert r.code == 0
    assert r.out.startswith(
        "CLI surface for the Linux sandbox helper\n\n"
        "Usage: codex-linux-sandbox [OPTIONS] --sandbox-policy-cwd <SANDBOX_POLICY_CWD> [COMMAND]...\n"
    )
