"""``skills/list``: the skills under ``$CODEX_HOME/skills`` (the bundled system skills are
installed there first, as 0.136.0 does at startup) and the repository's ``.codex/skills``,
per requested ``cwd``, with each skill's SKILL.md front matter and its
``agents/openai.yaml`` (interface, dependencies). Shapes from the offline_methods transcript.
"""

from __future__ import annotations

import os
from pathlib import Path

SKILL_FILE = "SKILL.md"
_MAX_DEPTH = 4


# ---------------------------------------------------------------------------------------------
# a YAML subset (mappings, lists of scalars or mappings, quoted or plain scalars): enough for
# skill front matter and agents/openai.yaml
# ---------------------------------------------------------------------------------------------


def _scalar(text: str):
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] == '"':
        import json

        try:
            return json.loads(t)
        except ValueError:
            return t[1:-1]
    if len(t) >= 2 and t[0] == t[-1] == "'":
        return t[1:-1].replace("''", "'")
    if t in ("null", "~", ""):
        return None
    if t in ("true", "false"):
        return t == "true"
    return t


def parse_yaml(text: str):
    lines = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        lines.append((len(raw) - len(raw.lstrip(" ")), raw.strip()))
    value, _ = _block(lines, 0, 0)
    return value


def _block(lines, i, indent):
    if i < len(lines) and lines[i][1].startswith("- "):
        out_list = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            item = lines[i][1][2:]
            if ":" in item and not item.startswith(('"', "'")):
                sub = [(indent + 2, item)]
                j = i + 1
                while j < len(lines) and lines[j][0] > indent:
                    sub.append(lines[j])
                    j += 1
                value, _ = _block(sub, 0, indent + 2)
                out_list.append(value)
                i = j
            else:
                out_list.append(_scalar(item))
                i += 1
        return out_list, i
    out: dict = {}
    while i < len(lines) and lines[i][0] == indent:
        line = lines[i][1]
        key, _, rest = line.partition(":")
        key = _scalar(key)
        rest = rest.strip()
        i += 1
        if rest in ("", ">", "|", ">-", "|-"):
            if i < len(lines) and lines[i][0] > indent:
                if rest:
                    parts = []
                    while i < len(lines) and lines[i][0] > indent:
                        parts.append(lines[i][1])
                        i += 1
                    out[key] = " ".join(parts)
                else:
                    out[key], i = _block(lines, i, lines[i][0])
            else:
                out[key] = None
        else:
            out[key] = _scalar(rest)
    return out, i


def front_matter(text: str) -> dict:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    body = []
    for line in lines[1:]:
        if line.strip() == "---":
            break
        body.append(line)
    parsed = parse_yaml("\n".join(body))
    return parsed if isinstance(parsed, dict) else {}


# ---------------------------------------------------------------------------------------------


def _interface(skill_dir: Path) -> tuple[dict | None, dict | None]:
    path = skill_dir / "agents" / "openai.yaml"
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    iface = data.get("interface")
    interface = None
    if isinstance(iface, dict):
        def icon(key):
            v = iface.get(key)
            return os.path.normpath(str(skill_dir / v)) if isinstance(v, str) and v else None

        interface = {
            "displayName": iface.get("display_name"),
            "shortDescription": iface.get("short_description"),
            "iconSmall": icon("icon_small"),
            "iconLarge": icon("icon_large"),
            "brandColor": iface.get("brand_color"),
            "defaultPrompt": iface.get("default_prompt"),
        }
    deps = data.get("dependencies")
    dependencies = None
    if isinstance(deps, dict):
        dependencies = {"tools": [dict(t) for t in deps.get("tools") or () if isinstance(t, dict)]}
    return interface, dependencies


def load_skill(path: Path, scope: str) -> dict | None:
    try:
        meta = front_matter(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    name, desc = meta.get("name"), meta.get("description")
    if not isinstance(name, str) or not isinstance(desc, str) or not name.strip() or not desc.strip():
        return None
    out: dict = {"name": name.strip(), "description": " ".join(desc.split())}
    md = meta.get("metadata")
    if isinstance(md, dict) and isinstance(md.get("short-description"), str):
        out["shortDescription"] = md["short-description"]
    interface, dependencies = _interface(path.parent)
    if interface is not None:
        out["interface"] = interface
    if dependencies is not None:
        out["dependencies"] = dependencies
    out["path"] = str(path)
    out["scope"] = scope
    out["enabled"] = True
    return out


def _scan(root: Path, scope_of) -> list[dict]:
    found = []
    if not root.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(root):
        depth = len(Path(dirpath).relative_to(root).parts)
        if depth >= _MAX_DEPTH:
            dirnames[:] = []
        dirnames.sort()
        if SKILL_FILE in filenames:
            path = Path(dirpath) / SKILL_FILE
            skill = load_skill(path, scope_of(path))
            if skill is not None:
                found.append(skill)
    return found


def list_skills(codex_home: str, cwd: str) -> list[dict]:
    home_skills = Path(codex_home) / "skills"
    system = home_skills / ".system"

    def home_scope(path: Path) -> str:
        return "system" if system in path.parents else "user"

    skills = _scan(home_skills, home_scope)
    repo = Path(cwd) / ".codex" / "skills"
    if repo.resolve() != home_skills.resolve():
        skills += _scan(repo, lambda p: "repo")
    rank = {"repo": 0, "user": 1, "system": 2}
    seen, out = set(), []
    for s in sorted(skills, key=lambda s: (rank.get(s["scope"], 3), s["name"], s["path"])):
        if s["path"] not in seen:
            seen.add(s["path"])
            out.append(s)
    return out


def _skill_overrides(config_raw: dict) -> list[dict]:
    skills = config_raw.get("skills")
    entries = skills.get("config") if isinstance(skills, dict) else None
    return [e for e in entries or () if isinstance(e, dict)]


def apply_overrides(skills: list[dict], config_raw: dict) -> list[dict]:
    """``[[skills.config]]`` entries (by path or by name) turn skills off."""
    for entry in _skill_overrides(config_raw):
        if entry.get("enabled") is not False:
            continue
        for s in skills:
            if ("path" in entry and entry["path"] == s["path"]) or ("name" in entry and entry["name"] == s["name"]):
                s["enabled"] = False
    return skills


async def skills_list(params, conn):
    import asyncio

    from codex.core.context.skills_install import install_system_skills

    server = conn.server
    if not server.state.get("system_skills_installed"):
        try:
            await asyncio.to_thread(install_system_skills, server.codex_home)
        except OSError:
            pass
        server.state["system_skills_installed"] = True
    cwds = params.get("cwds") or [os.getcwd()]
    data = []
    for cwd in cwds:
        skills = await asyncio.to_thread(list_skills, server.codex_home, cwd)
        skills = apply_overrides(skills, server.config().raw)
        data.append({"cwd": cwd, "skills": skills, "errors": []})
    return {"data": data}


async def skills_config_write(params, conn):
    """Record a skill's enablement in ``[[skills.config]]`` of the user config: disabling adds
    (or updates) ``{path|name, enabled = false}``, enabling removes the entry."""
    import tomlkit

    from codex.config.edit import read_document

    from .server import invalid_params

    path, name = params.get("path"), params.get("name")
    if (path is None) == (name is None):
        raise invalid_params("skills/config/write requires exactly one of path or name")
    key, value = ("path", path) if path is not None else ("name", name)
    enabled = bool(params["enabled"])
    server = conn.server
    file = os.path.join(server.codex_home, "config.toml")
    doc = read_document(file)
    skills = doc.get("skills")
    entries = skills.get("config") if skills is not None else None
    kept = [e for e in (entries or ()) if e.get(key) != value]
    if not enabled:
        entry = tomlkit.table()
        entry[key] = value
        entry["enabled"] = False
        kept.append(entry)
    if kept or entries is not None:
        if skills is None:
            skills = tomlkit.table(is_super_table=True)
            doc["skills"] = skills
        aot = tomlkit.aot()
        for e in kept:
            aot.append(e)
        if kept:
            skills["config"] = aot
        elif "config" in skills:
            del skills["config"]
    text = tomlkit.dumps(doc).rstrip("\n") + "\n"     # no blank line left after a removed entry
    os.makedirs(os.path.dirname(file), exist_ok=True)
    tmp = f"{file}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text if text.strip() else "")
    os.replace(tmp, file)
    server.config(reload=True)
    return {"effectiveEnabled": enabled}


def register_methods(registry) -> None:
    registry.register("skills/list", skills_list)
    registry.register("skills/config/write", skills_config_write)
