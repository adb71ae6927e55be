#!/usr/bin/env python3
"""The board's own commands over HTTP (issue 19): card.replace, absence.update,
card.revoke with a reason, absence.revoke and closure.add.  Each success is one
audit entry under its action name; each refusal (no reason, a card of somebody
else, a card that is not hers, a bad date, a teacher closing the centre) answers
4xx and changes nothing: the cards, absences and closures tables and the audit
log are as before."""
import datetime
import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done, roster, noon_clock  # noqa: E402

PASSWORD = "board password 1"
# Days after the kiosk went into service (its first start, today) are scheduled.  The
# kiosk lives at 12:00 UTC today, so TODAY is its date at any hour and in any host zone.
CLOCK, DAY = noon_clock()
os.environ.update(CLOCK)
TODAY = DAY.isoformat()
TOMORROW = (DAY + datetime.timedelta(days=1)).isoformat()


class Board:
    def __init__(self, port):
        self.port, self.cookies, self.csrf = port, {}, None

    def req(self, method, path, form=None):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        h = {"Cookie": "; ".join("%s=%s" % kv for kv in self.cookies.items())}
        body = None
        if form is not None:
            form = dict(form, csrf=self.csrf) if self.csrf else form
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode(errors="replace")
        for v in r.headers.get_all("Set-Cookie") or []:
            name, val = v.split(";")[0].split("=", 1)
            self.cookies[name] = val
        loc = r.headers.get("Location", "")
        c.close()
        return r.status, data, loc

    def login(self, user):
        _, page, _ = self.req("GET", "/board/login")
        tok = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)
        self.req("POST", "/board/login", {"login_csrf": tok, "username": user,
                                          "password": PASSWORD})
        _, page, _ = self.req("GET", "/board/participants")
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def snapshot(k):
    return (k.db("SELECT key, participant_id, revoked, revoked_by, revoke_reason FROM cards"
                 " ORDER BY key"),
            k.db("SELECT uuid, category, revoked FROM absences ORDER BY uuid"),
            k.db("SELECT date, reason FROM closures ORDER BY date"),
            k.db("SELECT count(*) FROM audit"))


def actions(k, since):
    return [a for (a,) in k.db("SELECT action FROM audit WHERE id > ? ORDER BY id", (since,))]


def last_audit(k):
    return k.db("SELECT coalesce(max(id), 0) FROM audit")[0][0]


def main():
    k = Kiosk(roster_doc=roster(4))
    try:
        run(k)
    finally:
        k.cleanup()
    done()


def run(k):
    for user, role in (("kari", "teacher"), ("ola", "admin")):
        subprocess.run([os.path.join(os.environ.get("BIN", "build/asan"), "stempelctl"), "-c",
                        k.conf, "user", "add", user, "--role", role, "--password-stdin"],
                       input=PASSWORD + "\n", text=True, capture_output=True, timeout=60)
    k.start()
    k.tap("CAFE0001")
    k.tap("CAFE0002")
    new1, new2 = [key for (key,) in k.db("SELECT DISTINCT card_key FROM taps WHERE"
                                         " participant_id IS NULL ORDER BY id")]
    (p1,), (p2,) = k.db("SELECT id FROM participants ORDER BY ext_id LIMIT 2")
    ext1, ext2 = [e for (e,) in k.db("SELECT ext_id FROM participants ORDER BY ext_id LIMIT 2")]
    old1 = k.db("SELECT key FROM cards WHERE participant_id = ?", (p1,))[0][0]
    old2 = k.db("SELECT key FROM cards WHERE participant_id = ?", (p2,))[0][0]
    b = Board(k.port)
    b.login("kari")

    # --- refusals change nothing ---
    before = snapshot(k)
    # each with the status the API gives the same refusal (web_cmd_status): bad
    # input 422, not found 404, not now 409, not allowed 403
    refusals = [
        ("replace without a reason", "/board/enroll",
         {"participant": ext1, "replace": old1, "card": new1, "reason": ""}, 422),
        ("replace a card that is not hers", "/board/enroll",
         {"participant": ext1, "replace": old2, "card": new1, "reason": "lost"}, 404),
        ("replace with somebody else's card", "/board/enroll",
         {"participant": ext1, "replace": old1, "card": old2, "reason": "lost"}, 409),
        ("revoke without a reason", "/board/card/revoke", {"id": ext1, "card": old1, "reason": ""},
         422),
        ("revoke a card that is not enrolled", "/board/card/revoke",
         {"id": ext1, "card": "hmac:" + "0" * 64, "reason": "lost"}, 404),
        ("withdraw an unknown absence", "/board/absence/withdraw",
         {"id": ext1, "absence": "00000000-0000-4000-8000-000000000000", "reason": "wrong"}, 404),
        ("a teacher closes the centre", "/board/closures", {"date": "2026-12-24", "reason": "jul"},
         403),
    ]
    for what, path, form, want in refusals:
        st, _, _ = b.req("POST", path, form)
        ok(st == want, "refused: %s (%d, expected %d)" % (what, st, want))
    ok(snapshot(k) == before, "the refusals changed nothing (cards, absences, closures, audit)")

    # --- card.replace ---
    since = last_audit(k)
    st, _, loc = b.req("POST", "/board/enroll", {"participant": ext1, "replace": old1,
                                                 "card": new1, "reason": "Mistet kortet"})
    ok(st == 303 and "saved=replaced" in loc, "card.replace: 303 to the participant", (st, loc))
    rows = dict((key, (pid, rev, by, why)) for key, pid, rev, by, why in
                k.db("SELECT key, participant_id, revoked, revoked_by, revoke_reason FROM cards"))
    ok(rows[new1][:2] == (p1, 0) and rows[old1] == (p1, 1, "user:kari", "Mistet kortet"),
       "the new card is hers and in use, the old one revoked by kari with the reason", rows)
    ok(actions(k, since) == ["card.replace"], "one audit entry: card.replace", actions(k, since))

    # --- enrolment when she already has a card: asked again, then enrolled ---
    since = last_audit(k)
    st, page, _ = b.req("POST", "/board/enroll", {"participant": ext2, "card": new2})
    ok(st == 409 and 'id="has-card"' in page and actions(k, since) == [],
       "enrolling a second card warns first (409) and changes nothing")
    st, _, loc = b.req("POST", "/board/enroll", {"participant": ext2, "card": new2, "confirm": "1"})
    ok(st == 303 and actions(k, since) == ["card.enroll"], "confirmed: card.enroll, audited once")

    # --- card.revoke with a reason ---
    since = last_audit(k)
    st, _, _ = b.req("POST", "/board/card/revoke", {"id": ext2, "card": new2,
                                                    "reason": "Funnet i gangen, ikke hennes"})
    ok(st == 303 and k.db("SELECT revoked, revoke_reason FROM cards WHERE key = ?", (new2,))
       == [(1, "Funnet i gangen, ikke hennes")] and actions(k, since) == ["card.revoke"],
       "card.revoke keeps the reason, audited once")

    # --- absence.update: withdraw and register in one change ---
    st, _, loc = b.req("POST", "/board/absence", {"id": ext1, "category": "child_sick",
                                                  "from": TODAY, "to": TODAY,
                                                  "documentation": "", "comment": "",
                                                  "step": "save"})
    (uuid,) = k.db("SELECT uuid FROM absences WHERE revoked = 0 AND participant_id = ?", (p1,))[0]
    # The preview of a change is computed without the absence it replaces: changing
    # the child's illness into vacation gives the child's-illness day back.
    other = {"id": ext1, "category": "vacation", "from": TODAY, "to": TODAY,
             "documentation": "", "comment": "", "step": "preview"}
    _, page_new, _ = b.req("POST", "/board/absence", other)
    _, page_edit, _ = b.req("POST", "/board/absence", dict(other, replaces=uuid, reason="x"))

    def quota_row(page, name):
        m = re.search(r'id="effect".*?<tr data-quota="%s"><td>[^<]*</td><td>([^<]*)' % name,
                      page, re.S)
        return m.group(1).strip() if m else None
    ok(quota_row(page_new, "child_sick_days") is None,
       "preview of vacation as a new absence: the child's-illness day stays used")
    ok((quota_row(page_edit, "child_sick_days") or "").startswith("1 → 0"),
       "preview of the change to vacation: the child's-illness day is given back (1 → 0)",
       quota_row(page_edit, "child_sick_days"))
    before = snapshot(k)
    st, _, _ = b.req("POST", "/board/absence", {"id": ext1, "category": "sick_doctor",
                                                "from": TODAY, "to": TODAY,
                                                "documentation": "doctor_note", "comment": "",
                                                "replaces": uuid, "reason": "", "step": "save"})
    ok(st == 422 and snapshot(k) == before, "absence.update without a reason: 422, nothing changed")
    since = last_audit(k)
    st, _, loc = b.req("POST", "/board/absence", {"id": ext1, "category": "sick_doctor",
                                                  "from": TODAY, "to": TOMORROW,
                                                  "documentation": "doctor_note", "comment": "",
                                                  "replaces": uuid, "reason": "Legeerklæring",
                                                  "step": "save"})
    live = k.db("SELECT category, from_date, to_date FROM absences WHERE revoked = 0"
                " AND participant_id = ?", (p1,))
    ok(st == 303 and "saved=updated" in loc and live == [("sick_doctor", TODAY, TOMORROW)]
       and k.db("SELECT revoked FROM absences WHERE uuid = ?", (uuid,)) == [(1,)],
       "absence.update: the old absence is revoked and the new one registered", live)
    ok(actions(k, since) == ["absence.update"], "one audit entry: absence.update", actions(k, since))
    types = [t for (t,) in k.db("SELECT type FROM outbox ORDER BY seq DESC LIMIT 2")]
    ok(sorted(types) == ["absence", "absence_revoked"],
       "the municipality gets absence_revoked and absence events", types)

    # --- absence.revoke from the board ---
    (uuid2,) = k.db("SELECT uuid FROM absences WHERE revoked = 0 AND participant_id = ?", (p1,))[0]
    since = last_audit(k)
    st, _, loc = b.req("POST", "/board/absence/withdraw", {"id": ext1, "absence": uuid2,
                                                          "reason": "Feil person"})
    ok(st == 303 and "saved=withdrawn" in loc and actions(k, since) == ["absence.revoke"] and
       k.db("SELECT revoked FROM absences WHERE uuid = ?", (uuid2,)) == [(1,)],
       "withdraw: absence.revoke, audited once")

    # --- closure.add: admins only, with a valid date and a reason ---
    a = Board(k.port)
    a.login("ola")
    before = snapshot(k)
    for form in ({"date": "2026-13-01", "reason": "x"}, {"date": "2026-12-24", "reason": ""}):
        st, _, _ = a.req("POST", "/board/closures", form)
        ok(st == 422, "closure refused: %s (%d)" % (form, st))
    ok(snapshot(k) == before, "refused closures change nothing")
    since = last_audit(k)
    st, _, loc = a.req("POST", "/board/closures", {"date": "2026-12-24", "reason": "Julaften"})
    ok(st == 303 and k.db("SELECT date, reason FROM closures") == [("2026-12-24", "Julaften")]
       and actions(k, since) == ["closure.add"], "closure.add: the day is closed, audited once")
    # The same commands from stempelctl (over the control socket).
    since = last_audit(k)
    r = k.ctl("closure", "add", "2026-12-31", "--reason", "Nyttårsaften", check=False)
    r2 = k.ctl("card", "revoke", "%08X" % (0x04A10000 + 2), "--reason", "Ødelagt", check=False)
    ok(r.returncode == 0 and r2.returncode == 0 and actions(k, since) == ["closure.add", "card.revoke"]
       and k.db("SELECT reason FROM closures WHERE date = '2026-12-31'") == [("Nyttårsaften",)]
       and k.db("SELECT revoke_reason, revoked_by LIKE 'cli:%' FROM cards WHERE revoked = 1"
                " AND revoke_reason = 'Ødelagt'") == [("Ødelagt", 1)],
       "stempelctl closure add and card revoke --reason: the same commands, named by the OS user",
       (r.stderr, r2.stderr))
    r = k.ctl("closure", "add", "2026-12-31", check=False)
    ok(r.returncode == 2, "stempelctl closure add without a reason is bad usage (exit 2)")
    r = k.ctl("audit", "verify", check=False)
    ok(r.returncode == 0, "the audit chain is intact", r.stdout + r.stderr)


if __name__ == "__main__":
    main()
