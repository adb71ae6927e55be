#!/usr/bin/env python3
"""Disk full: the state dir on a small tmpfs, filled up while taps keep coming.
Taps that cannot be stored are answered storage_error ("tell a teacher"),
/healthz fails on the database and the kiosk screen shows the alarm; when space
returns the kiosk recovers by itself; every tap answered as accepted is kept."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import Kiosk, ok, done, roster  # noqa: E402

if os.geteuid() != 0:
    ok(False, "disk-full test needs root to mount a tmpfs (make check runs as root)")
    done()
k = Kiosk(debounce=0)
os.makedirs(k.state)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", k.state], check=True)
try:
    import json
    path = os.path.join(k.dir, "roster.json")
    with open(path, "w") as f:
        json.dump(roster(20), f)
    k.ctl("roster", "import", path)
    k.start()
    k.follow_events()
    accepted, errors = [], 0
    conn = k.tap_conn()
    for i in range(50):  # taps acknowledged before the disk fills
        k.tap("%08X" % (0x04A10000 + i % 20), conn)
        accepted.append(k.next_tap(5)["event_id"])
    filler = os.path.join(k.state, "filler")
    # fill the disk to the last byte
    subprocess.run(["dd", "if=/dev/zero", "of=" + filler, "bs=4k"], capture_output=True)
    for i in range(3000):
        k.tap("%08X" % (0x04A10000 + i % 20), conn)
        a = k.next_tap(5)
        if a is None:
            break
        if a["outcome"] == "storage_error":
            errors += 1
            if errors >= 5:
                break
        else:
            accepted.append(a["event_id"])
    ok(errors >= 5, "with the disk full, taps are answered storage_error (%d accepted before)" % len(accepted), k.logtext())
    ok(a is not None and a["color"] == "red" and a["icon"] == "warning" and
       any("tell a teacher" in m["text"].lower() for m in a.get("messages", [])),
       "the answer is red with 'tell a teacher' in every language", a)
    status, body = k.get("/healthz")
    ok(status == 503 and '"database":{"ok":false' in body, "/healthz fails on the database", body)
    st = k.screen_status()
    ok(st is not None and st.get("storage_error") is True,
       "a kiosk screen connecting now shows the storage alarm", st)
    os.unlink(filler)
    time.sleep(0.2)
    k.tap("04A10001", conn)
    a = k.next_tap(5)
    ok(a is not None and a["outcome"].startswith("accepted"), "space back: the next tap is accepted", a)
    if a is not None and a["outcome"].startswith("accepted"):
        accepted.append(a["event_id"])
    status, body = k.get("/healthz")
    ok(status == 200, "/healthz is ok again once a tap was stored", body)
    conn.close()
    k.stop()
    stored = {r[0] for r in k.db("SELECT uuid FROM taps")}
    ok(all(e in stored for e in accepted), "all %d accepted taps are in the database" % len(accepted))
    ok(k.db("PRAGMA integrity_check")[0][0] == "ok", "integrity_check ok after the disk was full")
    print("# fault: disk full | tried %d taps into a full tmpfs | expected storage_error answers, "
          "alarm, recovery | saw %d storage_error, %d accepted kept, recovered" % (
              len(accepted) + errors, errors, len(accepted)))
finally:
    k.kill()
    subprocess.run(["umount", "-l", k.state])
    k.cleanup()
done()
