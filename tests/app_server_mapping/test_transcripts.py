"""Each EventMsg scenario reproduces one turn of a 0.136.0 transcript: the mapper's
notifications and server requests equal the transcript's (timestamps, durations, process
ids masked; ids canonicalized), in order and key order, and validate against the schema."""

from __future__ import annotations

import json

import pytest

from ._harness import load_scenario, mask, replay, scenario_names, schema_errors, transcript_window

NAMES = scenario_names()


def test_every_listed_transcript_has_a_scenario():
    transcripts = {load_scenario(n)["transcript"] for n in NAMES}
    for required in (
        "turn_basic.jsonl",
        "turn_shell_never.jsonl",
        "turn_apply_patch_workspace_write.jsonl",
        "turn_plan_and_user_input.jsonl",
        "turn_interrupt.jsonl",
        "thread_shell_command.jsonl",
    ):
        assert required in transcripts


@pytest.mark.parametrize("name", NAMES)
def test_scenario_matches_transcript(name):
    scenario = load_scenario(name)
    expected, answers = transcript_window(scenario["transcript"], scenario["turn"])
    assert expected, "empty transcript window"
    got = replay(scenario, answers)
    want_lines = [json.dumps(m) for m in mask(expected)]
    got_lines = [json.dumps(m) for m in mask(got)]
    assert got_lines == want_lines


@pytest.mark.parametrize("name", NAMES)
def test_scenario_output_validates_against_schema(name):
    scenario = load_scenario(name)
    _, answers = transcript_window(scenario["transcript"], scenario["turn"])
    got = replay(scenario, answers)
    problems = {json.dumps(m)[:200]: errs for m in got if (errs := schema_errors(m))}
    assert not problems
