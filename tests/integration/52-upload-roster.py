#!/usr/bin/env python3
"""52-upload-roster.py — the roster from the municipal system, pulled with
If-None-Match every roster_interval_s.

A changed roster is applied (names, a new participant, a card moved); an
unchanged one is answered 304 and nothing is written; a malformed one is
rejected whole: the old roster stays, the alarm shows in /healthz and /metrics,
and one alarm event goes up to the municipality.  Putting the good roster back
clears the alarm.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiosklib  # noqa: E402
import munilib  # noqa: E402
from kiosklib import ok  # noqa: E402

INTERVAL = 10


def main():
    with munilib.Session("roster") as s:
        roster = s.write_json("roster.json", kiosklib.roster(3))
        muni = s.muni(roster=roster).start()
        kiosk = s.kiosk(munilib.upload_config(muni, roster_interval_s=INTERVAL))
        run(kiosk, muni, lambda doc: s.write_json("roster.json", doc))
    kiosklib.done()


def results(kiosk):
    return {r: munilib.metric(kiosk, "stempel_roster_sync_total", 'result="%s"' % r)
            for r in ("applied", "not_modified", "rejected", "error")}


def wait_result(kiosk, name, count):
    return munilib.wait_for(lambda: results(kiosk)[name] >= count, INTERVAL + 8, 0.2)


def names(kiosk):
    return dict(kiosk.db("SELECT ext_id, name FROM participants WHERE active = 1"))


ROSTER_TABLES = ("participants", "cards", "schedules", "schedule_exceptions", "absences",
                 "g_values", "closures", "meta")


def roster_state(kiosk):
    """Everything a roster writes, with rowids: re-applying even the same roster
    would move them (schedules are replaced), so equal means not written."""
    import hashlib
    h = hashlib.sha256()
    for t in ROSTER_TABLES:
        h.update(repr(kiosk.db("SELECT rowid, * FROM %s ORDER BY rowid" % t)).encode())
    return h.hexdigest()


def run(kiosk, muni, write):
    ok(wait_result(kiosk, "applied", 1) and len(names(kiosk)) == 3,
       "the roster is pulled and applied at start", json.dumps(results(kiosk)))
    etag = munilib.upload_check(kiosk).get("roster", {}).get("etag")
    ok(etag and etag.startswith('"'), "its ETag is kept (%s)" % etag)
    ok(kiosk.db("SELECT count(*) FROM cards WHERE key LIKE 'hmac:%'")[0][0] == 3 and
       kiosk.db("SELECT count(*) FROM cards WHERE key LIKE '%04A1%'")[0][0] == 0,
       "card UIDs are stored only as HMAC keys", kiosk.db("SELECT key, participant_id, revoked, origin FROM cards"))

    # Changed: a renamed participant, a new one, and P-000002's card replaced.
    doc = kiosklib.roster(4)
    doc["participants"][0]["name"] = "Amina Renamed"
    doc["participants"][1]["cards"] = ["04B20002"]
    write(doc)
    ok(wait_result(kiosk, "applied", 2), "a changed roster is applied at the next interval",
       json.dumps(results(kiosk)))
    n = names(kiosk)
    ok(n.get("P-000001") == "Amina Renamed" and "P-000004" in n, "names and participants updated",
       json.dumps(n))
    kiosk.follow_events()
    kiosk.tap("04B20002")
    new_card = kiosk.next_tap()
    kiosk.tap("04A10001")
    old_card = kiosk.next_tap()
    ok(new_card and new_card.get("participant") == "P-000002" and old_card and
       old_card.get("outcome") == "revoked_card", "the new card works, the replaced one is revoked",
       json.dumps([new_card, old_card]))
    munilib.wait_for(lambda: munilib.upload_check(kiosk).get("pending") == 0, 10)

    # Unchanged: 304, and nothing the roster owns is written.  (The database files
    # themselves may move: the recompute timer and uploads write day results.)
    before_state, before = roster_state(kiosk), results(kiosk)
    r304 = muni.total("requests", "roster", "304")
    ok(wait_result(kiosk, "not_modified", before["not_modified"] + 1) and
       muni.total("requests", "roster", "304") > r304, "an unchanged roster is answered 304")
    after = results(kiosk)
    ok(after["applied"] == before["applied"] and roster_state(kiosk) == before_state,
       "after a 304 nothing is written (participants, cards, schedules, absences, G, "
       "closures, meta: same rows, same rowids)", json.dumps([before, after]))

    # Malformed: one bad card UID spoils it whole.
    bad = json.loads(json.dumps(doc))
    bad["participants"][0]["name"] = "Must Not Appear"
    bad["participants"][2]["cards"] = ["not-a-uid"]
    write(bad)
    ok(wait_result(kiosk, "rejected", 1), "a malformed roster is rejected",
       json.dumps(results(kiosk)))
    status, h = munilib.health(kiosk)
    up = h.get("checks", {}).get("upload", {})
    alarms = {a["name"]: a["message"] for a in up.get("alarms", [])}
    ok("roster_invalid" in alarms and "participants[2].cards[0]" in alarms["roster_invalid"],
       "the alarm in /healthz names the bad field", json.dumps(up))
    ok(status == 503 and up.get("ok") is False, "/healthz fails while the alarm is raised",
       "status %s" % status)
    ok(munilib.metric(kiosk, "stempel_upload_alarm", 'name="roster_invalid"') == 1,
       "/metrics shows the alarm")
    ok(names(kiosk) == n, "the previous roster stays in force", json.dumps(names(kiosk)))
    got_alarm = munilib.wait_for(
        lambda: muni.stats()["by_type"].get("alarm", 0) == 1, 10)
    ok(got_alarm, "an alarm event went up to the municipality",
       json.dumps(muni.stats()["by_type"]))
    body = json.loads(muni.db("SELECT body FROM events WHERE type = 'alarm'")[0][0]) \
        if got_alarm else {}
    ok(body.get("data", {}).get("alarm") == "roster_invalid" and body.get("seq"),
       "the alarm event says what and carries its seq", json.dumps(body))
    wait_result(kiosk, "rejected", 2)
    time.sleep(1)
    ok(muni.stats()["by_type"].get("alarm", 0) == 1,
       "the same bad roster again: still rejected, no second alarm event",
       json.dumps(results(kiosk)))

    # Fixed: the good roster back; its ETag is the one kept, so 304 clears the alarm.
    write(doc)
    nm = results(kiosk)["not_modified"]
    ok(wait_result(kiosk, "not_modified", nm + 1) and
       not munilib.upload_check(kiosk).get("alarms"),
       "the good roster back (304): alarm cleared", json.dumps(munilib.upload_check(kiosk)))


if __name__ == "__main__":
    main()
