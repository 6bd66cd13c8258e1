"""Differential-test harness: run our codex and the reference Codex 0.136.0 on the same input.

reference.py       find/install the reference; RefEnv sandbox that runs either binary
mock_responses.py  loopback mock of the OpenAI Responses API (scripted SSE, faults, recording)
normalize.py       placeholders for paths, ids, timestamps, ports, durations
conftest.py        fixtures: mock_responses, ref_env, reference_bin; the `reference` marker
"""
