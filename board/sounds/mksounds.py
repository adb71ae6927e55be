#!/usr/bin/env python3
"""mksounds.py OUT_DIR — the kiosk screen's spoken answers, made at build time.

For every tap outcome it reads the sentence of each language from
firmware/web/i18n.c and speaks it with Debian's espeak-ng into
OUT_DIR/LANG/OUTCOME.wav, for the languages espeak-ng has a voice for (VOICES
below).  Languages without a voice get no clip: the daemon then plays the
outcome's tone, OUT_DIR/tone/OUTCOME.wav, made here with sox (one short,
distinct melody per outcome, the same in every language).  Recorded clips in
[kiosk] sound_dir (default /etc/stempel/sounds, same LANG/OUTCOME.wav layout)
override these at run time.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTCOMES = ["accepted_in", "accepted_out", "already_registered", "unknown_card",
            "revoked_card", "not_scheduled", "storage_error"]
# kiosk language -> espeak-ng voice.  Dari is read by the Persian voice (the same
# script and mostly the same words; a Dari speaker should confirm it).  No voice
# in Debian 12's espeak-ng: nn, so, ti, ps (they get tones).
VOICES = {"nb": "nb", "en": "en-gb", "ar": "ar", "uk": "uk", "fa-AF": "fa",
          "ru": "ru", "kmr": "ku"}
# sox synth: (seconds, frequency) notes per outcome: rising = in, falling = out,
# two equal notes = already in, low double buzz = refused, long low = tell a teacher
TONES = {
    "accepted_in": [(0.12, 660), (0.18, 880)],
    "accepted_out": [(0.12, 880), (0.18, 660)],
    "already_registered": [(0.12, 740), (0.08, 0), (0.12, 740)],
    "unknown_card": [(0.18, 220), (0.08, 0), (0.18, 220)],
    "revoked_card": [(0.18, 196), (0.08, 0), (0.18, 196), (0.08, 0), (0.18, 196)],
    "not_scheduled": [(0.25, 523)],
    "storage_error": [(0.6, 165), (0.1, 0), (0.6, 165)],
}


def catalogue():
    """{outcome: {lang: text}} from i18n.c's U("...")/R("...") lines."""
    src = open(os.path.join(ROOT, "firmware", "web", "i18n.c"), encoding="utf-8").read()
    cat = {}
    for block in re.finditer(r"\n\t\[I18N_([A-Z_]+)\] = \{(.*?)\n\t\},", src, re.S):
        name = block.group(1).lower()
        cat[name] = {m.group(2): m.group(1).replace('\\"', '"') for m in
                     re.finditer(r'[UR]\("((?:[^"\\]|\\.)*)"\), /\* ([\w-]+) \*/', block.group(2))}
    for o in OUTCOMES:
        if o not in cat or "en" not in cat[o]:
            sys.exit("mksounds: no %s sentences in firmware/web/i18n.c" % o)
    return cat


def tone(path, notes):
    tmp = []
    for i, (sec, hz) in enumerate(notes):
        t = "%s.%d.wav" % (path, i)
        synth = ["synth", str(sec), "sine", str(hz)] if hz else ["trim", "0", str(sec)]
        src = ["-n"] if hz else ["-n"]
        subprocess.run(["sox", "-q", "-r", "22050", "-c", "1", "-b", "16"] + src + [t] + synth +
                       (["fade", "0.01", str(sec), "0.02", "vol", "0.7"] if hz else []),
                       check=True)
        tmp.append(t)
    subprocess.run(["sox", "-q"] + tmp + [path], check=True)
    for t in tmp:
        os.unlink(t)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mksounds.py OUT_DIR")
    out = sys.argv[1]
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            sys.exit("mksounds: %s is missing (make deps installs it)" % tool)
    cat = catalogue()
    tmpdir = out + ".tmp"
    shutil.rmtree(tmpdir, ignore_errors=True)
    os.makedirs(os.path.join(tmpdir, "tone"))
    for o, notes in TONES.items():
        tone(os.path.join(tmpdir, "tone", o + ".wav"), notes)
    n = 0
    for lang, voice in VOICES.items():
        os.makedirs(os.path.join(tmpdir, lang))
        for o in OUTCOMES:
            text = cat[o].get(lang)
            if not text:
                sys.exit("mksounds: %s has no %s sentence" % (lang, o))
            subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w",
                            os.path.join(tmpdir, lang, o + ".wav"), text], check=True)
            n += 1
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmpdir, out)
    print("mksounds: %d spoken clips (%s), %d tones in %s" %
          (n, " ".join(VOICES), len(TONES), out))


main()
