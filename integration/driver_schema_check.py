#!/usr/bin/env python3
"""Validates driver-protocol messages against docs/schemas (JSON Schema draft 2020-12).

Reads JSON lines {"schema": "sendmessage.request", "message": {...}} on stdin and writes one line
per input: {"ok": true} or {"ok": false, "errors": ["..."]}. Needs the `jsonschema` package."""
import json, os, sys

try:
    import jsonschema
    from referencing import Registry, Resource
except ImportError as e:
    sys.exit(f"driver_schema_check.py needs the jsonschema package (pip install jsonschema): {e}")

here = os.path.dirname(os.path.abspath(__file__))
schema_dir = os.path.join(here, "..", "docs", "schemas")
schemas = {}
for name in sorted(os.listdir(schema_dir)):
    if name.endswith(".json"):
        with open(os.path.join(schema_dir, name)) as f:
            schemas[name[:-5]] = json.load(f)
for name, schema in schemas.items():
    jsonschema.Draft202012Validator.check_schema(schema)
registry = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values())

for line in sys.stdin:
    if not line.strip():
        continue
    item = json.loads(line)
    schema = schemas.get(item["schema"])
    if schema is None:
        print(json.dumps({"ok": False, "errors": [f"no schema {item['schema']}"]}), flush=True)
        continue
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(item["message"])]
    print(json.dumps({"ok": not errors, "errors": errors}), flush=True)
