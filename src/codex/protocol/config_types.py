"""Enums and policies shared by config, core and the wire (``codex-rs/protocol``:
config_types.rs, openai_models.rs, protocol.rs, permissions.rs), with serde's spellings.

String enums are ``StrEnum`` so they compare equal to their wire spelling; an unknown
spelling is a decode error, as with serde (none of these has ``#[serde(other)]``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Union

from ._base import UNSET, UnsetType, Wire

__all__ = [
    "ReasoningEffort",
    "ReasoningSummary",
    "Verbosity",
    "SandboxMode",
    "AskForApprovalMode",
    "AskForApproval",
    "GranularApprovalConfig",
    "GranularAskForApproval",
    "NetworkAccess",
    "Personality",
    "ModeKind",
    "WebSearchMode",
    "ApprovalsReviewer",
    "ServiceTier",
    "SandboxPolicy",
    "DangerFullAccess",
    "ReadOnly",
    "ExternalSandbox",
    "WorkspaceWrite",
    "FileSystemAccessMode",
    "FileSystemSpecialPath",
    "SpecialRoot",
    "SpecialMinimal",
    "SpecialProjectRoots",
    "SpecialTmpdir",
    "SpecialSlashTmp",
    "SpecialUnknown",
    "FileSystemPath",
    "PathEntry",
    "GlobPatternEntry",
    "SpecialEntry",
    "FileSystemSandboxEntry",
    "FileSystemSandboxPolicy",
    "PermissionProfile",
    "ManagedPermissionProfile",
    "DisabledPermissionProfile",
    "ExternalPermissionProfile",
    "ManagedFileSystem",
    "RestrictedFileSystem",
    "UnrestrictedFileSystem",
]


class ReasoningEffort(StrEnum):
    NONE = "none"
    MINIMAL = "minimal"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    XHIGH = "xhigh"


class ReasoningSummary(StrEnum):
    AUTO = "auto"
    CONCISE = "concise"
    DETAILED = "detailed"
    NONE = "none"


class Verbosity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class SandboxMode(StrEnum):
    READ_ONLY = "read-only"
    WORKSPACE_WRITE = "workspace-write"
    DANGER_FULL_ACCESS = "danger-full-access"


class AskForApprovalMode(StrEnum):
    """The plain (string) forms of ``AskForApproval``."""

    UNTRUSTED = "untrusted"
    ON_FAILURE = "on-failure"
    ON_REQUEST = "on-request"
    NEVER = "never"


class GranularApprovalConfig(Wire, kw_only=True):
    sandbox_approval: bool
    rules: bool
    skill_approval: bool = False
    request_permissions: bool = False
    mcp_elicitations: bool


class GranularAskForApproval(Wire, kw_only=True):
    """``{"granular": {...}}`` (externally tagged variant of ``AskForApproval``)."""

    granular: GranularApprovalConfig


AskForApproval = Union[AskForApprovalMode, GranularAskForApproval]


class NetworkAccess(StrEnum):
    RESTRICTED = "restricted"
    ENABLED = "enabled"


class Personality(StrEnum):
    NONE = "none"
    FRIENDLY = "friendly"
    PRAGMATIC = "pragmatic"


class ModeKind(StrEnum):
    PLAN = "plan"
    DEFAULT = "default"


class WebSearchMode(StrEnum):
    DISABLED = "disabled"
    CACHED = "cached"
    LIVE = "live"


class ApprovalsReviewer(StrEnum):
    USER = "user"
    AUTO_REVIEW = "auto_review"
    GUARDIAN_SUBAGENT = "guardian_subagent"


class ServiceTier(StrEnum):
    FAST = "fast"
    FLEX = "flex"


# --- SandboxPolicy (core spelling: kebab-case tags, snake_case fields) -------------


class _SandboxPolicy(Wire, tag_field="type", kw_only=True):
    pass


class DangerFullAccess(_SandboxPolicy, tag="danger-full-access", kw_only=True):
    pass


class ReadOnly(_SandboxPolicy, tag="read-only", kw_only=True):
    network_access: bool | UnsetType = UNSET


class ExternalSandbox(_SandboxPolicy, tag="external-sandbox", kw_only=True):
    network_access: NetworkAccess = NetworkAccess.RESTRICTED


class WorkspaceWrite(_SandboxPolicy, tag="workspace-write", kw_only=True):
    writable_roots: list[str] | UnsetType = UNSET  # skip_serializing_if Vec::is_empty
    network_access: bool = False
    exclude_tmpdir_env_var: bool = False
    exclude_slash_tmp: bool = False


SandboxPolicy = Union[DangerFullAccess, ReadOnly, ExternalSandbox, WorkspaceWrite]


# --- File-system permissions / permission profiles ---------------------------------


class FileSystemAccessMode(StrEnum):
    READ = "read"
    WRITE = "write"
    DENY = "deny"


class _Special(Wire, tag_field="kind", kw_only=True):
    pass


class SpecialRoot(_Special, tag="root", kw_only=True):
    pass


class SpecialMinimal(_Special, tag="minimal", kw_only=True):
    pass


class SpecialProjectRoots(_Special, tag="project_roots", kw_only=True):
    subpath: str | None = None


class SpecialTmpdir(_Special, tag="tmpdir", kw_only=True):
    pass


class SpecialSlashTmp(_Special, tag="slash_tmp", kw_only=True):
    pass


class SpecialUnknown(_Special, tag="unknown", kw_only=True):
    path: str
    subpath: str | None = None


FileSystemSpecialPath = Union[
    SpecialRoot, SpecialMinimal, SpecialProjectRoots, SpecialTmpdir, SpecialSlashTmp, SpecialUnknown
]


class _FsPath(Wire, tag_field="type", kw_only=True):
    pass


class PathEntry(_FsPath, tag="path", kw_only=True):
    path: str


class GlobPatternEntry(_FsPath, tag="glob_pattern", kw_only=True):
    pattern: str


class SpecialEntry(_FsPath, tag="special", kw_only=True):
    value: FileSystemSpecialPath


FileSystemPath = Union[PathEntry, GlobPatternEntry, SpecialEntry]


class FileSystemSandboxEntry(Wire, kw_only=True):
    path: FileSystemPath
    access: FileSystemAccessMode


class FileSystemSandboxPolicy(Wire, kw_only=True):
    """``turn_context.file_system_sandbox_policy`` (``kind`` is a plain field here)."""

    kind: Literal["restricted", "unrestricted", "external_sandbox"]
    entries: list[FileSystemSandboxEntry] | UnsetType = UNSET


class _ManagedFs(Wire, tag_field="type", kw_only=True):
    pass


class RestrictedFileSystem(_ManagedFs, tag="restricted", kw_only=True):
    entries: list[FileSystemSandboxEntry]


class UnrestrictedFileSystem(_ManagedFs, tag="unrestricted", kw_only=True):
    pass


ManagedFileSystem = Union[RestrictedFileSystem, UnrestrictedFileSystem]


class _PermissionProfile(Wire, tag_field="type", kw_only=True):
    pass


class ManagedPermissionProfile(_PermissionProfile, tag="managed", kw_only=True):
    file_system: ManagedFileSystem
    network: NetworkAccess


class DisabledPermissionProfile(_PermissionProfile, tag="disabled", kw_only=True):
    pass


class ExternalPermissionProfile(_PermissionProfile, tag="external", kw_only=True):
    network: NetworkAccess = NetworkAccess.RESTRICTED


PermissionProfile = Union[ManagedPermissionProfile, DisabledPermissionProfile, ExternalPermissionProfile]
