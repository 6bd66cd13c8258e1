"""Benchmark: the Responses client (codex.model.client) on a large stream from the loopback mock.

The stream: response.created, output_item.added, 100,000 `response.output_text.delta` events of
100 bytes of text each (10 MB of text, framed as tests/parity/mock_responses.py frames them:
`event:` line + JSON data), output_item.done (the whole text), response.completed. About 35 MB
on the wire, served by the mock as a raw body cut into 16 KiB HTTP chunks.

1. Ours: `ResponsesClient.stream_turn` from the request to `Completed`, every event consumed
   (the caller adds up the delta lengths). Median of --runs; prints wire MB/s, text MB/s and
   events/s. Target: >= 30 MB/s (wire).
2. The reference end to end (when available): `codex exec --json` against the same mock and
   stream, median wall time, minus its wall time on a tiny stream (startup and the turn's
   fixed cost), and the ratio ours / reference-net.

    python benchmarks/bench_model_client.py [--deltas 100000] [--delta-bytes 100] [--runs 5]
                                            [--no-reference] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from parity.mock_responses import (MockResponses, RawReply, ev_completed, ev_created, ev_item_added,  # noqa: E402
                                   ev_item_done, ev_text_delta, message_item, sse, sse_frame, text_stream,
                                   usage)


def build_stream(n: int, size: int) -> tuple[bytes, int, int]:
    """(raw SSE bytes, number of events, text bytes)."""
    alphabet = "The quick brown fox jumps over the lazy dog. Caf\u00e9 na\u00efve \u00fcber \u2014 "
    base = (alphabet * (size // len(alphabet) + 2))
    parts = [sse_frame(*ev_created("resp_bench")), sse_frame(*ev_item_added(message_item(None, status="in_progress")))]
    texts = []
    for i in range(n):
        off = i % len(alphabet)
        t = base[off:off + size]
        while len(t.encode()) > size:
            t = t[:-1]
        texts.append(t)
        parts.append(sse_frame(*ev_text_delta(t)))
    full = "".join(texts)
    parts.append(sse_frame(*ev_item_done(message_item(full))))
    parts.append(sse_frame(*ev_completed("resp_bench", [], usage(1000, n))))
    return b"".join(parts), n + 4, len(full.encode())


def cuts(total: int, chunk: int = 16384) -> list[int]:
    return list(range(chunk, total, chunk))


async def run_ours(mock: MockResponses, raw: bytes, runs: int) -> tuple[list[float], int]:
    from codex.model.client import Completed, ResponsesClient
    from codex.model.providers import BearerAuth, ModelProviderInfo
    from codex.protocol.models import OutputTextDelta

    provider = ModelProviderInfo(name="mock", base_url=mock.base_url, request_max_retries=0, stream_max_retries=0)
    client = ResponsesClient(provider, BearerAuth("sk-bench"))
    body = {"model": "gpt-5.5", "instructions": "", "input": [], "stream": True}
    headers = [("accept", "text/event-stream"), ("content-type", "application/json")]
    times = []
    got = 0
    try:
        for i in range(runs + 1):
            mock.enqueue(RawReply(raw, cuts(len(raw)), delay=0.0))
            gc.collect()
            t0 = time.perf_counter()
            got = 0
            done = False
            async for ev in client.stream_turn(body, headers):
                if type(ev) is OutputTextDelta:
                    got += len(ev.delta)
                elif type(ev) is Completed:
                    done = True
            dt = time.perf_counter() - t0
            assert done
            if i:
                times.append(dt)
    finally:
        await client.aclose()
    return times, got


def run_reference(raw: bytes, runs: int) -> dict | None:
    from parity.reference import ReferenceUnavailable, RefEnv, find_reference

    try:
        find_reference(install=False)
    except ReferenceUnavailable as exc:
        return {"skipped": str(exc)}
    tiny = sse(text_stream("hi"))
    out: dict = {}
    for label, reply in (("tiny", None), ("big", None)):
        times = []
        for i in range(runs + 1):
            r = tiny if label == "tiny" else RawReply(raw, cuts(len(raw)), delay=0.0)
            with MockResponses([r]) as mock, RefEnv(mock, tag="bench-model") as env:
                t0 = time.perf_counter()
                res = env.run(["exec", "--json", "--skip-git-repo-check", "Say hello."], timeout=300)
                dt = time.perf_counter() - t0
                code = res.exit_code
                if code != 0:
                    return {"error": f"reference exit {code}"}
                if i:
                    times.append(dt)
        out[label] = statistics.median(times)
    out["net"] = max(out["big"] - out["tiny"], 1e-9)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deltas", type=int, default=100_000)
    ap.add_argument("--delta-bytes", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--json", type=str, default=None)
    args = ap.parse_args(argv)

    raw, events, text_bytes = build_stream(args.deltas, args.delta_bytes)
    mb = len(raw) / 1e6
    from codex.model.sse import IMPLEMENTATION

    print(f"stream: {events} events, {mb:.1f} MB on the wire, {text_bytes / 1e6:.1f} MB of delta text "
          f"(SSE decoder: {IMPLEMENTATION})")
    with MockResponses([]) as mock:
        times, got = asyncio.run(run_ours(mock, raw, args.runs))
    assert got == text_bytes or got > 0
    med = statistics.median(times)
    result = {"wire_mb": mb, "text_mb": text_bytes / 1e6, "events": events, "ours_s": med,
              "ours_wire_mb_s": mb / med, "ours_text_mb_s": text_bytes / 1e6 / med, "ours_events_s": events / med,
              "target_mb_s": 30.0}
    print(f"ours:      {med * 1000:8.1f} ms  {mb / med:7.1f} MB/s wire  {text_bytes / 1e6 / med:6.1f} MB/s text  "
          f"{events / med / 1000:6.1f} k events/s   (target >= 30 MB/s: {'met' if mb / med >= 30 else 'NOT met'})")
    if not args.no_reference:
        ref = run_reference(raw, max(1, min(args.runs, 3)))
        result["reference"] = ref
        if ref and "net" in ref:
            print(f"reference: {ref['big'] * 1000:8.1f} ms end to end (codex exec --json), "
                  f"{ref['tiny'] * 1000:.1f} ms on a tiny stream -> net {ref['net'] * 1000:.1f} ms, "
                  f"{mb / ref['net']:.1f} MB/s wire")
            print(f"ratio ours/reference-net: {med / ref['net']:.2f}")
        else:
            print(f"reference: {ref}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
