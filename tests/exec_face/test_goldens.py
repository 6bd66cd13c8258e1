"""The processors against the captures of the reference ``codex exec`` 0.136.0.

Each scenario's notification stream (fixtures/exec_face/<scenario>/notifications.json)
is fed through ``should_process_notification`` into a fresh processor; the output
must equal the captured ``--json`` stdout, or the captured human stderr/stdout, once
UUIDs are masked. Colour is off (the captures ran without a terminal).
"""

from __future__ import annotations

import json

import pytest

from codex.exec.event_processor import CodexStatus

from .helpers import HUMAN_SCENARIOS, SCENARIOS, STDIN_NOTICE, drive, load, mask, read_fixture, split_runs

REQUIRED = {
    "text_only", "reasoning", "shell_call", "failing_command", "apply_patch", "update_plan",
    "sandbox_denied", "stream_retry_drop", "stream_error_exhausted", "response_failed", "large_output",
    "exec_session_poll", "output_last_message",
}


def test_required_scenarios_present():
    assert REQUIRED <= set(SCENARIOS)
    # every required scenario with a human-mode capture is checked in human mode too
    assert REQUIRED - {"output_last_message"} <= set(HUMAN_SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_jsonl_matches_capture(scenario, tmp_path):
    doc = load(scenario)
    expected_runs = split_runs(read_fixture(scenario, "events.jsonl"), len(doc["runs"]))
    expected_last = read_fixture(scenario, "last_message.txt")
    for i, (run, expected) in enumerate(zip(doc["runs"], expected_runs)):
        path = tmp_path / f"last_{i}.txt" if run["last_message_file"] else None
        got = drive(run, "json", last_message_path=str(path) if path else None)
        assert mask(got.stdout) == mask(expected)
        assert got.stderr == ""
        # every line is one JSON object
        for line in got.stdout.splitlines():
            json.loads(line)
        assert got.statuses[-1] is CodexStatus.INITIATE_SHUTDOWN
        if path is not None:
            assert expected_last is not None
            assert path.read_text(encoding="utf-8") == expected_last


@pytest.mark.parametrize("scenario", HUMAN_SCENARIOS)
def test_human_matches_capture(scenario):
    doc = load(scenario)
    n = len(doc["runs"])
    expected_err = split_runs(read_fixture(scenario, "human_stderr.txt"), n)
    expected_out = split_runs(read_fixture(scenario, "human_stdout.txt"), n)
    for run, err, out in zip(doc["runs"], expected_err, expected_out):
        assert err.startswith(STDIN_NOTICE)
        got = drive(run, "human")
        assert mask(got.stderr) == mask(err[len(STDIN_NOTICE):])
        assert got.stdout == out


@pytest.mark.parametrize("scenario", ["output_last_message", "output_schema"])
def test_human_writes_the_same_last_message_file(scenario, tmp_path):
    run = load(scenario)["runs"][0]
    path = tmp_path / "last.txt"
    got = drive(run, "human", last_message_path=str(path))
    assert path.read_text(encoding="utf-8") == read_fixture(scenario, "last_message.txt")
    assert got.final == read_fixture(scenario, "last_message.txt")
    assert got.stdout == got.final + "\n"
