#!/bin/bash
# The RPC proxy measured the way issue 20 first measured it, from outside with wrk (Debian's
# `wrk` package): 64 keep-alive connections calling `getblockcount` on a regtest bitcoind,
# straight and through the proxy, alternating, ROUNDS times each; prints each round's req/s,
# the medians and their ratio, with the load average before each round.
#
#   scripts/wrk-rpc-proxy.sh BITCOIND [ALTNET_BENCH] [ROUNDS] [SECONDS]
#
# BITCOIND is a bitcoind executable (built by hand, outside this repository). ALTNET_BENCH
# (default .build/release/altnet-bench) provides the proxy: `altnet-bench party --role proxy`
# runs the same library code as `altnet-driver-rpc proxy`, with 64 connections to bitcoind.
# Everything listens on 127.0.0.1 and is stopped and removed at the end.
set -euo pipefail
bitcoind=${1:?usage: $0 BITCOIND [ALTNET_BENCH] [ROUNDS] [SECONDS]}
bench=${2:-.build/release/altnet-bench}
rounds=${3:-5}
seconds=${4:-10}
command -v wrk > /dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

dir=$(mktemp -d)
rpcport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
p2pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
proxy_pid=""
cleanup() {
    [ -n "$proxy_pid" ] && { exec 3>&-; wait "$proxy_pid" 2> /dev/null || true; }
    [ -f "$dir/bitcoind.pid" ] && kill "$(cat "$dir/bitcoind.pid")" 2> /dev/null || true
    for _ in $(seq 1 100); do [ -f "$dir/bitcoind.pid" ] && kill -0 "$(cat "$dir/bitcoind.pid")" 2> /dev/null && sleep 0.1 || break; done
    rm -rf "$dir"
}
trap cleanup EXIT

"$bitcoind" -regtest -datadir="$dir" -rpcport="$rpcport" -port="$p2pport" -listen=0 -rpcbind=127.0.0.1 \
    -rpcallowip=127.0.0.1 -connect=0 -dnsseed=0 -fixedseeds=0 -discover=0 -printtoconsole=0 \
    -pid="$dir/bitcoind.pid" -daemon > /dev/null
for _ in $(seq 1 300); do [ -f "$dir/regtest/.cookie" ] && break; sleep 0.1; done
[ -f "$dir/regtest/.cookie" ] || { echo "bitcoind wrote no cookie" >&2; exit 1; }

# The proxy party: reads nothing until its stdin closes (fd 3 here), prints "ready PORT COOKIE".
mkfifo "$dir/in"
"$bench" party --role proxy --datadir "$dir/proxy" --upstream-port "$rpcport" \
    --upstream-cookie "$dir/regtest/.cookie" --connections 64 < "$dir/in" > "$dir/proxy.out" 2> /dev/null &
proxy_pid=$!
exec 3> "$dir/in"
for _ in $(seq 1 300); do grep -q '^ready' "$dir/proxy.out" 2> /dev/null && break; sleep 0.1; done
read -r _ proxyport proxycookie < "$dir/proxy.out"

cat > "$dir/post.lua" << 'EOF'
wrk.method = "POST"
wrk.body = '{"jsonrpc":"1.0","id":"wrk","method":"getblockcount","params":[]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic " .. os.getenv("AUTH")
EOF
# Wait until bitcoind answers (a node still loading answers 500 with -28).
for _ in $(seq 1 300); do
    curl -s -o /dev/null -w '%{http_code}' --user "$(cat "$dir/regtest/.cookie")" \
        --data-binary '{"id":0,"method":"getblockcount"}' "http://127.0.0.1:$rpcport/" | grep -q 200 && break
    sleep 0.2
done

rate() {  # AUTH, URL -> requests/s
    AUTH=$1 wrk -t2 -c64 -d"${seconds}s" -s "$dir/post.lua" "$2" | awk '/^Requests\/sec/ {print $2}'
}
direct_auth=$(base64 -w0 < "$dir/regtest/.cookie")
proxy_auth=$(base64 -w0 < "$proxycookie")
direct=() proxied=()
for round in $(seq 1 "$rounds"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    d=$(rate "$direct_auth" "http://127.0.0.1:$rpcport/")
    p=$(rate "$proxy_auth" "http://127.0.0.1:$proxyport/")
    direct+=("$d") proxied+=("$p")
    echo "round $round (load $load): direct $d req/s, proxy $p req/s"
done
python3 - "${direct[*]}" "${proxied[*]}" "$("$bitcoind" -version | head -1)" << 'EOF'
import statistics, sys
d = [float(x) for x in sys.argv[1].split()]
p = [float(x) for x in sys.argv[2].split()]
ratios = [b / a for a, b in zip(d, p)]
print(f"{sys.argv[3]}")
print(f"direct  median {statistics.median(d):.0f} req/s [{min(d):.0f}-{max(d):.0f}]")
print(f"proxy   median {statistics.median(p):.0f} req/s [{min(p):.0f}-{max(p):.0f}]")
print(f"ratio   median {statistics.median(ratios):.3f} [{min(ratios):.3f}-{max(ratios):.3f}] (per round: proxy / direct)")
EOF
