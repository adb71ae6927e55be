#!/usr/bin/env python3
"""Each command gives the same result and the same audit action wherever it comes
from (issue 13): one table, one row per command, one column per path — the teacher
board, the payroll API where the command has one, and stempelctl (over the control
socket while the daemon runs).  Each path does the same change to its own
participant (or period); afterwards the rows written are the same, the outbox event
is the same type, and the audit log has exactly one entry per path under the
command's one action name, naming the actor.  Refusals are the same too: enrolling
a card for an unknown or inactive participant is refused by every path and
audited by none (the board used to refuse it and the CLI to accept it)."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done, roster  # noqa: E402

BIN = os.environ.get("BIN", "build/asan")
PASSWORD = "teacher password 1"


def load_helpers():
    """Board and api() from 34-one-writer.py, one definition for both tests."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "onewriter", os.path.join(os.path.dirname(os.path.abspath(__file__)), "34-one-writer.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


W = load_helpers()


def ctl(k, *args):
    return subprocess.run([os.path.join(BIN, "stempelctl"), "-c", k.conf] + list(args),
                          capture_output=True, text=True, timeout=300)


def main():
    k = Kiosk(roster_doc=roster(12))
    try:
        run(k)
    finally:
        k.cleanup()
    done()


def run(k):
    r = subprocess.run([os.path.join(BIN, "stempelctl"), "-c", k.conf, "user", "add", "kari",
                        "--role", "teacher", "--password-stdin"], input=PASSWORD + "\n",
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert ctl(k, "g", "add", "2025-05-01", "130160").returncode == 0
    # In service since January, so the January period is offered for payment.
    assert ctl(k, "attendance", "results-from", "2026-01-01").returncode == 0
    token = ctl(k, "token", "create", "--scope", "payroll", "--name", "lonn").stdout.strip()
    # P-000012 leaves the roster: inactive.
    doc = roster(11)
    path = os.path.join(k.dir, "r11.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    assert ctl(k, "roster", "import", path).returncode == 0
    k.start()
    board = W.Board(k.port)
    board.login("kari")
    st, body = W.api(k, "GET", "/api/v1/periods", token)
    periods = {p["from"]: p["id"] for p in json.loads(body)["periods"]}

    def key_of(uid):
        """The card key the daemon made for a tapped UID (the board lists keys)."""
        rows = k.db("SELECT card_key FROM taps WHERE id = (SELECT max(id) FROM taps)")
        return rows[0][0]

    def board_post(path, form):
        st, page = board.req("POST", path, dict(form, csrf=board.csrf))
        return st in (302, 303)

    def cli_ok(*args):
        return ctl(k, *args).returncode == 0

    def api_close(pid_from):
        st, _ = W.api(k, "POST", "/api/v1/periods/%d/close" % periods[pid_from], token,
                      json.dumps({"reason": "parity"}))
        return st == 200

    # Fresh unknown cards: one tapped per path, enrolled by that path.
    k.tap("04D00011")
    board_key = key_of("04D00011")

    # command, action, outbox event type or None, {path: (do it, check the row)}
    table = [
        ("card.enroll", "card.enroll", None, {
            # P-000001 has a roster card: the board asks to confirm a second one.
            "board": (lambda: board_post("/board/enroll", {"card": board_key, "confirm": "1",
                                                           "participant": "P-000001"}),
                      lambda: k.db("SELECT count(*) FROM cards c JOIN participants p ON"
                                   " p.id = c.participant_id WHERE p.ext_id = 'P-000001'"
                                   " AND c.revoked = 0")[0][0] == 2),
            "cli": (lambda: cli_ok("card", "enroll", "04D00012", "P-000002"),
                    lambda: k.db("SELECT count(*) FROM cards c JOIN participants p ON"
                                 " p.id = c.participant_id WHERE p.ext_id = 'P-000002'"
                                 " AND c.revoked = 0")[0][0] == 2)}),
        ("absence.register", "absence.register", "absence", {
            "board": (lambda: board_post("/board/absence", {
                "id": "P-000003", "category": "sick_doctor", "from": "2026-11-09",
                "to": "2026-11-09", "documentation": "doctor_note", "comment": "",
                "step": "save"}),
                lambda: k.db("SELECT category, from_date, to_date, documentation FROM absences a"
                             " JOIN participants p ON p.id = a.participant_id WHERE"
                             " p.ext_id = 'P-000003'") ==
                [("sick_doctor", "2026-11-09", "2026-11-09", "doctor_note")]),
            "cli": (lambda: cli_ok("absence", "add", "P-000004", "sick_doctor", "2026-11-09",
                                   "--documentation", "doctor_note"),
                    lambda: k.db("SELECT category, from_date, to_date, documentation FROM"
                                 " absences a JOIN participants p ON p.id = a.participant_id"
                                 " WHERE p.ext_id = 'P-000004'") ==
                    [("sick_doctor", "2026-11-09", "2026-11-09", "doctor_note")])}),
        ("correction.add", "correction.add", "correction", {
            "board": (lambda: board_post("/board/correct", {
                "id": "P-000005", "action": "add", "date": "2026-11-10", "time": "09:15",
                "direction": "in", "reason": "forgot"}),
                lambda: k.db("SELECT action, local_date, local_min, direction FROM corrections c JOIN"
                             " participants p ON p.id = c.participant_id WHERE"
                             " p.ext_id = 'P-000005'") == [("add", "2026-11-10", 555, "in")]),
            "cli": (lambda: cli_ok("correction", "add", "P-000006", "2026-11-10", "09:15", "in",
                                   "--reason", "forgot"),
                    lambda: k.db("SELECT action, local_date, local_min, direction FROM corrections c"
                                 " JOIN participants p ON p.id = c.participant_id WHERE"
                                 " p.ext_id = 'P-000006'") == [("add", "2026-11-10", 555,
                                                                 "in")])}),
        ("period.close", "period.close", "period_result", {
            "api": (lambda: api_close("2026-01-01"),
                    lambda: k.db("SELECT status FROM periods WHERE from_date = '2026-01-01'")
                    == [("closed",)]),
            "cli": (lambda: cli_ok("period", "close", str(periods["2026-02-01"])),
                    lambda: k.db("SELECT status FROM periods WHERE from_date = '2026-02-01'")
                    == [("closed",)])}),
    ]
    actor = {"board": "user:kari", "api": "token:lonn", "cli": "cli:"}
    for cmd, action, evtype, paths in table:
        results = {}
        for path, (do, check) in paths.items():
            before = k.db("SELECT count(*) FROM audit WHERE action = ?", (action,))[0][0]
            ev_before = k.db("SELECT count(*) FROM outbox WHERE type = ?", (evtype,))[0][0] \
                if evtype else 0
            did = do()
            entries = k.db("SELECT who FROM audit WHERE action = ? ORDER BY id", (action,))[before:]
            ev = (k.db("SELECT count(*) FROM outbox WHERE type = ?", (evtype,))[0][0] - ev_before
                  if evtype else 0)
            results[path] = (did, check(), len(entries),
                             all(w.startswith(actor[path]) for (w,) in entries), ev > 0 or not evtype)
        ok(all(r[:2] == (True, True) for r in results.values()),
           "%s: the same change from %s" % (cmd, " and ".join(paths)), results)
        ok(all(r[2] == 1 and r[3] for r in results.values()),
           "%s: one audit entry '%s' per path, naming the actor" % (cmd, action), results)
        ok(all(r[4] for r in results.values()),
           "%s: the same outbox event from every path" % cmd, results)

    # Refusals: unknown and inactive participants, from every path; nothing audited.
    k.tap("04D00021")
    key21 = key_of("04D00021")
    n = k.db("SELECT count(*) FROM audit WHERE action = 'card.enroll'")[0][0]
    for who in ("P-999999", "P-000012"):
        st, _ = board.req("POST", "/board/enroll", {"csrf": board.csrf, "card": key21,
                                                    "participant": who})
        r = ctl(k, "card", "enroll", "04D00021", who)
        ok(st == 422 and r.returncode == 2,
           "card.enroll for %s participant %s: refused by the board (422) and the CLI (exit 2)"
           % ("an unknown" if who == "P-999999" else "an inactive", who), (st, r.returncode,
                                                                           r.stderr))
    ok(k.db("SELECT count(*) FROM audit WHERE action = 'card.enroll'")[0][0] == n,
       "refused enrolments are not audited")
    r = ctl(k, "audit", "verify")
    ok(r.returncode == 0, "audit chain intact", r.stdout)
    ok(k.stop() == 0, "stempeld stops cleanly")


if __name__ == "__main__":
    main()
