#!/usr/bin/env python3
"""The control socket (firmware/ctlsock.c): STATE_DIR/stempeld.sock while the
daemon runs, mode 0660; one JSON line in, one JSON line out.  A peer that is not
root, the daemon's user or in the group stempel is refused (SO_PEERCRED) and
nothing is written; a malformed request or an unknown command gets status 2 with
what was expected; root may name the person (sudo's SUDO_USER) and the audit log
says cli:NAME; stopped, the daemon removes the socket and stempelctl writes the
database itself."""
import json
import os
import socket
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done, roster  # noqa: E402

BIN = os.environ.get("BIN", "build/asan")


def ask(path, line, as_uid=None):
    """Send one line (as another user when as_uid is set); the answer as JSON."""
    code = ("import socket,sys;s=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1]);"
            "s.sendall(sys.argv[2].encode()+b'\\n');b=b''\n"
            "while True:\n c=s.recv(4096)\n if not c: break\n b+=c\nsys.stdout.write(b.decode())")
    pre = (lambda: (os.setgroups([]), os.setgid(as_uid), os.setuid(as_uid))) if as_uid else None
    py = "/usr/bin/python3" if as_uid else sys.executable  # readable by any user
    r = subprocess.run([py, "-c", code, path, line], capture_output=True, text=True,
                       preexec_fn=pre, timeout=60, cwd="/")
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {"raw": r.stdout, "err": r.stderr}


def main():
    k = Kiosk(roster_doc=roster(3))
    try:
        run(k)
    finally:
        k.cleanup()
    done()


def run(k):
    sock = os.path.join(k.state, "stempeld.sock")
    k.start()
    st = os.stat(sock)
    ok(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660,
       "the socket is STATE_DIR/stempeld.sock, mode 0660", oct(st.st_mode))
    audit0 = k.db("SELECT count(*) FROM audit")[0][0]

    if os.geteuid() == 0:
        os.chmod(k.dir, 0o755)
        os.chmod(k.state, 0o755)
        os.chmod(sock, 0o666)  # past the file mode: SO_PEERCRED decides
        a = ask(sock, json.dumps({"cmd": "g.add", "args": {"from": "2026-06-01",
                                                          "amount": "130160"}}), as_uid=65534)
        ok(a.get("status") == 1 and "permission denied" in a.get("message", ""),
           "a peer not root, not the daemon's user, not in group stempel: refused", a)
        os.chmod(sock, 0o660)
    else:
        ok(True, "# skip: SO_PEERCRED refusal needs root to act as another user")

    a = ask(sock, "this is not json")
    ok(a.get("status") == 2 and "expected" in a.get("message", ""),
       "a malformed request: status 2 saying what was expected", a)
    a = ask(sock, json.dumps({"cmd": "card.frobnicate", "args": {}}))
    ok(a.get("status") == 2 and "unknown command" in a.get("message", ""),
       "an unknown command: status 2", a)
    a = ask(sock, json.dumps({"cmd": "g.add", "args": {"from": "2026-06-01"}}))
    ok(a.get("status") == 2 and "amount: required" in a.get("message", ""),
       "a missing argument is named", a)
    ok(k.db("SELECT count(*) FROM audit")[0][0] == audit0, "nothing refused was written or audited")

    a = ask(sock, json.dumps({"cmd": "g.add", "as": "kari",
                              "args": {"from": "2026-06-01", "amount": "130160"}}))
    ok(a.get("status") == 0 and a.get("message") == "G 130160 from 2026-06-01 saved",
       "a command over the socket: status 0 and the message", a)
    who = k.db("SELECT who FROM audit WHERE action = 'g.add'")
    ok(who == [("cli:kari",)] if os.geteuid() == 0 else who[0][0].startswith("cli:"),
       "root names the person (sudo): the audit log says cli:kari", who)

    env = dict(os.environ, SUDO_USER="ola")
    r = subprocess.run([os.path.join(BIN, "stempelctl"), "-c", k.conf, "g", "add", "2026-07-01",
                        "130200"], capture_output=True, text=True, env=env, timeout=120)
    ok(r.returncode == 0 and k.db("SELECT who FROM audit WHERE action = 'g.add' ORDER BY id DESC"
                                  " LIMIT 1") == [("cli:ola" if os.geteuid() == 0 else
                                                   "cli:" + os.environ.get("USER", ""),)],
       "stempelctl under sudo: the audit log names SUDO_USER", (r.returncode, r.stderr))

    ok(k.stop() == 0 and not os.path.exists(sock), "stopped: the socket is gone")
    r = subprocess.run([os.path.join(BIN, "stempelctl"), "-c", k.conf, "g", "add", "2026-08-01",
                        "130300"], capture_output=True, text=True, timeout=120)
    ok(r.returncode == 0 and k.db("SELECT count(*) FROM g_values WHERE from_date = '2026-08-01'")
       == [(1,)], "daemon stopped: stempelctl runs the command on the database itself", r.stderr)
    r = subprocess.run([os.path.join(BIN, "stempelctl"), "-c", k.conf, "audit", "verify"],
                       capture_output=True, text=True, timeout=120)
    ok(r.returncode == 0, "audit chain intact", r.stdout)


if __name__ == "__main__":
    main()
