#!/usr/bin/env python3
"""upload_drain.py — how fast a kiosk that was offline drains its backlog.

100,000 events are put in the outbox of a stopped kiosk (the shape of
tap_unknown_card events), then stempeld starts against fakemuni on loopback
(HTTPS, batches of 500) and drains them: events per second.  The baseline posts
the same batches, same bodies and Idempotency-Keys, with a plain `curl` loop
(one process per batch) to a fresh receiver.  Meanwhile a card is tapped every
10 ms (UID received -> answer sent, from the kiosk's SSE latency_us).
measure() is called by report.py; run alone, it prints the figures.
A benchmark: it prints figures, it does not pass or fail.
"""
import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import kiosklib  # noqa: E402
import munilib  # noqa: E402

EVENTS = int(os.environ.get("UPLOAD_DRAIN_EVENTS", "100000"))
BATCH = 500
TAP_EVERY = 0.010


def tapper(kiosk, uids, stop):
    """Tap one card every TAP_EVERY seconds until stop is set."""
    conn = kiosk.tap_conn()
    f = conn.makefile("rb")
    for uid in uids:
        if stop.is_set():
            break
        conn.sendall((uid + "\n").encode())
        f.readline()
        time.sleep(TAP_EVERY)
    conn.close()


def collect(kiosk, timeout=5):
    out = []
    while True:
        t = kiosk.next_tap(timeout=timeout)
        if t is None:
            return out
        out.append(t["latency_us"] / 1000.0)


def curl_baseline(s, kiosk_db, first_seq):
    """The same batches through `curl`, one process per batch, to a fresh receiver;
    seconds, or None."""
    muni = s.muni().start()
    bdir = os.path.join(s.dir, "batches")
    os.makedirs(bdir)
    c = sqlite3.connect(kiosk_db)
    rows = c.execute("SELECT seq, id, json FROM outbox WHERE seq >= ? AND seq < ? ORDER BY seq",
                     (first_seq, first_seq + EVENTS)).fetchall()
    c.close()
    for b in range(0, len(rows), BATCH):
        chunk = rows[b:b + BATCH]
        body = '{"kiosk_id":"it-kiosk","events":[' + ",".join(
            '{"seq":%d,%s' % (seq, js[1:]) for seq, _, js in chunk) + "]}"
        key = hashlib.sha256("".join(id + "\n" for _, id, _ in chunk).encode()).hexdigest()
        with open(os.path.join(bdir, "%06d.json" % b), "w") as f:
            f.write(body)
        with open(os.path.join(bdir, "%06d.hdr" % b), "w") as f:
            f.write("Content-Type: application/json\nIdempotency-Key: %s\n" % key)
    script = ('for f in "$1"/*.json; do curl -sS --fail -o /dev/null --cacert "$2" '
              '-H @"${f%.json}.hdr" --data-binary @"$f" "$3" || exit 1; done')
    url = muni.url + "/v1/kiosks/it-kiosk/events"
    t = time.time()
    r = subprocess.run(["bash", "-c", script, "-", bdir, s.certs.path("ca.pem"), url],
                       capture_output=True, text=True)
    took = time.time() - t
    stored = muni.stats()["events"]
    muni.stop()
    if r.returncode != 0 or stored != len(rows):
        print("curl baseline failed: %s (stored %d of %d)" % (r.stderr[-300:], stored, len(rows)))
        return None
    return took


def measure():
    """The drain and its baseline: a dict of figures (None where not measured)."""
    res = {"events": EVENTS, "batch": BATCH}
    with munilib.Session("bench") as s:
        muni = s.muni(roster=s.write_json("roster.json", kiosklib.roster(5))).start()
        kiosk = s.kiosk(munilib.upload_config(muni, batch_max=BATCH, timeout_s=30,
                                              backoff_max_s=1))
        kiosk.stop()  # it made its database; the backlog goes in while it is down
        db = os.path.join(kiosk.state, "stempel.db")
        first_seq = (sqlite3.connect(db).execute("SELECT max(seq) FROM outbox").fetchone()[0]
                     or 0) + 1
        benchlib.fill_outbox(db, EVENTS)
        base = muni.ctl("/count")["accepted"]

        kiosk.start()
        t0 = time.time()
        kiosk.follow_events()
        stop = threading.Event()
        th = threading.Thread(target=tapper,
                              args=(kiosk, munilib.random_uids(5000, seed=7), stop))
        th.start()
        # the backlog has the lowest seqs: it is through when this many are accepted
        while muni.ctl("/count")["accepted"] < base + EVENTS and time.time() - t0 < 600:
            time.sleep(0.05)
        drain = time.time() - t0
        stop.set()
        th.join()
        res["taps"] = benchlib.summary(collect(kiosk))
        kiosk.stop()
        muni.stop()
        res["drain_s"] = drain
        res["rate"] = EVENTS / drain
        res["curl_s"] = curl_baseline(s, db, first_seq)
        res["curl_rate"] = EVENTS / res["curl_s"] if res["curl_s"] else None
        res["ratio"] = res["rate"] / res["curl_rate"] if res["curl_rate"] else None
    return res


def main():
    r = measure()
    print("upload drain: %d events in %.2f s = %.0f events/s (HTTPS, batches of %d, "
          "one batch in flight, one commit per batch)" % (r["events"], r["drain_s"], r["rate"],
                                                          r["batch"]))
    if r["curl_s"]:
        print("curl loop baseline (same batches, one curl process each): %.2f s = %.0f events/s"
              % (r["curl_s"], r["curl_rate"]))
        print("ratio stempeld / curl loop: %.2f" % r["ratio"])
    print("taps while draining (UID received -> answer sent): " + benchlib.fmt(r["taps"]))


if __name__ == "__main__":
    main()
