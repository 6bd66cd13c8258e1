"""history.jsonl: format, persistence none, 0600, max_bytes trimming, concurrent writers."""
from __future__ import annotations

import fcntl
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from codex.history import (
    HistoryLockError, append_entry, history_metadata, history_path, lookup, read_entries,
)

REPO = Path(__file__).resolve().parents[2]
SID = "01a20b3c-4801-7ba2-b8e6-fe2679637d57"


def test_entry_format_and_mode(tmp_path):
    assert append_entry(str(tmp_path), "hello \"wörld\"\n", SID, ts=1795484829)
    raw = Path(history_path(str(tmp_path))).read_bytes()
    assert raw == ('{"session_id":"%s","ts":1795484829,"text":"hello \\"wörld\\"\\n"}\n' % SID).encode()
    assert stat.S_IMODE(os.stat(history_path(str(tmp_path))).st_mode) == 0o600


def test_mode_is_restored(tmp_path):
    p = Path(history_path(str(tmp_path)))
    p.write_text("")
    os.chmod(p, 0o644)
    append_entry(str(tmp_path), "x", SID)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600


def test_persistence_none(tmp_path):
    assert append_entry(str(tmp_path), "x", SID, {"persistence": "none"}) is False
    assert not os.path.exists(history_path(str(tmp_path)))


def test_config_object_accepted(tmp_path):
    class Cfg:
        history = {"persistence": "save-all", "max_bytes": None}
    assert append_entry(str(tmp_path), "x", SID, Cfg())
    assert [e.text for e in read_entries(str(tmp_path))] == ["x"]


def test_max_bytes_trims_to_soft_cap_keeping_newest(tmp_path):
    h = {"max_bytes": 1000}
    for i in range(100):
        append_entry(str(tmp_path), f"entry {i:03d} " + "x" * 20, SID, h, ts=1)
        size = os.path.getsize(history_path(str(tmp_path)))
        assert size <= 1000
    entries = read_entries(str(tmp_path))
    assert entries[-1].text.startswith("entry 099")
    texts = [e.text for e in entries]
    assert texts == sorted(texts)  # oldest dropped first, order kept
    # right after a trim the file is at most 80 % of max_bytes
    line = len(json.dumps({"session_id": SID, "ts": 1, "text": "entry 000 " + "x" * 20},
                          separators=(",", ":"))) + 1
    assert len(entries) * line <= 1000


def test_max_bytes_keeps_single_huge_line(tmp_path):
    append_entry(str(tmp_path), "a", SID, {"max_bytes": 50})
    append_entry(str(tmp_path), "b" * 500, SID, {"max_bytes": 50})
    assert [e.text for e in read_entries(str(tmp_path))] == ["b" * 500]


def test_metadata_and_lookup(tmp_path):
    for i in range(3):
        append_entry(str(tmp_path), f"t{i}", SID, ts=i)
    log_id, count = history_metadata(str(tmp_path))
    assert count == 3 and log_id == os.stat(history_path(str(tmp_path))).st_ino
    assert lookup(str(tmp_path), log_id, 1).text == "t1"
    assert lookup(str(tmp_path), log_id, 3) is None
    assert lookup(str(tmp_path), log_id + 1, 1) is None


def test_lock_contention_gives_up(tmp_path, monkeypatch):
    import codex.history as hist
    monkeypatch.setattr(hist, "RETRY_SLEEP_S", 0.01)
    p = history_path(str(tmp_path))
    Path(p).write_text("")
    fd = os.open(p, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(HistoryLockError, match="could not acquire exclusive lock"):
            append_entry(str(tmp_path), "x", SID)
    finally:
        os.close(fd)


WRITER = r"""
import sys
from codex.history import append_entry
home, tag, n, max_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
h = {"max_bytes": int(max_bytes)} if max_bytes != "none" else None
for i in range(n):
    append_entry(home, f"{tag}-{i}-" + "y" * (i % 50) * 40, "s-" + tag, h)
"""


@pytest.mark.parametrize("max_bytes", ["none", "20000"])
def test_two_processes_appending(tmp_path, max_bytes):
    script = tmp_path / "w.py"
    script.write_text(WRITER)
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    n = 300
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path), tag, str(n), max_bytes], env=env)
             for tag in ("a", "b", "c")]
    for p in procs:
        assert p.wait(120) == 0
    raw = Path(history_path(str(tmp_path))).read_bytes()
    assert raw.endswith(b"\n")
    rows = [json.loads(l) for l in raw.splitlines()]  # every line whole
    for tag in ("a", "b", "c"):
        idx = [int(r["text"].split("-")[1]) for r in rows if r["session_id"] == "s-" + tag]
        assert idx == sorted(idx)
        if max_bytes == "none":
            assert idx == list(range(n))
    if max_bytes != "none":
        assert len(raw) <= 20000
