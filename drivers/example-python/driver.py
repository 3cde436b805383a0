#!/usr/bin/env python3
"""altnet example driver: the driver protocol (docs/driver-protocol.md) in one page of Python,
standard library only. It declares the headers capability and answers `getheaders` from a small
in-memory regtest chain, as if one peer ("mem0") held it. Copy it to start your own driver."""
import hashlib, json, struct, sys

MAX_LINE = 16 * 1024 * 1024  # the protocol's line limit, newline excluded
PEER = {"id": "mem0", "address": "memory", "direction": "outbound"}

def log(msg):  # stderr is the driver's log; stdout carries only protocol lines
    print(f"example-python: {msg}", file=sys.stderr, flush=True)

def send(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()

def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()

def make_chain(length=20):
    """Regtest genesis (Bitcoin Core chainparams.cpp) and `length` headers mined on top of it."""
    merkle = bytes.fromhex("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")[::-1]
    headers = [struct.pack("<I32s32sIII", 1, bytes(32), merkle, 1296688602, 0x207FFFFF, 2)]
    target = 0x7FFFFF << (8 * (0x20 - 3))
    for height in range(1, length + 1):
        prev = sha256d(headers[-1])
        for nonce in range(1 << 32):
            h = struct.pack("<I32s32sIII", 0x20000000, prev, bytes(32), 1296688602 + 600 * height, 0x207FFFFF, nonce)
            if int.from_bytes(sha256d(h), "little") <= target:
                headers.append(h)
                break
    return headers

CHAIN = make_chain()
INDEX = {sha256d(h): i for i, h in enumerate(CHAIN)}

def read_compact(b, off):
    first = b[off]
    if first < 0xFD: return first, off + 1
    size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    return int.from_bytes(b[off + 1:off + 1 + size], "little"), off + 1 + size

def answer_getheaders(payload):
    """Headers after the first locator hash we know, up to the stop hash or 2,000."""
    count, off = read_compact(payload, 4)
    if count > 101 or len(payload) != off + 32 * count + 32:
        raise ValueError("malformed getheaders payload")
    locator = [payload[off + 32 * i:off + 32 * (i + 1)] for i in range(count)]
    stop = payload[off + 32 * count:]
    start = next((INDEX[h] + 1 for h in locator if h in INDEX), 0)
    out = []
    for h in CHAIN[start:start + 2000]:
        out.append(h + b"\x00")  # a headers entry is the header and a zero transaction count
        if sha256d(h) == stop: break
    n = len(out)
    return (bytes([n]) if n < 0xFD else b"\xfd" + struct.pack("<H", n)) + b"".join(out)

def handle(method, params):
    if method == "getmanifest":
        if 1 not in params.get("protocol_versions", []):
            raise RpcError(-32002, "this driver speaks protocol version 1 only")
        return {"name": "example-python", "version": "0.1.0", "protocol_version": 1, "options": [],
                "capabilities": {"send": True, "receive": True, "message_kinds": ["headers"], "encrypted": False,
                                 "authenticated_peer": False, "latency": "low", "bandwidth": "high", "privacy": "none"}}
    if method == "init":
        log(f"init: network {params['network']}, {len(CHAIN)} headers in memory")
        send({"jsonrpc": "2.0", "method": "peerconnected", "params": {"peer": PEER}})
        return {}
    if method in ("ping", "shutdown"):
        return {}
    if method == "listpeers":
        return {"peers": [PEER]}
    if method == "sendmessage":
        if params.get("peer", PEER["id"]) != PEER["id"]:  # a named peer gets the message or an error, never another peer
            raise RpcError(-32004, f"no peer {str(params['peer'])[:80]!r}")
        msg = params["message"]
        if msg["command"] != "getheaders":
            raise RpcError(-32005, f"this driver carries headers only, not {msg['command']}")
        try:
            reply = answer_getheaders(bytes.fromhex(msg["payload"]))
        except (ValueError, IndexError, KeyError) as e:
            raise RpcError(-32602, f"invalid getheaders: {e}")
        return {"peer": PEER["id"], "replies": [{"command": "headers", "payload": reply.hex()}]}
    raise RpcError(-32601, f"unknown method {method!r}")

class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message

def main():
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline(MAX_LINE + 1)
        if not line:
            return  # the core closed our stdin: exit
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # discard the rest of the oversized line
                line = stdin.readline(MAX_LINE)
            send({"jsonrpc": "2.0", "id": None, "error": {"code": -32001, "message": "line too long"}})
            continue
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
            if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
                raise ValueError("not a JSON-RPC 2.0 object")
        except ValueError as e:
            send({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": f"parse error: {e}"}})
            continue
        if "method" not in msg or "id" not in msg:
            continue  # a notification or an answer: the core sends us none we must act on
        try:
            send({"jsonrpc": "2.0", "id": msg["id"], "result": handle(msg["method"], msg.get("params") or {})})
        except RpcError as e:
            send({"jsonrpc": "2.0", "id": msg["id"], "error": {"code": e.code, "message": e.message}})
        except (KeyError, TypeError) as e:
            send({"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32602, "message": f"invalid params: {e}"}})
        if msg["method"] == "shutdown":
            return

if __name__ == "__main__":
    main()
