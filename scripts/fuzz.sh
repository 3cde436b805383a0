#!/usr/bin/env bash
# Fuzz every decoder that reads peer, driver or user input with libFuzzer. Not part of the
# test suite. The first input byte picks the target (its value modulo 22, see
# Sources/Programs/altnet-fuzz/FuzzTargets.swift): 0-3 the v1 P2P stream, payload codecs, transactions and
# blocks; 4-5 a BIP324 responder (raw bytes; a fixed-key session); 6-7 BOLT 8 (responder
# handshake; transport); 8 the altnet Lightning reassembler; 9 the BIP324 proxy front end
# (SOCKS5, greeting sniffing, addr_recv, v1 framer); 10 DriverKit reply matching; 11 driver
# JSON-RPC lines; 12 bitcoind ZMQ notifications; 13 altnet.conf and flags; 14 JSON (the one
# scanner and parser), the RPC proxy's request reading and authentication; 15 BOLT 1 messages against a reference;
# 16 the BIP324 driver's PeerSession; 17 HeaderChain against a reference, and HeadersPresync;
# 18 addr/addrv2 (BIP155) lists, Tor v3 names, address text and the addrman.dat loader;
# 19 the Lightning driver's core (a BOLT 8 carrier session and its altnet session); 20 the Core
# Lightning carrier (lightningd's JSON object stream, the plugin session, listpeers);
# 21 the driver pipe with binary framing (lines and frames, payload ranges, re-encoding).
#
#   scripts/fuzz.sh [SECONDS] [libFuzzer options...]     (default 60 seconds)
#   ONLY=5 scripts/fuzz.sh 120                           (one target: selector 5, own corpus)
#
# With ONLY=N the binary runs every input through target N (ALTNET_FUZZ_ONLY; the first byte is
# then ignored) and the corpus is .build-fuzz/corpus-N, seeded with that target's seeds only.
# Targets reading large inputs (14: request bodies, 16: peer streams with blocks) get
# -max_len=1048576 under ONLY; every other run uses 65536. A -max_len given after SECONDS wins.
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

# Swift's runtime backtracer would catch the trap first and exit: libFuzzer must see the signal
# to save the input.
export SWIFT_BACKTRACE=enable=no

corpus=.build-fuzz/corpus${ONLY:+-$ONLY}
mkdir -p "$corpus"
seed() {
    if [[ -n "${ONLY:-}" ]] && (( 16#${2:0:2} % 22 != ONLY )); then return; fi
    printf '%s' "$2" | xxd -r -p > "$corpus/seed-$1"
}
if [[ -n "${ONLY:-}" ]]; then export ALTNET_FUZZ_ONLY="$ONLY"; fi
# Selector byte, then input (see Sources/Programs/altnet-fuzz/FuzzTargets.swift).
seed verack-stream   "00f9beb4d976657261636b000000000000000000005df6e0e2"
seed ping-payload    "01022a00000000000000"
seed headers-payload "0105010100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c00"
seed inv-payload     "010601020000000000000000000000000000000000000000000000000000000000000000000000"
seed legacy-tx       "0201000000010000000000000000000000000000000000000000000000000000000000000000ffffffff0100ffffffff0100f2052a01000000015100000000"
seed empty-tx        "0202000000000007000000"
seed genesis-block   "030100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000"
seed bip324-v1-prefix "0400f9beb4d976657273696f6e0000000000"
seed bip324-key      "0407$(printf '%02x' $(seq 1 64) | tr -d '\n')"
seed bip324-session  "05000700000000091201020304050607080103aabbcc000d0076657273696f6e0000000000"
seed bip324-flipped  "0500032a00800009120102030405060708"
seed bolt8-act-one   "0600000002$(printf 'aa%.0s' $(seq 1 32))$(printf '00%.0s' $(seq 1 16))"
seed bolt8-act-three "060105$(printf '00%.0s' $(seq 1 66))"
seed bolt8-transport "0701030000000500001000000000000100ff"
seed bolt8-raw       "0700055c7a1e0000000000000000000000000000000000000000000000000000"
seed altnet-whole    "080000070002747801000000"
seed altnet-fragment "08010100300000000402747811111111111111111111111111"
# 19: init with bit 421, a ping, the writer takes what is queued, an altnet message "tx" 01, again.
seed lightning-core  "13000035200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000010400000307050300040002747801090705"
# 20: split seed 3, cap 64+0x0200, then getmanifest and a custommsg hook call for an altnet message.
seed cln-plugin      "14030002$(printf '%s\n\n%s' '{"jsonrpc":"2.0","id":1,"method":"getmanifest","params":{}}' '{"jsonrpc":"2.0","id":"h","method":"custommsg","params":{"peer_id":"02abababababababababababababababababababababababababababababababab","payload":"a41104706f6e67"}}' | xxd -p | tr -d '\n')"
seed altnet-roundtrip "08000500002000ffff0301020304"
seed socks5-domain   "090005050100050100030b6578616d706c652e636f6d208d"
seed proxy-v1-verack "090305f9beb4d976657261636b000000000000000000005df6e0e2"
seed proxy-v2-verack "090405f9beb4d976657261636b000000000000000000005df6e0e2"
seed greeting-v1     "090105f9beb4d976657273696f6e0000000000"
seed reply-pong      "0a020410080001020304050607080102030405060708"
seed driver-line     "0b0003$(printf '%s\n%s\n' '{"jsonrpc":"2.0","method":"peerdisconnected","params":{"peer":"p1","reason":"eof"}}' '{"jsonrpc":"2.0","id":7,"result":{"peers":[]}}' | xxd -p | tr -d '\n')"
seed driver-frame    "1500030000000078000000727b226a736f6e727063223a22322e30222c226d6574686f64223a226d6573736167657265636569766564222c22706172616d73223a7b2270656572223a227031222c226d657373616765223a7b22636f6d6d616e64223a227478222c227061796c6f61645f62696e223a5b302c325d7d7d7d01027b226a736f6e727063223a22322e30222c226964223a372c22726573756c74223a7b7d7d0a"
seed zmq-hashblock   "0c0209$(printf hashblock | xxd -p)20$(printf '42%.0s' $(seq 1 32))01000000"
seed altnet-conf     "0d00$(printf 'datadir=/tmp/x\n[bip324]\nconnect=127.0.0.1:8333 # peer\nrpc.port=8332\n' | xxd -p | tr -d '\n')"
seed altnet-flags    "0d01$(printf -- '--bip324.connect=127.0.0.1:8333\n--lightning\n--rpc.port\n8332' | xxd -p | tr -d '\n')"
seed rpc-getblock    "0e00$(printf '{"jsonrpc":"1.0","id":1,"method":"getblock","params":["000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",0]}' | xxd -p | tr -d '\n')"
seed rpc-batch       "0e00$(printf '[{"method":"getblockcount","id":1},{"method":"getblock","params":{"blockhash":"00"},"id":"x"},7]' | xxd -p | tr -d '\n')"
seed rpc-auth        "0e01$(printf '\x10s3cr3t-cookie-xy\x05alice\x08password\x04salt\x01\x0falice:getblock \x06u:s$00\x20\x00Basic YWxpY2U6cGFzc3dvcmQ=' | xxd -p | tr -d '\n')"
seed bolt1-init      "0f000010000000020a08012000000000000000000000000000000000000000000000000000000000000000000304deadbeef"
seed bolt1-ping      "0f00001200040002000000"
seed bolt1-error     "0f090000000000000000000000000000000000000000000000000000000000000000000568656c6c6f"
seed peer-v1         "100005000080110100090000000000000000010000020008010203040506070806000100000000000000"
seed peer-fallback   "1001000000801101000900000000000000000100000200080102030405060708"
seed peer-v2         "1002070000801101000900000000000000000100000200080102030405060708"
seed headers-honest  "1100ffff$(printf '00000000%.0s' $(seq 1 20))40000000$(printf '00000000%.0s' $(seq 1 12))"
seed headers-mindiff "1101ffff$(printf '00000000%.0s' $(seq 1 5))04100500$(printf '00000000%.0s' $(seq 1 12))"
seed headers-fork    "1102ffff$(printf '00000000%.0s' $(seq 1 6))4300000000030300000000"
seed addrv2-list    "12000103000000000420$(printf '07%.0s' $(seq 1 32))208d"
seed onion-name     "1202$(printf '%s' pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion | xxd -p | tr -d '\n')"

max_len=65536
case "${ONLY:-}" in 14|16) max_len=1048576 ;; esac
exec .build-fuzz/release/altnet-fuzz -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=1024 \
    -print_final_stats=1 "$@" "$corpus"
