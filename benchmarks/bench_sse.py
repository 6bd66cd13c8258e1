"""Benchmark: the SSE decoder's twins on a synthetic 10 MB Responses API stream.

Two streams, each about 10 MB:
  deltas  - many small `response.output_text.delta` events (what a long answer looks like),
            between a `response.created` and a `response.completed`
  huge    - one `response.output_item.done` event whose data line is the whole 10 MB
Each is fed to each twin in fixed-size chunks (16 KiB by default, as httpx hands a body to
`aiter_bytes()`), once to warm up and then --runs times; the medians are printed with the ratio
compiled/pure (time of the compiled twin over time of the pure one: lower is better).

    python benchmarks/bench_sse.py [--size-mb 10] [--chunk 16384] [--runs 7] [--json PATH]

Side-by-side with the reference binary comes with the Responses client (it needs a server).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import platform
import statistics
import sys
import time

TWINS = {"pure": "codex.model.sse_py", "compiled": "codex.model._sse_c"}


def deltas_stream(size: int) -> tuple[bytes, int]:
    """A Responses stream of small text deltas, about `size` bytes. Returns (bytes, events)."""
    words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".",
             " Caf\u00e9", " na\u00efve", " \u00fcber", " \u2014", " \U0001f680", "\n"]
    parts = []
    head = {"type": "response.created", "sequence_number": 0,
            "response": {"id": "resp_0123456789abcdef", "object": "response", "status": "in_progress",
                         "model": "gpt-5.1-codex", "output": []}}
    parts.append(f"event: response.created\ndata: {json.dumps(head)}\n\n".encode())
    total = len(parts[0])
    n = 0
    while total < size:
        n += 1
        event = {"type": "response.output_text.delta", "sequence_number": n,
                 "item_id": "msg_0123456789abcdef0123456789abcdef", "output_index": 0,
                 "content_index": 0, "delta": words[n % len(words)], "logprobs": []}
        part = f"event: response.output_text.delta\ndata: {json.dumps(event)}\n\n".encode()
        parts.append(part)
        total += len(part)
    tail = {"type": "response.completed", "sequence_number": n + 1,
            "response": {"id": "resp_0123456789abcdef", "status": "completed",
                         "usage": {"input_tokens": 1000, "output_tokens": n, "total_tokens": 1000 + n}}}
    parts.append(f"event: response.completed\ndata: {json.dumps(tail)}\n\n".encode())
    return b"".join(parts), n + 2


def huge_stream(size: int) -> tuple[bytes, int]:
    """One event carrying about `size` bytes of text in a single data line."""
    text = ("All work and no play makes Jack a dull boy. \u00e9\u00e8 \u2603\n" * (size // 50 + 1))[:size]
    item = {"type": "response.output_item.done", "output_index": 0,
            "item": {"type": "message", "role": "assistant",
                     "content": [{"type": "output_text", "text": text}]}}
    return f"event: response.output_item.done\ndata: {json.dumps(item)}\n\n".encode(), 1


def decode_all(module, chunks: list[bytes]) -> int:
    decoder = module.SSEDecoder()
    count = 0
    for chunk in chunks:
        count += len(decoder.feed(chunk))
    count += len(decoder.close())
    return count


def measure(module, chunks: list[bytes], expected: int, runs: int) -> list[float]:
    assert decode_all(module, chunks) == expected  # warm-up, and a check
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        decode_all(module, chunks)
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=10.0, help="stream size in MB (default 10)")
    parser.add_argument("--chunk", type=int, default=16 * 1024, help="bytes per feed() (default 16384)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (default 7)")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers to PATH as JSON")
    args = parser.parse_args(argv)

    modules = {}
    for name, module_name in TWINS.items():
        try:
            modules[name] = importlib.import_module(module_name)
        except ImportError as exc:
            print(f"{name} twin unavailable ({exc}); build it with `python setup.py build_ext --inplace`")
    size = int(args.size_mb * 1_000_000)
    results = {"python": sys.version.split()[0], "machine": platform.machine(), "chunk": args.chunk,
               "runs": args.runs, "cases": {}}
    print(f"SSE decoder, {args.size_mb:g} MB streams in {args.chunk}-byte chunks, median of {args.runs} runs")
    print(f"{'case':8} {'events':>8} {'twin':9} {'median s':>9} {'MB/s':>8}")
    for case, make in (("deltas", deltas_stream), ("huge", huge_stream)):
        stream, expected = make(size)
        chunks = [stream[i : i + args.chunk] for i in range(0, len(stream), args.chunk)]
        entry = {"bytes": len(stream), "events": expected}
        for name, module in modules.items():
            times = measure(module, chunks, expected, args.runs)
            median = statistics.median(times)
            entry[name] = {"median_s": median, "min_s": min(times), "times_s": times}
            print(f"{case:8} {expected:8d} {name:9} {median:9.4f} {len(stream) / median / 1e6:8.1f}")
        if "pure" in entry and "compiled" in entry:
            ratio = entry["compiled"]["median_s"] / entry["pure"]["median_s"]
            entry["ratio_compiled_over_pure"] = ratio
            print(f"{case:8} {'':8} ratio compiled/pure = {ratio:.3f} ({1 / ratio:.1f}x faster)")
        results["cases"][case] = entry
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
