#!/usr/bin/env python3
"""50-upload-faults.py — 10,000 taps through the simulated reader while the fake
municipal system (fakemuni, real HTTPS) goes through every fault it has: 500,
503 with Retry-After in seconds and as a date, 429, 408, 401 once, 413 above a
size, a reply slower than the kiosk's timeout, a connection reset in the middle
of the answer, a garbage 200, and a restart with a certificate from the wrong
CA.  Three poison events are refused (whole-batch 400, whole-batch 422, and
per event).  Afterwards the receiver holds exactly the 10,000 tap events, the
poison events are dead letters on the kiosk and /healthz shows them.
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiosklib  # noqa: E402
import munilib  # noqa: E402
from kiosklib import ok  # noqa: E402

TAPS = 10000
TAP_SECONDS = 30
TAP_TYPES = "('tap', 'tap_unknown_card')"


def main():
    with munilib.Session("faults") as s:
        muni = s.muni(auth="oauth", roster=s.write_json("roster.json", kiosklib.roster(20)),
                      extra=["--client-id", "kiosk-it", "--client-secret", "s3cret",
                             "--token-lifetime", "60"]).start()
        muni.fault("500")  # nothing goes through until the poison events are marked
        kiosk = s.kiosk(munilib.upload_config(
            muni, auth="oauth_client", token_url=muni.url + "/oauth/token", client_id="kiosk-it",
            client_secret="s3cret", batch_max=200, timeout_s=2, backoff_max_s=1))
        run(kiosk, muni)
    kiosklib.done()


def run(kiosk, muni):
    applied = munilib.wait_for(
        lambda: munilib.upload_check(kiosk).get("roster", {}).get("last_result") == "applied", 20)
    ok(applied, "roster pulled at start", json.dumps(munilib.upload_check(kiosk)))

    # Three poison events, recorded before anything can be delivered.
    for uid in ("0BAD0001", "0BAD0002", "0BAD0003"):
        kiosk.tap(uid)
    munilib.wait_for(lambda: len(munilib.outbox(kiosk)) == 3, 10)
    poison = [r[1] for r in munilib.outbox(kiosk)]
    for id, mode in zip(poison, ("400", "422", "reject")):
        muni.poison(id, mode)

    uids = munilib.random_uids(TAPS - 1000)
    # a tenth are known cards: "tap" events (debounce is off, so each one counts)
    for i in range(1000):
        uids.insert(i * 9, "%08X" % (0x04A10000 + i % 20))
    answered = [0]
    tapper = threading.Thread(target=lambda: answered.__setitem__(
        0, munilib.tap_many(kiosk, uids, seconds=TAP_SECONDS)))
    tapper.start()

    # 413 follows 500, so that a backlog makes the batches big enough to refuse.
    phases = [("none", {}), ("500", {}), ("413", {"n": 37}), ("503", {"retry_after": 1}),
              ("503", {"retry_after": 2, "date": 1}), ("429", {"retry_after": 1}),
              ("401", {"count": 1}), ("none", {}), ("slow", {"delay_ms": 2600}),
              ("reset", {}), ("garbage", {}), ("408", {}), ("wrong_ca", {}), ("none", {})]
    tls_alarm_seen = False
    for mode, params in phases:
        if mode == "wrong_ca":
            muni.restart(wrong_ca=True)
            tls_alarm_seen = munilib.wait_for(lambda: any(
                a.get("name") == "tls_verify_failed"
                for a in munilib.upload_check(kiosk).get("alarms", [])), 8)
            muni.restart()
            continue
        counter = {"slow": "slow_replies", "reset": "resets"}.get(mode)
        before = muni.total(counter) if counter else 0
        muni.fault(mode, **params)
        time.sleep(TAP_SECONDS / (len(phases) - 2))
        if counter:
            # the kiosk may be backing off from the previous fault: hold this one
            # until it has really happened once, however long the backoff was
            munilib.wait_for(lambda: muni.total(counter) > before, 20, 0.2)
    tapper.join()
    muni.fault("none")
    ok(answered[0] == TAPS, "the reader answered all %d taps" % TAPS, "answered %d" % answered[0])

    recorded = munilib.wait_for(lambda: kiosk.db(
        "SELECT count(*) FROM outbox WHERE type IN %s" % TAP_TYPES)[0][0] == TAPS + 3, 30)
    ok(recorded, "the kiosk recorded %d taps and the 3 poison taps" % TAPS,
       kiosk.db("SELECT count(*) FROM outbox")[0][0])
    drained = munilib.wait_for(lambda: munilib.upload_check(kiosk).get("pending") == 0, 120, 0.5)
    up = munilib.upload_check(kiosk)
    ok(drained, "the outbox drained after the faults (pending 0)", json.dumps(up))

    # What the receiver holds: exactly the kiosk's events less the poison ones.
    kiosk_ids = {r[0] for r in kiosk.db("SELECT id FROM outbox WHERE type IN %s" % TAP_TYPES)}
    got = muni.db("SELECT id, type, deliveries FROM events")
    got_ids = {r[0] for r in got}
    taps_at_muni = [r for r in got if r[1] in ("tap", "tap_unknown_card")]
    ok(len(taps_at_muni) == TAPS and got_ids == kiosk_ids - set(poison),
       "the receiver holds exactly the %d tap events (no loss, no duplicate)" % TAPS,
       "receiver %d events, %d taps; missing %d; unexpected %d" % (
           len(got), len(taps_at_muni), len(kiosk_ids - set(poison) - got_ids),
           len(got_ids - kiosk_ids)))
    redelivered = sum(r[2] - 1 for r in got)
    ok(redelivered == muni.total("duplicates"),
       "re-sent events were answered duplicate and stored once (%d re-sent)" % redelivered)
    ok(muni.total("out_of_order") == 0, "new events arrived in seq order")
    ok(muni.total("idempotency_mismatch") == 0,
       "every batch carried the Idempotency-Key of its event ids")

    dead = {r[1]: (r[3], r[4]) for r in munilib.outbox(kiosk, "state = 'dead'")}
    ok(set(dead) == set(poison), "the three poison events, and only they, are dead letters",
       json.dumps(dead))
    reasons = [dead.get(p, (None, ""))[1] or "" for p in poison]
    ok("HTTP 400" in reasons[0] and "HTTP 422" in reasons[1] and "poisoned" in reasons[2],
       "dead letters keep the receiver's reason (400 and 422 isolated by halving; a per-event "
       "rejection)", json.dumps(reasons))
    ok(all(i not in got_ids for i in poison), "no poison event reached the receiver's store")
    ok(up.get("dead") == 3 and (up.get("last_dead_letter") or {}).get("id") in poison,
       "/healthz shows the dead letters", json.dumps(up))
    ok(munilib.metric(kiosk, "stempel_upload_events_total", 'result="rejected"') == 3,
       "/metrics counts 3 rejected events")

    ev = lambda code: muni.total("requests", "events", code)  # noqa: E731
    served = {c: ev(c) for c in ("500", "503", "429", "408", "401", "413", "400", "422")}
    ok(all(served.values()), "the receiver answered every error status at least once",
       json.dumps(served))
    ok(muni.total("slow_replies") > 0 and muni.total("resets") > 0,
       "a reply slower than the timeout and a reset mid-answer happened",
       "slow %d, resets %d" % (muni.total("slow_replies"), muni.total("resets")))
    kinds = {s: munilib.metric(kiosk, "stempel_upload_requests_total",
                               'endpoint="events",status="%s"' % s)
             for s in ("timeout", "reset", "tls", "503", "200")}
    ok(kinds["timeout"] > 0 and kinds["reset"] > 0 and kinds["tls"] > 0,
       "the kiosk saw the timeout, the reset and the wrong CA as transport failures",
       json.dumps(kinds))
    ok(tls_alarm_seen, "wrong CA: alarm tls_verify_failed raised in /healthz")
    ok(not up.get("alarms"), "every alarm cleared once the receiver behaved", json.dumps(up))
    ok(muni.total("tokens_issued") >= 2,
       "401 and restarts led to fresh OAuth tokens (%d issued)" % muni.total("tokens_issued"))
    limit = kiosk.db("SELECT 1")  # the kiosk's database is still readable and whole
    ok(limit == [(1,)] and kiosk.proc.poll() is None, "stempeld still running")
    print("# fault: receiver faults (500, 503 + Retry-After, 429, 401, 400/422 poison, 413, "
          "slow reply, reset mid-body, wrong CA) | 10,000 taps while cycling | every tap event "
          "once at the receiver, poison dead-lettered | %s" % (
              "as expected" if kiosklib.failures == 0 else "%d checks failed" % kiosklib.failures))


if __name__ == "__main__":
    main()
