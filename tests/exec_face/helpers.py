"""Loading the exec_face fixtures and driving the processors as the exec runner does."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

from codex.exec.event_processor import CodexStatus, should_process_notification
from codex.exec.human_output import HumanOutput
from codex.exec.jsonl_output import JsonlOutput

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "exec_face"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RUN_SEPARATOR = re.compile(r"^===== run (\d+) \(([^)]*)\) =====\n", re.M)
STDIN_NOTICE = "Reading additional input from stdin...\n"  # printed by the CLI, not a processor

SCENARIOS = sorted(p.parent.name for p in FIXTURES.glob("*/notifications.json*"))
HUMAN_SCENARIOS = sorted(p.parent.name for p in FIXTURES.glob("*/human_stderr.txt*"))


def read_fixture(scenario: str, name: str) -> str | None:
    path = FIXTURES / scenario / name
    if path.exists():
        return path.read_text(encoding="utf-8")
    gz = path.with_name(name + ".gz")
    if gz.exists():
        return gzip.decompress(gz.read_bytes()).decode("utf-8")
    return None


def load(scenario: str) -> dict:
    return json.loads(read_fixture(scenario, "notifications.json"))


def split_runs(text: str, n_runs: int) -> list[str]:
    """A capture of a multi-run scenario, cut at its ``===== run N (label) =====`` lines."""
    if n_runs == 1:
        return [text]
    parts = RUN_SEPARATOR.split(text)
    # ["", "0", "label", body, "1", "label", body, ...]
    assert parts[0] == "", parts[0][:200]
    bodies = parts[3::3]
    assert len(bodies) == n_runs
    return bodies


def mask(text: str) -> str:
    return UUID.sub("<UUID>", text)


class Driven:
    def __init__(self, processor, stdout: io.StringIO, stderr: io.StringIO, statuses, final) -> None:
        self.processor = processor
        self.stdout = stdout.getvalue()
        self.stderr = stderr.getvalue()
        self.statuses = statuses
        self.final = final


def drive(run: dict, mode: str, *, last_message_path: str | None = None, **kwargs) -> Driven:
    """Feed one run to a fresh processor the way ``codex exec`` does (lib.rs's loop)."""
    out, err = io.StringIO(), io.StringIO()
    if mode == "json":
        proc = JsonlOutput(out, err, last_message_path=last_message_path)
    else:
        kwargs.setdefault("color", "never")
        proc = HumanOutput(out, err, last_message_path=last_message_path, **kwargs)
    summary = dict(run["summary"], thread_id=run["thread_id"])
    proc.print_config_summary(summary, run["prompt"])
    if mode == "human":
        for warning in run["human_warnings"]:
            proc.process_warning(warning)
    statuses = []
    for n in run["notifications"]:
        if not should_process_notification(n, run["thread_id"], run["turn_id"]):
            continue
        status = proc.process_notification(n)
        statuses.append(status)
        if status is CodexStatus.INITIATE_SHUTDOWN:
            break
    final = proc.finish()
    return Driven(proc, out, err, statuses, final)
