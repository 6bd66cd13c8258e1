"""apply_patch, ours against the reference, side by side, as whole processes.

    PYTHONPATH=src python benchmarks/bench_apply_patch.py [--runs N] [--json PATH] [--seek pure|compiled]

Both run as a program named `apply_patch`: the reference as a symlink to the codex binary (arg0
dispatch), ours as a launcher script of that name that calls `codex.cli.main` (what the `codex`
console script does), so interpreter start-up is included. Bytecode is compiled first and the
children run with PYTHONDONTWRITEBYTECODE unset, as an installed package would.

Workloads (each run gets a fresh copy of the tree; copying is not timed):
  many   500 files x 200 lines, 3 update chunks per file (patch on stdin: ~280 KB is over the
         128 KiB limit of one argv string)                               target ours/ref <= 0.7
  one    1 file, 1 hunk, patch as the argument                           target ours/ref <= 3.0
  fuzzy  1 file of 20k lines with typographic punctuation, 50 chunks whose ASCII context only
         the last (normalising) seek pass finds                          (no target)
Then, in-process, the two seeker twins on the fuzzy file (the compiled twin's reason to exist).

Runs alternate ours/reference after warm-up; medians are reported. Timings are never asserted
in tests. Both must produce the same output and tree (checked once per workload).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
LAUNCHER = """#!{python}
import sys
from codex.cli import main
sys.exit(main())
"""


def find_reference() -> Path | None:
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from parity.reference import find_reference as locate

        return Path(locate(install=False))
    except Exception:  # noqa: BLE001
        pass
    env = os.environ.get("CODEX_REF")
    for c in ([Path(env)] if env else []) + [
        REPO / ".reference/node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/bin/codex"
    ]:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


def make_many(root: Path, files: int = 500, lines: int = 200, chunks: int = 3) -> str:
    rng = random.Random(1)
    patch = ["*** Begin Patch"]
    for i in range(files):
        body = [f"line {j} of file {i} " + "x" * rng.randint(0, 40) for j in range(lines)]
        rel = f"d{i % 20}/f{i}.txt"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("\n".join(body) + "\n")
        patch.append(f"*** Update File: {rel}")
        for k in range(chunks):
            at = (k + 1) * lines // (chunks + 1)
            patch += ["@@", " " + body[at - 1], "-" + body[at], "+" + body[at] + " changed", " " + body[at + 1]]
    patch.append("*** End Patch")
    return "\n".join(patch) + "\n"


def make_fuzzy(root: Path, lines: int = 20000, chunks: int = 50) -> str:
    """One big file with typographic punctuation; the patch's context is plain ASCII, so every
    chunk is only found by the last (normalising) pass."""
    rng = random.Random(2)
    body = [f"    value_{i} = compute({i}) \u2013 note \u201c{i}\u201d  " for i in range(lines)]
    (root / "big.py").write_text("\n".join(body) + "\n")
    ascii_of = str.maketrans({"\u2013": "-", "\u201c": '"', "\u201d": '"'})
    patch = ["*** Begin Patch", "*** Update File: big.py"]
    for at in sorted(rng.sample(range(1, lines - 2), chunks)):
        patch += ["@@", " " + body[at - 1].translate(ascii_of).strip(), "-" + body[at].translate(ascii_of).strip(),
                  "+    changed_" + str(at)]
    patch.append("*** End Patch")
    return "\n".join(patch) + "\n"


def seek_twins(runs: int = 5) -> dict | None:
    """In-process: the two seeker twins on the fuzzy workload's file (one LineIndex, 50 seeks)."""
    try:
        from codex.apply_patch import _seek_c as compiled
    except ImportError:
        return None
    from codex.apply_patch import seek_sequence_py as pure

    rng = random.Random(3)
    lines = [f"    value_{i} = compute({i}) \u2013 note \u201c{i}\u201d  " for i in range(20000)]
    ascii_of = str.maketrans({"\u2013": "-", "\u201c": '"', "\u201d": '"'})
    patterns = [[lines[i + k].translate(ascii_of).strip() for k in range(3)] for i in sorted(rng.sample(range(19990), 50))]
    out = {}
    for name, mod in (("pure", pure), ("compiled", compiled)):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            index = mod.LineIndex(lines)
            cursor = 0
            for p in patterns:
                cursor = index.seek(p, cursor, False) + len(p)
            times.append(time.perf_counter() - t0)
        out[name + "_ms"] = round(statistics.median(times) * 1000, 2)
    out["speedup"] = round(out["pure_ms"] / out["compiled_ms"], 2)
    return out


def make_one(root: Path) -> str:
    (root / "a.txt").write_text("".join(f"line {i}\n" for i in range(50)))
    return "*** Begin Patch\n*** Update File: a.txt\n@@\n line 24\n-line 25\n+line twenty-five\n line 26\n*** End Patch\n"


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class Side:
    def __init__(self, name: str, argv0: Path, env: dict) -> None:
        self.name, self.argv0, self.env = name, argv0, env

    def run(self, work: Path, patch: str, via_stdin: bool) -> tuple[float, subprocess.CompletedProcess]:
        args = [str(self.argv0)] + ([] if via_stdin else [patch])
        data = patch.encode() if via_stdin else b""
        t0 = time.perf_counter()
        proc = subprocess.run(args, cwd=work, env=self.env, input=data, capture_output=True)
        return time.perf_counter() - t0, proc


def bench(name: str, template: Path, patch: str, via_stdin: bool, sides: list[Side], runs: int, warmup: int,
          scratch: Path) -> dict:
    times: dict[str, list[float]] = {s.name: [] for s in sides}
    outcomes = {}
    for i in range(warmup + runs):
        for s in (sides if i % 2 == 0 else sides[::-1]):
            work = scratch / f"{name}-{s.name}"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(template, work, symlinks=True)
            dt, proc = s.run(work, patch, via_stdin)
            if proc.returncode != 0:
                raise SystemExit(f"{s.name} failed on {name}: {proc.stderr.decode()[-2000:]}")
            if i == 0:
                outcomes[s.name] = (proc.stdout, proc.stderr, snapshot(work))
            if i >= warmup:
                times[s.name].append(dt)
    if len({repr(v) for v in outcomes.values()}) != 1:
        raise SystemExit(f"{name}: ours and the reference disagree")
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    return {"workload": name, "runs": runs, "ours_ms": round(med["ours"], 2), "ref_ms": round(med["ref"], 2),
            "ratio": round(med["ours"] / med["ref"], 3),
            "ours_all_ms": [round(t * 1000, 2) for t in times["ours"]],
            "ref_all_ms": [round(t * 1000, 2) for t in times["ref"]]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=0, help="timed runs per side (default: many 15, one 60)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    ap.add_argument("--seek", choices=["compiled", "pure"], default="compiled",
                    help="which seeker twin ours uses (pure sets CODEX_NO_EXTENSIONS=1)")
    ap.add_argument("--only", choices=["many", "one", "fuzzy"])
    opts = ap.parse_args(argv)

    ref = find_reference()
    if ref is None:
        print("reference codex binary not installed (run scripts/test.sh)", file=sys.stderr)
        return 2
    scratch = REPO / ".scratch" / "apply_patch" / "bench"
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "ref-bin").mkdir(parents=True)
    (scratch / "ours-bin").mkdir(parents=True)
    ref_link = scratch / "ref-bin" / "apply_patch"
    os.symlink(ref, ref_link)
    ours_launcher = scratch / "ours-bin" / "apply_patch"
    ours_launcher.write_text(LAUNCHER.format(python=sys.executable))
    ours_launcher.chmod(0o755)

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(SRC / "codex")], check=True,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    base_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(scratch / "home"),
                "CODEX_HOME": str(scratch / "codex_home")}
    (scratch / "home").mkdir()
    (scratch / "codex_home").mkdir()
    ours_env = dict(base_env, PYTHONPATH=str(SRC))
    if opts.seek == "pure":
        ours_env["CODEX_NO_EXTENSIONS"] = "1"
    probe = subprocess.run([sys.executable, "-c", "import codex.apply_patch.seek_sequence as s; print(s.IMPLEMENTATION)"],
                           env=ours_env, capture_output=True, text=True)
    impl = probe.stdout.strip() or "?"
    sides = [Side("ours", ours_launcher, ours_env), Side("ref", ref_link, base_env)]

    results = []
    workloads = [("many", make_many, True, 15, 0.7), ("one", make_one, False, 60, 3.0), ("fuzzy", make_fuzzy, True, 15, None)]
    for name, make, via_stdin, default_runs, target in workloads:
        if opts.only and name != opts.only:
            continue
        template = scratch / f"{name}-template"
        template.mkdir()
        patch = make(template)
        r = bench(name, template, patch, via_stdin, sides, opts.runs or default_runs, opts.warmup, scratch)
        r["target_ratio"] = target
        r["meets_target"] = None if target is None else r["ratio"] <= target
        results.append(r)
        verdict = "" if target is None else f"   (target <= {target}: {'ok' if r['meets_target'] else 'MISSED'})"
        print(f"{name:5s} ours {r['ours_ms']:8.2f} ms   ref {r['ref_ms']:8.2f} ms   ours/ref {r['ratio']:.3f}{verdict}")

    twins = seek_twins()
    doc = {"benchmark": "apply_patch", "seek_implementation": impl, "python": sys.version.split()[0],
           "reference": str(ref), "results": results, "seek_twins": twins}
    print(f"seeker twin: {impl}")
    if twins:
        print(f"seek twins in-process (20k-line file, 50 normalised seeks): pure {twins['pure_ms']} ms, "
              f"compiled {twins['compiled_ms']} ms ({twins['speedup']}x)")
    if opts.json:
        Path(opts.json).write_text(json.dumps(doc, indent=1) + "\n")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
