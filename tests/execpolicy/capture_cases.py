"""Record what the reference `codex execpolicy check` prints for every case of cases.py into
fixtures/execpolicy/cases.json (run by hand when cases change):

    PYTHONPATH=src .venv/bin/python tests/execpolicy/capture_cases.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from execpolicy.cases import CASES  # noqa: E402
from execpolicy.harness import materialize  # noqa: E402
from parity.reference import RefEnv  # noqa: E402

OUT = HERE.parents[1] / "fixtures" / "execpolicy" / "cases.json"


def main() -> None:
    results = {}
    with RefEnv() as env:
        for name, case in CASES.items():
            cwd = materialize(env.root / "cases" / name, case["files"])
            r = env.run(["execpolicy", "check", *case["args"]], which="reference", cwd=cwd, timeout=30)
            results[name] = {"exit_code": r.exit_code, "stdout": r.stdout, "stderr": r.stderr}
    OUT.write_text(json.dumps(results, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(results)} cases to {OUT}")


if __name__ == "__main__":
    main()
