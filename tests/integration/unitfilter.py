#!/usr/bin/env python3
"""unitfilter.py — which system calls a systemd unit's SystemCallFilter= lines let
through, worked out as systemd.exec(5) says: the first assignment decides the kind
(an allow list, or with "~" a deny list); later ones add to it or take from it in
order; an empty one starts over.  Groups (@system-service ...) are expanded with
`systemd-analyze syscall-filter`, nested groups included.

    unitfilter.py UNIT --allowed sched_setscheduler setpriority --denied setrlimit

exits 0 when every --allowed call is let through and every --denied call is not;
otherwise it names the ones that are not as expected.  50-package.sh runs it on the
packaged stempel.service (a unit cannot be started here: systemd is not PID 1).
"""
import functools
import subprocess
import sys


@functools.lru_cache(maxsize=None)
def group(name):
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True,
                         text=True, check=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        tok = line.strip()
        if not tok or tok.startswith("#"):
            continue
        calls |= group(tok) if tok.startswith("@") else {tok}
    return frozenset(calls)


def expand(tokens):
    calls = set()
    for tok in tokens:
        calls |= group(tok) if tok.startswith("@") else {tok}
    return calls


def let_through(unit):
    """A predicate: is this system call let through by the unit's filter?"""
    allow, calls = None, set()
    with open(unit) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("SystemCallFilter="):
                continue
            value = line.split("=", 1)[1].strip()
            if not value:
                allow, calls = None, set()
                continue
            deny = value.startswith("~")
            names = expand(value.lstrip("~").split())
            if allow is None:
                allow, calls = not deny, names
            elif deny == allow:  # the other kind than the first: take these out
                calls -= names
            else:
                calls |= names
    if allow is None:
        return lambda call: True
    return (lambda call: call in calls) if allow else (lambda call: call not in calls)


def main(argv):
    unit, want, kind = argv[1], {"--allowed": [], "--denied": []}, None
    for a in argv[2:]:
        if a in want:
            kind = a
        elif kind:
            want[kind].append(a)
        else:
            sys.exit("usage: unitfilter.py UNIT --allowed CALL... --denied CALL...")
    ok = let_through(unit)
    wrong = ["%s is denied" % c for c in want["--allowed"] if not ok(c)]
    wrong += ["%s is let through" % c for c in want["--denied"] if ok(c)]
    if wrong:
        print("%s: %s" % (unit, "; ".join(wrong)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
