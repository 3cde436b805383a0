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
    from ln_wire import PING, PONG, REGTEST_CHAIN, init_message, open_link, parse_init, run_script, tlv
except ImportError as e:
    sys.stderr.write("pyln-proto is not installed (pip install pyln-proto): %s\n" % e)
    sys.exit(3)


def plain_init():
    # globalfeatures and features both empty; networks TLV (type 1) with regtest.
    return init_message(b"", tlv(1, REGTEST_CHAIN))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--privkey", required=True)
    p.add_argument("--node-id", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--bind", default=None, help="source address, e.g. 127.0.0.2")
    a = p.parse_args()
    conn = open_link("initiator", a.privkey, a.node_id, a.port, bind=a.bind)
    conn.send_message(plain_init())
    features, _ = parse_init(conn.read_message())
    print("READY %s" % features.hex(), flush=True)

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
    run_script(main, "lightning_plain_peer")
