#!/usr/bin/env python3
"""Cross-checks altnet's v1 P2P codec against Bitcoin Core's functional test framework
(PyPI `verystable`, which ships Core's test_framework as verystable.core).

  p2p_codec_peer.py emit    prints JSON lines {"name", "frame" (hex), "expect" {...}}: messages
                            built and framed by Core's framework (regtest magic), including a
                            segwit block whose witness commitment blocktools computed.
  p2p_codec_peer.py parse   reads hex v1 frames (one stream, one line) on stdin, parses them with
                            Core's framework and prints one JSON line per message:
                            {"command", "reserialized" (payload hex), "fields" {...}}.

Used by Tests/BitcoinPrimitivesTests/P2PInteropTests.swift; no network.
"""
import io
import json
import sys

try:
    from verystable.core import messages as m
    from verystable.core.blocktools import add_witness_commitment, create_block, create_coinbase
    from verystable.core.p2p import MAGIC_BYTES, MESSAGEMAP, P2PConnection
except ImportError as e:  # pragma: no cover
    sys.stderr.write(f"p2p_codec_peer.py needs the verystable package (pip install verystable): {e}\n")
    sys.exit(2)

MAGIC = MAGIC_BYTES["regtest"]


def frame(msg):
    conn = P2PConnection()
    conn.magic_bytes = MAGIC
    return conn.build_message(msg)


def hexhash(n):
    """A uint256 held as an int by the framework, in display hex."""
    return f"{n:064x}"


def segwit_block():
    coinbase = create_coinbase(height=500)
    spend = m.CTransaction()
    spend.vin = [m.CTxIn(m.COutPoint(0x1234, 1), b"", 0xFFFFFFFE)]
    spend.vout = [m.CTxOut(12345, bytes([0x00, 0x14]) + bytes(range(20)))]
    spend.wit.vtxinwit = [m.CTxInWitness()]
    spend.wit.vtxinwit[0].scriptWitness.stack = [b"\x30" * 71, b"\x02" * 33]
    spend.rehash()
    block = create_block(hashprev=0xABCDEF, coinbase=coinbase, ntime=1_700_000_000, txlist=[spend])
    add_witness_commitment(block, nonce=7)
    block.solve()
    return block


def emit():
    out = []

    v = m.msg_version()
    v.nVersion = 70016
    v.nServices = 0x409
    v.nTime = 1_700_000_000
    v.addrTo.ip, v.addrTo.port = "127.0.0.1", 18444
    v.addrFrom.ip, v.addrFrom.port = "10.1.2.3", 8333
    v.nNonce = 0x0123456789ABCDEF
    v.strSubVer = "/Satoshi:26.0.0/"
    v.nStartingHeight = 830000
    v.relay = 1
    out.append(("version", v, {"version": 70016, "services": 0x409, "timestamp": 1_700_000_000,
                               "receiver": "127.0.0.1", "receiver_port": 18444, "sender": "10.1.2.3",
                               "sender_port": 8333, "nonce": 0x0123456789ABCDEF,
                               "user_agent": "/Satoshi:26.0.0/", "start_height": 830000, "relay": True}))
    out.append(("verack", m.msg_verack(), {}))
    out.append(("ping", m.msg_ping(nonce=0xDEADBEEF), {"nonce": 0xDEADBEEF}))
    out.append(("pong", m.msg_pong(nonce=7), {"nonce": 7}))

    block = segwit_block()
    gh = m.msg_getheaders()
    gh.locator.vHave = [block.sha256, 0x42]
    gh.hashstop = 0
    out.append(("getheaders", gh, {"locator": [hexhash(block.sha256), hexhash(0x42)], "hash_stop": hexhash(0)}))

    hdrs = m.msg_headers(headers=[m.CBlockHeader(block)])
    out.append(("headers", hdrs, {"hashes": [block.hash]}))

    inv = [m.CInv(m.MSG_TX | m.MSG_WITNESS_FLAG, 0x11), m.CInv(m.MSG_BLOCK | m.MSG_WITNESS_FLAG, block.sha256),
           m.CInv(m.MSG_WTX, 0x33)]
    inv_expect = [[i.type, hexhash(i.hash)] for i in inv]
    out.append(("inv", m.msg_inv(inv), {"inv": inv_expect}))
    out.append(("getdata", m.msg_getdata(inv), {"inv": inv_expect}))
    out.append(("notfound", m.msg_notfound(vec=inv), {"inv": inv_expect}))

    spend = block.vtx[1]
    out.append(("tx", m.msg_tx(spend), {"txid": spend.hash, "wtxid": hexhash(spend.calc_sha256(with_witness=True))}))
    out.append(("block", m.msg_block(block), {"hash": block.hash, "transactions": len(block.vtx),
                                              "merkle_root": hexhash(block.hashMerkleRoot)}))
    out.append(("sendheaders", m.msg_sendheaders(), {}))
    out.append(("wtxidrelay", m.msg_wtxidrelay(), {}))
    out.append(("sendaddrv2", m.msg_sendaddrv2(), {}))
    out.append(("feefilter", m.msg_feefilter(feerate=1000), {"fee_rate": 1000}))

    for name, msg, expect in out:
        print(json.dumps({"name": name, "frame": frame(msg).hex(), "expect": expect}))


def fields(msg):
    t = type(msg)
    if t is m.msg_version:
        return {"version": msg.nVersion, "user_agent": msg.strSubVer, "start_height": msg.nStartingHeight,
                "nonce": msg.nNonce, "receiver": msg.addrTo.ip, "receiver_port": msg.addrTo.port,
                "relay": msg.relay}
    if t in (m.msg_ping, m.msg_pong):
        return {"nonce": msg.nonce}
    if t is m.msg_getheaders:
        return {"locator": [hexhash(h) for h in msg.locator.vHave], "hash_stop": hexhash(msg.hashstop)}
    if t is m.msg_headers:
        hashes = []
        for h in msg.headers:
            h.rehash()
            hashes.append(h.hash)
        return {"hashes": hashes}
    if t in (m.msg_inv, m.msg_getdata, m.msg_notfound):
        return {"inv": [[i.type, hexhash(i.hash)] for i in (msg.vec if t is m.msg_notfound else msg.inv)]}
    if t is m.msg_tx:
        msg.tx.rehash()
        return {"txid": msg.tx.hash, "wtxid": hexhash(msg.tx.calc_sha256(with_witness=True))}
    if t is m.msg_block:
        msg.block.rehash()
        return {"hash": msg.block.hash, "transactions": len(msg.block.vtx)}
    if t is m.msg_feefilter:
        return {"fee_rate": msg.feerate}
    return {}


def parse():
    data = bytes.fromhex(sys.stdin.read().strip())
    f = io.BytesIO(data)
    while f.tell() < len(data):
        header = f.read(24)
        if header[:4] != MAGIC:
            raise SystemExit(f"bad magic {header[:4].hex()}")
        command = header[4:16].rstrip(b"\x00")
        length = int.from_bytes(header[16:20], "little")
        payload = f.read(length)
        if m.hash256(payload)[:4] != header[20:24]:
            raise SystemExit(f"bad checksum on {command!r}")
        if command not in MESSAGEMAP:
            print(json.dumps({"command": command.decode(), "reserialized": payload.hex(), "fields": {}}))
            continue
        msg = MESSAGEMAP[command]()
        msg.deserialize(io.BytesIO(payload))
        print(json.dumps({"command": command.decode(), "reserialized": msg.serialize().hex(), "fields": fields(msg)}))


if __name__ == "__main__":
    {"emit": emit, "parse": parse}[sys.argv[1] if len(sys.argv) > 1 else "emit"]()
