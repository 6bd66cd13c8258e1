"""Rules folders of the config layers, load errors as the user sees them, and appending approved
rules to `$CODEX_HOME/rules/default.rules` (upstream core/src/exec_policy.rs and amend.rs)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codex.execpolicy.amend import AmendError, blocking_append_allow_prefix_rule, blocking_append_network_rule
from codex.execpolicy.decision import Decision
from codex.execpolicy.loader import (
    ExecPolicyError,
    ExecPolicyUpdateError,
    append_allow_prefix_rule,
    collect_policy_files,
    default_policy_path,
    format_exec_policy_error_with_source,
    load_exec_policy,
    load_exec_policy_with_warning,
)
from codex.execpolicy.parser import PolicyParser
from codex.execpolicy.policy import Policy

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "execpolicy"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ---- finding the files ---------------------------------------------------------------------


def test_collect_policy_files_sorted_rules_files_only(tmp_path):
    rules = tmp_path / "rules"
    for name in ("b.rules", "a.rules", "Z.rules", "notes.txt", "x.rules.bak", ".rules"):
        write(rules / name, "")
    (rules / "dir.rules").mkdir()
    os.symlink(rules / "a.rules", rules / "link.rules")
    assert [os.path.basename(p) for p in collect_policy_files(rules)] == ["Z.rules", "a.rules", "b.rules"]


def test_missing_rules_folder_is_empty(tmp_path):
    assert collect_policy_files(tmp_path / "nope") == []
    assert load_exec_policy([tmp_path / "a", tmp_path / "b"]).rules() == {}


def test_unreadable_rules_folder(tmp_path):
    write(tmp_path / "layer" / "rules", "a file, not a folder")
    with pytest.raises(ExecPolicyError) as exc:
        load_exec_policy([tmp_path / "layer"])
    assert exc.value.kind == "ReadDir"
    assert str(exc.value) == f"failed to read rules files from {tmp_path}/layer/rules: Not a directory (os error 20)"


def test_layers_load_lowest_precedence_first(tmp_path):
    system, user, project = tmp_path / "etc", tmp_path / "home", tmp_path / "proj" / ".codex"
    write(system / "rules" / "default.rules", 'prefix_rule(pattern=["git"], decision="allow")\n')
    write(user / "rules" / "b.rules", 'prefix_rule(pattern=["git", "push"], decision="prompt")\n')
    write(user / "rules" / "a.rules", 'prefix_rule(pattern=["git", "push"], decision="allow")\n')
    write(project / "rules" / "x.rules", 'prefix_rule(pattern=["git", "push", "--force"], decision="forbidden")\n')
    policy = load_exec_policy([system, user, project])
    matches = policy.matches_for_command(["git", "push", "--force"])
    assert [(m.matched_prefix, m.decision) for m in matches] == [
        (["git"], Decision.ALLOW),
        (["git", "push"], Decision.ALLOW),  # a.rules before b.rules
        (["git", "push"], Decision.PROMPT),
        (["git", "push", "--force"], Decision.FORBIDDEN),
    ]


def test_requirements_policy_is_overlaid(tmp_path):
    write(tmp_path / "rules" / "default.rules", 'prefix_rule(pattern=["git"])\n')
    parser = PolicyParser()
    parser.parse("requirements", 'prefix_rule(pattern=["git", "push"], decision="forbidden")')
    policy = load_exec_policy([tmp_path], parser.build())
    assert policy.check(["git", "push"], lambda c: Decision.ALLOW).decision == Decision.FORBIDDEN


# ---- errors ---------------------------------------------------------------------------------


def _load_cases():
    return json.loads((FIXTURES / "load_errors.json").read_text())["cases"]


@pytest.mark.parametrize("case", _load_cases(), ids=lambda c: c["rules"][:30])
def test_load_error_message_as_the_reference_prints_it(tmp_path, case):
    path = write(tmp_path / "rules" / "default.rules", case["rules"])
    with pytest.raises(ExecPolicyError) as exc:
        load_exec_policy([tmp_path])
    assert exc.value.kind == "ParsePolicy"
    assert str(exc.value).startswith(f"failed to parse rules file {path}: ")
    message = format_exec_policy_error_with_source(exc.value)
    if "message" in case:
        assert message == case["message"].replace("<RULES>", str(path))
    else:
        assert message.startswith(case["message_prefix"].replace("<RULES>", str(path)))


def test_parse_error_is_a_warning_read_error_is_not(tmp_path):
    write(tmp_path / "rules" / "default.rules", 'prefix_rule(pattern=["git"], decision="deny")\n')
    policy, warning = load_exec_policy_with_warning([tmp_path])
    assert policy.rules() == {} and warning is not None and warning.kind == "ParsePolicy"
    (tmp_path / "rules" / "default.rules").write_bytes(b"\xff")
    with pytest.raises(ExecPolicyError) as exc:
        load_exec_policy_with_warning([tmp_path])
    assert exc.value.kind == "ReadFile"
    assert str(exc.value).endswith(": stream did not contain valid UTF-8")


def test_example_errors_carry_the_call_location():
    parser = PolicyParser()
    with pytest.raises(Exception) as exc:
        parser.parse("f.rules", 'x = 1\nprefix_rule(pattern=["a"])\n\nprefix_rule(\n  pattern=["é", "b"], match=["c"])\n')
    loc = exc.value.location()
    assert (loc.path, loc.range.start.line, loc.range.start.column, loc.range.end.line, loc.range.end.column) == (
        "f.rules", 4, 1, 5, 35)


def test_example_errors_without_a_static_call_site_have_no_location():
    parser = PolicyParser()
    with pytest.raises(Exception) as exc:
        parser.parse("f.rules", 'def f():\n  prefix_rule(pattern=["a"], match=["b"])\nf()\n')
    assert exc.value.location() is None


# ---- appending approved rules ---------------------------------------------------------------


def test_append_creates_the_rules_folder_and_dedupes(tmp_path):
    path = tmp_path / "rules" / "default.rules"
    blocking_append_allow_prefix_rule(path, ["echo", "Hello, world!"])
    blocking_append_allow_prefix_rule(path, ["echo", "Hello, world!"])
    assert path.read_text() == 'prefix_rule(pattern=["echo", "Hello, world!"], decision="allow")\n'


def test_append_adds_missing_newline(tmp_path):
    path = write(tmp_path / "rules" / "default.rules", 'prefix_rule(pattern=["ls"], decision="allow")')
    blocking_append_allow_prefix_rule(path, ["echo", 'say "hi"\n', "é\\"])
    assert path.read_text() == (
        'prefix_rule(pattern=["ls"], decision="allow")\n'
        'prefix_rule(pattern=["echo", "say \\"hi\\"\\n", "é\\\\"], decision="allow")\n')
    # What was written loads back to the same prefix.
    parser = PolicyParser()
    parser.parse(str(path), path.read_text())
    assert parser.build().matches_for_command(["echo", 'say "hi"\n', "é\\"])


def test_append_errors(tmp_path):
    with pytest.raises(AmendError) as exc:
        blocking_append_allow_prefix_rule(tmp_path / "rules" / "default.rules", [])
    assert str(exc.value) == "prefix rule requires at least one token"
    with pytest.raises(AmendError) as exc:
        blocking_append_allow_prefix_rule(tmp_path / "no" / "such" / "default.rules", ["ls"])
    assert str(exc.value) == f"failed to create policy directory {tmp_path}/no/such: No such file or directory (os error 2)"


def test_append_network_rule(tmp_path):
    path = tmp_path / "rules" / "default.rules"
    blocking_append_network_rule(path, " api.example.com ", "https", "allow", "Allow API calls")
    blocking_append_network_rule(path, "x.example.com", "http", "deny")
    assert path.read_text() == (
        'network_rule(host="api.example.com", protocol="https", decision="allow", justification="Allow API calls")\n'
        'network_rule(host="x.example.com", protocol="http", decision="deny")\n')
    for args, message in [((" ", "https", "allow"), "network rule host cannot be empty"),
                          (("a.com", "socks5", "allow"), "network rule protocol must be http or https"),
                          (("a.com", "https", "prompt"), "network rule decision must be allow, deny, or ask")]:
        with pytest.raises(AmendError) as exc:
            blocking_append_network_rule(path, *args)
        assert str(exc.value) == message


def test_append_allow_prefix_rule_to_codex_home_updates_the_policy(tmp_path):
    assert default_policy_path(tmp_path) == f"{tmp_path}/rules/default.rules"
    policy = Policy.empty()
    updated = append_allow_prefix_rule(tmp_path, ["cargo", "test"], policy)
    assert updated is not policy and policy.rules() == {}
    assert updated.check(["cargo", "test", "-q"], lambda c: Decision.PROMPT).decision == Decision.ALLOW
    assert append_allow_prefix_rule(tmp_path, ["cargo", "test"], updated) is updated  # already allowed
    assert load_exec_policy([tmp_path]).check(["cargo", "test"], lambda c: Decision.PROMPT).decision == Decision.ALLOW
    write(tmp_path / "blocked" / "rules", "not a dir")
    with pytest.raises(ExecPolicyUpdateError) as exc:
        append_allow_prefix_rule(tmp_path / "blocked", ["ls"])
    assert str(exc.value).startswith(f"failed to update rules file {tmp_path}/blocked/rules/default.rules: ")
