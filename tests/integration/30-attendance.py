#!/usr/bin/env python3
"""Day results in a real stempeld: the past is computed once at start, a day is
stored when it is final: its last session has ended plus settle_minutes (the timer), a tap or an absence
recomputes its day and queues a day_result event only when the result changed,
and restarting the daemon changes nothing.  The wall clock is set with
STEMPEL_CLOCK_OFFSET_S (daemon and stempelctl alike)."""
import calendar
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done  # noqa: E402

# Monday 2026-03-16, 08:59:45 UTC: P-1's only session ends at 09:00.
START = calendar.timegm((2026, 3, 16, 8, 59, 45))
os.environ["STEMPEL_CLOCK_OFFSET_S"] = str(START - int(time.time()))
# ... and that date counts as a trusted clock (it is before this build's date)
os.environ["STEMPEL_CLOCK_EPOCH"] = str(START - 365 * 86400)
TODAY = "2026-03-16"


def person(pid, card, start, end):
    return {"id": pid, "name": "Name " + pid, "language": "nb",
            "programme_start": "2026-03-02", "cards": [card],
            "schedule": {"template": [{"weekdays": [1, 2, 3, 4, 5], "start": start,
                                       "end": end}]}}


ROSTER = {"participants": [person("P-1", "04A10001", "08:00", "09:00"),
                           person("P-2", "04A10002", "08:00", "15:30")]}


def result(k, ext, date):
    rows = k.db("SELECT d.json FROM day_results d JOIN participants p ON p.id = d.participant_id"
                " WHERE p.ext_id = ? AND d.date = ?", (ext, date))
    return json.loads(rows[0][0]) if rows else None


def events(k, type_="day_result"):
    return k.db("SELECT count(*) FROM outbox WHERE type = ?", (type_,))[0][0]


def wait(cond, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    return cond()


def regimes_settling_at_once():
    """The shipped regimes with settle_minutes = 0: the session-end timer then settles
    the day at its end, inside this test's time (the 60-minute default is tested in
    test_attendance and 33-period-life)."""
    import re
    import tempfile
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "board",
                       "regimes")
    dst = tempfile.mkdtemp(prefix="stempel-regimes-")
    for name in os.listdir(src):
        with open(os.path.join(src, name)) as f:
            text = f.read()
        text = re.sub(r"(\[settle_minutes\][^\[]*?value = )\d+", r"\g<1>0", text)
        with open(os.path.join(dst, name), "w") as f:
            f.write(text)
    return dst


k = Kiosk(roster_doc=ROSTER,
          config_extra="[kiosk]\nregime_dir = %s\n" % regimes_settling_at_once())
try:
    # Without it, the first start would keep day results from today on only.
    k.ctl("attendance", "results-from", "2026-03-02")
    k.start()
    # At start: every weekday since the programme start, before today, for both.
    past = wait(lambda: k.db("SELECT count(*) FROM day_results WHERE date < ?",
                             (TODAY,))[0][0] == 20)
    ok(past, "at start the daemon stores the results of the 10 past weekdays of each",
       k.db("SELECT participant_id, date FROM day_results"))
    r = result(k, "P-1", "2026-03-13")
    ok(r and r["scheduled_min"] == 60 and r["unexcused_min"] == 60,
       "a past day without taps is unexcused", r)
    ok(events(k) == 20, "one day_result event per stored day", events(k))

    reply = k.tap("04A10001")
    ok(result(k, "P-1", TODAY) is None or result(k, "P-1", TODAY)["attended_min"] == 1,
       "today is not stored before its last session ends", reply)
    # The session-end timer (09:00) settles the day: in at 08:59, presence to the end.
    r = wait(lambda: result(k, "P-1", TODAY), timeout=30)
    ok(r and r["attended_min"] == 1 and "missing_tap_out" in r["flags"],
       "the session-end timer stores today's result (1 minute, forgotten tap-out)", r)
    ok(result(k, "P-2", TODAY) is None, "a day whose session runs on is not stored yet",
       result(k, "P-2", TODAY))

    # A tap after the end recomputes that day at once: the forgotten tap-out is there now.
    n = events(k)
    k.tap("04A10001")
    r = wait(lambda: "missing_tap_out" not in (result(k, "P-1", TODAY) or {}).get("flags", [
        "missing_tap_out"]) and result(k, "P-1", TODAY))
    ok(r and "missing_tap_out" not in r["flags"] and r["attended_min"] == 1,
       "a tap recomputes its day (tap-out recorded)",
       (result(k, "P-1", TODAY), k.db("SELECT local_min, direction, outcome FROM taps")))
    ok(events(k) == n + 1, "exactly one new day_result event for the changed day",
       (n, events(k)))

    # An absence registered with stempelctl recomputes the days it covers.
    n = events(k)
    r = k.ctl("absence", "add", "P-2", "sick_doctor", "2026-03-12", "2026-03-13",
              "--documentation", "doctor_note", check=False)
    ok(r.returncode == 0 and len(r.stdout.strip()) == 36, "absence add prints its id",
       r.stdout + r.stderr)
    r12 = result(k, "P-2", "2026-03-12")
    ok(r12 and r12["excused_min"] == {"sick_doctor": 450} and r12["unexcused_min"] == 0,
       "the absence's days are recomputed", r12)
    ok(events(k) == n + 2 and events(k, "absence") == 1,
       "two day_result events and one absence event", (n, events(k), events(k, "absence")))
    ok(k.db("SELECT count(*) FROM audit WHERE action = 'absence.register'")[0][0] == 1,
       "the absence is in the audit log")
    bad = k.ctl("absence", "add", "P-2", "sick_cat", "2026-03-12", check=False)
    ok(bad.returncode == 2 and "category" in bad.stderr, "an unknown category is refused",
       bad.stderr)

    # Restart: the same results, and no event re-sent.
    before = k.db("SELECT participant_id, date, json FROM day_results ORDER BY 1, 2")
    n = events(k)
    ok(k.stop() == 0, "stempeld stops cleanly")
    k.start()
    time.sleep(3)
    after = k.db("SELECT participant_id, date, json FROM day_results ORDER BY 1, 2")
    ok(before == after, "restarting the daemon changes no day result")
    ok(events(k) == n, "restarting the daemon queues no day_result event", (n, events(k)))
    ok(k.ctl("attendance", "results-from").stdout.strip() == "2026-03-02",
       "the first start did not move an explicit results-from")
    # A roster import (another writer) changes P-2's schedule: the daemon notices.
    n = events(k)
    ROSTER["participants"][1]["schedule"]["template"][0]["end"] = "12:00"
    path = os.path.join(k.dir, "roster2.json")
    with open(path, "w") as f:
        json.dump(ROSTER, f)
    k.ctl("roster", "import", path)
    r9 = wait(lambda: (result(k, "P-2", "2026-03-09") or {}).get("scheduled_min") == 240 and
              result(k, "P-2", "2026-03-09"), timeout=30)
    ok(r9 and r9["unexcused_min"] == 240,
       "a schedule changed by a roster import is recomputed by the daemon", r9)
    ok(events(k) >= n + 10, "and its changed days are sent again", (n, events(k)))
    r = k.ctl("attendance", "show", "P-2", "2026-03-09", "2026-03-13", check=False)
    doc = json.loads(r.stdout) if r.returncode == 0 else {}
    ok(doc.get("totals", {}).get("excused_min") == {"sick_doctor": 2 * 240} and
       doc.get("quotas", {}).get("child_sick_days", {}).get("left") == 10,
       "stempelctl attendance shows the days and the quotas", r.stdout[-800:] + r.stderr)
finally:
    k.cleanup()
done()
