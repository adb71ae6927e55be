#!/usr/bin/env python3
"""A tap on a public holiday is answered "no class today", as on a closure day: the
rules schedule neither (RULES.md), so the kiosk does not say "checked in" for a day
that does not count.  The calendar is the participant's regime's: on 17 May 2028
(a Wednesday, Norway's Constitution Day, no Danish holiday) a participant under a
Norwegian regime has no class, one under the Danish regime has hers; on 18 May both do.  The taps are
recorded either way."""
import calendar
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, clock_at, ok, done  # noqa: E402

EVERY_DAY = {"template": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "08:00", "end": "16:00"}]}
ROSTER = {"participants": [
    {"id": "P-NO", "name": "Nour", "programme_start": "2027-01-04", "cards": ["04B10001"],
     "regime": "no-introduksjonsloven", "schedule": EVERY_DAY},
    {"id": "P-DK", "name": "Dana", "programme_start": "2027-01-04", "cards": ["04B10002"],
     "regime": "dk-integrationsprogram", "schedule": EVERY_DAY},
]}


def outcomes_on(day):
    """A fresh kiosk (timezone UTC) with its clock at 10:00 on `day`: each card's outcome."""
    env = clock_at(calendar.timegm(day.timetuple()) + 10 * 3600)
    os.environ.update(env)  # stempelctl too
    k = Kiosk(roster_doc=ROSTER)
    try:
        k.start(env=env)
        k.follow_events()
        got = {}
        for who, uid in (("P-NO", "04B10001"), ("P-DK", "04B10002")):
            k.tap(uid)
            ev = k.next_tap(10)
            got[who] = ev and ev.get("outcome")
        got["recorded"] = k.db("SELECT count(*) FROM taps")[0][0]
        k.stop()
        return got
    finally:
        k.cleanup()
        for key in env:
            del os.environ[key]


holiday = outcomes_on(datetime.date(2028, 5, 17))
ok(holiday["P-NO"] == "not_scheduled",
   "17 May, a Norwegian public holiday: the Norwegian regime's participant has no class", holiday)
ok(holiday["P-DK"] == "accepted_in",
   "17 May: the Danish regime's participant is checked in (not a Danish holiday)", holiday)
ok(holiday["recorded"] == 2, "both taps are recorded", holiday)
workday = outcomes_on(datetime.date(2028, 5, 18))
ok(workday["P-NO"] == "accepted_in" and workday["P-DK"] == "accepted_in",
   "18 May, an ordinary Thursday: both are checked in", workday)
done()
