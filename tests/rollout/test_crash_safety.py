"""kill -9 a writer at random points: every rollout still parses line by line, only a torn last
line is tolerated, and the state DB stays usable."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from codex.rollout import list_threads, load_rollout_items
from codex.state import StateRuntime

from rollout.helpers import REPO

RUNS = 60
PARALLEL = 10

WRITER = r"""
import os, sys, random
from codex.rollout import RolloutRecorder, new_session_meta, find_latest_thread
home, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
latest = find_latest_thread(home)
if latest is not None and rnd.random() < 0.5:
    rec = RolloutRecorder.resume(home, latest.path)
else:
    rec = RolloutRecorder.create(home, new_session_meta(cwd="/w", model_provider="mock"))
    rec.record_items([("event_msg", {"type": "user_message", "message": "go", "images": [],
                                     "local_images": [], "text_elements": []})])
print("ready", flush=True)
i = 0
while True:
    i += 1
    text = "x" * rnd.choice([1, 100, 5000, 70000])
    rec.record_items([
        ("response_item", {"type": "message", "role": "assistant",
                           "content": [{"type": "output_text", "text": f"{i}:{text}"}]}),
        ("event_msg", {"type": "agent_message", "message": f"{i}", "phase": None,
                       "memory_citation": None}),
        ("event_msg", {"type": "task_complete", "turn_id": str(i), "last_agent_message": None}),
    ])
    if i % 7 == 0:
        rec.flush()
"""


def _check_file(path: str) -> tuple[int, int]:
    data = Path(path).read_bytes()
    rows = data.split(b"\n")
    complete, tail = rows[:-1], rows[-1]
    for i, raw in enumerate(complete):
        if not raw:
            continue
        try:
            json.loads(raw)
        except ValueError:
            # Only a torn line left by a killed writer, after which a resume began a new line.
            nxt = complete[i + 1:]
            assert nxt and json.loads(nxt[0])["type"] != "session_meta", (path, i)
            continue
    torn = 0
    if tail:
        try:
            json.loads(tail)
        except ValueError:
            torn = 1
    return len(complete), torn


def test_kill_9_at_random_points(tmp_path):
    rnd = random.Random(1234)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    homes = [tmp_path / f"h{i % 3}" for i in range(RUNS)]
    for h in set(homes):
        h.mkdir()
    stats = {"runs": 0, "torn": 0, "lines": 0}
    for batch in range(0, RUNS, PARALLEL):
        # runs sharing a home must not overlap (one writer per thread file, as upstream)
        procs = []
        used = set()
        for i in range(batch, min(batch + PARALLEL, RUNS)):
            home = tmp_path / f"b{batch}-{i % 3}" if homes[i] in used else homes[i]
            home.mkdir(exist_ok=True)
            used.add(homes[i])
            p = subprocess.Popen([sys.executable, str(script), str(home), str(i)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            procs.append((p, home))
        for p, _ in procs:
            assert p.stdout.readline().strip() == b"ready", p.stderr.read()
        time.sleep(rnd.uniform(0.0, 0.3))
        for p, _ in procs:
            time.sleep(rnd.uniform(0.0, 0.02))
            os.kill(p.pid, signal.SIGKILL)
        for p, _ in procs:
            p.wait()
            stats["runs"] += 1
    files = sorted(str(p) for p in tmp_path.glob("*/sessions/**/*.jsonl"))
    assert files
    for f in files:
        n, torn = _check_file(f)
        stats["lines"] += n
        stats["torn"] += torn
        items, tid, errors = load_rollout_items(f)
        assert tid is not None and items[0][0] == "session_meta"
    for home in {Path(f).parents[4] for f in files}:
        assert list_threads(str(home), page_size=100).items
        with StateRuntime(str(home)) as st:  # the DB survives the kills and opens cleanly
            assert st.state.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert stats["runs"] >= 50
    print(f"\nkill -9: {stats['runs']} runs, {len(files)} files, {stats['lines']} lines, "
          f"{stats['torn']} torn last lines (tolerated)")
