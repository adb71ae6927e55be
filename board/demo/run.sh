#!/usr/bin/env bash
# make run: a demo kiosk in ./run with the embedded default config
# (simulated reader, demo roster, kiosk screen on http://localhost:8080/kiosk).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p run
./stempelctl roster import board/demo/roster.json
# A demo teacher made now, never built in: a fresh random password on every run.
demo_pw=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16)
if ./stempelctl user list | grep -q '^demo '; then
	printf '%s\n' "$demo_pw" | ./stempelctl user passwd demo --password-stdin >/dev/null
else
	printf '%s\n' "$demo_pw" | ./stempelctl user add demo --role teacher --password-stdin >/dev/null
fi
port=8080  # [web] port of the embedded default config
cat <<MSG

  Stempel demo kiosk
  ------------------
  kiosk screen   http://localhost:${port}/kiosk
  teacher board  http://localhost:${port}/board
                 user: demo   password: ${demo_pw}   (new on every run)
  health         curl -fsS localhost:${port}/healthz
  metrics        curl -fsS localhost:${port}/metrics
  try a tap      ./stempelctl tap 04A1B201      (Amina Yusuf, Somali)
                 ./stempelctl tap 04A1B204      (Ahmad Karimi, Dari)
                 ./stempelctl tap 04A1B20D      (Fatima Al-Hassan, Arabic)
                 ./stempelctl tap 04112233445566 (Nora Berg, 7-byte UID)
                 ./stempelctl tap DEADBEEF      (an unknown card)
  status         ./stempelctl status

  Stop with Ctrl-C.  State (database, device key) is kept in ./run.

MSG
exec ./stempeld
