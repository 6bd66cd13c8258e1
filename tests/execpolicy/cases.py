"""`codex execpolicy check` cases: rules files + command lines. Shared by the fixture-driven test
(test_check_cases.py, against what the reference printed: fixtures/execpolicy/cases.json, written
by capture_cases.py) and the live differential test (tests/parity/test_execpolicy_live.py).

Each case: `files` (name -> text, written to the working directory) and `args` (after
`codex execpolicy check`); rules paths are relative so both programs print the same paths.
"""

from __future__ import annotations

BASIC = '''prefix_rule(pattern=["git", "status"], decision="allow")
prefix_rule(pattern=["rm"], decision="forbidden", justification="no rm")
prefix_rule(pattern=["git", ["push", "fetch"]], decision="prompt")
prefix_rule(pattern=[["npm", "yarn"], "install"])
prefix_rule(pattern=["git"], decision="prompt", justification="git needs a look")
'''

# The capture's own rules file (/work/shared/tools/refcapture/cli_capture.py).
CAPTURE = 'prefix_rule(pattern=["git", "status"], decision="allow")\nprefix_rule(pattern=["rm"], decision="forbidden")\n'

UPSTREAM_EXAMPLES = '''prefix_rule(
    pattern = ["git", "status"],
    match = [["git", "status"], "git status"],
    not_match = [
        ["git", "--config", "color.status=always", "status"],
        "git --config color.status=always status",
    ],
)
prefix_rule(
    pattern = ["npm", ["i", "install"], ["--legacy-peer-deps", "--no-save"]],
)
prefix_rule(
    pattern = [["bash", "sh"], ["-c", "-l"]],
)
'''

HOST = '''prefix_rule(pattern=["git", "status"], decision="prompt")
host_executable(name="git", paths=["/usr/bin/git", "/opt/homebrew/bin/git", "/usr/bin/git"])
'''

NETWORK = '''network_rule(host="google.com", protocol="http", decision="allow")
network_rule(host="api.github.com", protocol="https", decision="allow")
network_rule(host="blocked.example.com", protocol="https", decision="deny")
network_rule(host="Example.COM.:8080", protocol="socks5_tcp", decision="prompt", justification="j")
prefix_rule(pattern=["curl"], decision="prompt")
'''


def _one(rules: str, *command: str, flags: tuple[str, ...] = ()) -> dict:
    return {"files": {"t.rules": rules}, "args": [*flags, "--rules", "t.rules", *command]}


CASES: dict[str, dict] = {
    # ---- evaluation ---------------------------------------------------------------------
    "capture-allow": {"files": {"rules.codexpolicy": CAPTURE},
                      "args": ["--rules", "rules.codexpolicy", "git", "status"]},
    "capture-forbidden": {"files": {"rules.codexpolicy": CAPTURE},
                          "args": ["--rules", "rules.codexpolicy", "rm", "-rf", "x"]},
    "capture-nomatch": {"files": {"rules.codexpolicy": CAPTURE}, "args": ["--rules", "rules.codexpolicy", "ls"]},
    "allow-and-prompt": _one(BASIC, "git", "status"),
    "forbidden-justification": _one(BASIC, "rm", "-rf", "/"),
    "prompt-alternative": _one(BASIC, "git", "fetch", "origin"),
    "prompt-pretty": _one(BASIC, "git", "push", flags=("--pretty",)),
    "first-token-alternatives": _one(BASIC, "yarn", "install", "left-pad"),
    "no-match": _one(BASIC, "ls", "-l"),
    "no-match-pretty": _one(BASIC, "ls", flags=("--pretty",)),
    "prefix-longer-than-command": _one(BASIC, "npm"),
    "dash-command": {"files": {"t.rules": BASIC}, "args": ["-r", "t.rules", "--", "-n"]},
    "trailing-flag-is-command": _one(BASIC, "git", "--pretty"),
    "empty-token": _one(BASIC, ""),
    "unicode-and-escapes": _one('prefix_rule(pattern=["git", "x\\u00e9\\n\\t\\u0001\\"y"], justification="é\\u001f")\n',
                                "git", "xé\n\t\x01\"y", flags=("--pretty",)),
    "multiple-files": {"files": {"a.rules": 'prefix_rule(pattern=["git"], decision="prompt")\n',
                                 "b.rules": 'prefix_rule(pattern=["git", "commit"], decision="forbidden")\n'},
                       "args": ["-r", "a.rules", "-r", "b.rules", "git", "commit", "-m", "hi"]},
    "same-file-twice": {"files": {"a.rules": CAPTURE}, "args": ["-r", "a.rules", "--rules", "a.rules", "git", "status"]},
    "upstream-examples-match": _one(UPSTREAM_EXAMPLES, "git", "status"),
    "upstream-examples-not-match": _one(UPSTREAM_EXAMPLES, "git", "--config", "color.status=always", "status"),
    "upstream-tail-alts": _one(UPSTREAM_EXAMPLES, "npm", "install", "--no-save", "leftpad"),
    "upstream-head-alts": _one(UPSTREAM_EXAMPLES, "sh", "-l", "echo", "hi"),
    "starlark-features": _one('''
CMDS = ["status", "diff", "log"]
def allow(*tokens, **kw):
    prefix_rule(pattern=list(tokens), **kw)
[allow("git", c) for c in CMDS]
for tool in ("cargo", "go"):
    allow(tool, "build", decision="prompt")
name = "make"
allow(f"{name}", justification="builds " + name)
''', "go", "build", "./..."),
    "starlark-fstring-match": _one('''
name = "make"
prefix_rule(pattern=[f"{name}"], justification="builds " + name)
''', "make", "all"),
    "host-exec-not-resolved": _one(HOST, "/usr/bin/git", "status"),
    "host-exec-resolved": _one(HOST, "/usr/bin/git", "status", flags=("--resolve-host-executables",)),
    "host-exec-other-path": _one(HOST, "/bin/git", "status", flags=("--resolve-host-executables",)),
    "host-exec-normalized": _one(HOST, "/usr//bin/../bin/./git", "status", flags=("--resolve-host-executables",)),
    "host-exec-no-mapping": _one('prefix_rule(pattern=["git"], decision="prompt")\n', "/usr/local/bin/git", "x",
                                 flags=("--resolve-host-executables",)),
    "host-exec-empty-allowlist": _one('prefix_rule(pattern=["git"])\nhost_executable(name="git", paths=[])\n',
                                      "/usr/bin/git", flags=("--resolve-host-executables",)),
    "host-exec-exact-wins": _one('prefix_rule(pattern=["/usr/bin/git"])\nprefix_rule(pattern=["git"], decision="prompt")\n',
                                 "/usr/bin/git", "status", flags=("--resolve-host-executables",)),
    "host-exec-relative-program": _one(HOST, "bin/git", "status", flags=("--resolve-host-executables",)),
    "network-rules-load": _one(NETWORK, "curl", "https://example.com"),
    "empty-file": _one("", "ls"),
    "comments-only": _one("# nothing here\n\n", "ls"),
    # ---- load errors --------------------------------------------------------------------
    "missing-file": {"files": {}, "args": ["-r", "nope.rules", "ls"]},
    "directory": {"files": {"d.rules/x": ""}, "args": ["-r", "d.rules", "ls"]},
    "invalid-utf8": {"files": {"bin.rules": b"\xff\xfe"}, "args": ["-r", "bin.rules", "ls"]},
    "second-file-missing": {"files": {"a.rules": CAPTURE}, "args": ["-r", "a.rules", "-r", "b.rules", "ls"]},
    "second-file-broken": {"files": {"a.rules": CAPTURE, "b.rules": "prefix_rule(\n"},
                           "args": ["-r", "a.rules", "-r", "b.rules", "ls"]},
    "syntax-error": _one('prefix_rule(pattern=["git"\n', "git"),
    "syntax-error-line3": _one('x = 1\n\nif x:\n  y = (\n', "git"),
    "unknown-variable": _one("x = 1\ny = z\n", "git"),
    "typo-builtin": _one('prefix_rul(["a"])\n', "a"),
    "print-missing": _one('print("hi")\n', "a"),
    "load-unavailable": _one('load("foo.star", "x")\n', "a"),
    "bad-decision": _one('prefix_rule(pattern=["git"], decision="maybe")\n', "git"),
    "bad-decision-ask": _one('prefix_rule(pattern=["git"], decision="ask")\n', "git"),
    "decision-none": _one('prefix_rule(pattern=["a"], decision=None)\n', "a"),
    "decision-int": _one('prefix_rule(pattern=["a"], decision=1, justification=1)\n', "a"),
    "justification-empty": _one('prefix_rule(pattern=["a"], justification="  ")\n', "a"),
    "justification-int": _one('prefix_rule(pattern=["a"], decision="x", justification=1)\n', "a"),
    "reviewer-unknown": _one('prefix_rule(pattern=["git"], decision="prompt", reviewer="user")\n', "git"),
    "extra-named": _one('prefix_rule(pattern=["a"], foo=1, pattern2=3, decision=5)\n', "a"),
    "extra-positional": _one('prefix_rule(["a"], "allow", ["a"], ["b"], "j", 5)\n', "a"),
    "positional-ok": _one('prefix_rule(["git"], "prompt")\n', "git"),
    "duplicate-argument": _one('prefix_rule(["a"], foo=1, pattern=2)\n', "a"),
    "missing-pattern": _one("prefix_rule(foo=1)\n", "a"),
    "pattern-int": _one("prefix_rule(pattern=1)\n", "a"),
    "pattern-string": _one('prefix_rule(pattern="abc")\n', "a"),
    "pattern-long-string": _one('prefix_rule(pattern="' + "x" * 300 + '")\n', "a"),
    "pattern-dict": _one('prefix_rule(pattern={"a": [1, 2, "x\\ty\\"z"]})\n', "a"),
    "pattern-empty": _one("prefix_rule(pattern=[])\n", "a"),
    "pattern-element-int": _one("prefix_rule(pattern=[1])\n", "a"),
    "pattern-alts-empty": _one("prefix_rule(pattern=[[]])\n", "a"),
    "pattern-alt-int": _one("prefix_rule(pattern=[[1]])\n", "a"),
    "error-in-def": _one('def f(x):\n    prefix_rule(pattern=x)\nf(["a"])\nf(1)\n', "a"),
    "tuple-pattern": _one('prefix_rule(pattern=("a",))\n', "a"),
    "tuple-pattern-pair": _one('prefix_rule(pattern=("a", ["b", ("c",)]))\n', "a"),
    "tuple-pattern-element": _one('prefix_rule(pattern=["git", ("a", "b")])\n', "git", "a"),
    "tuple-alternative": _one('prefix_rule(pattern=["git", ["a", ("b",)]])\n', "git", "a"),
    "tuple-example": _one('prefix_rule(pattern=["git"], match=[("git", "x")])\n', "git"),
    "tuple-example-token": _one('prefix_rule(pattern=["git"], not_match=[["git", ("x",)]])\n', "git"),
    "tuple-examples-arg": _one('prefix_rule(pattern=["git"], match=("git",))\n', "git"),
    "tuple-host-paths": _one('host_executable(name="git", paths=("/usr/bin/git",))\n', "git"),
    "tuple-host-path-element": _one('host_executable(name="git", paths=[("/usr/bin/git",)])\n', "git"),
    "tuple-through-variable": _one('P = ("a",)\nprefix_rule(pattern=P)\n', "a"),
    "tuple-in-function": _one('def f():\n    prefix_rule(pattern=("a",))\nf()\n', "a"),
    "tuple-empty": _one('prefix_rule(pattern=())\n', "a"),
    # ---- match / not_match examples -----------------------------------------------------
    "match-fails": _one('prefix_rule(pattern=["git"], match=["ls"])\n', "git"),
    "match-fails-alts": _one('prefix_rule(pattern=["git", ["a", "b"]], match=["ls", ["x", "y"], "git a"], justification="j")\n', "git"),
    "match-fails-escapes": _one('prefix_rule(pattern=["g\\"it\\\\x"], match=["nope"], justification="a\\"b\\tc")\n', "a"),
    "match-fails-head-alts": _one('prefix_rule(pattern=[["bash", "sh"], "-c"], match=["zsh -c x"], decision="forbidden")\n', "a"),
    "match-quoting": _one('''prefix_rule(pattern=["echo"], match=[["ls", "it's", "a b", "", "$HOME", "^x", "q\\"x", "é"]])\n''', "a"),
    "not-match-fails": _one('prefix_rule(pattern=["git"], not_match=["git x"])\n', "git"),
    "not-match-list": _one('prefix_rule(pattern=["a"], not_match=[["a", "b c"], "a x"])\n', "a"),
    "not-match-host-resolved": _one('prefix_rule(pattern=["git"], not_match=["/usr/bin/git x"])\n', "a"),
    "match-host-gated": _one('prefix_rule(pattern=["git"], match=["/usr/bin/git x"])\nhost_executable(name="git", paths=["/opt/git"])\n', "a"),
    "match-host-ok": _one('prefix_rule(pattern=["git"], match=["/usr/bin/git x"])\n', "git"),
    "example-int": _one('prefix_rule(pattern=["a"], match=[1], not_match=[2])\n', "a"),
    "example-empty-string": _one('prefix_rule(pattern=["a"], match=[""])\n', "a"),
    "example-empty-list": _one('prefix_rule(pattern=["a"], match=[[]])\n', "a"),
    "example-bad-shell": _one('prefix_rule(pattern=["a"], match=["a \\"b"])\n', "a"),
    "example-token-int": _one('prefix_rule(pattern=["a"], match=[[1]])\n', "a"),
    "example-not-list": _one('prefix_rule(pattern=["a"], match="a")\n', "a"),
    "example-shell-comment": _one('prefix_rule(pattern=["a"], match=["a # b"], not_match=["# a"])\n', "a"),
    "examples-checked-per-file": {"files": {"a.rules": 'prefix_rule(pattern=["git"], match=["/usr/bin/git"])\n',
                                            "b.rules": 'host_executable(name="git", paths=["/opt/git"])\n'},
                                  "args": ["-r", "a.rules", "-r", "b.rules", "git"]},
    # ---- host_executable / network_rule errors ------------------------------------------
    "host-exec-relative": _one('host_executable(name="git", paths=["usr/bin/git"])\n', "git"),
    "host-exec-tilde": _one('host_executable(name="git", paths=["~/bin/git"])\n', "git"),
    "host-exec-basename": _one('host_executable(name="git", paths=["/usr/bin/gitx"])\n', "git"),
    "host-exec-dotdot": _one('host_executable(name="git", paths=["/usr/bin/git/.."])\n', "git"),
    "host-exec-name-slash": _one('host_executable(name="a/b", paths=[])\n', "git"),
    "host-exec-name-empty": _one('host_executable(name="", paths=[])\n', "git"),
    "host-exec-name-dot": _one('host_executable(name=".", paths=[])\n', "git"),
    "host-exec-path-int": _one('host_executable(name="git", paths=[1])\n', "git"),
    "host-exec-missing-paths": _one('host_executable("git")\n', "git"),
    "host-exec-extra": _one('host_executable(name="git", paths=["/usr/bin/git"], foo=1)\n', "git"),
    "network-bad-protocol": _one('network_rule(host="example.com", protocol="ftp", decision="deny")\n', "curl"),
    "network-ask": _one('network_rule(host="example.com", protocol="https", decision="ask")\n', "curl"),
    "network-scheme": _one('network_rule(host="http://example.com", protocol="http", decision="allow")\n', "curl"),
    "network-wildcard": _one('network_rule(host="*.example.com", protocol="http", decision="allow")\n', "curl"),
    "network-empty-host": _one('network_rule(host="  ", protocol="http", decision="allow")\n', "curl"),
    "network-ipv6-bad": _one('network_rule(host="[::1", protocol="http", decision="allow")\n', "curl"),
    "network-ipv6-suffix": _one('network_rule(host="[::1]x", protocol="http", decision="allow")\n', "curl"),
    "network-whitespace": _one('network_rule(host="a b", protocol="http", decision="allow")\n', "curl"),
    "network-justification-empty": _one('network_rule(host="a", protocol="http", decision="allow", justification=" ")\n', "curl"),
    "network-missing": _one("network_rule()\n", "curl"),
    # ---- feature toggles (checked before the rules are read) ----------------------------
    "unknown-feature": {"files": {}, "args": ["--enable", "nope", "-r", "missing.rules", "ls"]},
    "known-feature": {"files": {"a.rules": CAPTURE}, "args": ["--enable", "unified_exec", "-r", "a.rules", "ls"]},
    "bad-config-override-ignored": {"files": {"a.rules": CAPTURE}, "args": ["-c", "x=[", "-r", "a.rules", "ls"]},
}

# Where ours differs (documented in codex/execpolicy/parser.py): starlark-pyo3 passes tuples to
# Python callables as lists, and a tuple is only recognised when it is written literally in a
# top-level call, so these invalid files load instead of failing with upstream's type error.
KNOWN_DIFFERENT = {"tuple-through-variable", "tuple-in-function"}
