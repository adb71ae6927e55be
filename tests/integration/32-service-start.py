#!/usr/bin/env python3
"""Days before the kiosk went into service were never observed: they are not
absences.  The daemon's first start records its service date; before it
nothing is scheduled (no unexcused minutes, no deduction), from it on the
rules apply; `stempelctl attendance results-from DATE` moves the date back
when a centre had the kiosk (or paper lists entered as corrections) earlier.
A kiosk first started after a session of that day ended warns that the day counts
and names the next day to start from; one started before the day's sessions does not."""
import calendar
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import Kiosk, clock_at, ok, done, noon_clock, holiday  # noqa: E402

# The kiosk (daemon and stempelctl) lives at 12:00 UTC today: "today" is its date
# at any hour of the run and in any zone of the host.
CLOCK, TODAY = noon_clock()
os.environ.update(CLOCK)

ROSTER = {"participants": [{"id": "P-1", "name": "Amina", "programme_start": "2026-01-05",
                            "cards": ["04A1B201"],
                            "schedule": {"template": [{"weekdays": [1, 2, 3, 4, 5],
                                                       "start": "08:00", "end": "15:30"}]}}]}
k = Kiosk(roster_doc=ROSTER)
try:
    today = TODAY
    monday = today - datetime.timedelta(days=today.weekday() + 14)  # two weeks back
    # or earlier: a week with no public holiday, so that all five days are scheduled
    while any(holiday(monday + datetime.timedelta(days=i)) for i in range(5)):
        monday -= datetime.timedelta(days=7)
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

EVERY_DAY = {"participants": [dict(ROSTER["participants"][0], schedule={"template": [
    {"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "08:30", "end": "14:30"}]})]}


def first_start_at(hhmm):
    """A fresh kiosk's first start with its clock at HH:MM (UTC, its zone) on TODAY
    (noon_clock's day: no public holiday, so the 08:30-14:30 session is held):
    the log's line about the service date."""
    h, m = map(int, hhmm.split(":"))
    env = clock_at(calendar.timegm(TODAY.timetuple()) + h * 3600 + m * 60, trusted_days=2)
    f = Kiosk(roster_doc=EVERY_DAY)
    try:
        f.start(env=env)
        deadline = time.time() + 20
        while time.time() < deadline and "in service from" not in f.logtext(100000):
            time.sleep(0.1)
        f.stop()
        lines = [ln for ln in f.logtext(100000).splitlines() if "in service from" in ln]
        return lines[0] if lines else ""
    finally:
        f.cleanup()


today = TODAY
late = first_start_at("18:12")
tomorrow = (today + datetime.timedelta(days=1)).isoformat()
ok("after a session of today ended at 14:30" in late and
   "stempelctl attendance results-from %s" % tomorrow in late,
   "first start at 18:12 after a 08:30-14:30 session: a warning that today counts, naming "
   "tomorrow's date to start from", late)
early = first_start_at("07:00")
ok("in service from %s 07:00" % today.isoformat() in early and "ended" not in early,
   "first start at 07:00, before the day's session: the service date, no warning", early)
done()
