"""The assembled initial `input` equals every exec capture's first request (before the prompt)."""
import json
import shutil

import pytest

from codex.core.context import agents_md, initial_context, skills
from parity.normalize import Normalizer

from .conftest import FIXTURES, load_fixture_json

CAPTURES = load_fixture_json("exec_initial_inputs.json")
RUNS = [(sc, run) for sc, runs in sorted(CAPTURES.items()) for run in runs]


def _settings(argv):
    sandbox = "read-only"
    if "--dangerously-bypass-approvals-and-sandbox" in argv:
        sandbox = "danger-full-access"
    if "--sandbox" in argv:
        sandbox = argv[argv.index("--sandbox") + 1]
    # the prompt is the last positional argument
    return sandbox, argv[-1]


def build(scenario, run, workspace, codex_home):
    if scenario == "agents_md":
        shutil.copy(FIXTURES / "agents_md" / "AGENTS.md", workspace / "AGENTS.md")
    sandbox, prompt = _settings(run["argv"])
    return initial_context.initial_input(
        prompt, stdin_text=run["stdin"], cwd=str(workspace), sandbox_mode=sandbox,
        approval_policy="never", skills=skills.codex_home_skills(codex_home),
        agents_md=agents_md.read_project_docs(workspace), timezone="Etc/UTC")


@pytest.mark.parametrize("scenario,run", RUNS, ids=[f"{sc}-{r['run']}" for sc, r in RUNS])
def test_initial_input_matches_capture(scenario, run, workspace, codex_home):
    items = build(scenario, run, workspace, codex_home)
    norm = Normalizer({str(workspace): "<CWD>", str(codex_home): "<CODEX_HOME>"})
    ours = norm.text(json.dumps(items))
    ref = Normalizer().text(json.dumps(run["input"][:3]))
    assert json.loads(ours) == json.loads(ref)


def test_every_scenario_with_a_request_is_covered():
    scenarios = {sc for sc, _ in RUNS}
    assert len(scenarios) == 33 and "not_git_repo" not in scenarios
