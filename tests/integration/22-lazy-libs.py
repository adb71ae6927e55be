#!/usr/bin/env python3
"""Libraries loaded only when configured (hal/dynlib.h): with the default config
(simulated reader, no upload) stempeld starts, answers /healthz and a tap, and has
neither libnfc nor libcurl (nor libusb, nor the TLS stack libcurl pulls in) in
/proc/PID/maps; with [reader] driver = libnfc it maps libnfc, with an upload URL
it maps libcurl, each without the other.  A library that cannot be loaded (a
file that is no library, or one without the functions, first on LD_LIBRARY_PATH)
stops start-up with a message naming the setting, the soname, the symbol and the
Debian package; a missing libsystemd under $NOTIFY_SOCKET is logged once and the
daemon runs on."""
import os
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from kiosklib import Kiosk, done, ok, roster  # noqa: E402
import memory  # noqa: E402

NFC = "libnfc.so.6"
USB = "libusb-0.1.so.4"
CURL = "libcurl.so.4"
GNUTLS = "libgnutls.so.30"


def mapped(pid):
    """The file names of every shared object in the process."""
    names = set()
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].startswith("/"):
                names.add(os.path.basename(parts[5].strip()))
    return names


def has(libs, soname):
    """The file behind a soname is usually soname + a version: libnfc.so.6.0.0."""
    return any(n == soname or n.startswith(soname + ".") for n in libs)


def run(desc, extra, want, unwanted):
    k = Kiosk(config_extra=extra, roster_doc=roster(2))
    sim = "libnfc" not in extra
    try:
        # libnfc has no sim socket to wait for: wait for /healthz instead (503 while
        # the reader is missing)
        k.start(wait=sim)
        status, t0 = None, time.time()
        while status is None and time.time() - t0 < 30:
            try:
                status, _ = k.get("/healthz")
            except OSError:
                time.sleep(0.05)
        ok(status in (200, 503), desc + ": /healthz answers (%s)" % status, k.logtext())
        if sim:
            # a tap through the whole pipeline; with libnfc the emulator-driven
            # tests (21-nfc-daemon.py) cover taps
            k.follow_events()
            reply = k.tap("04A10000")
            a = k.next_tap()
            ok(reply.startswith("ok ") and a is not None and a.get("outcome"),
               desc + ": a tap is answered", "%r %r" % (reply, a))
        libs = mapped(k.proc.pid)
        # tests/bench/memory.py sees the same libraries, and its sums add up
        m = memory.measure(k.proc.pid)
        st = m["status"]
        ok({os.path.basename(p) for p in m["libraries"]} == {n for n in libs if ".so" in n},
           desc + ": memory.py lists the same shared objects", m["libraries"])
        ok(abs(st["RssAnon"] + st["RssFile"] + st["RssShmem"] - st["VmRSS"]) <= 8
           and abs(m["total"]["Rss"] - st["VmRSS"]) <= st["VmRSS"] // 10
           and sum(g["Rss"] for g in m["groups"].values()) == m["total"]["Rss"],
           desc + ": memory.py: anon + file = VmRSS, smaps Rss by mapping adds up",
           (st, m["total"]))
        for name in want:
            ok(has(libs, name), desc + ": %s is mapped" % name, sorted(libs))
        for name in unwanted:
            ok(not has(libs, name), desc + ": %s is not mapped" % name, sorted(libs))
        ok(k.stop() == 0, desc + ": stops cleanly", k.logtext())
    finally:
        k.cleanup()


run("default config", "", [], [NFC, USB, CURL, GNUTLS])
# No device at this path: the reader thread keeps retrying, start-up does not fail.
run("driver = libnfc", "[reader]\ndriver = libnfc\nconnstring = pn532_uart:/dev/stempel-none\n"
    "reopen_max_ms = 1000\n", [NFC, USB], [CURL, GNUTLS])
# Nothing listens on port 9: the uploader backs off; libcurl is mapped at start.
run("upload configured", "[upload]\nbase_url = https://127.0.0.1:9\nauth = none\n",
    [CURL], [NFC, USB])


def libc_path():
    """The file of this process's libc: a real library without libcurl's functions."""
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and os.path.basename(parts[5].strip()).startswith("libc.so"):
                return parts[5].strip()
    raise RuntimeError("no libc in /proc/self/maps")


def refused(desc, extra, env, want):
    """stempeld exits at start with every string of `want` in its log."""
    k = Kiosk(config_extra=extra, roster_doc=roster(2))
    try:
        k.start(wait=False, env=env)
        try:
            rc = k.proc.wait(timeout=60)
        except Exception:
            rc = None
        log = k.logtext()
        ok(rc not in (None, 0), desc + ": start-up fails (exit %s)" % rc, log)
        for w in want:
            ok(w in log, desc + ": the log says %r" % w, log)
    finally:
        if k.proc.poll() is None:
            k.proc.kill()
            k.proc.wait()
        k.cleanup()


# First on the library path: an empty libnfc.so.6 (dlopen: "file too short"),
# a libcurl.so.4 that is libc, and an empty libsystemd.so.0.
fake = tempfile.mkdtemp(prefix="stempel-fakelibs-")
open(os.path.join(fake, NFC), "w").close()
os.symlink(libc_path(), os.path.join(fake, CURL))
open(os.path.join(fake, "libsystemd.so.0"), "w").close()
fake_env = {"LD_LIBRARY_PATH": fake + (":" + os.environ["LD_LIBRARY_PATH"]
                                       if os.environ.get("LD_LIBRARY_PATH") else "")}
try:
    refused("libnfc.so.6 not loadable",
            "[reader]\ndriver = libnfc\nconnstring = pn532_uart:/dev/stempel-none\n", fake_env,
            ["[reader] driver = libnfc needs libnfc.so.6, which cannot be loaded (",
             "file too short", "install the Debian package libnfc6"])
    refused("libcurl.so.4 without curl_global_init",
            "[upload]\nbase_url = https://127.0.0.1:9\nauth = none\n", fake_env,
            ["[upload] base_url needs libcurl.so.4, but it has no curl_global_init "
             "(too old? install the Debian package libcurl4)"])

    # libsystemd: the daemon serves on; the message is logged once, not per ping
    d = tempfile.mkdtemp(prefix="stempel-notify-")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(os.path.join(d, "notify.sock"))
    k = Kiosk()
    try:
        env = dict(fake_env, NOTIFY_SOCKET=os.path.join(d, "notify.sock"),
                   WATCHDOG_USEC="400000")
        k.start(env=env)
        ok(k.get("/healthz")[0] in (200, 503), "libsystemd.so.0 not loadable: serves")
        time.sleep(0.5)
        log = k.logtext()
        msg = "running under systemd ($NOTIFY_SOCKET) needs libsystemd.so.0, which cannot " \
              "be loaded ("
        ok(log.count(msg) == 1 and "install the Debian package libsystemd0" in log,
           "libsystemd.so.0 not loadable: logged once, naming the package", log)
        ok(k.stop() == 0, "libsystemd.so.0 not loadable: stops cleanly", k.logtext())
    finally:
        s.close()
        k.cleanup()
        shutil.rmtree(d, ignore_errors=True)
finally:
    shutil.rmtree(fake, ignore_errors=True)
done()
