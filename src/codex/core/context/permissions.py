"""The `<permissions instructions>` developer text (sandbox mode x approval policy).

Wording follows codex 0.136.0 as captured on the wire; the per-mode sentences are shipped as
package data under templates/permissions/ (see templates/NOTICE).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable

_TEMPLATES = Path(__file__).with_name("templates") / "permissions"

OPEN_TAG = "<permissions instructions>"
CLOSE_TAG = "</permissions instructions>"

_SANDBOX_FILES = {
    "read-only": "read_only.md",
    "workspace-write": "workspace_write.md",
    "danger-full-access": "danger_full_access.md",
}
# Captured from codex 0.136.0 (fixtures/core/permissions_cases.json): `never` via `codex exec`
# (which always runs with `never`) and app-server; the others via `codex app-server` thread/start.
# The texts are used verbatim: on_request.md keeps its trailing blanks and untrusted.md its
# leading blank, exactly as sent on the wire.
_APPROVAL_FILES = {
    "never": "never.md",
    "on-request": "on_request.md",
    "on-failure": "on_failure.md",
    "untrusted": "untrusted.md",
}
_APPROVAL_ALIASES = {"unless-trusted": "untrusted", "onrequest": "on-request", "onfailure": "on-failure"}


@lru_cache(maxsize=None)
def _template(kind: str, name: str) -> str:
    return (_TEMPLATES / kind / name).read_text(encoding="utf-8")


def _norm(value: str) -> str:
    return str(value).strip().lower().replace("_", "-")


def sandbox_text(sandbox_mode: str, network_access: bool) -> str:
    mode = _norm(sandbox_mode)
    try:
        name = _SANDBOX_FILES[mode]
    except KeyError:
        raise ValueError(f"unknown sandbox mode: {sandbox_mode!r}") from None
    label = "enabled" if network_access else "restricted"
    return _template("sandbox_mode", name).replace("{network_access}", label)


def approval_text(approval_policy: str) -> str:
    policy = _norm(approval_policy)
    policy = _APPROVAL_ALIASES.get(policy, policy)
    try:
        name = _APPROVAL_FILES[policy]
    except KeyError:
        raise NotImplementedError(
            f"permissions wording for approval policy {approval_policy!r} is not captured") from None
    return _template("approval_policy", name)


def writable_roots_text(writable_roots: Iterable[str] | None) -> str:
    roots = [str(r) for r in (writable_roots or ()) if str(r).strip()]
    if not roots:
        return ""
    rendered = [f"`{r}`" for r in roots]
    if len(rendered) == 1:
        return f" The writable root is {rendered[0]}.\n"
    return f" The writable roots are {', '.join(rendered)}.\n"


def default_writable_roots(cwd: str, extra: Iterable[str] = (), *,
                           include_slash_tmp: bool = True, tmpdir: str | None = None) -> list[str]:
    """Writable roots of workspace-write as listed in the prompt: deduplicated, sorted."""
    roots: list[str] = [str(x) for x in extra]
    roots.append(str(cwd))
    if include_slash_tmp:
        roots.append("/tmp")
    if tmpdir:
        roots.append(str(tmpdir).rstrip("/") or "/")
    return sorted(dict.fromkeys(roots))


def permissions_instructions(sandbox_mode: str, approval_policy: str = "never", *,
                             network_access: bool | None = None,
                             writable_roots: Iterable[str] | None = None) -> str:
    """The full `<permissions instructions>` block.

    `network_access` defaults to enabled only under danger-full-access. `writable_roots` is only
    rendered for workspace-write.
    """
    mode = _norm(sandbox_mode)
    if network_access is None:
        network_access = mode == "danger-full-access"
    text = OPEN_TAG + "\n" + sandbox_text(mode, network_access) + approval_text(approval_policy)
    if mode == "workspace-write":
        text += writable_roots_text(writable_roots)
    return text + CLOSE_TAG
