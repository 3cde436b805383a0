#!/usr/bin/env python3
"""A minimal SOCKS5 proxy (RFC 1928: no authentication, CONNECT only) for tests of a driver's
proxy= option, standard library only. Prints {"event": "listening", "port": P} once it accepts
and {"event": "connect", "host": H, "port": N, "atyp": "ipv4"|"domain"|"ipv6"} for every CONNECT,
so a test sees that traffic went through it (and whether names were left to the proxy, as Tor
needs for .onion addresses)."""
import argparse
import json
import socket
import socketserver
import struct
import threading


def emit(obj):
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


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        client = self.request
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
            emit({"event": "connect", "host": host, "port": port, "atyp": kind})
            if command != 1:
                client.sendall(b"\x05\x07\x00\x01" + b"\x00" * 6)
                return
            try:
                upstream = socket.create_connection((host, port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.sendall(b"\x05\x05\x00\x01" + b"\x00" * 6)
                return
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
    args = ap.parse_args()
    server = Server((args.host, args.port), Handler)
    emit({"event": "listening", "port": server.server_address[1]})
    server.serve_forever()


if __name__ == "__main__":
    main()
