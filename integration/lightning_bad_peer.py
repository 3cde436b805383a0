#!/usr/bin/env python3
"""Misbehaving Lightning peers for altnet-driver-lightning's bad-peer tests
(Tests/LightningDriverTests/BadPeerTests.swift). Each connects to the driver (or, for bad-act-two,
waits for the driver to connect), does one wrong thing, and reports what the driver did:

  lightning_bad_peer.py MODE --privkey HEX [--node-id HEX --port N]

MODE:
  wrong-chain     init whose networks TLV names mainnet only: the driver must close.
  even-unknown    after init, a message of unknown even type 100: the driver must close (BOLT 1).
  huge-fragment   an altnet_fragment claiming a 100 MB body: the driver must close.
  stalled         the first fragment of a 1 MB block, then nothing for 2 s; then the rest of it:
                  the driver must have dropped it (reassembly deadline) and stay connected.
  ping-flood      1,000 pings at once: the driver answers a bounded number and stays connected.
  bad-act-two     listens; when the driver connects, answers act one with a bad act two (version 1):
                  the driver must close.
  no-read         after init, prints "READY" and never reads again (a slow reader): the driver's
                  outbound queue must stay bounded. Runs until killed (or --seconds).
  no-init-swarm  --count N throwaway node ids (fresh random keys) each complete the BOLT 8
                  handshake and never send init; prints "OPENED <handshakes done> REFUSED <refused>",
                  then holds them and prints "CLOSED <n> AFTER <seconds>" once the driver has closed
                  every one (or "CLOSED <n of them> AFTER <--seconds>").
  no-pong         sends init, then reads everything and answers nothing (no pong): the driver must
                  close it at its pong deadline.
Prints "CLOSED", or "OPEN <pongs>" when the link survived, on stdout; errors on stderr, exit 1.
"""
import argparse
import socket
import struct
import sys
import time

try:
    from ln_wire import MAINNET_CHAIN, REGTEST_CHAIN, feature_field, init_message, open_link, run_script, tlv
except ImportError as e:
    sys.stderr.write("pyln-proto is not installed (pip install pyln-proto): %s\n" % e)
    sys.exit(3)

ALTNET_FRAGMENT = 42003


def make_init(chain):
    return init_message(feature_field(421), tlv(1, chain))


def closed_after(conn, seconds=5):
    """True when the driver closes the link within `seconds` (messages before that are skipped)."""
    conn.connection.settimeout(seconds)
    try:
        while True:
            conn.read_message()
    except socket.timeout:
        return False  # still open
    except Exception:  # noqa: BLE001 - pyln raises plain exceptions on a short read
        return True


def ping_pong(conn):
    conn.send_message(struct.pack(">HHH", 18, 3, 0))
    conn.connection.settimeout(5)
    while True:
        msg = conn.read_message()
        if msg[:2] == struct.pack(">H", 19):
            return True


def fragment(message_id, total, offset, data):
    return struct.pack(">HIII", ALTNET_FRAGMENT, message_id, total, offset) + data


def run(mode, conn, seconds=60.0):
    if mode == "wrong-chain":
        conn.send_message(make_init(MAINNET_CHAIN))
        print("CLOSED" if closed_after(conn) else "OPEN 0", flush=True)
        return
    conn.send_message(make_init(REGTEST_CHAIN))
    conn.read_message()  # the driver's init
    if mode == "even-unknown":
        conn.send_message(struct.pack(">H", 100) + b"must be understood")
        print("CLOSED" if closed_after(conn) else "OPEN 0", flush=True)
    elif mode == "huge-fragment":
        conn.send_message(fragment(7, 100_000_000, 0, bytes([5]) + b"block" + bytes(60_000)))
        print("CLOSED" if closed_after(conn) else "OPEN 0", flush=True)
    elif mode == "stalled":
        body = bytes([5]) + b"block" + bytes((i * 7) & 0xff for i in range(1_000_000))
        step = 65_521
        conn.send_message(fragment(1, len(body), 0, body[:step]))
        time.sleep(2)
        for offset in range(step, len(body), step):
            conn.send_message(fragment(1, len(body), offset, body[offset:offset + step]))
        print("OPEN 1" if ping_pong(conn) else "CLOSED", flush=True)
    elif mode == "ping-flood":
        for _ in range(1000):
            conn.send_message(struct.pack(">HHH", 18, 16, 0))
        pongs = 0
        conn.connection.settimeout(1.5)
        try:
            while True:
                msg = conn.read_message()
                if msg[:2] == struct.pack(">H", 19):
                    pongs += 1
        except Exception:  # noqa: BLE001 - the timeout ends the count
            pass
        time.sleep(1.1)  # a new second: the driver answers again
        print("OPEN %d" % pongs if ping_pong(conn) else "CLOSED", flush=True)
    elif mode == "no-pong":
        print("CLOSED" if closed_after(conn, seconds) else "OPEN 0", flush=True)
    elif mode == "no-read":
        # A small receive buffer, so the kernel absorbs little of what the driver sends.
        conn.connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        print("READY", flush=True)
        time.sleep(seconds)


def no_init_swarm(node_id, port, count, seconds):
    import os
    import select
    from pyln.proto.wire import PrivateKey, PublicKey, connect
    links, refused = [], 0
    for _ in range(count):
        try:
            conn = connect(PrivateKey(os.urandom(32)), PublicKey(bytes.fromhex(node_id)), "127.0.0.1", port)
            links.append(conn.connection)
        except Exception:  # noqa: BLE001 - closed at accept (the cap) or mid-handshake
            refused += 1
    print("OPENED %d REFUSED %d" % (len(links), refused), flush=True)
    start = time.monotonic()
    open_socks = set(links)
    while open_socks and time.monotonic() - start < seconds:
        readable, _, _ = select.select(list(open_socks), [], [], 0.1)
        for sock in readable:
            try:
                data = sock.recv(1 << 16)  # the driver's init, then EOF: never answered
            except OSError:
                data = b""
            if not data:
                open_socks.discard(sock)
    print("CLOSED %d AFTER %.1f" % (len(links) - len(open_socks), time.monotonic() - start), flush=True)
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))


def bad_act_two():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(30)
    print("PORT %d" % server.getsockname()[1], flush=True)
    sock, _ = server.accept()
    sock.settimeout(5)
    act_one = b""
    while len(act_one) < 50:
        chunk = sock.recv(50 - len(act_one))
        if not chunk:
            raise RuntimeError("driver closed before act one")
        act_one += chunk
    sock.sendall(bytes([1]) + bytes(49))  # version 1: BOLT 8 says abort
    try:
        data = sock.recv(100)
        print("CLOSED" if not data else "OPEN 0", flush=True)
    except ConnectionResetError:
        print("CLOSED", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["wrong-chain", "even-unknown", "huge-fragment", "stalled", "ping-flood", "bad-act-two", "no-read",
                                    "no-init-swarm", "no-pong"])
    p.add_argument("--count", type=int, default=16)
    p.add_argument("--privkey", required=True)
    p.add_argument("--node-id")
    p.add_argument("--port", type=int)
    p.add_argument("--seconds", type=float, default=60.0)
    a = p.parse_args()
    if a.mode == "bad-act-two":
        bad_act_two()
        return
    if a.mode == "no-init-swarm":
        no_init_swarm(a.node_id, a.port, a.count, a.seconds)
        return
    conn = open_link("initiator", a.privkey, a.node_id, a.port)
    run(a.mode, conn, a.seconds)
    conn.connection.close()


if __name__ == "__main__":
    run_script(main, "lightning_bad_peer")
