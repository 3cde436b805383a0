#!/usr/bin/env python3
"""Compares two runs of the test suite by the time of each test present in both.

usage: scripts/compare-test-times.py BEFORE.log AFTER.log

Each log is what `bash scripts/test.sh` (or `.ci/run`) printed: Swift Testing's lines
"✔ Test NAME passed after S seconds". Whole-suite times cannot be compared across commits that
add tests, so this sums the tests found once in both logs, by name, and prints both sums and
their ratio, the tests that changed most, and what the new tests cost. Machines here are noisy:
read the ratio beside tests whose code did not change (pure computation such as the stale-tip
simulations), which show how much the machine itself differed between the runs.
"""
import collections
import re
import sys

PASSED = re.compile(r"✔ Test (.*) passed after ([0-9.]+) seconds")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def load(path):
    times = collections.defaultdict(list)
    with open(path, errors="replace") as log:
        for line in log:
            found = PASSED.search(COLOUR.sub("", line))
            if found:
                times[found.group(1)].append(float(found.group(2)))
    return times


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    before, after = load(sys.argv[1]), load(sys.argv[2])
    common = [name for name in before if name in after and len(before[name]) == 1 and len(after[name]) == 1]
    if not common:
        sys.exit("no test passed once in both logs")
    sum_before = sum(before[name][0] for name in common)
    sum_after = sum(after[name][0] for name in common)
    print(f"before: {len(before)} tests passed; after: {len(after)}")
    print(f"in both: {len(common)} tests, before {sum_before:.1f} s, after {sum_after:.1f} s, ratio {sum_after / sum_before:.3f}")
    by_change = sorted(common, key=lambda name: after[name][0] - before[name][0])
    print("most faster:")
    for name in by_change[:5]:
        print(f"  {before[name][0]:.1f} -> {after[name][0]:.1f}  {name[:90]}")
    print("most slower:")
    for name in by_change[-5:]:
        print(f"  {before[name][0]:.1f} -> {after[name][0]:.1f}  {name[:90]}")
    new = [name for name in after if name not in before]
    print(f"new tests: {len(new)}, {sum(sum(after[name]) for name in new):.1f} s")


if __name__ == "__main__":
    main()
