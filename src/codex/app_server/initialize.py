"""``initialize`` / ``initialized`` and what the reference sends right after the handshake.

``initialize`` answers ``{userAgent, codexHome, platformFamily, platformOs}`` (the user agent's
originator and suffix come from ``clientInfo``), records the capabilities on the connection
(``experimentalApi``, ``requestAttestation``, ``optOutNotificationMethods``), then sends
``configWarning`` (only when no ``bwrap`` is on PATH, as 0.136.0 does on Linux) and
``remoteControl/status/changed``.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import sys

BWRAP_WARNING = (
    "Codex could not find bubblewrap on PATH. Install bubblewrap with your OS package manager. "
    "See the sandbox prerequisites: https://developers.openai.com/codex/concepts/sandboxing#prerequisites. "
    "Codex will use the bundled bubblewrap in the meantime."
)


def platform_family() -> str:
    return "windows" if sys.platform.startswith("win") else "unix"


def platform_os() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("win"):
        return "windows"
    return platform.system().lower()


def remote_control_status(server) -> dict:
    from codex.model.request import installation_id

    return {
        "status": "disabled",
        "serverName": socket.gethostname(),
        "installationId": installation_id(server.codex_home),
        "environmentId": None,
    }


def bwrap_missing(environ) -> bool:
    return sys.platform.startswith("linux") and shutil.which("bwrap", path=environ.get("PATH")) is None


def startup_warnings(server) -> list[dict]:
    """``configWarning`` params sent after ``initialize``."""
    out = []
    if getattr(server, "session_source", None) == "exec":
        # `codex exec` prints this warning itself (human mode, sandboxed runs only)
        return out
    if bwrap_missing(server.environ):
        out.append({"summary": BWRAP_WARNING, "details": None})
    return out


def register_methods(registry, server) -> None:
    async def initialize(params, conn):
        from codex.model.request import user_agent

        info = params.get("clientInfo") or {}
        caps = params.get("capabilities") or {}
        conn.client_info = info
        conn.experimental_api = bool(caps.get("experimentalApi"))
        conn.request_attestation = bool(caps.get("requestAttestation"))
        conn.opt_out = set(caps.get("optOutNotificationMethods") or ())
        name = info.get("name") or "codex_app_server"
        ua = user_agent(name, f"{name}; {info.get('version', '')}", server.environ)
        conn.initialized = True

        def after():
            for warning in startup_warnings(server):
                conn.notify("configWarning", warning)
            conn.notify("remoteControl/status/changed", remote_control_status(server))

        conn.after_response(after)
        return {
            "userAgent": ua,
            "codexHome": os.path.abspath(server.codex_home),
            "platformFamily": platform_family(),
            "platformOs": platform_os(),
        }

    registry.register("initialize", initialize)
    server.notification_handlers.setdefault("initialized", lambda params, conn: None)
