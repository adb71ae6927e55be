#!/usr/bin/env python3
"""Long outages, with time compressed: the reader unplugged (the PN532 emulator
gone) and the municipal system down, each for many times the backoff cap, so
the test covers what an hour or a day does: the backoff stops growing at its
cap and the kiosk is back to normal by itself within one cap of the fault
ending, with every tap recorded and every event delivered once."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import munilib  # noqa: E402
from kiosklib import BIN, Kiosk, ok, done, roster  # noqa: E402
from pn532lib import Emulator  # noqa: E402

OUTAGE_S = 12  # six times both caps below


def wait(cond, timeout, step=0.1):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if cond():
            return time.time() - t0
        time.sleep(step)
    return None


# --- the reader unplugged -------------------------------------------------
emu_dir = tempfile.mkdtemp(prefix="stempel-emu-")
emu = Emulator(BIN, emu_dir)
k = Kiosk(roster_doc=roster(3), debounce=0,
          config_extra="[reader]\ndriver = libnfc\nconnstring = %s\nreopen_max_ms = 2000\n"
          % emu.connstring)
try:
    k.start(wait=False)  # no simulated reader socket to wait for

    def reader_ok():
        try:
            status, body = k.get("/healthz", timeout=2)
        except OSError:
            return False
        return status == 200 and '"state":"connected"' in body
    ok(wait(reader_ok, 20) is not None, "the reader connects", k.logtext()[-2000:])
    emu.must("fault gone %d" % OUTAGE_S)
    t_back = time.time() + OUTAGE_S
    down = wait(lambda: not reader_ok(), 10)
    ok(down is not None, "reader gone: /healthz fails on the reader")
    time.sleep(max(0, t_back - time.time()))
    back = wait(reader_ok, 15)
    ok(back is not None and back <= 2.0 + 3.0,
       "after %d s away the reader is connected again %.1f s after it returned "
       "(backoff capped at 2 s)" % (OUTAGE_S, back if back is not None else -1), k.logtext()[-2000:])
    emu.must("insert %08X" % 0x04A10000)
    got = wait(lambda: k.db("SELECT count(*) FROM taps")[0][0] == 1, 10)
    emu.must("remove")
    ok(got is not None, "a card put down after the outage is recorded")
    print("# fault: reader unplugged %d s (%dx the reopen cap) | 1 outage | back within the cap "
          "+ 3 s, taps recorded | back %.1f s after it returned" % (OUTAGE_S, OUTAGE_S // 2,
                                                                     back or -1))
finally:
    k.cleanup()
    emu.stop()

# --- the municipal system down ----------------------------------------------
with munilib.Session("outage") as s:
    muni = s.muni(roster=s.write_json("roster.json", roster(3))).start()
    k = s.kiosk(munilib.upload_config(muni, backoff_max_s=2))
    uids = munilib.random_uids(300, seed=8)
    munilib.tap_many(k, uids[:50])
    ok(munilib.wait_for(lambda: len(muni.event_ids()) >= 50, 30),
       "uploads flow before the outage")
    muni.stop()
    t0 = time.time()
    munilib.tap_many(k, uids[50:], seconds=OUTAGE_S / 2)
    time.sleep(max(0, t0 + OUTAGE_S - time.time()))
    up = munilib.upload_check(k)
    ok(up.get("pending", 0) >= 250 and 0 < float(up.get("backoff_s", 1)) <= 2.0 + 0.5,
       "receiver down: events wait in the outbox, the backoff stays at its 2 s cap", up)
    muni.start()
    t1 = time.time()
    drained = munilib.wait_for(
        lambda: munilib.upload_check(k).get("pending", 1) == 0 and len(muni.event_ids()) >= 300, 30)
    took = time.time() - t1
    ids = muni.event_ids()
    ok(drained and len(ids) == len(set(ids)) and
       len([1 for r in k.db("SELECT id FROM outbox WHERE type LIKE 'tap%'")]) == 300,
       "receiver back: everything delivered once, in %.1f s" % took,
       "receiver holds %d (%d distinct)" % (len(ids), len(set(ids))))
    print("# fault: receiver down %d s (%dx the backoff cap) | 250 taps during the outage | "
          "delivered once when it returns | drained %.1f s after it came back" % (OUTAGE_S,
                                                                           OUTAGE_S // 2, took))
done()
