#!/usr/bin/env python3
"""A ZMQ publisher that sends bitcoind's exact notification frames, for altnet's BitcoindZMQ tests.

bitcoind (src/zmq/zmqpublishnotifier.cpp) sends each notification as a 3-part message on a PUB
socket: topic, body, and a 4-byte little-endian counter kept per notifier. Block and tx hashes are
sent reversed, i.e. in the byte order RPC displays. This script speaks that on a real pyzmq PUB
socket and also sends deliberately broken messages.

Protocol on stdin/stdout (one line each):
  -> "READY tcp://127.0.0.1:PORT"       once bound
  <- "probe"    sends one rawtx message (counter of its own) so the test sees the subscription is live
  <- "scenario" sends the scripted messages below, then prints "SENT <json>" per message and "DONE"
  <- "restart-counters"  next hashblock uses counter 0 again (as after a bitcoind restart)
  <- "hashblock" sends one hashblock with the next counter, prints "SENT <json>"
  <- "quit" or EOF: exit
"""
import argparse
import hashlib
import json
import struct
import sys

try:
    import zmq
except ImportError:
    sys.stderr.write("zmq_publisher.py needs pyzmq: pip install pyzmq\n")
    sys.exit(3)


def sha256d(b: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def le32(n: int) -> bytes:
    return struct.pack("<I", n & 0xFFFFFFFF)


def display_hash(seed: str) -> bytes:
    """A 32-byte hash as bitcoind sends it (reversed internal order = RPC display order)."""
    return sha256d(seed.encode())[::-1]


def header(prev_display: bytes, nonce: int) -> bytes:
    version = 0x20000000
    prev_internal = prev_display[::-1]
    merkle = sha256d(b"merkle %d" % nonce)
    return struct.pack("<i", version) + prev_internal + merkle + struct.pack("<III", 1700000000 + nonce, 0x207FFFFF, nonce)


class Publisher:
    def __init__(self, port: int):
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.PUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.TCP_KEEPALIVE, 1)  # as bitcoind
        if port:
            self.sock.bind("tcp://127.0.0.1:%d" % port)
        else:
            port = self.sock.bind_to_random_port("tcp://127.0.0.1")
        self.port = port
        self.counters = {}

    def next_seq(self, topic: str) -> int:
        n = self.counters.get(topic, 0)
        self.counters[topic] = n + 1
        return n

    def send(self, topic: str, body: bytes, report=True, seq=None):
        if seq is None:
            seq = self.next_seq(topic)
        self.sock.send_multipart([topic.encode(), body, le32(seq)])
        if report:
            out({"topic": topic, "seq": seq, "body": body.hex()})

    def send_raw(self, frames, note):
        self.sock.send_multipart(frames)
        out({"malformed": note})

    def scenario(self):
        h1 = display_hash("block 1")
        h2 = display_hash("block 2")
        txid = display_hash("tx 1")
        # Valid messages, each topic's counter from 0.
        self.send("hashblock", h1)                                  # hashblock #0
        self.send("hashblock", h2)                                  # hashblock #1
        self.send("sequence", h1 + b"C")                            # sequence #0
        self.send("sequence", txid + b"A" + struct.pack("<Q", 7))   # sequence #1
        self.send("sequence", txid + b"R" + struct.pack("<Q", 8))   # sequence #2
        self.send("sequence", h2 + b"D")                            # sequence #3
        hdr = header(h2, 42)
        block = hdr + b"\x01" + bytes(60)  # a tx count and a stand-in transaction (not parsed)
        out({"rawblock_hash": sha256d(hdr)[::-1].hex()})
        self.send("rawblock", block)                                # rawblock #0
        # A gap: hashblock counters 2, 3, 4 never sent.
        self.counters["hashblock"] = 5
        self.send("hashblock", display_hash("block 6"))             # hashblock #5
        # Malformed messages.
        self.send_raw([b"hashblock", h1], "two frames")
        self.send_raw([b"hashblock", h1[:31], le32(6)], "31-byte hash")
        self.send_raw([b"hashblock", h1, le32(6)[:3]], "3-byte counter")
        self.send_raw([b"hashblockx", h1, le32(6)], "unknown topic")
        self.send_raw([b"sequence", h1 + b"X", le32(4)], "unknown label")
        self.send_raw([b"sequence", txid + b"A", le32(4)], "A without mempool sequence")
        self.send_raw([b"rawblock", hdr[:79], le32(1)], "truncated block")
        self.send_raw([b"hashblock"] + [h1] * 11, "twelve frames")
        self.send_raw([b"sequence", b"", le32(4)], "empty body")
        # The feed goes on after bad input.
        self.send("hashblock", display_hash("block 7"))             # hashblock #6, in order


def out(obj):
    sys.stdout.write("SENT " + json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    pub = Publisher(args.port)
    sys.stdout.write("READY tcp://127.0.0.1:%d\n" % pub.port)
    sys.stdout.flush()
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "probe":
            pub.send("rawtx", b"probe", report=False)
        elif cmd == "scenario":
            pub.scenario()
            sys.stdout.write("DONE\n")
            sys.stdout.flush()
        elif cmd == "restart-counters":
            pub.counters = {}
        elif cmd == "hashblock":
            pub.send("hashblock", display_hash("block %d" % pub.counters.get("hashblock", 0)))
        elif cmd == "quit":
            break
    pub.sock.close()
    pub.ctx.term()


if __name__ == "__main__":
    main()
