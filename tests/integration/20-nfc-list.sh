#!/usr/bin/env bash
# 20-nfc-list.sh — the PN532 emulator checked by a peer we did not write:
# libnfc's own nfc-list (Debian libnfc-bin) must list the card inserted through
# the control socket, 4- and 7-byte UIDs alike, fail cleanly on a fault and
# recover when the device comes back.  Also fuzzes the emulator's parsers.
# Runs from the repo root with BIN set (e.g. build/asan).
set -u
BIN=${BIN:-build/rel}
dir=$(mktemp -d "${TMPDIR:-/tmp}/stempel-nfclist.XXXXXX")
emu_pid=
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
failed=0
link=$dir/pn532
sock=$dir/pn532.ctl

indent() { sed 's/^/    /'; }
ok() { echo "ok - $1"; }
# A failed check: its description, then the reason (stdin) indented.  Called as
# `not_ok DESC < <(cmd)`, never at the end of a pipe, so that $failed counts.
not_ok() {
	echo "not ok - $1"
	indent
	failed=$((failed + 1))
}

# One control line to the emulator; prints its answer.
ctl() {
	python3 - "$sock" "$*" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(4096)
    if not chunk:
        break
    buf += chunk
print(buf.decode(errors="replace").strip())
EOF
}

# nfc-list against the emulator; the command is printed as the acceptance asks.
nfc_list() {
	echo "    \$ LIBNFC_DEVICE=pn532_uart:$link nfc-list" >"$dir/cmd"
	LIBNFC_DEVICE=pn532_uart:$link timeout 20 nfc-list >"$dir/nfc-list.out" 2>&1
}

wait_for_link() {
	for _ in $(seq 100); do
		[ -e "$link" ] && return 0
		sleep 0.05
	done
	return 1
}

# --- the emulator's parsers survive anything (ASan/UBSan in build/asan) ---
if "$BIN/pn532emu" --selftest-fuzz 4000 --seed "$RANDOM" >"$dir/fuzz.out" 2>&1; then
	ok "pn532emu: $(tail -1 "$dir/fuzz.out")"
else
	not_ok "pn532emu fuzz self-test" <"$dir/fuzz.out"
fi

if ! command -v nfc-list >/dev/null; then
	not_ok "nfc-list installed" < <(echo "nfc-list is missing (Debian package libnfc-bin; make deps)")
	exit 1
fi

"$BIN/pn532emu" --link "$link" --control "$sock" >"$dir/emu.out" 2>"$dir/emu.err" &
emu_pid=$!
if ! wait_for_link; then
	not_ok "pn532emu starts and publishes $link" < <(cat "$dir/emu.out" "$dir/emu.err")
	exit 1
fi
ok "pn532emu starts: $(head -1 "$dir/emu.out")"

# --- no card: the device opens, nothing is listed ---
if nfc_list && grep -q 'NFC device: .* opened' "$dir/nfc-list.out" &&
	! grep -q 'UID (NFCID1)' "$dir/nfc-list.out"; then
	ok "nfc-list opens the emulated PN532 and lists no card"
else
	not_ok "nfc-list with no card" < <(cat "$dir/cmd" "$dir/nfc-list.out")
fi

# Insert a card, run nfc-list, expect every pattern in its output.
expect_listed() { # description, insert arguments, patterns...
	local desc=$1 card=$2
	shift 2
	ctl insert $card >/dev/null
	nfc_list
	for pat in "$@"; do
		if ! grep -q "$pat" "$dir/nfc-list.out"; then
			not_ok "$desc" < <(echo "missing: $pat"; cat "$dir/cmd" "$dir/nfc-list.out")
			return
		fi
	done
	ok "$desc"
	cat "$dir/cmd"
	grep -E 'UID|ATQA|SAK' "$dir/nfc-list.out" | indent
}

expect_listed "nfc-list shows the 4-byte UID 04A1B2C3 (MIFARE Classic)" 04A1B2C3 \
	'UID (NFCID1): 04  a1  b2  c3' 'ATQA (SENS_RES): 00  04' 'SAK (SEL_RES): 08'
expect_listed "nfc-list shows the 7-byte UID 04112233445566 (Ultralight/NTAG)" \
	04:11:22:33:44:55:66 'UID (NFCID1): 04  11  22  33  44  55  66' 'ATQA (SENS_RES): 00  44' \
	'SAK (SEL_RES): 00'
expect_listed "nfc-list shows a 10-byte UID with ATQA/SAK given" "0011223344556677889A 0044 08" \
	'UID (NFCID1): 00  11  22  33  44  55  66  77  88  9a' 'SAK (SEL_RES): 08'
ctl insert 04A1B2C3 >/dev/null

# --- a fault: nfc-list fails (and does not hang); clearing it heals ---
for f in baddcs errframe garbage; do
	ctl fault "$f" >/dev/null
	nfc_list # nfc-list exits 0 even when it cannot open the device: read its output
	if grep -q 'UID (NFCID1)' "$dir/nfc-list.out"; then
		not_ok "fault $f: nfc-list should fail" < <(cat "$dir/cmd" "$dir/nfc-list.out")
	else
		ok "fault $f: nfc-list fails cleanly ($(grep -v usbbus "$dir/nfc-list.out" | grep -m1 -i error | tr '\t' ' ' | cut -c1-80))"
	fi
	ctl fault none >/dev/null
done
if nfc_list && grep -q 'UID (NFCID1): 04  a1  b2  c3' "$dir/nfc-list.out"; then
	ok "after the faults, nfc-list lists the card again"
else
	not_ok "after the faults, nfc-list lists the card again" < <(cat "$dir/cmd" "$dir/nfc-list.out")
fi

# --- a timed fault ends by itself ---
ctl fault silence 0.5 >/dev/null
sleep 0.7
if nfc_list && grep -q 'UID (NFCID1)' "$dir/nfc-list.out"; then
	ok "a timed fault (silence 0.5 s) ends by itself"
else
	not_ok "a timed fault ends by itself" < <(cat "$dir/cmd" "$dir/nfc-list.out")
fi

# --- device gone: the link disappears, then a new pty comes back behind it ---
old=$(readlink "$link")
ctl fault gone 1 >"$dir/gone.out"
nfc_list
if [ ! -e "$link" ] && grep -q 'Unable to open NFC device' "$dir/nfc-list.out"; then
	ok "fault gone: the device disappears ($(cat "$dir/gone.out"))"
else
	not_ok "fault gone: the device disappears" < <({ cat "$dir/gone.out"; ls -l "$link" 2>&1; cat "$dir/nfc-list.out"; })
fi
sleep 1.2
wait_for_link
if nfc_list && grep -q 'UID (NFCID1): 04  a1  b2  c3' "$dir/nfc-list.out"; then
	ok "the device comes back behind the same link ($old -> $(readlink "$link"))"
else
	not_ok "the device comes back after gone" < <(cat "$dir/cmd" "$dir/nfc-list.out")
fi

# --- the control socket refuses nonsense and keeps working ---
bad=0
for line in "" "insert" "insert 04A1B2" "insert 04A1B2C3 04 08" "insert zz" "delay -1" "delay abc" \
	"fault bogus" "fault silence -2" "fault none 1 2" "launch missiles" \
	"$(head -c 300 /dev/zero | tr '\0' 'x')"; do
	answer=$(ctl "$line")
	case $answer in
	error*) ;;
	*)
		echo "'$line' -> '$answer'"
		bad=1
		;;
	esac
done >"$dir/ctl.out"
python3 - "$sock" <<'EOF' >>"$dir/ctl.out" 2>&1
import os, socket, sys
# raw bytes, NULs, a line far too long, a client that hangs up mid-line
for payload in (os.urandom(2000), b"\x00\xff" * 300 + b"\n", b"status", b"x" * 5000 + b"\nstatus\n"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(payload)
    s.close()
EOF
status=$(ctl status)
if [ $bad -eq 0 ] && kill -0 "$emu_pid" 2>/dev/null && [ "${status#ok card=04A1B2C3}" != "$status" ]; then
	ok "control socket refuses bad lines and junk, emulator still answers: ${status:0:60}..."
else
	not_ok "control socket robustness" < <({ cat "$dir/ctl.out"; echo "status: $status"; })
fi

kill "$emu_pid" 2>/dev/null
wait "$emu_pid" 2>/dev/null
rc=$?
emu_pid=
if [ $rc -eq 0 ] && [ ! -e "$link" ] && [ ! -e "$sock" ]; then
	ok "pn532emu stops on SIGTERM and removes its link and socket"
else
	not_ok "pn532emu clean stop" < <({ echo "exit $rc"; ls -l "$dir"; cat "$dir/emu.err"; })
fi
[ $failed -eq 0 ]
