"""Fixture iteration for the protocol round-trip tests (data copied from the reference
captures into fixtures/protocol and fixtures/app_server)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXEC = ROOT / "fixtures" / "protocol" / "exec"
APP = ROOT / "fixtures" / "app_server"
TOOLS = json.loads((EXEC / "tools.json").read_text())


def canon(text: str | bytes) -> str:
    """Order-preserving canonical text: equal iff same keys, same order, same values."""
    return json.dumps(json.loads(text), ensure_ascii=False)


def rollout_lines():
    for f in sorted(EXEC.glob("*/rollout*.jsonl")):
        for i, line in enumerate(f.read_text().splitlines()):
            if line.strip():
                yield f"{f.parent.name}/{f.name}:{i + 1}", line


def event_lines():
    for f in sorted(EXEC.glob("*/events.jsonl")):
        for i, line in enumerate(f.read_text().splitlines()):
            if line.strip() and not line.startswith("====="):
                yield f"{f.parent.name}/{f.name}:{i + 1}", line


def request_bodies():
    files = sorted(EXEC.glob("*/requests.jsonl")) + sorted((APP / "transcripts").glob("*.requests.jsonl"))
    for f in files:
        for i, line in enumerate(f.read_text().splitlines()):
            body = json.loads(line).get("body")
            if body is None:
                continue
            if body.get("tools") == "<<see _common/tools.json>>":
                body["tools"] = TOOLS
            yield f"{f.parent.name}/{f.name}:{i + 1}", json.dumps(body, ensure_ascii=False)


def sse_events():
    for f in sorted(EXEC.glob("*/responses*.json")):
        for run in json.loads(f.read_text()):
            for r in run.get("replies", []):
                for j, ev in enumerate(r.get("events") or []):
                    yield f"{f.parent.name}/{f.name}", json.dumps(ev, ensure_ascii=False)


def transcript_messages():
    for f in sorted((APP / "transcripts").glob("*.jsonl")):
        if f.name.endswith(".requests.jsonl"):
            continue
        for i, line in enumerate(f.read_text().splitlines()):
            if line.strip():
                rec = json.loads(line)
                if "msg" in rec:
                    yield f"{f.name}:{i + 1}", rec["dir"], json.dumps(rec["msg"], ensure_ascii=False)


def transcript_raw_lines():
    for f in sorted((APP / "transcripts").glob("*.jsonl")):
        if f.name.endswith(".requests.jsonl"):
            continue
        for i, line in enumerate(f.read_text().splitlines()):
            rec = json.loads(line)
            if "raw" in rec:
                yield f"{f.name}:{i + 1}", rec["dir"], rec["raw"]
