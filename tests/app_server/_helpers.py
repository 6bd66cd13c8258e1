"""Shared helpers: a stdio app-server child (``python -m codex app-server``), transcript
loading and normalization, and validation against the reference JSON Schema bundle."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures" / "app_server"
TRANSCRIPTS = FIX / "transcripts"
BUNDLE = FIX / "schema-experimental" / "codex_app_server_protocol.schemas.json"

# The port the reference capture's mock listened on (recovered from its config version hash),
# so `config/read` versions can be compared as they are.
MOCK_PORT = 36777
MOCK_CONFIG = """model = "gpt-5.5"
model_provider = "mock"
[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:36777/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
"""


EDGE = FIX / "edge"


def load_transcript(name: str) -> list[dict]:
    path = TRANSCRIPTS / f"{name}.jsonl"
    if not path.exists():
        path = EDGE / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _separate_tmpdir() -> str:
    import tempfile

    path = os.path.join(tempfile.gettempdir(), "codex-tests-tmpdir")
    os.makedirs(path, exist_ok=True)
    return path


def server_env(codex_home: str, home: str | None = None) -> dict:
    env = dict(os.environ)
    # the child imports the codex this process imports: the installed package in CI (with its
    # compiled modules), the source tree when the tests run with PYTHONPATH=src
    import codex
    pkg_parent = str(Path(codex.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = pkg_parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["CODEX_HOME"] = codex_home
    # codex prints a PATH warning on stderr when CODEX_HOME lies under the temp dir (as
    # tmp_path does): a TMPDIR that holds no test's CODEX_HOME
    env["TMPDIR"] = _separate_tmpdir()
    if home:
        env["HOME"] = home
    env.pop("OPENAI_API_KEY", None)
    env.pop("CODEX_API_KEY", None)
    return env


class StdioServer:
    """``python -m codex app-server`` with line reading on a thread."""

    def __init__(self, codex_home: str, cwd: str, args: list[str] | None = None, *,
                 argv: list[str] | None = None, env: dict | None = None):
        self.proc = subprocess.Popen(
            argv or [sys.executable, "-m", "codex", "app-server", *(args or [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=cwd, env=env or server_env(codex_home),
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, b""):
            self.lines.put(line)
        self.lines.put(None)

    def send_raw(self, text: str) -> None:
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def send(self, msg: dict) -> None:
        self.send_raw(json.dumps(msg))

    def recv(self, timeout: float = 10.0) -> dict | None:
        line = self.lines.get(timeout=timeout)
        return None if line is None else json.loads(line)

    def until_response(self, rid, timeout: float = 15.0) -> list[dict]:
        """Messages up to and including the response to ``rid``."""
        out = []
        while True:
            msg = self.recv(timeout)
            assert msg is not None, f"server exited before answering {rid!r}"
            out.append(msg)
            if ("result" in msg or "error" in msg) and msg.get("id") == rid and "method" not in msg:
                return out

    def close(self) -> int:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def normalize(obj, subs: dict[str, str]):
    """Replace paths (longest first) and volatile values by the transcripts' placeholders."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == "installationId" and isinstance(v, str):
                out[k] = "<INSTALLATION_ID>"
            elif k == "serverName" and isinstance(v, str):
                out[k] = "<HOSTNAME>"
            elif k == "userAgent" and isinstance(v, str):
                out[k] = re.sub(r"\(([^;()]+); ([^()]+)\) \S+", "(<OS>; <ARCH>) <TERM>", v, count=1)
            else:
                out[k] = normalize(v, subs)
        return out
    if isinstance(obj, list):
        return [normalize(v, subs) for v in obj]
    if isinstance(obj, str):
        for real, placeholder in sorted(subs.items(), key=lambda kv: -len(kv[0])):
            obj = obj.replace(real, placeholder)
        return obj
    return obj


def denormalize(obj, subs: dict[str, str]):
    """Placeholders back to real paths (for the requests a transcript sends)."""
    if isinstance(obj, dict):
        return {k: denormalize(v, subs) for k, v in obj.items()}
    if isinstance(obj, list):
        return [denormalize(v, subs) for v in obj]
    if isinstance(obj, str):
        for real, placeholder in subs.items():
            obj = obj.replace(placeholder, real)
        return obj
    return obj


# ---------------------------------------------------------------------------------------------
# schema validation
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _bundle() -> dict:
    return json.loads(BUNDLE.read_text())


def _ref(name: str) -> str:
    defs = _bundle()["definitions"]
    if name in defs:
        return f"#/definitions/{name}"
    if name in defs.get("v2", {}):
        return f"#/definitions/v2/{name}"
    raise KeyError(name)


def validate(instance, type_name: str) -> None:
    import jsonschema

    schema = {"$ref": _ref(type_name), "definitions": _bundle()["definitions"]}
    jsonschema.Draft7Validator(schema).validate(instance)


def response_type(method: str) -> str | None:
    from codex.protocol import app_server_v2 as v2

    spec = v2.CLIENT_REQUESTS.get(method)
    if spec is None:
        return None
    names = [getattr(spec.response, "__name__", None)]
    pname = getattr(spec.params, "__name__", "") or ""
    if pname.endswith("Params"):
        names.append(pname[: -len("Params")] + "Response")
    for name in names:
        try:
            if name:
                _ref(name)
                return name
        except KeyError:
            pass
    return None


def validate_server_message(msg: dict, request_methods: dict) -> None:
    """Every message the server sends must fit the reference schema."""
    if "method" in msg and "id" in msg:
        validate(msg, "ServerRequest")
    elif "method" in msg:
        validate(msg, "ServerNotification")
    elif "error" in msg:
        validate(msg, "JSONRPCError")
    else:
        validate(msg, "JSONRPCResponse")
        name = response_type(request_methods.get(msg["id"], ""))
        if name is not None:
            validate(msg["result"], name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# transcript replay
# ---------------------------------------------------------------------------------------------

STARTUP_OPTIONAL = {"configWarning"}


def segments(transcript: list[dict]) -> list[tuple[dict, list[dict]]]:
    """(client entry, server messages the reference sent before the next client message)."""
    out: list[tuple[dict, list[dict]]] = []
    for entry in transcript:
        if entry["dir"] == "c2s":
            out.append((entry, []))
        elif out:
            out[-1][1].append(entry["msg"])
    return out


class Replay:
    """Send a transcript's client messages and pair each server message the reference sent
    with ours: responses by id, notifications by method (in order). ``results`` holds
    ``(expected, got, client_method)`` triples, ``got=None`` when ours never came."""

    def __init__(self, server: StdioServer, subs: dict[str, str], *, on_response=None, timeout: float = 20.0):
        self.server = server
        self.subs = subs
        self.pool: list[dict] = []
        self.methods: dict = {}
        self.results: list[tuple[dict, dict | None, str | None]] = []
        self.on_response = on_response
        self.timeout = timeout

    def _take(self, expected: dict) -> dict | None:
        def matches(m):
            if "method" in expected and "id" not in expected:
                return m.get("method") == expected["method"] and "id" not in m
            if "method" in expected:
                return m.get("method") == expected["method"] and "id" in m
            return "method" not in m and m.get("id") == expected.get("id")

        import time

        deadline = time.monotonic() + self.timeout
        while True:
            for i, m in enumerate(self.pool):
                if matches(m):
                    return self.pool.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                msg = self.server.recv(left)
            except queue.Empty:
                return None
            if msg is None:
                return None
            validate_server_message(msg, self.methods)
            self.pool.append(msg)

    def run(self, transcript: list[dict]) -> None:
        for entry, expected in segments(transcript):
            if "raw" in entry:
                self.server.send_raw(entry["raw"])
            else:
                msg = denormalize(entry["msg"], self.subs)
                if "id" in msg and "method" in msg:
                    self.methods[msg["id"]] = msg["method"]
                self.server.send(msg)
            for exp in expected:
                if exp.get("method") in STARTUP_OPTIONAL:
                    continue
                got = self._take(exp)
                method = self.methods.get(exp.get("id")) if "method" not in exp else exp["method"]
                self.results.append((exp, got, method))
                if got is not None and self.on_response is not None:
                    self.on_response(exp, got, self)
