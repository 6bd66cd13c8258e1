"""`codex exec` failing before its turn, ours vs the reference Codex 0.136.0: exit code, stdout and
stderr for a `-C` directory that does not exist, a CODEX_HOME that does not exist, and a
config.toml that does not parse, each with a prompt and piped stdin (the reference reads stdin
only after the config loaded, so "Reading additional input from stdin..." must not appear)."""
from __future__ import annotations

import pytest

from parity.reference import RefEnv


def _both(sandbox: RefEnv, args, **kw):
    return {which: sandbox.run(args, which=which, **kw) for which in ("reference", "ours")}


def _first_paragraph(text: str) -> str:
    # the reference's anyhow report of a failed `-C` ends with a stack backtrace of <unknown>
    # frames (DEVIATIONS.md): compare what comes before it
    return text.split("\n\nStack backtrace:", 1)[0]


def test_missing_cd_directory(reference_bin):
    with RefEnv(tag="exec-early") as env:
        r = _both(env, ["exec", "-C", str(env.root / "missing"), "hi"], stdin="piped text")
    for res in r.values():
        res.stderr = _first_paragraph(res.stderr)
    assert (r["ours"].exit_code, r["ours"].stdout, r["ours"].stderr) == \
        (r["reference"].exit_code, r["reference"].stdout, r["reference"].stderr)
    assert r["reference"].stderr.startswith("Error: No such file or directory (os error 2)")


def test_missing_codex_home(reference_bin):
    with RefEnv(tag="exec-early") as env:
        missing = env.root / "no-such-home"
        r = _both(env, ["exec", "--skip-git-repo-check", "hi"], stdin="piped text",
                  env={"CODEX_HOME": str(missing)})
    assert (r["ours"].exit_code, r["ours"].stdout, r["ours"].stderr) == \
        (r["reference"].exit_code, r["reference"].stdout, r["reference"].stderr)
    assert "Error finding codex home: CODEX_HOME points to" in r["reference"].stderr


def test_bad_config_before_reading_stdin(reference_bin):
    with RefEnv(tag="exec-early") as env:
        env.config_path.write_text('model = "x"\nmodel = "y"\n')   # a duplicate key
        r = _both(env, ["exec", "--skip-git-repo-check", "hi"], stdin="piped text")
    assert "Reading additional input" not in r["reference"].stderr
    assert (r["ours"].exit_code, r["ours"].stdout, r["ours"].stderr) == \
        (r["reference"].exit_code, r["reference"].stdout, r["reference"].stderr)


@pytest.mark.parametrize("kind", ["missing", "file", "under_a_file"])
@pytest.mark.parametrize("command", [["sandbox", "--", "true"], ["features", "list"], ["exec", "hi"]])
def test_unusable_codex_home(reference_bin, kind, command):
    """CODEX_HOME that does not exist, is a file, or lies under a file: the same error (and the
    start-up PATH warning) from every command, never a traceback."""
    with RefEnv(tag="exec-early") as env:
        target = env.root / "afile"
        target.write_text("x")
        home = {"missing": env.root / "missing", "file": target, "under_a_file": target / "sub"}[kind]
        r = _both(env, command, env={"CODEX_HOME": str(home)})
    for res in r.values():
        res.stderr = _first_paragraph(res.stderr)
    assert "Traceback" not in r["ours"].stderr
    assert (r["ours"].exit_code, r["ours"].stdout, r["ours"].stderr) == \
        (r["reference"].exit_code, r["reference"].stdout, r["reference"].stderr)


@pytest.mark.parametrize("command", [["features", "list"], ["mcp", "list"], ["exec", "hi"], ["mcp-server"]])
def test_home_is_a_file(reference_bin, command):
    """HOME is a file: the user's config.toml cannot be read, an error in each command's words."""
    with RefEnv(tag="exec-early") as env:
        home = env.root / "homefile"
        home.write_text("x")
        r = _both(env, command, env={"HOME": str(home), "CODEX_HOME": ""})
    for res in r.values():
        res.stderr = _first_paragraph(res.stderr)
    assert "Failed to read config file" in r["reference"].stderr
    assert (r["ours"].exit_code, r["ours"].stdout, r["ours"].stderr) == \
        (r["reference"].exit_code, r["reference"].stdout, r["reference"].stderr)
