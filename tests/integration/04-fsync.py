#!/usr/bin/env python3
"""Durability cost: strace counts fsync/fdatasync calls of stempeld over 100
taps.  Every answered tap must have cost at least one sync (the COMMIT of the
WAL), and not many more (one per tap, plus the odd checkpoint).  Reading costs
none: payroll listing the pay periods twenty times (each listing makes sure every
month since the service date has its row) syncs nothing once the rows are there,
so no listing puts an fsync on the loop in front of a tap."""
import os
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import kiosklib  # noqa: E402
from kiosklib import Kiosk, ok, done, roster  # noqa: E402

if not shutil.which("strace"):
    ok(False, "strace is installed (make deps installs it)")
    done()
N = 100
k = Kiosk(roster_doc=roster(10), debounce=0)
trace = os.path.join(k.dir, "strace.out")
try:
    k.log = open(os.path.join(k.dir, "stempeld.log"), "ab")
    k.proc = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=fsync,fdatasync", "-o", trace,
                               os.path.join(kiosklib.BIN, "stempeld"), "-c", k.conf],
                              stdout=k.log, stderr=k.log)
    deadline = time.time() + 30
    while not os.path.exists(k.sock) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)

    def syncs():
        with open(trace) as f:
            return sum(1 for line in f if "sync(" in line)
    before = syncs()
    conn = k.tap_conn()
    for i in range(N):
        k.tap("%08X" % (0x04A10000 + i % 10), conn)
    conn.close()
    time.sleep(0.5)
    n = syncs() - before
    taps = k.db("SELECT count(*) FROM taps")[0][0]
    print("# %d taps cost %d fsync/fdatasync calls (%.2f per tap)" % (taps, n, n / max(taps, 1)))
    ok(taps == N, "%d taps recorded" % N, taps)
    ok(N <= n <= N * 1.3, "about one sync per tap: %d syncs for %d taps" % (n, N))

    token = k.ctl("token", "create", "--scope", "payroll", "--name", "fsync").stdout.strip()

    def periods():
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1/periods" % k.port,
                                     headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    first = periods()  # the current month's row is made now
    time.sleep(0.3)
    before = syncs()
    statuses = [periods() for _ in range(20)]
    time.sleep(0.3)
    n = syncs() - before
    ok(first == 200 and statuses == [200] * 20 and n == 0,
       "twenty period listings cost no sync (%d)" % n, statuses)
finally:
    # strace's child is the daemon: stop it first, or it would outlive strace
    try:
        with open("/proc/%d/task/%d/children" % (k.proc.pid, k.proc.pid)) as f:
            for pid in f.read().split():
                os.kill(int(pid), 15)
        k.proc.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        pass
    k.cleanup()
done()
