"""Goldens copied from the reference captures into ``fixtures/parity/`` (tests never read
/work/shared at run time).

    g = ExecGolden.load("skip_git_repo_check")
    g.events          # normalized exec --json events
    g.requests        # request views ({method, path, headers, body}) with _common/ inlined
    g.rollouts        # normalized rollout lines, per rollout file
    g.replies(0)      # the mock replies of run 0, ready for MockResponses
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from .mock_responses import Reply, reply_from_capture
from .normalize import Normalizer, request_view
from .reference import REPO_ROOT

FIXTURES = REPO_ROOT / "fixtures" / "parity"
EXEC_FIXTURES = FIXTURES / "exec"
INSTRUCTIONS_REF = "<<see _common/instructions.txt>>"
TOOLS_REF = "<<see _common/tools.json>>"


def exec_common() -> tuple[str, list]:
    """The deduplicated `instructions` string and `tools` array of the exec captures."""
    common = EXEC_FIXTURES / "_common"
    return ((common / "instructions.txt").read_text(encoding="utf-8"),
            json.loads((common / "tools.json").read_text(encoding="utf-8")))


def inline_common(obj: Any) -> Any:
    """Replace the captures' ``<<see _common/...>>`` placeholders with the real values."""
    instructions, tools = exec_common()

    def walk(o: Any) -> Any:
        if o == INSTRUCTIONS_REF:
            return instructions
        if o == TOOLS_REF:
            return tools
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o
    return walk(obj)


@dataclass
class ExecGolden:
    name: str
    dir: Path

    @classmethod
    def load(cls, name: str) -> "ExecGolden":
        d = EXEC_FIXTURES / name
        if not d.is_dir():
            raise FileNotFoundError(f"no exec golden {name!r} in {EXEC_FIXTURES}")
        return cls(name, d)

    def text(self, rel: str) -> str:
        return (self.dir / rel).read_text(encoding="utf-8")

    @cached_property
    def meta(self) -> dict:
        return json.loads(self.text("meta.json"))

    @property
    def argv(self) -> list[str]:
        """argv of the first run, without the leading "codex"."""
        return self.meta["runs"][0]["argv"][1:]

    @property
    def events(self) -> list[Any]:
        return Normalizer().jsonl(self.text("events.jsonl"))

    @property
    def requests(self) -> list[dict]:
        """One Normalizer for all requests, so <UUID_n> numbering is shared across them."""
        raw = [json.loads(line) for line in self.text("requests.jsonl").splitlines() if line.strip()]
        norm = Normalizer()
        return [request_view(inline_common(r), norm) for r in raw]

    @property
    def rollouts(self) -> list[list[Any]]:
        out = []
        for f in sorted(self.dir.glob("rollout*.jsonl")):
            norm = Normalizer()
            lines = f.read_text(encoding="utf-8").splitlines()
            out.append([norm.obj(inline_common(json.loads(line))) for line in lines if line.strip()])
        return out

    def replies(self, run: int = 0) -> list[Reply]:
        runs = json.loads(self.text("responses.json"))
        return [reply_from_capture(spec) for spec in runs[run]["replies"]]
