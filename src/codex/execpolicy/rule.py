"""Rules and rule matches (upstream `rule.rs`)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Union

from codex.execpolicy._rust import RUST_WHITESPACE as _RUST_WS
from codex.execpolicy._rust import QuoteError, debug_str, debug_str_list, rust_trim as _rust_trim, shlex_try_join
from codex.execpolicy._record import Record
from codex.execpolicy.decision import Decision
from codex.execpolicy.error import ExampleDidMatch, ExampleDidNotMatch, InvalidRule

if TYPE_CHECKING:
    from codex.execpolicy.policy import Policy

__all__ = [
    "HeuristicsRuleMatch",
    "NetworkRule",
    "NetworkRuleProtocol",
    "PatternToken",
    "PrefixPattern",
    "PrefixRule",
    "PrefixRuleMatch",
    "RuleMatch",
    "normalize_network_rule_host",
    "validate_match_examples",
    "validate_not_match_examples",
]


class PatternToken(Record):
    """One command token of a pattern: a fixed string (`Single`) or one of several (`Alts`)."""

    __slots__ = ("alternatives",)

    alternatives: tuple[str, ...]

    @classmethod
    def single(cls, value: str) -> "PatternToken":
        return cls((value,))

    @property
    def is_single(self) -> bool:
        return len(self.alternatives) == 1

    def matches(self, token: str) -> bool:
        return token in self.alternatives

    def debug(self) -> str:
        if self.is_single:
            return f"Single({debug_str(self.alternatives[0])})"
        return f"Alts({debug_str_list(self.alternatives)})"

    def render(self) -> str:
        """As in `Policy::get_allowed_prefixes`: `value` or `[a|b]`."""
        if self.is_single:
            return self.alternatives[0]
        return "[" + "|".join(self.alternatives) + "]"


class PrefixPattern(Record):
    """Prefix matcher; the first token is fixed since rules are keyed by it."""

    __slots__ = ("first", "rest")
    _defaults = {"rest": ()}

    first: str
    rest: tuple[PatternToken, ...]

    def matches_prefix(self, cmd: list[str]) -> list[str] | None:
        length = len(self.rest) + 1
        if len(cmd) < length or cmd[0] != self.first:
            return None
        for token, word in zip(self.rest, cmd[1:length]):
            if not token.matches(word):
                return None
        return list(cmd[:length])

    def debug(self) -> str:
        rest = "[" + ", ".join(t.debug() for t in self.rest) + "]"
        return f"PrefixPattern {{ first: {debug_str(self.first)}, rest: {rest} }}"


class PrefixRuleMatch(Record):
    __slots__ = ("matched_prefix", "decision", "resolved_program", "justification")
    _defaults = {"resolved_program": None, "justification": None}

    matched_prefix: list[str]
    decision: Decision
    resolved_program: str | None
    justification: str | None

    def to_json(self) -> dict:
        inner: dict = {"matchedPrefix": list(self.matched_prefix), "decision": self.decision.wire}
        if self.resolved_program is not None:
            inner["resolvedProgram"] = self.resolved_program
        if self.justification is not None:
            inner["justification"] = self.justification
        return {"prefixRuleMatch": inner}

    def with_resolved_program(self, program: str) -> "PrefixRuleMatch":
        return PrefixRuleMatch(self.matched_prefix, self.decision, program, self.justification)

    def debug(self) -> str:
        resolved = "None" if self.resolved_program is None else (
            f"Some(AbsolutePathBuf({debug_str(self.resolved_program)}))")
        just = "None" if self.justification is None else f"Some({debug_str(self.justification)})"
        return (f"PrefixRuleMatch {{ matched_prefix: {debug_str_list(self.matched_prefix)}, "
                f"decision: {self.decision.debug}, resolved_program: {resolved}, justification: {just} }}")


class HeuristicsRuleMatch(Record):
    __slots__ = ("command", "decision")

    command: list[str]
    decision: Decision

    def to_json(self) -> dict:
        return {"heuristicsRuleMatch": {"command": list(self.command), "decision": self.decision.wire}}

    def debug(self) -> str:
        return (f"HeuristicsRuleMatch {{ command: {debug_str_list(self.command)}, "
                f"decision: {self.decision.debug} }}")


RuleMatch = Union[PrefixRuleMatch, HeuristicsRuleMatch]


class PrefixRule(Record):
    __slots__ = ("pattern", "decision", "justification")
    _defaults = {"justification": None}

    pattern: PrefixPattern
    decision: Decision
    justification: str | None

    def program(self) -> str:
        return self.pattern.first

    def matches(self, cmd: list[str]) -> PrefixRuleMatch | None:
        prefix = self.pattern.matches_prefix(cmd)
        if prefix is None:
            return None
        return PrefixRuleMatch(prefix, self.decision, None, self.justification)

    def debug(self) -> str:
        just = "None" if self.justification is None else f"Some({debug_str(self.justification)})"
        return (f"PrefixRule {{ pattern: {self.pattern.debug()}, decision: {self.decision.debug}, "
                f"justification: {just} }}")


class NetworkRuleProtocol(enum.Enum):
    HTTP = "http"
    HTTPS = "https"
    SOCKS5_TCP = "socks5_tcp"
    SOCKS5_UDP = "socks5_udp"

    @classmethod
    def parse(cls, raw: str) -> "NetworkRuleProtocol":
        if raw == "http":
            return cls.HTTP
        if raw in ("https", "https_connect", "http-connect"):
            return cls.HTTPS
        if raw == "socks5_tcp":
            return cls.SOCKS5_TCP
        if raw == "socks5_udp":
            return cls.SOCKS5_UDP
        raise InvalidRule(
            f"network_rule protocol must be one of http, https, socks5_tcp, socks5_udp (got {raw})")

    def as_policy_string(self) -> str:
        return self.value


class NetworkRule(Record):
    __slots__ = ("host", "protocol", "decision", "justification")
    _defaults = {"justification": None}

    host: str
    protocol: NetworkRuleProtocol
    decision: Decision
    justification: str | None


def normalize_network_rule_host(raw: str) -> str:
    host = _rust_trim(raw)
    if not host:
        raise InvalidRule("network_rule host cannot be empty")
    if "://" in host or "/" in host or "?" in host or "#" in host:
        raise InvalidRule("network_rule host must be a hostname or IP literal (without scheme or path)")
    if host.startswith("["):
        inside, sep, rest = host[1:].partition("]")
        if not sep:
            raise InvalidRule("network_rule host has an invalid bracketed IPv6 literal")
        port_ok = rest.startswith(":") and len(rest) > 1 and all(c in "0123456789" for c in rest[1:])
        if rest and not port_ok:
            raise InvalidRule(f"network_rule host contains an unsupported suffix: {raw}")
        host = inside
    elif host.count(":") == 1:
        candidate, _, port = host.rpartition(":")
        if candidate and port and all(c in "0123456789" for c in port):
            host = candidate
    normalized = _rust_trim(host.rstrip("."))
    normalized = "".join(c.lower() if "A" <= c <= "Z" else c for c in normalized)
    if not normalized:
        raise InvalidRule("network_rule host cannot be empty")
    if "*" in normalized:
        raise InvalidRule("network_rule host must be a specific host; wildcards are not allowed")
    if any(c in _RUST_WS for c in normalized):
        raise InvalidRule("network_rule host cannot contain whitespace")
    return normalized


def _render_example(example: list[str]) -> str:
    try:
        return shlex_try_join(example)
    except QuoteError:
        return "unable to render example"


def validate_match_examples(policy: "Policy", rules: list[PrefixRule], matches: list[list[str]]) -> None:
    """Every `match` example must match at least one of the rule's rules."""
    from codex.execpolicy.policy import MatchOptions

    options = MatchOptions(resolve_host_executables=True)
    unmatched = [
        _render_example(example)
        for example in matches
        if not policy.matches_for_command_with_options(example, None, options)
    ]
    if unmatched:
        raise ExampleDidNotMatch([rule.debug() for rule in rules], unmatched)


def validate_not_match_examples(policy: "Policy", rules: list[PrefixRule], not_matches: list[list[str]]) -> None:
    """No `not_match` example may match."""
    from codex.execpolicy.policy import MatchOptions

    options = MatchOptions(resolve_host_executables=True)
    for example in not_matches:
        found = policy.matches_for_command_with_options(example, None, options)
        if found:
            raise ExampleDidMatch(found[0].debug(), _render_example(example))
