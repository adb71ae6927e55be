#!/usr/bin/env python3
"""59-upload-steps.py — upload bookkeeping in small steps (issue 20).  520 events wait
while the receiver answers 500; then it takes them.  The kiosk still sends batches of
up to batch_max = 500 events (PROTOCOL.md unchanged), but reads each batch and marks
its answer at most 50 events per transaction, one step per turn of the loop
(/metrics: stempel_outbox_read_steps_total, stempel_outbox_mark_transactions_total,
stempel_outbox_mark_rows_max).  Every event is delivered exactly once, none is dead,
and a second connection sees the marking progress in steps of 50.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiosklib  # noqa: E402
import munilib  # noqa: E402
from kiosklib import ok  # noqa: E402

TAPS = 520


def main():
    with munilib.Session("steps") as s:
        muni = s.muni().start()
        muni.fault("500")
        kiosk = s.kiosk(munilib.upload_config(muni, batch_max=500, backoff_max_s=1))
        # counted from before the taps: the kiosk may read the 500-event batch while
        # the receiver still fails, and send it again without reading it again
        reads0 = munilib.metric(kiosk, "stempel_outbox_read_steps_total")
        answered = munilib.tap_many(kiosk, munilib.random_uids(TAPS, seed=59), conns=4)
        ok(answered == TAPS, "%d taps answered" % answered)
        pending = kiosk.db("SELECT count(*) FROM outbox_state WHERE state = 'pending'")[0][0]
        ok(pending >= TAPS, "the events wait while the receiver fails (%d pending)" % pending)
        tx0 = munilib.metric(kiosk, "stempel_outbox_mark_transactions_total")
        ok200 = muni.total("requests", "events", "200")

        # A second connection watches the delivered count while the kiosk marks.
        seen, stop = set(), threading.Event()

        def watch():
            while not stop.is_set():
                seen.add(kiosk.db("SELECT count(*) FROM outbox_state WHERE state = 'delivered'")[0][0])

        t = threading.Thread(target=watch, daemon=True)
        t.start()
        muni.fault("none")
        done = munilib.wait_for(lambda: kiosk.db(
            "SELECT count(*) FROM outbox_state WHERE state = 'pending'")[0][0] == 0, 60, 0.2)
        stop.set()
        t.join(10)
        ok(done, "every event is delivered once the receiver takes them")
        total = kiosk.db("SELECT count(*) FROM outbox")[0][0]
        ok(kiosk.db("SELECT count(*) FROM outbox_state WHERE state = 'dead'")[0][0] == 0,
           "no dead letter")
        rows = muni.db("SELECT count(*), max(deliveries) FROM events")[0]
        ok(rows[0] == total and rows[1] == 1,
           "the receiver has every event exactly once (%s of %d)" % (rows, total))
        batches = muni.total("requests", "events", "200") - ok200
        ok(1 <= batches <= 3, "the events went in batches of up to 500 (%d batches)" % batches)
        tx = munilib.metric(kiosk, "stempel_outbox_mark_transactions_total") - tx0
        rmax = munilib.metric(kiosk, "stempel_outbox_mark_rows_max")
        reads = munilib.metric(kiosk, "stempel_outbox_read_steps_total") - reads0
        ok(tx >= total / 50 and 0 < rmax <= 50,
           "marked in %d transactions of at most %d events" % (tx, rmax))
        ok(reads >= 10, "the 500-event batch was read in steps of 50 (%d reads)" % reads)
        ok(all(n % 50 == 0 or n >= 500 for n in seen),
           "a second connection sees the marking in steps of 50 (%s)" % sorted(seen)[:20])
        ok(kiosk.stop() == 0, "the kiosk stops cleanly")
    kiosklib.done()


if __name__ == "__main__":
    main()
