"""The command tree's behaviour around parsing: aliases, the interactive PROMPT, hidden commands,
dispatch to handlers."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

from cli.helpers import fixture_text

from codex.cli import app, clap, spec


@pytest.mark.parametrize(
    "argv, page",
    [
        (["e", "--help"], "help/codex-exec.txt"),
        (["e", "-h"], "help-short/codex-exec.txt"),
        (["a", "--help"], "help/codex-apply.txt"),
        (["cloud-tasks", "--help"], "help/codex-cloud.txt"),
        (["help", "e"], "help/codex-exec.txt"),
        (["help", "cloud-tasks"], "help/codex-cloud.txt"),
        (["help", "exec"], "help/codex-exec.txt"),
        (["exec", "help"], "help/codex-exec.txt"),
        (["exec", "help", "resume"], "help/codex-exec-resume.txt"),
        (["help"], "help/codex.txt"),
    ],
)
def test_aliases_and_help_subcommand(cli, argv, page):
    r = cli(argv)
    assert (r.code, r.err, r.out) == (0, "", fixture_text(page))


@pytest.mark.parametrize("word", ["app", "agents", "delete", "exe", "sandbox-linux"])
def test_a_word_that_is_not_a_subcommand_is_the_prompt(cli, word):
    r = cli([word, "--help"])
    assert (r.code, r.out) == (0, fixture_text("help/codex.txt"))
    r = cli([word, "-h"])
    assert r.out == fixture_text("help-short/codex.txt")


@pytest.mark.parametrize(
    "path, page",
    [
        (["execpolicy"], "codex-execpolicy"),
        (["responses-api-proxy"], "codex-responses-api-proxy"),
        (["stdio-to-uds"], "codex-stdio-to-uds"),
        (["debug", "clear-memories"], "codex-debug-clear-memories"),
    ],
)
def test_hidden_commands_answer_help_but_are_not_listed(cli, path, page):
    r = cli([*path, "--help"])
    assert r.out == fixture_text(f"help/{page}.txt")
    parent = cli([*path[:-1], "--help"])
    assert f"\n  {path[-1]} " not in parent.out


def test_hidden_command_children_are_listed_in_their_parent(cli):
    r = cli(["execpolicy", "check", "--help"])
    assert r.out == fixture_text("help/codex-execpolicy-check.txt")
    assert "\n  check  Check execpolicy files against a command\n" in cli(["execpolicy", "-h"]).out


def test_version(cli):
    for argv in (["--version"], ["-V"], ["-c", "x=1", "-V"], ["--version", "--help"]):
        r = cli(argv)
        assert (r.code, r.out, r.err) == (0, "codex-cli 0.136.0\n", "")
    assert cli(["exec", "-V"]).out == "codex-cli-exec 0.136.0\n"


def test_sandbox_passes_everything_after_the_command_through(cli, monkeypatch):
    seen = {}
    _register(monkeypatch, ("sandbox",), seen)
    r = cli(["sandbox", "linux", "--help", "-x"])
    assert r.code == 0
    assert seen["inv"].values["command"] == ["linux", "--help", "-x"]


# --------------------------------------------------------------------------------------------
# dispatch
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, title",
    [
        ([], "codex"),
        (["fix the bug"], "codex"),
        (["resume", "--last"], "codex resume"),
        (["fork", "--last"], "codex fork"),
        (["cloud", "list"], "codex cloud list"),
        (["cloud-tasks"], "codex cloud"),
        (["a", "task"], "codex apply"),
        (["completion", "bash"], "codex completion"),
    ],
)
def test_stub_dispatch(cli, argv, title):
    r = cli(argv)
    assert (r.code, r.out) == (2, "")
    assert r.err == f"codex: `{title}` is not available in this build yet\n"


def test_linux_sandbox_dispatches_to_its_handler(cli, monkeypatch):
    seen = {}
    _register(monkeypatch, ("codex-linux-sandbox",), seen, code=7)
    r = cli(["--sandbox-policy-cwd", "/tmp", "--", "true"], argv0="codex-linux-sandbox")
    assert r.code == 7 and seen["inv"].path == ("codex-linux-sandbox",)


def _register(monkeypatch, path, seen, code=0):
    module = types.ModuleType("codex_test_handlers")

    def handler(inv):
        seen["inv"] = inv
        return code

    module.handler = handler
    monkeypatch.setitem(sys.modules, "codex_test_handlers", module)
    monkeypatch.setitem(app.HANDLERS, path, "codex_test_handlers:handler")


def test_handler_receives_the_parsed_values(cli, monkeypatch):
    seen = {}
    _register(monkeypatch, ("exec",), seen, code=7)
    r = cli(["-c", "model=o3", "exec", "-m", "gpt", "-i", "a.png,b.png", "c.png", "--json",
             "--", "do it"])
    assert r.code == 7
    inv = seen["inv"]
    assert inv.path == ("exec",)
    v = inv.values
    assert v["model"] == "gpt"
    assert v["image"] == ["a.png", "b.png", "c.png"]
    assert v["json"] is True and v["ephemeral"] is False
    assert v["prompt"] == "do it"
    assert v["color"] == "auto"
    assert v["config"] == ["model=o3"] and inv.config_overrides == ["model=o3"]
    assert {"model", "image", "json", "prompt", "config"} <= inv.explicit
    assert "color" not in inv.explicit
    assert [p for p, _ in inv.levels] == [(), ("exec",)]
    assert inv.levels[0][1]["config"] == ["model=o3"]


def test_global_args_after_the_subcommand(cli, monkeypatch):
    seen = {}
    _register(monkeypatch, ("features", "list"), seen)
    cli(["features", "list", "--enable", "unified_exec", "-c", "a=1", "--enable", "goals"])
    assert seen["inv"].values["enable"] == ["unified_exec", "goals"]
    assert seen["inv"].values["config"] == ["a=1"]


def test_bad_config_override_stops_before_the_handler(cli, monkeypatch):
    seen = {}
    _register(monkeypatch, ("features", "list"), seen)
    r = cli(["-c", "model_reasoning_effort=bogus", "features", "list"])
    assert r.code == 1 and "inv" not in seen
    r = cli(["-c", "model_reasoning_effort=high", "features", "list"])
    assert r.code == 0 and seen["inv"].path == ("features", "list")


# --------------------------------------------------------------------------------------------
# start-up
# --------------------------------------------------------------------------------------------

PROBE = """
import json, sys
from codex.cli import main
code = main(["codex", *json.loads(sys.argv[1])])
sys.stdout.flush()
sys.stderr.write("\\nMODULES=" + json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in
    {"click", "tomllib", "httpx", "rich", "prompt_toolkit", "mcp", "pygit2", "tree_sitter"})) + "\\n")
sys.exit(code)
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["exec", "--help"], ["help", "mcp", "add"], ["--bogus"], ["mcp"], ["completion", "tcsh"],
     ["cloud", "list"]],
)
def test_help_errors_and_dispatch_import_nothing_heavy(argv):
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True,
                          text=True, timeout=60)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES=")][-1]
    assert json.loads(line[len("MODULES="):]) == []


def test_spec_builds_fresh_trees():
    a, b = spec.root(), spec.root()
    assert a is not b
    clap.parse(a, ["exec", "resume", "--last"])
    assert clap.render_help(b, True) == fixture_text("help/codex.txt")
