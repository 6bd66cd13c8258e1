"""Apply a parsed patch to the filesystem (mirrors codex-rs/apply-patch/src/lib.rs, 0.136.0).

Behaviour kept from the reference, deliberately:

* Hunks are applied one after the other, each written before the next is even read: there is
  no validation pass, so a failure leaves the earlier hunks' changes on disk (upstream scenario
  015) and the error names only the failing hunk.
* An Update rewrites the file from its lines: the file is split at `\\n`, the chunks' old lines
  are located with `seek_sequence` (chunk by chunk, each after the previous one), replaced by
  the new lines, and the result joined with `\\n` plus a final newline. A CRLF file therefore
  keeps its `\\r` on untouched lines only, and a file without a final newline gains one.
* `Move to` writes the destination (creating parents), then removes the source; moving a file
  onto itself therefore deletes it.
* Add overwrites an existing file; Delete refuses directories; files are written in place
  (through symlinks, keeping their mode and hard links).
* The summary lists paths as spelled in the patch (A, then M, then D); error messages use the
  absolute, lexically normalised path.
* Error texts are the reference's: an `anyhow` context (`Failed to write file X`, `Failed to
  delete file X`, ...) prints without its cause; `Failed to read file to update X: <io error>`,
  `Failed to find context 'C' in X` and `Failed to find expected lines in X:\\n<old lines>` are
  printed whole.
"""

from __future__ import annotations

import os

from codex.apply_patch import _rust
from codex.apply_patch.parser import (
    AddFile,
    DeleteFile,
    Hunk,
    InvalidHunkError,
    InvalidPatchError,
    ParseError,
    UpdateFile,
    UpdateFileChunk,
    parse_patch,
)


class ApplyPatchError(Exception):
    """Why a patch could not be applied; `str()` is upstream's Display of `ApplyPatchError`."""


class PatchParseError(ApplyPatchError):
    """`ApplyPatchError::ParseError` (transparent)."""

    def __init__(self, error: ParseError) -> None:
        super().__init__(str(error))
        self.error = error


class IoError(ApplyPatchError):
    """`ApplyPatchError::IoError`: `<context>: <source>`."""

    def __init__(self, context: str, source: str, cause: BaseException | None = None) -> None:
        super().__init__(f"{context}: {source}")
        self.context = context
        self.source = source
        self.cause = cause


class ComputeReplacements(ApplyPatchError):
    """`ApplyPatchError::ComputeReplacements`: the context or old lines were not found."""


class ImplicitInvocation(ApplyPatchError):
    """A bare patch body was given as a command, without `apply_patch`."""

    def __init__(self) -> None:
        super().__init__(
            'patch detected without explicit call to apply_patch. Rerun as ["apply_patch", "<patch>"]'
        )


class _ContextError(Exception):
    """An `anyhow` error with a context: Display shows the context only."""

    def __init__(self, context: str, cause: BaseException | None = None) -> None:
        super().__init__(context)
        self.cause = cause


class AffectedPaths:
    """Paths touched by a patch, as spelled in it."""

    __slots__ = ("added", "modified", "deleted")

    def __init__(self) -> None:
        self.added: list[str] = []
        self.modified: list[str] = []
        self.deleted: list[str] = []

    def __repr__(self) -> str:
        return f"AffectedPaths(added={self.added!r}, modified={self.modified!r}, deleted={self.deleted!r})"


# -- filesystem, as codex_exec_server::LOCAL_FS does it ---------------------------------------


def read_file_text(path: str) -> str:
    """Read a UTF-8 file; raises OSError or UnicodeDecodeError."""
    with open(path, "rb") as fh:
        data = fh.read()
    return data.decode("utf-8")


def _write_file(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def _write_file_with_missing_parent_retry(path_abs: str, data: bytes) -> None:
    try:
        _write_file(path_abs, data)
        return
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _ContextError(f"Failed to write file {path_abs}", exc) from exc
    parent = os.path.dirname(path_abs)
    if parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise _ContextError(f"Failed to create parent directories for {path_abs}", exc) from exc
    try:
        _write_file(path_abs, data)
    except OSError as exc:
        raise _ContextError(f"Failed to write file {path_abs}", exc) from exc


def _remove_file(path_abs: str, context: str) -> None:
    """Metadata first (following symlinks): a directory is refused, a missing path fails."""
    import stat

    try:
        st = os.stat(path_abs)
        if stat.S_ISDIR(st.st_mode):
            raise _ContextError(context, _PathIsDirectory("path is a directory"))
        os.remove(path_abs)
    except OSError as exc:
        raise _ContextError(context, exc) from exc


class _PathIsDirectory(OSError):
    """`io::Error::new(InvalidInput, "path is a directory")`."""


# -- the patch -------------------------------------------------------------------------------


def apply_patch(patch: str, cwd: str, stdout, stderr) -> AffectedPaths:
    """Parse and apply `patch` relative to `cwd`, writing the summary to `stdout` or the error
    to `stderr` (text streams) exactly as the reference does. Raises ApplyPatchError on failure
    (after writing the message)."""
    try:
        hunks = parse_patch(patch).hunks
    except InvalidPatchError as e:
        stderr.write(f"Invalid patch: {e.message}\n")
        raise PatchParseError(e) from None
    except InvalidHunkError as e:
        stderr.write(f"Invalid patch hunk on line {e.line_number}: {e.message}\n")
        raise PatchParseError(e) from None
    return apply_hunks(hunks, cwd, stdout, stderr)


def apply_hunks(hunks: list[Hunk], cwd: str, stdout, stderr) -> AffectedPaths:
    """Apply `hunks`, then print the summary to `stdout`; on failure print the error to `stderr`
    and raise ApplyPatchError (earlier hunks stay applied)."""
    try:
        affected = apply_hunks_to_files(hunks, cwd)
    except (ApplyPatchError, _ContextError) as err:
        msg = str(err)
        stderr.write(msg + "\n")
        cause = err.cause if isinstance(err, _ContextError) else None
        if isinstance(cause, OSError):  # anyhow's downcast to io::Error sees through the context
            raise IoError("I/O error", _rust.io_error_message(cause), cause) from None
        raise IoError(msg, msg, err) from None
    print_summary(affected, stdout)
    return affected


def apply_hunks_to_files(hunks: list[Hunk], cwd: str) -> AffectedPaths:
    """Apply each hunk in order. Raises ApplyPatchError or _ContextError at the first failure."""
    if not hunks:
        raise _ContextError("No files were modified.")
    affected = AffectedPaths()
    for hunk in hunks:
        path_abs = hunk.resolve_path(cwd)
        if isinstance(hunk, AddFile):
            _write_file_with_missing_parent_retry(path_abs, hunk.contents.encode("utf-8"))
            affected.added.append(hunk.path)
        elif isinstance(hunk, DeleteFile):
            _remove_file(path_abs, f"Failed to delete file {path_abs}")
            affected.deleted.append(hunk.path)
        elif isinstance(hunk, UpdateFile):
            _original, new_contents = derive_new_contents_from_chunks(path_abs, hunk.chunks)
            data = new_contents.encode("utf-8")
            if hunk.move_path is not None:
                dest_abs = _rust.resolve_path(hunk.move_path, cwd)
                _write_file_with_missing_parent_retry(dest_abs, data)
                _remove_file(path_abs, f"Failed to remove original {path_abs}")
                affected.modified.append(hunk.move_path)
            else:
                try:
                    _write_file(path_abs, data)
                except OSError as exc:
                    raise _ContextError(f"Failed to write file {path_abs}", exc) from exc
                affected.modified.append(hunk.path)
        else:  # pragma: no cover - the parser makes only the three kinds
            raise TypeError(f"not a hunk: {hunk!r}")
    return affected


def derive_new_contents_from_chunks(path_abs: str, chunks: list[UpdateFileChunk]) -> tuple[str, str]:
    """Read `path_abs` and apply `chunks`: returns (original contents, new contents)."""
    try:
        original = read_file_text(path_abs)
    except (OSError, UnicodeDecodeError) as exc:
        raise IoError(f"Failed to read file to update {path_abs}", _rust.io_error_message(exc), exc) from None
    return original, new_contents_from_text(original, path_abs, chunks)


def new_contents_from_text(original: str, path_abs: str, chunks: list[UpdateFileChunk]) -> str:
    """The new contents of a file whose text is `original` (errors name `path_abs`)."""
    original_lines = original.split("\n")
    # Drop the empty element after the final newline, so line counts match `diff`'s.
    if original_lines[-1] == "":
        original_lines.pop()
    replacements = compute_replacements(original_lines, path_abs, chunks)
    new_lines = apply_replacements(original_lines, replacements)
    if not new_lines or new_lines[-1] != "":
        new_lines.append("")
    return "\n".join(new_lines)


def compute_replacements(
    original_lines: list[str], path: str, chunks: list[UpdateFileChunk]
) -> list[tuple[int, int, list[str]]]:
    """(start index, number of old lines, new lines) for each chunk, sorted by start index."""
    from codex.apply_patch.seek_sequence import LineIndex

    index = LineIndex(original_lines)
    replacements: list[tuple[int, int, list[str]]] = []
    line_index = 0
    for chunk in chunks:
        if chunk.change_context is not None:
            idx = index.seek([chunk.change_context], line_index, False)
            if idx is None:
                raise ComputeReplacements(f"Failed to find context '{chunk.change_context}' in {path}")
            line_index = idx + 1

        if not chunk.old_lines:
            # Pure addition: at the end of the file (before a final empty line if there is one).
            if original_lines and original_lines[-1] == "":
                insertion = len(original_lines) - 1
            else:
                insertion = len(original_lines)
            replacements.append((insertion, 0, list(chunk.new_lines)))
            continue

        pattern = chunk.old_lines
        new_slice = chunk.new_lines
        found = index.seek(pattern, line_index, chunk.is_end_of_file)
        if found is None and pattern[-1] == "":
            # The trailing empty line stands for the file's final newline: retry without it.
            pattern = pattern[:-1]
            if new_slice and new_slice[-1] == "":
                new_slice = new_slice[:-1]
            found = index.seek(pattern, line_index, chunk.is_end_of_file)
        if found is None:
            old = "\n".join(chunk.old_lines)
            raise ComputeReplacements(f"Failed to find expected lines in {path}:\n{old}")
        replacements.append((found, len(pattern), list(new_slice)))
        line_index = found + len(pattern)

    replacements.sort(key=_first)
    return replacements


def _first(item: tuple[int, int, list[str]]) -> int:
    return item[0]


def apply_replacements(lines: list[str], replacements: list[tuple[int, int, list[str]]]) -> list[str]:
    """Apply replacements from the last to the first, so earlier indices stay valid.

    Like upstream's element-wise `remove`, removal stops at the end of the list and insertion
    clamps to it (chunks may overlap: each is located independently)."""
    lines = list(lines)
    for start, old_len, new_segment in reversed(replacements):
        # start <= len(lines) always holds here: every replacement processed before this one
        # starts at or after it and leaves at least that many lines.
        del lines[start:start + old_len]
        lines[start:start] = new_segment
    return lines


def print_summary(affected: AffectedPaths, out) -> None:
    """`Success. Updated the following files:` then `A`/`M`/`D` lines."""
    parts = ["Success. Updated the following files:\n"]
    parts.extend(f"A {p}\n" for p in affected.added)
    parts.extend(f"M {p}\n" for p in affected.modified)
    parts.extend(f"D {p}\n" for p in affected.deleted)
    out.write("".join(parts))


# -- diffs for approval / events (ApplyPatchFileUpdate) --------------------------------------


class ApplyPatchFileUpdate:
    """The unified diff of an update and the file's new contents."""

    __slots__ = ("unified_diff", "content", "original_content")

    def __init__(self, unified_diff: str, content: str, original_content: str = "") -> None:
        self.unified_diff = unified_diff
        self.content = content
        self.original_content = original_content

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is ApplyPatchFileUpdate
            and other.unified_diff == self.unified_diff
            and other.content == self.content
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ApplyPatchFileUpdate(unified_diff={self.unified_diff!r}, content={self.content!r})"


def unified_diff_from_chunks(path_abs: str, chunks: list[UpdateFileChunk], context: int = 1) -> ApplyPatchFileUpdate:
    """Apply `chunks` to the file in memory and diff old against new (`@@` hunks, no file
    header, `context` lines of context), as `similar`'s unified diff does."""
    original, new = derive_new_contents_from_chunks(path_abs, chunks)
    return ApplyPatchFileUpdate(unified_diff(original, new, context), new, original)


def unified_diff(old: str, new: str, context: int = 1) -> str:
    """A unified diff body (hunks only) of two texts, line by line.

    Uses difflib's matcher; `similar` (Myers) can choose a different but equivalent alignment
    for ambiguous edits. Lines without a final newline get `\\ No newline at end of file`."""
    import difflib

    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_range(i1, i2 - i1)} +{_range(j1, j2 - j1)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                out.extend(_diff_line(" ", line) for line in a[a1:a2])
                continue
            if tag in ("replace", "delete"):
                out.extend(_diff_line("-", line) for line in a[a1:a2])
            if tag in ("replace", "insert"):
                out.extend(_diff_line("+", line) for line in b[b1:b2])
    return "".join(out)


def _range(start: int, length: int) -> str:
    # similar's UnifiedDiffHunkRange: 1-based `start,len`, just `start` for one line, and an
    # empty range names the line before it.
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _diff_line(sign: str, line: str) -> str:
    if line.endswith("\n"):
        return sign + line
    return sign + line + "\n\\ No newline at end of file\n"
