"""Every captured reference case (fixtures/config/reference_cases.json: `codex features ...` with
good and bad configs, `-c`, `--enable/--disable`, profiles, project trust, CODEX_HOME), run in
process against our CLI: exit code, stdout, stderr and the config.toml left behind identical.
Cases with a `deviation` note are known differences (expected to fail)."""

from __future__ import annotations

import pytest

from config.helpers import expected, reference_cases, run_in_process

DATA = reference_cases()


def _params():
    for case in DATA["cases"]:
        marks = [pytest.mark.xfail(reason=case["deviation"], strict=True)] if case.get("deviation") else []
        yield pytest.param(case, id=case["name"], marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_reference_case(case, case_base, monkeypatch, capsys):
    got = run_in_process(case, case_base, monkeypatch, capsys)
    assert got == expected(DATA, case)


def test_cases_cover_the_brief():
    names = {c["name"] for c in DATA["cases"]}
    stderr = "".join(c["stderr"] for c in DATA["cases"])
    # bad TOML, wrong type, bad enum (file and -c), unknown feature, strict refusal, trust, profiles
    for needle in ("TOML parse error", "invalid type:", "unknown variant", "in `model_reasoning_effort`",
                   "Unknown feature flag", "--strict-config", "--profile", "legacy `profile"):
        assert needle in stderr, needle
    assert {"a-trusted-root", "b-untrusted", "e-sub", "f-sub-trusted-only", "e1", "d2"} <= names
