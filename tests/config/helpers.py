"""Helpers of the config tests: the reference captures in fixtures/config/reference_cases.json
(made by fixtures/config/capture.py) and an in-process runner of our `codex` in a case's layout."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "config"


def _capture_module():
    spec = importlib.util.spec_from_file_location("config_capture", FIXTURES / "capture.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


capture = _capture_module()


def reference_cases() -> dict:
    return json.loads((FIXTURES / "reference_cases.json").read_text(encoding="utf-8"))


def expected(data: dict, case: dict) -> dict:
    stdout = case["stdout"]
    if isinstance(stdout, dict):
        stdout = data["lists"][stdout["list"]]
    return {"exit": case["exit"], "stdout": stdout, "stderr": case["stderr"], "config_after": case["config_after"]}


def run_in_process(case: dict, base: Path, monkeypatch, capsys) -> dict:
    """Lay the case out under `base` and run our CLI in this process (the system config layer
    pointed at a missing file); returns the outcome with `<BASE>` put back."""
    from codex.cli import app
    from codex.config import loader

    env, cwd = capture.materialize(case, base)
    for key in ("HOME", "CODEX_HOME"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        if key in ("HOME", "CODEX_HOME"):
            monkeypatch.setenv(key, value)
    monkeypatch.setattr(loader, "SYSTEM_CONFIG_PATH", str(base / "no-system-config.toml"))
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    code = app.run(list(case["argv"]))
    out, err = capsys.readouterr()
    b = str(base)
    after = base / "codex_home" / "config.toml"
    return {
        "exit": code,
        "stdout": out.replace(b, "<BASE>"),
        "stderr": err.replace(b, "<BASE>"),
        "config_after": after.read_text().replace(b, "<BASE>") if after.exists() else None,
    }
