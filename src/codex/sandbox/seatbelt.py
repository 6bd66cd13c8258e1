"""macOS Seatbelt: the policy text and the `sandbox-exec` argv for a sandbox policy.

Mirrors codex-rs/sandboxing/src/seatbelt.rs (`create_seatbelt_command_args`): the base policy
(sbpl/seatbelt_base_policy.sbpl, upstream's file byte for byte), then the read section, the write
section (`WRITABLE_ROOT_i` params with `require-not` carve-outs for the protected subpaths), the
network section (full network, or only loopback proxy ports when proxy variables are set), and
the restricted platform defaults when a restricted read policy asks for them. Paths are passed
as `-DKEY=VALUE` parameters, never spliced into the policy text. Pure text: testable anywhere.
"""

from __future__ import annotations

import os
from functools import lru_cache
from urllib.parse import urlsplit

from codex.sandbox.policy import PermissionProfile, SandboxPolicy

__all__ = [
    "MACOS_PATH_TO_SEATBELT_EXECUTABLE",
    "base_policy",
    "create_seatbelt_command_args",
    "dynamic_network_policy",
    "network_policy",
    "seatbelt_regex_for_unreadable_glob",
]

MACOS_PATH_TO_SEATBELT_EXECUTABLE = "/usr/bin/sandbox-exec"
PROXY_URL_ENV_KEYS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "WS_PROXY", "WSS_PROXY")


@lru_cache(maxsize=None)
def _sbpl(name: str) -> str:
    from importlib.resources import files

    return files("codex.sandbox").joinpath("sbpl", name).read_text(encoding="utf-8")


def base_policy() -> str:
    return _sbpl("seatbelt_base_policy.sbpl")


def network_policy() -> str:
    return _sbpl("seatbelt_network_policy.sbpl")


def platform_defaults_policy() -> str:
    return _sbpl("restricted_read_only_platform_defaults.sbpl")


def _normalize(path: str) -> str:
    """Canonical path when it exists (seatbelt sees /private/tmp, not /tmp), else as given."""
    try:
        return os.path.realpath(path, strict=True)
    except (OSError, TypeError):
        return path


def _proxy_env_value(env: dict[str, str], key: str) -> str | None:
    return env.get(key) or env.get(key.lower())


def proxy_loopback_ports_from_env(env: dict[str, str]) -> list[int]:
    ports: set[int] = set()
    for key in PROXY_URL_ENV_KEYS:
        value = (_proxy_env_value(env, key) or "").strip()
        if not value:
            continue
        candidate = value if "://" in value else f"http://{value}"
        try:
            parts = urlsplit(candidate)
            host, port = parts.hostname, parts.port
        except ValueError:
            continue
        if host is None or not (host.lower() == "localhost" or host in ("127.0.0.1", "::1")):
            continue
        scheme = parts.scheme.lower()
        if port is None:
            port = 443 if scheme == "https" else 1080 if scheme in ("socks5", "socks5h", "socks4", "socks4a") else 80
        ports.add(port)
    return sorted(ports)


def has_proxy_url_env_vars(env: dict[str, str]) -> bool:
    return any((_proxy_env_value(env, k) or "").strip() for k in PROXY_URL_ENV_KEYS)


def dynamic_network_policy(network_enabled: bool, *, ports: list[int] = (), has_proxy_config: bool = False,
                           allow_local_binding: bool = False, enforce_managed_network: bool = False) -> str:
    """upstream's dynamic_network_policy (without unix-socket allowlists)."""
    if ports or has_proxy_config or enforce_managed_network:
        policy = ""
        if allow_local_binding:
            policy += "; allow local binding and loopback traffic\n"
            policy += '(allow network-bind (local ip "*:*"))\n'
            policy += '(allow network-inbound (local ip "localhost:*"))\n'
            policy += '(allow network-outbound (remote ip "localhost:*"))\n'
        if allow_local_binding and ports:
            policy += "; allow DNS lookups while application traffic remains proxy-routed\n"
            policy += '(allow network-outbound (remote ip "*:53"))\n'
        for port in ports:
            policy += f'(allow network-outbound (remote ip "localhost:{port}"))\n'
        return policy + network_policy()
    if network_enabled:
        return "(allow network-outbound)\n(allow network-inbound)\n" + network_policy()
    return ""


def _access_policy(action: str, prefix: str, roots: list[tuple[str, tuple[str, ...]]]) -> tuple[str, list[tuple[str, str]]]:
    components: list[str] = []
    params: list[tuple[str, str]] = []
    for index, (root, excluded) in enumerate(roots):
        root_param = f"{prefix}_{index}"
        params.append((root_param, _normalize(root)))
        if not excluded:
            components.append(f'(subpath (param "{root_param}"))')
            continue
        parts = [f'(subpath (param "{root_param}"))']
        for j, sub in enumerate(excluded):
            ex_param = f"{prefix}_{index}_EXCLUDED_{j}"
            params.append((ex_param, _normalize(sub)))
            parts.append(f'(require-not (literal (param "{ex_param}")))')
            parts.append(f'(require-not (subpath (param "{ex_param}")))')
        components.append(f"(require-all {' '.join(parts)} )")
    if not components:
        return "", []
    return f"(allow {action}\n{' '.join(components)}\n)", params


def create_seatbelt_command_args(command: list[str], policy: SandboxPolicy | PermissionProfile, cwd: str,
                                 env: dict[str, str] | None = None, *, enforce_managed_network: bool = False,
                                 darwin_user_cache_dir: str | None = None) -> list[str]:
    """`["-p", POLICY, "-DKEY=VALUE"..., "--", *command]` (prefix with /usr/bin/sandbox-exec)."""
    env = dict(os.environ if env is None else env)
    profile = policy if isinstance(policy, PermissionProfile) else policy.to_permission_profile(cwd)

    if profile.has_full_disk_write_access():
        write_policy, write_params = '(allow file-write* (regex #"^/"))', []
    else:
        roots = [(r.root, r.read_only_subpaths) for r in profile.writable_roots(cwd, env)]
        write_policy, write_params = _access_policy("file-write*", "WRITABLE_ROOT", roots)

    include_platform_defaults = False
    if profile.has_full_disk_read_access():
        read_policy, read_params = "; allow read-only file operations\n(allow file-read*)", []
    else:
        readable = []
        for path, access in profile.entries:
            if path == ("special", "platform_defaults"):
                include_platform_defaults = True
            elif not isinstance(path, tuple) and access in ("read", "write"):
                readable.append((path, ()))
        pol, read_params = _access_policy("file-read*", "READABLE_ROOT", readable)
        read_policy = f"; allow read-only file operations\n{pol}" if pol else ""

    net = dynamic_network_policy(
        profile.has_full_network_access(),
        ports=proxy_loopback_ports_from_env(env),
        has_proxy_config=has_proxy_url_env_vars(env),
        enforce_managed_network=enforce_managed_network,
    )
    sections = [base_policy(), read_policy, write_policy, "", net]
    if include_platform_defaults:
        sections.append(platform_defaults_policy())
    full = "\n".join(sections)

    params = read_params + write_params
    if darwin_user_cache_dir:
        params.append(("DARWIN_USER_CACHE_DIR", darwin_user_cache_dir))
    return ["-p", full, *(f"-D{k}={v}" for k, v in params), "--", *command]


def seatbelt_regex_for_unreadable_glob(pattern: str) -> str | None:
    """A git-style glob as an anchored Seatbelt regex (upstream's helper for deny-read globs)."""
    import re

    if not pattern:
        return None
    out = ["^"]
    chars = list(pattern)
    saw_glob = False
    i = 0
    while i < len(chars):
        ch = chars[i]
        i += 1
        if ch == "*":
            saw_glob = True
            if i < len(chars) and chars[i] == "*":
                i += 1
                if i < len(chars) and chars[i] == "/":
                    i += 1
                    out.append("(.*/)?")
                else:
                    out.append(".*")
            else:
                out.append("[^/]*")
        elif ch == "?":
            saw_glob = True
            out.append("[^/]")
        elif ch == "[":
            saw_glob = True
            j = i
            while j < len(chars) and chars[j] != "]":
                j += 1
            if j >= len(chars):  # unclosed: a literal bracket
                out.append("\\[")
                continue
            cls = chars[i:j]
            i = j + 1
            out.append("[")
            if cls:
                first, rest = cls[0], cls[1:]
                out.append("^" if first == "!" else "\\^" if first == "^" else first)
                out.extend("\\\\" if c == "\\" else c for c in rest)
            out.append("]")
        elif ch == "]":
            saw_glob = True
            out.append("\\]")
        else:
            out.append(_regex_lite_escape(ch))
    if not saw_glob:
        out.append("(/.*)?")
    out.append("$")
    del re
    return "".join(out)


def _regex_lite_escape(ch: str) -> str:
    # regex_lite::escape escapes the regex meta characters \.+*?()|[]{}^$#&-~
    return "\\" + ch if ch in "\\.+*?()|[]{}^$#&-~" else ch
