"""`parse_command` + `to_command_actions` against the reference app-server's `commandActions`
for the commands of fixtures/shell/approval_matrix.json (read paths are resolved against the
thread's cwd there, `<CWD>` in the fixture)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex.shell.parse_command import parse_command, to_command_actions

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "shell" / "approval_matrix.json"
DATA = json.loads(FIXTURE.read_text())
SEEN: dict[str, list] = {}
for _rec in DATA["records"]:
    if _rec["command_actions"] is not None:
        SEEN.setdefault(_rec["cmd"], _rec["command_actions"])


@pytest.mark.parametrize("cmd", sorted(SEEN))
def test_command_actions(cmd):
    got = to_command_actions(parse_command(["/bin/bash", "-lc", cmd]), cwd="<CWD>")
    assert got == SEEN[cmd]
