"""The official TypeScript SDK (`@openai/codex-sdk` 0.136.0) drives `codex exec`: once the reference
binary, once ours, against the same loopback mock; what the SDK returns must be the same.

The SDK (dist/index.js, `CodexExec.run`) spawns ``codexPathOverride`` with

    exec --experimental-json [--config <k>=<toml>]...            # `config` option, flattened
         [--config openai_base_url="<baseUrl>"] [--model M] [--sandbox MODE] [--cd DIR]
         [--add-dir D]... [--skip-git-repo-check] [--output-schema <tmp>/schema.json]
         [--config model_reasoning_effort="E"] [--config sandbox_workspace_write.network_access=B]
         [--config web_search="MODE"] [--config approval_policy="P"]
         [resume <thread id>] [--image PATH]...                  # resume from the 2nd turn on

writes the prompt to stdin (never as an argument), and gives the child the `env` option (else its
own process.env) plus CODEX_INTERNAL_ORIGINATOR_OVERRIDE=codex_sdk_ts and, with `apiKey`,
CODEX_API_KEY. No cwd: the child inherits node's (the thread's `workingDirectory` becomes --cd).
`thread.run()` collects `item.completed` items, the last agent_message text and the
`turn.completed` usage; `thread.id` is taken from `thread.started`.

The scenario exercises all of that: two turns on one thread (the second is `exec ... resume <id>`
with an image and an output schema), a reasoning item and a command run in the first turn, every
thread option, a nested `config` override, `baseUrl`, `apiKey` and an explicit `env`.

The SDK is installed once into <repo>/.sdk (``npm install --prefix .sdk``, under a file lock) unless
``CODEX_SDK_NO_INSTALL=1``; without npm/node/network the tests are skipped with the reason, or
fail under ``CI=true`` / ``CODEX_REQUIRE_REFERENCE=1`` (as the reference itself; conftest.py).
"""
from __future__ import annotations

import fcntl
import json
import os
import shlex
import shutil
import stat
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest

from .mock_responses import MockResponses, ResponseStream, sse, text_stream
from .reference import (BASE_PATH, INSTALL_TIMEOUT_S, MOCK_API_KEY, REPO_ROOT, RefEnv, _kill_group,
                        _ours_pythonpath, find_reference, ours_command, reference_required)

pytestmark = pytest.mark.reference

SDK_VERSION = "0.136.0"
SDK_PACKAGE = "@openai/codex-sdk"
SDK_PREFIX = REPO_ROOT / ".sdk"
SCRIPT = Path(__file__).resolve().parent / "ts_sdk" / "run_thread.mjs"
# Headers that differ between any two runs (or that the comparison must not see).
DROP_HEADERS = ("host", "content-length", "authorization")


class SdkUnavailable(RuntimeError):
    pass


def _sdk_package_json(prefix: Path = SDK_PREFIX) -> Path:
    return prefix / "node_modules" / "@openai" / "codex-sdk" / "package.json"


def _installed_version(prefix: Path = SDK_PREFIX) -> str | None:
    try:
        return json.loads(_sdk_package_json(prefix).read_text()).get("version")
    except (OSError, ValueError):
        return None


def _install_sdk(prefix: Path = SDK_PREFIX) -> None:
    """``npm install --prefix .sdk @openai/codex-sdk@0.136.0`` once (parallel workers wait on the
    lock). ``--omit=optional``: the SDK's @openai/codex dependency would pull the 200 MB platform
    binary, which codexPathOverride makes unused."""
    if _installed_version(prefix) == SDK_VERSION:
        return
    if os.environ.get("CODEX_SDK_NO_INSTALL", "") == "1":
        raise SdkUnavailable(f"{SDK_PACKAGE} {SDK_VERSION} is not installed in {prefix} (CODEX_SDK_NO_INSTALL=1; "
                             f"run `npm install --prefix .sdk {SDK_PACKAGE}@{SDK_VERSION}`)")
    npm = shutil.which("npm")
    if npm is None:
        raise SdkUnavailable(f"{SDK_PACKAGE} {SDK_VERSION} is not installed in {prefix} and npm is not on PATH")
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _installed_version(prefix) == SDK_VERSION:
                return
            cmd = [npm, "install", "--no-audit", "--no-fund", "--silent", "--omit=optional", "--save-exact",
                   "--prefix", str(prefix), f"{SDK_PACKAGE}@{SDK_VERSION}"]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S,
                                      stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise SdkUnavailable(f"`{shlex.join(cmd)}` timed out after {INSTALL_TIMEOUT_S}s")
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip()[-800:]
                raise SdkUnavailable(f"`{shlex.join(cmd)}` failed (exit {proc.returncode}): {tail}")
            got = _installed_version(prefix)
            if got != SDK_VERSION:
                raise SdkUnavailable(f"`{shlex.join(cmd)}` succeeded but installed version {got!r}")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_sdk_cache: dict[str, str] = {}


def _need_sdk() -> str:
    """The node binary, with the SDK installed; skips (or fails under CI) with the reason."""
    if "error" not in _sdk_cache and "node" not in _sdk_cache:
        try:
            node = shutil.which("node")
            if node is None:
                raise SdkUnavailable("node is not on PATH (the TypeScript SDK needs Node.js >= 18)")
            _install_sdk()
            _sdk_cache["node"] = node
        except SdkUnavailable as exc:
            _sdk_cache["error"] = str(exc)
    if "error" in _sdk_cache:
        msg = f"TypeScript SDK {SDK_PACKAGE}@{SDK_VERSION} unavailable: {_sdk_cache['error']}"
        if reference_required():
            pytest.fail(f"required (CI/CODEX_REQUIRE_REFERENCE) but {msg}", pytrace=False)
        pytest.skip(msg)
    return _sdk_cache["node"]


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _ours_launcher(directory: Path) -> Path:
    """An executable for codexPathOverride that runs our codex (the SDK spawns a path, no args)."""
    lines = ["#!/bin/sh"]
    pp = _ours_pythonpath()
    if pp:
        lines.append(f'PYTHONPATH={shlex.quote(pp)}${{PYTHONPATH:+:$PYTHONPATH}}; export PYTHONPATH')
    lines.append(f'exec {shlex.join(ours_command())} "$@"')
    path = directory / "codex-ours"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}},
          "required": ["answer"], "additionalProperties": False}

# Turn 2 of each scenario (turn 1 is the same: reasoning + `echo one` + an answer).
SCENARIOS = {
    # `exec ... --output-schema <tmp>/schema.json resume <id>`
    "schema": {"input": "Second prompt: answer as JSON.", "outputSchema": SCHEMA},
    # `exec ... resume <id> --image <cwd>/pixel.png`, the prompt being the text parts joined
    "image": {"input": [{"type": "text", "text": "Second prompt: describe the image."},
                        {"type": "local_image", "path": "<CWD>/pixel.png"}]},
}
# How long one SDK run (two turns) may take; the reference needs about a second for either.
TIMEOUTS = {"schema": 120.0, "image": 120.0}

# Compared on their own (test_ours_originator_headers_match_reference).
ORIGINATOR_HEADERS = ("originator", "user-agent")


def _replies(scenario: str) -> list:
    first = (ResponseStream().reasoning("Deciding to run echo.")
             .function_call("exec_command", {"cmd": "echo one"}, call_id="call_1").completed(
                 input_tokens=200, output_tokens=30, cached_tokens=50, reasoning_tokens=7))
    last = '{"answer":"two"}' if scenario == "schema" else "A single pixel."
    return [sse(first),
            sse(text_stream("First answer: one.", input_tokens=300, output_tokens=10, cached_tokens=200)),
            sse(text_stream(last, input_tokens=400, output_tokens=12, cached_tokens=300))]


def _drive(which: str, scenario: str, node: str, launcher_dir: Path) -> dict:
    """Run `scenario` through the SDK with `which` codex; returns the normalized result, the
    normalized requests the mock saw and the raw run details."""
    codex_path = str(find_reference()) if which == "reference" else str(_ours_launcher(launcher_dir))
    timeout = TIMEOUTS[scenario]
    with MockResponses(_replies(scenario)) as mock, RefEnv(mock, tag=f"ts-sdk-{scenario}-{which}") as env:
        env.write("notes.txt", "scratch\n")
        env.write("pixel.png", _png_1x1())
        second = json.loads(json.dumps(SCENARIOS[scenario]).replace("<CWD>", str(env.cwd)))
        spec = {
            "sdkPrefix": str(SDK_PREFIX),
            "codexPath": codex_path,
            "codexOptions": {
                "env": env.env(which),
                "baseUrl": mock.base_url,
                "apiKey": "sk-sdk-key",
                "config": {"history": {"persistence": "save-all"}},
            },
            "threadOptions": {
                "model": "gpt-5.5",
                "sandboxMode": "read-only",
                "workingDirectory": str(env.cwd),
                "skipGitRepoCheck": True,
                "modelReasoningEffort": "low",
                "networkAccessEnabled": False,
                "webSearchMode": "disabled",
                "approvalPolicy": "never",
            },
            "turns": [{"input": "First prompt: run echo one."}, second],
        }
        spec_path = env.write("sdk-spec.json", json.dumps(spec), base="root")
        argv = [node, str(SCRIPT), str(spec_path)]
        t0 = time.perf_counter()
        # node's own cwd is the sandbox root: only --cd (workingDirectory) puts codex in cwd/.
        proc = subprocess.Popen(argv, cwd=str(env.root), env={"PATH": BASE_PATH, "HOME": str(env.home)},
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)                 # node and the codex it spawned share the group
            out, err = proc.communicate()
            raise AssertionError(
                f"[{scenario}/{which}] the SDK run did not finish in {timeout}s; the mock saw "
                f"{len(mock.responses_requests())} of 3 /responses requests\n"
                f"--- stdout\n{out.decode(errors='replace')[-3000:]}\n"
                f"--- stderr\n{err.decode(errors='replace')[-3000:]}")
        finally:
            _kill_group(proc, leader_too=proc.poll() is None)
            proc.wait()
        duration = time.perf_counter() - t0
        stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        describe = (f"[{scenario}/{which}] exit {proc.returncode} in {duration:.1f}s\n"
                    f"--- stdout\n{stdout[-4000:]}\n--- stderr\n{stderr[-4000:]}")
        try:
            raw = json.loads(stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise AssertionError(f"the SDK script printed no JSON result\n{describe}")
        if proc.returncode != 0:
            raise AssertionError(f"the SDK run failed\n{describe}")
        norm = env.normalizer()
        reqs = mock.responses_requests()
        requests = [norm.obj({"method": r.method, "path": r.path,
                              "headers": {k.lower(): v for k, v in sorted(r.headers)
                                          if k.lower() not in DROP_HEADERS + ORIGINATOR_HEADERS},
                              "body": r.json})
                    for r in reqs]
        return {"describe": describe, "duration": duration, "raw": raw, "result": norm.obj(raw),
                "requests": requests,
                "originator": [{k: r.header(k) for k in ORIGINATOR_HEADERS} for r in reqs],
                "authorization": [r.header("authorization") for r in reqs],
                "unexpected": [norm.obj({"method": r.method, "path": r.path, "reply": r.reply})
                               for r in mock.unexpected]}


@pytest.fixture(scope="module")
def drive(tmp_path_factory):
    """drive(which, scenario) -> the run (each one done once per module; a failure is re-raised)."""
    node = _need_sdk()
    launcher_dir = tmp_path_factory.mktemp("ts-sdk")
    done: dict[tuple[str, str], dict | AssertionError] = {}

    def run(which: str, scenario: str) -> dict:
        key = (which, scenario)
        if key not in done:
            try:
                done[key] = _drive(which, scenario, node, launcher_dir)
            except AssertionError as exc:
                done[key] = exc
        if isinstance(done[key], AssertionError):
            raise done[key]
        return done[key]
    return run


def _dump(o) -> str:
    return json.dumps(o, indent=1, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_reference_through_sdk(drive, scenario):
    """The scenario itself, with the reference: both turns completed on one thread."""
    ref = drive("reference", scenario)
    raw = ref["raw"]
    assert raw["sdkVersion"] == SDK_VERSION
    assert raw["threadIdBeforeRun"] is None
    t1, t2 = raw["turns"]
    assert t1["threadId"] and t1["threadId"] == t2["threadId"] == raw["threadId"], _dump(raw)
    assert [i["type"] for i in t1["items"]] == ["reasoning", "command_execution", "agent_message"], _dump(t1)
    assert t1["finalResponse"] == "First answer: one."
    assert t1["usage"] and t2["usage"], _dump(raw)
    reqs = ref["requests"]
    assert len(reqs) == 3 and not ref["unexpected"], _dump(ref["unexpected"])
    # The resumed turn is the same thread: same cache key, the first turn's history before it.
    assert (reqs[2]["body"]["prompt_cache_key"] == reqs[0]["body"]["prompt_cache_key"]
            == ref["result"]["turns"][0]["threadId"])
    assert reqs[2]["body"]["input"][:len(reqs[1]["body"]["input"])] == reqs[1]["body"]["input"]
    assert {o["originator"] for o in ref["originator"]} == {"codex_sdk_ts"}
    assert set(ref["authorization"]) == {f"Bearer {MOCK_API_KEY}"}   # the provider's env_key wins
    last_user = [i for i in reqs[2]["body"]["input"] if i.get("role") == "user"][-1]
    if scenario == "schema":
        assert json.loads(t2["finalResponse"]) == {"answer": "two"}
        assert reqs[2]["body"]["text"]["format"]["schema"] == SCHEMA
    else:
        assert t2["finalResponse"] == "A single pixel."
        assert any(c["type"] == "input_image" for c in last_user["content"]), _dump(last_user)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_ours_through_sdk_matches_reference(drive, scenario):
    """What the SDK returns (items, final responses, usage, thread ids) is the same."""
    ref = drive("reference", scenario)
    ours = drive("ours", scenario)
    assert _dump(ours["result"]) == _dump(ref["result"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_ours_requests_through_sdk_match_reference(drive, scenario):
    """What reached the model: every request's headers (but host/content-length/authorization
    and the originator pair, compared below) and body, normalized; and the same credential."""
    ref = drive("reference", scenario)
    ours = drive("ours", scenario)
    assert ours["unexpected"] == ref["unexpected"]
    assert _dump(ours["requests"]) == _dump(ref["requests"])
    assert ours["authorization"] == ref["authorization"]


def test_ours_originator_headers_match_reference(drive):
    ref = drive("reference", "schema")
    ours = drive("ours", "schema")
    assert ours["originator"] == ref["originator"]
