#!/usr/bin/env python3
"""roster_import.py — a roster of 2,000 / 20,000 / 100,000 participants imported
while a card is tapped every 10 ms: how long the import takes and how long the
longest tap waited (UID sent on the reader socket -> its answer, which comes only
after the tap is committed, so a write lock held by the import shows here).

Two ways in: `stempelctl roster import` (a command to the running daemon, which
validates it and applies it in steps of about 15 ms, one per turn of its loop)
and the daemon's own pull from fakemuni (the same steps).  The pull brings a
changed roster (every participant's name differs), the most there is to write.
Then the same roster again (it is the one in force: nothing is written).
measure() is called by report.py; run alone (ROSTER_SIZES=2000,20000) it prints
the figures.  A benchmark: it prints figures, it does not pass or fail.
"""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import kiosklib  # noqa: E402
import munilib  # noqa: E402

SIZES = [int(x) for x in os.environ.get("ROSTER_SIZES", "2000,20000,100000").split(",")]
TAP_EVERY = 0.010
GOAL_TAP_MS = 100.0


class Tapper:
    """Taps one card every TAP_EVERY s on its own connection; round trips in ms."""

    def __init__(self, kiosk, uid):
        self.kiosk, self.uid, self.waits = kiosk, uid, []
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run)
        self.t.start()

    def run(self):
        conn = self.kiosk.tap_conn()
        f = conn.makefile("rb")
        while not self.stop.is_set():
            t = time.monotonic()
            conn.sendall((self.uid + "\n").encode())
            f.readline()
            self.waits.append((time.monotonic() - t) * 1000)
            time.sleep(TAP_EVERY)
        conn.close()

    def end(self):
        self.stop.set()
        self.t.join()
        return benchlib.summary(self.waits)


def changed(doc):
    for p in doc["participants"]:
        p["name"] = p["name"] + " B"
    return doc


def one_size(n, log):
    res = {"participants": n}
    with munilib.Session("roster-bench") as s:
        a = s.write_json("roster-a.json", benchlib.roster_doc(n))
        muni_roster = os.path.join(s.dir, "muni-roster.json")
        muni = s.muni(roster=muni_roster).start()
        kiosk = s.kiosk(munilib.upload_config(muni, roster_interval_s=86400), start=False)
        env = benchlib.clock_env()
        kiosk.start(env=env)
        # 1. stempelctl roster import, the daemon tapping meanwhile
        tp = Tapper(kiosk, benchlib.card_uid(0))
        time.sleep(0.2)
        t = time.monotonic()
        r = subprocess.run([os.path.join(kiosklib.BIN, "stempelctl"), "-c", kiosk.conf, "roster",
                            "import", a], capture_output=True, text=True, env=dict(os.environ, **env))
        pat = re.compile(r"roster: %s applied in (\d+) ms" % re.escape(a))
        done = munilib.wait_for(lambda: pat.search(kiosk.logtext(1 << 20)), 3600, 0.05)
        res["cli_s"] = time.monotonic() - t
        time.sleep(0.1)
        res["cli_taps"] = tp.end()
        res["cli_ok"] = r.returncode == 0 and bool(done)
        log("   %d participants: stempelctl roster import %.2f s (rc %d, %s); taps meanwhile %s"
            % (n, res["cli_s"], r.returncode, "applied" if done else "NOT applied",
               benchlib.fmt(res["cli_taps"])))
        # 2. the daemon pulls a changed roster at start
        kiosk.stop()
        benchlib.write_json(muni_roster, changed(benchlib.roster_doc(n)))
        kiosk.start(env=env)
        tp = Tapper(kiosk, benchlib.card_uid(0))
        t = time.monotonic()
        pull = re.compile(r"upload: roster .* applied in (\d+) ms")
        done = munilib.wait_for(lambda: pull.search(kiosk.logtext(1 << 20)), 3600, 0.05)
        res["pull_wall_s"] = time.monotonic() - t
        time.sleep(0.1)
        res["pull_taps"] = tp.end()
        m = pull.search(kiosk.logtext(1 << 20))
        res["pull_apply_s"] = int(m.group(1)) / 1000 if (done and m) else None
        log("   %d participants: daemon pull applied in %s s; taps meanwhile %s"
            % (n, res["pull_apply_s"], benchlib.fmt(res["pull_taps"])))
        # 3. the same roster again by hand: nothing to write
        t = time.monotonic()
        r = subprocess.run([os.path.join(kiosklib.BIN, "stempelctl"), "-c", kiosk.conf, "roster",
                            "import", muni_roster], capture_output=True, text=True,
                           env=dict(os.environ, **env))
        # A large file goes to the daemon by path: its log says it was the one in force.
        said = re.compile(r"roster: %s is the roster in force" % re.escape(muni_roster))
        munilib.wait_for(lambda: "unchanged" in r.stdout or said.search(kiosk.logtext(1 << 20)),
                         600, 0.05)
        res["again_s"] = time.monotonic() - t
        res["again_unchanged"] = "unchanged" in r.stdout or bool(said.search(
            kiosk.logtext(1 << 20)))
        log("   %d participants: the roster in force again %.2f s (%s)"
            % (n, res["again_s"], "nothing written" if res["again_unchanged"] else r.stdout))
    return res


def measure(log=print):
    return {"goal_tap_ms": GOAL_TAP_MS, "sizes": [one_size(n, log) for n in SIZES]}


if __name__ == "__main__":
    measure()
