#!/usr/bin/env python3
"""memory.py — where a process's resident memory goes (issue 20, item 4).

measure(pid) reads /proc/PID/status (VmRSS, RssAnon, RssFile, RssShmem, VmHWM)
and /proc/PID/smaps, and groups Rss/Pss/anonymous/file-backed by mapping: each
shared library, the binary, [heap], [stack], thread stacks, other anonymous
memory.  The CLI prints it as a table:

    tests/bench/memory.py PID            # one process
    tests/bench/memory.py --json PID     # the dict measure() returns

All sizes are in KiB, as the kernel reports them.
"""
import json
import os
import re
import sys

STATUS_KEYS = ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM", "VmSize", "Threads")
# smaps fields summed per group (kB)
SMAPS_KEYS = ("Size", "Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean",
              "Private_Dirty", "Anonymous", "Swap")
_HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$")


def read_status(pid):
    """The memory lines of /proc/PID/status, in KiB (Threads as a count)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in STATUS_KEYS:
                out[key] = int(val.split()[0])
    return out


def _group(path, exe, stacks, start, perms):
    """The group a mapping belongs to: a library's short name, the binary, ..."""
    if path == exe:
        return "(binary) " + os.path.basename(exe)
    if path.startswith("["):
        if path.startswith("[stack"):
            return "[stack]"
        return path
    if path.startswith("/"):
        name = os.path.basename(path)
        # libcrypto.so.3 -> libcrypto
        if ".so" in name:
            return name.split(".so")[0]
        return name
    if path:
        return path
    # Anonymous: a thread stack is an anonymous rw mapping right after a guard page
    # (---p); glibc allocates it with mmap.  Which one it is comes from
    # /proc/PID/task/*/stat (startstack is the main thread's only), so tell them by
    # the guard page in front of them.
    if start in stacks:
        return "thread stacks"
    return "anonymous (malloc arenas, mmaps)"


def _parse_smaps(pid):
    """[(start, end, perms, path, {field: kB})] for each mapping."""
    maps = []
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = _HEADER.match(line)
            if m:
                cur = (int(m.group(1), 16), int(m.group(2), 16), m.group(3),
                       m.group(4).strip(), {})
                maps.append(cur)
                continue
            key, _, val = line.partition(":")
            if cur is not None and key in SMAPS_KEYS:
                cur[4][key] = int(val.split()[0])
    return maps


def measure(pid):
    """Everything about pid's memory in one dict (sizes in KiB):
    status: the /proc/PID/status lines; groups: {name: {Rss, Pss, Anonymous, File,
    Private_Dirty, Size, mappings}}; libraries: the shared objects mapped (paths);
    total: the smaps sums."""
    pid = int(pid)
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        exe = ""
    maps = _parse_smaps(pid)
    # A thread stack follows a no-access guard page of the same mmap.
    stacks = set()
    for prev, m in zip(maps, maps[1:]):
        if prev[2] == "---p" and not prev[3] and prev[1] == m[0] and m[2] == "rw-p" \
                and not m[3]:
            stacks.add(m[0])
    groups = {}
    libs = set()
    total = {k: 0 for k in SMAPS_KEYS}
    for start, end, perms, path, f in maps:
        name = _group(path, exe, stacks, start, perms)
        if path.startswith("/") and ".so" in os.path.basename(path):
            libs.add(path)
        g = groups.setdefault(name, {"Rss": 0, "Pss": 0, "Anonymous": 0, "File": 0,
                                     "Private_Dirty": 0, "Size": 0, "mappings": 0})
        rss = f.get("Rss", 0)
        anon = f.get("Anonymous", 0)
        g["Rss"] += rss
        g["Pss"] += f.get("Pss", 0)
        g["Anonymous"] += anon
        g["File"] += rss - anon if path.startswith("/") else 0
        g["Private_Dirty"] += f.get("Private_Dirty", 0)
        g["Size"] += f.get("Size", 0)
        g["mappings"] += 1
        for k in SMAPS_KEYS:
            total[k] += f.get(k, 0)
    return {"pid": pid, "exe": exe, "status": read_status(pid), "groups": groups,
            "libraries": sorted(libs), "total": total}


def mib(kib):
    return kib / 1024.0


def table(m, top=None):
    """The measurement as text: the status line, then groups by Rss, largest first."""
    s = m["status"]
    lines = [
        f"pid {m['pid']} {m['exe']}",
        "VmRSS {:.1f} MiB = anon {:.1f} + file {:.1f} + shmem {:.1f}; VmHWM {:.1f} MiB; "
        "{} threads".format(mib(s.get("VmRSS", 0)), mib(s.get("RssAnon", 0)),
                            mib(s.get("RssFile", 0)), mib(s.get("RssShmem", 0)),
                            mib(s.get("VmHWM", 0)), s.get("Threads", "?")),
        "{:<40} {:>9} {:>9} {:>9} {:>9} {:>10}".format("mapping", "Rss KiB", "Pss KiB",
                                                       "anon", "file", "mapped"),
    ]
    rows = sorted(m["groups"].items(), key=lambda kv: -kv[1]["Rss"])
    if top:
        rows = rows[:top]
    for name, g in rows:
        if g["Rss"] == 0 and g["Size"] < 1024:
            continue
        lines.append("{:<40} {:>9} {:>9} {:>9} {:>9} {:>10}".format(
            name[:40], g["Rss"], g["Pss"], g["Anonymous"], g["File"], g["Size"]))
    t = m["total"]
    lines.append("{:<40} {:>9} {:>9} {:>9} {:>9} {:>10}".format(
        "total", t["Rss"], t["Pss"], t["Anonymous"], t["Rss"] - t["Anonymous"], t["Size"]))
    return "\n".join(lines)


def main(argv):
    as_json = "--json" in argv
    pids = [a for a in argv if a != "--json"]
    if len(pids) != 1 or not pids[0].isdigit():
        sys.stderr.write("usage: memory.py [--json] PID\n")
        return 2
    m = measure(int(pids[0]))
    print(json.dumps(m, indent=1, sort_keys=True) if as_json else table(m))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
