#!/usr/bin/env python3
"""A store failure reaches the user with the database's own message (issue 13):
the state directory on a 3 MB tmpfs, filled up; then a change through the control
socket (stempelctl while the daemon runs), through the payroll API, and with the
daemon stopped (stempelctl on the database directly) each fails with sqlite's
"database or disk is full", never "not an error"; nothing is half-written and the
audit chain stays intact once space returns."""
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done, roster  # noqa: E402

BIN = os.environ.get("BIN", "build/asan")


def ctl(k, *args):
    return subprocess.run([os.path.join(BIN, "stempelctl"), "-c", k.conf] + list(args),
                          capture_output=True, text=True, timeout=300)


def fill(path):
    subprocess.run(["dd", "if=/dev/zero", "of=" + path, "bs=4k"], capture_output=True)


def main():
    if os.geteuid() != 0:
        ok(False, "store-failure test needs root to mount a tmpfs (make check runs as root)")
        done()
    k = Kiosk()
    os.makedirs(k.state)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", k.state], check=True)
    try:
        run(k)
    finally:
        k.kill()
        subprocess.run(["umount", "-l", k.state])
        k.cleanup()
    done()


def run(k):
    path = os.path.join(k.dir, "roster.json")
    with open(path, "w") as f:
        json.dump(roster(5), f)
    assert ctl(k, "roster", "import", path).returncode == 0
    assert ctl(k, "g", "add", "2025-05-01", "130160").returncode == 0
    # In service since January, so the January period is offered for payment.
    assert ctl(k, "attendance", "results-from", "2026-01-01").returncode == 0
    token = ctl(k, "token", "create", "--scope", "payroll", "--name", "lonn").stdout.strip()
    k.start()
    req = urllib.request.Request("http://127.0.0.1:%d/api/v1/periods" % k.port)
    req.add_header("Authorization", "Bearer " + token)
    periods = {p["from"]: p["id"] for p in
               json.loads(urllib.request.urlopen(req, timeout=60).read())["periods"]}
    audit_before = k.db("SELECT count(*) FROM audit")[0][0]
    filler = os.path.join(k.state, "filler")
    fill(filler)

    # Through the control socket: the daemon's transaction fails, the CLI says why.
    results = []
    for i in range(40):  # until a write needs a page the disk no longer has
        r = ctl(k, "absence", "add", "P-000001", "sick_doctor", "2026-%02d-%02d" % (1 + i % 10, 1 + i // 10),
                "--documentation", "doctor_note", "--comment", "x" * 200)
        results.append(r)
        if r.returncode != 0:
            break
    r = results[-1]
    ok(r.returncode == 1 and "database or disk is full" in r.stderr,
       "stempelctl (daemon running): the write fails with sqlite's message, exit 1",
       (r.returncode, r.stderr))
    ok(all("not an error" not in x.stderr for x in results), "never 'not an error'")

    # Through the payroll API.
    req = urllib.request.Request("http://127.0.0.1:%d/api/v1/periods/%d/close"
                                 % (k.port, periods["2026-01-01"]), method="POST",
                                 data=b'{"reason":"disk full test"}')
    req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            st, body = resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        st, body = e.code, e.read().decode()
    ok(st == 503 and "database or disk is full" in body and "not an error" not in body,
       "payroll API close: 503 with sqlite's message", (st, body[:300]))
    ok(k.db("SELECT status FROM periods WHERE from_date = '2026-01-01'") == [("open",)],
       "the refused close left the period open")

    # The daemon stopped: stempelctl runs the command itself, same message.
    k.stop()
    fill(filler + "2")
    r = ctl(k, "g", "add", "2026-06-01", "135000")
    # Opening may already fail (the WAL index needs a page): sqlite says which.
    ok(r.returncode == 1 and ("database or disk is full" in r.stderr or
                              "disk I/O error" in r.stderr) and "not an error" not in r.stderr,
       "stempelctl (daemon stopped): sqlite's message, exit 1", (r.returncode, r.stderr))

    os.unlink(filler)
    os.unlink(filler + "2")
    r = ctl(k, "audit", "verify")
    ok(r.returncode == 0 and "intact" in r.stdout, "space back: audit chain intact", r.stdout)
    n = k.db("SELECT count(*) FROM audit")[0][0]
    ok(n - audit_before == len(results) - 1,
       "every change audited once, the failed ones not at all", (n, audit_before, len(results)))


if __name__ == "__main__":
    main()
