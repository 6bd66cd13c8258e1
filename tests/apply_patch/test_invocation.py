"""Recognising and verifying apply_patch calls (invocation.py), including the texts the
reference sent back to the model for the freeform tool (exec captures)."""

from __future__ import annotations

import json

import pytest

from codex.apply_patch.invocation import (
    ApplyPatchFileChange,
    extract_apply_patch_from_bash,
    ExtractHeredocError,
    maybe_parse_apply_patch,
    maybe_parse_apply_patch_verified,
)
from codex.apply_patch.parser import AddFile

from . import harness

EXEC = json.loads((harness.FIXTURES / "exec_tool_outputs.json").read_text(encoding="utf-8"))
PATCH = "*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch"


def test_direct_invocation():
    for cmd in ("apply_patch", "applypatch"):
        got = maybe_parse_apply_patch([cmd, PATCH])
        assert got.kind == "body" and got.args.hunks == [AddFile("foo", "hi\n")]
    assert maybe_parse_apply_patch(["apply_patch", "nope"]).kind == "patch_parse_error"
    assert maybe_parse_apply_patch(["echo", PATCH]).kind == "not_apply_patch"


@pytest.mark.parametrize("script, workdir", [
    (f"apply_patch <<'EOF'\n{PATCH}\nEOF\n", None),
    (f"applypatch <<EOF\n{PATCH}\nEOF", None),
    (f'apply_patch <<"PATCH"\n{PATCH}\nPATCH\n', None),
    (f"cd foo && apply_patch <<'EOF'\n{PATCH}\nEOF\n", "foo"),
    (f"cd 'a b' && apply_patch <<'EOF'\n{PATCH}\nEOF\n", "a b"),
    (f'cd "a b" && apply_patch <<\'EOF\'\n{PATCH}\nEOF\n', "a b"),
])
def test_heredoc_forms(script, workdir):
    for argv in (["bash", "-lc", script], ["zsh", "-c", script], ["/bin/sh", "-lc", script],
                 ["pwsh", "-NoProfile", "-Command", script], ["cmd.exe", "/c", script]):
        got = maybe_parse_apply_patch(argv)
        assert got.kind == "body", argv
        assert got.args.hunks == [AddFile("foo", "hi\n")]
        assert got.args.workdir == workdir


@pytest.mark.parametrize("script", [
    f"echo hi; apply_patch <<'EOF'\n{PATCH}\nEOF\n",
    f"apply_patch <<'EOF'\n{PATCH}\nEOF\necho done\n",
    f"cd foo || apply_patch <<'EOF'\n{PATCH}\nEOF\n",
    f"cd foo bar && apply_patch <<'EOF'\n{PATCH}\nEOF\n",
    f"ls && apply_patch <<'EOF'\n{PATCH}\nEOF\n",
    "apply_patch",
])
def test_other_scripts_are_not_apply_patch(script):
    assert maybe_parse_apply_patch(["bash", "-lc", script]).kind == "not_apply_patch"


def test_extract_returns_body_without_trailing_newlines():
    assert extract_apply_patch_from_bash(f"apply_patch <<'EOF'\n{PATCH}\n\n\nEOF\n") == (PATCH, None)
    with pytest.raises(ExtractHeredocError):
        extract_apply_patch_from_bash("apply_patch <<'EOF'\nno end")


def test_implicit_invocation_is_an_error(tmp_path):
    got = maybe_parse_apply_patch_verified([PATCH], str(tmp_path))
    assert got.kind == "correctness_error"
    assert str(got.error) == 'patch detected without explicit call to apply_patch. Rerun as ["apply_patch", "<patch>"]'
    got = maybe_parse_apply_patch_verified(["bash", "-lc", PATCH], str(tmp_path))
    assert got.kind == "correctness_error"


def test_verified_changes(seek_impl, tmp_path):
    (tmp_path / "u.txt").write_text("a\nb\n")
    (tmp_path / "d.txt").write_text("gone\n")
    patch = ("*** Begin Patch\n*** Add File: n.txt\n+new\n*** Delete File: d.txt\n"
             "*** Update File: u.txt\n*** Move to: m.txt\n@@\n a\n-b\n+B\n*** End Patch")
    got = maybe_parse_apply_patch_verified(["apply_patch", patch], str(tmp_path))
    assert got.kind == "body"
    action = got.action
    assert action.cwd == str(tmp_path) and action.patch == patch
    assert action.changes == {
        f"{tmp_path}/n.txt": ApplyPatchFileChange("add", content="new\n"),
        f"{tmp_path}/d.txt": ApplyPatchFileChange("delete", content="gone\n"),
        f"{tmp_path}/u.txt": ApplyPatchFileChange(
            "update", unified_diff="@@ -1,2 +1,2 @@\n a\n-b\n+B\n", move_path=f"{tmp_path}/m.txt",
            new_content="a\nB\n", old_content="a\nb\n"),
    }
    # Nothing was written.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.txt", "u.txt"]


def test_cd_workdir_is_resolved(tmp_path):
    (tmp_path / "sub").mkdir()
    script = f"cd sub && apply_patch <<'EOF'\n{PATCH}\nEOF\n"
    got = maybe_parse_apply_patch_verified(["bash", "-lc", script], str(tmp_path))
    assert got.kind == "body"
    assert got.action.cwd == f"{tmp_path}/sub"
    assert list(got.action.changes) == [f"{tmp_path}/sub/foo"]


@pytest.mark.parametrize("run", EXEC["runs"], ids=[r["name"] for r in EXEC["runs"]])
def test_model_facing_texts_match_the_exec_captures(run, seek_impl, tmp_path):
    """The freeform tool: verification errors become `apply_patch verification failed: ...`;
    a verified patch is applied and its output is the standalone tool's stdout."""
    cwd = tmp_path / "ws"
    cwd.mkdir()
    harness.materialize(run["workspace_before"], cwd)
    for call in run["calls"]:
        verified = maybe_parse_apply_patch_verified(["apply_patch", call["input"]], str(cwd))
        if verified.kind == "correctness_error":
            text = f"apply_patch verification failed: {verified.error}"
            assert harness.normalize(text, cwd) == call["output"]
        else:
            assert verified.kind == "body"
            code, out, err = harness.run_ours([call["input"]], None, cwd)
            prefix = "Exit code: 0\nWall time: <DURATION> seconds\nOutput:\n"
            assert code == 0 and err == ""
            assert prefix + out == call["output"]
    files = {k: v for k, v in harness.snapshot(cwd).items() if not isinstance(v, dict)}
    assert files == run["workspace_after"]


@pytest.mark.parametrize("script, expected_dir", [
    (f"cd 'my dir' && apply_patch <<'EOF'\n{PATCH}\nEOF\n", "my dir"),
    (f'cd "my dir" && applypatch <<EOF\n{PATCH}\nEOF\n', "my dir"),
    (f"cd sub && apply_patch <<'PATCH'\n{PATCH}\nPATCH\n", "sub"),
    (f"apply_patch <<\"EOF\"\n{PATCH}\nEOF", None),
])
def test_tree_sitter_forms_upstream_accepts(script, expected_dir):
    assert extract_apply_patch_from_bash(script) == (PATCH, expected_dir)


@pytest.mark.parametrize("script", [
    f"cd a b && apply_patch <<'EOF'\n{PATCH}\nEOF\n",          # two cd arguments
    f"cd -P a && apply_patch <<'EOF'\n{PATCH}\nEOF\n",         # a cd flag
    f"cd a || apply_patch <<'EOF'\n{PATCH}\nEOF\n",            # not `&&`
    f"cd a; apply_patch <<'EOF'\n{PATCH}\nEOF\n",              # two statements
    f"apply_patch <<'EOF'\n{PATCH}\nEOF\necho done\n",          # trailing statement
    f"echo hi && apply_patch <<'EOF'\n{PATCH}\nEOF\n",         # not cd
    f"apply_patch extra <<'EOF'\n{PATCH}\nEOF\n",               # an argument
])
def test_tree_sitter_forms_upstream_rejects(script):
    with pytest.raises(ExtractHeredocError):
        extract_apply_patch_from_bash(script)
