#!/usr/bin/env bash
# stempelctl and stempeld on bad input: clear messages naming file, line, key or
# field, the documented exit codes, and nothing written by a rejected roster.
set -u
BIN=${BIN:-build/asan}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fails=0
check() { # description, then a command that must succeed
	local desc=$1; shift
	if out=$("$@" 2>&1); then echo "ok - $desc"; else echo "not ok - $desc"; echo "$out" | sed 's/^/    /'; fails=$((fails+1)); fi
}
# expect CODE PATTERN CMD...: exit code and a message matching PATTERN
expect() {
	local code=$1 pat=$2; shift 2
	local out rc
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" = "$code" ] && grep -qE -- "$pat" <<<"$out"; then
		echo "ok - $* -> exit $code, says: $(head -n1 <<<"$out")"
	else
		echo "not ok - $* -> expected exit $code and /$pat/"; echo "    got exit $rc: $out"
		fails=$((fails+1))
	fi
}
ctl="$BIN/stempelctl -c $d/ok.conf"
printf '[kiosk]\nstate_dir = %s/state\n[reader]\nsocket = %s/r.sock\n' "$d" "$d" >"$d/ok.conf"
printf '[kiosk]\nstate_dir = %s/state\n\n[web]\nprot = 8080\n' "$d" >"$d/bad.conf"

expect 2 "bad.conf:5: \[web\] prot: unknown key in \[web\]" "$BIN/stempeld" -c "$d/bad.conf"
expect 2 "bad.conf:5: \[web\] prot" "$BIN/stempelctl" -c "$d/bad.conf" status
expect 2 "cannot open" "$BIN/stempeld" -c "$d/missing.conf"
expect 0 "ok" "$BIN/stempeld" -c "$d/ok.conf" --check-config
expect 2 "usage" "$BIN/stempelctl"
expect 2 "unknown command 'frobnicate'" $ctl frobnicate
check "init creates database and key" $ctl init
check "device key is 0600" test "$(stat -c %a "$d/state/device.key")" = 600
check "database is 0600" test "$(stat -c %a "$d/state/stempel.db")" = 600
check "participant add" $ctl participant add P-1 "Amina Yusuf" --language so --schedule "1-5 08:30-14:30"
expect 0 "P-1 +Amina Yusuf +so" $ctl participant list
expect 2 "schedule 'Mon 8-14'" $ctl participant add P-2 X --schedule "Mon 8-14"
expect 2 "participant id 'bad id'" $ctl participant add "bad id" X
check "card enroll" $ctl card enroll 04:a1:b2:01 P-1
expect 2 "UID 'XYZ': expected 4, 7 or 10 bytes" $ctl card enroll XYZ P-1
expect 2 "participant 'P-9': no such participant" $ctl card enroll 04A1B202 P-9
expect 2 "card 04A1B209: not enrolled" $ctl card revoke 04A1B209
check "card revoke" $ctl card revoke 04A1B201
check "the UID is not stored in clear" sh -c "! sqlite3 '$d/state/stempel.db' .dump | grep -qi 04a1b201"
echo '{"participants":[{"id":"P-2","name":"B","programme_start":"2026-13-01"}]}' >"$d/r1.json"
expect 2 "participants\[0\].programme_start: expected a date YYYY-MM-DD" $ctl roster import "$d/r1.json"
echo '{"participants":[{"id":"P-2","name":"B","programme_start":"2026-01-05","cards":["04A1B201"]},{"id":"P-3","name":"C","programme_start":"2026-01-05","cards":["04a1b201"]}]}' >"$d/r2.json"
expect 2 "participants\[1\].cards\[0\]: card 04A1B201 is also given to P-2" $ctl roster import "$d/r2.json"
echo '{"participants": [' >"$d/r3.json"
expect 2 "r3.json: line 2 column 0" $ctl roster import "$d/r3.json"
check "a rejected roster wrote nothing" test "$(sqlite3 "$d/state/stempel.db" 'select count(*) from participants')" = 1
expect 1 "is stempeld running" $ctl tap 04A1B201
expect 1 "daemon +not reachable" $ctl status
check "every change is in the audit log" test "$(sqlite3 "$d/state/stempel.db" "select count(*) from audit where who like 'cli:%'")" -ge 4
check "the audit log names the account, never cli:unknown" test "$(sqlite3 "$d/state/stempel.db" "select count(*) from audit where who = 'cli:unknown' or who = 'cli:'")" = 0
# A relative state_dir is relative to the config file's folder, not to the shell's.
mkdir -p "$d/rel" "$d/elsewhere"
abs_bin=$(cd "$BIN" && pwd)
printf '[kiosk]\nstate_dir = state\n' >"$d/rel/k.conf"
check "relative state_dir: participant add from another folder" sh -c "cd '$d/elsewhere' && '$abs_bin/stempelctl' -c ../rel/k.conf participant add P-R Rel"
check "relative state_dir: the database is beside the config file" test -f "$d/rel/state/stempel.db"
check "relative state_dir: no second database in the shell's folder" test ! -e "$d/elsewhere/state"
check "relative state_dir: status from a third folder finds the participant" sh -c "cd / && '$abs_bin/stempelctl' -c '$d/rel/k.conf' participant list | grep -q P-R"
[ $fails -eq 0 ]
