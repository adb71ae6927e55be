#!/usr/bin/env python3
"""54-upload-refuse-all.py — a receiver that answers 400 to every batch (a
broken deployment, not bad events).  Halving isolates event after event; after
ten refused on their own with nothing delivered in between the kiosk stops
dead-lettering, raises receiver_refuses_all and backs off, so the outbox is not
emptied into dead letters.  Once the receiver is fixed the rest is delivered
and the alarm clears.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiosklib  # noqa: E402
import munilib  # noqa: E402
from kiosklib import ok  # noqa: E402

TAPS = 40


def main():
    with munilib.Session("refuse-all") as s:
        muni = s.muni().start()
        muni.fault("400")
        kiosk = s.kiosk(munilib.upload_config(muni, backoff_max_s=1))
        munilib.tap_many(kiosk, munilib.random_uids(TAPS, seed=54), conns=1)
        alarm = munilib.wait_for(lambda: any(
            a["name"] == "receiver_refuses_all"
            for a in munilib.upload_check(kiosk).get("alarms", [])), 30, 0.2)
        up = munilib.upload_check(kiosk)
        ok(alarm, "a receiver refusing everything raises receiver_refuses_all", json.dumps(up))
        dead = kiosk.db("SELECT count(*) FROM outbox_state WHERE state = 'dead'")[0][0]
        ok(dead == 10, "no more than 10 events were dead-lettered (%d)" % dead)
        muni.fault("none")
        drained = munilib.wait_for(lambda: munilib.upload_check(kiosk).get("pending") == 0, 20)
        up = munilib.upload_check(kiosk)
        ok(drained and len(muni.event_ids()) == TAPS - 10,
           "fixed receiver: the other %d events delivered" % (TAPS - 10), json.dumps(up))
        ok(not up.get("alarms"), "and the alarm cleared", json.dumps(up))
    kiosklib.done()


if __name__ == "__main__":
    main()
