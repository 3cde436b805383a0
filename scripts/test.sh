#!/usr/bin/env bash
# Runs every altnet test: unit tests, official vectors (read from ../shared), and interop tests
# against third-party peers started on 127.0.0.1. Installs what they need first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --chromium --packaging
if [ ! -d ../shared ] && [ -z "${ALTNET_SHARED:-}" ]; then
  echo "test: ../shared (test vectors and mainnet data) not found beside this checkout; set ALTNET_SHARED" >&2
  exit 1
fi
swift build --build-tests
# Serial: on a 2-core machine, parallel tests with subprocesses and timing bounds starve each
# other (a 300 ms RPC timeout measured at 12 s); serial costs about 20 s more and is deterministic.
swift test --skip-build --no-parallel
