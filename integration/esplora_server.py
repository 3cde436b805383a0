#!/usr/bin/env python3
"""A loopback server speaking the subset of the Esplora HTTP API that altnet-driver-esplora uses.

Shapes follow Blockstream's esplora API.md (github.com/Blockstream/esplora/blob/master/API.md):
  GET  /blocks/tip/hash        text, 64 hex
  GET  /blocks/tip/height      text, decimal
  GET  /block-height/:height   text, 64 hex (404 "Block not found")
  GET  /block/:hash/header     text, 160 hex
  GET  /block/:hash/raw        binary block
  GET  /block/:hash/status     JSON {"in_best_chain": bool, "height": int, "next_best": hash|null}
  POST /tx                     body: tx hex; answers the txid (400 with the reason on rejection)

Backends (one of):
  --headers FILE --first-height N   raw 80-byte headers from N on (shared/data/mainnet); no blocks
  --simnode-rpc URL --cookie FILE   forwards to a bitcoind-shaped JSON-RPC (altnet-harness simnode)
Faults:
  --lie-height H    serve a different header at H (nonce changed): its hash at /block-height/H too
  --hostile MODE    every request: "declared-huge" (Content-Length 100 MB, then stalls),
                    "chunked-huge" (chunked body without end, 64 KiB chunks), "stall" (headers and
                    a partial body, then silence)
Prints {"event": "listening", "port": P} once it accepts, and {"event": "hostile-done", ...}
after each hostile answer with the bytes it managed to write.  Standard library only.
"""
import argparse
import base64
import hashlib
import json
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def display(h):
    return h[::-1].hex()


EMIT_LOCK = threading.Lock()


def emit(obj):
    """One JSON line per event; the lock keeps lines from handler threads whole (print writes
    the text and the newline separately, so two threads could merge two lines into one)."""
    with EMIT_LOCK:
        print(json.dumps(obj), flush=True)


class NotFound(Exception):
    pass


class Rejected(Exception):
    pass


class HeaderFileBackend:
    def __init__(self, path, first_height, lie_height):
        data = open(path, "rb").read()
        self.first = first_height
        self.headers = [data[i:i + 80] for i in range(0, len(data) - len(data) % 80, 80)]
        if lie_height is not None:
            i = lie_height - first_height
            h = bytearray(self.headers[i])
            h[76] ^= 0xFF  # the nonce: a different header, with no valid proof of work
            self.headers[i] = bytes(h)
        self.hashes = [display(sha256d(h)) for h in self.headers]
        self.height_of = {h: self.first + i for i, h in enumerate(self.hashes)}

    def tip_height(self):
        return self.first + len(self.headers) - 1

    def hash_at(self, height):
        i = height - self.first
        if i < 0 or i >= len(self.hashes):
            raise NotFound("Block not found")
        return self.hashes[i]

    def header(self, h):
        if h not in self.height_of:
            raise NotFound("Block not found")
        return self.headers[self.height_of[h] - self.first].hex()

    def status(self, h):
        if h not in self.height_of:
            raise NotFound("Block not found")
        height = self.height_of[h]
        nxt = self.hashes[height - self.first + 1] if height < self.tip_height() else None
        return {"in_best_chain": True, "height": height, "next_best": nxt}

    def raw(self, h):
        raise NotFound("Block not found")

    def post_tx(self, hexbody):
        raise Rejected("sendrawtransaction RPC error: this server carries no transactions")


class SimnodeBackend:
    def __init__(self, url, cookie, lie_height):
        self.url = url
        self.cookie = cookie
        self.lie_height = lie_height
        self.fake = None  # (height, real hash, fake hash, fake header hex) once made

    def call(self, method, params):
        auth = base64.b64encode(open(self.cookie, "rb").read().strip()).decode()
        body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": params}).encode()
        req = urllib.request.Request(self.url, data=body, headers={"Authorization": "Basic " + auth,
                                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                answer = json.loads(r.read())
        except urllib.error.HTTPError as e:
            answer = json.loads(e.read())
        if answer.get("error"):
            err = answer["error"]
            if err.get("code") in (-5, -8):
                raise NotFound("Block not found")
            raise Rejected(f"sendrawtransaction RPC error: {json.dumps(err)}")
        return answer["result"]

    def lie(self):
        """The fake at --lie-height, made once the node has that block: the real header with its nonce changed."""
        if self.lie_height is None or self.fake is not None or self.call("getblockcount", []) < self.lie_height:
            return self.fake
        real = self.call("getblockhash", [self.lie_height])
        header = bytearray(bytes.fromhex(self.call("getblockheader", [real, False])))
        header[76] ^= 0xFF
        self.fake = (self.lie_height, real, display(sha256d(bytes(header))), bytes(header).hex())
        return self.fake

    def tip_height(self):
        return self.call("getblockcount", [])

    def hash_at(self, height):
        fake = self.lie()
        if fake and height == fake[0]:
            return fake[2]
        return self.call("getblockhash", [height])

    def header(self, h):
        fake = self.lie()
        if fake and h == fake[2]:
            return fake[3]
        return self.call("getblockheader", [h, False])

    def status(self, h):
        fake = self.lie()
        if fake and h == fake[2]:
            return {"in_best_chain": True, "height": fake[0], "next_best": None}
        if fake and h == fake[1]:
            return {"in_best_chain": False}
        info = self.call("getblockheader", [h, True])
        best = info.get("confirmations", -1) >= 0
        return {"in_best_chain": best, "height": info["height"], "next_best": info.get("nextblockhash") if best else None}

    def raw(self, h):
        fake = self.lie()
        if fake and h == fake[2]:
            raise NotFound("Block not found")
        return bytes.fromhex(self.call("getblock", [h, 0]))

    def post_tx(self, hexbody):
        return self.call("sendrawtransaction", [hexbody])


def make_handler(backend, hostile):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle and the
        # client's delayed ACK add 40 ms to every keep-alive answer.
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):
            sys.stderr.write("esplora_server: " + (fmt % args) + "\n")

        def reply(self, status, body, content_type="text/plain"):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def hostile_answer(self):
            written = 0
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if hostile == "declared-huge":
                    self.send_header("Content-Length", str(100_000_000))
                    self.end_headers()
                    self.wfile.write(b"\0" * 1024)
                    written += 1024
                    time.sleep(30)
                elif hostile == "chunked-huge":
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    chunk = b"\0" * 65536
                    for _ in range(100_000 // 64 * 1024):  # up to ~100 MB, stopped by the client
                        self.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                        written += len(chunk)
                        if written >= 100_000_000:
                            break
                else:  # stall
                    self.send_header("Content-Length", "160")
                    self.end_headers()
                    self.wfile.write(b"00" * 10)
                    self.wfile.flush()
                    written += 20
                    time.sleep(60)
            except (BrokenPipeError, ConnectionResetError):
                pass
            emit({"event": "hostile-done", "mode": hostile, "path": self.path, "written": written})
            self.close_connection = True

        def do_GET(self):
            if hostile:
                return self.hostile_answer()
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            try:
                if parts == ["blocks", "tip", "height"]:
                    return self.reply(200, str(backend.tip_height()))
                if parts == ["blocks", "tip", "hash"]:
                    return self.reply(200, backend.hash_at(backend.tip_height()))
                if len(parts) == 2 and parts[0] == "block-height":
                    return self.reply(200, backend.hash_at(int(parts[1])))
                if len(parts) == 3 and parts[0] == "block":
                    h = parts[1].lower()
                    if len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
                        return self.reply(400, "Invalid hex string")
                    if parts[2] == "header":
                        return self.reply(200, backend.header(h))
                    if parts[2] == "raw":
                        return self.reply(200, backend.raw(h), "application/octet-stream")
                    if parts[2] == "status":
                        return self.reply(200, json.dumps(backend.status(h)), "application/json")
                return self.reply(404, "Not Found")
            except NotFound as e:
                return self.reply(404, str(e))
            except ValueError:
                return self.reply(400, "Invalid request")

        def do_POST(self):
            if hostile:
                return self.hostile_answer()
            length = int(self.headers.get("Content-Length", "0"))
            if length > 8_000_000:
                return self.reply(413, "Payload Too Large")
            body = self.rfile.read(length).decode(errors="replace").strip()
            if self.path.rstrip("/") != "/tx":
                return self.reply(404, "Not Found")
            try:
                txid = backend.post_tx(body)
                emit({"event": "tx", "txid": txid})
                return self.reply(200, txid)
            except (Rejected, NotFound) as e:
                return self.reply(400, str(e))

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--headers")
    ap.add_argument("--first-height", type=int, default=0)
    ap.add_argument("--simnode-rpc")
    ap.add_argument("--cookie")
    ap.add_argument("--lie-height", type=int)
    ap.add_argument("--hostile", choices=["declared-huge", "chunked-huge", "stall"])
    args = ap.parse_args()
    if args.simnode_rpc:
        backend = SimnodeBackend(args.simnode_rpc, args.cookie, args.lie_height)
    elif args.headers:
        backend = HeaderFileBackend(args.headers, args.first_height, args.lie_height)
    else:
        backend = None
    server = ThreadingHTTPServer((args.host, args.port), make_handler(backend, args.hostile))
    server.daemon_threads = True
    emit({"event": "listening", "port": server.server_address[1]})
    server.serve_forever()


if __name__ == "__main__":
    main()
