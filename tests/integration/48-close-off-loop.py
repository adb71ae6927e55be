#!/usr/bin/env python3
"""48-close-off-loop.py — a pay period closed through the API has its lines computed
ahead on the reports thread (period_close_prepare), and they are exactly the lines a
close computed in the command gives.  Two copies of one generated database (40
participants with their own schedules, random corrections and absences in February):
one is closed through POST /api/v1/periods/{id}/close on the running daemon (its log
says "computed off the loop"), the other with `stempelctl period close` and no
daemon; every frozen line and day must be the same.  (That a write between the
preparation and the command makes the close compute again: tests/unit/test_period.c.)"""
import calendar
import json
import os
import random
import shutil
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done  # noqa: E402

os.environ["STEMPEL_CLOCK_EPOCH"] = str(calendar.timegm((2025, 1, 1, 0, 0, 0)))
os.environ["STEMPEL_CLOCK_OFFSET_S"] = str(calendar.timegm((2026, 3, 10, 12, 0, 0)) -
                                           int(time.time()))
N = 40
rnd = random.Random(48)


def roster():
    parts = []
    for i in range(N):
        days = sorted(rnd.sample([1, 2, 3, 4, 5, 6], rnd.randint(2, 5)))
        start = rnd.choice(["07:30", "08:00", "08:30", "09:00"])
        end = rnd.choice(["12:00", "14:00", "15:30", "16:00"])
        parts.append({"id": "P-%03d" % (i + 1), "name": "Deltaker %d" % (i + 1),
                      "language": "nb",
                      "programme_start": rnd.choice(["2026-01-05", "2026-01-19", "2026-02-09"]),
                      "cards": ["%08X" % (0x04C10000 + i)],
                      "schedule": {"template": [{"weekdays": days, "start": start,
                                                 "end": end}]}})
    return {"participants": parts}


def call(k, method, path, token, body=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (k.port, path), method=method,
                                 data=body.encode() if body is not None else None)
    req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def frozen(k, pid):
    lines = k.db("SELECT participant_id, kind, json FROM period_lines WHERE period_id = ?"
                 " ORDER BY participant_id, kind, json", (pid,))
    days = k.db("SELECT participant_id, date, json FROM period_days WHERE period_id = ?"
                " ORDER BY participant_id, date", (pid,))
    return lines, days


def generate(k):
    """Random attendance in February: corrections in and out, and absences."""
    for i in range(N):
        p = "P-%03d" % (i + 1)
        for _ in range(rnd.randint(0, 3)):
            d = "2026-02-%02d" % rnd.randint(2, 27)
            k.ctl("correction", "add", p, d, rnd.choice(["07:25", "08:05", "08:40", "09:10"]),
                  "in", "--reason", "paper list", check=False)
            k.ctl("correction", "add", p, d, rnd.choice(["11:50", "13:20", "15:40", "16:10"]),
                  "out", "--reason", "paper list", check=False)
        if rnd.random() < 0.4:
            d = "2026-02-%02d" % rnd.randint(2, 26)
            k.ctl("absence", "add", p, rnd.choice(["sick_doctor", "sick_self", "child_sick"]),
                  d, "--documentation", "doctor_note", check=False)
    k.ctl("attendance", "results-from", "2026-01-01")


def main():
    a = Kiosk(roster_doc=roster())
    b = Kiosk()
    try:
        run(a, b)
    finally:
        a.cleanup()
        b.cleanup()
    done()


def run(a, b):
    generate(a)
    token = a.ctl("token", "create", "--scope", "payroll", "--name", "lonn").stdout.strip()
    shutil.rmtree(b.state, ignore_errors=True)
    shutil.copytree(a.state, b.state)
    a.start()
    # The start-up recompute writes day results; a close asked meanwhile computes again
    # (nothing prepared is used after a write).  Wait until it is quiet.
    last, quiet = None, 0
    for _ in range(300):
        n = a.logtext(10 ** 7).count("recompute:")
        quiet = quiet + 1 if n == last else 0
        last = n
        if quiet >= 10:
            break
        time.sleep(0.2)
    st, body = call(a, "GET", "/api/v1/periods", token)
    periods = {p["from"]: p["id"] for p in json.loads(body)["periods"]}
    feb, jan = periods["2026-02-01"], periods["2026-01-01"]
    st, body = call(a, "POST", "/api/v1/periods/%d/close" % feb, token,
                    json.dumps({"reason": "February"}))
    ok(st == 200, "POST close: February closes", body)
    ok(", computed off the loop)" in a.logtext(100000),
       "the lines were computed ahead on the reports thread",
       [x for x in a.logtext(100000).splitlines() if "period" in x or "recompute" in x][-8:])
    # The other copy: the close computed inside the command, without a daemon.
    b.ctl("period", "list")
    r = b.ctl("period", "close", str(feb), check=False)
    ok(r.returncode == 0, "stempelctl period close on the copy", r.stdout + r.stderr)
    la, da = frozen(a, feb)
    lb, db = frozen(b, feb)
    ok(len(la) >= 1 and la == lb,
       "every frozen line is the same either way (%d lines)" % len(la),
       [x for x in zip(la, lb) if x[0] != x[1]][:2])
    ok(len(da) > N and da == db, "every frozen day is the same either way (%d days)" % len(da))
    money = sum(1 for _, _, j in la if json.loads(j).get("gross") not in (None, "0.00"))
    ok(money > 0, "the lines carry money (%d with a gross amount)" % money)

    # January too, after a correction on both copies.
    a.ctl("correction", "add", "P-001", "2026-01-20", "08:00", "in", "--reason", "late",
          check=False)
    b.ctl("correction", "add", "P-001", "2026-01-20", "08:00", "in", "--reason", "late",
          check=False)
    st, body = call(a, "POST", "/api/v1/periods/%d/close" % jan, token)
    r = b.ctl("period", "close", str(jan), check=False)
    ok(st == 200 and r.returncode == 0, "January closes on both copies", body)
    ok(frozen(a, jan) == frozen(b, jan), "January's lines and days are the same either way")
    ok(a.stop() == 0, "the daemon stops cleanly")


if __name__ == "__main__":
    main()
