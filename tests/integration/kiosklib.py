"""kiosklib — drives a real stempeld for the integration tests.

Starts the daemon from $BIN on a temporary state dir with the simulated
reader, taps through its UNIX socket, reads the kiosk's server-sent events
and looks into its database.  Checks print "ok - ..." / "not ok - ..." lines
(tests/run counts them).
"""
import calendar
import datetime
import json
import math
import os
import queue
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BIN = os.environ.get("BIN", "build/asan")
failures = 0


def at_nice(nice):
    """A Popen preexec_fn that gives the child `nice` from exec on, as a unit's Nice=
    does (lowering it needs root); None for the caller's own."""
    return None if nice is None else lambda: os.setpriority(os.PRIO_PROCESS, 0, nice)


def ok(cond, desc, detail=""):
    global failures
    if cond:
        print("ok - " + desc, flush=True)
    else:
        failures += 1
        print("not ok - " + desc, flush=True)
        for line in str(detail).splitlines()[:40]:
            print("    " + line, flush=True)
    return cond


def done():
    sys.exit(1 if failures else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def clock_at(at, trusted_days=30):
    """The environment that starts the kiosk's clock (daemon and stempelctl) at `at`
    (seconds since 1970) and has it trusted: STEMPEL_CLOCK_OFFSET_S from now, and
    STEMPEL_CLOCK_EPOCH `trusted_days` before it (an earlier clock is untrusted).
    The offset is whole seconds, rounded up: the clock is never before `at` (a
    truncated offset put a 07:00 start at 06:59:59, a minute early, now and then)."""
    return {"STEMPEL_CLOCK_OFFSET_S": str(math.ceil(at - time.time())),
            "STEMPEL_CLOCK_EPOCH": str(int(at) - trusted_days * 86400)}


def noon_clock():
    """(env, date): STEMPEL_CLOCK_OFFSET_S putting the kiosk's clock (timezone = UTC) at
    12:00 of today's UTC date, or of the last day before it that is no public holiday
    (nobody is scheduled on one: the board's Today page is empty), and a
    STEMPEL_CLOCK_EPOCH that trusts it.  A test whose checks name "today" sets these in
    os.environ (daemon and stempelctl alike), so its day cannot turn at midnight
    between two steps, whatever the hour and date of the run."""
    now = int(time.time())
    day = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).date()
    while holiday(day):
        day -= datetime.timedelta(days=1)
    return clock_at(calendar.timegm(day.timetuple()) + 12 * 3600), day


def holiday(d):
    """Is the date d a Norwegian public holiday (not scheduled, RULES.md)?  By
    tests/rules/reference.py, the rules' plain second implementation: a test that
    expects a day to be scheduled picks one that is not a holiday (Easter week,
    Ascension Day, Whit Monday, 1 and 17 May, Christmas, New Year)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rules"))
    import reference
    return reference.holiday(d)


def roster(n, start_uid=0x04A10000, weekdays=(1, 2, 3, 4, 5, 6, 7)):
    """n participants scheduled all day every day, one 4-byte card each."""
    parts = []
    for i in range(n):
        parts.append({
            "id": "P-%06d" % (i + 1), "name": "Participant %d" % (i + 1),
            "language": ["nb", "ar", "uk", "so", "ti", "fa-AF", "en", "nn"][i % 8],
            "programme_start": "2026-01-05",
            "cards": ["%08X" % (start_uid + i)],
            "schedule": {"template": [{"weekdays": list(weekdays), "start": "00:00",
                                       "end": "24:00"}]},
        })
    return {"participants": parts}


class Kiosk:
    # min_presence 0: these tests toggle in/out quickly; the "already in" window
    # has its own tests (unit test_tap, browser kiosk.test.js)
    def __init__(self, config_extra="", roster_doc=None, debounce=0, min_presence=0):
        self.dir = tempfile.mkdtemp(prefix="stempel-it-")
        self.port = free_port()
        self.state = os.path.join(self.dir, "state")
        self.sock = os.path.join(self.dir, "reader.sock")
        self.conf = os.path.join(self.dir, "stempel.conf")
        with open(self.conf, "w") as f:
            f.write("[kiosk]\nid = it-kiosk\nstate_dir = %s\ntimezone = UTC\n"
                    "[tap]\ndebounce_s = %d\nmin_presence_min = %d\n[reader]\nsocket = %s\n"
                    "[web]\nlisten = 127.0.0.1\nport = %d\n%s"
                    % (self.state, debounce, min_presence, self.sock, self.port, config_extra))
        self.proc = None
        self.events = queue.Queue()
        self.sse_threads = []
        if roster_doc is not None:
            path = os.path.join(self.dir, "roster.json")
            with open(path, "w") as f:
                json.dump(roster_doc, f)
            self.ctl("roster", "import", path)

    def ctl(self, *args, check=True):
        r = subprocess.run([os.path.join(BIN, "stempelctl"), "-c", self.conf] + list(args),
                           capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError("stempelctl %s: %s" % (" ".join(args), r.stderr))
        return r

    def start(self, wait=True, env=None, nice=None):
        """nice: the daemon's nice value from exec on, as a unit's Nice= gives it
        (lowering it needs root)."""
        self.log = open(os.path.join(self.dir, "stempeld.log"), "ab")
        self.proc = subprocess.Popen([os.path.join(BIN, "stempeld"), "-c", self.conf],
                                     stdout=self.log, stderr=self.log,
                                     env=dict(os.environ, **(env or {})),
                                     preexec_fn=at_nice(nice))
        if wait:
            deadline = time.time() + 30
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    if self.port_taken():
                        # free_port()'s port went to another socket before the daemon
                        # bound it (tests run side by side): another port, once more
                        self.new_port()
                        return self.start(wait, env, nice)
                    raise RuntimeError("stempeld exited: " + self.logtext())
                try:
                    self.get("/healthz")
                    if os.path.exists(self.sock):
                        return
                except OSError:
                    pass
                time.sleep(0.05)
            raise RuntimeError("stempeld did not come up: " + self.logtext())

    def port_taken(self):
        """The daemon's last start failed because its web port was taken."""
        tail = self.logtext(600).strip().splitlines()
        return bool(tail) and ("cannot listen on 127.0.0.1:%d" % self.port) in tail[-1]

    def new_port(self):
        old, self.port = self.port, free_port()
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(text.replace("port = %d\n" % old, "port = %d\n" % self.port, 1))

    def logtext(self, tail=4000):
        try:
            with open(os.path.join(self.dir, "stempeld.log"), "rb") as f:
                return f.read().decode(errors="replace")[-tail:]
        except OSError:
            return ""

    def add_teacher(self, user, password):
        """A board user with the teacher role (stempelctl user add, password on stdin)."""
        subprocess.run([os.path.join(BIN, "stempelctl"), "-c", self.conf, "user", "add", user,
                        "--role", "teacher", "--password-stdin"], input=password + "\n",
                       text=True, capture_output=True, timeout=60, check=True)

    def board_login(self, user, password):
        """Log in on the board as a browser would (the login form's CSRF token and
        cookie, then the POST); returns the Cookie header for the session."""
        import http.client
        import re
        import urllib.parse
        cookies = {}

        def keep(r):
            for v in r.headers.get_all("Set-Cookie") or []:
                n, val = v.split(";")[0].split("=", 1)
                cookies[n] = val
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request("GET", "/board/login")
            r = c.getresponse()
            page = r.read().decode()
            keep(r)
            tok = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)
            body = urllib.parse.urlencode({"login_csrf": tok, "username": user,
                                           "password": password})
            c.request("POST", "/board/login", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join("%s=%s" % kv for kv in cookies.items())})
            r = c.getresponse()
            r.read()
            keep(r)
        finally:
            c.close()
        return "; ".join("%s=%s" % kv for kv in cookies.items())

    def get(self, path, timeout=5):
        """(status, body) — also for 4xx/5xx."""
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                        timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def follow_events(self):
        """Read /kiosk/events in a thread; tap events land in self.events."""
        ready = threading.Event()

        def run():
            s = socket.create_connection(("127.0.0.1", self.port))
            s.sendall(b"GET /kiosk/events HTTP/1.1\r\nHost: x\r\n\r\n")
            f = s.makefile("rb")
            event = None
            try:
                # The daemon has the subscriber once its status line is
                # written; a tap before that would not reach this stream
                # (under valgrind that takes longer than any fixed sleep).
                f.readline()
                ready.set()
                for raw in f:
                    line = raw.decode(errors="replace").rstrip("\r\n")
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event:
                        self.events.put((event, json.loads(line[6:])))
                        event = None
            except (OSError, ValueError):
                pass
            ready.set()
            self.events.put(("closed", None))
        t = threading.Thread(target=run, daemon=True)
        t.start()
        ready.wait(60)
        self.sse_threads.append(t)

    def screen_status(self, timeout=5):
        """The status event a kiosk screen gets when it connects now."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(b"GET /kiosk/events HTTP/1.1\r\nHost: x\r\n\r\n")
            f = s.makefile("rb")
            event = None
            for raw in f:
                line = raw.decode(errors="replace").rstrip("\r\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "status":
                    return json.loads(line[6:])
        finally:
            s.close()
        return None

    def next_tap(self, timeout=10):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            try:
                ev, data = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if ev == "tap":
                return data
            if ev == "closed":
                return None

    def tap_conn(self):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        return s

    def tap(self, uid, conn=None):
        own = conn is None
        s = conn or self.tap_conn()
        s.sendall((uid + "\n").encode())
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(100)
            if not chunk:
                break
            reply += chunk
        if own:
            s.close()
        return reply.decode().strip()

    def db(self, sql, args=()):
        c = sqlite3.connect(os.path.join(self.state, "stempel.db"), timeout=10)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        return self.proc.returncode if self.proc else None

    def stop(self):
        rc = self.kill(signal.SIGTERM)
        self.log.close()
        return rc

    def cleanup(self):
        try:
            self.kill(signal.SIGKILL)
        except Exception:
            pass
        check_contract(os.path.join(self.state, "stempel.db"))
        shutil.rmtree(self.dir, ignore_errors=True)


def check_contract(db_path):
    """Every event this kiosk put in its outbox matches uploader/openapi.yaml
    (tests/integration/contract.py); one check per kiosk that emitted any."""
    if not os.path.exists(db_path):
        return
    import contract
    try:
        n, types, bad = contract.check_outbox(db_path)
    except sqlite3.Error:
        return  # a test that damaged the database on purpose
    if n:
        ok(not bad, "contract: %d outbox events (%s) match uploader/openapi.yaml"
           % (n, ", ".join("%s %d" % kv for kv in sorted(types.items()))), "\n".join(bad))
