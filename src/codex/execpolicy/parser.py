"""Loading `.rules` files (upstream `parser.rs`), evaluated by starlark-rust through
starlark-pyo3: the same parser, evaluator, standard globals and diagnostics as the reference.

The builtins (`prefix_rule`, `network_rule`, `host_executable`) are Python callables. starlark-pyo3
hands them their arguments already converted (tuples arrive as lists), so they bind and type-check
their parameters themselves, with the messages of starlark-rust's native functions, and the error
texts are rewritten to read as if raised by a native function (`error: <message>`).
"""

from __future__ import annotations

import ast as _pyast
import os
import re

from codex.execpolicy._rust import rust_trim, shlex_split
from codex.execpolicy.decision import Decision
from codex.execpolicy.error import (
    Error,
    ErrorLocation,
    InvalidExample,
    InvalidPattern,
    InvalidRule,
    StarlarkError,
    TextPosition,
    TextRange,
)
from codex.execpolicy.executable_name import absolute_path, executable_lookup_key, executable_path_lookup_key
from codex.execpolicy.policy import Policy
from codex.execpolicy.rule import (
    NetworkRule,
    NetworkRuleProtocol,
    PatternToken,
    PrefixPattern,
    PrefixRule,
    normalize_network_rule_host,
    validate_match_examples,
    validate_not_match_examples,
)

__all__ = ["PolicyParser"]

BUILTIN_NAMES = ("prefix_rule", "network_rule", "host_executable")


class ExecPolicyBuiltinFailure(Exception):
    """Raised by a builtin; starlark-pyo3 renders it `error: ExecPolicyBuiltinFailure: <msg>`,
    which `_native_rendering` turns back into starlark-rust's `error: <msg>`."""


_FAILURE_MARK = "error: " + ExecPolicyBuiltinFailure.__name__ + ": "


def _native_rendering(text: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(_FAILURE_MARK):
            lines[i] = "error: " + line[len(_FAILURE_MARK):]
            break
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# argument binding, as starlark-rust's `ParametersSpec` does for a native function
# ----------------------------------------------------------------------------------------------

_MISSING = object()

# (name, expected type, required); all positional-or-named.
_SIGNATURES = {
    "prefix_rule": (("pattern", "list", True), ("decision", "str", False), ("match", "list", False),
                    ("not_match", "list", False), ("justification", "str", False)),
    "network_rule": (("host", "str", True), ("protocol", "str", True), ("decision", "str", True),
                     ("justification", "str", False)),
    "host_executable": (("name", "str", True), ("paths", "list", True)),
}


def starlark_type(value) -> str:
    """starlark-rust's `get_type()` name of a converted value."""
    if value is None:
        return "NoneType"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return type(value).__name__


def starlark_repr(value) -> str:
    """starlark's `repr()` of a converted value (computed by starlark itself)."""
    import starlark

    module = starlark.Module()
    module["v"] = value
    try:
        return str(starlark.eval(module, starlark.parse("repr", "repr(v)"), starlark.Globals.standard()))
    except Exception:  # pragma: no cover - every converted value has a repr
        return repr(value)


def _truncate_repr(text: str) -> str:
    """Long reprs in type errors are cut like starlark-rust does (60 bytes at most)."""
    data = text.encode("utf-8")
    if len(data) <= 60:
        return text
    head = data[:34].decode("utf-8", "ignore")
    tail_bytes = data[-17:]
    while tail_bytes and (tail_bytes[0] & 0xC0) == 0x80:
        tail_bytes = tail_bytes[1:]
    return head + "<<...>>" + tail_bytes.decode("utf-8", "ignore")


def _bind(function: str, args: tuple, kwargs: dict) -> list:
    spec = _SIGNATURES[function]
    if len(args) > len(spec):
        raise ExecPolicyBuiltinFailure(
            f"Found {len(args) - len(spec)} extra positional argument(s) for call to {function}")
    slots = list(args) + [_MISSING] * (len(spec) - len(args))
    index = {name: i for i, (name, _, _) in enumerate(spec)}
    extra = []
    for name, value in kwargs.items():
        i = index.get(name)
        if i is None:
            extra.append(name)
            continue
        if slots[i] is not _MISSING:
            raise ExecPolicyBuiltinFailure(f"Argument `{name}` occurs more than once")
        slots[i] = value
    for (name, _, required), value in zip(spec, slots):
        if required and value is _MISSING:
            raise ExecPolicyBuiltinFailure(f"Missing parameter `{name}` for call to `{function}`")
    if extra:
        names = " ".join(f"`{n}`" for n in extra)
        raise ExecPolicyBuiltinFailure(f"Found {names} extra named parameter(s) for call to {function}")
    out = []
    for (name, expected, _), value in zip(spec, slots):
        if value is _MISSING:
            out.append(None)
            continue
        ok = isinstance(value, str) if expected == "str" else isinstance(value, (list, tuple))
        if not ok:
            raise ExecPolicyBuiltinFailure(
                f"Type of parameter `{name}` doesn't match, expected `{expected}`, actual "
                f"`{starlark_type(value)} (repr: {_truncate_repr(starlark_repr(value))})`")
        out.append(value)
    return out


# ----------------------------------------------------------------------------------------------
# pattern and example parsing
# ----------------------------------------------------------------------------------------------


def parse_pattern(pattern: list) -> list[PatternToken]:
    tokens = [parse_pattern_token(v) for v in pattern]
    if not tokens:
        raise InvalidPattern("pattern cannot be empty")
    return tokens


def parse_pattern_token(value) -> PatternToken:
    if isinstance(value, str):
        return PatternToken.single(value)
    if isinstance(value, (list, tuple)):
        alts = []
        for v in value:
            if not isinstance(v, str):
                raise InvalidPattern(f"pattern alternative must be a string (got {starlark_type(v)})")
            alts.append(v)
        if not alts:
            raise InvalidPattern("pattern alternatives cannot be empty")
        return PatternToken(tuple(alts))
    raise InvalidPattern(f"pattern element must be a string or list of strings (got {starlark_type(value)})")


def parse_examples(examples: list) -> list[list[str]]:
    return [parse_example(v) for v in examples]


def parse_example(value) -> list[str]:
    if isinstance(value, str):
        tokens = shlex_split(value)
        if tokens is None:
            raise InvalidExample("example string has invalid shell syntax")
        if not tokens:
            raise InvalidExample("example cannot be an empty string")
        return tokens
    if isinstance(value, (list, tuple)):
        tokens = []
        for v in value:
            if not isinstance(v, str):
                raise InvalidExample(f"example tokens must be strings (got {starlark_type(v)})")
            tokens.append(v)
        if not tokens:
            raise InvalidExample("example cannot be an empty list")
        return tokens
    raise InvalidExample(f"example must be a string or list of strings (got {starlark_type(value)})")


def _parse_justification(raw: str | None) -> str | None:
    if raw is not None and not rust_trim(raw):
        raise InvalidRule("justification cannot be empty")
    return raw


def validate_host_executable_name(name: str) -> None:
    if not name:
        raise InvalidRule("host_executable name cannot be empty")
    if "/" in name or name in (".", ".."):
        raise InvalidRule(f"host_executable name must be a bare executable name (got {name})")


def parse_literal_absolute_path(raw: str) -> str:
    if not raw.startswith("/"):
        raise InvalidRule(f"host_executable paths must be absolute (got {raw})")
    return absolute_path(raw)


def parse_network_rule_decision(raw: str) -> Decision:
    if raw == "deny":
        return Decision.FORBIDDEN
    return Decision.parse(raw)


# ----------------------------------------------------------------------------------------------
# call locations (for the location of example-validation errors)
# ----------------------------------------------------------------------------------------------


def _call_locations(identifier: str, contents: str) -> list[ErrorLocation] | None:
    """Locations of the top-level `prefix_rule(...)` statements, in order, when every use of
    `prefix_rule` in the file is such a statement (so the n-th call made is the n-th one listed);
    None otherwise. starlark-rust knows the call site; starlark-pyo3 does not tell a callable."""
    try:
        tree = _pyast.parse(contents)
    except (SyntaxError, ValueError):
        return None
    top = []
    for stmt in tree.body:
        if (isinstance(stmt, _pyast.Expr) and isinstance(stmt.value, _pyast.Call)
                and isinstance(stmt.value.func, _pyast.Name) and stmt.value.func.id == "prefix_rule"):
            top.append(stmt.value)
    uses = sum(1 for node in _pyast.walk(tree) if isinstance(node, _pyast.Name) and node.id == "prefix_rule")
    if uses != len(top):
        return None
    lines = contents.split("\n")

    def column(line: int, byte_offset: int) -> int:
        text = lines[line - 1] if line - 1 < len(lines) else ""
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore")) + 1

    return [
        ErrorLocation(identifier, TextRange(
            TextPosition(call.lineno, column(call.lineno, call.col_offset)),
            TextPosition(call.end_lineno or call.lineno, column(call.end_lineno or call.lineno, call.end_col_offset or 0)),
        ))
        for call in top
    ]


_ARROW = re.compile(r"^\s*--> (.*):(\d+):(\d+)$", re.M)


_EXCERPT = re.compile(r"^\s*\d+ \|", re.M)


def _diagnostic_location(rendered: str, contents: str | None = None) -> ErrorLocation | None:
    """The span of a starlark diagnostic (`--> file:line:col`), start only. A diagnostic without
    a source excerpt points past the end of the file (an unexpected end of input: the renderer
    prints `1:1` for it, the span itself is the end of the file)."""
    m = _ARROW.search(rendered)
    if m is None:
        return None
    pos = TextPosition(int(m.group(2)), int(m.group(3)))
    if contents is not None and _EXCERPT.search(rendered) is None:
        last = contents.rsplit("\n", 1)[-1]
        pos = TextPosition(contents.count("\n") + 1, len(last) + 1)
    return ErrorLocation(m.group(1), TextRange(pos, pos))


# ----------------------------------------------------------------------------------------------
# the parser
# ----------------------------------------------------------------------------------------------


class _PendingExampleValidation:
    __slots__ = ("rules", "matches", "not_matches", "location")

    def __init__(self, rules, matches, not_matches, location):
        self.rules = rules
        self.matches = matches
        self.not_matches = not_matches
        self.location = location


class _PolicyBuilder:
    def __init__(self):
        self.rules_by_program: dict[str, list[PrefixRule]] = {}
        self.network_rules: list[NetworkRule] = []
        self.host_executables_by_name: dict[str, tuple[str, ...]] = {}
        self.pending: list[_PendingExampleValidation] = []

    def add_rule(self, rule: PrefixRule) -> None:
        self.rules_by_program.setdefault(rule.program(), []).append(rule)

    def validate_pending_examples_from(self, start: int) -> None:
        for validation in self.pending[start:]:
            by_program: dict[str, list[PrefixRule]] = {}
            for rule in validation.rules:
                by_program.setdefault(rule.program(), []).append(rule)
            policy = Policy(by_program, [], dict(self.host_executables_by_name))
            try:
                validate_not_match_examples(policy, validation.rules, validation.not_matches)
                validate_match_examples(policy, validation.rules, validation.matches)
            except Error as error:
                location = validation.location() if callable(validation.location) else validation.location
                if location is not None:
                    error = error.with_location(location)
                raise error

    def build(self) -> Policy:
        return Policy(self.rules_by_program, self.network_rules, self.host_executables_by_name)


class PolicyParser:
    """Parse several `.rules` files into one `Policy`:

        parser = PolicyParser()
        parser.parse("/path/a.rules", text)   # raises codex.execpolicy.error.Error
        policy = parser.build()
    """

    def __init__(self):
        self._builder = _PolicyBuilder()

    def parse(self, policy_identifier: str, policy_file_contents: str) -> None:
        import starlark

        builder = self._builder
        pending_start = len(builder.pending)
        dialect = starlark.Dialect.extended()
        dialect.enable_f_strings = True
        try:
            module_ast = starlark.parse(policy_identifier, policy_file_contents, dialect)
        except starlark.StarlarkError as exc:
            raise StarlarkError(str(exc), _diagnostic_location(str(exc), policy_file_contents)) from None

        calls = [0]
        located: list = []

        def next_location():
            # The n-th prefix_rule call; resolved only when an example fails.
            i = calls[0]
            calls[0] += 1

            def resolve() -> ErrorLocation | None:
                if not located:
                    located.append(_call_locations(policy_identifier, policy_file_contents) or [])
                return located[0][i] if i < len(located[0]) else None
            return resolve

        def guard(function):
            def call(*args, **kwargs):
                try:
                    function(*_bind(function.__name__, args, kwargs))
                except Error as exc:
                    raise ExecPolicyBuiltinFailure(str(exc)) from None
                return None
            return call

        def prefix_rule(pattern, decision, match, not_match, justification):
            location = next_location()
            parsed_decision = Decision.parse(decision) if decision is not None else Decision.ALLOW
            justification = _parse_justification(justification)
            tokens = parse_pattern(pattern)
            matches = parse_examples(match) if match is not None else []
            not_matches = parse_examples(not_match) if not_match is not None else []
            first, rest = tokens[0], tuple(tokens[1:])
            rules = [PrefixRule(PrefixPattern(head, rest), parsed_decision, justification)
                     for head in first.alternatives]
            builder.pending.append(_PendingExampleValidation(rules, matches, not_matches, location))
            for rule in rules:
                builder.add_rule(rule)

        def network_rule(host, protocol, decision, justification):
            parsed_protocol = NetworkRuleProtocol.parse(protocol)
            parsed_decision = parse_network_rule_decision(decision)
            justification = _parse_justification(justification)
            builder.network_rules.append(
                NetworkRule(normalize_network_rule_host(host), parsed_protocol, parsed_decision, justification))

        def host_executable(name, paths):
            validate_host_executable_name(name)
            parsed: list[str] = []
            for value in paths:
                if not isinstance(value, str):
                    raise InvalidRule(f"host_executable paths must be strings (got {starlark_type(value)})")
                path = parse_literal_absolute_path(value)
                path_name = executable_path_lookup_key(path)
                if path_name is None or path_name != executable_lookup_key(name):
                    raise InvalidRule(f"host_executable path `{value}` must have basename `{name}`")
                if path not in parsed:
                    parsed.append(path)
            builder.host_executables_by_name[executable_lookup_key(name)] = tuple(parsed)

        module = starlark.Module()
        for fn in (prefix_rule, network_rule, host_executable):
            module.add_callable(fn.__name__, guard(fn))
        try:
            starlark.eval(module, module_ast, starlark.Globals.standard())
        except starlark.StarlarkError as exc:
            rendered = _native_rendering(str(exc))
            raise StarlarkError(rendered, _diagnostic_location(rendered)) from None
        builder.validate_pending_examples_from(pending_start)

    def build(self) -> Policy:
        return self._builder.build()


def parse_policy_file(path: str | os.PathLike, parser: PolicyParser | None = None) -> PolicyParser:
    """Read and parse one file (the identifier is the path as given)."""
    parser = parser or PolicyParser()
    with open(path, encoding="utf-8") as fh:
        parser.parse(os.fspath(path), fh.read())
    return parser
