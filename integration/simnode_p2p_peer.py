#!/usr/bin/env python3
"""A v1 P2P peer built from Bitcoin Core's functional test framework (PyPI `verystable`)
that talks to `altnet-harness simnode --p2pport N` on 127.0.0.1.

  simnode_p2p_peer.py PORT

Handshakes (version/verack), pings, asks getheaders from genesis, then getdata for the last
header's block with and without the witness flag and for an unknown block. Prints one JSON
object: the peer's user agent, the header hashes (display hex), whether each block passed the
framework's own checks (proof of work and merkle root), and what came back for the unknown one.
Used by Tests/SimnodeTests/SimnodeP2PTests.swift.
"""
import io
import json
import socket
import struct
import sys

try:
    from verystable.core import messages as m
    from verystable.core.p2p import MAGIC_BYTES, MESSAGEMAP, P2PConnection
except ImportError as e:  # pragma: no cover
    sys.stderr.write(f"simnode_p2p_peer.py needs the verystable package (pip install verystable): {e}\n")
    sys.exit(2)

MAGIC = MAGIC_BYTES["regtest"]
GENESIS = 0x0F9188F13CB7B2C71F2A335E3A4FC328BF5BEB436012AFCA590B1A11466E2206


def send(sock, msg):
    conn = P2PConnection()
    conn.magic_bytes = MAGIC
    sock.sendall(conn.build_message(msg))


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("simnode closed the connection")
        data += chunk
    return data


def receive(sock):
    header = recv_exact(sock, 24)
    if header[:4] != MAGIC:
        raise ValueError(f"wrong magic {header[:4].hex()}")
    command = header[4:16].rstrip(b"\0")
    length = struct.unpack("<I", header[16:20])[0]
    payload = recv_exact(sock, length)
    msg = MESSAGEMAP[command]()
    msg.deserialize(io.BytesIO(payload))
    return command.decode(), msg


def expect(sock, command):
    while True:
        got, msg = receive(sock)
        if got == command:
            return msg


def main():
    port = int(sys.argv[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    out = {}
    version = m.msg_version()
    version.nStartingHeight = 0
    # verystable's msg_version defaults to nVersion 0, which bitcoind (and simnode) disconnects.
    version.nVersion = 70016
    send(sock, version)
    theirs = expect(sock, "version")
    sv = theirs.strSubVer
    out["user_agent"] = sv.decode() if isinstance(sv, bytes) else sv
    out["protocol_version"] = theirs.nVersion
    expect(sock, "verack")
    send(sock, m.msg_verack())

    send(sock, m.msg_ping(nonce=424242))
    out["pong"] = expect(sock, "pong").nonce

    getheaders = m.msg_getheaders()
    getheaders.locator.vHave = [GENESIS]
    send(sock, getheaders)
    headers = expect(sock, "headers").headers
    for h in headers:
        h.calc_sha256()
    out["headers"] = [f"{h.sha256:064x}" for h in headers]
    out["headers_linked"] = all(
        headers[i].hashPrevBlock == headers[i - 1].sha256 for i in range(1, len(headers))
    ) and (not headers or headers[0].hashPrevBlock == GENESIS)

    if headers:
        tip = headers[-1].sha256
        for name, inv_type in (("witness_block", m.MSG_BLOCK | m.MSG_WITNESS_FLAG), ("block", m.MSG_BLOCK)):
            send(sock, m.msg_getdata([m.CInv(inv_type, tip)]))
            block = expect(sock, "block").block
            block.rehash()
            out[name] = {
                "hash": f"{block.sha256:064x}",
                "valid": block.is_valid(),
                "has_witness": any(tx.wit.vtxinwit for tx in block.vtx),
            }
    # Core answers an unknown block with silence and an unknown transaction with notfound.
    send(sock, m.msg_getdata([m.CInv(m.MSG_TX, 1)]))
    out["notfound"] = [f"{i.hash:064x}" for i in expect(sock, "notfound").vec]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
