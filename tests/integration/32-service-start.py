#!/usr/bin/env python3
"""Days before the kiosk went into service were never observed: they are not
absences.  The daemon's first start records its service date; before it
nothing is scheduled (no unexcused minutes, no deduction), from it on the
rules apply; `stempelctl attendance results-from DATE` moves the date back
when a centre had the kiosk (or paper lists entered as corrections) earlier."""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import Kiosk, ok, done  # noqa: E402

ROSTER = {"participants": [{"id": "P-1", "name": "Amina", "programme_start": "2026-01-05",
                            "cards": ["04A1B201"],
                            "schedule": {"template": [{"weekdays": [1, 2, 3, 4, 5],
                                                       "start": "08:00", "end": "15:30"}]}}]}
k = Kiosk(roster_doc=ROSTER)
try:
    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday() + 14)  # two weeks back
    friday = monday + datetime.timedelta(days=4)
    k.start()
    k.stop()
    since = k.ctl("attendance", "results-from").stdout.strip()
    ok(since == today.isoformat(), "the first start records today as the service date", since)

    def totals():
        out = k.ctl("attendance", "show", "P-1", monday.isoformat(), friday.isoformat()).stdout
        return json.loads(out)["totals"]
    t = totals()
    ok(t["scheduled_min"] == 0 and t["unexcused_min"] == 0 and t["deduction"] == "0.00",
       "days before the service date are not scheduled: no unexcused minutes, no deduction", t)
    k.ctl("attendance", "results-from", monday.isoformat())
    t = totals()
    ok(t["scheduled_min"] == 5 * 450 and t["unexcused_min"] == 5 * 450 and t["deduction"] != "0.00",
       "moved back: the same week is judged (5 days unexcused)", t)
finally:
    k.cleanup()
done()
