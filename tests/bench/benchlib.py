"""benchlib — what the benchmarks share: percentiles, the machine, the kiosk's
simulated day, and a kiosk with 2,000 participants and one or more years of
history written straight into its database (not through millions of taps).

The simulated day: every kiosk here runs on Wednesday 2026-03-18 from 09:00 UTC
(STEMPEL_CLOCK_OFFSET_S), so classes (Monday-Friday 08:30-14:30) are on, taps
are accepted, and the years behind it (a year: 2025-03-17 ..; three years:
2023-03-20 ..) need no unpublished G (the regime knows G from 2022-05-01).
"""
import calendar
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
os.environ.setdefault("BIN", "build/rel")
import kiosklib  # noqa: E402

BIN = kiosklib.BIN
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

# The simulated "now" and the history behind it.
SIM_NOW = calendar.timegm((2026, 3, 18, 9, 0, 0))
HISTORY_FROM = "2025-03-17"  # a Monday, 366 days before SIM_NOW
SIM_DATE = "2026-03-18"
PAY_MONTH = ("2026-02-01", "2026-02-28")


def clock_env():
    """The environment that puts a kiosk (and stempelctl) on the simulated day."""
    return {"STEMPEL_CLOCK_OFFSET_S": str(SIM_NOW - int(time.time())),
            "STEMPEL_CLOCK_EPOCH": str(SIM_NOW - 30 * 86400)}


def service_nice():
    """The daemon's nice value as board/systemd/stempel.service starts it (Nice=)."""
    with open(os.path.join(ROOT, "board", "systemd", "stempel.service")) as f:
        for line in f:
            if line.startswith("Nice="):
                return int(line.split("=", 1)[1])
    return 0


def nice_of(pid):
    """A running process's nice value (/proc/PID/stat, field 19)."""
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[16])


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def summary(values):
    """n, p50, p95, p99, max of a list of numbers (None if it is empty)."""
    if not values:
        return None
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95),
            "p99": pct(values, 99), "max": max(values)}


def fmt(s, unit="ms", digits=2):
    if not s:
        return "not measured"
    f = "%%.%df" % digits
    return "p50 %s, p95 %s, p99 %s, max %s %s (n = %d)" % (
        f % s["p50"], f % s["p95"], f % s["p99"], f % s["max"], unit, s["n"])


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(state_dir):
    """nproc, CPU model, memory, kernel and the disk under state_dir."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    src = " ".join(sh("findmnt", "-n", "-o", "SOURCE,FSTYPE", "-T", state_dir).split()) or "?"
    dev = src.split()[0] if src != "?" else ""
    model = ""
    if dev.startswith("/dev/"):
        base = os.path.basename(os.path.realpath(dev))
        for name in (base, base.rstrip("0123456789")):
            rot = "/sys/block/%s/queue/rotational" % name
            if os.path.exists(rot):
                with open(rot) as f:
                    model = ("reported rotational" if f.read().strip() == "1"
                             else "non-rotational")
                vendor = sh("cat", "/sys/block/%s/device/model" % name)
                if vendor:
                    model += ", " + vendor
                break
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem,
            "kernel": platform.release(), "disk": "%s%s" % (src, " (%s)" % model if model else "")}


# --- the year of history ---------------------------------------------------------------


def card_uid(i):
    return "%08X" % (0x04B00000 + i)


def history_from(years):
    """The Monday a history of `years` years starts on: 52 weeks a year before the
    simulated day's week (1 -> 2025-03-17, 3 -> 2023-03-20)."""
    t = SIM_NOW - years * 364 * 86400
    t -= time.gmtime(t).tm_wday * 86400
    return time.strftime("%Y-%m-%d", time.gmtime(t))


def roster_doc(n, start=HISTORY_FROM):
    """n participants, Monday-Friday 08:30-14:30, one 4-byte card each, in the
    programme since `start`."""
    langs = ["nb", "ar", "uk", "so", "ti", "fa-AF", "en", "nn"]
    rates = ["full", "full", "under25_alone", "under25_with_parents"]
    return {"version": 1, "participants": [{
        "id": "P-%06d" % (i + 1), "name": "Deltaker %d" % (i + 1),
        "language": langs[i % len(langs)], "regime": "no-integreringsloven",
        "rate": rates[i % len(rates)], "programme_start": start,
        "children": i % 3, "sole_carer": i % 7 == 0, "chronic_child": False,
        "monthly_benefit": None, "cards": [card_uid(i)],
        "schedule": {"template": [{"weekdays": [1, 2, 3, 4, 5], "start": "08:30",
                                   "end": "14:30", "offsite": False}], "exceptions": []},
    } for i in range(n)]}


# Absence categories on the days a participant stayed away (one in 20 calendar days,
# so the hash uses which of them it is, days.n / 20), by a hash of that day:
# (first hash value, category, documentation), each up to the next entry's value;
# from 14 up the day stays unexcused.  Own illness (self-declared, a few of them
# three calendar days long) is the commonest, so its quotas (3 days an occurrence,
# 4 occurrences in 12 months, not in the first 8 weeks) are reached every year.
ABSENCE_MIX = ((0, "sick_self_declared", ""), (6, "child_sick", ""),
               (8, "child_sick", "doctor_note"), (9, "sick_doctor", "doctor_note"),
               (11, "vacation", ""), (13, "leave_approved", ""), (14, None, ""))


def fill_history(db, days_to, years=1):
    """`years` years of history for every participant of the roster already imported,
    from history_from(years) to days_to (exclusive, "YYYY-MM-DD"), written by SQLite
    itself in one transaction (a python loop over millions of rows takes minutes):
    on every weekday taps in (08:25-08:49) and out (14:22-14:31), each with its
    delivered outbox event, except one day in 20 away; on most away days an absence
    (ABSENCE_MIX: self-declared illness, child_sick, sick_doctor, vacation, leave);
    and on one day in 300 a teacher's correction (the out tap removed, an out at
    14:30 added).  Returns the counts: taps, absences, corrections, days."""
    start = history_from(years)
    c = sqlite3.connect(db, isolation_level=None)
    # No journal and a big cache while writing (nothing runs on it yet); WAL again after.
    c.execute("PRAGMA journal_mode = OFF")
    c.execute("PRAGMA synchronous = OFF")
    c.execute("PRAGMA cache_size = -262144")
    c.execute("BEGIN")
    t0 = calendar.timegm(time.strptime(start, "%Y-%m-%d"))
    t1 = calendar.timegm(time.strptime(days_to, "%Y-%m-%d"))
    days = [(time.strftime("%Y-%m-%d", time.gmtime(t)), n, t)
            for n, t in enumerate(range(t0, t1, 86400)) if time.gmtime(t).tm_wday < 5]
    c.execute("CREATE TEMP TABLE days(d TEXT, n INTEGER, t INTEGER)")
    c.executemany("INSERT INTO days VALUES(?,?,?)", days)
    c.execute("CREATE TEMP TABLE dirs(v TEXT, k INTEGER)")
    c.executemany("INSERT INTO dirs VALUES(?,?)", [("in", 0), ("out", 1)])
    c.execute("CREATE TEMP TABLE mix(lo INTEGER, hi INTEGER, category TEXT, doc TEXT)")
    c.executemany("INSERT INTO mix VALUES(?,?,?,?)",
                  [(lo, ABSENCE_MIX[i + 1][0] if i + 1 < len(ABSENCE_MIX) else 20, cat, doc)
                   for i, (lo, cat, doc) in enumerate(ABSENCE_MIX) if cat])
    away = "(p.id * 7 + days.n * 13) % 20 = 0"
    minute = ("CASE dirs.k WHEN 0 THEN 505 + (p.id * 31 + days.n * 17) % 25"
              " ELSE 862 + (p.id * 11 + days.n * 7) % 10 END")
    c.execute(
        "INSERT INTO taps(uuid, card_key, participant_id, direction, outcome, wall_ms,"
        " mono_ns, clock, local_date, local_min)"
        " SELECT printf('%08x-%04x-4%03x-a%03x-%012x', days.n, p.id % 65536, dirs.k,"
        "   p.id / 65536, (p.id * 2654435761 + days.n * 40503) % 281474976710656),"
        "  c.key, p.id, dirs.v, 'accepted_' || dirs.v,"
        "  (days.t + " + minute + " * 60) * 1000 + (p.id * 1009 + days.n * 9176) % 60000,"
        "  1000000000000 + (days.n * 100000 + p.id * 2 + dirs.k) * 1000, 'synced', days.d, "
        + minute +
        " FROM days CROSS JOIN participants p JOIN cards c ON c.participant_id = p.id"
        " CROSS JOIN dirs WHERE NOT " + away +
        " ORDER BY days.n, dirs.k, p.id")
    c.execute(
        "INSERT INTO outbox(id, type, json, state, created_ms, done_ms)"
        " SELECT t.uuid, 'tap', printf('{\"id\":\"%s\",\"type\":\"tap\","
        "\"at\":\"%s.%03dZ\",\"clock\":\"synced\",\"participant\":\"%s\","
        "\"data\":{\"direction\":\"%s\",\"card\":\"%s\",\"outcome\":\"%s\"}}',"
        "  t.uuid, strftime('%Y-%m-%dT%H:%M:%S', t.wall_ms / 1000, 'unixepoch'),"
        "  t.wall_ms % 1000, p.ext_id, t.direction, t.card_key, t.outcome),"
        "  'delivered', t.wall_ms, t.wall_ms + 2000"
        " FROM taps t JOIN participants p ON p.id = t.participant_id ORDER BY t.id")
    # Absences, registered by a teacher the morning after; one self-declared illness
    # in six runs three calendar days (over days the participant came back: presence
    # wins, and those days end the occurrence).
    c.execute(
        "INSERT INTO absences(uuid, participant_id, category, from_date, to_date,"
        " documentation, registered_by, created_ms)"
        " SELECT printf('ab%06x-%04x-4000-8000-%012x', days.n, p.id % 65536, p.id),"
        "  p.id, mix.category, days.d,"
        "  CASE WHEN mix.category = 'sick_self_declared' AND (p.id + days.n) % 6 = 0"
        "   THEN date(days.d, '+2 days') ELSE days.d END,"
        "  mix.doc, 'bench', (days.t + 86400 + 8 * 3600) * 1000"
        " FROM days CROSS JOIN participants p JOIN mix"
        "  ON (p.id * 3 + (days.n / 20) * 7) % 20 BETWEEN mix.lo AND mix.hi - 1"
        " WHERE " + away + " ORDER BY days.n, p.id")
    # Corrections: the out tap removed, an out at 14:30 added in its place.
    c.execute("CREATE TEMP TABLE fixed AS SELECT id, participant_id, local_date, wall_ms"
              " FROM taps WHERE direction = 'out' AND (participant_id * 13 + id) % 300 = 1")
    for k, (action, tap, mn, direction) in enumerate(
            (("remove", "id", "NULL", "NULL"), ("add", "NULL", "870", "'out'"))):
        c.execute(
            "INSERT INTO corrections(uuid, participant_id, action, tap_id, local_date,"
            " local_min, direction, reason, who, created_ms)"
            " SELECT printf('c%07x-0000-4000-8%03x-%012x', id / 65536, ?, id),"
            "  participant_id, ?, " + tap + ", local_date, " + mn + ", " + direction + ","
            "  'the card did not read', 'bench', wall_ms + 3600000 FROM fixed ORDER BY id",
            (k, action))
    c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('day_results_from', ?)",
              (start,))
    c.execute("COMMIT")
    n = {"taps": c.execute("SELECT count(*) FROM taps").fetchone()[0],
         "absences": c.execute("SELECT count(*) FROM absences").fetchone()[0],
         "corrections": c.execute("SELECT count(*) FROM corrections").fetchone()[0],
         "days": len(days), "from": start, "years": years}
    c.execute("PRAGMA journal_mode = WAL")
    c.close()
    return n


# Rows per transaction of fill_outbox: the kiosk may be running, and its taps and
# uploader wait for the write lock while the bench holds it (one transaction of
# 100,000 rows held it 5 s; 500 rows hold it a few ms, like one upload step).
FILL_OUTBOX_STEP = 500


def fill_outbox(db, n, timeout=30):
    """n pending tap_unknown_card events as the tap pipeline writes them, in
    transactions of FILL_OUTBOX_STEP rows (the kiosk may be running: each waits for
    the lock and holds it briefly)."""
    now = int(time.time() * 1000)
    rows = []
    for i in range(n):
        id = str(uuid.uuid4())
        card = "hmac:" + hashlib.sha256(b"%d" % i).hexdigest()
        ev = {"id": id, "type": "tap_unknown_card", "at": "2026-03-18T07:58:12.345Z",
              "clock": "synced", "data": {"direction": "none", "card": card,
                                          "outcome": "unknown_card"}}
        rows.append((id, "tap_unknown_card", json.dumps(ev, separators=(",", ":")), now))
    c = sqlite3.connect(db, timeout=timeout)
    for i in range(0, n, FILL_OUTBOX_STEP):
        with c:
            c.executemany("INSERT INTO outbox(id, type, json, state, created_ms)"
                          " VALUES(?,?,?,'pending',?)", rows[i:i + FILL_OUTBOX_STEP])
    c.close()


def db_exec(db, sql, args=()):
    """One committed statement on a kiosk's database."""
    c = sqlite3.connect(db, timeout=30)
    with c:
        c.execute(sql, args)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


def outbox_delivered(db):
    """Mark every pending event delivered (what a year of uploads left behind)."""
    db_exec(db, "UPDATE outbox SET state = 'delivered', done_ms = created_ms"
                " WHERE state = 'pending'")


def outbox_pruned(db, keep_days=30):
    """Delete the delivered events older than keep_days before the simulated now, then
    checkpoint and flush everything to disk: what the kiosk's retention ([upload]
    keep_delivered_days, 30) deletes a day at a time on a kiosk that uploaded as it went.
    Without it a kiosk started on a history with an upload configured spends the
    measurement deleting years of events at once (4.4 million rows and a WAL of 3.2 GB
    on the three-year history), and the disk is still writing the copied state back."""
    cutoff = (SIM_NOW - keep_days * 86400) * 1000
    conn = sqlite3.connect(db, timeout=60)
    try:
        n = conn.execute("DELETE FROM outbox WHERE state = 'delivered' AND done_ms < ?",
                         (cutoff,)).rowcount
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    os.sync()
    return n


def db_size(state):
    return sum(os.path.getsize(os.path.join(state, f)) for f in os.listdir(state)
               if f.startswith("stempel.db"))


def copy_state(src, dst):
    """A copy of a stopped kiosk's state dir (database, WAL, device key)."""
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)


def digest(*parts):
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f)
    return path
