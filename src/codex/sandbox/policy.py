"""Sandbox policies: what a sandboxed command may read, write and reach.

Plain classes mirroring codex-rs/protocol's `SandboxPolicy` serde shape (tag `type`,
kebab-case): `danger-full-access`, `read-only`, `external-sandbox`, `workspace-write`. They are
defined here, locally, while codex.protocol grows its wire types; `to_json()`/`from_json()` speak
the same JSON so the two can be swapped later.

`PermissionProfile` is the 0.136 helper's `--permission-profile` JSON (a managed file-system
entry list plus a network mode); `SandboxPolicy.to_permission_profile(cwd)` produces exactly the
entries the reference passes to `codex-linux-sandbox`.
"""

from __future__ import annotations

import os

# Plain classes rather than dataclasses: `codex sandbox` imports this module on its start-up
# path, and dataclasses (inspect, re ...) would cost more than the sandbox launch itself.


class _Plain:
    _fields: tuple[str, ...] = ()

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __hash__(self):
        return hash((type(self),) + tuple(repr(getattr(self, f)) for f in self._fields))

    def __repr__(self):
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"


def _dumps(data) -> str:
    import json

    return json.dumps(data, separators=(",", ":"))


def _loads(data):
    import json

    return json.loads(data)

__all__ = [
    "DangerFullAccess",
    "ExternalSandbox",
    "PROTECTED_NAMES",
    "PermissionProfile",
    "ReadOnly",
    "SandboxPolicy",
    "WorkspaceWrite",
    "WritableRoot",
    "from_json",
    "from_sandbox_mode",
]

# Subpaths of every writable root that stay read-only (`.git` also protects the gitdir a
# `.git` file points to).
PROTECTED_NAMES = (".git", ".agents", ".codex")


class WritableRoot(_Plain):
    _fields = ("root", "read_only_subpaths")

    def __init__(self, root: str, read_only_subpaths: tuple[str, ...] = ()):
        self.root = root
        self.read_only_subpaths = tuple(read_only_subpaths)

    def is_path_writable(self, path: str) -> bool:
        path = os.path.normpath(path)
        if not _is_under(path, self.root):
            return False
        return not any(_is_under(path, sub) for sub in self.read_only_subpaths)


def _is_under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _abs(path: str, cwd: str) -> str:
    return os.path.normpath(os.path.join(cwd, os.path.expanduser(path)))


def _gitdir_of(dot_git: str) -> str | None:
    """The gitdir a `.git` *file* points to (`gitdir: PATH`), absolute; None otherwise."""
    try:
        with open(dot_git, encoding="utf-8") as f:
            first = f.readline().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not first.startswith("gitdir:"):
        return None
    target = first[len("gitdir:"):].strip()
    if not target:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(dot_git), target))


def protected_subpaths(root: str) -> tuple[str, ...]:
    """`.git` (and its pointed-to gitdir), `.agents`, `.codex` under `root`, existing or not."""
    out: list[str] = []
    dot_git = os.path.join(root, ".git")
    if os.path.isfile(dot_git):
        gitdir = _gitdir_of(dot_git)
        if gitdir:
            out.append(gitdir)
    out.append(dot_git)
    out += [os.path.join(root, ".agents"), os.path.join(root, ".codex")]
    return tuple(dict.fromkeys(out))


class SandboxPolicy(_Plain):
    """Base of the four policies."""

    type: str = ""
    network_access: bool = False

    def has_full_disk_write_access(self) -> bool:
        return False

    def has_full_network_access(self) -> bool:
        return bool(self.network_access)

    def writable_roots(self, cwd: str, env: dict[str, str] | None = None) -> list[WritableRoot]:
        return []

    def to_json(self) -> dict[str, object]:
        raise NotImplementedError

    def dumps(self) -> str:
        return _dumps(self.to_json())

    def to_permission_profile(self, cwd: str) -> "PermissionProfile":
        return PermissionProfile.from_policy(self, cwd)


class DangerFullAccess(SandboxPolicy):
    type = "danger-full-access"

    @property
    def network_access(self) -> bool:  # type: ignore[override]
        return True

    def has_full_disk_write_access(self) -> bool:
        return True

    def to_json(self) -> dict[str, object]:
        return {"type": self.type}


class ExternalSandbox(SandboxPolicy):
    """Full disk access: the process is already sandboxed by something else."""

    type = "external-sandbox"
    _fields = ("network",)

    def __init__(self, network: str = "restricted"):  # "restricted" | "enabled"
        self.network = network

    @property
    def network_access(self) -> bool:  # type: ignore[override]
        return self.network == "enabled"

    def has_full_disk_write_access(self) -> bool:
        return True

    def to_json(self) -> dict[str, object]:
        return {"type": self.type, "network_access": self.network}


class ReadOnly(SandboxPolicy):
    type = "read-only"
    _fields = ("network_access", "readable_roots", "include_platform_defaults")

    def __init__(self, network_access: bool = False, readable_roots: tuple[str, ...] | None = None,
                 include_platform_defaults: bool = True):
        self.network_access = network_access
        # None = full read access (`{"type":"full-access"}`); else the restricted readable roots.
        self.readable_roots = None if readable_roots is None else tuple(readable_roots)
        self.include_platform_defaults = include_platform_defaults

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"type": self.type}
        if self.readable_roots is not None:
            out["access"] = {
                "type": "restricted",
                "include_platform_defaults": self.include_platform_defaults,
                "readable_roots": list(self.readable_roots),
            }
        if self.network_access:
            out["network_access"] = True
        return out


class WorkspaceWrite(SandboxPolicy):
    type = "workspace-write"
    _fields = ("writable_roots_config", "network_access", "exclude_tmpdir_env_var", "exclude_slash_tmp")

    def __init__(self, writable_roots_config: tuple[str, ...] = (), network_access: bool = False,
                 exclude_tmpdir_env_var: bool = False, exclude_slash_tmp: bool = False):
        self.writable_roots_config = tuple(writable_roots_config)
        self.network_access = network_access
        self.exclude_tmpdir_env_var = exclude_tmpdir_env_var
        self.exclude_slash_tmp = exclude_slash_tmp

    def writable_roots(self, cwd: str, env: dict[str, str] | None = None) -> list[WritableRoot]:
        """Configured roots, cwd, /tmp, $TMPDIR (upstream's order), deduplicated, each with
        its protected subpaths."""
        env = os.environ if env is None else env
        roots = [_abs(r, cwd) for r in self.writable_roots_config]
        roots.append(os.path.normpath(cwd))
        if not self.exclude_slash_tmp and os.path.isdir("/tmp"):
            roots.append("/tmp")
        tmpdir = env.get("TMPDIR")
        if not self.exclude_tmpdir_env_var and tmpdir:
            roots.append(_abs(tmpdir, cwd))
        out: list[WritableRoot] = []
        seen: set[str] = set()
        for root in roots:
            real = os.path.realpath(root)
            if real in seen:
                continue
            seen.add(real)
            out.append(WritableRoot(real, protected_subpaths(real)))
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "type": self.type,
            "writable_roots": list(self.writable_roots_config),
            "network_access": self.network_access,
            "exclude_tmpdir_env_var": self.exclude_tmpdir_env_var,
            "exclude_slash_tmp": self.exclude_slash_tmp,
        }


def from_json(data: object) -> SandboxPolicy:
    """Parse the serde JSON of a `SandboxPolicy` (a dict or a JSON string)."""
    if isinstance(data, (str, bytes)):
        data = _loads(data)
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError("sandbox policy: missing field `type`")
    kind = data["type"]
    if kind == "danger-full-access":
        return DangerFullAccess()
    if kind == "external-sandbox":
        return ExternalSandbox(network=data.get("network_access", "restricted"))
    if kind in ("read-only", "workspace-write"):
        access = data.get("access") or data.get("read_only_access") or {"type": "full-access"}
        if kind == "read-only":
            if access.get("type") == "restricted":
                return ReadOnly(
                    network_access=bool(data.get("network_access", False)),
                    readable_roots=tuple(access.get("readable_roots") or ()),
                    include_platform_defaults=bool(access.get("include_platform_defaults", True)),
                )
            return ReadOnly(network_access=bool(data.get("network_access", False)))
        return WorkspaceWrite(
            writable_roots_config=tuple(data.get("writable_roots") or ()),
            network_access=bool(data.get("network_access", False)),
            exclude_tmpdir_env_var=bool(data.get("exclude_tmpdir_env_var", False)),
            exclude_slash_tmp=bool(data.get("exclude_slash_tmp", False)),
        )
    raise ValueError(f"sandbox policy: unknown variant `{kind}`")


def from_sandbox_mode(mode: str | None, workspace_write: dict[str, object] | None = None,
                      add_dirs: tuple[str, ...] = ()) -> SandboxPolicy:
    """The policy for config's `sandbox_mode` plus its `[sandbox_workspace_write]` table."""
    ww = dict(workspace_write or {})
    if mode in (None, "read-only"):
        return ReadOnly()
    if mode == "danger-full-access":
        return DangerFullAccess()
    if mode == "workspace-write":
        return WorkspaceWrite(
            writable_roots_config=tuple(ww.get("writable_roots") or ()) + tuple(add_dirs),
            network_access=bool(ww.get("network_access", False)),
            exclude_tmpdir_env_var=bool(ww.get("exclude_tmpdir_env_var", False)),
            exclude_slash_tmp=bool(ww.get("exclude_slash_tmp", False)),
        )
    raise ValueError(f"unknown sandbox mode `{mode}`")


# ------------------------------------------------------------------------------------------
# The helper's --permission-profile JSON (0.136)
# ------------------------------------------------------------------------------------------


class PermissionProfile(_Plain):
    """`{"type":"managed","file_system":{...},"network":"restricted"|"enabled"}` or
    `{"type":"disabled"}` (no sandbox at all)."""

    _fields = ("kind", "file_system", "entries", "network")

    def __init__(self, kind: str = "managed", file_system: str = "restricted",
                 entries: list[tuple[object, str]] | None = None, network: str = "restricted"):
        self.kind = kind  # "managed" | "disabled" | "external"
        self.file_system = file_system  # "restricted" | "unrestricted"
        # (path, access) with path either an absolute path or ("special", kind)
        self.entries = list(entries or [])
        self.network = network

    @classmethod
    def from_policy(cls, policy: SandboxPolicy, cwd: str) -> "PermissionProfile":
        if isinstance(policy, DangerFullAccess):
            return cls(kind="disabled", file_system="unrestricted", network="enabled")
        net = "enabled" if policy.has_full_network_access() else "restricted"
        if isinstance(policy, ExternalSandbox):
            return cls(kind="external", file_system="unrestricted", network=net)
        entries: list[tuple[object, str]] = [(("special", "root"), "read")]
        if isinstance(policy, ReadOnly) and policy.readable_roots is not None:
            entries = [(_abs(p, cwd), "read") for p in policy.readable_roots]
            if policy.include_platform_defaults:
                entries.insert(0, (("special", "platform_defaults"), "read"))
        if isinstance(policy, WorkspaceWrite):
            cwd_n = os.path.normpath(cwd)
            entries.append((cwd_n, "write"))
            configured = [_abs(r, cwd) for r in policy.writable_roots_config]
            entries += [(r, "write") for r in configured]
            if not policy.exclude_slash_tmp:
                entries.append((("special", "slash_tmp"), "write"))
            if not policy.exclude_tmpdir_env_var:
                entries.append((("special", "tmpdir"), "write"))
            for root in [cwd_n] + configured:
                for sub in protected_subpaths(root):
                    entries.append((sub, "read"))
        return cls(entries=entries, network=net)

    def to_json(self) -> dict[str, object]:
        if self.kind == "disabled":
            return {"type": "disabled"}
        if self.kind == "external":
            return {"type": "external", "network": self.network}
        ents = []
        for path, access in self.entries:
            if isinstance(path, tuple):
                p: dict[str, object] = {"type": "special", "value": {"kind": path[1]}}
            else:
                p = {"type": "path", "path": path}
            ents.append({"path": p, "access": access})
        fs: dict[str, object] = {"type": self.file_system}
        if self.file_system == "restricted":
            fs["entries"] = ents
        return {"type": "managed", "file_system": fs, "network": self.network}

    def dumps(self) -> str:
        return _dumps(self.to_json())

    @classmethod
    def from_json(cls, data: object) -> "PermissionProfile":
        if isinstance(data, (str, bytes)):
            data = _loads(data)
        kind = data.get("type")
        if kind == "disabled":
            return cls(kind="disabled", file_system="unrestricted", network="enabled")
        if kind == "external":
            return cls(kind="external", file_system="unrestricted", network=data.get("network", "restricted"))
        if kind != "managed":
            raise ValueError(f"permission profile: unknown variant `{kind}`")
        fs = data.get("file_system") or {}
        entries: list[tuple[object, str]] = []
        for ent in fs.get("entries") or ():
            p = ent["path"]
            if p.get("type") == "special":
                path: object = ("special", p["value"]["kind"])
            else:
                path = os.path.normpath(p["path"])
            entries.append((path, ent.get("access", "read")))
        return cls(kind="managed", file_system=fs.get("type", "restricted"), entries=entries,
                   network=data.get("network", "restricted"))

    # -- what the launcher needs ----------------------------------------------------------

    def has_full_disk_write_access(self) -> bool:
        return self.kind in ("disabled", "external") or self.file_system == "unrestricted"

    def has_full_network_access(self) -> bool:
        return self.network == "enabled"

    def has_full_disk_read_access(self) -> bool:
        if self.has_full_disk_write_access():
            return True
        return any(p == ("special", "root") and a in ("read", "write") for p, a in self.entries)

    def writable_roots(self, cwd: str, env: dict[str, str] | None = None) -> list[WritableRoot]:
        """Write entries resolved to paths (special ones against `cwd` and `env`), in entry
        order, deduplicated, each with the read entries below it as read-only subpaths; every
        root also protects its own `.git`/`.agents`/`.codex`."""
        env = os.environ if env is None else env
        if self.has_full_disk_write_access():
            return []
        write_paths: list[str] = []
        read_paths: list[str] = []
        for path, access in self.entries:
            resolved = self._resolve(path, cwd, env)
            if resolved is None:
                continue
            (write_paths if access == "write" else read_paths).append(resolved)
        out: list[WritableRoot] = []
        seen: set[str] = set()
        for root in write_paths:
            real = os.path.realpath(root)
            if real in seen:
                continue
            seen.add(real)
            subs = list(protected_subpaths(real))
            subs += [p for p in read_paths if p != real and _is_under(p, real)]
            out.append(WritableRoot(real, tuple(dict.fromkeys(subs))))
        return out

    @staticmethod
    def _resolve(path: object, cwd: str, env: dict[str, str]) -> str | None:
        if not isinstance(path, tuple):
            return os.path.normpath(path)
        kind = path[1]
        if kind == "slash_tmp":
            return "/tmp" if os.path.isdir("/tmp") else None
        if kind == "tmpdir":
            tmp = env.get("TMPDIR")
            return _abs(tmp, cwd) if tmp else None
        if kind in ("cwd", "current_working_directory", "project_roots"):
            return os.path.normpath(cwd)
        return None  # root / platform defaults are read entries
