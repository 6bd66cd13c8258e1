"""The `<skills_instructions>` developer text listing the available skills.

Skills are found by scanning `<CODEX_HOME>/skills` (the bundled system skills live under
`skills/.system/<name>/SKILL.md`) for SKILL.md files whose YAML front matter has `name` and
`description`. The bundled skill files themselves are not shipped here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

_TEMPLATES = Path(__file__).with_name("templates")
OPEN_TAG = "<skills_instructions>"
CLOSE_TAG = "</skills_instructions>"
SKILL_FILENAME = "SKILL.md"
_MAX_DEPTH = 4


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    path: str


@lru_cache(maxsize=None)
def _template(name: str) -> str:
    return (_TEMPLATES / name).read_text(encoding="utf-8")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else inner.replace('\\"', '"')
    return value


def parse_front_matter(text: str) -> dict[str, str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    out: dict[str, str] = {}
    key = None
    for line in lines[1:]:
        if line.strip() == "---":
            break
        if line[:1] in (" ", "\t") and key:
            out[key] = (out[key] + " " + line.strip()).strip()
            continue
        if ":" in line:
            k, v = line.split(":", 1)
            key = k.strip()
            v = v.strip()
            out[key] = "" if v in (">", "|", ">-", "|-") else _unquote(v)
    return out


def load_skill(path: Path) -> Skill | None:
    try:
        meta = parse_front_matter(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    name, desc = meta.get("name", "").strip(), meta.get("description", "").strip()
    if not name or not desc:
        return None
    return Skill(name=name, description=" ".join(desc.split()), path=str(path))


def scan_skills(roots: Iterable[str | os.PathLike]) -> list[Skill]:
    found: dict[str, Skill] = {}
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            depth = len(Path(dirpath).relative_to(root).parts)
            if depth >= _MAX_DEPTH:
                dirnames[:] = []
            dirnames.sort()
            if SKILL_FILENAME in filenames:
                skill = load_skill(Path(dirpath) / SKILL_FILENAME)
                if skill and skill.path not in found:
                    found[skill.path] = skill
    return sorted(found.values(), key=lambda s: (s.name, s.path))


def codex_home_skills(codex_home: str | os.PathLike) -> list[Skill]:
    return scan_skills([Path(codex_home) / "skills"])


def skills_instructions(skills: Iterable[Skill]) -> str | None:
    skills = list(skills)
    if not skills:
        return None
    listing = "".join(f"- {s.name}: {s.description} (file: {s.path})\n" for s in skills)
    return OPEN_TAG + "\n" + _template("skills_header.md") + listing + _template("skills_footer.md") + CLOSE_TAG
