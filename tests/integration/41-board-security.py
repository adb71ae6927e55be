#!/usr/bin/env python3
"""The teacher board's security against a real stempeld: no session means a
redirect (pages) or 401 (events, API); a wrong CSRF token is 403; a bearer
token is not a board session; a teacher cannot close a pay period; 20 wrong
passwords end in 429; sessions expire (idle and absolute); logout and a
disabled account end sessions; `stempelctl audit verify` catches a row edited
by hand; TLS with Secure cookies when [web] cert and key are set."""
import http.client
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done, roster, noon_clock  # noqa: E402

PASSWORD = "teacher password 1"


class Client:
    """One browser: a cookie jar and raw requests (redirects are not followed)."""

    def __init__(self, port, tls=False):
        self.port, self.tls, self.cookies = port, tls, {}

    def conn(self):
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def req(self, method, path, form=None, headers=None):
        c = self.conn()
        h = dict(headers or {})
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
            if "Max-Age=0" in v:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = val
        c.close()
        return r.status, r.headers, data

    def login(self, user="kari", password=PASSWORD, login_csrf=None):
        _, _, page = self.req("GET", "/board/login")
        tok = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)
        return self.req("POST", "/board/login", {"login_csrf": login_csrf or tok,
                                                 "username": user, "password": password})

    def csrf(self):
        _, _, page = self.req("GET", "/board")
        m = re.search(r'name="csrf" value="([^"]+)"', page)
        return m.group(1) if m else ""


def main():
    # On a day with sessions: on a public holiday the board's Today has no rows.
    os.environ.update(noon_clock()[0])
    k = Kiosk(config_extra="session_idle_s = 2\nsession_max_s = 5\n", roster_doc=roster(2))
    k.ctl("user", "add", "kari", "--role", "teacher", "--password-stdin", check=True) \
        if False else subprocess.run(
            [os.path.join(os.environ.get("BIN", "build/asan"), "stempelctl"), "-c", k.conf,
             "user", "add", "kari", "--role", "teacher", "--password-stdin"],
            input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    subprocess.run([os.path.join(os.environ.get("BIN", "build/asan"), "stempelctl"), "-c", k.conf,
                    "user", "add", "bo", "--role", "teacher", "--password-stdin"],
                   input="another password\n", text=True, check=True, capture_output=True)
    k.start()
    anon = Client(k.port)

    # --- no session ---
    st, h, _ = anon.req("GET", "/board")
    ok(st == 302 and h["Location"] == "/board/login", "no session: /board redirects to the login page",
       "%s %s" % (st, h.get("Location")))
    st, h, _ = anon.req("GET", "/board/participant?id=P-000001")
    ok(st == 302, "no session: a participant page redirects to the login page")
    st, _, _ = anon.req("GET", "/board/events")
    ok(st == 401, "no session: the board event stream is 401", st)
    st, _, _ = anon.req("POST", "/board/enroll", {"card": "x", "participant": "P-000001"})
    ok(st == 401, "no session: a POST is 401", st)
    st, _, _ = anon.req("GET", "/board", headers={"Cookie": "stempel_session=" + "A" * 43})
    ok(st == 302, "a made-up session cookie is no session")

    # --- headers of a page ---
    st, h, _ = anon.req("GET", "/board/login")
    csp = h.get("Content-Security-Policy", "")
    ok(st == 200 and "script-src 'self'" in csp and "unsafe-inline" not in csp
       and "frame-ancestors 'none'" in csp and h.get("X-Frame-Options") == "DENY"
       and h.get("X-Content-Type-Options") == "nosniff",
       "pages send a strict CSP, X-Frame-Options DENY and nosniff", str(dict(h)))

    # --- login ---
    t = Client(k.port)
    st, h, _ = t.login(login_csrf="forged-login-token-forged-login-token-forged")
    ok(st == 403 and "stempel_session" not in t.cookies, "a login form without its token is 403")
    st, h, _ = t.login()
    cookie = [v for v in h.get_all("Set-Cookie") if v.startswith("stempel_session=")]
    ok(st == 303 and h["Location"] == "/board" and cookie, "a teacher logs in", st)
    ok(cookie and "HttpOnly" in cookie[0] and "SameSite=Strict" in cookie[0]
       and "Path=/" in cookie[0] and "Secure" not in cookie[0],
       "the session cookie is HttpOnly, SameSite=Strict, Path=/ (no Secure without TLS)",
       cookie)
    token = t.cookies["stempel_session"]
    rows = k.db("SELECT token_hash FROM sessions")
    ok(len(rows) == 1 and token not in rows[0][0] and len(rows[0][0]) == 64,
       "only the SHA-256 of the session token is stored")
    st, _, page = t.req("GET", "/board")
    ok(st == 200 and 'data-pid="P-000001"' in page, "with a session the board opens")

    # --- CSRF ---
    good = t.csrf()
    form = {"card": "hmac:" + "0" * 64, "participant": "P-000001"}
    st, _, _ = t.req("POST", "/board/enroll", dict(form, csrf="x" * len(good)))
    ok(st == 403, "a wrong CSRF token is 403", st)
    st, _, _ = t.req("POST", "/board/enroll", form)
    ok(st == 403, "a missing CSRF token is 403", st)
    other = Client(k.port)
    other.login("bo", "another password")
    st, _, _ = t.req("POST", "/board/enroll", dict(form, csrf=other.csrf()))
    ok(st == 403, "another session's CSRF token is 403", st)
    ok(k.db("SELECT count(*) FROM cards WHERE key = ?", (form["card"],))[0][0] == 0,
       "nothing changed on a refused form")

    # --- tokens are not sessions; teachers do not close pay periods ---
    st, _, _ = anon.req("GET", "/board", headers={"Authorization": "Bearer " + "p" * 43})
    ok(st == 302, "a bearer (payroll) token cannot open the board", st)
    st, _, _ = anon.req("GET", "/board/events", headers={"Authorization": "Bearer " + "p" * 43})
    ok(st == 401, "a bearer (payroll) token cannot open the board's event stream", st)
    st, _, _ = t.req("POST", "/api/v1/periods/1/close", {"csrf": good},
                     headers={"X-CSRF-Token": good})
    if st == 404 and anon.req("GET", "/api/v1/periods")[0] == 404:
        print("ok - a teacher cannot close a pay period # SKIP no payroll API in this build")
    else:
        ok(st in (401, 403), "a teacher's session cannot close a pay period (401/403)", st)
    ok(k.db("SELECT count(*) FROM periods WHERE status = 'closed'")[0][0] == 0,
       "no period was closed")

    # --- 20 wrong passwords ---
    attacker = Client(k.port)
    codes = [attacker.login("bo", "wrong password %d" % i)[0] for i in range(20)]
    ok(codes[0] == 401 and codes[-1] == 429, "20 wrong passwords end in 429",
       " ".join(map(str, codes)))
    st, h, _ = attacker.login("bo", "another password")
    ok(st == 429 and int(h.get("Retry-After", "0")) > 0,
       "while limited even the right password gets 429, with Retry-After", st)
    st, _, _ = Client(k.port).login()
    ok(st == 303, "another user can still log in", st)

    # --- expiry: idle 2 s, at most 5 s ---
    e = Client(k.port)
    e.login()
    t0 = time.time()
    alive = []
    for at in (1.2, 2.4, 3.6):
        time.sleep(max(0, t0 + at - time.time()))
        alive.append(e.req("GET", "/board")[0])
    ok(alive == [200, 200, 200], "a session in use stays alive past its idle time", alive)
    time.sleep(max(0, t0 + 5.3 - time.time()))
    st, _, _ = e.req("GET", "/board")
    ok(st == 302, "a session ends at session_max_s however busy (absolute expiry)", st)
    idle = Client(k.port)
    idle.login()
    time.sleep(2.5)
    st, _, _ = idle.req("GET", "/board")
    ok(st == 302, "a session unused for session_idle_s ends (idle expiry)", st)

    # --- logout and disable end sessions ---
    lo = Client(k.port)
    lo.login()
    saved = dict(lo.cookies)
    st, h, _ = lo.req("POST", "/board/logout", {"csrf": lo.csrf()})
    ok(st == 303 and h["Location"] == "/board/login", "logout", st)
    lo.cookies = saved
    ok(lo.req("GET", "/board")[0] == 302, "after logout the old cookie is no session")
    d = Client(k.port)
    d.login()
    k.ctl("user", "disable", "kari")
    ok(d.req("GET", "/board")[0] == 302, "disabling a user ends their sessions")
    ok(Client(k.port).login()[0] == 401, "a disabled user cannot log in")

    # --- nothing secret in the log ---
    k.kill(15)
    log = k.logtext()
    ok(token not in log and PASSWORD not in log and "wrong password" not in log,
       "the log holds no password, session token or CSRF token")

    # --- audit verify ---
    r = k.ctl("audit", "verify", check=False)
    n = k.db("SELECT count(*) FROM audit")[0][0]
    ok(r.returncode == 0 and ("audit log intact: %d entries" % n) in r.stdout,
       "audit verify: the untouched log is intact", r.stdout + r.stderr)
    victim = k.db("SELECT id FROM audit ORDER BY id LIMIT 1 OFFSET 2")[0][0]
    subprocess.run(["sqlite3", os.path.join(k.state, "stempel.db"),
                    "UPDATE audit SET detail = 'nothing happened' WHERE id = %d" % victim],
                   check=True)
    r = k.ctl("audit", "verify", check=False)
    ok(r.returncode == 1 and ("entry %d" % victim) in r.stdout,
       "audit verify fails after a row is edited by hand and names it", r.stdout)
    k2 = Kiosk(roster_doc=roster(1))
    for i in range(3):
        k2.ctl("user", "add", "u%d" % i, "--role", "teacher", "--password-stdin", check=False)
    subprocess.run([os.path.join(os.environ.get("BIN", "build/asan"), "stempelctl"), "-c", k2.conf,
                    "user", "add", "z", "--role", "admin", "--password-stdin"],
                   input="admin password 1\n", text=True, capture_output=True)
    k2.ctl("user", "disable", "z")
    k2.ctl("user", "enable", "z")
    first = k2.db("SELECT min(id) FROM audit")[0][0]
    subprocess.run(["sqlite3", os.path.join(k2.state, "stempel.db"),
                    "DELETE FROM audit WHERE id = %d" % (first + 1)], check=True)
    r = k2.ctl("audit", "verify", check=False)
    ok(r.returncode == 1 and ("entry %d" % (first + 2)) in r.stdout,
       "audit verify fails after a row is deleted by hand", r.stdout)

    # --- TLS ---
    tls_dir = os.path.join(k.dir, "tls")
    os.makedirs(tls_dir)
    cert, key = os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    k3 = Kiosk(config_extra="cert = %s\nkey = %s\n" % (cert, key), roster_doc=roster(1))
    subprocess.run([os.path.join(os.environ.get("BIN", "build/asan"), "stempelctl"), "-c", k3.conf,
                    "user", "add", "kari", "--role", "teacher", "--password-stdin"],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    k3.proc = subprocess.Popen([os.path.join(os.environ.get("BIN", "build/asan"), "stempeld"),
                                "-c", k3.conf], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    s = Client(k3.port, tls=True)
    for _ in range(100):
        try:
            s.req("GET", "/healthz")
            break
        except OSError:
            time.sleep(0.1)
    st, h, _ = s.login()
    cookie = [v for v in h.get_all("Set-Cookie") or [] if v.startswith("stempel_session=")]
    ok(st == 303 and cookie and "; Secure" in cookie[0],
       "with [web] cert and key the board is served over TLS and the cookie is Secure", st)
    ok(s.req("GET", "/board")[0] == 200, "the board works over TLS")
    try:
        plain = Client(k3.port).req("GET", "/board/login")[0]
    except (OSError, http.client.HTTPException):
        plain = "refused"
    ok(plain != 200, "plain HTTP is not served beside TLS", plain)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        import warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        c = http.client.HTTPSConnection("127.0.0.1", k3.port, timeout=5, context=ctx)
        c.request("GET", "/healthz")
        old = c.getresponse().status
    except (OSError, ssl.SSLError, ValueError):
        old = "refused"
    ok(old == "refused", "TLS 1.1 and older are refused", old)
    k3.kill(15)
    done()


if __name__ == "__main__":
    main()
