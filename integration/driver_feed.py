#!/usr/bin/env python3
"""A receive-only ("feed") altnet driver for the tests: a broadcast transport such as a satellite
or radio feed, which can only push. It declares `receive` without `send` and the headers kind, and
pushes the headers in its `headers_file` option (hex, one 80-byte header per line; the newest
2,000) as an unsolicited `headers` message from its one pseudo-peer, at init and again each time
the file changes. It is never sent a request it cannot answer (docs/driver-protocol.md,
"Capability combinations"); to let a test check that, every method it receives is appended to
DATA_DIR/methods.log, and a `sendmessage`, `broadcasttx` or `disconnectpeer` is refused with
-32005 (capabilityBreach).

Built on drivers/example-python/driver.py (its line loop, framing and errors)."""
import os, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "drivers", "example-python"))
import driver as example  # noqa: E402

PEER = {"id": "sat0", "direction": "inbound"}
# --kinds headers,blocks,transactions: the kinds it declares (default headers);
# --push-block: push a block (81 zero bytes) at init, for the core's queue tests;
# --push-tx: also push a `tx` at init (a feed pushing what is not its answer: check-driver's `role` fails)
KINDS = sys.argv[sys.argv.index("--kinds") + 1].split(",") if "--kinds" in sys.argv else ["headers"]
STATE = {"file": None, "stamp": None, "methods": None}
LOCK = threading.Lock()  # one writer at a time on stdout

def send(obj):
    with LOCK:
        original_send(obj)

def push_if_changed():
    path = STATE["file"]
    try:
        stamp = os.stat(path).st_mtime_ns
        if stamp == STATE["stamp"]:
            return
        with open(path) as f:
            lines = [line.strip() for line in f if line.strip()][-2000:]
        headers = [bytes.fromhex(line) for line in lines]
        if any(len(h) != 80 for h in headers):
            raise ValueError("a line is not an 80-byte header")
    except (OSError, ValueError) as e:
        example.log(f"feed: {path}: {e}")
        return
    STATE["stamp"] = stamp
    n = len(headers)
    payload = (bytes([n]) if n < 0xFD else b"\xfd" + n.to_bytes(2, "little")) + b"".join(h + b"\x00" for h in headers)
    send({"jsonrpc": "2.0", "method": "messagereceived",
          "params": {"peer": PEER["id"], "message": {"command": "headers", "payload": payload.hex()}}})
    example.log(f"feed: pushed {n} headers")

def pusher():
    while True:
        push_if_changed()
        time.sleep(0.2)

def handle(method, params):
    if STATE["methods"]:
        with open(STATE["methods"], "a") as f:
            f.write(method + "\n")
    if method == "getmanifest":
        manifest = original_handle(method, params)
        manifest.update(name="feed-python", version="0.1.0", options=[
            {"name": "headers_file", "type": "string", "description": "headers to push (hex, one per line)"}])
        manifest["capabilities"].update(send=False, receive=True, message_kinds=KINDS, latency="high", privacy="high")
        return manifest
    if method == "init":
        STATE["methods"] = os.path.join(params["data_dir"], "methods.log") if params.get("data_dir") else None
        if STATE["methods"]:
            os.makedirs(params["data_dir"], exist_ok=True)
            with open(STATE["methods"], "a") as f:
                f.write("init\n")
        path = (params.get("options") or {}).get("headers_file")
        send({"jsonrpc": "2.0", "method": "peerconnected", "params": {"peer": PEER}})
        if "--push-block" in sys.argv:  # a pushed block (81 zero bytes: the core's queue does not parse it)
            send({"jsonrpc": "2.0", "method": "messagereceived",
                  "params": {"peer": PEER["id"], "message": {"command": "block", "payload": "00" * 81}}})
        if "--push-tx" in sys.argv:  # a fault for check-driver's `role` check: a feed pushing a tx
            send({"jsonrpc": "2.0", "method": "messagereceived",
                  "params": {"peer": PEER["id"], "message": {"command": "tx", "payload": "0200000000"}}})
        if isinstance(path, str):
            STATE["file"] = path
            threading.Thread(target=pusher, daemon=True).start()
        return {}
    if method in ("sendmessage", "broadcasttx", "disconnectpeer"):
        raise example.RpcError(-32005, f"a feed cannot {method}: it declares receive only")
    if method == "listpeers":
        return {"peers": [PEER]}
    return original_handle(method, params)

original_send, original_handle = example.send, example.handle
example.send, example.handle = send, handle
if __name__ == "__main__":
    example.main()
