#!/usr/bin/env python3
"""BIP324 peer for altnet's interop tests, built on Bitcoin Core's functional-test code.

The v2 side is verystable (PyPI), Bitcoin Core's test framework: verystable.core.v2_p2p's
EncryptedP2PState does the handshake and packets (crypto.ellswift and crypto.bip324_cipher
underneath); verystable.core.messages provides the v1 payloads. Nothing here re-implements
BIP324: this script only moves bytes between that code and a TCP socket on 127.0.0.1.

One conversation per run. Each side sends version, verack, ping(nonce) and a headers message;
answers every ping with a pong; and is done once the peer's version, verack, pong(our nonce)
and headers have arrived and our pong has gone out. Prints one JSON line on stdout at the end
(and, as responder, a first line {"port": N} once listening). Exit 0 on success, 1 on a
protocol failure, 3 when verystable is missing.

Usage: bip324_peer.py initiator PORT   |   bip324_peer.py responder
"""

import json
import socket
import sys
from io import BytesIO

try:
    from v2_socket import PeerClosed, V2Socket, parse_contents
    from verystable.core.messages import (
        CBlockHeader, msg_headers, msg_ping, msg_pong, msg_verack, msg_version,
    )
except ImportError as error:
    print(json.dumps({"ok": False, "error": f"verystable is not installed ({error}); run: pip install verystable"}),
          flush=True)
    sys.exit(3)

NET = "regtest"
HEADER_COUNT = 2000
PING_NONCE = 0x0123456789ABCDEF
TIMEOUT = 60


def fail(message):
    print(json.dumps({"ok": False, "error": message}), flush=True)
    sys.exit(1)


def build_headers():
    """A chain of HEADER_COUNT regtest-style headers (no proof of work needed for transport)."""
    headers, previous = [], 0
    for i in range(HEADER_COUNT):
        h = CBlockHeader()
        h.nVersion, h.hashPrevBlock, h.hashMerkleRoot = 0x20000000, previous, i + 1
        h.nTime, h.nBits, h.nNonce = 1_700_000_000 + 600 * i, 0x207FFFFF, i
        h.rehash()
        previous = h.sha256
        headers.append(h)
    return headers


def converse(sock, initiating):
    sock.settimeout(TIMEOUT)
    peer = V2Socket(sock, initiating, net=NET)
    peer.handshake()

    version = msg_version()
    version.nVersion, version.strSubVer, version.nStartingHeight = 70016, "/verystable-bip324-peer/", 0
    ours = build_headers()
    for message in (version, msg_verack(), msg_ping(PING_NONCE), msg_headers(ours)):
        peer.send(message)

    seen = {}
    for contents in peer.packets():
        command, payload = parse_contents(contents)
        stream = BytesIO(payload)
        if command == b"version":
            m = msg_version()
            m.deserialize(stream)
            seen["version"] = {"version": m.nVersion, "user_agent": m.strSubVer, "start_height": m.nStartingHeight}
        elif command == b"verack":
            seen["verack"] = True
        elif command == b"ping":
            m = msg_ping()
            m.deserialize(stream)
            peer.send(msg_pong(m.nonce))
            seen["answered_ping"] = m.nonce
        elif command == b"pong":
            m = msg_pong()
            m.deserialize(stream)
            if m.nonce != PING_NONCE:
                fail(f"pong nonce {m.nonce:#x} does not match ping {PING_NONCE:#x}")
            seen["pong"] = True
        elif command == b"headers":
            m = msg_headers()
            m.deserialize(stream)
            previous = None
            for h in m.headers:
                h.rehash()
                if previous is not None and h.hashPrevBlock != previous:
                    fail("received headers do not link")
                previous = h.sha256
            seen["headers"] = {"count": len(m.headers), "last_hash": m.headers[-1].hash if m.headers else None}
        else:
            seen.setdefault("other", []).append(command.decode("ascii", "replace"))
        if all(k in seen for k in ("version", "verack", "pong", "headers", "answered_ping")):
            break

    print(json.dumps({
        "ok": True,
        "session_id": peer.session_id,
        "received": seen,
        "sent_headers": {"count": len(ours), "last_hash": ours[-1].hash},
        "ping_nonce": PING_NONCE,
    }), flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "initiator":
        with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=TIMEOUT) as sock:
            converse(sock, initiating=True)
    elif len(sys.argv) == 2 and sys.argv[1] == "responder":
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            server.settimeout(TIMEOUT)
            print(json.dumps({"port": server.getsockname()[1]}), flush=True)
            conn, _ = server.accept()
            with conn:
                converse(conn, initiating=False)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    try:
        main()
    except PeerClosed as error:
        fail(str(error))
