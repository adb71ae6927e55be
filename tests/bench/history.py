#!/usr/bin/env python3
"""history.py — what history costs: one kiosk with 2,000 participants and ONE year of
history, one with THREE years, each measured the same way (issue 20's goals):

  - the first start on the written history (the daemon computes every day result);
  - the Today page (/board, a teacher's session) and a month's stipend.csv (payroll
    token): server time, one warm-up then REQUESTS requests on one keep-alive
    connection over loopback; a Server-Timing header is used when the daemon sends
    one (for a streamed answer a trailer after the last chunk: read with a raw
    socket, http.client drops trailers), else the client's time from request to the
    last byte;
  - restart to ready and current: exec -> /healthz answers and the recompute queue
    is empty ("recompute_queue" in /healthz or stempel_recompute_queue in /metrics;
    without either, the moment the daemon's CPU went quiet);
  - a late sick note three months back (stempelctl absence add ... sick_doctor
    through the control socket) -> the participant's day_results row shows the
    excused minutes (read-only SQLite connection, polled);
  - memory of the idle daemon: RSS split (anonymous, file, shmem), VmHWM, and its
    mappings from /proc/PID/smaps, grouped and ranked.

The databases stay in tests/out/bench/history-Ny/ (removed by report.py after the
run unless BENCH_KEEP_HISTORY=1): tapload.py runs on the three-year one.

Environment (smaller sizes while developing):
  HISTORY_PARTICIPANTS (2000)  participants
  HISTORY_YEARS ("1,3")        the histories to build and measure
  HISTORY_REQUESTS (20)        timed requests per page, after one warm-up
  BENCH_REUSE_HISTORY=1        reuse a history of the same size built before (its
                               first start is then not measured again)
measure() is called by report.py; run alone, it prints the figures as JSON.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import kiosklib  # noqa: E402
import tapload  # noqa: E402

try:  # h20f's memory tools, when they are there
    import memory  # noqa: E402
except ImportError:
    memory = None

PARTICIPANTS = int(os.environ.get("HISTORY_PARTICIPANTS", "2000"))
YEARS = [int(y) for y in os.environ.get("HISTORY_YEARS", "1,3").split(",") if y.strip()]
REQUESTS = int(os.environ.get("HISTORY_REQUESTS", "20"))
REUSE = os.environ.get("BENCH_REUSE_HISTORY") == "1"
OUT = os.path.join(benchlib.ROOT, "tests", "out", "bench")
PASSWORD = tapload.PASSWORD
SICK_NOTE_DAYS_BACK = 91   # "three months back": Wednesday 2025-12-17
CURRENT_TIMEOUT_S = 600    # longest wait for a restart or a sick note to be current
QUIET_S = 2.0              # "CPU quiet": this long under 5% of a CPU
GEN = 3                    # bump when fill_history changes: older kept histories are rebuilt


def history_dir(years):
    return os.path.join(OUT, "history-%dy" % years)


# --- the daemon's own view: the recompute queue ---------------------------------------


def find_key(doc, key):
    """The first value of `key` anywhere in a JSON document (None if absent)."""
    if isinstance(doc, dict):
        if key in doc:
            return doc[key]
        doc = list(doc.values())
    if isinstance(doc, list):
        for v in doc:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def recompute_queue(conn):
    """(healthz answered, queue length or None) over a kept-alive connection: the
    "recompute_queue" field of /healthz, else the stempel_recompute_queue gauge."""
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    body = r.read()
    try:
        q = find_key(json.loads(body), "recompute_queue")
    except ValueError:
        q = None
    if q is None:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        m = re.search(rb"^stempel_recompute_queue(?:\{[^}]*\})? (\d+)", r.read(), re.M)
        q = int(m.group(1)) if m else None
    return True, q


class CpuWatch:
    """The last moment a process used CPU, sampled every 20 ms: the fallback for
    "current" when the daemon does not report its queue.  quiet() is true once it
    has used under 5% of a CPU for QUIET_S (a commit waiting for a busy shared disk
    can leave it idle for most of a second while it still has work)."""

    def __init__(self, pid):
        self.pid = pid
        self.prev = tapload.cpu_seconds(pid)
        self.last_busy = time.monotonic()
        self.window = [(self.last_busy, self.prev)]

    def sample(self):
        now, cpu = time.monotonic(), tapload.cpu_seconds(self.pid)
        if cpu > self.prev:
            self.last_busy = now
        self.prev = cpu
        self.window.append((now, cpu))
        while len(self.window) > 2 and now - self.window[1][0] >= QUIET_S:
            self.window.pop(0)
        return now

    def quiet(self):
        (t0, c0), (t1, c1) = self.window[0], self.window[-1]
        return t1 - t0 >= QUIET_S and (c1 - c0) / (t1 - t0) < 0.05


def wait_current(k, t0, timeout=CURRENT_TIMEOUT_S):
    """From t0 (exec), wait until /healthz answers and the recompute queue is 0.
    Returns {"ready_ms": first /healthz answer, "current_ms": queue 0 (or the
    daemon's last busy moment before a quiet second), "how": "queue" | "cpu quiet",
    "cpu_quiet_ms": the CPU figure (only without the queue: polling costs CPU)}.
    Without the queue, /healthz is asked once only, so the polls do not keep the
    daemon busy."""
    watch = CpuWatch(k.proc.pid)
    res = {"ready_ms": None, "current_ms": None, "how": None, "cpu_quiet_ms": None}
    conn, has_queue = None, None
    while time.monotonic() - t0 < timeout:
        if k.proc.poll() is not None:
            raise RuntimeError("stempeld exited: " + k.logtext())
        watch.sample()
        if has_queue is not False:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", k.port, timeout=30)
                _, q = recompute_queue(conn)
                if res["ready_ms"] is None:
                    res["ready_ms"] = (time.monotonic() - t0) * 1000
                has_queue = q is not None
                if q == 0:
                    res["current_ms"] = (time.monotonic() - t0) * 1000
                    res["how"] = "queue"
                    break
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
        elif watch.quiet():
            res["current_ms"] = res["cpu_quiet_ms"] = (watch.last_busy - t0) * 1000
            res["how"] = "cpu quiet"
            break
        time.sleep(0.005 if res["ready_ms"] is None else 0.02)
    if conn is not None:
        conn.close()
    return res


# --- building a history ----------------------------------------------------------------


def build(years, log):
    """A stopped kiosk state with `years` of history and its day results computed
    by one first start (timed).  Returns the history's description (history.json)."""
    d = history_dir(years)
    meta_path = os.path.join(d, "history.json")
    if REUSE and os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("participants") == PARTICIPANTS and meta.get("gen") == GEN:
            meta["reused"] = True
            log("history: reusing %s (%d participants, %d years)" % (d, PARTICIPANTS, years))
            return meta
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    os.environ.update(benchlib.clock_env())
    k = kiosklib.Kiosk(config_extra="")
    try:
        db = os.path.join(k.state, "stempel.db")
        start = benchlib.history_from(years)
        roster = benchlib.write_json(os.path.join(k.dir, "roster.json"),
                                     benchlib.roster_doc(PARTICIPANTS, start))
        k.start(env=benchlib.clock_env())  # the first start makes the database
        k.stop()
        t = time.monotonic()
        k.ctl("roster", "import", roster)
        counts = benchlib.fill_history(db, benchlib.SIM_DATE, years)
        gen_s = time.monotonic() - t
        subprocess.run([os.path.join(benchlib.BIN, "stempelctl"), "-c", k.conf, "user", "add",
                        "bench", "--role", "teacher", "--password-stdin"],
                       input=PASSWORD + "\n", text=True, capture_output=True, check=True)
        token = k.ctl("token", "create", "--scope", "payroll",
                      "--name", "bench").stdout.split()[0]
        log("history: %d years, %d participants: %d taps, %d absences, %d corrections "
            "written in %.1f s" % (years, PARTICIPANTS, counts["taps"], counts["absences"],
                                    counts["corrections"], gen_s))
        # The first start computes every day result of the history.
        t0 = time.monotonic()
        k.start(wait=False, env=benchlib.clock_env())
        first = wait_current(k, t0, timeout=3600)
        # The CPU can go quiet while a commit waits for a busy shared disk: the first
        # start is done when the stored day results stop growing (5 s unchanged),
        # at the moment they last grew.
        count, changed, checks = -1, time.monotonic(), 0
        while time.monotonic() - t0 < 3600 and time.monotonic() - changed < 5:
            if k.proc.poll() is not None:
                raise RuntimeError("stempeld exited: " + k.logtext())
            n = k.db("SELECT count(*) FROM day_results")[0][0]
            if n != count:
                count, changed = n, time.monotonic()
                checks += 1
            time.sleep(0.2)
        if checks > 1:  # they grew after the CPU went quiet
            first["current_ms"] = (changed - t0) * 1000
            first["how"] = "day results stopped growing"
        day_results = k.db("SELECT count(*) FROM day_results")[0][0]
        k.stop()
        benchlib.outbox_delivered(db)
        log("history: first start computed %d day results: current after %.1f s (%s)"
            % (day_results, first["current_ms"] / 1000, first["how"]))
        meta = dict(counts, participants=PARTICIPANTS, gen=GEN, gen_s=gen_s,
                    first_start=first, day_results=day_results, token=token,
                    db_mb=benchlib.db_size(k.state) / 1e6, reused=False)
        shutil.move(k.state, os.path.join(d, "state"))
        benchlib.write_json(meta_path, meta)
        return meta
    finally:
        k.kill()
        shutil.rmtree(k.dir, ignore_errors=True)


def kiosk_on(years, config_extra=""):
    """A kiosk (not started) on a copy of the history's state."""
    k = kiosklib.Kiosk(config_extra=config_extra)
    benchlib.copy_state(os.path.join(history_dir(years), "state"), k.state)
    return k


# --- measuring ------------------------------------------------------------------------


def server_timing(headers):
    """Milliseconds from a Server-Timing header (the "total" metric, else the sum of
    every dur), or None."""
    v = headers.get("server-timing") or headers.get("Server-Timing")
    if not v:
        return None
    durs = {}
    for metric in v.split(","):
        name = metric.split(";")[0].strip()
        m = re.search(r"dur=([\d.]+)", metric)
        if m:
            durs[name] = float(m.group(1))
    if not durs:
        return None
    return durs.get("total", sum(durs.values()))


class RawHTTP:
    """An HTTP/1.1 keep-alive client that keeps the trailers of a chunked answer
    (http.client reads and drops them; the daemon's Server-Timing of a streamed answer
    is a trailer: firmware/web/stream.h)."""

    def __init__(self, port, timeout=600):
        self.port, self.timeout, self.sock = port, timeout, None
        self.buf, self.pos = bytearray(), 0  # unread bytes: buf[pos:]

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock, self.buf, self.pos = None, bytearray(), 0

    def _more(self):
        if self.pos > 1 << 20:  # drop what was read, now and then (not per chunk)
            del self.buf[:self.pos]
            self.pos = 0
        b = self.sock.recv(1 << 20)
        if not b:
            raise ConnectionError("the daemon closed the connection mid-answer")
        self.buf += b

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                break
            self._more()
        line = bytes(self.buf[self.pos:i]).decode("latin-1")
        self.pos = i + 2
        return line

    def _take(self, n):
        while len(self.buf) - self.pos < n:
            self._more()
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def _fields(self):
        out = {}
        while True:
            line = self._line()
            if not line:
                return out
            k, _, v = line.partition(":")
            out[k.strip().lower()] = v.strip()

    def request(self, path, headers):
        """(status, headers, body, trailers); headers and trailers by lower-case name."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        h = "".join("%s: %s\r\n" % kv for kv in headers.items())
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nTE: trailers\r\n%s\r\n"
                           % (path, h)).encode())
        status = int(self._line().split()[1])
        hdrs = self._fields()
        trailers = {}
        if hdrs.get("transfer-encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                n = int(self._line().split(";")[0], 16)
                if n == 0:
                    trailers = self._fields()
                    break
                body += self._take(n)
                if self._take(2) != b"\r\n":
                    raise ValueError("a chunk without its CRLF")
            body = bytes(body)
        elif "content-length" in hdrs:
            body = bytes(self._take(int(hdrs["content-length"])))
        else:  # until close
            try:
                while True:
                    self._more()
            except ConnectionError:
                pass
            body = bytes(self.buf[self.pos:])
            self.close()
        if hdrs.get("connection", "").lower() == "close":
            self.close()
        return status, hdrs, body, trailers


def timed_requests(port, path, headers, n):
    """One warm-up, then n requests on one keep-alive connection.  Returns the
    client times, the Server-Timing times (a trailer's, else the head's, if sent),
    the last status and size."""
    conn = RawHTTP(port)
    client, server, status, size = [], [], None, 0
    try:
        for i in range(n + 1):
            t = time.monotonic()
            status, hdrs, body, trailers = conn.request(path, headers)
            ms = (time.monotonic() - t) * 1000
            size = len(body)
            if i == 0:
                continue
            client.append(ms)
            st = server_timing(trailers)
            if st is None:
                st = server_timing(hdrs)
            if st is not None:
                server.append(st)
    finally:
        conn.close()
    return {"client": benchlib.summary(client), "server": benchlib.summary(server),
            "status": status, "bytes": size, "rows": None}


def page(port, path, headers, n):
    r = timed_requests(port, path, headers, n)
    r["figure"] = r["server"] or r["client"]
    r["source"] = "Server-Timing" if r["server"] else "client, keep-alive loopback"
    return r


def csv_path(port, token):
    st, _, body = tapload.request(port, "GET", "/api/v1/periods",
                                  headers={"Authorization": "Bearer " + token})
    period = [p for p in json.loads(body)["periods"] if p["from"] == benchlib.PAY_MONTH[0]]
    return "/api/v1/periods/%d/stipend.csv" % period[0]["id"]


def late_sick_note(k, log):
    """A sick note (sick_doctor) for a day three months back that the participant
    stayed away from with nothing registered: from stempelctl's exec to the moment
    the day_results row shows the excused minutes."""
    db = os.path.join(k.state, "stempel.db")
    ro = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        row = None
        # the first weekday from three months back on which someone was away unexcused
        for back in range(SICK_NOTE_DAYS_BACK, SICK_NOTE_DAYS_BACK + 60):
            date = time.strftime("%Y-%m-%d", time.gmtime(benchlib.SIM_NOW - back * 86400))
            row = ro.execute(
                "SELECT p.id, p.ext_id, d.json FROM participants p JOIN day_results d"
                " ON d.participant_id = p.id AND d.date = ?"
                " WHERE NOT EXISTS (SELECT 1 FROM taps t WHERE t.participant_id = p.id"
                "  AND t.local_date = ?)"
                " AND NOT EXISTS (SELECT 1 FROM absences a WHERE a.participant_id = p.id"
                "  AND ? BETWEEN a.from_date AND a.to_date) ORDER BY p.id LIMIT 1",
                (date, date, date)).fetchone()
            if row is not None:
                break
        if row is None:
            return {"error": "nobody away with nothing registered 3-5 months back"}
        pid, ext, before = row
        excused_before = excused(before)
        q = "SELECT json FROM day_results WHERE participant_id = ? AND date = ?"
        t0 = time.monotonic()
        r = k.ctl("absence", "add", ext, "sick_doctor", date, "--documentation", "doctor_note",
                  "--comment", "late note (bench)")
        cmd_ms = (time.monotonic() - t0) * 1000
        after, current_ms = None, None
        conn = http.client.HTTPConnection("127.0.0.1", k.port, timeout=30)
        while time.monotonic() - t0 < CURRENT_TIMEOUT_S:
            j = ro.execute(q, (pid, date)).fetchone()
            if j and excused(j[0]) > excused_before:
                after = j[0]
                current_ms = (time.monotonic() - t0) * 1000
                break
            time.sleep(0.005)
        _, queue = recompute_queue(conn)
        conn.close()
        res = {"date": date, "participant": ext, "absence": r.stdout.strip(),
               "command_ms": cmd_ms, "current_ms": current_ms,
               "excused_before": excused_before,
               "excused_after": excused(after) if after else None,
               "queue_after": queue}
        log("history: late sick note for %s on %s: command %.0f ms, day result current "
            "after %s" % (ext, date, cmd_ms, "%.0f ms" % current_ms if current_ms
                          else "(never, %d s)" % CURRENT_TIMEOUT_S))
        return res
    finally:
        ro.close()


def excused(doc):
    """Excused minutes of a stored day result (its JSON), whatever the shape: the sum
    of every number under a key starting with "excused"."""
    if doc is None:
        return 0
    d = json.loads(doc) if isinstance(doc, str) else doc
    total = 0
    if isinstance(d, dict):
        for key, v in d.items():
            if key.startswith("excused") and isinstance(v, (int, float)):
                total += v
            elif key.startswith("excused") and isinstance(v, dict):
                total += sum(x for x in v.values() if isinstance(x, (int, float)))
            elif isinstance(v, (dict, list)):
                total += excused(v)
    elif isinstance(d, list):
        total += sum(excused(x) for x in d)
    return total


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k = line.split(":", 1)[0]
            if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"):
                out[k] = int(line.split()[1])
    return out


def smaps(pid, top=15):
    """The process's mappings from /proc/PID/smaps grouped by what they are (a file
    by its name, [heap], [stack], anonymous), Rss and its anonymous part in kB,
    biggest first: the first `top` and the rest summed."""
    groups = {}
    name = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            parts = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                path = parts[5] if len(parts) > 5 else ""
                name = (os.path.basename(path) if path.startswith("/")
                        else path or "[anonymous]")
                g = groups.setdefault(name, {"rss": 0, "anon": 0, "maps": 0})
                g["maps"] += 1
            elif parts and parts[0] == "Rss:" and name:
                groups[name]["rss"] += int(parts[1])
            elif parts and parts[0] == "Anonymous:" and name:
                groups[name]["anon"] += int(parts[1])
    ranked = sorted(({"name": n, **g} for n, g in groups.items() if g["rss"]),
                    key=lambda g: -g["rss"])
    rest = ranked[top:]
    return {"top": ranked[:top],
            "rest": {"groups": len(rest), "rss": sum(g["rss"] for g in rest),
                     "anon": sum(g["anon"] for g in rest)},
            "total_rss": sum(g["rss"] for g in ranked)}


def measure_one(years, meta, log):
    """Every figure of one history on a copy of its state."""
    res = {"years": years, "history": {k: v for k, v in meta.items() if k != "token"}}
    k = kiosk_on(years)
    try:
        env = benchlib.clock_env()
        # Restart to ready and current (the history's day results are all stored).
        t0 = time.monotonic()
        k.start(wait=False, env=env)
        res["restart"] = wait_current(k, t0)
        log("history %dy: restart: /healthz after %.0f ms, current after %.0f ms (%s)" % (
            years, res["restart"]["ready_ms"], res["restart"]["current_ms"],
            res["restart"]["how"]))
        res["idle_status"] = proc_status(k.proc.pid)
        res["smaps"] = smaps(k.proc.pid)
        if memory is not None:
            res["memory_module"] = memory_module(k.proc.pid)
        cookie = tapload.board_login(k.port, "bench", PASSWORD)
        res["today"] = page(k.port, "/board", {"Cookie": cookie}, REQUESTS)
        _, _, body = tapload.request(k.port, "GET", "/board", headers={"Cookie": cookie})
        res["today"]["rows"] = body.count(b"<tr data-pid=")
        log("history %dy: Today %s (%s; client %s)" % (
            years, benchlib.fmt(res["today"]["figure"]), res["today"]["source"],
            benchlib.fmt(res["today"]["client"])))
        path = csv_path(k.port, meta["token"])
        res["csv"] = page(k.port, path, {"Authorization": "Bearer " + meta["token"]}, REQUESTS)
        log("history %dy: stipend.csv %s (%s; client %s)" % (
            years, benchlib.fmt(res["csv"]["figure"]), res["csv"]["source"],
            benchlib.fmt(res["csv"]["client"])))
        res["sick_note"] = late_sick_note(k, log)
        res["status_end"] = proc_status(k.proc.pid)
        k.stop()
    finally:
        # not k.cleanup(): its contract check reads millions of delivered events
        k.kill()
        shutil.rmtree(k.dir, ignore_errors=True)
    return res


def memory_module(pid):
    """Whatever h20f's tests/bench/memory.py reports for a pid (its first function
    of these names), for the report's raw figures."""
    for fn in ("measure", "snapshot", "breakdown", "report"):
        f = getattr(memory, fn, None)
        if callable(f):
            try:
                return {"function": fn, "result": f(pid)}
            except Exception as e:  # its API is its own: record, do not fail the part
                return {"function": fn, "error": repr(e)}
    return {"error": "no known function in memory.py"}


def measure(log=print):
    """Both histories built, then measured one after the other: a dict."""
    os.environ.update(benchlib.clock_env())
    res = {"participants": PARTICIPANTS, "requests": REQUESTS, "years": YEARS,
           "seconds": {}}
    metas = {}
    for y in YEARS:
        t = time.monotonic()
        metas[y] = build(y, log)
        res["seconds"]["build %dy" % y] = time.monotonic() - t
    for y in YEARS:
        t = time.monotonic()
        res["%dy" % y] = measure_one(y, metas[y], log)
        res["seconds"]["measure %dy" % y] = time.monotonic() - t
    return res


def main():
    r = measure()
    print(json.dumps(r, indent=1, default=str))


if __name__ == "__main__":
    main()
