"""Lightning wire basics shared by the pyln-proto peers in this folder (bolt8_peer.py,
lightning_altnet_peer.py, lightning_bad_peer.py, lightning_plain_peer.py).

pyln-proto (PyPI) is Core Lightning's Python BOLT 8: its `connect` and `LightningServerSocket`
do the Noise handshake and the encrypted framing. This module only builds and reads BOLT 1
messages (init with its feature bits and TLVs, ping, pong) and opens a link the way every test
peer here does. Importing it needs pyln-proto: callers import it inside their own `try`, so that
a missing package is reported their way (exit 3).
"""

import socket
import struct
import sys

from pyln.proto.wire import LightningConnection, LightningServerSocket, PrivateKey, PublicKey, connect

# Genesis block hashes in internal byte order, as BOLT 1's networks TLV (init type 1) carries them.
REGTEST_CHAIN = bytes.fromhex("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")[::-1]
MAINNET_CHAIN = bytes.fromhex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")[::-1]
INIT, PING, PONG = 16, 18, 19


def bigsize(n):
    """BOLT 1 BigSize encoding."""
    if n < 0xfd:
        return bytes([n])
    if n <= 0xffff:
        return b"\xfd" + struct.pack(">H", n)
    if n <= 0xffffffff:
        return b"\xfe" + struct.pack(">I", n)
    return b"\xff" + struct.pack(">Q", n)


def read_bigsize(buf, i):
    """(value, next index) of the BigSize at buf[i]."""
    b = buf[i]
    if b < 0xfd:
        return b, i + 1
    size = {0xfd: 2, 0xfe: 4, 0xff: 8}[b]
    return int.from_bytes(buf[i + 1:i + 1 + size], "big"), i + 1 + size


def tlv(t, value):
    return bigsize(t) + bigsize(len(value)) + value


def feature_field(bit):
    """A big-endian feature field with only `bit` set."""
    field = bytearray(bit // 8 + 1)
    field[len(field) - 1 - bit // 8] |= 1 << (bit % 8)
    return bytes(field)


def has_feature(features, bit):
    k = bit // 8
    return k < len(features) and bool(features[len(features) - 1 - k] & (1 << (bit % 8)))


def init_message(features=b"", tlvs=b""):
    """init: empty globalfeatures, `features`, then the TLV stream."""
    return struct.pack(">HH", INIT, 0) + struct.pack(">H", len(features)) + features + tlvs


def parse_init(msg):
    """(features, {tlv type: value}) of an init message; ValueError when `msg` is not one."""
    (msg_type,) = struct.unpack(">H", msg[:2])
    if msg_type != INIT:
        raise ValueError("first message is not init: type %d" % msg_type)
    i = 2
    (gflen,) = struct.unpack(">H", msg[i:i + 2])
    i += 2 + gflen
    (flen,) = struct.unpack(">H", msg[i:i + 2])
    features = msg[i + 2:i + 2 + flen]
    i += 2 + flen
    tlvs = {}
    while i < len(msg):
        t, i = read_bigsize(msg, i)
        n, i = read_bigsize(msg, i)
        tlvs[t] = msg[i:i + n]
        i += n
    return features, tlvs


def networks_include(tlvs, chain):
    """True when the init's networks TLV (type 1) lists `chain`."""
    networks = tlvs.get(1)
    return networks is not None and chain in [networks[k:k + 32] for k in range(0, len(networks), 32)]


def open_link(role, privkey_hex, node_id_hex=None, port=None, timeout=None, bind=None):
    """A BOLT 8 link on 127.0.0.1. As responder: listens on a port the OS picks, prints
    "PORT <n>", accepts one connection. As initiator: connects to `port`, expecting `node_id_hex`.
    TCP_NODELAY is set: pyln writes the length and the body with two send() calls, and Nagle plus
    the receiver's delayed ACK would cost about 40 ms a message. `bind`: the initiator's source
    address (another 127.x address, so the driver sees a second peer address)."""
    key = PrivateKey(bytes.fromhex(privkey_hex))
    if role == "responder":
        server = LightningServerSocket(key)
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(60)
        print("PORT %d" % server.getsockname()[1], flush=True)
        conn, _ = server.accept()
    elif bind is not None:
        sock = socket.create_connection(("127.0.0.1", port), source_address=(bind, 0))
        conn = LightningConnection(sock, PublicKey(bytes.fromhex(node_id_hex)), key, is_initiator=True)
        conn.shake()
    else:
        conn = connect(key, PublicKey(bytes.fromhex(node_id_hex)), "127.0.0.1", port)
    if timeout is not None:
        conn.connection.settimeout(timeout)
    conn.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def run_script(main, name):
    """Runs `main`; anything it raises is reported on stderr as "<name>: <type>: <what>", exit 1."""
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - report anything to the test
        sys.stderr.write("%s: %s: %s\n" % (name, type(e).__name__, e))
        sys.exit(1)
