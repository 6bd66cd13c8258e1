#!/usr/bin/env python3
"""Run one `codex exec` parity scenario with the reference Codex 0.136.0 and with ours, and print
a unified diff of every compared aspect (the same runs and normalization as
tests/parity/test_exec_scenarios.py; shared code in tests/parity/exec_scenarios.py).

    scripts/exec_diff.py SCENARIO [--human | --mode MODE] [--aspect requests --aspect stdout ...]
    scripts/exec_diff.py --list
    scripts/exec_diff.py text_only --show stdout          # print both sides of an aspect
    scripts/exec_diff.py apply_patch --ref-vs-ref         # the reference against itself (noise check)
    CODEX_PARITY_KEEP=1 scripts/exec_diff.py shell_call   # keep the sandboxes (paths printed)

Exit status: 0 when every aspect is equal, 1 otherwise. One run per side: the reference has a few
races of its own (an exec end it does not render, ...); the test re-runs the reference before it
fails an aspect, this script does not: when a diff looks odd, run it again or use --ref-vs-ref.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for p in (REPO / "tests", REPO / "src"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from parity.exec_scenarios import (aspects_for, load_scenario, modes, run_scenario,  # noqa: E402
                                   scenario_names, unified)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("--human", action="store_true", help="the run without --json (scenarios with a human capture)")
    ap.add_argument("--mode", help="json, human, or (a few scenarios) json-nobwrap / human-nobwrap: "
                                   "bubblewrap not on PATH; see --list")
    ap.add_argument("--aspect", action="append", help="only these aspects (repeatable)")
    ap.add_argument("--show", action="append", default=[], help="also print both sides of this aspect in full")
    ap.add_argument("--list", action="store_true", help="list the scenarios, their modes and aspects")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--ref-vs-ref", action="store_true", help="run the reference on both sides")
    g.add_argument("--ours-vs-ours", action="store_true", help="run ours on both sides")
    a = ap.parse_args(argv)
    if a.list or not a.scenario:
        for n in scenario_names():
            s = load_scenario(n)
            print(f"{n:28s} modes={','.join(modes(s))}  aspects={','.join(aspects_for(s))}")
        return 0
    spec = load_scenario(a.scenario)
    mode = a.mode or ("human" if a.human else "json")
    sides = (("reference", "reference") if a.ref_vs_ref else ("ours", "ours") if a.ours_vs_ours
             else ("reference", "ours"))
    left, right = run_scenario(a.scenario, mode, sides=sides)
    for side in (left, right):
        if side.error:
            print(f"!!! harness error on the {side.which} side:\n{side.error}")
        if side.root and Path(side.root).exists():
            print(f"[{side.which}] sandbox kept: {side.root}")
    aspects = a.aspect or aspects_for(spec)
    la, lb = f"{sides[0]}", f"{sides[1]}" + ("#2" if sides[0] == sides[1] else "")
    differ = 0
    for asp in aspects:
        x, y = left.aspects.get(asp, "<absent>\n"), right.aspects.get(asp, "<absent>\n")
        if asp in a.show:
            print(f"===== {asp}: {la} =====\n{x}===== {asp}: {lb} =====\n{y}")
        if x == y:
            print(f"== {asp}: same")
        else:
            differ += 1
            print(f"== {asp}: DIFFERENT")
            sys.stdout.write(unified(x, y, asp, la, lb))
    print(f"\n{a.scenario} [{mode}]: {differ} of {len(aspects)} aspect(s) differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
