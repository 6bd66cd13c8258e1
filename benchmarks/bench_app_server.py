"""`codex app-server` (stdio) start-up, ours vs the reference Codex 0.136.0: the time from spawn to
the `initialize` reply, and the server's idle RSS once initialized.

    python benchmarks/bench_app_server.py [--runs N] [--warmup W] [--settle S] [--module] [--json PATH]

Each round spawns the server (ours first on even rounds, the reference first on odd ones), writes
one `initialize` request on its stdin and times, with time.perf_counter(), from just before the
spawn to the moment the reply line (id 1) is read from its stdout. It then sends `initialized`,
waits `--settle` seconds (default 0.5) and reads VmRSS from /proc/<pid>/status of the server
process (for ours the Python interpreter itself: the console script or `python -m codex`; for the
reference the native binary), then closes stdin and reaps the server.

Same sandbox for both (tests/parity/reference.py RefEnv: HOME / CODEX_HOME / cwd outside /tmp and
outside any git tree, a config.toml on a closed loopback port so nothing leaves the machine).

Cases (the issue's numbers, reported, never asserted):
    spawn -> initialize reply   reference 50-76 ms   target ours/ref <= 1.0
    idle RSS after initialize   reference ~55 MiB    target ours/ref <= 1.0
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "src"))

from parity.reference import RefEnv, ReferenceUnavailable, find_reference  # noqa: E402

from harness import ours_command  # noqa: E402

INIT = {"id": 1, "method": "initialize",
        "params": {"clientInfo": {"name": "bench", "title": None, "version": "1.0"}, "capabilities": None}}


def _vm_rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _read_reply(proc: subprocess.Popen, deadline: float) -> dict | None:
    """Lines from stdout until the response to id 1 (None on EOF or timeout)."""
    fd = proc.stdout.fileno()
    buf = b""
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if isinstance(msg, dict) and msg.get("id") == 1 and "method" not in msg:
                return msg
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        buf += chunk


def one_round(argv: list[str], env: dict, cwd: Path, settle: float, timeout: float) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen([*argv, "app-server"], env=env, cwd=cwd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out: dict = {"ok": False, "ms": None, "rss_mib": None}
    try:
        proc.stdin.write((json.dumps(INIT) + "\n").encode())
        proc.stdin.flush()
        reply = _read_reply(proc, t0 + timeout)
        dt = time.perf_counter() - t0
        if reply is None or "result" not in reply:
            out["error"] = "no initialize reply" if reply is None else json.dumps(reply)[:300]
            return out
        out["ms"] = dt * 1000
        proc.stdin.write(b'{"method":"initialized"}\n')
        proc.stdin.flush()
        time.sleep(settle)
        kib = _vm_rss_kib(proc.pid)
        out["rss_mib"] = None if kib is None else kib / 1024.0
        out["ok"] = out["rss_mib"] is not None
        return out
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def _stats(xs: list[float]) -> dict:
    if not xs:
        return {"median": None}
    return {"median": round(statistics.median(xs), 2), "min": round(min(xs), 2), "max": round(max(xs), 2),
            "mean": round(statistics.fmean(xs), 2), "stdev": round(statistics.stdev(xs), 2) if len(xs) > 1 else 0.0,
            "runs": [round(x, 2) for x in xs]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10, help="measured rounds (default 10)")
    ap.add_argument("--warmup", type=int, default=3, help="warm-up rounds (default 3)")
    ap.add_argument("--settle", type=float, default=0.5, help="seconds between the reply and the RSS read")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the reply")
    ap.add_argument("--module", action="store_true",
                    help="run ours as `sys.executable -m codex` even when a console script exists")
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args()
    ours_argv, ours_desc = ours_command()
    if a.module:
        ours_argv, ours_desc = [sys.executable, "-m", "codex"], f"{sys.executable} -m codex"
    try:
        ref_argv: list[str] | None = [str(find_reference())]
        ref_desc = ref_argv[0]
    except ReferenceUnavailable as exc:
        ref_argv, ref_desc = None, f"unavailable: {exc}"
    print(f"ours:      {ours_desc}\nreference: {ref_desc}")
    print(f"rounds:    {a.warmup} warm-up + {a.runs} measured, alternating; RSS {a.settle}s after the reply")
    samples: dict[str, dict[str, list[float]]] = {}
    errors: dict[str, list[str]] = {}
    with RefEnv(tag="bench-app-server") as env:
        sides = {"ours": (ours_argv, env.env("ours"))}
        if ref_argv:
            sides["ref"] = (ref_argv, env.env("reference"))
        for side in sides:
            samples[side] = {"ms": [], "rss_mib": []}
            errors[side] = []
        for i in range(a.warmup + a.runs):
            order = list(sides) if i % 2 == 0 else list(reversed(sides))
            for side in order:
                argv, e = sides[side]
                r = one_round(argv, e, env.cwd, a.settle, a.timeout)
                if i < a.warmup:
                    continue
                if r["ok"]:
                    samples[side]["ms"].append(r["ms"])
                    samples[side]["rss_mib"].append(r["rss_mib"])
                else:
                    errors[side].append(r.get("error", "no VmRSS"))
    cases = [("spawn -> initialize reply", "ms", "ms", 1.0), ("idle RSS after initialize", "rss_mib", "MiB", 1.0)]
    results = []
    print()
    print(f"{'case':28} {'ours':>10} {'ref':>10} {'ratio':>7}  target")
    for name, key, unit, target in cases:
        row: dict = {"name": name, "unit": unit, "target": target,
                     "ours": _stats(samples["ours"][key])}
        row["ref"] = _stats(samples["ref"][key]) if "ref" in samples else None
        o = row["ours"]["median"]
        r = row["ref"]["median"] if row["ref"] else None
        row["ratio"] = round(o / r, 3) if o is not None and r else None
        row["meets_target"] = None if row["ratio"] is None else row["ratio"] <= target
        results.append(row)
        verdict = "" if row["meets_target"] is None else ("ok" if row["meets_target"] else "MISSED")
        fmt = (lambda v: "n/a" if v is None else f"{v:.1f} {unit}")
        print(f"{name:28} {fmt(o):>10} {fmt(r):>10} "
              f"{'n/a' if row['ratio'] is None else format(row['ratio'], '.2f'):>7}  <= {target:.1f}  {verdict}")
    for side, errs in errors.items():
        if errs:
            print(f"{side}: {len(errs)} failed round(s), last: {errs[-1]}")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({
            "ours": ours_desc, "reference": ref_desc, "runs": a.runs, "warmup": a.warmup, "settle_s": a.settle,
            "python": sys.version.split()[0], "machine": f"{platform.system()} {platform.machine()}",
            "results": results, "errors": errors}, indent=1) + "\n")
        print(f"\nwrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
