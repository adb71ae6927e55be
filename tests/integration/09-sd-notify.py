#!/usr/bin/env python3
"""The systemd notify protocol as stempel.service (Type=notify, WatchdogSec) sees
it, without systemd: stempeld sends READY=1 once it serves, WATCHDOG=1 from its
loop every WATCHDOG_USEC/2, and STOPPING=1 on SIGTERM, to NOTIFY_SOCKET given as
a path and as an abstract name (@...).  WATCHDOG_PID naming another process
turns the pings off; no NOTIFY_SOCKET at all is fine.  libsystemd is mapped only
when NOTIFY_SOCKET says systemd listens (firmware/sdnotify.c loads it then)."""
import os
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import Kiosk, done, ok  # noqa: E402


def listen(addr):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(addr)
    s.settimeout(0.2)
    return s


def drain(s, seconds):
    """Every datagram within `seconds`, as text."""
    got, end = [], time.time() + seconds
    while time.time() < end:
        try:
            got.append(s.recv(4096).decode())
        except socket.timeout:
            pass
    return got


def mapped(k, lib):
    with open("/proc/%d/maps" % k.proc.pid) as f:
        return lib in f.read()


def run(desc, addr, env_addr, wd_pid=None):
    k = Kiosk()
    s = listen(addr)
    env = {"NOTIFY_SOCKET": env_addr, "WATCHDOG_USEC": "400000"}
    if wd_pid is not None:
        env["WATCHDOG_PID"] = str(wd_pid)
    try:
        t0 = time.time()
        k.start(env=env)
        msgs = drain(s, 1.3)
        ok(msgs[:1] == ["READY=1"], desc + ": READY=1 first, once serving", msgs)
        ok(mapped(k, "libsystemd.so"), desc + ": libsystemd loaded under systemd")
        pings = msgs.count("WATCHDOG=1")
        if wd_pid is None:
            # 1.3 s at 0.2 s: about 6; the loop may be late under a loaded machine
            ok(pings >= 3, desc + ": WATCHDOG=1 every WATCHDOG_USEC/2 (%d in 1.3 s)" % pings,
               msgs)
        else:
            ok(pings == 0, desc + ": no pings when WATCHDOG_PID is another process", msgs)
        ok(msgs.count("READY=1") == 1, desc + ": READY=1 only once", msgs)
        ok(k.stop() == 0, desc + ": stops cleanly", k.logtext())
        tail = drain(s, 0.3)
        ok("STOPPING=1" in tail, desc + ": STOPPING=1 on SIGTERM", tail)
        ok(time.time() - t0 < 30, desc + ": in time")
    finally:
        s.close()
        k.cleanup()


d = tempfile.mkdtemp(prefix="stempel-notify-")
path = os.path.join(d, "notify.sock")
run("path socket", path, path)
name = "stempel-test-notify-%d" % os.getpid()
run("abstract socket", "\0" + name, "@" + name)
run("watchdog for another pid", path + "2", path + "2", wd_pid=1)

k = Kiosk()
try:
    k.start(env={"NOTIFY_SOCKET": "", "WATCHDOG_USEC": "400000"})
    ok(k.get("/healthz")[0] in (200, 503), "no NOTIFY_SOCKET: starts and answers")
    ok(not mapped(k, "libsystemd.so"), "no NOTIFY_SOCKET: libsystemd not loaded")
    ok(k.stop() == 0, "no NOTIFY_SOCKET: stops cleanly", k.logtext())
finally:
    k.cleanup()
    shutil.rmtree(d, ignore_errors=True)
done()
