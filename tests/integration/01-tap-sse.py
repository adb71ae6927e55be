#!/usr/bin/env python3
"""1,000 taps through the simulated reader while reading the kiosk's event
stream: every answer arrives, and every tap is in the database exactly once,
with its outbox event.  Then the health and metrics pages agree."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import Kiosk, ok, done, roster  # noqa: E402

N = 1000
k = Kiosk(roster_doc=roster(50), debounce=0)
try:
    k.start()
    k.follow_events()
    conn = k.tap_conn()
    answers = []
    for i in range(N):
        # 50 enrolled cards and some unknown ones
        uid = "%08X" % (0x04A10000 + i % 50) if i % 10 else "DEAD%04X" % i
        reply = k.tap(uid, conn)
        if not reply.startswith("ok "):
            break
        a = k.next_tap()
        if a is None:
            break
        answers.append(a)
    conn.close()
    ok(len(answers) == N, "every one of %d taps was answered on the event stream" % N,
       "answers: %d\n%s" % (len(answers), k.logtext()))
    ids = [a.get("event_id") for a in answers]
    ok(len(set(ids)) == N and None not in ids, "each answer names its own event id")
    outcomes = {}
    for a in answers:
        outcomes[a["outcome"]] = outcomes.get(a["outcome"], 0) + 1
    ok(outcomes.get("unknown_card") == N // 10 and
       outcomes.get("accepted_in", 0) + outcomes.get("accepted_out", 0) == N - N // 10,
       "outcomes: accepted in/out for enrolled cards, unknown_card for the rest", outcomes)
    ok(all(a["name"] for a in answers if a["outcome"].startswith("accepted")),
       "accepted answers carry the participant's name")
    rows = k.db("SELECT uuid, count(*) FROM taps GROUP BY uuid")
    ok(len(rows) == N and all(c == 1 for _, c in rows), "the database holds %d taps, each once" % N,
       "rows: %d" % len(rows))
    db_ids = {u for u, _ in rows}
    ok(db_ids == set(ids), "the taps in the database are exactly the answered ones")
    out = k.db("SELECT count(*), count(DISTINCT id) FROM outbox"
               " WHERE type IN ('tap', 'tap_unknown_card')")[0]
    ok(out == (N, N), "each tap has one outbox event", out)
    status, body = k.get("/healthz")
    ok(status == 200 and '"status":"ok"' in body, "/healthz is 200 ok", body)
    status, body = k.get("/metrics")
    total = sum(int(line.split()[-1]) for line in body.splitlines()
                if line.startswith("stempel_taps_total{"))
    ok(status == 200 and total == N, "/metrics counts %d taps" % N, body[:2000])
    ok("stempel_tap_latency_seconds_count %d" % N in body, "/metrics has the latency histogram")
    rar = [a for a in answers if a["lang"] == "ar" and a["outcome"].startswith("accepted")]
    ok(rar and rar[0]["dir"] == "rtl" and rar[0]["message"], "Arabic answers are right to left")
    ok(k.stop() == 0, "stempeld stops cleanly on SIGTERM", k.logtext())
finally:
    k.cleanup()
done()
