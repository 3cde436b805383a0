#!/usr/bin/env bash
# altnet's main job, for now: the header-validation benchmark over real mainnet headers
# (release build). Prints JSON lines {"metric", "value", "unit"}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product altnet-bench
.build/release/altnet-bench headers
