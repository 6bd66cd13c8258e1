"""A clap-compatible command-line engine: the argument model, the parser, and the help, usage and
error renderers of clap 4 (the Rust library the reference `codex` is built with).

The algorithms follow clap_builder (parser/parser.rs, parser/validator.rs, output/usage.rs,
output/help_template.rs, output/textwrap, error/format.rs) and clap_derive's doc-comment rules, so
that help pages and usage errors come out byte for byte as the reference prints them when stdout is
not a terminal (width 100, no colour).

Nothing here imports anything beyond the standard library's builtins: help and errors are rendered
without loading any dependency (see `codex.cli.app` for why click is not used).
"""

from __future__ import annotations

import sys

__all__ = [
    "APPEND",
    "COUNT",
    "HELP",
    "SET",
    "SET_FALSE",
    "SET_TRUE",
    "UNBOUNDED",
    "VERSION",
    "Arg",
    "ArgGroup",
    "ClapError",
    "Command",
    "IntParser",
    "Matches",
    "PossibleValue",
    "UnsignedParser",
    "ValueParseError",
    "did_you_mean",
    "doc_to_help",
    "parse",
    "render_help",
    "render_version",
    "wrap",
]

# Arg actions (clap::ArgAction).
SET = "set"
APPEND = "append"
SET_TRUE = "set_true"
SET_FALSE = "set_false"
COUNT = "count"
HELP = "help"
VERSION = "version"

_TAKES_VALUES = (SET, APPEND)

TAB = "  "
TAB_WIDTH = 2
NEXT_LINE_INDENT = "        "
USAGE_SEP = "\n       "
DEFAULT_SUB_VALUE_NAME = "COMMAND"
TERM_WIDTH = 100
UNBOUNDED = sys.maxsize
DEFAULT_DISPLAY_ORDER = 999

# Value sources (clap::parser::ValueSource), ordered by precedence.
SRC_DEFAULT = 0
SRC_ENV = 1
SRC_CLI = 2

# Error kinds (clap::error::ErrorKind).
E_INVALID_VALUE = "InvalidValue"
E_UNKNOWN_ARGUMENT = "UnknownArgument"
E_INVALID_SUBCOMMAND = "InvalidSubcommand"
E_NO_EQUALS = "NoEquals"
E_VALUE_VALIDATION = "ValueValidation"
E_TOO_MANY_VALUES = "TooManyValues"
E_TOO_FEW_VALUES = "TooFewValues"
E_WRONG_NUMBER_OF_VALUES = "WrongNumberOfValues"
E_ARGUMENT_CONFLICT = "ArgumentConflict"
E_MISSING_REQUIRED_ARGUMENT = "MissingRequiredArgument"
E_MISSING_SUBCOMMAND = "MissingSubcommand"
E_DISPLAY_HELP = "DisplayHelp"
E_DISPLAY_HELP_ON_MISSING = "DisplayHelpOnMissingArgumentOrSubcommand"
E_DISPLAY_VERSION = "DisplayVersion"


# --------------------------------------------------------------------------------------------
# clap_derive doc comments
# --------------------------------------------------------------------------------------------


def _remove_period(s: str) -> str:
    if s.endswith(".") and not s.endswith(".."):
        return s[:-1]
    return s


def doc_to_help(doc: str) -> tuple[str, str | None]:
    """(help, long_help) from a `///` doc comment, as clap_derive computes them.

    Lines are trimmed and joined with spaces inside a paragraph; paragraphs are separated by blank
    lines. The short help is the first paragraph without its trailing period; the long help is
    the whole text, present only when there is more than one paragraph.
    """
    lines = doc.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        s = line.strip()
        if s:
            current.append(s)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    if not paragraphs:
        return "", None
    has_blank = any(not line.strip() for line in lines)
    if has_blank:
        return _remove_period(paragraphs[0]), "\n\n".join(paragraphs)
    return _remove_period(paragraphs[0]), None


# --------------------------------------------------------------------------------------------
# text measurement and wrapping (clap_builder/src/output/textwrap)
# --------------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\ufeff":
            continue
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 2
        else:
            width += 1
    return width


def _find_words_ascii_space(line: str) -> list[str]:
    words = []
    start = 0
    in_whitespace = False
    for idx, ch in enumerate(line):
        if in_whitespace and ch != " ":
            words.append(line[start:idx])
            start = idx
        in_whitespace = ch == " "
    if start < len(line):
        words.append(line[start:])
    return words


def wrap(text: str, hard_width: int) -> str:
    """clap's `StyledStr::wrap`: greedy wrapping at ASCII spaces, line by line."""
    out: list[str] = []
    line_width = 0
    indentation: str | None = None
    for i, line in enumerate(text.splitlines(keepends=True)):
        if i > 0:
            line_width = 0
            indentation = None
        words = _find_words_ascii_space(line)
        if indentation is None and words:
            indentation = words[0] if not words[0].strip() else ""
        j = 0
        while j < len(words):
            word = words[j]
            trimmed = word.rstrip()
            word_width = display_width(trimmed)
            trimmed_delta = len(word) - len(trimmed)
            if j != 0 and hard_width < line_width + word_width:
                words[j - 1] = words[j - 1].rstrip()
                line_width = 0
                words.insert(j, "\n")
                j += 1
                if indentation:
                    words.insert(j, indentation)
                    line_width += len(indentation)
                    j += 1
            line_width += word_width + trimmed_delta
            j += 1
        out.extend(words)
    return "".join(out).rstrip()


def _indent(text: str, trailing: str) -> str:
    return text.replace("\n", "\n" + trailing)


def _trim_end(s: str) -> str:
    return s.rstrip()


# --------------------------------------------------------------------------------------------
# value parsers
# --------------------------------------------------------------------------------------------


class ValueParseError(Exception):
    """Raised by a value parser (any callable `str -> value` set as `Arg.value_parser`); becomes
    clap's `invalid value 'X' for '<ARG>': <message>`."""


def _rust_int(raw: str) -> int:
    """Parse like Rust's `i64::from_str` (optional sign, decimal digits only)."""
    if raw == "":
        raise ValueParseError("cannot parse integer from empty string")
    s = raw
    if s[0] in "+-":
        s = s[1:]
        if s == "":
            raise ValueParseError("invalid digit found in string")
    if not s.isascii() or not s.isdigit():
        raise ValueParseError("invalid digit found in string")
    value = int(raw)
    if value > 2**63 - 1:
        raise ValueParseError("number too large to fit in target type")
    if value < -(2**63):
        raise ValueParseError("number too small to fit in target type")
    return value


class IntParser:
    """`clap::value_parser!(uN/iN)`: parse as i64 then check the type's range."""

    __slots__ = ("lo", "hi")

    def __init__(self, lo: int, hi: int):
        self.lo = lo
        self.hi = hi

    def __call__(self, raw: str) -> int:
        value = _rust_int(raw)
        if not self.lo <= value <= self.hi:
            raise ValueParseError(f"{value} is not in {self.lo}..={self.hi}")
        return value


class UnsignedParser:
    """`usize`/`u64` through `FromStr` (no leading '-', digits only)."""

    __slots__ = ("hi",)

    def __init__(self, hi: int = 2**64 - 1):
        self.hi = hi

    def __call__(self, raw: str) -> int:
        if raw == "":
            raise ValueParseError("cannot parse integer from empty string")
        s = raw[1:] if raw[0] == "+" else raw
        if s == "" or not s.isascii() or not s.isdigit():
            raise ValueParseError("invalid digit found in string")
        value = int(s)
        if value > self.hi:
            raise ValueParseError("number too large to fit in target type")
        return value


def _bool_parser(raw: str) -> bool:
    if raw == "true":
        return True
    if raw == "false":
        return False
    raise ValueParseError("value was not a boolean")  # pragma: no cover - only "true"/"false" arrive


# --------------------------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------------------------


class PossibleValue:
    """One accepted value of an enumerated argument (clap::builder::PossibleValue)."""

    __slots__ = ("name", "help", "hide", "aliases")

    def __init__(self, name: str, doc: str | None = None, *, help: str | None = None,
                 hide: bool = False, aliases: tuple[str, ...] = ()):
        self.name = name
        if help is None and doc is not None:
            help = doc_to_help(doc)[0]
        self.help = help
        self.hide = hide
        self.aliases = aliases

    def should_show_help(self) -> bool:
        return not self.hide and self.help is not None

    def matches(self, value: str) -> bool:
        return value == self.name or value in self.aliases

    def quoted_name(self) -> str:
        return _escape(self.name)


def _escape(value: str) -> str:
    if any(c.isspace() for c in value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


class ArgGroup:
    """clap::ArgGroup."""

    __slots__ = ("id", "args", "required", "multiple", "conflicts", "requires")

    def __init__(self, id: str, args: list[str], *, required: bool = False, multiple: bool = False,
                 conflicts: tuple[str, ...] = (), requires: tuple[str, ...] = ()):
        self.id = id
        self.args = list(args)
        self.required = required
        self.multiple = multiple
        self.conflicts = list(conflicts)
        self.requires = list(requires)


class Arg:
    """One argument (clap::Arg), declared the way clap's derive would build it.

    `doc` is the field's doc comment (short and long help derived with clap_derive's rules);
    `help`/`long_help` set the texts verbatim instead. An arg with neither `short` nor `long` is
    positional. `action` defaults as clap's: SET_TRUE for flags (`flag=True`), SET for options
    and positionals, APPEND when `multiple=True`.
    """

    __slots__ = (
        "id", "short", "long", "aliases", "short_aliases", "value_names", "action", "num_args",
        "required", "help", "long_help", "default_values", "possible_values", "value_parser",
        "hide", "hide_possible_values", "hide_default_value", "hide_short_help", "hide_long_help",
        "global_", "trailing_var_arg", "last", "allow_hyphen_values", "allow_negative_numbers",
        "value_delimiter", "conflicts_with", "requires", "overrides_with", "exclusive",
        "display_order", "require_equals", "next_line_help", "help_heading", "index", "env",
        "default_missing_values",
    )

    def __init__(
        self,
        id: str,
        doc: str | None = None,
        *,
        short: str | None = None,
        long: str | None = None,
        aliases: tuple = (),
        short_aliases: tuple = (),
        value_name: str | None = None,
        value_names: list[str] | None = None,
        action: str | None = None,
        flag: bool = False,
        multiple: bool = False,
        num_args: tuple[int, int] | int | None = None,
        required: bool = False,
        help: str | None = None,
        long_help: str | None = None,
        default: str | list[str] | None = None,
        default_missing: str | list[str] | None = None,
        possible_values: list | None = None,
        value_parser=None,
        hide: bool = False,
        hide_possible_values: bool = False,
        hide_default_value: bool = False,
        hide_short_help: bool = False,
        hide_long_help: bool = False,
        global_: bool = False,
        trailing_var_arg: bool = False,
        last: bool = False,
        allow_hyphen_values: bool = False,
        allow_negative_numbers: bool = False,
        value_delimiter: str | None = None,
        conflicts_with: tuple[str, ...] = (),
        requires: tuple[str, ...] = (),
        overrides_with: tuple[str, ...] = (),
        exclusive: bool = False,
        display_order: int | None = None,
        require_equals: bool = False,
        next_line_help: bool = False,
        help_heading: str | None = None,
        env: str | None = None,
    ):
        self.id = id
        self.short = short
        self.long = long
        # (name, visible) pairs; a bare string is a hidden alias.
        self.aliases = [a if isinstance(a, tuple) else (a, False) for a in aliases]
        self.short_aliases = [a if isinstance(a, tuple) else (a, False) for a in short_aliases]
        if value_names is None and value_name is not None:
            value_names = [value_name]
        self.value_names = value_names or []
        if action is None:
            if flag:
                action = SET_TRUE
            elif multiple:
                action = APPEND
            else:
                action = SET
        self.action = action
        if isinstance(num_args, int):
            num_args = (num_args, num_args)
        if num_args is None:
            if len(self.value_names) > 1:
                num_args = (len(self.value_names), len(self.value_names))
            elif action in _TAKES_VALUES:
                num_args = (1, 1)
            else:
                num_args = (0, 0)
        self.num_args = num_args
        self.required = required
        if doc is not None:
            dh, dl = doc_to_help(doc)
            if help is None:
                help = dh
            if long_help is None:
                long_help = dl
        self.help = help
        self.long_help = long_help
        if isinstance(default, str):
            default = [default]
        if default is None:
            if action == SET_TRUE:
                default = ["false"]
            elif action == SET_FALSE:
                default = ["true"]
            elif action == COUNT:
                default = ["0"]
            else:
                default = []
        self.default_values = default
        if isinstance(default_missing, str):
            default_missing = [default_missing]
        if default_missing is None:
            if action == SET_TRUE:
                default_missing = ["true"]
            elif action == SET_FALSE:
                default_missing = ["false"]
            else:
                default_missing = []
        self.default_missing_values = default_missing
        self.possible_values = [
            pv if isinstance(pv, PossibleValue) else PossibleValue(pv) for pv in (possible_values or ())
        ]
        self.value_parser = value_parser
        self.hide = hide
        self.hide_possible_values = hide_possible_values
        self.hide_default_value = hide_default_value
        self.hide_short_help = hide_short_help
        self.hide_long_help = hide_long_help
        self.global_ = global_
        self.trailing_var_arg = trailing_var_arg
        self.last = last
        self.allow_hyphen_values = allow_hyphen_values
        self.allow_negative_numbers = allow_negative_numbers
        self.value_delimiter = value_delimiter
        self.conflicts_with = list(conflicts_with)
        self.requires = list(requires)
        self.overrides_with = list(overrides_with)
        self.exclusive = exclusive
        self.display_order = display_order
        self.require_equals = require_equals
        self.next_line_help = next_line_help
        self.help_heading = help_heading
        self.index: int | None = None
        self.env = env

    # -- clap's accessors ------------------------------------------------------------------------

    def is_positional(self) -> bool:
        return self.short is None and self.long is None

    def takes_value(self) -> bool:
        return self.action in _TAKES_VALUES

    def min_vals(self) -> int:
        return self.num_args[0]

    def max_vals(self) -> int:
        return self.num_args[1]

    def is_multiple_values_set(self) -> bool:
        return self.num_args[1] > 1

    def is_multiple(self) -> bool:
        return self.is_multiple_values_set() or self.action == APPEND

    def get_display_order(self) -> int:
        return DEFAULT_DISPLAY_ORDER if self.display_order is None else self.display_order

    def visible_possible_values(self) -> list[PossibleValue]:
        return [pv for pv in self.possible_values if not pv.hide]

    def copy(self) -> Arg:
        new = object.__new__(Arg)
        for name in Arg.__slots__:
            setattr(new, name, getattr(self, name))
        return new

    def __str__(self) -> str:
        return self.stylized(None)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Arg({self.id!r})"

    def stylized(self, required: bool | None) -> str:
        if self.long is not None:
            name = "--" + self.long
        elif self.short is not None:
            name = "-" + self.short
        else:
            name = ""
        return name + self.arg_suffix(required)

    def arg_suffix(self, required: bool | None) -> str:
        out = ""
        need_closing_bracket = False
        if self.takes_value() and not self.is_positional():
            is_optional_val = self.min_vals() == 0
            if self.require_equals:
                if is_optional_val:
                    need_closing_bracket = True
                    out += "[="
                else:
                    out += "="
            elif is_optional_val:
                need_closing_bracket = True
                out += " ["
            else:
                out += " "
        if self.takes_value() or self.is_positional():
            out += self._render_arg_val(self.required if required is None else required)
        elif self.action == COUNT:
            out += "..."
        if need_closing_bracket:
            out += "]"
        return out

    def _render_arg_val(self, required: bool) -> str:
        lo, hi = self.num_args
        names = list(self.value_names) if self.value_names else [self.id]
        if len(names) == 1:
            names = names * max(lo, 1)
        positional = self.is_positional()
        parts = []
        for name in names:
            if positional and (lo == 0 or not required):
                parts.append(f"[{name}]")
            else:
                parts.append(f"<{name}>")
        rendered = " ".join(parts)
        extra = len(names) < hi
        if positional and self.action == APPEND:
            extra = True
        if extra:
            rendered += "..."
        return rendered

    def name_no_brackets(self) -> str:
        if self.value_names:
            return " ".join(self.value_names)
        return self.id


class Command:
    """One command (clap::Command), declared the way clap's derive would build it.

    `doc` is the doc comment giving `about`/`long_about`. `args` and `subcommands` are in
    declaration order; display orders are numbered from one counter shared by non-positional
    args and subcommands in that order (`subcommands_first=True` when the struct's
    `#[command(subcommand)]` field comes before its args). Global args are propagated to
    subcommands when the command is built, keeping their parent's display order.
    """

    __slots__ = (
        "name", "about", "long_about", "version", "aliases", "short_flag_aliases", "hide", "args",
        "subcommands", "subcommand_required", "arg_required_else_help", "subcommand_negates_reqs",
        "args_conflicts_with_subcommands", "override_usage", "after_help", "after_long_help",
        "before_help", "before_long_help", "groups", "disable_help_subcommand",
        "disable_help_flag", "disable_version_flag", "subcommand_value_name",
        "subcommand_help_heading", "display_order", "next_line_help",
        "allow_external_subcommands", "allow_missing_positional", "args_override_self",
        "subcommand_precedence_over_arg", "handler", "bin_name", "display_name",
        "long_help_exists", "parent", "_built", "_keymap", "_positionals", "is_help_subcommand",
    )

    def __init__(
        self,
        name: str,
        doc: str | None = None,
        *,
        about: str | None = None,
        long_about: str | None = None,
        version: str | None = None,
        aliases: tuple = (),
        hide: bool = False,
        args: list[Arg] = (),
        subcommands: list[Command] = (),
        subcommands_first: bool = False,
        subcommand_required: bool = False,
        arg_required_else_help: bool | None = None,
        subcommand_negates_reqs: bool = False,
        args_conflicts_with_subcommands: bool = False,
        override_usage: str | None = None,
        after_help: str | None = None,
        after_long_help: str | None = None,
        before_help: str | None = None,
        before_long_help: str | None = None,
        groups: list[ArgGroup] = (),
        disable_help_subcommand: bool = False,
        disable_help_flag: bool = False,
        disable_version_flag: bool = False,
        subcommand_value_name: str | None = None,
        subcommand_help_heading: str | None = None,
        next_line_help: bool = False,
        allow_external_subcommands: bool = False,
        allow_missing_positional: bool = False,
        args_override_self: bool = False,
        subcommand_precedence_over_arg: bool = False,
        handler: str | None = None,
        bin_name: str | None = None,
    ):
        self.name = name
        if doc is not None:
            dh, dl = doc_to_help(doc)
            if about is None:
                about = dh
            if long_about is None:
                long_about = dl
        self.about = about
        self.long_about = long_about
        self.version = version
        self.aliases = [a if isinstance(a, tuple) else (a, False) for a in aliases]
        self.short_flag_aliases: list = []
        self.hide = hide
        # Each command owns its args (display orders and indexes are per command).
        self.args = [a.copy() for a in args]
        self.subcommands = list(subcommands)
        self.subcommand_required = subcommand_required
        if arg_required_else_help is None:
            arg_required_else_help = subcommand_required
        self.arg_required_else_help = arg_required_else_help
        self.subcommand_negates_reqs = subcommand_negates_reqs
        self.args_conflicts_with_subcommands = args_conflicts_with_subcommands
        self.override_usage = override_usage
        self.after_help = after_help
        self.after_long_help = after_long_help
        self.before_help = before_help
        self.before_long_help = before_long_help
        self.groups = list(groups)
        self.disable_help_subcommand = disable_help_subcommand
        self.disable_help_flag = disable_help_flag
        self.disable_version_flag = disable_version_flag
        self.subcommand_value_name = subcommand_value_name
        self.subcommand_help_heading = subcommand_help_heading
        self.display_order: int | None = None
        self.next_line_help = next_line_help
        self.allow_external_subcommands = allow_external_subcommands
        self.allow_missing_positional = allow_missing_positional
        self.args_override_self = args_override_self
        self.subcommand_precedence_over_arg = subcommand_precedence_over_arg
        self.handler = handler
        self.bin_name = bin_name if bin_name is not None else name
        self.display_name = name
        self.long_help_exists = False
        self.parent: Command | None = None
        self._built = False
        self._keymap: dict = {}
        self._positionals: list[Arg] = []
        self.is_help_subcommand = False

        # Display orders: one counter for non-positional args and subcommands, in declaration
        # order (clap's `Command::arg_internal` / `subcommand_internal`).
        order = 0
        sequence = (self.subcommands, self.args) if subcommands_first else (self.args, self.subcommands)
        for group in sequence:
            for item in group:
                if isinstance(item, Arg):
                    if item.is_positional():
                        continue
                if item.display_order is None:
                    item.display_order = order
                order += 1
        for sub in self.subcommands:
            sub.parent = self

    # -- lookup ----------------------------------------------------------------------------------

    def find_subcommand(self, name: str) -> Command | None:
        for sc in self.subcommands:
            if sc.name == name:
                return sc
            for alias, _ in sc.aliases:
                if alias == name:
                    return sc
        return None

    def all_subcommand_names(self) -> list[str]:
        names = []
        for sc in self.subcommands:
            names.append(sc.name)
            names.extend(a for a, _ in sc.aliases)
        return names

    def find(self, id: str) -> Arg | None:
        for a in self.args:
            if a.id == id:
                return a
        return None

    def find_group(self, id: str) -> ArgGroup | None:
        for g in self.groups:
            if g.id == id:
                return g
        return None

    def groups_for_arg(self, id: str) -> list[str]:
        return [g.id for g in self.groups if id in g.args]

    def unroll_args_in_group(self, group_id: str) -> list[str]:
        out: list[str] = []
        pending = [group_id]
        seen = set()
        while pending:
            gid = pending.pop(0)
            g = self.find_group(gid)
            if g is None:
                continue
            for member in g.args:
                if member in seen:
                    continue
                seen.add(member)
                if self.find_group(member) is not None:
                    pending.append(member)
                else:
                    out.append(member)
        return out

    def get_positionals(self) -> list[Arg]:
        return [a for a in self.args if a.is_positional()]

    def get_non_positionals(self) -> list[Arg]:
        return [a for a in self.args if not a.is_positional()]

    def has_visible_subcommands(self) -> bool:
        return any(not sc.hide for sc in self.subcommands)

    def has_positionals(self) -> bool:
        return bool(self._positionals)

    # -- building (clap's Command::_build_self) --------------------------------------------------

    def build(self) -> Command:
        if self._built:
            return self
        parent = self.parent
        if parent is not None:
            self.bin_name = f"{parent.bin_name} {self.name}"
            self.display_name = f"{parent.display_name}-{self.name}"
        self.long_help_exists = self._long_help_exists()
        if not self.disable_help_flag:
            if self.long_help_exists:
                help_arg = Arg("help", short="h", long="help", action=HELP,
                               help="Print help (see more with '--help')",
                               long_help="Print help (see a summary with '-h')")
            else:
                help_arg = Arg("help", short="h", long="help", action=HELP, help="Print help")
            self.args.append(help_arg)
        if self.version is not None and not self.disable_version_flag:
            self.args.append(Arg("version", short="V", long="version", action=VERSION,
                                 help="Print version"))
        if self.subcommands and not self.disable_help_subcommand:
            help_sub = Command(
                "help",
                about="Print this message or the help of the given subcommand(s)",
                args=[Arg("subcommand", value_name="COMMAND", action=APPEND, num_args=(0, UNBOUNDED),
                          help="Print help for the subcommand(s)")],
                disable_help_flag=True,
                disable_version_flag=True,
            )
            help_sub.is_help_subcommand = True
            help_sub.parent = self
            self.subcommands.append(help_sub)
        # Propagate global args to the subcommands (clap's `_propagate_global_args`).
        globals_ = [a for a in self.args if a.global_]
        if globals_:
            for sc in self.subcommands:
                if sc.is_help_subcommand:
                    continue
                for a in globals_:
                    if sc.find(a.id) is None:
                        sc.args.append(a)
        # Index the positionals and build the key map.
        keymap: dict = {}
        positionals = []
        pos_counter = 1
        for a in self.args:
            if a.is_positional():
                a.index = pos_counter
                pos_counter += 1
                positionals.append(a)
                keymap[a.index] = a
                continue
            if a.short is not None:
                keymap.setdefault(("-", a.short), a)
            for s, _ in a.short_aliases:
                keymap.setdefault(("-", s), a)
            if a.long is not None:
                keymap.setdefault(("--", a.long), a)
            for lng, _ in a.aliases:
                keymap.setdefault(("--", lng), a)
        self._keymap = keymap
        self._positionals = positionals
        self._built = True
        return self

    def _long_help_exists(self) -> bool:
        if self.long_about is not None or self.before_long_help is not None \
                or self.after_long_help is not None:
            return True
        for a in self.args:
            if a.hide:
                continue
            if a.long_help is not None or a.hide_long_help or a.hide_short_help:
                return True
            if not a.hide_possible_values and any(pv.should_show_help() for pv in a.possible_values):
                return True
        return False

    def long_flags(self) -> list[str]:
        return [k[1] for k in self._keymap if isinstance(k, tuple) and k[0] == "--"]

    def path(self) -> tuple[str, ...]:
        names = []
        cmd: Command | None = self
        while cmd is not None and cmd.parent is not None:
            names.append(cmd.name)
            cmd = cmd.parent
        return tuple(reversed(names))


# --------------------------------------------------------------------------------------------
# matches
# --------------------------------------------------------------------------------------------


class _Matched:
    __slots__ = ("source", "vals", "raws", "indices")

    def __init__(self, source: int):
        self.source = source
        self.vals: list[list] = []
        self.raws: list[list[str]] = []
        self.indices: list[int] = []

    def new_val_group(self):
        self.vals.append([])
        self.raws.append([])

    def push(self, val, raw: str):
        if not self.vals:
            self.new_val_group()
        self.vals[-1].append(val)
        self.raws[-1].append(raw)

    def all_val_groups_empty(self) -> bool:
        return all(not g for g in self.vals)

    def flat(self) -> list:
        return [v for g in self.vals for v in g]


class _Pending:
    __slots__ = ("id", "ident", "raw_vals", "trailing_idx")

    def __init__(self, id: str, ident: str | None):
        self.id = id
        self.ident = ident
        self.raw_vals: list[str] = []
        self.trailing_idx: int | None = None


class Matches:
    """The parse result of one command level: its values and the matched subcommand, if any."""

    __slots__ = ("command", "args", "subcommand", "pending")

    def __init__(self, command: Command):
        self.command = command
        self.args: dict[str, _Matched] = {}
        self.subcommand: tuple[str, Matches] | None = None
        self.pending: _Pending | None = None

    # -- ArgMatcher ------------------------------------------------------------------------------

    def check_explicit(self, id: str) -> bool:
        m = self.args.get(id)
        if m is not None:
            return m.source != SRC_DEFAULT
        g = self.command.find_group(id)
        if g is not None:
            return any(self.check_explicit(member) for member in self.command.unroll_args_in_group(id))
        return False

    def explicit_ids(self) -> list[str]:
        return [k for k, m in self.args.items() if m.source != SRC_DEFAULT]

    def pending_values_mut(self, id: str, ident: str | None, trailing_values: bool) -> list[str]:
        if self.pending is None:
            self.pending = _Pending(id, ident)
        if trailing_values and self.pending.trailing_idx is None:
            self.pending.trailing_idx = len(self.pending.raw_vals)
        return self.pending.raw_vals

    def pending_arg_id(self) -> str | None:
        return self.pending.id if self.pending is not None else None

    def needs_more_vals(self, arg: Arg) -> bool:
        n = len(self.pending.raw_vals) if self.pending is not None and self.pending.id == arg.id else 0
        return n < arg.max_vals()

    # -- results ---------------------------------------------------------------------------------

    def leaf(self) -> Matches:
        m = self
        while m.subcommand is not None:
            m = m.subcommand[1]
        return m

    def path(self) -> tuple[str, ...]:
        names = []
        m = self
        while m.subcommand is not None:
            names.append(m.subcommand[0])
            m = m.subcommand[1]
        return tuple(names)

    def raw_values(self, id: str) -> list[str]:
        m = self.args.get(id)
        return [r for g in m.raws for r in g] if m is not None else []

    def value_of(self, arg: Arg):
        """The value handed to a handler: bool for flags, int for counts, a list for multi-valued
        args, else the single value (or None)."""
        m = self.args.get(arg.id)
        if arg.action in (SET_TRUE, SET_FALSE):
            return bool(m.flat()[-1]) if m is not None and m.flat() else arg.action == SET_FALSE
        if arg.action == COUNT:
            return int(m.flat()[-1]) if m is not None and m.flat() else 0
        if arg.is_multiple():
            return m.flat() if m is not None else []
        if m is None:
            return None
        vals = m.flat()
        return vals[-1] if vals else None

    def values(self) -> dict:
        out = {}
        for a in self.command.args:
            if a.action in (HELP, VERSION):
                continue
            out[a.id] = self.value_of(a)
        return out

    def explicit_values(self) -> dict:
        """Only the args given on the command line (or the environment)."""
        out = {}
        for a in self.command.args:
            if a.action in (HELP, VERSION):
                continue
            if self.check_explicit(a.id):
                out[a.id] = self.value_of(a)
        return out


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


class ClapError(Exception):
    """A clap "error": a usage error, or the help/version display (exit code 0, stdout)."""

    def __init__(self, kind: str, cmd: Command, *, message: str | None = None, **context):
        super().__init__(kind)
        self.kind = kind
        self.cmd = cmd
        self.message = message
        self.context = context

    @property
    def use_stderr(self) -> bool:
        return self.kind not in (E_DISPLAY_HELP, E_DISPLAY_VERSION)

    @property
    def exit_code(self) -> int:
        return 2 if self.use_stderr else 0

    def render(self) -> str:
        if self.message is not None:
            return self.message
        return _format_error(self)

    def __str__(self) -> str:
        return self.render()


def _help_flag(cmd: Command) -> str | None:
    if not cmd.disable_help_flag:
        return "--help"
    if cmd.subcommands and not cmd.disable_help_subcommand:
        return "help"
    return None


def _format_error(err: ClapError) -> str:
    c = err.context
    out = "error: "
    kind = err.kind
    if kind == E_ARGUMENT_CONFLICT:
        prior = c.get("prior_arg")
        invalid_arg = c.get("invalid_arg")
        if invalid_arg is not None:
            if prior == invalid_arg:
                prior = None
                out += f"the argument '{invalid_arg}' cannot be used multiple times"
            else:
                out += f"the argument '{invalid_arg}' cannot be used with"
        elif c.get("invalid_subcommand") is not None:
            out += f"the subcommand '{c['invalid_subcommand']}' cannot be used with"
        else:
            out += "an argument cannot be used with one or more of the other specified arguments"
        if prior is not None:
            if isinstance(prior, list):
                out += ":"
                for v in prior:
                    out += f"\n{TAB}{v}"
            elif prior == "":
                out += " one or more of the other specified arguments"
            else:
                out += f" '{prior}'"
    elif kind == E_NO_EQUALS:
        out += f"equal sign is needed when assigning values to '{c['invalid_arg']}'"
    elif kind == E_INVALID_VALUE:
        if c["invalid_value"] == "":
            out += f"a value is required for '{c['invalid_arg']}' but none was supplied"
        else:
            out += f"invalid value '{c['invalid_value']}' for '{c['invalid_arg']}'"
        values = c.get("valid_values") or []
        if values:
            out += f"\n{TAB}[possible values: " + ", ".join(_escape(v) for v in values) + "]"
    elif kind == E_INVALID_SUBCOMMAND:
        out += f"unrecognized subcommand '{c['invalid_subcommand']}'"
    elif kind == E_MISSING_REQUIRED_ARGUMENT:
        out += "the following required arguments were not provided:"
        for v in c["invalid_args"]:
            out += f"\n{TAB}{v}"
    elif kind == E_MISSING_SUBCOMMAND:
        out += f"'{c['invalid_subcommand']}' requires a subcommand but one was not provided"
        values = c.get("valid_subcommands") or []
        if values:
            out += f"\n{TAB}[subcommands: " + ", ".join(_escape(v) for v in values) + "]"
    elif kind == E_TOO_MANY_VALUES:
        out += (f"unexpected value '{c['invalid_value']}' for '{c['invalid_arg']}' found; "
                "no more were expected")
    elif kind == E_TOO_FEW_VALUES:
        were = " were provided" if c["actual"] > 1 else " was provided"
        out += f"{c['min_values']} values required by '{c['invalid_arg']}'; only {c['actual']}{were}"
    elif kind == E_VALUE_VALIDATION:
        out += f"invalid value '{c['invalid_value']}' for '{c['invalid_arg']}'"
        if c.get("source"):
            out += f": {c['source']}"
    elif kind == E_WRONG_NUMBER_OF_VALUES:
        were = " were provided" if c["actual"] > 1 else " was provided"
        out += (f"{c['expected']} values required for '{c['invalid_arg']}' but "
                f"{c['actual']}{were}")
    elif kind == E_UNKNOWN_ARGUMENT:
        out += f"unexpected argument '{c['invalid_arg']}' found"
    else:  # pragma: no cover
        out += "unknown cause"

    suggested = False
    for key, what in (("suggested_subcommand", "subcommand"), ("suggested_arg", "argument"),
                      ("suggested_value", "value")):
        valid = c.get(key)
        if not valid:
            continue
        out += "\n"
        if not suggested:
            out += "\n"
            suggested = True
        out += f"{TAB}tip:"
        if isinstance(valid, str):
            out += f" a similar {what} exists: '{valid}'"
        else:
            if len(valid) == 1:
                out += f" a similar {what} exists: "
            else:
                out += f" some similar {what}s exist: "
            out += ", ".join(f"'{v}'" for v in valid)
    suggestions = c.get("suggestions")
    if suggestions is not None:
        if not suggested:
            out += "\n"
        for s in suggestions:
            out += f"\n{TAB}tip: {s}"
    usage = c.get("usage")
    if usage is not None:
        out += "\n\n" + usage
    help_flag = _help_flag(err.cmd)
    if help_flag is not None:
        out += f"\n\nFor more information, try '{help_flag}'.\n"
    else:
        out += "\n"
    return out


# -- error constructors (clap::Error::*) ---------------------------------------------------------


def _err_unknown_argument(cmd, arg: str, did_you_mean, suggested_trailing_arg: bool, usage):
    suggestions = []
    if suggested_trailing_arg:
        suggestions.append(f"to pass '{arg}' as a value, use '-- {arg}'")
    ctx = {"invalid_arg": arg, "usage": usage}
    if did_you_mean is not None:
        flag, sub = did_you_mean
        if sub is not None:
            suggestions.append(f"'{sub} --{flag}' exists")
        else:
            ctx["suggested_arg"] = "--" + flag
    if suggestions:
        ctx["suggestions"] = suggestions
    return ClapError(E_UNKNOWN_ARGUMENT, cmd, **ctx)


def _err_invalid_value(cmd, bad_val: str, good_vals: list[str], arg: str):
    ctx = {"invalid_arg": arg, "invalid_value": bad_val, "valid_values": good_vals}
    candidates = did_you_mean(bad_val, good_vals)
    if candidates:
        ctx["suggested_value"] = candidates[-1]
    return ClapError(E_INVALID_VALUE, cmd, **ctx)


def _err_invalid_subcommand(cmd, subcmd: str, candidates: list[str], name: str,
                            suggested_trailing_arg: bool, usage):
    suggestions = []
    if suggested_trailing_arg:
        suggestions.append(f"to pass '{subcmd}' as a value, use '{name} -- {subcmd}'")
    return ClapError(E_INVALID_SUBCOMMAND, cmd, invalid_subcommand=subcmd,
                     suggested_subcommand=candidates, suggestions=suggestions, usage=usage)


def _err_unrecognized_subcommand(cmd, subcmd: str, usage):
    return ClapError(E_INVALID_SUBCOMMAND, cmd, invalid_subcommand=subcmd, usage=usage)


# --------------------------------------------------------------------------------------------
# suggestions (clap's `did_you_mean`, Jaro similarity > 0.7)
# --------------------------------------------------------------------------------------------


def jaro(a: str, b: str) -> float:
    a_len = len(a)
    b_len = len(b)
    if a_len == 0 and b_len == 0:
        return 1.0
    if a_len == 0 or b_len == 0:
        return 0.0
    search_range = max(a_len, b_len) // 2
    search_range = max(search_range - 1, 0)
    b_consumed = [False] * b_len
    matches = 0
    transpositions = 0
    b_match_index = 0
    for i, a_elem in enumerate(a):
        min_bound = i - search_range if i > search_range else 0
        max_bound = min(b_len - 1, i + search_range)
        for j in range(min_bound, max_bound + 1):
            if j >= b_len:
                break
            if a_elem == b[j] and not b_consumed[j]:
                b_consumed[j] = True
                matches += 1
                if j < b_match_index:
                    transpositions += 1
                b_match_index = j
                break
    if matches == 0:
        return 0.0
    return (1.0 / 3.0) * (matches / a_len + matches / b_len + (matches - transpositions) / matches)


def did_you_mean(value: str, possible_values) -> list[str]:
    """Candidates with a Jaro similarity above 0.7, least similar first."""
    candidates = []
    for pv in possible_values:
        score = jaro(value, pv)
        if score > 0.7:
            candidates.append((score, pv))
    candidates.sort(key=lambda c: c[0])
    return [pv for _, pv in candidates]


# --------------------------------------------------------------------------------------------
# usage (clap_builder/src/output/usage.rs)
# --------------------------------------------------------------------------------------------


def _required_graph(cmd: Command) -> list[str]:
    reqs: list[str] = []
    for a in cmd.args:
        if a.required and a.id not in reqs:
            reqs.append(a.id)
    for g in cmd.groups:
        if g.required:
            if g.id not in reqs:
                reqs.append(g.id)
            for r in g.requires:
                if r not in reqs:
                    reqs.append(r)
    return reqs


def _unroll_arg_requires(cmd: Command, id: str) -> list[str]:
    out: list[str] = []
    pending = [id]
    processed = set()
    while pending:
        current = pending.pop()
        if current in processed:
            continue
        processed.add(current)
        a = cmd.find(current)
        if a is None:
            continue
        for r in a.requires:
            if cmd.find_group(r) is not None:
                for member in cmd.unroll_args_in_group(r):
                    if member not in out:
                        out.append(member)
                        pending.append(member)
            elif r not in out:
                out.append(r)
                pending.append(r)
    return out


def _format_group(cmd: Command, gid: str) -> str:
    parts = []
    for member in cmd.unroll_args_in_group(gid):
        a = cmd.find(member)
        if a is None:
            continue
        parts.append(a.name_no_brackets() if a.is_positional() else str(a))
    return "<" + "|".join(parts) + ">"


class _Usage:
    def __init__(self, cmd: Command, required: list[str] | None = None):
        self.cmd = cmd
        self.required = required

    def _required(self) -> list[str]:
        return self.required if self.required is not None else _required_graph(self.cmd)

    def with_title(self, used: list[str]) -> str:
        return "Usage: " + self.no_title(used)

    def no_title(self, used: list[str]) -> str:
        if self.cmd.override_usage is not None:
            return _trim_end(self.cmd.override_usage)
        if not used:
            out = self._help_usage(True)
        else:
            out = self._smart_usage(used)
        return _trim_end(out)

    def _needs_options_tag(self) -> bool:
        cmd = self.cmd
        for f in cmd.get_non_positionals():
            if f.long in ("help", "version"):
                continue
            if f.action in (HELP, VERSION):
                continue
            if f.hide or f.required:
                continue
            if any(cmd.find_group(g).required for g in cmd.groups_for_arg(f.id)):
                continue
            return True
        return False

    def _help_usage(self, incl_reqs: bool) -> str:
        cmd = self.cmd
        bin_name = cmd.bin_name
        out = ""
        if bin_name:
            out += bin_name + " "
        if self._needs_options_tag():
            out += "[OPTIONS] "
        out += self._write_args([], not incl_reqs)
        if (cmd.has_visible_subcommands() or cmd.allow_external_subcommands) and incl_reqs:
            value_name = cmd.subcommand_value_name or DEFAULT_SUB_VALUE_NAME
            if cmd.subcommand_negates_reqs or cmd.args_conflicts_with_subcommands:
                out = _trim_end(out) + USAGE_SEP
                if cmd.args_conflicts_with_subcommands:
                    out += bin_name + " "
                else:
                    out += self._help_usage(False)
                out += f"<{value_name}>"
            elif cmd.subcommand_required:
                out += f"<{value_name}>"
            else:
                out += f"[{value_name}]"
        return out

    def _smart_usage(self, used: list[str]) -> str:
        cmd = self.cmd
        out = cmd.bin_name + " "
        out += self._write_args(used, False)
        if cmd.subcommand_required:
            value_name = cmd.subcommand_value_name or DEFAULT_SUB_VALUE_NAME
            out += f"<{value_name}>"
        return out

    def _unrolled_reqs(self) -> list[str]:
        unrolled = []
        for a in self._required():
            unrolled.extend(_unroll_arg_requires(self.cmd, a))
            unrolled.append(a)
        return unrolled

    def _write_args(self, incls: list[str], force_optional: bool) -> str:
        cmd = self.cmd
        unrolled = self._unrolled_reqs()
        required_groups_members: set[str] = set()
        required_groups: list[str] = []
        for req in unrolled + list(incls):
            if cmd.find_group(req) is not None:
                elem = _format_group(cmd, req)
                if elem not in required_groups:
                    required_groups.append(elem)
                required_groups_members.update(cmd.unroll_args_in_group(req))
        required_opts: list[str] = []
        required_positionals: dict[int, str] = {}
        for req in unrolled + list(incls):
            a = cmd.find(req)
            if a is None:
                continue
            if a.id in required_groups_members:
                continue
            stylized = a.stylized(not force_optional)
            if a.is_positional():
                required_positionals[a.index] = stylized
            elif stylized not in required_opts:
                required_opts.append(stylized)
        for pos in cmd.get_positionals():
            if pos.hide or pos.id in required_groups_members:
                continue
            index = pos.index
            if index in required_positionals:
                if pos.last:
                    required_positionals[index] = "-- " + required_positionals[index]
            else:
                if pos.last:
                    styled = "[-- " + pos.stylized(True) + "]"
                else:
                    styled = pos.stylized(False)
                required_positionals[index] = styled
            if pos.last and force_optional:
                required_positionals.pop(index, None)
        out = ""
        if not force_optional:
            for s in required_opts:
                out += s + " "
            for s in required_groups:
                out += s + " "
        for index in sorted(required_positionals):
            out += required_positionals[index] + " "
        return out

    def required_usage_from(self, incls: list[str], matcher: Matches | None, incl_last: bool) -> list[str]:
        cmd = self.cmd
        unrolled = []
        for a in self._required():
            unrolled.extend(_unroll_arg_requires(cmd, a))
            unrolled.append(a)
        required_groups_members: set[str] = set()
        required_groups: list[str] = []
        for req in unrolled + list(incls):
            if cmd.find_group(req) is not None:
                members = cmd.unroll_args_in_group(req)
                if matcher is not None and any(matcher.check_explicit(m) for m in members):
                    continue
                elem = _format_group(cmd, req)
                if elem not in required_groups:
                    required_groups.append(elem)
                required_groups_members.update(members)
        required_opts: list[str] = []
        required_positionals: dict[int, str] = {}
        for req in unrolled + list(incls):
            a = cmd.find(req)
            if a is None:
                continue
            if a.id in required_groups_members:
                continue
            if matcher is not None and matcher.check_explicit(req):
                continue
            stylized = a.stylized(True)
            if a.is_positional():
                if not a.last or incl_last:
                    required_positionals[a.index] = stylized
            elif stylized not in required_opts:
                required_opts.append(stylized)
        return required_opts + required_groups + [required_positionals[i] for i in sorted(required_positionals)]


# --------------------------------------------------------------------------------------------
# help (clap_builder/src/output/help_template.rs)
# --------------------------------------------------------------------------------------------


def _should_show_arg(use_long: bool, arg: Arg) -> bool:
    if arg.hide:
        return False
    return (not arg.hide_long_help and use_long) or (not arg.hide_short_help and not use_long) \
        or arg.next_line_help


def _longest_filter(arg: Arg) -> bool:
    return arg.takes_value() or arg.long is not None or arg.short is None


def _option_sort_key(arg: Arg):
    if arg.short is not None:
        x = arg.short
        key = x.lower() + ("0" if x.islower() else "1")
    elif arg.long is not None:
        key = arg.long
    else:
        key = "{" + arg.id
    return (arg.get_display_order(), key)


def _positional_sort_key(arg: Arg):
    return (arg.index or 0, "")


class _HelpWriter:
    def __init__(self, cmd: Command, use_long: bool):
        self.cmd = cmd
        self.use_long = use_long
        self.term_w = TERM_WIDTH
        self.next_line_help = cmd.next_line_help
        self.out: list[str] = []

    def write(self, s: str):
        self.out.append(s)

    # -- top level -------------------------------------------------------------------------------

    def write_help(self):
        cmd = self.cmd
        pos = any(_should_show_arg(self.use_long, a) for a in cmd.get_positionals())
        non_pos = any(_should_show_arg(self.use_long, a) for a in cmd.get_non_positionals())
        subcmds = cmd.has_visible_subcommands()
        self.write_before_help()
        self.write_about()
        self.write("\n")
        self.write("Usage: " + _Usage(cmd).no_title([]))
        if non_pos or pos or subcmds:
            self.write("\n\n")
            self.write_all_args()
        self.write_after_help()

    def write_about(self):
        cmd = self.cmd
        about = (cmd.long_about if cmd.long_about is not None else cmd.about) if self.use_long else cmd.about
        if about is not None:
            self.write(wrap(about.replace("{n}", "\n"), self.term_w))
            self.write("\n")

    def write_before_help(self):
        cmd = self.cmd
        before = cmd.before_long_help if self.use_long and cmd.before_long_help is not None else cmd.before_help
        if before is not None:
            self.write(wrap(before.replace("{n}", "\n"), self.term_w))
            self.write("\n\n")

    def write_after_help(self):
        cmd = self.cmd
        after = cmd.after_long_help if self.use_long and cmd.after_long_help is not None else cmd.after_help
        if after is not None:
            self.write("\n\n")
            self.write(wrap(after.replace("{n}", "\n"), self.term_w))

    def write_all_args(self):
        cmd = self.cmd
        use_long = self.use_long
        pos = [a for a in cmd.get_positionals() if a.help_heading is None and _should_show_arg(use_long, a)]
        non_pos = [a for a in cmd.get_non_positionals()
                   if a.help_heading is None and _should_show_arg(use_long, a)]
        subcmds = cmd.has_visible_subcommands()
        custom_headings: list[str] = []
        for a in cmd.args:
            if a.help_heading is not None and a.help_heading not in custom_headings:
                custom_headings.append(a.help_heading)
        first = True
        if subcmds:
            first = False
            heading = cmd.subcommand_help_heading or "Commands"
            self.write(f"{heading}:\n")
            self.write_subcommands()
        if pos:
            if not first:
                self.write("\n\n")
            first = False
            self.write("Arguments:\n")
            self.write_args(pos, _positional_sort_key)
        if non_pos:
            if not first:
                self.write("\n\n")
            first = False
            self.write("Options:\n")
            self.write_args(non_pos, _option_sort_key)
        for heading in custom_headings:
            args = [a for a in cmd.args if a.help_heading == heading and _should_show_arg(use_long, a)]
            if args:
                if not first:
                    self.write("\n\n")
                first = False
                self.write(f"{heading}:\n")
                self.write_args(args, _option_sort_key)

    # -- args ------------------------------------------------------------------------------------

    def write_args(self, args: list[Arg], sort_key):
        longest = 2
        ord_v = []
        for arg in args:
            if not _should_show_arg(self.use_long, arg):
                continue
            if _longest_filter(arg):
                longest = max(longest, display_width(str(arg)))
            ord_v.append((sort_key(arg), arg))
        ord_v.sort(key=lambda x: x[0])
        next_line_help = self.will_args_wrap(args, longest)
        for i, (_, arg) in enumerate(ord_v):
            if i != 0:
                self.write("\n")
                if next_line_help and self.use_long:
                    self.write("\n")
            self.write_arg(arg, next_line_help, longest)

    def write_arg(self, arg: Arg, next_line_help: bool, longest: int):
        spec_vals = self.spec_vals(arg)
        self.write(TAB)
        if arg.short is not None:
            self.write("-" + arg.short)
        elif arg.long is not None:
            self.write("    ")
        if arg.long is not None:
            if arg.short is not None:
                self.write(", ")
            self.write("--" + arg.long)
        self.write(arg.arg_suffix(None))
        self.align_to_about(arg, next_line_help, longest)
        if self.use_long:
            about = arg.long_help if arg.long_help is not None else (arg.help or "")
        else:
            about = arg.help if arg.help is not None else (arg.long_help or "")
        self.help(arg, about, spec_vals, next_line_help, longest)

    def align_to_about(self, arg: Arg, next_line_help: bool, longest: int):
        if self.use_long or next_line_help:
            padding = 0
        elif not arg.is_positional():
            self_len = display_width(str(arg))
            padding = TAB_WIDTH if arg.long is not None else TAB_WIDTH + 4
            padding = longest + padding - self_len
        else:
            self_len = display_width(str(arg))
            padding = longest + TAB_WIDTH - self_len
        self.write(" " * padding)

    def help(self, arg: Arg | None, about: str, spec_vals: str, next_line_help: bool, longest: int):
        if next_line_help:
            self.write("\n" + TAB + NEXT_LINE_INDENT)
        if next_line_help:
            spaces = len(TAB) + len(NEXT_LINE_INDENT)
        elif arg is None or arg.is_positional():
            spaces = longest + TAB_WIDTH * 2
        else:
            spaces = longest + TAB_WIDTH * 2 + 4
        trailing_indent = " " * spaces
        help = about.replace("{n}", "\n")
        if spec_vals:
            if help:
                help += "\n\n" if (self.use_long and arg is not None) else " "
            help += spec_vals
        avail_chars = max(self.term_w - spaces, 0)
        help = wrap(help, avail_chars)
        help = _indent(help, trailing_indent)
        help_is_empty = help == ""
        self.write(help)
        if arg is not None and not arg.hide_possible_values and self.use_long_pv(arg):
            possible_vals = arg.possible_values
            if possible_vals:
                longest_pv = max(display_width(pv.name) for pv in possible_vals if not pv.hide)
                spaces = spaces + TAB_WIDTH - 2
                trailing_indent = " " * (spaces + 2)
                if not help_is_empty:
                    self.write("\n\n" + " " * spaces)
                self.write("Possible values:")
                for pv in possible_vals:
                    if pv.hide:
                        continue
                    descr = pv.name
                    if pv.help is not None:
                        descr += ": " + " " * (longest_pv - display_width(pv.name)) + pv.help
                    avail = self.term_w - len(trailing_indent) if self.term_w > len(trailing_indent) \
                        else UNBOUNDED
                    descr = wrap(descr.replace("{n}", "\n"), avail)
                    descr = _indent(descr, trailing_indent)
                    self.write("\n" + " " * spaces + "- " + descr)

    def will_args_wrap(self, args: list[Arg], longest: int) -> bool:
        for arg in args:
            if not _should_show_arg(self.use_long, arg):
                continue
            if self.arg_next_line_help(arg, self.spec_vals(arg), longest):
                return True
        return False

    def arg_next_line_help(self, arg: Arg, spec_vals: str, longest: int) -> bool:
        if self.next_line_help or arg.next_line_help or self.use_long:
            return True
        h = arg.help if arg.help is not None else (arg.long_help or "")
        h_w = display_width(h) + display_width(spec_vals)
        taken = longest + TAB_WIDTH * 2 if arg.is_positional() else longest + TAB_WIDTH * 2 + 4
        return self.term_w >= taken and (taken / self.term_w) > 0.40 and h_w > (self.term_w - taken)

    def use_long_pv(self, arg: Arg) -> bool:
        return self.use_long and any(pv.should_show_help() for pv in arg.possible_values)

    def spec_vals(self, a: Arg) -> str:
        spec_vals = []
        if a.takes_value() and not a.hide_default_value and a.default_values:
            pvs = " ".join(
                ('"' + v + '"') if any(c.isspace() for c in v) else v for v in a.default_values
            )
            spec_vals.append(f"[default: {pvs}]")
        als = ", ".join(name for name, visible in a.aliases if visible)
        if als:
            spec_vals.append(f"[aliases: {als}]")
        als = ", ".join(name for name, visible in a.short_aliases if visible)
        if als:
            spec_vals.append(f"[short aliases: {als}]")
        if not a.hide_possible_values and not self.use_long_pv(a):
            pvs = a.possible_values
            if pvs:
                names = ", ".join(pv.quoted_name() for pv in pvs if not pv.hide)
                spec_vals.append(f"[possible values: {names}]")
        return ("\n" if self.use_long else " ").join(spec_vals)

    # -- subcommands -----------------------------------------------------------------------------

    def write_subcommands(self):
        cmd = self.cmd
        longest = 2
        ord_v = []
        for sc in cmd.subcommands:
            if sc.hide:
                continue
            styled = sc.name
            longest = max(longest, display_width(styled))
            order = DEFAULT_DISPLAY_ORDER if sc.display_order is None else sc.display_order
            ord_v.append((order, styled, sc))
        ord_v.sort(key=lambda x: (x[0], x[1]))
        next_line_help = any(
            self.subcommand_next_line_help(sc, self.sc_spec_vals(sc), longest)
            for sc in cmd.subcommands if not sc.hide
        )
        for i, (_, styled, sc) in enumerate(ord_v):
            if i != 0:
                self.write("\n")
            spec_vals = self.sc_spec_vals(sc)
            about = sc.about if sc.about is not None else (sc.long_about or "")
            self.write(TAB + styled)
            if not next_line_help:
                self.write(" " * (longest + TAB_WIDTH - display_width(styled)))
            self.help(None, about, spec_vals, next_line_help, longest)

    def sc_spec_vals(self, sc: Command) -> str:
        als = [f"-{a}" for a, visible in sc.short_flag_aliases if visible]
        als += [a for a, visible in sc.aliases if visible]
        return f"[aliases: {', '.join(als)}]" if als else ""

    def subcommand_next_line_help(self, sc: Command, spec_vals: str, longest: int) -> bool:
        # Subcommands are always listed with their short help, even in `--help`.
        if self.next_line_help:
            return True
        h = sc.about or ""
        h_w = display_width(h) + display_width(spec_vals)
        taken = longest + TAB_WIDTH * 2
        return self.term_w >= taken and (taken / self.term_w) > 0.40 and h_w > (self.term_w - taken)


def render_help(cmd: Command, use_long: bool) -> str:
    """The help page of a built command, as `--help` (use_long) or `-h` prints it."""
    cmd.build()
    use_long = use_long and cmd.long_help_exists
    w = _HelpWriter(cmd, use_long)
    w.write_help()
    text = "".join(w.out)
    # clap's trim_start_lines: drop a first line that is blank.
    pos = text.find("\n")
    if pos >= 0 and not text[: pos + 1].strip():
        text = text[pos + 1:]
    return text.rstrip() + "\n"


def render_version(cmd: Command) -> str:
    return f"{cmd.display_name} {cmd.version}\n"


# --------------------------------------------------------------------------------------------
# the parser (clap_builder/src/parser/parser.rs)
# --------------------------------------------------------------------------------------------

_IDENT_SHORT = "short"
_IDENT_LONG = "long"
_IDENT_INDEX = "index"

_R_NO_ARG = "no_arg"
_R_VALUES_DONE = "values_done"
_R_OPT = "opt"
_R_MAYBE_HYPHEN = "maybe_hyphen"
_R_NO_MATCH = "no_match"
_R_UNNEEDED = "unneeded_attached_value"
_R_EQUALS_NOT_PROVIDED = "equals_not_provided"
_R_ATTACHED_NOT_CONSUMED = "attached_not_consumed"


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _is_long(a: str) -> bool:
    return a.startswith("--") and a != "--"


def _is_short(a: str) -> bool:
    return a.startswith("-") and a != "-" and not a.startswith("--")


class _Parser:
    def __init__(self, cmd: Command):
        self.cmd = cmd
        self.cur_idx = 0

    # -- main loop -------------------------------------------------------------------------------

    def get_matches_with(self, matcher: Matches, raw: list[str], cursor: int):
        cmd = self.cmd
        subcmd_name = None
        parse_state: tuple = (_R_VALUES_DONE, None)
        pos_counter = 1
        valid_arg_found = False
        trailing_values = False
        positional_count = len(cmd._positionals)
        contains_last = any(a.last for a in cmd.args)
        n = len(raw)

        while cursor < n:
            arg_os = raw[cursor]
            cursor += 1

            if not trailing_values:
                if cmd.subcommand_precedence_over_arg or parse_state[0] not in ("opt", "pos"):
                    sc_name = self.possible_subcommand(arg_os, valid_arg_found)
                    if sc_name is not None:
                        sc = cmd.find_subcommand(sc_name)
                        if sc is not None and sc.is_help_subcommand and not cmd.disable_help_subcommand:
                            self.parse_help_subcommand(raw[cursor:])
                        subcmd_name = sc_name
                        break

                if arg_os == "--":
                    if parse_state[0] in ("opt", "pos") and cmd.find(parse_state[1]).allow_hyphen_values:
                        pass  # maybe a hyphen value
                    else:
                        trailing_values = True
                        if matcher.pending is not None and matcher.pending.trailing_idx is None:
                            matcher.pending.trailing_idx = len(matcher.pending.raw_vals)
                        continue
                elif _is_long(arg_os):
                    body = arg_os[2:]
                    if "=" in body:
                        long_arg, long_value = body.split("=", 1)
                    else:
                        long_arg, long_value = body, None
                    res, payload, valid_arg_found = self.parse_long_arg(
                        matcher, long_arg, long_value, parse_state, pos_counter, valid_arg_found)
                    if res == _R_VALUES_DONE:
                        parse_state = (_R_VALUES_DONE, None)
                        continue
                    if res == _R_OPT:
                        parse_state = ("opt", payload)
                        continue
                    if res == _R_EQUALS_NOT_PROVIDED:
                        self._resolve_pending_quiet(matcher)
                        raise ClapError(E_NO_EQUALS, cmd, invalid_arg=payload,
                                        usage=_Usage(cmd).with_title([]))
                    if res == _R_NO_MATCH:
                        self._resolve_pending_quiet(matcher)
                        raise self.did_you_mean_error(payload, matcher, raw[cursor:], trailing_values)
                    if res == _R_UNNEEDED:
                        rest, used, arg_s = payload
                        self._resolve_pending_quiet(matcher)
                        raise ClapError(E_TOO_MANY_VALUES, cmd, invalid_arg=arg_s, invalid_value=rest,
                                        usage=_Usage(cmd).with_title(used))
                    # _R_MAYBE_HYPHEN: fall through
                elif _is_short(arg_os):
                    res, payload, valid_arg_found = self.parse_short_arg(
                        matcher, arg_os[1:], parse_state, pos_counter, valid_arg_found)
                    if res == _R_VALUES_DONE:
                        parse_state = (_R_VALUES_DONE, None)
                        continue
                    if res == _R_OPT:
                        parse_state = ("opt", payload)
                        continue
                    if res == _R_EQUALS_NOT_PROVIDED:
                        self._resolve_pending_quiet(matcher)
                        raise ClapError(E_NO_EQUALS, cmd, invalid_arg=payload,
                                        usage=_Usage(cmd).with_title([]))
                    if res == _R_NO_MATCH:
                        self._resolve_pending_quiet(matcher)
                        suggested_trailing_arg = not trailing_values and cmd.has_positionals()
                        raise _err_unknown_argument(cmd, payload, None, suggested_trailing_arg,
                                                    _Usage(cmd).with_title([]))
                    # _R_NO_ARG / _R_MAYBE_HYPHEN: fall through

                if parse_state[0] == "opt":
                    a = cmd.find(parse_state[1])
                    matcher.pending_values_mut(a.id, None, False).append(arg_os)
                    if matcher.needs_more_vals(a):
                        parse_state = ("opt", a.id)
                    else:
                        parse_state = (_R_VALUES_DONE, None)
                    continue

            # Correct pos_counter.
            is_second_to_last = pos_counter + 1 == positional_count
            low_index_mults = (
                is_second_to_last
                and any(a.is_multiple() and positional_count != (a.index or 0) for a in cmd._positionals)
                and bool(cmd._positionals) and not cmd._positionals[-1].last
            )
            missing_pos = cmd.allow_missing_positional and is_second_to_last and not trailing_values
            if low_index_mults or missing_pos:
                if cursor < n:
                    nxt = raw[cursor]
                    current = cmd._keymap.get(pos_counter)
                    if current is not None:
                        skip_current = self.is_new_arg(nxt, current) or \
                            self.possible_subcommand(nxt, valid_arg_found) is not None
                    else:
                        skip_current = True
                else:
                    skip_current = True
                if skip_current:
                    pos_counter += 1
            elif trailing_values and (cmd.allow_missing_positional or contains_last):
                pos_counter = positional_count

            a = cmd._keymap.get(pos_counter)
            if a is not None:
                if a.last and not trailing_values:
                    self._resolve_pending_quiet(matcher)
                    raise _err_unknown_argument(cmd, arg_os, None, False, _Usage(cmd).with_title([]))
                if a.trailing_var_arg:
                    trailing_values = True
                if matcher.pending_arg_id() != a.id or not a.is_multiple_values_set():
                    self.resolve_pending(matcher)
                matcher.pending_values_mut(a.id, _IDENT_INDEX, trailing_values).append(arg_os)
                if not a.is_multiple():
                    pos_counter += 1
                    parse_state = (_R_VALUES_DONE, None)
                else:
                    parse_state = ("pos", a.id)
                valid_arg_found = True
            elif cmd.allow_external_subcommands:
                sub = Matches(cmd)
                sub_vals = raw[cursor:]
                cursor = n
                ext = _Matched(SRC_CLI)
                ext.new_val_group()
                for v in sub_vals:
                    ext.push(v, v)
                sub.args[""] = ext
                matcher.subcommand = (arg_os, sub)
                self.resolve_pending(matcher)
                self.add_defaults(matcher)
                _Validator(cmd).validate(parse_state, matcher)
                return
            else:
                self._resolve_pending_quiet(matcher)
                raise self.match_arg_error(arg_os, valid_arg_found, trailing_values)

        if subcmd_name is not None:
            sc = cmd.find_subcommand(subcmd_name)
            self.parse_subcommand(sc, matcher, raw, cursor)

        self.resolve_pending(matcher)
        self.add_defaults(matcher)
        _Validator(cmd).validate(parse_state, matcher)

    def match_arg_error(self, arg_os: str, valid_arg_found: bool, trailing_values: bool) -> ClapError:
        cmd = self.cmd
        if trailing_values:
            if self.possible_subcommand(arg_os, valid_arg_found) is not None:
                return ClapError(
                    E_UNKNOWN_ARGUMENT, cmd, invalid_arg=arg_os,
                    suggestions=[f"subcommand '{arg_os}' exists; to use it, remove the '--' before it"],
                    usage=_Usage(cmd).with_title([]))
        if not (cmd.args_conflicts_with_subcommands and valid_arg_found):
            candidates = did_you_mean(arg_os, cmd.all_subcommand_names())
            if candidates:
                return _err_invalid_subcommand(cmd, arg_os, candidates, cmd.bin_name,
                                               False, _Usage(cmd).with_title([]))
            if cmd.subcommands and not cmd.has_positionals():
                return _err_unrecognized_subcommand(cmd, arg_os, _Usage(cmd).with_title([]))
        suggested_trailing_arg = not trailing_values and cmd.has_positionals() and \
            (_is_long(arg_os) or _is_short(arg_os))
        return _err_unknown_argument(cmd, arg_os, None, suggested_trailing_arg,
                                     _Usage(cmd).with_title([]))

    def possible_subcommand(self, arg: str, valid_arg_found: bool) -> str | None:
        cmd = self.cmd
        if not (cmd.args_conflicts_with_subcommands and valid_arg_found):
            sc = cmd.find_subcommand(arg)
            if sc is not None:
                return sc.name
        return None

    def parse_help_subcommand(self, cmds: list[str]):
        sc = self.cmd
        for name in cmds:
            found = sc.find_subcommand(name)
            if found is None:
                raise _err_unrecognized_subcommand(sc, name, _Usage(sc).with_title([]))
            sc = found.build()
        raise _help_err(sc, True)

    def is_new_arg(self, nxt: str, current: Arg) -> bool:
        if current.allow_hyphen_values or (current.allow_negative_numbers and _is_number(nxt)):
            return False
        if _is_long(nxt):
            return True
        if _is_short(nxt):
            return True
        return False

    def parse_subcommand(self, sc: Command, matcher: Matches, raw: list[str], cursor: int):
        sc.build()
        sub_matcher = Matches(sc)
        _Parser(sc).get_matches_with(sub_matcher, raw, cursor)
        matcher.subcommand = (sc.name, sub_matcher)

    # -- long / short ----------------------------------------------------------------------------

    def parse_long_arg(self, matcher, long_arg, long_value, parse_state, pos_counter, valid_arg_found):
        cmd = self.cmd
        if parse_state[0] in ("opt", "pos") and cmd.find(parse_state[1]).allow_hyphen_values:
            return _R_MAYBE_HYPHEN, None, valid_arg_found
        a = cmd._keymap.get(("--", long_arg))
        if a is not None:
            valid_arg_found = True
            if a.takes_value():
                res, payload = self.parse_opt_value(_IDENT_LONG, long_value, a, matcher, long_value is not None)
                return res, payload, valid_arg_found
            if long_value is not None:
                required = _required_graph(cmd)
                used = []
                for id in matcher.explicit_ids():
                    found = cmd.find(id)
                    if found is None or not (found.hide or found.id in required):
                        used.append(id)
                used.append(a.id)
                return _R_UNNEEDED, (long_value, used, str(a)), valid_arg_found
            res = self.react(_IDENT_LONG, SRC_CLI, a, [], None, matcher)
            return res, None, valid_arg_found
        pos = cmd._keymap.get(pos_counter)
        if pos is not None and pos.allow_hyphen_values and not pos.last:
            return _R_MAYBE_HYPHEN, None, valid_arg_found
        return _R_NO_MATCH, long_arg, valid_arg_found

    def parse_short_arg(self, matcher, short_arg, parse_state, pos_counter, valid_arg_found):
        cmd = self.cmd
        if parse_state[0] in ("opt", "pos"):
            st = cmd.find(parse_state[1])
            if st.allow_hyphen_values or (st.allow_negative_numbers and _is_number(short_arg)):
                return _R_MAYBE_HYPHEN, None, valid_arg_found
        pos = cmd._keymap.get(pos_counter)
        if pos is not None and pos.allow_negative_numbers and _is_number(short_arg):
            return _R_MAYBE_HYPHEN, None, valid_arg_found
        if pos is not None and pos.allow_hyphen_values and not pos.last and \
                any(("-", c) not in cmd._keymap for c in short_arg):
            return _R_MAYBE_HYPHEN, None, valid_arg_found

        ret = _R_NO_ARG
        i = 0
        while i < len(short_arg):
            c = short_arg[i]
            i += 1
            a = cmd._keymap.get(("-", c))
            if a is not None:
                valid_arg_found = True
                if not a.takes_value():
                    ret = self.react(_IDENT_SHORT, SRC_CLI, a, [], None, matcher)
                    continue
                val = short_arg[i:]
                has_eq = False
                if val.startswith("="):
                    val = val[1:]
                    has_eq = True
                elif val == "":
                    val = None
                res, payload = self.parse_opt_value(_IDENT_SHORT, val, a, matcher, has_eq)
                if res == _R_ATTACHED_NOT_CONSUMED:
                    continue
                return res, payload, valid_arg_found
            return _R_NO_MATCH, "-" + c, valid_arg_found
        return ret, None, valid_arg_found

    def parse_opt_value(self, ident, attached_value, a: Arg, matcher: Matches, has_eq: bool):
        if a.require_equals and not has_eq:
            if a.min_vals() == 0:
                self.react(ident, SRC_CLI, a, [], None, matcher)
                if attached_value is not None:
                    return _R_ATTACHED_NOT_CONSUMED, None
                return _R_VALUES_DONE, None
            return _R_EQUALS_NOT_PROVIDED, str(a)
        if attached_value is not None:
            self.react(ident, SRC_CLI, a, [attached_value], None, matcher)
            return _R_VALUES_DONE, None
        self.resolve_pending(matcher)
        matcher.pending_values_mut(a.id, ident, False)
        return _R_OPT, a.id

    # -- values ----------------------------------------------------------------------------------

    def _resolve_pending_quiet(self, matcher: Matches):
        try:
            self.resolve_pending(matcher)
        except ClapError:
            pass

    def resolve_pending(self, matcher: Matches):
        pending = matcher.pending
        if pending is None:
            return
        matcher.pending = None
        a = self.cmd.find(pending.id)
        self.react(pending.ident, SRC_CLI, a, pending.raw_vals, pending.trailing_idx, matcher)

    def react(self, ident, source, a: Arg, raw_vals: list[str], trailing_idx, matcher: Matches):
        self.resolve_pending(matcher)
        cmd = self.cmd
        if source == SRC_CLI:
            self.verify_num_args(a, raw_vals)
        if not raw_vals and a.default_missing_values:
            raw_vals = list(a.default_missing_values)
        if a.value_delimiter is not None:
            split = []
            for v in raw_vals:
                if a.value_delimiter in v:
                    split.extend(v.split(a.value_delimiter))
                else:
                    split.append(v)
            raw_vals = split
        action = a.action
        if action in (SET, SET_TRUE, SET_FALSE):
            if action == SET and source == SRC_CLI and ident in (_IDENT_SHORT, _IDENT_LONG):
                self.cur_idx += 1
            if action == SET_TRUE and not raw_vals:
                raw_vals = ["true"]
            if action == SET_FALSE and not raw_vals:
                raw_vals = ["false"]
            existed = matcher.args.pop(a.id, None) is not None
            if existed and not (cmd.args_override_self or a.id in a.overrides_with):
                raise ClapError(E_ARGUMENT_CONFLICT, cmd, invalid_arg=str(a), prior_arg=str(a),
                                usage=_Usage(cmd).with_title([]))
            self.start_custom_arg(matcher, a, source)
            self.push_arg_values(a, raw_vals, matcher)
            return _R_VALUES_DONE
        if action == APPEND:
            if source == SRC_CLI and ident in (_IDENT_SHORT, _IDENT_LONG):
                self.cur_idx += 1
            self.start_custom_arg(matcher, a, source)
            self.push_arg_values(a, raw_vals, matcher)
            return _R_VALUES_DONE
        if action == COUNT:
            if not raw_vals:
                m = matcher.args.get(a.id)
                existing = int(m.flat()[-1]) if m is not None and m.flat() else 0
                raw_vals = [str(existing + 1)]
            matcher.args.pop(a.id, None)
            self.start_custom_arg(matcher, a, source)
            self.push_arg_values(a, raw_vals, matcher)
            return _R_VALUES_DONE
        if action == HELP:
            use_long = ident != _IDENT_SHORT
            raise _help_err(cmd, use_long)
        if action == VERSION:
            raise ClapError(E_DISPLAY_VERSION, cmd, message=render_version(cmd))
        raise AssertionError(action)  # pragma: no cover

    def verify_num_args(self, a: Arg, raw_vals: list[str]):
        cmd = self.cmd
        actual = len(raw_vals)
        lo, hi = a.num_args
        if lo > 0 and actual == 0:
            raise ClapError(E_INVALID_VALUE, cmd, invalid_arg=str(a), invalid_value="",
                            valid_values=[pv.name for pv in a.possible_values if not pv.hide])
        if lo == hi and a.takes_value():
            if lo != actual:
                raise ClapError(E_WRONG_NUMBER_OF_VALUES, cmd, invalid_arg=str(a), expected=lo,
                                actual=actual, usage=_Usage(cmd).with_title([]))
        elif actual < lo:
            raise ClapError(E_TOO_FEW_VALUES, cmd, invalid_arg=str(a), min_values=lo, actual=actual,
                            usage=_Usage(cmd).with_title([]))
        elif hi < actual:
            raise ClapError(E_TOO_MANY_VALUES, cmd, invalid_arg=str(a), invalid_value=raw_vals[-1],
                            usage=_Usage(cmd).with_title([]))

    def start_custom_arg(self, matcher: Matches, a: Arg, source: int):
        if source == SRC_CLI:
            for ov in a.overrides_with:
                matcher.args.pop(ov, None)
            for id in list(matcher.args):
                other = self.cmd.find(id)
                if other is not None and a.id in other.overrides_with:
                    matcher.args.pop(id, None)
        m = matcher.args.get(a.id)
        if m is None:
            m = _Matched(source)
            matcher.args[a.id] = m
        elif source > m.source:
            m.source = source
        m.new_val_group()

    def push_arg_values(self, a: Arg, raw_vals: list[str], matcher: Matches):
        m = matcher.args[a.id]
        for raw in raw_vals:
            self.cur_idx += 1
            m.push(self.parse_value(a, raw), raw)
            m.indices.append(self.cur_idx)

    def parse_value(self, a: Arg, raw: str):
        cmd = self.cmd
        if a.action in (SET_TRUE, SET_FALSE):
            return _bool_parser(raw)
        if a.action == COUNT:
            return int(raw)
        if a.possible_values:
            for pv in a.possible_values:
                if pv.matches(raw):
                    return pv.name
            raise _err_invalid_value(cmd, raw, [pv.name for pv in a.possible_values if not pv.hide], str(a))
        if a.value_parser is not None:
            try:
                return a.value_parser(raw)
            except ValueParseError as exc:
                raise ClapError(E_VALUE_VALIDATION, cmd, invalid_arg=str(a), invalid_value=raw,
                                source=str(exc)) from None
        return raw

    def add_defaults(self, matcher: Matches):
        for a in self.cmd.args:
            if a.default_values and a.id not in matcher.args:
                self.react(None, SRC_DEFAULT, a, list(a.default_values), None, matcher)

    # -- errors ----------------------------------------------------------------------------------

    def did_you_mean_error(self, arg: str, matcher: Matches, remaining: list[str], trailing_values: bool):
        cmd = self.cmd
        longs = cmd.long_flags()
        candidates = did_you_mean(arg, longs)
        suggestion = None
        if candidates:
            suggestion = (candidates[-1], None)
        else:
            best = None
            for sc in cmd.subcommands:
                sc.build()
                sub_candidates = did_you_mean(arg, sc.long_flags())
                if not sub_candidates:
                    continue
                if sc.name not in remaining:
                    continue
                score = remaining.index(sc.name)
                if best is None or score < best[0]:
                    best = (score, (sub_candidates[-1], sc.name))
            if best is not None:
                suggestion = best[1]
        if suggestion is not None and suggestion[1] is None:
            found = cmd._keymap.get(("--", suggestion[0]))
            if found is not None:
                self.start_custom_arg(matcher, found, SRC_CLI)
        required = _required_graph(cmd)
        used = [id for id in matcher.explicit_ids()
                if cmd.find(id) is not None and not cmd.find(id).hide]
        # A similar flag makes the `--` tip unlikely to help, unless a positional swallows
        # everything after it anyway.
        suggested_trailing_arg = (
            (suggestion is None or any(p.last or p.trailing_var_arg for p in cmd._positionals))
            and not trailing_values
            and cmd.has_positionals()
        )
        return _err_unknown_argument(cmd, "--" + arg, suggestion, suggested_trailing_arg,
                                     _Usage(cmd, required).with_title(used))


def _help_err(cmd: Command, use_long: bool) -> ClapError:
    return ClapError(E_DISPLAY_HELP, cmd, message=render_help(cmd, use_long))


# --------------------------------------------------------------------------------------------
# the validator (clap_builder/src/parser/validator.rs)
# --------------------------------------------------------------------------------------------


class _Validator:
    def __init__(self, cmd: Command):
        self.cmd = cmd
        self.required = _required_graph(cmd)

    def validate(self, parse_state, matcher: Matches):
        cmd = self.cmd
        has_subcmd = matcher.subcommand is not None
        if parse_state[0] == "opt":
            a = cmd.find(parse_state[1])
            m = matcher.args.get(a.id)
            should_err = (m.all_val_groups_empty() and a.min_vals() != 0) if m is not None else True
            if should_err:
                raise ClapError(E_INVALID_VALUE, cmd, invalid_arg=str(a), invalid_value="",
                                valid_values=[pv.name for pv in a.possible_values if not pv.hide])
        if not has_subcmd and cmd.arg_required_else_help:
            if not matcher.explicit_ids():
                raise ClapError(E_DISPLAY_HELP_ON_MISSING, cmd, message=render_help(cmd, False))
        if not has_subcmd and cmd.subcommand_required:
            raise ClapError(E_MISSING_SUBCOMMAND, cmd, invalid_subcommand=cmd.bin_name,
                            valid_subcommands=cmd.all_subcommand_names(),
                            usage=_Usage(cmd, self.required).with_title([]))
        conflicts = self._potential_conflicts(matcher)
        self.validate_conflicts(matcher, conflicts)
        if not (cmd.subcommand_negates_reqs and has_subcmd):
            self.validate_required(matcher, conflicts)

    # -- conflicts -------------------------------------------------------------------------------

    def _direct_conflicts(self, id: str) -> list[str]:
        cmd = self.cmd
        a = cmd.find(id)
        if a is not None:
            conf = list(a.conflicts_with)
            for gid in cmd.groups_for_arg(id):
                g = cmd.find_group(gid)
                conf.extend(g.conflicts)
                if not g.multiple:
                    conf.extend(m for m in g.args if m != id)
            conf.extend(a.overrides_with)
            return conf
        g = cmd.find_group(id)
        if g is not None:
            return list(g.conflicts)
        return []

    def _potential_conflicts(self, matcher: Matches) -> dict[str, list[str]]:
        return {id: self._direct_conflicts(id) for id in matcher.explicit_ids()}

    def _gather_conflicts(self, potential: dict, id: str) -> list[str]:
        own = potential.get(id)
        if own is None:
            own = self._direct_conflicts(id)
        out = []
        for other, other_conflicts in potential.items():
            if other == id:
                continue
            if other in own:
                out.append(other)
            if id in other_conflicts:
                out.append(other)
        return out

    def validate_conflicts(self, matcher: Matches, potential: dict):
        cmd = self.cmd
        explicit = [id for id in matcher.explicit_ids() if cmd.find(id) is not None]
        if len(explicit) > 1:
            for id in explicit:
                a = cmd.find(id)
                if a.exclusive:
                    raise ClapError(E_ARGUMENT_CONFLICT, cmd, invalid_arg=str(a), prior_arg="",
                                    usage=_Usage(cmd, self.required).with_title([]))
        for id in explicit:
            conflict_ids = self._gather_conflicts(potential, id)
            if conflict_ids:
                self.build_conflict_err(id, conflict_ids, matcher)

    def build_conflict_err(self, id: str, conflict_ids: list[str], matcher: Matches):
        cmd = self.cmd
        seen = []
        names = []
        for c in conflict_ids:
            members = cmd.unroll_args_in_group(c) if cmd.find_group(c) is not None else [c]
            for m in members:
                if m in seen:
                    continue
                seen.append(m)
                names.append(str(cmd.find(m)))
        former = cmd.find(id)
        used_filtered = [
            n for n in matcher.explicit_ids()
            if cmd.find(n) is not None and not cmd.find(n).hide and n not in conflict_ids
        ]
        required = []
        for key in used_filtered:
            for r in cmd.find(key).requires:
                if r not in used_filtered and r not in conflict_ids:
                    required.append(r)
        required.extend(used_filtered)
        usage = _Usage(cmd, self.required).with_title(required)
        prior = names[0] if len(names) == 1 else (names if names else "")
        raise ClapError(E_ARGUMENT_CONFLICT, cmd, invalid_arg=str(former), prior_arg=prior, usage=usage)

    # -- required --------------------------------------------------------------------------------

    def gather_requires(self, matcher: Matches):
        cmd = self.cmd
        for id in matcher.explicit_ids():
            a = cmd.find(id)
            if a is not None:
                for r in _unroll_arg_requires(cmd, id):
                    if r not in self.required:
                        self.required.append(r)
            else:
                g = cmd.find_group(id)
                if g is not None:
                    for r in g.requires:
                        if r not in self.required:
                            self.required.append(r)

    def validate_required(self, matcher: Matches, potential: dict):
        cmd = self.cmd
        self.gather_requires(matcher)
        missing: list[str] = []
        highest_index = 0
        is_exclusive_present = any(
            cmd.find(id) is not None and cmd.find(id).exclusive for id in matcher.explicit_ids())
        for req in self.required:
            if matcher.check_explicit(req):
                continue
            a = cmd.find(req)
            if a is not None:
                if not is_exclusive_present and not self.is_missing_required_ok(a, potential):
                    missing.append(a.id)
                    if not a.last:
                        highest_index = max(highest_index, a.index or 0)
            else:
                g = cmd.find_group(req)
                if g is not None:
                    if not any(matcher.check_explicit(m) for m in cmd.unroll_args_in_group(g.id)):
                        missing.append(g.id)
        if not cmd.allow_missing_positional:
            for pos in cmd.get_positionals():
                if matcher.check_explicit(pos.id):
                    continue
                if (pos.index or 0) < highest_index:
                    missing.append(pos.id)
        if missing:
            self.missing_required_error(matcher, missing)

    def is_missing_required_ok(self, a: Arg, potential: dict) -> bool:
        if self._gather_conflicts(potential, a.id):
            return True
        for gid in self.cmd.groups_for_arg(a.id):
            if self._gather_conflicts(potential, gid):
                return True
        return False

    def missing_required_error(self, matcher: Matches, raw_req_args: list[str]):
        cmd = self.cmd
        usg = _Usage(cmd, self.required)
        req_args = usg.required_usage_from(raw_req_args, matcher, True)
        used = [n for n in matcher.explicit_ids() if cmd.find(n) is not None and not cmd.find(n).hide]
        used.extend(raw_req_args)
        raise ClapError(E_MISSING_REQUIRED_ARGUMENT, cmd, invalid_args=req_args,
                        usage=usg.with_title(used))


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------


def parse(cmd: Command, argv: list[str]) -> Matches:
    """Parse `argv` (without the program name) against the root command `cmd`.

    Returns the root `Matches` (walk `.subcommand` for the chosen subcommands). Raises
    `ClapError` for usage errors and for help/version displays.
    """
    cmd.build()
    matcher = Matches(cmd)
    _Parser(cmd).get_matches_with(matcher, list(argv), 0)
    _propagate_globals(matcher)
    return matcher


def _propagate_globals(root: Matches):
    """clap's `ArgMatcher::propagate_globals`: the deepest explicit value of a global arg is
    visible at every level."""
    levels = []
    m = root
    while m is not None:
        levels.append(m)
        m = m.subcommand[1] if m.subcommand is not None else None
    global_ids = []
    for lvl in levels:
        for a in lvl.command.args:
            if a.global_ and a.id not in global_ids:
                global_ids.append(a.id)
    vals: dict[str, _Matched] = {}
    for lvl in levels:
        for gid in global_ids:
            ma = lvl.args.get(gid)
            if ma is None:
                continue
            parent = vals.get(gid)
            if parent is not None and parent.source > ma.source:
                continue
            vals[gid] = ma
    for lvl in levels:
        for gid, ma in vals.items():
            if lvl.command.find(gid) is not None:
                lvl.args[gid] = ma
