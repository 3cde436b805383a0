#!/usr/bin/env python3
"""A v1-only client for altnet-driver-bip324 proxy's tests: it speaks plaintext v1 P2P (payloads
built and parsed with Bitcoin Core's functional-test framework, PyPI verystable), and reaches
its destination through the proxy in one of three ways:

  --via socks5     SOCKS5 CONNECT (RFC 1928, no-auth) to --dest, then v1
  --via map        plain v1 to a --map port of the proxy (the proxy knows the destination)
  --via addr_recv  plain v1 to the proxy, --dest written in the version message's addr_recv

Then: version/verack, ping/pong, getheaders (expects 2,000 connected headers), getdata for
--block (a witness block, checked: hash, merkle root, witness present), and it sends the remote
a 2,000-header headers message and the block it got, so the remote can check them byte for byte.
One JSON line per step on stdout ({"event": ...}); the last is {"event": "done"}.

  --socks-only     stop after the SOCKS5 reply (prints {"event": "socks_reply", "code": N})
  --socks-domain   send --dest's host as a domain name (ATYP 3) even if it is an IP literal

Exit 3 when verystable is missing; 1 on any failure (with {"event": "error"}).
"""

import argparse
import hashlib
import ipaddress
import json
import socket
import struct
import sys
from io import BytesIO

try:
    from verystable.core.messages import (
        CBlock, CBlockHeader, CInv, MSG_BLOCK, MSG_WITNESS_FLAG, msg_getdata, msg_getheaders,
        msg_headers, msg_ping, msg_pong, msg_verack, msg_version,
    )
except ImportError as error:
    print(json.dumps({"event": "error", "error": f"verystable is not installed ({error}); run: pip install verystable"}),
          flush=True)
    sys.exit(3)

MAGICS = {"main": "f9beb4d9", "testnet3": "0b110907", "testnet4": "1c163f28", "signet": "0a03cf40", "regtest": "fabfb5da"}
REGTEST_GENESIS = int("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", 16)


def emit(**fields):
    print(json.dumps(fields), flush=True)


def split_host_port(text):
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
    else:
        host, _, port = text.rpartition(":")
    return host, int(port)


class Wire:
    def __init__(self, sock, magic):
        self.sock, self.magic, self.buffer = sock, magic, b""

    def read_exactly(self, n):
        while len(self.buffer) < n:
            data = self.sock.recv(1 << 20)
            if not data:
                raise ConnectionError("connection closed by the proxy")
            self.buffer += data
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def send(self, msgtype, payload):
        checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
        header = self.magic + msgtype + b"\x00" * (12 - len(msgtype)) + struct.pack("<I", len(payload)) + checksum
        self.sock.sendall(header + payload)

    def send_message(self, message):
        self.send(message.msgtype, message.serialize())

    def receive(self):
        header = self.read_exactly(24)
        if header[:4] != self.magic:
            raise ValueError(f"wrong magic {header[:4].hex()}")
        length = struct.unpack("<I", header[16:20])[0]
        payload = self.read_exactly(length)
        if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != header[20:24]:
            raise ValueError("bad checksum")
        return header[4:16].rstrip(b"\x00"), payload

    def expect(self, wanted):
        """Reads until `wanted`, answering pings and noting everything else."""
        while True:
            command, payload = self.receive()
            if command == b"ping":
                nonce = struct.unpack("<Q", payload)[0]
                self.send_message(msg_pong(nonce))
            if command == wanted:
                return payload
            emit(event="recv", command=command.decode("ascii", "replace"), bytes=len(payload))


def socks5_connect(sock, host, port, as_domain):
    sock.sendall(bytes([5, 1, 0]))
    reply = recv_exactly(sock, 2)
    if reply != bytes([5, 0]):
        return None, f"method reply {reply.hex()}"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or as_domain:
        name = host.encode()
        request = bytes([5, 1, 0, 3, len(name)]) + name
    elif address.version == 4:
        request = bytes([5, 1, 0, 1]) + address.packed
    else:
        request = bytes([5, 1, 0, 4]) + address.packed
    sock.sendall(request + struct.pack(">H", port))
    head = recv_exactly(sock, 4)
    atyp = head[3]
    rest = {1: 4, 4: 16}.get(atyp)
    if rest is None:
        rest = recv_exactly(sock, 1)[0]
    recv_exactly(sock, rest + 2)
    return head[1], None


def recv_exactly(sock, n):
    out = b""
    while len(out) < n:
        data = sock.recv(n - len(out))
        if not data:
            raise ConnectionError(f"closed after {len(out)} of {n} bytes")
        out += data
    return out


def chain_headers(count, start=REGTEST_GENESIS, salt=7):
    headers, previous = [], start
    for i in range(count):
        h = CBlockHeader()
        h.nVersion, h.hashPrevBlock, h.hashMerkleRoot = 0x20000000, previous, salt * 1_000_003 + i
        h.nTime, h.nBits, h.nNonce = 1_700_000_000 + 600 * i, 0x207FFFFF, i
        h.rehash()
        previous = h.sha256
        headers.append(h)
    return headers


def run(args):
    magic = bytes.fromhex(MAGICS[args.network])
    proxy_host, proxy_port = split_host_port(args.proxy)
    dest_host, dest_port = split_host_port(args.dest) if args.dest else ("0.0.0.0", 0)
    sock = socket.create_connection((proxy_host, proxy_port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if args.via == "socks5":
        code, problem = socks5_connect(sock, dest_host, dest_port, args.socks_domain)
        if problem:
            emit(event="error", error=problem)
            return 1
        emit(event="socks_reply", code=code)
        if args.socks_only or code != 0:
            return 0
    wire = Wire(sock, magic)
    version = msg_version()
    version.nVersion, version.strSubVer, version.nStartingHeight = 70016, "/altnet-proxy-test-v1-client/", 0
    payload = bytearray(version.serialize())
    if args.via == "addr_recv":
        # addr_recv: services (8) then a 16-byte IPv6 address (IPv4-mapped for IPv4) and a
        # big-endian port, at offset 20. Written by hand: verystable's CAddress is IPv4-only.
        ip = ipaddress.ip_address(dest_host)
        packed = ip.packed if ip.version == 6 else b"\x00" * 10 + b"\xff\xff" + ip.packed
        payload[28:44] = packed
        payload[44:46] = struct.pack(">H", dest_port)
    wire.send(b"version", bytes(payload))
    theirs = msg_version()
    theirs.deserialize(BytesIO(wire.expect(b"version")))
    emit(event="version", user_agent=theirs.strSubVer.decode() if isinstance(theirs.strSubVer, bytes) else theirs.strSubVer,
         version=theirs.nVersion)
    wire.send_message(msg_verack())
    wire.expect(b"verack")
    emit(event="verack")

    wire.send_message(msg_ping(0xC0FFEE))
    while True:
        pong = wire.expect(b"pong")
        if struct.unpack("<Q", pong)[0] == 0xC0FFEE:
            break
    emit(event="pong", nonce=0xC0FFEE)

    getheaders = msg_getheaders()
    getheaders.locator.vHave = [REGTEST_GENESIS]
    wire.send_message(getheaders)
    headers = msg_headers()
    headers.deserialize(BytesIO(wire.expect(b"headers")))
    previous, connected = REGTEST_GENESIS, True
    for h in headers.headers:
        h.rehash()
        connected = connected and h.hashPrevBlock == previous
        previous = h.sha256
    emit(event="headers", count=len(headers.headers), connected=connected, last_hash=headers.headers[-1].hash
         if headers.headers else None)

    if args.block:
        wire.send_message(msg_getdata([CInv(MSG_BLOCK | MSG_WITNESS_FLAG, int(args.block, 16))]))
        raw = wire.expect(b"block")
        block = CBlock()
        block.deserialize(BytesIO(raw))
        block.rehash()
        has_witness = any(not tx.wit.is_null() for tx in block.vtx)
        emit(event="block", hash=block.hash, merkle_ok=block.calc_merkle_root() == block.hashMerkleRoot,
             witness=has_witness, bytes=len(raw))
        wire.send(b"block", raw)
        emit(event="sent_block", sha256=hashlib.sha256(raw).hexdigest())

    mine = msg_headers(chain_headers(2000))
    sent = mine.serialize()
    wire.send(b"headers", sent)
    emit(event="sent_headers", count=2000, sha256=hashlib.sha256(sent).hexdigest())
    # A final round trip so everything above has crossed the proxy before we report done.
    wire.send_message(msg_ping(0xD0E))
    while struct.unpack("<Q", wire.expect(b"pong"))[0] != 0xD0E:
        pass
    emit(event="done")
    sock.close()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proxy", required=True, help="the proxy's HOST:PORT ([IPv6]:PORT)")
    parser.add_argument("--via", required=True, choices=["socks5", "map", "addr_recv"])
    parser.add_argument("--dest", help="the remote peer HOST:PORT (socks5, addr_recv)")
    parser.add_argument("--network", default="regtest", choices=sorted(MAGICS))
    parser.add_argument("--block", help="hash of a block to fetch with getdata")
    parser.add_argument("--socks-only", action="store_true")
    parser.add_argument("--socks-domain", action="store_true")
    args = parser.parse_args()
    try:
        return run(args)
    except Exception as error:  # reported to the test, which fails with it
        emit(event="error", error=f"{type(error).__name__}: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
