"""A loaded policy and its evaluation (upstream `policy.rs`)."""

from __future__ import annotations

from typing import Callable, Iterable

from codex.execpolicy._record import Record
from codex.execpolicy.decision import Decision
from codex.execpolicy.error import InvalidPattern
from codex.execpolicy.executable_name import absolute_path, executable_path_lookup_key
from codex.execpolicy.rule import (
    HeuristicsRuleMatch,
    NetworkRule,
    NetworkRuleProtocol,
    PatternToken,
    PrefixPattern,
    PrefixRule,
    PrefixRuleMatch,
    RuleMatch,
    normalize_network_rule_host,
)

__all__ = ["Evaluation", "MatchOptions", "Policy"]

HeuristicsFallback = Callable[[list[str]], Decision]


class MatchOptions(Record):
    __slots__ = ("resolve_host_executables",)
    _defaults = {"resolve_host_executables": False}

    resolve_host_executables: bool


class Policy:
    """Rules keyed by program (insertion order kept, like `MultiMap`), network rules, and the
    `host_executable()` paths by name."""

    def __init__(self, rules_by_program: dict[str, list[PrefixRule]] | None = None,
                 network_rules: list[NetworkRule] | None = None,
                 host_executables_by_name: dict[str, tuple[str, ...]] | None = None):
        self.rules_by_program: dict[str, list[PrefixRule]] = rules_by_program or {}
        self.network_rules: list[NetworkRule] = network_rules or []
        self.host_executables_by_name: dict[str, tuple[str, ...]] = host_executables_by_name or {}

    @classmethod
    def empty(cls) -> "Policy":
        return cls()

    def clone(self) -> "Policy":
        return Policy({k: list(v) for k, v in self.rules_by_program.items()}, list(self.network_rules),
                      dict(self.host_executables_by_name))

    def rules(self) -> dict[str, list[PrefixRule]]:
        return self.rules_by_program

    def host_executables(self) -> dict[str, tuple[str, ...]]:
        return self.host_executables_by_name

    def get_allowed_prefixes(self) -> list[list[str]]:
        prefixes = []
        for rules in self.rules_by_program.values():
            for rule in rules:
                if rule.decision != Decision.ALLOW:
                    continue
                prefixes.append([rule.pattern.first] + [t.render() for t in rule.pattern.rest])
        out: list[list[str]] = []
        for p in sorted(prefixes):
            if not out or out[-1] != p:
                out.append(p)
        return out

    def add_prefix_rule(self, prefix: list[str], decision: Decision) -> None:
        if not prefix:
            raise InvalidPattern("prefix cannot be empty")
        rule = PrefixRule(PrefixPattern(prefix[0], tuple(PatternToken.single(t) for t in prefix[1:])),
                          decision, None)
        self.rules_by_program.setdefault(prefix[0], []).append(rule)

    def add_network_rule(self, host: str, protocol: NetworkRuleProtocol, decision: Decision,
                         justification: str | None = None) -> None:
        from codex.execpolicy.error import InvalidRule

        host = normalize_network_rule_host(host)
        if justification is not None and not justification.strip():
            raise InvalidRule("justification cannot be empty")
        self.network_rules.append(NetworkRule(host, protocol, decision, justification))

    def merge_overlay(self, overlay: "Policy") -> "Policy":
        merged = self.clone()
        for program, rules in overlay.rules_by_program.items():
            merged.rules_by_program.setdefault(program, []).extend(rules)
        merged.network_rules.extend(overlay.network_rules)
        merged.host_executables_by_name.update(overlay.host_executables_by_name)
        return merged

    def compiled_network_domains(self) -> tuple[list[str], list[str]]:
        allowed: list[str] = []
        denied: list[str] = []
        for rule in self.network_rules:
            if rule.decision == Decision.ALLOW:
                denied = [h for h in denied if h != rule.host]
                allowed = [h for h in allowed if h != rule.host] + [rule.host]
            elif rule.decision == Decision.FORBIDDEN:
                allowed = [h for h in allowed if h != rule.host]
                denied = [h for h in denied if h != rule.host] + [rule.host]
        return allowed, denied

    # -- evaluation -------------------------------------------------------------------------

    def check(self, cmd: list[str], heuristics_fallback: HeuristicsFallback,
              options: MatchOptions = MatchOptions()) -> "Evaluation":
        return Evaluation.from_matches(self.matches_for_command_with_options(cmd, heuristics_fallback, options))

    def check_multiple(self, commands: Iterable[list[str]], heuristics_fallback: HeuristicsFallback,
                       options: MatchOptions = MatchOptions()) -> "Evaluation":
        matched: list[RuleMatch] = []
        for command in commands:
            matched.extend(self.matches_for_command_with_options(command, heuristics_fallback, options))
        return Evaluation.from_matches(matched)

    def check_with_options(self, cmd: list[str], heuristics_fallback: HeuristicsFallback,
                           options: MatchOptions) -> "Evaluation":
        return self.check(cmd, heuristics_fallback, options)

    def check_multiple_with_options(self, commands: Iterable[list[str]], heuristics_fallback: HeuristicsFallback,
                                    options: MatchOptions) -> "Evaluation":
        return self.check_multiple(commands, heuristics_fallback, options)

    def matches_for_command(self, cmd: list[str],
                            heuristics_fallback: HeuristicsFallback | None = None) -> list[RuleMatch]:
        return self.matches_for_command_with_options(cmd, heuristics_fallback, MatchOptions())

    def matches_for_command_with_options(self, cmd: list[str], heuristics_fallback: HeuristicsFallback | None,
                                         options: MatchOptions) -> list[RuleMatch]:
        matched: list[RuleMatch] = self._match_exact_rules(cmd)
        if not matched and options.resolve_host_executables:
            matched = self._match_host_executable_rules(cmd)
        if not matched and heuristics_fallback is not None:
            return [HeuristicsRuleMatch(list(cmd), heuristics_fallback(cmd))]
        return matched

    def _match_exact_rules(self, cmd: list[str]) -> list[RuleMatch]:
        if not cmd:
            return []
        out: list[RuleMatch] = []
        for rule in self.rules_by_program.get(cmd[0], ()):
            m = rule.matches(cmd)
            if m is not None:
                out.append(m)
        return out

    def _match_host_executable_rules(self, cmd: list[str]) -> list[RuleMatch]:
        if not cmd:
            return []
        if not cmd[0].startswith("/"):
            return []
        program = absolute_path(cmd[0])
        basename = executable_path_lookup_key(program)
        if basename is None:
            return []
        rules = self.rules_by_program.get(basename)
        if not rules:
            return []
        paths = self.host_executables_by_name.get(basename)
        if paths is not None and program not in paths:
            return []
        basename_command = [basename] + list(cmd[1:])
        out: list[RuleMatch] = []
        for rule in rules:
            m = rule.matches(basename_command)
            if m is not None:
                out.append(m.with_resolved_program(program))
        return out


class Evaluation(Record):
    __slots__ = ("decision", "matched_rules")

    decision: Decision
    matched_rules: list[RuleMatch]

    def __init__(self, decision: Decision, matched_rules: list[RuleMatch] | None = None):
        super().__init__(decision, list(matched_rules or []))

    def is_match(self) -> bool:
        return any(not isinstance(m, HeuristicsRuleMatch) for m in self.matched_rules)

    @classmethod
    def from_matches(cls, matched_rules: list[RuleMatch]) -> "Evaluation":
        if not matched_rules:
            raise AssertionError("invariant failed: matched_rules must be non-empty")
        return cls(max(m.decision for m in matched_rules), matched_rules)

    def to_json(self) -> dict:
        return {"decision": self.decision.wire, "matchedRules": [m.to_json() for m in self.matched_rules]}
