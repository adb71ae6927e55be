#!/usr/bin/env python3
"""51-upload-crash.py — kill -9 of stempeld while it uploads, five rounds.

A backlog is recorded while the receiver is down; then the receiver comes up
with slow answers (so a batch is in flight most of the time) and stempeld is
killed with SIGKILL at random moments and restarted, with new taps in between.
Afterwards every event in the kiosk's outbox is at the receiver exactly once,
and the receiver has nothing else.
"""
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiosklib  # noqa: E402
import munilib  # noqa: E402
from kiosklib import ok  # noqa: E402

BACKLOG = 3000
ROUNDS = 5


def main():
    with munilib.Session("crash") as s:
        muni = s.muni(roster=s.write_json("roster.json", kiosklib.roster(5)))
        kiosk = s.kiosk(munilib.upload_config(muni, batch_max=100, timeout_s=3, backoff_max_s=1))
        run(kiosk, muni)
    kiosklib.done()


def run(kiosk, muni):
    uids = munilib.random_uids(BACKLOG + ROUNDS * 100, seed=51)
    munilib.tap_many(kiosk, uids[:BACKLOG], conns=2)
    recorded = munilib.wait_for(
        lambda: kiosk.db("SELECT count(*) FROM outbox WHERE type LIKE 'tap%'")[0][0] == BACKLOG,
        30)
    ok(recorded, "a backlog of %d events recorded while the receiver is down" % BACKLOG)

    muni.start()
    muni.fault("slow", delay_ms=300)  # every batch spends a while in flight
    rnd = random.Random(5)
    at_kill = []
    for r in range(ROUNDS):
        time.sleep(rnd.uniform(0.4, 1.2))
        at_kill.append((muni.stats()["events"], kiosk.db("SELECT count(*) FROM outbox")[0][0]))
        rc = kiosk.kill()
        kiosk.log.close()
        ok(rc == -9, "round %d: stempeld killed with SIGKILL mid-upload (%d of %d events at "
                     "the receiver)" % (r + 1, at_kill[-1][0], at_kill[-1][1]))
        kiosk.start()
        munilib.tap_many(kiosk, uids[BACKLOG + r * 100:BACKLOG + (r + 1) * 100], conns=1)
    ok(all(0 < there < recorded for there, recorded in at_kill),
       "every kill fell in the middle of the drain", json.dumps(at_kill))

    muni.fault("none")
    total = kiosk.db("SELECT count(*) FROM outbox")[0][0]
    drained = munilib.wait_for(lambda: munilib.upload_check(kiosk).get("pending") == 0, 90, 0.3)
    ok(drained, "the outbox drained after the last restart",
       json.dumps(munilib.upload_check(kiosk)))
    kiosk.stop()

    kiosk_ids = {r[0] for r in kiosk.db("SELECT id FROM outbox")}
    states = dict(kiosk.db("SELECT state, count(*) FROM outbox_state GROUP BY state"))
    rows = muni.db("SELECT id, deliveries FROM events")
    got = [r[0] for r in rows]
    ok(len(got) == len(set(got)) == len(kiosk_ids) and set(got) == kiosk_ids,
       "exactly once at the receiver: all %d kiosk events, nothing else" % len(kiosk_ids),
       "kiosk %d (outbox %d), receiver %d; missing %d; unexpected %d" % (
           len(kiosk_ids), total, len(got), len(kiosk_ids - set(got)),
           len(set(got) - kiosk_ids)))
    ok(states == {"delivered": len(kiosk_ids)}, "every kiosk event is marked delivered",
       json.dumps(states))
    resent = sum(r[1] - 1 for r in rows)
    ok(True, "batches cut off by a kill were sent again and answered duplicate (%d events)"
       % resent)
    ok(muni.total("out_of_order") == 0, "new events arrived in seq order across the restarts")


if __name__ == "__main__":
    main()
