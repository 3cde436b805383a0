#!/usr/bin/env python3
"""altnet example driver: the driver protocol (docs/driver-protocol.md) in one page of Python,
standard library only. It declares the headers capability and answers `getheaders` from a small
in-memory regtest chain, as if one peer ("mem0") held it, or, with the `headers_file` option, from
the headers in that file (one 80-byte header as hex per line, heights 1, 2, ... on the network's
genesis; re-read when it changes). Copy it to start your own driver."""
import hashlib, json, os, struct, sys

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
HEADERS_FILE = None  # set by init's `headers_file` option
MAX_FILE_HEADERS = 100_000  # what we read from the file at most (8 MB)

def load_headers_file():
    """Replaces the in-memory chain with genesis + the file's headers when the file changed."""
    global CHAIN, INDEX, LOADED
    try:
        stamp = os.stat(HEADERS_FILE).st_mtime_ns
        if stamp == LOADED:
            return
        with open(HEADERS_FILE) as f:
            lines = [line.strip() for _, line in zip(range(MAX_FILE_HEADERS), f) if line.strip()]
        headers = [bytes.fromhex(line) for line in lines]
        if any(len(h) != 80 for h in headers):
            raise ValueError("a line is not an 80-byte header")
    except (OSError, ValueError) as e:
        log(f"headers_file {HEADERS_FILE}: {e}")
        return
    CHAIN = CHAIN[:1] + headers
    INDEX = {sha256d(h): i for i, h in enumerate(CHAIN)}
    LOADED = stamp
    log(f"{len(headers)} headers from {HEADERS_FILE}")

LOADED = None

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
        options = [{"name": "headers_file", "type": "string",
                    "description": "serve the headers in this file (hex, one per line, from height 1) instead of the mined ones"}]
        return {"name": "example-python", "version": "0.2.0", "protocol_version": 1, "options": options,
                "capabilities": {"send": True, "receive": True, "message_kinds": ["headers"], "encrypted": False,
                                 "authenticated_peer": False, "latency": "low", "bandwidth": "high", "privacy": "none"}}
    if method == "init":
        global HEADERS_FILE
        path = (params.get("options") or {}).get("headers_file")
        if path is not None:
            if not isinstance(path, str):
                raise RpcError(-32602, "headers_file must be a string")
            HEADERS_FILE = path
            load_headers_file()
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
        if HEADERS_FILE:
            load_headers_file()
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
