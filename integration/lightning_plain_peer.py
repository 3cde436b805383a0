#!/usr/bin/env python3
"""A plain Lightning peer (pyln-proto) for altnet-driver-lightning's tests
(Tests/LightningDriverTests/PlainPeerTests.swift): its init carries no altnet feature bit, so the
driver must keep it as an ordinary Lightning peer (pings answered, no altnet message sent to it)
instead of disconnecting.

  lightning_plain_peer.py --privkey HEX --node-id HEX --port N [--seconds S]

Connects, sends init (regtest networks TLV, no features), reads the driver's init and prints
"READY <driver features hex>". Then for S seconds (default 4) pings the driver once a second,
answers its pings, and counts every message of type 32768 or above. Prints
"OPEN <altnet messages received> <pongs received>" if the link is still up, else "CLOSED".
Errors on stderr, exit 1.
"""
import argparse
import socket
import struct
import sys
import time

try:
    from pyln.proto.wire import PrivateKey, PublicKey, connect
except ImportError as e:
    sys.stderr.write("pyln-proto is not installed (pip install pyln-proto): %s\n" % e)
    sys.exit(3)

REGTEST_CHAIN = bytes.fromhex("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")[::-1]
INIT, PING, PONG = 16, 18, 19


def plain_init():
    # globalfeatures and features both empty; networks TLV (type 1) with regtest.
    return struct.pack(">HHH", INIT, 0, 0) + bytes([1, 32]) + REGTEST_CHAIN


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--privkey", required=True)
    p.add_argument("--node-id", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, default=4.0)
    a = p.parse_args()
    conn = connect(PrivateKey(bytes.fromhex(a.privkey)), PublicKey(bytes.fromhex(a.node_id)), "127.0.0.1", a.port)
    conn.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.send_message(plain_init())
    theirs = conn.read_message()
    (msg_type,) = struct.unpack(">H", theirs[:2])
    if msg_type != INIT:
        raise RuntimeError("first message type %d is not init" % msg_type)
    (gflen,) = struct.unpack(">H", theirs[2:4])
    (flen,) = struct.unpack(">H", theirs[4 + gflen:6 + gflen])
    print("READY %s" % theirs[6 + gflen:6 + gflen + flen].hex(), flush=True)

    altnet = pongs = 0
    deadline = time.monotonic() + a.seconds
    next_ping = time.monotonic()
    try:
        while time.monotonic() < deadline:
            if time.monotonic() >= next_ping:
                conn.send_message(struct.pack(">HHH", PING, 4, 0))
                next_ping += 1.0
            conn.connection.settimeout(max(0.05, min(next_ping, deadline) - time.monotonic()))
            try:
                msg = conn.read_message()
            except socket.timeout:
                continue
            (msg_type,) = struct.unpack(">H", msg[:2])
            if msg_type == PONG:
                pongs += 1
            elif msg_type == PING:
                (num_pong_bytes,) = struct.unpack(">H", msg[2:4])
                conn.send_message(struct.pack(">HH", PONG, num_pong_bytes) + bytes(num_pong_bytes))
            elif msg_type >= 32768:
                altnet += 1
    except socket.timeout:
        pass
    except Exception:  # noqa: BLE001 - pyln raises plain exceptions when the link closes
        print("CLOSED", flush=True)
        return
    print("OPEN %d %d" % (altnet, pongs), flush=True)
    conn.connection.close()


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001
        sys.stderr.write("lightning_plain_peer: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
