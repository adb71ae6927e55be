#!/usr/bin/env python3
"""Start-up faults: a read-only state dir and a damaged database are refused
with a clear message and a non-zero exit; the data that was there is left
exactly as it was (never recreated or "repaired")."""
import hashlib
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import kiosklib  # noqa: E402
from kiosklib import Kiosk, ok, done, roster  # noqa: E402


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def start_fails(k):
    r = subprocess.run([os.path.join(kiosklib.BIN, "stempeld"), "-c", k.conf],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stderr


k = Kiosk(roster_doc=roster(5), debounce=0)
try:
    k.start()
    for i in range(20):
        k.tap("%08X" % (0x04A10000 + i % 5))
    k.stop()
    db = os.path.join(k.state, "stempel.db")
    good = db + ".good"
    shutil.copy(db, good)

    # 1. read-only state dir (a read-only bind mount, so root is refused too)
    subprocess.run(["mount", "--bind", k.state, k.state], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", k.state], check=True)
    try:
        before = digest(db)
        rc, err = start_fails(k)
        ok(rc == 1 and "state_dir" in err and "not writable" in err and "Read-only" in err,
           "read-only state dir: refused with exit 1, 'state_dir ... not writable (Read-only ...)'",
           "exit %d: %s" % (rc, err[-800:]))
        ok(digest(db) == before, "read-only state dir: the database is untouched")
    finally:
        subprocess.run(["umount", k.state])
    print("# fault: read-only state dir | tried 1 start | expected refusal, data untouched | "
          "saw exit %d" % rc)

    # 2. a damaged database: overwrite pages in the middle of the file
    size = os.path.getsize(db)
    with open(db, "r+b") as f:
        f.seek(4096 + 100)
        f.write(b"\xde\xad" * 2000)
    before = digest(db)
    rc, err = start_fails(k)
    ok(rc == 1 and "damaged" in err and "refusing to start" in err,
       "damaged database: refused with exit 1, 'damaged ... refusing to start'",
       "exit %d: %s" % (rc, err[-800:]))
    ok(digest(db) == before and os.path.getsize(db) == size,
       "damaged database: the file is left as it was for recovery")
    print("# fault: damaged database | tried 1 start | expected refusal, file kept | saw exit %d" % rc)

    # 2b. the same damage in a database too big to check before start-up
    #     ([kiosk] check_at_start_mb = 0): checked right after, then the daemon
    #     stops with exit 1, leaves the file as it was and a marker beside it.
    with open(k.conf) as f:
        conf = f.read()
    with open(k.conf, "a") as f:
        f.write("\n[kiosk]\ncheck_at_start_mb = 0\n")
    rc, err = start_fails(k)
    ok(rc == 1 and "checking it after start-up" in err and "is damaged" in err and
       "stopping" in err, "damage found after start-up: exit 1, 'is damaged ... stopping'",
       "exit %d: %s" % (rc, err[-800:]))
    ok(digest(db) == before and os.path.getsize(db) == size,
       "damage found after start-up: the file is left as it was")
    ok(os.path.exists(db + ".damaged"), "damage found after start-up: a marker beside the file")
    rc2, err2 = start_fails(k)
    ok(rc2 == 1 and "marked damaged" in err2 and "stempel.db.damaged" in err2,
       "the next start is refused at once, naming the marker", "exit %d: %s" % (rc2, err2[-800:]))
    print("# fault: damaged database found after start-up | tried 2 starts | expected stop, file "
          "kept, marker, refusal | saw exit %d, %d" % (rc, rc2))
    # restored from a backup and the marker removed: it starts and checks after start-up
    shutil.copy(good, db)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    os.remove(db + ".damaged")
    k.start()
    deadline = time.time() + 30
    while "checked after start-up: ok" not in k.logtext() and time.time() < deadline:
        time.sleep(0.1)
    ok("checked after start-up: ok" in k.logtext(),
       "a good database, restored and unmarked: started, checked after start-up: ok")
    k.stop()
    with open(k.conf, "w") as f:
        f.write(conf)

    # 3. not a database at all
    with open(db, "r+b") as f:
        f.write(b"this is not sqlite" * 10)
    rc, err = start_fails(k)
    ok(rc == 1 and "stempel.db" in err, "a file that is not a database: refused, named",
       "exit %d: %s" % (rc, err[-800:]))
    print("# fault: not a database | tried 1 start | expected refusal | saw exit %d" % rc)
finally:
    k.cleanup()
done()
