"""Regenerate fixtures/apply_patch/{cases,scenario_outputs.json} from the reference binary.

    PYTHONPATH=src python tests/apply_patch/capture_cases.py

* cases/*.json: hand-picked edge cases (CASES below), each with the reference's exit code,
  stdout, stderr (work dir -> <CWD>) and resulting tree. tests/apply_patch/test_cases.py
  replays them against ours without the reference.
* scenario_outputs.json: exit code / stdout / stderr of the reference on each upstream scenario
  (the scenarios themselves only specify the resulting tree).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apply_patch import harness  # noqa: E402


def P(body: str) -> str:
    return "*** Begin Patch\n" + body + "\n*** End Patch\n"


def b64(data: bytes) -> dict:
    return {"b64": base64.b64encode(data).decode("ascii")}


# (name, files, args, stdin, note)
CASES = [
    ("crlf-file-lf-patch", {"a.txt": "one\r\ntwo\r\nthree\r\n"}, [P("*** Update File: a.txt\n@@\n one\n-two\n+TWO")], None,
     "CRLF file: lines match by trim_end; replaced lines (context included) are written with LF"),
    ("crlf-patch", {"a.txt": "one\ntwo\nthree\n"},
     ["*** Begin Patch\r\n*** Update File: a.txt\r\n@@\r\n one\r\n-two\r\n+TWO\r\n*** End Patch\r\n"], None,
     "str::lines drops the \\r of each patch line"),
    ("crlf-eof", {"a.txt": "a\r\nb\r\nc\r\n"}, [P("*** Update File: a.txt\n@@\n b\n-c\n+C\n*** End of File")], None, ""),
    ("eof-no-fallback", {"a.txt": "x\ny\nx\ny\nz\n"}, [P("*** Update File: a.txt\n@@\n-x\n+X\n*** End of File")], None,
     "with *** End of File only the last position is tried (no fallback to the cursor)"),
    ("heredoc-wrapper", {"a.txt": "x\n"}, ["<<'EOF'\n" + P("*** Update File: a.txt\n@@\n-x\n+X") + "EOF\n"], None, ""),
    ("non-utf8-file", {"a.txt": b64(b"x\n\xff\n")}, [P("*** Update File: a.txt\n@@\n-x\n+X")], None, ""),
    ("incomplete-utf8-at-end", {"a.txt": b64(b"ab\n\xe2\x82")}, [P("*** Update File: a.txt\n@@\n-ab\n+x")], None, ""),
    ("add-under-file", {"a.txt": "x\n"}, [P("*** Add File: a.txt/b.txt\n+hi")], None, ""),
    ("empty-argument", {}, [""], None, ""),
    ("dot-paths", {"a.txt": "x\n"}, [P("*** Add File: ./b.txt\n+hi\n*** Update File: ./a.txt\n@@\n-x\n+y")], None,
     "the summary keeps the patch's spelling"),
    ("stdin-non-utf8", {}, [], b64(b"\xff\xfe"), ""),
    ("stdin-blank", {}, [], "\n", ""),
    ("stdin-empty", {}, [], "", "usage, exit 2"),
    ("two-args", {}, ["a", "b"], None, ""),
    ("normalised-path-error", {}, [P("*** Update File: ./sub/../missing.txt\n@@\n-x\n+X")], None,
     "errors print the lexically normalised absolute path"),
    ("move-to-trailing-space", {"a.txt": "x\n"}, [P("*** Update File: a.txt\n*** Move to: b.txt  \n@@\n-x\n+X")], None,
     "the Move to line is not trimmed"),
    ("move-to-indented", {"a.txt": "x\n"}, [P("*** Update File: a.txt\n  *** Move to: b.txt\n@@\n-x\n+X")], None,
     "an indented Move to line is a context line of the first chunk"),
    ("move-to-empty", {"a.txt": "x\n"}, [P("*** Update File: a.txt\n*** Move to: \n@@\n-x\n+y")], None, ""),
    ("move-onto-itself", {"a.txt": "x\n"}, [P("*** Update File: a.txt\n*** Move to: a.txt\n@@\n-x\n+X")], None,
     "written, then the source removed: the file is gone"),
    ("context-header-trailing-spaces", {"a.txt": "x\n"}, [P("*** Update File: a.txt\n@@  \n-x\n+X")], None,
     "'@@  ' is a context header with context ' '"),
    ("indented-context-header", {"a.txt": "x\n"}, [P("*** Update File: a.txt\n @@\n-x\n+X")], None,
     "' @@' is a context line"),
    ("eof-marker-trailing-space", {"a.txt": "x\n"}, [P("*** Update File: a.txt\n@@\n-x\n+X\n*** End of File ")], None, ""),
    ("delete-missing", {}, [P("*** Delete File: nope.txt")], None, ""),
    ("delete-directory", {"d/f": "x\n"}, [P("*** Delete File: d")], None, ""),
    ("delete-symlink", {"a.txt": "x\n", "l": {"symlink": "a.txt"}}, [P("*** Delete File: l")], None, ""),
    ("delete-symlink-to-dir", {"d/a.txt": "x\n", "l": {"symlink": "d"}}, [P("*** Delete File: l")], None, ""),
    ("update-through-symlink", {"real.txt": "x\n", "l": {"symlink": "real.txt"}}, [P("*** Update File: l\n@@\n-x\n+y")], None, ""),
    ("update-dangling-symlink", {"l": {"symlink": "nowhere"}}, [P("*** Update File: l\n@@\n-x\n+y")], None, ""),
    ("add-no-lines", {}, [P("*** Add File: e.txt")], None, "an Add File with no lines makes an empty file"),
    ("add-to-directory", {"d/x": "1"}, [P("*** Add File: d\n+hi")], None, ""),
    ("update-directory", {"d/f": "x\n"}, [P("*** Update File: d\n@@\n-x\n+X")], None, ""),
    ("context-not-found", {"a.txt": "x\n"}, [P("*** Update File: a.txt\n@@ def foo\n-x\n+X")], None, ""),
    ("update-empty-file", {"a.txt": ""}, [P("*** Update File: a.txt\n@@\n+new")], None, ""),
    ("update-empty-file-blank-old", {"a.txt": ""}, [P("*** Update File: a.txt\n@@\n-\n+new")], None, ""),
    ("bom-not-whitespace", {"a.txt": "\ufeffa\nb\n"}, [P("*** Update File: a.txt\n@@\n-a\n+A")], None, ""),
    ("x1c-not-whitespace", {"a.txt": "a\x1c\nb\n"}, [P("*** Update File: a.txt\n@@\n-a\n+A")], None,
     "U+001C is Python whitespace but not Rust's"),
    ("nbsp-is-whitespace", {"a.txt": "a\u00a0\nb\n"}, [P("*** Update File: a.txt\n@@\n-a\n+A")], None, ""),
    ("zero-width-space", {"a.txt": "a\u200b\nb\n"}, [P("*** Update File: a.txt\n@@\n-a\n+A")], None, ""),
    ("u2028-in-line", {"a.txt": "a\u2028b\nc\n"}, [P("*** Update File: a.txt\n@@\n-a\u2028b\n+A")], None, ""),
    ("cr-in-line", {"a.txt": "a\rb\nc\n"}, [P("*** Update File: a.txt\n@@\n-a\rb\n+A")], None, ""),
    ("lone-cr-patch", {}, ["*** Begin Patch\r*** Add File: x\r+a\r*** End Patch"], None, ""),
    ("unicode-dash-match", {"u.py": "import asyncio  # local import \u2013 avoids top\u2011level dep\n"},
     [P("*** Update File: u.py\n@@\n-import asyncio  # local import - avoids top-level dep\n+import asyncio  # HELLO")], None, ""),
    ("pure-addition-then-removal", {"p.txt": "line1\nline2\nline3\n"},
     [P("*** Update File: p.txt\n@@\n+after-context\n+second-line\n@@\n line1\n-line2\n-line3\n+line2-replacement")], None,
     "upstream's test_pure_addition_chunk_followed_by_removal"),
    ("interleaved", {"i.txt": "a\nb\nc\nd\ne\nf\n"},
     [P("*** Update File: i.txt\n@@\n a\n-b\n+B\n@@\n c\n d\n-e\n+E\n@@\n f\n+g\n*** End of File")], None, ""),
    ("second-chunk-without-header", {"a.txt": "a\nb\nc\n"}, [P("*** Update File: a.txt\n@@\n-a\n+A\nbogus\n-b")], None, ""),
    ("blank-line-between-hunks", {}, ["*** Begin Patch\n*** Add File: a\n+x\n\n*** Add File: b\n+y\n*** End Patch"], None, ""),
    ("end-patch-twice", {}, [P("*** Add File: a\n+x\n*** End Patch\n*** Add File: b\n+y")], None, ""),
    ("help-is-a-patch", {}, ["--help"], None, ""),
    ("absolute-paths", {"u.txt": "old\n", "d.txt": "x\n"},
     [P("*** Add File: <CWD>/n.txt\n+new\n*** Update File: <CWD>/u.txt\n@@\n-old\n+new\n*** Delete File: <CWD>/d.txt")], None, ""),
    ("overlapping-eof-chunks", {"a.txt": "a\nb\nc\n"},
     [P("*** Update File: a.txt\n@@\n-c\n+C\n*** End of File\n@@\n-c\n+D\n*** End of File")], None,
     "both chunks match the last line"),
    ("missing-final-newline-kept-context", {"a.txt": "a\nb"}, [P("*** Update File: a.txt\n@@\n a\n-b\n+B")], None, ""),
    ("double-final-newline", {"a.txt": "a\nb\n\n"}, [P("*** Update File: a.txt\n@@\n+c")], None,
     "pure addition goes before the final empty line"),
    ("nul-in-stdin", {}, [], "*** Begin Patch\n*** Add File: n.txt\n+a\x00b\n*** End Patch\n", ""),
]


def capture(ref_launcher: Path, env: dict, root: Path, name: str, files: dict, args: list, stdin) -> dict:
    case = {"name": name, "files": files, "args": args, "stdin": stdin}
    cwd = harness.fresh_dir(root / name)
    harness.materialize(files, cwd)
    code, out, err = harness.run_reference(ref_launcher, harness.case_args(case, cwd), harness.case_stdin(case, cwd), cwd, env)
    case.update(exit_code=code, stdout=harness.normalize(out, cwd), stderr=harness.normalize(err, cwd),
                files_after=harness.snapshot(cwd))
    return case


def main() -> int:
    ref = harness.find_reference_binary()
    if ref is None:
        print(harness.SKIP_REASON, file=sys.stderr)
        return 1
    launcher = harness.reference_launcher(ref)
    root = harness.scratch_root() / "capture"
    env = harness.reference_env(root)
    out_dir = harness.FIXTURES / "cases"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, files, args, stdin, note in CASES:
        case = capture(launcher, env, root / "work", name, files, args, stdin)
        if note:
            case["note"] = note
        (out_dir / f"{name}.json").write_text(json.dumps(case, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    outputs = {}
    scen = harness.FIXTURES / "scenarios"
    for d in sorted(p for p in scen.iterdir() if p.is_dir()):
        files = harness.snapshot(d / "input") if (d / "input").is_dir() else {}
        patch = (d / "patch.txt").read_text(encoding="utf-8")
        case = capture(launcher, env, root / "scen", d.name, files, [patch], None)
        outputs[d.name] = {k: case[k] for k in ("exit_code", "stdout", "stderr")}
    (harness.FIXTURES / "scenario_outputs.json").write_text(json.dumps(outputs, indent=1, ensure_ascii=False) + "\n")
    print(f"captured {len(CASES)} cases and {len(outputs)} scenario outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
