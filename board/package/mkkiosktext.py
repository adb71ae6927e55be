#!/usr/bin/env python3
"""mkkiosktext.py OUT_DIR — every kiosk string per language, for the font check.

Reads the catalogue in firmware/web/i18n.c and writes OUT_DIR/LANG.txt (every
sentence of the language, one a line, "{time}" as 08:31) and OUT_DIR/LANG.charset
(its characters as fontconfig hex, for fc-list ":charset=...": one font must
draw the whole sentence, punctuation and digits included).
kiosk-fonts-check reads them on the kiosk: the package installs them under
/usr/share/stempel/kiosk-text.
"""
import os
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mkkiosktext.py OUT_DIR")
    src = open(os.path.join(ROOT, "firmware", "web", "i18n.c"), encoding="utf-8").read()
    langs = {}
    for block in re.finditer(r"\n\t\[I18N_([A-Z_]+)\] = \{(.*?)\n\t\},", src, re.S):
        for m in re.finditer(r'[UR]\("((?:[^"\\]|\\.)*)"\), /\* ([\w-]+) \*/', block.group(2)):
            langs.setdefault(m.group(2), []).append(m.group(1).replace('\\"', '"')
                                                    .replace("{time}", "08:31"))
    if len(langs) < 8:
        sys.exit("mkkiosktext: found only %d languages in firmware/web/i18n.c" % len(langs))
    out = sys.argv[1]
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for lang, texts in sorted(langs.items()):
        with open(os.path.join(tmp, lang + ".txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(texts) + "\n")
        # every character but spaces and bidi/joiner controls (no glyph of their own)
        cps = sorted({ord(c) for t in texts for c in t if not c.isspace() and
                      not 0x200B <= ord(c) <= 0x200F and not 0x202A <= ord(c) <= 0x202E})
        with open(os.path.join(tmp, lang + ".charset"), "w") as f:
            f.write(" ".join("%x" % c for c in cps) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    print("mkkiosktext: %d languages in %s" % (len(langs), out))


main()
