import json
import os
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "core"


def load_fixture_json(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def codex_home(tmp_path):
    """A CODEX_HOME holding the 5 bundled system skills' front matter (as captured)."""
    home = tmp_path / "codex_home"
    for s in load_fixture_json("system_skills.json"):
        d = home / "skills" / ".system" / s["name"]
        d.mkdir(parents=True)
        desc = s["description"].replace('"', '\\"')
        (d / "SKILL.md").write_text(f'---\nname: {s["name"]}\ndescription: "{desc}"\n---\n\n# {s["name"]}\n',
                                    encoding="utf-8")
    return home


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "work"
    (ws / ".git").mkdir(parents=True)
    return ws
