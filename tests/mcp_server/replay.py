"""Replay a `codex mcp-server` reference transcript against a live server (ours, or the
reference binary) and compare after normalization.

    result = replay("mcp_codex_tool_call", which="ours")
    result.transcript          # [{"dir", "msg"}] as the capture has them, paths normalized

The client script is the c2s half of ``fixtures/mcp_server/transcripts/<name>.jsonl``:
  * placeholders (<CWD>, <CODEX_HOME>, <HOME>, <SCRATCH>) become the live sandbox paths;
  * the capture's thread ids become the live ones (learnt from the live tools/call results);
  * answers to server requests (`elicitation/create`) go to the live request of the same ordinal;
  * pacing: a message is sent once the live server sent the counterpart of the last server
    message that preceded it in the capture (responses and server requests: HARD_WAIT_S,
    `codex/event` notifications by msg type and ordinal: SOFT_WAIT_S).

The mock model is the capture driver's marker model (`marker_model.py`).
"""
from __future__ import annotations

import json
import re
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from parity.mock_responses import MockResponses
from parity.normalize import Normalizer, request_view
from parity.reference import RefEnv

from .marker_model import MarkerModel

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = REPO_ROOT / "fixtures" / "mcp_server" / "transcripts"
HARD_WAIT_S = float(os.environ.get("CODEX_MCP_HARD_WAIT", "30"))
SOFT_WAIT_S = float(os.environ.get("CODEX_MCP_SOFT_WAIT", "3"))
UNANSWERED_WAIT_S = 1.0     # the capture waited 5 s for the requests the server never answers
QUIET_S = 0.5
EXIT_WAIT_S = 10.0


def load_transcript(name: str) -> list[dict]:
    return [json.loads(line) for line in (TRANSCRIPTS / f"{name}.jsonl").read_text().splitlines()
            if line.strip()]


class Live:
    """One server process speaking JSON lines on stdio, everything recorded."""

    def __init__(self, argv: list[str], cwd: Path, env: dict, stderr_path: Path):
        self.stderr_path = stderr_path
        self.stderr_file = open(stderr_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=str(cwd), env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr_file, start_new_session=True)
        self.transcript: list[dict] = []
        self.s2c: list[dict] = []
        self.cond = threading.Condition()
        self.last_rx = time.monotonic()
        self.eof = False
        self.raw_lines: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            with self.cond:
                self.raw_lines.append(raw)
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                self.s2c.append(msg)
                self.transcript.append({"dir": "s2c", "msg": msg})
                self.last_rx = time.monotonic()
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def send(self, msg: dict) -> None:
        with self.cond:
            self.transcript.append({"dir": "c2s", "msg": msg})
        try:
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def wait_for(self, pred: Callable[[list[dict]], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred(self.s2c):
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    return pred(self.s2c)
                self.cond.wait(min(left, 0.1))
            return True

    def quiet(self, quiet: float = QUIET_S, max_time: float = 5.0) -> None:
        deadline = time.monotonic() + max_time
        while time.monotonic() < deadline and not self.eof:
            with self.cond:
                idle = time.monotonic() - self.last_rx
            if idle >= quiet:
                return
            time.sleep(0.05)

    def close(self) -> int | None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            code = self.proc.wait(EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            import signal
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            code = None
        self.stderr_file.close()
        return code


def _kind(msg: dict) -> tuple:
    """What a server message is, for pacing: response id, server request method, or event type."""
    if "method" in msg and "id" in msg:
        return ("request", msg["method"])
    if "method" in msg:
        if msg["method"] == "codex/event":
            return ("event", ((msg.get("params") or {}).get("msg") or {}).get("type"))
        return ("notification", msg["method"])
    return ("response", json.dumps(msg.get("id")))


def _count(msgs: list[dict], kind: tuple) -> int:
    return sum(1 for m in msgs if _kind(m) == kind)


def _substitute(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        for k, v in mapping.items():
            value = value.replace(k, v)
        return value
    if isinstance(value, list):
        return [_substitute(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, mapping) for k, v in value.items()}
    return value


def _thread_ids(msgs: list[dict]) -> list[str]:
    """Thread ids in the order the tools/call results carry them."""
    out: list[str] = []
    for m in msgs:
        sc = (m.get("result") or {}).get("structuredContent") if isinstance(m.get("result"), dict) else None
        tid = (sc or {}).get("threadId")
        if tid and tid not in out:
            out.append(tid)
        meta = ((m.get("params") or {}).get("_meta") or {}) if m.get("method") == "codex/event" else {}
        if meta.get("threadId") and meta["threadId"] not in out:
            out.append(meta["threadId"])
    return out


@dataclass
class ReplayResult:
    name: str
    which: str
    transcript: list[dict]          # normalized: paths as placeholders
    stderr: str
    exit_code: int | None
    raw_lines: list[bytes] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)      # model requests, `request_view`ed
    rollouts: dict[str, list[str]] = field(default_factory=dict)   # relative path -> lines

    def s2c(self) -> list[dict]:
        return [t["msg"] for t in self.transcript if t["dir"] == "s2c"]


def replay(name: str, which: str = "ours", *, capture: list[dict] | None = None,
           keep: Callable[[RefEnv], None] | None = None,
           model: Callable[[MockResponses], Any] | None = None) -> ReplayResult:
    """`model(mock)` installs another mock model than the marker model."""
    capture = capture if capture is not None else load_transcript(name)
    with MockResponses() as mock:
        (model or MarkerModel)(mock)
        with RefEnv(mock, tag="mcp") as env:
            if keep is not None:
                keep(env)
            result = _drive(name, which, capture, env)
            norm = env.normalizer()
            result.requests = [request_view(r, norm) for r in mock.responses_requests()]
            for path in sorted(env.codex_home.rglob("rollout-*.jsonl")):
                rel = norm.text(str(path.relative_to(env.codex_home)))
                result.rollouts[rel] = [norm.text(line) for line in path.read_text().splitlines()]
            return result


def _drive(name: str, which: str, capture: list[dict], env: RefEnv) -> ReplayResult:
    paths = {"<CWD>": str(env.cwd), "<CODEX_HOME>": str(env.codex_home), "<HOME>": str(env.home),
             "<SCRATCH>": str(env.root)}
    argv = env.command(which) + ["mcp-server"]
    live = Live(argv, env.cwd, env.env(which, {"TERM": "xterm"}), env.root / "stderr.txt")
    cap_threads = _thread_ids([t["msg"] for t in capture if t["dir"] == "s2c"])
    try:
        seen_s2c: list[dict] = []
        answered: set[str] = set()
        for entry in capture:
            msg = entry["msg"]
            if entry["dir"] == "s2c":
                seen_s2c.append(msg)
                if "id" in msg and "method" not in msg:
                    answered.add(json.dumps(msg["id"]))
                continue
            # pace on the last server message before this one
            if seen_s2c:
                last = seen_s2c[-1]
                kind = _kind(last)
                n = _count(seen_s2c, kind)
                wait = HARD_WAIT_S if kind[0] in ("request", "response") else SOFT_WAIT_S
                live.wait_for(lambda s, k=kind, n=n: _count(s, k) >= n, wait)
            mapping = dict(paths)
            live_threads = _thread_ids(live.s2c)
            for cap, cur in zip(cap_threads, live_threads):
                mapping[cap] = cur
            out = _substitute(msg, mapping)
            if "method" not in out and "id" in out:
                # an answer to a server request: the live request of the same ordinal
                ordinal = sum(1 for t in capture[:capture.index(entry)]
                              if t["dir"] == "c2s" and "method" not in t["msg"])
                reqs = [m for m in live.s2c if "method" in m and "id" in m]
                if not live.wait_for(lambda s: len([m for m in s if "method" in m and "id" in m]) > ordinal,
                                     HARD_WAIT_S):
                    continue
                reqs = [m for m in live.s2c if "method" in m and "id" in m]
                out = dict(out, id=reqs[ordinal]["id"])
            elif "method" in out and "id" in out:
                # a request the capture saw no answer to (yet): do not block on it
                pass
            live.send(out)
            if "method" in out and "id" in out and json.dumps(msg["id"]) not in answered:
                # the capture's server never answered it before the next message; give it a moment
                later = [t for t in capture if t["dir"] == "s2c" and "method" not in t["msg"]
                         and t["msg"].get("id") == msg["id"]]
                if not later:
                    time.sleep(UNANSWERED_WAIT_S)
        # the server messages the capture got after the client's last message
        last_c2s = max(i for i, t in enumerate(capture) if t["dir"] == "c2s")
        seen_s2c = [t["msg"] for t in capture if t["dir"] == "s2c"]
        for entry in capture[last_c2s + 1:]:
            kind = _kind(entry["msg"])
            n = _count(seen_s2c[:seen_s2c.index(entry["msg"]) + 1], kind)
            wait = HARD_WAIT_S if kind[0] in ("request", "response") else SOFT_WAIT_S
            live.wait_for(lambda s, k=kind, n=n: _count(s, k) >= n, wait)
        # wait for every answer the capture got
        for rid in answered:
            live.wait_for(lambda s, r=rid: any(_kind(m) == ("response", r) for m in s), HARD_WAIT_S)
        live.quiet()
    finally:
        code = live.close()
    norm = env.normalizer()
    stderr = env.root.joinpath("stderr.txt").read_text(errors="replace")
    transcript = json.loads(norm.text(json.dumps(live.transcript)))
    return ReplayResult(name, which, transcript, stderr, code, list(live.raw_lines))


# ---------------------------------------------------------------------------------------------
# comparison helpers
# ---------------------------------------------------------------------------------------------


_ABORTED_AFTER = re.compile(r"aborted by user after \d+(?:\.\d+)?s")


def normalized(transcript: list[dict]) -> list[dict]:
    """UUIDs numbered by first appearance, times / durations / pids masked (and the elapsed
    time of an aborted call, which depends on when the client's cancel arrived)."""
    n = Normalizer()
    text = _ABORTED_AFTER.sub("aborted by user after <DURATION>s", json.dumps(transcript))
    return json.loads(n.text(text))


def protocol_messages(transcript: list[dict]) -> list[dict]:
    """Everything but the `codex/event` notifications (responses, errors, server requests, and
    the client's messages), in order."""
    return [t for t in transcript if (t["msg"].get("method") != "codex/event")]


def event_types(transcript: list[dict], request_id: Any = None) -> list[str]:
    out = []
    for t in transcript:
        m = t["msg"]
        if m.get("method") != "codex/event":
            continue
        p = m["params"]
        if request_id is not None and p["_meta"].get("requestId") != request_id:
            continue
        msg = p["msg"]
        kind = msg["type"]
        if kind == "raw_response_item":
            item = msg["item"]
            kind += ":" + str(item.get("role") or item.get("type"))
        if kind in ("item_started", "item_completed"):
            kind += ":" + str(msg["item"].get("type"))
        out.append(kind)
    return out
