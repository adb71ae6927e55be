"""pn532lib — starts tests/pn532emu and talks to its control socket.

Used by 21-nfc-daemon.py and tests/bench/nfc_latency.py.  The emulator makes a
pty, links it at <dir>/pn532 and takes commands on <dir>/pn532.ctl (see
tests/pn532emu/README.md).
"""
import os
import socket
import subprocess
import time


class Emulator:
    def __init__(self, bin_dir, work_dir, delay_ms=15, extra=()):
        self.link = os.path.join(work_dir, "pn532")
        self.ctl_path = os.path.join(work_dir, "pn532.ctl")
        self.log = open(os.path.join(work_dir, "pn532emu.log"), "ab")
        self.proc = subprocess.Popen(
            [os.path.join(bin_dir, "pn532emu"), "--link", self.link, "--control",
             self.ctl_path, "--delay", str(delay_ms)] + list(extra),
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while not (os.path.exists(self.link) and os.path.exists(self.ctl_path)):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("pn532emu did not come up (exit %s)" % self.proc.poll())
            time.sleep(0.02)
        self.sock = None

    @property
    def connstring(self):
        return "pn532_uart:" + self.link

    def ctl(self, line):
        """One control command; returns the answer line ("ok ..." / "error ...")."""
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.settimeout(5)
            self.sock.connect(self.ctl_path)
            self.rfile = self.sock.makefile("rb")
        self.sock.sendall(line.encode() + b"\n")
        answer = self.rfile.readline().decode(errors="replace").strip()
        if not answer:
            raise RuntimeError("pn532emu closed the control socket")
        return answer

    def must(self, line):
        answer = self.ctl(line)
        if not answer.startswith("ok"):
            raise RuntimeError("pn532emu: %s -> %s" % (line, answer))
        return answer

    def status(self):
        """The `status` answer as a dict of its key=value fields."""
        return dict(f.split("=", 1) for f in self.must("status").split()[1:] if "=" in f)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode
