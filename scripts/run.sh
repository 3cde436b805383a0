#!/usr/bin/env bash
# altnet's main job: the two-node demo. Alice and Bob each run a bitcoind (simnode, a regtest
# double) and an altnetd; Alice, cut off from the P2P network, catches up with Bob over Lightning
# and BIP324, then sends an emergency transaction that reaches Bob's mempool. Narrated; every
# process it starts is stopped; exit status 0 on success.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build
.build/debug/altnet-harness demo "$@"
