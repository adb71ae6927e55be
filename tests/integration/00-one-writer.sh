#!/usr/bin/env bash
# The one-writer rules, checked on the source (grep), so a new file cannot quietly
# break them (issue 13):
#   1. no transaction is opened outside the command layer (firmware/cmd/) and the
#      store (firmware/store*.c): no BEGIN/COMMIT/ROLLBACK/SAVEPOINT SQL, no
#      store_begin/commit/rollback, no sqlite3_exec; store_txn() only in the
#      daemon's own bookkeeping listed below (day results, pay adjustments, the
#      uploader's roster pull and alarm);
#   2. every wall-clock "now" comes from firmware/clock.c: no time(NULL),
#      gettimeofday or CLOCK_REALTIME elsewhere (a line marked "clock-ok: timeout"
#      is a deadline an API wants in CLOCK_REALTIME; monotonic time is fine);
#   3. every change is audited only through the command layer (store_audit callers).
# Tests, benches and fuzzers are not checked.
set -u
cd "$(dirname "$0")/../.."
fails=0
src() { find firmware hal uploader -name '*.c' -o -name '*.h' | sort; }
report() { # description, offending lines (empty = ok)
	if [ -z "$2" ]; then echo "ok - $1"; else echo "not ok - $1"; sed 's/^/    /' <<<"$2"; fails=$((fails+1)); fi
}
outside_store_cmd=$(src | grep -vE '^firmware/(store[a-z_]*\.[ch]|cmd/)')

# 1. transactions
bad=$(grep -nE '"(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b|\bstore_(begin|commit|rollback)\(|\bsqlite3_exec\(' $outside_store_cmd)
report "no transaction opened outside firmware/cmd/ and firmware/store*.c" "$bad"
allowed='^(firmware/attendance\.c|firmware/period\.c|firmware/roster\.c|uploader/roster_sync\.c):'
bad=$(grep -nE '\bstore_txn\(' $outside_store_cmd | grep -vE "$allowed")
report "store_txn() outside the command layer only for the daemon's own bookkeeping" "$bad"
# and the command layer itself runs every command through cmd_txn (cmd_card.c,
# cmd_correction.c and cmd_user.c hold what several commands share)
bad=$(grep -LE 'cmd_txn\(' firmware/cmd/cmd_*.c | grep -vE 'cmd/cmd_(card|correction|user)\.c$')
report "every command file runs through cmd_txn()" "$bad"

# 2. the clock
bad=$(grep -nE '\btime\(NULL\)|\btime\(&|\bgettimeofday\(|CLOCK_REALTIME' $(src | grep -v '^firmware/clock\.c$') |
      grep -v 'clock-ok: timeout')
report "every wall-clock now comes from firmware/clock.c" "$bad"

# 3. the audit log
bad=$(grep -nE '\bstore_audit\(' $outside_store_cmd | grep -vE '^firmware/period\.c:.*"period\.adjust"')
report "audit entries only through the command layer (and the daemon's period.adjust)" "$bad"

[ $fails -eq 0 ]
