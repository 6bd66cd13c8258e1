"""Upstream's bash.rs unit tests, ported (shell-command/src/bash.rs)."""
from __future__ import annotations

import pytest

from codex.shell.bash import (
    detect_shell_type,
    extract_bash_command,
    parse_plain_shell_script as parse_seq,
    parse_shell_lc_plain_commands,
    parse_shell_lc_single_command_prefix,
)


def test_accepts_single_simple_command():
    assert parse_seq("ls -1") == [["ls", "-1"]]


def test_accepts_multiple_commands_with_allowed_operators():
    assert parse_seq("ls && pwd; echo 'hi there' | wc -l") == [["ls"], ["pwd"], ["echo", "hi there"], ["wc", "-l"]]


def test_extracts_double_and_single_quoted_strings():
    assert parse_seq('echo "hello world"') == [["echo", "hello world"]]
    assert parse_seq("echo 'hi there'") == [["echo", "hi there"]]


def test_accepts_double_quoted_strings_with_newlines():
    assert parse_seq('git commit -m "line1\nline2"') == [["git", "commit", "-m", "line1\nline2"]]


def test_accepts_mixed_quote_concatenation():
    assert parse_seq('echo "/usr"\'/\'"local"/bin') == [["echo", "/usr/local/bin"]]
    assert parse_seq("echo '/usr'\"/\"'local'/bin") == [["echo", "/usr/local/bin"]]


def test_rejects_double_quoted_strings_with_expansions():
    assert parse_seq('echo "hi ${USER}"') is None
    assert parse_seq('echo "$HOME"') is None


def test_accepts_numbers_as_words():
    assert parse_seq("echo 123 456") == [["echo", "123", "456"]]


@pytest.mark.parametrize("src", [
    "(ls)", "ls || (pwd && echo hi)",                      # parentheses and subshells
    "ls > out.txt", "echo hi & echo bye",                  # redirections, unsupported operators
    "echo $(pwd)", "echo `pwd`", "echo $HOME", 'echo "hi $USER"',
    "FOO=bar ls",                                          # variable assignment prefix
    "ls &&",                                               # trailing operator parse error
    "&& ls", "ls ;; pwd", "ls | | wc",                     # empty command positions
    'rg -g"$VAR" pattern', 'rg -g"${VAR}" pattern',        # expansions in concatenations
    'rg -g"$(pwd)" pattern', "rg -g\"$(echo '*.py')\" pattern",
])
def test_rejects(src):
    assert parse_seq(src) is None


def test_parse_zsh_lc_plain_commands():
    assert parse_shell_lc_plain_commands(["zsh", "-lc", "ls"]) == [["ls"]]


def test_accepts_concatenated_flag_and_value():
    assert parse_seq('rg -n "foo" -g"*.py"') == [["rg", "-n", "foo", "-g*.py"]]


def test_accepts_concatenated_flag_with_single_quotes():
    assert parse_seq("grep -n 'pattern' -g'*.txt'") == [["grep", "-n", "pattern", "-g*.txt"]]


def test_parse_shell_lc_single_command_prefix_supports_heredoc():
    assert parse_shell_lc_single_command_prefix(["zsh", "-lc", "python3 <<'PY'\nprint('hello')\nPY"]) == ["python3"]
    assert parse_shell_lc_single_command_prefix(["zsh", "-lc", "python3 << PY\nprint('hello')\nPY"]) == ["python3"]


@pytest.mark.parametrize("script", [
    "python3 <<'PY'\nprint('hello')\nPY\necho done",         # multi-command scripts
    "echo hello > /tmp/out.txt",                             # non-heredoc redirects
    "python3 <<'PY' > /tmp/out.txt\nprint('hello')\nPY",     # heredoc plus a file redirect
    "PATH=/tmp/evil:$PATH cat <<'EOF'\nhello\nEOF",          # heredoc with variable assignment
    "echo hello > /tmp/out.txt && cat /tmp/out.txt",         # chaining
    'python3 <<< "$(rm -rf /)"',                             # herestring with substitution
    "echo $((1<<2))",                                        # arithmetic shift, not a heredoc
    "python3 $((1<<2)) <<'PY'\nprint('hello')\nPY",          # heredoc command with word expansion
])
def test_parse_shell_lc_single_command_prefix_rejects(script):
    assert parse_shell_lc_single_command_prefix(["bash", "-lc", script]) is None


def test_extract_bash_command_shells_and_flags():
    assert extract_bash_command(["/bin/bash", "-lc", "ls"]) == ("/bin/bash", "ls")
    assert extract_bash_command(["sh", "-c", "ls"]) == ("sh", "ls")
    assert extract_bash_command(["/usr/bin/zsh", "-lc", "ls"]) == ("/usr/bin/zsh", "ls")
    assert extract_bash_command(["bash", "-x", "ls"]) is None
    assert extract_bash_command(["fish", "-c", "ls"]) is None
    assert extract_bash_command(["bash", "-lc", "ls", "extra"]) is None


def test_detect_shell_type():
    assert detect_shell_type("bash") == "bash"
    assert detect_shell_type("/bin/bash") == "bash"
    assert detect_shell_type("/usr/local/bin/zsh") == "zsh"
    assert detect_shell_type("powershell.exe") == "powershell"
    assert detect_shell_type("pwsh") == "powershell"
    assert detect_shell_type("cmd") == "cmd"
    assert detect_shell_type("/usr/bin/fish") is None
