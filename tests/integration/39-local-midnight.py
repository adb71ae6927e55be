#!/usr/bin/env python3
"""The day turns at the kiosk's local midnight, not at UTC's.  A kiosk in Europe/Oslo
(UTC+1 in December) runs from 23:59:40 local on Thursday 2026-12-03 (22:59:40 UTC; its
own clock, STEMPEL_CLOCK_OFFSET_S) across midnight: a tap before it is Thursday's, the
next after it is Friday's and checks in again (a new day, not a check-out), Thursday's
day results turn final at midnight (its session ends at 23:00, plus 60 settle minutes)
without a restart or a tap, and Friday's is not final.  The UTC date stays 2026-12-03
throughout, so a day taken from UTC would show.  About 25 s."""
import calendar
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, clock_at, ok, done  # noqa: E402

# 23:59:40 in Oslo on Thursday 2026-12-03 is 22:59:40 UTC.
START = calendar.timegm((2026, 12, 3, 22, 59, 40))
# The session ends at 23:00; with settle_minutes 60 (the regime's) the day is final at
# 24:00 local exactly.
DAY = {"template": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:00"}]}
ROSTER = {"participants": [
    {"id": "P-1", "name": "Amina", "programme_start": "2026-11-02", "cards": ["04A1B201"],
     "schedule": DAY},
    {"id": "P-2", "name": "Jonas", "programme_start": "2026-11-02", "cards": ["04A1B202"],
     "schedule": DAY},
]}


def kiosk_now(k):
    """The kiosk's wall clock (s), from the offset this test gave it."""
    return time.time() + k.offset


def day_result(k, pid, day):
    rows = k.db("SELECT d.json FROM day_results d JOIN participants p ON p.id ="
                " d.participant_id WHERE p.ext_id = ? AND d.date = ?", (pid, day))
    return json.loads(rows[0][0]) if rows else None


k = Kiosk(roster_doc=ROSTER, config_extra="[kiosk]\ntimezone = Europe/Oslo\n")
try:
    k.ctl("attendance", "results-from", "2026-11-02")
    k.offset = START - time.time()
    k.start(env=clock_at(START, trusted_days=60))
    k.follow_events()

    # --- before midnight: Thursday ---
    k.tap("04A1B201")
    a = k.next_tap(5)
    ok(a and a["outcome"] == "accepted_in" and a["time"] == "23:59",
       "23:59 local: P-1 checks in", a)
    k.tap("04A1B202")
    k.next_tap(5)
    k.tap("04A1B202")
    a = k.next_tap(5)
    ok(a and a["outcome"] == "accepted_out", "23:59 local: P-2 checks in and out again", a)
    rows = k.db("SELECT local_date FROM taps ORDER BY id")
    ok(rows == [("2026-12-03",)] * 3, "the three taps are Thursday's (local date)", rows)
    thu = [day_result(k, p, "2026-12-03") for p in ("P-1", "P-2")]
    ok(all(r is None or r["state"] == "open" for r in thu),
       "before midnight Thursday is still open (23:00 + 60 settle minutes)", thu)

    # --- past local midnight (23:00 UTC, still 2026-12-03 in UTC) ---
    while kiosk_now(k) < START + 22:
        time.sleep(0.2)
    k.tap("04A1B201")
    a = k.next_tap(5)
    ok(a and a["outcome"] == "accepted_in" and a["time"] == "00:00",
       "00:00 local: P-1's next tap checks her in on the new day, not out", a)
    rows = k.db("SELECT local_date FROM taps ORDER BY id DESC LIMIT 1")
    ok(rows == [("2026-12-04",)], "that tap is Friday's (local date; UTC is still the 3rd)",
       rows)

    # Midnight books Thursday for everyone, without a restart or a tap.
    deadline = time.time() + 20
    while time.time() < deadline:
        thu = [day_result(k, p, "2026-12-03") for p in ("P-1", "P-2")]
        if all(r and r["state"] == "final" for r in thu):
            break
        time.sleep(0.2)
    ok(all(r and r["state"] == "final" for r in thu),
       "after local midnight Thursday's day results are final for both", thu)
    ok(all(r and r["scheduled_min"] == 1380 and r["unexcused_min"] == 1380 for r in thu),
       "Thursday: 1,380 minutes scheduled, all unexcused (the taps came after 23:00)", thu)
    fri = day_result(k, "P-1", "2026-12-04")
    ok(fri is None or fri["state"] != "final", "Friday is not final at 00:00", fri)
    status, body = k.get("/healthz")
    ok(status == 200, "/healthz is well across midnight", body)
    k.stop()
finally:
    k.cleanup()
done()
