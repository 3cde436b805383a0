#!/usr/bin/env python3
"""Address relay against simnode, with Bitcoin Core's functional test framework (PyPI
`verystable`) over BIP324 v2 (v2_socket) or v1. Three modes:

  simnode_addr_peer.py getaddr P2PPORT [--v1] [--sendaddrv2] [--rounds N]
      an inbound peer: handshake (sendaddrv2 before verack when asked), then N rounds of
      getaddr + ping, collecting every addr/addrv2 that arrives before the pong.
  simnode_addr_peer.py listen [--v1]
      a peer simnode connects to (addnode): prints {"event": "listening", "port": P}, answers
      the handshake, records whether simnode sent getaddr, sends getaddr itself and collects
      what comes back before a pong.
  simnode_addr_peer.py send P2PPORT --count K [--messages M] [--v1]
      an inbound peer sending M addr messages of K fresh routable IPv4 addresses each, a ping
      after each; reports after which message simnode disconnected, if it did.
  simnode_addr_peer.py relay P2PPORT
      two inbound peers: A (v2, sendaddrv2) sends getaddr (so simnode relays addresses to it),
      B (v1) sends one fresh address in addr; reports what A and B received before a pong.
  simnode_addr_peer.py flood --host 127.A.B.C --count 1000 --messages M [--go-file PATH]
      a hostile listener for a driver to connect to (addnode): after the handshake (and once
      PATH exists, so a test can measure the driver first; {"event": "ready"} says when), M addrv2
      messages of K fresh loopback addresses (127.100-199.x.y, so dialling them fails at once),
      a ping every 20; prints {"event": "flooded", ...} once done and whether it was still
      connected (pong), then stays connected until killed or the driver closes.

Prints one JSON object per line; the last one is the summary with "ok". Exit 0 when the
conversation completed, 1 on a protocol failure, 3 when verystable is missing. Used by
Tests/SimnodeTests/SimnodeAddrTests.swift.
"""
import argparse
import json
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from verystable.core import messages as m
    from simnode_v2_peer import Wire
    from v2_socket import PeerClosed
except ImportError as error:  # pragma: no cover
    print(json.dumps({"ok": False, "error": f"verystable is not installed ({error}); run: pip install verystable"}))
    sys.exit(3)

TIMEOUT = 30


def describe(addr):
    return {"network": m.CAddress.ADDRV2_NET_NAME.get(addr.net, str(addr.net)), "host": addr.ip, "port": addr.port,
            "services": addr.nServices, "time": addr.time}


def handshake(wire, send_addrv2, outbound_side):
    """Version exchange. outbound_side: we connected (we speak first). Returns the commands
    simnode sent before its verack and whether a getaddr came during the handshake."""
    version = m.msg_version()
    version.nVersion, version.strSubVer, version.nStartingHeight = 70016, "/simnode-addr-peer/", 0
    version.nServices = 1 | 8
    seen = []
    if outbound_side:
        wire.send(version)
        wire.expect("version", seen)
    else:
        wire.expect("version", seen)
        wire.send(version)
    wire.send(m.msg_wtxidrelay())
    if send_addrv2:
        wire.send(m.msg_sendaddrv2())
    wire.expect("verack", seen)
    wire.send(m.msg_verack())
    return seen


def until_pong(wire, nonce):
    """Sends a ping and collects addr/addrv2 (and notes getaddr) until its pong."""
    wire.send(m.msg_ping(nonce=nonce))
    got, getaddr = [], False
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        command, msg = wire.receive()
        if command == "pong" and msg.nonce == nonce:
            return got, getaddr
        if command == "ping":
            wire.send(m.msg_pong(msg.nonce))
        elif command in ("addr", "addrv2"):
            got.append({"command": command, "addresses": [describe(a) for a in msg.addrs]})
        elif command == "getaddr":
            getaddr = True
    raise PeerClosed(f"no pong within {TIMEOUT}s")


def getaddr_mode(args):
    wire = Wire(socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT), not args.v1)
    wire.handshake()
    handshake(wire, args.sendaddrv2, outbound_side=True)
    answers = []
    for i in range(args.rounds):
        wire.send(m.msg_getaddr())
        got, _ = until_pong(wire, 1000 + i)
        answers.append(got)
    return {"transport": "v1" if args.v1 else "v2", "answers": answers}


def listen_mode(args):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(TIMEOUT)
    print(json.dumps({"event": "listening", "port": server.getsockname()[1]}), flush=True)
    sock, _ = server.accept()
    sock.settimeout(TIMEOUT)
    wire = Wire(sock, not args.v1, initiating=False)
    wire.handshake()
    seen = handshake(wire, True, outbound_side=False)
    # simnode's getaddr follows its verack; the pong below comes after it.
    first, got_getaddr = until_pong(wire, 1)
    wire.send(m.msg_getaddr())
    answer, _ = until_pong(wire, 2)
    return {"before_verack": seen, "got_getaddr": got_getaddr or "getaddr" in seen, "answers": [first, answer]}


def send_mode(args):
    wire = Wire(socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT), not args.v1)
    wire.handshake()
    handshake(wire, False, outbound_side=True)
    now = int(time.time())
    sent, disconnected_after = 0, None
    for i in range(args.messages):
        addrs = []
        for _ in range(args.count):
            a = m.CAddress()
            a.time, a.nServices, a.port = now, 1 | 8, 8333
            a.ip = f"{random.randint(20, 90)}.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
            addrs.append(a)
        msg = m.msg_addr()
        msg.addrs = addrs
        try:
            wire.send(msg)
            sent += 1
            until_pong(wire, 5000 + i)
        except (PeerClosed, OSError, SystemExit):
            disconnected_after = i + 1
            break
    return {"sent": sent, "disconnected_after": disconnected_after}


def flood_mode(args):
    server = socket.socket()
    server.bind((args.host, 0))
    server.listen(1)
    server.settimeout(TIMEOUT)
    print(json.dumps({"event": "listening", "port": server.getsockname()[1]}), flush=True)
    sock, _ = server.accept()
    sock.settimeout(TIMEOUT)
    wire = Wire(sock, True, initiating=False)
    wire.handshake()
    handshake(wire, True, outbound_side=False)
    print(json.dumps({"event": "ready"}), flush=True)
    while args.go_file and not os.path.exists(args.go_file):
        until_pong(wire, 7)  # keep the connection alive while waiting
        time.sleep(0.2)
    now = int(time.time())
    sent, alive = 0, True
    try:
        for i in range(args.messages):
            msg = m.msg_addrv2()
            msg.addrs = []
            for _ in range(args.count):
                a = m.CAddress()
                a.time, a.nServices, a.net, a.port = now, 1 | 8, m.CAddress.NET_IPV4, 18444
                a.ip = f"127.{random.randint(100, 199)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
                msg.addrs.append(a)
            wire.send(msg)
            sent += 1
            if sent % 20 == 0:
                until_pong(wire, 9000 + i)
        until_pong(wire, 1)
    except (PeerClosed, OSError, SystemExit):
        alive = False
    print(json.dumps({"event": "flooded", "messages": sent, "entries": sent * args.count, "alive": alive}), flush=True)
    try:  # stay connected (answering pings) until the driver closes or the test kills us
        while alive:
            command, msg = wire.receive()
            if command == "ping":
                wire.send(m.msg_pong(msg.nonce))
    except (PeerClosed, OSError, SystemExit):
        pass
    return {"messages": sent}


def relay_mode(args):
    a = Wire(socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT), True)
    a.handshake()
    handshake(a, True, outbound_side=True)
    a.send(m.msg_getaddr())
    until_pong(a, 1)
    b = Wire(socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT), False)
    handshake(b, False, outbound_side=True)
    fresh = m.CAddress()
    fresh.time, fresh.nServices, fresh.port, fresh.ip = int(time.time()), 1 | 8, 8333, "40.1.2.3"
    msg = m.msg_addr()
    msg.addrs = [fresh]
    b.send(msg)
    to_b, _ = until_pong(b, 2)
    to_a, _ = until_pong(a, 3)
    return {"to_a": to_a, "to_b": to_b}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["getaddr", "listen", "send", "flood", "relay"])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--go-file", default=None)
    ap.add_argument("port", type=int, nargs="?")
    ap.add_argument("--v1", action="store_true")
    ap.add_argument("--sendaddrv2", action="store_true")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--messages", type=int, default=1)
    args = ap.parse_args()
    mode = {"getaddr": getaddr_mode, "listen": listen_mode, "send": send_mode, "flood": flood_mode, "relay": relay_mode}[args.mode]
    try:
        out = mode(args)
    except PeerClosed as error:
        print(json.dumps({"ok": False, "error": str(error)}), flush=True)
        sys.exit(1)
    print(json.dumps({"ok": True, **out}), flush=True)


if __name__ == "__main__":
    main()
