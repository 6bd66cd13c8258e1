"""Assemble the initial `input` items of a new thread's first request.

1. developer message: `<permissions instructions>` and (if any skills) `<skills_instructions>`;
2. user message: optional AGENTS.md instructions, then `<environment_context>`;
3. user message holding the prompt (with piped stdin appended, see `compose_prompt`).

Items are plain JSON-shaped dicts, in the key order the Responses API request uses.
"""
from __future__ import annotations

from typing import Any, Iterable


def input_text_message(role: str, texts: Iterable[str]) -> dict[str, Any]:
    return {"type": "message", "role": role,
            "content": [{"type": "input_text", "text": t} for t in texts]}


def compose_prompt(prompt: str | None, stdin_text: str | None = None) -> str:
    """`codex exec "<prompt>"` with piped stdin -> "<prompt>\\n\\n<stdin>\\n<stdin></stdin>";
    prompt `-` (or no prompt) -> the stdin text verbatim."""
    if prompt is None or prompt == "-":
        return stdin_text or ""
    if stdin_text:
        nl = "" if stdin_text.endswith("\n") else "\n"
        return f"{prompt}\n\n<stdin>\n{stdin_text}{nl}</stdin>"
    return prompt


def context_items(*, cwd: str, sandbox_mode: str = "read-only", approval_policy: str = "never",
                  network_access: bool | None = None, writable_roots: Iterable[str] | None = None,
                  skills: Iterable[Any] = (), agents_md: str | None = None, shell: str = "bash",
                  date: str | None = None, timezone: str | None = None,
                  developer_instructions: str | None = None) -> list[dict[str, Any]]:
    """The developer message and the user context message (everything before the prompt)."""
    from . import environment, permissions
    from .agents_md import agents_md_message_text
    from .skills import skills_instructions

    mode = sandbox_mode.strip().lower().replace("_", "-")
    roots = list(writable_roots) if writable_roots is not None else (
        permissions.default_writable_roots(cwd) if mode == "workspace-write" else [])
    dev = [permissions.permissions_instructions(mode, approval_policy, network_access=network_access,
                                                writable_roots=roots)]
    if developer_instructions:
        # config `developer_instructions` (and the MCP tool's `developer-instructions`) sit
        # between the permissions and the skills, as 0.136.0 sends them
        dev.append(developer_instructions)
    sk = skills_instructions(skills)
    if sk:
        dev.append(sk)
    user: list[str] = []
    if agents_md:
        user.append(agents_md_message_text(cwd, agents_md))
    extra_roots = [r for r in roots if r not in (cwd, "/tmp")]
    user.append(environment.environment_context(cwd, sandbox_mode=mode, shell=shell, date=date,
                                                timezone=timezone, writable_roots=extra_roots))
    return [input_text_message("developer", dev), input_text_message("user", user)]


def initial_input(prompt: str | None, *, stdin_text: str | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    items = context_items(**kwargs)
    items.append(input_text_message("user", [compose_prompt(prompt, stdin_text)]))
    return items
