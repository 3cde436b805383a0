#!/usr/bin/env bash
# Runs every altnet test: unit tests, official vectors (read from ../shared), and interop tests
# against third-party peers started on 127.0.0.1. Installs what they need first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [ ! -d ../shared ] && [ -z "${ALTNET_SHARED:-}" ]; then
  echo "test: ../shared (test vectors and mainnet data) not found beside this checkout; set ALTNET_SHARED" >&2
  exit 1
fi
swift build --build-tests
swift test --skip-build
