"""The applier (lib.py): upstream's lib.rs tests, with both seeker twins."""

from __future__ import annotations

import io
import os

import pytest

from codex.apply_patch.lib import (
    ApplyPatchError,
    ApplyPatchFileUpdate,
    ComputeReplacements,
    IoError,
    PatchParseError,
    apply_patch,
    unified_diff,
    unified_diff_from_chunks,
)
from codex.apply_patch.parser import parse_patch


def wrap(body: str) -> str:
    return f"*** Begin Patch\n{body}\n*** End Patch"


def run(patch: str, cwd) -> tuple[str, str, Exception | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        apply_patch(patch, str(cwd), out, err)
        exc = None
    except ApplyPatchError as e:
        exc = e
    return out.getvalue(), err.getvalue(), exc


def test_add_file(seek_impl, tmp_path):
    path = tmp_path / "add.txt"
    out, err, exc = run(wrap(f"*** Add File: {path}\n+ab\n+cd"), tmp_path)
    assert (out, err, exc) == (f"Success. Updated the following files:\nA {path}\n", "", None)
    assert path.read_text() == "ab\ncd\n"


def test_relative_and_absolute_paths(seek_impl, tmp_path):
    for name, text in [("relative-delete.txt", "delete relative\n"), ("absolute-delete.txt", "delete absolute\n"),
                       ("relative-update.txt", "relative old\n"), ("absolute-update.txt", "absolute old\n")]:
        (tmp_path / name).write_text(text)
    a_add, a_del, a_upd = (tmp_path / "absolute-add.txt", tmp_path / "absolute-delete.txt", tmp_path / "absolute-update.txt")
    patch = wrap(
        f"*** Add File: relative-add.txt\n+relative add\n*** Add File: {a_add}\n+absolute add\n"
        f"*** Delete File: relative-delete.txt\n*** Delete File: {a_del}\n"
        f"*** Update File: relative-update.txt\n@@\n-relative old\n+relative new\n"
        f"*** Update File: {a_upd}\n@@\n-absolute old\n+absolute new"
    )
    out, err, exc = run(patch, tmp_path)
    assert exc is None and err == ""
    assert out == (
        f"Success. Updated the following files:\nA relative-add.txt\nA {a_add}\nM relative-update.txt\n"
        f"M {a_upd}\nD relative-delete.txt\nD {a_del}\n"
    )
    assert (tmp_path / "relative-add.txt").read_text() == "relative add\n"
    assert a_add.read_text() == "absolute add\n"
    assert not (tmp_path / "relative-delete.txt").exists() and not a_del.exists()
    assert (tmp_path / "relative-update.txt").read_text() == "relative new\n"
    assert a_upd.read_text() == "absolute new\n"


def test_update_and_move(seek_impl, tmp_path):
    (tmp_path / "update.txt").write_text("foo\nbar\n")
    assert run(wrap("*** Update File: update.txt\n@@\n foo\n-bar\n+baz"), tmp_path)[2] is None
    assert (tmp_path / "update.txt").read_text() == "foo\nbaz\n"
    (tmp_path / "src.txt").write_text("line\n")
    out, _, exc = run(wrap("*** Update File: src.txt\n*** Move to: nested/dst.txt\n@@\n-line\n+line2"), tmp_path)
    assert exc is None and out == "Success. Updated the following files:\nM nested/dst.txt\n"
    assert not (tmp_path / "src.txt").exists()
    assert (tmp_path / "nested" / "dst.txt").read_text() == "line2\n"


def test_multiple_chunks_and_interleaved_changes(seek_impl, tmp_path):
    p = tmp_path / "multi.txt"
    p.write_text("foo\nbar\nbaz\nqux\n")
    assert run(wrap("*** Update File: multi.txt\n@@\n foo\n-bar\n+BAR\n@@\n baz\n-qux\n+QUX"), tmp_path)[0] == \
        "Success. Updated the following files:\nM multi.txt\n"
    assert p.read_text() == "foo\nBAR\nbaz\nQUX\n"
    p.write_text("a\nb\nc\nd\ne\nf\n")
    run(wrap("*** Update File: multi.txt\n@@\n a\n-b\n+B\n@@\n c\n d\n-e\n+E\n@@\n f\n+g\n*** End of File"), tmp_path)
    assert p.read_text() == "a\nB\nc\nd\nE\nf\ng\n"


def test_pure_addition_chunk_followed_by_removal(seek_impl, tmp_path):
    p = tmp_path / "panic.txt"
    p.write_text("line1\nline2\nline3\n")
    run(wrap("*** Update File: panic.txt\n@@\n+after-context\n+second-line\n@@\n line1\n-line2\n-line3\n+line2-replacement"),
        tmp_path)
    assert p.read_text() == "line1\nline2-replacement\nafter-context\nsecond-line\n"


def test_update_line_with_unicode_dash(seek_impl, tmp_path):
    p = tmp_path / "unicode.py"
    p.write_text("import asyncio  # local import \u2013 avoids top\u2011level dep\n")
    out, err, exc = run(wrap("*** Update File: unicode.py\n@@\n-import asyncio  # local import - avoids top-level dep\n"
                             "+import asyncio  # HELLO"), tmp_path)
    assert (out, err, exc) == ("Success. Updated the following files:\nM unicode.py\n", "", None)
    assert p.read_text() == "import asyncio  # HELLO\n"


def test_errors(seek_impl, tmp_path):
    (tmp_path / "a.txt").write_text("x\n")
    _, err, exc = run(wrap("*** Update File: a.txt\n@@ nope\n-x\n+y"), tmp_path)
    assert err == f"Failed to find context 'nope' in {tmp_path}/a.txt\n"
    assert isinstance(exc, IoError) and exc.context == err[:-1]
    _, err, exc = run(wrap("*** Update File: a.txt\n@@\n-y\n-z\n+w"), tmp_path)
    assert err == f"Failed to find expected lines in {tmp_path}/a.txt:\ny\nz\n"
    _, err, _ = run(wrap("*** Update File: missing.txt\n@@\n-y\n+w"), tmp_path)
    assert err == f"Failed to read file to update {tmp_path}/missing.txt: No such file or directory (os error 2)\n"
    _, err, exc = run(wrap("*** Delete File: missing.txt"), tmp_path)
    assert err == f"Failed to delete file {tmp_path}/missing.txt\n"
    assert isinstance(exc, IoError) and str(exc) == "I/O error: No such file or directory (os error 2)"
    _, err, exc = run("*** Begin Patch\n*** End Patch", tmp_path)
    assert err == "No files were modified.\n"
    assert str(exc) == "No files were modified.: No files were modified."
    _, err, exc = run("nope", tmp_path)
    assert err == "Invalid patch: The first line of the patch must be '*** Begin Patch'\n"
    assert isinstance(exc, PatchParseError) and str(exc) == "invalid patch: The first line of the patch must be '*** Begin Patch'"
    _, err, exc = run(wrap("*** Nope"), tmp_path)
    assert err.startswith("Invalid patch hunk on line 2: '*** Nope' is not a valid hunk header.")


def test_partial_failure_keeps_earlier_hunks(seek_impl, tmp_path):
    _, err, exc = run(wrap("*** Add File: created.txt\n+hello\n*** Update File: missing.txt\n@@\n-old\n+new"), tmp_path)
    assert exc is not None
    assert (tmp_path / "created.txt").read_text() == "hello\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_write_error(seek_impl, tmp_path):
    p = tmp_path / "readonly.txt"
    p.write_text("before\n")
    p.chmod(0o444)
    _, err, exc = run(wrap("*** Update File: readonly.txt\n@@\n-before\n+after"), tmp_path)
    assert isinstance(exc, ApplyPatchError)
    assert err == f"Failed to write file {p}\n"


def _chunks(patch: str):
    (hunk,) = parse_patch(patch).hunks
    return hunk.chunks


@pytest.mark.parametrize(
    "original, body, diff, content",
    [
        ("foo\nbar\nbaz\nqux\n", "@@\n foo\n-bar\n+BAR\n@@\n baz\n-qux\n+QUX",
         "@@ -1,4 +1,4 @@\n foo\n-bar\n+BAR\n baz\n-qux\n+QUX\n", "foo\nBAR\nbaz\nQUX\n"),
        ("foo\nbar\nbaz\n", "@@\n-foo\n+FOO\n bar\n", "@@ -1,2 +1,2 @@\n-foo\n+FOO\n bar\n", "FOO\nbar\nbaz\n"),
        ("foo\nbar\nbaz\n", "@@\n foo\n bar\n-baz\n+BAZ\n", "@@ -2,2 +2,2 @@\n bar\n-baz\n+BAZ\n", "foo\nbar\nBAZ\n"),
        ("foo\nbar\nbaz\n", "@@\n+quux\n*** End of File\n", "@@ -3 +3,2 @@\n baz\n+quux\n", "foo\nbar\nbaz\nquux\n"),
        ("a\nb\nc\nd\ne\nf\n", "@@\n a\n-b\n+B\n@@\n d\n-e\n+E\n@@\n f\n+g\n*** End of File",
         "@@ -1,6 +1,7 @@\n a\n-b\n+B\n c\n d\n-e\n+E\n f\n+g\n", "a\nB\nc\nd\nE\nf\ng\n"),
    ],
    ids=["two-chunks", "first-line", "last-line", "insert-at-eof", "interleaved"],
)
def test_unified_diff_from_chunks(seek_impl, tmp_path, original, body, diff, content):
    p = tmp_path / "f.txt"
    p.write_text(original)
    got = unified_diff_from_chunks(str(p), _chunks(wrap(f"*** Update File: {p}\n{body}")))
    assert got == ApplyPatchFileUpdate(diff, content)


def test_unified_diff_missing_newline_and_empty_ranges():
    assert unified_diff("a\n", "a\nb") == "@@ -1 +1,2 @@\n a\n+b\n\\ No newline at end of file\n"
    assert unified_diff("", "x\n") == "@@ -0,0 +1 @@\n+x\n"
    assert unified_diff("x\n", "x\n") == ""


def test_compute_replacements_error_type(seek_impl, tmp_path):
    from codex.apply_patch.lib import compute_replacements
    from codex.apply_patch.parser import UpdateFileChunk

    with pytest.raises(ComputeReplacements) as info:
        compute_replacements(["a"], "/p", [UpdateFileChunk(None, ["b"], ["c"])])
    assert str(info.value) == "Failed to find expected lines in /p:\nb"
