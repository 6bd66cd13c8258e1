"""Load: 50 concurrent clients on one app-server, over ``--listen unix://PATH`` and over
``--listen ws://127.0.0.1:PORT`` (both speak WebSocket framing, one JSON-RPC message per text frame).

Each client: initialize, initialized, thread/start, turn/start with ``LOAD-<n>``; the loopback model
mock answers the first request of that thread with an ``exec_command`` call (``echo <n>``) and the
second (the one carrying the call's output) with a streamed message. The client reads until
``turn/completed``, then sends ``thread/read`` to flush anything that would still trail the turn.

Asserted per client (no lost, duplicated or misrouted notification): exactly one turn/started before
everything else of the turn, every item/started has one item/completed (same id, started first), the
commandExecution item ran ``echo <n>`` with output ``<n>``, the agentMessage deltas concatenate to
the completed message's text (the final text for ``<n>``), turn/completed comes last (nothing of the
turn after it) with status completed, and nothing of another client's thread arrives. Overall: all 50
finish, and the mock saw exactly 100 ``/responses`` requests (two per client), nothing unexpected.

Barriers make the broadcasts countable: every client is initialized before any thread starts, and
stays connected until every turn has completed. ``test_load_reference`` runs the same load against
the reference 0.136.0 binary (skipped without it) to keep these expectations honest; it also shows
that 0.136.0 sends ``thread/started`` and ``thread/status/changed`` to every initialized connection,
as ours does (``test_load_thread_broadcasts``).

Threads run with ``approvalPolicy: never`` and ``sandbox: danger-full-access`` (no bubblewrap needed).

The client is a minimal WebSocket client written here (the ``websockets`` package is not in the
venv), independent of ``codex.app_server.websocket``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from parity.mock_responses import MockResponses, ResponseStream, SSEReply  # noqa: E402
from parity.reference import RefEnv  # noqa: E402

from ._helpers import free_port  # noqa: E402

CLIENTS = 50
CLIENT_TIMEOUT = 90.0          # whole session of one client, seconds
# thread-level notifications the reference sends to every initialized connection (seen with 0.136.0
# under this load: client k gets the other clients' threads' status changes too)
BROADCAST = {"thread/started", "thread/status/changed"}
_MARK = re.compile(r"LOAD-(\d+)-MARK")


def final_text(n: int) -> str:
    return f"Client {n}: the command printed {n}, all done."


# ---------------------------------------------------------------------------------------------
# the model mock: decides from the request body (50 threads interleave, a queue order would not)
# ---------------------------------------------------------------------------------------------


def _scripted(req) -> SSEReply:
    body = req.json or {}
    items = body.get("input") or []
    m = _MARK.search(json.dumps(items))
    n = int(m.group(1)) if m else -1
    if any(isinstance(i, dict) and i.get("type") == "function_call_output" for i in items):
        frames = ResponseStream().message(final_text(n), chunks=6).completed()
    else:
        frames = ResponseStream().function_call("exec_command", {"cmd": f"echo {n}", "yield_time_ms": 10000}).completed()
    return SSEReply(frames)


# ---------------------------------------------------------------------------------------------
# a minimal WebSocket client (RFC 6455: masked client frames, fragmented/ping-aware reads)
# ---------------------------------------------------------------------------------------------


class WSClient:
    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.r, self.w = reader, writer

    @classmethod
    async def connect(cls, opener) -> "WSClient":
        for _ in range(300):
            try:
                reader, writer = await opener()
                break
            except OSError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("server did not listen")
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        assert head.startswith("HTTP/1.1 101"), head
        want = base64.b64encode(hashlib.sha1((key + cls.GUID).encode()).digest()).decode()
        assert want.lower() in head.lower(), head
        return cls(reader, writer)

    def _frame(self, op: int, payload: bytes) -> bytes:
        n = len(payload)
        head = bytearray([0x80 | op])
        if n < 126:
            head.append(0x80 | n)
        elif n < 65536:
            head.append(0x80 | 126)
            head += struct.pack("!H", n)
        else:
            head.append(0x80 | 127)
            head += struct.pack("!Q", n)
        mask = os.urandom(4)
        rep = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(rep, "big")).to_bytes(n, "big")
        return bytes(head) + mask + masked

    async def send(self, msg: dict) -> None:
        self.w.write(self._frame(0x1, json.dumps(msg).encode()))
        await self.w.drain()

    async def recv(self) -> dict:
        parts = []
        while True:
            b0, b1 = await self.r.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", await self.r.readexactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", await self.r.readexactly(8))
            assert not b1 & 0x80, "server frames must not be masked"
            data = await self.r.readexactly(n)
            op = b0 & 0x0F
            if op == 0x8:
                raise ConnectionError("server closed the websocket")
            if op == 0x9:
                self.w.write(self._frame(0xA, data))
                continue
            if op == 0xA:
                continue
            parts.append(data)
            if b0 & 0x80:
                return json.loads(b"".join(parts))

    async def close(self) -> None:
        try:
            self.w.write(self._frame(0x8, struct.pack("!H", 1000)))
            await self.w.drain()
        except (ConnectionError, RuntimeError):
            pass
        self.w.close()


# ---------------------------------------------------------------------------------------------
# one client
# ---------------------------------------------------------------------------------------------


async def _until_response(ws: WSClient, rid: int, log: list) -> dict:
    while True:
        msg = await ws.recv()
        log.append(msg)
        if "method" not in msg and msg.get("id") == rid:
            assert "result" in msg, msg
            return msg["result"]


class Barrier:
    """All clients wait here until every one of them has arrived (or one has failed)."""

    def __init__(self, parties: int):
        self.left = parties
        self.event = asyncio.Event()

    def arrive(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.event.set()

    def release(self) -> None:          # a client failed: do not keep the others waiting
        self.event.set()

    async def wait(self) -> None:
        self.arrive()
        await self.event.wait()


async def _session(n: int, opener, cwd: str, ready: Barrier, done: Barrier) -> dict:
    """One client. ``ready``: every client is initialized (and has had a round trip after
    ``initialized``) before any thread starts, so broadcasts reach all of them; ``done``: every
    turn has completed before any client sends its final ``thread/read`` and hangs up."""
    ws = await WSClient.connect(opener)
    log: list[dict] = []
    try:
        await ws.send({"id": 1, "method": "initialize",
                       "params": {"clientInfo": {"name": f"load{n}", "title": None, "version": "1.0"},
                                  "capabilities": None}})
        await _until_response(ws, 1, log)
        await ws.send({"method": "initialized"})
        await ws.send({"id": 5, "method": "account/read", "params": {}})
        await _until_response(ws, 5, log)
        await ready.wait()
        await ws.send({"id": 2, "method": "thread/start",
                       "params": {"cwd": cwd, "approvalPolicy": "never", "sandbox": "danger-full-access"}})
        thread = (await _until_response(ws, 2, log))["thread"]["id"]
        await ws.send({"id": 3, "method": "turn/start",
                       "params": {"threadId": thread, "input": [
                           {"type": "text", "text": f"Run it. LOAD-{n}-MARK", "text_elements": []}]}})
        mark = len(log)
        while True:
            msg = await ws.recv()
            log.append(msg)
            if msg.get("method") == "turn/completed" and msg["params"].get("threadId") == thread:
                break
        finished = len(log)
        await done.wait()
        # anything still queued for this connection arrives before this answer
        await ws.send({"id": 4, "method": "thread/read", "params": {"threadId": thread, "includeTurns": False}})
        await _until_response(ws, 4, log)
        return {"n": n, "thread": thread, "log": log, "turn_from": mark, "turn_done": finished}
    except BaseException:
        ready.release()
        done.release()
        raise
    finally:
        await ws.close()


def _thread_of(m: dict) -> str | None:
    p = m.get("params")
    if not isinstance(p, dict):
        return None
    if "threadId" in p:
        return p["threadId"]
    if m.get("method") == "thread/started":
        return p["thread"]["id"]
    return None


def _check(res: dict, lenient_output: bool = False) -> None:
    n, thread, log = res["n"], res["thread"], res["log"]
    where = f"client {n}"
    turn_msgs = log[res["turn_from"]:res["turn_done"]]
    after = log[res["turn_done"]:]
    # responses: each id answered exactly once
    ids = Counter(m["id"] for m in log if "method" not in m and "id" in m)
    assert ids == Counter({1: 1, 5: 1, 2: 1, 3: 1, 4: 1}), (where, ids)
    # no server request (approval policy never), nothing of another thread
    assert not [m for m in log if "method" in m and "id" in m], where
    foreign = [m for m in log if "method" in m and _thread_of(m) not in (None, thread)]
    assert not [m for m in foreign if m["method"] not in BROADCAST], (where, foreign[:3])

    notes = [m for m in turn_msgs if "method" in m and "id" not in m and _thread_of(m) in (None, thread)]
    methods = [m["method"] for m in notes]
    assert methods.count("turn/started") == 1, (where, methods)
    assert methods.count("turn/completed") == 1 and methods[-1] == "turn/completed", (where, methods)
    turn_id = notes[methods.index("turn/started")]["params"]["turn"]["id"]
    first_item = next((i for i, x in enumerate(methods) if x.startswith("item/")), None)
    assert first_item is not None and methods.index("turn/started") < first_item, (where, methods)
    assert notes[-1]["params"]["turn"]["id"] == turn_id
    assert notes[-1]["params"]["turn"]["status"] == "completed", (where, notes[-1])
    for m in notes:
        if "turnId" in m["params"]:
            assert m["params"]["turnId"] == turn_id, (where, m)
    # nothing of the turn after turn/completed
    late = [m for m in after if m.get("method", "").startswith(("item/", "turn/"))
            or (m.get("params") or {}).get("turnId") == turn_id]
    assert not late, (where, late)

    # item/started + item/completed pairs, once each, started first
    started: dict[str, dict] = {}
    completed: dict[str, dict] = {}
    for m in notes:
        if m["method"] in ("item/started", "item/completed"):
            item = m["params"]["item"]
            book = started if m["method"] == "item/started" else completed
            assert item["id"] not in book, (where, "duplicate", m["method"], item)
            if m["method"] == "item/completed":
                assert item["id"] in started, (where, "completed before started", item)
            book[item["id"]] = item
    assert started.keys() == completed.keys(), (where, started.keys() ^ completed.keys())
    kinds = Counter(i["type"] for i in completed.values())
    assert kinds == Counter({"userMessage": 1, "commandExecution": 1, "agentMessage": 1}), (where, kinds)

    cmd = next(i for i in completed.values() if i["type"] == "commandExecution")
    assert f"echo {n}" in cmd["command"], (where, cmd)
    assert cmd["status"] == "completed" and cmd["exitCode"] == 0, (where, cmd)
    output = (cmd["aggregatedOutput"] or "").strip()
    # 0.136.0 itself now and then reports an empty aggregatedOutput for this fast-exiting command
    # under load (seen for 1 or 2 of ~1000 clients): tolerated for the reference only
    assert output == str(n) or (lenient_output and output == ""), (where, cmd)

    msg = next(i for i in completed.values() if i["type"] == "agentMessage")
    deltas = [m["params"] for m in notes if m["method"] == "item/agentMessage/delta"]
    assert deltas and all(d["itemId"] == msg["id"] for d in deltas), (where, deltas)
    assert "".join(d["delta"] for d in deltas) == msg["text"] == final_text(n), (where, msg, deltas)
    # deltas sit between the message's item/started and item/completed
    pos = [i for i, m in enumerate(notes) if m["method"] in ("item/started", "item/completed")
           and m["params"]["item"]["id"] == msg["id"]]
    dpos = [i for i, m in enumerate(notes) if m["method"] == "item/agentMessage/delta"]
    assert pos[0] < min(dpos) and max(dpos) < pos[1], (where, methods)


# ---------------------------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------------------------


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


_RUNS: dict[tuple[str, str], dict] = {}


def _reference_or_skip() -> None:
    from parity.reference import ReferenceUnavailable, find_reference, reference_required

    try:
        find_reference()
    except ReferenceUnavailable as exc:
        if reference_required():
            pytest.fail(f"reference Codex required but unavailable: {exc}", pytrace=False)
        pytest.skip(f"reference Codex unavailable: {exc}")


def _run_load(transport: str, which: str = "ours") -> dict:
    """Run the 50 clients once per (transport, which) and keep the outcome for the tests that
    look at it from different sides."""
    key = (transport, which)
    if key not in _RUNS:
        _RUNS[key] = _run_load_once(transport, which)
    return _RUNS[key]


def _run_load_once(transport: str, which: str) -> dict:
    with MockResponses([_scripted] * (2 * CLIENTS), exhausted="error") as mock, \
            RefEnv(mock, tag="load") as env:
        if transport == "unix":
            sock = env.root / "ctl" / "app.sock"
            listen = f"unix://{sock}"
            opener = lambda: asyncio.open_unix_connection(str(sock))  # noqa: E731
        else:
            port = free_port()
            listen = f"ws://127.0.0.1:{port}"
            opener = lambda: asyncio.open_connection("127.0.0.1", port)  # noqa: E731
        argv = [*env.command(which), "app-server", "--listen", listen]
        errpath = env.root / "server.stderr"
        with open(errpath, "wb") as errlog:
            proc = subprocess.Popen(argv, cwd=env.cwd, env=env.env(which), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=errlog, start_new_session=True)
            t0 = time.monotonic()
            try:
                async def main():
                    ready, done = Barrier(CLIENTS), Barrier(CLIENTS)

                    async def one(n):
                        try:
                            return await asyncio.wait_for(
                                _session(n, opener, str(env.cwd), ready, done), CLIENT_TIMEOUT)
                        except BaseException:
                            ready.release()
                            done.release()
                            raise
                    return await asyncio.gather(*(one(n) for n in range(CLIENTS)), return_exceptions=True)

                results = asyncio.run(main())
            finally:
                elapsed = time.monotonic() - t0
                _stop(proc)
        posts = mock.responses_requests()
        return {"transport": transport, "which": which, "results": results, "elapsed": elapsed,
                "posts": [r.json for r in posts], "requests": [r.to_dict() for r in mock.requests],
                "unexpected": [r.to_dict() for r in mock.unexpected],
                "stderr": errpath.read_text(errors="replace")[-3000:]}


def _check_run(run: dict) -> None:
    results, elapsed = run["results"], run["elapsed"]
    failed = [(n, r) for n, r in enumerate(results) if isinstance(r, BaseException)]
    assert not failed, (f"{len(failed)}/{CLIENTS} clients did not finish in {elapsed:.1f}s: "
                        f"{[(n, repr(e)) for n, e in failed[:5]]}\n--- server stderr\n{run['stderr']}")
    for res in results:
        _check(res, lenient_output=run["which"] == "reference")
    assert len({r["thread"] for r in results}) == CLIENTS
    posts = run["posts"]
    assert len(posts) == 2 * CLIENTS, (len(posts), [r["path"] for r in run["requests"]])
    assert not run["unexpected"], run["unexpected"]
    marks = Counter(_MARK.search(json.dumps(body["input"])).group(1) for body in posts)
    assert marks == Counter({str(n): 2 for n in range(CLIENTS)}), marks
    sys.stderr.write(f"[load] {run['which']} {run['transport']}: {CLIENTS} clients in {elapsed:.1f}s\n")


def _check_broadcasts(run: dict) -> None:
    """As the reference: ``thread/started`` and ``thread/status/changed`` of every thread go to
    every initialized connection, so (all clients initialized before any thread started, all
    connected until every turn completed) each client sees all 50 threads start, each go active
    then idle."""
    results = run["results"]
    assert not [r for r in results if isinstance(r, BaseException)], "clients failed; see test_load"
    threads = {r["thread"] for r in results}
    for res in results:
        started = Counter(_thread_of(m) for m in res["log"] if m.get("method") == "thread/started")
        assert started == Counter({t: 1 for t in threads}), (
            f"client {res['n']}: thread/started for {len(started)} of {CLIENTS} threads")
        status: dict[str, list[str]] = {}
        for m in res["log"]:
            if m.get("method") == "thread/status/changed":
                status.setdefault(m["params"]["threadId"], []).append(m["params"]["status"]["type"])
        assert status.keys() == threads, (
            f"client {res['n']}: thread/status/changed for {len(status)} of {CLIENTS} threads")
        for t, seq in status.items():
            assert seq == ["active", "idle"], (res["n"], t, seq)




@pytest.mark.parametrize("transport", ["unix", "ws"])
def test_load(transport):
    _check_run(_run_load(transport, "ours"))


@pytest.mark.parametrize("transport", ["unix", "ws"])
def test_load_thread_broadcasts(transport):
    _check_broadcasts(_run_load(transport, "ours"))


@pytest.mark.parametrize("transport", ["unix", "ws"])
def test_load_reference(transport):
    """The same load against the reference: the checks above describe what 0.136.0 does."""
    _reference_or_skip()
    run = _run_load(transport, "reference")
    _check_run(run)
    _check_broadcasts(run)
