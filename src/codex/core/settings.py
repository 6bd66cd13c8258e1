"""The resolved settings of a session: what the turn loop needs from config.toml, the profile,
`-c` overrides and the face's own flags, computed once.

A face builds `SessionSettings` with `resolve(config, ...)`; the core never reads config.toml
itself.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass
class SessionSettings:
    codex_home: str
    cwd: str
    config: Any                                  # codex.config.loader.Config (raw + features)
    model: str
    model_info: Any                              # codex.model.catalog.ModelInfo
    provider_id: str
    approval_policy: str = "never"
    sandbox_mode: str = "read-only"
    sandbox_policy: Any = None                   # codex.sandbox.policy.SandboxPolicy
    add_dirs: list[str] = field(default_factory=list)
    reasoning_effort: str | None = None          # configured (None: the model's default)
    reasoning_summary: str | None = None
    verbosity: str | None = None
    personality: str = "pragmatic"
    output_schema: Any = None
    ephemeral: bool = False
    originator: str = "codex_exec"
    source: str = "exec"
    thread_source: str | None = "user"
    client_version: str | None = None            # app-server clients: clientInfo.version
    ua_suffix: str | None = None                 # `codex mcp-server`: "<mcp client>; <version>"
    dynamic_tools: list[dict[str, Any]] = field(default_factory=list)   # thread/start dynamicTools
    review: bool = False                         # the review sub-agent (its tool set)
    parent_thread_id: str | None = None          # a sub-agent's parent thread
    subagent_kind: str | None = None             # "review" ...
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    timezone: str | None = None
    base_instructions: str | None = None         # None: the model's, with the personality

    @property
    def raw(self) -> Mapping[str, Any]:
        return self.config.raw if self.config is not None else {}

    def instructions(self) -> str:
        if self.base_instructions is not None:
            return self.base_instructions
        return self.model_info.base_instructions(self.personality)

    @property
    def model_context_window(self) -> int | None:
        configured = self.raw.get("model_context_window")
        if isinstance(configured, int):
            return configured
        return self.model_info.model_context_window


DEFAULT_MODEL = "gpt-5.5"


def resolve(config: Any, *, cwd: str | None = None, model: str | None = None,
            sandbox_mode: str | None = None, approval_policy: str | None = None,
            add_dirs: list[str] | None = None, output_schema: Any = None,
            ephemeral: bool = False, originator: str = "codex_exec", source: str = "exec",
            environ: Mapping[str, str] | None = None,
            bypass_sandbox: bool = False) -> SessionSettings:
    """Settings from a loaded `Config` plus the face's flags (flags win over config)."""
    from codex.model import catalog
    from codex.sandbox import policy as pol

    raw = config.raw
    slug = model or raw.get("model") or DEFAULT_MODEL
    info = catalog.model_info(slug)
    provider_id = raw.get("model_provider") or "openai"
    mode = sandbox_mode or raw.get("sandbox_mode") or "read-only"
    approval = approval_policy or raw.get("approval_policy") or "on-request"
    if bypass_sandbox:
        mode, approval = "danger-full-access", "never"
    extra = list(add_dirs or [])
    policy = pol.from_sandbox_mode(mode, raw.get("sandbox_workspace_write"), tuple(extra))
    personality = raw.get("personality") or "pragmatic"
    return SessionSettings(
        codex_home=config.codex_home, cwd=cwd or config.cwd, config=config, model=slug,
        model_info=info, provider_id=provider_id, approval_policy=str(approval),
        sandbox_mode=mode, sandbox_policy=policy, add_dirs=extra,
        reasoning_effort=raw.get("model_reasoning_effort"),
        reasoning_summary=raw.get("model_reasoning_summary"),
        verbosity=raw.get("model_verbosity"), personality=str(personality),
        output_schema=output_schema, ephemeral=ephemeral, originator=originator, source=source,
        environ=dict(environ if environ is not None else os.environ),
        base_instructions=raw.get("base_instructions") if isinstance(raw.get("base_instructions"), str) else None,
    )
