"""``codex app-server`` (serve), ``codex app-server generate-json-schema`` and
``codex app-server generate-ts``. Imported only when one of them runs."""

from __future__ import annotations

from codex._stdio import err as _err


def serve_cmd(invocation) -> int:
    import asyncio

    from codex.config.errors import ConfigError
    from codex.config.features import UnknownFeatureError, toggle_overrides
    from codex.config.overrides import OverrideError

    from .server import AppServer
    from .transport import run

    values = invocation.values
    try:
        toggle_overrides(values.get("enable"), values.get("disable"))
    except UnknownFeatureError as exc:
        _err(f"Error: {exc}\n")
        return 1
    listen = "stdio://" if values.get("stdio") else (values.get("listen") or "stdio://")
    if listen == "off" and not values.get("remote_control"):
        _err("Error: no transport configured; use --listen or enable remote control\n")
        return 1
    server = AppServer(
        cli_overrides=invocation.config_overrides,
        enable=values.get("enable") or (),
        disable=values.get("disable") or (),
        strict_config=bool(invocation.level_value("strict_config")),
    )
    try:
        server.config()
    except OverrideError as exc:
        _err(f"Error: {exc}\n")
        return 1
    except ConfigError as exc:
        _err(exc.render())
        return 1
    from .remote_control import install as _install_remote_control

    _install_remote_control(server, bool(values.get("remote_control")))
    try:
        asyncio.run(run(server, listen))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        _err(f"Error: {exc}\n")
        return 1
    return 0


class _Failure(Exception):
    """anyhow-style error: ``Error: <context>`` then ``Caused by:`` the OS error."""

    def __init__(self, context: str, cause: OSError | str | None = None):
        super().__init__(context)
        self.context = context
        self.cause = cause

    def render(self) -> str:
        text = f"Error: {self.context}\n"
        if self.cause is not None:
            cause = self.cause
            if isinstance(cause, OSError):
                cause = f"{cause.strerror} (os error {cause.errno})"
            text += f"\nCaused by:\n    {cause}\n"
        return text


def _ensure_dir(path: str) -> None:
    import os

    try:
        os.makedirs(path, exist_ok=True)
        if not os.path.isdir(path):
            raise FileExistsError(17, "File exists")
    except OSError as exc:
        raise _Failure(f"Failed to create output directory {path}", exc) from None


def generate_json_schema_cmd(invocation) -> int:
    from .schema_gen import write_json_schema

    out = invocation.values["out"]
    try:
        _ensure_dir(out)
        write_json_schema(out, experimental=bool(invocation.values.get("experimental")))
    except _Failure as exc:
        _err(exc.render())
        return 1
    except OSError as exc:
        _err(_Failure(f"Failed to write JSON schema to {out}", exc).render())
        return 1
    return 0


def generate_ts_cmd(invocation) -> int:
    import os
    import subprocess

    from .schema_gen import write_typescript

    out = invocation.values["out"]
    prettier = invocation.values.get("prettier")
    try:
        _ensure_dir(out)
        _ensure_dir(os.path.join(out, "v2"))
        paths = write_typescript(out, experimental=bool(invocation.values.get("experimental")))
        if prettier and paths:
            try:
                proc = subprocess.run([prettier, "--write", "--log-level", "warn", *paths])
            except OSError as exc:
                raise _Failure(f"Failed to invoke Prettier at {prettier}", exc) from None
            if proc.returncode != 0:
                status = (f"exit status: {proc.returncode}" if proc.returncode >= 0
                          else f"signal: {-proc.returncode}")
                raise _Failure(f"Prettier failed with status {status}")
    except _Failure as exc:
        _err(exc.render())
        return 1
    except OSError as exc:
        _err(_Failure(f"Failed to write TypeScript to {out}", exc).render())
        return 1
    return 0


def proxy_cmd(invocation) -> int:
    """``codex app-server proxy [--sock PATH]``: relay stdin/stdout bytes to the control socket
    (the client speaks the socket's protocol, WebSocket, itself), until either side closes."""
    import os
    import socket
    import sys
    import threading

    from codex.config.loader import find_codex_home

    from .transport import default_unix_socket_path

    path = invocation.values.get("sock") or default_unix_socket_path(find_codex_home())
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        _err(_Failure(f"failed to connect to socket at {path}", exc).render())
        return 1
    out = sys.stdout.buffer

    def downstream() -> None:
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                out.write(data)
                out.flush()
        except OSError:
            pass
        finally:
            os._exit(0)

    threading.Thread(target=downstream, daemon=True).start()
    stdin = sys.stdin.buffer
    try:
        while True:
            data = stdin.read1(65536) if hasattr(stdin, "read1") else stdin.read(65536)
            if not data:
                break
            sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        return 0
    threading.Event().wait()   # downstream ends the process when the server closes
    return 0
