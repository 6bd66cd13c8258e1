"""The `<environment_context>` user-message text, as codex 0.136.0 sends it."""
from __future__ import annotations

import datetime as _dt
import os
from typing import Iterable

OPEN_TAG = "<environment_context>"
CLOSE_TAG = "</environment_context>"


def _esc(text: str) -> str:
    # xml.sax.saxutils.escape without its import cost (it pulls in urllib/http/email, ~90 ms)
    return str(text).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def local_timezone() -> str:
    """IANA name of the local zone (TZ, /etc/timezone, /etc/localtime link); Etc/UTC fallback."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and "/" in tz and not tz.startswith("/"):
        return tz
    if tz in ("UTC", "Etc/UTC"):
        return "Etc/UTC"
    try:
        link = os.readlink("/etc/localtime")
        marker = "zoneinfo/"
        if marker in link:
            return link.split(marker, 1)[1]
    except OSError:
        pass
    try:
        with open("/etc/timezone", encoding="utf-8") as fh:
            name = fh.read().strip()
            if name:
                return "Etc/UTC" if name == "UTC" else name
    except OSError:
        pass
    return "Etc/UTC"


def current_date(now: _dt.datetime | None = None) -> str:
    return (now or _dt.datetime.now().astimezone()).strftime("%Y-%m-%d")


def _entry(access: str, *, path: str | None = None, special: str | None = None) -> str:
    inner = f"<special>{_esc(special)}</special>" if special is not None else f"<path>{_esc(path)}</path>"
    return f'<entry access="{access}">{inner}</entry>'


def permission_profile_xml(sandbox_mode: str, cwd: str, *, writable_roots: Iterable[str] = (),
                           protected_subdirs: Iterable[str] = (".git", ".agents", ".codex")) -> str:
    mode = str(sandbox_mode).strip().lower().replace("_", "-")
    if mode == "danger-full-access":
        return '<permission_profile type="disabled"><file_system type="unrestricted" /></permission_profile>'
    entries = [_entry("read", special=":root")]
    if mode == "workspace-write":
        for root in writable_roots:
            entries.append(_entry("write", path=root))
        entries.append(_entry("write", path=cwd))
        entries.append(_entry("write", special=":slash_tmp"))
        entries.append(_entry("write", special=":tmpdir"))
        for sub in protected_subdirs:
            entries.append(_entry("read", path=f"{cwd.rstrip('/')}/{sub}"))
    elif mode != "read-only":
        raise ValueError(f"unknown sandbox mode: {sandbox_mode!r}")
    return ('<permission_profile type="managed"><file_system type="restricted">'
            + "".join(entries) + "</file_system></permission_profile>")


def environment_context(cwd: str, *, sandbox_mode: str = "read-only", shell: str = "bash",
                        date: str | None = None, timezone: str | None = None,
                        workspace_roots: Iterable[str] | None = None,
                        writable_roots: Iterable[str] = ()) -> str:
    roots = list(workspace_roots) if workspace_roots is not None else [cwd]
    fs = ("<filesystem><workspace_roots>"
          + "".join(f"<root>{_esc(r)}</root>" for r in roots)
          + "</workspace_roots>"
          + permission_profile_xml(sandbox_mode, cwd, writable_roots=writable_roots)
          + "</filesystem>")
    lines = [
        OPEN_TAG,
        f"  <cwd>{_esc(cwd)}</cwd>",
        f"  <shell>{_esc(shell)}</shell>",
        f"  <current_date>{date or current_date()}</current_date>",
        f"  <timezone>{_esc(timezone or local_timezone())}</timezone>",
        f"  {fs}",
        CLOSE_TAG,
    ]
    return "\n".join(lines)
