"""Parse and validate a patch into a list of hunks (mirrors codex-rs/apply-patch/src/parser.rs).

It does not check that the patch can be applied to the filesystem. The Lark grammar the model
is given (`tool_apply_patch.lark` in this package) is:

    start: begin_patch hunk+ end_patch
    begin_patch: "*** Begin Patch" LF
    end_patch: "*** End Patch" LF?

    hunk: add_hunk | delete_hunk | update_hunk
    add_hunk: "*** Add File: " filename LF add_line+
    delete_hunk: "*** Delete File: " filename LF
    update_hunk: "*** Update File: " filename LF change_move? change?

    filename: /(.+)/
    add_line: "+" /(.*)/ LF -> line

    change_move: "*** Move to: " filename LF
    change: (change_context | change_line)+ eof_line?
    change_context: ("@@" | "@@ " /(.+)/) LF
    change_line: ("+" | "-" | " ") /(.*)/ LF
    eof_line: "*** End of File" LF

The parser is more lenient than the grammar, exactly as upstream's: whitespace around the
envelope markers and hunk headers is ignored, a `<<EOF` / `<<'EOF'` / `<<"EOF"` heredoc wrapper
is stripped, blank lines between chunks are skipped, the first chunk of an update may omit its
`@@` line, and an empty patch body is valid (the applier then reports that nothing changed).
"""

from __future__ import annotations

from codex.apply_patch._rust import lines as _rust_lines
from codex.apply_patch._rust import trim as _trim

BEGIN_PATCH_MARKER = "*** Begin Patch"
END_PATCH_MARKER = "*** End Patch"
ADD_FILE_MARKER = "*** Add File: "
DELETE_FILE_MARKER = "*** Delete File: "
UPDATE_FILE_MARKER = "*** Update File: "
MOVE_TO_MARKER = "*** Move to: "
EOF_MARKER = "*** End of File"
CHANGE_CONTEXT_MARKER = "@@ "
EMPTY_CHANGE_CONTEXT_MARKER = "@@"

# Upstream parses leniently for every model (gpt-4.1 wraps patches in a heredoc).
PARSE_IN_STRICT_MODE = False

STRICT = "strict"
LENIENT = "lenient"
STREAMING = "streaming"

_NO_LINES = "Update hunk does not contain any lines"


class ParseError(Exception):
    """A patch that cannot be parsed. `str()` is upstream's Display of `ParseError`."""

    __slots__ = ()


class InvalidPatchError(ParseError):
    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"invalid patch: {self.message}"

    def __eq__(self, other: object) -> bool:
        return type(other) is InvalidPatchError and other.message == self.message

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"InvalidPatchError({self.message!r})"


class InvalidHunkError(ParseError):
    __slots__ = ("message", "line_number")

    def __init__(self, message: str, line_number: int) -> None:
        super().__init__(message, line_number)
        self.message = message
        self.line_number = line_number

    def __str__(self) -> str:
        return f"invalid hunk at line {self.line_number}, {self.message}"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is InvalidHunkError
            and other.message == self.message
            and other.line_number == self.line_number
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"InvalidHunkError({self.message!r}, line_number={self.line_number})"


class UpdateFileChunk:
    """One `@@` section of an Update File hunk.

    `change_context` is the optional line after `@@ ` that narrows the position; `old_lines` must
    occur after it and are replaced by `new_lines`; with `is_end_of_file` they must end the file.
    """

    __slots__ = ("change_context", "old_lines", "new_lines", "is_end_of_file")

    def __init__(
        self,
        change_context: str | None = None,
        old_lines: list[str] | None = None,
        new_lines: list[str] | None = None,
        is_end_of_file: bool = False,
    ) -> None:
        self.change_context = change_context
        self.old_lines = [] if old_lines is None else old_lines
        self.new_lines = [] if new_lines is None else new_lines
        self.is_end_of_file = is_end_of_file

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is UpdateFileChunk
            and other.change_context == self.change_context
            and other.old_lines == self.old_lines
            and other.new_lines == self.new_lines
            and other.is_end_of_file == self.is_end_of_file
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"UpdateFileChunk(change_context={self.change_context!r}, old_lines={self.old_lines!r}, "
            f"new_lines={self.new_lines!r}, is_end_of_file={self.is_end_of_file!r})"
        )


class Hunk:
    """Base of the three file operations. `path` is the path as spelled in the patch."""

    __slots__ = ("path",)
    kind = ""

    def affected_path(self) -> str:
        """`Hunk::path()`: the path the summary lists (the destination of a move)."""
        return self.path

    def resolve_path(self, cwd: str) -> str:
        """The absolute, lexically normalised path this hunk reads/writes, relative to `cwd`."""
        from codex.apply_patch._rust import resolve_path

        return resolve_path(self.path, cwd)


class AddFile(Hunk):
    __slots__ = ("contents",)
    kind = "add"

    def __init__(self, path: str, contents: str) -> None:
        self.path = path
        self.contents = contents

    def __eq__(self, other: object) -> bool:
        return type(other) is AddFile and other.path == self.path and other.contents == self.contents

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"AddFile(path={self.path!r}, contents={self.contents!r})"


class DeleteFile(Hunk):
    __slots__ = ()
    kind = "delete"

    def __init__(self, path: str) -> None:
        self.path = path

    def __eq__(self, other: object) -> bool:
        return type(other) is DeleteFile and other.path == self.path

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DeleteFile(path={self.path!r})"


class UpdateFile(Hunk):
    __slots__ = ("move_path", "chunks")
    kind = "update"

    def __init__(self, path: str, move_path: str | None, chunks: list[UpdateFileChunk]) -> None:
        self.path = path
        self.move_path = move_path
        self.chunks = chunks

    def affected_path(self) -> str:
        return self.path if self.move_path is None else self.move_path

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is UpdateFile
            and other.path == self.path
            and other.move_path == self.move_path
            and other.chunks == self.chunks
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"UpdateFile(path={self.path!r}, move_path={self.move_path!r}, chunks={self.chunks!r})"


class ApplyPatchArgs:
    """The patch text without any heredoc wrapper, its hunks, and the `cd` workdir if any."""

    __slots__ = ("patch", "hunks", "workdir")

    def __init__(self, patch: str, hunks: list[Hunk], workdir: str | None = None) -> None:
        self.patch = patch
        self.hunks = hunks
        self.workdir = workdir

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is ApplyPatchArgs
            and other.patch == self.patch
            and other.hunks == self.hunks
            and other.workdir == self.workdir
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ApplyPatchArgs(patch={self.patch!r}, hunks={self.hunks!r}, workdir={self.workdir!r})"


def parse_patch(patch: str) -> ApplyPatchArgs:
    """Parse `patch` as the apply_patch tool does (lenient mode). Raises ParseError."""
    return parse_patch_text(patch, STRICT if PARSE_IN_STRICT_MODE else LENIENT)


def parse_patch_streaming(patch: str) -> ApplyPatchArgs:
    """Parse a patch that may still be streaming in (no `*** End Patch` yet), for progress
    reporting only: never apply its result."""
    return parse_patch_text(patch, STREAMING)


def parse_patch_text(patch: str, mode: str = LENIENT) -> ApplyPatchArgs:
    all_lines = _rust_lines(_trim(patch))
    if mode == STRICT:
        patch_lines, hunk_lines = _check_patch_boundaries_strict(all_lines)
    elif mode == LENIENT:
        patch_lines, hunk_lines = _check_patch_boundaries_lenient(all_lines)
    elif mode == STREAMING:
        patch_lines, hunk_lines = _check_patch_boundaries_streaming(all_lines)
    else:
        raise ValueError(f"unknown parse mode {mode!r}")

    allow_incomplete = mode == STREAMING
    hunks: list[Hunk] = []
    pos = 0
    end = len(hunk_lines)
    line_number = 2
    while pos < end:
        try:
            hunk, consumed = _parse_one_hunk(hunk_lines, pos, line_number, allow_incomplete)
        except ParseError:
            if allow_incomplete:
                if not hunks:
                    raise
                break
            raise
        hunks.append(hunk)
        line_number += consumed
        pos += consumed
    return ApplyPatchArgs("\n".join(patch_lines), hunks, None)


def _check_start_and_end_lines_strict(first: str | None, last: str | None) -> None:
    first = None if first is None else _trim(first)
    last = None if last is None else _trim(last)
    if first is not None and last is not None and first == BEGIN_PATCH_MARKER and last == END_PATCH_MARKER:
        return
    if first is not None and first != BEGIN_PATCH_MARKER:
        raise InvalidPatchError("The first line of the patch must be '*** Begin Patch'")
    raise InvalidPatchError("The last line of the patch must be '*** End Patch'")


def _check_patch_boundaries_strict(lines: list[str]) -> tuple[list[str], list[str]]:
    if not lines:
        _check_start_and_end_lines_strict(None, None)
    _check_start_and_end_lines_strict(lines[0], lines[-1])
    return lines, lines[1:-1]


def _check_patch_boundaries_lenient(lines: list[str]) -> tuple[list[str], list[str]]:
    """Strict, or else a heredoc wrapper: first line `<<EOF`, `<<'EOF'` or `<<"EOF"`, last line
    ending in `EOF`, at least four lines; the inner lines must then pass the strict check."""
    try:
        return _check_patch_boundaries_strict(lines)
    except ParseError as original:
        if (
            len(lines) >= 4
            and lines[0] in ("<<EOF", "<<'EOF'", '<<"EOF"')
            and lines[-1].endswith("EOF")
        ):
            return _check_patch_boundaries_strict(lines[1:-1])
        raise original


def _check_patch_boundaries_streaming(lines: list[str]) -> tuple[list[str], list[str]]:
    if lines and _trim(lines[0]) == BEGIN_PATCH_MARKER:
        if _trim(lines[-1]) == END_PATCH_MARKER:
            return lines, lines[1:-1]
        return lines, lines[1:]
    return _check_patch_boundaries_strict(lines)


def _parse_one_hunk(lines: list[str], pos: int, line_number: int, allow_incomplete: bool) -> tuple[Hunk, int]:
    """Parse the hunk starting at `lines[pos]`; returns it and how many lines it used."""
    first_line = _trim(lines[pos])
    end = len(lines)
    if first_line.startswith(ADD_FILE_MARKER):
        path = first_line[len(ADD_FILE_MARKER):]
        parts: list[str] = []
        i = pos + 1
        while i < end:
            line = lines[i]
            if not line.startswith("+"):
                break
            parts.append(line[1:])
            i += 1
        contents = "\n".join(parts) + "\n" if parts else ""
        return AddFile(path, contents), i - pos

    if first_line.startswith(DELETE_FILE_MARKER):
        return DeleteFile(first_line[len(DELETE_FILE_MARKER):]), 1

    if first_line.startswith(UPDATE_FILE_MARKER):
        path = first_line[len(UPDATE_FILE_MARKER):]
        i = pos + 1
        parsed_lines = 1
        move_path = None
        if i < end and lines[i].startswith(MOVE_TO_MARKER):
            move_path = lines[i][len(MOVE_TO_MARKER):]
            i += 1
            parsed_lines += 1

        chunks: list[UpdateFileChunk] = []
        while i < end:
            line = lines[i]
            # Blank lines may separate chunks.
            if not _trim(line):
                parsed_lines += 1
                i += 1
                continue
            if line.startswith("*"):
                break
            if allow_incomplete and line == "@":
                break
            try:
                chunk, chunk_lines = _parse_update_file_chunk(lines, i, line_number + parsed_lines, not chunks)
            except InvalidHunkError as err:
                if allow_incomplete and chunks and err.message == _NO_LINES:
                    break
                raise
            chunks.append(chunk)
            parsed_lines += chunk_lines
            i += chunk_lines

        if not chunks:
            raise InvalidHunkError(f"Update file hunk for path '{path}' is empty", line_number)
        return UpdateFile(path, move_path, chunks), parsed_lines

    raise InvalidHunkError(
        f"'{first_line}' is not a valid hunk header. Valid hunk headers: "
        "'*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'",
        line_number,
    )


def _parse_update_file_chunk(
    lines: list[str], pos: int, line_number: int, allow_missing_context: bool
) -> tuple[UpdateFileChunk, int]:
    end = len(lines)
    if pos >= end:
        raise InvalidHunkError(_NO_LINES, line_number)
    head = lines[pos]
    if head == EMPTY_CHANGE_CONTEXT_MARKER:
        change_context, start_index = None, 1
    elif head.startswith(CHANGE_CONTEXT_MARKER):
        change_context, start_index = head[len(CHANGE_CONTEXT_MARKER):], 1
    else:
        if not allow_missing_context:
            raise InvalidHunkError(
                f"Expected update hunk to start with a @@ context marker, got: '{head}'", line_number
            )
        change_context, start_index = None, 0
    if pos + start_index >= end:
        raise InvalidHunkError(_NO_LINES, line_number + 1)

    old_lines: list[str] = []
    new_lines: list[str] = []
    is_end_of_file = False
    parsed_lines = 0
    i = pos + start_index
    while i < end:
        line = lines[i]
        if line == EOF_MARKER:
            if parsed_lines == 0:
                raise InvalidHunkError(_NO_LINES, line_number + 1)
            is_end_of_file = True
            parsed_lines += 1
            break
        if not line:
            old_lines.append("")
            new_lines.append("")
        else:
            c = line[0]
            if c == " ":
                text = line[1:]
                old_lines.append(text)
                new_lines.append(text)
            elif c == "+":
                new_lines.append(line[1:])
            elif c == "-":
                old_lines.append(line[1:])
            else:
                if parsed_lines == 0:
                    raise InvalidHunkError(
                        f"Unexpected line found in update hunk: '{line}'. Every line should start with "
                        "' ' (context line), '+' (added line), or '-' (removed line)",
                        line_number + 1,
                    )
                break  # the start of the next chunk or hunk
        parsed_lines += 1
        i += 1
    return UpdateFileChunk(change_context, old_lines, new_lines, is_end_of_file), parsed_lines + start_index
