#!/usr/bin/env python3
"""Talks to `altnet-harness simnode` with Bitcoin Core's own RPC client from its functional test
framework (verystable.core.authproxy.AuthServiceProxy, JSON-RPC 2.0, as bitcoin-cli v28+ and the
test framework speak it), plus one legacy JSON-RPC 1.0 request over http.client.

  simnode_rpc_peer.py PORT COOKIEFILE

Prints one JSON object with what came back. Used by Tests/SimnodeTests/SimnodeInteropTests.swift.
"""
import base64
import http.client
import json
import sys

try:
    from verystable.core.authproxy import AuthServiceProxy, JSONRPCException
except ImportError as e:  # pragma: no cover
    sys.stderr.write(f"simnode_rpc_peer.py needs the verystable package (pip install verystable): {e}\n")
    sys.exit(2)


def main():
    port, cookie_file = int(sys.argv[1]), sys.argv[2]
    with open(cookie_file) as f:
        user, password = f.read().strip().split(":", 1)
    rpc = AuthServiceProxy(f"http://{user}:{password}@127.0.0.1:{port}", timeout=10)
    out = {}
    out["generated"] = rpc.generatetoaddress(3, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")
    info = rpc.getblockchaininfo()
    out["blocks"] = info["blocks"]
    out["bestblockhash"] = rpc.getbestblockhash()
    header = rpc.getblockheader(out["bestblockhash"])
    out["header_height"] = header["height"]
    out["header_prev"] = header["previousblockhash"]
    out["tips"] = [t["status"] for t in rpc.getchaintips()]
    out["peers"] = len(rpc.getpeerinfo())
    try:
        rpc.nosuchmethod()
    except JSONRPCException as e:
        out["v2_error"] = {"code": e.error["code"], "http_status": int(e.http_status)}
    try:
        rpc.getblockhash(999)
    except JSONRPCException as e:
        out["range_error"] = {"code": e.error["code"], "message": e.error["message"]}
    batch = rpc.batch([rpc.getblockcount.get_request(), rpc.getblockhash.get_request(0)])
    out["batch"] = [item.get("result") for item in batch]

    # A legacy (JSON-RPC 1.0) request, as bitcoin-cli v26 sends it: errors change the HTTP status.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    conn.request("POST", "/", json.dumps({"method": "nosuchmethod", "params": [], "id": 1}),
                 {"Authorization": "Basic " + auth, "Content-Type": "application/json"})
    resp = conn.getresponse()
    out["legacy_error"] = {"http_status": resp.status, "body": json.loads(resp.read())}
    conn.request("POST", "/", "{}", {"Authorization": "Basic " + base64.b64encode(b"x:y").decode()})
    resp = conn.getresponse()
    resp.read()
    out["bad_auth"] = {"http_status": resp.status, "www_authenticate": resp.getheader("WWW-Authenticate")}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
