"""Shared helpers: the captured reference rollouts (fixtures/persistence/exec/*/rollout*.jsonl)."""
from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "persistence"
EXEC = FIXTURES / "exec"

_TS = re.compile(rb'^\{"timestamp":"[^"]*",')


def captured_rollouts() -> list[Path]:
    return sorted(EXEC.glob("*/rollout*.jsonl"))


def strip_ts(line: bytes) -> bytes:
    """A rollout line without its (time-dependent) timestamp."""
    out, n = _TS.subn(b"{", line.rstrip(b"\n"))
    assert n == 1, line[:80]
    return out


def lines(path: Path) -> list[bytes]:
    return [l for l in path.read_bytes().split(b"\n") if l]


def sqlite_rows(scenario: str) -> dict:
    return json.loads((EXEC / scenario / "sqlite_rows.json").read_text())
