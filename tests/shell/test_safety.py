"""Upstream's is_safe_command.rs / is_dangerous_command.rs unit tests, ported."""
from __future__ import annotations

import sys

import pytest

from codex.shell.safety import command_might_be_dangerous, is_known_safe_command, is_safe_to_call_with_exec


def test_known_safe_examples():
    for argv in (["ls"], ["git", "status"], ["git", "branch"], ["git", "branch", "--show-current"], ["base64"],
                 ["sed", "-n", "1,5p", "file.txt"], ["nl", "-nrz", "Cargo.toml"], ["find", ".", "-name", "file.txt"]):
        assert is_safe_to_call_with_exec(argv), argv
    linux = sys.platform.startswith("linux")
    assert is_safe_to_call_with_exec(["numfmt", "1000"]) == linux
    assert is_safe_to_call_with_exec(["tac", "Cargo.toml"]) == linux


def test_git_branch_mutating_flags_are_not_safe():
    assert not is_known_safe_command(["git", "branch", "-d", "feature"])
    assert not is_known_safe_command(["git", "branch", "new-branch"])


def test_git_branch_global_options_respect_safety_rules():
    assert is_known_safe_command(["git", "-C", ".", "branch", "--show-current"])
    assert not is_known_safe_command(["git", "-C", ".", "branch", "-d", "feature"])
    assert not is_known_safe_command(["bash", "-lc", "git -C . branch -d feature"])


def test_git_first_positional_is_the_subcommand():
    assert not is_known_safe_command(["git", "checkout", "status"])


@pytest.mark.parametrize("argv", [
    ["git", "log", "--output=/tmp/git-log-out-test", "-n", "1"],
    ["git", "diff", "--output", "/tmp/git-diff-out-test"],
    ["git", "show", "--output=/tmp/git-show-out-test", "HEAD"],
    ["git", "-c", "core.pager=cat", "log", "-n", "1"],
    ["git", "-ccore.pager=cat", "status"],
])
def test_git_output_and_config_override_flags_are_not_safe(argv):
    assert not is_known_safe_command(argv)


def test_cargo_check_is_not_safe():
    assert not is_known_safe_command(["cargo", "check"])


def test_zsh_lc_safe_command_sequence():
    assert is_known_safe_command(["zsh", "-lc", "ls"])


@pytest.mark.parametrize("argv", [
    ["foo"], ["git", "fetch"], ["sed", "-n", "xp", "file.txt"],
    ["find", ".", "-name", "file.txt", "-exec", "rm", "{}", ";"],
    ["find", ".", "-name", "*.py", "-execdir", "python3", "{}", ";"],
    ["find", ".", "-name", "file.txt", "-ok", "rm", "{}", ";"],
    ["find", ".", "-name", "*.py", "-okdir", "python3", "{}", ";"],
    ["find", ".", "-delete", "-name", "file.txt"],
    ["find", ".", "-fls", "/etc/passwd"], ["find", ".", "-fprint", "/etc/passwd"],
    ["find", ".", "-fprint0", "/etc/passwd"], ["find", ".", "-fprintf", "/root/suid.txt", "%#m %u %p\n"],
    ["base64", "-o", "out.bin"], ["base64", "--output", "out.bin"], ["base64", "--output=out.bin"],
    ["base64", "-ob64.txt"],
    ["rg", "--search-zip", "files"], ["rg", "-z", "files"], ["rg", "--pre", "pwned", "files"],
    ["rg", "--pre=pwned", "files"], ["rg", "--hostname-bin", "pwned", "files"], ["rg", "--hostname-bin=pwned", "files"],
])
def test_unknown_or_unsafe(argv):
    assert not is_safe_to_call_with_exec(argv)


def test_ripgrep_safe():
    assert is_safe_to_call_with_exec(["rg", "Cargo.toml", "-n"])


@pytest.mark.parametrize("script", [
    "ls", "ls -1", "git status", 'grep -R "Cargo.toml" -n', "sed -n 1,5p file.txt", "sed -n '1,5p' file.txt",
    "find . -name file.txt",
    'grep -R "Cargo.toml" -n || true', "ls && pwd", "echo 'hi' ; ls", "ls | wc -l",
])
def test_bash_lc_safe_examples(script):
    assert is_known_safe_command(["bash", "-lc", script])


def test_bash_lc_unsafe_examples():
    assert not is_known_safe_command(["bash", "-lc", "git", "status"])
    assert not is_known_safe_command(["bash", "-lc", "'git status'"])
    assert not is_known_safe_command(["bash", "-lc", "find . -name file.txt -delete"])
    assert not is_known_safe_command(["bash", "-lc", "ls && rm -rf /"])
    assert not is_known_safe_command(["bash", "-lc", "(ls)"])
    assert not is_known_safe_command(["bash", "-lc", "ls || (pwd && echo hi)"])
    assert not is_known_safe_command(["bash", "-lc", "ls > out.txt"])


# -- is_dangerous_command.rs -------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["git", "reset"], ["bash", "-lc", "git reset --hard"], ["zsh", "-lc", "git reset --hard"],
    ["git", "status"], ["bash", "-lc", "git status"], ["sudo", "git", "reset", "--hard"],
    ["/usr/bin/git", "reset", "--hard"],
    ["git", "branch", "-d", "feature"], ["git", "branch", "-D", "feature"],
    ["bash", "-lc", "git branch --delete feature"],
    ["git", "branch", "-dv", "feature"], ["git", "branch", "-vd", "feature"], ["git", "branch", "-vD", "feature"],
    ["git", "branch", "-Dvv", "feature"],
    ["git", "-C", ".", "branch", "-d", "feature"], ["git", "-c", "color.ui=false", "branch", "-D", "feature"],
    ["bash", "-lc", "git -C . branch -d feature"],
    ["git", "checkout", "reset"],
    ["git", "push", "--force", "origin", "main"], ["git", "push", "-f", "origin", "main"],
    ["git", "-C", ".", "push", "--force-with-lease", "origin", "main"],
    ["git", "push", "origin", "+main"], ["git", "push", "origin", "+refs/heads/main:refs/heads/main"],
    ["git", "push", "--delete", "origin", "feature"], ["git", "push", "-d", "origin", "feature"],
    ["git", "push", "origin", ":feature"], ["bash", "-lc", "git push origin :feature"],
    ["git", "push", "origin", "main"],
    ["git", "clean", "-fdx"], ["git", "clean", "-xdf"], ["git", "clean", "--force"],
    # 0.136 only flags `rm -f` / `rm -rf` as argv[1] (the reference runs these under `never`):
    ["rm", "-r", "-f", "x"], ["rm", "--force", "x"], ["/bin/rm", "-rf", "x"], ["rm", "x", "-f"],
    ["bash", "-lc", "if true; then rm -rf x; fi"],
])
def test_not_dangerous(argv):
    assert not command_might_be_dangerous(argv)


@pytest.mark.parametrize("argv", [
    ["rm", "-rf", "/"], ["rm", "-f", "/"], ["sudo", "rm", "-rf", "x"], ["bash", "-lc", "ls && rm -rf x"],
])
def test_dangerous(argv):
    assert command_might_be_dangerous(argv)
