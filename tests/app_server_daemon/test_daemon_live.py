"""``codex app-server daemon ...``, ``codex remote-control ...``, ``codex app-server proxy`` and
``codex debug app-server send-message-v2``: ours run side by side with the reference Codex
0.136.0 (tests/parity/reference.py; skipped without it, a failure under CI=true /
CODEX_REQUIRE_REFERENCE=1), each in its own sandbox under /var/tmp. Compared: exit code, stdout
and stderr (sandbox paths -> <ROOT>, pids -> <PID>) and the files left under
``$CODEX_HOME/app-server-daemon`` and ``$CODEX_HOME/app-server-control``.

Every daemon a test starts is stopped by the sandbox's ``close()`` (``daemon stop``, then the
recorded pids are signalled), in ``finally``."""

from __future__ import annotations

import json
import subprocess

import pytest

from parity.mock_responses import MockResponses, sse, text_stream

from ._helpers import FIXTURES, DaemonSandbox, WsPipe, normalize, normalize_transcript

SIDES = ("reference", "ours")


def _result(sb: DaemonSandbox, args: list[str], **kw) -> dict:
    r = sb.run(*args, **kw)
    return {"argv": " ".join(args), "exit": r.exit_code, "stdout": normalize(r.stdout, sb),
            "stderr": normalize(r.stderr, sb)}


def _both(fn):
    """Run ``fn(sandbox)`` for the reference and ours; returns (reference, ours)."""
    out = {}
    for which in SIDES:
        out[which] = fn(which)
    return out["reference"], out["ours"]


# ---------------------------------------------------------------------------------------------
# golden (no reference needed)
# ---------------------------------------------------------------------------------------------


def test_version_without_daemon_matches_golden():
    golden = json.loads((FIXTURES / "app-server-daemon-version.json").read_text())
    stdout = (FIXTURES / golden["stdout_file"]).read_text()
    with DaemonSandbox("ours", managed=False) as sb:
        r = sb.run("app-server", "daemon", "version")
        assert r.exit_code == golden["exit_code"]
        assert r.stdout == stdout
        assert r.stderr.replace(str(sb.codex_home), "<CODEX_HOME>") == golden["stderr"]


def test_json_flag_is_global_for_remote_control():
    with DaemonSandbox("ours", managed=False) as sb:
        r = sb.run("remote-control", "--json", "stop")
        assert r.exit_code == 0
        assert json.loads(r.stdout)["status"] == "notRunning"


# ---------------------------------------------------------------------------------------------
# fresh CODEX_HOME, no managed install
# ---------------------------------------------------------------------------------------------

FRESH_COMMANDS = [
    ["app-server", "daemon", "version"],
    ["app-server", "daemon", "start"],
    ["app-server", "daemon", "stop"],
    ["app-server", "daemon", "restart"],
    ["app-server", "daemon", "bootstrap"],
    ["app-server", "daemon", "bootstrap", "--remote-control"],
    ["app-server", "daemon", "enable-remote-control"],
    ["app-server", "daemon", "disable-remote-control"],
    ["app-server", "proxy"],
    ["app-server", "proxy", "--sock", "/var/tmp/codex-parity-no-such.sock"],
    ["remote-control", "start"],
    ["remote-control", "start", "--json"],
    ["remote-control", "stop"],
    ["remote-control", "stop", "--json"],
]


@pytest.mark.reference
@pytest.mark.parametrize("args", FRESH_COMMANDS, ids=lambda a: " ".join(a))
def test_fresh_home_without_managed_install(args):
    def side(which):
        with DaemonSandbox(which, managed=False) as sb:
            res = _result(sb, args)
            res["files"] = sb.daemon_files()
            if (sb.codex_home / "app-server-daemon" / "settings.json").exists():
                res["settings"] = (sb.codex_home / "app-server-daemon" / "settings.json").read_text()
            return res

    ref, ours = _both(side)
    assert ours == ref


# ---------------------------------------------------------------------------------------------
# the lifecycle with a managed install
# ---------------------------------------------------------------------------------------------

LIFECYCLE = [
    ["app-server", "daemon", "version"],
    ["app-server", "daemon", "stop"],
    ["app-server", "daemon", "start"],
    "files",
    ["app-server", "daemon", "start"],
    ["app-server", "daemon", "version"],
    ["app-server", "daemon", "restart"],
    ["app-server", "daemon", "enable-remote-control"],
    "settings",
    ["app-server", "daemon", "enable-remote-control"],
    ["app-server", "daemon", "version"],
    ["app-server", "daemon", "disable-remote-control"],
    ["app-server", "daemon", "disable-remote-control"],
    "settings",
    ["app-server", "daemon", "stop"],
    "files",
    ["app-server", "daemon", "stop"],
    ["app-server", "daemon", "version"],
    ["remote-control", "stop"],
]


def _pid_record_shape(sb: DaemonSandbox):
    p = sb.codex_home / "app-server-daemon" / "app-server.pid"
    if not p.exists():
        return None
    rec = json.loads(p.read_text())
    return sorted(rec), isinstance(rec.get("pid"), int), isinstance(rec.get("processStartTime"), str)


@pytest.mark.reference
def test_lifecycle_sequence():
    def side(which):
        steps = []
        with DaemonSandbox(which) as sb:
            for step in LIFECYCLE:
                if step == "files":
                    steps.append({"files": sb.daemon_files(), "pid_record": _pid_record_shape(sb)})
                elif step == "settings":
                    steps.append({"settings": (sb.codex_home / "app-server-daemon" / "settings.json").read_text()})
                else:
                    steps.append(_result(sb, step))
        return steps

    ref, ours = _both(side)
    for r, o in zip(ref, ours):
        assert o == r
    assert len(ours) == len(ref)


@pytest.mark.reference
def test_unmanaged_server_is_refused():
    """An app-server listening on the control socket that the daemon did not start."""
    def side(which):
        with DaemonSandbox(which) as sb:
            server = subprocess.Popen([*sb.env.command(which), "app-server", "--listen", "unix://"],
                                      env=sb.env.env(which), cwd=str(sb.env.cwd),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                sock = sb.codex_home / "app-server-control" / "app-server-control.sock"
                # wait for the listener via the CLI itself (no timing assertion)
                for _ in range(400):
                    if sb.run("app-server", "daemon", "version").exit_code == 0:
                        break
                assert sock.exists()
                out = [_result(sb, a) for a in (["app-server", "daemon", "version"],
                                                ["app-server", "daemon", "start"],
                                                ["app-server", "daemon", "stop"],
                                                ["app-server", "daemon", "restart"],
                                                ["app-server", "daemon", "enable-remote-control"])]
            finally:
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            return out

    ref, ours = _both(side)
    assert ours == ref


@pytest.mark.reference
def test_bootstrap_and_remote_control_offline():
    """bootstrap (updater started), remote-control start (the ChatGPT backend is unreachable:
    the daemon starts with remote control, then the command fails with `errored`), stop."""
    seq = [
        ["app-server", "daemon", "bootstrap"],
        "files",
        ["app-server", "daemon", "bootstrap", "--remote-control"],
        "settings",
        ["remote-control", "start", "--json"],
        ["remote-control", "start"],
        ["app-server", "daemon", "version"],
        ["remote-control", "stop", "--json"],
        ["remote-control", "stop"],
        "files",
    ]

    def side(which):
        steps = []
        with DaemonSandbox(which) as sb:
            for step in seq:
                if step == "files":
                    steps.append({"files": sb.daemon_files()})
                elif step == "settings":
                    steps.append({"settings": (sb.codex_home / "app-server-daemon" / "settings.json").read_text()})
                else:
                    steps.append(_result(sb, step))
        return steps

    ref, ours = _both(side)
    for r, o in zip(ref, ours):
        assert o == r
    assert len(ours) == len(ref)


# ---------------------------------------------------------------------------------------------
# proxy: a client through `app-server proxy` to the daemon, one turn against the mock model
# ---------------------------------------------------------------------------------------------


def _proxy_turn(daemon_side: str) -> dict:
    with MockResponses([sse(text_stream("Hello through the proxy!"))]) as mock:
        with DaemonSandbox(daemon_side, mock=mock, tag="proxy") as sb:
            started = sb.run("app-server", "daemon", "start")
            assert started.exit_code == 0, started.describe()
            proc = subprocess.Popen([*sb.env.command("ours"), "app-server", "proxy"],
                                    env=sb.env.env("ours"), cwd=str(sb.env.cwd),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, start_new_session=True)
            try:
                ws = WsPipe(proc)
                status = ws.handshake()
                init, _ = ws.request(1, "initialize", {"clientInfo": {"name": "proxy-test", "title": None,
                                                                       "version": "1"}})
                ws.send({"method": "initialized"})
                thread, _ = ws.request(2, "thread/start", {})
                thread_id = thread["result"]["thread"]["id"]
                turn, seen = ws.request(3, "turn/start", {
                    "threadId": thread_id, "input": [{"type": "text", "text": "Say hello."}]})
                while not any(m.get("method") == "turn/completed" for m in seen):
                    seen.append(ws.recv())
                proc.stdin.close()
                proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                for f in (proc.stdout, proc.stderr):
                    f.close()
            texts = [m["params"]["item"].get("text") for m in seen
                     if m.get("method") == "item/completed" and m["params"]["item"].get("type") == "agentMessage"]
            completed = [m for m in seen if m.get("method") == "turn/completed"][0]
            return {"handshake": status, "userAgentVersion": init["result"]["userAgent"].split("/")[1].split()[0],
                    "threadStatus": thread["result"]["thread"]["status"], "turnStatus": completed["params"]["turn"]["status"],
                    "texts": texts, "requests": len(mock.responses_requests())}


def test_proxy_to_our_daemon_runs_a_turn():
    got = _proxy_turn("ours")
    assert got == {"handshake": "HTTP/1.1 101 Switching Protocols", "userAgentVersion": "0.136.0",
                   "threadStatus": {"type": "idle"}, "turnStatus": "completed",
                   "texts": ["Hello through the proxy!"], "requests": 1}


@pytest.mark.reference
def test_proxy_to_reference_daemon_runs_the_same_turn():
    assert _proxy_turn("reference") == _proxy_turn("ours")


@pytest.mark.reference
def test_proxy_output_when_socket_missing_matches():
    def side(which):
        with DaemonSandbox(which, managed=False) as sb:
            return _result(sb, ["app-server", "proxy"], stdin="")

    ref, ours = _both(side)
    assert ours == ref


# ---------------------------------------------------------------------------------------------
# debug app-server send-message-v2
# ---------------------------------------------------------------------------------------------


def _split_racy_block(text: str, method: str = "thread/started") -> tuple[str, list[str]]:
    """The transcript without the `< ` JSON block(s) of ``method`` (returned apart). The reference
    app-server sends `thread/started` and the `turn/start` response in either order (seen both
    ways); the client prints the notification's Debug line at the same place either way."""
    lines = text.split("\n")
    out, blocks, i = [], [], 0
    while i < len(lines):
        if lines[i] == "< {":
            j = i
            while lines[j] != "< }":
                j += 1
            block = lines[i:j + 1]
            if any(ln == f'<   "method": "{method}",' for ln in block):
                blocks.append("\n".join(block))
            else:
                out.extend(block)
            i = j + 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out), blocks


def _assert_same_transcript(ref: str, ours: str) -> None:
    ref, ref_blocks = _split_racy_block(ref)
    ours, our_blocks = _split_racy_block(ours)
    assert our_blocks == ref_blocks
    ref_lines, our_lines = ref.split("\n"), ours.split("\n")
    for i, (a, b) in enumerate(zip(ref_lines, our_lines)):
        assert b == a, f"line {i + 1} differs"
    assert len(our_lines) == len(ref_lines)


@pytest.mark.reference
def test_send_message_v2_matches_reference():
    def side(which):
        with MockResponses([sse(text_stream("Hello from mock!"))]) as mock:
            with DaemonSandbox(which, managed=False, mock=mock, tag="send") as sb:
                r = sb.run("debug", "app-server", "send-message-v2", "Say hello.")
                return {"exit": r.exit_code, "stdout": normalize_transcript(r.stdout, sb),
                        "stderr": r.stderr, "requests": len(mock.responses_requests())}

    ref, ours = _both(side)
    assert ours["exit"] == ref["exit"] == 0
    assert ours["requests"] == ref["requests"] == 1
    _assert_same_transcript(ref["stdout"], ours["stdout"])
    assert ours["stderr"] == ref["stderr"]


# ---------------------------------------------------------------------------------------------
# broken state, failing managed binary, foreground remote control
# ---------------------------------------------------------------------------------------------

BROKEN_STATE = {
    "settings-not-json": ("settings.json", "{bad\n"),
    "settings-wrong-type": ("settings.json", '{"remoteControlEnabled":"x"}'),
    "settings-missing-field": ("settings.json", "{}"),
    "pid-garbage": ("app-server.pid", "garbage\n"),
    "pid-negative": ("app-server.pid", '{"pid":-1,"processStartTime":"x"}'),
    "pid-stale": ("app-server.pid", '{"pid":999999999,"processStartTime":"Thu Jan  1 00:00:00 1970"}'),
    "pid-empty": ("app-server.pid", ""),
}


@pytest.mark.reference
@pytest.mark.parametrize("case", sorted(BROKEN_STATE))
def test_broken_state_files(case):
    name, content = BROKEN_STATE[case]

    def side(which):
        with DaemonSandbox(which, managed=False) as sb:
            d = sb.codex_home / "app-server-daemon"
            d.mkdir(parents=True)
            (d / name).write_text(content)
            out = [_result(sb, a) for a in (["app-server", "daemon", "stop"],
                                            ["app-server", "daemon", "version"],
                                            ["app-server", "daemon", "enable-remote-control"])]
            out.append({"files": sb.daemon_files()})
            return out

    ref, ours = _both(side)
    assert ours == ref


@pytest.mark.reference
def test_managed_binary_that_never_serves():
    """The daemon gives up after its start timeout, naming the binary and its stderr tail."""
    def side(which):
        with DaemonSandbox(which, managed=False) as sb:
            sb.managed_bin.parent.mkdir(parents=True)
            sb.managed_bin.write_text("#!/bin/sh\necho 'error: unexpected argument' >&2\nexit 3\n")
            sb.managed_bin.chmod(0o755)
            out = [_result(sb, ["app-server", "daemon", "start"]),
                   {"files": sb.daemon_files()},
                   _result(sb, ["app-server", "daemon", "stop"])]
            return out

    ref, ours = _both(side)
    assert ours == ref


@pytest.mark.reference
@pytest.mark.parametrize("json_flag", [False, True], ids=["human", "json"])
def test_foreground_remote_control_offline(json_flag):
    def side(which):
        with DaemonSandbox(which, managed=False) as sb:
            return _result(sb, ["remote-control", *(["--json"] if json_flag else [])])

    ref, ours = _both(side)
    assert ours == ref


# ---------------------------------------------------------------------------------------------
# send-message-v2: more turns, live and replayed
# ---------------------------------------------------------------------------------------------


def _sm_replies(scenario: str):
    from parity.mock_responses import ResponseStream, http_error

    if scenario == "hello":
        return [sse(text_stream("Hello from mock!"))]
    if scenario == "shell":
        return [sse(ResponseStream().function_call("exec_command", {"cmd": "echo hi"}).completed()),
                sse(text_stream("Done."))]
    if scenario == "failed":
        return [http_error(400, "bad request (mock)", type_="invalid_request_error")]
    if scenario == "reasoning":
        return [sse(ResponseStream().reasoning("Thinking about it").message("Hi!").completed())]
    raise ValueError(scenario)


def _send_message(which: str, scenario: str) -> tuple[int, str, str, str]:
    with MockResponses(_sm_replies(scenario)) as mock:
        with DaemonSandbox(which, managed=False, mock=mock, tag="send") as sb:
            r = sb.run("debug", "app-server", "send-message-v2", "Say hello.")
            return r.exit_code, r.stdout, normalize_transcript(r.stdout, sb), r.stderr


def _mask_process_ids(text: str) -> str:
    import re

    text = re.sub(r'"processId": "\d+"', '"processId": "<PID>"', text)
    return re.sub(r'process_id: Some\("\d+"\)', 'process_id: Some("<PID>")', text)


@pytest.mark.reference
def test_send_message_v2_with_a_shell_command_matches_reference():
    ref = _send_message("reference", "shell")
    ours = _send_message("ours", "shell")
    assert ours[0] == ref[0] == 0
    _assert_same_transcript(_mask_process_ids(ref[2]), _mask_process_ids(ours[2]))


class _ReplayChild:
    """Plays the app-server's side of a recorded send-message-v2 transcript: the messages the
    reference printed with `< `, request ids mapped to the ones our client sends."""

    def __init__(self, transcript: str):
        import io

        self.received, self.ref_request_ids = _parse_transcript(transcript)
        self.our_request_ids: list = []
        this = self

        class _Stdin(io.RawIOBase):
            def writable(self):
                return True

            def write(self, data):
                msg = json.loads(bytes(data))
                if "id" in msg and "method" in msg:
                    this.our_request_ids.append(msg["id"])
                return len(data)

        class _Stdout:
            def readline(self):
                if not this.received:
                    return b""
                msg = this.received.pop(0)
                if "id" in msg and "method" not in msg and msg["id"] in this.ref_request_ids:
                    k = this.ref_request_ids.index(msg["id"])
                    msg = dict(msg, id=this.our_request_ids[k])
                return json.dumps(msg).encode() + b"\n"

        self.stdin = _Stdin()
        self.stdout = _Stdout()

    def wait(self, timeout=None):
        return 0

    def kill(self):
        pass


def _parse_transcript(text: str) -> tuple[list[dict], list]:
    received, sent_ids, block, prefix = [], [], [], None
    for line in text.split("\n"):
        if line[:2] in ("< ", "> ") and (block or line[2:] == "{"):
            prefix = prefix or line[:2]
            block.append(line[2:])
            if line[2:] == "}":
                msg = json.loads("\n".join(block))
                if prefix == "< ":
                    received.append(msg)
                elif "id" in msg and "method" in msg:
                    sent_ids.append(msg["id"])
                block, prefix = [], None
    return received, sent_ids


@pytest.mark.reference
@pytest.mark.parametrize("scenario", ["hello", "shell", "failed", "reasoning"])
def test_send_message_v2_replayed_reference_transcript(scenario, capsys):
    """Our client fed the exact messages the reference's app-server sent: every line it prints
    (pretty JSON, Rust Debug renderings, turn end) equals the reference's, request ids aside."""
    from codex.app_server.send_message import run_send_message_v2

    code, raw, _, _ = _send_message("reference", scenario)
    assert code == 0
    body = raw.split("\n[Datadog trace]\n")[0]
    capsys.readouterr()
    child = _ReplayChild(raw)
    run_send_message_v2([], "Say hello.", child=child)
    ours = capsys.readouterr().out
    for k, rid in enumerate(_parse_transcript(raw)[1]):
        body = body.replace(rid, f"<REQUEST-ID-{k}>")
    for k, rid in enumerate(child.our_request_ids):
        ours = ours.replace(rid, f"<REQUEST-ID-{k}>")
    ref_lines, our_lines = body.split("\n"), ours.split("\n")
    for i, (a, b) in enumerate(zip(ref_lines, our_lines)):
        assert b == a, f"line {i + 1} differs"
    assert len(our_lines) == len(ref_lines)


@pytest.mark.reference
@pytest.mark.parametrize("kind", ["dead-socket", "regular-file"])
def test_stale_control_socket(kind):
    """A socket path nobody listens on (left by a killed server) or a plain file in its place."""
    import socket as _socket

    def side(which):
        with DaemonSandbox(which, managed=False) as sb:
            d = sb.codex_home / "app-server-control"
            d.mkdir(mode=0o700)
            path = d / "app-server-control.sock"
            if kind == "dead-socket":
                s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
                s.bind(str(path))
                s.close()
            else:
                path.write_text("not a socket\n")
            return [_result(sb, a, stdin="") for a in (["app-server", "daemon", "version"],
                                                       ["app-server", "daemon", "stop"],
                                                       ["app-server", "daemon", "start"],
                                                       ["app-server", "proxy"],
                                                       ["remote-control", "stop"])]

    ref, ours = _both(side)
    assert ours == ref


@pytest.mark.reference
@pytest.mark.parametrize("starter", SIDES)
def test_daemon_state_is_shared_between_the_two_clis(starter):
    """The pid file, locks, settings and socket are the reference's own: a daemon started by one
    CLI is seen, reconfigured and stopped by the other."""
    other = "ours" if starter == "reference" else "reference"
    with DaemonSandbox(starter) as sb:
        def run(which, *args):
            r = sb.env.run(list(args), which=which, timeout=120)
            return r.exit_code, json.loads(r.stdout) if r.stdout.strip() else r.stderr

        code, started = run(starter, "app-server", "daemon", "start")
        assert code == 0 and started["status"] == "started"
        code, version = run(other, "app-server", "daemon", "version")
        assert (code, version["status"], version.get("backend")) == (0, "running", "pid")
        code, again = run(other, "app-server", "daemon", "start")
        assert (code, again["status"]) == (0, "alreadyRunning")
        code, enabled = run(other, "app-server", "daemon", "enable-remote-control")
        assert (code, enabled["status"], enabled.get("backend")) == (0, "enabled", "pid")
        code, disabled = run(starter, "app-server", "daemon", "disable-remote-control")
        assert (code, disabled["status"]) == (0, "disabled")
        code, stopped = run(other, "app-server", "daemon", "stop")
        assert (code, stopped["status"]) == (0, "stopped")
        code, _ = run(starter, "app-server", "daemon", "version")
        assert code == 1


@pytest.mark.reference
def test_send_message_v2_config_errors_and_ignored_overrides():
    """A config.toml that does not load fails before anything is sent; `-c` given to the command
    changes nothing (0.136.0 passes no overrides on)."""
    import re

    def side(which):
        out = []
        with DaemonSandbox(which, managed=False, tag="send") as sb:
            sb.env.write_config('model = 5\n')
            out.append(_result(sb, ["debug", "app-server", "send-message-v2", "hi"]))
        with MockResponses(_sm_replies("hello")) as mock:
            with DaemonSandbox(which, managed=False, mock=mock, tag="send") as sb:
                r = sb.run("debug", "app-server", "send-message-v2", "-c", 'model="o3"',
                           "-c", 'sandbox_mode="bogus"', "Say hello.")
                out.append({"exit": r.exit_code, "models": re.findall(r'"model": "[^"]*"', r.stdout),
                            "stderr": r.stderr})
        return out

    ref, ours = _both(side)
    assert ours == ref
