#!/usr/bin/env python3
"""Long answers are streamed (web/stream.c): stipend.csv, stipend.json, nir.csv, a basis
page and the Today page read by a client that takes one byte at a time, over HTTP/1.1
(chunked) and HTTP/1.0 (until close), are byte for byte what a fast client gets, with
the same status and headers; errors found before the first byte keep their status.
Clients that go away mid-CSV, and one that stops reading, cost nothing: taps are
answered meanwhile, every stream is freed (/metrics), and the daemon stops cleanly
with a stalled client (ASan: no leak)."""
import calendar
import json
import os
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done  # noqa: E402

NOW = calendar.timegm((2026, 12, 3, 11, 0, 0))
os.environ["STEMPEL_CLOCK_OFFSET_S"] = str(NOW - int(time.time()))
os.environ["STEMPEL_CLOCK_EPOCH"] = str(NOW - 365 * 86400)
N = 700
PASSWORD = "correct horse battery staple"


def roster():
    parts = []
    for i in range(N):
        parts.append({"id": "P-%05d" % (i + 1),
                      "name": ["Ola \"Q\"; Nordmann", "=SUM(A1)", "Ørjan Ås", "فاطمة"][i % 4]
                      + " %d" % i, "language": "nb", "programme_start": "2026-11-30",
                      "cards": ["%08X" % (0x04B10000 + i)],
                      "schedule": {"template": [{"weekdays": [1, 2, 3, 4, 5, 6, 7],
                                                 "start": "00:00", "end": "24:00"}]}})
    return {"participants": parts}


def raw_get(port, path, headers, version="1.1", read=65536, rcvbuf=None, method="GET"):
    """(status, {header: value}, body) read off the socket, de-chunked for HTTP/1.1."""
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(120)
    s.connect(("127.0.0.1", port))
    h = "".join("%s: %s\r\n" % kv for kv in headers.items())
    conn = "Connection: close\r\n" if version == "1.1" else ""
    s.sendall(("%s %s HTTP/%s\r\nHost: x\r\n%s%s\r\n" % (method, path, version, conn, h)).encode())
    data = bytearray()
    while True:
        b = s.recv(read)
        if not b:
            break
        data += b
    s.close()
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    if hdrs.get("transfer-encoding") == ["chunked"] and method != "HEAD":
        out, rest = bytearray(), body
        while True:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            out += rest[:n]
            assert rest[n:n + 2] == b"\r\n", "chunk without CRLF"
            rest = rest[n + 2:]
        body = bytes(out)
    return status, hdrs, body


def keepalive_gets(port, paths, headers):
    """GETs on one HTTP/1.1 keep-alive connection: [(status, headers, body, trailers)],
    chunked answers read to their trailers (what http.client would drop)."""
    s = socket.create_connection(("127.0.0.1", port), 120)
    buf = bytearray()

    def more():
        b = s.recv(65536)
        assert b, "the connection closed mid-answer"
        buf.extend(b)

    def line():
        while b"\r\n" not in buf:
            more()
        i = buf.index(b"\r\n")
        out = bytes(buf[:i]).decode("latin-1")
        del buf[:i + 2]
        return out

    def fields():
        out = {}
        while True:
            ln = line()
            if not ln:
                return out
            k, _, v = ln.partition(":")
            out[k.strip().lower()] = v.strip()

    res = []
    for path in paths:
        h = "".join("%s: %s\r\n" % kv for kv in headers.items())
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, h)).encode())
        status = int(line().split()[1])
        hdrs = fields()
        body, trailers = bytearray(), {}
        if hdrs.get("transfer-encoding") == "chunked":
            while True:
                n = int(line(), 16)
                if n == 0:
                    trailers = fields()
                    break
                while len(buf) < n + 2:
                    more()
                body += buf[:n]
                assert buf[n:n + 2] == b"\r\n", "chunk without CRLF"
                del buf[:n + 2]
        else:
            n = int(hdrs.get("content-length", "0"))
            while len(buf) < n:
                more()
            body += buf[:n]
            del buf[:n]
        res.append((status, hdrs, bytes(body), trailers))
    s.close()
    return res


def timing(value):
    """{"name": ms} of a Server-Timing value."""
    out = {}
    for part in value.split(","):
        m = re.match(r"\s*([\w-]+)\s*;\s*dur=([\d.]+)\s*$", part)
        assert m, "Server-Timing part %r" % part
        out[m.group(1)] = float(m.group(2))
    return out


def same_headers(a, b, names):
    return all(a.get(n) == b.get(n) for n in names)


def metric(k, name):
    _, text = k.get("/metrics")
    m = re.search(r"^%s (\d+)" % name, text, re.M)
    return int(m.group(1)) if m else None


def main():
    k = Kiosk(roster_doc=roster())
    try:
        run(k)
    finally:
        k.cleanup()
    done()


def run(k):
    token = k.ctl("token", "create", "--scope", "payroll", "--name", "lonn").stdout.strip()
    k.add_teacher("kari", PASSWORD)
    k.ctl("attendance", "results-from", "2026-11-30")
    k.ctl("g", "add", "2026-05-01", "130160")
    k.start()
    for i in range(0, N, 7):
        k.tap("%08X" % (0x04B10000 + i))
    auth = {"Authorization": "Bearer " + token}
    st, _, body = raw_get(k.port, "/api/v1/periods", auth)
    pid = json.loads(body)["periods"][0]["id"]
    base = "/api/v1/periods/%d/" % pid
    keep = ["content-type", "content-disposition", "cache-control", "x-content-type-options",
            "content-security-policy", "x-frame-options"]

    for doc in ("stipend.csv", "stipend.json", "nir.csv", "participants/P-00001/basis"):
        st, h, fast = raw_get(k.port, base + doc, auth)
        ok(st == 200 and h.get("transfer-encoding") == ["chunked"] and len(fast) > 1000,
           "%s: 200, chunked over HTTP/1.1 (%d bytes)" % (doc, len(fast)), (st, h))
        # 1 byte at a time; the half-megabyte JSON 7 bytes at a time (the test's time)
        step = 7 if doc == "stipend.json" else 1
        st2, h2, slow = raw_get(k.port, base + doc, auth, read=step, rcvbuf=4096)
        ok(st2 == 200 and slow == fast and same_headers(h, h2, keep),
           "%s: a client reading %d byte(s) at a time gets the same bytes and headers"
           % (doc, step),
           (len(slow), len(fast)))
        st3, h3, old = raw_get(k.port, base + doc, auth, version="1.0")
        ok(st3 == 200 and "transfer-encoding" not in h3 and old == fast
           and same_headers(h, h3, keep),
           "%s: HTTP/1.0 gets the same bytes, not chunked, until close" % doc)
    st, h, csv = raw_get(k.port, base + "stipend.csv", auth)
    ok(csv.count(b"\r\n") == N + 1 and len(csv) > 2 * 48 * 1024,
       "stipend.csv has every line (%d bytes, several chunks)" % len(csv))
    ok(h.get("content-disposition", [""])[0].startswith("attachment; filename=\"stipend-"),
       "stipend.csv keeps its Content-Disposition")
    st, h, body = raw_get(k.port, base + "stipend.csv", auth, method="HEAD")
    ok(st == 200 and body == b"" and h.get("content-type") == ["text/csv; charset=utf-8; "
                                                               "header=present"],
       "HEAD stipend.csv: the headers and no body", (st, h, len(body)))
    # Errors found before the first byte keep their status.
    st, _, _ = raw_get(k.port, "/api/v1/periods/9999/stipend.csv", auth)
    ok(st == 404, "an unknown period is still a 404", st)
    st, _, _ = raw_get(k.port, base + "participants/P-NOPE/basis", auth)
    ok(st == 404, "an unknown participant's basis is still a 404", st)

    # The Today page: slow and HTTP/1.0 the same as fast (the minute may turn: twice).
    cookie = {"Cookie": k.board_login("kari", PASSWORD)}
    for path in ("/board/today", "/board/today?part=1"):
        for attempt in range(2):
            st, h, fast = raw_get(k.port, path, cookie)
            st2, h2, slow = raw_get(k.port, path, cookie, read=1, rcvbuf=4096)
            st3, h3, old = raw_get(k.port, path, cookie, version="1.0")
            if fast == slow == old:
                break
        ok(st == st2 == st3 == 200 and h.get("transfer-encoding") == ["chunked"]
           and fast.count(b"data-pid=") == N,
           "%s: 200, chunked, every participant (%d bytes)" % (path, len(fast)), (st, h))
        ok(fast == slow == old and same_headers(h, h2, keep) and same_headers(h, h3, keep),
           "%s: 1 byte at a time and HTTP/1.0 give the same page and headers" % path)
    ok(fast.startswith(b'<div id="live">') and fast.endswith(b"</div>"),
       "?part=1 is the #live part alone")
    ok("trailer" not in h3, "HTTP/1.0: no trailer announced (the body ends at close)", h3)

    # Server-Timing of a streamed answer: a trailer after the last chunk, announced in
    # the head; its total covers the parts; the connection goes on after it.
    t0 = time.monotonic()
    got = keepalive_gets(k.port, ["/board/today", "/board/today?part=1", "/board/today"], cookie)
    client_ms = (time.monotonic() - t0) * 1000
    for st, h, body, tr in got:
        ok(st == 200 and h.get("trailer") == "Server-Timing" and "server-timing" not in h
           and body.count(b"data-pid=") == N,
           "Today on a kept-alive connection: the head announces a Server-Timing trailer",
           (st, h, len(body)))
        t = timing(tr.get("server-timing", ""))
        ok(set(t) == {"queue", "compute", "render", "total"}
           and t["total"] >= t["render"] and t["total"] + 0.2 >= t["compute"] + t["render"]
           and 0 < t["total"] < client_ms,
           "Today's Server-Timing trailer: queue, compute, render and their total "
           "(%s; three requests %.0f ms at the client)" % (tr, client_ms), tr)
    got = keepalive_gets(k.port, [base + "stipend.csv", base + "stipend.json"], auth)
    for st, h, body, tr in got:
        t = timing(tr.get("server-timing", ""))
        ok(st == 200 and h.get("trailer") == "Server-Timing" and len(body) > 1000
           and set(t) == {"compute", "render", "total"} and t["total"] >= t["render"],
           "a payroll document's Server-Timing trailer: compute, render, total (%s)" % tr,
           (st, h, tr))
    ok(got[0][2] == csv, "stipend.csv read to its trailer is the same bytes")
    # The participant page and the class view: read on the reports thread, streamed.
    for path, what in (("/board/participant?id=P-00008", b'id="quotas"'),
                       ("/board/class", b'data-pid="P-00700"')):
        st, h, fast = raw_get(k.port, path, cookie)
        st3, h3, old = raw_get(k.port, path, cookie, version="1.0")
        ok(st == st3 == 200 and h.get("transfer-encoding") == ["chunked"] and what in fast
           and fast.endswith(b"</html>\n") and old == fast and same_headers(h, h3, keep),
           "%s: streamed whole over HTTP/1.1 and 1.0 (%d bytes)" % (path, len(fast)), (st, h))

    # Clients that leave mid-CSV while taps go on; one that stalls.
    chunks0 = metric(k, "stempel_web_answer_chunks_total")
    leavers = []
    for i in range(6):
        s = socket.create_connection(("127.0.0.1", k.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(("GET %sstipend.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
                   % (base, token)).encode())
        leavers.append(s)
    replies = []
    for i, s in enumerate(leavers):
        got = b""
        while len(got) < 2000:
            got += s.recv(2000)
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        replies.append(k.tap("%08X" % (0x04B10000 + 1 + i)))
    ok(all(r for r in replies), "taps are answered while clients leave mid-CSV", replies)
    deadline = time.time() + 20
    while time.time() < deadline and metric(k, "stempel_web_answers_streaming") != 0:
        time.sleep(0.2)
    ok(metric(k, "stempel_web_answers_streaming") == 0,
       "every stream of a client that left is freed")
    ok(metric(k, "stempel_web_answer_chunks_total") > chunks0, "the chunks were counted")
    st, _, again = raw_get(k.port, base + "stipend.csv", auth)
    ok(st == 200 and again == csv, "the next stipend.csv is whole again")

    # A client that stops reading a month's class view (about 5 MB: more than the kernel's
    # socket buffers take): its rendering waits, bounded.
    waits0 = metric(k, "stempel_web_answer_waits_total")
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", k.port))
    stalled.sendall(("GET /board/class?view=month HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n\r\n"
                     % cookie["Cookie"]).encode())
    deadline = time.time() + 120
    while time.time() < deadline and metric(k, "stempel_web_answer_waits_total") == waits0:
        time.sleep(0.2)
    ok(metric(k, "stempel_web_answer_waits_total") > waits0 and
       metric(k, "stempel_web_answers_streaming") == 1,
       "the rendering for a client that stopped reading waits for it",
       (waits0, metric(k, "stempel_web_answer_waits_total"),
        metric(k, "stempel_web_answers_streaming")))
    t0 = time.time()
    tap = k.tap("%08X" % 0x04B10010)
    ok(tap and time.time() - t0 < 5, "a tap is answered while a client has stopped reading")
    t0 = time.time()
    rc = k.stop()
    stalled.close()
    log = k.logtext(100000)
    ok(rc == 0 and time.time() - t0 < 10,
       "the daemon stops cleanly while a stream waits for a stalled client (%.1f s)"
       % (time.time() - t0), log[-2000:])
    ok("LeakSanitizer" not in log and "AddressSanitizer" not in log,
       "no leak or memory error after the streams", log[-3000:])


if __name__ == "__main__":
    main()
