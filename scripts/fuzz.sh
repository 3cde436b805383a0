#!/usr/bin/env bash
# Fuzz the P2P stream decoder, message payload codecs, transaction and block parsers with
# libFuzzer. Not part of the test suite.
#
#   scripts/fuzz.sh [SECONDS] [libFuzzer options...]     (default 60 seconds)
#
# Builds altnet-fuzz in release mode with -sanitize=fuzzer into .build-fuzz/ (kept apart from
# .build/ so the normal build is untouched), seeds a corpus with a few valid inputs, runs for
# SECONDS, and exits non-zero if libFuzzer found a crash (the input is saved as crash-*).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true

swift build -c release --product altnet-fuzz --build-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING

corpus=.build-fuzz/corpus
mkdir -p "$corpus"
seed() { printf '%s' "$2" | xxd -r -p > "$corpus/seed-$1"; }
# Selector byte, then input (see Sources/altnet-fuzz/FuzzTargets.swift).
seed verack-stream   "00f9beb4d976657261636b000000000000000000005df6e0e2"
seed ping-payload    "01022a00000000000000"
seed headers-payload "0105010100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c00"
seed inv-payload     "010601020000000000000000000000000000000000000000000000000000000000000000000000"
seed legacy-tx       "0201000000010000000000000000000000000000000000000000000000000000000000000000ffffffff0100ffffffff0100f2052a01000000015100000000"
seed empty-tx        "0202000000000007000000"
seed genesis-block   "030100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000"

exec .build-fuzz/release/altnet-fuzz -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 \
    -print_final_stats=1 "$@" "$corpus"
