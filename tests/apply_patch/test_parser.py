"""The patch parser (upstream's parser.rs tests, plus the lenient corners the reference has)."""

from __future__ import annotations

import pytest

from codex.apply_patch.parser import (
    LENIENT,
    STRICT,
    STREAMING,
    AddFile,
    ApplyPatchArgs,
    DeleteFile,
    InvalidHunkError,
    InvalidPatchError,
    UpdateFile,
    UpdateFileChunk,
    _parse_one_hunk,
    _parse_update_file_chunk,
    parse_patch,
    parse_patch_streaming,
    parse_patch_text,
)

FIRST = InvalidPatchError("The first line of the patch must be '*** Begin Patch'")
LAST = InvalidPatchError("The last line of the patch must be '*** End Patch'")


def err(fn, *args):
    with pytest.raises((InvalidPatchError, InvalidHunkError)) as info:
        fn(*args)
    return info.value


def test_envelope_errors():
    assert err(parse_patch_text, "bad", STRICT) == FIRST
    assert err(parse_patch_text, "*** Begin Patch\nbad", STRICT) == LAST
    assert err(parse_patch_text, "", STRICT) == LAST  # no first line: the last-line message
    assert err(parse_patch_text, "  \n\t", LENIENT) == LAST
    assert err(parse_patch_text, "*** Begin Patch", STRICT) == LAST


def test_whitespace_around_markers_is_ignored():
    hunks = parse_patch_text("*** Begin Patch \n*** Add File: foo\n+hi\n *** End Patch", STRICT).hunks
    assert hunks == [AddFile("foo", "hi\n")]
    hunks = parse_patch("\n\n  *** Begin Patch\n  *** Update File: a.txt  \n@@\n-x\n+y\n*** End Patch  \n\n").hunks
    assert hunks == [UpdateFile("a.txt", None, [UpdateFileChunk(None, ["x"], ["y"], False)])]


def test_empty_update_hunk():
    assert err(parse_patch_text, "*** Begin Patch\n*** Update File: test.py\n*** End Patch", STRICT) == \
        InvalidHunkError("Update file hunk for path 'test.py' is empty", 2)


def test_empty_patch_has_no_hunks():
    assert parse_patch_text("*** Begin Patch\n*** End Patch", STRICT).hunks == []


def test_all_three_operations():
    patch = (
        "*** Begin Patch\n*** Add File: path/add.py\n+abc\n+def\n*** Delete File: path/delete.py\n"
        "*** Update File: path/update.py\n*** Move to: path/update2.py\n@@ def f():\n-    pass\n"
        "+    return 123\n*** End Patch"
    )
    assert parse_patch_text(patch, STRICT).hunks == [
        AddFile("path/add.py", "abc\ndef\n"),
        DeleteFile("path/delete.py"),
        UpdateFile("path/update.py", "path/update2.py",
                   [UpdateFileChunk("def f():", ["    pass"], ["    return 123"], False)]),
    ]


def test_update_hunk_followed_by_add():
    patch = "*** Begin Patch\n*** Update File: file.py\n@@\n+line\n*** Add File: other.py\n+content\n*** End Patch"
    assert parse_patch_text(patch, STRICT).hunks == [
        UpdateFile("file.py", None, [UpdateFileChunk(None, [], ["line"], False)]),
        AddFile("other.py", "content\n"),
    ]


def test_first_chunk_may_omit_its_header():
    patch = "*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch"
    assert parse_patch_text(patch, STRICT).hunks == [
        UpdateFile("file2.py", None, [UpdateFileChunk(None, ["import foo"], ["import foo", "bar"], False)])
    ]


def test_second_chunk_needs_a_header():
    patch = "*** Begin Patch\n*** Update File: a\n@@\n-a\n+A\nbogus\n-b\n*** End Patch"
    assert err(parse_patch, patch) == InvalidHunkError(
        "Expected update hunk to start with a @@ context marker, got: 'bogus'", 6)


def test_heredoc_wrappers():
    body = "*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch"
    expected_hunks = [UpdateFile("file2.py", None, [UpdateFileChunk(None, ["import foo"], ["import foo", "bar"], False)])]
    for opener in ("<<EOF", "<<'EOF'", '<<"EOF"'):
        text = f"{opener}\n{body}\nEOF\n"
        assert err(parse_patch_text, text, STRICT) == FIRST
        assert parse_patch_text(text, LENIENT) == ApplyPatchArgs(body, expected_hunks, None)
    assert err(parse_patch_text, f"<<\"EOF'\n{body}\nEOF\n", LENIENT) == FIRST
    assert err(parse_patch_text, "<<EOF\n*** Begin Patch\n*** Update File: file2.py\nEOF\n", LENIENT) == LAST


def test_heredoc_line_numbers_count_from_the_inner_patch():
    text = "<<'EOF'\n*** Begin Patch\n*** Frobnicate\n*** End Patch\nEOF"
    e = err(parse_patch, text)
    assert e.line_number == 2


def test_parse_one_hunk_invalid_header():
    assert err(_parse_one_hunk, ["bad"], 0, 234, False) == InvalidHunkError(
        "'bad' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', "
        "'*** Delete File: {path}', '*** Update File: {path}'", 234)


def test_update_file_chunk():
    assert err(_parse_update_file_chunk, ["bad"], 0, 123, False) == InvalidHunkError(
        "Expected update hunk to start with a @@ context marker, got: 'bad'", 123)
    assert err(_parse_update_file_chunk, ["@@"], 0, 123, False) == InvalidHunkError(
        "Update hunk does not contain any lines", 124)
    assert err(_parse_update_file_chunk, ["@@", "bad"], 0, 123, False) == InvalidHunkError(
        "Unexpected line found in update hunk: 'bad'. Every line should start with ' ' (context line), "
        "'+' (added line), or '-' (removed line)", 124)
    assert err(_parse_update_file_chunk, ["@@", "*** End of File"], 0, 123, False) == InvalidHunkError(
        "Update hunk does not contain any lines", 124)
    lines = ["@@ change_context", "", " context", "-remove", "+add", " context2", "*** End Patch"]
    assert _parse_update_file_chunk(lines, 0, 123, False) == (
        UpdateFileChunk("change_context", ["", "context", "remove", "context2"], ["", "context", "add", "context2"], False),
        6,
    )
    assert _parse_update_file_chunk(["@@", "+line", "*** End of File"], 0, 123, False) == (
        UpdateFileChunk(None, [], ["line"], True), 3)


def test_markers_inside_chunks():
    # `@@  ` is a header with context " "; ` @@` is a context line; `*** End of File ` ends the hunk.
    hunk = parse_patch("*** Begin Patch\n*** Update File: a\n@@  \n-x\n*** End Patch").hunks[0]
    assert hunk.chunks[0].change_context == " "
    hunk = parse_patch("*** Begin Patch\n*** Update File: a\n @@\n-x\n*** End Patch").hunks[0]
    assert hunk.chunks[0].old_lines == ["@@", "x"]
    e = err(parse_patch, "*** Begin Patch\n*** Update File: a\n@@\n-x\n*** End of File \n*** End Patch")
    assert e.line_number == 5 and e.message.startswith("'*** End of File' is not a valid hunk header")


def test_move_to_is_not_trimmed_and_must_not_be_indented():
    hunk = parse_patch("*** Begin Patch\n*** Update File: a\n*** Move to: b  \n@@\n-x\n*** End Patch").hunks[0]
    assert hunk.move_path == "b  "
    hunk = parse_patch("*** Begin Patch\n*** Update File: a\n  *** Move to: b\n@@\n-x\n*** End Patch").hunks[0]
    assert hunk.move_path is None
    assert hunk.chunks[0].old_lines == [" *** Move to: b"]


def test_crlf_patch_lines():
    args = parse_patch("*** Begin Patch\r\n*** Add File: a\r\n+x\r\n*** End Patch\r\n")
    assert args.hunks == [AddFile("a", "x\n")]
    # A lone \r is not a line break.
    assert err(parse_patch, "*** Begin Patch\r*** Add File: x\r+a\r*** End Patch") == FIRST


def test_rust_whitespace_not_python_whitespace():
    # U+001C is whitespace to Python's strip() but not to Rust's trim().
    assert err(parse_patch, "\x1c*** Begin Patch\n*** End Patch") == FIRST
    # U+3000 is Unicode White_Space: trimmed.
    assert parse_patch("\u3000*** Begin Patch\n*** End Patch\u3000").hunks == []


def test_blank_lines_between_chunks_are_skipped_but_not_between_hunks():
    args = parse_patch("*** Begin Patch\n*** Update File: a\n@@\n-x\n+y\n\n  \n@@\n-z\n*** End Patch")
    assert len(args.hunks[0].chunks) == 2
    e = err(parse_patch, "*** Begin Patch\n*** Add File: a\n+x\n\n*** Add File: b\n+y\n*** End Patch")
    assert e == InvalidHunkError(
        "'' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', "
        "'*** Update File: {path}'", 4)


def test_add_file_needs_a_path():
    e = err(parse_patch, "*** Begin Patch\n*** Add File: \n+x\n*** End Patch")
    assert e.message.startswith("'*** Add File:' is not a valid hunk header")


def test_patch_text_keeps_the_envelope_without_wrapper():
    args = parse_patch("\n<<'EOF'\n*** Begin Patch\n*** Delete File: a\n*** End Patch\nEOF\n")
    assert args.patch == "*** Begin Patch\n*** Delete File: a\n*** End Patch"


def test_display_of_errors():
    assert str(FIRST) == "invalid patch: The first line of the patch must be '*** Begin Patch'"
    assert str(InvalidHunkError("msg", 7)) == "invalid hunk at line 7, msg"


def test_hunk_paths():
    h = UpdateFile("a/b.txt", "c/d.txt", [])
    assert h.affected_path() == "c/d.txt"
    assert h.resolve_path("/w") == "/w/a/b.txt"
    assert AddFile("./x/../y", "").resolve_path("/w") == "/w/y"
    assert DeleteFile("/abs/p").resolve_path("/w") == "/abs/p"
    assert DeleteFile("../../../up").resolve_path("/w/k") == "/up"


def test_streaming():
    assert parse_patch_streaming("*** Begin Patch\n*** Add File: src/hello.txt\n+hello\n+wor") == ApplyPatchArgs(
        "*** Begin Patch\n*** Add File: src/hello.txt\n+hello\n+wor", [AddFile("src/hello.txt", "hello\nwor\n")], None)
    assert parse_patch_streaming(
        "*** Begin Patch\n*** Update File: src/old.rs\n*** Move to: src/new.rs\n@@\n-old\n+new"
    ).hunks == [UpdateFile("src/old.rs", "src/new.rs", [UpdateFileChunk(None, ["old"], ["new"], False)])]
    assert parse_patch_text("*** Begin Patch\n*** Delete File: gone.txt", STREAMING).hunks == [DeleteFile("gone.txt")]
    assert err(parse_patch_text, "*** Begin Patch\n*** Delete File: gone.txt", STRICT) == LAST
    assert parse_patch_streaming(
        "*** Begin Patch\n*** Add File: src/one.txt\n+one\n*** Delete File: src/two.txt\n"
    ).patch == "*** Begin Patch\n*** Add File: src/one.txt\n+one\n*** Delete File: src/two.txt"


def test_streaming_hunk_count_never_decreases():
    patch = (
        "*** Begin Patch\n*** Add File: docs/release-notes.md\n+# Release notes\n+\n+## CLI\n"
        "*** Update File: src/config.rs\n@@ impl Config\n-    pub a: bool,\n+    pub b: bool,\n"
        "@@ fn default_progress_interval()\n-    Duration::from_millis(500)\n+    Duration::from_millis(250)\n"
        "*** Delete File: src/legacy.rs\n*** Update File: crates/cli/src/main.rs\n*** Move to: crates/cli/src/bin/codex.rs\n"
        "@@ fn run()\n-    let args = Args::parse();\n+    let cli = Cli::parse();\n*** End Patch"
    )
    best, seen = 0, []
    for i in range(1, len(patch) + 1):
        try:
            n = len(parse_patch_streaming(patch[:i]).hunks)
        except (InvalidPatchError, InvalidHunkError):
            continue
        assert n >= best
        if n > best:
            seen.append(n)
            best = n
    assert seen == [1, 2, 3, 4]
