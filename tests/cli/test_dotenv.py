"""Start-up after the arg0 tool dispatch (codex-rs/arg0 `arg0_dispatch`): `<codex_home>/.env`
loaded with dotenvy 0.15.7's rules, and the codex home set-up with its PATH warning.

* Unit: the parser (`parse_dotenv`) on dotenvy's rules and edge cases, `load_dotenv` (override,
  `CODEX_*` filter, later lines seeing earlier ones), `find_codex_home` / `prepare_codex_home`
  texts (Rust `{:?}` quoting), the directories made.
* Live, against the reference 0.136.0 (skipped with the reason when it is unavailable; a
  failure under CI=true): `codex sandbox -- /usr/bin/env -0` with a `.env` per case, comparing
  every variable the child sees; and stdout / stderr / exit code of `--version`, `--help`,
  `features list`, `mcp list` (all of it) and `exec`, `sandbox` (the warning comes first) for a
  missing, non-directory, temporary-dir ... CODEX_HOME.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from codex.cli import dotenv
from codex.cli.dotenv import StartupError, debug_path, debug_str, parse_dotenv

WARNING = "WARNING: proceeding, even though we could not update PATH: "

# --------------------------------------------------------------------------------------------
# parser (unit)
# --------------------------------------------------------------------------------------------

PARSE_CASES = [
    # dotenvy's own test_parse_line_env
    (
        b'\nKEY=1\nKEY2="2"\nKEY3=\'3\'\nKEY4=\'fo ur\'\nKEY5="fi ve"\nKEY6=s\\ ix\nKEY7=\nKEY8=     \n'
        b'KEY9=   # foo\nKEY10  ="whitespace before ="\nKEY11=    "whitespace after ="\n'
        b'export="export as key"\nexport   SHELL_LOVER=1\n',
        {},
        [("KEY", "1"), ("KEY2", "2"), ("KEY3", "3"), ("KEY4", "fo ur"), ("KEY5", "fi ve"),
         ("KEY6", "s ix"), ("KEY7", ""), ("KEY8", ""), ("KEY9", ""),
         ("KEY10", "whitespace before ="), ("KEY11", "whitespace after ="),
         ("export", "export as key"), ("SHELL_LOVER", "1")],
    ),
    # escapes (dotenvy's test_parse_value_escapes)
    (
        b'KEY=my\\ cool\\ value\nKEY2=\\$sweet\nKEY3="awesome stuff \\"mang\\""\n'
        b"KEY4='sweet $\\fgs'\\''fds'\nKEY5=\"'\\\"yay\\\\\"\\ \"stuff\"\n"
        b'KEY6="lol" #well you see when I say lol wh\nKEY7="line 1\\nline 2"\n',
        {},
        [("KEY", "my cool value"), ("KEY2", "$sweet"), ("KEY3", 'awesome stuff "mang"'),
         ("KEY4", "sweet $\\fgs'fds"), ("KEY5", "'\"yay\\ stuff"), ("KEY6", "lol"),
         ("KEY7", "line 1\nline 2")],
    ),
    # comments, export, quotes, substitution, filtering is not the parser's business
    (
        b"# comment\nexport EX1=exported\nSQ='single $HOME \\n'\nDQ=\"dq\\nline $PRE ${PRE}x\"\n"
        b"TR=value # comment\nTR2=value  # two spaces\nCODEX_X=no\ncodex_y=no\nDQV=\"$PRE\"\n"
        b'REF=$CODEX_X\nML="line1\nline2"\nAFTER=yes',
        {"PRE": "pre"},
        [("EX1", "exported"), ("SQ", "single $HOME \\n"), ("DQ", "dq\nline pre prex"),
         ("TR", "value"), ("TR2", "value"), ("CODEX_X", "no"), ("codex_y", "no"),
         ("REF", "_X"), ("ML", "line1\nline2"), ("AFTER", "yes")],
    ),
    # a bad line is skipped, the lines after it still load
    (b"A=1\nbad line\nB=2", {}, [("A", "1"), ("B", "2")]),
    (b"A=1\n=value\nvery bacon = yes\nKEY=my uncool value\nKEY4=h\\8u\nB=2\n", {}, [("A", "1"), ("B", "2")]),
    # an unclosed quote swallows the rest of the file
    (b'A="unclosed\nB=2\nC=3', {}, []),
    (b"A='unclosed\nB=2", {}, []),
    (b'A=x "y\nB=z"\nC=3', {}, [("C", "3")]),
    (b'A=x #"y\nB=z"\nC=3', {}, [("A", "x")]),
    # multi-line quoted values; a `#` line inside one is not a comment
    (b'A="multi\n# not a comment\nline"\nB=after', {}, [("A", "multi\n# not a comment\nline"), ("B", "after")]),
    (b'A="a\nB=b"\nC=c', {}, [("A", "a\nB=b"), ("C", "c")]),
    (b"A='x\\\ny'\nB=2", {}, [("A", "x\\\ny"), ("B", "2")]),
    (b'A="x\\\ny"\nB=2', {}, [("B", "2")]),
    # a backslash ending a line escapes the newline: the value keeps nothing of it
    (b"A=x\\\nB=2", {}, [("A", "x"), ("B", "2")]),
    (b"A=x \\\nB=2", {}, [("B", "2")]),
    # escapes outside quotes; unknown escapes fail the line
    (b"A=x\\n\nB=a\\ b\\$c\\\"d\\'e\nC=\\q\nD=2", {}, [("A", "x\n"), ("B", "a b$c\"d'e"), ("D", "2")]),
    (b'A="a\\"b\\\\c\\$d\\ne"\nB="a\\tb"\nC=\'a\\\'b\'\nD=ok', {}, [("A", 'a"b\\c$d\ne'), ("D", "ok")]),
    # trailing whitespace: fine before a newline, an error at the very end of the file
    (b"A=1 ", {}, []),
    (b"A=1\nB=2 ", {}, [("A", "1")]),
    (b"A=1\t\nB=2", {}, [("A", "1"), ("B", "2")]),
    # keys: export as prefix or key, dots, bad starts
    (b"  export   B = 3\nexport=ex\nexport\nC=$B$B\nD=${B}_${export}\nE=$B_1\nF=${UNDEF}z$UNDEF-\nG=${B\nH=4",
     {}, [("B", "3"), ("export", "ex"), ("C", "33"), ("D", "3_ex"), ("E", "3_1"), ("F", "z-"), ("H", "4")]),
    (b"export  A=1\nexport\tB=2\nexportC=3\nexport.D=4", {},
     [("A", "1"), ("B", "2"), ("exportC", "3"), ("export.D", "4")]),
    (b"KEY.Value=dot\n1BAD=1\n_U=under", {}, [("KEY.Value", "dot"), ("_U", "under")]),
    # `#`: a comment only after whitespace
    (b'A=a#b\nB=a #b\nC="a" #c\nD=\'a\'b"c"\nE=a b\nF="a"  #c\nG=x', {},
     [("A", "a#b"), ("B", "a"), ("C", "a"), ("D", "abc"), ("F", "a"), ("G", "x")]),
    (b"A=1 #c\nB=1 \t#c\nC=1\t#c", {}, [("A", "1"), ("B", "1"), ("C", "1")]),
    (b'A="x" # c " d\nB=2', {}, [("A", "x"), ("B", "2")]),
    (b'A="x" y\nB=2', {}, [("B", "2")]),
    # substitution corners: `$` alone, `${}`, unfinished `${`, names stop at non-alphanumerics
    (b"A=$\nB=a$\nC=${}\nD=$PRE$PRE\nE=${PRE}${PRE\nF=last", {"PRE": "pre"},
     [("A", ""), ("B", "a"), ("C", ""), ("D", "prepre"), ("F", "last")]),
    (b"A=$PRE.x\nB=$PRE/y\nC=$PRE\"q\"\nD=$PRE'q'\nE=$PRE\\ z\nF=$PRE z", {"PRE": "pre"},
     [("A", "pre.x"), ("B", "pre/y"), ("F", "pre z")]),
    (b'A="${PRE} $PRE-"\nB="$PRE" \nC="${PRE}"', {"PRE": "pre"}, [("A", "pre pre-"), ("C", "pre")]),
    (b'A=${PRE}"\nB=2', {"PRE": "pre"}, []),
    (b"A=${A B}\nB='x'\\''y'\nC=\"a'b\"\nD='a\"b'", {}, [("A", ""), ("B", "x'y"), ("C", "a'b"), ("D", 'a"b')]),
    # the environment wins over earlier lines; earlier lines fill in otherwise
    (b"KEY11=test_user\nKEY=\">${KEY11}<\"", {"KEY11": "test_user_env"},
     [("KEY11", "test_user"), ("KEY", ">test_user_env<")]),
    (b"KEY=${KEY1}+KEY_VALUE\nKEY1=${KEY}+KEY1_VALUE", {}, [("KEY", "+KEY_VALUE"), ("KEY1", "+KEY_VALUE+KEY1_VALUE")]),
    (b"A=1\nA=2\nB=$A", {}, [("A", "1"), ("A", "2"), ("B", "2")]),
    # Unicode: non-ASCII letters belong to a `$NAME`; White_Space (not \x1c) trims
    ("A=é$PRE ü\nB=ünïcödé\nC=$PREé".encode(), {"PRE": "pre"}, [("A", "épre ü"), ("B", "ünïcödé"), ("C", "")]),
    ('A= "quoted after space"\nB=  # only comment\nC=   \nD=\u00a0x\nE=x\u00a0#c\nF=x\x1cy\nG=x\u00a0y\nH=end'.encode(),
     {}, [("A", "quoted after space"), ("B", ""), ("C", ""), ("D", "x"), ("E", "x"), ("F", "x\x1cy"),
          ("G", "x\u00a0y"), ("H", "end")]),
    # line ends: \r\n stripped, a lone \r is part of the value
    (b'A=1\r\nB="x\r\ny"\r\nC=3\r\n', {}, [("A", "1"), ("B", "x\r\ny"), ("C", "3")]),
    (b"A=v\r\nB=w\rC=x\nD=y", {}, [("A", "v"), ("B", "w\rC=x"), ("D", "y")]),
    # undecodable lines are skipped (even inside a quoted value), a BOM is not removed
    (b'\xff\xfeA=1\nB=2\nC="a\n\xff\nD=4\n', {}, [("B", "2"), ("D", "4")]),
    (b"\xef\xbb\xbfA=1\nB=2", {}, [("B", "2")]),
    (b"\xef\xbb\xbf# c\nB=2", {}, [("B", "2")]),
    (b"A=1\n\n\n   \nB=2\n", {}, [("A", "1"), ("B", "2")]),
    (b"#only", {}, []),
    (b"", {}, []),
]


@pytest.mark.parametrize("data,environ,expected", PARSE_CASES,
                         ids=[f"case{i}" for i in range(len(PARSE_CASES))])
def test_parse_dotenv(data, environ, expected):
    assert parse_dotenv(data, dict(environ)) == expected


def test_parse_non_utf8_environment_value_falls_back_to_earlier_lines():
    # std::env::var fails on a value that is not UTF-8: the .env's own value is used
    assert parse_dotenv(b"BADV=file\nA=$BADV", {"BADV": "\udcff"}) == [("BADV", "file"), ("A", "file")]


# --------------------------------------------------------------------------------------------
# load_dotenv (unit)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch):
    """Restores os.environ afterwards, whatever load_dotenv set."""
    saved = dict(os.environ)
    yield monkeypatch
    os.environ.clear()
    os.environ.update(saved)


def test_load_dotenv_overrides_filters_and_chains(tmp_path, clean_env):
    (tmp_path / ".env").write_bytes(
        b"DT_OVR=new\nCODEX_DT_X=no\ncodex_dt_y=no\nCodex_DT_z=no\nDT_CODEX=yes\n"
        b"DT_A=first\nDT_B=${DT_A}-${CODEX_DT_X}\nbad line\nDT_C=after\n")
    clean_env.setenv("DT_OVR", "old")
    clean_env.delenv("CODEX_DT_X", raising=False)
    dotenv.load_dotenv(str(tmp_path))
    assert os.environ["DT_OVR"] == "new"
    for name in ("CODEX_DT_X", "codex_dt_y", "Codex_DT_z"):
        assert name not in os.environ
    assert os.environ["DT_CODEX"] == "yes"
    # the filtered CODEX_ line still feeds substitution, as dotenvy's own table
    assert os.environ["DT_B"] == "first-no"
    assert os.environ["DT_C"] == "after"


def test_load_dotenv_sees_variables_set_by_earlier_lines(tmp_path, clean_env):
    # the reference sets each variable before the next line is parsed; the environment wins
    # over the file's own table, so a CODEX_ variable of the environment beats the file's
    (tmp_path / ".env").write_bytes(b"CODEX_DT_Q=file\nDT_Q=${CODEX_DT_Q}\n")
    clean_env.setenv("CODEX_DT_Q", "env")
    dotenv.load_dotenv(str(tmp_path))
    assert os.environ["DT_Q"] == "env"
    assert os.environ["CODEX_DT_Q"] == "env"


def test_load_dotenv_missing_or_directory_is_ignored(tmp_path, clean_env):
    dotenv.load_dotenv(str(tmp_path))  # no .env
    (tmp_path / ".env").mkdir()
    dotenv.load_dotenv(str(tmp_path))  # the reference spins forever here (DEVIATIONS.md)


def test_load_dotenv_nul_in_value_panics_like_the_reference(tmp_path):
    home = tmp_path / "ch"
    home.mkdir()
    (home / ".env").write_bytes(b"A=1\nB='x\x00y\"'\nC=3\n")
    proc = subprocess.run([sys.executable, "-c", "from codex.cli.dotenv import load_dotenv; load_dotenv(%r)" % str(home)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 101
    assert re.sub(r"\(\d+\)", "(N)", proc.stderr) == (
        "\nthread 'main' (N) panicked at /home/runner/.rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/"
        "lib/rustlib/src/rust/library/std/src/env.rs:361:9:\n"
        'failed to set environment variable `"B"` to `"x\\0y\\""`: file name contained an unexpected NUL byte\n'
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n")


# --------------------------------------------------------------------------------------------
# codex home and the PATH warning (unit)
# --------------------------------------------------------------------------------------------


def test_debug_quoting():
    assert debug_str('a"b\\c\'d\te\n\x01\u00a0\u0301é') == '"a\\"b\\\\c\'d\\te\\n\\u{1}\\u{a0}\\u{301}é"'
    assert debug_path("/x/'\"\\\udcff") == '"/x/\'\\"\\\\\\xFF"'


def test_find_codex_home_errors(tmp_path):
    f = tmp_path / "file"
    f.write_text("")
    with pytest.raises(StartupError) as e:
        dotenv.find_codex_home({"CODEX_HOME": str(tmp_path / 'n"o')})
    assert str(e.value) == f'CODEX_HOME points to "{tmp_path}/n\\"o", but that path does not exist'
    with pytest.raises(StartupError) as e:
        dotenv.find_codex_home({"CODEX_HOME": str(f)})
    assert str(e.value) == f'CODEX_HOME points to "{f}", but that path is not a directory'
    with pytest.raises(StartupError) as e:
        dotenv.find_codex_home({"CODEX_HOME": str(f / "sub")})
    assert str(e.value) == f'failed to read CODEX_HOME "{f}/sub": Not a directory (os error 20)'
    # no CODEX_HOME (or an empty one): $HOME/.codex, normalized, relative to the cwd if need be
    assert dotenv.find_codex_home({"CODEX_HOME": "", "HOME": "/a//b/../c/"}) == "/a/c/.codex"
    assert dotenv.find_codex_home({"HOME": "rel"}) == os.getcwd() + "/rel/.codex"


def _startup_stderr(env: dict, capsys) -> str:
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        capsys.readouterr()
        dotenv.startup()
        return capsys.readouterr().err
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_startup_refuses_temp_dir_codex_home(tmp_path, capsys):
    home = tmp_path / "we\"i'rd\\é"
    home.mkdir()
    err = _startup_stderr({"CODEX_HOME": str(home), "TMPDIR": str(tmp_path) + "/"}, capsys)
    assert err == (f'{WARNING}Refusing to create helper binaries under temporary dir "{tmp_path}/" '
                   f'(codex_home: AbsolutePathBuf("{tmp_path}/we\\"i\'rd\\\\é"))\n')
    assert not (home / "tmp").exists()
    # component-wise: /x/tmpfoo is not under /x/tmp; an empty TMPDIR holds everything
    other = tmp_path / "tmpfoo"
    other.mkdir()
    assert _startup_stderr({"CODEX_HOME": str(other), "TMPDIR": str(tmp_path / "tmp")}, capsys) == ""
    assert "temporary dir \"\"" in _startup_stderr({"CODEX_HOME": str(other), "TMPDIR": ""}, capsys)


def test_startup_creates_codex_home_and_arg0_dir(tmp_path, capsys):
    home = tmp_path / "h"
    home.mkdir()
    err = _startup_stderr({"HOME": str(home), "TMPDIR": str(tmp_path / "elsewhere")}, capsys)
    assert err == ""
    arg0 = home / ".codex" / "tmp" / "arg0"
    assert arg0.is_dir()
    assert (arg0.stat().st_mode & 0o777) == 0o700
    assert list(arg0.iterdir()) == []  # no per-session link directory (DEVIATIONS.md)


def test_startup_io_errors(tmp_path, capsys):
    ch = tmp_path / "ch"
    (ch / "tmp").mkdir(parents=True)
    (ch / "tmp" / "arg0").write_text("")
    env = {"CODEX_HOME": str(ch), "TMPDIR": str(tmp_path / "elsewhere")}
    assert _startup_stderr(env, capsys) == f"{WARNING}File exists (os error 17)\n"
    (tmp_path / "hf").write_text("")
    env = {"HOME": str(tmp_path / "hf"), "TMPDIR": str(tmp_path / "elsewhere")}
    assert _startup_stderr(env, capsys) == f"{WARNING}Not a directory (os error 20)\n"
    env = {"CODEX_HOME": str(tmp_path / "missing"), "TMPDIR": str(tmp_path / "elsewhere")}
    assert _startup_stderr(env, capsys) == (
        f'{WARNING}CODEX_HOME points to "{tmp_path}/missing", but that path does not exist\n')


def _ours(args, env, cwd=None):
    src = str(Path(dotenv.__file__).resolve().parents[2])
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": src, **env}
    return subprocess.run([sys.executable, "-m", "codex", *args], env=full, cwd=cwd,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_version_prints_the_warning_first_and_arg0_tools_skip_start_up(tmp_path):
    env = {"HOME": str(tmp_path), "CODEX_HOME": str(tmp_path / "missing")}
    proc = _ours(["--version"], env)
    assert proc.stdout == "codex-cli 0.136.0\n"
    assert proc.stderr == f'{WARNING}CODEX_HOME points to "{tmp_path}/missing", but that path does not exist\n'
    # --codex-run-as-apply-patch is dispatched before the start-up: no warning, no .env
    proc = _ours(["--codex-run-as-apply-patch", "not a patch"], env)
    assert "WARNING" not in proc.stderr


# --------------------------------------------------------------------------------------------
# live, against the reference
# --------------------------------------------------------------------------------------------


def _need_reference():
    from parity.reference import ReferenceUnavailable, find_reference, reference_required

    try:
        return find_reference()
    except ReferenceUnavailable as exc:
        if reference_required():
            pytest.fail(f"reference Codex required (CI/CODEX_REQUIRE_REFERENCE) but unavailable: {exc}",
                        pytrace=False)
        pytest.skip(f"reference Codex unavailable: {exc}")


@pytest.fixture
def ref_env():
    _need_reference()
    from parity.reference import RefEnv

    with RefEnv(tag="dotenv") as env:
        yield env


# What the harness itself makes differ between the two runs of the same sandbox.
_HARNESS_VARS = {"PATH", "PWD", "PYTHONPATH", "LC_CTYPE", "CODEX_NO_EXTENSIONS", "CODEX_EXPECT_COMPILED",
                 "COVERAGE_PROCESS_START", "_"}

# (id, .env bytes, extra environment)
LIVE_ENV_CASES = [
    ("rules", b"# comment\nexport DT_EX=exported\nDT_SQ='single $HOME \\n'\n"
              b'DT_DQ="dq\\nline $DTPRE ${DTPRE}x"\nDT_UQ=$DTPRE/x${DTPRE}\nDT_TR=value # comment\n'
              b"DT_TR2=value  # two spaces\nCODEX_X=no\ncodex_y=no\nCodex_Z=no\nDT_OVR=new\n"
              b'DT_REF=$CODEX_X\nDT_ML="line1\nline2"\nDT_AFTER=yes\n',
     {"DTPRE": "pre", "DT_OVR": "old"}),
    ("bad_line_then_more", b"DT_A=1\nbad line\nDT_B=2\n=x\nDT_C=h\\8u\nDT_D=4", {}),
    ("unclosed_double", b'DT_A=0\nDT_B="unclosed\nDT_C=2\nDT_D=3', {}),
    ("unclosed_single", b"DT_A='unclosed\nDT_B=2", {}),
    ("quote_after_space_comment", b'DT_A=x #"y\nDT_B=z"\nDT_C=3', {}),
    ("backslash_newline", b"DT_A=x\\\nDT_B=2\nDT_C=x \\\nDT_D=4", {}),
    ("escapes", b"DT_A=x\\n\nDT_B=a\\ b\\$c\\\"d\\'e\nDT_C=\\q\nDT_D=2\n"
                b'DT_E="a\\"b\\\\c\\$d\\ne"\nDT_F="a\\tb"\nDT_G=\'a\\\'b\'\n', {}),
    ("trailing_space_at_eof", b"DT_A=1\nDT_B=2 ", {}),
    ("trailing_tab", b"DT_A=1\t\nDT_B=2", {}),
    ("export_and_keys", b"  export   DT_B = 3\nexport=ex\nexport\nDT_C=$DT_B$DT_B\nDT_D=${DT_B}_${export}\n"
                        b"DT_E=$DT_B_1\nDT_F=${UNDEF}z$UNDEF-\nDT_G=${DT_B\nDT_H=4\nexport\tDT_I=5\n"
                        b"exportDT=6\nDT.dot=7\n1BAD=1", {}),
    ("hash", b'DT_A=a#b\nDT_B=a #b\nDT_C="a" #c\nDT_D=\'a\'b"c"\nDT_E=a b\nDT_F="a"  #c\nDT_G=x\n'
             b"DT_H=1 \t#c\nDT_I=1\t#c\nDT_J=\"x\" # c \" d\nDT_K=\"x\" y", {}),
    ("substitution", b"DT_A=$\nDT_B=a$\nDT_C=${}\nDT_D=$DTPRE$DTPRE\nDT_E=${DTPRE}${DTPRE\n"
                     b"DT_F=$DTPRE.x\nDT_G=$DTPRE\"q\"\nDT_H=$DTPRE z\nDT_I=\"$DTPRE\"\n"
                     b"DT_J=\"${DTPRE} $DTPRE-\"\nDT_K=${DT_A B}\nDT_L=last", {"DTPRE": "pre"}),
    ("chained", b"DT_A=1\nDT_A=2\nDT_B=$DT_A\nCODEX_Q=file\nDT_C=$CODEX_Q\nDT_D=${CODEX_Q}\n"
                b"DT_KEY11=test_user\nDT_E=\">${DT_KEY11}<\"", {"CODEX_Q": "env"}),
    ("multiline", b'DT_A="multi\n# not a comment\nline"\nDT_B=after\nDT_C="a\nDT_D=b"\nDT_E=c\n'
                  b"DT_F='x\\\ny'\nDT_G=\"x\\\ny\"\nDT_H=end", {}),
    ("unicode_whitespace", 'DT_A=é$DTPRE ü\nDT_B=$DTPREé\nDT_C= "q"\nDT_D=\u00a0x\nDT_E=x\u00a0#c\n'
                           'DT_F=x\x1cy\nDT_G=x\u00a0y\n\u3000DT_H=ideographic'.encode(), {"DTPRE": "pre"}),
    ("crlf_and_cr", b'DT_A=1\r\nDT_B="x\r\ny"\r\nDT_C=v\rDT_D=w\nDT_E=3\r\n', {}),
    ("undecodable", b'\xff\xfeDT_A=1\nDT_B=2\nDT_C="a\n\xff\nDT_D=4\n', {}),
    ("bom", b"\xef\xbb\xbfDT_A=1\nDT_B=2", {}),
    ("empty", b"", {}),
]


def _env0(stdout: bytes) -> dict[str, str]:
    out = {}
    for item in stdout.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            out[k.decode("utf-8", "surrogateescape")] = v.decode("utf-8", "surrogateescape")
    return {k: v for k, v in out.items() if k not in _HARNESS_VARS}


@pytest.mark.reference
@pytest.mark.parametrize("case_id,data,extra", LIVE_ENV_CASES, ids=[c[0] for c in LIVE_ENV_CASES])
def test_live_dotenv_variables_equal_reference(ref_env, case_id, data, extra):
    ref_env.write(".env", data, base="codex_home")
    results = {}
    for which in ("reference", "ours"):
        r = ref_env.run(["sandbox", "--", "/usr/bin/env", "-0"], which=which, env=extra)
        results[which] = (r.exit_code, _env0(r.stdout_bytes))
        assert r.exit_code == 0, r.describe()
    assert results["ours"] == results["reference"]
    got = results["ours"][1]
    if case_id == "rules":  # the comparison is not vacuous
        assert got["DT_OVR"] == "new" and got["DT_DQ"] == "dq\nline pre prex" and got["DT_ML"] == "line1\nline2"
        assert "CODEX_X" not in got and "codex_y" not in got and got["DT_REF"] == "_X"


@pytest.mark.reference
def test_live_nul_in_value_panics_as_reference(ref_env):
    ref_env.write(".env", b"DT_A=1\nDT_B='x\x00y\"'\nDT_C=3\n", base="codex_home")
    got = {}
    for which in ("reference", "ours"):
        r = ref_env.run(["--version"], which=which)
        got[which] = (r.exit_code, r.stdout, re.sub(r"thread 'main' \(\d+\)", "thread 'main' (N)", r.stderr))
    assert got["ours"] == got["reference"]
    assert got["ours"][0] == 101


FULL_COMMANDS = [["--version"], ["--help"], ["features", "list"], ["mcp", "list"]]
FIRST_LINE_COMMANDS = [["exec", "hi"], ["sandbox", "--", "/bin/true"]]


def _scenario(ref_env, name):
    """The environment (and files) of a start-up scenario in the sandbox."""
    root = ref_env.root
    if name == "missing":
        return {"CODEX_HOME": str(root / "missing")}
    if name == "not_a_directory":
        (root / "file").write_text("")
        return {"CODEX_HOME": str(root / "file")}
    if name == "under_a_file":
        (root / "file").write_text("")
        return {"CODEX_HOME": str(root / "file" / "sub")}
    if name == "under_tmp":
        d = tempfile.mkdtemp(prefix="codex-dotenv-", dir="/tmp")
        ref_env._cleanup_tmp = d
        shutil.copy(ref_env.config_path, Path(d) / "config.toml")
        return {"CODEX_HOME": d}
    if name == "tmpdir_weird_name":
        home = root / "we\"i'rd\\é \t"
        home.mkdir()
        shutil.copy(ref_env.config_path, home / "config.toml")
        return {"CODEX_HOME": str(home), "TMPDIR": str(root)}
    if name == "arg0_is_a_file":
        (ref_env.codex_home / "tmp").mkdir()
        (ref_env.codex_home / "tmp" / "arg0").write_text("")
        return {}
    if name == "dotenv_sets_tmpdir":
        ref_env.write(".env", f"TMPDIR={root}\n", base="codex_home")
        return {}
    if name == "relative_home":
        return {"CODEX_HOME": "", "HOME": "relhome", "TMPDIR": str(ref_env.cwd)}
    if name == "fine":
        return {}
    raise AssertionError(name)


SCENARIOS = ["missing", "not_a_directory", "under_a_file", "under_tmp", "tmpdir_weird_name",
             "arg0_is_a_file", "dotenv_sets_tmpdir", "relative_home", "fine"]


@pytest.mark.reference
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_live_path_warning_equals_reference(ref_env, scenario):
    ref_env._cleanup_tmp = None
    extra = _scenario(ref_env, scenario)
    try:
        full = FULL_COMMANDS if scenario != "under_a_file" else FULL_COMMANDS[:2]
        for args in full:
            got = {}
            for which in ("reference", "ours"):
                r = ref_env.run(args, which=which, env=extra)
                got[which] = (r.exit_code, r.stdout, r.stderr)
            assert got["ours"] == got["reference"], args
            if scenario != "fine":
                assert got["ours"][2].startswith(WARNING), (args, got["ours"][2])
            else:
                assert WARNING not in got["ours"][2]
        if scenario in ("missing", "not_a_directory", "under_a_file", "fine"):
            return  # exec/sandbox go on to report the bad CODEX_HOME themselves (see below)
        for args in FIRST_LINE_COMMANDS:
            got = {}
            for which in ("reference", "ours"):
                r = ref_env.run(args, which=which, env=extra, timeout=90)
                got[which] = r.stderr.splitlines()[:1]
            assert got["ours"] == got["reference"], args
            assert got["ours"][0].startswith(WARNING)
    finally:
        if ref_env._cleanup_tmp:
            shutil.rmtree(ref_env._cleanup_tmp, ignore_errors=True)


@pytest.mark.reference
@pytest.mark.parametrize("scenario", ["missing", "not_a_directory", "under_a_file"])
def test_live_path_warning_first_line_of_exec_and_sandbox(ref_env, scenario):
    extra = _scenario(ref_env, scenario)
    for args in FIRST_LINE_COMMANDS:
        got = {}
        for which in ("reference", "ours"):
            r = ref_env.run(args, which=which, env=extra, timeout=90)
            got[which] = r.stderr.splitlines()[:1]
        assert got["ours"] == got["reference"], args
        assert got["ours"][0].startswith(WARNING)
