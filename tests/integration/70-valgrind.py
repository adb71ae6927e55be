#!/usr/bin/env python3
"""valgrind --leak-check=full over a daemon run that touches every part: taps
(known, unknown, repeated) with the kiosk event stream, uploads to the fake
municipal system over TLS with a roster pull, the payroll API (periods, JSON,
CSV), the board's login page, every other page, then SIGTERM.  Expect 0 errors
and nothing definitely lost.  Uses the build without sanitizers (build/rel),
since valgrind and ASan do not mix."""
import os
import shutil
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import munilib  # noqa: E402
from kiosklib import ok, done, roster  # noqa: E402

REL = os.environ.get("REL_BIN", "build/rel")

with munilib.Session("valgrind") as s:
    muni = s.muni(roster=s.write_json("roster.json", roster(10))).start()
    k = s.kiosk(munilib.upload_config(muni) + "[tap]\n", start=False)
    # debounce 2 s so repeats are answered from memory
    with open(k.conf) as f:
        conf = f.read().replace("debounce_s = 0", "debounce_s = 2")
    with open(k.conf, "w") as f:
        f.write(conf)
    k.ctl("roster", "import", s.write_json("local.json", roster(10)))
    token = k.ctl("token", "create", "--scope", "payroll", "--name", "vg").stdout.strip().split()[-1]
    vlog = os.path.join(k.dir, "valgrind.log")
    k.log = open(os.path.join(k.dir, "stempeld.log"), "ab")
    k.proc = subprocess.Popen(["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
                               "--error-exitcode=99", "--log-file=" + vlog,
                               os.path.join(REL, "stempeld"), "-c", k.conf],
                              stdout=k.log, stderr=k.log)
    deadline = time.time() + 60
    while time.time() < deadline and not os.path.exists(k.sock):
        time.sleep(0.2)
    k.follow_events()
    answered = 0
    for i in range(60):
        k.tap("%08X" % (0x04A10000 + i % 12))  # 10 enrolled, 2 unknown; repeats debounce
        if k.next_tap(10):
            answered += 1
    taps = {r[0] for r in k.db("SELECT id FROM outbox WHERE type LIKE 'tap%'")}
    delivered = munilib.wait_for(lambda: taps <= set(muni.event_ids()), 60, step=0.5)

    def api(path):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (k.port, path),
                                     headers={"Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, ""
    status, periods = api("/api/v1/periods")
    pid = re.search(r'"id":\s*(\d+)', periods)
    if pid:
        api("/api/v1/periods/%s/stipend.json" % pid.group(1))
        api("/api/v1/periods/%s/stipend.csv" % pid.group(1))
        for doc in ("nir.json", "nir.csv", "participants/%s/basis" % k.db(
                "SELECT ext_id FROM participants LIMIT 1")[0][0], "participants/x/basis.json"):
            api("/api/v1/periods/%s/%s" % (pid.group(1), doc))
        # a close refused: a body that is not JSON (400), and one before the end (409)
        for body in (b"not json", b'{"reason":"x"}'):
            req = urllib.request.Request("http://127.0.0.1:%d/api/v1/periods/%s/close" % (
                k.port, pid.group(1)), data=body, method="POST",
                headers={"Authorization": "Bearer " + token})
            try:
                urllib.request.urlopen(req, timeout=30).read()
            except urllib.error.HTTPError:
                pass
    for path in ("/kiosk", "/healthz", "/metrics", "/nope", "/", "/board", "/board/login"):
        k.get(path)
    rc = k.stop()
    with open(vlog) as f:
        text = f.read()
    errors = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    first = re.search(r"==\d+== (Invalid|Conditional|Use of uninit|Syscall param|Process "
                      r"terminating|Mismatched|Source and destination)", text)
    where = text[first.start():first.start() + 4000] if first else text[-3000:]
    if os.environ.get("VALGRIND_LOG"):  # keep the log for a look: VALGRIND_LOG=FILE
        shutil.copy(vlog, os.environ["VALGRIND_LOG"])
    lost = re.search(r"definitely lost: ([\d,]+) bytes", text)
    ok(answered == 60, "60 taps answered under valgrind", answered)
    ok(delivered and len(taps) >= 12, "all %d tap events uploaded to the receiver under valgrind"
       % len(taps), len(muni.event_ids()))
    ok(status == 200 and pid, "the payroll API answered under valgrind", periods[:300])
    ok(rc == 0, "stempeld exits 0 under valgrind (exit %s)" % rc, where)
    ok(errors and errors.group(1) == "0", "valgrind: 0 errors", where)
    ok(lost is None or lost.group(1) == "0", "valgrind: 0 bytes definitely lost",
       lost.group(0) if lost else "")
    print("# valgrind: taps, uploads over TLS, roster pull, payroll API, pages: %s; %s" % (
        errors.group(0) if errors else "?", lost.group(0) if lost else "all heap blocks freed"))
done()
