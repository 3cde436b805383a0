#!/usr/bin/env python3
"""A P2P peer built from Bitcoin Core's functional test framework (PyPI `verystable`) that
connects to simnode's P2P port as bitcoind's peers do: BIP324 v2 initiator by default
(verystable.core.v2_p2p.EncryptedP2PState does the handshake and packets), or v1 with --v1.

  simnode_v2_peer.py P2PPORT RPCPORT COOKIEFILE [--v1]

The conversation, in order:
  1. transport handshake (v2) and version; records what simnode sends before its verack;
     sends wtxidrelay and sendaddrv2 before verack, sendheaders after;
  2. ping -> pong; getheaders from genesis -> headers; getdata witness block -> block;
  3. a transaction with witness announced by inv(MSG_WTX) -> simnode's getdata -> tx;
     a second one sent unsolicited as `tx`; getdata of an unknown txid -> notfound;
  4. over RPC (cookie auth): getpeerinfo (our entry), then simgenerate 1 -> the new block's
     announcement (headers, since we sent sendheaders).
Prints one JSON object with what it saw. Exit 0 when the conversation completed, 1 on a
protocol failure, 3 when verystable is missing. Used by Tests/SimnodeTests/SimnodeV2P2PTests.swift.
"""
import base64
import io
import json
import os
import socket
import struct
import sys
import time
import urllib.request

try:
    from verystable.core import messages as m
    from verystable.core.p2p import MAGIC_BYTES, MESSAGEMAP, P2PConnection
    from v2_socket import PeerClosed, V2Socket, parse_contents
except ImportError as error:  # pragma: no cover
    print(json.dumps({"ok": False, "error": f"verystable is not installed ({error}); run: pip install verystable"}))
    sys.exit(3)

MAGIC = MAGIC_BYTES["regtest"]
GENESIS = 0x0F9188F13CB7B2C71F2A335E3A4FC328BF5BEB436012AFCA590B1A11466E2206
TIMEOUT = 30


def fail(message):
    print(json.dumps({"ok": False, "error": message}), flush=True)
    sys.exit(1)


class Wire:
    """Moves verystable messages over the socket, v2 (encrypted, v2_socket.V2Socket) or v1."""

    def __init__(self, sock, v2):
        self.sock, self.v2, self.buffer = sock, v2, b""
        self.conn = V2Socket(sock, initiating=True, net="regtest") if v2 else None
        self.packets = self.conn.packets() if v2 else None
        self.session_id = None

    def read_more(self):
        data = self.sock.recv(1 << 16)
        if not data:
            fail("simnode closed the connection")
        self.buffer += data

    def handshake(self):
        if self.v2:
            self.conn.handshake()
            self.session_id = self.conn.session_id

    def send(self, message):
        if self.v2:
            self.conn.send(message)
        else:
            conn = P2PConnection()
            conn.magic_bytes = MAGIC
            self.sock.sendall(conn.build_message(message))

    def receive(self):
        """(command, message) of the next message."""
        while True:
            if self.v2:
                command, payload = parse_contents(next(self.packets))
            else:
                if len(self.buffer) < 24:
                    self.read_more()
                    continue
                if self.buffer[:4] != MAGIC:
                    fail(f"wrong magic {self.buffer[:4].hex()}")
                command = self.buffer[4:16].rstrip(b"\0")
                length = struct.unpack("<I", self.buffer[16:20])[0]
                if len(self.buffer) < 24 + length:
                    self.read_more()
                    continue
                payload, self.buffer = self.buffer[24:24 + length], self.buffer[24 + length:]
            if command not in MESSAGEMAP:
                return command.decode(), None
            msg = MESSAGEMAP[command]()
            msg.deserialize(io.BytesIO(payload))
            return command.decode(), msg

    def expect(self, command, seen=None):
        """Reads until `command` arrives; answers pings; notes other commands in `seen`."""
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            got, msg = self.receive()
            if got == command:
                return msg
            if got == "ping":
                self.send(m.msg_pong(msg.nonce))
            if seen is not None:
                seen.append(got)
        fail(f"no {command} within {TIMEOUT}s")


def make_tx(tag):
    """A one-input, one-output transaction with a witness (so txid != wtxid)."""
    tx = m.CTransaction()
    tx.vin.append(m.CTxIn(m.COutPoint(int.from_bytes(os.urandom(32), "little"), tag)))
    tx.vout.append(m.CTxOut(1000 + tag, bytes([0x51])))
    tx.wit.vtxinwit.append(m.CTxInWitness())
    tx.wit.vtxinwit[0].scriptWitness.stack = [bytes([tag]) * 8]
    tx.rehash()
    return tx


def rpc(port, cookie, method, params):
    auth = base64.b64encode(open(cookie).read().strip().encode()).decode()
    body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=body,
                                     headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
        return json.loads(reply.read())["result"]


def main():
    p2p_port, rpc_port, cookie = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    v2 = "--v1" not in sys.argv[4:]
    sock = socket.create_connection(("127.0.0.1", p2p_port), timeout=TIMEOUT)
    wire = Wire(sock, v2)
    wire.handshake()
    out = {"ok": False, "transport": "v2" if v2 else "v1", "session_id": wire.session_id or ""}

    version = m.msg_version()
    version.nVersion, version.strSubVer, version.nStartingHeight = 70016, "/verystable-simnode-peer/", 0
    wire.send(version)
    before_verack = []
    theirs = wire.expect("version", before_verack)
    out["user_agent"] = theirs.strSubVer.decode() if isinstance(theirs.strSubVer, bytes) else theirs.strSubVer
    out["services"] = theirs.nServices
    wire.expect("verack", before_verack)
    out["before_verack"] = before_verack
    wire.send(m.msg_wtxidrelay())
    wire.send(m.msg_sendaddrv2())
    wire.send(m.msg_verack())
    after_verack = []
    wire.send(m.msg_sendheaders())
    wire.send(m.msg_ping(nonce=777))
    out["pong"] = wire.expect("pong", after_verack).nonce
    out["after_verack"] = after_verack

    getheaders = m.msg_getheaders()
    getheaders.locator.vHave = [GENESIS]
    wire.send(getheaders)
    headers = wire.expect("headers").headers
    for h in headers:
        h.calc_sha256()
    out["headers"] = [f"{h.sha256:064x}" for h in headers]
    if headers:
        wire.send(m.msg_getdata([m.CInv(m.MSG_BLOCK | m.MSG_WITNESS_FLAG, headers[-1].sha256)]))
        block = wire.expect("block").block
        block.rehash()
        out["block"] = {"hash": f"{block.sha256:064x}", "valid": block.is_valid()}

    announced = make_tx(1)
    wire.send(m.msg_inv([m.CInv(m.MSG_WTX, announced.calc_sha256(with_witness=True))]))
    request = wire.expect("getdata")
    out["tx_request"] = [{"type": i.type, "hash": f"{i.hash:064x}"} for i in request.inv]
    wire.send(m.msg_tx(announced))
    unsolicited = make_tx(2)
    wire.send(m.msg_tx(unsolicited))
    out["txids"] = [announced.hash, unsolicited.hash]
    out["wtxids"] = [f"{announced.calc_sha256(with_witness=True):064x}", f"{unsolicited.calc_sha256(with_witness=True):064x}"]
    wire.send(m.msg_getdata([m.CInv(m.MSG_WTX, 1)]))
    out["notfound"] = [{"type": i.type, "hash": f"{i.hash:064x}"} for i in wire.expect("notfound").vec]

    # After the pong round trip below simnode has handled every message above.
    wire.send(m.msg_ping(nonce=778))
    wire.expect("pong")
    out["mempool"] = rpc(rpc_port, cookie, "getrawmempool", [])
    ours = [p for p in rpc(rpc_port, cookie, "getpeerinfo", []) if p["subver"] == "/verystable-simnode-peer/"]
    out["peerinfo"] = [{k: p[k] for k in ("transport_protocol_type", "session_id", "inbound", "connection_type", "version")}
                       for p in ours]
    mined = rpc(rpc_port, cookie, "simgenerate", [1])
    announcement = wire.expect("headers").headers
    for h in announcement:
        h.calc_sha256()
    out["mined"] = mined
    out["announced"] = [f"{h.sha256:064x}" for h in announcement]
    out["ok"] = True
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main()
    except PeerClosed as error:
        fail(str(error))
