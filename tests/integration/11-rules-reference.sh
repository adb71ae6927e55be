#!/usr/bin/env bash
# 11-rules-reference.sh — 200 random scenarios (seed 14) through `$BIN/stempelctl rules
# eval`, each compared day by day with tests/rules/reference.py, a second plain
# implementation of RULES.md's minute arithmetic.  Runs from the repo root with BIN set.
set -u
BIN=${BIN:-build/rel}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if python3 tests/rules/reference.py "$BIN/stempelctl" 200 14 >"$log" 2>&1; then
	echo "ok - $(tail -n 1 "$log")"
else
	echo "not ok - the engine and tests/rules/reference.py disagree"
	sed 's/^/    /' "$log"
	exit 1
fi
