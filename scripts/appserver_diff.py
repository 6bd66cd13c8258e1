#!/usr/bin/env python3
"""Replay an app-server turn scenario against the reference Codex and ours, print the differences.

    PYTHONPATH=src:tests .venv/bin/python scripts/appserver_diff.py turn_basic
    scripts/appserver_diff.py --list
    scripts/appserver_diff.py turn_basic --aspect server_messages -U 8
    scripts/appserver_diff.py turn_basic --dump DIR      # both sides' normalized views + raw transcripts

For each compared aspect (server_messages, model_requests, rollout) it prints a unified diff
(reference = "-", ours = "+") of the normalized values, or "identical". The exit status is 0 when
every aspect matches, 1 otherwise. See tests/parity/app_server_turns.py for how the client
script is derived from fixtures/app_server/transcripts/<SCENARIO>.jsonl and what is normalized.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT / "src", ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from parity import app_server_turns as ast  # noqa: E402
from parity import mock_responses  # noqa: E402
from parity.reference import ReferenceUnavailable, find_reference  # noqa: E402

# a client dropping a keep-alive connection is not worth a traceback on stderr
mock_responses._Server.handle_error = lambda self, request, client_address: None  # type: ignore[method-assign]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="*", help="scenario name(s); default: all")
    ap.add_argument("--list", action="store_true", help="list the scenarios")
    ap.add_argument("--aspect", action="append", choices=["server_messages", "model_requests", "rollout", "output_deltas"],
                    help="only these aspects (repeatable)")
    ap.add_argument("-U", "--context", type=int, default=3, help="diff context lines (default 3)")
    ap.add_argument("--dump", metavar="DIR", help="write both sides' normalized views and raw transcripts")
    ap.add_argument("--summary", action="store_true", help="only the list of differences, no diffs")
    ap.add_argument("--max-items", type=int, default=60, help="differences listed per aspect (default 60)")
    ap.add_argument("--sequential", action="store_true", help="run the two sides one after the other")
    args = ap.parse_args()
    if args.list:
        for name, sc in ast.SCENARIOS.items():
            print(f"{name:36s} {sc.description}")
        return 0
    try:
        ref = find_reference()
    except ReferenceUnavailable as exc:
        print(f"reference Codex unavailable: {exc}", file=sys.stderr)
        return 2
    print(f"# reference: {ref}", file=sys.stderr)
    names = args.scenario or list(ast.SCENARIOS)
    status = 0
    for name in names:
        if name not in ast.SCENARIOS:
            print(f"unknown scenario {name!r}; --list shows them", file=sys.stderr)
            return 2
        t0 = time.monotonic()
        res = ast.run_scenario(name, parallel=not args.sequential)
        print(f"=================== {name} ({time.monotonic() - t0:.1f}s)")
        summary = res.summary()
        if summary:
            print(summary)
        for line in res.fidelity():
            print(f"[replay] not faithful to the capture: {line}")
            status = 1
        if args.dump:
            out = Path(args.dump) / name
            out.mkdir(parents=True, exist_ok=True)
            for side in (res.ref, res.ours):
                (out / f"{side.which}.views.json").write_text(
                    json.dumps(side.views, indent=1, ensure_ascii=False) + "\n")
                (out / f"{side.which}.transcript.jsonl").write_text(
                    "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in side.raw_transcript))
                (out / f"{side.which}.stderr.txt").write_text(side.stderr)
            print(f"# dumped to {out}", file=sys.stderr)
        summary_lines = res.difference_summary(args.max_items)
        if summary_lines:
            status = 1
            print("# differences (reference -> ours; #i/j = message index on each side):")
            for aspect, lines in summary_lines.items():
                for line in lines:
                    print(f"  {aspect}: {line}")
        if args.summary:
            continue
        for aspect in args.aspect or res.aspects():
            d = res.diff(aspect, args.context)
            if d:
                status = 1
                print(f"------------------- {aspect}: DIFFERENT")
                print(d)
            else:
                print(f"------------------- {aspect}: identical")
    return status


if __name__ == "__main__":
    sys.exit(main())
