#!/usr/bin/env python3
"""report.py [BIN] — every benchmark once, one report: bench/REPORT.md.

Runs the benchmark programs ($BIN/bench/*_bench, e.g. rules_bench), the PN532
reader loop (nfc_latency.py), 2,000 participants with one and with three years of
history (history.py: Today, stipend.csv, restart, a late sick note, memory), the
kiosk on the three-year history (tapload.py: durable tap vs fsync, taps under
load, start-up, peak RSS),
the upload drain against a curl loop (upload_drain.py) and the stripped binary
sizes, then writes the figures, the goals and the ratios side by side.  Raw
figures go to tests/out/bench/report.json.  It measures; it never fails a build
(exit 1 only when a part could not be measured at all).
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    os.environ["BIN"] = sys.argv[1]
os.environ.setdefault("BIN", "build/rel")
os.chdir(ROOT)
sys.path.insert(0, HERE)
import benchlib  # noqa: E402

BIN = benchlib.BIN
OUT = os.path.join(ROOT, "tests", "out", "bench")
REPORT = os.path.join(ROOT, "bench", "REPORT.md")

GOAL_TAP_VS_FSYNC = 1.5      # tap p99 / fsync p99
GOAL_LOAD_VS_IDLE = 2.0      # tap p99 under load / idle
GOAL_TAP_MAX_MS = 100.0      # no tap answer slower, under load
GOAL_READER_P99_MS = 100.0   # card down -> answer through the PN532
GOAL_RULES_MS = 200.0        # 2,000 participants, one month (rules_bench)
GOAL_RSS_KB = 16 * 1024      # peak RSS, 2,000 participants and a year
GOAL_START_MS = 300.0        # exec -> ready
GOAL_PAINT_P99_MS = 100.0    # UID written -> kiosk screen painted (answer, then the week)
# issue 20: cost that does not grow with history
GOAL_TODAY_MS = 50.0         # Today page, 2,000 participants, server time (median)
GOAL_CSV_MS = 200.0          # a month's stipend.csv, 2,000 participants, server time (median)
GOAL_FLAT = 1.5              # three years of history / one year
GOAL_RESTART_MS = 1000.0     # restart with three years: exec -> ready and current
GOAL_SICK_NOTE_MS = 1000.0   # a late sick note three months back -> day result current
BEFORE = os.path.join(ROOT, "bench", "BEFORE.json")   # the goals' figures before issue 20
MISSES = os.path.join(ROOT, "bench", "MISSES.md")     # why goals were missed, by hand


def log(msg):
    print(msg, flush=True)


def run_part(name, fn, parts):
    """Run one part; its result (or the error) lands in parts[name]."""
    t = time.monotonic()
    log("== %s" % name)
    try:
        parts[name] = fn()
    except Exception:  # a part that could not measure must not lose the others
        parts[name] = {"error": traceback.format_exc()}
        log(parts[name]["error"])
    parts.setdefault("_seconds", {})[name] = time.monotonic() - t
    log("   (%.0f s)" % parts["_seconds"][name])


def programs():
    """Every $BIN/bench/*_bench program, run from the repo root: name -> output."""
    out = {}
    d = os.path.join(BIN, "bench")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        exe = os.path.join(d, name)
        if name.endswith("_bench") and os.access(exe, os.X_OK):
            r = subprocess.run([exe], capture_output=True, text=True, timeout=600)
            out[name] = {"rc": r.returncode, "output": r.stdout + r.stderr}
            log(out[name]["output"].rstrip())
    return out


def rules_figures(text):
    sizes = {int(n): float(ms) for n, ms in
             re.findall(r"^\s*(\d+) participants:\s+([\d.]+) ms", text, re.M)}
    return sizes


def binary_sizes():
    out = {}
    tmp = tempfile.mkdtemp(prefix="stempel-bench-strip-")
    try:
        for name in ("stempeld", "stempelctl"):
            src = os.path.join(BIN, name)
            dst = os.path.join(tmp, name)
            shutil.copy(src, dst)
            subprocess.run(["strip", dst], check=True)
            out[name] = {"unstripped": os.path.getsize(src), "stripped": os.path.getsize(dst)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def ms(v, digits=2):
    return ("%%.%df ms" % digits) % v if v is not None else "—"


def ratio(a, b):
    return a / b if a is not None and b else None


def verdict(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def stats_row(label, s, digits=2):
    if not s:
        return "| %s | — | — | — | — | — |" % label
    f = "%%.%df" % digits
    return "| %s | %s | %s | %s | %s | %d |" % (label, f % s["p50"], f % s["p95"], f % s["p99"],
                                              f % s["max"], s["n"])


STATS_HEAD = "| | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | n |\n|---|---:|---:|---:|---:|---:|"


def kiosk_paint():
    """tests/bench/kiosk_paint.js: tap -> the kiosk screen painted, in Chromium."""
    r = subprocess.run(["node", os.path.join(ROOT, "tests", "bench", "kiosk_paint.js")],
                       capture_output=True, text=True, timeout=900, env=dict(os.environ, BIN=BIN))
    lines = [x for x in r.stdout.splitlines() if x.startswith("{")]
    if r.returncode != 0 or not lines:
        raise RuntimeError("kiosk_paint.js failed: %s" % (r.stderr or r.stdout)[-2000:])
    return json.loads(lines[-1])


def issue_goals(parts):
    """Issue 20's goals: one dict per figure (key, label, value, unit, goal, met)."""
    h = parts.get("history") or {}
    t = parts.get("tapload") or {}
    rows = []

    def add(key, label, value, unit, goal, met):
        rows.append({"key": key, "label": label, "value": value, "unit": unit, "goal": goal,
                     "met": None if value is None else met(value)})

    for what, name, goal in (("today", "Today page (/board, teacher)", GOAL_TODAY_MS),
                             ("csv", "a month's stipend.csv (payroll)", GOAL_CSV_MS)):
        p50 = {}
        for y in (1, 3):
            d = (h.get("%dy" % y) or {}).get(what) or {}
            f = d.get("figure")
            p50[y] = f["p50"] if f else None
            add("%s_%dy" % (what, y), "%s, %d year%s of history: median of %s (p95 %s; %s)" % (
                name, y, "s" if y > 1 else "", f["n"] if f else "—",
                ms(f["p95"] if f else None, 1), d.get("source", "—")),
                p50[y], "ms", "< %.0f ms" % goal, lambda v, g=goal: v < g)
        add(what + "_flat", "%s: 3 years / 1 year" % name, ratio(p50[3], p50[1]), "×",
            "≤ %.1f×" % GOAL_FLAT, lambda v: v <= GOAL_FLAT)
    r = (h.get("3y") or {}).get("restart") or {}
    add("restart_3y", "restart with 3 years: exec → /healthz answers (%s) and current (%s)" % (
        ms(r.get("ready_ms"), 0), "recompute queue 0" if r.get("how") == "queue" else
        "no queue reported: the daemon's CPU went quiet" if r.get("how") else "—"),
        r.get("current_ms"), "ms", "< 1000 ms", lambda v: v < GOAL_RESTART_MS)
    sn = (h.get("3y") or {}).get("sick_note") or {}
    add("sick_note_3y", "late sick note %s back (sick_doctor for %s on %s, stempelctl) → its "
        "day result current, 3 years" % ("three months", sn.get("participant", "—"),
                                          sn.get("date", "—")),
        sn.get("current_ms"), "ms", "< 1000 ms", lambda v: v < GOAL_SICK_NOTE_MS)
    ok = t and "error" not in t
    le, ie = (t.get("load_e2e") or {}) if ok else {}, (t.get("idle_e2e") or {}) if ok else {}
    ae = (t.get("after_e2e") or {}) if ok else {}
    be, what = idle_base(t) if ok else ({}, "idle")
    add("tap_load_ratio", "tap p99 under the full load vs %s (%s vs %s; idle before the load "
        "%s, after it %s), %s years%s" % (
            what, ms(le.get("p99")), ms(be.get("p99")), ms(ie.get("p99")), ms(ae.get("p99")),
            t.get("years", "—") if ok else "—", peers_note(t) if ok else ""),
        ratio(le.get("p99"), be.get("p99")), "×", "< 2×", lambda v: v < GOAL_LOAD_VS_IDLE)
    add("tap_over_100", "tap answers over 100 ms under the full load (of %s)" % (
        t.get("load_answered", "—") if ok else "—"),
        t.get("load_over_100ms") if ok else None, "", "0", lambda v: v == 0)
    st = (h.get("3y") or {}).get("idle_status") or {}
    add("rss_idle", "idle RSS, 3 years (anonymous %s, file %s, shmem %s MiB; section 5)" % (
        mib(st.get("RssAnon")), mib(st.get("RssFile")), mib(st.get("RssShmem"))),
        st.get("VmRSS", 0) / 1024 if st else None, "MiB", "each MiB explained", lambda v: None)
    pk = (t.get("status_peak") or {}) if ok else {}
    end = (t.get("status_end") or {}) if ok else {}
    add("rss_peak", "peak under load: VmHWM (highest sampled RSS %s MiB: anonymous %s, file %s, "
        "shmem %s)" % (mib(pk.get("VmRSS")), mib(pk.get("RssAnon")), mib(pk.get("RssFile")),
                       mib(pk.get("RssShmem"))),
        end.get("VmHWM", 0) / 1024 if end else None, "MiB", "each MiB explained",
        lambda v: None)
    return rows


def mib(kb):
    return "%.1f" % (kb / 1024) if kb is not None else "—"


def fmt_value(v, unit):
    if v is None:
        return "—"
    if unit == "ms":
        return "%.1f ms" % v
    if unit == "×":
        return "%.2f×" % v
    if unit == "MiB":
        return "%.1f MiB" % v
    return "%d" % v


def load_before():
    try:
        with open(BEFORE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def save_before(parts):
    """bench/BEFORE.json: this run's figures of issue 20's goals, the "before"."""
    doc = {"commit": parts.get("commit"), "date": parts.get("_started"),
           "figures": {r["key"]: r["value"] for r in issue_goals(parts)}}
    with open(BEFORE, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def idle_base(t):
    """The idle taps the taps under load are compared with, and what they are called:
    those between the load's windows (the same minutes of the machine), or in a run
    from before the windows, the idle taps before the load."""
    if t.get("between_e2e"):
        return t["between_e2e"], "idle between its windows"
    return t.get("idle_e2e") or {}, "idle"


def peers_note(t):
    """The nice arrangement, said next to the tap-under-load figure."""
    if t.get("peers_nice") is None:
        return ""
    if t["peers_nice"] == 0:
        return ", every process at the same priority"
    return (", the peers standing for other machines (wrk, board clients, payroll, "
            "fakemuni) at nice %d%s" % (t["peers_nice"], ", the daemon at nice %d as "
                                        "stempel.service starts it" % t["daemon_nice"]
                                        if t.get("daemon_nice") is not None else ""))


def peers_text(t):
    if t.get("peers_nice") is None:
        return "every process at the same priority (measured before `TAPLOAD_PEERS_NICE`)."
    if t["peers_nice"] == 0:
        return ("every process at the same priority (`TAPLOAD_PEERS_NICE=0`); the taps come "
                "from a process of their own.")
    return ("on a kiosk the load's peers are other machines: here wrk, the 20 board clients, "
            "the payroll puller and fakemuni ran at nice %d, so they took the CPU the kiosk "
            "left; the tap generator (the reader hardware, a process of its "
            "own with nothing else in it, so its timestamp before `sendall` waits for no "
            "other thread) ran at nice 0, the daemon at %s, its reports and checkpoint "
            "threads at their own lower priority (`loop_thread_background`).  "
            "`TAPLOAD_PEERS_NICE=0` measures with all at the same priority, "
            "`TAPLOAD_DAEMON_NICE=0` with the daemon at the bench's.%s" % (
                t["peers_nice"],
                "nice 0" if t.get("daemon_nice") is None else
                "nice %d, the `Nice=` of `board/systemd/stempel.service` (as the board "
                "starts it)" % t["daemon_nice"],
                "" if t.get("muni_db") is None else
                "  fakemuni's database was on %s%s." % (
                    t["muni_db"], ", not on the kiosk's disk: the municipality is another "
                    "machine (`TAPLOAD_MUNI_DISK=1` puts it beside the kiosk's)"
                    if t["muni_db"] == "tmpfs" else "")))


def write(parts, started, took):
    t = parts.get("tapload") or {}
    n = parts.get("nfc") or {}
    u = parts.get("upload") or {}
    rules = rules_figures((parts.get("programs") or {}).get("rules_bench", {}).get("output", ""))
    sizes = parts.get("sizes") or {}
    m = parts.get("machine") or {}
    ok = "error" not in t and t

    fs99 = t["fsync"]["4096"]["p99"] if ok else None
    tap99 = t["idle_inside"]["p99"] if ok else None
    e2e99 = idle_base(t)[0].get("p99") if ok else None
    load99 = t["load_e2e"]["p99"] if ok and t.get("load_e2e") else None
    loadmax = t["load_e2e"]["max"] if ok and t.get("load_e2e") else None
    r_fsync = ratio(tap99, fs99)
    r_load = ratio(load99, e2e99)
    nfc99 = n["e2e"]["p99"] if n.get("e2e") else None
    hwm = t["status_end"]["VmHWM"] if ok else None
    start = t["startup"]["healthz"]["p50"] if ok and t["startup"]["healthz"] else None
    r2000 = rules.get(2000)

    L = []
    add = L.append
    add("# Stempel benchmark report")
    add("")
    add("Generated by `make bench` (`tests/bench/report.py`); do not edit by hand.  "
        "Absolute times on a shared machine are noisy: compare the ratios, which were "
        "measured side by side in this one run.")
    add("")
    add("- date: %s UTC; the whole run took %.1f min" % (started, took / 60))
    add("- commit: `%s`" % parts.get("commit", "?"))
    add("- machine: %s CPUs, %s, %s RAM, Linux %s" % (m.get("nproc"), m.get("cpu"),
                                                    m.get("memory"), m.get("kernel")))
    add("- disk of the state directory: %s" % m.get("disk"))
    add("")
    goals = issue_goals(parts)
    before = load_before()
    add("## Issue 20: cost that does not grow with history")
    add("")
    add("{:,} participants (Monday–Friday 08:30–14:30) with one and with three years of "
        "history (section 8).".format((parts.get("history") or {}).get("participants", 0)) + "  Server time is what the daemon says in a `Server-Timing` "
        "header when it sends one, else the client's time on loopback over one keep-alive "
        "connection (request written → last byte read), one warm-up then the median of "
        "the next requests; the table says which.%s" % (
            "  Before: `%s` (%s UTC), the same benchmark." % (before["commit"], before["date"])
            if before else ""))
    add("")
    add("| figure | measured | before | goal | verdict |")
    add("|---|---:|---:|---|---|")
    for r in goals:
        b = (before or {}).get("figures", {}).get(r["key"])
        add("| %s | %s | %s | %s | %s |" % (r["label"], fmt_value(r["value"], r["unit"]),
                                           fmt_value(b, r["unit"]), r["goal"],
                                           "reported" if r["unit"] == "MiB" and r["value"]
                                           else verdict(r["met"])))
    add("")
    add("## Figures against their goals")
    add("")
    add("| # | figure | measured | goal | ratio | verdict |")
    add("|---|---|---:|---|---:|---|")
    add("| 1 | tap p99 (UID received → answer sent) vs one 4 KiB pwrite+fdatasync p99, "
        "idle, %s taps | %s vs %s | tap ≤ 1.5 × fsync | %s | %s |" % (
            t["idle_inside"]["n"] if ok else "—", ms(tap99), ms(fs99, 3),
            "%.1f×" % r_fsync if r_fsync else "—",
            verdict(None if r_fsync is None else r_fsync <= GOAL_TAP_VS_FSYNC)))
    add("| 2 | tap p99 under load vs %s (UID handed to the reader → answer sent)%s | "
        "%s vs %s | < 2 × idle | %s | %s |" % (
            idle_base(t)[1] if ok else "idle", peers_note(t) if ok else "", ms(load99), ms(e2e99),
            "%.1f×" % r_load if r_load else "—",
            verdict(None if r_load is None else r_load < GOAL_LOAD_VS_IDLE)))
    add("| 2 | slowest tap answer under load | %s (%s of %s over 100 ms) | never over 100 ms "
        "| %s | %s |" % (ms(loadmax), t.get("load_over_100ms", "—"),
                         t.get("load_answered", "—"),
                         "%.1f×" % (loadmax / GOAL_TAP_MAX_MS) if loadmax else "—",
                         verdict(None if loadmax is None else loadmax <= GOAL_TAP_MAX_MS)))
    add("| 3 | card down → answer through the PN532 emulator, p99 | %s | < 100 ms | %s | %s |"
        % (ms(nfc99, 1), "%.2f×" % (nfc99 / GOAL_READER_P99_MS) if nfc99 else "—",
           verdict(None if nfc99 is None else nfc99 < GOAL_READER_P99_MS)))
    kp = parts.get("kiosk_paint") or {}
    pa = (kp.get("answer") or {}).get("p99") if "error" not in kp else None
    pw = (kp.get("week") or {}).get("p99") if "error" not in kp else None
    add("| 3 | tap → kiosk screen painted in Chromium, p99: answer / with the week view "
        "(%s taps) | %s / %s | < 100 ms | %s | %s |" % (
            kp.get("taps", "—"), ms(pa, 1), ms(pw, 1),
            "%.2f×" % (pw / GOAL_PAINT_P99_MS) if pw else "—",
            verdict(None if pw is None else pw < GOAL_PAINT_P99_MS)))
    gap = kp.get("week_after_answer") or {}
    if gap:
        add("|   | the week's event after the answer's, in the page: p50 %s, p99 %s (computed "
            "on a later loop turn, off the tap's path) | | | | |" % (ms(gap.get("p50")),
                                                                   ms(gap.get("p99"))))
    add("| 4 | rules engine, 2,000 participants × one month | %s | < 200 ms | %s | %s |" % (
        ms(r2000, 1), "%.2f×" % (r2000 / GOAL_RULES_MS) if r2000 else "—",
        verdict(None if r2000 is None else r2000 < GOAL_RULES_MS)))
    add("| 5 | stempeld peak RSS (VmHWM) over the run, 2,000 participants, %s years of "
        "history | %s (idle RSS %s) | < 16 MiB | %s | %s |" % (t.get("years", 1) if ok else "—",
            "%.1f MiB" % (hwm / 1024) if hwm else "—",
            "%.1f MiB" % (t["status_idle"]["VmRSS"] / 1024) if ok else "—",
            "%.2f×" % (hwm / GOAL_RSS_KB) if hwm else "—",
            verdict(None if hwm is None else hwm < GOAL_RSS_KB)))
    add("| 5 | start-up: exec → first /healthz answer, p50 of %d, same database | %s | "
        "< 300 ms | %s | %s |" % (
            t["startup"]["healthz"]["n"] if start else 0, ms(start, 0),
            "%.1f×" % (start / GOAL_START_MS) if start else "—",
            verdict(None if start is None else start < GOAL_START_MS)))
    add("| 6 | upload drain vs a plain curl loop (same batches) | %s vs %s events/s | "
        "(ratio) | %s | — |" % (
            "%.0f" % u["rate"] if u.get("rate") else "—",
            "%.0f" % u["curl_rate"] if u.get("curl_rate") else "—",
            "%.2f×" % u["ratio"] if u.get("ratio") else "—"))
    add("")

    # --- 1 ---
    add("## 1. Durable tap vs raw fsync")
    add("")
    if ok:
        add("One kiosk, %d participants (Monday–Friday 08:30–14:30) with %d year(s) of history "
            "(%s taps, %s day results, %s outbox rows; database %.0f MB), running on "
            "Wednesday 2026-03-18 from 09:00 (simulated clock), uploads on and in sync.  "
            "%d rounds of: %d pwrite+fdatasync of 4 KiB and of 32 KiB (about what one tap's "
            "commit writes to the WAL) into a file in the state directory, then %d taps "
            "through the simulated reader, open-loop, 10–40 ms apart (each a different "
            "participant, all `accepted_in`)." % (
                t["participants"], t.get("years", 1), "{:,}".format(t["taps_history"]),
                "{:,}".format(t["day_results"]), "{:,}".format(t["outbox_rows"]),
                t["db_mb"], 10, t["idle_sent"] // 10, t["idle_sent"] // 10))
        add("")
        add(STATS_HEAD)
        add(stats_row("pwrite 4 KiB + fdatasync", t["fsync"]["4096"], 3))
        add(stats_row("pwrite 32 KiB + fdatasync", t["fsync"]["32768"], 3))
        add(stats_row("tap: UID received → answer sent (`latency_us`)", t["idle_inside"]))
        add(stats_row("tap: UID written to the reader socket → answer sent", t["idle_e2e"]))
        add("")
        add("Ratios tap / fsync (4 KiB): p50 %.1f×, p99 %.1f×.  Outcomes: %s." % (
            t["idle_inside"]["p50"] / t["fsync"]["4096"]["p50"], r_fsync,
            ", ".join("%s %d" % kv for kv in sorted(t["idle_outcomes"].items()))))
        add("")
    else:
        add("Not measured: see tests/out/bench/report.txt.")
        add("")

    # --- 2 ---
    add("## 2. Tap latency under load")
    add("")
    if ok:
        w = t.get("wrk") or {}
        c = t.get("csv") or {}
        win = t.get("windows") or []
        nl = sum(1 for x in win if x["kind"] == "load")
        ni = sum(1 for x in win if x["kind"] == "idle")
        add("The same kiosk while, at once: %s events were put in the outbox%s and drained to "
            "fakemuni (HTTPS, batches of 500); 20 board clients held `/board/events`; `wrk` "
            "(1 thread, %d connections, a teacher's session cookie) loaded the Today page "
            "(%d participants scheduled); payroll pulled February 2026 (%d participants) "
            "as `stipend.csv` again and again.  Taps went on open-loop, 10–40 ms apart, "
            "throughout." % (
                "{:,}".format(t.get("backlog", 0)),
                " while fakemuni answered 503 (a receiver that was down; the drain began "
                "with the load)" if t.get("muni_db") else "", t.get("wrk_connections", 0),
                t["today_rows"], t["participants"]))
        add("")
        if win:
            add("The load was switched off and on while the taps went on, so that the taps "
                "under it and idle taps saw the same minutes of the machine (a VM's disk can "
                "be slower for minutes at a time, as the idle taps before and after the load "
                "show): on for %g s (the first window until the backlog was through and %g s "
                "more: wrk, the boards and the puller started, the uploader draining), off "
                "(wrk stopped, the boards' connections closed, the pull under way through), "
                "%g s for what the load left running (a Today answer or a checkpoint), then "
                "%g s of idle taps; until each kind of window had %d taps, or %.0f s.  %d "
                "windows of load, %d idle.  The goal compares the taps under the load with "
                "the idle taps between its windows." % (
                    t["load_window_s"], t["load_window_s"], t["switch_settle_s"],
                    t["idle_window_s"], t.get("load_min_taps", 0), t.get("load_max_s", 0),
                    nl, ni))
        else:
            add("Taps under the load until the backlog was through and at least %d taps were "
                "sent, or %.0f s." % (t.get("load_min_taps", 0), t.get("load_max_s", 0)))
        add("")
        add(STATS_HEAD)
        add(stats_row("idle, before the load (section 1): UID written → answer sent",
                      t["idle_e2e"]))
        add(stats_row("load: UID written → answer sent", t["load_e2e"]))
        if t.get("between_e2e"):
            add(stats_row("idle between the load's windows", t["between_e2e"]))
        if t["drain_s"]:
            add(stats_row("load, until the backlog was through", t["during_drain_e2e"]))
        add(stats_row("load: UID received → answer sent (`latency_us`)", t["load_inside"]))
        if t.get("settle_e2e"):
            add(stats_row("in the %g s after each stop of the load (in no window)"
                          % t["switch_settle_s"], t["settle_e2e"]))
        if t.get("after_e2e"):
            add(stats_row("idle again after the load", t["after_e2e"]))
        add("")
        if win:
            add("Each window, in order (p99 in ms, taps, checkpoints the daemon ran in it): "
                + ", ".join("%s %s (%d%s)" % (
                    x["kind"], "%.2f" % x["e2e"]["p99"] if x["e2e"] else "—",
                    x["e2e"]["n"] if x["e2e"] else 0,
                    ", %d checkpoint%s" % (x["checkpoints"], "s" * (x["checkpoints"] > 1))
                    if x.get("checkpoints") else "")
                    for x in win if x["kind"] != "settle") + ".")
            add("")
        if t.get("after_e2e"):
            add("After the load: %d taps more, as idle, once it had stopped (%d s later), on "
                "the database it left.  With the idle taps before it they show how far the "
                "machine drifted in the run." % (
                    t["after_e2e"]["n"], t.get("after_settle_s", 2)))
            add("")
        add("- priorities: %s" % peers_text(t))
        for what, key in (("idle", "idle_lag"), ("under load", "load_lag"),
                          ("idle between the load's windows", "between_lag")):
            lag = t.get(key)
            if lag and lag.get("n"):
                add("- loop lag %s%s: %d samples, 99%% ≤ %s ms; over 10 ms %d, over 50 ms %d, "
                    "over 100 ms %d; the longest since start %s; the longest a tap waited for "
                    "the database's write lock %s." % (
                        what, " (`stempel_loop_lag_seconds`: how late a 25 ms timer of the "
                        "tap's priority ran, i.e. how long a UID could wait for another step "
                        "of the loop; the daemon's log says of each over 100 ms how much of "
                        "it was CPU on the loop)" if key == "idle_lag" else "", lag["n"], "%g" % lag["p99_le_ms"] if lag.get("p99_le_ms") else "—",
                        lag["over_ms"].get("10", 0), lag["over_ms"].get("50", 0),
                        lag["over_ms"].get("100", 0), ms(lag.get("max_since_start_ms")),
                        ms(lag.get("tap_db_wait_max_ms"))))
        for what, key in (("under load", "load_io"), ("idle between its windows", "between_io")):
            io = t.get(key)
            if io:
                add("- the machine %s, per second of %.0f s: %.0f disk writes (%s ms each), "
                    "%.1f MB written, %.1f flushes (%s ms each); %d checkpoints in all; the "
                    "daemon %.2f CPUs, the machine %.2f CPUs idle." % (
                        what, io["s"], io["writes_per_s"], io["write_ms"], io["mb_per_s"],
                        io["flushes_per_s"], io["flush_ms"], io["checkpoints"],
                        io["daemon_cpu"], io["idle_cpu"]))
        add("- taps: %d sent in %.0f s%s, %d answered; outcomes %s; %d answers over 100 ms "
            "(of all of them, in whichever window)." % (
            t["load_sent"], t["load_s"],
            " (%d under the load, %d idle between its windows, %d in the seconds after each "
            "stop)" % (t["load_e2e"]["n"], t["between_e2e"]["n"],
                       (t.get("settle_e2e") or {}).get("n", 0))
            if t.get("between_e2e") else "", t["load_answered"],
            ", ".join("%s %d" % kv for kv in sorted(t["load_outcomes"].items())),
            t["load_over_100ms"]))
        add("- upload: %s events accepted by the receiver (the %s of the backlog and the "
            "taps' own)%s." % (
            "{:,}".format(t["drained"]), "{:,}".format(t.get("backlog", 0)),
            ", the backlog through after %.1f s" % t["drain_s"] if t["drain_s"]
            else ", the backlog not through in time"))
        add("- Today page (wrk%s): %s requests, %s req/s, latency p50 %s, p99 %s; non-2xx "
            "%s.  Alone, before the load: %.0f ms." % (
                ", one run in each window of load: the rate over the windows' time, p50 the "
                "median of the runs', p99 the highest" if w.get("runs") else "",
                w.get("requests", "—"), w.get("rps", "—"), ms(w.get("p50"), 0),
                ms(w.get("p99"), 0), w.get("non2xx", "—"), t["today_alone_ms"]))
        add("- payroll `stipend.csv` (%d lines): %d pulls, %s; alone, before the load: %.0f ms."
            % (t["csv_lines"], c.get("pulls", 0), benchlib.fmt(c.get("ms"), digits=0),
               t["csv_alone_ms"]))
        add("- board clients: each got between %d and %d tap events%s." % (
            tuple(t["board_taps"]) + (" (connected anew in each of the %d windows of load)"
                                      % t["board_windows"] if t.get("board_windows") else "",)))
        add("- `/healthz` alone: %.0f ms." % t["healthz_alone_ms"])
        add("")

    # --- 3 ---
    add("## 3. Reader to answer through the PN532 emulator")
    add("")
    if n.get("e2e"):
        add("stempeld with `driver = libnfc` on the emulated PN532 (15 ms per empty poll), "
            "%d taps, a card put down at a random moment; the answer is the kiosk SSE event."
            % n["taps"])
        add("")
        add(STATS_HEAD)
        add(stats_row("card down → answer on /kiosk/events", n["e2e"], 1))
        add(stats_row("UID received → answer sent (`latency_us`)", n["inside"], 1))
        b = n.get("baseline")
        if b:
            add("| baseline: `nfc_initiator_poll_target` loop, card down → UID | %.1f | %.1f | "
                "%.1f | %.1f | %d |" % (b["p50_ms"], b["p95_ms"], b["p99_ms"], b["max_ms"],
                                        b["n"]))
            add("")
            add("Ratio baseline / stempeld: p50 %.1f×, p99 %.1f×." % (
                b["p50_ms"] / n["e2e"]["p50"], b["p99_ms"] / n["e2e"]["p99"]))
        add("")
    else:
        add("Not measured: see tests/out/bench/report.txt.")
        add("")

    # --- 4 ---
    add("## 4. Rules scaling")
    add("")
    if rules:
        add("`rules_bench`: the engine alone (no database), one month (September 2025, 22 "
            "programme days, 4 taps a day, some absences), best of three.")
        add("")
        add("| participants | ms | µs each | ratio to the size before (linear: 10×) |")
        add("|---:|---:|---:|---:|")
        prev = None
        for k in sorted(rules):
            add("| %s | %.1f | %.1f | %s |" % ("{:,}".format(k), rules[k], rules[k] * 1000 / k,
                                              "%.2f×" % (rules[k] / prev) if prev else ""))
            prev = rules[k]
        add("")
        if ok:
            add("With the database, the same engine over %d year(s) of history: the first "
                "start computed and stored %s day results in %.1f s; after a restart the "
                "daemon was busy (its CPU) for %.1f s (section 8 has both histories)." % (
                    t.get("years", 1), "{:,}".format(t["day_results"]), t["warmup_s"],
                    t["restart_recompute_s"]))
            add("")

    # --- 5 ---
    add("## 5. Footprint")
    add("")
    if ok:
        st = t["status_end"]
        add("- peak RSS (VmHWM) at the end of the run (idle taps, load, drain): %.1f MiB; "
            "RSS then %.1f MiB (anonymous %.1f MiB, files %.1f MiB: the binary and its "
            "shared libraries).  VmHWM right after start-up: %.1f MiB." % (
                st["VmHWM"] / 1024, st["VmRSS"] / 1024, st.get("RssAnon", 0) / 1024,
                st.get("RssFile", 0) / 1024, t["startup"]["hwm_kb"] / 1024))
        pk = t.get("status_peak")
        if pk:
            add("- the highest RSS sampled under load (every 100 ms): %.1f MiB: anonymous %.1f "
                "MiB, files %.1f MiB, shared memory %.1f MiB." % (
                    pk["VmRSS"] / 1024, pk.get("RssAnon", 0) / 1024,
                    pk.get("RssFile", 0) / 1024, pk.get("RssShmem", 0) / 1024))
        add("- RSS when idle, after start-up and the 2,000 idle taps: %.1f MiB (anonymous "
            "%.1f MiB, files %.1f MiB); VmHWM then %.1f MiB." % (
                t["status_idle"]["VmRSS"] / 1024, t["status_idle"].get("RssAnon", 0) / 1024,
                t["status_idle"].get("RssFile", 0) / 1024, t["status_idle"]["VmHWM"] / 1024))
        add("- start-up, exec → reader socket: %s; → first /healthz answer: %s.  "
            "`PRAGMA quick_check` of this database alone: %.0f ms." % (
                benchlib.fmt(t["startup"]["socket"], digits=0),
                benchlib.fmt(t["startup"]["healthz"], digits=0), t["quick_check_ms"]))
        if t.get("startup_cold"):
            add("- start-up with the database dropped from the page cache (as after a power "
                "cut), one start: %s to the first /healthz answer." % ms(
                    t["startup_cold"]["healthz"]["max"] if t["startup_cold"]["healthz"]
                    else None, 0))
        if t.get("startup_empty"):
            add("- start-up of the same daemon on an empty database: %s." % benchlib.fmt(
                t["startup_empty"]["healthz"], digits=0))
        add("- the history (%s taps) was written in %.1f s; its first start took %.1f s; "
            "the WAL at the end of the run: %.1f MB." % (
                "{:,}".format(t["taps_history"]), t["history_s"], t["warmup_s"],
                t.get("wal_mb_end", 0)))
    for name, s in sorted(sizes.items()):
        add("- `%s`: %.0f KiB stripped (%.0f KiB with debug info)." % (
            name, s["stripped"] / 1024, s["unstripped"] / 1024))
    add("")
    for line in memory_section(parts):
        add(line)

    # --- 6 ---
    add("## 6. Upload drain")
    add("")
    if u.get("rate"):
        add("A small kiosk, stopped with %s `tap_unknown_card` events in its outbox, starts "
            "against fakemuni (HTTPS on loopback, batches of %d): %.2f s, %.0f events/s.  The "
            "same batches with one `curl` process each: %s.  Ratio stempeld / curl: %s.  "
            "Taps every 10 ms meanwhile: %s." % (
                "{:,}".format(u["events"]), u["batch"], u["drain_s"], u["rate"],
                "%.2f s, %.0f events/s" % (u["curl_s"], u["curl_rate"])
                if u.get("curl_s") else "not measured",
                "%.2f×" % u["ratio"] if u.get("ratio") else "—", benchlib.fmt(u.get("taps"))))
        add("")

    # --- 7 ---
    ro = parts.get("roster") or {}
    add("## 7. Roster import")
    add("")
    if ro.get("sizes"):
        add("A roster imported while a card is tapped every 10 ms (UID sent -> answer, "
            "which comes after the commit): `stempelctl roster import` (a command to the "
            "daemon, applied in ~15 ms steps on its loop) and the daemon's own pull of a "
            "changed roster from fakemuni (the same steps).  Goal: no tap waits more than "
            "%.0f ms." % ro.get("goal_tap_ms", 100))
        add("")
        add("| participants | stempelctl import | longest tap wait | daemon pull | longest "
            "tap wait | the same roster again |")
        add("|---:|---:|---:|---:|---:|---:|")
        for z in ro["sizes"]:
            ct, pt = z.get("cli_taps") or {}, z.get("pull_taps") or {}
            add("| {:,} | {:.1f} s | {} | {} | {} | {:.2f} s{} |".format(
                z["participants"], z.get("cli_s", 0),
                "%.0f ms (p99 %.0f)" % (ct["max"], ct["p99"]) if ct else "—",
                "%.1f s" % z["pull_apply_s"] if z.get("pull_apply_s") else "—",
                "%.0f ms (p99 %.0f)" % (pt["max"], pt["p99"]) if pt else "—",
                z.get("again_s", 0), "" if z.get("again_unchanged") else " (wrote!)"))
        add("")
    elif ro.get("error"):
        add("Not measured: `%s`" % ro["error"].strip().splitlines()[-1])
        add("")

    for line in history_section(parts):
        add(line)
    add("## Where the goals were missed")
    add("")
    add("<!-- The explanations are bench/MISSES.md, written by hand after the run; "
        "report.py copies it here. -->")
    missed = [r for r in goals if r["met"] is False]
    if missed:
        add("Missed in this run: %s." % "; ".join(
            "%s (%s, goal %s)" % (r["key"], fmt_value(r["value"], r["unit"]), r["goal"])
            for r in missed))
    else:
        add("No goal of issue 20 was missed in this run.")
    add("")
    try:
        with open(MISSES) as f:
            add(f.read().rstrip())
    except OSError:
        add("**Explanations: to be written (bench/MISSES.md).**")
    add("")
    add("## Reproduce")
    add("")
    add("```sh")
    add("make bench        # installs missing Debian packages (wrk among them) and the "
        "browser test's npm packages (kiosk_paint), builds build/rel, runs tests/bench/run")
    add("python3 tests/bench/report.py build/rel   # the same without the build")
    add("python3 tests/bench/tapload.py            # one part alone (also history.py, "
        "nfc_latency.py, upload_drain.py)")
    add("HISTORY_PARTICIPANTS=200 HISTORY_REQUESTS=5 python3 tests/bench/history.py  "
        "# smaller, while developing")
    add("```")
    add("")
    add("Seconds per part in this run: %s%s.  Output of every part: `tests/out/bench/`." % (
        ", ".join("%s %.0f" % kv for kv in parts.get("_seconds", {}).items()),
        " (history: %s)" % ", ".join("%s %.0f" % kv for kv in (
            parts.get("history") or {}).get("seconds", {}).items())
        if (parts.get("history") or {}).get("seconds") else ""))
    add("")
    os.makedirs(os.path.dirname(REPORT), exist_ok=True)
    with open(REPORT, "w") as f:
        f.write("\n".join(L))


def history_section(parts):
    """Section 8: the two histories side by side."""
    h = parts.get("history") or {}
    L = ["## 8. One year of history and three", ""]
    if not h or "error" in h:
        L += ["Not measured: see tests/out/bench/report.txt.", ""]
        return L
    ys = [y for y in h.get("years", []) if "%dy" % y in h]
    L.append("One kiosk per history, %d participants (Monday–Friday 08:30–14:30, taps in "
             "08:25–08:49 and out 14:22–14:31, one day in 20 away; most away days carry an "
             "absence: self-declared illness, some three days long, child_sick with and "
             "without a note, sick_doctor, vacation, leave_approved; one day in 300 a "
             "teacher's correction), written straight into SQLite (benchlib.fill_history), "
             "then started once to compute every day result.  The simulated day is "
             "Wednesday 2026-03-18 09:00; the pay month February 2026.  Pages: one warm-up, "
             "then %d requests on one keep-alive connection." % (
                 h.get("participants", 0), h.get("requests", 0)))
    L.append("")
    L.append("| | " + " | ".join("%d year%s" % (y, "s" if y > 1 else "") for y in ys) + " |")
    L.append("|---|" + "---:|" * len(ys))
    H = [h["%dy" % y] for y in ys]

    def row(label, f):
        vals = []
        for x in H:
            try:
                vals.append(f(x))
            except (KeyError, TypeError, ZeroDivisionError):
                vals.append("—")
        L.append("| %s | %s |" % (label, " | ".join(vals)))

    row("history from", lambda x: x["history"]["from"])
    row("taps / absences / corrections", lambda x: "{:,} / {:,} / {:,}".format(
        x["history"]["taps"], x["history"]["absences"], x["history"]["corrections"]))
    row("database", lambda x: "%.0f MB" % x["history"]["db_mb"])
    row("written in", lambda x: "%.1f s" % x["history"]["gen_s"])
    row("first start: day results computed", lambda x: "{:,} in {:.1f} s ({})".format(
        x["history"]["day_results"], x["history"]["first_start"]["current_ms"] / 1000,
        x["history"]["first_start"]["how"]) + (" (kept from an earlier run)"
                                               if x["history"].get("reused") else ""))
    for what, name in (("today", "Today page"), ("csv", "stipend.csv")):
        row("%s: p50 / p95 / max (%s)" % (name, "server" if (H[0].get(what) or {}).get(
            "server") else "client"), lambda x, w=what: "%.1f / %.1f / %.1f ms" % (
                x[w]["figure"]["p50"], x[w]["figure"]["p95"], x[w]["figure"]["max"]))
        row("%s: client time p50 / p95" % name, lambda x, w=what: "%.1f / %.1f ms" % (
            x[w]["client"]["p50"], x[w]["client"]["p95"]))
        row("%s: size" % name, lambda x, w=what: "{:,} bytes{}".format(
            x[w]["bytes"], ", %d rows" % x[w]["rows"] if x[w].get("rows") else ""))
    row("restart: exec → /healthz", lambda x: "%.0f ms" % x["restart"]["ready_ms"])
    row("restart: exec → current", lambda x: "%.0f ms (%s)" % (x["restart"]["current_ms"],
                                                             x["restart"]["how"]))
    row("late sick note: stempelctl returned", lambda x: "%.0f ms" % x["sick_note"]["command_ms"])
    row("late sick note: day result current", lambda x: "%.0f ms (excused %d → %d min)" % (
        x["sick_note"]["current_ms"], x["sick_note"]["excused_before"],
        x["sick_note"]["excused_after"]))
    row("idle RSS (anonymous / file)", lambda x: "%.1f MiB (%.1f / %.1f)" % (
        x["idle_status"]["VmRSS"] / 1024, x["idle_status"]["RssAnon"] / 1024,
        x["idle_status"]["RssFile"] / 1024))
    row("VmHWM at the end", lambda x: "%.1f MiB" % (x["status_end"]["VmHWM"] / 1024))
    L.append("")
    L.append("\"Current\" is the daemon's own word when it reports its recompute queue "
             "(`recompute_queue` in /healthz or `stempel_recompute_queue` in /metrics, polled "
             "until 0); a daemon that does not report it is current when its CPU went quiet "
             "(the last moment it used CPU before two seconds under 5%, sampled every 20 ms, "
             "/healthz asked once only so the polls do not keep it busy).  The late sick "
             "note is `stempelctl absence add P sick_doctor DATE --documentation doctor_note` "
             "for a day about three months back the participant stayed away from with "
             "nothing registered, timed from stempelctl's exec until a read-only connection "
             "sees the day's stored result with the excused minutes (polled every 5 ms).")
    L.append("")
    return L


def memory_section(parts):
    """The idle daemon's mappings (three years of history), grouped and ranked."""
    h = parts.get("history") or {}
    x = h.get("3y") or h.get("%sy" % (h.get("years") or [0])[-1]) or {}
    sm = x.get("smaps")
    if not sm:
        return []
    L = ["Mappings of the idle daemon (%d years of history, right after its restart was "
         "current, before any request) from /proc/PID/smaps, grouped by file (its mappings summed), "
         "heap, stack and anonymous mappings; Rss and the anonymous part of it (written "
         "pages, private to the process):" % x.get("years", 0), "",
         "| mapping | Rss (KiB) | anonymous (KiB) | mappings |", "|---|---:|---:|---:|"]
    for g in sm["top"]:
        L.append("| %s | %d | %d | %d |" % (g["name"], g["rss"], g["anon"], g["maps"]))
    if sm["rest"]["groups"]:
        L.append("| %d others | %d | %d | |" % (sm["rest"]["groups"], sm["rest"]["rss"],
                                                sm["rest"]["anon"]))
    L.append("| **total** | %d | | |" % sm["total_rss"])
    L.append("")
    if x.get("memory_module", {}).get("result"):
        # the same process through tests/bench/memory.py: its totals, as a cross-check
        t = x["memory_module"]["result"].get("status", {})
        L.append("tests/bench/memory.py on the same process: VmRSS %s, RssAnon %s, RssFile %s "
                 "(kB); `tests/bench/memory.py PID` prints its table per library." % (
                     t.get("VmRSS", "?"), t.get("RssAnon", "?"), t.get("RssFile", "?")))
        L.append("")
    return L


def main():
    if "--rewrite" in sys.argv or "--save-before" in sys.argv:
        # the report again from the last run's figures; --save-before also keeps
        # their issue-20 figures as the "before" column (bench/BEFORE.json)
        with open(os.path.join(OUT, "report.json")) as f:
            parts = json.load(f)
        if "--save-before" in sys.argv:
            save_before(parts)
        write(parts, parts["_started"], parts["_took"])
        return 0
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    t0 = time.monotonic()
    os.makedirs(OUT, exist_ok=True)
    parts = {"machine": benchlib.machine(tempfile.gettempdir())}
    commit = benchlib.sh("git", "rev-parse", "--short", "HEAD")
    dirty = benchlib.sh("git", "status", "--porcelain", "--untracked-files=no")
    parts["commit"] = commit + (" (with uncommitted changes)" if dirty else "")

    import history
    import nfc_latency
    import tapload
    import roster_import
    import upload_drain
    run_part("programs", programs, parts)
    run_part("nfc", nfc_latency.measure, parts)
    run_part("history", lambda: history.measure(log), parts)
    hist = None
    h = parts.get("history") or {}
    if "3y" in h and h["participants"] == tapload.PARTICIPANTS:
        with open(os.path.join(history.history_dir(3), "history.json")) as f:
            hist = {"years": 3, "state": os.path.join(history.history_dir(3), "state"),
                    "meta": json.load(f)}
    run_part("tapload", lambda: tapload.measure(log, hist), parts)
    if os.environ.get("BENCH_KEEP_HISTORY") != "1":
        for y in history.YEARS:
            shutil.rmtree(history.history_dir(y), ignore_errors=True)
    run_part("upload", upload_drain.measure, parts)
    run_part("kiosk_paint", kiosk_paint, parts)
    run_part("roster", lambda: roster_import.measure(log), parts)
    run_part("sizes", binary_sizes, parts)
    took = time.monotonic() - t0
    parts["_started"], parts["_took"] = started, took
    with open(os.path.join(OUT, "report.json"), "w") as f:
        json.dump(parts, f, indent=1, default=str)
    write(parts, started, took)
    log("bench: wrote %s (%.1f min)" % (os.path.relpath(REPORT, ROOT), took / 60))
    failed = [k for k, v in parts.items() if isinstance(v, dict) and "error" in v]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
