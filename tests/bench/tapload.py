#!/usr/bin/env python3
"""tapload.py — one kiosk with 2,000 participants and three years of history (the
one history.py built, when report.py passes it; else its own, TAPLOAD_YEARS), measured:

  1. durable tap vs raw fsync: 2,000 taps and 2,000 pwrite+fdatasync on the state
     directory's disk, interleaved in rounds so both see the same disk;
  2. the same taps while, at once, the uploader drains 100,000 events, 20 board
     clients hold /board/events, wrk loads the Today page and payroll pulls a
     2,000-participant month as CSV.  The load is switched off and on while the taps
     go on (Windows): LOAD_WINDOW_S on (the first window until the backlog is through
     and LOAD_WINDOW_S more), SWITCH_SETTLE_S for what it left running, IDLE_WINDOW_S
     off, until each kind of window has LOAD_MIN_TAPS taps.  The taps under the load
     are compared with the idle taps between its windows, which saw the same minutes
     of the machine; a VM's disk can be slower for minutes at a time (the host's own
     writes), and a ratio to idle taps from other minutes says what the host did.
  5. footprint: start-up time to ready, peak RSS (VmHWM) over the whole run.

The copied history's outbox is left as a kiosk that uploaded as it went leaves it:
everything delivered, and what is older than keep_delivered_days deleted
(benchlib.outbox_pruned), checkpointed and synced before the kiosk starts.

Taps are open-loop (a participant does not wait for the previous one) through the
simulated reader, from a process of their own (the reader hardware: nothing else runs
there, so the timestamp before sendall waits for no other Python thread); each answer
is matched from the kiosk's SSE stream, which carries seen_ns (UID received) and
latency_us (received -> answer sent).  The peers that stand for other machines (wrk,
the board clients, the payroll puller, fakemuni) run at nice TAPLOAD_PEERS_NICE (19;
0 puts every process at the same priority); the taps at the bench's own; the daemon at
the Nice= of board/systemd/stempel.service, as the board starts it (TAPLOAD_DAEMON_NICE
overrides it, e.g. 0 for the daemon at the bench's priority).
The municipality is another machine with a disk of its own: fakemuni's database is on
tmpfs (TAPLOAD_MUNI_DISK=1 puts it beside the kiosk's, where its commits and checkpoints
were the flushes a tap's fdatasync waited for).  The backlog is written while fakemuni
answers 503 (a receiver that was down), so the whole drain runs under the taps; it
starts at the first retry once fakemuni accepts again (backoff at most 1 s).
The daemon's loop lag (stempel_loop_lag_seconds in /metrics) is read before and after
the idle taps, and after the backlog was written and after the load.
  3. AFTER_TAPS idle taps again once the load has stopped, on the database it left:
     with the idle taps of 1, minutes before, they show how far the machine drifted
     during the run.
measure() is called by report.py; run alone, it prints the figures.
"""
import atexit
import collections
import hashlib
import http.client
import json
import multiprocessing
import os
import queue
import random
import re
import selectors
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import kiosklib  # noqa: E402
import munilib  # noqa: E402

PARTICIPANTS = int(os.environ.get("TAPLOAD_PARTICIPANTS", "2000"))
TAPS = int(os.environ.get("TAPLOAD_TAPS", "2000"))
ROUNDS = 10                    # fsync and taps alternate this many times
FSYNC_BYTES = (4096, 32768)    # one page; about what a tap's commit writes to the WAL
BACKLOG = int(os.environ.get("TAPLOAD_BACKLOG", "100000"))
BOARD_CLIENTS = 20
WRK_CONNECTIONS = 4
LOAD_MAX_S = float(os.environ.get("TAPLOAD_LOAD_MAX_S", "180"))
YEARS = int(os.environ.get("TAPLOAD_YEARS", "3"))  # of history, when it builds its own
LOAD_MIN_TAPS = 1000           # in the load's windows, and as many in the idle ones
LOAD_WINDOW_S = 5              # the load on (after the backlog is through) ...
IDLE_WINDOW_S = 5              # ... then off: idle taps counted for this long ...
SWITCH_SETTLE_S = 1            # ... after this second for what the load left running
GAP_S = (0.010, 0.040)         # between two taps: uniform, 25 ms on average
AFTER_TAPS = 1000              # idle again once the load has stopped: the control
AFTER_SETTLE_S = 2             # for the peers to be gone and a checkpoint to run
STARTS = 5
# The peers that stand for other machines (wrk, the board clients, the payroll puller,
# fakemuni) run at this nice value, so they take the CPU the kiosk leaves; the tap
# generator (the reader) at the bench's own, the daemon at DAEMON_NICE.
# TAPLOAD_PEERS_NICE=0: the peers at the bench's priority.
PEERS_NICE = int(os.environ.get("TAPLOAD_PEERS_NICE", "19"))
MUNI_DISK = os.environ.get("TAPLOAD_MUNI_DISK") == "1"  # fakemuni's database beside the kiosk's
DAEMON_NICE = int(os.environ.get("TAPLOAD_DAEMON_NICE", benchlib.service_nice()))
PASSWORD = "bench teacher password"


def proc_status(pid):
    """VmHWM and VmRSS of a process, in kB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmHWM:", "VmRSS:", "RssAnon:", "RssFile:", "RssShmem:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    return out


class RssPeak(threading.Thread):
    """/proc/PID/status every 100 ms while the load runs: the moment RSS was highest,
    with its anonymous / file / shmem split (VmHWM has no split)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.halt = pid, None, threading.Event()

    def run(self):
        while not self.halt.wait(0.1):
            try:
                st = proc_status(self.pid)
            except OSError:
                return
            if self.peak is None or st["VmRSS"] > self.peak["VmRSS"]:
                self.peak = st


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_quiet(pid, timeout=240):
    """Wait until the process uses under 5% of a CPU for a second; seconds waited."""
    t0 = time.monotonic()
    prev = cpu_seconds(pid)
    while time.monotonic() - t0 < timeout:
        time.sleep(1)
        now = cpu_seconds(pid)
        if now - prev < 0.05:
            return time.monotonic() - t0
        prev = now
    return time.monotonic() - t0


def _sender(sock_path, conn, stop, sent_n):
    """The tap generator, a process of its own (it stands for the reader hardware):
    nothing else runs in it, so the timestamp taken right before sendall is not held
    up by another Python thread holding the GIL.  Commands come through conn:
    (uids, seed) -> taps them open-loop, GAP_S apart, until they run out or the
    parent sets stop; answers [(uid, monotonic_ns before sendall)]."""
    while True:
        cmd = conn.recv()
        if cmd is None:
            return
        uids, seed = cmd
        rng = random.Random(seed)
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock_path)
        s.setblocking(False)
        out = []
        acks = 0
        nxt = time.monotonic()
        for uid in uids:
            if stop.is_set():
                break
            delay = nxt - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            line = (uid + "\n").encode()
            t = time.monotonic_ns()
            s.setblocking(True)
            s.sendall(line)
            s.setblocking(False)
            out.append((uid, t))
            sent_n.value = len(out)
            try:  # the reader's "ok" lines: read what is there, never wait
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    acks += data.count(b"\n")
            except (BlockingIOError, InterruptedError):
                pass
            nxt += rng.uniform(*GAP_S)
        # Close only when the reader took every UID: the simulated reader drops the
        # lines still unread when its client goes away.
        s.settimeout(60)
        try:
            while acks < len(out):
                data = s.recv(65536)
                if not data:
                    break
                acks += data.count(b"\n")
        except OSError:
            pass
        s.close()
        conn.send(out)


class Taps:
    """Open-loop taps on a kiosk's simulated reader from a process of its own (_sender);
    answers matched from the kiosk's SSE, the i-th tap of a participant with the i-th
    answer for them."""

    def __init__(self, kiosk, ext_of):
        self.k = kiosk
        self.ext_of = ext_of
        self.lock = threading.Lock()
        self.answers = []  # every SSE tap event, in order
        self.outcomes = collections.Counter()
        self.sse_drops = 0
        self.stop = False
        ctx = multiprocessing.get_context("spawn")
        self.halt, self.sent_n = ctx.Event(), ctx.Value("l", 0, lock=False)
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_sender, args=(kiosk.sock, child, self.halt, self.sent_n),
                                daemon=True)
        self.proc.start()
        self.th = threading.Thread(target=self._collect, daemon=True)
        self.th.start()

    def _collect(self):
        while not self.stop:
            try:
                ev, d = self.k.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if ev == "closed" and not self.stop:
                # the kiosk dropped a screen that fell behind: count it, follow again
                self.sse_drops += 1
                self.k.follow_events()
            if ev != "tap":
                continue
            with self.lock:
                self.answers.append(d)

    def send(self, uids, until=None):
        """Tap uids open-loop (GAP_S apart) until they run out or until(sent) is true;
        then wait up to 60 s for the answers.  Returns the results of these taps."""
        with self.lock:
            first = len(self.answers)
        self.halt.clear()
        self.sent_n.value = 0
        self.conn.send((list(uids), random.random()))
        while not self.conn.poll(0.05):
            if until is not None and until(self.sent_n.value):
                self.halt.set()
        sent = self.conn.recv()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.answers) - first >= len(sent):
                    break
            time.sleep(0.05)
        with self.lock:
            got = self.answers[first:]
        by = collections.defaultdict(collections.deque)
        for d in got:
            by[d.get("participant", "")].append(d)
        res = []
        for uid, t in sent:
            q = by.get(self.ext_of[uid])
            if not q:
                continue
            d = q.popleft()
            done = d["seen_ns"] + d["latency_us"] * 1000
            res.append({"sent": t, "inside": d["latency_us"] / 1000.0,
                        "e2e": (done - t) / 1e6, "done": done})
            self.outcomes[d["outcome"]] += 1
        return res, len(sent)

    def close(self):
        self.stop = True
        self.th.join()
        self.conn.send(None)
        self.proc.join(timeout=10)


def renice_all(pid, nice):
    """Every thread of a process to this nice value (Linux: nice is per thread; the
    threads it starts later inherit it from theirs)."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            os.setpriority(os.PRIO_PROCESS, int(tid), nice)
        except OSError:
            pass


def loop_lag(port):
    """stempel_loop_lag_seconds from /metrics: {bound: count} (cumulative) and max, and
    the longest a tap waited for the database's write lock."""
    _, _, body = request(port, "GET", "/metrics", timeout=30)
    b, mx, wait, ckpt = {}, None, None, None
    for line in body.decode().splitlines():
        m = re.match(r'stempel_loop_lag_seconds_bucket\{le="([^"]+)"\} (\d+)', line)
        if m:
            b[m.group(1)] = int(m.group(2))
        m = re.match(r"stempel_loop_lag_max_seconds (\S+)", line)
        if m:
            mx = float(m.group(1)) * 1000
        m = re.match(r"stempel_tap_db_wait_max_seconds (\S+)", line)
        if m:
            wait = float(m.group(1)) * 1000
        m = re.match(r"stempel_checkpoints_total (\d+)", line)
        if m:
            ckpt = int(m.group(1))
    return {"buckets": b, "max_ms": mx, "db_wait_max_ms": wait, "checkpoints": ckpt}


def io_counters(path, pid):
    """What the machine did, to be taken between two readings: the disk under path
    (/proc/diskstats: writes, sectors written, flushes, and the time each took), the
    daemon's CPU seconds, the machine's idle CPU seconds."""
    st = os.stat(path)
    out = {}
    with open("/proc/diskstats") as f:
        for line in f:
            x = line.split()
            if (int(x[0]), int(x[1])) == (os.major(st.st_dev), os.minor(st.st_dev)):
                v = [int(n) for n in x[3:]]
                out = {"writes": v[4], "write_ms": v[7], "mb_written": v[6] * 512 / 1e6,
                       "flushes": v[15] if len(v) > 16 else 0,
                       "flush_ms": v[16] if len(v) > 16 else 0}
    with open("/proc/stat") as f:
        out["idle_cpu_s"] = int(f.readline().split()[4]) / os.sysconf("SC_CLK_TCK")
    out["daemon_cpu_s"] = cpu_seconds(pid)
    out["t"] = time.monotonic()
    return out


def lag_between(a, b):
    """The probe's samples between two loop_lag() readings: count, how many were over
    each bound (ms), and the bound under which 99% fell."""
    if not a["buckets"] or not b["buckets"]:
        return None
    diff = {k: b["buckets"][k] - a["buckets"].get(k, 0) for k in b["buckets"]}
    n = diff.get("+Inf", 0)
    bounds = sorted((float(k) * 1000, v) for k, v in diff.items() if k != "+Inf")
    over = {"%g" % ms: n - v for ms, v in bounds}
    p99 = next((ms for ms, v in bounds if n and v >= 0.99 * n), None)
    return {"n": n, "over_ms": over, "p99_le_ms": p99, "max_since_start_ms": b["max_ms"],
            "tap_db_wait_max_ms": b["db_wait_max_ms"]}


def fsync_samples(state, n, size):
    exe = os.path.join(benchlib.BIN, "bench", "fsync")
    r = subprocess.run([exe, state, str(n), str(size)], capture_output=True, text=True,
                       timeout=300)
    if r.returncode != 0:
        raise RuntimeError("fsync helper: " + r.stderr)
    return [int(x) / 1e6 for x in r.stdout.split()]


def request(port, method, path, body=None, headers=None, timeout=120):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


def board_login(port, user, password):
    """A board session: the Cookie header value."""
    jar = {}

    def keep(h):
        for v in h.get_all("Set-Cookie") or []:
            name, val = v.split(";")[0].split("=", 1)
            jar[name] = val

    _, h, page = request(port, "GET", "/board/login")
    keep(h)
    tok = re.search(rb'name="login_csrf" value="([^"]+)"', page).group(1).decode()
    st, h, _ = request(port, "POST", "/board/login",
                    urllib.parse.urlencode({"login_csrf": tok, "username": user,
                                            "password": password}),
                    {"Content-Type": "application/x-www-form-urlencoded",
                     "Cookie": "; ".join("%s=%s" % kv for kv in jar.items())})
    keep(h)
    if st not in (302, 303) or not jar.get("stempel_session"):
        raise RuntimeError("board login failed: %d" % st)
    return "stempel_session=" + jar["stempel_session"]


class BoardClients:
    """n teachers' boards holding /board/events open; counts the tap events each got."""

    def __init__(self, port, cookie, n):
        self.sel = selectors.DefaultSelector()
        self.taps = [0] * n
        self.bytes = 0
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(("GET /board/events HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n\r\n"
                       % cookie).encode())
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, i)
        self.stop = False
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        os.setpriority(os.PRIO_PROCESS, 0, PEERS_NICE)  # this thread only (Linux)
        while not self.stop:
            for key, _ in self.sel.select(timeout=0.2):
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self.sel.unregister(key.fileobj)
                    continue
                self.bytes += len(data)
                self.taps[key.data] += data.count(b"event: tap")

    def close(self):
        self.stop = True
        self.th.join()
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()


class Puller(threading.Thread):
    """Payroll: the month's stipend.csv, pulled again as soon as it arrives, while `go`
    is set; pause() returns once the pull under way is through."""

    def __init__(self, port, token, path):
        super().__init__(daemon=True)
        self.port, self.token, self.path = port, token, path
        self.times, self.status, self.bytes = [], collections.Counter(), 0
        self.halt, self.go, self.busy = threading.Event(), threading.Event(), threading.Lock()

    def pause(self):
        self.go.clear()
        with self.busy:
            pass

    def run(self):
        os.setpriority(os.PRIO_PROCESS, 0, PEERS_NICE)  # this thread only (Linux)
        while not self.halt.is_set():
            if not self.go.wait(0.1):
                continue
            with self.busy:
                t = time.monotonic()
                try:
                    st, _, body = request(self.port, "GET", self.path,
                                       headers={"Authorization": "Bearer " + self.token})
                except OSError as e:
                    self.status[type(e).__name__] += 1
                    continue
                self.times.append((time.monotonic() - t) * 1000)
                self.status[st] += 1
                self.bytes = len(body)


def wrk_start(port, cookie):
    if shutil.which("wrk") is None:
        return None
    return subprocess.Popen(
        ["wrk", "-t1", "-c%d" % WRK_CONNECTIONS, "-d600s", "--timeout", "60s", "--latency",
         "-H", "Cookie: " + cookie, "http://127.0.0.1:%d/board" % port],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: os.setpriority(os.PRIO_PROCESS, 0, PEERS_NICE))


def wrk_stop(p):
    """SIGINT makes wrk print its summary: requests, rate and latency percentiles."""
    if p is None:
        return {"error": "wrk is not installed (make deps installs it)"}
    p.send_signal(signal.SIGINT)
    out = p.communicate(timeout=60)[0]
    res = {"raw": out}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        res["rps"] = float(m.group(1))
    for q in ("50", "99"):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % q, out, re.M)
        if m:
            res["p" + q] = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    return res


def wrk_total(runs, seconds):
    """One summary of the wrk runs of the load's windows: requests and non-2xx summed,
    the rate over the windows' time, p50 the median of the runs', p99 the highest."""
    ok = [r for r in runs if "requests" in r]
    if not ok:
        return runs[0] if runs else {"error": "wrk did not run"}
    p50s = sorted(r["p50"] for r in ok if "p50" in r)
    res = {"runs": len(runs), "requests": sum(r["requests"] for r in ok),
           "non2xx": sum(r.get("non2xx", 0) for r in ok), "raw": ok[-1].get("raw", "")}
    res["rps"] = round(res["requests"] / seconds, 2) if seconds else None
    if p50s:
        res["p50"] = p50s[len(p50s) // 2]
    if any("p99" in r for r in ok):
        res["p99"] = max(r["p99"] for r in ok if "p99" in r)
    return res


class Load:
    """The load's peers that can be switched off and on: wrk on the Today page, the
    BOARD_CLIENTS board streams, the payroll puller (the backlog's drain runs in the
    first window, which lasts until it is through).  on() starts them, off() returns
    once each has stopped: wrk has printed its summary, the boards' connections are
    closed, the pull under way is through."""

    def __init__(self, port, cookie, token, csv_path):
        self.port, self.cookie = port, cookie
        self.wrk_runs, self.board_windows = [], []
        self.wrk = self.boards = None
        self.puller = Puller(port, token, csv_path)
        self.puller.start()

    def on(self):
        self.boards = BoardClients(self.port, self.cookie, BOARD_CLIENTS)
        self.puller.go.set()
        self.wrk = wrk_start(self.port, self.cookie)

    def off(self):
        self.wrk_runs.append(wrk_stop(self.wrk))
        self.puller.pause()
        self.boards.close()
        self.board_windows.append(list(self.boards.taps))

    def close(self):
        self.puller.halt.set()
        self.puller.join(timeout=120)


class Windows:
    """The load switched on and off while the taps go on, so the taps under it and the
    idle taps between its windows see the same minutes of the machine.  step(), called
    by Taps.send's until() every 50 ms, switches: the load's window lasts LOAD_WINDOW_S
    (the first one until the backlog is through, and LOAD_WINDOW_S more); then the load
    is off, SWITCH_SETTLE_S for what it left running (a pull or a Today answer under
    way, the WAL it wrote, a checkpoint), then IDLE_WINDOW_S of idle taps.  It stops on
    an idle window once both kinds have LOAD_MIN_TAPS taps, or after LOAD_MAX_S.
    Each window is (kind, start_ns, end_ns) on CLOCK_MONOTONIC, as the taps' times."""

    def __init__(self, load, port, t0, state, pid):
        self.load, self.port, self.t0, self.state, self.pid = load, port, t0, state, pid
        self.kind, self.since = "load", t0
        self.windows, self.lags = [], {"load": [], "idle": []}
        self.io = {"load": collections.Counter(), "idle": collections.Counter()}
        self._mark()
        self.sent_at, self.n = 0, {"load": 0, "idle": 0}
        self.checkpoints = {}  # window index -> checkpoints the daemon ran in it

    def _mark(self):
        """The readings a window's figures are taken from, at its start."""
        self.lag_at, self.io_at = loop_lag(self.port), io_counters(self.state, self.pid)

    def _close(self, sent):
        """End the window: its taps, I/O, loop lag and checkpoints; its end readings
        are the next window's start."""
        self.windows.append((self.kind, int(self.since * 1e9), time.monotonic_ns()))
        self.n[self.kind] += sent - self.sent_at
        io = io_counters(self.state, self.pid)
        for key, v in io.items():
            self.io[self.kind]["s" if key == "t" else key] += v - self.io_at[key]
        lag = loop_lag(self.port)
        self.lags[self.kind].append((self.lag_at, lag))
        ck = (lag["checkpoints"] or 0) - (self.lag_at["checkpoints"] or 0)
        self.io[self.kind]["checkpoints"] += ck
        self.checkpoints[len(self.windows) - 1] = ck
        self.lag_at, self.io_at = lag, io

    def rates(self, kind):
        """Per second of this kind of window: disk writes, MB written, flushes (and the
        ms each took on average), checkpoints, the daemon's CPU, the machine's idle CPU."""
        io = self.io[kind]
        if not io.get("s"):
            return None
        per = lambda key: round(io[key] / io["s"], 3)  # noqa: E731
        return {"s": round(io["s"], 1), "writes_per_s": per("writes"),
                "mb_per_s": per("mb_written"), "flushes_per_s": per("flushes"),
                "write_ms": round(io["write_ms"] / io["writes"], 3) if io["writes"] else None,
                "flush_ms": round(io["flush_ms"] / io["flushes"], 3) if io["flushes"] else None,
                "checkpoints": io["checkpoints"], "daemon_cpu": per("daemon_cpu_s"),
                "idle_cpu": per("idle_cpu_s")}

    def step(self, sent, drained):
        now = time.monotonic()
        if now - self.t0 > LOAD_MAX_S:
            if self.kind != "settle":
                self._close(sent)
            if self.kind == "load":
                self.load.off()
            return True
        if self.kind == "load":
            if drained and now - max(self.since, self.t0 + drained[0]) >= LOAD_WINDOW_S:
                self._close(sent)
                self.load.off()
                self.kind, self.since = "settle", time.monotonic() + SWITCH_SETTLE_S
                self.windows.append(("settle", self.windows[-1][2], int(self.since * 1e9)))
        elif self.kind == "settle":
            if now >= self.since:
                self._mark()
                end = time.monotonic_ns()
                self.windows[-1] = ("settle", self.windows[-1][1], end)
                self.kind, self.since, self.sent_at = "idle", end / 1e9, sent
        elif now - self.since >= IDLE_WINDOW_S:
            self._close(sent)
            if min(self.n.values()) >= LOAD_MIN_TAPS:
                return True
            self.kind, self.since, self.sent_at = "load", self.windows[-1][2] / 1e9, sent
            self.load.on()
        return False

    def of(self, taps, kind):
        """The taps sent in this kind of window."""
        spans = [(a, b) for k, a, b in self.windows if k == kind]
        return [x for x in taps if any(a <= x["sent"] < b for a, b in spans)]

    def lag(self, kind):
        """The loop-lag probe over this kind of window, as lag_between()."""
        pairs = self.lags[kind]
        if not pairs:
            return None
        b = {"buckets": {}, "max_ms": pairs[-1][1]["max_ms"],
             "db_wait_max_ms": pairs[-1][1]["db_wait_max_ms"]}
        for x, y in pairs:
            for key, v in y["buckets"].items():
                b["buckets"][key] = b["buckets"].get(key, 0) + v - x["buckets"].get(key, 0)
        return lag_between({"buckets": dict.fromkeys(b["buckets"], 0)}, b)


def startup_times(kiosk, n):
    """exec -> reader socket, exec -> first /healthz answer (any status); ms, n starts."""
    sock_ms, health_ms, hwm = [], [], []
    env = dict(os.environ, **benchlib.clock_env())
    for _ in range(n):
        if os.path.exists(kiosk.sock):
            os.unlink(kiosk.sock)
        log = open(os.path.join(kiosk.dir, "stempeld.log"), "ab")
        t0 = time.monotonic()
        p = subprocess.Popen([os.path.join(benchlib.BIN, "stempeld"), "-c", kiosk.conf],
                             stdout=log, stderr=log, env=env,
                             preexec_fn=kiosklib.at_nice(DAEMON_NICE))
        t_sock = t_health = None
        while time.monotonic() - t0 < 120 and p.poll() is None and t_health is None:
            if t_sock is None and os.path.exists(kiosk.sock):
                t_sock = time.monotonic()
            try:
                s = socket.create_connection(("127.0.0.1", kiosk.port), timeout=30)
                s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/"):
                    t_health = time.monotonic()
                s.close()
            except OSError:
                time.sleep(0.001)
        if t_sock is None and os.path.exists(kiosk.sock):
            t_sock = time.monotonic()
        hwm.append(proc_status(p.pid)["VmHWM"])
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        log.close()
        if t_sock and t_health:
            sock_ms.append((t_sock - t0) * 1000)
            health_ms.append((t_health - t0) * 1000)
    return {"socket": benchlib.summary(sock_ms), "healthz": benchlib.summary(health_ms),
            "hwm_kb": max(hwm) if hwm else None}


def quick_check_ms(db):
    c = sqlite3.connect(db, timeout=30)
    t = time.monotonic()
    c.execute("PRAGMA quick_check").fetchall()
    ms = (time.monotonic() - t) * 1000
    c.close()
    return ms


def measure(log=print, history=None):
    """Every figure of measures 1, 2 and 5: a dict.  history: {"years", "state",
    "meta"} of a history built by history.py (its state dir is copied), else the
    kiosk builds its own (TAPLOAD_YEARS)."""
    years = history["years"] if history else YEARS
    res = {"participants": PARTICIPANTS, "backlog": BACKLOG, "wrk_connections": WRK_CONNECTIONS,
           "peers_nice": PEERS_NICE, "daemon_nice_asked": DAEMON_NICE,
           "muni_db": "disk" if MUNI_DISK else "tmpfs",
           "load_min_taps": LOAD_MIN_TAPS, "load_max_s": LOAD_MAX_S, "years": years,
           "load_window_s": LOAD_WINDOW_S, "idle_window_s": IDLE_WINDOW_S,
           "switch_settle_s": SWITCH_SETTLE_S}
    os.environ.update(benchlib.clock_env())  # stempelctl and stempeld: the simulated day
    with munilib.Session("tapload") as s:
        # The municipality serves the roster the kiosk already has (its ETag is stored
        # below, as after a year of syncs): roster polls are answered 304.
        roster = s.write_json("roster.json", benchlib.roster_doc(
            PARTICIPANTS, benchlib.history_from(years)))
        # The receiver's disk is not the kiosk's (tmpfs here; removed at the end).
        muni_db = None if MUNI_DISK else tempfile.mkdtemp(prefix="stempel-muni-", dir="/dev/shm")
        if muni_db:
            atexit.register(shutil.rmtree, muni_db, True)
        muni = s.muni(roster=roster, db_dir=muni_db)
        upload = munilib.upload_config(muni, batch_max=500, timeout_s=30, backoff_max_s=1,
                                       roster_interval_s=600)
        k = kiosklib.Kiosk(config_extra="")
        s.kiosks.append(k)
        db = os.path.join(k.state, "stempel.db")
        # The same daemon on an empty database (the first start makes it): the base.
        startup_times(k, 1)
        res["startup_empty"] = startup_times(k, STARTS)

        # --- the history ---
        if history:
            meta = history["meta"]
            benchlib.copy_state(history["state"], k.state)
            token = meta["token"]
            res["taps_history"], res["history_s"] = meta["taps"], meta["gen_s"]
            res["warmup_s"] = meta["first_start"]["current_ms"] / 1000
            res["day_results"] = meta["day_results"]
            log("tapload: on the %d-year history of history.py (copied)" % years)
        else:
            t = time.monotonic()
            k.ctl("roster", "import", roster)
            res["taps_history"] = benchlib.fill_history(db, benchlib.SIM_DATE, years)["taps"]
            subprocess.run([os.path.join(benchlib.BIN, "stempelctl"), "-c", k.conf, "user",
                            "add", "bench", "--role", "teacher", "--password-stdin"],
                           input=PASSWORD + "\n", text=True, capture_output=True, check=True)
            token = k.ctl("token", "create", "--scope", "payroll",
                          "--name", "bench").stdout.split()[0]
            res["history_s"] = time.monotonic() - t
            log("tapload: %d participants, %d taps of history written in %.1f s"
                % (PARTICIPANTS, res["taps_history"], res["history_s"]))
            # First start: the day results of the whole history are computed and stored.
            t = time.monotonic()
            k.start(env=benchlib.clock_env(), nice=DAEMON_NICE)
            res["warmup_s"] = time.monotonic() - t + wait_quiet(k.proc.pid, timeout=3600)
            res["day_results"] = k.db("SELECT count(*) FROM day_results")[0][0]
            k.stop()
        with open(roster, "rb") as f:
            etag = '"%s"' % hashlib.sha256(f.read()).hexdigest()[:32]
        benchlib.db_exec(db, "INSERT OR REPLACE INTO meta(key, value)"
                         " VALUES('upload.roster_etag', ?)", (etag,))
        benchlib.outbox_delivered(db)  # a year of uploads went out long ago
        # ... and retention deleted what was older than 30 days, a day at a time
        res["outbox_pruned_before"] = benchlib.outbox_pruned(db)
        res["db_mb"] = benchlib.db_size(k.state) / 1e6
        res["outbox_rows"] = k.db("SELECT count(*) FROM outbox")[0][0]
        log("tapload: first start computed %d day results in %.1f s; database %.0f MB"
            % (res["day_results"], res["warmup_s"], res["db_mb"]))
        with open(k.conf, "a") as f:
            f.write(upload)
        muni.start()

        # --- 5. start-up ---
        res["startup"] = startup_times(k, STARTS)
        res["quick_check_ms"] = quick_check_ms(db)
        log("tapload: start-up to /healthz " + benchlib.fmt(res["startup"]["healthz"], digits=0))

        # --- 1. idle taps against raw fsync ---
        k.start(env=benchlib.clock_env(), nice=DAEMON_NICE)
        res["daemon_nice"] = benchlib.nice_of(k.proc.pid)  # as it ran, not as asked
        res["restart_recompute_s"] = wait_quiet(k.proc.pid)
        k.follow_events()
        ext_of = {benchlib.card_uid(i): "P-%06d" % (i + 1) for i in range(PARTICIPANTS)}
        order = list(ext_of)
        random.Random(1).shuffle(order)
        taps = Taps(k, ext_of)
        idle, fs = [], {b: [] for b in FSYNC_BYTES}
        lag0 = loop_lag(k.port)
        per = TAPS // ROUNDS
        for r in range(ROUNDS):
            for b in FSYNC_BYTES:
                fs[b] += fsync_samples(k.state, per, b)
            got, _ = taps.send([order[(r * per + i) % len(order)] for i in range(per)])
            idle += got
        res["idle_lag"] = lag_between(lag0, loop_lag(k.port))
        res["idle_inside"] = benchlib.summary([x["inside"] for x in idle])
        res["idle_e2e"] = benchlib.summary([x["e2e"] for x in idle])
        res["fsync"] = {str(b): benchlib.summary(v) for b, v in fs.items()}
        res["idle_sent"] = TAPS
        res["idle_outcomes"] = dict(taps.outcomes)
        res["status_idle"] = proc_status(k.proc.pid)
        log("tapload: idle taps " + benchlib.fmt(res["idle_inside"]))
        log("tapload: fsync 4 KiB " + benchlib.fmt(res["fsync"]["4096"], digits=3))

        # --- 2. the same under load ---
        taps.outcomes.clear()
        cookie = board_login(k.port, "bench", PASSWORD)
        st, _, body = request(k.port, "GET", "/api/v1/periods",
                           headers={"Authorization": "Bearer " + token})
        period = [p for p in json.loads(body)["periods"] if p["from"] == benchlib.PAY_MONTH[0]]
        csv_path = "/api/v1/periods/%d/stipend.csv" % period[0]["id"]
        t = time.monotonic()
        st, _, body = request(k.port, "GET", csv_path, headers={"Authorization": "Bearer " + token})
        res["csv_alone_ms"] = (time.monotonic() - t) * 1000
        res["csv_lines"] = body.count(b"\n")
        t = time.monotonic()
        st, _, body = request(k.port, "GET", "/board", headers={"Cookie": cookie})
        res["today_alone_ms"] = (time.monotonic() - t) * 1000
        res["today_rows"] = body.count(b"<tr data-pid=")
        t = time.monotonic()
        k.get("/healthz")
        res["healthz_alone_ms"] = (time.monotonic() - t) * 1000
        log("tapload: alone: Today %.0f ms (%d rows), stipend.csv %.0f ms (%d lines), "
            "/healthz %.0f ms" % (res["today_alone_ms"], res["today_rows"], res["csv_alone_ms"],
                                  res["csv_lines"], res["healthz_alone_ms"]))

        peak = RssPeak(k.proc.pid)
        peak.start()
        renice_all(muni.proc.pid, PEERS_NICE)
        load = Load(k.port, cookie, token, csv_path)
        load.on()
        base = muni.ctl("/count")["accepted"]
        # The backlog of a receiver that was down: written while it answers 503, so
        # the uploader holds it until the load starts (the bench's own writes are not
        # the load: the loop lag is read after them).
        muni.fault("503")
        benchlib.fill_outbox(db, BACKLOG)
        muni.fault("none")
        t0 = time.monotonic()
        win = Windows(load, k.port, t0, k.state, k.proc.pid)
        drained = []

        def until(sent):
            if not drained and muni.ctl("/count")["accepted"] >= base + BACKLOG:
                drained.append(time.monotonic() - t0)
            return win.step(sent, drained)

        more = [order[(TAPS + i) % len(order)] for i in range(100000)]
        phase, sent = taps.send(more, until=until)
        load.close()
        res["load_s"] = time.monotonic() - t0
        res["load_sent"] = sent
        res["load_answered"] = len(phase)
        res["drain_s"] = drained[0] if drained else None
        res["drained"] = muni.ctl("/count")["accepted"] - base
        res["windows"] = []
        for i, (kd, a, b) in enumerate(win.windows):
            e2e = [x["e2e"] for x in phase if a <= x["sent"] < b]
            res["windows"].append({"kind": kd, "from_s": a / 1e9 - t0, "to_s": b / 1e9 - t0,
                                   "e2e": benchlib.summary(e2e),
                                   "checkpoints": win.checkpoints.get(i)})
        loaded, between = win.of(phase, "load"), win.of(phase, "idle")
        res["load_lag"], res["between_lag"] = win.lag("load"), win.lag("idle")
        res["load_io"], res["between_io"] = win.rates("load"), win.rates("idle")
        # the taps sent before the backlog was through had all five loads at once
        during = [x for x in loaded if not drained or x["sent"] / 1e9 - t0 <= drained[0]]
        res["load_inside"] = benchlib.summary([x["inside"] for x in loaded])
        res["load_e2e"] = benchlib.summary([x["e2e"] for x in loaded])
        res["between_e2e"] = benchlib.summary([x["e2e"] for x in between])
        res["settle_e2e"] = benchlib.summary([x["e2e"] for x in win.of(phase, "settle")])
        res["during_drain_e2e"] = benchlib.summary([x["e2e"] for x in during])
        # every tap of the phase, whichever its window: none may take over 100 ms
        res["load_over_100ms"] = sum(1 for x in phase if x["e2e"] > 100)
        res["load_outcomes"] = dict(taps.outcomes)
        res["sse_drops"] = taps.sse_drops
        load_secs = sum((w["to_s"] - w["from_s"]) for w in res["windows"] if w["kind"] == "load")
        res["wrk"] = wrk_total(load.wrk_runs, load_secs)
        res["csv"] = {"pulls": len(load.puller.times), "ms": benchlib.summary(load.puller.times),
                      "status": dict(load.puller.status)}
        totals = [sum(w[i] for w in load.board_windows) for i in range(BOARD_CLIENTS)]
        res["board_taps"] = (min(totals), max(totals))
        res["board_windows"] = len(load.board_windows)
        # The control: idle taps again, on the database the load left and the machine
        # as it is now.  Idle before and after alike while the load was slower: the
        # load's doing; all three slower: the machine's.
        time.sleep(AFTER_SETTLE_S)
        taps.outcomes.clear()
        after, _ = taps.send([order[(TAPS + sent + i) % len(order)] for i in range(AFTER_TAPS)])
        res["after_e2e"] = benchlib.summary([x["e2e"] for x in after])
        res["after_settle_s"] = AFTER_SETTLE_S
        res["after_outcomes"] = dict(taps.outcomes)
        taps.close()
        log("tapload: under load " + benchlib.fmt(res["load_e2e"]))
        log("tapload: idle between the load's windows " + benchlib.fmt(res["between_e2e"]))
        log("tapload: under load, inside " + benchlib.fmt(res["load_inside"]))
        log("tapload: loop lag under load %s" % res["load_lag"])
        log("tapload: the machine under load %s, idle between %s" % (res["load_io"],
                                                                       res["between_io"]))
        log("tapload: idle again after the load " + benchlib.fmt(res["after_e2e"]))

        # --- 5. footprint ---
        peak.halt.set()
        peak.join()
        res["status_peak"] = peak.peak
        res["status_end"] = proc_status(k.proc.pid)
        res["wal_mb_end"] = os.path.getsize(db + "-wal") / 1e6
        k.stop()
        muni.stop()
        # After a power cut nothing of the database is in the page cache: drop this
        # file's pages (only these: posix_fadvise), start once more.
        for name in os.listdir(k.state):
            if name.startswith("stempel.db"):
                fd = os.open(os.path.join(k.state, name), os.O_RDONLY)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                os.close(fd)
        res["startup_cold"] = startup_times(k, 1)
        log("tapload: start-up, database not cached: %s"
            % benchlib.fmt(res["startup_cold"]["healthz"], digits=0))
        # not k.cleanup(): its contract check would read millions of delivered events
        s.kiosks.remove(k)
        k.kill()
        shutil.rmtree(k.dir, ignore_errors=True)
    return res


def main():
    r = measure()
    print(json.dumps({k: v for k, v in r.items() if k != "wrk"}, indent=1, default=str))
    print(r["wrk"].get("raw", r["wrk"]))


if __name__ == "__main__":
    main()
