#!/usr/bin/env python3
"""An altnet Lightning peer built on pyln-proto (Core Lightning's BOLT 8), for the interop tests
of altnet-driver-lightning (Tests/LightningDriverTests/PylnDriverInteropTests.swift).

  lightning_altnet_peer.py responder --privkey HEX
      listens on 127.0.0.1 (port chosen by the OS), prints "PORT <n>", accepts one connection.
  lightning_altnet_peer.py initiator --privkey HEX --node-id HEX --port N
      connects to the driver.

Then, in both roles:
  1. init both ways: ours carries the regtest chain in networks and feature bit 421 (altnet,
     docs/lightning-messages.md); the driver's must carry the same;
  2. an unknown odd message (type 101), which the driver must ignore;
  3. ping(num_pong_bytes=5) answered by a 5-byte pong;
  4. an altnet getheaders (type 42001); the driver hands it to its core, which answers with
     2,000 headers: a 162,003-byte payload that arrives as altnet_fragment (42003) messages and
     is reassembled here.
Prints "OK <fragments> <sha256 of the headers payload>" and exits 0; on failure prints the reason
to stderr and exits 1 (3 when pyln-proto is missing).
"""
import argparse
import hashlib
import struct
import sys

try:
    from ln_wire import (
        REGTEST_CHAIN, feature_field, has_feature, init_message, networks_include, open_link, parse_init, run_script, tlv,
    )
except ImportError as e:
    sys.stderr.write("pyln-proto is not installed (pip install pyln-proto): %s\n" % e)
    sys.exit(3)

ALTNET_MESSAGE, ALTNET_FRAGMENT = 42001, 42003
ALTNET_BIT = 421
# getheaders: version, one locator (regtest genesis), zero stop hash.
GETHEADERS = struct.pack("<I", 70016) + b"\x01" + REGTEST_CHAIN + bytes(32)


def fail(why):
    sys.stderr.write("lightning_altnet_peer: %s\n" % why)
    sys.exit(1)


def make_init():
    return init_message(feature_field(ALTNET_BIT), tlv(1, REGTEST_CHAIN))


def check_init(msg):
    try:
        features, tlvs = parse_init(msg)
    except ValueError as e:
        fail(str(e))
    if not has_feature(features, ALTNET_BIT):
        fail("driver init does not advertise feature bit 421")
    if not networks_include(tlvs, REGTEST_CHAIN):
        fail("driver init lacks the regtest chain in networks")


def read_until(conn, types):
    """Next message whose type is in `types`, skipping pings and other odd messages."""
    while True:
        msg = conn.read_message()
        t = struct.unpack(">H", msg[:2])[0]
        if t in types:
            return t, msg[2:]
        if t == 18:
            num = struct.unpack(">H", msg[2:4])[0]
            if num < 65532:
                conn.send_message(struct.pack(">HH", 19, num) + bytes(num))


def exchange(conn):
    conn.send_message(make_init())
    check_init(conn.read_message())
    conn.send_message(struct.pack(">H", 101) + b"odd: ignore me")
    conn.send_message(struct.pack(">HHH", 18, 5, 0))
    _, pong = read_until(conn, {19})
    if struct.unpack(">H", pong[:2])[0] != 5:
        fail("pong has the wrong length")
    conn.send_message(struct.pack(">HB", ALTNET_MESSAGE, 10) + b"getheaders" + GETHEADERS)
    body = b""
    total = None
    fragments = 0
    while total is None or len(body) < total:
        t, payload = read_until(conn, {ALTNET_MESSAGE, ALTNET_FRAGMENT})
        if t == ALTNET_MESSAGE:
            body, total = payload, len(payload)
            break
        _, tlen, offset = struct.unpack(">III", payload[:12])
        if offset != len(body):
            fail("fragment at offset %d, expected %d" % (offset, len(body)))
        total = tlen
        body += payload[12:]
        fragments += 1
    clen = body[0]
    command = body[1:1 + clen].decode()
    if command != "headers":
        fail("expected headers, got %s" % command)
    headers = body[1 + clen:]
    print("OK %d %s" % (fragments, hashlib.sha256(headers).hexdigest()), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["initiator", "responder"])
    p.add_argument("--privkey", required=True)
    p.add_argument("--node-id")
    p.add_argument("--port", type=int)
    a = p.parse_args()
    conn = open_link(a.role, a.privkey, a.node_id, a.port, timeout=60)
    exchange(conn)
    conn.connection.close()


if __name__ == "__main__":
    run_script(main, "lightning_altnet_peer")
