#!/usr/bin/env python3
"""Deliberately broken variants of drivers/example-python/driver.py, for the conformance tests.

usage: driver_broken.py --fault bad-manifest|noise|silent|crash-on-init|ignore-peer|wrong-peer
  bad-manifest   answers getmanifest with a manifest missing capabilities and an invalid name
  noise          writes a non-protocol line to stdout at start and on init
  silent         reads everything, answers nothing
  crash-on-init  exits with status 3 when it receives init
  ignore-peer    sendmessage ignores `peer`: a made-up peer id is answered from its one peer
  wrong-peer     sendmessage answers from "mem1", a peer it never listed, whatever was asked
  deep-type      its peerconnected notification carries "start_height": null, a wrong type two
                 objects deep that Codable decoding (an Int? reads null as absent) accepts and
                 the JSON Schema (integer) does not
"""
import os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "drivers", "example-python"))
import driver as example  # noqa: E402  (the example driver, reused and broken below)

fault = sys.argv[sys.argv.index("--fault") + 1] if "--fault" in sys.argv else ""
original = example.handle

def broken(method, params):
    if fault == "bad-manifest" and method == "getmanifest":
        return {"name": "Bad Name!", "version": "", "protocol_version": 1}
    if fault == "noise" and method == "init":
        print("driver ready!")  # the classic mistake: a debug print on stdout
    if fault == "crash-on-init" and method == "init":
        sys.exit(3)
    if fault == "ignore-peer" and method == "sendmessage":
        params = {k: v for k, v in params.items() if k != "peer"}
    result = original(method, params)
    if fault == "wrong-peer" and method == "sendmessage":
        result = dict(result, peer="mem1")
    return result

example.handle = broken
if fault == "deep-type":
    plain_send = example.send

    def send_deep_type(obj):
        if obj.get("method") == "peerconnected":
            obj = dict(obj, params={"peer": dict(obj["params"]["peer"], start_height=None)})
        plain_send(obj)

    example.send = send_deep_type
if fault == "noise":
    print("starting up...", flush=True)
if fault == "silent":
    for _ in sys.stdin.buffer:
        pass
    sys.exit(0)
if fault not in ("bad-manifest", "noise", "crash-on-init", "ignore-peer", "wrong-peer", "deep-type"):
    sys.exit(f"unknown --fault {fault!r}")
example.main()
