"""arg0 dispatch: the program acts as the tool whose name it runs under."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cli"

LAUNCHER = """#!{python}
import sys
from codex.cli import main
sys.exit(main())
"""


def _console_script() -> str | None:
    candidate = Path(sys.executable).with_name("codex")
    return str(candidate) if candidate.exists() else None


@pytest.fixture(params=["launcher", "symlink"])
def named(request, tmp_path):
    """Returns a function that makes our program runnable under a given name."""

    def make(name: str) -> str:
        path = tmp_path / name
        if request.param == "symlink":
            script = _console_script()
            if script is None:
                pytest.skip("no installed `codex` console script next to this python to link to")
            os.symlink(script, path)
        else:
            path.write_text(LAUNCHER.format(python=sys.executable))
            path.chmod(0o755)
        return str(path)

    return make


def run(argv, cwd=None, stdin=""):
    env = dict(os.environ)
    env.pop("CODEX_HOME", None)
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


def test_codex_exec_name_is_plain_codex(named):
    prog = named("codex-exec")
    assert run([prog, "--version"]).stdout == "codex-cli 0.136.0\n"
    top_help = (FIXTURES / "help" / "codex.txt").read_text()
    assert run([prog, "--help"]).stdout == top_help
    proc = run([prog, "--skip-git-repo-check", "Say hello."])
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: unexpected argument '--skip-git-repo-check' found\n")


def test_linux_sandbox_name_has_its_own_cli(named):
    prog = named("codex-linux-sandbox")
    proc = run([prog, "--help"])
    assert proc.returncode == 0
    assert proc.stdout == (FIXTURES / "arg0" / "codex-linux-sandbox--help.txt").read_text()
    proc = run([prog])
    assert proc.returncode == 2
    assert "--sandbox-policy-cwd <SANDBOX_POLICY_CWD>" in proc.stderr


@pytest.mark.parametrize("name", ["apply_patch", "applypatch"])
def test_apply_patch_names_do_not_reach_the_main_cli(named, name):
    prog = named(name)
    proc = run([prog, "--help"])
    # `--help` is not an option of apply_patch: it is taken as the patch text (as the reference).
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1, "", "Invalid patch: The first line of the patch must be '*** Begin Patch'\n")
    proc = run([prog])
    assert (proc.returncode, proc.stderr) == (2, "Usage: apply_patch 'PATCH'\n       echo 'PATCH' | apply_patch\n")


def test_apply_patch_name_applies_a_patch(named, tmp_path):
    prog = named("apply_patch")
    work = tmp_path / "work"
    work.mkdir()
    proc = run([prog, "*** Begin Patch\n*** Add File: added.txt\n+hi\n*** End Patch\n"], cwd=work)
    assert (proc.returncode, proc.stdout) == (0, "Success. Updated the following files:\nA added.txt\n")
    assert (work / "added.txt").read_text() == "hi\n"


def test_run_as_apply_patch_flag_dispatches(named):
    prog = named("codex")
    proc = run([prog, "--codex-run-as-apply-patch", "this is not a patch"])
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1, "", "Invalid patch: The first line of the patch must be '*** Begin Patch'\n")


def test_execve_wrapper_name_does_not_reach_the_main_cli(named):
    prog = named("codex-execve-wrapper")
    proc = run([prog, "--help"])
    assert proc.stdout == ""
    assert proc.returncode != 0
