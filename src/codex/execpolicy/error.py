"""Errors raised while loading or evaluating `.rules` (upstream `error.rs`).

`str(error)` is the Rust `Display` text, word for word.
"""

from __future__ import annotations


from codex.execpolicy._record import Record
from codex.execpolicy._rust import debug_str, debug_str_list

__all__ = [
    "Error",
    "ErrorLocation",
    "ExampleDidMatch",
    "ExampleDidNotMatch",
    "InvalidDecision",
    "InvalidExample",
    "InvalidPattern",
    "InvalidRule",
    "StarlarkError",
    "TextPosition",
    "TextRange",
]


class TextPosition(Record):
    __slots__ = ("line", "column")

    line: int
    column: int


class TextRange(Record):
    __slots__ = ("start", "end")

    start: TextPosition
    end: TextPosition


class ErrorLocation(Record):
    __slots__ = ("path", "range")

    path: str
    range: TextRange


class Error(Exception):
    """Base of the execpolicy errors."""

    def with_location(self, location: ErrorLocation) -> "Error":
        return self

    def location(self) -> ErrorLocation | None:
        return None


class _MessageError(Error):
    prefix = ""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.prefix}{self.message}"


class InvalidDecision(_MessageError):
    prefix = "invalid decision: "


class InvalidPattern(_MessageError):
    prefix = "invalid pattern element: "


class InvalidExample(_MessageError):
    prefix = "invalid example: "


class InvalidRule(_MessageError):
    prefix = "invalid rule: "


class _ExampleError(Error):
    _location: ErrorLocation | None = None

    def with_location(self, location: ErrorLocation) -> "Error":
        if self._location is None:
            self._location = location
        return self

    def location(self) -> ErrorLocation | None:
        return self._location


class ExampleDidNotMatch(_ExampleError):
    def __init__(self, rules: list[str], examples: list[str], location: ErrorLocation | None = None):
        super().__init__(rules, examples)
        self.rules = rules
        self.examples = examples
        self._location = location

    def __str__(self) -> str:
        return (
            f"expected every example to match at least one rule. rules: {debug_str_list(self.rules)}; "
            f"unmatched examples: {debug_str_list(self.examples)}"
        )


class ExampleDidMatch(_ExampleError):
    def __init__(self, rule: str, example: str, location: ErrorLocation | None = None):
        super().__init__(rule, example)
        self.rule = rule
        self.example = example
        self._location = location

    def __str__(self) -> str:
        return f"expected example to not match rule `{self.rule}`: {self.example}"


class StarlarkError(Error):
    """A Starlark parse or evaluation error; `rendered` is starlark-rust's diagnostic (with the
    traceback and the source excerpt), `span` its location when it has one."""

    def __init__(self, rendered: str, location: ErrorLocation | None = None):
        super().__init__(rendered)
        self.rendered = rendered
        self._location = location

    def __str__(self) -> str:
        return f"starlark error: {self.rendered}"

    def location(self) -> ErrorLocation | None:
        return self._location


# Rust's `{:?}` of a `String`, for callers that render rules.
debug = debug_str
