#!/usr/bin/env python3
"""stempeld with [reader] driver = libnfc on the PN532 emulator: libnfc's real
pn532_uart driver, the reader thread, the tap tracker and the tap pipeline end
to end.  A card put down is one tap, answered; held 5 s it stays one tap;
taken away and put down again after the debounce it is a second tap; 7-byte
UIDs work.  Then every fault mode of the emulator, twice: the daemon survives,
/healthz turns 503 with the reader failing, it recovers by itself when the fault
ends, a card held through the fault is not tapped twice and a card put down
during the fault is answered once afterwards."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import BIN, Kiosk, done, ok, roster  # noqa: E402
from pn532lib import Emulator  # noqa: E402

FAULTS = ["noack", "badlcs", "baddcs", "errframe", "silence", "garbage", "gone"]
SEVEN = "04112233445566"


def card(i):
    """The 4-byte card of participant P-(i+1)."""
    return "%08X" % (0x04A10000 + i)


def pid(i):
    return "P-%06d" % (i + 1)


def reader_health(k):
    try:
        status, body = k.get("/healthz", timeout=2)
        return status, json.loads(body)["checks"]["reader"]
    except (OSError, ValueError, KeyError):
        return None, {}


def wait_health(k, want_ok, timeout):
    """Wait until /healthz says the reader is (not) ok; (seconds, reader check) or None."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        status, r = reader_health(k)
        if want_ok and status == 200 and r.get("ok") and r.get("state") == "connected":
            return time.time() - t0, r
        if not want_ok and status == 503 and r.get("ok") is False:
            return time.time() - t0, r
        time.sleep(0.03)
    return None


def taps_for(k, seconds):
    """Every tap answer that arrives within `seconds`."""
    got = []
    deadline = time.time() + seconds
    while True:
        left = deadline - time.time()
        if left <= 0:
            return got
        a = k.next_tap(timeout=left)
        if a is not None:
            got.append(a)


def db_taps(k):
    return k.db("SELECT count(*) FROM taps")[0][0]


def fault_episode(k, emu, fault, during=None):
    """Run `fault` until the reader is seen failing, optionally do `during`,
    then end the fault (gone ends by itself) and wait for the reader.
    Returns (problems, degraded reader check, seconds to recover)."""
    problems = []
    t_gone = time.time() + 1.5
    emu.must("fault gone 1.5" if fault == "gone" else "fault " + fault)
    bad = wait_health(k, False, 15)
    if bad is None:
        problems.append("/healthz never reported the reader failing: %s" % (reader_health(k),))
    if k.proc.poll() is not None:
        problems.append("stempeld exited with %s" % k.proc.returncode)
        return problems, None, None
    if during:
        during()
    if fault == "gone":  # it comes back by itself
        t_end = max(t_gone, time.time())
    else:
        t_end = time.time()
        emu.must("fault none")
    good = wait_health(k, True, 20)
    if good is None:
        problems.append("the reader did not recover: %s" % (reader_health(k),))
    return problems, bad[1] if bad else None, max(0.0, time.time() - t_end)


doc = roster(2 + 2 * len(FAULTS))
doc["participants"][1]["cards"].append(SEVEN)
emu_dir = tempfile.mkdtemp(prefix="stempel-emu-")
emu = k = None
expected_taps = 0
try:
    emu = Emulator(BIN, emu_dir)
    k = Kiosk(config_extra="[reader]\ndriver = libnfc\nconnstring = %s\nremoval_polls = 3\n"
              "error_threshold = 3\nreopen_max_ms = 1000\n" % emu.connstring,
              roster_doc=doc, debounce=1)
    k.start(wait=False)
    up = wait_health(k, True, 30)
    if not ok(up is not None, "stempeld with driver = libnfc opens the emulated PN532 (%s)"
              % emu.connstring, "%s\n%s" % (reader_health(k), k.logtext())):
        raise SystemExit
    k.follow_events()

    # --- one card, one tap, answered ---
    emu.must("insert " + card(0))
    a = k.next_tap(timeout=5)
    expected_taps += 1
    ok(a is not None and a["outcome"] == "accepted_in" and a["participant"] == pid(0),
       "card put down: one tap, answered accepted_in for %s in %.1f ms (UID to answer)"
       % (pid(0), a["latency_us"] / 1000 if a else -1), "%s\n%s" % (a, k.logtext()))

    # --- held for 5 s: still one tap, while the reader keeps polling ---
    polls_before = int(emu.status()["polls"])
    extra = taps_for(k, 5.0)
    polls = int(emu.status()["polls"]) - polls_before
    ok(not extra and db_taps(k) == 1 and polls > 50,
       "card held 5 s: still one tap (%d polls meanwhile)" % polls,
       "extra answers: %s\ntaps in db: %d" % (extra, db_taps(k)))

    # --- taken away, put down again after the debounce: a second tap ---
    emu.must("remove")
    time.sleep(1.3)
    emu.must("insert " + card(0))
    a = k.next_tap(timeout=5)
    expected_taps += 1
    ok(a is not None and a["outcome"] == "accepted_out" and not a["repeat"] and db_taps(k) == 2,
       "removed and put down after the debounce: a second tap (accepted_out)",
       "%s\ntaps in db: %d" % (a, db_taps(k)))

    # --- a 7-byte UID ---
    emu.must("remove")
    time.sleep(0.3)
    emu.must("insert " + SEVEN)
    a = k.next_tap(timeout=5)
    expected_taps += 1
    ok(a is not None and a["participant"] == pid(1) and db_taps(k) == 3,
       "7-byte UID %s: one tap for %s" % (SEVEN, pid(1)), a)
    emu.must("remove")
    time.sleep(0.3)

    # --- every fault, twice ---
    for n, fault in enumerate(FAULTS):
        held, fresh = 2 + 2 * n, 3 + 2 * n
        emu.must("insert " + card(held))
        a = k.next_tap(timeout=5)
        expected_taps += 1
        problems = []
        if a is None or a["participant"] != pid(held):
            problems.append("the card before the fault was not answered: %s" % a)

        # 1. the card stays on the reader through the fault
        p, bad, rec1 = fault_episode(k, emu, fault)
        problems += p
        extra = taps_for(k, 0.8)
        if extra:
            problems.append("held card tapped again after the fault: %s" % extra)

        # 2. a different card is put down while the reader is failing
        p, _, rec2 = fault_episode(k, emu, fault,
                                   during=lambda c=card(fresh): emu.must("insert " + c))
        problems += p
        got = taps_for(k, 0.8)
        expected_taps += 1
        if [x["participant"] for x in got] != [pid(fresh)]:
            problems.append("card put down during the fault: expected one answer for %s, "
                            "got %s" % (pid(fresh), got))
        if db_taps(k) != expected_taps:
            problems.append("taps in db: %d, expected %d" % (db_taps(k), expected_taps))
        if not emu.alive():
            problems.append("pn532emu died")
        ok(not problems,
           "fault %s: no crash; 503 with reader %s (%s); recovered %.1f s / %.1f s after the "
           "fault ended; held card not doubled, new card answered once"
           % (fault, bad.get("state") if bad else "?",
              (bad.get("message") or "")[:60] if bad else "", rec1 or -1, rec2 or -1),
           "\n".join(problems) + "\n" + k.logtext()[-2500:])
        emu.must("remove")
        time.sleep(0.2)

    # --- the books ---
    total = db_taps(k)
    ok(total == expected_taps, "the database holds exactly the %d answered taps" % expected_taps,
       "taps in db: %d" % total)
    status, body = k.get("/metrics")
    metrics = {line.split()[0]: float(line.split()[-1]) for line in body.splitlines()
               if line.startswith("stempel_reader_")}
    ok(metrics.get("stempel_reader_connected") == 1 and
       metrics.get("stempel_reader_reopens", 0) >= 2 * len(FAULTS) and
       metrics.get("stempel_reader_errors", 0) > 0,
       "/metrics: reader connected, %d reopens, %d errors counted"
       % (metrics.get("stempel_reader_reopens", 0), metrics.get("stempel_reader_errors", 0)),
       metrics)
    import kiosklib
    print("# fault: reader faults (no ACK, bad LCS, bad DCS, error frame, silence, garbage, "
          "device gone) | %d faults, twice each | health degraded, recovery by itself, no tap "
          "lost or doubled | %s" % (len(FAULTS), "as expected" if kiosklib.failures == 0 else
                                    "%d checks failed" % kiosklib.failures))
    t0 = time.time()
    rc = k.stop()
    ok(rc == 0 and time.time() - t0 < 5,
       "stempeld stops cleanly on SIGTERM in %.2f s (reader thread aborted and joined)"
       % (time.time() - t0), k.logtext())
finally:
    if k is not None:
        k.cleanup()
    if emu is not None:
        emu.stop()
    shutil.rmtree(emu_dir, ignore_errors=True)
done()
