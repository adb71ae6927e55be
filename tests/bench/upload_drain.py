#!/usr/bin/env python3
"""upload_drain.py — how fast a kiosk that was offline drains its backlog, and
what that costs the taps.

100,000 events are put in the outbox of a stopped kiosk (the shape of
tap_unknown_card events), then stempeld starts against fakemuni on loopback
(HTTPS, batches of 500) and drains them: events per second.  The baseline posts
the same batches, same bodies and Idempotency-Keys, with a plain `curl` loop
(one process per batch) to a fresh receiver.  Meanwhile taps go through the
simulated reader every 10 ms; their latency (the kiosk's SSE latency_us, UID
received to answer) is compared with the same taps on an idle kiosk.
A benchmark: it prints figures, it does not pass or fail.
"""
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import kiosklib  # noqa: E402
import munilib  # noqa: E402

EVENTS = int(os.environ.get("UPLOAD_DRAIN_EVENTS", "100000"))
BATCH = 500
TAP_EVERY = 0.010
IDLE_TAPS = 600


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))] if v else float("nan")


def tapper(kiosk, uids, stop):
    """Tap one card every TAP_EVERY seconds until stop is set; returns when done."""
    conn = kiosk.tap_conn()
    f = conn.makefile("rb")
    for uid in uids:
        if stop.is_set():
            break
        conn.sendall((uid + "\n").encode())
        f.readline()
        time.sleep(TAP_EVERY)
    conn.close()


def collect(kiosk, n_min, timeout=10):
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        t = kiosk.next_tap(timeout=0.5)
        if t is None:
            if len(out) >= n_min:
                break
            continue
        out.append(t["latency_us"] / 1000.0)
    return out


def fill_outbox(db, n):
    """n tap_unknown_card events as the tap pipeline writes them."""
    c = sqlite3.connect(db)
    now = int(time.time() * 1000)
    rows = []
    for i in range(n):
        id = str(uuid.uuid4())
        card = "hmac:" + hashlib.sha256(b"%d" % i).hexdigest()
        ev = {"id": id, "type": "tap_unknown_card", "at": "2026-11-23T07:58:12.345Z",
              "clock": "synced", "data": {"direction": "none", "card": card,
                                          "outcome": "unknown_card"}}
        rows.append((id, "tap_unknown_card", json.dumps(ev, separators=(",", ":")), now))
    with c:
        c.executemany("INSERT INTO outbox(id, type, json, state, created_ms)"
                      " VALUES(?,?,?,'pending',?)", rows)
    c.close()


def curl_baseline(s, kiosk_db, first_seq):
    """The same batches through `curl`, one process per batch, to a fresh receiver."""
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


def main():
    with munilib.Session("bench") as s:
        measure(s)


def measure(s):
    muni = s.muni(roster=s.write_json("roster.json", kiosklib.roster(5))).start()
    kiosk = s.kiosk(munilib.upload_config(muni, batch_max=BATCH, timeout_s=30, backoff_max_s=1))
    kiosk.follow_events()
    uids = munilib.random_uids(5000, seed=7)

    # Idle: uploads on, nothing to upload but the taps themselves.
    stop = threading.Event()
    tapper(kiosk, uids[:IDLE_TAPS], stop)
    idle = collect(kiosk, IDLE_TAPS)
    kiosk.stop()

    db = os.path.join(kiosk.state, "stempel.db")
    first_seq = (sqlite3.connect(db).execute("SELECT max(seq) FROM outbox").fetchone()[0]
                 or 0) + 1
    fill_outbox(db, EVENTS)
    base = muni.ctl("/count")["accepted"]

    kiosk.start()
    t0 = time.time()
    kiosk.events = type(kiosk.events)()
    kiosk.follow_events()
    stop = threading.Event()
    th = threading.Thread(target=tapper, args=(kiosk, uids[IDLE_TAPS:], stop))
    th.start()
    # the backlog has the lowest seqs: it is through when this many are accepted
    while muni.ctl("/count")["accepted"] < base + EVENTS and time.time() - t0 < 600:
        time.sleep(0.05)
    drain = time.time() - t0
    stop.set()
    th.join()
    busy = collect(kiosk, 1, timeout=5)
    kiosk.stop()
    muni.stop()

    baseline = curl_baseline(s, db, first_seq)
    rate = EVENTS / drain
    print("upload drain: %d events in %.2f s = %.0f events/s (HTTPS, batches of %d, "
          "one batch in flight, one commit per batch)" % (EVENTS, drain, rate, BATCH))
    if baseline:
        print("curl loop baseline (same %d batches, one curl process each): %.2f s = "
              "%.0f events/s" % ((EVENTS + BATCH - 1) // BATCH, baseline, EVENTS / baseline))
        print("ratio stempeld / curl loop: %.2f" % (rate / (EVENTS / baseline)))
    print("tap latency idle:     p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d taps)"
          % (pct(idle, 50), pct(idle, 99), max(idle), len(idle)))
    print("tap latency draining: p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d taps)"
          % (pct(busy, 50), pct(busy, 99), max(busy), len(busy)))
    print("p99 draining / idle: %.2fx (goal: under 2x)" % (pct(busy, 99) / pct(idle, 99)))


if __name__ == "__main__":
    main()
