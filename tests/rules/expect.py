#!/usr/bin/env python3
"""expect.py — compare a `stempelctl rules eval` result with a scenario's "expect".

Usage: expect.py SCENARIO.json RESULT.json
Every field that "expect" names must be equal in the result: objects are compared
key by key (keys "expect" leaves out are not checked; an empty object must be empty),
arrays element by element with the same length, everything else by value.
Prints one line per difference and exits 1 if there was any.
"""
import json
import sys


def compare(path, want, got, out):
    if isinstance(want, dict):
        if not isinstance(got, dict):
            out.append(f"{path}: expected an object, got {json.dumps(got)}")
            return
        if not want and got:
            out.append(f"{path}: expected {{}}, got {json.dumps(got)}")
        for k, v in want.items():
            if k not in got:
                out.append(f"{path}.{k}: missing (expected {json.dumps(v)})")
            else:
                compare(f"{path}.{k}", v, got[k], out)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            out.append(f"{path}: expected {len(want)} elements, got {json.dumps(got)[:200]}")
            return
        for i, (w, g) in enumerate(zip(want, got)):
            compare(f"{path}[{i}]", w, g, out)
    elif want != got or type(want) is not type(got):
        out.append(f"{path}: expected {json.dumps(want)}, got {json.dumps(got)}")


def main():
    with open(sys.argv[1]) as f:
        want = json.load(f)["expect"]
    with open(sys.argv[2]) as f:
        got = json.load(f)
    out = []
    compare("", want, got, out)
    for line in out:
        print(line.lstrip("."))
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
