"""Replays ``fixtures/app_server_mapping/*.json`` EventMsg scenarios through
:class:`codex.app_server.event_mapping.EventMapper` and extracts the matching window of the
reference transcript (``fixtures/app_server/transcripts/``) for comparison."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from codex.app_server.event_mapping import REQUEST_KEY, EventMapper

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "app_server_mapping"
TRANSCRIPTS = ROOT / "fixtures" / "app_server" / "transcripts"
SCHEMA = ROOT / "fixtures" / "app_server" / "schema-experimental" / "codex_app_server_protocol.schemas.json"

#: c2s requests after which the server starts a turn.
TURN_STARTERS = {"turn/start", "review/start", "thread/shellCommand", "thread/compact/start"}
#: Notifications in a turn window that do not come from the core's EventMsgs.
NOT_FROM_EVENTS = {"thread/settings/updated"}

TS_KEYS = {"startedAtMs", "completedAtMs", "startedAt", "completedAt", "durationMs"}
ID_KEYS = {"threadId", "turnId", "itemId", "callId", "id"}


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIOS.glob("*.json"))


def load_scenario(name: str) -> dict:
    return json.loads((SCENARIOS / f"{name}.json").read_text())


@lru_cache(maxsize=None)
def load_transcript(name: str) -> tuple:
    return tuple(
        json.loads(line) for line in (TRANSCRIPTS / name).read_text().splitlines() if line.strip()
    )


def transcript_window(name: str, k: int) -> tuple[list[dict], dict]:
    """(server messages of turn ``k``, client answers by request id) from a transcript.

    The window runs from the c2s request that started the turn to the k-th ``turn/completed``.
    Server messages are notifications and server requests (responses are left out)."""
    lines = load_transcript(name)
    completed = [i for i, l in enumerate(lines) if l["msg"].get("method") == "turn/completed"]
    end = completed[k]
    started = [i for i, l in enumerate(lines) if l["msg"].get("method") == "turn/started"][k]
    start = max(
        i
        for i in range(started)
        if lines[i]["dir"] == "c2s" and lines[i]["msg"].get("method") in TURN_STARTERS
    )
    server, answers = [], {}
    for line in lines[start + 1 : end + 1]:
        msg = line["msg"]
        if line["dir"] == "c2s":
            if "method" not in msg and "id" in msg:
                answers[msg["id"]] = msg
            continue
        if "method" not in msg or msg["method"] in NOT_FROM_EVENTS:
            continue
        server.append(msg)
    return server, answers


def replay(scenario: dict, answers: dict, *, mapper: EventMapper | None = None) -> list[dict]:
    """Run the scenario; server requests get ids 0, 1, ... and wire form
    ``{"method", "id", "params"}``; ``respond`` steps resolve them with the transcript's answer."""
    mapper = mapper or EventMapper(clock_ms=lambda: 1_795_485_000_000)
    thread_id = scenario["thread_id"]
    out: list[dict] = []
    pending: dict[int, dict] = {}
    next_id = 0
    for step in scenario["steps"]:
        if "respond" in step:
            rid = step["respond"]
            answer = answers[rid]
            res = mapper.resolve(
                pending.pop(rid), request_id=rid, result=answer.get("result"), error=answer.get("error")
            )
            out.extend(res.notifications)
            continue
        for entry in mapper.map(step["event"], thread_id=thread_id, turn_id=step["turn_id"]):
            if REQUEST_KEY in entry:
                pending[next_id] = entry
                out.append({"method": entry[REQUEST_KEY], "id": next_id, "params": entry["params"]})
                next_id += 1
            else:
                out.append(entry)
    return out


def mask(messages: list[dict]) -> list[dict]:
    """Mask timestamps/durations/process ids; canonicalize string ids by first appearance."""
    ids: dict[str, str] = {}

    def walk(value, key=None):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if value is None:
            return None
        if key in TS_KEYS:
            return "<ts>"
        if key == "processId":
            return "<pid>"
        if key in ID_KEYS and isinstance(value, str):
            return ids.setdefault(value, f"<id{len(ids) + 1}>")
        return value

    return [walk(m) for m in messages]


@lru_cache(maxsize=1)
def _validators():
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    defs = schema["definitions"]

    def make(name):
        return jsonschema.Draft7Validator({"$ref": f"#/definitions/{name}", "definitions": defs})

    return make("ServerNotification"), make("ServerRequest")


def schema_errors(message: dict) -> list[str]:
    """Validation errors of one server message against the reference JSON Schema."""
    notification, request = _validators()
    validator = request if "id" in message else notification
    return [e.message for e in validator.iter_errors(message)]
