#!/usr/bin/env python3
"""reference.py — a second, deliberately plain implementation of RULES.md's day
arithmetic (minutes, not money), written from the text with sets of minutes and no
shared code, to compare with `stempelctl rules eval` on random scenarios.

Usage: reference.py STEMPELCTL N [SEED]   (prints one line per disagreement; exit 1 if any)

It covers the Norwegian regimes (scheduled and calendar counting), in_out taps with a
forgotten tap-out ending at the session end, in_only taps, off-site sessions, closures and dated
exceptions, the programme start and end, whole-day, time-of-day and amount
registrations of every category, doctor's notes, history, and the rulings of December
2026, and grace_minutes (rounding stays at its default, 1).
"""
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile

D = dt.date
ONE = dt.timedelta(days=1)
ORDER = ["leave_approved", "religious_holiday", "pregnancy", "birth_mother", "birth_father",
         "nursing", "sick_doctor", "sick_self_declared", "child_sick", "vacation",
         "leave_unpaid"]
REGIMES = {  # the regime files' values that matter here
    "no-integreringsloven": {"count": "scheduled", "waiting": 8},
    "no-introduksjonsloven": {"count": "calendar", "waiting": 8},
}


def easter(y):
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l) // 433
    month = (h + l - 7 * m + 90) // 25
    return D(y, month, (h + l - 7 * m + 33 * month + 19) % 32)


def holiday(d):
    e = easter(d.year)
    # Easter Sunday and Whit Sunday are Sundays, and holidays when a template has Sundays.
    moving = {e - 3 * ONE, e - 2 * ONE, e, e + ONE, e + 39 * ONE, e + 49 * ONE, e + 50 * ONE}
    return d in moving or (d.month, d.day) in {(1, 1), (5, 1), (5, 17), (12, 25), (12, 26)}


def hm(s):
    return int(s[:2]) * 60 + int(s[3:5])


def add_months(d, n):
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    last = (D(y + (m == 12), m % 12 + 1, 1) - ONE).day
    return D(y, m, min(d.day, last))


class Ref:
    def __init__(self, sc):
        self.sc = sc
        self.reg = REGIMES[sc["regime"]]
        p = sc["participant"]
        self.start = D.fromisoformat(p["programme_start"])
        self.end = D.fromisoformat(p["programme_end"]) if p.get("programme_end") else None
        self.taps = {}
        for t in sc["taps"]:
            day = D.fromisoformat(t[:10])
            self.taps.setdefault(day, []).append(hm(t[11:]))
        self.closures = {D.fromisoformat(c) for c in sc.get("closures", [])}
        self.abs = []
        for a in sc["absences"]:
            b = dict(a)
            b["from"] = D.fromisoformat(a.get("date", a.get("from")))
            b["to"] = D.fromisoformat(a.get("date", a.get("to")))
            cat = a["category"]
            if cat == "sick_self_declared" and a.get("doctor_note"):
                cat = "sick_doctor"
            b["cat"] = cat
            self.abs.append(b)

    def sessions(self, d):
        """[(start, end, off_site)] of the day."""
        if d < self.start or (self.end and d > self.end) or holiday(d) or d in self.closures:
            return []
        exc = [e for e in self.sc["schedule"] if e.get("date") == d.isoformat()]
        if exc:
            return [(hm(e["start"]), hm(e["end"]), e.get("off_site", False))
                    for e in exc if not e.get("cancelled")]
        return [(hm(e["start"]), hm(e["end"]), e.get("off_site", False))
                for e in self.sc["schedule"] if "date" not in e and d.isoweekday() in e["weekdays"]]

    def day_sets(self, d):
        onsite, offsite = set(), set()
        for s, e, off in self.sessions(d):
            (offsite if off else onsite).update(range(s, e))
        offsite -= onsite
        return onsite, offsite

    def presence(self, d, ss):
        t = sorted(self.taps.get(d, []))
        pres = set()
        if self.sc.get("tap_mode") == "in_only":
            # Each session's tap is the first one after the previous session ended; it
            # opens the session to its end.
            prev = 0
            for s, e, off in sorted(ss):
                first = [x for x in t if prev <= x < e]
                if first:
                    pres.update(range(max(first[0], s), e))
                prev = max(prev, e)
            return pres
        for i in range(0, len(t) - 1, 2):
            pres.update(range(t[i], t[i + 1]))
        if len(t) % 2:
            ends = sorted(e for s, e, off in ss if e > t[-1])
            if ends:
                pres.update(range(t[-1], ends[0]))
        return pres

    def regs(self, d, cat, note=None):
        return [a for a in self.abs if a["cat"] == cat and a["from"] <= d <= a["to"]
                and (note is None or bool(a.get("doctor_note")) == note)]

    def cover(self, d, regs, missing):
        got = set()
        amount = 0
        for a in regs:
            if "minutes" in a or "hours" in a:
                amount += a.get("minutes", 0) + round(a.get("hours", 0) * 60)
            elif "start" in a:
                got |= set(range(hm(a["start"]), hm(a["end"]))) & missing
            else:
                got |= missing
        rest = sorted(missing - got)
        return got | set(rest[:amount])

    def run(self):
        sc = self.sc
        frm, to = D.fromisoformat(sc["period"]["from"]), D.fromisoformat(sc["period"]["to"])
        hist = [(D.fromisoformat(h["from"]), D.fromisoformat(h["to"]))
                for h in sc["history"].get("self_declared", [])]
        first = min([frm] + [a["from"] for a in self.abs
                             if a["category"] in ("sick_self_declared", "child_sick")]
                    + [h[0] for h in hist])
        h = sc["history"]
        year = {"religious_holiday": [frm.year, h.get("religious_days", 0), 2],
                "vacation": [frm.year, h.get("vacation_days", 0), 25]}
        total = {"pregnancy": [h.get("pregnancy_days", 0), 10],
                 "birth_mother": [h.get("birth_mother_days", 0), 20],
                 "birth_father": [h.get("birth_father_days", 0), 7]}
        ch = sc["participant"]
        many = ch.get("children", 0) >= 3
        cs_limit = (30 if many else 20) if ch.get("sole_carer") else (15 if many else 10)
        if ch.get("chronic_child"):
            cs_limit = max(cs_limit, 40 if ch.get("sole_carer") else 20)
        cs_used = []
        # own illness state
        occ = []            # starts of valid occurrences
        sd = {"have": False, "broken": False, "active": False, "rej": False, "end": None, "days": 0}
        cs = {"have": False, "broken": False, "run": 0}
        calendar = self.reg["count"] == "calendar"
        out = {}
        d = first
        while d <= to:
            pre = d < frm
            ss = self.sessions(d)
            onsite, offsite = self.day_sets(d)
            sched = onsite | offsite
            pres = self.presence(d, ss) & sched
            missing = sched - pres
            claimed = set()
            excused = {}
            failed = {}
            in_hist = pre and any(a <= d <= b for a, b in hist)
            for cat in ORDER:
                if cat == "sick_self_declared":
                    if in_hist:
                        if ss or calendar or any(a == d for a, b in hist):
                            self.sd_day(d, sd, occ, True)
                        continue
                    c = self.cover(d, self.regs(d, cat), missing)
                    claimed |= c
                    if c or (not ss and calendar and self.regs(d, cat)):
                        v = self.sd_day(d, sd, occ, False)
                        if c:
                            if v == "ok":
                                excused[cat] = excused.get(cat, 0) + len(c)
                                missing -= c
                            else:
                                failed.setdefault(v, set()).update(c)
                    elif ss or calendar:
                        sd["broken"] = True
                    continue
                if cat == "child_sick":
                    c = self.cover(d, self.regs(d, cat, True), missing)
                    claimed |= c
                    noted = bool(c) or (not ss and calendar and self.regs(d, cat, True))
                    if c:
                        excused[cat] = len(c)
                        missing -= c
                    c = self.cover(d, self.regs(d, cat, False), missing)
                    claimed |= c
                    counts = bool(c) or (not ss and calendar and self.regs(d, cat, False))
                    if counts:
                        cs["run"] = cs["run"] + 1 if cs["have"] and not cs["broken"] else 1
                        cs["have"], cs["broken"] = True, False
                        if not c:
                            continue
                        if cs["run"] > 3:
                            failed.setdefault("child_sick_over_3_days", set()).update(c)
                            continue
                        if not pre:
                            window = add_months(d, -12)
                            used = len([x for x in cs_used if x > window])
                            if d < add_months(frm, 12):
                                used += h.get("child_sick_days", 0)
                            if used >= cs_limit:
                                failed.setdefault("child_sick_quota_exhausted", set()).update(c)
                                continue
                            cs_used.append(d)
                        excused[cat] = excused.get(cat, 0) + len(c)
                        missing -= c
                    elif (ss or calendar) and not noted:
                        cs["broken"] = True
                    continue
                regs = self.regs(d, cat)
                if cat == "pregnancy":
                    chk = [a for a in regs if a.get("checkup")]
                    c = self.cover(d, chk, missing)
                    claimed |= c
                    if c:
                        excused[cat] = len(c)
                        missing -= c
                    regs = [a for a in regs if not a.get("checkup")]
                c = self.cover(d, regs, missing)
                if not c:
                    continue
                claimed |= c
                ok = True
                if not pre and cat in year:
                    y = year[cat]
                    if d.year != y[0]:
                        y[0], y[1] = d.year, 0
                    ok = y[1] < y[2]
                    y[1] += ok
                elif not pre and cat in total:
                    ok = total[cat][0] < total[cat][1]
                    total[cat][0] += ok
                if ok:
                    excused[cat] = excused.get(cat, 0) + len(c)
                    missing -= c
                else:
                    note = "religious" if cat == "religious_holiday" else cat
                    failed.setdefault(note + "_quota_exhausted", set()).update(c)
            free = (offsite & missing) - claimed
            missing -= free
            att = pres | free
            grace = self.sc.get("grace_minutes", 0)
            for s, e, off in ss:
                if not any(m in att for m in range(s, e)):
                    continue  # not there at all: no lateness to forgive
                m = s
                while m < e:
                    if m not in missing:
                        m += 1
                        continue
                    a = m
                    while m < e and m in missing:
                        m += 1
                    if m - a <= grace:
                        gap = set(range(a, m))
                        missing -= gap
                        att |= gap
            if not pre:
                notes = sorted(n for n, m in failed.items() if m & missing)
                out[d.isoformat()] = {
                    "scheduled_min": len(sched), "attended_min": len(att),
                    "excused_min": excused, "unexcused_min": len(missing), "notes": notes}
            d += ONE
        return out

    def sd_day(self, d, sd, occ, history):
        if not history and d < self.start + dt.timedelta(weeks=self.reg["waiting"]):
            return "self_declared_first_8_weeks"
        if not (sd["have"] and not sd["broken"]):
            if not (sd["active"] and (d - sd["end"]).days <= 16):
                after = add_months(d, -12)
                used = len([o for o in occ if o > after])
                sd["rej"] = not history and used >= 4
                sd["active"] = not sd["rej"]
                sd["days"] = 0
                if not sd["rej"]:
                    occ.append(d)
        sd["have"], sd["broken"] = True, False
        if sd["rej"]:
            return "self_declared_quota_exhausted"
        sd["days"] += 1
        sd["end"] = d
        return "ok" if sd["days"] <= 3 else "self_declared_over_3_days"


def scenario(rng):
    frm = D(2025, 5, 1) + rng.randrange(300) * ONE
    to = frm + rng.randrange(40) * ONE
    sched = [{"weekdays": [1, 2, 3, 4, 5] if rng.random() < .7 else sorted(rng.sample(range(1, 8), 3)),
              "start": "08:00", "end": "11:30"}]
    if rng.random() < .7:
        sched.append({"weekdays": [1, 2, 3, 4, 5], "start": "12:00", "end": "15:30",
                      "off_site": rng.random() < .2})
    span = (to - frm).days + 1
    for _ in range(rng.randrange(3)):
        day = (frm + rng.randrange(span) * ONE).isoformat()
        if rng.random() < .3:
            if not any(e.get("date") == day for e in sched):
                sched.append({"date": day, "cancelled": True})
        elif not any(e.get("date") == day and e.get("cancelled") for e in sched):
            s = 8 * 60 + rng.randrange(200)
            sched.append({"date": day, "start": f"{s // 60:02}:{s % 60:02}",
                          "end": f"{(s + 120) // 60:02}:{(s + 120) % 60:02}",
                          "off_site": rng.random() < .3})
    taps = []
    d = frm
    while d <= to:
        r = rng.random()
        if r < .55:
            a, b = 470 + rng.randrange(40), 900 + rng.randrange(60)
            taps += [f"{d}T{a // 60:02}:{a % 60:02}", f"{d}T{b // 60:02}:{b % 60:02}"]
        elif r < .65:
            a = 470 + rng.randrange(300)
            taps.append(f"{d}T{a // 60:02}:{a % 60:02}")
        d += ONE
    absences = []
    cats = ORDER + ["sick_self_declared", "child_sick"] * 4
    for _ in range(rng.randrange(7)):
        f = frm + (rng.randrange(span + 20) - 20) * ONE
        a = {"category": rng.choice(cats), "from": f.isoformat(),
             "to": (f + rng.randrange(8) * ONE).isoformat()}
        r = rng.random()
        if r < .15:
            a["minutes"] = 30 + rng.randrange(200)
        elif r < .3:
            s = 480 + rng.randrange(300)
            a["start"], a["end"] = f"{s // 60:02}:{s % 60:02}", f"{(s + 60) // 60:02}:{(s + 60) % 60:02}"
        if rng.random() < .2:
            a["doctor_note"] = True
        if a["category"] == "pregnancy" and rng.random() < .3:
            a["checkup"] = True
        absences.append(a)
    if absences and rng.random() < .4:
        # Ruling 9: a second registration of a category given as an amount.
        a = dict(rng.choice(absences))
        a.pop("start", None)
        a.pop("end", None)
        a["minutes"] = 30 + rng.randrange(120)
        absences.append(a)
    hist = []
    for _ in range(rng.randrange(5)):
        f = frm - (20 + rng.randrange(380)) * ONE
        hist.append({"from": f.isoformat(), "to": (f + rng.randrange(3) * ONE).isoformat()})
    part = {"programme_start": (frm - rng.randrange(150) * ONE).isoformat(), "rate": "full",
            "children": rng.randrange(5), "sole_carer": rng.random() < .3,
            "chronic_child": rng.random() < .2, "monthly_benefit": None}
    if rng.random() < .15:
        part["programme_end"] = (frm + rng.randrange(span) * ONE).isoformat()
    extra = {"tap_mode": "in_only"} if rng.random() < .25 else {}
    if rng.random() < .3:
        extra["grace_minutes"] = rng.choice([3, 5, 10])
    return extra | {"regime": rng.choice(list(REGIMES)), "participant": part, "schedule": sched,
            "closures": [(frm + rng.randrange(span) * ONE).isoformat()] if rng.random() < .2 else [],
            "period": {"from": frm.isoformat(), "to": to.isoformat()},
            "history": {"self_declared": hist, "child_sick_days": rng.randrange(12),
                        "religious_days": rng.randrange(3), "vacation_days": rng.randrange(26),
                        "pregnancy_days": rng.randrange(11)},
            "taps": taps, "absences": absences,
            "g": [{"from": "2024-05-01", "amount": 124028}, {"from": "2025-05-01", "amount": 130160}]}


def main():
    ctl, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 14
    rng = random.Random(seed)
    bad = 0
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        for i in range(n):
            sc = scenario(rng)
            f.seek(0)
            f.truncate()
            json.dump(sc, f)
            f.flush()
            r = subprocess.run([ctl, "rules", "eval", f.name], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"scenario {i}: exit {r.returncode}: {r.stderr.strip()}")
                bad += 1
                continue
            got = {x["date"]: x for x in json.loads(r.stdout)["days"]}
            want = Ref(sc).run()
            for day, w in want.items():
                g = {k: got[day][k] for k in w}
                g["notes"] = sorted(g["notes"])
                if g != w:
                    print(f"scenario {i} (seed {seed}) {day}: engine {g} reference {w}")
                    bad += 1
                    break
            if bad > 5:
                break
    print(f"{n} scenarios, seed {seed}: {bad} disagreements")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
