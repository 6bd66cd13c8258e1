"""Recognise an apply_patch call in a command line and verify it against the filesystem
(mirrors codex-rs/apply-patch/src/invocation.rs).

`maybe_parse_apply_patch_verified(argv, cwd)` is what the core's tool handlers use: the freeform
`apply_patch` tool calls it with `["apply_patch", <input>]`, the shell tools with the command the
model asked to run. The outcome is one of

* `Body(action)`: an apply_patch invocation; `action.changes` maps each absolute path to its
  change (Add / Delete with the current content / Update with a unified diff and new content);
* `CorrectnessError(error)`: an apply_patch invocation that cannot work; the model is told
  `apply_patch verification failed: {error}` (e.g. `Failed to find expected lines in /abs:\\n..`,
  `Failed to read /abs: No such file or directory (os error 2)`, `invalid hunk at line 3, ...`);
* `ShellParseError(reason)`, `NotApplyPatch`.

Shell forms: `bash|zsh|sh -c|-lc SCRIPT`, `pwsh|powershell [-NoProfile] -Command SCRIPT`, `cmd /c
SCRIPT` where SCRIPT is exactly `apply_patch <<'EOF' ... EOF` or `cd DIR && apply_patch <<EOF ...`.
They are recognised with upstream's own tree-sitter-bash query (one top-level statement, `&&`
only, `cd` with one word or quoted argument).
"""

from __future__ import annotations

import os

from codex.apply_patch import APPLY_PATCH_COMMANDS
from codex.apply_patch.lib import (
    ApplyPatchError,
    ImplicitInvocation,
    IoError,
    PatchParseError,
    read_file_text,
    unified_diff_from_chunks,
)
from codex.apply_patch import _rust
from codex.apply_patch.parser import AddFile, ApplyPatchArgs, DeleteFile, ParseError, UpdateFile, parse_patch


class ExtractHeredocError(Exception):
    """Why a shell script could not be read as an apply_patch heredoc."""

    COMMAND_DID_NOT_START_WITH_APPLY_PATCH = "CommandDidNotStartWithApplyPatch"
    FAILED_TO_FIND_HEREDOC_BODY = "FailedToFindHeredocBody"

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class ApplyPatchFileChange:
    """One file's change: kind "add" (content), "delete" (content), "update" (unified_diff,
    move_path, new_content, old_content)."""

    __slots__ = ("kind", "content", "unified_diff", "move_path", "new_content", "old_content")

    def __init__(self, kind: str, content: str = "", unified_diff: str = "", move_path: str | None = None,
                 new_content: str = "", old_content: str = "") -> None:
        self.kind = kind
        self.content = content
        self.unified_diff = unified_diff
        self.move_path = move_path
        self.new_content = new_content
        self.old_content = old_content

    def __eq__(self, other: object) -> bool:
        return type(other) is ApplyPatchFileChange and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__ if getattr(self, k))
        return f"ApplyPatchFileChange({fields})"


class ApplyPatchAction:
    """A verified patch: absolute path -> change (patch order), the patch text without any
    heredoc wrapper, and the directory relative paths were resolved against."""

    __slots__ = ("changes", "patch", "cwd")

    def __init__(self, changes: dict[str, ApplyPatchFileChange], patch: str, cwd: str) -> None:
        self.changes = changes
        self.patch = patch
        self.cwd = cwd

    def is_empty(self) -> bool:
        return not self.changes

    def __repr__(self) -> str:
        return f"ApplyPatchAction(changes={self.changes!r}, cwd={self.cwd!r})"


class MaybeApplyPatch:
    """kind: "body" (args), "shell_parse_error" (error), "patch_parse_error" (error),
    "not_apply_patch"."""

    __slots__ = ("kind", "args", "error")

    def __init__(self, kind: str, args: ApplyPatchArgs | None = None, error: Exception | None = None) -> None:
        self.kind, self.args, self.error = kind, args, error

    def __repr__(self) -> str:
        return f"MaybeApplyPatch({self.kind!r}, args={self.args!r}, error={self.error!r})"


class MaybeApplyPatchVerified:
    """kind: "body" (action), "shell_parse_error" (error), "correctness_error" (error: an
    ApplyPatchError), "not_apply_patch"."""

    __slots__ = ("kind", "action", "error")

    def __init__(self, kind: str, action: ApplyPatchAction | None = None, error: Exception | None = None) -> None:
        self.kind, self.action, self.error = kind, action, error

    def __repr__(self) -> str:
        return f"MaybeApplyPatchVerified({self.kind!r}, action={self.action!r}, error={self.error!r})"


# -- shell forms -----------------------------------------------------------------------------


def _shell_name(shell: str) -> str:
    base = os.path.basename(shell.replace("\\", "/"))
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    return stem.lower()


def _classify_shell(shell: str, flag: str) -> bool:
    name = _shell_name(shell)
    if name in ("bash", "zsh", "sh"):
        return flag in ("-lc", "-c")
    if name in ("pwsh", "powershell"):
        return flag.lower() == "-command"
    if name == "cmd":
        return flag.lower() == "/c"
    return False


def parse_shell_script(argv: list[str]) -> str | None:
    """The script of `shell -c SCRIPT` style argv (see the module docstring), else None."""
    if len(argv) == 3 and _classify_shell(argv[0], argv[1]):
        return argv[2]
    if (len(argv) == 4 and _shell_name(argv[0]) in ("pwsh", "powershell")
            and argv[1].lower() == "-noprofile" and _classify_shell(argv[0], argv[2])):
        return argv[3]
    return None


# The two whole-script forms upstream accepts, as its tree-sitter-bash query (invocation.rs):
# one top-level redirected statement, `[cd DIR &&] apply_patch <<DELIM ... DELIM`.
_APPLY_PATCH_QUERY = r"""
(
  program
    . (redirected_statement
        body: (command
                name: (command_name (word) @apply_name) .)
        (#any-of? @apply_name "apply_patch" "applypatch")
        redirect: (heredoc_redirect
                    . (heredoc_start)
                    . (heredoc_body) @heredoc
                    . (heredoc_end)
                    .))
    .)

(
  program
    . (redirected_statement
        body: (list
                . (command
                    name: (command_name (word) @cd_name) .
                    argument: [
                      (word) @cd_path
                      (string (string_content) @cd_path)
                      (raw_string) @cd_raw_string
                    ] .)
                "&&"
                . (command
                    name: (command_name (word) @apply_name))
                .)
        (#eq? @cd_name "cd")
        (#any-of? @apply_name "apply_patch" "applypatch")
        redirect: (heredoc_redirect
                    . (heredoc_start)
                    . (heredoc_body) @heredoc
                    . (heredoc_end)
                    .))
    .)
"""

_BASH = None


def _bash():
    """(parser, query) for bash, built on first use: tree-sitter stays off the start-up path."""
    global _BASH
    if _BASH is None:
        import tree_sitter
        import tree_sitter_bash

        language = tree_sitter.Language(tree_sitter_bash.language())
        _BASH = (tree_sitter.Parser(language), tree_sitter.Query(language, _APPLY_PATCH_QUERY))
    return _BASH


def extract_apply_patch_from_bash(src: str) -> tuple[str, str | None]:
    """(heredoc body, cd dir or None) of `[cd DIR && ]apply_patch <<DELIM\\n...\\nDELIM`;
    raises ExtractHeredocError."""
    import tree_sitter

    parser, query = _bash()
    data = src.encode("utf-8")
    tree = parser.parse(data)
    for _pattern, captures in tree_sitter.QueryCursor(query).matches(tree.root_node):
        heredoc = cd_path = None
        # Captures in source order, as the Rust loop visits them.
        flat = sorted(
            ((node.start_byte, name, node) for name, nodes in captures.items() for node in nodes),
            key=lambda item: item[0],
        )
        for _start, name, node in flat:
            text = data[node.start_byte:node.end_byte].decode("utf-8")
            if name == "heredoc":
                heredoc = text.rstrip("\n")
            elif name == "cd_path":
                cd_path = text
            elif name == "cd_raw_string":
                cd_path = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text
        if heredoc is not None:
            return heredoc, cd_path
    raise ExtractHeredocError(ExtractHeredocError.COMMAND_DID_NOT_START_WITH_APPLY_PATCH)


# -- argv -> patch ---------------------------------------------------------------------------


def maybe_parse_apply_patch(argv: list[str]) -> MaybeApplyPatch:
    if len(argv) == 2 and argv[0] in APPLY_PATCH_COMMANDS:
        try:
            return MaybeApplyPatch("body", args=parse_patch(argv[1]))
        except ParseError as e:
            return MaybeApplyPatch("patch_parse_error", error=e)
    script = parse_shell_script(argv)
    if script is None:
        return MaybeApplyPatch("not_apply_patch")
    try:
        body, workdir = extract_apply_patch_from_bash(script)
    except ExtractHeredocError as e:
        if e.kind == ExtractHeredocError.COMMAND_DID_NOT_START_WITH_APPLY_PATCH:
            return MaybeApplyPatch("not_apply_patch")
        return MaybeApplyPatch("shell_parse_error", error=e)
    try:
        args = parse_patch(body)
    except ParseError as e:
        return MaybeApplyPatch("patch_parse_error", error=e)
    args.workdir = workdir
    return MaybeApplyPatch("body", args=args)


def _parses(text: str) -> bool:
    try:
        parse_patch(text)
    except ParseError:
        return False
    return True


def maybe_parse_apply_patch_verified(argv: list[str], cwd: str) -> MaybeApplyPatchVerified:
    """See the module docstring. `cwd` must be absolute."""
    if len(argv) == 1 and _parses(argv[0]):
        return MaybeApplyPatchVerified("correctness_error", error=ImplicitInvocation())
    script = parse_shell_script(argv)
    if script is not None and _parses(script):
        return MaybeApplyPatchVerified("correctness_error", error=ImplicitInvocation())

    parsed = maybe_parse_apply_patch(argv)
    if parsed.kind == "shell_parse_error":
        return MaybeApplyPatchVerified("shell_parse_error", error=parsed.error)
    if parsed.kind == "patch_parse_error":
        return MaybeApplyPatchVerified("correctness_error", error=PatchParseError(parsed.error))
    if parsed.kind != "body":
        return MaybeApplyPatchVerified("not_apply_patch")

    args = parsed.args
    effective_cwd = _rust.resolve_path(args.workdir, cwd) if args.workdir is not None else cwd
    changes: dict[str, ApplyPatchFileChange] = {}
    for hunk in args.hunks:
        path = hunk.resolve_path(effective_cwd)
        if isinstance(hunk, AddFile):
            changes[path] = ApplyPatchFileChange("add", content=hunk.contents)
        elif isinstance(hunk, DeleteFile):
            try:
                content = read_file_text(path)
            except (OSError, UnicodeDecodeError) as exc:
                return MaybeApplyPatchVerified(
                    "correctness_error", error=IoError(f"Failed to read {path}", _rust.io_error_message(exc), exc))
            changes[path] = ApplyPatchFileChange("delete", content=content)
        elif isinstance(hunk, UpdateFile):
            try:
                update = unified_diff_from_chunks(path, hunk.chunks)
            except ApplyPatchError as e:
                return MaybeApplyPatchVerified("correctness_error", error=e)
            move = _rust.resolve_path(hunk.move_path, effective_cwd) if hunk.move_path is not None else None
            changes[path] = ApplyPatchFileChange(
                "update", unified_diff=update.unified_diff, move_path=move, new_content=update.content,
                old_content=update.original_content)
    return MaybeApplyPatchVerified("body", action=ApplyPatchAction(changes, args.patch, effective_cwd))
