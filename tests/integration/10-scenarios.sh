#!/usr/bin/env bash
# 10-scenarios.sh — every scenario in tests/rules/scenarios through
# `$BIN/stempelctl rules eval`, checking each field its "expect" names
# (tests/rules/expect.py); {"error": true} expects exit 2 and a message on stderr.
# Runs from the repo root with BIN set (e.g. build/asan).
set -u
BIN=${BIN:-build/rel}
out=${TMPDIR:-/tmp}/stempel-scenarios.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
failed=0

indent() { sed 's/^/    /'; }

for f in tests/rules/scenarios/*.json; do
	name=$(basename "$f" .json)
	"$BIN/stempelctl" rules eval "$f" >"$out/res.json" 2>"$out/err.txt"
	rc=$?
	if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["expect"] == {"error": True} else 1)' "$f"; then
		if [ "$rc" -eq 2 ] && [ -s "$out/err.txt" ] && [ ! -s "$out/res.json" ]; then
			echo "ok - $name: refused (exit 2): $(head -c 160 "$out/err.txt")"
		else
			echo "not ok - $name: expected exit 2 with a message on stderr"
			{ echo "exit $rc"; cat "$out/err.txt"; head -5 "$out/res.json"; } | indent
			failed=$((failed + 1))
		fi
		continue
	fi
	if [ "$rc" -ne 0 ]; then
		echo "not ok - $name: exit $rc"
		indent <"$out/err.txt"
		failed=$((failed + 1))
	elif python3 tests/rules/expect.py "$f" "$out/res.json" >"$out/diff.txt" 2>&1; then
		echo "ok - $name"
	else
		echo "not ok - $name"
		indent <"$out/diff.txt"
		failed=$((failed + 1))
	fi
done

# The copies stay in sync with the spec's scenarios (shared/ beside the checkout).
if [ -d ../shared/scenarios ]; then
	stale=""
	for f in ../shared/scenarios/*.json; do
		cmp -s "$f" "tests/rules/scenarios/$(basename "$f")" || stale="$stale $(basename "$f")"
	done
	if [ -z "$stale" ]; then
		echo "ok - tests/rules/scenarios has every scenario of shared/scenarios, unchanged"
	else
		echo "not ok - tests/rules/scenarios is out of sync with shared/scenarios"
		echo "   missing or different:$stale (copy them over)"
		failed=$((failed + 1))
	fi
fi

# The same scenario from stdin ("-") gives the same result as from the file.
first=$(ls tests/rules/scenarios/*.json | head -1)
if "$BIN/stempelctl" rules eval - <"$first" >"$out/a.json" 2>&1 &&
	"$BIN/stempelctl" rules eval "$first" >"$out/b.json" 2>&1 && cmp -s "$out/a.json" "$out/b.json"; then
	echo "ok - rules eval reads stdin"
else
	echo "not ok - rules eval reads stdin"
	failed=$((failed + 1))
fi

# Malformed input: exit 2 and the field's path on stderr.
printf '{"regime": "no-integreringsloven", "period": {"from": "2025-10-01", "to": "2025-10-02"},
 "participant": {"programme_start": "2025-01-06"}, "schedule": [],
 "taps": ["2025-10-01T08:00", "yesterday"]}' >"$out/bad.json"
"$BIN/stempelctl" rules eval "$out/bad.json" >/dev/null 2>"$out/err.txt"
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'taps\[1\]: expected "YYYY-MM-DDTHH:MM"' "$out/err.txt"; then
	echo "ok - malformed tap is refused with its path"
else
	echo "not ok - malformed tap is refused with its path"
	{ echo "exit $rc"; cat "$out/err.txt"; } | indent
	failed=$((failed + 1))
fi
echo '{"regime": ' >"$out/broken.json"
"$BIN/stempelctl" rules eval "$out/broken.json" >/dev/null 2>"$out/err.txt"
rc=$?
if [ "$rc" -eq 2 ] && [ -s "$out/err.txt" ]; then
	echo "ok - broken JSON is refused"
else
	echo "not ok - broken JSON is refused (exit $rc)"
	failed=$((failed + 1))
fi

[ "$failed" -eq 0 ]
