#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian/Ubuntu machine, then run the whole suite.
#   system packages (libseccomp-dev, bubblewrap, tmux), a venv with our package built with its
#   compiled modules plus the test deps, and the reference Codex 0.136.0 and its TypeScript SDK from npm.
# Extra arguments go to pytest. pytest's exit code 5 (no tests collected) counts as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

SYS_PKGS=(libseccomp-dev bubblewrap tmux gcc python3-venv)
missing=()
for p in "${SYS_PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "==> installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
echo "==> installing codex (with its compiled modules) and the test dependencies"
.venv/bin/python -m pip install -q --upgrade pip
CODEX_REQUIRE_EXTENSIONS=1 .venv/bin/python -m pip install -q ".[test]"

REF=.reference/node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/bin/codex
if [ ! -x "$REF" ]; then
  echo "==> installing the reference Codex 0.136.0 from npm"
  npm install --silent --no-audit --no-fund --prefix .reference @openai/codex@0.136.0-linux-x64
fi
SDK=.sdk/node_modules/@openai/codex-sdk/package.json
if [ ! -f "$SDK" ]; then
  echo "==> installing the Codex TypeScript SDK 0.136.0 from npm (tests/parity/test_ts_sdk.py)"
  npm install --silent --no-audit --no-fund --omit=optional --save-exact --prefix .sdk @openai/codex-sdk@0.136.0
fi

echo "==> running the tests"
export CODEX_EXPECT_COMPILED=1 CODEX_REQUIRE_REFERENCE=1
set +e
.venv/bin/python -m pytest -q "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "ERROR: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
