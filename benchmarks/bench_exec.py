"""`codex exec` end to end, ours vs the reference Codex 0.136.0, against the loopback Responses
mock: wall time and peak RSS (the child's ru_maxrss) per run, medians, ratios.

    python benchmarks/bench_exec.py [--runs N] [--warmup W] [--sizes 2,4,8,10] [--json PATH]

Cases (issue 10's targets, reported, never asserted):
    trivial turn ("Say hello." -> one short message)     time ours/ref <= 0.7
    streamed answer of S MB (one message, 100-byte deltas) time ours/ref <= 0.1 at 10 MB,
                                                           and ours growing linearly with S
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "src"))

from parity.mock_responses import MockResponses, RawReply, ResponseStream, burst  # noqa: E402
from parity.reference import RefEnv, ReferenceUnavailable, find_reference  # noqa: E402

from harness import ours_command  # noqa: E402


def _reply(text: str, chunk: int):
    """One message in len(text)/chunk deltas, one HTTP chunk per SSE event, encoded once and
    written at once (`burst`): the mock's per-frame encoding and flushing would otherwise take
    about 0.9 s for 10 MB by itself, a floor for both sides that hides the clients' own cost."""
    frames = ResponseStream().message(text, chunks=max(1, len(text) // chunk)).completed()
    return burst(frames)


TIME = "/usr/bin/time"


def _run(argv: list[str], env: dict, cwd: Path) -> tuple[float, float, int]:
    """Wall time and peak RSS of one run. The peak comes from GNU time (a fresh small process
    that execs the command): a child forked from this big benchmark process would report the
    parent's memory as its own ru_maxrss."""
    rss_file = Path(env["HOME"]) / ".bench-rss"
    use_time = os.path.exists(TIME)
    cmd = [TIME, "-f", "%M", "-o", str(rss_file), *argv] if use_time else argv
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    rss = 0.0
    if use_time:
        try:
            rss = int(rss_file.read_text().split()[-1]) / 1024.0
        except (OSError, ValueError, IndexError):
            rss = 0.0
    return dt, rss, p.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--sizes", default="2,4,8,10", help="streamed answer sizes in MB")
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args()
    ours_argv, ours_desc = ours_command()
    try:
        ref = [str(find_reference())]
    except ReferenceUnavailable as exc:
        print(f"reference unavailable: {exc}")
        ref = None
    print(f"ours:      {ours_desc}\nreference: {ref[0] if ref else 'n/a'}")
    cases: list[tuple[str, RawReply, float | None]] = [("trivial turn", _reply("Hello! How can I help?", 8), 0.7)]
    for mb in [int(x) for x in a.sizes.split(",") if x]:
        line = ("x" * 99 + "\n")
        text = line * (mb * 1_000_000 // len(line))
        cases.append((f"streamed {mb} MB", _reply(text, 100), 0.1 if mb == 10 else None))
    results = []
    with MockResponses([]) as mock:
        with RefEnv(mock, codex_home_in_home=True, tag="bench-exec") as env:
            env.init_git()
            sides = {"ours": (ours_argv, env.env("ours"))}
            if ref:
                sides["ref"] = (ref, env.env("reference"))
            for name, reply, target in cases:
                samples = {k: [] for k in sides}
                rss = {k: [] for k in sides}
                codes = {k: set() for k in sides}
                for i in range(a.warmup + a.runs):
                    order = list(sides) if i % 2 == 0 else list(reversed(sides))
                    for side in order:
                        mock.enqueue(reply)
                        argv, e = sides[side]
                        dt, mem, code = _run([*argv, "exec", "Say hello."], e, env.cwd)
                        if i >= a.warmup:
                            samples[side].append(dt * 1000)
                            rss[side].append(mem)
                            codes[side].add(code)
                row = {"name": name, "target": target}
                for side in sides:
                    row[side] = {"median_ms": round(statistics.median(samples[side]), 1),
                                 "runs_ms": [round(x, 1) for x in samples[side]],
                                 "rss_mib": round(statistics.median(rss[side]), 1),
                                 "exit_codes": sorted(codes[side])}
                if "ref" in row:
                    row["ratio"] = round(row["ours"]["median_ms"] / row["ref"]["median_ms"], 3)
                    row["rss_ratio"] = round(row["ours"]["rss_mib"] / row["ref"]["rss_mib"], 3)
                results.append(row)
                o, r = row["ours"], row.get("ref")
                verdict = ""
                if r and target is not None:
                    verdict = "ok" if row["ratio"] <= target else "MISSED"
                print(f"{name:18} ours {o['median_ms']:8.1f} ms {o['rss_mib']:6.1f} MiB"
                      + (f"   ref {r['median_ms']:8.1f} ms {r['rss_mib']:6.1f} MiB   "
                         f"ratio {row['ratio']:.2f} (rss {row['rss_ratio']:.2f})" if r else "")
                      + (f"   target <= {target}  {verdict}" if target is not None else ""))
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({"ours": ours_desc, "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
