#!/usr/bin/env bash
# A teacher's day on the board only (tests/browser/teacher-day.test.js): arrivals,
# a late one, counts, search and groups, a sick note, a wrong absence withdrawn and
# one changed, a card replaced, a correction, the class list printed, the audit log
# in sentences; axe-core and no horizontal scroll on every page at 390 px.
# Debian's chromium, playwright-core and axe-core from tests/browser/node_modules
# (`make browser-deps`).  Screenshots: tests/out/screenshots/td-*.png.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/browser/node_modules/playwright-core ] ||
	[ ! -d tests/browser/node_modules/axe-core ]; then
	echo "not ok - chromium, playwright-core or axe-core missing (run: make browser-deps)"
	exit 1
fi
exec timeout 300 node tests/browser/teacher-day.test.js
