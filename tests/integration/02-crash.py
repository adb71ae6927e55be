#!/usr/bin/env python3
"""Crash test: taps in a loop, kill -9 of stempeld at a random moment, 20
rounds on the same state dir.  After each restart every tap that was answered
as accepted is in the database exactly once, with its outbox event, and the
database passes integrity_check."""
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import Kiosk, ok, done, roster  # noqa: E402

ROUNDS = 20
rng = random.Random(int(os.environ.get("SEED", time.time())))
k = Kiosk(roster_doc=roster(20), debounce=0)
answered = []  # event ids answered accepted, over all rounds
try:
    for rnd in range(ROUNDS):
        k.start()
        k.follow_events()
        stop = threading.Event()

        def tapper():
            i = 0
            try:
                conn = k.tap_conn()
                while not stop.is_set():
                    k.tap("%08X" % (0x04A10000 + i % 20), conn)
                    i += 1
            except OSError:
                pass  # the daemon died under us: expected
        t = threading.Thread(target=tapper, daemon=True)
        t.start()
        time.sleep(rng.uniform(0.2, 1.2))
        k.kill()
        stop.set()
        t.join(5)
        n = 0
        while True:
            a = k.next_tap(timeout=1)
            if a is None:
                break
            if a["outcome"] in ("accepted_in", "accepted_out"):
                answered.append(a["event_id"])
                n += 1
        rows = dict(k.db("SELECT uuid, count(*) FROM taps GROUP BY uuid"))
        missing = [e for e in answered if rows.get(e) != 1]
        ok(n > 0 and not missing,
           "round %d: %d taps answered before kill -9, all %d answered so far are stored once"
           % (rnd + 1, n, len(answered)), "missing: %s" % missing[:5])
        outbox = {r[0] for r in k.db("SELECT id FROM outbox")}
        ok(all(e in outbox for e in answered), "round %d: each answered tap has its outbox event"
           % (rnd + 1))
        ok(k.db("PRAGMA integrity_check")[0][0] == "ok", "round %d: integrity_check ok" % (rnd + 1))
    print("# fault: kill -9 during a burst of taps | %d rounds, %d taps answered accepted | "
          "every answered tap stored once, integrity ok | %s" % (
              ROUNDS, len(answered), "all stored once, integrity ok" if not missing else
              "%d missing" % len(missing)))
    k.start()
    status, body = k.get("/healthz")
    ok(status == 200, "after %d crashes the kiosk starts healthy" % ROUNDS, body)
    k.stop()
finally:
    k.cleanup()
done()
