"""Loading `.rules` files (upstream `parser.rs`), evaluated by starlark-rust through
starlark-pyo3: the same parser, evaluator, dialect (Extended + f-strings), standard globals and
diagnostics as the reference.

The builtins (`prefix_rule`, `network_rule`, `host_executable`) are Python callables added to the
module. starlark-pyo3 hands them their arguments already converted, so they bind and type-check
their parameters themselves with the messages of starlark-rust's native functions (extra
positional/named, duplicate, missing, `Type of parameter ... (repr: ...)` with its 60-byte
truncation), and the errors they raise are rewritten to read as a native function's
(`error: <message>`, same traceback and source excerpt).

Deviations (what starlark-pyo3 does not tell a callable):
- tuples arrive as lists; a tuple written literally in a top-level builtin call statement is
  recovered from the source (`_StaticCalls`), one reached through a variable or a function call
  is taken for a list, so such an (invalid) file loads where upstream reports a type error;
- a non-serializable argument (a function, a range) fails with starlark-pyo3's
  "Operation `serde::serialize` not supported on type ..." instead of the type error;
- the location attached to match/not_match failures (used by the one-line load error) is known
  only for top-level `prefix_rule(...)` statements; otherwise it is None.
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
    if isinstance(value, tuple):
        return "tuple"
    if isinstance(value, list):
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


class StaticTuple(tuple):
    """A value that was a tuple in the Starlark source: starlark-pyo3 hands tuples to Python
    callables as lists, so literal tuples of a call are recovered from the source (see
    `_StaticCalls`)."""


def _repr(value) -> str:
    if isinstance(value, tuple):
        inner = ", ".join(_repr(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list) and any(isinstance(v, tuple) for v in value):
        return "[" + ", ".join(_repr(v) for v in value) + "]"
    return starlark_repr(value)


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
        ok = isinstance(value, str) if expected == "str" else isinstance(value, list)
        if not ok:
            raise ExecPolicyBuiltinFailure(
                f"Type of parameter `{name}` doesn't match, expected `{expected}`, actual "
                f"`{starlark_type(value)} (repr: {_truncate_repr(_repr(value))})`")
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
    if isinstance(value, list):
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
    if isinstance(value, list):
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
# what starlark-pyo3 does not tell a callable: its call site, and which lists were tuples
# ----------------------------------------------------------------------------------------------


class _StaticCalls:
    """The builtins' call sites, read from the source with Python's `ast` (Starlark's syntax is
    a subset of Python's). For a builtin whose every use is a top-level call statement, the n-th
    call made is the n-th statement, which gives the location upstream attaches to example
    errors, and the literal tuples among the arguments. Otherwise (calls through functions,
    loops, aliases) nothing is known."""

    def __init__(self, identifier: str, contents: str):
        self.identifier = identifier
        self.contents = contents
        self._by_name: dict[str, list | None] | None = None
        self._counts: dict[str, int] = {}

    def _load(self) -> dict[str, list | None]:
        by_name: dict[str, list | None] = {}
        try:
            tree = _pyast.parse(self.contents)
        except (SyntaxError, ValueError):
            self._by_name = by_name
            return by_name
        for name in BUILTIN_NAMES:
            top = [stmt.value for stmt in tree.body
                   if isinstance(stmt, _pyast.Expr) and isinstance(stmt.value, _pyast.Call)
                   and isinstance(stmt.value.func, _pyast.Name) and stmt.value.func.id == name]
            uses = sum(1 for node in _pyast.walk(tree) if isinstance(node, _pyast.Name) and node.id == name)
            by_name[name] = top if uses == len(top) else None
        self._by_name = by_name
        return by_name

    def next_call(self, name: str):
        """The ast.Call of this builtin's next call, or None."""
        i = self._counts.get(name, 0)
        self._counts[name] = i + 1
        by_name = self._by_name if self._by_name is not None else self._load()
        calls = by_name.get(name)
        return calls[i] if calls is not None and i < len(calls) else None

    def location(self, call) -> ErrorLocation:
        lines = self.contents.split("\n")

        def column(line: int, byte_offset: int) -> int:
            text = lines[line - 1] if line - 1 < len(lines) else ""
            return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore")) + 1

        end_line = call.end_lineno or call.lineno
        return ErrorLocation(self.identifier, TextRange(
            TextPosition(call.lineno, column(call.lineno, call.col_offset)),
            TextPosition(end_line, column(end_line, call.end_col_offset or 0))))

    @staticmethod
    def mark_tuples(call, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        if (call is None or len(call.args) != len(args)
                or any(isinstance(a, _pyast.Starred) for a in call.args)
                or any(k.arg is None for k in call.keywords)):
            return args, kwargs
        nodes = {k.arg: k.value for k in call.keywords}
        return (tuple(_mark(v, n) for v, n in zip(args, call.args)),
                {k: _mark(v, nodes.get(k)) for k, v in kwargs.items()})


def _mark(value, node):
    if isinstance(node, (_pyast.Tuple, _pyast.List)) and isinstance(value, list) and len(node.elts) == len(value):
        items = [_mark(v, n) for v, n in zip(value, node.elts)]
        return StaticTuple(items) if isinstance(node, _pyast.Tuple) else items
    return value


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

        static = _StaticCalls(policy_identifier, policy_file_contents)
        current_call: list = [None]

        def guard(function):
            name = function.__name__

            def call(*args, **kwargs):
                node = static.next_call(name)
                current_call[0] = node
                try:
                    function(*_bind(name, *static.mark_tuples(node, args, kwargs)))
                except Error as exc:
                    raise ExecPolicyBuiltinFailure(str(exc)) from None
                return None
            return call

        def prefix_rule(pattern, decision, match, not_match, justification):
            node = current_call[0]
            location = (lambda: static.location(node)) if node is not None else None
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
