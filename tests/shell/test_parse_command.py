"""Upstream's parse_command.rs unit tests, ported (shell-command/src/parse_command.rs)."""
from __future__ import annotations

import pytest

from codex.execpolicy._rust import shlex_split
from codex.shell.parse_command import _is_small_formatting_command, parse_command, shlex_join


def S(s: str) -> list[str]:
    out = shlex_split(s)
    return out if out is not None else s.split()


def R(cmd, name, path):
    return {"type": "read", "cmd": cmd, "name": name, "path": path}


def L(cmd, path=None):
    return {"type": "list_files", "cmd": cmd, "path": path}


def Q(cmd, query=None, path=None):
    return {"type": "search", "cmd": cmd, "query": query, "path": path}


def U(cmd):
    return {"type": "unknown", "cmd": cmd}


def B(inner):
    return ["bash", "-lc", inner]


XARGS = "rg -l QkBindingController presentation/src/main/java | xargs perl -pi -e 's/QkBindingController/QkController/g'"

CASES = [
    (["git", "status"], [U("git status")]),
    (S("git grep TODO src"), [Q("git grep TODO src", "TODO", "src")]),
    (S("git grep -l TODO src"), [Q("git grep -l TODO src", "TODO", "src")]),
    (S("git ls-files"), [L("git ls-files")]),
    (S("git ls-files src"), [L("git ls-files src", "src")]),
    (S("git ls-files --exclude target src"), [L("git ls-files --exclude target src", "src")]),
    (B("git status | wc -l"), [U("git status | wc -l")]),
    (B("echo foo > bar"), [U("echo foo > bar")]),
    (B("rg --version && node -v && pnpm -v && rg --files | wc -l && rg --files | head -n 40"),
     [U("rg --version && node -v && pnpm -v && rg --files | wc -l && rg --files | head -n 40")]),
    (B('rg -n "navigate-to-route" -S'), [Q("rg -n navigate-to-route -S", "navigate-to-route")]),
    (B('rg -n "BUG|FIXME|TODO|XXX|HACK" -S | head -n 200'),
     [Q("rg -n 'BUG|FIXME|TODO|XXX|HACK' -S", "BUG|FIXME|TODO|XXX|HACK")]),
    (B("rg --files webview/src | sed -n"), [L("rg --files webview/src", "webview")]),
    (B("rg --files | head -n 50"), [L("rg --files")]),
    (B(XARGS), [U(XARGS)]),
    (S(XARGS), [U(shlex_join(S(XARGS)))]),
    (S("rg --files | nl -ba | foo"), [U(shlex_join(S("rg --files | nl -ba | foo")))]),
    (S("rg -l TODO src"), [Q("rg -l TODO src", "TODO", "src")]),
    (S("rg --files-with-matches TODO src"), [Q("rg --files-with-matches TODO src", "TODO", "src")]),
    (S("rg -L TODO src"), [Q("rg -L TODO src", "TODO", "src")]),
    (S("rg --files-without-match TODO src"), [Q("rg --files-without-match TODO src", "TODO", "src")]),
    (S("rga -l TODO src"), [Q("rga -l TODO src", "TODO", "src")]),
    (B("cat webview/README.md"), [R("cat webview/README.md", "README.md", "webview/README.md")]),
    (["zsh", "-lc", "cat README.md"], [R("cat README.md", "README.md", "README.md")]),
    (B("bat --theme TwoDark README.md"), [R("bat --theme TwoDark README.md", "README.md", "README.md")]),
    (B("batcat README.md"), [R("batcat README.md", "README.md", "README.md")]),
    (B("less -p TODO README.md"), [R("less -p TODO README.md", "README.md", "README.md")]),
    (B("more README.md"), [R("more README.md", "README.md", "README.md")]),
    (S("cd foo && cat foo.txt"), [R("cat foo.txt", "foo.txt", "foo/foo.txt")]),
    (S("cd -- -weird && cat foo.txt"), [R("cat foo.txt", "foo.txt", "-weird/foo.txt")]),
    (S("cd dir1 dir2 && cat foo.txt"), [R("cat foo.txt", "foo.txt", "dir2/foo.txt")]),
    (S("bash -lc 'cd foo && bar'"), [U("cd foo && bar")]),
    (S("bash -lc 'cd foo && cat foo.txt'"), [R("cat foo.txt", "foo.txt", "foo/foo.txt")]),
    (B("ls -la | sed -n '1,120p'"), [L("ls -la")]),
    (S("eza --color=always src"), [L("eza '--color=always' src", "src")]),
    (S("exa -I target ."), [L("exa -I target .", ".")]),
    (S("tree -L 2 src"), [L("tree -L 2 src", "src")]),
    (S("du -d 2 ."), [L("du -d 2 .", ".")]),
    (B("head -n 50 Cargo.toml"), [R("head -n 50 Cargo.toml", "Cargo.toml", "Cargo.toml")]),
    (B("head Cargo.toml"), [R("head Cargo.toml", "Cargo.toml", "Cargo.toml")]),
    (B("cat tui/Cargo.toml | sed -n '1,200p'"),
     [R("cat tui/Cargo.toml | sed -n '1,200p'", "Cargo.toml", "tui/Cargo.toml")]),
    (B("tail -n +522 README.md"), [R("tail -n +522 README.md", "README.md", "README.md")]),
    (B("tail -n 30 README.md"), [R("tail -n 30 README.md", "README.md", "README.md")]),
    (B("tail README.md"), [R("tail README.md", "README.md", "README.md")]),
    (["npm", "run", "build"], [U("npm run build")]),
    (["grep", "-R", "CODEX_SANDBOX_ENV_VAR", "-n", "."],
     [Q("grep -R CODEX_SANDBOX_ENV_VAR -n .", "CODEX_SANDBOX_ENV_VAR", ".")]),
    (["grep", "-R", "CODEX_SANDBOX_ENV_VAR", "-n", "core/src/spawn.rs"],
     [Q("grep -R CODEX_SANDBOX_ENV_VAR -n core/src/spawn.rs", "CODEX_SANDBOX_ENV_VAR", "spawn.rs")]),
    (S("egrep -R TODO src"), [Q("egrep -R TODO src", "TODO", "src")]),
    (S("fgrep -l TODO src"), [Q("fgrep -l TODO src", "TODO", "src")]),
    (S("grep -l TODO src"), [Q("grep -l TODO src", "TODO", "src")]),
    (S("grep --files-with-matches TODO src"), [Q("grep --files-with-matches TODO src", "TODO", "src")]),
    (S("grep -L TODO src"), [Q("grep -L TODO src", "TODO", "src")]),
    (S("grep --files-without-match TODO src"), [Q("grep --files-without-match TODO src", "TODO", "src")]),
    (S("grep -R src/main.rs -n ."), [Q("grep -R src/main.rs -n .", "src/main.rs", ".")]),
    (S("grep -R COD`EX_SANDBOX -n"), [Q("grep -R 'COD`EX_SANDBOX' -n", "COD`EX_SANDBOX")]),
    (S("cd codex-rs && rg --files"), [L("rg --files")]),
    (B('cd /Users/pakrym/code/codex && rg -n "codex_api" codex-rs -S | head -n 50'),
     [Q("rg -n codex_api codex-rs -S", "codex_api", "codex-rs")]),
    (B('python -c "import os; print(os.listdir(\'.\'))"'),
     [L(shlex_join(S('python -c "import os; print(os.listdir(\'.\'))"')))]),
    (B('python3 -c "import glob; print(glob.glob(\'*.rs\'))"'),
     [L(shlex_join(S('python3 -c "import glob; print(glob.glob(\'*.rs\'))"')))]),
    (B('python -c "print(\'hello\')"'), [U(shlex_join(S('python -c "print(\'hello\')"')))]),
    (B("nl -ba core/src/parse_command.rs | sed -n '1200,1720p'"),
     [R("nl -ba core/src/parse_command.rs | sed -n '1200,1720p'", "parse_command.rs",
        "core/src/parse_command.rs")]),
    (B("sed -n '2000,2200p' tui/src/history_cell.rs"),
     [R("sed -n '2000,2200p' tui/src/history_cell.rs", "history_cell.rs", "tui/src/history_cell.rs")]),
    (B("awk '{print $1}' Cargo.toml"), [R("awk '{print $1}' Cargo.toml", "Cargo.toml", "Cargo.toml")]),
    (B('printf "\\n===== ansi-escape/Cargo.toml =====\\n"; cat -- ansi-escape/Cargo.toml'),
     [R("cat -- ansi-escape/Cargo.toml", "Cargo.toml", "ansi-escape/Cargo.toml")]),
    (B("yes | rg --files"), [L("rg --files")]),
    (S("sed -n '260,640p' exec/src/event_processor_with_human_output.rs | nl -ba"),
     [R("sed -n '260,640p' exec/src/event_processor_with_human_output.rs", "event_processor_with_human_output.rs",
        "exec/src/event_processor_with_human_output.rs")]),
    (S("yes | rg -n 'foo bar' -S"), [Q("rg -n 'foo bar' -S", "foo bar")]),
    (S("ls -I '*.test.js'"), [L("ls -I '*.test.js'")]),
    (S("true && rg --files"), [L("rg --files")]),
    (S("rg --files && true"), [L("rg --files")]),
    (B("true && rg --files"), [L("rg --files")]),
    (B("rg --files || true"), [L("rg --files")]),
    (S('cat "pkg\\src\\main.rs"'), [R('cat "pkg\\\\src\\\\main.rs"', "main.rs", "pkg\\src\\main.rs")]),
    (S("bash -lc 'head -n50 Cargo.toml'"), [R("head -n50 Cargo.toml", "Cargo.toml", "Cargo.toml")]),
    (["bash", "-c", "rg --files | head -n 1"], [L("rg --files")]),
    (S("bash -lc 'tail -n+10 README.md'"), [R("tail -n+10 README.md", "README.md", "README.md")]),
    (S("grep -R TODO src"), [Q("grep -R TODO src", "TODO", "src")]),
    (S("ag TODO src"), [Q("ag TODO src", "TODO", "src")]),
    (S("ack TODO src"), [Q("ack TODO src", "TODO", "src")]),
    (S("pt TODO src"), [Q("pt TODO src", "TODO", "src")]),
    (S("rga TODO src"), [Q("rga TODO src", "TODO", "src")]),
    (S("ag -l TODO src"), [Q("ag -l TODO src", "TODO", "src")]),
    # from the earlier half of the same test module
    (S("rg --files | nl -ba"), [L("rg --files")]),
    (S("ls --time-style=long-iso ./dist"), [L("ls '--time-style=long-iso' ./dist", ".")]),
    (S("fd -t f src/"), [L("fd -t f src/", "src")]),
    (S("fd main src"), [Q("fd main src", "main", "src")]),
    (S("fd --search-path src foo"), [Q("fd --search-path src foo", "foo", "src")]),
    (S("fd --search-path src"), [L("fd --search-path src", "src")]),
    (S("find . -name '*.rs'"), [Q("find . -name '*.rs'", "*.rs", ".")]),
    (S("find -name '*.rs'"), [Q("find -name '*.rs'", "*.rs", ".")]),
    (S("find -type f"), [L("find -type f", ".")]),
    (S("find"), [L("find", ".")]),
    (S("find src -type f"), [L("find src -type f", "src")]),
    (S("find -name '*.rs' ."), [Q("find -name '*.rs' .", "*.rs", ".")]),
    (S("find -type f ."), [L("find -type f .", ".")]),
    (S("/bin/bash -lc 'sed -n '1,10p' Cargo.toml'"), [R("sed -n '1,10p' Cargo.toml", "Cargo.toml", "Cargo.toml")]),
    (S("/bin/zsh -lc 'sed -n '1,10p' Cargo.toml'"), [R("sed -n '1,10p' Cargo.toml", "Cargo.toml", "Cargo.toml")]),
    (["powershell", "-Command", "Get-ChildItem"], [U("Get-ChildItem")]),
    (["pwsh", "-NoProfile", "-c", "Write-Host hi"], [U("Write-Host hi")]),
    (["/usr/local/bin/powershell.exe", "-NoProfile", "-c", "Write-Host hi"], [U("Write-Host hi")]),
    (S("ls /"), [L("ls /", "/")]),
]


@pytest.mark.parametrize("argv,expected", CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_parse_command(argv, expected):
    assert parse_command(argv) == expected


@pytest.mark.parametrize("cmd", ["wc", "tr", "cut", "sort", "uniq", "xargs", "tee", "column"])
def test_small_formatting_always_true_commands(cmd):
    assert _is_small_formatting_command(S(cmd))
    assert _is_small_formatting_command(S(f"{cmd} -x"))


def test_small_formatting_awk_head_tail_sed():
    f = _is_small_formatting_command
    assert f(S("awk '{print $1}'"))
    assert not f(S("awk '{print $1}' Cargo.toml"))
    assert not f(S("awk -f script.awk Cargo.toml"))
    assert f(["head"]) and f(S("head -n 40"))
    assert not f(S("head -n 40 file.txt")) and not f(["head", "file.txt"])
    assert f(["tail"]) and f(S("tail -n +10")) and not f(S("tail -n +10 file.txt"))
    assert f(S("tail -n 30")) and not f(S("tail -n 30 file.txt"))
    assert f(S("tail -c 30")) and f(S("tail -c +10")) and not f(["tail", "file.txt"])
    assert f(["sed"]) and f(["sed", "-n", "10p"])
    for s in ("sed -n 10p file.txt", "sed -n -e 10p file.txt", "sed -n 10p -- file.txt", "sed -n 1,200p file.txt"):
        assert not f(S(s)), s
    assert f(S("sed -n p file.txt")) and f(S("sed -n +10p file.txt"))
    assert not f([])
