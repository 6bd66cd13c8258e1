"""Side-by-side wall-time benchmarks of our `codex` against the reference Codex 0.136.0.

Each case is a codex argument list. Both binaries run it alternately (ours first on even rounds,
the reference first on odd ones), W warm-up rounds then N measured rounds, timed with
time.perf_counter() around subprocess.run, in the same throwaway sandbox (HOME, CODEX_HOME and
cwd outside /tmp and outside any git tree; a config.toml that keeps the reference off the network;
the same clean environment as the parity tests, see tests/parity/reference.py).

"ours" is the `codex` console script next to sys.executable (the venv running the benchmark) when
there is one, else `python -m codex`; the output says which. Targets are reported, never
asserted: the exit status is 0 whatever the numbers.

    python benchmarks/harness.py --runs 20 --warmup 3 --cmd=--version --cmd="exec --help" [--target 2]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests"))

from parity.reference import RefEnv, ReferenceUnavailable, find_reference  # noqa: E402


@dataclass
class Case:
    name: str
    args: list[str]
    target: float | None = None      # the ratio ours/ref we aim for (<=)
    stdin: str | None = None
    timeout: float = 60.0


def ours_command() -> tuple[list[str], str]:
    script = Path(sys.executable).parent / "codex"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)], f"console script {script}"
    return [sys.executable, "-m", "codex"], f"{sys.executable} -m codex (no console script next to sys.executable)"


def _time_once(argv: list[str], env: dict, cwd: Path, case: Case) -> tuple[float, int, str]:
    data = case.stdin.encode() if case.stdin is not None else None
    t0 = time.perf_counter()
    try:
        p = subprocess.run(argv, env=env, cwd=cwd, input=data,
                           stdin=subprocess.DEVNULL if data is None else None,
                           capture_output=True, timeout=case.timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t0, -1, f"timed out after {case.timeout}s"
    dt = time.perf_counter() - t0
    return dt, p.returncode, p.stderr.decode("utf-8", "replace")[-500:]


def _summary(samples: list[float], codes: list[int], last_err: str) -> dict[str, Any]:
    ms = [s * 1000 for s in samples]
    out: dict[str, Any] = {
        "median_ms": round(statistics.median(ms), 3) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 3) if ms else None,
        "min_ms": round(min(ms), 3) if ms else None,
        "max_ms": round(max(ms), 3) if ms else None,
        "stdev_ms": round(statistics.stdev(ms), 3) if len(ms) > 1 else 0.0,
        "runs_ms": [round(x, 3) for x in ms],
        "exit_codes": sorted(set(codes)),
    }
    if any(codes):
        out["stderr_tail"] = last_err
    return out


def run_cases(cases: Sequence[Case], runs: int = 10, warmup: int = 2, *, log=print) -> dict[str, Any]:
    ours_argv, ours_desc = ours_command()
    try:
        ref_path: Path | None = find_reference()
        ref_desc = str(ref_path)
    except ReferenceUnavailable as exc:
        ref_path, ref_desc = None, f"unavailable: {exc}"
    report: dict[str, Any] = {
        "ours": ours_desc, "reference": ref_desc, "runs": runs, "warmup": warmup,
        "python": sys.version.split()[0], "machine": f"{platform.system()} {platform.machine()}",
        "results": [],
    }
    log(f"ours:      {ours_desc}")
    log(f"reference: {ref_desc}")
    log(f"rounds:    {warmup} warm-up + {runs} measured, alternating")
    with RefEnv(tag="bench") as env:
        ours_env = env.env("ours")
        ref_env = env.env("reference") if ref_path is not None else None
        for case in cases:
            sides: dict[str, tuple[list[str], dict]] = {"ours": (ours_argv + case.args, ours_env)}
            if ref_path is not None:
                sides["ref"] = ([str(ref_path), *case.args], ref_env)
            samples: dict[str, list[float]] = {k: [] for k in sides}
            codes: dict[str, list[int]] = {k: [] for k in sides}
            errs: dict[str, str] = {k: "" for k in sides}
            for i in range(warmup + runs):
                order = list(sides) if i % 2 == 0 else list(reversed(sides))
                for side in order:
                    argv, e = sides[side]
                    dt, code, err = _time_once(argv, e, env.cwd, case)
                    if i >= warmup:
                        samples[side].append(dt)
                        codes[side].append(code)
                        if code:
                            errs[side] = err
            res: dict[str, Any] = {"name": case.name, "args": case.args, "target": case.target,
                                   "ours": _summary(samples["ours"], codes["ours"], errs["ours"])}
            res["ref"] = _summary(samples["ref"], codes["ref"], errs["ref"]) if "ref" in sides else None
            ratio = None
            if res["ref"] and res["ref"]["median_ms"]:
                ratio = round(res["ours"]["median_ms"] / res["ref"]["median_ms"], 3)
            res["ratio"] = ratio
            # a ratio only means something when both did the same thing (same exit statuses)
            res["comparable"] = bool(res["ref"]) and res["ours"]["exit_codes"] == res["ref"]["exit_codes"]
            res["meets_target"] = (None if ratio is None or case.target is None or not res["comparable"]
                                   else ratio <= case.target)
            report["results"].append(res)
    return report


def format_table(report: dict[str, Any]) -> str:
    rows = [("name", "ours_median_ms", "ref_median_ms", "ratio(ours/ref)", "target", "")]
    for r in report["results"]:
        ref_ms = r["ref"]["median_ms"] if r["ref"] else None
        notes = []
        if r["meets_target"] is not None:
            notes.append("ok" if r["meets_target"] else "MISSED")
        for side in ("ours", "ref"):
            if r[side] and any(r[side]["exit_codes"]):
                notes.append(f"{side} exit {','.join(map(str, r[side]['exit_codes']))}")
        if r["ref"] and not r["comparable"]:
            notes.append("(not comparable: exit statuses differ)")
        rows.append((r["name"], f"{r['ours']['median_ms']:.1f}", "n/a" if ref_ms is None else f"{ref_ms:.1f}",
                     "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}",
                     "-" if r["target"] is None else f"<= {r['target']:.1f}", "  ".join(notes)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:5], widths[1:5])] + [row[5]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def main(cases: Sequence[Case] | None = None, argv: Sequence[str] | None = None,
         description: str | None = None) -> int:
    ap = argparse.ArgumentParser(description=description or __doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10, help="measured rounds per case (default 10)")
    ap.add_argument("--warmup", type=int, default=2, help="warm-up rounds per case (default 2)")
    ap.add_argument("--json", metavar="PATH", help="also write the full report as JSON")
    if cases is None:
        ap.add_argument("--cmd", action="append", default=[], metavar="ARGS",
                        help='codex arguments of one case, shell-quoted, e.g. --cmd "exec --help" (repeatable)')
        ap.add_argument("--target", type=float, default=None, help="target ratio for the --cmd cases")
    a = ap.parse_args(argv)
    if cases is None:
        cases = [Case("codex " + c, shlex.split(c), a.target) for c in a.cmd]
        if not cases:
            ap.error("give at least one --cmd")
    report = run_cases(cases, runs=max(1, a.runs), warmup=max(0, a.warmup))
    print()
    print(format_table(report))
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(report, indent=1) + "\n")
        print(f"\nwrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
