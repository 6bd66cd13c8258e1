"""The `POST /responses` request: body and headers exactly as 0.136.0 sends them.

* `build_body(...)` -> dict with the reference's key order: model, instructions, input, tools,
  tool_choice, parallel_tool_calls, reasoning, store, stream, include, [service_tier],
  prompt_cache_key, [text], client_metadata. Values follow the model's catalog entry:
  `reasoning` is `{"effort"[, "summary"]}` when the model supports reasoning summaries (else
  null), `include` asks for `reasoning.encrypted_content` only with reasoning, `text.verbosity`
  only for models that support verbosity, `--output-schema` becomes `text.format`.
* `encode_body(body)` -> compact JSON bytes (serde_json's form: msgspec writes the same bytes).
* `build_headers(...)` -> the ordered header list: x-codex-beta-features,
  x-codex-turn-metadata, x-codex-window-id, x-client-request-id, session-id, thread-id, accept,
  provider headers, auth headers, content-type, originator, user-agent.
* `user_agent(originator, suffix)`: `codex_exec/0.136.0 (Debian 12.0.0; x86_64) unknown
  (codex_exec; 0.136.0)` built from the real OS (os_info's naming), the terminal, and the
  suffix the front end sets.
* `installation_id(codex_home)`: `CODEX_HOME/installation_id`, created (UUID v4, no newline,
  mode 0644) when missing or not a UUID, as core/src/installation_id.rs does.
"""

from __future__ import annotations

import os
import platform
import re
import uuid
from typing import Any, Iterable, Mapping, Sequence

__all__ = [
    "CLI_VERSION", "DEFAULT_ORIGINATOR", "build_body", "build_headers", "encode_body",
    "installation_id", "os_info", "terminal_user_agent", "turn_metadata_header", "user_agent",
]

CLI_VERSION = "0.136.0"
DEFAULT_ORIGINATOR = "codex_cli_rs"
INSTALLATION_ID_FILENAME = "installation_id"
INCLUDE_ENCRYPTED_REASONING = "reasoning.encrypted_content"
OUTPUT_SCHEMA_NAME = "codex_output_schema"


# ---------------------------------------------------------------------------------------------
# Body
# ---------------------------------------------------------------------------------------------


def _builtins(items: Iterable[Any]) -> list:
    import msgspec

    out = []
    for it in items:
        out.append(it if isinstance(it, dict) else msgspec.to_builtins(it))
    return out


def build_body(model_info, *, instructions: str, input: Sequence[Any], tools: Sequence[Any],
               prompt_cache_key: str | None, installation_id: str | None,
               reasoning_effort: str | None = None, reasoning_summary: str | None = None,
               verbosity: str | None = None, output_schema: Any = None,
               service_tier: str | None = None, parallel_tool_calls: bool | None = None,
               tool_choice: str = "auto", store: bool = False) -> dict:
    """The request body. `model_info` is a `catalog.ModelInfo`; `reasoning_effort`,
    `reasoning_summary` and `verbosity` are the configured values (None: the model's default).
    `input` items may be protocol structs or plain dicts (sent as given)."""
    reasoning = None
    if model_info.supports_reasoning_summaries:
        reasoning = {}
        effort = reasoning_effort if reasoning_effort is not None else model_info.default_reasoning_level
        if effort is not None:
            reasoning["effort"] = str(effort)
        summary = reasoning_summary if reasoning_summary is not None else model_info.default_reasoning_summary
        if summary is not None and str(summary) != "none":
            reasoning["summary"] = str(summary)
    include = [INCLUDE_ENCRYPTED_REASONING] if reasoning is not None else []
    if parallel_tool_calls is None:
        parallel_tool_calls = model_info.supports_parallel_tool_calls
    body: dict[str, Any] = {
        "model": model_info.slug,
        "instructions": instructions,
        "input": _builtins(input),
        "tools": list(tools),
        "tool_choice": tool_choice,
        "parallel_tool_calls": bool(parallel_tool_calls),
        "reasoning": reasoning,
        "store": store,
        "stream": True,
        "include": include,
    }
    if service_tier is not None:
        body["service_tier"] = service_tier
    if prompt_cache_key is not None:
        body["prompt_cache_key"] = prompt_cache_key
    text: dict[str, Any] = {}
    if model_info.support_verbosity:
        v = verbosity if verbosity is not None else model_info.default_verbosity
        if v is not None:
            text["verbosity"] = str(v)
    if output_schema is not None:
        text["format"] = {"type": "json_schema", "strict": True, "schema": output_schema,
                          "name": OUTPUT_SCHEMA_NAME}
    if text:
        body["text"] = text
    if installation_id is not None:
        body["client_metadata"] = {"x-codex-installation-id": installation_id}
    return body


def encode_body(body: Mapping[str, Any]) -> bytes:
    import msgspec

    return msgspec.json.encode(body)


# ---------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------


def turn_metadata_header(metadata: Mapping[str, Any] | str) -> str:
    """`x-codex-turn-metadata`: the caller's dict as compact JSON, keys in the given order."""
    if isinstance(metadata, str):
        return metadata
    import msgspec

    return msgspec.json.encode(metadata).decode("utf-8")


def build_headers(*, thread_id: str | None, window_id: str | None = None,
                  turn_metadata: Mapping[str, Any] | str | None = None,
                  beta_features: Sequence[str] = (), originator: str = "codex_exec",
                  user_agent_value: str | None = None,
                  provider_headers: Sequence[tuple[str, str]] = (),
                  auth_headers: Mapping[str, str] | None = None,
                  extra: Sequence[tuple[str, str]] = (),
                  session_id: str | None = None) -> list[tuple[str, str]]:
    h: list[tuple[str, str]] = []
    if beta_features:
        h.append(("x-codex-beta-features", ",".join(beta_features)))
    if turn_metadata is not None:
        h.append(("x-codex-turn-metadata", turn_metadata_header(turn_metadata)))
    if window_id is not None:
        h.append(("x-codex-window-id", window_id))
    if thread_id is not None:
        h.append(("x-client-request-id", thread_id))
        # a sub-agent's requests name the parent session and their own thread
        h.append(("session-id", session_id or thread_id))
        h.append(("thread-id", thread_id))
    h.extend(extra)
    h.append(("accept", "text/event-stream"))
    h.extend(provider_headers)
    for k, v in (auth_headers or {}).items():
        h.append((k.lower(), v))
    h.append(("content-type", "application/json"))
    h.append(("originator", originator))
    h.append(("user-agent", user_agent_value if user_agent_value is not None else user_agent(originator)))
    return h


# os_info's names for /etc/os-release IDs (os_info::Type Display).
_OS_TYPES = {
    "alpine": "Alpine Linux", "amzn": "Amazon Linux AMI", "arch": "Arch Linux", "archarm": "Arch Linux",
    "centos": "CentOS", "debian": "Debian", "fedora": "Fedora", "gentoo": "Gentoo Linux",
    "linuxmint": "Linux Mint", "manjaro": "Manjaro", "nixos": "NixOS", "opensuse": "openSUSE",
    "opensuse-leap": "openSUSE", "opensuse-tumbleweed": "openSUSE", "ol": "OracleLinux",
    "pop": "Pop!_OS", "raspbian": "Raspbian", "rhel": "Red Hat Enterprise Linux", "rocky": "Rocky Linux",
    "sles": "SUSE Linux Enterprise Server", "ubuntu": "Ubuntu", "void": "Void Linux", "mariner": "Mariner",
    "almalinux": "AlmaLinux", "kali": "Kali Linux", "garuda": "Garuda Linux", "endeavouros": "EndeavourOS",
}


def _os_release() -> dict[str, str]:
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        out = {}
        for line in text.splitlines():
            k, sep, v = line.partition("=")
            if sep:
                out[k.strip()] = v.strip().strip('"').strip("'")
        return out
    return {}


def _os_version(raw: str | None) -> str:
    """os_info::Version: "12" -> "12.0.0", "22.04" -> "22.4.0", else the raw text."""
    if not raw:
        return "Unknown"
    parts = raw.split(".")
    if 1 <= len(parts) <= 3 and all(p.isdigit() for p in parts):
        nums = [int(p) for p in parts] + [0] * (3 - len(parts))
        return f"{nums[0]}.{nums[1]}.{nums[2]}"
    return raw


def os_info() -> tuple[str, str, str]:
    """(os type, version, architecture) as the os_info crate reports them."""
    arch = platform.machine() or "unknown"
    system = platform.system()
    if system == "Linux":
        rel = _os_release()
        os_type = _OS_TYPES.get(rel.get("ID", "").lower(), "Linux")
        return os_type, _os_version(rel.get("VERSION_ID")), arch
    if system == "Darwin":
        return "Mac OS", _os_version(platform.mac_ver()[0]), arch
    return system or "Unknown", _os_version(platform.release()), arch


def terminal_user_agent(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    prog = (env.get("TERM_PROGRAM") or "").strip()
    if prog:
        ver = (env.get("TERM_PROGRAM_VERSION") or "").strip()
        return f"{prog}/{ver}" if ver else prog
    if (env.get("WEZTERM_VERSION") or "").strip():
        return f"WezTerm/{env['WEZTERM_VERSION'].strip()}"
    if env.get("KITTY_WINDOW_ID") or "kitty" in (env.get("TERM") or ""):
        return "kitty"
    if env.get("ALACRITTY_SOCKET") or env.get("TERM") == "alacritty":
        return "Alacritty"
    if (env.get("KONSOLE_VERSION") or "").strip():
        return f"Konsole/{env['KONSOLE_VERSION'].strip()}"
    if env.get("GNOME_TERMINAL_SCREEN"):
        return "gnome-terminal"
    if (env.get("VTE_VERSION") or "").strip():
        return f"VTE/{env['VTE_VERSION'].strip()}"
    if env.get("WT_SESSION"):
        return "WindowsTerminal"
    term = (env.get("TERM") or "").strip()
    return term or "unknown"


_UA_BAD = re.compile(r"[^\x20-\x7e]")


def user_agent(originator: str = DEFAULT_ORIGINATOR, suffix: str | None = None,
               environ: Mapping[str, str] | None = None) -> str:
    """`<originator>/0.136.0 (<os> <version>; <arch>) <terminal>[ (<suffix>)]`; characters a
    header value cannot carry become '_' (upstream's sanitize_user_agent)."""
    os_type, version, arch = os_info()
    prefix = f"{originator}/{CLI_VERSION} ({os_type} {version}; {arch}) {terminal_user_agent(environ)}"
    candidate = prefix + (f" ({suffix})" if suffix else "")
    return _UA_BAD.sub("_", candidate)


def exec_user_agent(environ: Mapping[str, str] | None = None) -> str:
    """What `codex exec` sends: originator codex_exec, suffix `codex_exec; 0.136.0`."""
    return user_agent("codex_exec", f"codex_exec; {CLI_VERSION}", environ)


# ---------------------------------------------------------------------------------------------
# Installation id
# ---------------------------------------------------------------------------------------------


def installation_id(codex_home: str) -> str:
    """Read `CODEX_HOME/installation_id` (trimmed, must parse as a UUID) or create it."""
    import fcntl

    os.makedirs(codex_home, exist_ok=True)
    path = os.path.join(codex_home, INSTALLATION_ID_FILENAME)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = b""
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
        text = data.decode("utf-8", errors="replace").strip()
        if text:
            try:
                return str(uuid.UUID(text))
            except ValueError:
                pass
        new = str(uuid.uuid4())
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, new.encode("ascii"))
        os.fsync(fd)
        try:
            os.fchmod(fd, 0o644)
        except OSError:
            pass
        return new
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# From the config
# ---------------------------------------------------------------------------------------------


def options_from_config(config_raw: Mapping[str, Any], model: str | None = None) -> dict:
    """`build_body` keyword arguments that follow from the effective config: the model
    (`model`, default gpt-5.5) and its catalog entry, `model_reasoning_effort`,
    `model_reasoning_summary`, `model_verbosity`, `service_tier`, and the instructions: `base_instructions`, else
    the file `model_instructions_file` names, else the model's own with `personality` (default
    "pragmatic"; "none" fills in the template's `personality_default`)."""
    from codex.model import catalog

    slug = model or config_raw.get("model") or catalog.DEFAULT_MODEL
    info = catalog.model_info(slug)
    instructions = config_raw.get("base_instructions")
    if instructions is None and config_raw.get("model_instructions_file"):
        with open(os.path.expanduser(str(config_raw["model_instructions_file"])), encoding="utf-8") as f:
            instructions = f.read()
    if instructions is None:
        personality = config_raw.get("personality") or catalog.DEFAULT_PERSONALITY
        instructions = info.base_instructions(personality)
    return {
        "model_info": info,
        "instructions": instructions,
        "reasoning_effort": config_raw.get("model_reasoning_effort"),
        "reasoning_summary": config_raw.get("model_reasoning_summary"),
        "verbosity": config_raw.get("model_verbosity"),
        "service_tier": request_service_tier(info, config_raw.get("service_tier")),
    }


def request_service_tier(model_info, configured: str | None) -> str | None:
    """`service_tier` as sent: the configured tier ("fast" is the catalog's "priority") when the
    model lists it among its `service_tiers`, else none (the reference drops it silently)."""
    if not configured:
        return None
    tier = "priority" if configured == "fast" else str(configured)
    ids = {t.get("id") for t in (model_info.get("service_tiers") or []) if isinstance(t, dict)}
    return tier if tier in ids else None
