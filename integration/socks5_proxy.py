#!/usr/bin/env python3
"""A minimal SOCKS5 proxy (RFC 1928: no authentication, CONNECT only) for tests of a driver's
proxy= option, standard library only. Prints {"event": "listening", "port": P} once it accepts,
{"event": "accept", "n": N} for every TCP connection accepted (N counts them), and
{"event": "connect", "host": H, "port": N, "atyp": "ipv4"|"domain"|"ipv6", "target": "IP:PORT",
"ok": true|false} for every CONNECT, so a test sees that traffic went through it (and whether
names were left to the proxy, as Tor needs for .onion addresses).

Standing in for Tor in discovery tests:
  --map NAME=HOST[:PORT]  (repeatable) a domain name the proxy resolves itself: a Tor v3 name to
                          the 127.x.y.z of a simnode, a DNS seed's name to a simnode answering
                          getaddr; without PORT the requested port is kept. Unmapped .onion names
                          fail (host unreachable), as Tor fails for an unknown service.
  --bind-out IP           outgoing connections leave from IP (e.g. 127.99.0.1), so a peer's
                          getpeerinfo shows which connections came through the proxy.
  --deny-unmapped         refuse (host unreachable) every destination not given with --map, so a
                          test counts CONNECTs to real-world addresses (fixed seeds) and none
                          leaves the machine."""
import argparse
import json
import socket
import socketserver
import struct
import threading


EMIT_LOCK = threading.Lock()


def emit(obj):
    """One JSON line per event; the lock keeps lines from handler threads whole (print writes
    the text and the newline separately, so two threads could merge two lines into one)."""
    with EMIT_LOCK:
        print(json.dumps(obj), flush=True)


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


MAP = {}
BIND_OUT = None
DENY_UNMAPPED = False
accepted = 0
accepted_lock = threading.Lock()


def target_of(host, port):
    """(host, port) to dial for a requested destination, or None for an unknown .onion name
    (any unmapped name or address with --deny-unmapped)."""
    mapped = MAP.get(host.lower())
    if mapped is None:
        return None if DENY_UNMAPPED or host.lower().endswith(".onion") else (host, port)
    to_host, _, to_port = mapped.rpartition(":") if mapped.count(":") == 1 else (mapped, "", "")
    return (to_host, int(to_port)) if to_port else (mapped, port)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        global accepted
        client = self.request
        with accepted_lock:
            accepted += 1
            n = accepted
        emit({"event": "accept", "n": n})
        try:
            version, count = read_exact(client, 2)
            methods = read_exact(client, count)
            if version != 5 or 0 not in methods:
                client.sendall(b"\x05\xff")
                return
            client.sendall(b"\x05\x00")
            version, command, _, atyp = read_exact(client, 4)
            if atyp == 1:
                host, kind = socket.inet_ntoa(read_exact(client, 4)), "ipv4"
            elif atyp == 3:
                host, kind = read_exact(client, read_exact(client, 1)[0]).decode(), "domain"
            elif atyp == 4:
                host, kind = socket.inet_ntop(socket.AF_INET6, read_exact(client, 16)), "ipv6"
            else:
                return
            (port,) = struct.unpack(">H", read_exact(client, 2))
            event = {"event": "connect", "host": host, "port": port, "atyp": kind}
            if command != 1:
                emit({**event, "ok": False})
                client.sendall(b"\x05\x07\x00\x01" + b"\x00" * 6)
                return
            target = target_of(host, port)
            if target is None:
                emit({**event, "ok": False})
                client.sendall(b"\x05\x04\x00\x01" + b"\x00" * 6)  # host unreachable
                return
            try:
                source = (BIND_OUT, 0) if BIND_OUT else None
                upstream = socket.create_connection(target, timeout=10, source_address=source)
                upstream.settimeout(None)
            except OSError:
                emit({**event, "target": f"{target[0]}:{target[1]}", "ok": False})
                client.sendall(b"\x05\x05\x00\x01" + b"\x00" * 6)
                return
            emit({**event, "target": f"{target[0]}:{target[1]}", "ok": True})
            client.sendall(b"\x05\x00\x00\x01" + b"\x00" * 6)
            for s in (client, upstream):  # relay small answers without Nagle's delay
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            t = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
            t.start()
            pipe(client, upstream)
            t.join()
        except (ConnectionError, OSError):
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--map", action="append", default=[], metavar="NAME=HOST[:PORT]")
    ap.add_argument("--bind-out", default=None, metavar="IP")
    ap.add_argument("--deny-unmapped", action="store_true")
    args = ap.parse_args()
    global BIND_OUT, DENY_UNMAPPED
    DENY_UNMAPPED = args.deny_unmapped
    BIND_OUT = args.bind_out
    for item in args.map:
        name, _, to = item.partition("=")
        MAP[name.lower()] = to
    server = Server((args.host, args.port), Handler)
    emit({"event": "listening", "port": server.server_address[1]})
    server.serve_forever()


if __name__ == "__main__":
    main()
