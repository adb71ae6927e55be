#!/usr/bin/env python3
"""Incremental results: the daemon keeps each participant's quota state at every
pay-period start and at today (table quota_state), and resumes from it.  A
restart walks only the days since the last run (stempel_engine_day_walks_total stays
small, /healthz recompute_queue goes to 0); a late sick note three months back
walks from its pay period on, not from the programme start; an edited regime file
changes the results fingerprint, so every state is dropped and everyone is
computed from the start once, with the new numbers (a lower vacation quota)."""
import datetime
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import Kiosk, ok, done, holiday, noon_clock  # noqa: E402

N = 20
# The kiosk lives at 12:00 UTC today: "today" is its date at any hour and host zone.
CLOCK, today = noon_clock()
os.environ.update(CLOCK)
start = today - datetime.timedelta(days=365)
ROSTER = {"participants": [{
    "id": "P-%03d" % (i + 1), "name": "Participant %d" % (i + 1),
    "programme_start": start.isoformat(), "cards": ["%08X" % (0x04B10000 + i)],
    "schedule": {"template": [{"weekdays": [1, 2, 3, 4, 5], "start": "08:30",
                               "end": "14:30"}]}} for i in range(N)]}


def metric(k, name):
    _, body = k.get("/metrics")
    m = re.search(r"^%s (\S+)$" % name, body, re.M)
    return float(m.group(1)) if m else None


def wait_current(k, timeout=120):
    """Until nobody waits to be recomputed; the queue as last seen."""
    deadline = time.time() + timeout
    q = None
    while time.time() < deadline:
        status, body = k.get("/healthz")
        q = json.loads(body).get("recompute_queue")
        if q == 0:
            return 0
        time.sleep(0.1)
    return q


def unexcused(k, pid, day):
    """The stored day result's unexcused minutes (None if no result)."""
    rows = k.db("SELECT d.json FROM day_results d JOIN participants p ON p.id ="
                " d.participant_id WHERE p.ext_id = ? AND d.date = ?", (pid, day))
    return json.loads(rows[0][0]).get("unexcused_min") if rows else None


regimes = None
k = None
try:
    # A copy of the regime files this test may edit.
    import tempfile
    regimes = tempfile.mkdtemp(prefix="stempel-regimes-")
    for f in os.listdir("board/regimes"):
        shutil.copy(os.path.join("board/regimes", f), regimes)
    k = Kiosk(config_extra="[kiosk]\nregime_dir = %s\n" % regimes, roster_doc=ROSTER)
    k.ctl("attendance", "results-from", start.isoformat())
    # Three vacation days two weeks back (the quota is 25 a year).
    # (or a week earlier: three scheduled days, no public holiday, in one calendar year,
    # the quota's; the regime edit below leaves one day a year)
    vac = today - datetime.timedelta(days=today.weekday() + 14)
    while vac.year != (vac + datetime.timedelta(days=2)).year or \
            any(holiday(vac + datetime.timedelta(days=i)) for i in range(3)):
        vac -= datetime.timedelta(days=7)
    k.ctl("absence", "add", "P-003", "vacation", vac.isoformat(),
          (vac + datetime.timedelta(days=2)).isoformat())
    vac_days = [(vac + datetime.timedelta(days=i)).isoformat() for i in range(3)]

    k.start()
    ok(wait_current(k) == 0, "first start: /healthz recompute_queue reaches 0")
    first = metric(k, "stempel_engine_day_walks_total")
    states = k.db("SELECT count(*) FROM quota_state")[0][0]
    ok(first is not None and first >= N * 300,
       "first start computes everyone from the programme start (%s engine days)" % first)
    ok(states >= N * 12, "states saved at each pay period's start and today (%d)" % states)
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    while holiday(monday):  # Easter or Whit Monday, 1 Jan, ...: not scheduled
        monday -= datetime.timedelta(days=7)
    ok(unexcused(k, "P-001", monday.isoformat()) == 360, "an absent day is unexcused",
       unexcused(k, "P-001", monday.isoformat()))
    before = [unexcused(k, "P-003", d) for d in vac_days]
    ok(before == [0, 0, 0], "three vacation days are excused", before)
    k.stop()

    k.start()
    ok(wait_current(k) == 0, "restart: /healthz recompute_queue reaches 0")
    again = metric(k, "stempel_engine_day_walks_total")
    ok(again is not None and again <= N * 3,
       "restart walks only the days since the last run (%s engine days, %d participants)"
       % (again, N))

    # A late sick note three months back: from its pay period on.
    late = (today - datetime.timedelta(days=91))
    while late.weekday() > 4 or holiday(late):
        late -= datetime.timedelta(days=1)
    was = metric(k, "stempel_engine_day_walks_total")
    k.ctl("absence", "add", "P-002", "sick_doctor", late.isoformat())
    walked = metric(k, "stempel_engine_day_walks_total") - was
    ok(walked <= 130, "a sick note 91 days back walks its pay periods to today (%s days)" % walked)
    ok(unexcused(k, "P-002", late.isoformat()) == 0,
       "its day result is current at once (excused)", unexcused(k, "P-002", late.isoformat()))
    stale = k.db("SELECT count(*) FROM quota_state q JOIN participants p ON p.id ="
                 " q.participant_id WHERE p.ext_id = 'P-002'")[0][0]
    ok(stale > 0, "the participant's states were saved again")
    k.stop()

    # An edited regime file (one vacation day a year): a new fingerprint, everyone
    # from the start.
    path = os.path.join(regimes, "no-integreringsloven.ini")
    with open(path) as f:
        text = f.read()
    edited = text.replace("; Vacation days per calendar year.\nvalid_from = 2021-01-01\n"
                          "value = 25", "; Vacation days per calendar year.\n"
                          "valid_from = 2021-01-01\nvalue = 1")
    ok(edited != text, "the regime file is edited")
    with open(path, "w") as f:
        f.write(edited)
    k.start()
    ok(wait_current(k) == 0, "after the edit: /healthz recompute_queue reaches 0")
    full = metric(k, "stempel_engine_day_walks_total")
    ok(full is not None and full >= N * 300,
       "a changed regime file recomputes everyone from the start (%s engine days)" % full)
    ok("saved states dropped" in k.logtext(20000), "and says so in the log")
    after = [unexcused(k, "P-003", d) for d in vac_days]
    ok(after == [0, 360, 360],
       "the stored day results have the new numbers (one vacation day, two unexcused)", after)
    k.stop()
finally:
    if k:
        k.cleanup()
    if regimes:
        shutil.rmtree(regimes, ignore_errors=True)
done()
