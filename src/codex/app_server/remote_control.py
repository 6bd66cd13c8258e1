"""Remote control: the app-server's ``remoteControl/*`` state and ``codex remote-control
[start|stop]`` (0.136.0 ``cli/src/remote_control_cmd.rs`` + the daemon crate's
``remote_control_client.rs``).

The connection itself goes to the ChatGPT backend (an enrollment, then a websocket), which this
build does not implement. What remains is what 0.136.0 does when that backend cannot be
reached (probed offline): an app-server started with ``--remote-control`` reports ``errored``
in its first ``remoteControl/status/changed``; ``remoteControl/enable`` answers ``connecting``,
then notifies ``connecting`` and, when the connection attempt fails, ``errored``; the CLI turns
an ``errored`` status into ``Error: Remote control is enabled on <host> but the connection is
errored.`` (exit 1) after having started the daemon.
"""

from __future__ import annotations

import json
import socket
import time

from codex._stdio import err as _err, out as _out

from .control_client import AnyhowError, ControlClient

__all__ = ["install", "start_cmd", "stop_cmd", "foreground_cmd"]

# How long after `remoteControl/enable` the failed connection attempt is reported (the reference
# reports it about 50 ms later when the backend is unreachable).
CONNECT_FAILURE_DELAY = 0.05
REMOTE_CONTROL_READY_TIMEOUT = 10.0
REMOTE_CONTROL_ENABLE_RESPONSE_TIMEOUT = 10.0

_STATE_KEY = "remote_control_status"
_ENABLED_KEY = "remote_control_launch_enabled"


# ---------------------------------------------------------------------------------------------
# app-server side
# ---------------------------------------------------------------------------------------------


def _status_params(server, status: str) -> dict:
    from codex.model.request import installation_id

    return {"status": status, "serverName": socket.gethostname(),
            "installationId": installation_id(server.codex_home), "environmentId": None}


def _patch_initialize() -> None:
    from . import initialize

    if getattr(initialize.remote_control_status, "_remote_control_aware", False):
        return
    original = initialize.remote_control_status

    def remote_control_status(server) -> dict:
        status = server.state.get(_STATE_KEY)
        if status is None:
            return original(server)
        return _status_params(server, status)

    remote_control_status._remote_control_aware = True
    initialize.remote_control_status = remote_control_status


def install(server, enabled: bool) -> None:
    """Give ``server`` the remote-control state (``enabled``: started with ``--remote-control``)
    and the ``remoteControl/enable`` / ``remoteControl/disable`` methods."""
    _patch_initialize()
    server.state[_STATE_KEY] = "errored" if enabled else "disabled"
    server.state[_ENABLED_KEY] = enabled

    async def enable(params, conn):
        import asyncio

        srv = conn.server
        srv.state[_STATE_KEY] = "connecting"
        if srv.state.get(_ENABLED_KEY):
            loop = asyncio.get_running_loop()

            def failed() -> None:
                if srv.state.get(_STATE_KEY) == "connecting":
                    srv.state[_STATE_KEY] = "errored"
                    srv.broadcast("remoteControl/status/changed", _status_params(srv, "errored"))

            def after() -> None:
                srv.broadcast("remoteControl/status/changed", _status_params(srv, "connecting"))
                loop.call_later(CONNECT_FAILURE_DELAY, failed)

            conn.after_response(after)
        return _status_params(srv, "connecting")

    async def disable(params, conn):
        srv = conn.server
        previous = srv.state.get(_STATE_KEY)
        srv.state[_STATE_KEY] = "disabled"
        if srv.state.get(_ENABLED_KEY) and previous != "disabled":
            conn.after_response(lambda: srv.broadcast("remoteControl/status/changed",
                                                      _status_params(srv, "disabled")))
        return _status_params(srv, "disabled")

    server.registry.register("remoteControl/enable", enable)
    server.registry.register("remoteControl/disable", disable)


# ---------------------------------------------------------------------------------------------
# client side
# ---------------------------------------------------------------------------------------------


def _summary(result: dict) -> dict:
    return {"status": result.get("status"), "serverName": result.get("serverName", ""),
            "environmentId": result.get("environmentId"), "timedOut": False}


def _status_notification(msg: dict) -> dict | None:
    if msg.get("method") != "remoteControl/status/changed" or "id" in msg:
        return None
    params = msg.get("params")
    if not isinstance(params, dict) or params.get("status") not in (
            "disabled", "connecting", "connected", "errored"):
        return None
    return params


def _wait_for_status(client: ControlClient, summary: dict, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            summary["timedOut"] = True
            return summary
        try:
            msg = client.read_message(timeout=remaining)
        except TimeoutError:
            summary["timedOut"] = True
            return summary
        params = _status_notification(msg)
        if params is None:
            continue
        summary = _summary(params)
        if summary["status"] != "connecting":
            return summary


def enable_remote_control(socket_path: str, *, client_name: str | None = None,
                          request_id=2, response_timeout: float | None = None) -> dict:
    """Connect, initialize (experimental), ``remoteControl/enable``; wait while ``connecting``."""
    client = ControlClient(socket_path).connect()
    try:
        if client_name is None:
            client.initialize(experimental_api=True)
        else:
            client.initialize(experimental_api=True, name=client_name, title=None)
        client.initialized()
        try:
            client.send({"id": request_id, "method": "remoteControl/enable"})
        except OSError as exc:
            raise AnyhowError("failed to send remoteControl/enable request", exc) from None
        while True:
            try:
                msg = client.read_message(timeout=response_timeout)
            except TimeoutError:
                raise AnyhowError("timed out waiting for remoteControl/enable response",
                                  "deadline has elapsed") from None
            if msg.get("id") == request_id and "result" in msg:
                result = msg["result"] if isinstance(msg["result"], dict) else {}
                break
            if msg.get("id") == request_id and isinstance(msg.get("error"), dict):
                raise AnyhowError(f"remoteControl/enable failed: {msg['error'].get('message', '')}")
        summary = _summary(result)
        if summary["status"] == "connecting":
            summary = _wait_for_status(client, summary, REMOTE_CONTROL_READY_TIMEOUT)
        return summary
    finally:
        client.close()


def _ensure_startable(summary: dict) -> None:
    if summary["status"] == "errored":
        raise AnyhowError(f"Remote control is enabled on {summary['serverName']} but the connection is errored.")
    if summary["status"] == "disabled":
        raise AnyhowError(f"Remote control is disabled on {summary['serverName']}.")


def _human_message(summary: dict) -> str:
    if summary["status"] == "connected":
        return f"This machine is available for remote control as {summary['serverName']}."
    return f"Remote control is enabled on {summary['serverName']} and still connecting."


def _json_flag(invocation) -> bool:
    return bool(invocation.values.get("json") or invocation.level_value("json"))


def _progress(json_mode: bool, message: str) -> None:
    if not json_mode:
        _out(message + "\n")


def start_cmd(invocation) -> int:
    from .daemon import Daemon

    json_mode = _json_flag(invocation)
    _progress(json_mode, "Starting app-server daemon with remote control enabled...")
    try:
        daemon = Daemon.from_environment()
        started = daemon.ensure_remote_control_started()
        summary = enable_remote_control(daemon.socket_path)
        _ensure_startable(summary)
    except AnyhowError as exc:
        _err(exc.render())
        return 1
    if json_mode:
        out = {"mode": "daemon", **summary, "daemon": started}
        _out(json.dumps(out, separators=(",", ":")) + "\n")
        return 0
    lines = [_human_message(summary), "Daemon used app-server:",
             f"  path: {started.get('managedCodexPath')}",
             f"  version: {started.get('managedCodexVersion') or 'unknown'}"]
    _out("".join(line + "\n" for line in lines))
    return 0


_STOP_MESSAGES = {"stopped": "Remote control stopped.", "notRunning": "Remote control is not running."}
_STATUS_DEBUG = {"alreadyRunning": "AlreadyRunning", "started": "Started", "restarted": "Restarted",
                 "running": "Running"}


def stop_cmd(invocation) -> int:
    from .daemon import Daemon

    json_mode = _json_flag(invocation)
    _progress(json_mode, "Stopping remote control...")
    try:
        output = Daemon.from_environment().run("stop")
    except AnyhowError as exc:
        _err(exc.render())
        return 1
    if json_mode:
        _out(json.dumps(output, separators=(",", ":")) + "\n")
    else:
        status = output["status"]
        message = _STOP_MESSAGES.get(status) or (
            f"Remote control stop completed with status {_STATUS_DEBUG.get(status, status)}.")
        _out(message + "\n")
    return 0


def foreground_cmd(invocation) -> int:
    """``codex remote-control``: an in-process app-server with remote control enabled on a
    private Unix socket (``/tmp/codex-rc-*/rc.sock``), until Ctrl-C."""
    import asyncio
    import os
    import shutil
    import tempfile

    from codex.config.errors import ConfigError
    from codex.config.overrides import OverrideError

    from .server import AppServer
    from .transport import serve_unix

    json_mode = _json_flag(invocation)
    _progress(json_mode, "Starting app-server with remote control enabled...")
    try:
        socket_dir = tempfile.mkdtemp(prefix="codex-rc-", dir="/tmp")
    except OSError:
        socket_dir = tempfile.mkdtemp(prefix="codex-rc-")
    socket_path = os.path.join(socket_dir, "rc.sock")
    server = AppServer(cli_overrides=invocation.config_overrides,
                       enable=invocation.values.get("enable") or (),
                       disable=invocation.values.get("disable") or (), session_source="vscode")
    try:
        server.config()
    except OverrideError as exc:
        shutil.rmtree(socket_dir, ignore_errors=True)
        _err(f"Error: {exc}\n")
        return 1
    except ConfigError as exc:
        shutil.rmtree(socket_dir, ignore_errors=True)
        _err(exc.render())
        return 1
    install(server, True)

    async def main() -> int:
        import signal

        srv = await serve_unix(server, socket_path)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        try:
            ready = loop.run_in_executor(None, lambda: enable_remote_control(
                socket_path, client_name="codex-remote-control", request_id="remote-control-enable",
                response_timeout=REMOTE_CONTROL_ENABLE_RESPONSE_TIMEOUT))
            stopper = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({ready, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                return 0
            stopper.cancel()
            try:
                summary = ready.result()
                _ensure_startable(summary)
            except AnyhowError as exc:
                _err(exc.render())
                return 1
            if json_mode:
                _out(json.dumps({"mode": "foreground", **summary}, separators=(",", ":")) + "\n")
            else:
                _out(_human_message(summary) + "\nPress Ctrl-C to stop.\n")
            await stop.wait()
            return 0
        finally:
            srv.close()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        _err(f"Error: {exc}\n")
        return 1
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)
