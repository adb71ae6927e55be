#!/usr/bin/env python3
"""The Today page's status bar counts the outbox backlog on the reports thread, not on
the loop (with 100,000 events pending that count takes 50+ ms, and a tap arriving
meanwhile waited for it; tapload.py under wrk).  Checked by what the loop's
connection counted (stempel_outbox_loop_counts_total: only the scrapes themselves),
not by a duration; and the page still shows the backlog's numbers."""
import hashlib
import json
import os
import re
import sqlite3
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done, roster, noon_clock  # noqa: E402

PASSWORD = "correct horse battery staple"
PENDING, DEAD = 37, 5


def get(k, path, headers=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", k.port, timeout=60)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r.status, body


def loop_counts(k):
    st, text = get(k, "/metrics")
    m = re.search(r"^stempel_outbox_loop_counts_total (\d+)$", text, re.M)
    return int(m.group(1)) if m else None


def main():
    # On a day with sessions: on a public holiday the Today page has no rows.
    os.environ.update(noon_clock()[0])
    k = Kiosk(roster_doc=roster(20))
    try:
        run(k)
    finally:
        k.cleanup()
    done()


def run(k):
    k.add_teacher("kari", PASSWORD)
    # A backlog the kiosk has no uploader for: it stays as it is.
    now = int(time.time() * 1000)
    c = sqlite3.connect(os.path.join(k.state, "stempel.db"), timeout=10)
    with c:
        for i in range(PENDING + DEAD):
            id = str(uuid.uuid4())
            ev = {"id": id, "type": "tap_unknown_card", "at": "2026-03-18T07:58:12.345Z",
                  "clock": "synced",
                  "data": {"direction": "none", "outcome": "unknown_card",
                           "card": "hmac:" + hashlib.sha256(b"%d" % i).hexdigest()}}
            c.execute("INSERT INTO outbox(id, type, json, state, reason, created_ms)"
                      " VALUES(?, 'tap_unknown_card', ?, ?, ?, ?)",
                      (id, json.dumps(ev), "pending" if i < PENDING else "dead",
                       None if i < PENDING else "test", now - i))
    c.close()
    k.start()
    cookie = {"Cookie": k.board_login("kari", PASSWORD)}

    before = loop_counts(k)
    ok(before is not None, "/metrics has stempel_outbox_loop_counts_total", before)
    pages = []
    for _ in range(4):
        st, body = get(k, "/board/today", cookie)
        pages.append((st, body))
    after = loop_counts(k)
    ok(all(st == 200 and "<tr data-pid=" in b for st, b in pages),
       "the Today page answers (4 times)", [st for st, _ in pages])
    ok(after - before == 1,
       "the Today page did not count the outbox on the loop's connection "
       "(only the second scrape did: %d -> %d)" % (before, after))
    ok(all(re.search(r'id="dead-letters"><p>%d ' % DEAD, b) for _, b in pages),
       "the page still says %d dead letters (counted on the reports thread)" % DEAD)
    st, body = get(k, "/healthz")
    up = json.loads(body)["checks"]["upload"]
    ok(up["pending"] == PENDING and up["dead"] == DEAD,
       "/healthz still counts %d pending, %d dead on the loop" % (PENDING, DEAD), body)
    ok(loop_counts(k) - after == 2, "/healthz and /metrics each count once on the loop")


if __name__ == "__main__":
    main()
