#!/usr/bin/env bash
# The README's test command: install what the tests need, then run every test.
#   - Debian's chromium for the real-browser tests (Playwright's own browser download
#     cannot run offline or here), with apt-get when it is missing;
#   - a venv (.venv) with requirements-dev.txt;
#   - then pytest, with any arguments given (e.g. -m "not slow and not e2e").
# GEOCLUSTER_TEST_SETUP_ONLY=1 installs and stops (.ci/run lints between the two).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "The browser tests need Debian's chromium: run 'apt-get install chromium' as root," >&2
    echo "or run the other tests alone: .venv/bin/python -m pytest -m 'not e2e'." >&2
    exit 1
  fi
  echo "--- installing chromium (Debian) for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -q >/dev/null
  "${as_root[@]}" apt-get install -y -q chromium >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "--- creating .venv"
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -r requirements-dev.txt

if [ "${GEOCLUSTER_TEST_SETUP_ONLY:-0}" = 1 ]; then
  exit 0
fi
exec .venv/bin/python -m pytest "$@"
