#!/usr/bin/env python3
"""valgrind --leak-check=full over a daemon run: taps (known, unknown, repeated),
the kiosk event stream, every page, then SIGTERM.  Expect 0 errors and nothing
definitely lost.  Uses the build without sanitizers (build/rel), since valgrind
and ASan do not mix."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import kiosklib  # noqa: E402
from kiosklib import Kiosk, ok, done, roster  # noqa: E402

REL = os.environ.get("REL_BIN", "build/rel")
k = Kiosk(roster_doc=roster(10), debounce=2)
vlog = os.path.join(k.dir, "valgrind.log")
try:
    k.log = open(os.path.join(k.dir, "stempeld.log"), "ab")
    k.proc = subprocess.Popen(["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
                               "--error-exitcode=99", "--log-file=" + vlog,
                               os.path.join(REL, "stempeld"), "-c", k.conf],
                              stdout=k.log, stderr=k.log)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if k.get("/healthz")[0] in (200, 503) and os.path.exists(k.sock):
                break
        except OSError:
            time.sleep(0.2)
    k.follow_events()
    answered = 0
    for i in range(60):
        k.tap("%08X" % (0x04A10000 + i % 12))  # 10 enrolled, 2 unknown; repeats debounce
        if k.next_tap(10):
            answered += 1
    for path in ("/kiosk", "/healthz", "/metrics", "/nope", "/"):
        k.get(path)
    rc = k.stop()
    with open(vlog) as f:
        text = f.read()
    errors = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    lost = re.search(r"definitely lost: ([\d,]+) bytes", text)
    ok(answered == 60, "60 taps answered under valgrind", answered)
    ok(rc == 0, "stempeld exits 0 under valgrind (exit %s)" % rc, text[-3000:])
    ok(errors and errors.group(1) == "0", "valgrind: 0 errors", text[-3000:])
    ok(lost is None or lost.group(1) == "0", "valgrind: 0 bytes definitely lost",
       lost.group(0) if lost else "")
    print("# valgrind: %s; %s" % (errors.group(0) if errors else "?",
                                  lost.group(0) if lost else "all heap blocks freed"))
finally:
    k.cleanup()
done()
