#!/usr/bin/env python3
"""A remote BIP324 v2 node for altnet-driver-bip324's tests, built on Bitcoin Core's functional
test framework (PyPI verystable: verystable.core.v2_p2p's EncryptedP2PState does the handshake
and packets, verystable.core.messages the payloads). It only moves bytes between that code and
a TCP socket on 127.0.0.1; nothing here re-implements BIP324.

Listens on 127.0.0.1 (or $BIP324_PEER_HOST, e.g. ::1; port chosen by the OS), prints {"port": N}, then serves connections one
after another, printing one JSON line per thing it sees ({"event": ...}) so a test can follow.

Modes:
  serve       v2 responder: version/verack, answers ping with pong, getheaders with a chain of
              2,000 regtest-style headers, answers inv with getdata, and reports version, verack, sendheaders, wtxidrelay,
              ping and pong as it sees them.
  badheaders  like serve, but answers getheaders with headers that do not connect.
  garbage     sends 5,000 random bytes instead of a key (so no garbage terminator can follow).
  stall       accepts and never sends anything.
  flaky       like serve, but closes each connection 0.5 s after the handshake (reconnect tests).
  nopong      like serve, but never answers the driver's pings.
  v1only      a v1-only node: a connection that does not open with the v1 magic and a version
              message is closed at once (as an old Bitcoin Core does); a v1 one is served
              (version, wtxidrelay, verack, pong, 2,000 headers) in plaintext.
  badblock    like serve, but the block it serves has witness data that does not match its
              commitment.
  bigprefix   completes the handshake, then sends a packet length prefix of 2^24-1 bytes
              (the largest BIP324 can encode) followed by nothing.
  getdataflood  like serve until the driver announces a transaction (inv); then answers with one
              getdata naming that inv 50,000 times (1.8 MB, the most a getdata may hold),
              reports {"event": "flooded"} and never reads again (its receive buffer is 4 kB),
              until killed.
  gossip, addrstream, addrflood, addrpush: like serve, with BIP155 address gossip (see addr_gossip.py).
  reverse     like serve with two blocks ("blocks" in the first line), but holds its answers to
              getdata (reporting {"event": "held"}) until three getdata have come, then sends
              them in the opposite order; and announces a header (sendheaders style) that builds
              on nothing the driver asked about before it answers a getheaders.

In serve, badblock and reverse modes the first line also carries "block": the hash of a block with
witness data (a coinbase with a BIP141 commitment and one segwit spend) that getdata fetches.

Or: bip324_driver_peer.py initiator PORT: connects to 127.0.0.1:PORT as the v2 initiator and
then behaves as in serve mode (no listening, no "port" line).

Exit 3 when verystable is missing.
"""

import hashlib
import json
import os
import struct
import socket
import sys
import threading
import time
from io import BytesIO

try:
    from v2_socket import PeerClosed, V2Socket, parse_contents
    from verystable.core.messages import (
        CBlockHeader, CInv, COutPoint, CTransaction, CTxIn, CTxInWitness, CTxOut, MSG_BLOCK, MSG_WITNESS_FLAG,
        msg_block, msg_getdata, msg_getheaders, msg_inv, msg_tx, msg_headers, msg_notfound, msg_ping, msg_pong, msg_verack,
        msg_version, msg_wtxidrelay, msg_getaddr, msg_sendcmpct, msg_feefilter, MSG_TX,
        msg_sendaddrv2,
    )
    import addr_gossip
    from verystable.core.blocktools import add_witness_commitment, create_block, create_coinbase
except ImportError as error:
    print(json.dumps({"event": "error", "error": f"verystable is not installed ({error}); run: pip install verystable"}),
          flush=True)
    sys.exit(3)

# BIP324_PEER_NET picks the network whose magic salts the v2 keys (v1only mode stays regtest).
NET = os.environ.get("BIP324_PEER_NET", "regtest")
HEADER_COUNT = 2000
REGTEST_GENESIS = int("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", 16)
lock = threading.Lock()
BLOCK = None
# Every block getdata can fetch, by hash (BLOCK, and in reverse mode a second one).
BLOCKS = {}
# Answers to getdata held back in reverse mode.
HELD_ANSWERS = 3


def emit(**fields):
    with lock:
        print(json.dumps(fields), flush=True)


def build_headers(connect=True):
    """HEADER_COUNT headers on top of regtest genesis (transport test: no proof of work)."""
    headers, previous = [], REGTEST_GENESIS
    for i in range(HEADER_COUNT):
        h = CBlockHeader()
        h.nVersion, h.hashPrevBlock, h.hashMerkleRoot = 0x20000000, previous, i + 1
        h.nTime, h.nBits, h.nNonce = 1_700_000_000 + 600 * i, 0x207FFFFF, i
        h.rehash()
        previous = h.sha256 if (connect or i != HEADER_COUNT // 2) else 12345
        headers.append(h)
    return headers


def witness_block(tamper=False, spent=0x1234):
    """Regtest block on genesis: coinbase with witness commitment, and a tx with witness data."""
    spend = CTransaction()
    spend.vin = [CTxIn(COutPoint(spent, 0), b"")]
    spend.vout = [CTxOut(10_000, bytes([0x00, 0x14]) + bytes(20))]
    spend.wit.vtxinwit = [CTxInWitness()]
    spend.wit.vtxinwit[0].scriptWitness.stack = [b"\x01" * 72, b"\x02" * 33]
    spend.rehash()
    block = create_block(REGTEST_GENESIS, create_coinbase(1), 1_700_000_000, txlist=[spend])
    add_witness_commitment(block)
    block.solve()
    if tamper:
        block.vtx[1].wit.vtxinwit[0].scriptWitness.stack = [b"\x03" * 72, b"\x02" * 33]
    return block


def serve(conn, mode):
    conn.handshake()
    if mode == "flaky":
        timer = threading.Timer(0.5, lambda: conn.sock.shutdown(socket.SHUT_RDWR))
        timer.daemon = True
        timer.start()
    emit(event="handshake", session_id=conn.session_id)
    if mode == "bigprefix":
        # The length is the first 3 bytes of a packet, encrypted with the length cipher.
        conn.sock.sendall(conn.state.peer["send_L"].crypt(b"\xff\xff\xff"))
        for _ in conn.packets():
            pass
    version = msg_version()
    version.nVersion, version.strSubVer, version.nStartingHeight = 70016, "/verystable-driver-peer/", HEADER_COUNT
    conn.send(version)
    conn.send(msg_wtxidrelay())  # as Bitcoin Core does (BIP339), before verack
    if mode in ("gossip", "addrflood", "addrstream", "addrpush"):
        conn.send(msg_sendaddrv2())  # BIP155: before verack
    conn.send(msg_verack())
    if mode in ("addrflood", "addrstream"):
        addr_gossip.flood(conn, mode, emit)
    # What a Bitcoin Core peer also sends right after verack: the driver must not pass these on.
    conn.send(msg_sendcmpct(announce=False, version=2))
    conn.send(msg_feefilter(1000))
    conn.send(msg_getaddr())
    conn.send(msg_inv([CInv(MSG_TX, 0xABCDEF)]))
    conn.send(msg_ping(0x5EED))
    held = []
    for contents in conn.packets():
        command, payload = parse_contents(contents)
        stream = BytesIO(payload)
        name = command.decode("ascii", "replace")
        if command == b"version":
            m = msg_version()
            m.deserialize(stream)
            emit(event="version", version=m.nVersion, services=m.nServices, user_agent=m.strSubVer.decode()
                 if isinstance(m.strSubVer, bytes) else m.strSubVer, relay=m.relay)
        elif command == b"ping":
            m = msg_ping()
            m.deserialize(stream)
            if mode != "nopong":
                conn.send(msg_pong(m.nonce))
            emit(event="ping", nonce=m.nonce)
        elif command == b"pong":
            m = msg_pong()
            m.deserialize(stream)
            emit(event="pong", nonce=m.nonce)
        elif command == b"inv":
            m = msg_inv()
            m.deserialize(stream)
            if mode == "getdataflood" and m.inv:
                conn.send(msg_getdata(m.inv[:1] * 50_000))
                emit(event="flooded", items=50_000, hash=f"{m.inv[0].hash:064x}")
                time.sleep(3600)  # never reads again
                return
            conn.send(msg_getdata(m.inv))
            emit(event="inv", items=[{"type": inv.type, "hash": f"{inv.hash:064x}"} for inv in m.inv])
        elif command == b"tx":
            m = msg_tx()
            m.deserialize(stream)
            m.tx.rehash()
            emit(event="tx", txid=m.tx.hash, wtxid=f"{m.tx.calc_sha256(with_witness=True):064x}",
                 has_witness=not m.tx.wit.is_null())
        elif command == b"getdata":
            m = msg_getdata()
            m.deserialize(stream)
            answers = []
            for inv in m.inv:
                block = BLOCKS.get(inv.hash)
                if inv.type & ~MSG_WITNESS_FLAG == MSG_BLOCK and block is not None:
                    answers.append((msg_block(block), dict(served=block.hash, witness=bool(inv.type & MSG_WITNESS_FLAG))))
                else:
                    answers.append((msg_notfound([inv]), dict(notfound=f"{inv.hash:064x}")))
            if mode == "reverse":
                held.append(answers)
                emit(event="held", count=len(held), items=[f"{inv.hash:064x}" for inv in m.inv])
                if len(held) < HELD_ANSWERS:
                    continue
                answers = [answer for batch in reversed(held) for answer in batch]
                held.clear()
            for message, fields in answers:
                conn.send(message)
                emit(event="getdata", **fields)
        elif addr_gossip.handle(conn, command, stream, mode, emit):
            pass
        elif command == b"getheaders":
            m = msg_getheaders()
            m.deserialize(stream)
            headers = build_headers(connect=(mode != "badheaders"))
            if mode == "reverse":
                # A new block announced first (BIP130): it builds on a block nobody asked about.
                announced = CBlockHeader()
                announced.nVersion, announced.hashPrevBlock, announced.hashMerkleRoot = 0x20000000, 0xA17, 7
                announced.nTime, announced.nBits, announced.nNonce = 1_700_000_000, 0x207FFFFF, 7
                announced.rehash()
                conn.send(msg_headers([announced]))
                emit(event="announced", hash=announced.hash)
            conn.send(msg_headers(headers))
            emit(event="getheaders", locator=[f"{h:064x}" for h in m.locator.vHave], sent=len(headers),
                 last_hash=headers[-1].hash)
        else:
            emit(event=name, payload=payload.hex())


V1_MAGIC = bytes.fromhex("fabfb5da")


def v1_frame(message):
    payload = message.serialize()
    checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    command = message.msgtype + b"\x00" * (12 - len(message.msgtype))
    return V1_MAGIC + command + struct.pack("<I", len(payload)) + checksum + payload


def serve_v1(sock):
    buffer = b""

    def read_exactly(n):
        nonlocal buffer
        while len(buffer) < n:
            data = sock.recv(1 << 16)
            if not data:
                raise PeerClosed()
            buffer += data
        out, buffer = buffer[:n], buffer[n:]
        return out

    header = read_exactly(24)
    if header[:4] != V1_MAGIC or header[4:16].rstrip(b"\x00") != b"version":
        emit(event="refused_non_v1", first_bytes=header[:16].hex())
        return
    read_exactly(struct.unpack("<I", header[16:20])[0])
    emit(event="v1_version")
    version = msg_version()
    version.nVersion, version.strSubVer, version.nStartingHeight = 70016, "/verystable-v1-node/", HEADER_COUNT
    for message in (version, msg_wtxidrelay(), msg_verack()):
        sock.sendall(v1_frame(message))
    while True:
        header = read_exactly(24)
        command = header[4:16].rstrip(b"\x00")
        stream = BytesIO(read_exactly(struct.unpack("<I", header[16:20])[0]))
        if command == b"ping":
            m = msg_ping()
            m.deserialize(stream)
            sock.sendall(v1_frame(msg_pong(m.nonce)))
        elif command == b"getheaders":
            sock.sendall(v1_frame(msg_headers(build_headers())))
            emit(event="v1_getheaders")
        else:
            emit(event="v1_" + command.decode("ascii", "replace"))


def handle(sock, mode):
    try:
        with sock:
            sock.settimeout(120)
            if mode == "garbage":
                sock.sendall(os.urandom(5000))
                while sock.recv(1 << 16):
                    pass
            elif mode == "v1only":
                serve_v1(sock)
            elif mode == "stall":
                while sock.recv(1 << 16):
                    pass
            else:
                serve(V2Socket(sock, initiating=False, net=NET), mode)
    except (PeerClosed, OSError):
        pass
    emit(event="closed")


def main():
    global BLOCK
    if len(sys.argv) == 3 and sys.argv[1] == "initiator":
        BLOCK = witness_block()
        BLOCKS[BLOCK.sha256] = BLOCK
        # BIP324_PEER_HOST, for the initiator, is the source address (another 127.x: a second host).
        source = os.environ.get("BIP324_PEER_HOST", "127.0.0.1")
        sock = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30, source_address=(source, 0))
        emit(event="connected")
        with sock:
            try:
                serve(V2Socket(sock, initiating=True, net=NET), "serve")
            except (PeerClosed, OSError):
                pass
        emit(event="closed")
        return
    modes = ("serve", "gossip", "addrflood", "addrstream", "addrpush", "getdataflood", "flaky", "nopong", "v1only", "badblock", "badheaders", "garbage", "stall", "bigprefix", "reverse")
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mode = sys.argv[1]
    blocks = []
    if mode in ("serve", "gossip", "addrflood", "addrstream", "addrpush", "badblock", "reverse"):
        BLOCK = witness_block(tamper=(mode == "badblock"))
        blocks.append(BLOCK)
    if mode == "reverse":
        blocks.append(witness_block(spent=0x5678))
    for block in blocks:
        BLOCKS[block.sha256] = block
    # BIP324_PEER_HOST=::1 listens on IPv6 loopback instead.
    host = os.environ.get("BIP324_PEER_HOST", "127.0.0.1")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if mode == "getdataflood":
            # Accepted sockets inherit it: the kernel holds little of what the driver sends.
            server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        server.bind((host, 0))
        server.listen(8)
        emit(port=server.getsockname()[1], block=BLOCK.hash if BLOCK is not None else None,
             blocks=[block.hash for block in blocks])
        while True:
            conn, _ = server.accept()
            emit(event="accepted")
            threading.Thread(target=handle, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
