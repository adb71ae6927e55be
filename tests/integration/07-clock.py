#!/usr/bin/env python3
"""Clock trouble, through the injectable clock source (STEMPEL_CLOCK_FILE,
STEMPEL_CLOCK_OFFSET_S): a jump forward and back during the day, and a boot
with the clock in 1970.  Taps keep being recorded and answered, each carries
its clock flag (in the database and in the upload event), /healthz fails on
the clock and the kiosk screen shows the warning."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import Kiosk, ok, done, roster, noon_clock  # noqa: E402

k = Kiosk(roster_doc=roster(3), debounce=0)
clockfile = os.path.join(k.dir, "clock")
try:
    with open(clockfile, "w") as f:
        f.write("0\n")
    k.start(env={"STEMPEL_CLOCK_FILE": clockfile})
    k.follow_events()

    def tap_clock(uid="04A10000"):
        k.tap(uid)
        a = k.next_tap(5)
        return a and a["clock"], a

    c, a = tap_clock()
    ok(c == "synced" and a["outcome"].startswith("accepted"), "a normal tap is 'synced'", a)
    with open(clockfile, "w") as f:
        f.write("7200\n")  # the wall clock jumps two hours forward
    time.sleep(0.05)
    c, a = tap_clock()
    ok(c == "jumped" and a["outcome"].startswith("accepted"),
       "after a jump forward the tap is recorded and flagged 'jumped'", a)
    status, body = k.get("/healthz")
    ok(status == 503 and '"clock":{"ok":false,"state":"jumped"}' in body,
       "/healthz fails on the clock", body)
    st = k.screen_status()
    ok(st and st["clock"] == "jumped", "the kiosk screen shows the clock warning", st)
    with open(clockfile, "w") as f:
        f.write("0\n")  # and back
    time.sleep(0.05)
    c, a = tap_clock()
    ok(c == "jumped" and a["outcome"].startswith("accepted"),
       "after a jump back the tap is recorded and flagged 'jumped'", a)
    rows = k.db("SELECT clock, count(*) FROM taps GROUP BY clock")
    ok(dict(rows) == {"synced": 1, "jumped": 2}, "the database keeps each tap's clock flag", rows)
    events = [json.loads(r[0]) for r in k.db("SELECT json FROM outbox WHERE type = 'tap'"
                                             " ORDER BY seq")]
    ok([e["clock"] for e in events] == ["synced", "jumped", "jumped"],
       "the upload events carry the clock flag", str(events)[:1500])
    k.stop()
    print("# fault: clock jump forward and back | tried 2 jumps, 3 taps | expected taps recorded "
          "and flagged, health failing | saw flags %s" % dict(rows))

    # boot a new kiosk with the clock in 1970
    k.cleanup()
    k = Kiosk(roster_doc=roster(3), debounce=0)
    k.start(env={"STEMPEL_CLOCK_OFFSET_S": str(-int(time.time()) + 86400 + 9 * 3600)})
    k.follow_events()
    c, a = tap_clock("04A10001")
    ok(c == "unsynced" and a["outcome"] != "storage_error",
       "booted in 1970: the tap is recorded and flagged 'unsynced'", a)
    rows = k.db("SELECT local_date, clock FROM taps ORDER BY id DESC LIMIT 1")
    ok(rows == [("1970-01-02", "unsynced")], "its date is the untrusted 1970 date, flagged", rows)
    status, body = k.get("/healthz")
    ok(status == 503 and '"state":"unsynced"' in body, "/healthz fails on the clock", body)
    time.sleep(1)
    n = k.db("SELECT count(*) FROM day_results")[0][0]
    since = k.ctl("attendance", "results-from").stdout.strip()
    ok(n == 0 and not since.startswith("1970"),
       "untrusted clock: no day results booked, no 1970 service date", "%d results, %s" % (n, since))
    k.stop()
    # The clock is right again: at 12:00 UTC on noon_clock's day (today), so that
    # "today" below is the kiosk's date even when the run crosses midnight.
    clock, today = noon_clock()
    k.start(env=clock)
    time.sleep(1)
    since = k.ctl("attendance", "results-from").stdout.strip()
    ok(since == today.isoformat(), "clock trusted again: the service date is today's date", since)
    k.stop()
    print("# fault: boot with the clock at 1970 | tried 1 tap | expected recorded, flagged "
          "unsynced | saw %s" % rows)
finally:
    k.cleanup()
done()
