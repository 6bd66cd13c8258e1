"""shell_environment_policy, ported from codex-rs/core/src/exec_env.rs tests, plus globs."""
from __future__ import annotations

import pytest

from codex.process.env import (
    EnvironmentVariablePattern,
    ShellEnvironmentPolicy,
    create_env,
    populate_env,
)


def make_vars(pairs):
    return list(pairs)


def test_core_inherit_defaults_keep_sensitive_vars():
    vars = make_vars([("PATH", "/usr/bin"), ("HOME", "/home/user"), ("API_KEY", "secret"), ("SECRET_TOKEN", "t")])
    policy = ShellEnvironmentPolicy()  # inherit All, default excludes ignored
    assert populate_env(vars, policy) == {
        "PATH": "/usr/bin", "HOME": "/home/user", "API_KEY": "secret", "SECRET_TOKEN": "t"}


def test_core_inherit_with_default_excludes_enabled():
    vars = make_vars([("PATH", "/usr/bin"), ("HOME", "/home/user"), ("API_KEY", "secret"), ("SECRET_TOKEN", "t")])
    policy = ShellEnvironmentPolicy(ignore_default_excludes=False)
    assert populate_env(vars, policy) == {"PATH": "/usr/bin", "HOME": "/home/user"}


def test_include_only():
    vars = make_vars([("PATH", "/usr/bin"), ("FOO", "bar")])
    policy = ShellEnvironmentPolicy(ignore_default_excludes=True,
                                    include_only=[EnvironmentVariablePattern.new_case_insensitive("*PATH")])
    assert populate_env(vars, policy) == {"PATH": "/usr/bin"}


def test_set_overrides():
    policy = ShellEnvironmentPolicy(ignore_default_excludes=True)
    policy.set["NEW_VAR"] = "42"
    assert populate_env([("PATH", "/usr/bin")], policy) == {"PATH": "/usr/bin", "NEW_VAR": "42"}


def test_inherit_all():
    vars = make_vars([("PATH", "/usr/bin"), ("FOO", "bar")])
    policy = ShellEnvironmentPolicy(inherit="all", ignore_default_excludes=True)
    assert populate_env(vars, policy) == dict(vars)


def test_inherit_all_with_default_excludes():
    vars = make_vars([("PATH", "/usr/bin"), ("API_KEY", "secret")])
    policy = ShellEnvironmentPolicy(inherit="all", ignore_default_excludes=False)
    assert populate_env(vars, policy) == {"PATH": "/usr/bin"}


def test_inherit_none():
    policy = ShellEnvironmentPolicy(inherit="none", ignore_default_excludes=True)
    policy.set["ONLY_VAR"] = "yes"
    assert populate_env([("PATH", "/usr/bin"), ("HOME", "/home")], policy) == {"ONLY_VAR": "yes"}


# -- beyond the upstream unit tests ----------------------------------------------------------


def test_core_keeps_only_core_names_case_sensitively():
    vars = [("HOME", "h"), ("PATH", "p"), ("SHELL", "s"), ("USER", "u"), ("LOGNAME", "l"), ("USERNAME", "n"),
            ("TMPDIR", "t"), ("TEMP", "t2"), ("TMP", "t3"), ("Path", "x"), ("FOO", "bar"), ("LANG", "C")]
    got = populate_env(vars, ShellEnvironmentPolicy(inherit="core"))
    assert set(got) == {"HOME", "PATH", "SHELL", "USER", "LOGNAME", "USERNAME", "TMPDIR", "TEMP", "TMP"}


def test_default_excludes_are_case_insensitive_substrings():
    vars = [("my_api_key", "1"), ("Secret", "2"), ("GITHUB_TOKEN", "3"), ("KEYBOARD", "4"), ("MONKEY", "5"),
            ("OK", "6")]
    got = populate_env(vars, ShellEnvironmentPolicy(ignore_default_excludes=False))
    assert got == {"OK": "6"}


def test_order_exclude_then_set_then_include_only():
    vars = [("AWS_X", "1"), ("AWS_Y", "2"), ("PATH", "p")]
    policy = ShellEnvironmentPolicy(exclude=["aws_*"], set={"AWS_Z": "3", "OTHER": "4"}, include_only=["AWS_*", "path"])
    # exclude drops AWS_X/AWS_Y (case-insensitive), set adds AWS_Z and OTHER, include_only keeps AWS_Z and PATH
    assert populate_env(vars, policy) == {"AWS_Z": "3", "PATH": "p"}


def test_set_survives_default_excludes_but_not_include_only():
    policy = ShellEnvironmentPolicy(ignore_default_excludes=False, set={"MY_TOKEN": "t"})
    assert populate_env([("API_KEY", "k")], policy) == {"MY_TOKEN": "t"}
    policy = ShellEnvironmentPolicy(set={"A": "1"}, include_only=["B"])
    assert populate_env([], policy) == {}


@pytest.mark.parametrize("pattern,name,ok", [
    ("*KEY*", "api_key", True), ("FOO", "foo", True), ("F?O", "FXO", True), ("F?O", "FO", False),
    ("[AB]X", "bx", True), ("[!AB]X", "CX", True), ("[!AB]X", "AX", False), ("*", "", True),
    ("A*", "BA", False), ("a.b", "aXb", False), ("a.b", "a.b", True),
])
def test_glob_patterns(pattern, name, ok):
    assert EnvironmentVariablePattern.new_case_insensitive(pattern).matches(name) is ok


def test_case_sensitive_pattern():
    assert not EnvironmentVariablePattern("FOO", case_insensitive=False).matches("foo")


def test_from_toml_and_validation():
    p = ShellEnvironmentPolicy.from_toml({"inherit": "core", "ignore_default_excludes": False, "exclude": ["X*"],
                                          "set": {"A": "1"}, "include_only": [], "experimental_use_profile": True})
    assert (p.inherit, p.ignore_default_excludes, p.set, p.use_profile) == ("core", False, {"A": "1"}, True)
    assert p.exclude == [EnvironmentVariablePattern("X*")]
    assert ShellEnvironmentPolicy.from_toml(None) == ShellEnvironmentPolicy()
    with pytest.raises(ValueError):
        ShellEnvironmentPolicy(inherit="bogus")


def test_create_env_uses_process_env_and_thread_id(monkeypatch):
    monkeypatch.setenv("CODEX_TEST_VISIBLE", "1")
    monkeypatch.setenv("CODEX_TEST_SECRET", "s")
    env = create_env(ShellEnvironmentPolicy(ignore_default_excludes=False), thread_id="t-1")
    assert env["CODEX_TEST_VISIBLE"] == "1"
    assert "CODEX_TEST_SECRET" not in env
    assert env["CODEX_THREAD_ID"] == "t-1"
    assert "CODEX_THREAD_ID" not in create_env()
