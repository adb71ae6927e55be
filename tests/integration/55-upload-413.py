#!/usr/bin/env python3
"""55-upload-413.py — a proxy in front of the receiver answers 413 to every
batch, single events included, for a while; then the receiver answers normally.
PROTOCOL.md §1: a size limit is never a reason to drop an event.  The kiosk
halves down to one event, then backs off with the event_too_large alarm, keeping
every event pending; once the receiver takes a batch the reduced size is
forgotten and every event is delivered, none dead-lettered.  Then a dead
letter (an event the receiver rejects on purpose) is listed by `stempelctl
outbox dead list` and shown to an administrator on the board; once the receiver
takes it, `stempelctl outbox dead retry ID` delivers it exactly once, audited.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiosklib  # noqa: E402
import munilib  # noqa: E402
from kiosklib import ok  # noqa: E402

TAPS = 60


def alarms(kiosk):
    return [a["name"] for a in munilib.upload_check(kiosk).get("alarms", [])]


def dead_letter_retry(s, muni, kiosk):
    n = len(kiosk.db("SELECT id FROM outbox"))
    muni.fault("500")  # the receiver must not take it before it is poisoned
    kiosk.tap("0DEAD001")
    munilib.wait_for(lambda: len(kiosk.db("SELECT id FROM outbox")) == n + 1, 10)
    victim = kiosk.db("SELECT id FROM outbox ORDER BY seq DESC LIMIT 1")[0][0]
    muni.poison(victim, "reject")
    muni.fault("none")
    dead = munilib.wait_for(lambda: kiosk.db(
        "SELECT state FROM outbox_state WHERE id = ?", (victim,))[0][0] == "dead", 20)
    ok(dead, "an event rejected on purpose is a dead letter")
    r = kiosk.ctl("outbox", "dead", "list", check=False)
    ok(r.returncode == 0 and victim in r.stdout and "1 dead letter" in r.stdout,
       "stempelctl outbox dead list shows it with the reason", r.stdout + r.stderr)
    r = munilib.add_user(kiosk, "ada", "admin", "admin password 1")
    b = munilib.Board(kiosk.port)
    b.login("ada", "admin password 1")
    st, page = b.req("GET", "/board/dead")
    ok(st == 200 and victim in page and "poisoned" in page,
       "an administrator sees the dead letter and its reason on the board", st)
    r = kiosk.ctl("outbox", "dead", "retry", "not-an-event", check=False)
    ok(r.returncode == 2, "retrying what is not a dead letter is refused", r.stderr)
    muni.poisons.clear()
    muni.ctl("/poison", clear=1)
    r = kiosk.ctl("outbox", "dead", "retry", victim, check=False)
    ok(r.returncode == 0, "stempelctl outbox dead retry ID", r.stdout + r.stderr)
    delivered = munilib.wait_for(lambda: kiosk.db(
        "SELECT state FROM outbox_state WHERE id = ?", (victim,))[0][0] == "delivered", 20)
    rows = muni.db("SELECT deliveries FROM events WHERE id = ?", (victim,))
    ok(delivered and rows == [(1,)], "the retried dead letter is delivered once (%s)" % rows)
    audit = kiosk.db("SELECT who, action, detail FROM audit WHERE action = 'outbox.retry'")
    ok(len(audit) == 1 and victim in audit[0][2] and audit[0][0].startswith("cli:"),
       "the retry is in the audit log", audit)
    r = kiosk.ctl("outbox", "dead", "retry", "--all", check=False)
    ok(r.returncode == 2 and "no dead letters" in r.stderr, "nothing left to retry", r.stderr)


def main():
    with munilib.Session("413") as s:
        muni = s.muni().start()
        muni.fault("413", n=0)  # every batch is "too large", even one event
        kiosk = s.kiosk(munilib.upload_config(muni, batch_max=50, backoff_max_s=1))
        munilib.tap_many(kiosk, munilib.random_uids(TAPS, seed=55), conns=1)
        raised = munilib.wait_for(lambda: "event_too_large" in alarms(kiosk), 30, 0.2)
        ok(raised, "413 to a one-event batch raises event_too_large",
           json.dumps(munilib.upload_check(kiosk)))
        # Several more backoffs with single events refused.
        before = muni.total("requests", "events", "413")
        munilib.wait_for(lambda: muni.total("requests", "events", "413") >= before + 5, 30, 0.2)
        singles = muni.total("requests", "events", "413") - before
        ok(singles >= 5, "the kiosk keeps retrying the single event (%d more 413s)" % singles)
        dead = kiosk.db("SELECT count(*) FROM outbox_state WHERE state = 'dead'")[0][0]
        pending = kiosk.db("SELECT count(*) FROM outbox_state WHERE state = 'pending'")[0][0]
        ok(dead == 0 and pending == TAPS,
           "while refused with 413 nothing is dead-lettered (%d dead, %d pending)" % (dead, pending))
        up = munilib.upload_check(kiosk)
        ok(up.get("batch_size") == 1, "batch size is down to one event", json.dumps(up))

        muni.fault("none")
        drained = munilib.wait_for(lambda: munilib.upload_check(kiosk).get("pending") == 0, 30)
        up = munilib.upload_check(kiosk)
        ids = set(r[0] for r in kiosk.db("SELECT id FROM outbox"))
        got = muni.event_ids()
        ok(drained and set(got) == ids and len(got) == TAPS,
           "every event delivered once (%d of %d)" % (len(got), TAPS), json.dumps(up))
        dead = kiosk.db("SELECT count(*) FROM outbox_state WHERE state = 'dead'")[0][0]
        ok(dead == 0 and up.get("dead") == 0, "none dead-lettered (%d)" % dead)
        ok("event_too_large" not in alarms(kiosk), "the alarm cleared", json.dumps(up))
        ok(up.get("batch_size") == 50, "the reduced size is forgotten after a success (%s)"
           % up.get("batch_size"))
        # How many batches the drain took: the full size came back at once.
        dead_letter_retry(s, muni, kiosk)
        print("# fault: 413 to every batch, single events included, then normal | %d taps | "
              "alarm, nothing dead, all delivered once | %d delivered, %d dead, alarm %s"
              % (TAPS, len(got), dead, "raised then cleared" if raised else "never raised"))
    kiosklib.done()


if __name__ == "__main__":
    main()
