"""munilib — the fake municipal system (build/<flavour>/fakemuni) for the uploader tests.

Makes throw-away certificates and keys with the openssl CLI (never committed),
starts fakemuni on loopback, switches its faults through the control port,
reads its stats and its database, and writes the [upload] section of a kiosk
config that points at it.  Used with kiosklib.Kiosk.
"""
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request

import kiosklib

BIN = kiosklib.BIN


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=120)


class Certs:
    """A CA and a server certificate for 127.0.0.1, a second CA with its own server
    certificate (the "wrong CA"), a client CA with a kiosk client certificate, and
    JWT signing keys (RSA 2048 and EC P-256) with their public halves."""

    def __init__(self, dir):
        self.dir = os.path.join(dir, "certs")
        os.makedirs(self.dir, exist_ok=True)
        p = self.path
        self._ca("ca")
        self._leaf("server", "ca", "localhost", "serverAuth", san=True)
        self._ca("other-ca")
        self._leaf("other-server", "other-ca", "localhost", "serverAuth", san=True)
        self._ca("client-ca")
        self._leaf("client", "client-ca", "kiosk-it", "clientAuth", san=False)
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", p("jwt-rsa.key"))
        openssl("pkey", "-in", p("jwt-rsa.key"), "-pubout", "-out", p("jwt-rsa.pub"))
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", p("jwt-ec.key"))
        openssl("pkey", "-in", p("jwt-ec.key"), "-pubout", "-out", p("jwt-ec.pub"))
        for f in os.listdir(self.dir):
            if f.endswith(".key"):
                os.chmod(p(f), 0o600)

    def path(self, name):
        return os.path.join(self.dir, name)

    def _ca(self, name):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", self.path(name + ".key"), "-out", self.path(name + ".pem"),
                "-days", "2", "-subj", "/CN=Stempel test " + name)

    def _leaf(self, name, ca, cn, usage, san):
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                    "extendedKeyUsage=%s\n" % usage)
            if san:
                f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.path(name + ".key"), "-out", self.path(name + ".csr"),
                "-subj", "/CN=" + cn)
        openssl("x509", "-req", "-in", self.path(name + ".csr"), "-CA", self.path(ca + ".pem"),
                "-CAkey", self.path(ca + ".key"), "-CAcreateserial", "-days", "2",
                "-extfile", ext, "-out", self.path(name + ".pem"))


class Muni:
    """One fakemuni process; restart() keeps its port and database."""

    def __init__(self, dir, certs, kiosk="it-kiosk", auth="none", roster=None, client_ca=False,
                 extra=(), bin_dir=None, name="muni", db_dir=None):
        """db_dir: where its database goes (default dir); a benchmark puts it on
        another disk than the kiosk's, as a real receiver's is."""
        self.dir = dir
        self.certs = certs
        self.bin = os.path.join(bin_dir or BIN, "fakemuni")
        self.port = kiosklib.free_port()
        self.ctl_port = kiosklib.free_port()
        self.db_path = os.path.join(db_dir or dir, name + ".db")
        self.log_path = os.path.join(dir, name + ".log")
        self.roster = roster
        self.args = ["--kiosk", kiosk, "--auth", auth, "--db", self.db_path] + list(extra)
        if roster:
            self.args += ["--roster", roster]
        if client_ca:
            self.args += ["--client-ca", certs.path("client-ca.pem")]
        self.proc = None
        self.poisons = []  # re-applied after a restart
        self.history = []  # stats of earlier runs of this receiver

    @property
    def url(self):
        self.url_given = True  # from now on the port must stay (kiosk configs hold it)
        return "https://127.0.0.1:%d" % self.port

    def start(self, wrong_ca=False):
        server = "other-server" if wrong_ca else "server"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.bin, "--port", str(self.port), "--ctl-port", str(self.ctl_port),
             "--cert", self.certs.path(server + ".pem"), "--key", self.certs.path(server + ".key")]
            + self.args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                if "cannot bind" in self.logtext() and not getattr(self, "url_given", False) \
                        and getattr(self, "rebinds", 0) < 3:
                    # free_port()'s port went to another socket before fakemuni bound
                    # it (tests run side by side), and nobody has its URL yet: new ports
                    self.rebinds = getattr(self, "rebinds", 0) + 1
                    self.port, self.ctl_port = kiosklib.free_port(), kiosklib.free_port()
                    with open(self.log_path, "wb"):
                        pass
                    return self.start(wrong_ca)
                raise RuntimeError("fakemuni exited: " + self.logtext())
            try:
                self.stats()
                for id, mode in self.poisons:
                    self.ctl("/poison", id=id, mode=mode)
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("fakemuni did not come up: " + self.logtext())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.history.append(self.stats())
            except OSError:
                pass
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def restart(self, wrong_ca=False):
        self.stop()
        return self.start(wrong_ca=wrong_ca)

    def logtext(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-3000:]
        except OSError:
            return ""

    def ctl(self, path, **params):
        q = "&".join("%s=%s" % (k, v) for k, v in params.items())
        url = "http://127.0.0.1:%d%s%s" % (self.ctl_port, path, "?" + q if q else "")
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.loads(r.read().decode())

    def fault(self, mode, **params):
        return self.ctl("/fault", mode=mode, **params)

    def stats(self):
        return self.ctl("/stats")

    def poison(self, id, mode):
        self.poisons.append((id, mode))
        return self.ctl("/poison", id=id, mode=mode)

    def total(self, *path):
        """A counter summed over every run of this receiver, e.g. total("requests",
        "events", "503")."""
        runs = list(self.history)
        if self.proc and self.proc.poll() is None:
            runs.append(self.stats())
        n = 0
        for st in runs:
            v = st
            for k in path:
                v = v.get(k, {}) if isinstance(v, dict) else {}
            n += v if isinstance(v, int) else 0
        return n

    def db(self, sql, args=()):
        c = sqlite3.connect(self.db_path, timeout=10)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def event_ids(self):
        return [r[0] for r in self.db("SELECT id FROM events")]


def upload_config(muni, auth="none", batch_max=500, interval_s=1, roster_interval_s=10,
                  timeout_s=2, backoff_max_s=2, **keys):
    """The [upload] section for a kiosk that uploads to `muni`."""
    lines = ["[upload]", "base_url = " + muni.url, "auth = " + auth,
             "ca_file = " + muni.certs.path("ca.pem"), "batch_max = %d" % batch_max,
             "interval_s = %d" % interval_s, "roster_interval_s = %d" % roster_interval_s,
             "connect_timeout_s = 2", "timeout_s = %d" % timeout_s,
             "backoff_max_s = %d" % backoff_max_s]
    for k, v in keys.items():
        lines.append("%s = %s" % (k, v))
    return "\n".join(lines) + "\n"


def health(kiosk):
    status, body = kiosk.get("/healthz")
    try:
        return status, json.loads(body)
    except ValueError:
        return status, {"raw": body}


def upload_check(kiosk):
    status, h = health(kiosk)
    checks = h.get("checks", h)
    return checks.get("upload", {})


def metric(kiosk, name, labels=""):
    """The value of one Prometheus sample, e.g. metric(k, "stempel_roster_sync_total",
    'result="applied"'); 0 if absent."""
    _, text = kiosk.get("/metrics")
    want = name + ("{" + labels + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(want + " "):
            return float(line.split()[-1])
    return 0.0


def wait_for(cond, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def outbox(kiosk, where="1"):
    return kiosk.db("SELECT seq, id, type, state, reason FROM outbox_state WHERE %s ORDER BY seq" % where)


def random_uids(n, seed=1):
    """n distinct random 4-byte UIDs (unknown cards: each tap a tap_unknown_card event)."""
    import random
    rnd = random.Random(seed)
    seen = set()
    while len(seen) < n:
        u = "%08X" % rnd.getrandbits(32)
        if not u.startswith("04A1") and not u.startswith("0BAD"):
            seen.add(u)
    return sorted(seen, key=lambda _: rnd.random())


def tap_many(kiosk, uids, seconds=0.0, conns=4):
    """Tap every UID through the simulated reader over `conns` connections, spread
    over about `seconds`.  Returns the number of "ok" answers."""
    import threading
    parts = [uids[i::conns] for i in range(conns)]
    oks = [0] * conns

    def run(i):
        s = kiosk.tap_conn()
        f = s.makefile("rb")
        start = time.time()
        n = len(parts[i])
        for j, uid in enumerate(parts[i]):
            s.sendall((uid + "\n").encode())
            if f.readline().startswith(b"ok "):
                oks[i] += 1
            if seconds:
                ahead = start + seconds * (j + 1) / n - time.time()
                if ahead > 0:
                    time.sleep(ahead)
        s.close()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(oks)


class Board:
    """A browser on the teacher board: a cookie jar, forms with the CSRF token."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def req(self, method, path, form=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = {}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode(errors="replace")
        for v in r.headers.get_all("Set-Cookie") or []:
            name, val = v.split(";")[0].split("=", 1)
            self.cookies[name] = val
        c.close()
        return r.status, data

    def login(self, user, password):
        _, page = self.req("GET", "/board/login")
        tok = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)
        return self.req("POST", "/board/login", {"login_csrf": tok, "username": user,
                                                 "password": password})

    def csrf(self):
        _, page = self.req("GET", "/board")
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def add_user(kiosk, name, role, password):
    """A board account made with stempelctl (the daemon may be running)."""
    r = subprocess.run([os.path.join(BIN, "stempelctl"), "-c", kiosk.conf, "user", "add", name,
                        "--role", role, "--password-stdin"], input=password + "\n", text=True,
                       capture_output=True)
    return r


class Session:
    """A temporary directory with certificates, and every fakemuni and kiosk started
    in it.  An exception inside is a failed check with the logs; everything is
    stopped and removed at the end.

        with munilib.Session("faults") as s:
            muni = s.muni(roster=s.write_json("roster.json", doc)).start()
            kiosk = s.kiosk(upload_config(muni))
    """

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        import tempfile
        self.dir = tempfile.mkdtemp(prefix="stempel-upl-%s-" % self.name)
        self.munis, self.kiosks = [], []
        self.certs = Certs(self.dir)
        return self

    def write_json(self, name, doc):
        path = os.path.join(self.dir, name)
        with open(path + ".tmp", "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        os.rename(path + ".tmp", path)
        return path

    def muni(self, **kw):
        m = Muni(self.dir, self.certs, name="muni%d" % len(self.munis), **kw)
        self.munis.append(m)
        return m

    def kiosk(self, config_extra, start=True):
        k = kiosklib.Kiosk(config_extra=config_extra)
        self.kiosks.append(k)
        if start:
            k.start()
        return k

    def __exit__(self, etype, value, tb):
        import shutil
        import traceback
        if etype is not None:
            kiosklib.ok(False, self.name + ": ran to the end",
                        "".join(traceback.format_exception(etype, value, tb)))
            for k in self.kiosks:
                print("    stempeld log:\n" + k.logtext()[-3000:])
            for m in self.munis:
                print("    fakemuni log:\n" + m.logtext()[-1500:])
        for k in self.kiosks:
            k.cleanup()
        for m in self.munis:
            m.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        return True
