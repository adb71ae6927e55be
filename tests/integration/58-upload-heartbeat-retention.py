#!/usr/bin/env python3
"""58-upload-heartbeat-retention.py — the kiosk says how it is, and forgets what
the municipality has.  A `status` event goes up every [upload] heartbeat_s with
version, reader, clock, database, backlog, dead letters, disk free and the
roster's ETag.  Delivered events older than [upload] keep_delivered_days are
deleted in small steps (/metrics counts them): with 0 days, rounds of taps keep
the outbox at a handful of rows and the database file stops growing by a
kilobyte per event; with the default 30 days, a restart 31 days later prunes
the old events and keeps the new.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiosklib  # noqa: E402
import munilib  # noqa: E402
from kiosklib import ok  # noqa: E402

ROUNDS = 6
PER_ROUND = 400


def db_bytes(kiosk):
    return kiosk.db("PRAGMA page_count")[0][0] * kiosk.db("PRAGMA page_size")[0][0]


def drained(kiosk):
    return munilib.wait_for(lambda: munilib.upload_check(kiosk).get("pending") == 0, 60)


def main():
    with munilib.Session("housekeeping") as s:
        muni = s.muni(roster=s.write_json("roster.json", kiosklib.roster(3))).start()
        kiosk = s.kiosk(munilib.upload_config(muni, heartbeat_s=1, keep_delivered_days=0))
        # --- heartbeat ---
        beats = munilib.wait_for(lambda: muni.db(
            "SELECT body FROM events WHERE type = 'status' ORDER BY seq"), 20)
        ok(beats, "status events reach the municipality")
        st = json.loads(beats[-1][0])["data"] if beats else {}
        etag = munilib.upload_check(kiosk).get("roster", {}).get("etag")
        ok(st.get("version") == "0.1.0" and st.get("reader", {}).get("ok") is True and
           st.get("clock", {}).get("quality") in ("synced", "unsynced", "jumped") and
           st.get("database", {}).get("size_bytes", 0) > 0 and
           st.get("disk_free_bytes", 0) > 0 and "pending" in st.get("backlog", {}) and
           st.get("dead_letters") == 0 and st.get("roster_etag") == etag and etag,
           "a status event carries version, reader, clock, database, backlog, dead "
           "letters, disk free and the roster's ETag", json.dumps(st))
        n0 = len(beats)
        more = munilib.wait_for(lambda: len(muni.db(
            "SELECT id FROM events WHERE type = 'status'")) >= n0 + 2, 10)
        ok(more, "one every heartbeat_s")

        # --- retention: keep_delivered_days = 0 ---
        sizes, rows = [], []
        uids = munilib.random_uids(ROUNDS * PER_ROUND, seed=58)
        for r in range(ROUNDS):
            munilib.tap_many(kiosk, uids[r * PER_ROUND:(r + 1) * PER_ROUND], conns=2)
            drained(kiosk)
            munilib.wait_for(lambda: kiosk.db(
                "SELECT count(*) FROM outbox_state WHERE state = 'delivered'")[0][0] < 50, 30)
            rows.append(kiosk.db("SELECT count(*) FROM outbox")[0][0])
            sizes.append(db_bytes(kiosk))
        # The last round's rows go at the next prune step (every interval_s): wait for it
        # rather than read the counter in the same instant (a loaded machine lost that race).
        munilib.wait_for(lambda: munilib.metric(kiosk, "stempel_outbox_pruned_total")
                         >= ROUNDS * PER_ROUND, 30)
        pruned = munilib.metric(kiosk, "stempel_outbox_pruned_total")
        ok(max(rows) < 60, "the outbox holds a handful of rows after each round %s" % rows)
        ok(pruned >= ROUNDS * PER_ROUND, "/metrics counts the pruned events (%d)" % pruned)
        # Taps stay (about 200 bytes each with their index); outbox events (~1 KB) do not.
        growth = (sizes[-1] - sizes[1]) / ((ROUNDS - 2) * PER_ROUND)
        ok(growth < 600, "the database grows %.0f bytes a tap, not a kilobyte more an event "
           "(sizes %s)" % (growth, sizes))
        got = set(muni.event_ids())
        ok(len([i for i in got]) >= ROUNDS * PER_ROUND, "every tap was delivered before pruning")
        print("# fault: retention with keep_delivered_days=0 | %d taps in %d rounds | outbox "
              "bounded | rows %s, db bytes %s" % (ROUNDS * PER_ROUND, ROUNDS, rows, sizes))

        # --- retention: 30 days, seen from 31 days later ---
        kiosk.stop()
        with open(kiosk.conf) as f:
            conf = f.read().replace("keep_delivered_days = 0", "keep_delivered_days = 30")
        with open(kiosk.conf, "w") as f:
            f.write(conf)
        kiosk.start()
        munilib.tap_many(kiosk, munilib.random_uids(20, seed=581), conns=1)
        drained(kiosk)
        old = set(r[0] for r in kiosk.db("SELECT id FROM outbox_state WHERE state = 'delivered'"))
        kiosk.stop()
        kiosk.start(env={"STEMPEL_CLOCK_OFFSET_S": str(31 * 86400)})
        munilib.tap_many(kiosk, munilib.random_uids(10, seed=582), conns=1)
        drained(kiosk)
        gone = munilib.wait_for(lambda: not old & set(r[0] for r in kiosk.db(
            "SELECT id FROM outbox_state WHERE state = 'delivered'")), 20)
        new = kiosk.db("SELECT count(*) FROM outbox_state WHERE state = 'delivered'")[0][0]
        ok(len(old) >= 20 and gone and new >= 10,
           "31 days later the %d old delivered events are pruned, the %d new ones kept"
           % (len(old), new))
    kiosklib.done()


if __name__ == "__main__":
    main()
