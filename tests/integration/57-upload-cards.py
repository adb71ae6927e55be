#!/usr/bin/env python3
"""57-upload-cards.py — card ownership (uploader/README.md): nothing a teacher
did is undone by a roster.  A teacher enrols a card on the board, an
administrator revokes another with stempelctl; both changes go up as
card_enrolled / card_revoked events.  Re-importing the roster in force changes
nothing; a changed roster pulled from the municipality that still contradicts
the changes leaves them standing and raises a visible conflict (/healthz and the
board); a roster that agrees with them clears it.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiosklib  # noqa: E402
import munilib  # noqa: E402
from kiosklib import ok  # noqa: E402

PASSWORD = "teacher password 1"
NEW_UID = "0C0C0C01"     # unknown to every roster; enrolled on the board for P-000001
GONE_UID = "04A10001"    # P-000002's roster card; revoked with stempelctl


def card_state(kiosk, key):
    rows = kiosk.db("SELECT p.ext_id, c.revoked, c.origin, c.conflict FROM cards c"
                    " JOIN participants p ON p.id = c.participant_id WHERE c.key = ?", (key,))
    return rows[0] if rows else None


def tap_outcome(kiosk, uid):
    n = kiosk.db("SELECT count(*) FROM taps")[0][0]
    kiosk.tap(uid)
    munilib.wait_for(lambda: kiosk.db("SELECT count(*) FROM taps")[0][0] > n, 5)
    return kiosk.db("SELECT outcome FROM taps ORDER BY id DESC LIMIT 1")[0][0]


def main():
    roster = kiosklib.roster(3)
    with munilib.Session("cards") as s:
        path = s.write_json("roster.json", roster)
        muni = s.muni(roster=path).start()
        kiosk = s.kiosk(munilib.upload_config(muni, roster_interval_s=10), start=False)
        r = subprocess.run([os.path.join(kiosklib.BIN, "stempelctl"), "-c", kiosk.conf, "user",
                            "add", "kari", "--role", "teacher", "--password-stdin"],
                           input=PASSWORD + "\n", text=True, capture_output=True)
        ok(r.returncode == 0, "a teacher account", r.stderr)
        kiosk.start()
        applied = munilib.wait_for(lambda: munilib.upload_check(kiosk).get("roster", {}).get(
            "last_result") == "applied", 20)
        ok(applied, "the roster is pulled at start")

        # A teacher enrols an unknown card on the board.
        kiosk.tap(NEW_UID)
        new_key = kiosk.db("SELECT card_key FROM taps ORDER BY id DESC LIMIT 1")[0][0]
        b = munilib.Board(kiosk.port)
        b.login("kari", PASSWORD)
        # P-000001 already has a roster card: the board asks to confirm a second one.
        st, _ = b.req("POST", "/board/enroll", {"card": new_key, "participant": "P-000001",
                                                "confirm": "1", "csrf": b.csrf()})
        ok(st == 303, "the teacher enrols the card on the board (%s)" % st)
        # An administrator revokes another with stempelctl (over the control socket).
        r = kiosk.ctl("card", "revoke", GONE_UID, check=False)
        ok(r.returncode == 0, "stempelctl card revoke", r.stderr)
        gone_key = kiosk.db("SELECT key FROM cards WHERE revoked = 1")[0][0]
        ok(card_state(kiosk, new_key)[:3] == ("P-000001", 0, "local")
           and card_state(kiosk, gone_key)[:3] == ("P-000002", 1, "local"),
           "both changes are the kiosk's own (origin local)",
           "%s %s" % (card_state(kiosk, new_key), card_state(kiosk, gone_key)))

        # Both go up.
        def uploaded():
            rows = muni.db("SELECT type, body FROM events WHERE type LIKE 'card_%'")
            return {t: json.loads(j)["data"] for t, j in rows}
        ups = munilib.wait_for(lambda: len(uploaded()) == 2 and uploaded(), 20)
        ok(ups and ups["card_enrolled"]["card"] == new_key and
           ups["card_enrolled"]["participant"] == "P-000001" and
           ups["card_revoked"]["card"] == gone_key and
           ups["card_revoked"]["participant"] == "P-000002",
           "card_enrolled and card_revoked reached the municipality", json.dumps(ups))
        ok(munilib.wait_for(lambda: kiosk.db(
            "SELECT count(*) FROM outbox_state WHERE type LIKE 'card_%' AND state = 'delivered'")[0][0]
            == 2, 10), "and are delivered on the kiosk")

        # The same roster again, by hand: nothing changes.
        before = kiosk.db("SELECT key, participant_id, revoked, origin, conflict FROM cards "
                          "ORDER BY key")
        r = kiosk.ctl("roster", "import", path, check=False)
        ok(r.returncode == 0 and "unchanged" in r.stdout, "re-importing the roster in force "
           "writes nothing", r.stdout + r.stderr)
        after = kiosk.db("SELECT key, participant_id, revoked, origin, conflict FROM cards "
                         "ORDER BY key")
        ok(before == after, "every card as it was", "%s\n%s" % (before, after))
        outcomes = [tap_outcome(kiosk, NEW_UID), tap_outcome(kiosk, GONE_UID)]
        ok(outcomes[0].startswith("accepted") and outcomes[1] == "revoked_card",
           "the enrolled card is accepted, the revoked one refused", outcomes)

        # A roster naming a regime this kiosk does not have is refused whole, by path.
        bad = kiosklib.roster(3)
        bad["participants"][2]["regime"] = "no-such-regime"
        r = kiosk.ctl("roster", "import", s.write_json("bad.json", bad), check=False)
        ok(r.returncode == 2 and "participants[2].regime" in r.stderr,
           "an unknown regime is refused whole with the field's path", r.stderr)
        ok(kiosk.db("SELECT count(*) FROM participants WHERE regime = 'no-such-regime'")[0][0]
           == 0, "and nothing of it is written")

        # A changed roster from the municipality that still contradicts both changes.
        roster2 = kiosklib.roster(4)
        s.write_json("roster.json", roster2)
        conflicts = munilib.wait_for(
            lambda: munilib.upload_check(kiosk).get("card_conflicts") == 2, 20)
        up = munilib.upload_check(kiosk)
        ok(conflicts, "a newer roster that contradicts both changes: 2 conflicts in /healthz",
           json.dumps(up))
        ok(kiosk.db("SELECT count(*) FROM participants WHERE ext_id = 'P-000004'")[0][0] == 1,
           "the rest of the changed roster is applied")
        ok(card_state(kiosk, new_key)[:3] == ("P-000001", 0, "local")
           and card_state(kiosk, gone_key)[:3] == ("P-000002", 1, "local"),
           "both local changes hold", "%s %s" % (card_state(kiosk, new_key),
                                                 card_state(kiosk, gone_key)))
        lst = {c["card"]: c for c in up.get("card_conflict_list", [])}
        ok(lst.get(new_key, {}).get("roster") == "not on the roster" and
           lst.get(gone_key, {}).get("roster") == "P-000002" and
           lst.get(gone_key, {}).get("kiosk") == "revoked",
           "each conflict says what the kiosk keeps and what the roster says", json.dumps(lst))
        _, page = b.req("GET", "/board")
        ok('id="card-conflicts"' in page and new_key in page and gone_key in page,
           "the teacher sees both conflicts on the board")

        # The municipality takes the changes into its roster: acknowledged.
        roster3 = kiosklib.roster(4)
        roster3["participants"][0]["cards"].append(NEW_UID)
        roster3["participants"][1]["cards"] = []
        s.write_json("roster.json", roster3)
        cleared = munilib.wait_for(
            lambda: munilib.upload_check(kiosk).get("card_conflicts") == 0, 20)
        ok(cleared and card_state(kiosk, new_key) == ("P-000001", 0, "roster", "")
           and card_state(kiosk, gone_key) == ("P-000002", 1, "roster", ""),
           "a roster that agrees clears the conflicts; the roster owns the cards again",
           "%s %s" % (card_state(kiosk, new_key), card_state(kiosk, gone_key)))
        _, page = b.req("GET", "/board")
        ok('id="card-conflicts"' not in page, "and the board no longer shows them")
    kiosklib.done()


if __name__ == "__main__":
    main()
