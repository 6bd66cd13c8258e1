"""Parsing and evaluation (ports of upstream's codex-rs/execpolicy/tests/basic.rs)."""

from __future__ import annotations

import pytest

from codex.execpolicy.decision import Decision
from codex.execpolicy.error import Error, InvalidDecision, InvalidPattern
from codex.execpolicy.parser import PolicyParser
from codex.execpolicy.policy import Evaluation, MatchOptions, Policy
from codex.execpolicy.rule import (
    HeuristicsRuleMatch,
    NetworkRuleProtocol,
    PatternToken,
    PrefixPattern,
    PrefixRule,
    PrefixRuleMatch,
)

RESOLVE = MatchOptions(resolve_host_executables=True)


def allow_all(_cmd):
    return Decision.ALLOW


def prompt_all(_cmd):
    return Decision.PROMPT


def parse(*sources: str) -> Policy:
    parser = PolicyParser()
    for i, src in enumerate(sources):
        parser.parse(f"test{i}.rules", src)
    return parser.build()


def prefix_match(prefix, decision, resolved=None, justification=None):
    return PrefixRuleMatch(list(prefix), decision, resolved, justification)


def test_decision_order_and_parse():
    assert Decision.ALLOW < Decision.PROMPT < Decision.FORBIDDEN
    assert Decision.parse("prompt") is Decision.PROMPT
    with pytest.raises(InvalidDecision) as exc:
        Decision.parse("deny")
    assert str(exc.value) == "invalid decision: deny"


def test_basic_match():
    policy = parse('prefix_rule(\n    pattern = ["git", "status"],\n)\n')
    assert policy.check(["git", "status"], allow_all) == Evaluation(
        Decision.ALLOW, [prefix_match(["git", "status"], Decision.ALLOW)])


def test_justification_is_attached_to_forbidden_matches():
    policy = parse('prefix_rule(pattern=["rm"], decision="forbidden", justification="destructive command")')
    assert policy.check(["rm", "-rf", "/some/important/folder"], allow_all) == Evaluation(
        Decision.FORBIDDEN, [prefix_match(["rm"], Decision.FORBIDDEN, justification="destructive command")])


def test_justification_can_be_used_with_allow_decision():
    policy = parse('prefix_rule(pattern=["ls"], decision="allow", justification="safe and commonly used")')
    evaluation = policy.check(["ls", "-l"], prompt_all)
    assert evaluation.decision == Decision.ALLOW
    assert evaluation.matched_rules[0].justification == "safe and commonly used"


@pytest.mark.parametrize("value", ["   ", "", "\u3000"])
def test_justification_cannot_be_empty(value):
    with pytest.raises(Error) as exc:
        parse(f'prefix_rule(pattern=["ls"], decision="prompt", justification="{value}")')
    assert "invalid rule: justification cannot be empty" in str(exc.value)


def test_add_prefix_rule_extends_policy():
    policy = Policy.empty()
    policy.add_prefix_rule(["ls", "-l"], Decision.PROMPT)
    assert policy.rules()["ls"] == [
        PrefixRule(PrefixPattern("ls", (PatternToken.single("-l"),)), Decision.PROMPT, None)]
    assert policy.check(["ls", "-l", "/some/important/folder"], allow_all) == Evaluation(
        Decision.PROMPT, [prefix_match(["ls", "-l"], Decision.PROMPT)])


def test_add_prefix_rule_rejects_empty_prefix():
    with pytest.raises(InvalidPattern) as exc:
        Policy.empty().add_prefix_rule([], Decision.ALLOW)
    assert exc.value.message == "prefix cannot be empty"


def test_parses_multiple_policy_files():
    policy = parse('prefix_rule(pattern=["git"], decision="prompt")',
                   'prefix_rule(pattern=["git", "commit"], decision="forbidden")')
    assert policy.rules()["git"] == [
        PrefixRule(PrefixPattern("git", ()), Decision.PROMPT),
        PrefixRule(PrefixPattern("git", (PatternToken.single("commit"),)), Decision.FORBIDDEN),
    ]
    assert policy.check(["git", "status"], allow_all) == Evaluation(
        Decision.PROMPT, [prefix_match(["git"], Decision.PROMPT)])
    assert policy.check(["git", "commit", "-m", "hi"], allow_all) == Evaluation(
        Decision.FORBIDDEN,
        [prefix_match(["git"], Decision.PROMPT), prefix_match(["git", "commit"], Decision.FORBIDDEN)])


def test_only_first_token_alias_expands_to_multiple_rules():
    policy = parse('prefix_rule(pattern = [["bash", "sh"], ["-c", "-l"]])')
    alts = (PatternToken(("-c", "-l")),)
    assert policy.rules()["bash"] == [PrefixRule(PrefixPattern("bash", alts), Decision.ALLOW)]
    assert policy.rules()["sh"] == [PrefixRule(PrefixPattern("sh", alts), Decision.ALLOW)]
    assert policy.check(["sh", "-l", "echo", "hi"], allow_all).matched_rules == [
        prefix_match(["sh", "-l"], Decision.ALLOW)]


def test_single_alternative_is_a_single_token():
    policy = parse('prefix_rule(pattern = ["git", ["status"]])')
    assert policy.rules()["git"][0].pattern.rest == (PatternToken.single("status"),)
    assert policy.rules()["git"][0].debug() == (
        'PrefixRule { pattern: PrefixPattern { first: "git", rest: [Single("status")] }, decision: Allow, '
        "justification: None }")


def test_tail_aliases_are_not_cartesian_expanded():
    policy = parse('prefix_rule(pattern = ["npm", ["i", "install"], ["--legacy-peer-deps", "--no-save"]])')
    assert len(policy.rules()["npm"]) == 1
    assert policy.check(["npm", "install", "--no-save", "leftpad"], allow_all).matched_rules == [
        prefix_match(["npm", "install", "--no-save"], Decision.ALLOW)]


def test_match_and_not_match_examples_are_enforced():
    policy = parse('''prefix_rule(
    pattern = ["git", "status"],
    match = [["git", "status"], "git status"],
    not_match = [
        ["git", "--config", "color.status=always", "status"],
        "git --config color.status=always status",
    ],
)''')
    cmd = ["git", "--config", "color.status=always", "status"]
    assert policy.check(cmd, allow_all) == Evaluation(Decision.ALLOW, [HeuristicsRuleMatch(cmd, Decision.ALLOW)])


def test_strictest_decision_wins_across_matches_and_commands():
    policy = parse('prefix_rule(pattern=["git"], decision="prompt")\n'
                   'prefix_rule(pattern=["git", "commit"], decision="forbidden")\n')
    evaluation = policy.check_multiple([["git", "status"], ["git", "commit", "-m", "hi"]], allow_all)
    assert evaluation.decision == Decision.FORBIDDEN
    assert [m.matched_prefix for m in evaluation.matched_rules] == [["git"], ["git"], ["git", "commit"]]
    assert evaluation.is_match()


def test_heuristics_match_is_returned_when_no_policy_matches():
    evaluation = Policy.empty().check(["python"], prompt_all)
    assert evaluation == Evaluation(Decision.PROMPT, [HeuristicsRuleMatch(["python"], Decision.PROMPT)])
    assert not evaluation.is_match()
    assert evaluation.to_json() == {"decision": "prompt", "matchedRules": [
        {"heuristicsRuleMatch": {"command": ["python"], "decision": "prompt"}}]}


def test_no_match_without_fallback_is_empty():
    assert parse('prefix_rule(pattern=["git"])').matches_for_command(["ls"]) == []
    assert parse('prefix_rule(pattern=["git"])').matches_for_command([]) == []


def test_parses_host_executable_paths_deduplicated_and_last_definition_wins():
    policy = parse('host_executable(name="git", paths=["/opt/homebrew/bin/git", "/usr/bin/git", "/usr/bin/git"])')
    assert policy.host_executables()["git"] == ("/opt/homebrew/bin/git", "/usr/bin/git")
    policy = parse('host_executable(name="git", paths=["/usr/bin/git"])',
                   'host_executable(name="git", paths=["/opt/homebrew/bin/git"])')
    assert policy.host_executables()["git"] == ("/opt/homebrew/bin/git",)


@pytest.mark.parametrize("src, fragment", [
    ('host_executable(name = "git", paths = ["git"])', "host_executable paths must be absolute"),
    ('host_executable(name = "/usr/bin/git", paths = ["/usr/bin/git"])',
     "host_executable name must be a bare executable name"),
    ('host_executable(name = "git", paths = ["/usr/bin/rg"])', "must have basename `git`"),
    ('network_rule(host="*", protocol="http", decision="allow")', "wildcards are not allowed"),
])
def test_invalid_rules(src, fragment):
    with pytest.raises(Error) as exc:
        parse(src)
    assert fragment in str(exc.value)


def test_host_executable_resolution():
    policy = parse('prefix_rule(pattern = ["git", "status"], decision = "prompt")\n'
                   'host_executable(name = "git", paths = ["/usr/bin/git"])\n')
    assert policy.check(["/usr/bin/git", "status"], allow_all, RESOLVE) == Evaluation(
        Decision.PROMPT, [prefix_match(["git", "status"], Decision.PROMPT, resolved="/usr/bin/git")])
    # Off by default; other paths are not in the allowlist.
    assert policy.check(["/usr/bin/git", "status"], allow_all).matched_rules[0] == HeuristicsRuleMatch(
        ["/usr/bin/git", "status"], Decision.ALLOW)
    assert isinstance(policy.check(["/opt/homebrew/bin/git", "status"], allow_all, RESOLVE).matched_rules[0],
                      HeuristicsRuleMatch)


def test_host_executable_resolution_respects_explicit_empty_allowlist():
    policy = parse('prefix_rule(pattern = ["git"], decision = "prompt")\nhost_executable(name = "git", paths = [])')
    assert policy.check(["/usr/bin/git", "status"], allow_all, RESOLVE).decision == Decision.ALLOW


def test_host_executable_resolution_falls_back_without_mapping():
    policy = parse('prefix_rule(pattern = ["git"], decision = "prompt")')
    assert policy.check(["/usr/bin/git", "status"], allow_all, RESOLVE).matched_rules == [
        prefix_match(["git"], Decision.PROMPT, resolved="/usr/bin/git")]


def test_host_executable_resolution_does_not_override_exact_match():
    policy = parse('prefix_rule(pattern = ["/usr/bin/git"], decision = "allow")\n'
                   'prefix_rule(pattern = ["git"], decision = "prompt")\n'
                   'host_executable(name = "git", paths = ["/usr/bin/git"])\n')
    assert policy.check(["/usr/bin/git", "status"], allow_all, RESOLVE).matched_rules == [
        prefix_match(["/usr/bin/git"], Decision.ALLOW)]


def test_network_rules_compile_into_domain_lists():
    policy = parse('''
network_rule(host = "google.com", protocol = "http", decision = "allow")
network_rule(host = "api.github.com", protocol = "https", decision = "allow")
network_rule(host = "blocked.example.com", protocol = "https", decision = "deny")
network_rule(host = "prompt-only.example.com", protocol = "https", decision = "prompt")
''')
    assert len(policy.network_rules) == 4
    assert policy.network_rules[1].protocol is NetworkRuleProtocol.HTTPS
    assert policy.compiled_network_domains() == (["google.com", "api.github.com"], ["blocked.example.com"])


@pytest.mark.parametrize("raw, host", [
    ("Example.COM", "example.com"), ("example.com.", "example.com"), ("example.com:443", "example.com"),
    ("[::1]:8080", "::1"), ("[::1]", "::1"), ("::1", "::1"), ("  a.b  ", "a.b"),
])
def test_network_host_normalization(raw, host):
    policy = parse(f'network_rule(host="{raw}", protocol="https_connect", decision="allow")')
    assert policy.network_rules[0].host == host
    assert policy.network_rules[0].protocol is NetworkRuleProtocol.HTTPS


def test_allowed_prefixes_render_alternatives_sorted_and_deduplicated():
    policy = parse('prefix_rule(pattern=["npm", ["i", "install"]])\n'
                   'prefix_rule(pattern=["git", "status"])\nprefix_rule(pattern=["git", "status"])\n'
                   'prefix_rule(pattern=["rm"], decision="forbidden")\n')
    assert policy.get_allowed_prefixes() == [["git", "status"], ["npm", "[i|install]"]]


def test_merge_overlay_appends_rules():
    base = parse('prefix_rule(pattern=["git"], decision="prompt")')
    overlay = parse('prefix_rule(pattern=["git", "push"], decision="forbidden")')
    merged = base.merge_overlay(overlay)
    assert merged.check(["git", "push"], allow_all).decision == Decision.FORBIDDEN
    assert len(base.rules()["git"]) == 1


def test_failed_file_is_reported_with_rules_of_other_files_kept():
    parser = PolicyParser()
    parser.parse("a.rules", 'prefix_rule(pattern=["git"])')
    with pytest.raises(Error):
        parser.parse("b.rules", 'prefix_rule(pattern=["x"], decision="nope")')
    assert "git" in parser.build().rules()


def test_starlark_language_features():
    policy = parse('''
TOOLS = {"cargo": ["build", "test"], "go": ["build"]}
def allow(*tokens, **kw):
    prefix_rule(pattern = list(tokens), **kw)
for tool, subs in TOOLS.items():
    allow(tool, subs, decision = "prompt")
[allow(x) for x in ("ls", "pwd")]
who = "me"
allow("whoami", justification = f"it is {who}")
''')
    assert policy.check(["cargo", "test"], allow_all).decision == Decision.PROMPT
    assert policy.check(["pwd"], prompt_all).decision == Decision.ALLOW
    assert policy.check(["whoami"], prompt_all).matched_rules[0].justification == "it is me"
