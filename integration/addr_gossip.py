"""BIP155 address gossip for bip324_driver_peer.py's modes, built with Bitcoin Core's functional
test framework (PyPI verystable: CAddress.serialize_v2, msg_addrv2):

  gossip      like serve, but sends sendaddrv2 before verack (BIP155) and answers the driver's
              getaddr with one addrv2 listing the HOST:PORT entries of $BIP324_PEER_GOSSIP
              (comma-separated; IPv4 or a v3 .onion name), reporting {"event": "getaddr"}; addrv2
              the driver sends is reported decoded ({"event": "addrv2", "addresses": [...]}).
  addrstream  like gossip, but right after verack sends $BIP324_PEER_ADDR_MESSAGES (default 200)
              addrv2 messages of 1,000 distinct routable IPv4 addresses each, then reports
              {"event": "streamed", "messages": N, "entries": M}.
  addrflood   like gossip, but right after verack sends an addrv2 of 1,001 entries (one more than
              BIP155 allows), reporting {"event": "flooded"}.
  addrpush    like gossip, but after answering the driver's getaddr waits $BIP324_PEER_PUSH_DELAY
              seconds (default 2) and sends one unsolicited addrv2 of the fresh HOST:PORT entries of
              $BIP324_PEER_PUSH (IPv4, .onion or .b32.i2p), reporting {"event": "pushed", ...}.

Every mode reports the driver's addr (v1) decoded too ({"event": "addr", "addresses": [...],
"payload": HEX}).
"""
import os
import time

from verystable.core.messages import CAddress, msg_addr, msg_addrv2


def address(entry):
    """A CAddress for HOST:PORT (IPv4, a Tor v3 .onion or an I2P .b32.i2p name), seen a minute ago."""
    host, port = entry.rsplit(":", 1)
    a = CAddress()
    a.time, a.nServices, a.port, a.ip = int(time.time()) - 60, 1 | 8 | (1 << 11), int(port), host
    a.net = CAddress.NET_TORV3 if host.endswith(".onion") else CAddress.NET_I2P if host.endswith(".b32.i2p") else CAddress.NET_IPV4
    return a


def answer():
    """The addrv2 answering a getaddr in gossip mode."""
    message = msg_addrv2()
    message.addrs = [address(e) for e in os.environ.get("BIP324_PEER_GOSSIP", "").split(",") if e]
    return message


def flood(conn, mode, emit):
    """addrflood: one oversized addrv2; addrstream: many full ones."""
    if mode == "addrflood":
        message = msg_addrv2()
        message.addrs = [address(f"44.{i // 250}.{i % 250}.1:8333") for i in range(1001)]
        conn.send(message)
        emit(event="flooded", entries=len(message.addrs))
        return
    count = int(os.environ.get("BIP324_PEER_ADDR_MESSAGES", "200"))
    for m in range(count):
        message = msg_addrv2()
        message.addrs = [address(f"{1 + (m * 1000 + i) % 90}.{(m * 7 + i) % 256}.{i // 256}.{1 + i % 250}:8333")
                         for i in range(1000)]
        conn.send(message)
    emit(event="streamed", messages=count, entries=count * 1000)


def handle(conn, command, stream, mode, emit):
    """Answers getaddr (gossip mode) and reports the driver's addrv2; False for other commands."""
    if command == b"getaddr" and mode in ("gossip", "addrpush"):
        message = answer()
        conn.send(message)
        emit(event="getaddr", sent=len(message.addrs))
        if mode == "addrpush":
            time.sleep(float(os.environ.get("BIP324_PEER_PUSH_DELAY", "2")))
            push = msg_addrv2()
            push.addrs = [address(e) for e in os.environ.get("BIP324_PEER_PUSH", "").split(",") if e]
            conn.send(push)
            emit(event="pushed", addresses=[f"{a.ip}:{a.port}" for a in push.addrs])
        return True
    if command == b"addr":
        message = msg_addr()
        message.deserialize(stream)
        emit(event="addr", addresses=[f"{a.ip}:{a.port}" for a in message.addrs], payload=stream.getvalue().hex())
        return True
    if command == b"addrv2":
        message = msg_addrv2()
        message.deserialize(stream)
        emit(event="addrv2", addresses=[f"{a.ip}:{a.port}" for a in message.addrs])
        return True
    return False
