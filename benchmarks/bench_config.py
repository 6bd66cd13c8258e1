"""Config loading: in process, and `codex features list` end to end against the reference.

    python benchmarks/bench_config.py [--runs N] [--warmup W] [--json PATH] [--inproc-runs K]

1. In process (ours only): `load_config` of a realistic layout: a user config.toml (providers, MCP
   servers, projects, features, history, otel...), a profile file, a trusted project's
   .codex/config.toml and 5 `-c` overrides; median microseconds per load.
2. End to end through harness.py (ours vs the reference, median wall time):
       codex features list                         target ours/ref <= 4.0
       codex -c model=o3 --enable memories features list   target <= 4.0
Targets are reported, never asserted.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from harness import Case, main  # noqa: E402

USER_CONFIG = """# user config
model = "gpt-5.5"
model_provider = "mock"
approval_policy = "on-request"
sandbox_mode = "workspace-write"
model_reasoning_effort = "medium"
project_doc_max_bytes = 65536
project_doc_fallback_filenames = ["CLAUDE.md", "README.md"]
notify = ["notify-send", "codex"]

[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:9/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[model_providers.azure]
name = "Azure"
base_url = "https://example.invalid/openai"
query_params = { api-version = "2025-04-01-preview" }

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-server"]
env = { TOKEN = "x" }

[mcp_servers.web]
url = "https://example.invalid/mcp"

[sandbox_workspace_write]
writable_roots = ["/var/tmp/x"]
network_access = false

[shell_environment_policy]
inherit = "core"
exclude = ["AWS_*", "AZURE_*"]
set = { CI = "1" }

[history]
persistence = "save-all"
max_bytes = 1048576

[features]
plugins = false
memories = true
collab = true

[otel]
metrics_exporter = "none"

[tui]
notifications = true
"""

PROFILE = 'model = "o3"\nmodel_reasoning_effort = "high"\n[features]\nhooks = false\n'
PROJECT = 'model_verbosity = "low"\ndeveloper_instructions = "Be brief."\n[features]\ngoals = false\n'
OVERRIDES = ["model=gpt-5.5", "sandbox_mode=read-only", "history.max_bytes=2048",
             'shell_environment_policy.include_only=["PATH","HOME"]', "features.memories=false"]


def bench_in_process(runs: int) -> dict:
    from codex.config.loader import load_config

    base = Path(tempfile.mkdtemp(prefix="bench-config-", dir="/var/tmp"))
    try:
        home = base / "codex_home"
        proj = base / "proj"
        (proj / ".git").mkdir(parents=True)
        (proj / ".codex").mkdir()
        home.mkdir()
        (home / "config.toml").write_text(USER_CONFIG + f'\n[projects."{proj}"]\ntrust_level = "trusted"\n')
        (home / "work.config.toml").write_text(PROFILE)
        (proj / ".codex" / "config.toml").write_text(PROJECT)
        kw = dict(profile="work", cwd=str(proj), codex_home=str(home), system_path=str(base / "none.toml"))
        cfg = load_config(OVERRIDES, **kw)
        assert [layer.source for layer in cfg.layers] == ["user", "profile", "project"], cfg.layers
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            load_config(OVERRIDES, **kw)
            samples.append((time.perf_counter() - t0) * 1e6)
        return {"median_us": round(statistics.median(samples), 1), "min_us": round(min(samples), 1), "runs": runs}
    finally:
        shutil.rmtree(base, ignore_errors=True)


CASES = [
    Case("codex features list", ["features", "list"], target=4.0),
    Case("codex -c model=o3 --enable memories features list",
         ["-c", "model=o3", "--enable", "memories", "features", "list"], target=4.0),
]

if __name__ == "__main__":
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--inproc-runs", type=int, default=500)
    known, rest = ap.parse_known_args()
    r = bench_in_process(known.inproc_runs)
    print(f"in-process load_config (user + profile + trusted project + 5 -c): "
          f"median {r['median_us']} us, min {r['min_us']} us over {r['runs']} loads")
    main(CASES, argv=rest, description=__doc__)
    sys.exit(0)
