#!/usr/bin/env python3
"""The import rule of docs/architecture.md, checked on Package.swift (issue #16).

A target under Sources/<layer>/ may depend only on targets of its own layer or of the layers
before it in LAYERS; drivers/<x> executables sit with Programs. Test targets and the test
fixtures under Tests/ may depend on anything. Reads `swift package dump-package` (or a JSON file
given as the first argument) or, with --text, Package.swift's own text (what a test runs: no
SwiftPM lock taken inside `swift test`); prints each violation and exits 1 when there is one.
"""
import json
import re
import subprocess
import sys

LAYERS = ["C", "Core", "Edges", "DriverCores", "Daemon", "Doubles", "Programs"]


def layer_of(target):
    path = target.get("path") or ""
    parts = path.split("/")
    if len(parts) >= 2 and parts[0] == "Sources" and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    if parts and parts[0] == "drivers":
        return LAYERS.index("Programs")
    return None  # Tests/...: anything goes


def from_text(path):
    """Targets from Package.swift's text: each `.target(` / `.executableTarget(` / `.testTarget(` /
    `.systemLibrary(` call, its name, its quoted dependencies (unquoted ones are products of other
    packages) and its path."""
    text = open(path).read()
    calls = list(re.finditer(r"\.(target|executableTarget|testTarget|systemLibrary)\(", text))
    targets = []
    for i, call in enumerate(calls):
        body = text[call.end():calls[i + 1].start() if i + 1 < len(calls) else len(text)]
        name = re.search(r'name:\s*"([^"]+)"', body).group(1)
        deps = re.search(r"dependencies:\s*\[(.*?)\]", body, re.S)
        path = re.search(r'path:\s*"([^"]+)"', body)
        kind = {"testTarget": "test", "executableTarget": "executable"}.get(call.group(1), "regular")
        if kind == "regular" and call.group(1) == "systemLibrary":
            kind = "system-target"
        targets.append({
            "name": name, "type": kind, "path": path.group(1) if path else "",
            "dependencies": [{"byName": [d]} for d in re.findall(r'"([^"]+)"', deps.group(1))] if deps else [],
        })
    return {"targets": targets}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--text":
        package = from_text(sys.argv[2] if len(sys.argv) > 2 else "Package.swift")
    elif len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            package = json.load(f)
    else:
        package = json.loads(subprocess.check_output(["swift", "package", "dump-package"]))
    targets = {t["name"]: t for t in package["targets"]}
    problems = []
    for name, target in sorted(targets.items()):
        own = layer_of(target)
        if own is None or target.get("type") == "test":
            continue
        for dep in target.get("dependencies", []):
            dep_name = (dep.get("byName") or dep.get("target") or [None])[0]
            if dep_name not in targets:
                continue  # a product of another package
            theirs = layer_of(targets[dep_name])
            if theirs is None:
                problems.append("%s (%s) depends on %s outside Sources/ and drivers/" % (name, LAYERS[own], dep_name))
            elif theirs > own:
                problems.append("%s (%s) depends on %s (%s), a later layer" % (name, LAYERS[own], dep_name, LAYERS[theirs]))
    for p in problems:
        print(p)
    checked = sum(1 for t in targets.values() if layer_of(t) is not None and t.get("type") != "test")
    print("%d targets checked, %d violation(s)" % (checked, len(problems)), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
