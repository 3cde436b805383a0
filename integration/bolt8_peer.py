#!/usr/bin/env python3
"""A BOLT 8 peer built on pyln-proto (Core Lightning's Python BOLT 8), for altnet's interop tests.

Started by Tests/BOLT8Tests/PylnInteropTests.swift, never by hand in CI:

  bolt8_peer.py responder --privkey HEX [--messages N]
      listens on 127.0.0.1 (a free port chosen by the OS), prints "PORT <n>" on stdout, accepts
      one connection with pyln.proto.wire.LightningServerSocket, then runs the exchange.
  bolt8_peer.py initiator --privkey HEX --node-id HEX --port N [--messages N]
      connects with pyln.proto.wire.connect(), then runs the exchange.

The exchange (the same for both roles; the Swift side answers):
  1. both send init (ours: networks TLV with the regtest chain hash and an unknown odd TLV 5);
     we check the Swift init carries the regtest chain hash in its networks TLV;
  2. we send an unknown odd message type (101), which the Swift side must ignore;
  3. we send ping(num_pong_bytes=7, 3 ignored bytes) and expect a pong of 7 bytes;
     then ping(num_pong_bytes=65532), which must get no pong;
  4. N custom messages (type 32769, payload = u32 index || filler of varying length, some at
     the 65535-byte maximum); each must be answered by type 32771 with u32 index || SHA256(payload).
     N = 1100 crosses BOLT 8's key rotation (every 500 messages) in both directions.
  5. a final custom 32773 "done"; the Swift side answers 32773 with its count of received messages.
Prints "OK <n>" and exits 0 on success; prints the reason to stderr and exits 1 otherwise.
"""
import argparse
import hashlib
import struct
import sys

try:
    from ln_wire import REGTEST_CHAIN, init_message, networks_include, open_link, parse_init, run_script, tlv
except ImportError as e:  # the Swift test reports this text
    sys.stderr.write("pyln-proto is not installed (pip install pyln-proto): %s\n" % e)
    sys.exit(3)

CUSTOM_REQUEST, CUSTOM_REPLY, CUSTOM_DONE = 32769, 32771, 32773
MAX_MESSAGE = 65535


def fail(why):
    sys.stderr.write("bolt8_peer: %s\n" % why)
    sys.exit(1)


def make_init():
    features = bytes([0x02, 0x00])  # bit 9 (var_onion_optin, optional), just to carry a bit
    return init_message(features, tlv(1, REGTEST_CHAIN) + tlv(5, b"odd and unknown"))


def check_init(msg):
    try:
        _, tlvs = parse_init(msg)
    except ValueError as e:
        fail(str(e))
    if not networks_include(tlvs, REGTEST_CHAIN):
        fail("Swift init lacks the regtest chain hash in its networks TLV")


def filler_length(i):
    if i % 250 == 7:
        return MAX_MESSAGE - 6  # type (2) + index (4) + filler = 65535
    return (i * 37) % 300


def exchange(conn, count):
    conn.send_message(make_init())
    check_init(conn.read_message())

    conn.send_message(struct.pack(">H", 101) + b"ignore me")

    conn.send_message(struct.pack(">HHH", 18, 7, 3) + b"\x00\x00\x00")
    pong = conn.read_message()
    if pong[:2] != struct.pack(">H", 19) or struct.unpack(">H", pong[2:4])[0] != 7 or len(pong) != 11:
        fail("expected a pong with 7 ignored bytes, got %s" % pong[:16].hex())
    conn.send_message(struct.pack(">HHH", 18, 65532, 0))  # no pong allowed for this one

    for i in range(count):
        payload = struct.pack(">I", i) + bytes((i + k) & 0xff for k in range(filler_length(i)))
        conn.send_message(struct.pack(">H", CUSTOM_REQUEST) + payload)
        reply = conn.read_message()
        want = struct.pack(">HI", CUSTOM_REPLY, i) + hashlib.sha256(payload).digest()
        if reply != want:
            fail("message %d: reply %s, expected %s" % (i, reply[:40].hex(), want.hex()))

    conn.send_message(struct.pack(">H", CUSTOM_DONE))
    done = conn.read_message()
    if done[:2] != struct.pack(">H", CUSTOM_DONE):
        fail("expected the final 32773 (a pong to the 65532 ping would land here), got %s" % done[:8].hex())
    received = struct.unpack(">I", done[2:6])[0]
    if received != count:
        fail("Swift side counted %d custom messages, sent %d" % (received, count))
    print("OK %d" % count, flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["initiator", "responder"])
    p.add_argument("--privkey", required=True)
    p.add_argument("--node-id")
    p.add_argument("--port", type=int)
    p.add_argument("--messages", type=int, default=1100)
    a = p.parse_args()
    conn = open_link(a.role, a.privkey, a.node_id, a.port, timeout=60)
    exchange(conn, a.messages)
    conn.connection.close()


if __name__ == "__main__":
    run_script(main, "bolt8_peer")
