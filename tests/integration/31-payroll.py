#!/usr/bin/env python3
"""The payroll API of a real stempeld: bearer tokens (401 without, unknown or
revoked; a payroll token does not open the board), the period list, closing a
period (audited with the token's name and the reason; the closed period's JSON
and CSV byte-identical after later corrections and after a restart), a
correction after close as an adjustment line in the next period pointing to the
corrected day, the CSV read back with python's csv module giving the JSON's
totals, and a period needing an unknown G refused with the date named."""
import calendar
import csv
import http.client
import io
import json
import os
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done  # noqa: E402


def set_clock(y, m, d, hh=12, mm=0):
    os.environ["STEMPEL_CLOCK_OFFSET_S"] = str(calendar.timegm((y, m, d, hh, mm, 0)) -
                                               int(time.time()))


def person(pid, card, name):
    return {"id": pid, "name": name, "language": "nb", "programme_start": "2026-01-05",
            "cards": [card],
            "schedule": {"template": [{"weekdays": [1, 2, 3, 4, 5], "start": "08:00",
                                       "end": "15:30"}]}}


ROSTER = {"participants": [person("P-1", "04A20001", "Amina Ali"),
                           person("P-2", "04A20002", "Ola \"Olsen\"; Nordmann")]}


def call(k, method, path, token=None, body=None):
    """(status, headers, body bytes) for any status."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (k.port, path), method=method,
                                 data=body.encode() if body is not None else None)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def period_id(k, token, frm):
    st, _, b = call(k, "GET", "/api/v1/periods", token)
    for p in json.loads(b)["periods"] if st == 200 else []:
        if p["from"] == frm:
            return p["id"]
    return None


# The CSV's English headers ([payroll] language = en) and the JSON keys they carry.
HEADERS = {"Name": "name", "Scheduled (hours)": "scheduled_hours",
           "Attended (hours)": "attended_hours", "Unexcused absence (hours)": "unexcused_hours",
           "Gross (kr)": "gross", "Deduction (kr)": "deduction",
           "Unpaid leave (kr)": "unpaid_leave",
           "Valid absence: sick, doctor's note (hours)": "excused_hours_sick_doctor"}


def csv_totals(text):
    rows = [{HEADERS.get(k, k): v for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text), delimiter=";")]
    tot = {}
    for row in rows:
        for key, v in row.items():
            if "_hours" in key or key in ("gross", "deduction", "unpaid_leave"):
                tot[key] = tot.get(key, Decimal(0)) + Decimal(v.replace(",", "."))
    return rows, tot


set_clock(2026, 3, 16)
k = Kiosk(roster_doc=ROSTER, config_extra="[payroll]\npay_code = INTRO-7\nlanguage = en\n")
try:
    r = k.ctl("token", "create", "--scope", "payroll", "--name", "lonn", check=False)
    token = r.stdout.strip()
    ok(r.returncode == 0 and len(token) == 43, "token create prints the token once",
       r.stdout + r.stderr)
    ok(k.db("SELECT count(*) FROM api_tokens WHERE token_hash = ?", (token,))[0][0] == 0,
       "the database keeps only the token's hash")
    old = k.ctl("token", "create", "--scope", "payroll", "--name", "old").stdout.strip()
    old_id = [line.split()[0] for line in k.ctl("token", "list").stdout.splitlines()
              if " old " in line][0]
    ok(k.ctl("token", "revoke", old_id, check=False).returncode == 0, "token revoke")
    bad = k.ctl("token", "create", "--scope", "board", check=False)
    ok(bad.returncode == 2, "a token of an unknown scope is refused", bad.stderr)

    # Attendance in February, entered as corrections (the kiosk's clock is in March).
    for day in ("2026-02-02", "2026-02-03"):
        k.ctl("correction", "add", "P-1", day, "07:58", "in", "--reason", "paper list")
        k.ctl("correction", "add", "P-1", day, "15:32", "out", "--reason", "paper list")
    k.ctl("absence", "add", "P-1", "sick_doctor", "2026-02-04", "--documentation", "doctor_note")
    # the kiosk has been in service since January: February is observed
    k.ctl("attendance", "results-from", "2026-01-01")
    k.start()

    st, hd, _ = call(k, "GET", "/api/v1/periods")
    ok(st == 401 and "Bearer" in hd.get("WWW-Authenticate", ""), "no token: 401", st)
    ok(call(k, "GET", "/api/v1/periods", "x" * 43)[0] == 401, "an unknown token: 401")
    ok(call(k, "GET", "/api/v1/periods", old)[0] == 401, "a revoked token: 401")
    ok(call(k, "GET", "/api/v1/periods/1/stipend.csv", old)[0] == 401,
       "a revoked token: 401 on every path")
    conn = http.client.HTTPConnection("127.0.0.1", k.port, timeout=10)
    conn.request("GET", "/board", headers={"Authorization": "Bearer " + token})
    st = conn.getresponse().status
    conn.close()
    ok(st in (302, 303, 401, 403), "a payroll token does not open the board (no redirect "
       "followed)", st)

    st, _, b = call(k, "GET", "/api/v1/periods", token)
    periods = json.loads(b)["periods"] if st == 200 else []
    ok([p["from"] for p in periods] == ["2026-01-01", "2026-02-01", "2026-03-01"] and
       all(p["status"] == "open" for p in periods),
       "the periods from the programme start to today, open", b)
    feb, mar = period_id(k, token, "2026-02-01"), period_id(k, token, "2026-03-01")

    st, _, b = call(k, "GET", "/api/v1/periods/%d/close" % feb, token)
    ok(st == 405, "close needs POST", st)
    st, _, b = call(k, "POST", "/api/v1/periods/%d/close" % feb, token,
                    json.dumps({"reason": "February payroll run"}))
    p = json.loads(b).get("period", {}) if st == 200 else {}
    ok(p.get("status") == "closed" and p.get("closed_by") == "token:lonn",
       "POST close: closed by the token's name", b)
    ok(call(k, "POST", "/api/v1/periods/%d/close" % feb, token)[0] == 409,
       "closing twice: 409")
    ok(call(k, "POST", "/api/v1/periods/999/close", token)[0] == 404, "no such period: 404")
    audit = k.db("SELECT who, detail FROM audit WHERE action = 'period.close'")
    ok(len(audit) == 1 and audit[0][0] == "token:lonn" and "February payroll run" in audit[0][1],
       "the close is audited with who and why", audit)

    st, hd, feb_json = call(k, "GET", "/api/v1/periods/%d/stipend.json" % feb, token)
    st2, hd2, feb_csv = call(k, "GET", "/api/v1/periods/%d/stipend.csv" % feb, token)
    doc = json.loads(feb_json) if st == 200 else {}
    ok(st == 200 and st2 == 200 and hd2.get("Content-Type", "").startswith("text/csv"),
       "stipend.json and stipend.csv", (st, st2, hd2))
    lines = doc.get("lines", [])
    amina = [l for l in lines if l["participant"] == "P-1"]
    ok(len(lines) == 2 and amina and amina[0]["attended_min"] == 2 * 450 and
       amina[0]["excused_min"] == {"sick_doctor": 450} and amina[0]["pay_code"] == "INTRO-7",
       "one line per participant with minutes by category and the pay code", lines[:1])
    ok(feb_csv.startswith(b"\xef\xbb\xbf"), "a byte-order mark when the separator is ';'")
    rows, tot = csv_totals(feb_csv.decode("utf-8-sig"))
    jt = doc.get("totals", {})
    same = len(rows) == len(lines) and all(
        tot[key] == Decimal(jt[key]) for key in
        ("scheduled_hours", "attended_hours", "unexcused_hours", "gross", "deduction"))
    same = same and tot["excused_hours_sick_doctor"] == Decimal(
        jt["excused_hours"]["sick_doctor"])
    ok(same, "the CSV read back with the csv module gives the JSON's totals", (tot, jt))
    ok(any(r["name"] == 'Ola "Olsen"; Nordmann' for r in rows),
       "a name with quotes and the separator survives the CSV", rows)
    ok(b";" in feb_csv and b"," in feb_csv and b"\r\n" in feb_csv,
       "separator ';', decimal mark ',', CRLF records")

    # A correction after close: February stays, March gets the difference.
    r = k.ctl("correction", "add", "P-2", "2026-02-05", "08:00", "in", "--reason", "late list",
              check=False)
    k.ctl("correction", "add", "P-2", "2026-02-05", "15:30", "out", "--reason", "late list")
    ok(call(k, "GET", "/api/v1/periods/%d/stipend.json" % feb, token)[2] == feb_json and
       call(k, "GET", "/api/v1/periods/%d/stipend.csv" % feb, token)[2] == feb_csv,
       "the closed period's JSON and CSV are byte-identical after a correction")
    st, _, b = call(k, "GET", "/api/v1/periods/%d/stipend.json" % mar, token)
    adj = [l for l in json.loads(b)["lines"] if l["kind"] == "adjustment"] if st == 200 else []
    ok(len(adj) == 1 and adj[0]["participant"] == "P-2" and
       adj[0]["corrects_period"]["id"] == feb and adj[0]["corrects_date"] == "2026-02-05" and
       adj[0]["attended_min"] == 450 and adj[0]["unexcused_min"] == -450 and
       adj[0]["deduction"].startswith("-"),
       "the correction is an adjustment line in March pointing to 2026-02-05", adj)
    st, _, mar_csv = call(k, "GET", "/api/v1/periods/%d/stipend.csv" % mar, token)
    ok(b"preliminary;adjustment;2026-03-01;2026-03-31;P-2" in mar_csv and b";2026-02-01;2026-02-28;2026-02-05"
       in mar_csv, "the adjustment in the CSV with the period and day it corrects", mar_csv)
    ok(k.db("SELECT count(*) FROM outbox WHERE type = 'adjustment'")[0][0] == 1 and
       k.db("SELECT count(*) FROM outbox WHERE type = 'period_result'")[0][0] == 2,
       "period_result and adjustment events queued for upload")

    # Restart: nothing changes.
    ok(k.stop() == 0, "stempeld stops cleanly")
    k.start()
    ok(call(k, "GET", "/api/v1/periods/%d/stipend.json" % feb, token)[2] == feb_json and
       call(k, "GET", "/api/v1/periods/%d/stipend.csv" % mar, token)[2] == mar_csv,
       "after a restart the closed period and the adjustments are the same bytes")
    k.stop()

    # June: May needs the G of 2026-05-01, which nobody has entered.
    set_clock(2026, 6, 10)
    k.start()
    may = period_id(k, token, "2026-05-01")
    st, _, b = call(k, "POST", "/api/v1/periods/%d/close" % may, token)
    msg = json.loads(b).get("error", "") if b else ""
    ok(st == 422 and "unknown for 2026-05-" in msg, "closing May without its G: 422 naming the "
       "date", (st, msg))
    st, _, b = call(k, "GET", "/api/v1/periods/%d/stipend.json" % may, token)
    ok(st == 409 and b"unknown for 2026-05-" in b, "May's stipend: 409 naming the date", b)
    ok(k.db("SELECT status FROM periods WHERE id = ?", (may,))[0][0] == "open",
       "the refused period is still open")
    r = k.ctl("g", "add", "2026-05-01", "130160", check=False)
    ok(r.returncode == 0, "stempelctl g add", r.stdout + r.stderr)
    st, _, b = call(k, "POST", "/api/v1/periods/%d/close" % may, token)
    ok(st == 200, "with the G entered, May closes", b)
finally:
    k.cleanup()
done()
