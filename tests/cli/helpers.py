"""Data helpers of the CLI-surface tests: fixtures under fixtures/cli/ (copies of the reference
captures, see fixtures/cli/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cli"


def fixture_text(rel: str) -> str:
    return (FIXTURES / rel).read_text(encoding="utf-8")


def manifest() -> list[dict]:
    return json.loads(fixture_text("manifest.json"))


def probes() -> list[dict]:
    return json.loads(fixture_text("probes.json"))


def help_page_names() -> list[str]:
    return sorted(p.stem for p in (FIXTURES / "help").glob("*.txt"))


class Result:
    def __init__(self, code: int, out: str, err: str):
        self.code = code
        self.out = out
        self.err = err

    def __repr__(self) -> str:  # pragma: no cover - shown on failures
        return f"Result(code={self.code!r}, out={self.out[:200]!r}, err={self.err[:200]!r})"
