#!/usr/bin/env python3
"""A DNS seed on loopback for discovery tests, served by dnslib's DNSServer (PyPI `dnslib`),
UDP and TCP on one port, as a Bitcoin DNS seed answers:

  dns_seed.py --name seed.altnet.test --a 127.10.1.1 --a 127.11.1.1 [--aaaa ::1] [--port 0]
              [--udplen 512] [--truncate-udp] [--host ::1] [--ttl 60]

A and AAAA queries for NAME, and for Core's service-filter names `x<hex>.NAME` (Core asks
`x9.NAME`), are answered with the configured addresses; other names get NXDOMAIN, other types
under NAME an empty answer. With --udplen, a UDP answer longer than that is truncated (TC set),
so a resolver must retry over TCP; --truncate-udp sets TC on every UDP answer (records dropped),
so every answer the resolver uses came over TCP. --host ::1 serves on IPv6 loopback.

Prints one JSON object per line on stdout: {"event": "listening", "port": P} once both
sockets accept, then for every query {"event": "query", "n": N, "name": ..., "type": "A",
"protocol": "udp"|"tcp", "answers": K}, N counting all queries so far, and
{"event": "truncated", "name": ..., "type": ...} for each UDP answer sent truncated instead.
A test counts the query events (e.g. none after a restart that has anchors, none at all behind a
proxy).
"""
import argparse
import json
import sys
import threading
import time

try:
    from dnslib import AAAA, QTYPE, RCODE, RR, A, DNSRecord
    from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer
except ImportError as error:  # pragma: no cover
    print(json.dumps({"ok": False, "error": f"dnslib is not installed ({error}); run: pip install dnslib"}), flush=True)
    sys.exit(3)

lock = threading.Lock()
queries = 0


def emit(obj):
    with lock:
        print(json.dumps(obj), flush=True)


class SeedResolver(BaseResolver):
    def __init__(self, name, a, aaaa, ttl):
        self.name = name.lower().rstrip(".")
        self.a, self.aaaa, self.ttl = a, aaaa, ttl

    def covers(self, qname):
        if qname == self.name:
            return True
        head, _, rest = qname.partition(".")
        return rest == self.name and len(head) > 1 and head[0] == "x" and all(c in "0123456789abcdef" for c in head[1:])

    def resolve(self, request, handler):
        global queries
        reply = request.reply()
        qname = str(request.q.qname).lower().rstrip(".")
        qtype = QTYPE[request.q.qtype]
        if not self.covers(qname):
            reply.header.rcode = RCODE.NXDOMAIN
        elif qtype == "A":
            for ip in self.a:
                reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(ip), ttl=self.ttl))
        elif qtype == "AAAA":
            for ip in self.aaaa:
                reply.add_answer(RR(request.q.qname, QTYPE.AAAA, rdata=AAAA(ip), ttl=self.ttl))
        with lock:
            queries += 1
            n = queries
        emit({"event": "query", "n": n, "name": qname, "type": qtype, "protocol": handler.protocol,
              "answers": len(reply.rr)})
        return reply


class QuietLogger(DNSLogger):
    def __init__(self):
        super().__init__(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="the seed's name, e.g. seed.altnet.test")
    ap.add_argument("--a", action="append", default=[], help="an IPv4 address to answer (repeatable)")
    ap.add_argument("--aaaa", action="append", default=[], help="an IPv6 address to answer (repeatable)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="UDP and TCP port (0: a free one, printed)")
    ap.add_argument("--udplen", type=int, default=0, help="truncate UDP answers longer than this (0: never)")
    ap.add_argument("--truncate-udp", action="store_true", help="set TC on every UDP answer (the resolver must use TCP)")
    ap.add_argument("--ttl", type=int, default=60)
    args = ap.parse_args()

    class Handler(DNSHandler):
        def get_reply(self, data):
            # dnslib's own truncation (DNSHandler.udplen) drops the question section, and glibc's
            # resolver ignores such a reply as not matching its query; a real server keeps it.
            request = DNSRecord.parse(data)
            reply = self.server.resolver.resolve(request, self)
            packed = reply.pack()
            if self.protocol == "udp" and (args.truncate_udp or (args.udplen and len(packed) > args.udplen)):
                short = request.reply()
                short.header.rcode = reply.header.rcode
                short.header.tc = 1
                emit({"event": "truncated", "name": str(request.q.qname).lower().rstrip("."), "type": QTYPE[request.q.qtype]})
                packed = short.pack()
            return packed

    resolver = SeedResolver(args.name, args.a, args.aaaa, args.ttl)
    for attempt in range(20):
        udp = DNSServer(resolver, address=args.host, port=args.port, handler=Handler, logger=QuietLogger())
        port = udp.server.server_address[1]
        try:
            tcp = DNSServer(resolver, address=args.host, port=port, tcp=True, handler=Handler, logger=QuietLogger())
            break
        except OSError:  # the UDP port's TCP twin is taken: pick again
            udp.server.server_close()
            if args.port:
                raise
    else:
        raise SystemExit("no port free for both UDP and TCP")
    udp.start_thread()
    tcp.start_thread()
    emit({"event": "listening", "port": port})
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
