#!/usr/bin/env python3
"""A lightningd stand-in for the Core Lightning carrier's tests (Tests/AltnetDaemonTests/
CLNCarrierTests.swift), standard library only.

It speaks the plugin protocol as Core Lightning documents it (doc/developers-guide/
plugin-development/a-day-in-the-life-of-a-plugin.md and hooks.md): it starts the plugin
executable with lightningd's environment (LIGHTNINGD_PLUGIN, LIGHTNINGD_VERSION, the lightning
directory as working directory), sends `getmanifest` then `init` with `options` and
`configuration`, calls the `custommsg` hook ({"peer_id", "payload"}) for each custom message a
peer sends and checks that the answer is {"result": "continue"}, and sends the `connect` and
`disconnect` notifications to a plugin subscribed to them. It serves `listpeers` and
`sendcustommsg` on a JSON-RPC Unix socket `lightning-rpc` in its lightning directory, in their
documented shapes (doc/schemas/listpeers.json, sendcustommsg.json).

Its peers:
  - one linked stand-in (a TCP connection on 127.0.0.1 standing for the BOLT 8 link: one JSON
    line {"node_id", "features"} each way, then {"msg": HEX} lines, one per custom message);
    its features are the other side's `init` featurebits from its plugin's manifest;
  - a plain Lightning peer, connected, whose features lack the altnet bit: every sendcustommsg
    to it is accepted (as lightningd would) and reported; it also sends one altnet-typed message
    through the hook, which an altnet node must ignore;
  - an altnet peer that is not connected (listed with connected: false);
  - with --extra-altnet N, N more connected peers with the altnet bit that never answer (a hub's
    other channel partners): messages to them are accepted and reported, and go nowhere.

  cln_standin.py --lightning-dir DIR --plugin EXE --node-id HEX [--plugin-opt NAME=VALUE]...
                 (--listen | --connect PORT) [--extra-altnet N]

Reports on stdout, one JSON object per line: "ready" (port, node_id, plain, offline, extra) once
the plugin is initialised; "linked" (peer); "sendcustommsg" (node_id, type, bytes, command: the
P2P command of an altnet_message) for every call; "hook" (peer_id, type, result) for every hook
answer; "error" (error) for protocol faults. Runs until killed (the plugin then sees end of input).
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import threading

VERSION = "v24.08-altnet-standin"
PLAIN_FEATURES = "0898882a8a59a1"  # the features of listpeers' documented example
MAX_OBJECT = 1 << 20

out_lock = threading.Lock()


def emit(**event):
    with out_lock:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


class ObjectReader:
    """Concatenated JSON objects from a byte stream (whitespace between them), bounded."""

    def __init__(self, read):
        self.read = read
        self.buffer = ""
        self.decoder = json.JSONDecoder()

    def next(self):
        while True:
            text = self.buffer.lstrip()
            if text:
                try:
                    obj, end = self.decoder.raw_decode(text)
                    self.buffer = text[end:]
                    return obj
                except ValueError:
                    if len(text) > MAX_OBJECT:
                        raise ValueError("object over %d bytes" % MAX_OBJECT)
            chunk = self.read(65536)
            if not chunk:
                return None
            self.buffer += chunk.decode()


class Plugin:
    """The plugin child: requests out on its stdin, replies matched by id from its stdout."""

    def __init__(self, exe, lightning_dir):
        env = dict(os.environ, LIGHTNINGD_PLUGIN="1", LIGHTNINGD_VERSION=VERSION)
        self.proc = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=lightning_dir, env=env)
        self.lock = threading.Lock()
        self.replies = {}
        self.cond = threading.Condition()
        self.next_id = 0
        threading.Thread(target=self.read_loop, daemon=True).start()

    def read_loop(self):
        reader = ObjectReader(self.proc.stdout.read1)
        while True:
            try:
                obj = reader.next()
            except ValueError as e:
                emit(event="error", error="plugin output: %s" % e)
                return
            if obj is None:
                emit(event="error", error="plugin closed its output")
                return
            if obj.get("jsonrpc") != "2.0":
                emit(event="error", error="plugin message without jsonrpc 2.0: %s" % str(obj)[:200])
            if "id" in obj and "method" not in obj:
                with self.cond:
                    self.replies[obj["id"]] = obj
                    self.cond.notify_all()

    def notify(self, method, params):
        with self.lock:
            self.proc.stdin.write((json.dumps({"jsonrpc": "2.0", "method": method, "params": params}) + "\n\n").encode())
            self.proc.stdin.flush()

    def call(self, method, params, timeout=60):
        with self.lock:
            self.next_id += 1
            rid = "cln:%s#%d" % (method, self.next_id)
            request = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
            self.proc.stdin.write((json.dumps(request) + "\n\n").encode())
            self.proc.stdin.flush()
        with self.cond:
            if not self.cond.wait_for(lambda: rid in self.replies, timeout):
                raise RuntimeError("plugin did not answer %s within %d s" % (method, timeout))
            return self.replies.pop(rid)


class Node:
    def __init__(self, args):
        self.args = args
        self.node_id = args.node_id
        self.plain = "03" + "5d" * 32
        self.offline = "02" + "66" * 32
        self.extra = ["02" + ("e%d" % i) * 32 for i in range(args.extra_altnet)]
        self.link = None  # (socket, peer id, features, address)
        self.link_lock = threading.Lock()
        self.hook_lock = threading.Lock()
        self.features = ""

    # -- the plugin ---------------------------------------------------------------------------

    def start_plugin(self):
        self.plugin = Plugin(self.args.plugin, self.args.lightning_dir)
        manifest = self.plugin.call("getmanifest", {"allow-deprecated-apis": False})["result"]
        hooks = [h["name"] if isinstance(h, dict) else h for h in manifest.get("hooks", [])]
        if "custommsg" not in hooks:
            raise RuntimeError("the manifest registers no custommsg hook: %s" % manifest)
        self.subscriptions = set(manifest.get("subscriptions", []))
        bits = manifest.get("featurebits", {})
        if bits and manifest.get("dynamic", False):
            # lightningd/plugin.c (plugin_parse_getmanifest): "Custom featurebits only allows for
            # non-dynamic plugins"; the plugin is killed (and lightningd stops if it is important).
            # Without "dynamic" a plugin is not dynamic (plugin.c: p->dynamic = false).
            raise RuntimeError("Custom featurebits only allows for non-dynamic plugins: dynamic=%s, featurebits=%s"
                               % (manifest.get("dynamic", False), bits))
        self.features = bits.get("init", "")
        options = {}
        for option in manifest.get("options", []):
            if "default" in option:
                options[option["name"]] = option["default"]
        for given in self.args.plugin_opt:
            name, _, value = given.partition("=")
            known = [o for o in manifest.get("options", []) if o["name"] == name]
            if not known:
                raise RuntimeError("plugin has no option %s" % name)
            options[name] = int(value) if known[0]["type"] == "int" else value
        configuration = {
            "lightning-dir": self.args.lightning_dir, "rpc-file": "lightning-rpc", "startup": True, "network": "regtest",
            "feature_set": {"init": self.features, "node": bits.get("node", ""), "channel": "", "invoice": ""},
        }
        reply = self.plugin.call("init", {"options": options, "configuration": configuration})
        if "result" not in reply or "disable" in (reply.get("result") or {}):
            raise RuntimeError("plugin refused init: %s" % reply)

    def hook(self, peer_id, payload_hex):
        with self.hook_lock:  # lightningd runs a peer's hook calls one after another
            reply = self.plugin.call("custommsg", {"peer_id": peer_id, "payload": payload_hex})
        result = (reply.get("result") or {}).get("result")
        emit(event="hook", peer_id=peer_id, type=int(payload_hex[:4], 16), result=result)
        if result != "continue":
            emit(event="error", error="custommsg hook answered %s" % reply)

    # -- the link to the other stand-in ---------------------------------------------------------

    def peer_event(self, topic, peer_id, direction=None):
        # Sent only to a plugin subscribed to the topic, in the documented shape
        # (event-notifications.md: {"connect": {"id", "direction", "address"}}, {"disconnect": {"id"}}).
        if topic not in self.subscriptions:
            return
        body = {"id": peer_id}
        if topic == "connect":
            body.update(direction=direction, address={"type": "ipv4", "address": "127.0.0.1", "port": 9735})
        self.plugin.notify(topic, {topic: body})

    def run_link(self, sock, direction):
        sock.sendall((json.dumps({"node_id": self.node_id, "features": self.features}) + "\n").encode())
        stream = sock.makefile("rb")
        hello = json.loads(stream.readline())
        with self.link_lock:
            self.link = (sock, hello["node_id"], hello["features"], "%s:%d" % sock.getpeername())
        emit(event="linked", peer=hello["node_id"])
        self.peer_event("connect", hello["node_id"], direction)
        for line in stream:
            self.hook(hello["node_id"], json.loads(line)["msg"])
        with self.link_lock:
            self.link = None
        self.peer_event("disconnect", hello["node_id"])

    # -- lightning-rpc ----------------------------------------------------------------------------

    def listpeers(self, params):
        peers = []
        with self.link_lock:
            if self.link:
                peers.append({"id": self.link[1], "connected": True, "num_channels": 1, "netaddr": [self.link[3]],
                              "features": self.link[2]})
        peers.append({"id": self.plain, "connected": True, "num_channels": 1, "netaddr": ["127.0.0.1:9735"],
                      "features": PLAIN_FEATURES})
        for i, extra in enumerate(self.extra):
            peers.append({"id": extra, "connected": True, "num_channels": 1, "netaddr": ["10.%d.0.1:9735" % (i + 1)],
                          "features": self.features})
        peers.append({"id": self.offline, "connected": False, "num_channels": 1,
                      "features": self.features or PLAIN_FEATURES})
        wanted = params.get("id") if isinstance(params, dict) else None
        return {"peers": [p for p in peers if wanted in (None, p["id"])]}

    def sendcustommsg(self, params):
        node_id, msg = params.get("node_id"), params.get("msg", "")
        if set(params) - {"node_id", "msg"}:
            raise RpcError(-32602, "unknown parameter")
        bytes.fromhex(msg)
        if len(msg) < 4:
            raise RpcError(-32602, "msg: too short")
        kind = int(msg[:4], 16)
        command = None
        if kind == 42001 and len(msg) >= 6:
            length = int(msg[4:6], 16)
            command = bytes.fromhex(msg[6:6 + 2 * length]).decode("ascii", "replace")
        emit(event="sendcustommsg", node_id=node_id, type=kind, bytes=len(msg) // 2, command=command)
        with self.link_lock:
            link = self.link
        if link and node_id == link[1]:
            link[0].sendall((json.dumps({"msg": msg}) + "\n").encode())
        elif node_id != self.plain and node_id not in self.extra:
            raise RpcError(-1, "No such peer")
        return {"status": "Message sent to connectd for delivery"}

    def serve_rpc_client(self, conn):
        reader = ObjectReader(conn.recv)
        try:
            while True:
                request = reader.next()
                if request is None:
                    return
                reply = {"jsonrpc": "2.0", "id": request.get("id")}
                try:
                    method = {"listpeers": self.listpeers, "sendcustommsg": self.sendcustommsg}.get(request.get("method"))
                    if method is None:
                        raise RpcError(-32601, "Unknown command '%s'" % request.get("method"))
                    reply["result"] = method(request.get("params") or {})
                except RpcError as e:
                    reply["error"] = {"code": e.code, "message": e.message}
                except ValueError as e:
                    reply["error"] = {"code": -32602, "message": str(e)}
                conn.sendall((json.dumps(reply) + "\n\n").encode())
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def serve_rpc(self, server):
        while True:
            conn, _ = server.accept()
            threading.Thread(target=self.serve_rpc_client, args=(conn,), daemon=True).start()


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lightning-dir", required=True)
    p.add_argument("--plugin", required=True)
    p.add_argument("--node-id", required=True)
    p.add_argument("--plugin-opt", action="append", default=[])
    p.add_argument("--listen", action="store_true")
    p.add_argument("--connect", type=int)
    p.add_argument("--extra-altnet", type=int, default=0)
    args = p.parse_args()

    os.makedirs(args.lightning_dir, exist_ok=True)
    node = Node(args)
    rpc_path = os.path.join(args.lightning_dir, "lightning-rpc")
    if os.path.exists(rpc_path):
        os.unlink(rpc_path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(rpc_path)
    os.chmod(rpc_path, 0o600)
    server.listen(16)
    threading.Thread(target=node.serve_rpc, args=(server,), daemon=True).start()
    node.start_plugin()

    port = None
    if args.listen:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
    emit(event="ready", port=port, node_id=node.node_id, plain=node.plain, offline=node.offline, extra=node.extra)
    # The plain peer speaks first: an altnet-typed message (a `ping` as an altnet_message) that a
    # node without it among its altnet peers must ignore.
    node.hook(node.plain, "a411" + "0470696e67" + "0102030405060708")
    if args.listen:
        conn, _ = listener.accept()
        node.run_link(conn, "in")
    elif args.connect:
        node.run_link(socket.create_connection(("127.0.0.1", args.connect)), "out")
    emit(event="error", error="the link ended")
    threading.Event().wait()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - reported to the test, which fails on it
        emit(event="error", error="%s: %s" % (type(e).__name__, e))
        sys.exit(1)
