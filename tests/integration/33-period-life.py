#!/usr/bin/env python3
"""The life of a pay period in a real stempeld, November 2026 played with the kiosk's
clock (STEMPEL_CLOCK_OFFSET_S, trusted with STEMPEL_CLOCK_EPOCH) on the 3rd, the 15th
and the day after the last: mid-month every document (JSON, CSV, NIR, basis) is
preliminary and future or open days carry no unexcused minutes or deduction, only
pending ones; close is refused with the time it becomes possible, malformed close
bodies get 400 and close nothing; on 1 December the period has ended and closes.
Periods before the service date are not offered, and a clock 40 years ahead leaves
no period behind."""
import calendar
import csv
import io
import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done  # noqa: E402

os.environ["STEMPEL_CLOCK_EPOCH"] = str(calendar.timegm((2025, 1, 1, 0, 0, 0)))


def set_clock(y, m, d, hh=12, mm=0):
    os.environ["STEMPEL_CLOCK_OFFSET_S"] = str(calendar.timegm((y, m, d, hh, mm, 0)) -
                                               int(time.time()))


def person(pid, card, name):
    return {"id": pid, "name": name, "language": "nb", "programme_start": "2026-01-05",
            "cards": [card],
            "schedule": {"template": [{"weekdays": [1, 2, 3, 4, 5], "start": "08:00",
                                       "end": "15:30"}]}}


ROSTER = {"participants": [person("P-1", "04A30001", "Amina Ali"),
                           person("P-2", "04A30002", "Kari Nordmann")]}


def call(k, method, path, token=None, body=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (k.port, path), method=method,
                                 data=body)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(k, path, token):
    st, _, b = call(k, "GET", path, token)
    return json.loads(b) if st == 200 else {"_status": st, "_body": b.decode(errors="replace")}


def line(doc, pid):
    return [l for l in doc.get("lines", []) if l["participant"] == pid and l["kind"] == "line"][0]


def november(k, token):
    st, _, b = call(k, "GET", "/api/v1/periods", token)
    ps = json.loads(b)["periods"] if st == 200 else []
    return ([p for p in ps if p["from"] == "2026-11-01"] or [{}])[0], ps


def still_open(k, pid):
    return k.db("SELECT status FROM periods WHERE id = ?", (pid,))[0][0] == "open" and \
        k.db("SELECT count(*) FROM audit WHERE action = 'period.close'")[0][0] == 0


set_clock(2026, 11, 3, 10, 0)
k = Kiosk(roster_doc=ROSTER)
try:
    token = k.ctl("token", "create", "--scope", "payroll", "--name", "lonn").stdout.strip()
    # The kiosk went into service on 2 November; P-1 came on the 2nd and is in on the 3rd.
    k.ctl("attendance", "results-from", "2026-11-02")
    k.ctl("g", "add", "2026-05-01", "134000")
    k.ctl("correction", "add", "P-1", "2026-11-02", "07:55", "in", "--reason", "paper list")
    k.ctl("correction", "add", "P-1", "2026-11-02", "15:35", "out", "--reason", "paper list")
    k.ctl("correction", "add", "P-1", "2026-11-03", "07:58", "in", "--reason", "paper list")
    k.start()

    # --- the 3rd, 10:00 ---
    nov, periods = november(k, token)
    ok([p["from"] for p in periods] == ["2026-11-01"],
       "no period before the service date is offered (programme start in January)", periods)
    ok(nov.get("state") == "running", "November is running on the 3rd", nov)
    doc = get_json(k, "/api/v1/periods/%d/stipend.json" % nov["id"], token)
    if "_status" in doc:
        print("# stipend.json:", doc)
    p1, p2 = line(doc, "P-1"), line(doc, "P-2")
    ok(doc.get("preliminary") is True and doc["period"].get("state") == "running" and
       doc["period"].get("closable_from") == "2026-12-01T00:00",
       "stipend.json is preliminary and says from when it can close", doc.get("period"))
    ok(p1["preliminary"] and p1["unexcused_min"] == 0 and p1["deduction"] == "0.00" and
       p1["attended_min"] == 2 * 450 and p1["pending_min"] == 19 * 450,
       "P-1: the 2nd attended, in on the open 3rd (presence to the session end), the future "
       "pending, nothing unexcused", p1)
    ok(p1["gross"] == "21588.89",
       "gross for the days in service: 29 calendar days x (2 G / 12) / 30", p1["gross"])
    ok(p2["unexcused_min"] == 450 and p2["pending_min"] == 20 * 450 and
       p2["decision_required"] is False,
       "P-2: only the final 2nd is unexcused; the open 3rd and the future are pending", p2)
    ok(p2["deduction"] != "0.00" and p2["net"] == "%.2f" % (
        float(p2["gross"]) - float(p2["deduction"]) - float(p2["unpaid_leave"])),
       "the deduction of one final day, and net = gross - deduction - unpaid leave", p2)
    r = k.ctl("attendance", "show", "P-2", "2026-11-01", "2026-11-30")
    days = {d["date"]: d for d in json.loads(r.stdout)["days"]}
    ok(days["2026-11-02"]["state"] == "final" and days["2026-11-03"]["state"] == "open" and
       days["2026-11-04"]["state"] == "future" and days["2026-11-04"]["unexcused_min"] == 0 and
       days["2026-11-04"]["pending_min"] == 450 and days["2026-11-01"]["scheduled_min"] == 0,
       "stempelctl attendance shows each day's state and pending minutes",
       (days["2026-11-02"], days["2026-11-03"], days["2026-11-04"]))
    st, hd, text = call(k, "GET", "/api/v1/periods/%d/stipend.csv" % nov["id"], token)
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    ok(st == 200 and text.startswith(b"\xef\xbb\xbf") and rows[0][0] == "Status" and
       all(r[0] == "foreløpig" for r in rows[1:]) and "Netto (kr)" in rows[0],
       "stipend.csv: BOM, Norwegian headers, every line marked foreløpig", rows[:2])
    nir = get_json(k, "/api/v1/periods/%d/nir.json" % nov["id"], token)
    ok(nir.get("preliminary") is True and len(nir.get("participants", [])) == 2 and
       [r for r in nir["participants"] if r["participant"] == "P-2"][0][
           "invalid_absence_hours"] == "7.50",
       "nir.json is preliminary with the final days' invalid absence", nir)
    st, _, b = call(k, "GET", "/api/v1/periods/%d/nir.csv" % nov["id"], token)
    ok(st == 200 and "foreløpig".encode() in b, "nir.csv is marked foreløpig", b[:300])
    basis = get_json(k, "/api/v1/periods/%d/participants/P-2/basis.json" % nov["id"], token)
    ok(basis.get("preliminary") is True and basis.get("status") == "preliminary" and
       basis.get("line") == p2, "basis.json is preliminary and carries the stipend line",
       {k_: basis.get(k_) for k_ in ("status", "preliminary", "_status", "_body")})
    st, hd, html = call(k, "GET", "/api/v1/periods/%d/participants/P-2/basis" % nov["id"],
                        token)
    ok(st == 200 and hd.get("Content-Type", "").startswith("text/html") and
       "FORELØPIG".encode() in html and b"@media print" in html,
       "the basis page says FORELØPIG and is made for print", (st, html[:200]))
    ok(call(k, "GET", "/api/v1/periods/%d/participants/P-9/basis.json" % nov["id"],
            token)[0] == 404, "basis of an unknown participant: 404")

    # Close before the end: refused with the time, nothing closed.
    st, _, b = call(k, "POST", "/api/v1/periods/%d/close" % nov["id"], token,
                    b'{"reason":"too early"}')
    ans = json.loads(b) if b else {}
    ok(st == 409 and ans.get("closable_from") == "2026-12-01T00:00" and
       "2026-12-01" in ans.get("error", "") and still_open(k, nov["id"]),
       "close on the 3rd: 409 with the time it becomes possible, still open", (st, ans))

    # Malformed bodies: 400, nothing closed, never "database: not an error".
    bad = [b"not json", b'{"reason":123}', b'{"reason":null}', b'[]', b'"reason"',
           b'{"reason":"x","extra":1}', b'{"reason":"' + b"x" * 10240 + b'"}',
           b'{"reason":"' + "ø".encode() * 501 + b'"}', b'{"reason":"bad \xc3( utf-8"}',
           b'{"reason":"nul \\u0000"}', b'{"reason":"a","reason":"b"}']
    for body in bad:
        st, _, b = call(k, "POST", "/api/v1/periods/%d/close" % nov["id"], token, body)
        msg = json.loads(b).get("error", "") if b.startswith(b"{") else ""
        ok(st == 400 and msg and "not an error" not in msg and still_open(k, nov["id"]),
           "malformed close body %r: 400 and the period stays open" % body[:40], (st, msg))
    k.stop()

    # --- the 15th (a Sunday), 12:00 ---
    set_clock(2026, 11, 15, 12, 0)
    k.start()
    doc = get_json(k, "/api/v1/periods/%d/stipend.json" % nov["id"], token)
    p2 = line(doc, "P-2")
    ok(doc.get("preliminary") is True and p2["unexcused_min"] == 10 * 450 and
       p2["pending_min"] == 11 * 450,
       "the 15th: ten final weekdays unexcused, eleven weekdays pending", p2)
    st, _, b = call(k, "POST", "/api/v1/periods/%d/close" % nov["id"], token,
                    b'{"reason":"mid-month"}')
    ok(st == 409 and still_open(k, nov["id"]), "close on the 15th: refused", b)
    k.stop()

    # --- a clock 40 years ahead leaves nothing behind ---
    set_clock(2066, 11, 15, 12, 0)
    k.start()
    call(k, "GET", "/api/v1/periods", token)
    k.stop()

    # --- the day after the last, 00:30 ---
    set_clock(2026, 12, 1, 0, 30)
    k.start()
    nov, periods = november(k, token)
    ok(max(p["to"] for p in periods) == "2026-12-31",
       "the periods the wrong clock made are gone", [p["from"] for p in periods][-3:])
    ok(nov.get("state") == "ended", "November has ended on 1 December", nov)
    doc = get_json(k, "/api/v1/periods/%d/stipend.json" % nov["id"], token)
    p2 = line(doc, "P-2")
    ok(doc.get("preliminary") is False and p2["pending_min"] == 0 and
       p2["unexcused_min"] == 21 * 450 and p2["decision_required"] is True,
       "every day final: 21 weekdays unexcused, an enkeltvedtak required", p2)
    st, _, b = call(k, "POST", "/api/v1/periods/%d/close" % nov["id"], token,
                    json.dumps({"reason": "November ø ✓ " + "å" * 400}).encode())
    ok(st == 200 and json.loads(b)["period"]["status"] == "closed",
       "on 1 December November closes (a long non-ASCII reason is kept whole)", b)
    audit = k.db("SELECT detail FROM audit WHERE action = 'period.close'")
    ok(len(audit) == 1 and ("å" * 400) in json.loads(audit[0][0])["reason"],
       "the reason is in the audit log whole", audit)
    st, _, text = call(k, "GET", "/api/v1/periods/%d/stipend.csv" % nov["id"], token)
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    ok(all(r[0] == "endelig" for r in rows[1:]), "the closed period's CSV says endelig", rows)
    basis = get_json(k, "/api/v1/periods/%d/participants/P-2/basis.json" % nov["id"], token)
    ev = basis.get("enkeltvedtak", {})
    ok(basis.get("status") == "closed" and ev.get("share_test", {}).get("met") is True and
       ev.get("g_test", {}).get("met") is True and ev.get("decision_required") is True,
       "the closed basis shows both enkeltvedtak tests met", ev)
finally:
    k.cleanup()
done()
