#!/usr/bin/env python3
"""/metrics passes `promtool check metrics` (Debian's prometheus package): idle,
after taps (every tap outcome, the latency histogram, feedback signals, the
loop-lag histogram with its samples counted) and
after uploads to the fake municipal system (upload and roster series), so
every series has its HELP and TYPE and a name Prometheus accepts."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import munilib  # noqa: E402
from kiosklib import ok, done, roster  # noqa: E402


def promtool(k, when):
    st, text = k.get("/metrics")
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    ok(st == 200 and r.returncode == 0, "promtool check metrics: /metrics %s" % when,
       (r.stdout + r.stderr)[:2000])
    return text, r.returncode


if not ok(shutil.which("promtool") is not None, "promtool is installed (Debian package prometheus)",
          "make deps installs it"):
    done()

with munilib.Session("promtool") as s:
    muni = s.muni(roster=s.write_json("roster.json", roster(6))).start()
    k = s.kiosk(munilib.upload_config(muni), start=False)
    k.ctl("roster", "import", s.write_json("local.json", roster(6)))
    k.start()
    idle, rc_idle = promtool(k, "idle")
    k.follow_events()
    answered = 0
    for i in range(12):  # 6 known cards, in and out, and unknown ones
        if k.tap("%08X" % (0x04A10000 + (i if i < 8 else i + 100))):
            answered += 1
    taps = {r[0] for r in k.db("SELECT id FROM outbox WHERE type LIKE 'tap%'")}
    delivered = munilib.wait_for(lambda: taps and taps <= set(muni.event_ids()), 60, step=0.5)
    ok(answered == 12 and delivered, "12 taps answered and uploaded", (answered, len(taps)))
    busy, rc_busy = promtool(k, "after taps and uploads")
    ok("stempel_upload_requests_total{" in busy and "stempel_taps_total{" in busy and
       "stempel_feedback_total{" in busy, "the upload, tap and feedback series are there",
       busy[:1500])
    # the loop-lag probe (firmware/loop.c) has counted: one sample every 25 ms
    lag = dict(re.findall(r"^(stempel_loop_lag_seconds_(?:count|bucket\{le=\"\+Inf\"\})) (\d+)$",
                          busy, re.M))
    ok(int(lag.get("stempel_loop_lag_seconds_count", 0)) > 10 and
       lag.get("stempel_loop_lag_seconds_bucket{le=\"+Inf\"}") ==
       lag.get("stempel_loop_lag_seconds_count") and "stempel_loop_lag_max_seconds " in busy,
       "the loop-lag histogram counts its probe's samples", lag)
    print("# fault: /metrics read by Prometheus | promtool check metrics idle and after 12 taps "
          "and uploads | both pass | exit %d and %d, %d and %d lines"
          % (rc_idle, rc_busy, len(idle.splitlines()), len(busy.splitlines())))
done()
