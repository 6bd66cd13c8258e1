"""Spawn-and-capture of a short command: ours (in-process, both twins) vs plain subprocess vs the
reference Codex 0.136.0.

The reference has no bare "spawn" command; the closest is
`codex sandbox -c sandbox_mode="danger-full-access" -- CMD` (no sandbox wrapping in that mode), so
its number includes the start-up of the codex binary itself: that row says what a user pays for one
command through the reference CLI, not what its spawn path costs. The fair comparison for our
spawn path is plain `subprocess.run(capture_output=True)` in the same interpreter.

Cases (each: W warm-up rounds, then N measured rounds, median reported, ratios vs subprocess):
  subprocess        subprocess.run(argv, capture_output=True, stdin=DEVNULL)
  asyncio           asyncio.create_subprocess_exec + communicate (one loop for all rounds)
  ours[compiled]    codex.process.spawn.run(argv) with the C fork/exec twin (one loop)
  ours[pure]        the same with the pure twin
  pty[compiled]     spawn.start_process(argv, tty=True), wait for exit and EOF (C: vfork + TIOCSCTTY)
  pty[pure]         the same with the pure twin (os.openpty + Popen(preexec_fn=...): a full fork)
  ue[compiled]      UnifiedExecProcessManager.exec_command(argv) (pipes, full response text)
  ref sandbox       `codex sandbox -c sandbox_mode="danger-full-access" -- argv` (a whole process)

    PYTHONPATH=src .venv/bin/python benchmarks/bench_process.py [--runs 200] [--ref-runs 20] [--json PATH]

HOME and CODEX_HOME for the reference live under /work/scratch-proc (or $CODEX_BENCH_SCRATCH), never
under the temp dir. Targets are reported, never asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
for p in (REPO_ROOT / "src", REPO_ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from codex.process import spawn  # noqa: E402
from codex.process.unified_exec import UnifiedExecProcessManager  # noqa: E402

COMMANDS = {"true": ["/bin/true"], "echo hi": ["/bin/echo", "hi"]}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_sync(fn, runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_async(make_coro, runs: int, warmup: int) -> list[float]:
    async def go():
        for _ in range(warmup):
            await make_coro()
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            await make_coro()
            out.append(time.perf_counter() - t0)
        return out

    return asyncio.run(go())


async def pty_run(cmd, cwd, env) -> bytes:
    out = bytearray()
    p = spawn.start_process(cmd, cwd, env, tty=True, on_output=lambda d, s: out.extend(d))
    await p.wait()
    await p.output_closed.wait()
    return bytes(out)


def use_twin(name: str) -> bool:
    mod = "codex.process._spawn_c" if name == "compiled" else "codex.process.spawn_py"
    try:
        spawn._twin = importlib.import_module(mod)
    except ImportError:
        return False
    return True


def find_ref() -> Path | None:
    try:
        from parity.reference import ReferenceUnavailable, find_reference
    except Exception:  # noqa: BLE001
        return None
    try:
        return find_reference(install=False)
    except ReferenceUnavailable:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--ref-runs", type=int, default=20)
    ap.add_argument("--no-ref", action="store_true")
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args(argv)

    scratch = Path(os.environ.get("CODEX_BENCH_SCRATCH", "/work/scratch-proc"))
    home = scratch / "bench-home"
    (home / ".codex").mkdir(parents=True, exist_ok=True)
    cwd = scratch / "bench-cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "CODEX_HOME": str(home / ".codex"),
           "LANG": "C.UTF-8"}
    ref = None if args.no_ref else find_ref()

    print(f"python {platform.python_version()} on {platform.machine()}; spawn IMPLEMENTATION={spawn.IMPLEMENTATION}")
    print(f"runs={args.runs} warmup={args.warmup} ref-runs={args.ref_runs} reference={ref or 'n/a'}")
    results: dict = {"runs": args.runs, "warmup": args.warmup, "reference": str(ref) if ref else None, "cases": {}}
    original_twin = spawn._twin
    for label, cmd in COMMANDS.items():
        rows: dict[str, float | None] = {}

        def sp():
            subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        rows["subprocess"] = median_ms(bench_sync(sp, args.runs, args.warmup))

        async def aio():
            p = await asyncio.create_subprocess_exec(*cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                     stderr=subprocess.PIPE, env=env, cwd=cwd)
            await p.communicate()
        rows["asyncio"] = median_ms(bench_async(aio, args.runs, args.warmup))

        for twin in ("compiled", "pure"):
            if not use_twin(twin):
                rows[f"ours[{twin}]"] = None
                continue
            rows[f"ours[{twin}]"] = median_ms(bench_async(lambda: spawn.run(cmd, cwd, env), args.runs, args.warmup))
            rows[f"pty[{twin}]"] = median_ms(bench_async(lambda: pty_run(cmd, cwd, env), args.runs, args.warmup))
        spawn._twin = original_twin

        mgr = UnifiedExecProcessManager(cwd=str(cwd), env=env, shell="/bin/sh")

        async def ue():
            await mgr.exec_command(cmd, yield_time_ms=10_000)
        rows[f"ue[{spawn.IMPLEMENTATION}]"] = median_ms(bench_async(ue, args.runs, args.warmup))

        if ref is not None:
            rargv = [str(ref), "sandbox", "-c", 'sandbox_mode="danger-full-access"', "--", *cmd]
            check = subprocess.run(rargv, capture_output=True, env=env, cwd=cwd, timeout=60)
            if check.returncode == 0:
                def refrun():
                    subprocess.run(rargv, capture_output=True, stdin=subprocess.DEVNULL, env=env, cwd=cwd, timeout=60)
                rows["ref sandbox"] = median_ms(bench_sync(refrun, args.ref_runs, 2))
            else:
                print(f"reference sandbox failed ({check.returncode}): {check.stderr.decode()[:200]}")
                rows["ref sandbox"] = None
        else:
            rows["ref sandbox"] = None

        base = rows["subprocess"]
        refv = rows["ref sandbox"]
        print(f"\n{label!r}")
        print(f"  {'case':<16} {'median ms':>10} {'/subprocess':>12} {'/ref':>8}")
        for name, v in rows.items():
            if v is None:
                print(f"  {name:<16} {'n/a':>10}")
                continue
            r_sp = f"{v / base:.2f}x"
            r_ref = f"{v / refv:.3f}x" if refv else "n/a"
            print(f"  {name:<16} {v:>10.3f} {r_sp:>12} {r_ref:>8}")
        results["cases"][label] = {
            "median_ms": rows,
            "ratio_vs_subprocess": {k: (v / base if v is not None else None) for k, v in rows.items()},
            "ratio_vs_ref": {k: (v / refv if (v is not None and refv) else None) for k, v in rows.items()},
        }

    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
