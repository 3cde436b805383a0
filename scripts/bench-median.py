#!/usr/bin/env python3
"""Runs one altnet-bench command several times and prints each figure's median and range.

    scripts/bench-median.py --runs 5 -- .build/release/altnet-bench altstack
    scripts/bench-median.py --runs 5 --match rescue.2000 -- .build/release/altnet-bench rescue --missing 2000

altnet-bench prints one JSON object per line ({"metric", "unit", "value"}). This runs the
command --runs times in sequence, reads every line of every run and prints, per metric, one
JSON line with the median, the smallest and the largest value and the values themselves, then
the 1-minute load average at the start of each run (read from /proc/loadavg, as the benches'
own machine.loadavg_1m). It works the same on older builds of altnet-bench that have no
--runs option of their own, which is how issue 20's before/after figures were taken: the same
script over a build of the commit before and one of the commit after, on the same machine.

--match keeps only metrics containing one of the given substrings. --raw DIR keeps each run's
output in DIR/run-N.jsonl.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the command (default 5)")
    parser.add_argument("--match", action="append", default=[], help="keep metrics containing this (repeatable)")
    parser.add_argument("--raw", help="directory to keep each run's output in")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the bench command")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the bench command after --")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.raw:
        os.makedirs(args.raw, exist_ok=True)

    values = {}   # metric -> [value per run]
    units = {}
    loads = []
    for run in range(1, args.runs + 1):
        loads.append(loadavg())
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if args.raw:
            with open(os.path.join(args.raw, f"run-{run}.jsonl"), "w") as f:
                f.write(done.stdout)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            sys.exit(f"run {run} of {' '.join(command)} exited with {done.returncode}")
        for line in done.stdout.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if not isinstance(item, dict) or "metric" not in item or not isinstance(item.get("value"), (int, float)):
                continue
            metric = item["metric"]
            if metric.startswith("machine."):
                continue
            if args.match and not any(m in metric for m in args.match):
                continue
            values.setdefault(metric, []).append(float(item["value"]))
            units[metric] = item.get("unit", "")
        sys.stderr.write(f"run {run}/{args.runs} done (load {loads[-1]})\n")

    for metric, series in values.items():
        print(json.dumps({
            "metric": metric, "unit": units[metric], "runs": len(series),
            "median": statistics.median(series), "min": min(series), "max": max(series),
            "values": [round(v, 6) for v in series],
        }))
    print(json.dumps({"metric": "loadavg_1m_at_start", "unit": "load", "runs": len(loads),
                      "median": statistics.median(loads), "min": min(loads), "max": max(loads), "values": loads}))


if __name__ == "__main__":
    main()
